/* The main window: controls on the left, the five panels and the convergence plot (or the
 * atoms page) on the right. */
#pragma once
#include <adwaita.h>
#include "ts-atoms-view.h"
#include "ts-job.h"
#include "ts-params-group.h"
#include "ts-progress-view.h"
#include "ts-restore-page.h"

G_BEGIN_DECLS

#define TS_TYPE_WINDOW (ts_window_get_type ())
G_DECLARE_FINAL_TYPE (TsWindow, ts_window, TS, WINDOW, AdwApplicationWindow)

TsWindow          *ts_window_new               (GtkApplication *application, GSettings *settings);
void               ts_window_open_file         (TsWindow *self, GFile *file);
void               ts_window_open_demo         (TsWindow *self, int size);
void               ts_window_set_task          (TsWindow *self, TsTask task);
void               ts_window_set_noise_level   (TsWindow *self, double sigma);
void               ts_window_set_simulate      (TsWindow *self, gboolean simulate);
/* Denoising: the noise model while the level is read from the picture (AUTO: "Automatic"),
 * and the strengths on the level of every plane and of the colour planes (0.25 to 4; NAN
 * leaves one as it is). */
void               ts_window_set_noise_model   (TsWindow *self, TsNoiseModel model);
void               ts_window_set_strengths     (TsWindow *self, double strength,
                                                double chroma_strength);
void               ts_window_set_max_iter      (TsWindow *self, int max_iter);
void               ts_window_set_tolerance     (TsWindow *self, double tol);
/* "auto", "dct", an installed model's name, or a .tsm file / reference folder. */
gboolean           ts_window_set_model         (TsWindow *self, const char *spec, GError **error);
/* ::document-changed is emitted when an opened file (loaded on a thread) or the demo image
 * becomes the input. */
/* Starts a run (FALSE with a toast if the parameters are not usable). Emits ::run-finished
 * (gboolean success) when it ends. */
gboolean           ts_window_run               (TsWindow *self);
/* Writes a panel ("input", "result", "smooth", "sparse", "cost"; NULL: the atoms grid) as
 * the window shows it to `path` on a thread (bit_depth 0: the format's default;
 * jpeg_quality for .jpg / .jpeg names, 0: the default), as Save does after its dialog.
 * During a run the result is the estimate on screen. Emits ::saved (const char *path,
 * gboolean ok, gboolean partial: an estimate of a stopped or unfinished run was written)
 * when done; FALSE (with a toast or a dialog, no signal) when there is nothing to save. */
gboolean           ts_window_save_panel        (TsWindow *self, const char *panel, const char *path,
                                                int bit_depth, int jpeg_quality);
void               ts_window_show_page         (TsWindow *self, const char *name);
void               ts_window_select_atom       (TsWindow *self, int index);
/* For the self-test. */
guint              ts_window_get_n_previews_drawn (TsWindow *self);
const TsJobResult *ts_window_get_result        (TsWindow *self);
/* TRUE when the last run ended by cancellation (Stop: its estimate is then the result,
 * result->stopped). */
gboolean           ts_window_get_cancelled     (TsWindow *self);
/* Seconds from Run to the first tile preview of the last run (a large picture), or NAN. */
double             ts_window_get_first_tile_seconds (TsWindow *self);
/* What the noise control says about the opened picture's estimate, and the level in use. */
const char        *ts_window_get_noise_estimate_text (TsWindow *self);
double             ts_window_get_noise_level   (TsWindow *self);
/* The Restore page and the progress (for the self-test's checks of the views and the bar). */
TsRestorePage     *ts_window_get_restore_page  (TsWindow *self);
/* The Atoms page (for the self-test's checks of its orders). */
TsAtomsView       *ts_window_get_atoms_view    (TsWindow *self);
/* The sidebar's Restoration group (its Advanced settings' Tune…, the model and preset menus). */
TsParamsGroup     *ts_window_get_params_group  (TsWindow *self);
TsProgressView    *ts_window_get_progress_view (TsWindow *self);
/* TRUE when the Open button's recent files menu lists `file`. */
gboolean           ts_window_lists_recent      (TsWindow *self, GFile *file);

G_END_DECLS
