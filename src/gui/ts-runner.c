/* The worker thread of a restoration and its previews. */
#include "ts-runner.h"

#include <math.h>
#include <string.h>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "ts-texture.h"

#define MIN_PREVIEW_RATE 5.0
/* The decomposition's panels during a run: at most once a second, and at most about a fifth
 * of the worker's time. */
#define DECOMPOSITION_INTERVAL_US G_USEC_PER_SEC

struct _TsRunner {
  GObject parent_instance;
  double preview_rate;
  guint run_id;
  gboolean running;
  struct _RunState *state;   /* the current run's, or NULL */
};

G_DEFINE_FINAL_TYPE (TsRunner, ts_runner, G_TYPE_OBJECT)

static guint n_active;   /* main thread only */

enum { PROP_0, PROP_RUNNING, N_PROPS };
enum { SIGNAL_PREVIEW, N_SIGNALS };
static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Shared by the worker and the queued previews (reference counted: a preview may be
 * delivered after the run ended). */
typedef struct _RunState {
  TsRunner *runner;          /* strong: released with the state */
  GMainContext *context;     /* the main loop's */
  guint run_id;
  gint cancel;               /* read by the solver every iteration */
  gint preview_pending;
  gint64 interval_us;
  gint64 last_preview_us;    /* worker only */
  gint64 last_build_us;      /* worker only: how long the last preview took to build */
  gint64 last_decomposition_us;   /* worker only: when the last decomposition was sent ... */
  gint64 decomposition_build_us;  /* ... and how long it took to build */
  gboolean no_decomposition;      /* worker only: the run has none before its end */
  GArray *points;            /* worker only, until handed over */
  gboolean input_sent;       /* worker only */
  GPtrArray *input;          /* worker only, until the first preview carries it */
  TsImage *truth;            /* worker only: the ground truth, for SSIM at previews */
  TsTextureCanvas *canvas;   /* worker only: a tiled run's picture as its previews show it */
  TsJobParams *params;
} RunState;

typedef struct {
  TsJobResult *result;
  TsRunExtras extras;
} RunOutput;

static void
run_state_clear (RunState *state)
{
  g_clear_object (&state->runner);
  g_clear_pointer (&state->context, g_main_context_unref);
  g_clear_pointer (&state->points, g_array_unref);
  g_clear_pointer (&state->input, g_ptr_array_unref);
  g_clear_pointer (&state->truth, ts_image_free);
  g_clear_pointer (&state->canvas, ts_texture_canvas_free);
  g_clear_pointer (&state->params, ts_job_params_free);
}

static void
run_state_unref (RunState *state)
{
  g_atomic_rc_box_release_full (state, (GDestroyNotify) run_state_clear);
}

void
ts_run_extras_clear (TsRunExtras *extras)
{
  g_clear_pointer (&extras->input, g_ptr_array_unref);
  g_clear_pointer (&extras->result, g_ptr_array_unref);
  g_clear_pointer (&extras->smooth, g_ptr_array_unref);
  g_clear_pointer (&extras->sparse, g_ptr_array_unref);
  g_clear_pointer (&extras->cost, g_ptr_array_unref);
  g_clear_pointer (&extras->points, g_array_unref);
}

static void
run_output_free (RunOutput *output)
{
  g_clear_pointer (&output->result, ts_job_result_free);
  ts_run_extras_clear (&output->extras);
  g_free (output);
}

typedef struct {
  RunState *state;
  TsPreview preview;
} PreviewMessage;

static void
preview_message_free (PreviewMessage *message)
{
  g_clear_pointer (&message->preview.input, g_ptr_array_unref);
  g_clear_pointer (&message->preview.estimate, g_ptr_array_unref);
  g_clear_pointer (&message->preview.image, ts_image_free);
  g_clear_pointer (&message->preview.points, g_array_unref);
  g_clear_pointer (&message->preview.smooth, g_ptr_array_unref);
  g_clear_pointer (&message->preview.sparse, g_ptr_array_unref);
  g_clear_pointer (&message->preview.cost, g_ptr_array_unref);
  g_atomic_int_set (&message->state->preview_pending, 0);
  run_state_unref (message->state);
  g_free (message);
}

