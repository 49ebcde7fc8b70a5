/* One restoration: prepare the task's data and operator, solve each channel (whole or in
 * tiles), decompose, and hand back the result (see ts-restore.h). */
#include "ts-restore.h"
#include "ts-anscombe.h"
#include "ts-decompose.h"
#include "ts-operator.h"
#include "ts-blas.h"
#include "ts-regulariser.h"
#include "ts-prox.h"
#include "ts-prox-joint.h"
#include "ts-solver-joint.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

struct _TsRestoreRun {
  TsRestoreRequest *request;
  TsRestoreResult *result;
  const TsModel *model;        /* result->model */
  TsOperator *op;              /* the whole image's (the solve's size) */
  TsRegulariser *prox;         /* whole solves: the model for this operator, beta and lambda */
  /* Denoising in the opponent basis with the chroma planes at another level: their model
   * (result->chroma_model), their regulariser (whole solves) and their options' lambda;
   * NULL / NAN otherwise (every plane is solved as the luminance). */
  const TsModel *chroma_model;
  TsRegulariser *chroma_prox;
  double chroma_lambda;
  /* Poisson-Gaussian denoising: the transform of each colour channel (ts-anscombe.h). */
  TsAnscombe *gat[3];
  int n_gat;
  /* The solve-sized image in the solving basis: the input (or zeros) where nothing is solved
   * yet, the estimates elsewhere; the result in the end. */
  TsImage *composite;
  gboolean opponent;           /* the composite is in the opponent basis */
  const TsImage *lowres;       /* super-resolution: the data, one plane per channel */
  TsImage *owned_lowres;       /* ... when the request handed it over */
  int n_solve;                 /* channels solved, the first ones; the rest are copied */
  int out_width, out_height;   /* the result's size: smaller than the solve's when extended */
  TsRect tile;                 /* tiled: where the current tile's estimate lies */
  int halo;                    /* tiled: the tiles' halo, as ts_denoise_tiled uses it */
  /* Whole solves, during the solve of a channel: its data, its current coefficients (during
   * a progress call) and, once asked for, its smooth part (ts_restore_render_decomposition). */
  const float *live_data;
  const float *live_c;
  TsImage *live_smooth;
  int live_smooth_channel;
  TsRestoreProgress progress;
  TsRestoreProgressFunc func;
  gpointer user_data;
  const gint *cancel;
};

void
ts_restore_result_free (TsRestoreResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->model, ts_model_free);
  g_clear_pointer (&result->chroma_model, ts_model_free);
  g_clear_pointer (&result->image, ts_image_free);
  g_clear_pointer (&result->input, ts_image_free);
  g_clear_pointer (&result->smooth, ts_image_free);
  g_clear_pointer (&result->sparse, ts_image_free);
  g_clear_pointer (&result->cost, ts_image_free);
  g_clear_pointer (&result->solutions, g_ptr_array_unref);
  g_free (result);
}

/* --- preparing the data ----------------------------------------------------------------- */

static gboolean
out_of_memory (GError **error)
{
  g_set_error (error, TS_ERROR, TS_ERROR_NOMEM, _("Out of memory"));
  return FALSE;
}

/* The request's image is either kept as the result's input, or freed when the request
 * handed it over, or left to the caller. */
static void
settle_image (TsRestoreRun *run)
{
  TsRestoreRequest *request = run->request;

  if (request->input_view)
    run->result->input = request->take_image ? g_steal_pointer (&request->image)
                                             : ts_image_copy (request->image);
  else if (request->take_image)
    g_clear_pointer (&request->image, ts_image_free);
}

static gboolean
prepare_denoise (TsRestoreRun *run, GError **error)
{
  TsRestoreResult *result = run->result;
  const TsImage *image = run->request->image;
  g_autoptr (TsImage) extended = NULL;
  int w, h;

  run->out_width = image->width;
  run->out_height = image->height;
  result->extended = ts_restore_extends (run->model, image->width, image->height, &w, &h);
  if (w < run->model->atom_size || h < run->model->atom_size)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   _("The image is %d × %d pixels: smaller than the model’s %d × %d patches"),
                   image->width, image->height, run->model->atom_size, run->model->atom_size);
      return FALSE;
    }
  /* Odd sides for 2x2 groups: the last row / column repeated; the result is cut back. */
  if (result->extended && (extended = ts_image_extend (image, w, h, error)) == NULL)
    return FALSE;
  const TsImage *noisy = extended != NULL ? extended : image;
  /* Poisson-Gaussian noise: each colour channel through its transform, which makes the noise
   * white at the plan's level (ts-restore-noise.h); back at the end (finish). */
  g_autoptr (TsImage) transformed = NULL;
  if (result->noise.model == TS_NOISE_MODEL_POISSON_GAUSSIAN)
    {
      transformed = extended != NULL ? g_steal_pointer (&extended) : ts_image_copy (noisy);
      if (transformed == NULL)
        return out_of_memory (error);
      for (int c = 0; c < result->noise.n_channels; c++)
        {
          const TsPoissonGaussian *pg = &result->noise.channel[c];
          run->gat[c] = ts_anscombe_new (pg->a, pg->b, result->noise.sigma / 255.0);
          if (run->gat[c] == NULL)
            {
              g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                           "no Anscombe transform for a = %g, b = %g", pg->a, pg->b);
              return FALSE;
            }
          run->n_gat = c + 1;
          ts_anscombe_forward_channel (run->gat[c], transformed, c);
        }
      noisy = transformed;
    }
  /* Colour in the orthonormal opponent basis, where white noise stays white at the same
   * level in each plane, which the grayscale model then denoises; alpha rides along. */
  run->opponent = run->request->colour == TS_COLOUR_OPPONENT
                  && (noisy->channels == 3 || noisy->channels == 4);
  run->n_solve = ts_colour_channels (noisy);
  if (run->opponent)
    run->composite = ts_colour_rgb_to_opponent (noisy);
  else if (transformed != NULL)
    run->composite = g_steal_pointer (&transformed);
  else
    run->composite = extended != NULL ? g_steal_pointer (&extended) : ts_image_copy (noisy);
  if (run->composite == NULL)
    return out_of_memory (error);
  g_clear_pointer (&extended, ts_image_free);
  g_clear_pointer (&transformed, ts_image_free);
  settle_image (run);
  run->op = ts_operator_identity_new (w, h);
  result->tiled = ts_restore_wants_tiles (&run->request->tiling, run->model, w, h);
  return TRUE;
}

