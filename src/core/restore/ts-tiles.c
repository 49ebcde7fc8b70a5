/* Tiled denoising: each core tile is solved on itself plus a halo, read circularly from the
 * image, and blended into the result with ramps that sum to one across neighbours. */
#include "ts-tiles.h"
#include "ts-blas.h"
#include "ts-patch.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

void
ts_tile_options_init (TsTileOptions *options)
{
  options->tile_size = 384;
  options->halo = 24;
  options->blend = 8;
  options->region = (TsRect) { 0, 0, 0, 0 };
  options->global_stop = TRUE;
  options->iteration = NULL;
  options->iteration_data = NULL;
  options->iteration_tile = NULL;
}

typedef struct {
  int x0, x1, y0, y1;     /* core, in image coordinates */
  double order;           /* distance to the region of interest, for the solving order */
} Tile;

static int
compare_tiles (const void *a, const void *b)
{
  const Tile *ta = a, *tb = b;
  return ta->order < tb->order ? -1 : ta->order > tb->order;
}

static float
ramp (int u, int a, int b, int blend)
{
  if (blend <= 0)
    return u >= a && u < b ? 1.0f : 0.0f;
  double lo = (u + 0.5 - (a - blend)) / (2.0 * blend);
  double hi = ((b + blend) - (u + 0.5)) / (2.0 * blend);
  return (float) (CLAMP (lo, 0.0, 1.0) * CLAMP (hi, 0.0, 1.0));
}

/* Core boundaries along one axis, even so that 2x2 groups keep the global alignment. */
static int *
split_axis (int length, int tile, int *count)
{
  int n = MAX (1, (length + tile - 1) / tile);
  int *bounds = g_new (int, n + 1);
  for (int i = 0; i <= n; i++)
    bounds[i] = i == n ? length : (int) ((gint64) length * i / n) & ~1;
  *count = n;
  return bounds;
}

/* The first iteration at which the whole image's relative change, from the tiles' recorded
 * sums, is at most tol (the untiled stopping rule); max_iter when never. A tile that stopped
 * earlier on its own rule continues its last sums: the norm as it was, the change decaying
 * at its rate over its last ten iterations. `change` receives the whole image's change at
 * the returned iteration. */
static int
global_stop_iteration (GArray **traces, int n, double tol, int max_iter,
                       double reference_mean_square, double pixels, double *change)
{
  double *rate = g_new (double, n);
  for (int t = 0; t < n; t++)
    {
      const TsChangeSample *s = (const TsChangeSample *) (void *) traces[t]->data;
      int len = (int) traces[t]->len, m = MIN (10, len - 1);
      rate[t] = 0.0;
      if (m > 0 && s[len - 1 - m].diff > 0.0)
        rate[t] = CLAMP (pow (s[len - 1].diff / s[len - 1 - m].diff, 1.0 / m), 0.0, 1.0);
    }
  int stop = max_iter;
  *change = INFINITY;
  for (int k = 0; k < max_iter; k++)
    {
      double diff = 0.0, norm = 0.0;
      for (int t = 0; t < n; t++)
        {
          const TsChangeSample *s = (const TsChangeSample *) (void *) traces[t]->data;
          int len = (int) traces[t]->len;
          if (len == 0)
            continue;
          if (k < len)
            {
              diff += s[k].diff;
              norm += s[k].norm;
            }
          else
            {
              diff += s[len - 1].diff * pow (rate[t], k - (len - 1));
              norm += s[len - 1].norm;
            }
        }
      *change = ts_change_relative_floored (diff, norm, reference_mean_square, pixels);
      if (*change <= tol)
        {
          stop = k + 1;
          break;
        }
    }
  g_free (rate);
  return stop;
}