static gboolean
deliver_preview (gpointer data)
{
  PreviewMessage *message = data;
  TsRunner *self = message->state->runner;

  /* A preview of a run that has been replaced or cancelled is dropped: once Cancel has
   * returned (main thread), nothing of that run is shown any more, though its messages
   * queued before the worker saw the flag are still delivered here. */
  if (self->run_id == message->state->run_id && self->running
      && !g_atomic_int_get (&message->state->cancel))
    g_signal_emit (self, signals[SIGNAL_PREVIEW], 0, &message->preview);
  return G_SOURCE_REMOVE;
}

/* Takes `estimate` and `image`. */
static void
send_preview (RunState *state, const TsPlotPoint *point, int channel, int n_channels,
              GPtrArray *estimate, TsImage *image, double ssim, PreviewMessage *message)
{
  g_autoptr (GSource) source = NULL;

  if (message == NULL)
    message = g_new0 (PreviewMessage, 1);

  message->state = g_atomic_rc_box_acquire (state);
  message->preview.input = g_steal_pointer (&state->input);
  message->preview.estimate = estimate;
  message->preview.image = image;
  message->preview.iteration = point != NULL ? point->iteration : 0;
  message->preview.change = point != NULL ? point->change : NAN;
  message->preview.psnr = point != NULL ? point->psnr : NAN;
  message->preview.ssim = ssim;
  message->preview.channel = channel;
  message->preview.n_channels = n_channels;
  message->preview.tile = point != NULL ? point->tile : 0;
  message->preview.n_tiles = point != NULL ? point->n_tiles : 0;
  message->preview.tile_done = point != NULL && point->tile_done;
  message->preview.points = g_steal_pointer (&state->points);
  state->points = g_array_new (FALSE, FALSE, sizeof (TsPlotPoint));
  g_atomic_int_set (&state->preview_pending, 1);
  state->last_preview_us = g_get_monotonic_time ();
  /* Always queued on the main context, never g_main_context_invoke_full: from a thread with
   * no thread-default context, that calls the function right here whenever it can acquire
   * the main context (whenever the main thread is not inside an iteration), so the signal
   * would be emitted, and the message freed, on the worker thread. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, deliver_preview, message, (GDestroyNotify) preview_message_free);
  g_source_set_static_name (source, "[tessera] run preview");
  g_source_attach (source, state->context);
}

static void
on_input_ready (const TsImage *input, const TsImage *truth, gpointer user_data)
{
  RunState *state = user_data;

  state->input = ts_texture_pyramid_new (input, TS_DISPLAY_CLAMP);
  if (truth != NULL)
    state->truth = ts_image_copy (truth);
  send_preview (state, NULL, 0, 1, NULL, NULL, NAN, NULL);
}

/* The smooth, sparse and cost panels' textures of the run so far, built here on the worker,
 * throttled: with every preview of a run that has them, at most once a second. Returns the
 * time it took, which the previews' own throttle leaves out. */
static gint64
add_decomposition (RunState *state, TsJobPreview *job_preview, const TsPlotPoint *point,
                   TsPreview *preview)
{
  g_autoptr (TsImage) smooth = NULL;
  g_autoptr (TsImage) sparse = NULL;
  g_autoptr (TsImage) cost = NULL;
  gint64 start = g_get_monotonic_time ();

  if (state->no_decomposition || point->n_tiles > 0
      || start - state->last_decomposition_us < MAX (DECOMPOSITION_INTERVAL_US,
                                                     4 * state->decomposition_build_us))
    return 0;
  if (!ts_job_preview_render_decomposition (job_preview, &smooth, &sparse, &cost))
    {
      /* Not for this run (super-resolution): no more attempts. */
      state->no_decomposition = TRUE;
      return g_get_monotonic_time () - start;
    }
  preview->smooth = ts_texture_pyramid_new (smooth, TS_DISPLAY_CLAMP);
  preview->sparse = ts_texture_pyramid_new (sparse, TS_DISPLAY_OFFSET);
  preview->cost = ts_texture_pyramid_new (cost, TS_DISPLAY_NORMALIZE);
  preview->cost_max = ts_job_cost_max (cost);
  state->last_decomposition_us = g_get_monotonic_time ();
  state->decomposition_build_us = state->last_decomposition_us - start;
  return state->decomposition_build_us;
}

/* A tiled run's preview: the whole picture rendered once, then only where tiles have changed
 * it (rendering and converting 12 MP for every preview was most of a one-iteration run). */
static GPtrArray *
tiled_pyramid (RunState *state, TsJobPreview *preview)
{
  g_autoptr (GArray) changes = ts_job_preview_take_changes (preview);

  if (state->canvas == NULL)
    {
      g_autoptr (TsImage) whole = ts_job_preview_render (preview);
      if (whole == NULL)
        return NULL;
      state->canvas = ts_texture_canvas_new (whole, TS_DISPLAY_CLAMP);
    }
  else
    for (guint i = 0; i < changes->len; i++)
      {
        const TsRect *rect = &g_array_index (changes, TsRect, i);
        g_autoptr (TsImage) part = ts_job_preview_render_region (preview, rect);
        if (part == NULL)
          {
            /* The change is lost: the next preview starts again from the whole picture. */
            g_clear_pointer (&state->canvas, ts_texture_canvas_free);
            return NULL;
          }
        ts_texture_canvas_update (state->canvas, part, rect->x, rect->y);
      }
  return state->canvas != NULL ? ts_texture_canvas_pyramid (state->canvas) : NULL;
}

static gboolean
on_iteration (const TsPlotPoint *point, int channel, int n_channels, TsJobPreview *preview,
              gpointer user_data)
{
  RunState *state = user_data;
  g_autoptr (TsImage) composite = NULL;
  GPtrArray *pyramid;
  gint64 now, interval = state->interval_us;
  double ssim = NAN;
  PreviewMessage *message;
  gint64 decomposition_us;

  if (!point->tile_done)
    g_array_append_val (state->points, *point);
  if (g_atomic_int_get (&state->cancel))
    return FALSE;
  now = g_get_monotonic_time ();
  /* A large picture's preview takes a while to build on this thread: at most about a fifth
   * of the time goes to them. */
  interval = MAX (interval, 4 * state->last_build_us);
  /* Throttled, and never queued behind a preview the main loop has not shown yet. */
  if (now - state->last_preview_us < interval || g_atomic_int_get (&state->preview_pending))
    return TRUE;
  /* The float estimate rides along for Save during the run, except for a tiled picture:
   * two more full-size copies of a 12 MP photo (this one and the window's) are 300 MB, and
   * Stop hands back its finished tiles anyway. */
  if (point->n_tiles > 0)
    {
      pyramid = tiled_pyramid (state, preview);
      if (pyramid == NULL)
        return TRUE;
    }
  else
    {
      composite = ts_job_preview_render (preview);
      if (composite == NULL)
        return TRUE;
      /* An opened fastMRI file's truth covers the picture's centre (ts_score_centred). SSIM
       * of a large (tiled) picture at every preview would cost more than the solve. */
      if (state->truth != NULL)
        (void) ts_score_centred (composite, state->truth, NULL, 0, NULL, &ssim, NULL);
      pyramid = ts_texture_pyramid_new (composite, TS_DISPLAY_CLAMP);
    }
  message = g_new0 (PreviewMessage, 1);
  decomposition_us = add_decomposition (state, preview, point, &message->preview);
  send_preview (state, point, channel, n_channels, pyramid, g_steal_pointer (&composite), ssim,
                message);
  state->last_build_us = g_get_monotonic_time () - now - decomposition_us;
  return TRUE;
}

static void
run_in_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  RunState *state = task_data;
  static const TsJobCallbacks callbacks = { on_input_ready, on_iteration };
  GError *error = NULL;
  TsJobResult *result;
  RunOutput *output;
#ifdef __linux__
  /* On Linux a thread's nice value is its own and the solver's threads inherit it: the
   * solve yields the CPU to the main loop on a busy machine. Restored before the pool
   * thread is reused. */
  pid_t tid = (pid_t) syscall (SYS_gettid);
  int old_nice = getpriority (PRIO_PROCESS, tid);
  setpriority (PRIO_PROCESS, tid, MIN (old_nice + 5, 19));
#endif

  result = ts_job_run (state->params, &callbacks, state, &state->cancel, &error);
#ifdef __linux__
  setpriority (PRIO_PROCESS, tid, old_nice);
#endif
  if (result == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  output = g_new0 (RunOutput, 1);
  output->result = result;
  output->extras.input = ts_texture_pyramid_new (result->input, TS_DISPLAY_CLAMP);
  output->extras.result = ts_texture_pyramid_new (result->result, TS_DISPLAY_CLAMP);
  /* A tiled run has no decomposition. */
  if (result->smooth != NULL)
    output->extras.smooth = ts_texture_pyramid_new (result->smooth, TS_DISPLAY_CLAMP);
  if (result->sparse != NULL)
    output->extras.sparse = ts_texture_pyramid_new (result->sparse, TS_DISPLAY_OFFSET);
  if (result->cost != NULL)
    output->extras.cost = ts_texture_pyramid_new (result->cost, TS_DISPLAY_NORMALIZE);
  output->extras.points = g_steal_pointer (&state->points);
  g_task_return_pointer (task, output, (GDestroyNotify) run_output_free);
}

static void
set_running (TsRunner *self, gboolean running)
{
  if (self->running == running)
    return;
  self->running = running;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

static void
on_task_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  TsRunner *self = TS_RUNNER (source);
  GTask *outer = user_data;
  RunState *state = g_task_get_task_data (G_TASK (result));

  n_active--;
  if (self->state == state)
    {
      self->state = NULL;
      set_running (self, FALSE);
    }
  g_task_return_pointer (outer, g_object_ref (result), g_object_unref);
  g_object_unref (outer);
}

void
ts_runner_run_async (TsRunner *self, TsJobParams *params, GAsyncReadyCallback callback,
                     gpointer user_data)
{
  g_autoptr (GTask) inner = NULL;
  GTask *outer;
  RunState *state;

  g_return_if_fail (TS_IS_RUNNER (self));
  g_return_if_fail (params != NULL);

  ts_runner_cancel (self);
  state = g_atomic_rc_box_new0 (RunState);
  state->runner = g_object_ref (self);
  state->context = g_main_context_ref_thread_default ();
  state->run_id = ++self->run_id;
  state->interval_us = (gint64) (1e6 / MAX (self->preview_rate, MIN_PREVIEW_RATE));
  state->points = g_array_new (FALSE, FALSE, sizeof (TsPlotPoint));
  state->params = params;
  self->state = state;

  /* The outer task is what the caller sees; the inner one runs the thread, so the runner's
   * state is updated before the caller's callback runs. */
  outer = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (outer, ts_runner_run_async);
  inner = g_task_new (self, NULL, on_task_done, outer);
  g_task_set_task_data (inner, state, (GDestroyNotify) run_state_unref);
  set_running (self, TRUE);
  n_active++;
  g_task_run_in_thread (inner, run_in_thread);
}

TsJobResult *
ts_runner_run_finish (TsRunner *self, GAsyncResult *result, TsRunExtras *extras, GError **error)
{
  g_autoptr (GAsyncResult) inner = NULL;
  RunOutput *output;
  TsJobResult *job_result;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  inner = g_task_propagate_pointer (G_TASK (result), NULL);
  output = g_task_propagate_pointer (G_TASK (inner), error);
  if (output == NULL)
    return NULL;
  job_result = g_steal_pointer (&output->result);
  if (extras != NULL)
    {
      *extras = output->extras;
      memset (&output->extras, 0, sizeof output->extras);
    }
  run_output_free (output);
  return job_result;
}

void
ts_runner_cancel (TsRunner *self)
{
  g_return_if_fail (TS_IS_RUNNER (self));
  if (self->state != NULL)
    g_atomic_int_set (&self->state->cancel, 1);
}

guint
ts_runner_get_n_active (void)
{
  return n_active;
}

gboolean
ts_runner_get_running (TsRunner *self)
{
  g_return_val_if_fail (TS_IS_RUNNER (self), FALSE);
  return self->running;
}

void
ts_runner_set_preview_rate (TsRunner *self, double per_second)
{
  g_return_if_fail (TS_IS_RUNNER (self));
  self->preview_rate = MAX (per_second, MIN_PREVIEW_RATE);
}

TsRunner *
ts_runner_new (void)
{
  return g_object_new (TS_TYPE_RUNNER, NULL);
}

static void
ts_runner_dispose (GObject *object)
{
  TsRunner *self = TS_RUNNER (object);

  if (self->state != NULL)
    g_atomic_int_set (&self->state->cancel, 1);
  G_OBJECT_CLASS (ts_runner_parent_class)->dispose (object);
}

static void
ts_runner_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TsRunner *self = TS_RUNNER (object);

  switch (prop_id)
    {
    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_runner_class_init (TsRunnerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ts_runner_dispose;
  object_class->get_property = ts_runner_get_property;

  properties[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS
                                                   | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* (TsPreview *): valid during the emission only. */
  signals[SIGNAL_PREVIEW] = g_signal_new ("preview", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
ts_runner_init (TsRunner *self)
{
  self->preview_rate = 10.0;
}
