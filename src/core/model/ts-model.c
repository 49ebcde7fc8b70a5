/* Model parameters: allocation, copy, validation. */
#include "ts-model.h"
#include <math.h>
#include <string.h>

TsModel *
ts_model_new (int n_atoms, int n_free, int atom_size)
{
  g_return_val_if_fail (n_atoms > 0 && n_free >= 0 && atom_size > 0, NULL);
  TsModel *model = g_new0 (TsModel, 1);
  gsize s = (gsize) atom_size * atom_size;
  model->n_atoms = n_atoms;
  model->n_free = n_free;
  model->atom_size = atom_size;
  model->atoms = g_new0 (float, (gsize) n_atoms * s);
  model->free_atoms = g_new0 (float, (gsize) MAX (n_free, 1) * s);
  model->lambda_scaling = g_new0 (float, n_atoms);
  model->prox_type = TS_PROX_NCPR;
  model->groupsize = 1;
  model->order = 1.8;
  model->tol = 1e-4;
  model->step_scale = 1.0;
  model->beta = 1.0;
  model->lambda = 0.01;
  model->name = g_strdup ("unnamed");
  model->provenance = g_strdup ("");
  return model;
}

TsModel *
ts_model_copy (const TsModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);
  TsModel *copy = ts_model_new (model->n_atoms, model->n_free, model->atom_size);
  float *atoms = copy->atoms, *free_atoms = copy->free_atoms, *scaling = copy->lambda_scaling;
  char *name = copy->name, *provenance = copy->provenance;
  *copy = *model;
  copy->atoms = atoms;
  copy->free_atoms = free_atoms;
  copy->lambda_scaling = scaling;
  g_free (name);
  g_free (provenance);
  copy->name = g_strdup (model->name);
  copy->provenance = g_strdup (model->provenance);
  gsize s = (gsize) model->atom_size * model->atom_size;
  memcpy (copy->atoms, model->atoms, sizeof (float) * model->n_atoms * s);
  memcpy (copy->free_atoms, model->free_atoms, sizeof (float) * model->n_free * s);
  memcpy (copy->lambda_scaling, model->lambda_scaling, sizeof (float) * model->n_atoms);
  return copy;
}

void
ts_model_free (TsModel *model)
{
  if (model == NULL)
    return;
  g_free (model->name);
  g_free (model->provenance);
  g_free (model->atoms);
  g_free (model->free_atoms);
  g_free (model->lambda_scaling);
  g_free (model);
}

const char *
ts_prox_type_name (TsProxType type)
{
  return type == TS_PROX_CPR ? "cpr" : "ncpr";
}

static gboolean
all_finite (const float *values, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (!isfinite (values[i]))
      return FALSE;
  return TRUE;
}

gboolean
ts_model_validate (const TsModel *model, const char *what, GError **error)
{
  g_return_val_if_fail (model != NULL, FALSE);
  gsize s = (gsize) model->atom_size * model->atom_size;
  const char *problem = NULL;

  if (model->atom_size < 3 || model->atom_size > 31 || model->atom_size % 2 == 0)
    problem = "atom size must be odd, between 3 and 31";
  else if (model->n_atoms < 1 || model->n_atoms > 4096)
    problem = "number of atoms must be between 1 and 4096";
  else if (model->n_free < 0 || (gsize) model->n_free + 1 >= s)
    problem = "number of free atoms must leave a penalised subspace";
  else if (model->prox_type != TS_PROX_CPR && model->prox_type != TS_PROX_NCPR)
    problem = "unknown prox type";
  else if (model->prox_type == TS_PROX_CPR && model->groupsize != 1 && model->groupsize != 2)
    problem = "CPR group size must be 1 or 2";
  else if (model->prox_type == TS_PROX_NCPR && !(model->order > 0.0 && model->order <= 8.0))
    problem = "NCPR order must be in (0, 8]";
  else if (!isfinite (model->beta) || !isfinite (model->lambda) || model->lambda < 0.0)
    problem = "beta and lambda must be finite, lambda non-negative";
  else if (!(model->tol >= 0.0) || !isfinite (model->sigma) || model->sigma < 0.0)
    problem = "tolerance and noise level must be non-negative";
  else if (!(model->step_scale > 0.0 && model->step_scale <= 10.0))
    problem = "the step scale must be in (0, 10]";
  else if (model->iterations < 0 || model->iterations > 100000)
    problem = "the iteration budget must be 0 (none) to 100000";
  else if (!all_finite (model->atoms, (gsize) model->n_atoms * s)
           || !all_finite (model->free_atoms, (gsize) model->n_free * s)
           || !all_finite (model->lambda_scaling, model->n_atoms))
    problem = "parameters contain NaN or Inf";

  if (problem != NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "%s: invalid model: %s", what, problem);
      return FALSE;
    }
  return TRUE;
}
