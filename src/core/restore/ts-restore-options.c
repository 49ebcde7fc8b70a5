/* The defaults of a restoration request and the solver options it gets (see
 * ts-restore.h): decided here once for tessera-cli and the window. */
#include "ts-restore.h"
#include "ts-model-catalog.h"

#include <math.h>
#include <string.h>

void
ts_restore_request_init (TsRestoreRequest *request)
{
  TsSolveOptions defaults;

  g_return_if_fail (request != NULL);
  memset (request, 0, sizeof *request);
  ts_solve_options_init (&defaults);
  request->task = TS_TASK_DENOISE;
  request->sigma = request->tol = request->beta = request->lambda = NAN;
  request->colour = TS_COLOUR_OPPONENT;
  request->noise = TS_NOISE_MODEL_GAUSSIAN;
  request->strength = request->chroma_strength = 1.0;
  ts_restore_tiling_init (&request->tiling);
  request->formulation = defaults.formulation;
  request->acceleration = defaults.acceleration;
  request->image_step = defaults.image_step;
}

gboolean
ts_restore_plan_noise (const TsRestoreRequest *request, TsRestoreNoise *noise, GError **error)
{
  g_return_val_if_fail (request != NULL && noise != NULL, FALSE);
  if (request->image == NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "nothing to restore: no image");
      return FALSE;
    }
  if (request->noise_reading == NULL)
    return ts_restore_noise_plan (request->image, request->colour, request->noise,
                                  request->sigma, request->strength, request->chroma_strength,
                                  noise, error);
  const TsImage *image = request->image;
  TsNoiseReading reading = *request->noise_reading;
  if (reading.width != image->width || reading.height != image->height
      || reading.channels != image->channels)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "the noise reading is of a %d x %d x %d image, not of this %d x %d x %d one",
                   reading.width, reading.height, reading.channels, image->width, image->height,
                   image->channels);
      return FALSE;
    }
  if (isnan (request->sigma))
    ts_restore_noise_read (image, request->noise, &reading);
  return ts_restore_noise_plan_from_reading (&reading, request->colour, request->noise,
                                             request->sigma, request->strength,
                                             request->chroma_strength, noise, error);
}

/* A model not chosen by the level, at a plane whose level is `factor` times the picture's:
 * its threshold (and trained level) times the factor, said in its provenance. */
static void
scale_threshold (TsModel *model, double factor)
{
  if (factor == 1.0)
    return;
  model->lambda *= factor;
  if (model->sigma > 0.0)
    model->sigma *= factor;
  g_autofree char *provenance = model->provenance;
  model->provenance = g_strdup_printf ("%s; threshold x %.4g (strength)",
                                       provenance != NULL ? provenance : "", factor);
}

static gboolean
is_auto_spec (const char *spec)
{
  return spec == NULL || g_strcmp0 (spec, "auto") == 0;
}

TsModel *
ts_restore_chroma_model (const TsRestoreRequest *request, const TsRestoreNoise *noise,
                         char **note, GError **error)
{
  g_return_val_if_fail (request != NULL && noise != NULL, NULL);
  const char *spec = request->chroma_model_spec;

  if (note != NULL)
    *note = NULL;
  if (!noise->opponent || noise->n_planes < 2 || g_strcmp0 (spec, "luminance") == 0)
    return NULL;
  double level = noise->plane_sigma[1];
  if (!is_auto_spec (spec))
    {
      TsModel *model = ts_restore_resolve_model (spec, level, note, error);
      /* A named model keeps its own threshold, times the chroma planes' factor. */
      if (model != NULL && !ts_restore_model_uses_sigma (spec))
        scale_threshold (model, ts_restore_noise_plane_factor (noise, 1));
      return model;
    }
  /* Automatic: only beside an automatic luminance model, whose family it shares. */
  if (request->model != NULL || !is_auto_spec (request->model_spec) || !(level > 0.0))
    return NULL;
  return ts_model_for_chroma_noise (TS_PROX_NCPR, MIN (level, 255.0), error);
}

TsModel *
ts_restore_plane_model (const TsRestoreRequest *request, const TsRestoreNoise *noise, int plane,
                        char **note, GError **error)
{
  g_return_val_if_fail (request != NULL && noise != NULL, NULL);
  g_return_val_if_fail (plane >= 0 && plane < MAX (noise->n_planes, 1), NULL);
  double level = noise->plane_sigma[plane], factor = ts_restore_noise_plane_factor (noise, plane);

  if (note != NULL)
    *note = NULL;
  if (plane > 0 && noise->opponent)
    {
      GError *local = NULL;
      TsModel *own = ts_restore_chroma_model (request, noise, note, &local);
      if (own != NULL || local != NULL)
        {
          if (local != NULL)
            g_propagate_error (error, local);
          return own;
        }
    }
  /* A model chosen by the level is chosen at the plane's. */
  if (request->model == NULL && ts_restore_model_uses_sigma (request->model_spec))
    return ts_restore_resolve_model (request->model_spec, level, note, error);
  TsModel *model = request->model != NULL
                   ? ts_model_copy (request->model)
                   : ts_restore_resolve_model (request->model_spec, level, note, error);
  /* Any other: its threshold times the factor, as ts_model_for_noise adapts a model to a
   * level that many times its own. */
  if (model != NULL)
    scale_threshold (model, factor);
  return model;
}

