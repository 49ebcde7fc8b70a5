/* The Restoration group of the sidebar: task, noise level, model, simulation, MRI
 * acceleration and the advanced fields (beta, lambda, tolerance, iterations). */
#pragma once
#include <adwaita.h>
#include "ts-job.h"
#include "ts-model-chooser.h"

G_BEGIN_DECLS

#define TS_TYPE_PARAMS_GROUP (ts_params_group_get_type ())
G_DECLARE_FINAL_TYPE (TsParamsGroup, ts_params_group, TS, PARAMS_GROUP, AdwPreferencesGroup)

void            ts_params_group_set_task          (TsParamsGroup *self, TsTask task);
/* Sets the level by hand (turns "Estimate the noise level" off). */
void            ts_params_group_set_noise_level   (TsParamsGroup *self, double sigma);
double          ts_params_group_get_noise_level   (TsParamsGroup *self);
/* The opened picture's noise reading (ts_document_get_noise_reading; NULL for k-space; the
 * demo's has nothing read), and whether it has colour planes. The group plans from it (the
 * core's ts_restore_noise_plan_from_reading, never reading the picture): the estimated level
 * is shown beside the control and used while "Estimate the noise level" is on, the reading
 * per plane or channel below it, and the model row shows the model the run will use. When
 * the noise model chosen needs what the reading lacks, the group says so and emits
 * "noise-reading-needed" (int: the TsNoiseModel); set the completed reading again. */
void            ts_params_group_set_noise_reading (TsParamsGroup *self,
                                                   const TsNoiseReading *reading, gboolean colour);
/* The noise model chosen (AUTO: "Automatic"). */
TsNoiseModel    ts_params_group_get_noise_model   (TsParamsGroup *self);
/* The levels the last run's planes were solved at (NULL: none), shown under the reading. */
void            ts_params_group_set_noise_solved  (TsParamsGroup *self, const TsRestoreNoise *noise);
/* The noise model (AUTO: "Automatic", the default) and the strengths (default 1; NAN leaves
 * one as it is). */
void            ts_params_group_set_noise_model   (TsParamsGroup *self, TsNoiseModel model);
void            ts_params_group_set_strengths     (TsParamsGroup *self, double strength,
                                                   double chroma_strength);
/* The strengths as the controls show them. */
void            ts_params_group_get_strengths     (TsParamsGroup *self, double *strength,
                                                   double *chroma_strength);
/* What the control says about the estimate ("Estimated: 13.9"). */
const char     *ts_params_group_get_noise_estimate_text (TsParamsGroup *self);
/* What the reading row says (the reading, and the levels solved at after a run), or NULL
 * when it is hidden. */
const char     *ts_params_group_get_noise_reading_text (TsParamsGroup *self);
void            ts_params_group_set_simulate      (TsParamsGroup *self, gboolean simulate);
void            ts_params_group_set_max_iter      (TsParamsGroup *self, int max_iter);
void            ts_params_group_set_tolerance     (TsParamsGroup *self, double tol);
/* A scan of several slices (a fastMRI .h5): the Slice row, 0 to n_slices - 1, at `slice`;
 * hidden for fewer than 2. Moving it emits "slice-changed" (int slice); this call does not. */
void            ts_params_group_set_slices        (TsParamsGroup *self, int n_slices, int slice);
/* The model row (its noise level follows the group's; denoising, its model the run's for
 * the luminance: ts_model_chooser_set_noise_plan). */
TsModelChooser *ts_params_group_get_model_chooser (TsParamsGroup *self);
/* SR, MRI: the preset chosen in the menu, or NULL for Custom. */
const char     *ts_params_group_get_preset        (TsParamsGroup *self);
/* Chooses the preset `name` in the menu when the model has it for the task. */
void            ts_params_group_select_preset     (TsParamsGroup *self, const char *name);
/* The parameters as the group has them, without the model, the data and the thread count;
 * an empty advanced field is NAN (the default). NULL, with that field marked and an error
 * for the user, when a field is not a non-negative number. */
TsJobParams    *ts_params_group_read              (TsParamsGroup *self, GError **error);

G_END_DECLS
