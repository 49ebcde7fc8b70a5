/* The defaults of a restoration request and the solver options it gets (see
 * ts-restore.h): decided here once for tessera-cli and the window. */
#include "ts-restore.h"

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
  ts_restore_tiling_init (&request->tiling);
  request->formulation = defaults.formulation;
  request->acceleration = defaults.acceleration;
  request->image_step = defaults.image_step;
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

double
ts_restore_default_tol (TsTask task, const TsModel *model)
{
  g_return_val_if_fail (model != NULL, NAN);
  return task == TS_TASK_DENOISE ? model->tol : TS_RECONSTRUCT_TOL;
}

void
ts_restore_solve_options (const TsRestoreRequest *request, const TsModel *model,
                          TsSolveOptions *options)
{
  double beta = NAN, lambda = NAN;

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
  /* Each of beta / lambda not given takes the paper's value for the task if there is one,
   * otherwise the model's own (NAN). */
  ts_task_paper_defaults (model, request->task, request->mri_acceleration, request->fat_suppressed,
                          &beta, &lambda);
  options->beta = !isnan (request->beta) ? request->beta : beta;
  options->lambda = !isnan (request->lambda) ? request->lambda : lambda;
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
