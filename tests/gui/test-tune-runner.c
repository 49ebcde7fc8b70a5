/* The Tune dialog's work (src/gui/ts-tune-runner.c) without a display, on a tiny validation
 * folder written here (two 48 x 48 PNGs, the dct model): the search runs off the main loop
 * and reports its progress there; the tuned model is saved in the user's model folder (a
 * private XDG_DATA_HOME), loads back with the preset, and the model menu lists it; Stop keeps
 * the best point so far; an empty or unreadable folder is an error naming it. */
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include "ts-tune-runner.h"
#include "ts-model-list.h"
#include "test-model-util.h"

#define SIDE 48

static char *data_home;

/* A folder of `n` clean pictures. */
static char *
make_folder (int n)
{
  g_autoptr (GError) error = NULL;
  char *folder = g_dir_make_tmp ("tessera-tune-XXXXXX", &error);

  g_assert_no_error (error);
  for (int i = 0; i < n; i++)
    {
      g_autoptr (TsImage) image = ts_image_new (SIDE, SIDE, 1, NULL);
      g_autofree float *pixels = ts_test_picture (SIDE, SIDE, 0.0, 11 + i);
      g_autofree char *name = g_strdup_printf ("val%d.png", i);
      g_autofree char *path = g_build_filename (folder, name, NULL);
      memcpy (image->data, pixels, sizeof (float) * SIDE * SIDE);
      g_assert_true (ts_image_save (image, path, 8, &error));
      g_assert_no_error (error);
    }
  return folder;
}

static void
remove_folder (const char *folder)
{
  g_autoptr (GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (folder, name, NULL);
      g_remove (path);
    }
  g_rmdir (folder);
}

static TsTuneRequest *
request_new (const char *folder, int evaluations, int max_iter)
{
  TsTuneRequest *request = g_new0 (TsTuneRequest, 1);

  request->task = TS_TASK_SR;
  request->folder = g_strdup (folder);
  request->model_spec = g_strdup ("dct");
  request->sigma = 25.0;
  request->max_evaluations = evaluations;
  request->max_iter = max_iter;
  request->threads = 1;
  return request;
}

typedef struct {
  int n_progress;
  int last_scored;
  double best_seen;            /* the best PSNR the last progress said */
  gboolean best_went_down;
  int stop_after;              /* Stop once this many points are scored (0: never) */
  double best_at_stop;
  double first_psnr;           /* the first point's (the start's) */
  gboolean done;
  GAsyncResult *result;
} Watch;

static void
on_progress (TsTuneRunner *runner, Watch *watch)
{
  TsTuneStatus status;

  ts_tune_runner_get_status (runner, &status);
  /* Delivered on the main loop, during the search. */
  g_assert_true (ts_tune_runner_get_running (runner));
  watch->n_progress++;
  g_assert_cmpint (status.evaluation, >=, 1);
  g_assert_cmpint (status.evaluation, <=, status.max_evaluations);
  g_assert_cmpint (status.n_items, ==, 2);
  g_assert_cmpint (status.scored, >=, watch->last_scored);
  watch->last_scored = status.scored;
  if (status.scored > 0)
    {
      g_assert_true (isfinite (status.best_psnr));
      if (isfinite (watch->best_seen) && status.best_psnr < watch->best_seen)
        watch->best_went_down = TRUE;
      watch->best_seen = status.best_psnr;
      if (status.scored == 1)
        watch->first_psnr = status.best_psnr;
    }
  if (watch->stop_after > 0 && status.scored >= watch->stop_after && isnan (watch->best_at_stop))
    {
      watch->best_at_stop = status.best_psnr;
      ts_tune_runner_stop (runner);
    }
}

static void
on_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Watch *watch = user_data;

  (void) source;
  watch->result = g_object_ref (result);
  watch->done = TRUE;
}

/* Runs the search as the dialog does, the main loop turning meanwhile. */
static TsTuneOutcome *
run (TsTuneRequest *request, Watch *watch, GError **error)
{
  g_autoptr (TsTuneRunner) runner = ts_tune_runner_new ();
  TsTuneOutcome *outcome;

  watch->best_seen = watch->best_at_stop = watch->first_psnr = NAN;
  g_signal_connect (runner, "progress", G_CALLBACK (on_progress), watch);
  ts_tune_runner_run_async (runner, request, on_done, watch);
  g_assert_true (ts_tune_runner_get_running (runner));
  while (!watch->done)
    g_main_context_iteration (NULL, TRUE);
  outcome = ts_tune_runner_run_finish (runner, watch->result, error);
  g_assert_false (ts_tune_runner_get_running (runner));
  g_clear_object (&watch->result);
  return outcome;
}

