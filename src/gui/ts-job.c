/* The worker side of a restoration as the window runs it: the window's parameters become a
 * ts_restore request (the degradation simulated first when asked), the core's progress
 * becomes plot points and previews. The restoration itself is the core's (ts-restore.h). */
#include "ts-job.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#define SIMULATION_SEED 0
/* Smaller than tessera-cli's tiles: a quicker first region, less memory beside the window's
 * textures. */
#define GUI_TILE_SIZE 256

void
ts_job_params_free (TsJobParams *params)
{
  if (params == NULL)
    return;
  g_free (params->model_spec);
  g_free (params->preset);
  g_clear_pointer (&params->model, ts_model_free);
  g_clear_pointer (&params->source, ts_image_free);
  g_clear_pointer (&params->kspace, ts_kspace_free);
  g_clear_pointer (&params->truth, ts_image_free);
  g_clear_pointer (&params->warm, g_ptr_array_unref);
  g_free (params);
}

void
ts_job_result_free (TsJobResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->model, ts_model_free);
  g_clear_pointer (&result->preset, g_free);
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
  return ts_colour_channels (image);
}

TsModel *
ts_job_resolve_model (const char *spec, double sigma, GError **error)
{
  g_autofree char *note = NULL;
  TsModel *model = ts_restore_resolve_model (spec, sigma, &note, error);

  /* A broken installation: "auto" stands in with the DCT baseline rather than refusing. */
  if (note != NULL)
    g_message ("%s", note);
  return model;
}

/* --- progress and previews ---------------------------------------------------------------- */

typedef struct _JobState JobState;

struct _TsJobPreview {
  const TsRestoreProgress *progress;
  JobState *state;
};

TsImage *
ts_job_preview_render (TsJobPreview *preview)
{
  return ts_restore_render (preview->progress);
}

TsImage *
ts_job_preview_render_region (TsJobPreview *preview, const TsRect *rect)
{
  return ts_restore_render_region (preview->progress, rect);
}

gboolean
ts_job_preview_render_decomposition (TsJobPreview *preview, TsImage **smooth, TsImage **sparse,
                                     TsImage **cost)
{
  return ts_restore_render_decomposition (preview->progress, smooth, sparse, cost, NULL);
}

double
ts_job_cost_max (const TsImage *cost)
{
  double max = 0.0;

  if (cost == NULL)
    return NAN;
  for (gsize i = 0; i < ts_image_n_values (cost); i++)
    if (isfinite (cost->data[i]))
      max = MAX (max, cost->data[i]);
  return max;
}

struct _JobState {
  const TsJobCallbacks *callbacks;
  gpointer user_data;
  const TsImage *truth;
  const TsModel *model;
  gboolean truth_centred; /* the opened file's truth: it covers the image's centre */
  int width, height;      /* the input's size (the result's, odd sides not extended) */
  TsImage *truth_plane;   /* untiled: the ground truth's plane of the channel being solved */
  int last_iteration;     /* tiled: iterations of the channel's finished tiles */
  int tile_iteration;     /* tiled: of the current tile */
  int solve_width, solve_height;   /* the solve's size, around which the tiles wrap */
  GArray *changes;        /* tiled: TsRect changed since ts_job_preview_take_changes */
};

GArray *
ts_job_preview_take_changes (TsJobPreview *preview)
{
  JobState *state = preview->state;
  GArray *changes = state->changes;

  state->changes = g_array_new (FALSE, FALSE, sizeof (TsRect));
  return changes;
}

/* The interval [start, start + length) of an axis of `size` that wraps around it, as at most
 * two that do not, each cut to [0, limit): the number of them. */
static int
unwrap_interval (int start, int length, int size, int limit, int *from, int *to)
{
  int n = 0;

  start = (start % size + size) % size;
  length = MIN (length, size);
  for (int piece = 0; piece < 2 && length > 0; piece++)
    {
      int end = MIN (size, start + length);
      if (MIN (end, limit) > start)
        {
          from[n] = start;
          to[n++] = MIN (end, limit);
        }
      length -= end - start;
      start = 0;
    }
  return n;
}

