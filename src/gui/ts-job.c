/* The worker side of a restoration: prepare the data, solve each channel, decompose. */
#include "ts-job.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#define SIMULATION_SEED 0
#define GUI_TILE_SIZE 256

void
ts_job_params_free (TsJobParams *params)
{
  if (params == NULL)
    return;
  g_free (params->model_spec);
  g_clear_pointer (&params->model, ts_model_free);
  g_clear_pointer (&params->source, ts_image_free);
  g_clear_pointer (&params->kspace, ts_kspace_free);
  g_clear_pointer (&params->warm, g_ptr_array_unref);
  g_free (params);
}

void
ts_job_result_free (TsJobResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->model, ts_model_free);
  g_clear_pointer (&result->input, ts_image_free);
  g_clear_pointer (&result->truth, ts_image_free);
  g_clear_pointer (&result->result, ts_image_free);
  g_clear_pointer (&result->smooth, ts_image_free);
  g_clear_pointer (&result->sparse, ts_image_free);
  g_clear_pointer (&result->cost, ts_image_free);
  g_clear_pointer (&result->solutions, g_ptr_array_unref);
  g_free (result);
}

int
ts_job_color_channels (const TsImage *image)
{
  return image->channels == 2 || image->channels == 4 ? image->channels - 1 : image->channels;
}

TsModel *
ts_job_resolve_model (const char *spec, double sigma, GError **error)
{
  g_autoptr (TsModel) model = NULL;

  if (spec == NULL || g_strcmp0 (spec, "auto") == 0)
    {
      /* The installed model nearest to the noise level, adapted (ts_model_for_noise); a
       * broken installation falls back to the DCT baseline rather than refusing to work. */
      model = ts_model_for_noise (TS_PROX_NCPR, sigma, NULL);
      if (model != NULL && !ts_model_validate (model, "auto", NULL))
        g_clear_pointer (&model, ts_model_free);
      if (model == NULL)
        model = ts_model_new_dct (sigma);
    }
  else
    model = ts_model_resolve (spec, sigma, error);
  if (model == NULL)
    return NULL;
  if (!ts_model_validate (model, spec != NULL ? spec : "auto", error))
    return NULL;
  return g_steal_pointer (&model);
}

/* Luminance (Rec. 601) of the colour channels; a copy for grey images. */
static TsImage *
to_gray (const TsImage *image)
{
  int n_color = ts_job_color_channels (image);
  TsImage *gray;

  if (n_color == 1)
    return ts_image_extract_channel (image, 0);
  gray = ts_image_new (image->width, image->height, 1, NULL);
  if (gray == NULL)
    return NULL;
  for (gsize i = 0; i < (gsize) image->width * image->height; i++)
    {
      const float *p = image->data + i * image->channels;
      gray->data[i] = 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
    }
  return gray;
}

/* A fastMRI-style Cartesian column mask for the unshifted DFT: the lowest frequencies
 * (both ends of the row) fully sampled, other columns drawn at random so that about
 * width / acceleration columns are sampled in all. */
static float *
simulated_mask (int width, int height, int acceleration)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (SIMULATION_SEED);
  double centre_fraction = acceleration >= 8 ? 0.04 : 0.08;
  int n_centre = MAX (2, (int) lrint (width * centre_fraction));
  double p = (width / (double) acceleration - n_centre) / MAX (1, width - n_centre);
  float *mask = g_new0 (float, (gsize) width * height);

  for (int c = 0; c < width; c++)
    {
      int freq = MIN (c, width - c);
      gboolean take = 2 * freq < n_centre || g_rand_double (rand) < p;
      if (take)
        for (int r = 0; r < height; r++)
          mask[(gsize) r * width + c] = 1.0f;
    }
  return mask;
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

typedef struct {
  TsOperator *op;
  TsImage *input;      /* the input panel's image */
  TsImage *truth;      /* or NULL */
  TsImage *composite;  /* result-sized, in the solving basis, starts as the input */
  GPtrArray *data;     /* float* per channel to solve, each op->data_len */
  int n_out;           /* channels of the result */
  int n_solve;         /* channels solved (the rest copied from the input) */
  gboolean opponent;   /* colour denoised in the opponent basis: composite is in it */
  /* The size shown and returned: the source's. Smaller than op's when 2x2 groups made the
   * solve extend odd sides by repeating the edge; input and truth have this size. */
  int out_width, out_height;
} Prepared;

