/* Cancel stress through the GUI's worker (issue 7): the TsRunner the window uses
 * (src/gui/ts-runner.c: a GTask thread running ts_job_run, throttled previews handed to the
 * main loop, a cancel flag) starts 100 restorations and cancels them at random moments:
 *
 *   - at once, before the first preview can exist;
 *   - after a random delay during which the main thread sleeps without iterating the main
 *     context (previews and the completion queue up meanwhile, and the worker must not hand
 *     them to any thread but the main loop's);
 *   - after a random delay during which the main context is iterated (previews delivered);
 *   - from inside the "preview" handler, at the 1st to 4th preview;
 *   - late: after the worker has finished, before its completion has been dispatched.
 *
 * Half of the time the next job starts immediately after the cancel, while the cancelled
 * one is still winding down (ts_runner_run_async supports it and cancels the previous run
 * itself); the cancelled job's queued previews and completion are then delivered while the
 * new one runs. Checked: every callback on the main thread; each job's completion arrives
 * exactly once and is either its result, the estimate it was stopped with (result->stopped)
 * or TS_ERROR_CANCELLED (never another error; a job
 * not cancelled always succeeds); no preview of a cancelled job, nor of any job but the
 * current one, is emitted (each job has its own image size, so a stale preview shows by its
 * texture size); "running" is FALSE when the current job's completion arrives; at the end
 * no run is active and the runner is finalised (no run state keeps it alive). Under
 * AddressSanitizer (CI's unit suite) the run must also be free of leaks and memory errors.
 *
 * No display is needed: the runner only builds GdkMemoryTextures, which need no GDK
 * display. */
#include <math.h>

#include "ts-runner.h"

#define N_JOBS 100
#define MAX_ITER 10

typedef enum {
  CANCEL_NOW,
  CANCEL_AFTER_SLEEP,
  CANCEL_AFTER_ITERATING,
  CANCEL_IN_PREVIEW,
  CANCEL_LATE,
  N_MODES
} CancelMode;

static const char *mode_names[N_MODES] = { "at once", "after a sleep", "while iterating",
                                           "in a preview", "late" };

typedef struct {
  int index;
  TsTask task;
  int size;              /* of the demo image */
  int out_width;         /* of the result and of every preview */
  gboolean cancelled;    /* ts_runner_cancel called while this job was current */
  gboolean done;         /* its completion callback has run */
  int cancel_at_preview; /* CANCEL_IN_PREVIEW: cancel at this preview (1-based) */
  int n_previews;
  int last_iteration;
  gboolean had_input;
  gboolean succeeded;
  gint64 started_us, finished_us;
} Job;

static GThread *main_thread;
static TsRunner *runner;
static Job *current;     /* the job started last */
static TsModel *model;
static int n_stale_completions;  /* completions of a job already replaced by the next */

static int
expected_width (TsTask task, int size)
{
  if (task == TS_TASK_SR)
    return ts_operator_sr_highres_side ((size - TS_SR_DEFAULT_KERNEL) / TS_SR_DEFAULT_STRIDE + 1,
                                        TS_SR_DEFAULT_KERNEL, TS_SR_DEFAULT_STRIDE);
  return size;
}

static void
on_preview (TsRunner *r, TsPreview *preview, gpointer user_data)
{
  Job *job = current;
  GPtrArray *pyramid = preview->estimate != NULL ? preview->estimate : preview->input;

  g_assert_true (g_thread_self () == main_thread);
  g_assert_true (r == runner);
  /* Only the current, live job's previews reach the window. */
  g_assert_nonnull (job);
  g_assert_false (job->done);
  g_assert_false (job->cancelled);
  g_assert_nonnull (pyramid);
  g_assert_cmpuint (pyramid->len, >, 0);
  g_assert_cmpint (gdk_texture_get_width (g_ptr_array_index (pyramid, 0)), ==, job->out_width);
  if (preview->input != NULL)
    {
      /* The input comes with the first preview, once. */
      g_assert_false (job->had_input);
      g_assert_cmpint (job->n_previews, ==, 0);
      job->had_input = TRUE;
      g_assert_cmpint (gdk_texture_get_width (g_ptr_array_index (preview->input, 0)), ==,
                       job->out_width);
    }
  else
    g_assert_true (job->had_input);
  g_assert_cmpint (preview->iteration, >=, job->last_iteration);
  g_assert_cmpint (preview->iteration, <=, MAX_ITER);
  job->last_iteration = preview->iteration;
  job->n_previews++;
  if (job->cancel_at_preview > 0 && job->n_previews == job->cancel_at_preview)
    {
      job->cancelled = TRUE;
      ts_runner_cancel (runner);
    }
}