/* A tile's estimate (it may wrap around the picture's edges) has changed the picture. */
static void
add_change (JobState *state, const TsRect *tile)
{
  int x0[2], x1[2], y0[2], y1[2];

  if (state->solve_width <= 0 || state->solve_height <= 0)
    return;
  int nx = unwrap_interval (tile->x, tile->width, state->solve_width, state->width, x0, x1);
  int ny = unwrap_interval (tile->y, tile->height, state->solve_height, state->height, y0, y1);

  for (int j = 0; j < ny; j++)
    for (int i = 0; i < nx; i++)
      {
        TsRect rect = { x0[i], y0[j], x1[i] - x0[i], y1[j] - y0[j] };
        gboolean known = FALSE;
        /* A tile's iterations and its end change the same rectangles. */
        for (guint k = 0; k < state->changes->len && !known; k++)
          known = memcmp (&g_array_index (state->changes, TsRect, k), &rect, sizeof rect) == 0;
        if (!known)
          g_array_append_val (state->changes, rect);
      }
}

static gboolean
send_point (JobState *state, const TsPlotPoint *point, const TsRestoreProgress *progress)
{
  TsJobPreview preview = { progress, state };

  if (state->callbacks == NULL || state->callbacks->iteration == NULL)
    return TRUE;
  return state->callbacks->iteration (point, progress->channel, progress->n_channels, &preview,
                                      state->user_data);
}

/* A plot point per iteration: counted over all channels (and tiles), PSNR against the ground
 * truth's plane where the whole plane is solved. */
static gboolean
on_iteration (JobState *state, const TsRestoreProgress *p)
{
  TsPlotPoint point = { .change = p->change, .psnr = NAN };

  if (p->tiled)
    {
      state->tile_iteration = p->iteration;
      point.iteration = p->iterations_before + state->last_iteration + p->iteration;
      point.tile = p->channel * p->n_tiles + p->tiles_done + 1;
      point.n_tiles = p->n_channels * p->n_tiles;
    }
  else
    {
      point.iteration = p->iterations_before + p->iteration;
      if (state->truth_plane != NULL && state->truth_centred)
        {
          /* The central part of the picture (odd sides extended at the right and bottom
           * taken off first), as the result is scored (job_result). */
          const TsImage *estimate = p->estimate;
          g_autoptr (TsImage) shown = NULL;
          double psnr = NAN;
          if (state->width > 0
              && (estimate->width > state->width || estimate->height > state->height))
            estimate = shown = ts_image_crop (p->estimate, 0, 0, MIN (state->width, estimate->width),
                                              MIN (state->height, estimate->height));
          if (ts_score_centred (estimate, state->truth_plane, NULL, 0, &psnr, NULL, NULL))
            point.psnr = psnr;
        }
      else if (state->truth_plane != NULL)
        {
          const TsImage *truth = state->truth_plane;
          g_autoptr (TsImage) shown = NULL;
          /* Solved with odd sides extended: the truth has the picture's size. */
          if (p->estimate->width != truth->width || p->estimate->height != truth->height)
            shown = ts_image_crop (p->estimate, 0, 0, truth->width, truth->height);
          point.psnr = ts_psnr (shown != NULL ? shown : p->estimate, truth, 0);
        }
    }
  return send_point (state, &point, p);
}

static gboolean
on_tile_done (JobState *state, const TsRestoreProgress *p)
{
  TsPlotPoint point = { .change = NAN, .psnr = NAN, .tile_done = TRUE };

  state->last_iteration += state->tile_iteration;
  state->tile_iteration = 0;
  point.iteration = p->iterations_before + state->last_iteration;
  point.tile = p->channel * p->n_tiles + p->tiles_done;
  point.n_tiles = p->n_channels * p->n_tiles;
  return send_point (state, &point, p);
}