/* The top-left out_width x out_height of an op-sized image (a new image, or a copy). */
static TsImage *
to_output_size (const Prepared *p, const TsImage *image)
{
  if (image->width == p->out_width && image->height == p->out_height)
    return ts_image_copy (image);
  return ts_image_crop (image, 0, 0, p->out_width, p->out_height);
}

static void
crop_to_output (const Prepared *p, TsImage **image)
{
  if (*image == NULL || ((*image)->width == p->out_width && (*image)->height == p->out_height))
    return;
  TsImage *cropped = to_output_size (p, *image);
  ts_image_free (*image);
  *image = cropped;
}

static void
prepared_clear (Prepared *p)
{
  g_clear_pointer (&p->op, ts_operator_free);
  g_clear_pointer (&p->input, ts_image_free);
  g_clear_pointer (&p->truth, ts_image_free);
  g_clear_pointer (&p->composite, ts_image_free);
  g_clear_pointer (&p->data, g_ptr_array_unref);
}

static gboolean
prepare_denoise (TsJobParams *params, const TsModel *model, Prepared *p, GError **error)
{
  /* 2x2 groups need even sides: an odd side is extended by repeating the edge, and the
   * result cut back (as tessera-cli denoise does). */
  int g = ts_model_group_size (model);
  int w = ts_image_side_round_up (params->source->width, g);
  int h = ts_image_side_round_up (params->source->height, g);
  g_autoptr (TsImage) noisy = NULL;

  p->out_width = params->source->width;
  p->out_height = params->source->height;

  if (w < model->atom_size || h < model->atom_size)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   _("The image is %d × %d pixels: smaller than the model’s %d × %d patches"),
                   params->source->width, params->source->height, model->atom_size,
                   model->atom_size);
      return FALSE;
    }
  /* A large picture is not copied: the run takes the source (it is solved in tiles and
   * keeps no warm start). */
  gboolean large = ts_solve_memory_estimate (model, w, h) > TS_JOB_TILE_MEMORY;
  if (large && w == params->source->width && h == params->source->height)
    noisy = g_steal_pointer (&params->source);
  else if (w == params->source->width && h == params->source->height)
    noisy = ts_image_copy (params->source);
  else
    noisy = ts_image_extend (params->source, w, h, error);
  if (noisy == NULL)
    return FALSE;
  if (params->simulate)
    {
      int n_color = ts_job_color_channels (noisy);
      p->truth = to_output_size (p, noisy);
      for (int c = 0; c < n_color; c++)
        {
          g_autoptr (TsImage) plane = ts_image_extract_channel (noisy, c);
          ts_noise_add_gaussian (plane, params->sigma / 255.0, SIMULATION_SEED + c);
          ts_image_set_channel (noisy, c, plane);
        }
    }
  p->op = ts_operator_identity_new (w, h);
  p->n_out = noisy->channels;
  p->n_solve = ts_job_color_channels (noisy);
  /* Colour as tessera-cli denoises it: in the orthonormal opponent basis, where white noise
   * stays white at the same level; alpha rides along. */
  p->opponent = noisy->channels == 3 || noisy->channels == 4;
  p->composite = p->opponent ? ts_colour_rgb_to_opponent (noisy) : ts_image_copy (noisy);
  if (p->composite == NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_NOMEM, _("Out of memory"));
      return FALSE;
    }
  /* A large picture's planes are taken from the composite when their turn comes. */
  for (int c = 0; c < p->n_solve && !large; c++)
    {
      TsImage *plane = ts_image_extract_channel (p->composite, c);
      g_ptr_array_add (p->data, g_steal_pointer (&plane->data));
      ts_image_free (plane);
    }
  p->input = noisy->width == p->out_width && noisy->height == p->out_height
             ? g_steal_pointer (&noisy) : to_output_size (p, noisy);
  return TRUE;
}