/* Nearest-neighbour enlargement of a low-resolution image onto the estimate's grid: each
 * low-resolution sample covers the stride x stride block around its kernel's centre. */
static TsImage *
enlarge_lowres (const TsImage *lowres, int width, int height)
{
  TsImage *out = ts_image_new (width, height, lowres->channels, NULL);
  int offset = (TS_SR_DEFAULT_KERNEL - TS_SR_DEFAULT_STRIDE) / 2;

  if (out == NULL)
    return NULL;
  for (int y = 0; y < height; y++)
    {
      int ly = CLAMP ((y - offset) / TS_SR_DEFAULT_STRIDE, 0, lowres->height - 1);
      for (int x = 0; x < width; x++)
        {
          int lx = CLAMP ((x - offset) / TS_SR_DEFAULT_STRIDE, 0, lowres->width - 1);
          memcpy (out->data + ((gsize) y * width + x) * out->channels,
                  lowres->data + ((gsize) ly * lowres->width + lx) * lowres->channels,
                  sizeof (float) * out->channels);
        }
    }
  return out;
}

/* The composite of super-resolution and MRI: the input view when there is one (previews show
 * the input where nothing is solved yet), else zeros. */
static gboolean
composite_from_view (TsRestoreRun *run, int channels, GError **error)
{
  if (run->result->input != NULL)
    run->composite = ts_image_copy (run->result->input);
  else
    run->composite = ts_image_new (run->op->width, run->op->height, channels, error);
  return run->composite != NULL;
}

static gboolean
prepare_sr (TsRestoreRun *run, GError **error)
{
  TsRestoreRequest *request = run->request;
  const TsImage *lowres = request->image;
  int g = ts_model_group_size (run->model);

  run->op = ts_operator_sr_new (lowres->width, lowres->height, TS_SR_DEFAULT_KERNEL,
                                TS_SR_DEFAULT_STD, TS_SR_DEFAULT_STRIDE, error);
  if (run->op == NULL)
    return FALSE;
  if (run->op->width % g != 0 || run->op->height % g != 0)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   _("Model %s needs an even estimate size, not %d × %d"), run->model->name,
                   run->op->width, run->op->height);
      return FALSE;
    }
  /* Every channel, alpha included, is estimated: there is no full-size alpha to copy. */
  run->n_solve = lowres->channels;
  run->out_width = run->op->width;
  run->out_height = run->op->height;
  if (request->input_view
      && (run->result->input = enlarge_lowres (lowres, run->op->width, run->op->height)) == NULL)
    return out_of_memory (error);
  /* The low-resolution planes are the data: kept to the end. */
  run->lowres = lowres;
  if (request->take_image)
    run->owned_lowres = g_steal_pointer (&request->image);
  return composite_from_view (run, lowres->channels, error);
}

/* The zero-filled image of the operator's k-space data. */
static TsImage *
zero_filled (const TsOperator *op, const float *kspace, GError **error)
{
  TsImage *image = ts_image_new (op->width, op->height, 1, error);

  if (image != NULL)
    ts_operator_mri_zero_filled (op, kspace, image->data);
  return image;
}

TsImage *
ts_restore_zero_filled (const TsKspace *kspace, GError **error)
{
  g_return_val_if_fail (kspace != NULL, NULL);
  g_autoptr (TsOperator) op = ts_operator_mri_new (kspace->width, kspace->height, kspace->mask,
                                                   error);

  return op != NULL ? zero_filled (op, kspace->data, error) : NULL;
}

static gboolean
prepare_mri (TsRestoreRun *run, GError **error)
{
  const TsKspace *k = run->request->kspace;
  int g = ts_model_group_size (run->model);

  if (k->width % g != 0 || k->height % g != 0)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   _("Model %s needs even k-space sides, not %d × %d"), run->model->name,
                   k->width, k->height);
      return FALSE;
    }
  run->op = ts_operator_mri_new (k->width, k->height, k->mask, error);
  if (run->op == NULL)
    return FALSE;
  run->n_solve = 1;
  run->out_width = k->width;
  run->out_height = k->height;
  if (run->request->input_view
      && (run->result->input = zero_filled (run->op, k->data, error)) == NULL)
    return FALSE;
  return composite_from_view (run, 1, error);
}

static gboolean
prepare (TsRestoreRun *run, GError **error)
{
  const TsRestoreRequest *request = run->request;

  if (request->task == TS_TASK_MRI ? request->kspace == NULL : request->image == NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "nothing to restore: no %s",
                   request->task == TS_TASK_MRI ? "k-space" : "image");
      return FALSE;
    }
  switch (request->task)
    {
    case TS_TASK_DENOISE: return prepare_denoise (run, error);
    case TS_TASK_SR: return prepare_sr (run, error);
    case TS_TASK_MRI: return prepare_mri (run, error);
    default: break;
    }
  g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "unknown task %d", request->task);
  return FALSE;
}

/* --- progress ----------------------------------------------------------------------------- */

static gboolean
emit (TsRestoreRun *run, TsRestoreEvent event)
{
  run->progress.event = event;
  if (run->func == NULL)
    return TRUE;
  return run->func (&run->progress, run->user_data);
}

