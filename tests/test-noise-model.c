/* Signal-dependent noise (issue 20): the Poisson sampler, the generalised Anscombe transform
 * and its exact unbiased inverse (ts-anscombe.h), the Poisson-Gaussian estimate and the choice
 * of the noise model (ts-noise-model.h), on pictures made here. */
#include <math.h>
#include <string.h>
#include "ts-anscombe.h"
#include "ts-noise.h"
#include "ts-noise-level.h"
#include "ts-noise-model.h"
#include "ts-random.h"
#include "test-util.h"

#define SIDE 256

/* --- pictures ------------------------------------------------------------------------- */

/* A smooth gradient over [0.05, 0.95], each channel its own direction. */
static TsImage *
make_gradient (int channels)
{
  TsImage *image = ts_image_new (SIDE, SIDE, channels, NULL);
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++)
      for (int c = 0; c < channels; c++)
        {
          double t = c == 1 ? (double) y / SIDE : c == 2 ? (double) (x + y) / (2 * SIDE)
                                                         : (double) x / SIDE;
          image->data[((gsize) y * SIDE + x) * channels + c] = (float) (0.05 + 0.9 * t);
        }
  return image;
}

/* Like a BSD photograph: smooth shaded regions of different levels split by sharp edges
 * (disks and a band), a striped region, a patch of fine texture and a dark corner. */
static TsImage *
make_textured (int channels)
{
  TsImage *image = ts_image_new (SIDE, SIDE, channels, NULL);
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++)
      for (int c = 0; c < channels; c++)
        {
          double v = 0.35 + 0.3 * sin (x * 0.011 + 0.4 * c) * cos (y * 0.017);
          double dx = x - 80.0, dy = y - 90.0, ex = x - 190.0, ey = y - 170.0;
          if (dx * dx + dy * dy < 45.0 * 45.0)
            v = 0.8 - 0.1 * c + 0.001 * (y - 90);
          if (ex * ex + ey * ey < 35.0 * 35.0)
            v = 0.15 + 0.05 * c;
          if (y > 20 && y < 50 && x > 130)
            v = 0.6 + 0.15 * sin (x * 0.5);
          if (x > 150 && y > 60 && y < 120)
            v += 0.06 * sin (x * 1.7 + c) * cos (y * 1.3);
          if (x < 40 && y > 200)
            v = 0.04;
          image->data[((gsize) y * SIDE + x) * channels + c] = (float) CLAMP (v, 0.0, 1.0);
        }
  return image;
}

/* Poisson-Gaussian noise of (a[c], b[c]) on channel c. */
static void
add_noise (TsImage *image, const double *a, const double *b, guint64 seed)
{
  TsRandom rng;
  ts_random_seed (&rng, seed);
  gsize n = (gsize) image->width * image->height;
  for (gsize i = 0; i < n; i++)
    for (int c = 0; c < image->channels; c++)
      {
        float *v = image->data + i * image->channels + c;
        double y = *v;
        if (a[c] > 0.0)
          y = a[c] * ts_random_poisson (&rng, y / a[c]);
        *v = (float) (y + sqrt (b[c]) * ts_random_normal (&rng));
      }
}

/* --- the Poisson sampler --------------------------------------------------------------- */

static void
test_poisson_moments (void)
{
  const double lambdas[] = { 0.3, 4.0, 29.0, 31.0, 120.0, 5000.0 };
  TsRandom rng;
  ts_random_seed (&rng, 11);
  for (gsize i = 0; i < G_N_ELEMENTS (lambdas); i++)
    {
      double l = lambdas[i], sum = 0.0, sum2 = 0.0;
      int n = 200000;
      for (int k = 0; k < n; k++)
        {
          double x = ts_random_poisson (&rng, l);
          g_assert_cmpfloat (x, ==, floor (x));
          sum += x;
          sum2 += x * x;
        }
      double mean = sum / n, var = sum2 / n - mean * mean;
      /* Mean within 5 standard errors; variance within 3 %. */
      g_assert_cmpfloat (fabs (mean - l), <, 5.0 * sqrt (l / n));
      g_assert_cmpfloat (fabs (var / l - 1.0), <, 0.03);
    }
  g_assert_cmpfloat (ts_random_poisson (&rng, 0.0), ==, 0.0);
  g_assert_cmpfloat (ts_random_poisson (&rng, NAN), ==, 0.0);
}