/* An image that fits in one tile: solved whole, exactly the untiled result. */
static TsImage *
denoise_whole (const TsRegulariser *prox, const TsImage *noisy, const TsSolveOptions *options,
               const TsTileOptions *to, TsTileFunc progress, gpointer user_data,
               const gint *cancel, TsSolveStats *stats, GError **error)
{
  int W = noisy->width, H = noisy->height;
  g_autoptr (TsOperator) op = ts_operator_identity_new (W, H);
  if (to->iteration_tile != NULL)
    *to->iteration_tile = (TsRect) { 0, 0, W, H };
  TsSolution *sol = ts_solve (op, prox, noisy->data, options, NULL, to->iteration,
                              to->iteration_data, cancel, stats, error);
  if (sol == NULL)
    return NULL;
  TsImage *result = ts_image_copy (noisy);
  memcpy (result->data, sol->x->data, sizeof (float) * W * H);
  ts_solution_free (sol);
  TsRect all = { 0, 0, W, H };
  if (progress != NULL)
    progress (1, 1, &all, result, user_data);
  return result;
}

/* The tiling of a W x H image: core boundaries, halo and blending per axis (none along an
 * axis with one tile, where the circular solve is already exact), and the tiles in solving
 * order (those meeting the region first, nearest its centre first). */
typedef struct {
  int W, H, nx, ny;
  int hx, hy, bx, by;
  int n_tiles;
  Tile *tiles;
} Tiling;

static void
tiling_init (Tiling *tg, int W, int H, const TsTileOptions *to)
{
  int tile = MAX (to->tile_size, 32), halo = MAX (to->halo, 0) & ~1;
  int blend = CLAMP (to->blend, 0, halo);
  g_autofree int *xb = split_axis (W, tile, &tg->nx);
  g_autofree int *yb = split_axis (H, tile, &tg->ny);
  int nx = tg->nx, ny = tg->ny;
  tg->W = W;
  tg->H = H;
  tg->hx = nx > 1 ? halo : 0;
  tg->hy = ny > 1 ? halo : 0;
  tg->bx = nx > 1 ? blend : 0;
  tg->by = ny > 1 ? blend : 0;
  tg->n_tiles = nx * ny;
  tg->tiles = g_new (Tile, tg->n_tiles);
  double rcx = to->region.x + to->region.width / 2.0, rcy = to->region.y + to->region.height / 2.0;
  for (int j = 0; j < ny; j++)
    for (int i = 0; i < nx; i++)
      {
        Tile *t = &tg->tiles[j * nx + i];
        t->x0 = xb[i];
        t->x1 = xb[i + 1];
        t->y0 = yb[j];
        t->y1 = yb[j + 1];
        t->order = j * nx + i;
        if (to->region.width > 0 && to->region.height > 0)
          {
            gboolean meets = t->x0 < to->region.x + to->region.width && t->x1 > to->region.x
                             && t->y0 < to->region.y + to->region.height && t->y1 > to->region.y;
            double dx = (t->x0 + t->x1) / 2.0 - rcx, dy = (t->y0 + t->y1) / 2.0 - rcy;
            t->order = (meets ? 0.0 : 1e12) + sqrt (dx * dx + dy * dy);
          }
      }
  qsort (tg->tiles, tg->n_tiles, sizeof (Tile), compare_tiles);
}

/* One tiled denoising in progress: the blend's sums and the result so far. */
typedef struct {
  const Tiling *tg;
  const TsImage *noisy;
  const TsRegulariser *prox;
  const TsTileOptions *to;
  const gint *cancel;
  float *acc, *weight;
  TsImage *result;
} Blend;

