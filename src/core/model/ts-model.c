/* Model parameters: allocation, copy, validation. */
#include "ts-model.h"
#include <math.h>
#include <string.h>

static void
preset_free (gpointer data)
{
  TsPreset *preset = data;
  g_free (preset->name);
  g_free (preset->note);
  g_free (preset);
}

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
  model->colour_form = TS_COLOUR_FORM_PLANES;
  model->chroma_weight = 1.0;
  model->beta = 1.0;
  model->lambda = 0.01;
  model->name = g_strdup ("unnamed");
  model->provenance = g_strdup ("");
  model->presets = g_ptr_array_new_with_free_func (preset_free);
  return model;
}

TsModel *
ts_model_copy (const TsModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);
  TsModel *copy = ts_model_new (model->n_atoms, model->n_free, model->atom_size);
  float *atoms = copy->atoms, *free_atoms = copy->free_atoms, *scaling = copy->lambda_scaling;
  char *name = copy->name, *provenance = copy->provenance;
  GPtrArray *presets = copy->presets;
  *copy = *model;
  copy->presets = presets;
  for (guint i = 0; i < model->presets->len; i++)
    {
      const TsPreset *p = g_ptr_array_index (model->presets, i);
      ts_model_set_preset (copy, p->name, p->beta, p->lambda, p->tol, p->max_iter, p->note, NULL);
    }
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
  g_clear_pointer (&model->presets, g_ptr_array_unref);
  g_free (model);
}

const char *
ts_prox_type_name (TsProxType type)
{
  return type == TS_PROX_CPR ? "cpr" : "ncpr";
}

const char *
ts_colour_form_name (TsColourForm form)
{
  return form == TS_COLOUR_FORM_JOINT ? "joint" : "planes";
}

gboolean
ts_colour_form_from_name (const char *name, TsColourForm *form)
{
  if (g_strcmp0 (name, "planes") == 0)
    *form = TS_COLOUR_FORM_PLANES;
  else if (g_strcmp0 (name, "joint") == 0)
    *form = TS_COLOUR_FORM_JOINT;
  else
    return FALSE;
  return TRUE;
}

gboolean
ts_preset_name_is_valid (const char *name)
{
  gsize len = name != NULL ? strlen (name) : 0;

  if (len == 0 || len > TS_PRESET_NAME_MAX)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_islower (name[i]) && !g_ascii_isdigit (name[i]) && strchr ("-_.", name[i]) == NULL)
      return FALSE;
  return TRUE;
}

const TsPreset *
ts_model_get_preset (const TsModel *model, const char *name)
{
  g_return_val_if_fail (model != NULL, NULL);
  for (guint i = 0; name != NULL && i < model->presets->len; i++)
    {
      const TsPreset *p = g_ptr_array_index (model->presets, i);
      if (strcmp (p->name, name) == 0)
        return p;
    }
  return NULL;
}

/* What is wrong with a preset's values, or NULL. */
static const char *
preset_problem (double beta, double lambda, double tol, int max_iter)
{
  if (!isfinite (beta) || !isfinite (lambda) || lambda < 0.0)
    return "beta and lambda must be finite, lambda non-negative";
  if (!isnan (tol) && !(tol >= 0.0 && isfinite (tol)))
    return "the tolerance must be non-negative";
  if (max_iter < 0 || max_iter > 1000000)
    return "the iteration cap must be 0 (the default) to 1000000";
  return NULL;
}

gboolean
ts_model_set_preset (TsModel *model, const char *name, double beta, double lambda, double tol,
                     int max_iter, const char *note, GError **error)
{
  g_return_val_if_fail (model != NULL, FALSE);
  const char *problem = preset_problem (beta, lambda, tol, max_iter);
  if (!ts_preset_name_is_valid (name))
    {
      g_autofree char *shown = g_strescape (name != NULL ? name : "", NULL);
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "invalid preset name '%.80s' (1 to %d characters of a-z, 0-9, '-', '_', '.')",
                   shown, TS_PRESET_NAME_MAX);
      return FALSE;
    }
  if (problem != NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "preset %s: %s", name, problem);
      return FALSE;
    }
  TsPreset *preset = (TsPreset *) ts_model_get_preset (model, name);
  if (preset == NULL)
    {
      preset = g_new0 (TsPreset, 1);
      preset->name = g_strdup (name);
      g_ptr_array_add (model->presets, preset);
    }
  preset->beta = beta;
  preset->lambda = lambda;
  preset->tol = tol;
  preset->max_iter = max_iter;
  /* `note` may be the preset's own. */
  char *old_note = preset->note;
  preset->note = g_strdup (note != NULL ? note : "");
  g_free (old_note);
  return TRUE;
}

const char **
ts_model_list_presets (const TsModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);
  const char **names = g_new0 (const char *, model->presets->len + 1);
  for (guint i = 0; i < model->presets->len; i++)
    names[i] = ((const TsPreset *) g_ptr_array_index (model->presets, i))->name;
  return names;
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
  else if (model->colour_form != TS_COLOUR_FORM_PLANES && model->colour_form != TS_COLOUR_FORM_JOINT)
    problem = "unknown colour form";
  else if (!(model->chroma_weight >= TS_CHROMA_WEIGHT_MIN
             && model->chroma_weight <= TS_CHROMA_WEIGHT_MAX))
    problem = "the chroma weight must be in [0.001, 1000]";
  else if (model->colour_form == TS_COLOUR_FORM_JOINT && model->prox_type == TS_PROX_CPR
           && model->groupsize != 1)
    problem = "the joint colour form groups the three planes: it needs CPR group size 1";
  else if (!all_finite (model->atoms, (gsize) model->n_atoms * s)
           || !all_finite (model->free_atoms, (gsize) model->n_free * s)
           || !all_finite (model->lambda_scaling, model->n_atoms))
    problem = "parameters contain NaN or Inf";
  for (guint i = 0; problem == NULL && i < model->presets->len; i++)
    {
      const TsPreset *p = g_ptr_array_index (model->presets, i);
      if (!ts_preset_name_is_valid (p->name))
        problem = "a preset has an invalid name";
      else
        problem = preset_problem (p->beta, p->lambda, p->tol, p->max_iter);
    }

  if (problem != NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "%s: invalid model: %s", what, problem);
      return FALSE;
    }
  return TRUE;
}
