/* The built-in demo picture: deterministic, in range, with structure a denoiser can show. */
#include <math.h>
#include <string.h>
#include "tessera.h"
#include "test-util.h"

static void
test_deterministic (void)
{
  g_autoptr (TsImage) a = ts_demo_image_new (256, 256);
  g_autoptr (TsImage) b = ts_demo_image_new (256, 256);
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpint (a->width, ==, 256);
  g_assert_cmpint (a->height, ==, 256);
  g_assert_cmpint (a->channels, ==, 1);
  g_assert_cmpmem (a->data, 256 * 256 * sizeof (float), b->data, 256 * 256 * sizeof (float));
}

static void
test_range_and_contrast (void)
{
  g_autoptr (TsImage) image = ts_demo_image_new (256, 256);
  gsize n = ts_image_n_values (image);
  double lo = INFINITY, hi = -INFINITY, sum = 0.0, sum2 = 0.0;
  for (gsize i = 0; i < n; i++)
    {
      double v = image->data[i];
      g_assert_true (isfinite (v));
      g_assert_cmpfloat (v, >=, 0.0);
      g_assert_cmpfloat (v, <=, 1.0);
      lo = MIN (lo, v);
      hi = MAX (hi, v);
      sum += v;
      sum2 += v * v;
    }
  double mean = sum / n, sd = sqrt (MAX (sum2 / n - mean * mean, 0.0));
  g_test_message ("range [%.3f, %.3f], mean %.3f, sd %.3f", lo, hi, mean, sd);
  g_assert_cmpfloat (hi - lo, >, 0.7);
  g_assert_cmpfloat (sd, >, 0.1);
  g_assert_cmpfloat (mean, >, 0.2);
  g_assert_cmpfloat (mean, <, 0.8);
}

/* Sharp edges (large steps between neighbours) and flat regions (zero steps) both present. */
static void
test_edges_and_flat_regions (void)
{
  const int w = 256, h = 256;
  g_autoptr (TsImage) image = ts_demo_image_new (w, h);
  gsize sharp = 0, flat = 0, total = 0;
  for (int y = 0; y < h - 1; y++)
    for (int x = 0; x < w - 1; x++)
      {
        float v = image->data[y * w + x];
        float gx = fabsf (image->data[y * w + x + 1] - v);
        float gy = fabsf (image->data[(y + 1) * w + x] - v);
        float g = MAX (gx, gy);
        if (g > 0.5f)
          sharp++;
        if (g == 0.0f)
          flat++;
        total++;
      }
  g_test_message ("%" G_GSIZE_FORMAT " sharp, %" G_GSIZE_FORMAT " flat of %" G_GSIZE_FORMAT,
                  sharp, flat, total);
  g_assert_cmpuint (sharp, >, total / 100);
  g_assert_cmpuint (flat, >, total / 10);
  /* ... and smooth, non-flat parts too: the gradient background. */
  g_assert_cmpuint (flat + sharp, <, total * 9 / 10);
}

/* The disc and the square are there at the documented places, whatever the size. */
static void
test_layout_scales (void)
{
  const int sizes[][2] = { { 256, 256 }, { 512, 512 }, { 300, 200 }, { 64, 96 } };
  for (gsize k = 0; k < G_N_ELEMENTS (sizes); k++)
    {
      int w = sizes[k][0], h = sizes[k][1];
      g_autoptr (TsImage) image = ts_demo_image_new (w, h);
      g_assert_nonnull (image);
      float disc = image->data[(int) (0.23 * h) * w + (int) (0.24 * w)];
      float square = image->data[(int) (0.60 * h) * w + (int) (0.24 * w)];
      g_assert_cmpfloat_with_epsilon (disc, 0.88, 1e-6);
      g_assert_cmpfloat_with_epsilon (square, 0.10, 1e-6);
    }
}

static void
test_odd_sizes (void)
{
  const int sizes[][2] = { { 1, 1 }, { 1, 37 }, { 37, 1 }, { 17, 3 } };
  for (gsize k = 0; k < G_N_ELEMENTS (sizes); k++)
    {
      g_autoptr (TsImage) image = ts_demo_image_new (sizes[k][0], sizes[k][1]);
      g_assert_nonnull (image);
      for (gsize i = 0; i < ts_image_n_values (image); i++)
        {
          g_assert_cmpfloat (image->data[i], >=, 0.0f);
          g_assert_cmpfloat (image->data[i], <=, 1.0f);
        }
    }
  g_assert_null (ts_demo_image_new (0, 10));
  g_assert_null (ts_demo_image_new (10, -1));
  /* Over the pixel limit: NULL, not an abort. */
  gsize saved = ts_limits_get_max_pixels ();
  ts_limits_set_max_pixels (100);
  g_assert_null (ts_demo_image_new (11, 10));
  g_autoptr (TsImage) small = ts_demo_image_new (10, 10);
  ts_limits_set_max_pixels (saved);
  g_assert_nonnull (small);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/demo/deterministic", test_deterministic);
  g_test_add_func ("/demo/range-and-contrast", test_range_and_contrast);
  g_test_add_func ("/demo/edges-and-flat-regions", test_edges_and_flat_regions);
  g_test_add_func ("/demo/layout-scales", test_layout_scales);
  g_test_add_func ("/demo/odd-sizes", test_odd_sizes);
  return g_test_run ();
}