static void
on_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  (void) source;
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static char *
save (const TsModel *model, const char *name, GError **error)
{
  GAsyncResult *result = NULL;
  char *path;

  ts_tune_save_async (model, name, NULL, on_saved, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  path = ts_tune_save_finish (result, error);
  g_object_unref (result);
  return path;
}

/* The saved file loads with the tuned preset, and the model menu lists it by its path. */
static void
check_saved (const char *path, const TsTuneOutcome *outcome)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *folder = ts_model_user_dir ();
  g_autoptr (TsModel) loaded = NULL;
  g_autoptr (GPtrArray) list = NULL;
  const TsPreset *preset;
  gboolean listed = FALSE;

  g_assert_true (g_str_has_prefix (path, folder));
  g_assert_true (g_str_has_prefix (folder, data_home));
  loaded = ts_model_load (path, &error);
  g_assert_no_error (error);
  preset = ts_model_get_preset (loaded, "sr-x4");
  g_assert_nonnull (preset);
  g_assert_cmpfloat_with_epsilon (preset->beta, outcome->result.beta, 1e-9 * outcome->result.beta);
  g_assert_cmpfloat_with_epsilon (preset->lambda, outcome->result.lambda,
                                  1e-9 * outcome->result.lambda);
  list = ts_model_list_new ();
  for (guint i = 0; i < list->len; i++)
    {
      const TsModelListEntry *entry = list->pdata[i];
      if (g_strcmp0 (entry->spec, path) == 0)
        {
          listed = TRUE;
          g_assert_nonnull (strstr (entry->title, outcome->suggested_name));
        }
    }
  g_assert_true (listed);
}

static void
test_tune_and_save (void)
{
  g_autofree char *folder = make_folder (2);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsTuneOutcome) outcome = NULL;
  g_autofree char *path = NULL;
  g_autofree char *again = NULL;
  Watch watch = { 0 };

  outcome = run (request_new (folder, 4, 10), &watch, &error);
  g_assert_no_error (error);
  g_assert_nonnull (outcome);
  g_assert_false (outcome->stopped);
  g_assert_cmpint (watch.n_progress, >=, 4);
  g_assert_cmpint (watch.last_scored, ==, outcome->result.evaluations);
  g_assert_cmpint (outcome->result.evaluations, <=, 4);
  g_assert_false (watch.best_went_down);
  g_assert_cmpfloat (outcome->result.psnr, ==, watch.best_seen);
  g_assert_cmpfloat (outcome->result.psnr, >=, outcome->result.start_psnr);
  g_assert_cmpfloat (outcome->result.start_psnr, ==, watch.first_psnr);
  g_assert_cmpstr (outcome->result.preset, ==, "sr-x4");
  g_assert_cmpint (outcome->n_items, ==, 2);
  g_assert_nonnull (ts_model_get_preset (outcome->model, "sr-x4"));

  path = save (outcome->model, outcome->suggested_name, &error);
  g_assert_no_error (error);
  check_saved (path, outcome);

  /* Never over an existing file: the same name again is refused and the file is kept. */
  again = save (outcome->model, outcome->suggested_name, &error);
  g_assert_null (again);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_null (save (outcome->model, "../escape", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME);
  remove_folder (folder);
}

static void
test_stop_keeps_best (void)
{
  g_autofree char *folder = make_folder (2);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsTuneOutcome) outcome = NULL;
  g_autofree char *path = NULL;
  Watch watch = { .stop_after = 1 };

  outcome = run (request_new (folder, 200, 10), &watch, &error);
  g_assert_no_error (error);
  g_assert_nonnull (outcome);
  g_assert_true (outcome->stopped);
  g_assert_cmpint (outcome->result.evaluations, >=, 1);
  g_assert_cmpint (outcome->result.evaluations, <, 200);
  g_assert_true (isfinite (outcome->result.psnr));
  /* The best so far: at least what the window showed when Stop was pressed. */
  g_assert_cmpfloat (outcome->result.psnr, >=, watch.best_at_stop);
  g_assert_cmpfloat (outcome->result.psnr, >=, outcome->result.start_psnr);
  g_assert_cmpfloat (outcome->result.start_psnr, ==, watch.first_psnr);
  /* A different name from the first test's file. */
  g_assert_nonnull (outcome->suggested_name);
  path = save (outcome->model, outcome->suggested_name, &error);
  g_assert_no_error (error);
  check_saved (path, outcome);
  remove_folder (folder);
}

static void
test_folder_errors (void)
{
  g_autofree char *empty = make_folder (0);
  g_autofree char *bad = make_folder (1);
  g_autofree char *bad_file = g_build_filename (bad, "broken.png", NULL);
  g_autoptr (GError) error = NULL;
  Watch watch = { 0 };

  g_assert_null (run (request_new (empty, 4, 10), &watch, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, empty));
  g_assert_cmpint (watch.n_progress, ==, 0);
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (bad_file, "not a PNG", -1, NULL));
  watch = (Watch) { 0 };
  g_assert_null (run (request_new (bad, 4, 10), &watch, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "broken.png"));
  remove_folder (empty);
  remove_folder (bad);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  int status;

  /* A private user data folder, before GLib reads it. */
  data_home = g_dir_make_tmp ("tessera-data-home-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tune-runner/tune-and-save", test_tune_and_save);
  g_test_add_func ("/tune-runner/stop-keeps-best", test_stop_keeps_best);
  g_test_add_func ("/tune-runner/folder-errors", test_folder_errors);
  status = g_test_run ();
  {
    g_autofree char *models = ts_model_user_dir ();
    g_autofree char *tessera = g_path_get_dirname (models);
    remove_folder (models);
    g_rmdir (tessera);
    g_rmdir (data_home);
  }
  g_free (data_home);
  return status;
}
