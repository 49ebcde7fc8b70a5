/* The noise in words (src/gui/ts-noise-text.c): the reading per plane or per channel, its
 * tooltip, the levels solved at and the model used, from a TsRestoreNoise made by hand and
 * from the core's plan of a picture. Untranslated (the test runs in the C locale). */
#include <math.h>
#include <string.h>

#include "ts-noise-text.h"

static TsRestoreNoise
gaussian_colour (void)
{
  TsRestoreNoise noise = { 0 };

  noise.requested = TS_NOISE_MODEL_AUTO;
  noise.model = TS_NOISE_MODEL_GAUSSIAN;
  noise.estimated = TRUE;
  noise.level.n_planes = 3;
  noise.level.white[0] = 6.2 / 255.0;
  noise.level.white[1] = 2.1 / 255.0;
  noise.level.white[2] = 1.9 / 255.0;
  noise.level.kind = TS_NOISE_WHITE;
  noise.level.sigma = 6.2 / 255.0;
  noise.sigma = 6.2;
  noise.strength = 2.0;
  noise.chroma_strength = 1.5;
  noise.n_planes = 3;
  noise.opponent = TRUE;
  noise.plane_sigma[0] = 12.4;
  noise.plane_sigma[1] = noise.plane_sigma[2] = 18.6;
  /* A reading of signal-dependent noise beside it ("auto" reads both). */
  noise.has_reading = TRUE;
  noise.pg.n_channels = 3;
  for (int c = 0; c < 3; c++)
    noise.pg.channel[c] = (TsPoissonGaussian) { .a = 0.0, .b = (6.0 / 255.0) * (6.0 / 255.0) };
  return noise;
}

static void
test_gaussian (void)
{
  TsRestoreNoise noise = gaussian_colour ();
  g_autofree char *reading = ts_noise_text_reading (&noise, TS_NOISE_MODEL_GAUSSIAN);
  g_autofree char *tooltip = ts_noise_text_reading_tooltip (&noise, TS_NOISE_MODEL_GAUSSIAN);
  g_autofree char *solved = ts_noise_text_solved (&noise);
  g_autofree char *used = ts_noise_text_used (&noise);
  g_autofree char *camera = NULL;

  g_assert_cmpstr (reading, ==, "Luminance 6.2 · Colour 2.1 / 1.9, white noise");
  g_assert_nonnull (strstr (tooltip, "White noise"));
  g_assert_cmpstr (solved, ==, "Solved at luminance 12.4 · colour 18.6 / 18.6");
  g_assert_cmpstr (used, ==, "Gaussian noise (chosen automatically)");
  noise.level.kind = TS_NOISE_CAMERA;
  camera = ts_noise_text_reading (&noise, TS_NOISE_MODEL_GAUSSIAN);
  g_assert_cmpstr (camera, ==, "Luminance 6.2 · Colour 2.1 / 1.9, camera noise");
}

static void
test_gray_and_given (void)
{
  TsRestoreNoise noise = gaussian_colour ();
  g_autofree char *reading = NULL, *solved = NULL, *used = NULL, *given = NULL;

  noise.level.n_planes = 1;
  noise.n_planes = 1;
  noise.opponent = FALSE;
  noise.requested = TS_NOISE_MODEL_GAUSSIAN;
  reading = ts_noise_text_reading (&noise, TS_NOISE_MODEL_GAUSSIAN);
  solved = ts_noise_text_solved (&noise);
  used = ts_noise_text_used (&noise);
  g_assert_cmpstr (reading, ==, "Level 6.2, white noise");
  g_assert_cmpstr (solved, ==, "Solved at 12.4");
  g_assert_cmpstr (used, ==, "Gaussian noise");
  /* A level given by hand: nothing was read. */
  noise.estimated = FALSE;
  given = ts_noise_text_reading (&noise, TS_NOISE_MODEL_GAUSSIAN);
  g_assert_null (given);
}

/* Poisson-Gaussian: the noise at mid-grey per channel, R / G / B, the variance a run uses
 * (not the reading's) when it is Poisson-Gaussian; a and b in the tooltip. */
