/* The blind noise level for the denoiser (ts-noise-level.h).
 * Without arguments (unit suite): a synthetic scene developed like a camera JPEG (Bayer
 * mosaic, Poisson-Gaussian noise, demosaicing, gamma, noise reduction, JPEG), the same
 * without noise, with white noise, and bad input. With --reference (reference suite; exits
 * 77 without ../shared): BSD68 with added white noise at sigma 5..50 and clean CBSD68. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "ts-io.h"
#include "ts-io-jpeg.h"
#include "ts-noise.h"
#include "ts-noise-estimate.h"
#include "ts-noise-level.h"
#include "ts-random.h"
#include "test-util.h"

#define SIDE 192
/* White-balance gains R, G, B: a camera's raw red and blue are weaker than its green. */
static const double white_balance[3] = { 2.0, 1.0, 1.6 };

/* A clean sRGB scene in [0, 1]: smooth colour gradients, flat rectangles with sharp edges
 * and a patch of fine texture, so that a clean picture has detail to confuse with noise. */
static TsImage *
make_scene (void)
{
  TsImage *image = ts_image_new (SIDE, SIDE, 3, NULL);
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++)
      for (int c = 0; c < 3; c++)
        {
          double v = 0.25 + 0.4 * x / SIDE + 0.15 * c * y / SIDE;
          if (x > 40 && x < 100 && y > 30 && y < 90)
            v = 0.7 - 0.2 * c;
          if (x > 120 && y > 110)
            v += 0.08 * sin (x * 1.3 + c) * cos (y * 0.9);
          image->data[((gsize) y * SIDE + x) * 3 + c] = (float) CLAMP (v, 0.0, 1.0);
        }
  return image;
}

static double
srgb_to_linear (double v)
{
  return v <= 0.04045 ? v / 12.92 : pow ((v + 0.055) / 1.055, 2.4);
}

static double
linear_to_srgb (double v)
{
  v = CLAMP (v, 0.0, 1.0);
  return v <= 0.0031308 ? 12.92 * v : 1.055 * pow (v, 1.0 / 2.4) - 0.055;
}

/* Bayer RGGB: the channel a photosite sees. */
static int
bayer_channel (int x, int y)
{
  return (y % 2 == 0) ? (x % 2 == 0 ? 0 : 1) : (x % 2 == 0 ? 1 : 2);
}

/* Separable Gaussian low-pass of one plane (mirror edges). */
static void
blur_plane (float *plane, double sigma)
{
  int r = (int) ceil (3.0 * sigma);
  double kernel[32];
  double sum = 0.0;
  for (int i = -r; i <= r; i++)
    sum += kernel[i + r] = exp (-0.5 * i * i / (sigma * sigma));
  float *tmp = g_new (float, SIDE * SIDE);
  for (int pass = 0; pass < 2; pass++)
    {
      float *src = pass == 0 ? plane : tmp, *dst = pass == 0 ? tmp : plane;
      for (int y = 0; y < SIDE; y++)
        for (int x = 0; x < SIDE; x++)
          {
            double v = 0.0;
            for (int i = -r; i <= r; i++)
              {
                int xi = pass == 0 ? x + i : x, yi = pass == 0 ? y : y + i;
                xi = xi < 0 ? -xi : xi >= SIDE ? 2 * SIDE - 2 - xi : xi;
                yi = yi < 0 ? -yi : yi >= SIDE ? 2 * SIDE - 2 - yi : yi;
                v += kernel[i + r] * src[yi * SIDE + xi];
              }
            /* Transposed store: two passes blur both directions and restore the layout. */
            dst[x * SIDE + y] = (float) (v / sum);
          }
    }
  g_free (tmp);
}

