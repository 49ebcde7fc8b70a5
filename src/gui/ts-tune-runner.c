/* The worker side of the Tune dialog: the core's search on a thread, its progress on the
 * main loop, the tuned model saved as a new file. */
#include "ts-tune-runner.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

struct _TsTuneRunner {
  GObject parent_instance;
  TsTuneStatus status;
  struct _TuneState *state;   /* the current search's, or NULL */
};

G_DEFINE_FINAL_TYPE (TsTuneRunner, ts_tune_runner, G_TYPE_OBJECT)

enum { SIGNAL_PROGRESS, N_SIGNALS };
static guint signals[N_SIGNALS];

void
ts_tune_request_free (TsTuneRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->folder);
  g_free (request->model_spec);
  g_free (request);
}

void
ts_tune_outcome_free (TsTuneOutcome *outcome)
{
  if (outcome == NULL)
    return;
  g_clear_pointer (&outcome->model, ts_model_free);
  g_free (outcome->suggested_name);
  g_free (outcome);
}

/* The GTask's data: the worker reads the request and the flag; the runner points at it while
 * the search runs (the task, holding the runner, outlives neither). */
typedef struct _TuneState {
  TsTuneRequest *request;
  GMainContext *context;
  TsTuneRunner *runner;       /* strong */
  gint stop;                  /* read by ts_tune between and during restorations */
  TsTuneStatus status;        /* worker only */
} TuneState;

static void
tune_state_free (TuneState *state)
{
  ts_tune_request_free (state->request);
  g_main_context_unref (state->context);
  g_object_unref (state->runner);
  g_free (state);
}

typedef struct {
  TsTuneRunner *runner;       /* strong */
  TsTuneStatus status;
} StatusMessage;

static void
status_message_free (StatusMessage *message)
{
  g_object_unref (message->runner);
  g_free (message);
}

static gboolean
deliver_status (gpointer user_data)
{
  StatusMessage *message = user_data;
  TsTuneRunner *self = message->runner;

  /* A message queued just before the search ended says nothing new. */
  if (self->state != NULL)
    {
      self->status = message->status;
      g_signal_emit (self, signals[SIGNAL_PROGRESS], 0);
    }
  return G_SOURCE_REMOVE;
}

/* Worker thread: a few events a second at most (one per restored item), each queued for the
 * main loop, never waited for. */
static gboolean
on_tune_progress (const TsTuneProgress *p, gpointer user_data)
{
  TuneState *state = user_data;
  StatusMessage *message;

  state->status.evaluation = p->evaluation;
  state->status.max_evaluations = p->max_evaluations;
  state->status.n_items = p->n_items;
  if (p->event == TS_TUNE_ITEM)
    state->status.item = p->item + 1;
  else
    {
      state->status.scored = p->evaluation;
      state->status.item = p->n_items;
      state->status.best_psnr = p->best_psnr;
      state->status.best_beta = p->best_beta;
      state->status.best_lambda = p->best_lambda;
    }
  message = g_new0 (StatusMessage, 1);
  message->runner = g_object_ref (state->runner);
  message->status = state->status;
  g_main_context_invoke_full (state->context, G_PRIORITY_DEFAULT, deliver_status, message,
                              (GDestroyNotify) status_message_free);
  return !g_atomic_int_get (&state->stop);
}

/* "ncpr-sigma25" for the installed model, "mine" for /path/mine.tsm, the model's name for
 * "auto" and "dct". */
static char *
model_stem (const char *spec, const TsModel *model)
{
  g_autofree char *base = NULL;

  if (g_strcmp0 (spec, "auto") == 0 || g_strcmp0 (spec, "dct") == 0)
    return g_strdup (model->name != NULL && model->name[0] != '\0' ? model->name : spec);
  base = g_path_get_basename (spec);
  if (g_str_has_suffix (base, ".tsm"))
    base[strlen (base) - 4] = '\0';
  return g_steal_pointer (&base);
}

/* "<model>-<preset>", then "-2", "-3", ... until no file of the user's folder has it. */
static char *
suggest_name (const char *spec, const TsModel *model, const char *preset)
{
  g_autofree char *stem = model_stem (spec, model);
  g_autofree char *folder = ts_model_user_dir ();
  g_autofree char *base = g_strdup_printf ("%s-%s", stem, preset);

  g_strdelimit (base, "/ ", '-');
  if (!ts_tune_name_is_valid (base))
    {
      g_free (base);
      base = g_strdup_printf ("tuned-%s", preset);
    }
  for (int n = 1; n < 1000; n++)
    {
      g_autofree char *name = n == 1 ? g_strdup (base) : g_strdup_printf ("%s-%d", base, n);
      g_autofree char *file = g_strconcat (name, ".tsm", NULL);
      g_autofree char *path = g_build_filename (folder, file, NULL);
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        return g_steal_pointer (&name);
    }
  return g_steal_pointer (&base);
}