/* --- the transform --------------------------------------------------------------------- */

/* The GAT makes the variance `scale`^2 at every intensity (counts from 10 to 95). */
static void
test_anscombe_stabilises (void)
{
  const double a = 0.01, b = 4e-4, scale = 0.05;
  const double ys[] = { 0.1, 0.25, 0.5, 0.95 };
  g_autoptr (TsAnscombe) t = ts_anscombe_new (a, b, scale);
  g_assert_nonnull (t);
  TsRandom rng;
  ts_random_seed (&rng, 5);
  for (gsize i = 0; i < G_N_ELEMENTS (ys); i++)
    {
      double sum = 0.0, sum2 = 0.0, raw2 = 0.0;
      int n = 100000;
      for (int k = 0; k < n; k++)
        {
          double z = a * ts_random_poisson (&rng, ys[i] / a) + sqrt (b) * ts_random_normal (&rng);
          double v = ts_anscombe_forward (t, z);
          sum += v;
          sum2 += v * v;
          raw2 += (z - ys[i]) * (z - ys[i]);
        }
      double mean = sum / n, var = sum2 / n - mean * mean;
      g_test_message ("y %.2f: raw variance %.3g, transformed %.4g (target %.4g)", ys[i],
                      raw2 / n, var, scale * scale);
      g_assert_cmpfloat (fabs (var / (scale * scale) - 1.0), <, 0.03);
      /* The raw noise was far from stable: a y + b runs from 1.4e-3 to 9.9e-3. */
      g_assert_cmpfloat (fabs (raw2 / n - (a * ys[i] + b)), <, 0.05 * (a * ys[i] + b));
    }
}

/* At low counts the exact unbiased inverse of the mean of the transformed samples gives y back;
 * the algebraic inverse does not. The mean is taken over simulated noise, so this also checks
 * the expectation the table is made of. */
static void
test_anscombe_unbiased (void)
{
  const double a = 0.02, b = 1e-4, scale = 1.0;
  const double ys[] = { 0.01, 0.02, 0.05, 0.1 };   /* 0.5 to 5 counts */
  g_autoptr (TsAnscombe) t = ts_anscombe_new (a, b, scale);
  TsRandom rng;
  ts_random_seed (&rng, 17);
  for (gsize i = 0; i < G_N_ELEMENTS (ys); i++)
    {
      double sum = 0.0;
      int n = 400000;
      for (int k = 0; k < n; k++)
        sum += ts_anscombe_forward (t, a * ts_random_poisson (&rng, ys[i] / a)
                                       + sqrt (b) * ts_random_normal (&rng));
      double mean = sum / n;
      double exact = ts_anscombe_inverse (t, mean);
      double algebraic = ts_anscombe_inverse_algebraic (t, mean);
      g_test_message ("y %.3f: E[v] %.5f (computed %.5f), exact inverse %.5f, algebraic %.5f",
                      ys[i], mean, ts_anscombe_expectation (t, ys[i]), exact, algebraic);
      /* The Monte Carlo mean's standard error is about 1 / sqrt n in v, a * sqrt (y / a) /
       * sqrt n in y; 3 % covers it. */
      g_assert_cmpfloat (fabs (exact - ys[i]), <, 0.03 * ys[i]);
      g_assert_cmpfloat (fabs (ts_anscombe_expectation (t, ys[i]) - mean), <, 5.0 / sqrt (n));
      /* The algebraic inverse is biased low: by 8 % and more up to 2.5 counts, and by at least
       * three times the exact inverse's error (which is the Monte Carlo's) at 5 counts. */
      if (ys[i] <= 0.05)
        g_assert_cmpfloat (ys[i] - algebraic, >, 0.08 * ys[i]);
      g_assert_cmpfloat (ys[i] - algebraic, >, 3.0 * fabs (exact - ys[i]));
    }
}

