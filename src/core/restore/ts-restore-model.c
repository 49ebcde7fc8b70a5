/* The model for a restoration (see ts-restore-model.h). */
#include "ts-restore-model.h"
#include "ts-model-catalog.h"
#include "ts-noise-level.h"

#include <math.h>

#define MIN_ESTIMATED_SIGMA 0.5

const char *
ts_restore_default_model (TsTask task)
{
  return task == TS_TASK_DENOISE ? "auto" : TS_RESTORE_PAPER_MODEL;
}

gboolean
ts_restore_model_uses_sigma (const char *spec)
{
  return spec == NULL || g_strcmp0 (spec, "auto") == 0 || g_strcmp0 (spec, "auto-cpr") == 0
         || g_strcmp0 (spec, "dct") == 0;
}

/* "auto" / "auto-cpr": the installed model for the noise level, else the DCT baseline. */
static TsModel *
resolve_auto (TsProxType prox_type, double sigma, char **note, GError **error)
{
  g_autoptr (GError) local = NULL;
  TsModel *model;

  /* A noise level out of range is the caller's mistake, not the installation's. */
  if (!(sigma > 0.0 && sigma <= 255.0))
    return ts_model_for_noise (prox_type, sigma, error);
  model = ts_model_for_noise (prox_type, sigma, &local);
  if (model != NULL && !ts_model_validate (model, model->name, &local))
    g_clear_pointer (&model, ts_model_free);
  if (model != NULL)
    return model;
  if (note != NULL)
    *note = g_strdup_printf ("%s; using the built-in DCT model at sigma %g instead",
                             local->message, sigma);
  return ts_model_new_dct (sigma);
}

TsModel *
ts_restore_resolve_model (const char *spec, double sigma, char **note, GError **error)
{
  g_autoptr (TsModel) model = NULL;
  const char *what = spec != NULL ? spec : "auto";

  if (note != NULL)
    *note = NULL;
  if (isnan (sigma))
    sigma = 0.0;
  if (spec == NULL || g_strcmp0 (spec, "auto") == 0 || g_strcmp0 (spec, "auto-cpr") == 0)
    model = resolve_auto (g_strcmp0 (spec, "auto-cpr") == 0 ? TS_PROX_CPR : TS_PROX_NCPR, sigma,
                          note, error);
  else
    model = ts_model_resolve (spec, sigma, error);
  if (model == NULL || !ts_model_validate (model, what, error))
    return NULL;
  return g_steal_pointer (&model);
}

double
ts_restore_estimate_sigma (const TsImage *image, double *estimate)
{
  g_return_val_if_fail (image != NULL, NAN);
  TsNoiseLevel level;

  ts_noise_level_estimate (image, &level);
  return ts_restore_sigma_from_level (&level, estimate);
}

double
ts_restore_sigma_from_level (const TsNoiseLevel *level, double *estimate)
{
  g_return_val_if_fail (level != NULL, NAN);
  double sigma = level->sigma * 255.0;

  if (estimate != NULL)
    *estimate = sigma;
  return CLAMP (sigma, MIN_ESTIMATED_SIGMA, 255.0);
}