/* Writes the tile's estimate, without its halo, into the channel of the composite;
 * coordinates wrap as the tiles do. */
static void
paste_tile (TsImage *composite, int channel, const TsImage *patch, const TsRect *at, int halo)
{
  int W = composite->width, H = composite->height, n = composite->channels;
  /* Along an axis with a single tile there is no halo. */
  int mx = at->width == W ? 0 : halo, my = at->height == H ? 0 : halo;

  for (int r = my; r < patch->height - my; r++)
    {
      int gy = ((at->y + r) % H + H) % H;
      for (int c = mx; c < patch->width - mx; c++)
        {
          int gx = ((at->x + c) % W + W) % W;
          composite->data[((gsize) gy * W + gx) * n + channel]
              = patch->data[(gsize) r * patch->width + c];
        }
    }
}

/* Copies what a finished tile changed in the channel's plane so far (its core and the ramps
 * around it, within the halo) into the composite. */
static void
keep_tile (TsRestoreRun *run, const TsRect *core, const TsImage *plane)
{
  TsImage *composite = run->composite;
  int W = composite->width, H = composite->height, n = composite->channels;
  int mx = core->width == W ? 0 : run->halo, my = core->height == H ? 0 : run->halo;

  for (int r = -my; r < core->height + my; r++)
    {
      int gy = ((core->y + r) % H + H) % H;
      for (int c = -mx; c < core->width + mx; c++)
        {
          int gx = ((core->x + c) % W + W) % W;
          composite->data[((gsize) gy * W + gx) * n + run->progress.channel]
              = plane->data[(gsize) gy * W + gx];
        }
    }
}

/* keep_stopped: the estimates go into the composite as they come, so that a run stopped
 * at any moment has them. The solves' data were read out of it before. */
static gboolean
on_iteration (int iteration, double change, const TsImage *estimate, gpointer user_data)
{
  TsRestoreRun *run = user_data;

  run->progress.iteration = iteration;
  run->progress.change = change;
  run->progress.estimate = estimate;
  if (run->request->keep_stopped && run->progress.tiled)
    paste_tile (run->composite, run->progress.channel, estimate, &run->tile, run->halo);
  else if (run->request->keep_stopped)
    ts_image_set_channel (run->composite, run->progress.channel, estimate);
  return emit (run, TS_RESTORE_ITERATION);
}

static gboolean
on_tile_done (int done, int total, const TsRect *tile, const TsImage *plane, gpointer user_data)
{
  TsRestoreRun *run = user_data;

  run->progress.tiles_done = done;
  run->progress.n_tiles = total;
  run->progress.estimate = plane;
  if (run->request->keep_stopped)
    keep_tile (run, tile, plane);
  return emit (run, TS_RESTORE_TILE_DONE);
}

/* The top-left out_width x out_height of a solve-sized image, in place. */
static void
crop_to_output (const TsRestoreRun *run, TsImage **image)
{
  if (*image == NULL || ((*image)->width == run->out_width && (*image)->height == run->out_height))
    return;
  TsImage *cropped = ts_image_crop (*image, 0, 0, run->out_width, run->out_height);
  ts_image_free (*image);
  *image = cropped;
}

/* Poisson-Gaussian denoising: an image in RGB back through each channel's exact unbiased
 * inverse, in place. */
static void
back_from_gat (const TsRestoreRun *run, TsImage *image)
{
  for (int c = 0; image != NULL && c < run->n_gat && c < image->channels; c++)
    ts_anscombe_inverse_channel (run->gat[c], image, c);
}

/* ... and a decomposition in RGB: the smooth part through the inverse, the sparse part what
 * the whole (smooth + sparse) gains on top of it, so that the parts still add up. */
static void
decomposition_back_from_gat (const TsRestoreRun *run, TsImage *smooth, TsImage *sparse)
{
  if (run->n_gat == 0 || smooth == NULL || sparse == NULL)
    return;
  gsize n = (gsize) smooth->width * smooth->height;
  for (int c = 0; c < run->n_gat && c < smooth->channels; c++)
    for (gsize i = 0; i < n; i++)
      {
        float *s = smooth->data + i * smooth->channels + c;
        float *p = sparse->data + i * sparse->channels + c;
        double whole = ts_anscombe_inverse (run->gat[c], (double) *s + *p);
        *s = (float) ts_anscombe_inverse (run->gat[c], *s);
        *p = (float) (whole - *s);
      }
}

/* The composite back in the image's basis, at the output size: a new image. */
static TsImage *
composite_to_output (const TsRestoreRun *run)
{
  TsImage *whole = run->opponent ? ts_colour_opponent_to_rgb (run->composite)
                                 : ts_image_copy (run->composite);
  back_from_gat (run, whole);
  crop_to_output (run, &whole);
  return whole;
}

/* Whether channel c is an opponent chroma plane solved at its own level. */
static gboolean
plane_is_chroma (const TsRestoreRun *run, int c)
{
  return run->chroma_model != NULL && run->opponent && c > 0;
}

static const TsModel *
plane_model (const TsRestoreRun *run, int c)
{
  return plane_is_chroma (run, c) ? run->chroma_model : run->model;
}

static const TsRegulariser *
plane_prox (const TsRestoreRun *run, int c)
{
  return plane_is_chroma (run, c) ? run->chroma_prox : run->prox;
}

/* The progress's estimate into the composite: a tile's pasted (tile-sized anyway), a whole
 * plane copied everywhere or, given `rect`, where it is asked for only. */