/* The inverse undoes the expectation over the table and beyond it (asymptotic), is monotone,
 * and maps values below E[v | 0] to 0; a = 0 is the linear Gaussian case. */
static void
test_anscombe_inverse (void)
{
  const double params[][2] = { { 0.01, 1e-4 }, { 0.002, 0.0 }, { 0.05, -1e-4 }, { 1e-7, 1e-4 } };
  for (gsize p = 0; p < G_N_ELEMENTS (params); p++)
    {
      double a = params[p][0], b = params[p][1];
      g_autoptr (TsAnscombe) t = ts_anscombe_new (a, b, 0.1);
      g_assert_nonnull (t);
      double previous = -INFINITY;
      for (double y = 0.0; y <= 1.5; y += 0.0137)
        {
          double e = ts_anscombe_expectation (t, y);
          double back = ts_anscombe_inverse (t, e);
          g_assert_cmpfloat (e, >, previous);
          previous = e;
          /* Table interpolation and the asymptotic form: within 1e-4 counts plus 1e-6. */
          if (y > 0.0)
            g_assert_cmpfloat (fabs (back - y), <, 1e-4 * a + 1e-6 * y + 1e-9);
        }
      g_assert_cmpfloat (ts_anscombe_inverse (t, ts_anscombe_expectation (t, 0.0) - 0.01), ==, 0.0);
      /* Forward and algebraic inverse are inverses of each other. */
      for (double z = 0.0; z <= 1.0; z += 0.1)
        g_assert_cmpfloat (fabs (ts_anscombe_inverse_algebraic (t, ts_anscombe_forward (t, z)) - z),
                           <, 1e-9);
    }
  g_autoptr (TsAnscombe) gaussian = ts_anscombe_new (0.0, 4e-4, 0.05);
  g_assert_cmpfloat (fabs (ts_anscombe_forward (gaussian, 0.3) - 0.3 / 0.02 * 0.05), <, 1e-12);
  g_assert_cmpfloat (fabs (ts_anscombe_inverse (gaussian, 0.75) - 0.3), <, 1e-12);
  g_assert_null (ts_anscombe_new (0.0, 0.0, 1.0));
  g_assert_null (ts_anscombe_new (-0.01, 1e-4, 1.0));
  g_assert_null (ts_anscombe_new (0.01, 1e-4, 0.0));
  g_assert_null (ts_anscombe_new (NAN, 1e-4, 1.0));
}

/* --- the estimate ---------------------------------------------------------------------- */

static void
check_estimate (const char *what, TsImage *clean, const double *a, const double *b,
                double a_tolerance, double sd_tolerance)
{
  g_autoptr (TsImage) noisy = ts_image_copy (clean);
  TsNoiseModelEstimate e;
  add_noise (noisy, a, b, 3);
  ts_noise_model_estimate (noisy, &e);
  g_assert_cmpint (e.n_channels, ==, clean->channels >= 3 ? 3 : 1);
  for (int c = 0; c < e.n_channels; c++)
    {
      g_test_message ("%s channel %d: a %.5f (true %.5f), b %.3g (true %.3g), %d bins over "
                      "[%.2f, %.2f]", what, c, e.channel[c].a, a[c], e.channel[c].b, b[c],
                      e.n_bins[c], e.y_low[c], e.y_high[c]);
      g_assert_cmpfloat (fabs (e.channel[c].a - a[c]), <=, a_tolerance * a[c] + 1e-4);
      /* The noise's standard deviation over the range read, within sd_tolerance. */
      for (double y = e.y_low[c]; y <= e.y_high[c]; y += 0.05)
        {
          double sd = sqrt (ts_poisson_gaussian_variance (&e.channel[c], y));
          double truth = sqrt (a[c] * y + b[c]);
          g_assert_cmpfloat (fabs (sd / truth - 1.0), <, sd_tolerance);
        }
    }
}

