/* Blind noise-level estimation (ts-noise-estimate.h).
 * Without arguments: synthetic images (unit suite). With --reference: the accuracy on BSD68
 * with added Gaussian noise at sigma 5, 15, 25, 50 (reference suite; exits 77 when
 * ../shared is absent). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "ts-io.h"
#include "ts-noise.h"
#include "ts-noise-estimate.h"
#include "test-util.h"

typedef double (*PatternFunc) (int x, int y, int k);

static TsImage *
make_image (int w, int h, int c, PatternFunc f, double sigma, guint64 seed)
{
  TsImage *image = ts_image_new (w, h, c, NULL);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int k = 0; k < c; k++)
        image->data[((gsize) y * w + x) * c + k] = (float) f (x, y, k);
  if (sigma > 0.0)
    ts_noise_add_gaussian (image, sigma, seed);
  return image;
}

static double
flat (int x, int y, int k)
{
  (void) x; (void) y; (void) k;
  return 0.5;
}

static double
gradients (int x, int y, int k)
{
  return 0.1 + 0.6 * x / 256.0 + 0.2 * y / 256.0 + 0.1 * sin (x / 17.0 + k) * cos (y / 23.0);
}

/* Sharp-edged 8-pixel squares of contrast 0.6 on a ramp: Immerkaer's nightmare. */
static double
edges (int x, int y, int k)
{
  (void) k;
  return 0.2 + 0.6 * (((x / 8) + (y / 8)) % 2) + 0.1 * y / 256.0;
}

static void
assert_relative (double estimate, double truth, double tolerance)
{
  g_test_message ("estimate %.3f, truth %.3f (0-255)", estimate * 255, truth * 255);
  if (!(fabs (estimate - truth) <= tolerance * truth))
    g_error ("estimate %.4f (0-255) is not within %.0f %% of %.4f", estimate * 255,
             tolerance * 100, truth * 255);
}

static void
test_flat (void)
{
  const double sigmas[] = { 2.0, 10.0, 30.0, 60.0 };
  for (gsize i = 0; i < G_N_ELEMENTS (sigmas); i++)
    {
      g_autoptr (TsImage) image = make_image (200, 160, 1, flat, sigmas[i] / 255.0, 7 + i);
      assert_relative (ts_noise_estimate (image), sigmas[i] / 255.0, 0.03);
    }
}

static void
test_gradients (void)
{
  const double sigmas[] = { 3.0, 15.0, 40.0 };
  for (gsize i = 0; i < G_N_ELEMENTS (sigmas); i++)
    {
      g_autoptr (TsImage) image = make_image (256, 256, 1, gradients, sigmas[i] / 255.0, 11 + i);
      assert_relative (ts_noise_estimate (image), sigmas[i] / 255.0, 0.04);
    }
}

static void
test_edges (void)
{
  const double sigma = 10.0 / 255.0;
  g_autoptr (TsImage) image = make_image (256, 256, 1, edges, sigma, 3);
  double estimate = ts_noise_estimate (image);
  double immerkaer = ts_noise_estimate_immerkaer (image, 0);
  g_test_message ("edges: patch-PCA %.3f, Immerkaer %.3f (truth 10)", estimate * 255, immerkaer * 255);
  assert_relative (estimate, sigma, 0.05);
  /* The edge-blind estimator is far off here: the selection is what makes the difference. */
  g_assert_cmpfloat (immerkaer, >, 1.15 * sigma);
}

static void
test_colour_and_alpha (void)
{
  const double sigma = 20.0 / 255.0;
  g_autoptr (TsImage) rgb = make_image (160, 160, 3, gradients, sigma, 5);
  double e_rgb = ts_noise_estimate (rgb);
  assert_relative (e_rgb, sigma, 0.04);
  double mean = 0.0;
  for (int c = 0; c < 3; c++)
    mean += ts_noise_estimate_channel (rgb, c) / 3.0;
  g_assert_cmpfloat (fabs (mean - e_rgb), <, 1e-12);

  /* RGBA with a noisy alpha: the alpha channel is ignored. */
  g_autoptr (TsImage) rgba = ts_image_new (160, 160, 4, NULL);
  g_autoptr (TsImage) alpha_noise = ts_image_new (160, 160, 1, NULL);
  ts_noise_add_gaussian (alpha_noise, 0.3, 99);
  for (gsize p = 0; p < (gsize) 160 * 160; p++)
    {
      memcpy (rgba->data + p * 4, rgb->data + p * 3, 3 * sizeof (float));
      rgba->data[p * 4 + 3] = alpha_noise->data[p];
    }
  g_assert_cmpfloat (fabs (ts_noise_estimate (rgba) - e_rgb), <, 1e-12);
}