static gboolean
on_progress (const TsRestoreProgress *p, gpointer user_data)
{
  JobState *state = user_data;

  switch (p->event)
    {
    case TS_RESTORE_READY:
      if (p->input != NULL)
        {
          state->width = p->input->width;
          state->height = p->input->height;
          /* Tiles are the denoising's, solved at the (possibly extended) size. */
          (void) ts_restore_extends (state->model, state->width, state->height,
                                     &state->solve_width, &state->solve_height);
        }
      if (state->callbacks != NULL && state->callbacks->input_ready != NULL)
        state->callbacks->input_ready (p->input, state->truth, state->user_data);
      return TRUE;
    case TS_RESTORE_CHANNEL:
      g_clear_pointer (&state->truth_plane, ts_image_free);
      if (state->truth != NULL && !p->tiled)
        state->truth_plane = ts_image_extract_channel (state->truth, p->channel);
      state->last_iteration = state->tile_iteration = 0;
      return TRUE;
    case TS_RESTORE_ITERATION:
      if (p->tiled)
        add_change (state, p->tile);
      return on_iteration (state, p);
    case TS_RESTORE_TILE_DONE:
      add_change (state, p->tile);
      return on_tile_done (state, p);
    default:
      return TRUE;
    }
}

/* --- the run ------------------------------------------------------------------------------ */

/* What the window may ask that the run cannot do. */
static gboolean
check_params (const TsJobParams *params, GError **error)
{
  const char *problem = NULL;

  if (params->source == NULL && params->kspace == NULL)
    problem = _("Nothing to restore: open an image first");
  else if (params->task != TS_TASK_MRI && params->source == NULL)
    problem = _("k-space can only be reconstructed with the MRI task");
  else if (params->task == TS_TASK_MRI && params->simulate && params->source == NULL)
    problem = _("Simulation needs an image, not k-space");
  else if (params->task == TS_TASK_MRI && !params->simulate && params->kspace == NULL)
    problem = _("MRI reconstruction needs k-space (a complex .npy with its mask, a "
                "BART .cfl or a fastMRI .h5): open one, or turn on Simulate");
  if (problem != NULL)
    g_set_error_literal (error, TS_ERROR, TS_ERROR_INVALID, problem);
  return problem == NULL;
}

/* The request's data: the opened image or k-space, or the degradation simulated from the
 * image, which then becomes the ground truth (*truth). The run takes the source: a large
 * picture is not copied. */
static gboolean
set_data (TsJobParams *params, const TsModel *model, TsRestoreRequest *request, TsImage **truth,
          TsKspace **simulated, GError **error)
{
  request->take_image = TRUE;
  if (!params->simulate)
    {
      if (params->task == TS_TASK_MRI)
        {
          request->kspace = params->kspace;
          *truth = g_steal_pointer (&params->truth);
        }
      else
        request->image = g_steal_pointer (&params->source);
      return TRUE;
    }
  switch (params->task)
    {
    case TS_TASK_DENOISE:
      *truth = g_steal_pointer (&params->source);
      request->image = ts_simulate_noise_per_channel (*truth, params->sigma / 255.0,
                                                      SIMULATION_SEED);
      break;
    case TS_TASK_SR:
      request->image = ts_simulate_sr (params->source, truth, error);
      return request->image != NULL;
    default:
      *simulated = ts_simulate_mri (params->source, model, params->acceleration, SIMULATION_SEED,
                                    truth, error);
      request->kspace = *simulated;
      return *simulated != NULL;
    }
  if (request->image == NULL)
    g_set_error (error, TS_ERROR, TS_ERROR_NOMEM, _("Out of memory"));
  return request->image != NULL;
}

