/* Task hyper-parameters from the paper (RESULTS.md, "Task hyper-parameters"). */
#include "ts-task.h"
#include <math.h>

typedef struct {
  TsTask task;
  int acceleration;
  gboolean fat_suppressed;
  double ncpr_beta, ncpr_lambda;
  double cpr_beta, cpr_lambda;
} PaperDefaults;

static const PaperDefaults paper_defaults[] = {
  { TS_TASK_SR, 0, FALSE, 0.00258673, 0.000929068, 0.0389756, 5.2556e-05 },
  { TS_TASK_MRI, 8, FALSE, 0.0189763, 0.0013139, 0.480868, 0.000272627 },
  { TS_TASK_MRI, 8, TRUE, 0.011783, 0.00110485, 0.155902, 0.00025 },
  { TS_TASK_MRI, 16, FALSE, 0.000515129, 0.000602426, 0.311805, 0.00025 },
  { TS_TASK_MRI, 16, TRUE, 0.015, 0.001, 0.440958, 0.00025 },
};

gboolean
ts_task_paper_defaults (const TsModel *model, TsTask task, int acceleration, gboolean fat_suppressed,
                        double *beta, double *lambda)
{
  g_return_val_if_fail (model != NULL && beta != NULL && lambda != NULL, FALSE);
  if (task == TS_TASK_DENOISE || fabs (model->sigma - 25.0) > 1e-6 || model->n_atoms != 200
      || model->n_free != 120 || g_str_has_prefix (model->name, "dct"))
    return FALSE;
  if (task == TS_TASK_MRI)
    acceleration = acceleration >= 12 ? 16 : 8;
  for (gsize i = 0; i < G_N_ELEMENTS (paper_defaults); i++)
    {
      const PaperDefaults *d = &paper_defaults[i];
      if (d->task != task)
        continue;
      if (task == TS_TASK_MRI && (d->acceleration != acceleration || d->fat_suppressed != fat_suppressed))
        continue;
      gboolean ncpr = model->prox_type == TS_PROX_NCPR;
      *beta = ncpr ? d->ncpr_beta : d->cpr_beta;
      *lambda = ncpr ? d->ncpr_lambda : d->cpr_lambda;
      return TRUE;
    }
  return FALSE;
}

static const struct {
  TsTask task;
  int acceleration;
  gboolean fat_suppressed;
  const char *name;
} preset_names[] = {
  { TS_TASK_SR, 0, FALSE, "sr-x4" },
  { TS_TASK_MRI, 8, FALSE, "mri-acc8-pd" },
  { TS_TASK_MRI, 8, TRUE, "mri-acc8-pdfs" },
  { TS_TASK_MRI, 16, FALSE, "mri-acc16-pd" },
  { TS_TASK_MRI, 16, TRUE, "mri-acc16-pdfs" },
};

const char *
ts_task_preset_name (TsTask task, int acceleration, gboolean fat_suppressed)
{
  if (task == TS_TASK_DENOISE)
    return NULL;
  acceleration = task == TS_TASK_MRI ? (acceleration >= 12 ? 16 : 8) : 0;
  fat_suppressed = task == TS_TASK_MRI && fat_suppressed;
  for (gsize i = 0; i < G_N_ELEMENTS (preset_names); i++)
    if (preset_names[i].task == task && preset_names[i].acceleration == acceleration
        && preset_names[i].fat_suppressed == fat_suppressed)
      return preset_names[i].name;
  return NULL;
}

gboolean
ts_task_of_preset (const char *name, TsTask *task)
{
  for (gsize i = 0; name != NULL && i < G_N_ELEMENTS (preset_names); i++)
    if (g_strcmp0 (preset_names[i].name, name) == 0)
      {
        if (task != NULL)
          *task = preset_names[i].task;
        return TRUE;
      }
  return FALSE;
}

int
ts_model_group_size (const TsModel *model)
{
  return model->prox_type == TS_PROX_CPR && model->groupsize > 1 ? model->groupsize : 1;
}
