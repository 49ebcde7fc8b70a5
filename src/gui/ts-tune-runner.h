/* Tuning a task's beta and lambda (the core's ts_tune) as the window runs it: on a worker
 * thread (GTask), its progress handed to the main loop, Stop keeping the best point so far;
 * then the tuned model saved as a new file in the user's model folder, also off the main
 * loop. GIO only, no display: the Tune dialog's work, and what its test runs. */
#pragma once
#include <gio/gio.h>
#include "tessera.h"

G_BEGIN_DECLS

/* The command line's defaults (tessera-cli tune, ts_tune_options_init). */
#define TS_TUNE_DEFAULT_EVALUATIONS 16
#define TS_TUNE_DEFAULT_MAX_ITER 150

typedef struct {
  TsTask task;            /* TS_TASK_SR or TS_TASK_MRI */
  char *folder;           /* the validation folder */
  char *model_spec;       /* as the model menu has it: "auto", "dct", a name or a path */
  double sigma;           /* the noise level "auto" and "dct" are resolved for */
  int limit;              /* the first `limit` items of the folder; 0: all */
  int max_evaluations;    /* restorations of the whole folder */
  int max_iter;           /* iterations per restoration */
  int threads;            /* solver threads; 0: the default */
} TsTuneRequest;

void ts_tune_request_free (TsTuneRequest *request);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsTuneRequest, ts_tune_request_free)

/* Where a search is, as the main loop last heard. */
typedef struct {
  int evaluation;         /* the point being scored (1-based), or the last one scored */
  int max_evaluations;
  int scored;             /* points scored */
  int item, n_items;      /* the item of the point last restored (1-based), of how many */
  double best_psnr;       /* mean PSNR of the best point so far; NAN before the first */
  double best_beta, best_lambda;
} TsTuneStatus;

/* A finished (or stopped) search. */
typedef struct {
  TsModel *model;         /* the model read, with the tuned preset set in it */
  TsTuneResult result;
  int n_items;
  gboolean stopped;       /* Stop: the best point of those scored */
  char *suggested_name;   /* a file name (no folder, no .tsm) free in the user's folder */
} TsTuneOutcome;

void ts_tune_outcome_free (TsTuneOutcome *outcome);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsTuneOutcome, ts_tune_outcome_free)

#define TS_TYPE_TUNE_RUNNER (ts_tune_runner_get_type ())
G_DECLARE_FINAL_TYPE (TsTuneRunner, ts_tune_runner, TS, TUNE_RUNNER, GObject)

TsTuneRunner  *ts_tune_runner_new         (void);
gboolean       ts_tune_runner_get_running (TsTuneRunner *self);
void           ts_tune_runner_get_status  (TsTuneRunner *self, TsTuneStatus *status);
/* Takes `request`. Reads the folder and the model, then searches, all on a worker thread;
 * ::progress is emitted on the calling thread's main context. */
void           ts_tune_runner_run_async   (TsTuneRunner *self, TsTuneRequest *request,
                                           GAsyncReadyCallback callback, gpointer user_data);
/* The outcome: after Stop, the best so far (outcome->stopped); NULL with an error naming the
 * folder for an empty or unreadable one, or TS_ERROR_CANCELLED when stopped before a point
 * was scored. */
TsTuneOutcome *ts_tune_runner_run_finish  (TsTuneRunner *self, GAsyncResult *result,
                                           GError **error);
/* Stop: the search ends after the current restoration, keeping its best point. */
void           ts_tune_runner_stop        (TsTuneRunner *self);

/* ::progress (): the status changed (ts_tune_runner_get_status). */

/* Whether `name` can name a new model file: not empty, no '/', not starting with '.', at most
 * 100 bytes. */
gboolean       ts_tune_name_is_valid      (const char *name);
/* Writes a copy of `model` (atomically, ts_model_save) to `name`.tsm in the user's model
 * folder (ts_model_user_dir, made when missing), on a worker thread. It never replaces a
 * file: an existing name is an error (G_IO_ERROR_EXISTS), so neither an installed model nor
 * the model read is ever written over. */
void           ts_tune_save_async         (const TsModel *model, const char *name,
                                           GCancellable *cancellable,
                                           GAsyncReadyCallback callback, gpointer user_data);
/* The path written, or NULL. */
char          *ts_tune_save_finish        (GAsyncResult *result, GError **error);

G_END_DECLS