/* Stated tolerances: on a smooth gradient a within 15 % and the noise's standard deviation
 * within 8 % over the range read; on the textured picture a within 20 %, the standard deviation
 * within 10 %. (Pure Poisson data, b = 0, hold many exact zeros: they read as clipping, and the
 * blocks near 0 are left out.) */
static void
test_estimate_gradient (void)
{
  const double a[3] = { 0.01, 0.02, 0.04 }, b[3] = { 1e-4, 4e-5, 2e-4 };
  g_autoptr (TsImage) rgb = make_gradient (3);
  check_estimate ("gradient RGB", rgb, a, b, 0.15, 0.08);
  g_autoptr (TsImage) gray = make_gradient (1);
  const double a1[1] = { 0.03 }, b1[1] = { 0.0 };
  check_estimate ("gradient gray", gray, a1, b1, 0.15, 0.08);
}

static void
test_estimate_textured (void)
{
  const double a[3] = { 0.02, 0.01, 0.03 }, b[3] = { 5e-5, 1e-4, 0.0 };
  g_autoptr (TsImage) rgb = make_textured (3);
  check_estimate ("textured RGB", rgb, a, b, 0.20, 0.10);
  g_autoptr (TsImage) gray = make_textured (1);
  const double a1[1] = { 0.015 }, b1[1] = { 2e-5 };
  check_estimate ("textured gray", gray, a1, b1, 0.20, 0.10);
}

/* White Gaussian noise reads a ~ 0, the spread below auto's threshold, and auto picks Gaussian;
 * Poisson-Gaussian noise is picked as such. */
static void
test_estimate_gaussian_and_choice (void)
{
  const double sigmas[] = { 5.0, 15.0, 30.0 };
  for (gsize i = 0; i < G_N_ELEMENTS (sigmas); i++)
    {
      double s = sigmas[i] / 255.0, a[3] = { 0.0, 0.0, 0.0 }, b[3] = { s * s, s * s, s * s };
      g_autoptr (TsImage) noisy = make_textured (3);
      TsNoiseModelEstimate e;
      TsNoiseLevel level;
      add_noise (noisy, a, b, 21 + i);
      ts_noise_model_estimate (noisy, &e);
      ts_noise_level_estimate (noisy, &level);
      g_test_message ("white noise sigma %g: spread %.3f, a %.2g %.2g %.2g", sigmas[i], e.spread,
                      e.channel[0].a, e.channel[1].a, e.channel[2].a);
      for (int c = 0; c < 3; c++)
        {
          /* The signal-dependent part adds less than 10 % of the variance at the top. */
          g_assert_cmpfloat (e.channel[c].a * e.y_high[c], <, 0.1 * s * s);
          /* And the level within 8 % (the picture's fine texture adds to the weakest noise). */
          g_assert_cmpfloat (fabs (sqrt (ts_poisson_gaussian_variance (&e.channel[c], 0.5)) / s - 1.0),
                             <, 0.08);
        }
      g_assert_cmpfloat (e.spread, <, 1.1);
      g_assert_cmpint (ts_noise_model_choose (&level, &e), ==, TS_NOISE_MODEL_GAUSSIAN);
    }

  const double a[3] = { 0.01, 0.01, 0.01 }, b[3] = { 1e-5, 1e-5, 1e-5 };
  g_autoptr (TsImage) noisy = make_textured (3);
  TsNoiseModelEstimate e;
  TsNoiseLevel level;
  add_noise (noisy, a, b, 8);
  ts_noise_model_estimate (noisy, &e);
  ts_noise_level_estimate (noisy, &level);
  g_test_message ("Poisson-Gaussian a 0.01: spread %.3f", e.spread);
  g_assert_cmpfloat (e.spread, >, 2.0);
  g_assert_cmpint (ts_noise_model_choose (&level, &e), ==, TS_NOISE_MODEL_POISSON_GAUSSIAN);
  /* The same reading with camera noise behind it stays Gaussian. */
  level.kind = TS_NOISE_CAMERA;
  g_assert_cmpint (ts_noise_model_choose (&level, &e), ==, TS_NOISE_MODEL_GAUSSIAN);

  /* A clean picture: no noise to speak of, Gaussian. */
  g_autoptr (TsImage) clean = make_textured (3);
  ts_noise_model_estimate (clean, &e);
  ts_noise_level_estimate (clean, &level);
  g_assert_cmpint (ts_noise_model_choose (&level, &e), ==, TS_NOISE_MODEL_GAUSSIAN);
}