/* Super-resolution and MRI clip the estimate at 0 (MODEL.md, the `reconstruct` variant);
 * denoising does not (its operator, the identity, carries the rest of the `forward`
 * variant: ts-operator.h). */
static gboolean
task_is_nonnegative (TsTask task)
{
  return task != TS_TASK_DENOISE;
}

const char *
ts_restore_variant_name (TsTask task)
{
  return task_is_nonnegative (task) ? "reconstruct" : "forward";
}

int
ts_restore_cap_for_model (TsTask task, const TsModel *model, double tol, int cap)
{
  gboolean budget = task == TS_TASK_DENOISE && model != NULL && model->iterations > 0;
  return budget && isnan (tol) && cap >= model->iterations ? 0 : cap;
}

double
ts_restore_default_tol (TsTask task, const TsModel *model)
{
  g_return_val_if_fail (model != NULL, NAN);
  return task == TS_TASK_DENOISE ? model->tol : TS_RECONSTRUCT_TOL;
}

const char *
ts_param_source_name (TsParamSource source)
{
  switch (source)
    {
    case TS_PARAM_FROM_PAPER:
      return "paper";
    case TS_PARAM_FROM_PRESET:
      return "preset";
    case TS_PARAM_FROM_REQUEST:
      return "given";
    case TS_PARAM_FROM_MODEL:
    default:
      return "model";
    }
}

/* The preset the request chooses (NULL: none), and whether the task's was looked for in
 * vain; FALSE for a named preset the model lacks or that belongs to another task. */
static gboolean
choose_preset (const TsRestoreRequest *request, const TsModel *model, const TsPreset **preset,
               gboolean *missing, GError **error)
{
  const char *task_preset = ts_task_preset_name (request->task, request->mri_acceleration,
                                                 request->fat_suppressed);
  const char *wanted = request->preset;
  TsTask other;

  *preset = NULL;
  *missing = FALSE;
  if (request->task == TS_TASK_DENOISE || g_strcmp0 (wanted, TS_PRESET_NONE) == 0)
    return TRUE;
  if (wanted == NULL)
    {
      *preset = ts_model_get_preset (model, task_preset);
      *missing = *preset == NULL;
      return TRUE;
    }
  if (ts_task_of_preset (wanted, &other) && other != request->task)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "preset '%s' is for %s, not %s", wanted,
                   other == TS_TASK_SR ? "super-resolution" : "MRI",
                   request->task == TS_TASK_SR ? "super-resolution" : "MRI");
      return FALSE;
    }
  *preset = ts_model_get_preset (model, wanted);
  if (*preset == NULL)
    {
      g_autofree const char **names = ts_model_list_presets (model);
      g_autofree char *list = g_strjoinv (", ", (char **) names);
      g_autofree char *shown = g_strescape (wanted, NULL);
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "model %s has no preset '%.80s' (%s%s; '%s' uses none)", model->name, shown,
                   names[0] != NULL ? "it has: " : "it has no presets", list, TS_PRESET_NONE);
      return FALSE;
    }
  return TRUE;
}

/* The parameters and the preset itself (NULL: none). */
static gboolean
task_params (const TsRestoreRequest *request, const TsModel *model, TsTaskParams *params,
             const TsPreset **preset_out, GError **error)
{
  const TsPreset *preset;
  double paper_beta = NAN, paper_lambda = NAN;

  memset (params, 0, sizeof *params);
  params->task_preset = ts_task_preset_name (request->task, request->mri_acceleration,
                                             request->fat_suppressed);
  if (!choose_preset (request, model, &preset, &params->preset_missing, error))
    return FALSE;
  gboolean paper = ts_task_paper_defaults (model, request->task, request->mri_acceleration,
                                           request->fat_suppressed, &paper_beta, &paper_lambda);
  /* Each of beta / lambda: given, else the preset's, else the paper's for the task, else the
   * model's own (NAN). */
  const struct {
    double given, from_preset, from_paper;
    double *value;
    TsParamSource *from;
  } choices[] = {
    { request->beta, preset ? preset->beta : NAN, paper_beta, &params->beta, &params->beta_from },
    { request->lambda, preset ? preset->lambda : NAN, paper_lambda, &params->lambda,
      &params->lambda_from },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (choices); i++)
    {
      *choices[i].from = !isnan (choices[i].given) ? TS_PARAM_FROM_REQUEST
                         : preset != NULL ? TS_PARAM_FROM_PRESET
                         : paper ? TS_PARAM_FROM_PAPER : TS_PARAM_FROM_MODEL;
      *choices[i].value = *choices[i].from == TS_PARAM_FROM_REQUEST ? choices[i].given
                          : *choices[i].from == TS_PARAM_FROM_PRESET ? choices[i].from_preset
                          : *choices[i].from == TS_PARAM_FROM_PAPER ? choices[i].from_paper
                          : NAN;
    }
  /* The preset counts as used when it gives anything the request does not. */
  if (preset != NULL
      && (params->beta_from == TS_PARAM_FROM_PRESET || params->lambda_from == TS_PARAM_FROM_PRESET
          || (isnan (request->tol) && !isnan (preset->tol))
          || (request->max_iter <= 0 && preset->max_iter > 0)))
    g_strlcpy (params->preset, preset->name, sizeof params->preset);
  else
    preset = NULL;
  if (preset_out != NULL)
    *preset_out = preset;
  return TRUE;
}

