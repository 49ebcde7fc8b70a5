/* The restore layer's noise (ts-restore-noise.h): strength is solving at a multiple of the
 * level, chroma strength changes the chroma planes' solve alone, Poisson-Gaussian denoising
 * goes through the transform and back, the plan refuses what it cannot do, and a plan from a
 * kept reading is the plan from the picture. */
#include <math.h>
#include <string.h>

#include "tessera.h"
#include "test-util.h"

#define SIDE 64
#define ITERS 8

/* A smooth colour (or gray) picture in [0.05, 0.95] with an edge. */
static TsImage *
picture (int channels)
{
  TsImage *image = ts_image_new (SIDE, SIDE, channels, NULL);
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++)
      for (int c = 0; c < channels; c++)
        {
          double v = 0.1 + 0.6 * x / SIDE + 0.2 * c * y / SIDE + (x > y ? 0.1 : 0.0);
          image->data[((gsize) y * SIDE + x) * channels + c] = (float) CLAMP (v, 0.05, 0.95);
        }
  return image;
}

static void
request_init (TsRestoreRequest *request, TsImage *image, const char *spec, double sigma)
{
  ts_restore_request_init (request);
  request->image = image;
  request->model_spec = spec;
  request->sigma = sigma;
  request->tol = 0.0;
  request->max_iter = ITERS;
}