static gboolean
prepare_sr (const TsJobParams *params, const TsModel *model, Prepared *p, GError **error)
{
  g_autoptr (TsImage) lowres = NULL;
  int k = TS_SR_DEFAULT_KERNEL, s = TS_SR_DEFAULT_STRIDE;

  if (params->simulate)
    {
      int nw = (params->source->width - k) / s + 1, nh = (params->source->height - k) / s + 1;
      if (params->source->width < k + 4 * s || params->source->height < k + 4 * s)
        {
          g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                       _("The image is %d × %d pixels: too small to simulate super-resolution"),
                       params->source->width, params->source->height);
          return FALSE;
        }
      p->truth = ts_image_crop (params->source, 0, 0, ts_operator_sr_highres_side (nw, k, s),
                                ts_operator_sr_highres_side (nh, k, s));
      p->op = ts_operator_sr_new (nw, nh, k, TS_SR_DEFAULT_STD, s, error);
      if (p->op == NULL)
        return FALSE;
      lowres = ts_image_new (nw, nh, p->truth->channels, error);
      if (lowres == NULL)
        return FALSE;
      for (int c = 0; c < p->truth->channels; c++)
        {
          g_autoptr (TsImage) plane = ts_image_extract_channel (p->truth, c);
          g_autoptr (TsImage) low = ts_image_new (nw, nh, 1, error);
          if (low == NULL)
            return FALSE;
          /* Noise-free, as the paper's super-resolution experiments. */
          ts_operator_apply (p->op, plane->data, low->data);
          ts_image_set_channel (lowres, c, low);
        }
    }
  else
    {
      lowres = ts_image_copy (params->source);
      p->op = ts_operator_sr_new (lowres->width, lowres->height, k, TS_SR_DEFAULT_STD, s, error);
      if (p->op == NULL)
        return FALSE;
    }
  if (p->op->width % ts_model_group_size (model) != 0 || p->op->height % ts_model_group_size (model) != 0)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   _("Model %s needs an even estimate size, not %d × %d"), model->name,
                   p->op->width, p->op->height);
      return FALSE;
    }
  p->n_out = p->n_solve = lowres->channels;
  for (int c = 0; c < p->n_solve; c++)
    {
      TsImage *plane = ts_image_extract_channel (lowres, c);
      g_ptr_array_add (p->data, g_steal_pointer (&plane->data));
      ts_image_free (plane);
    }
  p->input = enlarge_lowres (lowres, p->op->width, p->op->height);
  if (p->input == NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_NOMEM, _("Out of memory"));
      return FALSE;
    }
  p->composite = ts_image_copy (p->input);
  return TRUE;
}

static gboolean
prepare_mri (const TsJobParams *params, const TsModel *model, Prepared *p, GError **error)
{
  int g = ts_model_group_size (model);
  float *data;

  if (params->simulate || params->kspace == NULL)
    {
      g_autoptr (TsImage) gray = NULL;
      g_autofree float *mask = NULL;
      int w, h;

      if (params->source == NULL)
        {
          g_set_error (error, TS_ERROR, TS_ERROR_INVALID, _("Simulation needs an image, not k-space"));
          return FALSE;
        }
      if (!params->simulate)
        {
          g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                       _("MRI reconstruction needs k-space (a complex .npy with its mask, or a "
                         "BART .cfl): open one, or turn on Simulate"));
          return FALSE;
        }
      gray = to_gray (params->source);
      w = gray->width / g * g;
      h = gray->height / g * g;
      p->truth = ts_image_crop (gray, 0, 0, w, h);
      mask = simulated_mask (w, h, MAX (2, params->acceleration));
      p->op = ts_operator_mri_new (w, h, mask, error);
      if (p->op == NULL)
        return FALSE;
      data = g_new (float, p->op->data_len);
      ts_operator_apply (p->op, p->truth->data, data);
    }
  else
    {
      const TsKspace *k = params->kspace;
      if (k->width % g != 0 || k->height % g != 0)
        {
          g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                       _("Model %s needs even k-space sides, not %d × %d"), model->name,
                       k->width, k->height);
          return FALSE;
        }
      p->op = ts_operator_mri_new (k->width, k->height, k->mask, error);
      if (p->op == NULL)
        return FALSE;
      data = g_memdup2 (k->data, sizeof (float) * p->op->data_len);
    }
  g_ptr_array_add (p->data, data);
  p->n_out = p->n_solve = 1;
  p->input = ts_image_new (p->op->width, p->op->height, 1, error);
  if (p->input == NULL)
    return FALSE;
  ts_operator_mri_zero_filled (p->op, data, p->input->data);
  p->composite = ts_image_copy (p->input);
  return TRUE;
}