/* Adds a tile's solution (core plus halo, tw x th) to the blend with its ramps. */
static void
blend_add (Blend *bl, const Tile *tl, const float *x, int tw, int th)
{
  const Tiling *tg = bl->tg;
  int W = tg->W, H = tg->H;
  for (int r = 0; r < th; r++)
    {
      int gy = tl->y0 - tg->hy + r;
      float wy = tg->ny > 1 ? ramp (gy, tl->y0, tl->y1, tg->by) : 1.0f;
      if (wy == 0.0f)
        continue;
      for (int c = 0; c < tw; c++)
        {
          int gx = tl->x0 - tg->hx + c;
          float w = wy * (tg->nx > 1 ? ramp (gx, tl->x0, tl->x1, tg->bx) : 1.0f);
          if (w == 0.0f)
            continue;
          gsize idx = (gsize) ts_patch_wrap (gy, H) * W + ts_patch_wrap (gx, W);
          bl->acc[idx] += w * x[(gsize) r * tw + c];
          bl->weight[idx] += w;
        }
    }
  /* Refresh the result around this tile: blended where any weight has arrived (in the
   * second pass over the first pass's values). */
  for (int r = -tg->by; r < tl->y1 - tl->y0 + tg->by; r++)
    for (int c = -tg->bx; c < tl->x1 - tl->x0 + tg->bx; c++)
      {
        gsize idx = (gsize) ts_patch_wrap (tl->y0 + r, H) * W + ts_patch_wrap (tl->x0 + c, W);
        if (bl->weight[idx] > 0.0f)
          bl->result->data[idx] = bl->acc[idx] / bl->weight[idx];
      }
}

/* Solves one tile on itself plus its halo, read circularly from the image, measuring the
 * stopping rule on the core; `trace` (NULL: the options') records its sums. */
static TsSolution *
solve_tile (Blend *bl, const Tile *tl, const TsSolveOptions *pass_options, GArray *trace,
            TsSolveStats *ts, GError **error)
{
  const Tiling *tg = bl->tg;
  int W = tg->W, H = tg->H, hx = tg->hx, hy = tg->hy;
  int tw = tl->x1 - tl->x0 + 2 * hx, th = tl->y1 - tl->y0 + 2 * hy;
  g_autoptr (TsImage) patch = ts_image_new (tw, th, 1, error);
  if (patch == NULL)
    return NULL;
  for (int r = 0; r < th; r++)
    for (int c = 0; c < tw; c++)
      patch->data[(gsize) r * tw + c]
          = bl->noisy->data[(gsize) ts_patch_wrap (tl->y0 - hy + r, H) * W + ts_patch_wrap (tl->x0 - hx + c, W)];
  g_autoptr (TsOperator) op = ts_operator_identity_new (tw, th);
  TsSolveOptions tile_options = *pass_options;
  tile_options.measure_x = hx;
  tile_options.measure_y = hy;
  tile_options.measure_width = tl->x1 - tl->x0;
  tile_options.measure_height = tl->y1 - tl->y0;
  if (trace != NULL)
    tile_options.trace = trace;
  const TsTileOptions *to = bl->to;
  if (to->iteration_tile != NULL)
    *to->iteration_tile = (TsRect) { tl->x0 - hx, tl->y0 - hy, tw, th };
  return ts_solve (op, bl->prox, patch->data, &tile_options, NULL, to->iteration,
                   to->iteration_data, bl->cancel, ts, error);
}

/* Both passes over the tiles (one without global_stop or tolerance); FALSE on an error or
 * cancellation. */