static void
run_in_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  TuneState *state = task_data;
  const TsTuneRequest *request = state->request;
  g_autoptr (TsTuneSet) set = NULL;
  g_autoptr (TsModel) model = NULL;
  g_autoptr (TsTuneOutcome) outcome = NULL;
  g_autofree char *note = NULL;
  g_autofree char *describe = NULL;
  TsTuneOptions options;
  TsTuneResult result;
  GError *error = NULL;

  (void) source_object;
  (void) cancellable;
  set = ts_tune_set_load (request->task, request->folder, request->limit, 0, &error);
  if (set == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  model = ts_restore_resolve_model (request->model_spec, request->sigma, &note, &error);
  if (note != NULL)
    g_message ("%s", note);
  if (model == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  ts_tune_options_init (&options);
  options.max_evaluations = request->max_evaluations;
  options.max_iter = request->max_iter;
  options.threads = request->threads;
  state->status.max_evaluations = options.max_evaluations;
  state->status.n_items = (int) set->items->len;
  state->status.best_psnr = NAN;

  outcome = g_new0 (TsTuneOutcome, 1);
  if (!ts_tune (model, set, NULL, &options, on_tune_progress, state, &state->stop, &result, &error))
    {
      /* Stopped with a point scored: that best point is the outcome. */
      if (!g_error_matches (error, TS_ERROR, TS_ERROR_CANCELLED) || result.evaluations < 1
          || !isfinite (result.psnr))
        {
          g_task_return_error (task, error);
          return;
        }
      g_clear_error (&error);
      outcome->stopped = TRUE;
    }
  describe = ts_tune_describe (&result, set, request->folder, &options);
  if (!ts_model_set_preset (model, result.preset, result.beta, result.lambda, NAN, 0, describe,
                            &error))
    {
      g_task_return_error (task, error);
      return;
    }
  outcome->result = result;
  outcome->n_items = (int) set->items->len;
  outcome->suggested_name = suggest_name (request->model_spec, model, result.preset);
  outcome->model = g_steal_pointer (&model);
  g_task_return_pointer (task, g_steal_pointer (&outcome), (GDestroyNotify) ts_tune_outcome_free);
}

TsTuneRunner *
ts_tune_runner_new (void)
{
  return g_object_new (TS_TYPE_TUNE_RUNNER, NULL);
}

gboolean
ts_tune_runner_get_running (TsTuneRunner *self)
{
  g_return_val_if_fail (TS_IS_TUNE_RUNNER (self), FALSE);
  return self->state != NULL;
}

void
ts_tune_runner_get_status (TsTuneRunner *self, TsTuneStatus *status)
{
  g_return_if_fail (TS_IS_TUNE_RUNNER (self));
  g_return_if_fail (status != NULL);
  *status = self->status;
}

void
ts_tune_runner_run_async (TsTuneRunner *self, TsTuneRequest *request,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  TuneState *state;

  g_return_if_fail (TS_IS_TUNE_RUNNER (self));
  g_return_if_fail (request != NULL && request->folder != NULL && request->model_spec != NULL);
  g_return_if_fail (self->state == NULL);
  state = g_new0 (TuneState, 1);
  state->request = request;
  state->context = g_main_context_ref_thread_default ();
  state->runner = g_object_ref (self);
  memset (&self->status, 0, sizeof self->status);
  self->status.max_evaluations = request->max_evaluations;
  self->status.best_psnr = self->status.best_beta = self->status.best_lambda = NAN;
  state->status = self->status;
  self->state = state;
  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, ts_tune_runner_run_async);
  g_task_set_task_data (task, state, (GDestroyNotify) tune_state_free);
  g_task_run_in_thread (task, run_in_thread);
}

TsTuneOutcome *
ts_tune_runner_run_finish (TsTuneRunner *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (TS_IS_TUNE_RUNNER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  self->state = NULL;
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
ts_tune_runner_stop (TsTuneRunner *self)
{
  g_return_if_fail (TS_IS_TUNE_RUNNER (self));
  if (self->state != NULL)
    g_atomic_int_set (&self->state->stop, 1);
}

static void
ts_tune_runner_class_init (TsTuneRunnerClass *klass)
{
  signals[SIGNAL_PROGRESS] = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 0);
}

static void
ts_tune_runner_init (TsTuneRunner *self)
{
  self->status.best_psnr = self->status.best_beta = self->status.best_lambda = NAN;
}

/* --- saving ------------------------------------------------------------------------------- */

gboolean
ts_tune_name_is_valid (const char *name)
{
  return name != NULL && name[0] != '\0' && name[0] != '.' && strchr (name, '/') == NULL
         && strlen (name) <= 100 && g_utf8_validate (name, -1, NULL);
}

typedef struct {
  TsModel *model;
  char *name;
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_clear_pointer (&data->model, ts_model_free);
  g_free (data->name);
  g_free (data);
}

static void
save_in_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  SaveData *data = task_data;
  g_autofree char *folder = ts_model_user_dir ();
  g_autofree char *file = g_strconcat (data->name, ".tsm", NULL);
  g_autofree char *path = g_build_filename (folder, file, NULL);
  GError *error = NULL;

  (void) source_object;
  (void) cancellable;
  if (g_mkdir_with_parents (folder, 0755) != 0)
    {
      int saved = errno;
      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                               _("Cannot make the folder “%s”: %s"), folder, g_strerror (saved));
      return;
    }
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_EXISTS,
                               _("A model named “%s” already exists in %s: choose another name"),
                               data->name, folder);
      return;
    }
  if (!ts_model_save (data->model, path, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&path), g_free);
}

void
ts_tune_save_async (const TsModel *model, const char *name, GCancellable *cancellable,
                    GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  SaveData *data;

  g_return_if_fail (model != NULL);
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ts_tune_save_async);
  if (!ts_tune_name_is_valid (name))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                               _("“%s” cannot name a model file: use letters, digits and '-', "
                                 "without '/' or a leading '.'"), name != NULL ? name : "");
      return;
    }
  data = g_new0 (SaveData, 1);
  data->model = ts_model_copy (model);
  data->name = g_strdup (name);
  g_task_set_task_data (task, data, (GDestroyNotify) save_data_free);
  g_task_run_in_thread (task, save_in_thread);
}

char *
ts_tune_save_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
