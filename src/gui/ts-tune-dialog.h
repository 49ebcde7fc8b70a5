/* "Tune…" in the sidebar's Advanced settings: searches beta and lambda of the current task
 * (super-resolution or MRI) for the chosen model on a validation folder, off the main loop
 * (TsTuneRunner), with the progress and a Stop that keeps the best point so far, then saves
 * the tuned model as a new file in the user's model folder. */
#pragma once
#include <adwaita.h>
#include "tessera.h"
#include "ts-tune-runner.h"

G_BEGIN_DECLS

#define TS_TYPE_TUNE_DIALOG (ts_tune_dialog_get_type ())
G_DECLARE_FINAL_TYPE (TsTuneDialog, ts_tune_dialog, TS, TUNE_DIALOG, AdwWindow)

/* For `task` (TS_TASK_SR or TS_TASK_MRI) and the model `model_spec` as the model menu has it,
 * "auto" and "dct" resolved at `sigma`. */
TsTuneDialog *ts_tune_dialog_new        (GtkWindow *parent, TsTask task, const char *model_spec,
                                         double sigma);
/* The validation folder, as choosing it does. */
void          ts_tune_dialog_set_folder (TsTuneDialog *self, const char *folder);

/* The limits, as their fields set them (limit 0: every item). */
void          ts_tune_dialog_set_limits (TsTuneDialog *self, int limit, int max_evaluations,
                                         int max_iter);
/* What the header bar's buttons do: Tune (with a folder chosen), Stop (during the search:
 * the best point so far is kept), Save (with a result, under the name in its field). */
void          ts_tune_dialog_start      (TsTuneDialog *self);
void          ts_tune_dialog_stop       (TsTuneDialog *self);
void          ts_tune_dialog_save       (TsTuneDialog *self);
/* The search's runner (its ::progress), and its outcome once ::finished, or NULL. */
TsTuneRunner *ts_tune_dialog_get_runner  (TsTuneDialog *self);
const TsTuneOutcome *ts_tune_dialog_get_outcome (TsTuneDialog *self);

/* ::finished (): the search ended, with an outcome to save or not (an error was shown). */
/* ::saved (const char *path, const char *preset): the tuned model was written to `path`, a new
 * file in the user's model folder, with `preset`; the dialog then closes. */

G_END_DECLS
