/* Tiled denoising: one tile is the untiled solve; several tiles blend to the untiled
 * result once both are converged; the region of interest is solved first. */
#include "tessera.h"
#include "test-model-util.h"
#include <math.h>
#include <stdlib.h>

typedef struct {
  int calls;
  TsRect first;
} TileLog;

static gboolean
on_tile (int done, int total, const TsRect *tile, const TsImage *result, gpointer user_data)
{
  TileLog *log = user_data;
  if (log->calls++ == 0)
    log->first = *tile;
  g_assert_cmpint (done, ==, log->calls);
  g_assert_cmpint (done, <=, total);
  g_assert_nonnull (result);
  return TRUE;
}

static TsImage *
picture (int w, int h)
{
  TsImage *image = ts_image_new (w, h, 1, NULL);
  float *data = ts_test_picture (w, h, 0.1, 41);
  memcpy (image->data, data, sizeof (float) * w * h);
  g_free (data);
  return image;
}

static void
test_single_tile_is_untiled (void)
{
  g_autoptr (TsModel) model = ts_test_random_model (TS_PROX_NCPR, 1, 42);
  g_autoptr (TsImage) y = picture (40, 36);
  TsSolveOptions o;
  ts_solve_options_init (&o);
  o.tol = 0.0;
  o.max_iter = 20;
  TsTileOptions t;
  ts_tile_options_init (&t);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsImage) tiled = ts_denoise_tiled (model, y, &o, &t, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (TsOperator) op = ts_operator_identity_new (40, 36);
  g_autoptr (TsSolution) whole = ts_test_solve (model, op, y->data, &o, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 40 * 36; i++)
    g_assert_cmpfloat (tiled->data[i], ==, whole->x->data[i]);
}