/* The scene developed like an in-camera JPEG: linear light, inverse white balance, RGGB
 * mosaic, Poisson-Gaussian noise of variance a L + b (none when a is 0), white balance,
 * bilinear demosaicing, sRGB gamma, noise reduction (Gaussian low-pass of 0.7 pixels on the
 * opponent luminance and of 2 pixels on the chroma; none when `noise_reduction` is FALSE, as in
 * bench/bench-camera.py), JPEG at `quality` and back (Tessera's writer: 4:4:4 chroma from 90 up,
 * 4:2:0 below, as cameras and PIL write). */
static TsImage *
develop_like_a_camera (const TsImage *scene, double a, double b, guint64 seed,
                       gboolean noise_reduction, int quality)
{
  TsRandom rng;
  ts_random_seed (&rng, seed);
  g_autofree float *raw = g_new (float, SIDE * SIDE);
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++)
      {
        int c = bayer_channel (x, y);
        double v = srgb_to_linear (scene->data[((gsize) y * SIDE + x) * 3 + c]) / white_balance[c];
        if (a > 0.0)
          v += sqrt (a * v + b) * ts_random_normal (&rng);
        raw[y * SIDE + x] = (float) v;
      }
  /* Bilinear demosaicing: each channel the mean of its nearest photosites. */
  g_autofree float *planes = g_new (float, 3 * SIDE * SIDE);
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++)
      for (int c = 0; c < 3; c++)
        {
          double sum = 0.0, weight = 0.0;
          int reach = bayer_channel (x, y) == c ? 0 : 1;
          for (int dy = -reach; dy <= reach; dy++)
            for (int dx = -reach; dx <= reach; dx++)
              {
                int xi = x + dx, yi = y + dy;
                if (xi < 0 || yi < 0 || xi >= SIDE || yi >= SIDE || bayer_channel (xi, yi) != c)
                  continue;
                double w = (dx == 0 || dy == 0) ? 2.0 : 1.0;
                sum += w * raw[yi * SIDE + xi];
                weight += w;
              }
          planes[c * SIDE * SIDE + y * SIDE + x]
            = (float) linear_to_srgb (white_balance[c] * sum / weight);
        }
  /* Noise reduction in the opponent basis (ts-colour.h). */
  const double s3 = 1.0 / sqrt (3.0), s2 = 1.0 / sqrt (2.0), s6 = 1.0 / sqrt (6.0);
  const double basis[3][3] = { { s3, s3, s3 }, { s2, 0.0, -s2 }, { s6, -2.0 * s6, s6 } };
  g_autofree float *opp = g_new0 (float, 3 * SIDE * SIDE);
  for (int i = 0; i < SIDE * SIDE; i++)
    for (int r = 0; r < 3; r++)
      for (int k = 0; k < 3; k++)
        opp[r * SIDE * SIDE + i] += (float) (basis[r][k] * planes[k * SIDE * SIDE + i]);
  if (noise_reduction)
    {
      blur_plane (opp, 0.7);
      blur_plane (opp + SIDE * SIDE, 2.0);
      blur_plane (opp + 2 * SIDE * SIDE, 2.0);
    }
  g_autoptr (TsImage) developed = ts_image_new (SIDE, SIDE, 3, NULL);
  for (int i = 0; i < SIDE * SIDE; i++)
    for (int k = 0; k < 3; k++)
      {
        double v = 0.0;
        for (int r = 0; r < 3; r++)
          v += basis[r][k] * opp[r * SIDE * SIDE + i];
        developed->data[(gsize) i * 3 + k] = (float) CLAMP (v, 0.0, 1.0);
      }
  g_autofree char *path = ts_test_tmp_path ("camera.jpg");
  g_autoptr (GError) error = NULL;
  g_assert_true (ts_image_save_jpeg (developed, path, quality, &error));
  TsImage *jpeg = ts_image_load (path, &error);
  g_assert_no_error (error);
  return jpeg;
}

static void
report (const char *what, const TsNoiseLevel *level)
{
  g_test_message ("%s: sigma %.2f (%s), white Y %.2f, coarse %.2f, evenness %.3f, camera "
                  "probability %.3f", what, 255.0 * level->sigma, ts_noise_kind_name (level->kind),
                  255.0 * level->white[0], 255.0 * level->coarse, level->evenness,
                  level->camera_probability);
}

