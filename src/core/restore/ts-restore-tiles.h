/* When a restoration is solved in tiles, how, and the memory a whole solve may take: the
 * one rule for tessera-cli and the window. */
#pragma once
#include "ts-model.h"
#include "ts-solver.h"
#include "ts-tiles.h"

G_BEGIN_DECLS

/* Above this solver memory estimate (ts_solve_memory_estimate) a denoising is solved in
 * tiles, even when the machine has the memory: a bounded footprint beside everything else
 * (the window's textures, other processes). */
#define TS_RESTORE_TILE_MEMORY ((gsize) 1200 << 20)

typedef enum {
  TS_RESTORE_TILES_AUTO,    /* in tiles when a whole solve would need more than
                               TS_RESTORE_TILE_MEMORY, or more than is available now */
  TS_RESTORE_TILES_ALWAYS,  /* always (tessera-cli denoise --tile N) */
  TS_RESTORE_TILES_NEVER,   /* whole (a decomposition is wanted); refused when it cannot fit */
} TsRestoreTileMode;

/* Tiling applies to denoising only: super-resolution and MRI are always solved whole. */
typedef struct {
  TsRestoreTileMode mode;
  int size;            /* core tile side; 0 = ts-tiles' default */
  /* FALSE (the default): the tiles stop together by the whole image's rule, in two passes,
   * so that the result matches the untiled solve. TRUE: each tile by its own, one pass:
   * half the work, and a tile's result is final as soon as it is shown (ts-tiles.h). */
  gboolean own_stop;
  TsRect region;       /* tiles meeting it are solved first (the visible part); width 0 = none */
} TsRestoreTiling;

void     ts_restore_tiling_init (TsRestoreTiling *tiling);

/* Bytes of memory available for a solve: $TESSERA_MEMORY_LIMIT if set (bytes; for tests and
 * for users who want a tighter bound), else MemAvailable from /proc/meminfo; 0 = unknown. */
guint64  ts_restore_available_memory (void);
/* A clear refusal (TS_ERROR_LIMIT) before a whole width x height solve that cannot fit in
 * the memory available, instead of an allocation failure (or the OOM killer) part-way. */
gboolean ts_restore_check_memory (const TsModel *model, int width, int height, GError **error);
/* The same for a solve that needs `need` bytes (the joint colour solve's estimate). */
gboolean ts_restore_check_memory_need (const TsModel *model, int width, int height, guint64 need,
                                       GError **error);
/* Whether a width x height denoising is solved in tiles. */
gboolean ts_restore_wants_tiles (const TsRestoreTiling *tiling, const TsModel *model, int width,
                                 int height);
/* The options of ts_denoise_tiled for `tiling` (without progress). */
void     ts_restore_tile_options (const TsRestoreTiling *tiling, TsTileOptions *options);
/* The tiles ts_denoise_tiled solves for a width x height plane, counting both passes of the
 * common stop: the `total` its progress will report. */
int      ts_restore_count_tiles (const TsRestoreTiling *tiling, const TsSolveOptions *options,
                                 int width, int height);

G_END_DECLS