static void
test_tiles_match_untiled (void)
{
  /* The convex DCT model has one minimiser, which both routes approach. */
  g_autoptr (TsModel) model = ts_model_new_dct (25);
  int w = 96, h = 96;
  g_autoptr (TsImage) y = picture (w, h);
  TsSolveOptions o;
  ts_solve_options_init (&o);
  o.tol = 1e-6;
  o.max_iter = 4000;
  g_autoptr (GError) error = NULL;
  g_autoptr (TsOperator) op = ts_operator_identity_new (w, h);
  g_autoptr (TsSolution) whole = ts_test_solve (model, op, y->data, &o, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  TsTileOptions t;
  ts_tile_options_init (&t);
  t.tile_size = 48;           /* 2 x 2 tiles */
  t.halo = 16;
  t.blend = 8;
  t.region = (TsRect) { 70, 70, 10, 10 };
  /* One pass, each tile to its own 1e-6 (the common stop is /tiles/global-stop-...). */
  t.global_stop = FALSE;
  TileLog log = { 0 };
  TsSolveStats stats;
  g_autoptr (TsImage) tiled = ts_denoise_tiled (model, y, &o, &t, on_tile, &log, NULL, &stats, &error);
  g_assert_no_error (error);
  g_assert_cmpint (log.calls, ==, 4);
  /* The region of interest lies in the bottom-right tile, which goes first. */
  g_assert_cmpint (log.first.x, ==, 48);
  g_assert_cmpint (log.first.y, ==, 48);
  double max_diff = 0.0, moved = 0.0;
  for (int i = 0; i < w * h; i++)
    {
      max_diff = MAX (max_diff, fabs (tiled->data[i] - whole->x->data[i]));
      moved = MAX (moved, fabs (tiled->data[i] - y->data[i]));
    }
  g_test_message ("tiled vs untiled at tol 1e-6: max diff %.3g (%d iterations over 4 tiles)",
                  max_diff, stats.iterations);
  /* Measured 1.5e-3 with this 16-pixel halo (3.6e-4 with 24 pixels): the halo, not the
   * tolerance, bounds the difference. */
  g_assert_cmpfloat (max_diff, <, 4e-3);
  g_assert_cmpfloat (moved, >, 1e-2);
}

/* At a loose tolerance, where the result still moves from iteration to iteration, tiles that
 * stop together by the whole image's rule follow the untiled solve; tiles stopping on their
 * own rules land elsewhere (measured: RMS 1.5e-7 against 4.1e-3). A flat half and a
 * textured half make the tiles converge at different speeds. */
static void
test_global_stop_follows_untiled (void)
{
  g_autoptr (TsModel) model = ts_model_new_dct (25);
  int w = 96, h = 96;
  g_autoptr (TsImage) y = picture (w, h);
  /* Flatten the left half: its tiles converge much faster than the textured right. */
  for (int r = 0; r < h; r++)
    for (int c = 0; c < w / 2; c++)
      y->data[r * w + c] = 0.5f + 0.1f * y->data[r * w + c];
  TsSolveOptions o;
  ts_solve_options_init (&o);
  o.tol = 5e-4;
  g_autoptr (GError) error = NULL;
  g_autoptr (TsOperator) op = ts_operator_identity_new (w, h);
  TsSolveStats whole_stats;
  g_autoptr (TsSolution) whole = ts_test_solve (model, op, y->data, &o, NULL, NULL, NULL, NULL, &whole_stats, &error);
  g_assert_no_error (error);

  double diff[2];
  int common_iterations = 0;
  for (int global = 0; global < 2; global++)
    {
      TsTileOptions t;
      ts_tile_options_init (&t);
      t.tile_size = 48;
      t.halo = 24;
      t.blend = 8;
      t.global_stop = global;
      TsSolveStats stats;
      TileLog log = { 0 };
      g_autoptr (TsImage) tiled = ts_denoise_tiled (model, y, &o, &t, on_tile, &log, NULL, &stats, &error);
      g_assert_no_error (error);
      /* 4 tiles; the common stop takes two passes over them. */
      g_assert_cmpint (log.calls, ==, global ? 8 : 4);
      double sum = 0.0;
      for (int i = 0; i < w * h; i++)
        sum += (tiled->data[i] - whole->x->data[i]) * (double) (tiled->data[i] - whole->x->data[i]);
      diff[global] = sqrt (sum / (w * h));
      if (global)
        {
          /* The whole image's change at the common stop meets the tolerance. */
          g_assert_true (stats.converged);
          g_assert_cmpfloat (stats.final_change, <=, o.tol);
          /* Its iteration is the image's stopping iteration, near the untiled one (the sums
           * are over the same pixels), not a total over tiles and passes. */
          common_iterations = stats.iterations;
        }
    }
  g_test_message ("untiled: %d iterations, common stop %d; RMS difference to untiled: own stops "
                  "%.3g, common stop %.3g", whole_stats.iterations, common_iterations, diff[0], diff[1]);
  g_assert_cmpint (abs (common_iterations - whole_stats.iterations), <=, whole_stats.iterations / 10 + 1);
  g_assert_cmpfloat (diff[1], <, 0.5 * diff[0]);
}

static void
test_memory_estimate (void)
{
  g_autoptr (TsModel) model = ts_test_random_model (TS_PROX_NCPR, 1, 44);
  gsize small = ts_solve_memory_estimate (model, 100, 100);
  gsize big = ts_solve_memory_estimate (model, 4000, 3000);
  /* 2 coefficient arrays of 200 channels dominate: over 1.6 kB per pixel. */
  g_assert_cmpuint (big, >, (gsize) 4000 * 3000 * 1600);
  g_assert_cmpuint (small, <, big);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tiles/single-tile", test_single_tile_is_untiled);
  g_test_add_func ("/tiles/match-untiled", test_tiles_match_untiled);
  g_test_add_func ("/tiles/memory-estimate", test_memory_estimate);
  g_test_add_func ("/tiles/global-stop-follows-untiled", test_global_stop_follows_untiled);
  return g_test_run ();
}
