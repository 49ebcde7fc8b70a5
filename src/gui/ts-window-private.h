/* TsWindow's instance and the API its files share: ts-window.c (document, parameters,
 * runs, life cycle) and ts-window-actions.c (the win.* actions and their dialogs). */
#pragma once
#include "ts-window.h"

#include "ts-atoms-view.h"
#include "ts-document.h"
#include "ts-model-chooser.h"
#include "ts-params-group.h"
#include "ts-progress-view.h"
#include "ts-recent-files.h"
#include "ts-restore-page.h"
#include "ts-runner.h"

G_BEGIN_DECLS

#define TS_WINDOW_DEMO_SIZE 256

struct _TsWindow {
  AdwApplicationWindow parent_instance;

  /* template */
  AdwToastOverlay *toast_overlay;
  AdwViewSwitcherTitle *switcher_title;
  AdwViewStack *stack;
  GtkStack *run_stack;
  TsParamsGroup *params_group;
  TsProgressView *progress_view;
  TsRestorePage *restore_page;
  TsAtomsView *atoms_view;
  GMenu *recent_menu;

  TsModelChooser *model_chooser; /* in params_group */
  GSettings *settings;
  TsRecentFiles *recent_files;
  TsRunner *runner;
  GCancellable *cancellable;   /* loads and saves; cancelled when the window goes */
  gboolean disposed;           /* a run, load or save may finish after the window is gone */

  /* The opened document, and a count of them: what a run and a warm start belong to. */
  TsDocument *document;
  guint document_serial;
  gboolean atoms_stale;        /* the atoms page does not show the chosen model yet */
  TsDocument *reading_noise;   /* a document whose noise is being read more of (not a ref) */

  /* The last run. */
  TsJobResult *result;
  TsRunExtras shown;           /* its panels' textures, restored when a later run fails */
  char *result_key;            /* what a warm start must match */
  char *running_key;
  gboolean cancelled;          /* the last run ended by cancellation */
  TsImage *live_image;         /* during a run: the estimate on screen (the last preview's) */
  int live_iteration;          /* ... and its iteration */
  gboolean live_tiled;         /* the run shows tiles: no float estimate comes with them */
  guint running_serial;        /* document_serial when the run started */
  gint64 run_started_us;
  double first_tile_seconds;   /* the first tile preview of the last run, or NAN */
  guint n_tile_previews;
};

enum { TS_WINDOW_SIGNAL_RUN_FINISHED, TS_WINDOW_SIGNAL_DOCUMENT_CHANGED, TS_WINDOW_SIGNAL_SAVED,
       TS_WINDOW_N_SIGNALS };
extern guint _ts_window_signals[TS_WINDOW_N_SIGNALS];

/* Messages: a toast for what needs no answer, a dialog for failures. */
void        _ts_window_toast               (TsWindow *self, const char *message);
void        _ts_window_error_dialog        (TsWindow *self, const char *heading, const char *body);
/* The opened document's name, for messages. */
const char *_ts_window_document_name       (TsWindow *self);
/* Makes `document` (loaded) the input: cancels the run, clears the panels. */
void        _ts_window_set_document        (TsWindow *self, TsDocument *document);
/* Loads `file` on a thread (k-space with `mask_path`, or the mask found beside it). */
void        _ts_window_load                (TsWindow *self, GFile *file, const char *mask_path);
/* Reads `file` as the new document; a fastMRI .h5 at `slice` (TS_FASTMRI_MIDDLE_SLICE: the
 * middle one). */
void        _ts_window_load_slice          (TsWindow *self, GFile *file, const char *mask_path,
                                            int slice);
void        _ts_window_update_atoms        (TsWindow *self);

/* ts-window-actions.c: installs the win.* actions on the class. */
void        _ts_window_class_actions_init  (TsWindowClass *klass);

G_END_DECLS