gboolean
ts_restore_task_params (const TsRestoreRequest *request, const TsModel *model,
                        TsTaskParams *params, GError **error)
{
  g_return_val_if_fail (request != NULL && model != NULL && params != NULL, FALSE);
  return task_params (request, model, params, NULL, error);
}

void
ts_restore_solve_options (const TsRestoreRequest *request, const TsModel *model,
                          TsSolveOptions *options)
{
  TsTaskParams params;
  const TsPreset *preset = NULL;

  g_return_if_fail (request != NULL && model != NULL && options != NULL);
  ts_solve_options_init (options);
  options->nonnegative = task_is_nonnegative (request->task);
  options->tol = !isnan (request->tol) ? request->tol
                                       : ts_restore_default_tol (request->task, model);
  options->max_iter = request->max_iter > 0 ? request->max_iter : TS_RESTORE_DEFAULT_MAX_ITER;
  /* A model trained for an iteration budget runs exactly that many iterations, unless the
   * caller gave a tolerance or a cap of its own. */
  if (request->task == TS_TASK_DENOISE && model->iterations > 0 && isnan (request->tol)
      && request->max_iter <= 0)
    {
      options->tol = 0.0;
      options->max_iter = model->iterations;
    }
  options->threads = MAX (0, request->threads);
  options->formulation = request->formulation;
  options->acceleration = request->acceleration;
  options->restart_interval = request->restart_interval;
  /* A model trained with the exact image step and its step multiplier runs that iteration
   * (denoising: the other tasks' operators have no per-frequency solve). */
  options->image_step = model->exact_image_step && request->task == TS_TASK_DENOISE
                            ? TS_IMAGE_STEP_EXACT : request->image_step;
  options->step_scale = model->step_scale;
  /* A named preset the model lacks is ts_restore's error; here it counts as none. */
  if (!task_params (request, model, &params, &preset, NULL))
    {
      TsRestoreRequest without = *request;
      without.preset = TS_PRESET_NONE;
      task_params (&without, model, &params, &preset, NULL);
    }
  options->beta = params.beta;
  options->lambda = params.lambda;
  if (preset != NULL && isnan (request->tol) && !isnan (preset->tol))
    options->tol = preset->tol;
  if (preset != NULL && request->max_iter <= 0 && preset->max_iter > 0)
    options->max_iter = preset->max_iter;
}

gboolean
ts_restore_extends (const TsModel *model, int width, int height, int *solve_width,
                    int *solve_height)
{
  g_return_val_if_fail (model != NULL, FALSE);
  int g = ts_model_group_size (model);
  int w = ts_image_side_round_up (width, g), h = ts_image_side_round_up (height, g);

  if (solve_width != NULL)
    *solve_width = w;
  if (solve_height != NULL)
    *solve_height = h;
  return w != width || h != height;
}

double
ts_restore_overall_fraction (int channel, int n_channels, int tiles_done, int n_tiles,
                             double solve)
{
  double within = CLAMP (solve, 0.0, 1.0);
  if (n_tiles > 0)
    within = (CLAMP (tiles_done, 0, n_tiles) + within) / n_tiles;
  double overall = n_channels > 0 ? (channel + MIN (within, 1.0)) / n_channels : within;
  return CLAMP (overall, 0.0, 1.0);
}

double
ts_restore_progress_fraction (int iteration, double change, double tol, int max_iter)
{
  double fraction = 0.0;

  if (tol > 0.0 && change > tol)
    fraction = log (change / 1e-1) / log (tol / 1e-1);
  else if (tol > 0.0 && change <= tol)
    fraction = 1.0;
  if (max_iter > 0)
    fraction = MAX (fraction, (double) iteration / max_iter);
  return CLAMP (fraction, 0.0, 1.0);
}
