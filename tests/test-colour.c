/* The orthonormal opponent colour transform: round trip, orthonormality, white noise. */
#include <math.h>
#include <string.h>
#include "ts-colour.h"
#include "ts-noise.h"
#include "test-util.h"

static TsImage *
make_random (int w, int h, int c, guint32 seed)
{
  TsImage *image = ts_image_new (w, h, c, NULL);
  GRand *rand = g_rand_new_with_seed (seed);
  for (gsize i = 0; i < ts_image_n_values (image); i++)
    image->data[i] = (float) g_rand_double (rand);
  g_rand_free (rand);
  return image;
}

static void
test_round_trip (gconstpointer data)
{
  int channels = GPOINTER_TO_INT (data);
  g_autoptr (TsImage) rgb = make_random (17, 9, channels, 1);
  g_autoptr (TsImage) opp = ts_colour_rgb_to_opponent (rgb);
  g_autoptr (TsImage) back = ts_colour_opponent_to_rgb (opp);
  g_assert_cmpint (back->channels, ==, channels);
  for (gsize i = 0; i < ts_image_n_values (rgb); i++)
    g_assert_cmpfloat (fabsf (back->data[i] - rgb->data[i]), <=, 1e-6f);
  /* Alpha untouched by both directions. */
  if (channels == 4)
    for (gsize p = 0; p < (gsize) 17 * 9; p++)
      {
        g_assert_cmpfloat (opp->data[p * 4 + 3], ==, rgb->data[p * 4 + 3]);
        g_assert_cmpfloat (back->data[p * 4 + 3], ==, rgb->data[p * 4 + 3]);
      }
  /* Gray images are passed through unchanged. */
  if (channels == 1 || channels == 2)
    for (gsize i = 0; i < ts_image_n_values (rgb); i++)
      g_assert_cmpfloat (opp->data[i], ==, rgb->data[i]);
}

static void
test_known_values (void)
{
  g_autoptr (TsImage) rgb = ts_image_new (3, 1, 3, NULL);
  const float px[9] = { 1, 1, 1,  1, 0, 0,  0, 1, 0 };
  memcpy (rgb->data, px, sizeof px);
  g_autoptr (TsImage) opp = ts_colour_rgb_to_opponent (rgb);
  /* White: all luminance, sqrt 3; no opponent signal. */
  g_assert_cmpfloat (fabs (opp->data[0] - sqrt (3.0)), <, 1e-6);
  g_assert_cmpfloat (fabs (opp->data[1]), <, 1e-6);
  g_assert_cmpfloat (fabs (opp->data[2]), <, 1e-6);
  /* Red: (1/sqrt3, 1/sqrt2, 1/sqrt6); green: (1/sqrt3, 0, -2/sqrt6). */
  g_assert_cmpfloat (fabs (opp->data[3] - 1 / sqrt (3.0)), <, 1e-6);
  g_assert_cmpfloat (fabs (opp->data[4] - 1 / sqrt (2.0)), <, 1e-6);
  g_assert_cmpfloat (fabs (opp->data[5] - 1 / sqrt (6.0)), <, 1e-6);
  g_assert_cmpfloat (fabs (opp->data[6] - 1 / sqrt (3.0)), <, 1e-6);
  g_assert_cmpfloat (fabs (opp->data[7]), <, 1e-6);
  g_assert_cmpfloat (fabs (opp->data[8] + 2 / sqrt (6.0)), <, 1e-6);
  /* Orthonormal: the norm of every pixel is preserved. */
  for (int p = 0; p < 3; p++)
    {
      double a = 0, b = 0;
      for (int k = 0; k < 3; k++)
        {
          a += px[p * 3 + k] * px[p * 3 + k];
          b += opp->data[p * 3 + k] * opp->data[p * 3 + k];
        }
      g_assert_cmpfloat (fabs (a - b), <, 1e-5);
    }
}

/* White noise of level sigma in R, G, B is white noise of level sigma in each opponent
 * channel, uncorrelated between channels. */
static void
test_white_noise (void)
{
  const int w = 256, h = 256;
  const double sigma = 0.1;
  g_autoptr (TsImage) noise = ts_image_new (w, h, 3, NULL);
  ts_noise_add_gaussian (noise, sigma, 42);
  g_autoptr (TsImage) opp = ts_colour_rgb_to_opponent (noise);
  double cov[3][3] = { { 0 } };
  gsize n = (gsize) w * h;
  for (gsize i = 0; i < n; i++)
    for (int a = 0; a < 3; a++)
      for (int b = 0; b < 3; b++)
        cov[a][b] += (double) opp->data[i * 3 + a] * opp->data[i * 3 + b] / n;
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++)
      {
        double expect = a == b ? sigma * sigma : 0.0;
        g_assert_cmpfloat (fabs (cov[a][b] - expect), <, 0.03 * sigma * sigma);
      }
}

static void
test_mode_names (void)
{
  TsColourMode mode;
  g_assert_true (ts_colour_mode_from_name ("rgb", &mode));
  g_assert_cmpint (mode, ==, TS_COLOUR_RGB);
  g_assert_true (ts_colour_mode_from_name ("opponent", &mode));
  g_assert_cmpint (mode, ==, TS_COLOUR_OPPONENT);
  g_assert_false (ts_colour_mode_from_name ("yuv", &mode));
  g_assert_cmpstr (ts_colour_mode_name (TS_COLOUR_RGB), ==, "rgb");
  g_assert_cmpstr (ts_colour_mode_name (TS_COLOUR_OPPONENT), ==, "opponent");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/colour/round-trip-gray", GINT_TO_POINTER (1), test_round_trip);
  g_test_add_data_func ("/colour/round-trip-gray-alpha", GINT_TO_POINTER (2), test_round_trip);
  g_test_add_data_func ("/colour/round-trip-rgb", GINT_TO_POINTER (3), test_round_trip);
  g_test_add_data_func ("/colour/round-trip-rgba", GINT_TO_POINTER (4), test_round_trip);
  g_test_add_func ("/colour/known-values", test_known_values);
  g_test_add_func ("/colour/white-noise", test_white_noise);
  g_test_add_func ("/colour/mode-names", test_mode_names);
  return g_test_run ();
}