static void
test_degenerate (void)
{
  /* Noise-free: (close to) zero. */
  g_autoptr (TsImage) clean = make_image (64, 64, 1, gradients, 0.0, 0);
  g_assert_cmpfloat (ts_noise_estimate (clean), <, 0.3 / 255.0);
  g_autoptr (TsImage) constant = make_image (64, 64, 1, flat, 0.0, 0);
  g_assert_cmpfloat (ts_noise_estimate (constant), ==, 0.0);
  /* Too small for patches: Immerkaer's fallback, then 0. */
  g_autoptr (TsImage) small = make_image (6, 5, 1, flat, 0.1, 1);
  double e = ts_noise_estimate (small);
  g_assert_true (isfinite (e) && e > 0.0);
  g_autoptr (TsImage) tiny = make_image (2, 2, 1, flat, 0.1, 1);
  g_assert_cmpfloat (ts_noise_estimate (tiny), ==, 0.0);
  /* Barely big enough for 7x7 patches, but too few of them for a covariance: still sane. */
  g_autoptr (TsImage) few = make_image (12, 12, 1, flat, 0.1, 2);
  e = ts_noise_estimate (few);
  g_assert_true (isfinite (e) && e > 0.05 && e < 0.15);
}

/* --- BSD68 ------------------------------------------------------------------------------- */

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static void
test_bsd68 (void)
{
  const double sigmas[] = { 5.0, 15.0, 25.0, 50.0 };
  double abs_err[G_N_ELEMENTS (sigmas)] = { 0 }, bias[G_N_ELEMENTS (sigmas)] = { 0 };
  g_autofree char *dir = g_build_filename (ts_test_shared_dir (), "data", "bsd68", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) handle = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (handle)) != NULL)
    if (g_str_has_suffix (name, ".png"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_assert_cmpuint (names->len, ==, 68);
  gint64 start = g_get_monotonic_time ();
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, g_ptr_array_index (names, i), NULL);
      g_autoptr (TsImage) clean = ts_image_load (path, &error);
      g_assert_no_error (error);
      for (gsize s = 0; s < G_N_ELEMENTS (sigmas); s++)
        {
          g_autoptr (TsImage) noisy = ts_image_copy (clean);
          /* Not clipped: the estimator is judged on the noise it is told about. */
          ts_noise_add_gaussian (noisy, sigmas[s] / 255.0, 1000 + 10 * (guint64) i + s);
          double e = ts_noise_estimate (noisy) * 255.0;
          abs_err[s] += fabs (e - sigmas[s]) / names->len;
          bias[s] += (e - sigmas[s]) / names->len;
        }
    }
  double seconds = (g_get_monotonic_time () - start) / 1e6;
  printf ("# BSD68, %u images, %.1f s\n# sigma  MAE    bias\n", names->len, seconds);
  for (gsize s = 0; s < G_N_ELEMENTS (sigmas); s++)
    printf ("# %5.0f  %.3f  %+.3f\n", sigmas[s], abs_err[s], bias[s]);
  for (gsize s = 0; s < G_N_ELEMENTS (sigmas); s++)
    if (!(abs_err[s] < 1.0))
      g_error ("sigma %g: mean absolute error %.3f >= 1.0", sigmas[s], abs_err[s]);
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
      g_test_add_func ("/noise-estimate/bsd68", test_bsd68);
      return g_test_run ();
    }
  g_test_add_func ("/noise-estimate/flat", test_flat);
  g_test_add_func ("/noise-estimate/gradients", test_gradients);
  g_test_add_func ("/noise-estimate/edges", test_edges);
  g_test_add_func ("/noise-estimate/colour-and-alpha", test_colour_and_alpha);
  g_test_add_func ("/noise-estimate/degenerate", test_degenerate);
  return g_test_run ();
}
