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
/* The opened picture's estimated noise level (0-255; NAN: none), shown beside the control
 * and used while "Estimate the noise level" is on. */
void            ts_params_group_set_noise_estimate (TsParamsGroup *self, double estimate);
/* What the control says about the estimate ("Estimated: 13.9"). */
const char     *ts_params_group_get_noise_estimate_text (TsParamsGroup *self);
void            ts_params_group_set_simulate      (TsParamsGroup *self, gboolean simulate);
void            ts_params_group_set_max_iter      (TsParamsGroup *self, int max_iter);
void            ts_params_group_set_tolerance     (TsParamsGroup *self, double tol);
/* A scan of several slices (a fastMRI .h5): the Slice row, 0 to n_slices - 1, at `slice`;
 * hidden for fewer than 2. Moving it emits "slice-changed" (int slice); this call does not. */
void            ts_params_group_set_slices        (TsParamsGroup *self, int n_slices, int slice);
/* The model row (its noise level follows the group's). */
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