/* Gray + alpha and RGBA read their colour channels only; clipped pictures leave their
 * saturated blocks out; tiny, constant and NaN pictures do not crash and read finite values. */
static void
test_estimate_channels_and_bad_input (void)
{
  const double a[4] = { 0.02, 0.02, 0.02, 0.0 }, b[4] = { 1e-4, 1e-4, 1e-4, 0.0 };
  TsNoiseModelEstimate e, ref;
  g_autoptr (TsImage) rgb = make_gradient (3);
  add_noise (rgb, a, b, 4);
  ts_noise_model_estimate (rgb, &ref);
  g_autoptr (TsImage) rgba = ts_image_new (SIDE, SIDE, 4, NULL);
  for (gsize i = 0; i < (gsize) SIDE * SIDE; i++)
    {
      memcpy (rgba->data + 4 * i, rgb->data + 3 * i, 3 * sizeof (float));
      rgba->data[4 * i + 3] = (float) (i % 7) / 7.0f;   /* an alpha that is all detail */
    }
  ts_noise_model_estimate (rgba, &e);
  g_assert_cmpint (e.n_channels, ==, 3);
  for (int c = 0; c < 3; c++)
    {
      g_assert_cmpfloat (e.channel[c].a, ==, ref.channel[c].a);
      g_assert_cmpfloat (e.channel[c].b, ==, ref.channel[c].b);
    }
  g_autoptr (TsImage) ga = ts_image_new (SIDE, SIDE, 2, NULL);
  for (gsize i = 0; i < (gsize) SIDE * SIDE; i++)
    {
      ga->data[2 * i] = rgb->data[3 * i];
      ga->data[2 * i + 1] = 1.0f;
    }
  ts_noise_model_estimate (ga, &e);
  g_assert_cmpint (e.n_channels, ==, 1);
  g_assert_cmpfloat (e.channel[0].a, ==, ref.channel[0].a);

  /* Clipped to [0, 1] as an 8-bit picture would be: the estimate stays near the truth. */
  g_autoptr (TsImage) dark = make_textured (1);
  for (gsize i = 0; i < (gsize) SIDE * SIDE; i++)
    dark->data[i] *= 0.3f;
  const double a1[1] = { 0.02 }, b1[1] = { 4e-4 };
  add_noise (dark, a1, b1, 6);
  for (gsize i = 0; i < (gsize) SIDE * SIDE; i++)
    dark->data[i] = CLAMP (dark->data[i], 0.0f, 1.0f);
  ts_noise_model_estimate (dark, &e);
  g_test_message ("clipped: a %.4f b %.3g", e.channel[0].a, e.channel[0].b);
  g_assert_cmpfloat (fabs (e.channel[0].a - 0.02), <, 0.3 * 0.02);

  g_autoptr (TsImage) tiny = ts_image_new (20, 20, 3, NULL);
  ts_noise_model_estimate (tiny, &e);
  g_assert_cmpint (e.n_channels, ==, 0);
  g_assert_cmpfloat (e.spread, ==, 1.0);
  g_autoptr (TsImage) flat = ts_image_new (64, 64, 1, NULL);
  ts_noise_model_estimate (flat, &e);
  g_assert_true (isfinite (e.channel[0].a) && isfinite (e.channel[0].b) && isfinite (e.spread));

  g_autoptr (TsImage) nan = ts_image_copy (rgb);
  for (gsize i = 0; i < ts_image_n_values (nan); i += 97)
    nan->data[i] = i % 2 ? NAN : INFINITY;
  ts_noise_model_estimate (nan, &e);
  for (int c = 0; c < 3; c++)
    g_assert_true (isfinite (e.channel[c].a) && isfinite (e.channel[c].b));
  g_assert_true (isfinite (e.spread));
  g_autoptr (TsImage) all_nan = ts_image_new (64, 64, 3, NULL);
  for (gsize i = 0; i < ts_image_n_values (all_nan); i++)
    all_nan->data[i] = NAN;
  ts_noise_model_estimate (all_nan, &e);
  g_assert_cmpint (e.n_channels, ==, 0);

  /* Deterministic. */
  ts_noise_model_estimate (rgb, &e);
  g_assert_cmpmem (&e, sizeof e, &ref, sizeof ref);
}