static void
take_estimate (TsRestoreRun *run, const TsRestoreProgress *progress, const TsRect *rect)
{
  gboolean solving = progress->event == TS_RESTORE_ITERATION
                     || progress->event == TS_RESTORE_TILE_DONE;
  if (!solving || progress->estimate == NULL)
    return;
  if (progress->tiled && progress->event == TS_RESTORE_ITERATION)
    paste_tile (run->composite, progress->channel, progress->estimate, progress->tile, run->halo);
  else if (rect == NULL)
    ts_image_set_channel (run->composite, progress->channel, progress->estimate);
  else
    {
      TsImage *composite = run->composite;
      const TsImage *plane = progress->estimate;
      for (int y = rect->y; y < rect->y + rect->height; y++)
        for (int x = rect->x; x < rect->x + rect->width; x++)
          composite->data[((gsize) y * composite->width + x) * composite->channels
                          + progress->channel] = plane->data[(gsize) y * plane->width + x];
    }
}

TsImage *
ts_restore_render (const TsRestoreProgress *progress)
{
  g_return_val_if_fail (progress != NULL && progress->run != NULL, NULL);
  take_estimate (progress->run, progress, NULL);
  return composite_to_output (progress->run);
}

TsImage *
ts_restore_render_region (const TsRestoreProgress *progress, const TsRect *rect)
{
  g_return_val_if_fail (progress != NULL && progress->run != NULL && rect != NULL, NULL);
  TsRestoreRun *run = progress->run;
  g_return_val_if_fail (rect->x >= 0 && rect->y >= 0 && rect->width > 0 && rect->height > 0
                        && rect->x + rect->width <= run->out_width
                        && rect->y + rect->height <= run->out_height, NULL);

  take_estimate (run, progress, rect);
  TsImage *part = ts_image_crop (run->composite, rect->x, rect->y, rect->width, rect->height);
  if (part != NULL && run->opponent)
    {
      TsImage *rgb = ts_colour_opponent_to_rgb (part);
      ts_image_free (part);
      part = rgb;
    }
  /* Pixel by pixel, as composite_to_output: a region is the crop of the whole render. */
  back_from_gat (run, part);
  return part;
}

/* The current channel's smooth part, computed once per channel: it depends on the data
 * alone. Only where it has a closed form (ts_smooth_fourier): the iterative route is a solve
 * of its own. */
static const TsImage *
live_smooth (TsRestoreRun *run, GError **error)
{
  if (run->live_smooth != NULL && run->live_smooth_channel == run->progress.channel)
    return run->live_smooth;
  g_clear_pointer (&run->live_smooth, ts_image_free);
  run->live_smooth = ts_smooth_fourier (run->op, plane_prox (run, run->progress.channel),
                                        run->live_data, error);
  run->live_smooth_channel = run->progress.channel;
  return run->live_smooth;
}

gboolean
ts_restore_render_decomposition (const TsRestoreProgress *progress, TsImage **smooth,
                                 TsImage **sparse, TsImage **cost, GError **error)
{
  g_return_val_if_fail (progress != NULL && progress->run != NULL, FALSE);
  g_return_val_if_fail (smooth != NULL && sparse != NULL && cost != NULL, FALSE);
  TsRestoreRun *run = progress->run;
  TsRestoreResult *result = run->result;
  int c = progress->channel, n = run->n_solve;
  const TsImage *s_c;

  if (progress->event != TS_RESTORE_ITERATION || progress->tiled || result->smooth == NULL
      || run->live_c == NULL || run->live_data == NULL || progress->estimate == NULL
      || run->op->normal_fourier == NULL)
    {
      g_set_error_literal (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                           "no decomposition of the estimate at this point of the run");
      return FALSE;
    }
  if ((s_c = live_smooth (run, error)) == NULL)
    return FALSE;
  int w = run->op->width, h = run->op->height;
  g_autoptr (TsImage) sm = ts_image_new (w, h, n, error);
  g_autoptr (TsImage) sp = ts_image_new (w, h, n, error);
  g_autoptr (TsImage) co = sm != NULL && sp != NULL ? ts_image_copy (result->cost) : NULL;
  g_autoptr (TsImage) sparse_c = ts_image_copy (progress->estimate);
  g_autofree float *cost_c = g_try_new (float, (gsize) w * h);
  if (co == NULL || sparse_c == NULL || cost_c == NULL)
    return out_of_memory (error);
  /* Solved channels: their parts; this one: smooth and (estimate - smooth); the channels to
   * come: the input as their smooth part, no sparse part, so that smooth + sparse is the
   * preview (ts_restore_render) everywhere. */
  for (int k = 0; k < n; k++)
    {
      g_autoptr (TsImage) plane = k < c ? ts_image_extract_channel (result->smooth, k)
                                : k > c ? ts_image_extract_channel (run->composite, k) : NULL;
      if (k != c && plane == NULL)
        return out_of_memory (error);
      ts_image_set_channel (sm, k, k == c ? s_c : plane);
      if (k < c)
        {
          g_autoptr (TsImage) part = ts_image_extract_channel (result->sparse, k);
          if (part == NULL)
            return out_of_memory (error);
          ts_image_set_channel (sp, k, part);
        }
    }
  for (gsize i = 0; i < (gsize) w * h; i++)
    sparse_c->data[i] -= s_c->data[i];
  ts_image_set_channel (sp, c, sparse_c);
  ts_prox_cost_map (plane_prox (run, c)->prox, run->live_c, w, h, cost_c);
  for (gsize i = 0; i < (gsize) w * h; i++)
    co->data[i] += cost_c[i];
  if (run->opponent && n == 3)
    {
      TsImage *rgb = ts_colour_opponent_to_rgb (sm);
      ts_image_free (sm);
      sm = rgb;
      rgb = ts_colour_opponent_to_rgb (sp);
      ts_image_free (sp);
      sp = rgb;
      if (sm == NULL || sp == NULL)
        return out_of_memory (error);
    }
  decomposition_back_from_gat (run, sm, sp);
  crop_to_output (run, &sm);
  crop_to_output (run, &sp);
  crop_to_output (run, &co);
  *smooth = g_steal_pointer (&sm);
  *sparse = g_steal_pointer (&sp);
  *cost = g_steal_pointer (&co);
  return TRUE;
}

