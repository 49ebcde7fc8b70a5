/* Denoising large images in overlapping tiles: memory bounded by the tile size, tiles
 * blended with linear ramps, and an optional region (the GUI's viewport) solved first. */
#pragma once
#include "ts-solver.h"

G_BEGIN_DECLS

typedef struct {
  int x, y, width, height;
} TsRect;

typedef struct {
  int tile_size;     /* core tile side in pixels (the halo is added around it) */
  int halo;          /* extra pixels solved around each core tile, discarded after blending */
  int blend;         /* half-width of the linear blending ramp (<= halo) */
  TsRect region;     /* tiles meeting this rectangle go first; width 0 = none */
  /* TRUE (the default): with a tolerance, the tiles stop together by the rule of the whole
   * image, ||x_new - x|| / ||x|| <= tol summed over all tiles, so that the result matches the
   * untiled solve (each tile's own rule stops smooth tiles early and textured ones late:
   * 0.026 dB off on a BSD68 image). It takes two passes: the first records every tile's
   * sums per iteration, the second solves each tile for the iteration count the whole image
   * would have stopped at. FALSE: one pass, each tile stops on its own (the GUI's
   * interactive previews). */
  gboolean global_stop;
  /* Optional: called after every iteration of each tile's solve with the tile's estimate
   * (core plus halo). Before each tile's solve `iteration_tile`, when set, receives where
   * that estimate lies in the image (x, y may be negative: the halo wraps around). */
  TsProgressFunc iteration;
  gpointer iteration_data;
  TsRect *iteration_tile;
} TsTileOptions;

void ts_tile_options_init (TsTileOptions *options);

/* Called after each tile with the number done and in all, the tile's core rectangle and the
 * result so far (solved pixels blended, others still the input). FALSE cancels. */
typedef gboolean (*TsTileFunc) (int done, int total, const TsRect *tile, const TsImage *result,
                                gpointer user_data);

/* Denoises a single-channel image with H = I and the model's regulariser for options' beta
 * and lambda; sets OpenBLAS's thread count for the solves (ts_solve_blas_threads). An image
 * that fits in one tile is solved whole (exactly the untiled result). Tiles wrap around the image edges, as the model's
 * circular boundary does. `stats` gives the stopping iteration (with global_stop the common
 * one, else the largest over tiles), seconds summed over all tile solves (both passes) and
 * the largest final change (with global_stop, the whole image's change at the common stop).
 * Progress counts the tiles of both passes. */
TsImage *ts_denoise_tiled (const TsModel *model, const TsImage *noisy, const TsSolveOptions *options,
                           const TsTileOptions *tiles, TsTileFunc progress, gpointer user_data,
                           const gint *cancel, TsSolveStats *stats, GError **error);

G_END_DECLS