static void
set_options (const TsJobParams *params, TsRestoreRequest *request)
{
  request->task = params->task;
  request->sigma = params->sigma;
  request->tol = params->tol;
  request->beta = params->beta;
  request->lambda = params->lambda;
  request->max_iter = MAX (1, params->max_iter);
  request->threads = params->threads;
  /* Opened k-space: the scan's acceleration as its file tells (fastMRI), else as its mask
   * gives, and its contrast choose the preset; simulated, the one asked for. */
  request->mri_acceleration = params->acceleration;
  if (!params->simulate && params->kspace_acceleration > 0)
    request->mri_acceleration = params->kspace_acceleration;
  else if (!params->simulate && params->kspace != NULL)
    request->mri_acceleration = ts_kspace_acceleration (params->kspace);
  request->fat_suppressed = !params->simulate && params->fat_suppressed;
  request->preset = params->preset;
  request->warm = params->warm;
  request->decompose = TRUE;
  request->keep_solutions = TRUE;
  request->input_view = TRUE;
  /* Stop keeps the estimate on screen, and Save writes it. */
  request->keep_stopped = TRUE;
  /* A large picture in tiles, the visible region first, each tile on its own stopping rule
   * in one pass: the region's result is final as soon as it is shown. */
  request->tiling.size = GUI_TILE_SIZE;
  request->tiling.own_stop = TRUE;
  request->tiling.region = params->region;
}

static TsJobResult *
job_result (TsRestoreResult *restored, TsImage **truth, const char *truth_name)
{
  TsJobResult *result = g_new0 (TsJobResult, 1);

  result->model = g_steal_pointer (&restored->model);
  result->preset = restored->params.preset[0] != '\0' ? g_strdup (restored->params.preset) : NULL;
  result->input = g_steal_pointer (&restored->input);
  result->truth = g_steal_pointer (truth);
  result->truth_name = result->truth != NULL ? truth_name : NULL;
  result->result = g_steal_pointer (&restored->image);
  result->smooth = g_steal_pointer (&restored->smooth);
  result->sparse = g_steal_pointer (&restored->sparse);
  result->cost = g_steal_pointer (&restored->cost);
  result->solutions = restored->solutions != NULL
                      ? g_steal_pointer (&restored->solutions)
                      : g_ptr_array_new_with_free_func ((GDestroyNotify) ts_solution_free);
  result->stats.iterations = restored->stats.total_iterations;
  result->stats.seconds = restored->stats.seconds;
  result->stats.final_change = restored->stats.final_change;
  result->stats.converged = restored->stats.converged;
  result->warm_started = restored->warm_started;
  result->tiled = restored->tiled;
  result->stopped = restored->stopped;
  result->cost_max = ts_job_cost_max (result->cost);
  result->psnr = result->ssim = result->input_psnr = result->input_ssim = NAN;
  /* A simulation's truth has the result's size; an opened fastMRI file's covers its centre.
   * ts_score_centred scores both, as tessera-cli does. */
  if (result->truth != NULL
      && (!ts_score_centred (result->input, result->truth, NULL, 0, &result->input_psnr,
                             &result->input_ssim, NULL)
          || !ts_score_centred (result->result, result->truth, NULL, 0, &result->psnr,
                                &result->ssim, NULL)))
    result->psnr = result->ssim = result->input_psnr = result->input_ssim = NAN;
  return result;
}

/* Denoising: the noise as the window asks for it. A level read from the picture is the
 * core's reading (per plane, with the noise model chosen); a level set by hand or simulated
 * is a Gaussian level (ts-restore-noise.h). */
static void
set_noise (const TsJobParams *params, TsRestoreRequest *request)
{
  gboolean read = params->estimate_noise && !params->simulate;

  request->sigma = read ? NAN : params->sigma;
  request->noise = read ? params->noise : TS_NOISE_MODEL_GAUSSIAN;
  request->strength = params->strength != 0.0 ? params->strength : 1.0;
  request->chroma_strength = params->chroma_strength != 0.0 ? params->chroma_strength : 1.0;
  /* The opened picture's reading, when the run denoises that picture (not a simulation). */
  request->noise_reading = read && params->has_noise_reading ? &params->noise_reading : NULL;
}