static void
test_poisson_gaussian (void)
{
  TsRestoreNoise noise = gaussian_colour ();
  g_autofree char *from_reading = ts_noise_text_reading (&noise, TS_NOISE_MODEL_POISSON_GAUSSIAN);
  g_autofree char *reading = NULL, *tooltip = NULL, *used = NULL, *gray = NULL, *none = NULL;

  /* Before the model is Poisson-Gaussian: the reading's b alone, 6 at every intensity. */
  g_assert_cmpstr (from_reading, ==, "Grows with brightness: R 6.0 · G 6.0 · B 6.0 at mid-grey");
  noise.model = TS_NOISE_MODEL_POISSON_GAUSSIAN;
  noise.n_channels = 3;
  noise.channel[0] = (TsPoissonGaussian) { .a = 0.01, .b = 0.0 };
  noise.channel[1] = (TsPoissonGaussian) { .a = 0.02, .b = 1e-4 };
  noise.channel[2] = (TsPoissonGaussian) { .a = 0.0, .b = 4e-4 };
  reading = ts_noise_text_reading (&noise, TS_NOISE_MODEL_POISSON_GAUSSIAN);
  tooltip = ts_noise_text_reading_tooltip (&noise, TS_NOISE_MODEL_POISSON_GAUSSIAN);
  used = ts_noise_text_used (&noise);
  /* 255 sqrt (a / 2 + b): 18.03, 25.63, 5.10. */
  g_assert_cmpstr (reading, ==, "Grows with brightness: R 18.0 · G 25.6 · B 5.1 at mid-grey");
  g_assert_nonnull (strstr (tooltip, "R: a = 0.01, b = 0"));
  g_assert_nonnull (strstr (tooltip, "G: a = 0.02, b = 0.0001"));
  g_assert_nonnull (strstr (tooltip, "B: a = 0, b = 0.0004"));
  g_assert_cmpstr (used, ==, "Poisson-Gaussian noise (chosen automatically)");
  noise.n_channels = 1;
  gray = ts_noise_text_reading (&noise, TS_NOISE_MODEL_POISSON_GAUSSIAN);
  g_assert_cmpstr (gray, ==, "Grows with brightness: 18.0 at mid-grey");
  noise.model = TS_NOISE_MODEL_GAUSSIAN;
  noise.pg.n_channels = 0;
  none = ts_noise_text_reading (&noise, TS_NOISE_MODEL_POISSON_GAUSSIAN);
  g_assert_nonnull (strstr (none, "Too little smooth area"));
}

/* From the core's plan of a colour picture with white noise of 12: its readings, to one
 * decimal, in the order Y, O1, O2. */
static void
test_from_plan (void)
{
  g_autoptr (TsImage) gray = ts_demo_image_new (96, 96);
  g_autoptr (TsImage) colour = ts_image_new (96, 96, 3, NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *reading = NULL, *expected = NULL, *solved = NULL, *expected_solved = NULL;
  TsRestoreNoise plan;

  for (gsize i = 0; i < (gsize) 96 * 96; i++)
    {
      colour->data[3 * i] = gray->data[i];
      colour->data[3 * i + 1] = 0.5f;
      colour->data[3 * i + 2] = 1.0f - gray->data[i];
    }
  ts_noise_add_gaussian (colour, 12.0 / 255.0, 3);
  g_assert_true (ts_restore_noise_plan (colour, TS_COLOUR_OPPONENT, TS_NOISE_MODEL_AUTO, NAN, 1.0,
                                        2.0, &plan, &error));
  g_assert_no_error (error);
  reading = ts_noise_text_reading (&plan, plan.model);
  expected = g_strdup_printf ("Luminance %.1f · Colour %.1f / %.1f, white noise",
                              255.0 * plan.level.white[0], 255.0 * plan.level.white[1],
                              255.0 * plan.level.white[2]);
  g_assert_cmpstr (reading, ==, expected);
  g_assert_cmpfloat (fabs (255.0 * plan.level.white[0] - 12.0), <, 1.5);
  solved = ts_noise_text_solved (&plan);
  expected_solved = g_strdup_printf ("Solved at luminance %.1f · colour %.1f / %.1f", plan.sigma,
                                     2.0 * plan.sigma, 2.0 * plan.sigma);
  g_assert_cmpstr (solved, ==, expected_solved);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gui/noise-text/gaussian", test_gaussian);
  g_test_add_func ("/gui/noise-text/gray-and-given", test_gray_and_given);
  g_test_add_func ("/gui/noise-text/poisson-gaussian", test_poisson_gaussian);
  g_test_add_func ("/gui/noise-text/from-plan", test_from_plan);
  return g_test_run ();
}
