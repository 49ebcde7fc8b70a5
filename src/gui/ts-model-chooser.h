/* The model menu: automatic, the built-in DCT model, the installed models, and models
 * imported from files (remembered in GSettings). Resolves the chosen one for the noise
 * level and keeps it. */
#pragma once
#include <adwaita.h>
#include "tessera.h"

G_BEGIN_DECLS

#define TS_TYPE_MODEL_CHOOSER (ts_model_chooser_get_type ())
G_DECLARE_FINAL_TYPE (TsModelChooser, ts_model_chooser, TS, MODEL_CHOOSER, AdwComboRow)

/* Lists the imported models remembered in `settings` ("imported-models"). */
void           ts_model_chooser_set_settings    (TsModelChooser *self, GSettings *settings);
void           ts_model_chooser_set_noise_level (TsModelChooser *self, double sigma);
double         ts_model_chooser_get_noise_level (TsModelChooser *self);
/* "auto", "dct", an installed model's name, or a .tsm file / reference folder. */
const char    *ts_model_chooser_get_spec        (TsModelChooser *self);
/* Selects `spec`, adding it to the menu when it is new (and loads then, to fail early). */
gboolean       ts_model_chooser_select          (TsModelChooser *self, const char *spec,
                                                 GError **error);
/* Lists `path`, a model just saved in the user's folder (ts_model_user_dir), as the menu
 * lists that folder's models, and selects it. */
void           ts_model_chooser_add_user_model  (TsModelChooser *self, const char *path);
/* Lists the imported file `path` in later sessions too. */
void           ts_model_chooser_remember        (TsModelChooser *self, const char *path);
/* Denoising: the noise the run will plan (ts_job_plan_noise: the level each plane is solved
 * at, strength included), or NULL (other tasks, or no picture read). With it the chosen model
 * is the one the run solves the luminance (or gray) plane with (ts_job_plane_model: a model
 * chosen by the level chosen at that plane's level, any other with its threshold scaled by the
 * strength); without it, the chosen model at the noise level. The row's subtitle names the
 * model a spec chosen by the level ("auto", "dct") picks. */
void           ts_model_chooser_set_noise_plan  (TsModelChooser *self, const TsRestoreNoise *plan);
/* The chosen model (see ts_model_chooser_set_noise_plan), resolved on the main thread (models
 * are small) and kept until the choice, the level or the plan changes it. */
const TsModel *ts_model_chooser_get_model       (TsModelChooser *self, GError **error);
/* The model kept from the last ts_model_chooser_get_model, or NULL. */
const TsModel *ts_model_chooser_peek_model      (TsModelChooser *self);

/* ::changed: the selection or the noise level changed, so the model may have. */

G_END_DECLS