static TsRestoreResult *
run (TsRestoreRequest *request)
{
  g_autoptr (GError) error = NULL;
  TsRestoreResult *result = ts_restore (request, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  return result;
}

static void
assert_identical (const TsImage *a, const TsImage *b)
{
  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpint (a->height, ==, b->height);
  g_assert_cmpint (a->channels, ==, b->channels);
  g_assert_cmpmem (a->data, ts_image_n_values (a) * sizeof (float), b->data,
                   ts_image_n_values (b) * sizeof (float));
}

/* Strength 2 at sigma 10 is sigma 20, bit for bit: for a model chosen by the level (dct, and
 * auto with the installed models, where 10 and 20 pick different trained models) and for a
 * model handed over (its threshold doubled, as the model for twice its level). */
static void
test_strength_is_level (void)
{
  const char *specs[] = { "dct", "auto" };
  g_autoptr (TsImage) noisy = picture (3);
  ts_noise_add_gaussian (noisy, 20.0 / 255.0, 1);
  for (gsize i = 0; i < G_N_ELEMENTS (specs); i++)
    {
      TsRestoreRequest a, b, c;
      request_init (&a, noisy, specs[i], 10.0);
      a.strength = 2.0;
      request_init (&b, noisy, specs[i], 20.0);
      request_init (&c, noisy, specs[i], 10.0);
      g_autoptr (TsRestoreResult) ra = run (&a);
      g_autoptr (TsRestoreResult) rb = run (&b);
      g_autoptr (TsRestoreResult) rc = run (&c);
      assert_identical (ra->image, rb->image);
      g_assert_cmpstr (ra->model->name, ==, rb->model->name);
      g_assert_cmpfloat (ra->noise.plane_sigma[0], ==, 20.0);
      g_assert_cmpfloat (ra->noise.plane_sigma[2], ==, 20.0);
      g_assert_cmpfloat (ra->noise.sigma, ==, 10.0);
      g_assert_cmpfloat (ra->noise.strength, ==, 2.0);
      /* ... and it does something. */
      g_assert_true (memcmp (ra->image->data, rc->image->data,
                             ts_image_n_values (rc->image) * sizeof (float)) != 0);
    }

  g_autoptr (TsModel) dct10 = ts_model_new_dct (10.0);
  g_autoptr (TsModel) dct20 = ts_model_new_dct (20.0);
  TsRestoreRequest a, b;
  request_init (&a, noisy, NULL, NAN);
  a.model = dct10;
  a.strength = 2.0;
  request_init (&b, noisy, NULL, NAN);
  b.model = dct20;
  g_autoptr (TsRestoreResult) ra = run (&a);
  g_autoptr (TsRestoreResult) rb = run (&b);
  assert_identical (ra->image, rb->image);
  g_assert_cmpfloat (ra->noise.plane_lambda[0], ==, dct20->lambda);
}

/* Chroma strength 1 is today's result bit for bit; another value leaves the luminance's
 * solve (the opponent basis' Y plane) exactly as it was and changes the chroma planes'. Whole
 * and tiled. */
static void
test_chroma_strength (void)
{
  g_autoptr (TsImage) noisy = picture (3);
  ts_noise_add_gaussian (noisy, 15.0 / 255.0, 2);
  for (int tiled = 0; tiled < 2; tiled++)
    {
      TsRestoreRequest base, one, two;
      request_init (&base, noisy, "dct", 15.0);
      request_init (&one, noisy, "dct", 15.0);
      one.chroma_strength = 1.0;
      request_init (&two, noisy, "dct", 15.0);
      two.chroma_strength = 2.5;
      base.keep_solutions = one.keep_solutions = two.keep_solutions = TRUE;
      if (tiled)
        for (TsRestoreRequest *r = &base; r != NULL; r = r == &base ? &one : r == &one ? &two : NULL)
          {
            r->tiling.mode = TS_RESTORE_TILES_ALWAYS;
            r->tiling.size = 32;
          }
      g_autoptr (TsRestoreResult) rb = run (&base);
      g_autoptr (TsRestoreResult) r1 = run (&one);
      g_autoptr (TsRestoreResult) r2 = run (&two);
      assert_identical (rb->image, r1->image);
      g_assert_null (r1->chroma_model);
      g_assert_nonnull (r2->chroma_model);
      g_assert_cmpfloat (r2->noise.plane_sigma[0], ==, 15.0);
      g_assert_cmpfloat (r2->noise.plane_sigma[1], ==, 37.5);
      g_assert_cmpfloat (r2->noise.plane_lambda[1], >, r2->noise.plane_lambda[0]);
      /* The luminance: the same plane in the opponent basis. */
      g_autoptr (TsImage) ob = ts_colour_rgb_to_opponent (rb->image);
      g_autoptr (TsImage) o2 = ts_colour_rgb_to_opponent (r2->image);
      double y_diff = 0.0, chroma_diff = 0.0;
      for (gsize i = 0; i < (gsize) SIDE * SIDE; i++)
        {
          y_diff = MAX (y_diff, fabs (ob->data[3 * i] - o2->data[3 * i]));
          for (int c = 1; c < 3; c++)
            chroma_diff = MAX (chroma_diff, fabs (ob->data[3 * i + c] - o2->data[3 * i + c]));
        }
      g_test_message ("%s: luminance differs by %.3g (rounding of the RGB round trip), chroma by %.3g",
                      tiled ? "tiled" : "whole", y_diff, chroma_diff);
      g_assert_cmpfloat (y_diff, <, 1e-6);
      g_assert_cmpfloat (chroma_diff, >, 1e-4);
      if (!tiled)
        {
          /* Bit for bit on the solved plane itself. */
          const TsSolution *sb = g_ptr_array_index (rb->solutions, 0);
          const TsSolution *s2 = g_ptr_array_index (r2->solutions, 0);
          assert_identical (sb->x, s2->x);
        }
    }

  /* The chroma planes at 2.5 times the level are the planes of a run at 2.5 times it. */
  TsRestoreRequest two, all;
  request_init (&two, noisy, "dct", 15.0);
  two.chroma_strength = 2.5;
  request_init (&all, noisy, "dct", 37.5);
  two.keep_solutions = all.keep_solutions = TRUE;
  g_autoptr (TsRestoreResult) r2 = run (&two);
  g_autoptr (TsRestoreResult) ra = run (&all);
  for (int c = 1; c < 3; c++)
    assert_identical (((TsSolution *) g_ptr_array_index (r2->solutions, c))->x,
                      ((TsSolution *) g_ptr_array_index (ra->solutions, c))->x);
}

/* Poisson-Gaussian denoising: the plan reads (a, b) per channel, the planes are solved at the
 * transform's level, the result comes back in the image's units (better than the input), and
 * the decomposition still adds up to it. */
static void
test_poisson_gaussian (void)
{
  g_autoptr (TsImage) clean = picture (3);
  g_autoptr (TsImage) noisy = ts_image_copy (clean);
  ts_noise_add_poisson_gaussian (noisy, 0.02, 1e-5, 3);
  TsRestoreRequest request;
  request_init (&request, noisy, "dct", NAN);
  request.noise = TS_NOISE_MODEL_POISSON_GAUSSIAN;
  request.max_iter = 40;
  request.decompose = TRUE;
  g_autoptr (TsRestoreResult) result = run (&request);
  const TsRestoreNoise *noise = &result->noise;
  g_assert_cmpint (noise->model, ==, TS_NOISE_MODEL_POISSON_GAUSSIAN);
  g_assert_true (noise->estimated && noise->has_reading);
  g_assert_cmpint (noise->n_channels, ==, 3);
  for (int c = 0; c < 3; c++)
    {
      g_test_message ("channel %d: a %.4f b %.3g", c, noise->channel[c].a, noise->channel[c].b);
      g_assert_cmpfloat (fabs (noise->channel[c].a - 0.02), <, 0.3 * 0.02);
    }
  g_assert_cmpfloat (noise->plane_sigma[0], ==, noise->sigma);
  g_assert_cmpfloat (noise->sigma, >, 0.5);
  double before = ts_psnr (noisy, clean, 0), after = ts_psnr (result->image, clean, 0);
  g_test_message ("PSNR %.2f -> %.2f dB", before, after);
  g_assert_cmpfloat (after, >, before + 3.0);
  for (gsize i = 0; i < ts_image_n_values (result->image); i++)
    g_assert_cmpfloat (fabs (result->smooth->data[i] + result->sparse->data[i]
                             - result->image->data[i]), <, 1e-5);

  /* auto picks it too, with the same result. */
  TsRestoreRequest automatic;
  request_init (&automatic, noisy, "dct", NAN);
  automatic.noise = TS_NOISE_MODEL_AUTO;
  automatic.max_iter = 40;
  automatic.decompose = TRUE;
  g_autoptr (TsRestoreResult) again = run (&automatic);
  g_assert_cmpint (again->noise.model, ==, TS_NOISE_MODEL_POISSON_GAUSSIAN);
  g_assert_cmpint (again->noise.requested, ==, TS_NOISE_MODEL_AUTO);
  assert_identical (again->image, result->image);

  /* White Gaussian noise: auto is Gaussian, exactly the Gaussian run. */
  g_autoptr (TsImage) white = ts_image_copy (clean);
  ts_noise_add_gaussian (white, 12.0 / 255.0, 4);
  TsRestoreRequest g, a;
  request_init (&g, white, "dct", NAN);
  request_init (&a, white, "dct", NAN);
  a.noise = TS_NOISE_MODEL_AUTO;
  g_autoptr (TsRestoreResult) rg = run (&g);
  g_autoptr (TsRestoreResult) ra = run (&a);
  g_assert_cmpint (ra->noise.model, ==, TS_NOISE_MODEL_GAUSSIAN);
  assert_identical (rg->image, ra->image);
  g_assert_cmpfloat (fabs (rg->noise.sigma - 12.0), <, 2.0);
}

/* Gray + alpha: the transform on the gray channel alone, alpha copied through. */
static void
test_poisson_gaussian_alpha (void)
{
  g_autoptr (TsImage) gray = picture (1);
  g_autoptr (TsImage) ga = ts_image_new (SIDE, SIDE, 2, NULL);
  for (gsize i = 0; i < (gsize) SIDE * SIDE; i++)
    {
      ga->data[2 * i] = gray->data[i];
      ga->data[2 * i + 1] = (float) (i % 5) / 4.0f;
    }
  ts_noise_add_poisson_gaussian (ga, 0.01, 0.0, 5);
  TsRestoreRequest request;
  request_init (&request, ga, "dct", NAN);
  request.noise = TS_NOISE_MODEL_POISSON_GAUSSIAN;
  g_autoptr (TsRestoreResult) result = run (&request);
  g_assert_cmpint (result->noise.n_channels, ==, 1);
  g_assert_cmpint (result->noise.n_planes, ==, 1);
  for (gsize i = 0; i < (gsize) SIDE * SIDE; i++)
    g_assert_cmpfloat (result->image->data[2 * i + 1], ==, (float) (i % 5) / 4.0f);
}

/* What the plan refuses, and a reading it cannot make. */
static void
test_plan_errors (void)
{
  g_autoptr (TsImage) image = picture (3);
  TsRestoreNoise noise;
  g_autoptr (GError) error = NULL;
  const double bad[] = { 0.0, -1.0, NAN, INFINITY };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (ts_restore_noise_plan (image, TS_COLOUR_OPPONENT, TS_NOISE_MODEL_GAUSSIAN,
                                             10.0, bad[i], 1.0, &noise, &error));
      g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
      g_clear_error (&error);
      g_assert_false (ts_restore_noise_plan (image, TS_COLOUR_OPPONENT, TS_NOISE_MODEL_GAUSSIAN,
                                             10.0, 1.0, bad[i], &noise, &error));
      g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
      g_clear_error (&error);
    }
  g_assert_false (ts_restore_noise_plan (image, TS_COLOUR_RGB, TS_NOISE_MODEL_GAUSSIAN, 10.0, 1.0,
                                         2.0, &noise, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (ts_restore_noise_plan (image, TS_COLOUR_OPPONENT,
                                         TS_NOISE_MODEL_POISSON_GAUSSIAN, 10.0, 1.0, 1.0, &noise,
                                         &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
  g_clear_error (&error);

  /* ts_restore says the same. */
  TsRestoreRequest request;
  request_init (&request, image, "dct", 10.0);
  request.colour = TS_COLOUR_RGB;
  request.chroma_strength = 2.0;
  g_assert_null (ts_restore (&request, NULL, NULL, NULL, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
  g_clear_error (&error);

  /* Per R, G, B at chroma strength 1, and gray at any: fine; gray has one plane. */
  g_assert_true (ts_restore_noise_plan (image, TS_COLOUR_RGB, TS_NOISE_MODEL_GAUSSIAN, 10.0, 1.5,
                                        1.0, &noise, &error));
  g_assert_cmpstr (ts_restore_noise_plane_name (&noise, 2), ==, "B");
  g_assert_cmpfloat (noise.plane_sigma[2], ==, 15.0);
  g_autoptr (TsImage) gray = picture (1);
  g_assert_true (ts_restore_noise_plan (gray, TS_COLOUR_OPPONENT, TS_NOISE_MODEL_GAUSSIAN, 10.0,
                                        1.0, 3.0, &noise, &error));
  g_assert_cmpint (noise.n_planes, ==, 1);
  g_assert_cmpfloat (noise.plane_sigma[0], ==, 10.0);
  g_assert_cmpstr (ts_restore_noise_plane_name (&noise, 0), ==, "gray");

  /* Too small to read: Poisson-Gaussian falls back to Gaussian and says so. */
  g_autoptr (TsImage) tiny = ts_image_crop (image, 0, 0, 20, 20);
  g_assert_true (ts_restore_noise_plan (tiny, TS_COLOUR_OPPONENT, TS_NOISE_MODEL_POISSON_GAUSSIAN,
                                        NAN, 1.0, 1.0, &noise, &error));
  g_assert_cmpint (noise.model, ==, TS_NOISE_MODEL_GAUSSIAN);
  g_assert_nonnull (noise.note);
}

/* Two plans are the same, bit for bit (field by field: padding is no part of a plan). */
#define SAME_BITS(a, b) g_assert_cmpmem (&(a), sizeof (a), &(b), sizeof (b))

static void
assert_same_plan (const TsRestoreNoise *a, const TsRestoreNoise *b)
{
  g_assert_cmpint (a->requested, ==, b->requested);
  g_assert_cmpint (a->model, ==, b->model);
  g_assert_cmpint (a->estimated, ==, b->estimated);
  SAME_BITS (a->sigma, b->sigma);
  SAME_BITS (a->sigma_estimate, b->sigma_estimate);
  g_assert_cmpint (a->level.n_planes, ==, b->level.n_planes);
  SAME_BITS (a->level.white, b->level.white);
  SAME_BITS (a->level.coarse, b->level.coarse);
  SAME_BITS (a->level.evenness, b->level.evenness);
  SAME_BITS (a->level.camera_probability, b->level.camera_probability);
  g_assert_cmpint (a->level.kind, ==, b->level.kind);
  SAME_BITS (a->level.sigma, b->level.sigma);
  g_assert_cmpint (a->has_reading, ==, b->has_reading);
  g_assert_cmpint (a->pg.n_channels, ==, b->pg.n_channels);
  SAME_BITS (a->pg.channel, b->pg.channel);
  SAME_BITS (a->pg.a_error, b->pg.a_error);
  SAME_BITS (a->pg.y_low, b->pg.y_low);
  SAME_BITS (a->pg.y_high, b->pg.y_high);
  SAME_BITS (a->pg.n_bins, b->pg.n_bins);
  SAME_BITS (a->pg.bin_mean, b->pg.bin_mean);
  SAME_BITS (a->pg.bin_variance, b->pg.bin_variance);
  SAME_BITS (a->pg.bin_count, b->pg.bin_count);
  SAME_BITS (a->pg.channel_spread, b->pg.channel_spread);
  SAME_BITS (a->pg.spread, b->pg.spread);
  g_assert_cmpint (a->n_channels, ==, b->n_channels);
  SAME_BITS (a->channel, b->channel);
  SAME_BITS (a->strength, b->strength);
  SAME_BITS (a->chroma_strength, b->chroma_strength);
  g_assert_cmpint (a->n_planes, ==, b->n_planes);
  g_assert_cmpint (a->opponent, ==, b->opponent);
  SAME_BITS (a->plane_sigma, b->plane_sigma);
  SAME_BITS (a->plane_lambda, b->plane_lambda);
  g_assert_true (a->note == b->note);
}

/* A plan that read the image has what the readers themselves read from it: the blind level
 * (and the level the denoiser takes from it), the Poisson-Gaussian reading, and for
 * Poisson-Gaussian noise the level the transforms make it, from the channels' mean
 * intensities (ts-restore-noise.h). */
static void
assert_plan_reads (const TsImage *image, const TsRestoreNoise *plan)
{
  TsNoiseLevel level;
  TsNoiseModelEstimate pg;
  double estimate;

  if (!plan->estimated)
    return;
  ts_noise_level_estimate (image, &level);
  SAME_BITS (plan->level.white, level.white);
  SAME_BITS (plan->level.sigma, level.sigma);
  g_assert_cmpint (plan->level.kind, ==, level.kind);
  double sigma = ts_restore_estimate_sigma (image, &estimate);
  SAME_BITS (plan->sigma_estimate, estimate);
  if (plan->model == TS_NOISE_MODEL_GAUSSIAN)
    SAME_BITS (plan->sigma, sigma);
  if (!plan->has_reading)
    return;
  ts_noise_model_estimate (image, &pg);
  g_assert_cmpint (plan->pg.n_channels, ==, pg.n_channels);
  SAME_BITS (plan->pg.channel, pg.channel);
  SAME_BITS (plan->pg.spread, pg.spread);
  if (plan->model != TS_NOISE_MODEL_POISSON_GAUSSIAN)
    return;
  double floor = (0.5 / 255.0) * (0.5 / 255.0), sum = 0.0;
  for (int c = 0; c < pg.n_channels; c++)
    {
      gsize n = (gsize) image->width * image->height;
      double total = 0.0;
      for (gsize i = 0; i < n; i++)
        total += image->data[i * image->channels + c];
      TsPoissonGaussian channel = pg.channel[c];
      if (channel.a <= 0.0)
        channel = (TsPoissonGaussian) { 0.0, MAX (channel.b, floor) };
      sum += MAX (ts_poisson_gaussian_variance (&channel, total / n), floor);
    }
  g_assert_cmpfloat_with_epsilon (plan->sigma, 255.0 * sqrt (sum / pg.n_channels), 1e-9);
}

/* The pictures a reading is tried on: gray, gray + alpha, RGB, RGBA; white noise, Poisson-
 * Gaussian noise (which auto reads as such), and one too small for a Poisson-Gaussian
 * reading. */
static GPtrArray *
reading_pictures (void)
{
  GPtrArray *pictures = g_ptr_array_new_with_free_func ((GDestroyNotify) ts_image_free);
  const int channels[] = { 1, 2, 3, 4 };

  for (gsize i = 0; i < G_N_ELEMENTS (channels); i++)
    {
      TsImage *white = picture (channels[i]);
      TsImage *pg = picture (channels[i]);
      ts_noise_add_gaussian (white, 12.0 / 255.0, 10 + i);
      ts_noise_add_poisson_gaussian (pg, 0.02, 0.0, 20 + i);
      g_ptr_array_add (pictures, white);
      g_ptr_array_add (pictures, pg);
    }
  TsImage *big = picture (3);
  ts_noise_add_poisson_gaussian (big, 0.02, 0.0, 30);
  g_ptr_array_add (pictures, ts_image_crop (big, 0, 0, 20, 20));
  ts_image_free (big);
  return pictures;
}

/* A plan from a reading is the plan from the picture, bit for bit, for every noise model,
 * level (read or given), strength, chroma strength and colour handling; one reading serves
 * every model, and a reading made for Gaussian noise completes for the others. */
static void
test_plan_from_reading (void)
{
  g_autoptr (GPtrArray) pictures = reading_pictures ();
  const TsNoiseModel models[] = { TS_NOISE_MODEL_GAUSSIAN, TS_NOISE_MODEL_POISSON_GAUSSIAN,
                                  TS_NOISE_MODEL_AUTO };
  const struct { TsColourMode colour; double sigma, strength, chroma; } asks[] = {
    { TS_COLOUR_OPPONENT, NAN, 1.0, 1.0 },
    { TS_COLOUR_OPPONENT, NAN, 2.0, 1.5 },
    { TS_COLOUR_OPPONENT, NAN, 0.25, 4.0 },
    { TS_COLOUR_RGB, NAN, 1.5, 1.0 },
    { TS_COLOUR_OPPONENT, 12.0, 2.0, 1.5 },
  };
  int poisson_chosen = 0;

  for (guint i = 0; i < pictures->len; i++)
    {
      const TsImage *image = pictures->pdata[i];
      TsNoiseReading all, gaussian;
      ts_restore_noise_reading_init (&all, image);
      ts_restore_noise_read (image, TS_NOISE_MODEL_AUTO, &all);
      g_assert_true (ts_restore_noise_reading_covers (&all, TS_NOISE_MODEL_POISSON_GAUSSIAN));
      ts_restore_noise_reading_init (&gaussian, image);
      ts_restore_noise_read (image, TS_NOISE_MODEL_GAUSSIAN, &gaussian);
      g_assert_true (ts_restore_noise_reading_covers (&gaussian, TS_NOISE_MODEL_GAUSSIAN));
      g_assert_false (ts_restore_noise_reading_covers (&gaussian, TS_NOISE_MODEL_AUTO));
      for (gsize m = 0; m < G_N_ELEMENTS (models); m++)
        for (gsize k = 0; k < G_N_ELEMENTS (asks); k++)
          {
            g_autoptr (GError) error_picture = NULL, error_reading = NULL;
            TsRestoreNoise from_picture, from_reading;
            gboolean colour_image = image->channels >= 3;
            double chroma = colour_image && asks[k].colour == TS_COLOUR_RGB ? 1.0 : asks[k].chroma;
            gboolean ok = ts_restore_noise_plan (image, asks[k].colour, models[m], asks[k].sigma,
                                                 asks[k].strength, chroma, &from_picture,
                                                 &error_picture);
            gboolean ok_reading = ts_restore_noise_plan_from_reading (&all, asks[k].colour,
                                                                      models[m], asks[k].sigma,
                                                                      asks[k].strength, chroma,
                                                                      &from_reading,
                                                                      &error_reading);
            g_assert_cmpint (ok, ==, ok_reading);
            if (!ok)
              {
                /* Only poisson-gaussian with a given level is refused here. */
                g_assert_cmpint (models[m], ==, TS_NOISE_MODEL_POISSON_GAUSSIAN);
                g_assert_false (isnan (asks[k].sigma));
                g_assert_error (error_reading, TS_ERROR, TS_ERROR_INVALID);
                continue;
              }
            assert_same_plan (&from_picture, &from_reading);
            assert_plan_reads (image, &from_reading);
            poisson_chosen += models[m] == TS_NOISE_MODEL_AUTO
                              && from_picture.model == TS_NOISE_MODEL_POISSON_GAUSSIAN;
          }
      /* The Gaussian reading plans Gaussian noise alone; read for auto, it is the reading
       * made for auto at once. */
      TsRestoreNoise plan, expected;
      g_autoptr (GError) error = NULL;
      g_assert_false (ts_restore_noise_plan_from_reading (&gaussian, TS_COLOUR_OPPONENT,
                                                          TS_NOISE_MODEL_AUTO, NAN, 1.0, 1.0,
                                                          &plan, &error));
      g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
      ts_restore_noise_read (image, TS_NOISE_MODEL_AUTO, &gaussian);
      for (gsize m = 0; m < G_N_ELEMENTS (models); m++)
        {
          g_assert_true (ts_restore_noise_plan_from_reading (&gaussian, TS_COLOUR_OPPONENT,
                                                             models[m], NAN, 1.5, 2.0, &plan,
                                                             NULL));
          g_assert_true (ts_restore_noise_plan (image, TS_COLOUR_OPPONENT, models[m], NAN, 1.5,
                                                2.0, &expected, NULL));
          assert_same_plan (&plan, &expected);
        }
    }
  /* The pictures with Poisson-Gaussian noise were read as such by auto (else this test would
   * not cover the transform's part of the plan). */
  g_assert_cmpint (poisson_chosen, >, 0);
}

/* A reading that holds what a model needs reads nothing more: read again on another picture
 * of the same size, it is unchanged. ts_restore takes the request's reading instead of
 * reading the image (a reading of another picture shows in the plan), and refuses a reading
 * of a picture of another size. */
static void
test_reading_used (void)
{
  g_autoptr (TsImage) noisy = picture (3);
  g_autoptr (TsImage) clean = picture (3);
  TsNoiseReading reading, again;
  g_autoptr (GError) error = NULL;

  ts_noise_add_poisson_gaussian (noisy, 0.02, 0.0, 40);
  ts_restore_noise_reading_init (&reading, noisy);
  ts_restore_noise_read (noisy, TS_NOISE_MODEL_AUTO, &reading);
  again = reading;
  ts_restore_noise_read (clean, TS_NOISE_MODEL_POISSON_GAUSSIAN, &again);
  g_assert_cmpmem (&again, sizeof again, &reading, sizeof reading);

  /* The run on the noisy picture, with its reading and without: the same image and noise. */
  TsRestoreRequest with, without;
  request_init (&with, noisy, "dct", NAN);
  with.noise = TS_NOISE_MODEL_AUTO;
  with.strength = 1.5;
  with.noise_reading = &reading;
  request_init (&without, noisy, "dct", NAN);
  without.noise = TS_NOISE_MODEL_AUTO;
  without.strength = 1.5;
  g_autoptr (TsRestoreResult) a = run (&with);
  g_autoptr (TsRestoreResult) b = run (&without);
  g_assert_cmpint (a->noise.model, ==, TS_NOISE_MODEL_POISSON_GAUSSIAN);
  assert_same_plan (&a->noise, &b->noise);
  assert_identical (a->image, b->image);

  /* The noisy picture's reading handed over with the clean picture: its plan is the noisy
   * one's, not the clean picture's own. */
  TsRestoreNoise borrowed, own;
  request_init (&with, clean, "dct", NAN);
  with.noise = TS_NOISE_MODEL_AUTO;
  with.strength = 1.5;
  with.noise_reading = &reading;
  g_assert_true (ts_restore_plan_noise (&with, &borrowed, &error));
  g_assert_no_error (error);
  with.noise_reading = NULL;
  g_assert_true (ts_restore_plan_noise (&with, &own, &error));
  TsRestoreNoise noisy_plan;
  g_assert_true (ts_restore_noise_plan (noisy, TS_COLOUR_OPPONENT, TS_NOISE_MODEL_AUTO, NAN, 1.5,
                                        1.0, &noisy_plan, NULL));
  assert_same_plan (&borrowed, &noisy_plan);
  g_assert_cmpfloat (own.sigma, !=, borrowed.sigma);

  /* Another size: refused, by the plan and by the run. */
  g_autoptr (TsImage) smaller = ts_image_crop (noisy, 0, 0, SIDE / 2, SIDE);
  request_init (&with, smaller, "dct", NAN);
  with.noise_reading = &reading;
  g_assert_false (ts_restore_plan_noise (&with, &own, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (ts_restore (&with, NULL, NULL, NULL, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/restore-noise/strength-is-level", test_strength_is_level);
  g_test_add_func ("/restore-noise/chroma-strength", test_chroma_strength);
  g_test_add_func ("/restore-noise/poisson-gaussian", test_poisson_gaussian);
  g_test_add_func ("/restore-noise/poisson-gaussian-alpha", test_poisson_gaussian_alpha);
  g_test_add_func ("/restore-noise/plan-errors", test_plan_errors);
  g_test_add_func ("/restore-noise/plan-from-reading", test_plan_from_reading);
  g_test_add_func ("/restore-noise/reading-used", test_reading_used);
  return g_test_run ();
}