gboolean
ts_job_plan_noise (const TsJobParams *params, const TsNoiseReading *reading,
                   TsRestoreNoise *plan, GError **error)
{
  TsRestoreRequest request;

  g_return_val_if_fail (params != NULL && reading != NULL && plan != NULL, FALSE);
  ts_restore_request_init (&request);
  set_noise (params, &request);
  return ts_restore_noise_plan_from_reading (reading, request.colour, request.noise,
                                             request.sigma, request.strength,
                                             request.chroma_strength, plan, error);
}

TsModel *
ts_job_plane_model (const char *spec, const TsModel *model, const TsRestoreNoise *plan,
                    int plane, GError **error)
{
  g_autofree char *note = NULL;
  TsRestoreRequest request;
  TsModel *plane_model;

  g_return_val_if_fail (plan != NULL, NULL);
  ts_restore_request_init (&request);
  request.model = model;
  request.model_spec = spec;
  plane_model = ts_restore_plane_model (&request, plan, plane, &note, error);
  /* A broken installation: "auto" stands in with the DCT baseline rather than refusing. */
  if (note != NULL)
    g_message ("%s", note);
  return plane_model;
}

/* Denoising: the data first (a simulation's noise is the level asked for), then the noise
 * planned once (as tessera-cli does: the plan is handed to the run; from the picture's reading
 * when the window has one) and the luminance's model, which decides the iteration cap and the
 * tiles' grid. */
static TsModel *
prepare_denoise (TsJobParams *params, TsRestoreRequest *request, TsRestoreNoise *plan,
                 TsImage **truth, GError **error)
{
  set_noise (params, request);
  request->model = params->model;
  request->model_spec = params->model_spec;
  if (!set_data (params, NULL, request, truth, NULL, error))
    return NULL;
  if (!ts_restore_plan_noise (request, plan, error))
    return NULL;
  request->noise_plan = plan;
  return ts_job_plane_model (params->model_spec, params->model, plan, 0, error);
}

TsJobResult *
ts_job_run (TsJobParams *params, const TsJobCallbacks *callbacks, gpointer user_data,
            const gint *cancel, GError **error)
{
  g_autoptr (TsModel) model = NULL;
  g_autoptr (TsImage) truth = NULL;
  g_autoptr (TsKspace) simulated = NULL;
  g_autoptr (TsRestoreResult) restored = NULL;
  TsRestoreRequest request;
  TsRestoreNoise plan;
  TsJobResult *result;
  JobState state = { .callbacks = callbacks, .user_data = user_data };

  g_return_val_if_fail (params != NULL, NULL);
  ts_restore_request_init (&request);
  set_options (params, &request);
  if (params->task == TS_TASK_DENOISE)
    {
      if (check_params (params, error))
        model = prepare_denoise (params, &request, &plan, &truth, error);
      if (model == NULL)
        {
          g_clear_pointer (&request.image, ts_image_free);
          return NULL;
        }
    }
  else
    {
      model = params->model != NULL ? ts_model_copy (params->model)
                                    : ts_job_resolve_model (params->model_spec, params->sigma, error);
      if (model == NULL || !check_params (params, error))
        return NULL;
      request.model = model;
      if (!set_data (params, model, &request, &truth, &simulated, error))
        {
          g_clear_pointer (&request.image, ts_image_free);
          return NULL;
        }
    }
  request.max_iter = ts_restore_cap_for_model (params->task, model, request.tol, request.max_iter);
  state.truth = truth;
  state.truth_centred = truth != NULL && !params->simulate;
  state.model = model;
  state.changes = g_array_new (FALSE, FALSE, sizeof (TsRect));
  restored = ts_restore (&request, on_progress, &state, cancel, error);
  g_clear_pointer (&state.truth_plane, ts_image_free);
  g_clear_pointer (&state.changes, g_array_unref);
  if (restored == NULL)
    return NULL;
  result = job_result (restored, &truth, !params->simulate ? params->truth_name : NULL);
  if (params->task == TS_TASK_DENOISE)
    {
      result->has_noise = TRUE;
      result->noise = restored->noise;
    }
  return result;
}