typedef struct {
  const TsJobCallbacks *callbacks;
  gpointer user_data;
  Prepared *prepared;
  TsImage *truth_plane;
  int channel;
  int iteration_base;
  /* Tiled runs. */
  int tile_base;          /* tiles of the channels before this one */
  int n_tiles;            /* over all channels, 0 when untiled */
  int tiles_done;         /* in this channel */
  int last_iteration;     /* iterations of the finished tiles of this channel */
  int tile_iteration;     /* of the current tile */
  TsRect tile;            /* where the current tile's estimate lies (with its halo) */
  int halo;
} ProgressState;

struct _TsJobPreview {
  ProgressState *state;
  const TsImage *estimate;   /* a whole plane, or the current tile's estimate */
  gboolean is_tile;          /* `estimate` is the tile at state->tile */
};

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
          composite->data[((gsize) gy * W + gx) * n + channel] = patch->data[(gsize) r * patch->width + c];
        }
    }
}

TsImage *
ts_job_preview_render (TsJobPreview *preview)
{
  Prepared *p = preview->state->prepared;

  if (preview->estimate != NULL)
    {
      if (preview->is_tile)
        paste_tile (p->composite, preview->state->channel, preview->estimate, &preview->state->tile,
                    preview->state->halo);
      else
        ts_image_set_channel (p->composite, preview->state->channel, preview->estimate);
    }
  TsImage *whole = p->opponent ? ts_colour_opponent_to_rgb (p->composite) : ts_image_copy (p->composite);
  crop_to_output (p, &whole);
  return whole;
}

static gboolean
on_progress (int iteration, double change, const TsImage *estimate, gpointer user_data)
{
  ProgressState *state = user_data;
  TsPlotPoint point = { 0 };
  TsJobPreview preview = { state, estimate, state->n_tiles > 0 };

  if (state->n_tiles > 0)
    {
      state->tile_iteration = iteration;
      point.iteration = state->iteration_base + state->last_iteration + iteration;
      point.tile = state->tile_base + state->tiles_done + 1;
      point.n_tiles = state->n_tiles;
      point.psnr = NAN;
    }
  else
    {
      point.iteration = state->iteration_base + iteration;
      if (state->truth_plane != NULL)
        {
          g_autoptr (TsImage) shown = NULL;
          if (estimate->width != state->truth_plane->width || estimate->height != state->truth_plane->height)
            shown = to_output_size (state->prepared, estimate);
          point.psnr = ts_psnr (shown != NULL ? shown : estimate, state->truth_plane, 0);
        }
      else
        point.psnr = NAN;
    }
  point.change = change;
  if (state->callbacks == NULL || state->callbacks->iteration == NULL)
    return TRUE;
  return state->callbacks->iteration (&point, state->channel, state->prepared->n_solve, &preview,
                                      state->user_data);
}

static gboolean
on_tile_done (int done, int total, const TsRect *tile, const TsImage *result, gpointer user_data)
{
  ProgressState *state = user_data;
  TsPlotPoint point = { 0 };
  TsJobPreview preview = { state, result, FALSE };

  state->tiles_done = done;
  state->last_iteration += state->tile_iteration;
  state->tile_iteration = 0;
  point.iteration = state->iteration_base + state->last_iteration;
  point.change = NAN;
  point.psnr = NAN;
  point.tile = state->tile_base + done;
  point.n_tiles = state->n_tiles;
  point.tile_done = TRUE;
  if (state->callbacks == NULL || state->callbacks->iteration == NULL)
    return TRUE;
  return state->callbacks->iteration (&point, state->channel, state->prepared->n_solve, &preview,
                                      state->user_data);
}

/* The number of tiles ts_denoise_tiled makes of a width x height plane. */
static int
count_tiles (const TsTileOptions *to, int width, int height)
{
  int tile = MAX (to->tile_size, 32);
  return MAX (1, (width + tile - 1) / tile) * MAX (1, (height + tile - 1) / tile);
}