/* Camera noise reads far below its level as white noise (below 2, 0-255 units): the level
 * must be read as camera noise, at several times the white reading and within the range the
 * denoiser wants for such noise (2.5-17 on the examples of tools/fit-camera-noise.py), while a
 * clean development of the same scene stays low. */
static void
test_camera_jpeg (void)
{
  g_autoptr (TsImage) scene = make_scene ();
  const double gains[] = { 1e-3, 2e-3 };
  for (gsize i = 0; i < G_N_ELEMENTS (gains); i++)
    {
      g_autoptr (TsImage) noisy = develop_like_a_camera (scene, gains[i], 1.5e-2 * gains[i], 3 + i,
                                                          TRUE, 90);
      TsNoiseLevel level;
      ts_noise_level_estimate (noisy, &level);
      report ("camera", &level);
      g_assert_cmpint (level.n_planes, ==, 3);
      g_assert_cmpint (level.kind, ==, TS_NOISE_CAMERA);
      g_assert_cmpfloat (level.white[0], <, 2.0 / 255.0);
      g_assert_cmpfloat (level.sigma, >, 3.0 * level.white[0]);
      g_assert_cmpfloat (255.0 * level.sigma, >, 2.0);
      g_assert_cmpfloat (255.0 * level.sigma, <, 17.0);
    }
  g_autoptr (TsImage) clean = develop_like_a_camera (scene, 0.0, 0.0, 0, TRUE, 90);
  TsNoiseLevel level;
  ts_noise_level_estimate (clean, &level);
  report ("clean", &level);
  g_assert_cmpfloat (255.0 * level.sigma, <, 1.0);
}

/* Strong camera noise without in-camera noise reduction (the camera-like benchmark's
 * pipeline, gains of bench/bench-camera.py with b from the read-noise relation, 4:2:0 JPEG): the
 * fine scale reads it at a fraction of its level (and the chroma planes below the luminance); the
 * level
 * must follow the coarse reading (the denoiser wants 1-2 times it there), while the same scene
 * developed without noise and without noise reduction stays low. */
static void
test_camera_strong (void)
{
  g_autoptr (TsImage) scene = make_scene ();
  const double gains[] = { 4e-3, 1.6e-2 };
  for (gsize i = 0; i < G_N_ELEMENTS (gains); i++)
    {
      double read_noise = 3.32 * pow (gains[i], 2.18);
      g_autoptr (TsImage) noisy = develop_like_a_camera (scene, gains[i], read_noise, 7 + i, FALSE, 89);
      TsNoiseLevel level;
      ts_noise_level_estimate (noisy, &level);
      report ("strong camera", &level);
      g_assert_cmpint (level.kind, ==, TS_NOISE_CAMERA);
      g_assert_cmpfloat (level.sigma, >, 2.0 * level.white[0]);
      g_assert_cmpfloat (level.sigma, >=, level.coarse);
      g_assert_cmpfloat (level.sigma, <=, 2.0 * level.coarse);
    }
  g_autoptr (TsImage) clean = develop_like_a_camera (scene, 0.0, 0.0, 0, FALSE, 89);
  TsNoiseLevel level;
  ts_noise_level_estimate (clean, &level);
  report ("clean, no noise reduction", &level);
  g_assert_cmpfloat (255.0 * level.sigma, <, 1.0);
}