/* --- solving ------------------------------------------------------------------------------ */

static void
stats_add (TsRestoreStats *summary, const TsSolveStats *stats)
{
  if (summary->n_solves < TS_RESTORE_MAX_CHANNELS)
    summary->per_channel[summary->n_solves] = *stats;
  if (summary->n_solves == 0)
    summary->converged = TRUE;
  summary->n_solves++;
  summary->iterations = MAX (summary->iterations, stats->iterations);
  summary->total_iterations += stats->iterations;
  summary->seconds += stats->seconds;
  summary->final_change = MAX (summary->final_change, stats->final_change);
  summary->converged = summary->converged && stats->converged;
  double gemm_seconds = stats->gemm_share * stats->seconds;
  summary->gemm_seconds += gemm_seconds;
  summary->gemm_gflop += stats->gemm_gflops * gemm_seconds;
}

static void
begin_channel (TsRestoreRun *run, int channel)
{
  run->progress.channel = channel;
  run->progress.iterations_before = run->result->stats.total_iterations;
  run->progress.iteration = 0;
  run->progress.change = NAN;
  run->progress.estimate = NULL;
  run->progress.tiles_done = 0;
}

gboolean
ts_plane_stop_from_name (const char *name, TsPlaneStop *stop)
{
  if (g_strcmp0 (name, "picture") == 0)
    *stop = TS_PLANE_STOP_PICTURE;
  else if (g_strcmp0 (name, "own") == 0)
    *stop = TS_PLANE_STOP_OWN;
  else
    return FALSE;
  return TRUE;
}

/* The solver options for channel c: the run's, with an opponent chroma plane's change
 * measured against the solved luminance (TsPlaneStop). */
static void
channel_solve_options (const TsRestoreRun *run, int c, TsSolveOptions *options)
{
  *options = run->result->options;
  if (plane_is_chroma (run, c))
    options->lambda = run->chroma_lambda;
  if (!(run->opponent && c > 0 && run->request->plane_stop == TS_PLANE_STOP_PICTURE))
    return;
  const TsImage *composite = run->composite;
  gsize n = (gsize) composite->width * composite->height;
  double sum = 0.0;
  for (gsize i = 0; i < n; i++)
    {
      double y = composite->data[i * composite->channels];
      sum += y * y;
    }
  options->change_reference_mean_square = n > 0 ? sum / (double) n : 0.0;
}

/* The data of channel c in the operator's data domain: a plane of the composite (denoising:
 * read before the channel's estimates overwrite it), of the low-resolution image, or the
 * k-space. *plane keeps it alive. */
static const float *
channel_data (const TsRestoreRun *run, int c, TsImage **plane)
{
  switch (run->request->task)
    {
    case TS_TASK_DENOISE: *plane = ts_image_extract_channel (run->composite, c); break;
    case TS_TASK_SR: *plane = ts_image_extract_channel (run->lowres, c); break;
    default: *plane = NULL; return run->request->kspace->data;
    }
  return *plane != NULL ? (*plane)->data : NULL;
}

/* The earlier run's solution of channel c, when it fits this solve. */
static const TsSolution *
warm_start (const TsRestoreRun *run, int c)
{
  const GPtrArray *warm = run->request->warm;

  if (warm == NULL || c >= (int) warm->len)
    return NULL;
  const TsSolution *w = g_ptr_array_index ((GPtrArray *) warm, c);
  if (w->x != NULL && w->x->width == run->op->width && w->x->height == run->op->height
      && w->K == run->model->n_atoms)
    return w;
  return NULL;
}

static gboolean
decompose_channel (TsRestoreRun *run, int c, const float *data, const TsSolution *solution,
                   GError **error)
{
  TsRestoreResult *result = run->result;
  gint64 start = g_get_monotonic_time ();
  TsSolveOptions options = result->options;
  if (plane_is_chroma (run, c))
    options.lambda = run->chroma_lambda;
  g_autoptr (TsDecomposition) dec = ts_decompose (run->op, plane_prox (run, c), data, &options,
                                                  solution, run->cancel, error);

  if (dec == NULL)
    return FALSE;
  result->stats.decompose_seconds += (g_get_monotonic_time () - start) / 1e6;
  ts_image_set_channel (result->smooth, c, dec->smooth);
  ts_image_set_channel (result->sparse, c, dec->sparse);
  for (gsize i = 0; i < ts_image_n_values (result->cost); i++)
    result->cost->data[i] += dec->cost->data[i];
  return TRUE;
}

/* After a failed step: a cancellation ends a keep_stopped run with what it has (TRUE, the
 * error cleared); anything else fails the run. */
static gboolean
stopped_or_failed (TsRestoreRun *run, GError **error)
{
  if (!run->request->keep_stopped || !g_error_matches (*error, TS_ERROR, TS_ERROR_CANCELLED))
    return FALSE;
  g_clear_error (error);
  run->result->stopped = TRUE;
  run->result->stats.converged = FALSE;
  return TRUE;
}