static void
on_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Job *job = user_data;
  g_autoptr (GError) error = NULL;
  TsRunExtras extras = { 0 };
  TsJobResult *result;

  g_assert_true (g_thread_self () == main_thread);
  g_assert_true (TS_RUNNER (source) == runner);
  g_assert_false (job->done);
  job->done = TRUE;
  job->finished_us = g_get_monotonic_time ();
  /* The runner's state is updated before the caller hears of the end. */
  if (job == current)
    g_assert_false (ts_runner_get_running (runner));
  else
    {
      g_assert_true (job->cancelled);
      n_stale_completions++;
    }
  result = ts_runner_run_finish (runner, res, &extras, &error);
  if (result != NULL)
    {
      /* Finished before the cancel reached it (or never cancelled), or stopped by it with
       * the estimate so far. */
      g_assert_no_error (error);
      g_assert_cmpint (result->result->width, ==, job->out_width);
      if (result->stopped)
        {
          g_assert_true (job->cancelled);
          g_assert_cmpint (result->stats.iterations, <=, MAX_ITER);
        }
      else
        g_assert_cmpint (result->stats.iterations, ==, MAX_ITER);
      g_assert_nonnull (extras.result);
      g_assert_cmpint (gdk_texture_get_width (g_ptr_array_index (extras.result, 0)), ==, job->out_width);
      for (gsize i = 0; i < ts_image_n_values (result->result); i++)
        g_assert_true (isfinite (result->result->data[i]));
      /* A stopped run ended by the cancel: counted as cancelled. */
      job->succeeded = !result->stopped;
      ts_job_result_free (result);
      ts_run_extras_clear (&extras);
    }
  else
    {
      /* A cancelled run reports cancellation, never an error to show in a dialog. */
      g_assert_error (error, TS_ERROR, TS_ERROR_CANCELLED);
      g_assert_true (job->cancelled);
      g_assert_null (extras.result);
      g_assert_null (extras.points);
    }
}

static Job *
start_job (int index, TsTask task, int size)
{
  Job *job = g_new0 (Job, 1);
  TsJobParams *params = g_new0 (TsJobParams, 1);

  job->index = index;
  job->task = task;
  job->size = size;
  job->out_width = expected_width (task, size);
  job->last_iteration = 0;
  /* As ts_window_run fills them: a resolved model, a copy of the document, simulation. */
  params->task = task;
  params->sigma = 25.0;
  params->model_spec = g_strdup ("dct");
  params->model = ts_model_copy (model);
  params->beta = params->lambda = NAN;
  params->tol = 0.0;           /* a fixed amount of work per job */
  params->max_iter = MAX_ITER;
  params->threads = 2;
  params->simulate = TRUE;
  params->acceleration = 4;
  params->source = ts_demo_image_new (size, size);
  job->started_us = g_get_monotonic_time ();
  current = job;
  ts_runner_run_async (runner, params, on_done, job);
  g_assert_true (ts_runner_get_running (runner));
  return job;
}

static void
cancel_job (Job *job)
{
  /* Only the current job can be cancelled: a replaced one was cancelled when replaced. */
  g_assert_true (job == current);
  if (!job->done)
    job->cancelled = TRUE;
  ts_runner_cancel (runner);
}

