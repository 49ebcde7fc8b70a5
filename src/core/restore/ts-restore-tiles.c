/* The tiling rule and the memory check of a restoration (see ts-restore-tiles.h). */
#include "ts-restore-tiles.h"

#include <string.h>

/* ts_denoise_tiled's smallest tile side. */
#define MIN_TILE 32

void
ts_restore_tiling_init (TsRestoreTiling *tiling)
{
  g_return_if_fail (tiling != NULL);
  memset (tiling, 0, sizeof *tiling);
  tiling->mode = TS_RESTORE_TILES_AUTO;
}

guint64
ts_restore_available_memory (void)
{
  const char *env = g_getenv ("TESSERA_MEMORY_LIMIT");
  if (env != NULL && *env != '\0')
    return g_ascii_strtoull (env, NULL, 10);
  g_autofree char *meminfo = NULL;
  if (!g_file_get_contents ("/proc/meminfo", &meminfo, NULL, NULL))
    return 0;
  const char *line = strstr (meminfo, "MemAvailable:");
  if (line == NULL)
    return 0;
  return g_ascii_strtoull (line + strlen ("MemAvailable:"), NULL, 10) * 1024;
}

/* "12.3 MB" / "1.5 GB"; not g_format_size, which puts a no-break space before the unit. */
static char *
format_bytes (guint64 bytes)
{
  return g_strdup_printf ("%.1f %s", bytes >= 1e9 ? bytes / 1e9 : bytes / 1e6,
                          bytes >= 1e9 ? "GB" : "MB");
}

gboolean
ts_restore_check_memory (const TsModel *model, int width, int height, GError **error)
{
  g_return_val_if_fail (model != NULL, FALSE);
  return ts_restore_check_memory_need (model, width, height,
                                       ts_solve_memory_estimate (model, width, height), error);
}

gboolean
ts_restore_check_memory_need (const TsModel *model, int width, int height, guint64 need,
                              GError **error)
{
  g_return_val_if_fail (model != NULL, FALSE);
  guint64 have = ts_restore_available_memory ();
  if (have == 0 || need <= have)
    return TRUE;
  g_autofree char *need_text = format_bytes (need);
  g_autofree char *have_text = format_bytes (have);
  g_set_error (error, TS_ERROR, TS_ERROR_LIMIT,
               "a %d x %d solve with model %s needs about %s of memory, but only %s is "
               "available; use a smaller image or free some memory", width, height,
               model->name, need_text, have_text);
  return FALSE;
}

gboolean
ts_restore_wants_tiles (const TsRestoreTiling *tiling, const TsModel *model, int width, int height)
{
  g_return_val_if_fail (tiling != NULL && model != NULL, FALSE);
  if (tiling->mode != TS_RESTORE_TILES_AUTO)
    return tiling->mode == TS_RESTORE_TILES_ALWAYS;
  guint64 need = ts_solve_memory_estimate (model, width, height);
  guint64 have = ts_restore_available_memory ();
  return need > TS_RESTORE_TILE_MEMORY || (have != 0 && need > have);
}

void
ts_restore_tile_options (const TsRestoreTiling *tiling, TsTileOptions *options)
{
  g_return_if_fail (tiling != NULL && options != NULL);
  ts_tile_options_init (options);
  if (tiling->size > 0)
    options->tile_size = tiling->size;
  options->global_stop = !tiling->own_stop;
  options->region = tiling->region;
}

/* Tiles along an axis, as ts_denoise_tiled splits it. */
static int
tiles_along (int length, int tile)
{
  return MAX (1, (length + tile - 1) / tile);
}

int
ts_restore_count_tiles (const TsRestoreTiling *tiling, const TsSolveOptions *options, int width,
                        int height)
{
  g_return_val_if_fail (tiling != NULL && options != NULL, 0);
  TsTileOptions tiles;
  ts_restore_tile_options (tiling, &tiles);
  int tile = MAX (tiles.tile_size, MIN_TILE);
  int n = tiles_along (width, tile) * tiles_along (height, tile);
  /* One tile is solved whole, in one pass; the common stop takes two. */
  return n > 1 && tiles.global_stop && options->tol > 0.0 ? 2 * n : n;
}