/* Every channel solved whole, then decomposed. */
static gboolean
solve_whole (TsRestoreRun *run, GError **error)
{
  TsRestoreResult *result = run->result;
  int w = run->op->width, h = run->op->height;

  if (!ts_restore_check_memory (run->model, w, h, error))
    return FALSE;
  /* One regulariser (the model's derived quantities for beta and lambda) for every channel;
   * OpenBLAS's threads are set once before it is made, as the solver wants them. */
  ts_blas_set_threads (ts_solve_blas_threads (&result->options));
  run->prox = ts_regulariser_new (run->model, run->op, result->options.beta,
                                  result->options.lambda, error);
  if (run->prox == NULL)
    return FALSE;
  if (run->chroma_model != NULL
      && (run->chroma_prox = ts_regulariser_new (run->chroma_model, run->op, result->options.beta,
                                                 run->chroma_lambda, error)) == NULL)
    return FALSE;
  if (run->request->decompose
      && ((result->smooth = ts_image_new (w, h, run->n_solve, error)) == NULL
          || (result->sparse = ts_image_new (w, h, run->n_solve, error)) == NULL
          || (result->cost = ts_image_new (w, h, 1, error)) == NULL))
    return FALSE;
  if (run->request->keep_solutions)
    result->solutions = g_ptr_array_new_with_free_func ((GDestroyNotify) ts_solution_free);
  for (int c = 0; c < run->n_solve; c++)
    {
      g_autoptr (TsImage) plane = NULL;
      const float *data = channel_data (run, c, &plane);
      const TsSolution *warm = warm_start (run, c);
      g_autoptr (TsSolution) solution = NULL;
      TsSolveStats stats = { 0 };

      if (data == NULL)
        return out_of_memory (error);
      begin_channel (run, c);
      if (!emit (run, TS_RESTORE_CHANNEL))
        goto stopped;
      result->warm_started |= warm != NULL;
      /* A copy: the result's options must not point into this run. */
      TsSolveOptions options;
      channel_solve_options (run, c, &options);
      if (run->request->decompose)
        options.coefficients = &run->live_c;
      run->live_data = data;
      solution = ts_solve (run->op, plane_prox (run, c), data, &options, warm, on_iteration, run,
                           run->cancel, &stats, error);
      run->live_data = NULL;
      stats_add (&result->stats, &stats);
      if (solution == NULL)
        return stopped_or_failed (run, error);
      ts_image_set_channel (run->composite, c, solution->x);
      if (run->request->decompose && !decompose_channel (run, c, data, solution, error))
        return stopped_or_failed (run, error);
      if (result->solutions != NULL)
        g_ptr_array_add (result->solutions, g_steal_pointer (&solution));
      if (!emit (run, TS_RESTORE_CHANNEL_DONE))
        goto stopped;
    }
  return TRUE;

stopped:
  g_set_error (error, TS_ERROR, TS_ERROR_CANCELLED, _("Cancelled"));
  return stopped_or_failed (run, error);
}

/* Whether the run solves the three opponent planes together: a joint-form model
 * (TS_COLOUR_FORM_JOINT) denoising a colour picture in the opponent basis, all planes at one
 * noise level. Planes at different levels (a chroma model of its own) are solved one by one:
 * the joint prox has one threshold per atom for the whole group. */
static gboolean
solves_jointly (const TsRestoreRun *run)
{
  return run->request->task == TS_TASK_DENOISE && run->opponent
         && run->n_solve == TS_JOINT_PLANES && run->model->colour_form == TS_COLOUR_FORM_JOINT
         && run->chroma_model == NULL;
}

/* The joint solve's iterations as the single-plane ones: the chroma planes' estimates go
 * into the composite, the luminance's is the progress's estimate of channel 0. */
static gboolean
on_joint_iteration (int iteration, double change, const TsImage *const estimates[TS_JOINT_PLANES],
                    gpointer user_data)
{
  TsRestoreRun *run = user_data;

  for (int q = 1; q < TS_JOINT_PLANES; q++)
    ts_image_set_channel (run->composite, q, estimates[q]);
  return on_iteration (iteration, change, estimates[0], run);
}

/* The decomposition of a joint solve: each plane's smooth and sparse parts as for a single
 * plane (with an infinite threshold every code is zero, so the planes do not interact), the
 * cost map of the joint prox at the groups' weighted norms. */
static gboolean
decompose_joint (TsRestoreRun *run, const float *const data[TS_JOINT_PLANES],
                 TsSolution *const solutions[TS_JOINT_PLANES], GError **error)
{
  TsRestoreResult *result = run->result;
  gint64 start = g_get_monotonic_time ();
  gsize n = (gsize) run->op->width * run->op->height;
  const float *codes[TS_JOINT_PLANES];

  for (int q = 0; q < TS_JOINT_PLANES; q++)
    {
      g_autoptr (TsDecomposition) dec = ts_decompose (run->op, run->prox, data[q],
                                                      &result->options, solutions[q], run->cancel,
                                                      error);
      if (dec == NULL)
        return FALSE;
      ts_image_set_channel (result->smooth, q, dec->smooth);
      ts_image_set_channel (result->sparse, q, dec->sparse);
      codes[q] = solutions[q]->c;
    }
  ts_prox_joint_cost_map (run->prox->prox, run->prox->chroma_weight, codes, n, result->cost->data);
  result->stats.decompose_seconds += (g_get_monotonic_time () - start) / 1e6;
  return TRUE;
}