/* White noise is read as before: the fine-scale reading, within a few per cent. */
static void
test_white (void)
{
  g_autoptr (TsImage) scene = make_scene ();
  const double sigmas[] = { 5.0, 15.0, 40.0 };
  for (gsize i = 0; i < G_N_ELEMENTS (sigmas); i++)
    {
      g_autoptr (TsImage) noisy = ts_image_copy (scene);
      ts_noise_add_gaussian (noisy, sigmas[i] / 255.0, 20 + i);
      TsNoiseLevel level;
      ts_noise_level_estimate (noisy, &level);
      report ("white", &level);
      g_assert_cmpint (level.kind, ==, TS_NOISE_WHITE);
      g_assert_cmpfloat (fabs (255.0 * level.sigma - sigmas[i]), <, 0.05 * sigmas[i]);

      /* Gray: the same reading on one plane. */
      g_autoptr (TsImage) gray = ts_image_new (SIDE, SIDE, 1, NULL);
      for (gsize p = 0; p < (gsize) SIDE * SIDE; p++)
        gray->data[p] = noisy->data[p * 3 + 1];
      ts_noise_level_estimate (gray, &level);
      g_assert_cmpint (level.n_planes, ==, 1);
      g_assert_cmpfloat (fabs (255.0 * level.sigma - sigmas[i]), <, 0.06 * sigmas[i]);
    }
}

/* Large pictures are read on their centre: fast, and the same level. */
static void
test_large (void)
{
  g_autoptr (TsImage) image = ts_image_new (3000, 2000, 3, NULL);
  for (gsize i = 0; i < ts_image_n_values (image); i++)
    image->data[i] = 0.5f;
  ts_noise_add_gaussian (image, 10.0 / 255.0, 4);
  TsNoiseLevel level;
  gint64 start = g_get_monotonic_time ();
  ts_noise_level_estimate (image, &level);
  double seconds = (g_get_monotonic_time () - start) / 1e6;
  g_test_message ("3000 x 2000: %.2f s, sigma %.2f", seconds, 255.0 * level.sigma);
  g_assert_cmpfloat (fabs (255.0 * level.sigma - 10.0), <, 0.3);
}

static void
test_bad_input (void)
{
  TsNoiseLevel level;
  g_autoptr (TsImage) tiny = ts_image_new (2, 2, 3, NULL);
  ts_noise_level_estimate (tiny, &level);
  g_assert_cmpint (level.n_planes, ==, 0);
  g_assert_cmpfloat (level.sigma, ==, 0.0);

  const int sides[] = { 3, 5, 9, 17 };
  for (gsize i = 0; i < G_N_ELEMENTS (sides); i++)
    for (int channels = 1; channels <= 4; channels++)
      {
        g_autoptr (TsImage) small = ts_image_new (sides[i], sides[i] + 1, channels, NULL);
        ts_noise_add_gaussian (small, 0.1, 1);
        ts_noise_level_estimate (small, &level);
        g_assert_true (isfinite (level.sigma) && level.sigma >= 0.0);
      }

  /* Non-finite values and a constant picture: finite, never negative. */
  g_autoptr (TsImage) odd = make_scene ();
  odd->data[100] = NAN;
  odd->data[5000] = INFINITY;
  ts_noise_level_estimate (odd, &level);
  g_assert_true (isfinite (level.sigma) && level.sigma >= 0.0);
  g_autoptr (TsImage) constant = ts_image_new (64, 64, 3, NULL);
  ts_noise_level_estimate (constant, &level);
  g_assert_cmpfloat (level.sigma, ==, 0.0);
}

/* --- reference data ------------------------------------------------------------------ */

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static GPtrArray *
list_pngs (const char *set)
{
  g_autofree char *dir = g_build_filename (ts_test_shared_dir (), "data", set, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) handle = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (handle)) != NULL)
    if (g_str_has_suffix (name, ".png"))
      g_ptr_array_add (paths, g_build_filename (dir, name, NULL));
  g_ptr_array_sort (paths, compare_names);
  return paths;
}

/* BSD68 (gray, all 68) and every 4th CBSD68 image (colour) with white noise, not clipped,
 * seeds as tests/test-noise-estimate.c: white noise is read as white noise, on gray exactly
 * ts_noise_estimate's reading (docs/benchmarks.md: mean absolute error 0.16-0.40, 0-255). */
