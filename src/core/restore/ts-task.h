/* The restoration tasks and the hyper-parameters the paper re-tuned for them. */
#pragma once
#include "ts-model.h"

G_BEGIN_DECLS

typedef enum {
  TS_TASK_DENOISE,
  TS_TASK_SR,
  TS_TASK_MRI,
} TsTask;

/* The paper's tolerance for super-resolution and MRI. */
#define TS_RECONSTRUCT_TOL 1e-5

/* (beta, lambda) the paper found on validation data for its sigma25 models (RESULTS.md):
 * SR x4, and MRI at acceleration 8 or 16 (other values round to the nearer of the two),
 * proton-density or fat-suppressed. FALSE, values untouched, for denoising and for any other
 * model (not 200 learned + 120 free atoms trained at sigma 25). */
gboolean ts_task_paper_defaults (const TsModel *model, TsTask task, int acceleration,
                                 gboolean fat_suppressed, double *beta, double *lambda);

/* What a request's `preset` may say to use no preset (the paper's values or the model's). */
#define TS_PRESET_NONE "none"

/* The name of the model preset (TsPreset) for `task`: "sr-x4"; "mri-acc8-pd",
 * "mri-acc8-pdfs", "mri-acc16-pd", "mri-acc16-pdfs" (acceleration rounded as for the paper's
 * values; 0 counts as 8). NULL for denoising. A static string. */
const char *ts_task_preset_name (TsTask task, int acceleration, gboolean fat_suppressed);
/* The task a preset name of ts_task_preset_name is for; FALSE for any other name. */
gboolean    ts_task_of_preset (const char *name, TsTask *task);

/* Side of the pixel groups the model's prox couples (2 for CPR groupsize 2, else 1):
 * images must have width and height divisible by it. */
int ts_model_group_size (const TsModel *model);

G_END_DECLS