/* The three opponent planes solved together (solves_jointly), whole, then decomposed. */
static gboolean
solve_joint_whole (TsRestoreRun *run, GError **error)
{
  TsRestoreResult *result = run->result;
  int w = run->op->width, h = run->op->height;
  g_autoptr (TsImage) plane_y = NULL;
  g_autoptr (TsImage) plane_o1 = NULL;
  g_autoptr (TsImage) plane_o2 = NULL;
  TsImage **planes[TS_JOINT_PLANES] = { &plane_y, &plane_o1, &plane_o2 };
  const float *data[TS_JOINT_PLANES];
  const TsSolution *warm[TS_JOINT_PLANES];
  TsSolution *solutions[TS_JOINT_PLANES] = { NULL, NULL, NULL };
  TsSolveStats stats = { 0 };
  gboolean ok;

  if (!ts_restore_check_memory_need (run->model, w, h,
                                     ts_solve_joint_memory_estimate (run->model, w, h), error))
    return FALSE;
  ts_blas_set_threads (ts_solve_blas_threads (&result->options));
  run->prox = ts_regulariser_new (run->model, run->op, result->options.beta,
                                  result->options.lambda, error);
  if (run->prox == NULL)
    return FALSE;
  if (run->request->decompose
      && ((result->smooth = ts_image_new (w, h, run->n_solve, error)) == NULL
          || (result->sparse = ts_image_new (w, h, run->n_solve, error)) == NULL
          || (result->cost = ts_image_new (w, h, 1, error)) == NULL))
    return FALSE;
  for (int q = 0; q < TS_JOINT_PLANES; q++)
    {
      if ((data[q] = channel_data (run, q, planes[q])) == NULL)
        return out_of_memory (error);
      warm[q] = warm_start (run, q);
      result->warm_started |= warm[q] != NULL;
    }
  begin_channel (run, 0);
  if (!emit (run, TS_RESTORE_CHANNEL))
    goto stopped;
  /* The whole picture's change decides the stop: no chroma floor (channel 0's options). */
  TsSolveOptions options;
  channel_solve_options (run, 0, &options);
  ok = ts_solve_joint (run->op, run->prox, data, &options, warm, on_joint_iteration, run,
                       run->cancel, &stats, solutions, error);
  stats_add (&result->stats, &stats);
  if (!ok)
    return stopped_or_failed (run, error);
  for (int q = 0; q < TS_JOINT_PLANES; q++)
    ts_image_set_channel (run->composite, q, solutions[q]->x);
  ok = !run->request->decompose || decompose_joint (run, data, solutions, error);
  if (ok && run->request->keep_solutions)
    {
      result->solutions = g_ptr_array_new_with_free_func ((GDestroyNotify) ts_solution_free);
      for (int q = 0; q < TS_JOINT_PLANES; q++)
        g_ptr_array_add (result->solutions, g_steal_pointer (&solutions[q]));
    }
  for (int q = 0; q < TS_JOINT_PLANES; q++)
    g_clear_pointer (&solutions[q], ts_solution_free);
  if (!ok)
    return stopped_or_failed (run, error);
  if (!emit (run, TS_RESTORE_CHANNEL_DONE))
    goto stopped;
  return TRUE;

stopped:
  g_set_error (error, TS_ERROR, TS_ERROR_CANCELLED, _("Cancelled"));
  return stopped_or_failed (run, error);
}

/* Denoising in tiles (ts-tiles.h), channel by channel: no decomposition, no solutions. */
static gboolean
solve_tiled (TsRestoreRun *run, GError **error)
{
  TsRestoreResult *result = run->result;
  TsTileOptions tiles;

  if (solves_jointly (run))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   _("Model %s solves the colour planes together, which is not done in tiles "
                     "yet: denoise this %d × %d picture without tiles, or with a grayscale "
                     "model"), run->model->name, run->op->width, run->op->height);
      return FALSE;
    }
  ts_restore_tile_options (&run->request->tiling, &tiles);
  tiles.iteration = on_iteration;
  tiles.iteration_data = run;
  tiles.iteration_tile = &run->tile;
  run->halo = MAX (tiles.halo, 0) & ~1;
  run->progress.tiled = TRUE;
  run->progress.tile = &run->tile;
  run->progress.n_tiles = ts_restore_count_tiles (&run->request->tiling, &result->options,
                                                  run->op->width, run->op->height);
  for (int c = 0; c < run->n_solve; c++)
    {
      g_autoptr (TsImage) plane = ts_image_extract_channel (run->composite, c);
      g_autoptr (TsImage) x = NULL;
      TsSolveStats stats = { 0 };

      if (plane == NULL)
        return out_of_memory (error);
      begin_channel (run, c);
      if (!emit (run, TS_RESTORE_CHANNEL))
        goto stopped;
      TsSolveOptions options;
      channel_solve_options (run, c, &options);
      x = ts_denoise_tiled (plane_model (run, c), plane, &options, &tiles, on_tile_done, run,
                            run->cancel, &stats, error);
      stats_add (&result->stats, &stats);
      if (x == NULL)
        return stopped_or_failed (run, error);
      ts_image_set_channel (run->composite, c, x);
      if (!emit (run, TS_RESTORE_CHANNEL_DONE))
        goto stopped;
    }
  return TRUE;

stopped:
  g_set_error (error, TS_ERROR, TS_ERROR_CANCELLED, _("Cancelled"));
  return stopped_or_failed (run, error);
}

/* The result back in the image's basis and at its size, checked. */
static gboolean
finish (TsRestoreRun *run, GError **error)
{
  TsRestoreResult *result = run->result;

  /* A stopped run's parts would cover only the channels solved to the end. */
  if (result->stopped)
    {
      g_clear_pointer (&result->smooth, ts_image_free);
      g_clear_pointer (&result->sparse, ts_image_free);
      g_clear_pointer (&result->cost, ts_image_free);
    }
  if (run->opponent)
    result->image = ts_colour_opponent_to_rgb (run->composite);
  else
    result->image = g_steal_pointer (&run->composite);
  if (run->opponent && result->smooth != NULL && result->smooth->channels == 3)
    {
      /* The decomposition is linear: its parts go back to RGB as the result does. */
      TsImage *smooth = ts_colour_opponent_to_rgb (result->smooth);
      TsImage *sparse = ts_colour_opponent_to_rgb (result->sparse);
      ts_image_free (result->smooth);
      ts_image_free (result->sparse);
      result->smooth = smooth;
      result->sparse = sparse;
      if (smooth == NULL || sparse == NULL)
        return out_of_memory (error);
    }
  if (result->image == NULL)
    return out_of_memory (error);
  back_from_gat (run, result->image);
  decomposition_back_from_gat (run, result->smooth, result->sparse);
  crop_to_output (run, &result->image);
  crop_to_output (run, &result->smooth);
  crop_to_output (run, &result->sparse);
  crop_to_output (run, &result->cost);
  if (!ts_image_check_finite (result->image, _("the result"), error))
    {
      g_prefix_error (error, _("The solve diverged: "));
      return FALSE;
    }
  return TRUE;
}

