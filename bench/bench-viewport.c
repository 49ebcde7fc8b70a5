/* Time to the first preview of a viewport on a 12 MP photo (issue 3): the GUI solves the
 * tiles meeting the visible region first (ts_denoise_tiled with a region) and shows every
 * iteration of them. Reports the time to the first iteration of the first tile, to the end
 * of the first tile and to the end of all region tiles, then stops (the rest of the picture
 * is not part of this figure).
 * Usage: bench-viewport [WIDTH HEIGHT VIEW_W VIEW_H [MODEL]] (default 4000 3000 800 600 auto) */
#include "tessera.h"
#include <stdio.h>
#include <stdlib.h>

typedef struct {
  gint64 start, first_iteration, first_tile, region_done;
  int tiles_done;
  TsRect region;
} Timing;

static gboolean
on_iteration (int iteration, double change, const TsImage *estimate, gpointer data)
{
  Timing *t = data;
  (void) change;
  (void) estimate;
  if (iteration == 1 && t->first_iteration == 0)
    t->first_iteration = g_get_monotonic_time ();
  return TRUE;
}

static gboolean
meets (const TsRect *a, const TsRect *b)
{
  return a->x < b->x + b->width && b->x < a->x + a->width && a->y < b->y + b->height
         && b->y < a->y + a->height;
}

static gboolean
on_tile (int done, int total, const TsRect *tile, const TsImage *result, gpointer data)
{
  Timing *t = data;
  (void) total;
  (void) result;
  if (done == 1)
    t->first_tile = g_get_monotonic_time ();
  /* Tiles meeting the region come first: the first one that does not ends the measure. */
  if (!meets (tile, &t->region))
    return FALSE;
  t->tiles_done++;
  t->region_done = g_get_monotonic_time ();
  return TRUE;
}

int
main (int argc, char **argv)
{
  int width = argc > 2 ? atoi (argv[1]) : 4000, height = argc > 2 ? atoi (argv[2]) : 3000;
  int vw = argc > 4 ? atoi (argv[3]) : 800, vh = argc > 4 ? atoi (argv[4]) : 600;
  const char *model_name = argc > 5 ? argv[5] : "auto";
  double sigma = 25.0;
  GError *error = NULL;

  TsModel *model = ts_model_resolve (model_name, sigma, &error);
  if (model == NULL)
    {
      fprintf (stderr, "bench-viewport: %s\n", error->message);
      return 1;
    }
  TsImage *noisy = ts_demo_image_new (width, height);
  ts_noise_add_gaussian (noisy, sigma / 255.0, 1);

  TsSolveOptions options;
  ts_solve_options_init (&options);
  options.tol = model->tol;
  TsTileOptions tiles;
  ts_tile_options_init (&tiles);
  /* As the GUI's large-picture mode (src/gui/ts-job.c): tiles of 256, one pass with each
   * tile's own stopping rule. */
  tiles.tile_size = 256;
  tiles.global_stop = FALSE;
  Timing t = { 0 };
  t.region = (TsRect) { (width - vw) / 2, (height - vh) / 2, vw, vh };
  tiles.region = t.region;
  tiles.iteration = on_iteration;
  tiles.iteration_data = &t;

  t.start = g_get_monotonic_time ();
  TsImage *out = ts_denoise_tiled (model, noisy, &options, &tiles, on_tile, &t, NULL, NULL, &error);
  if (out == NULL && !g_error_matches (error, TS_ERROR, TS_ERROR_CANCELLED))
    {
      fprintf (stderr, "bench-viewport: %s\n", error->message);
      return 1;
    }
  printf ("image %d x %d, viewport %d x %d (%d tiles of about %d + halo %d), model %s\n", width,
          height, vw, vh, t.tiles_done, tiles.tile_size, tiles.halo, model->name);
  printf ("first preview (first iteration of the first tile): %.2f s\n",
          (t.first_iteration - t.start) / 1e6);
  printf ("first tile done: %.2f s\n", (t.first_tile - t.start) / 1e6);
  printf ("viewport done (all its tiles): %.2f s\n", (t.region_done - t.start) / 1e6);
  ts_image_free (out);
  ts_image_free (noisy);
  ts_model_free (model);
  g_clear_error (&error);
  return 0;
}