static gboolean
denoise_tiles (Blend *bl, const TsSolveOptions *options, TsTileFunc progress, gpointer user_data,
               TsSolveStats *stats, GError **error)
{
  const Tiling *tg = bl->tg;
  int n_tiles = tg->n_tiles, W = tg->W, H = tg->H;
  gboolean ok = TRUE;
  gboolean two_pass = bl->to->global_stop && options->tol > 0.0;
  int passes = two_pass ? 2 : 1;
  GArray **traces = g_new0 (GArray *, n_tiles);
  TsSolveOptions pass_options = *options;
  double global_change = 0.0;
  for (int pass = 0; pass < passes && ok; pass++)
    {
      if (pass == 1)
        {
          /* Second pass: every tile runs for the whole image's stopping iteration. */
          pass_options.max_iter
            = global_stop_iteration (traces, n_tiles, options->tol, options->max_iter,
                                     options->change_reference_mean_square, (double) W * H,
                                     &global_change);
          pass_options.tol = 0.0;
          memset (bl->acc, 0, sizeof (float) * W * H);
          memset (bl->weight, 0, sizeof (float) * W * H);
        }
      for (int t = 0; t < n_tiles && ok; t++)
        {
          const Tile *tl = &tg->tiles[t];
          GArray *trace = NULL;
          if (two_pass && pass == 0)
            trace = traces[t] = g_array_new (FALSE, FALSE, sizeof (TsChangeSample));
          TsSolveStats ts;
          TsSolution *sol = solve_tile (bl, tl, &pass_options, trace, &ts, error);
          if (sol == NULL)
            {
              ok = FALSE;
              break;
            }
          if (stats != NULL)
            {
              /* The stopping iteration, not the work: the final pass's largest count. */
              if (pass == passes - 1)
                stats->iterations = MAX (stats->iterations, ts.iterations);
              stats->seconds += ts.seconds;
              stats->final_change = MAX (stats->final_change, ts.final_change);
              stats->converged = t == 0 ? ts.converged : stats->converged && ts.converged;
            }
          blend_add (bl, tl, sol->x->data, sol->x->width, sol->x->height);
          ts_solution_free (sol);
          TsRect core = { tl->x0, tl->y0, tl->x1 - tl->x0, tl->y1 - tl->y0 };
          int done = pass * n_tiles + t + 1, total = passes * n_tiles;
          if (progress != NULL && !progress (done, total, &core, bl->result, user_data))
            {
              g_set_error (error, TS_ERROR, TS_ERROR_CANCELLED, "stopped after %d of %d tiles", done,
                           total);
              ok = FALSE;
            }
        }
    }
  if (two_pass && ok && stats != NULL)
    {
      stats->final_change = global_change;
      stats->converged = global_change <= options->tol;
    }
  for (int t = 0; t < n_tiles; t++)
    if (traces[t] != NULL)
      g_array_free (traces[t], TRUE);
  g_free (traces);
  return ok;
}

TsImage *
ts_denoise_tiled (const TsModel *model, const TsImage *noisy, const TsSolveOptions *options,
                  const TsTileOptions *to, TsTileFunc progress, gpointer user_data,
                  const gint *cancel, TsSolveStats *stats, GError **error)
{
  g_return_val_if_fail (noisy != NULL && noisy->channels == 1, NULL);
  g_return_val_if_fail (model != NULL && options != NULL, NULL);
  TsTileOptions defaults;
  if (to == NULL)
    {
      ts_tile_options_init (&defaults);
      to = &defaults;
    }
  int W = noisy->width, H = noisy->height;
  if (stats != NULL)
    memset (stats, 0, sizeof *stats);
  /* One regulariser for every tile; OpenBLAS set before it, as ts_solve_blas_threads says. */
  ts_blas_set_threads (ts_solve_blas_threads (options));
  g_autoptr (TsOperator) whole = ts_operator_identity_new (W, H);
  g_autoptr (TsRegulariser) prox = ts_regulariser_new (model, whole, options->beta,
                                                       options->lambda, error);
  if (prox == NULL)
    return NULL;

  Tiling tg;
  tiling_init (&tg, W, H, to);
  if (tg.nx == 1 && tg.ny == 1)
    {
      g_free (tg.tiles);
      return denoise_whole (prox, noisy, options, to, progress, user_data, cancel, stats, error);
    }
  Blend bl = { &tg, noisy, prox, to, cancel, g_new0 (float, (gsize) W * H),
               g_new0 (float, (gsize) W * H), ts_image_copy (noisy) };
  gboolean ok = denoise_tiles (&bl, options, progress, user_data, stats, error);
  g_free (bl.acc);
  g_free (bl.weight);
  g_free (tg.tiles);
  if (!ok)
    g_clear_pointer (&bl.result, ts_image_free);
  return bl.result;
}