static void
run_clear (TsRestoreRun *run)
{
  g_clear_pointer (&run->live_smooth, ts_image_free);
  g_clear_pointer (&run->prox, ts_regulariser_free);
  g_clear_pointer (&run->chroma_prox, ts_regulariser_free);
  for (int c = 0; c < 3; c++)
    g_clear_pointer (&run->gat[c], ts_anscombe_free);
  g_clear_pointer (&run->op, ts_operator_free);
  g_clear_pointer (&run->composite, ts_image_free);
  g_clear_pointer (&run->owned_lowres, ts_image_free);
}

/* The models: denoising's by its noise (ts-restore-noise.h), one for every plane or one for
 * the luminance and one for the chroma planes; the others' as the request says. */
static gboolean
resolve_models (const TsRestoreRequest *request, TsRestoreResult *result, GError **error)
{
  if (request->task != TS_TASK_DENOISE || request->image == NULL)
    {
      result->model = request->model != NULL
                      ? ts_model_copy (request->model)
                      : ts_restore_resolve_model (request->model_spec, request->sigma, NULL, error);
      return result->model != NULL;
    }
  if (request->noise_plan != NULL)
    result->noise = *request->noise_plan;
  else if (!ts_restore_plan_noise (request, &result->noise, error))
    return FALSE;
  result->model = ts_restore_plane_model (request, &result->noise, 0, NULL, error);
  if (result->model == NULL)
    return FALSE;
  if (result->noise.opponent)
    {
      GError *local = NULL;
      result->chroma_model = ts_restore_chroma_model (request, &result->noise, NULL, &local);
      if (local != NULL)
        {
          g_propagate_error (error, local);
          return FALSE;
        }
      result->chroma_own_model = result->chroma_model != NULL;
    }
  if (result->chroma_model == NULL && result->noise.opponent
      && ts_restore_noise_plane_factor (&result->noise, 1)
         != ts_restore_noise_plane_factor (&result->noise, 0))
    {
      result->chroma_model = ts_restore_plane_model (request, &result->noise, 1, NULL, error);
      if (result->chroma_model == NULL)
        return FALSE;
    }
  return TRUE;
}

/* Denoising: a threshold given in the request (options->lambda) is the luminance's at
 * strength 1: each plane's is it times the plane's factor (chroma planes with a model of
 * their own keep its threshold). The thresholds each plane is solved with go into the
 * result's noise. */
static void
plane_thresholds (TsRestoreRun *run, TsSolveOptions *options)
{
  TsRestoreNoise *noise = &run->result->noise;
  double given = options->lambda;

  if (!isnan (given))
    {
      double factor = ts_restore_noise_plane_factor (noise, 0);
      if (factor != 1.0)
        options->lambda = given * factor;
      if (run->chroma_model != NULL && !run->result->chroma_own_model)
        run->chroma_lambda = given * ts_restore_noise_plane_factor (noise, 1);
    }
  for (int p = 0; p < noise->n_planes; p++)
    {
      gboolean chroma = run->chroma_model != NULL && noise->opponent && p > 0;
      double lambda = chroma ? run->chroma_lambda : options->lambda;
      noise->plane_lambda[p] = !isnan (lambda) ? lambda
                               : chroma ? run->chroma_model->lambda : run->model->lambda;
    }
}

TsRestoreResult *
ts_restore (TsRestoreRequest *request, TsRestoreProgressFunc progress, gpointer user_data,
            const gint *cancel, GError **error)
{
  g_return_val_if_fail (request != NULL, NULL);
  g_autoptr (TsRestoreResult) result = g_new0 (TsRestoreResult, 1);
  TsRestoreRun run = { .request = request, .result = result, .func = progress,
                       .user_data = user_data, .cancel = cancel };
  /* Local: whether a failure is a cancellation decides whether a keep_stopped run ends. */
  GError *local_error = NULL;
  gboolean ok;

  if (!resolve_models (request, result, error) || !ts_restore_task_params (request, result->model,
                                                                          &result->params, error))
    {
      if (request->take_image)
        g_clear_pointer (&request->image, ts_image_free);
      return NULL;
    }
  run.model = result->model;
  run.chroma_model = result->chroma_model;
  ts_restore_solve_options (request, run.model, &result->options);
  run.chroma_lambda = NAN;
  if (request->task == TS_TASK_DENOISE)
    plane_thresholds (&run, &result->options);
  ok = prepare (&run, &local_error);
  if (ok)
    {
      /* A joint solve is one solve of the three planes. */
      run.progress = (TsRestoreProgress) { .run = &run, .input = result->input,
                                           .n_channels = solves_jointly (&run) ? 1 : run.n_solve,
                                           .tol = result->options.tol,
                                           .max_iter = result->options.max_iter,
                                           .change = NAN };
      if (!emit (&run, TS_RESTORE_READY))
        {
          g_set_error (&local_error, TS_ERROR, TS_ERROR_CANCELLED, _("Cancelled"));
          ok = stopped_or_failed (&run, &local_error);
        }
    }
  if (ok && !result->stopped)
    ok = result->tiled ? solve_tiled (&run, &local_error)
         : solves_jointly (&run) ? solve_joint_whole (&run, &local_error)
         : solve_whole (&run, &local_error);
  if (ok && !result->stopped && cancel != NULL && g_atomic_int_get (cancel))
    {
      g_set_error (&local_error, TS_ERROR, TS_ERROR_CANCELLED, _("Cancelled"));
      ok = stopped_or_failed (&run, &local_error);
    }
  if (ok)
    ok = finish (&run, &local_error);
  run_clear (&run);
  /* Handed over but not needed on the way (or a failure before it was settled). */
  if (request->take_image)
    g_clear_pointer (&request->image, ts_image_free);
  if (!ok)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  return g_steal_pointer (&result);
}