TsJobResult *
ts_job_run (TsJobParams *params, const TsJobCallbacks *callbacks, gpointer user_data,
            const gint *cancel, GError **error)
{
  g_autoptr (TsJobResult) result = g_new0 (TsJobResult, 1);
  g_autoptr (TsModel) model = NULL;
  g_autoptr (TsRegulariser) prox = NULL;
  Prepared p = { 0 };
  TsSolveOptions options;
  double beta = NAN, lambda = NAN;
  gboolean ok = FALSE;

  g_return_val_if_fail (params != NULL, NULL);
  result->psnr = result->ssim = result->input_psnr = result->input_ssim = NAN;

  model = params->model != NULL ? ts_model_copy (params->model)
                                : ts_job_resolve_model (params->model_spec, params->sigma, error);
  if (model == NULL)
    return NULL;
  if (params->source == NULL && params->kspace == NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID, _("Nothing to restore: open an image first"));
      return NULL;
    }
  if (params->task != TS_TASK_MRI && params->source == NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   _("k-space can only be reconstructed with the MRI task"));
      return NULL;
    }

  p.data = g_ptr_array_new_with_free_func (g_free);
  switch (params->task)
    {
    case TS_TASK_DENOISE: ok = prepare_denoise (params, model, &p, error); break;
    case TS_TASK_SR: ok = prepare_sr (params, model, &p, error); break;
    case TS_TASK_MRI: ok = prepare_mri (params, model, &p, error); break;
    default: g_assert_not_reached ();
    }
  if (!ok)
    goto out;
  /* Only denoising may solve a larger image than it shows. */
  if (p.out_width == 0)
    {
      p.out_width = p.composite->width;
      p.out_height = p.composite->height;
    }

  if (p.truth != NULL)
    {
      result->input_psnr = ts_psnr (p.input, p.truth, 0);
      result->input_ssim = ts_ssim (p.input, p.truth, 0);
    }
  if (callbacks != NULL && callbacks->input_ready != NULL)
    callbacks->input_ready (p.input, p.truth, user_data);

  ts_solve_options_init (&options);
  options.nonnegative = params->task != TS_TASK_DENOISE;
  options.tol = !isnan (params->tol) ? params->tol
                : params->task == TS_TASK_DENOISE ? model->tol : TS_RECONSTRUCT_TOL;
  options.max_iter = MAX (1, params->max_iter);
  options.threads = MAX (0, params->threads);
  ts_task_paper_defaults (model, params->task, params->acceleration, FALSE, &beta, &lambda);
  options.beta = !isnan (params->beta) ? params->beta : beta;
  options.lambda = !isnan (params->lambda) ? params->lambda : lambda;

  /* A large picture is denoised in tiles, the visible region first, as the CLI does: the
   * memory stays bounded by the tile size. */
  result->tiled = params->task == TS_TASK_DENOISE
                  && ts_solve_memory_estimate (model, p.op->width, p.op->height) > TS_JOB_TILE_MEMORY;
  result->solutions = g_ptr_array_new_with_free_func ((GDestroyNotify) ts_solution_free);
  if (result->tiled)
    {
      TsTileOptions tiles;
      TsImage *noisy = NULL;
      int per_channel;

      /* The source is not needed any more: its memory goes to the tiles. */
      g_clear_pointer (&params->source, ts_image_free);
      ts_tile_options_init (&tiles);
      /* Smaller than the CLI's tiles: a quicker first region, less memory beside the
       * window's textures. */
      tiles.tile_size = GUI_TILE_SIZE;
      tiles.region = params->region;
      /* One pass, each tile on its own stopping rule: the visible region's result is final
       * as soon as it is shown (the CLI stops the tiles together, in two passes). */
      tiles.global_stop = FALSE;
      per_channel = count_tiles (&tiles, p.op->width, p.op->height);
      for (int c = 0; c < p.n_solve; c++)
        {
          ProgressState state = { .callbacks = callbacks, .user_data = user_data, .prepared = &p,
                                  .channel = c, .iteration_base = (int) result->stats.iterations };
          TsSolveStats stats = { 0 };
          g_autoptr (TsImage) x = NULL;

          state.tile_base = c * per_channel;
          state.n_tiles = p.n_solve * per_channel;
          state.halo = MAX (tiles.halo, 0) & ~1;
          tiles.iteration = on_progress;
          tiles.iteration_data = &state;
          tiles.iteration_tile = &state.tile;
          /* The composite's later channels are still the noisy input: previews only paste
           * into the channel being solved. */
          noisy = ts_image_extract_channel (p.composite, c);
          x = ts_denoise_tiled (model, noisy, &options, &tiles, on_tile_done, &state, cancel,
                                &stats, error);
          ts_image_free (noisy);
          if (x == NULL)
            goto fail;
          result->stats.iterations += stats.iterations;
          result->stats.seconds += stats.seconds;
          result->stats.final_change = MAX (result->stats.final_change, stats.final_change);
          result->stats.converged = (c == 0 || result->stats.converged) && stats.converged;
          ts_image_set_channel (p.composite, c, x);
        }
      result->result = p.opponent ? ts_colour_opponent_to_rgb (p.composite) : ts_image_copy (p.composite);
      if (result->result == NULL)
        {
          g_set_error (error, TS_ERROR, TS_ERROR_NOMEM, _("Out of memory"));
          goto fail;
        }
      goto solved;
    }

  result->smooth = ts_image_new (p.op->width, p.op->height, p.n_solve, error);
  result->sparse = ts_image_new (p.op->width, p.op->height, p.n_solve, error);
  result->cost = ts_image_new (p.op->width, p.op->height, 1, error);
  if (result->smooth == NULL || result->sparse == NULL || result->cost == NULL)
    goto fail;
  ts_blas_set_threads (ts_solve_blas_threads (&options));
  prox = ts_regulariser_new (model, p.op, options.beta, options.lambda, error);
  if (prox == NULL)
    goto fail;

  for (int c = 0; c < p.n_solve; c++)
    {
      const float *data = p.data->pdata[c];
      const TsSolution *warm = NULL;
      g_autoptr (TsImage) truth_plane = p.truth != NULL ? ts_image_extract_channel (p.truth, c) : NULL;
      ProgressState state = { .callbacks = callbacks, .user_data = user_data, .prepared = &p,
                              .truth_plane = truth_plane, .channel = c,
                              .iteration_base = (int) result->stats.iterations };
      TsSolveStats stats = { 0 };
      TsSolution *solution;
      g_autoptr (TsDecomposition) dec = NULL;

      if (params->warm != NULL && c < (int) params->warm->len)
        {
          const TsSolution *w = params->warm->pdata[c];
          if (w->x != NULL && w->x->width == p.op->width && w->x->height == p.op->height
              && w->K == model->n_atoms)
            warm = w;
        }
      result->warm_started |= warm != NULL;
      solution = ts_solve (p.op, prox, data, &options, warm, on_progress, &state, cancel,
                           &stats, error);
      if (solution == NULL)
        goto fail;
      g_ptr_array_add (result->solutions, solution);
      result->stats.iterations += stats.iterations;
      result->stats.seconds += stats.seconds;
      result->stats.final_change = MAX (result->stats.final_change, stats.final_change);
      result->stats.converged = (c == 0 || result->stats.converged) && stats.converged;
      ts_image_set_channel (p.composite, c, solution->x);

      dec = ts_decompose (p.op, prox, data, &options, solution, cancel, error);
      if (dec == NULL)
        goto fail;
      ts_image_set_channel (result->smooth, c, dec->smooth);
      ts_image_set_channel (result->sparse, c, dec->sparse);
      for (gsize i = 0; i < ts_image_n_values (result->cost); i++)
        result->cost->data[i] += dec->cost->data[i];
    }
  result->result = p.opponent ? ts_colour_opponent_to_rgb (p.composite) : ts_image_copy (p.composite);
  if (p.opponent && result->smooth->channels == 3)
    {
      /* The decomposition is linear: its parts go back to RGB as the result does. */
      TsImage *smooth = ts_colour_opponent_to_rgb (result->smooth);
      TsImage *sparse = ts_colour_opponent_to_rgb (result->sparse);
      ts_image_free (result->smooth);
      ts_image_free (result->sparse);
      result->smooth = smooth;
      result->sparse = sparse;
    }
  if (result->result == NULL || result->smooth == NULL || result->sparse == NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_NOMEM, _("Out of memory"));
      goto fail;
    }
solved:
  if (cancel != NULL && g_atomic_int_get (cancel))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_CANCELLED, _("Cancelled"));
      goto fail;
    }
  crop_to_output (&p, &result->result);
  crop_to_output (&p, &result->smooth);
  crop_to_output (&p, &result->sparse);
  crop_to_output (&p, &result->cost);
  if (!ts_image_check_finite (result->result, _("the result"), error))
    {
      g_prefix_error (error, _("The solve diverged: "));
      goto fail;
    }
  if (p.truth != NULL)
    {
      result->psnr = ts_psnr (result->result, p.truth, 0);
      result->ssim = ts_ssim (result->result, p.truth, 0);
    }
  result->model = g_steal_pointer (&model);
  result->input = g_steal_pointer (&p.input);
  result->truth = g_steal_pointer (&p.truth);
  prepared_clear (&p);
  return g_steal_pointer (&result);

fail:
out:
  prepared_clear (&p);
  return NULL;
}