static gboolean
on_deadline (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main context until *flag is set or `ms` milliseconds have passed (ms < 0:
 * no time limit). */
static void
iterate_until (const gboolean *flag, int ms)
{
  gboolean timed_out = FALSE;
  guint id = ms >= 0 ? g_timeout_add (ms, on_deadline, &timed_out) : 0;

  while (!*flag && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out && id != 0)
    g_source_remove (id);
}

static void
drain_main_context (void)
{
  while (ts_runner_get_n_active () > 0)
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

static void
test_runner_cancel_stress (void)
{
  static const TsTask tasks[] = { TS_TASK_DENOISE, TS_TASK_DENOISE, TS_TASK_SR, TS_TASK_DENOISE,
                                  TS_TASK_MRI };
  static const int sizes[] = { 64, 56, 48, 40 };
  g_autoptr (GPtrArray) jobs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GRand) rand = g_rand_new_with_seed (20261126);
  gint64 job_us[3] = { G_MAXINT64, G_MAXINT64, G_MAXINT64 }, t0;
  int n_mode[N_MODES] = { 0 }, n_cancelled_mode[N_MODES] = { 0 }, n_restart = 0;
  int n_succeeded = 0, n_cancelled = 0, n_previews = 0, width[2] = { 0, 0 };
  gpointer weak = NULL;

  main_thread = g_thread_self ();
  model = ts_model_new_dct (25.0);
  runner = ts_runner_new ();
  weak = runner;
  g_object_add_weak_pointer (G_OBJECT (runner), &weak);
  /* As often as the throttle allows: every iteration whose predecessor has been shown. */
  ts_runner_set_preview_rate (runner, 1000.0);
  g_signal_connect (runner, "preview", G_CALLBACK (on_preview), NULL);

  /* How long an uncancelled 64 x 64 job of each task takes, start to completion, with the
   * main loop running: the faster of two (the first pays for FFTW plans and thread
   * start-up). */
  for (int i = 0; i < 6; i++)
    {
      TsTask task = (TsTask) (i / 2);
      Job *job = start_job (-1, task, 64);
      g_ptr_array_add (jobs, job);
      iterate_until (&job->done, -1);
      g_assert_true (job->succeeded);
      g_assert_true (job->had_input);
      /* At least the input's (queued before the completion, so delivered first). */
      g_assert_cmpint (job->n_previews, >=, 1);
      job_us[task] = MIN (job_us[task], job->finished_us - job->started_us);
    }
  g_test_message ("uncancelled jobs: denoise %.1f ms, super-resolution %.1f ms, MRI %.1f ms",
                  job_us[TS_TASK_DENOISE] / 1e3, job_us[TS_TASK_SR] / 1e3, job_us[TS_TASK_MRI] / 1e3);

  t0 = g_get_monotonic_time ();
  for (int i = 0; i < N_JOBS; i++)
    {
      TsTask task = tasks[g_rand_int_range (rand, 0, G_N_ELEMENTS (tasks))];
      int size = sizes[g_rand_int_range (rand, 0, G_N_ELEMENTS (sizes))];
      CancelMode mode = (CancelMode) (i % N_MODES);
      /* A random moment between the start and a quarter past the uncancelled length. */
      int delay_ms = (int) (g_rand_double (rand) * 1.25 * job_us[task] / 1000.0);
      gboolean restart = g_rand_boolean (rand) && i + 1 < N_JOBS;
      Job *job;

      /* Each job's size differs from the two before it, so that a stale preview (of a
       * job the next one or two have replaced) shows by its size. */
      while (expected_width (task, size) == width[0] || expected_width (task, size) == width[1])
        size = size == 64 ? 40 : size + 8;
      width[1] = width[0];
      width[0] = expected_width (task, size);
      job = start_job (i, task, size);
      g_ptr_array_add (jobs, job);
      n_mode[mode]++;
      switch (mode)
        {
        case CANCEL_NOW:
          cancel_job (job);
          break;
        case CANCEL_AFTER_SLEEP:
          g_usleep ((gulong) delay_ms * 1000);
          cancel_job (job);
          break;
        case CANCEL_AFTER_ITERATING:
          iterate_until (&job->done, delay_ms);
          cancel_job (job);
          break;
        case CANCEL_IN_PREVIEW:
          job->cancel_at_preview = g_rand_int_range (rand, 1, 5);
          iterate_until (&job->done, -1);
          if (!job->cancelled)
            cancel_job (job);   /* fewer previews than that: cancel after the end, a no-op */
          break;
        case CANCEL_LATE:
          /* The worker has most likely finished; its completion is queued, not dispatched. */
          g_usleep ((gulong) (1.5 * job_us[task]));
          cancel_job (job);
          break;
        default:
          g_assert_not_reached ();
        }
      if (restart)
        n_restart++;   /* the next job starts now, over this one's queued messages */
      else
        iterate_until (&job->done, -1);
    }
  drain_main_context ();

  for (guint i = 0; i < jobs->len; i++)
    {
      Job *job = jobs->pdata[i];
      g_assert_true (job->done);
      if (job->index < 0)
        continue;
      n_previews += job->n_previews;
      if (job->succeeded)
        n_succeeded++;
      else
        {
          n_cancelled++;
          n_cancelled_mode[job->index % N_MODES]++;
        }
    }
  g_test_message ("%d jobs in %.1f s: %d cancelled, %d finished first; %d previews; %d started "
                  "over a cancelled one, %d completions arrived after the next job started",
                  N_JOBS, (g_get_monotonic_time () - t0) / 1e6, n_cancelled, n_succeeded,
                  n_previews, n_restart, n_stale_completions);
  for (int m = 0; m < N_MODES; m++)
    g_test_message ("  cancelled %s: %d of %d ended cancelled", mode_names[m],
                    n_cancelled_mode[m], n_mode[m]);
  g_assert_cmpint (n_succeeded + n_cancelled, ==, N_JOBS);
  /* Cancelled before the worker could get past the set-up: always cancelled. */
  g_assert_cmpint (n_cancelled_mode[CANCEL_NOW], ==, n_mode[CANCEL_NOW]);
  g_assert_cmpint (ts_runner_get_n_active (), ==, 0);
  g_assert_false (ts_runner_get_running (runner));

  /* Nothing else holds the runner: every run state and queued preview has been released.
   * GTask's pool thread drops its own reference to a finished task (which holds the runner
   * as its source object) just after queuing the completion, so on a loaded machine that
   * last release can come after the completion has run here: wait for it, a few seconds at
   * most (a real leak never releases). */
  g_clear_object (&runner);
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (g_atomic_pointer_get (&weak) != NULL && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_null (g_atomic_pointer_get (&weak));
  g_clear_pointer (&model, ts_model_free);
  current = NULL;
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gui/runner/cancel-stress", test_runner_cancel_stress);
  return g_test_run ();
}