static void
test_names (void)
{
  const TsNoiseModel models[] = { TS_NOISE_MODEL_GAUSSIAN, TS_NOISE_MODEL_POISSON_GAUSSIAN,
                                  TS_NOISE_MODEL_AUTO };
  for (gsize i = 0; i < G_N_ELEMENTS (models); i++)
    {
      TsNoiseModel back;
      g_assert_true (ts_noise_model_from_name (ts_noise_model_name (models[i]), &back));
      g_assert_cmpint (back, ==, models[i]);
    }
  TsNoiseModel m = TS_NOISE_MODEL_AUTO;
  g_assert_false (ts_noise_model_from_name ("poisson", &m));
  g_assert_false (ts_noise_model_from_name (NULL, &m));
  g_assert_cmpint (m, ==, TS_NOISE_MODEL_AUTO);
}

/* ts_noise_add_poisson_gaussian: the variance a y + b on the colour channels, alpha kept. */
static void
test_add_noise (void)
{
  g_autoptr (TsImage) image = ts_image_new (200, 200, 2, NULL);
  for (gsize i = 0; i < (gsize) 200 * 200; i++)
    {
      image->data[2 * i] = 0.4f;
      image->data[2 * i + 1] = 0.75f;
    }
  ts_noise_add_poisson_gaussian (image, 0.01, 1e-4, 9);
  double sum = 0.0, sum2 = 0.0;
  for (gsize i = 0; i < (gsize) 200 * 200; i++)
    {
      sum += image->data[2 * i];
      sum2 += image->data[2 * i] * (double) image->data[2 * i];
      g_assert_cmpfloat (image->data[2 * i + 1], ==, 0.75f);
    }
  double n = 200.0 * 200.0, mean = sum / n, var = sum2 / n - mean * mean;
  g_assert_cmpfloat (fabs (mean - 0.4), <, 0.002);
  g_assert_cmpfloat (fabs (var / (0.01 * 0.4 + 1e-4) - 1.0), <, 0.03);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/noise-model/poisson-moments", test_poisson_moments);
  g_test_add_func ("/noise-model/add-noise", test_add_noise);
  g_test_add_func ("/noise-model/anscombe-stabilises", test_anscombe_stabilises);
  g_test_add_func ("/noise-model/anscombe-unbiased", test_anscombe_unbiased);
  g_test_add_func ("/noise-model/anscombe-inverse", test_anscombe_inverse);
  g_test_add_func ("/noise-model/estimate-gradient", test_estimate_gradient);
  g_test_add_func ("/noise-model/estimate-textured", test_estimate_textured);
  g_test_add_func ("/noise-model/estimate-gaussian-and-choice", test_estimate_gaussian_and_choice);
  g_test_add_func ("/noise-model/estimate-channels-and-bad-input",
                   test_estimate_channels_and_bad_input);
  g_test_add_func ("/noise-model/names", test_names);
  return g_test_run ();
}