static void
test_white_noise (void)
{
  const double sigmas[] = { 5.0, 15.0, 25.0, 50.0 };
  const char *sets[] = { "bsd68", "cbsd68" };
  g_autoptr (GError) error = NULL;
  for (gsize set = 0; set < G_N_ELEMENTS (sets); set++)
    {
      g_autoptr (GPtrArray) paths = list_pngs (sets[set]);
      guint step = set == 0 ? 1 : 4;
      for (gsize s = 0; s < G_N_ELEMENTS (sigmas); s++)
        {
          double abs_err = 0.0;
          int n = 0, camera = 0;
          for (guint i = 0; i < paths->len; i += step, n++)
            {
              g_autoptr (TsImage) noisy = ts_image_load (g_ptr_array_index (paths, i), &error);
              g_assert_no_error (error);
              ts_noise_add_gaussian (noisy, sigmas[s] / 255.0, 1000 + 10 * (guint64) i + s);
              TsNoiseLevel level;
              ts_noise_level_estimate (noisy, &level);
              abs_err += fabs (255.0 * level.sigma - sigmas[s]);
              camera += level.kind == TS_NOISE_CAMERA;
              if (noisy->channels == 1)
                g_assert_cmpfloat (fabs (level.sigma - ts_noise_estimate (noisy)), <, 1e-12);
            }
          printf ("# %s (%d images) sigma %2.0f: mean absolute error %.3f, %d read as camera noise\n",
                  sets[set], n, sigmas[s], abs_err / n, camera);
          g_assert_cmpint (camera, ==, 0);
          g_assert_cmpfloat (abs_err / n, <, 0.5);
        }
    }
}

/* Clean pictures: BSD68 (gray) and CBSD68 (colour), every 2nd. The level is printed; the
 * median must stay below 2 (0-255), where the denoiser barely changes a picture. */
static void
test_clean (void)
{
  const char *sets[] = { "bsd68", "cbsd68" };
  g_autoptr (GError) error = NULL;
  for (gsize s = 0; s < G_N_ELEMENTS (sets); s++)
    {
      g_autoptr (GPtrArray) paths = list_pngs (sets[s]);
      g_autoptr (GArray) levels = g_array_new (FALSE, FALSE, sizeof (double));
      for (guint i = 0; i < paths->len; i += 2)
        {
          g_autoptr (TsImage) clean = ts_image_load (g_ptr_array_index (paths, i), &error);
          g_assert_no_error (error);
          TsNoiseLevel level;
          ts_noise_level_estimate (clean, &level);
          double sigma = 255.0 * level.sigma;
          g_array_append_val (levels, sigma);
        }
      g_array_sort (levels, compare_doubles);
      double median = g_array_index (levels, double, levels->len / 2);
      double top = g_array_index (levels, double, levels->len - 1);
      printf ("# clean %s (%u images): level median %.2f, largest %.2f\n", sets[s], levels->len,
              median, top);
      g_assert_cmpfloat (median, <, 2.0);
    }
}

int
main (int argc, char **argv)
{
  gboolean reference = FALSE;
  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--reference") == 0)
      {
        reference = TRUE;
        memmove (argv + i, argv + i + 1, (argc - i) * sizeof (char *));
        argc--;
        i--;
      }
  g_test_init (&argc, &argv, NULL);
  if (reference)
    {
      if (ts_test_shared_dir () == NULL)
        {
          printf ("SKIP: ../shared is absent (set TESSERA_SHARED_DIR)\n");
          return 77;
        }
      g_test_add_func ("/noise-level/white-noise", test_white_noise);
      g_test_add_func ("/noise-level/clean", test_clean);
      return g_test_run ();
    }
  g_test_add_func ("/noise-level/camera-jpeg", test_camera_jpeg);
  g_test_add_func ("/noise-level/camera-strong", test_camera_strong);
  g_test_add_func ("/noise-level/white", test_white);
  g_test_add_func ("/noise-level/large", test_large);
  g_test_add_func ("/noise-level/bad-input", test_bad_input);
  return g_test_run ();
}
