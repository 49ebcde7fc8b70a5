/* The main window: the document, the parameters, runs and their previews, the life cycle.
 * The actions and their dialogs are in ts-window-actions.c. */
#include "ts-window-private.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

G_DEFINE_FINAL_TYPE (TsWindow, ts_window, ADW_TYPE_APPLICATION_WINDOW)

guint _ts_window_signals[TS_WINDOW_N_SIGNALS];

/* --- messages ------------------------------------------------------------------------ */

void
_ts_window_toast (TsWindow *self, const char *message)
{
  AdwToast *t = adw_toast_new (message);

  adw_toast_set_timeout (t, 4);
  adw_toast_overlay_add_toast (self->toast_overlay, t);
}

void
_ts_window_error_dialog (TsWindow *self, const char *heading, const char *body)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

const char *
_ts_window_document_name (TsWindow *self)
{
  return self->document != NULL ? ts_document_get_display_name (self->document)
                                : _("the demo image");
}

/* --- models -------------------------------------------------------------------------- */

void
_ts_window_update_atoms (TsWindow *self)
{
  g_autoptr (GError) error = NULL;
  const TsModel *model;

  if (!self->atoms_stale)
    return;
  model = ts_model_chooser_get_model (self->model_chooser, &error);
  if (model == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not load the model: %s"), error->message);
      _ts_window_toast (self, message);
      return;
    }
  self->atoms_stale = FALSE;
  ts_atoms_view_set_model (self->atoms_view, model, NAN);
  if (self->result != NULL && self->result->model != NULL
      && self->result->model->n_atoms == model->n_atoms
      && g_strcmp0 (self->result->model->name, model->name) == 0)
    ts_atoms_view_set_solutions (self->atoms_view, self->result->solutions);
  else
    ts_atoms_view_set_solutions (self->atoms_view, NULL);
}

static void
on_model_changed (TsWindow *self)
{
  self->atoms_stale = TRUE;
  if (g_strcmp0 (adw_view_stack_get_visible_child_name (self->stack), "atoms") == 0)
    _ts_window_update_atoms (self);
}

gboolean
ts_window_set_model (TsWindow *self, const char *spec, GError **error)
{
  g_return_val_if_fail (TS_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (spec != NULL, FALSE);
  return ts_model_chooser_select (self->model_chooser, spec, error);
}

static void
on_default_model_changed (TsWindow *self)
{
  g_autofree char *spec = g_settings_get_string (self->settings, "default-model");
  g_autoptr (GError) error = NULL;

  if (spec[0] != '\0' && !ts_window_set_model (self, spec, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Default model %s is unusable: %s"), spec,
                                                  error->message);
      _ts_window_toast (self, message);
    }
}

/* --- pages -------------------------------------------------------------------------- */

static void
on_page_changed (TsWindow *self)
{
  if (g_strcmp0 (adw_view_stack_get_visible_child_name (self->stack), "atoms") == 0)
    _ts_window_update_atoms (self);
}

void
ts_window_show_page (TsWindow *self, const char *name)
{
  g_return_if_fail (TS_IS_WINDOW (self));
  adw_view_stack_set_visible_child_name (self->stack, name);
}

void
ts_window_select_atom (TsWindow *self, int index)
{
  g_return_if_fail (TS_IS_WINDOW (self));
  _ts_window_update_atoms (self);
  ts_atoms_view_select_atom (self->atoms_view, index);
}

/* --- the document -------------------------------------------------------------------- */

void
_ts_window_set_document (TsWindow *self, TsDocument *document)
{
  const char *display_name = ts_document_get_display_name (document);
  g_autofree char *summary = ts_document_dup_summary (document);
  int width, height;

  g_set_object (&self->document, document);
  self->document_serial++;
  /* A run of the previous document is of no use any more. */
  ts_runner_cancel (self->runner);
  g_clear_pointer (&self->result, ts_job_result_free);
  g_clear_pointer (&self->result_key, g_free);
  g_clear_pointer (&self->live_image, ts_image_free);
  ts_run_extras_clear (&self->shown);
  ts_atoms_view_set_solutions (self->atoms_view, NULL);

  ts_progress_view_clear (self->progress_view);
  ts_document_get_view_size (document, &width, &height);
  ts_restore_page_set_document (self->restore_page, ts_document_get_view_pyramid (document),
                                width, height, summary);
  adw_view_switcher_title_set_subtitle (self->switcher_title, display_name);
  gtk_window_set_title (GTK_WINDOW (self), display_name);
  const TsImage *image = ts_document_get_image (document);
  ts_params_group_set_noise_solved (self->params_group, NULL);
  ts_params_group_set_noise_reading (self->params_group, ts_document_get_noise_reading (document),
                                     image != NULL && ts_colour_channels (image) >= 3);
  ts_params_group_set_slices (self->params_group, ts_document_get_n_slices (document),
                              ts_document_get_slice (document));
  if (ts_document_get_kspace (document) != NULL)
    {
      ts_window_set_task (self, TS_TASK_MRI);
      ts_window_set_simulate (self, FALSE);
    }
  ts_progress_view_set_status (self->progress_view, _("Press Run to restore."));
  g_signal_emit (self, _ts_window_signals[TS_WINDOW_SIGNAL_DOCUMENT_CHANGED], 0);
}

static void
on_noise_read (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (TsWindow) self = user_data;
  TsDocument *document = TS_DOCUMENT (source);
  g_autoptr (GError) error = NULL;
  gboolean ok = ts_document_read_noise_finish (document, res, &error);

  if (self->disposed)
    return;
  if (self->reading_noise == document)
    self->reading_noise = NULL;
  if (!ok)
    g_warning ("%s", error->message);
  else if (document == self->document)
    {
      const TsImage *image = ts_document_get_image (document);
      ts_params_group_set_noise_reading (self->params_group,
                                         ts_document_get_noise_reading (document),
                                         image != NULL && ts_colour_channels (image) >= 3);
    }
}

/* The noise model chosen needs more of the picture's noise than was read when it opened (it
 * was read for Gaussian noise): read the rest on a thread, once. */
static void
on_noise_reading_needed (TsWindow *self, int model)
{
  if (self->document == NULL || self->reading_noise == self->document)
    return;
  self->reading_noise = self->document;
  ts_document_read_noise_async (self->document, model, NULL, on_noise_read, g_object_ref (self));
}

/* Another slice of the opened scan: read it as a new document of the same file. */
static void
on_slice_changed (TsWindow *self, int slice)
{
  GFile *file = self->document != NULL ? ts_document_get_file (self->document) : NULL;

  if (file != NULL && ts_document_get_n_slices (self->document) > 0
      && slice != ts_document_get_slice (self->document))
    _ts_window_load_slice (self, file, NULL, slice);
}

void
ts_window_open_file (TsWindow *self, GFile *file)
{
  g_return_if_fail (TS_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));
  _ts_window_load (self, file, NULL);
}

void
ts_window_open_demo (TsWindow *self, int size)
{
  g_autoptr (TsDocument) document = NULL;

  g_return_if_fail (TS_IS_WINDOW (self));
  document = ts_document_new_demo (size);
  if (document == NULL)
    {
      _ts_window_toast (self, _("Could not draw the demo image"));
      return;
    }
  _ts_window_set_document (self, document);
  ts_window_set_simulate (self, TRUE);
}

/* --- parameters ---------------------------------------------------------------------- */

void
ts_window_set_task (TsWindow *self, TsTask task)
{
  g_return_if_fail (TS_IS_WINDOW (self));
  ts_params_group_set_task (self->params_group, task);
}

void
ts_window_set_noise_level (TsWindow *self, double sigma)
{
  g_return_if_fail (TS_IS_WINDOW (self));
  ts_params_group_set_noise_level (self->params_group, sigma);
}

void
ts_window_set_noise_model (TsWindow *self, TsNoiseModel model)
{
  g_return_if_fail (TS_IS_WINDOW (self));
  ts_params_group_set_noise_model (self->params_group, model);
}

void
ts_window_set_strengths (TsWindow *self, double strength, double chroma_strength)
{
  g_return_if_fail (TS_IS_WINDOW (self));
  ts_params_group_set_strengths (self->params_group, strength, chroma_strength);
}

void
ts_window_set_simulate (TsWindow *self, gboolean simulate)
{
  g_return_if_fail (TS_IS_WINDOW (self));
  ts_params_group_set_simulate (self->params_group, simulate);
}

void
ts_window_set_max_iter (TsWindow *self, int max_iter)
{
  g_return_if_fail (TS_IS_WINDOW (self));
  ts_params_group_set_max_iter (self->params_group, max_iter);
}

void
ts_window_set_tolerance (TsWindow *self, double tol)
{
  g_return_if_fail (TS_IS_WINDOW (self));
  ts_params_group_set_tolerance (self->params_group, tol);
}

/* --- running ------------------------------------------------------------------------- */

static TsKspace *
kspace_copy (const TsKspace *k)
{
  TsKspace *copy = ts_kspace_new (k->width, k->height, NULL);

  if (copy == NULL)
    return NULL;
  memcpy (copy->data, k->data, sizeof (float) * 2 * k->width * k->height);
  memcpy (copy->mask, k->mask, sizeof (float) * k->width * k->height);
  return copy;
}

static void
set_running_ui (TsWindow *self, gboolean running)
{
  gtk_stack_set_visible_child_name (self->run_stack, running ? "cancel" : "run");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.run", !running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel", running);
}

static void
on_preview (TsWindow *self, TsPreview *preview)
{
  /* A run of a document replaced since is being cancelled: nothing of it is shown. */
  if (self->running_serial != self->document_serial)
    return;
  ts_restore_page_show_preview (self->restore_page, preview);
  if (preview->image != NULL)
    {
      g_clear_pointer (&self->live_image, ts_image_free);
      self->live_image = g_steal_pointer (&preview->image);
      self->live_iteration = preview->iteration;
    }
  if (preview->n_tiles > 0)
    {
      self->live_tiled = TRUE;
      if (preview->estimate != NULL && self->n_tile_previews++ == 0)
        self->first_tile_seconds = (g_get_monotonic_time () - self->run_started_us) / 1e6;
      g_debug ("tile %d of %d%s shown after %.2f s", preview->tile, preview->n_tiles,
               preview->tile_done ? " (done)" : "", (g_get_monotonic_time () - self->run_started_us) / 1e6);
    }
  ts_progress_view_show_preview (self->progress_view, preview);
}

/* A run that gave no result: the panels go back to the last result (what Save writes), or
 * to the input alone. */
static void
show_failure (TsWindow *self, const GError *error)
{
  ts_restore_page_show_failure (self->restore_page, &self->shown);
  if (self->cancelled)
    {
      ts_progress_view_set_status (self->progress_view, _("Cancelled."));
      _ts_window_toast (self, _("Cancelled"));
    }
  else
    {
      g_autofree char *heading = g_strdup_printf (_("Could not restore %s"), _ts_window_document_name (self));
      ts_progress_view_set_status (self->progress_view, error->message);
      _ts_window_error_dialog (self, heading, error->message);
    }
}

static void
on_run_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (TsWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  TsRunExtras extras = { 0 };
  TsJobResult *result;

  result = ts_runner_run_finish (TS_RUNNER (source), res, &extras, &error);
  if (self->disposed)
    {
      ts_job_result_free (result);
      ts_run_extras_clear (&extras);
      return;
    }
  set_running_ui (self, FALSE);
  g_clear_pointer (&self->live_image, ts_image_free);
  self->live_tiled = FALSE;
  self->cancelled = result != NULL ? result->stopped
                                   : g_error_matches (error, TS_ERROR, TS_ERROR_CANCELLED);
  if (self->running_serial != self->document_serial)
    {
      /* Opening another document cancelled this run; its panels are already cleared. */
      ts_job_result_free (result);
      ts_run_extras_clear (&extras);
      ts_progress_view_set_status (self->progress_view, _("Press Run to restore."));
      g_signal_emit (self, _ts_window_signals[TS_WINDOW_SIGNAL_RUN_FINISHED], 0, FALSE);
      return;
    }
  if (result == NULL)
    {
      show_failure (self, error);
      g_signal_emit (self, _ts_window_signals[TS_WINDOW_SIGNAL_RUN_FINISHED], 0, FALSE);
      return;
    }

  ts_restore_page_show_result (self->restore_page, &extras);
  ts_restore_page_set_cost_scale (self->restore_page, result->cost_max);
  g_clear_pointer (&extras.points, g_array_unref);
  ts_run_extras_clear (&self->shown);
  self->shown = extras;

  g_clear_pointer (&self->result, ts_job_result_free);
  self->result = result;
  g_free (self->result_key);
  self->result_key = g_steal_pointer (&self->running_key);
  ts_progress_view_show_result (self->progress_view, result);
  ts_params_group_set_noise_solved (self->params_group, result->has_noise ? &result->noise : NULL);
  if (result->stopped)
    _ts_window_toast (self, _("Stopped: the estimate so far is kept, not converged"));

  /* The atoms page follows the model that produced the result. */
  ts_atoms_view_set_model (self->atoms_view, result->model, NAN);
  ts_atoms_view_set_solutions (self->atoms_view, result->solutions);
  self->atoms_stale = FALSE;
  g_signal_emit (self, _ts_window_signals[TS_WINDOW_SIGNAL_RUN_FINISHED], 0, TRUE);
}

/* The parameters as the sidebar and the preferences have them; NULL (with a toast) when a
 * field is unusable. */
static TsJobParams *
read_params (TsWindow *self)
{
  g_autoptr (GError) error = NULL;
  TsJobParams *params = ts_params_group_read (self->params_group, &error);
  double settings_tol;

  if (params == NULL)
    {
      _ts_window_toast (self, error->message);
      return NULL;
    }
  params->threads = g_settings_get_int (self->settings, "threads");
  /* An empty Advanced field: the preference, where 0 also runs every iteration, unless it
   * says to use the model's (the job's default for NAN). */
  settings_tol = g_settings_get_double (self->settings, "tolerance");
  if (isnan (params->tol) && !g_settings_get_boolean (self->settings, "use-model-tolerance"))
    params->tol = settings_tol;
  return params;
}

gboolean
ts_window_run (TsWindow *self)
{
  g_autoptr (TsJobParams) params = NULL;
  g_autoptr (GError) error = NULL;
  const TsModel *model;
  const TsImage *source;
  const TsKspace *kspace;
  double tol;
  TsTask task;

  g_return_val_if_fail (TS_IS_WINDOW (self), FALSE);
  if (ts_runner_get_running (self->runner))
    return FALSE;
  if (self->document == NULL)
    {
      _ts_window_toast (self, _("Open an image first"));
      return FALSE;
    }
  params = read_params (self);
  if (params == NULL)
    return FALSE;
  task = params->task;

  model = ts_model_chooser_get_model (self->model_chooser, &error);
  if (model == NULL)
    {
      g_autofree char *heading = g_strdup_printf (_("Could not load the model %s"),
                                                  ts_model_chooser_get_spec (self->model_chooser));
      _ts_window_error_dialog (self, heading, error->message);
      return FALSE;
    }
  params->model_spec = g_strdup (ts_model_chooser_get_spec (self->model_chooser));
  /* A denoising's models are the run's, for each plane: chosen at the level it is solved at,
   * or the spec's with its threshold scaled by the plane's strength (ts-job.h); `model` is
   * the luminance's already (ts_model_chooser_set_noise_plan). */
  if (task != TS_TASK_DENOISE)
    params->model = ts_model_copy (model);
  source = ts_document_get_image (self->document);
  kspace = ts_document_get_kspace (self->document);
  if (kspace != NULL && !params->simulate)
    {
      params->kspace = kspace_copy (kspace);
      /* A fastMRI scan's own acceleration and contrast choose the task's parameters. */
      ts_document_get_scan_info (self->document, &params->kspace_acceleration,
                                 &params->fat_suppressed);
      /* Its ground truth, if the file has one: PSNR and SSIM on the central part it covers. */
      const TsImage *truth = ts_document_get_truth (self->document, &params->truth_name);
      if (truth != NULL)
        params->truth = ts_image_copy (truth);
    }
  if (source != NULL)
    params->source = ts_image_copy (source);
  /* The picture's noise as read when it opened: the run does not read it again. */
  const TsNoiseReading *reading = ts_document_get_noise_reading (self->document);
  if (source != NULL && reading != NULL)
    {
      params->has_noise_reading = TRUE;
      params->noise_reading = *reading;
    }

  /* A warm start needs the same grid: the same document, task and simulation. */
  g_free (self->running_key);
  self->running_key = g_strdup_printf ("%u/%d/%d/%d", self->document_serial, task, params->simulate,
                                       task == TS_TASK_MRI ? params->acceleration : 0);
  if (self->result != NULL && g_strcmp0 (self->result_key, self->running_key) == 0)
    params->warm = g_ptr_array_ref (self->result->solutions);

  tol = !isnan (params->tol) ? params->tol : ts_restore_default_tol (task, model);
  int max_iter = params->max_iter;
  if (ts_restore_cap_for_model (task, model, params->tol, max_iter) == 0)
    {
      /* A model trained for a budget runs its iterations (the job does the same). */
      tol = 0.0;
      max_iter = model->iterations;
    }
  ts_restore_page_start_run (self->restore_page, task, tol);
  ts_progress_view_start (self->progress_view, tol, max_iter);
  /* A large picture solves the part the result panel shows first. */
  params->region = ts_restore_page_get_visible_region (self->restore_page,
                                                       source != NULL ? source->width : 0,
                                                       source != NULL ? source->height : 0);
  self->running_serial = self->document_serial;
  self->run_started_us = g_get_monotonic_time ();
  self->live_tiled = FALSE;
  self->first_tile_seconds = NAN;
  self->n_tile_previews = 0;
  ts_runner_set_preview_rate (self->runner, g_settings_get_double (self->settings, "preview-rate"));
  set_running_ui (self, TRUE);
  ts_runner_run_async (self->runner, g_steal_pointer (&params), on_run_done, g_object_ref (self));
  return TRUE;
}

/* --- for the self-test --------------------------------------------------------------- */

guint
ts_window_get_n_previews_drawn (TsWindow *self)
{
  g_return_val_if_fail (TS_IS_WINDOW (self), 0);
  return ts_restore_page_get_n_previews_drawn (self->restore_page);
}

double
ts_window_get_first_tile_seconds (TsWindow *self)
{
  g_return_val_if_fail (TS_IS_WINDOW (self), NAN);
  return self->first_tile_seconds;
}

const char *
ts_window_get_noise_estimate_text (TsWindow *self)
{
  g_return_val_if_fail (TS_IS_WINDOW (self), NULL);
  return ts_params_group_get_noise_estimate_text (self->params_group);
}

double
ts_window_get_noise_level (TsWindow *self)
{
  g_return_val_if_fail (TS_IS_WINDOW (self), NAN);
  return ts_params_group_get_noise_level (self->params_group);
}

TsRestorePage *
ts_window_get_restore_page (TsWindow *self)
{
  g_return_val_if_fail (TS_IS_WINDOW (self), NULL);
  return self->restore_page;
}

TsAtomsView *
ts_window_get_atoms_view (TsWindow *self)
{
  g_return_val_if_fail (TS_IS_WINDOW (self), NULL);
  return self->atoms_view;
}

TsParamsGroup *
ts_window_get_params_group (TsWindow *self)
{
  g_return_val_if_fail (TS_IS_WINDOW (self), NULL);
  return self->params_group;
}

TsProgressView *
ts_window_get_progress_view (TsWindow *self)
{
  g_return_val_if_fail (TS_IS_WINDOW (self), NULL);
  return self->progress_view;
}

gboolean
ts_window_lists_recent (TsWindow *self, GFile *file)
{
  g_return_val_if_fail (TS_IS_WINDOW (self), FALSE);
  return ts_recent_files_contains (self->recent_files, file);
}

gboolean
ts_window_get_cancelled (TsWindow *self)
{
  g_return_val_if_fail (TS_IS_WINDOW (self), FALSE);
  return self->cancelled;
}

const TsJobResult *
ts_window_get_result (TsWindow *self)
{
  g_return_val_if_fail (TS_IS_WINDOW (self), NULL);
  return self->result;
}

/* --- life cycle ---------------------------------------------------------------------- */

static gboolean
ts_window_close_request (GtkWindow *window)
{
  TsWindow *self = TS_WINDOW (window);
  int width, height;

  ts_runner_cancel (self->runner);
  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  return GTK_WINDOW_CLASS (ts_window_parent_class)->close_request (window);
}

static gboolean
on_drop (GtkDropTarget *target, const GValue *value, double x, double y, gpointer user_data)
{
  TsWindow *self = user_data;
  GSList *files;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = g_value_get_boxed (value);
  if (files == NULL)
    return FALSE;
  ts_window_open_file (self, files->data);
  return TRUE;
}

TsWindow *
ts_window_new (GtkApplication *application, GSettings *settings)
{
  TsWindow *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  self = g_object_new (TS_TYPE_WINDOW, "application", application, NULL);
  self->settings = g_object_ref (settings);
  gtk_window_set_default_size (GTK_WINDOW (self), g_settings_get_int (settings, "window-width"),
                               g_settings_get_int (settings, "window-height"));
  if (g_settings_get_boolean (settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  ts_model_chooser_set_settings (self->model_chooser, settings);
  g_signal_connect_swapped (settings, "changed::default-model", G_CALLBACK (on_default_model_changed), self);
  on_default_model_changed (self);
  return self;
}

static void
ts_window_dispose (GObject *object)
{
  TsWindow *self = TS_WINDOW (object);

  self->disposed = TRUE;
  if (self->runner != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->runner, self);
      ts_runner_cancel (self->runner);
    }
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->recent_files);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  self->model_chooser = NULL;
  gtk_widget_dispose_template (GTK_WIDGET (self), TS_TYPE_WINDOW);
  G_OBJECT_CLASS (ts_window_parent_class)->dispose (object);
}

static void
ts_window_finalize (GObject *object)
{
  TsWindow *self = TS_WINDOW (object);

  g_clear_object (&self->runner);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->document);
  g_clear_pointer (&self->result, ts_job_result_free);
  g_clear_pointer (&self->live_image, ts_image_free);
  ts_run_extras_clear (&self->shown);
  g_free (self->result_key);
  g_free (self->running_key);
  G_OBJECT_CLASS (ts_window_parent_class)->finalize (object);
}

static void
ts_window_class_init (TsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = ts_window_dispose;
  object_class->finalize = ts_window_finalize;
  window_class->close_request = ts_window_close_request;

  _ts_window_signals[TS_WINDOW_SIGNAL_RUN_FINISHED] = g_signal_new ("run-finished", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
  _ts_window_signals[TS_WINDOW_SIGNAL_DOCUMENT_CHANGED] = g_signal_new ("document-changed", G_TYPE_FROM_CLASS (klass),
                                                   G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                   G_TYPE_NONE, 0);
  _ts_window_signals[TS_WINDOW_SIGNAL_SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass),
                                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                  G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_BOOLEAN,
                                                  G_TYPE_BOOLEAN);

  g_type_ensure (TS_TYPE_ATOMS_VIEW);
  g_type_ensure (TS_TYPE_PARAMS_GROUP);
  g_type_ensure (TS_TYPE_PROGRESS_VIEW);
  g_type_ensure (TS_TYPE_RESTORE_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/tessera/Tessera/ui/ts-window.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, TsWindow, name)
  BIND (toast_overlay);
  BIND (switcher_title);
  BIND (stack);
  BIND (run_stack);
  BIND (params_group);
  BIND (progress_view);
  BIND (restore_page);
  BIND (atoms_view);
  BIND (recent_menu);
#undef BIND

  _ts_window_class_actions_init (klass);
}

static void
ts_window_init (TsWindow *self)
{
  GtkDropTarget *drop;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->atoms_stale = TRUE;
  self->first_tile_seconds = NAN;

  self->runner = ts_runner_new ();
  g_signal_connect_swapped (self->runner, "preview", G_CALLBACK (on_preview), self);
  set_running_ui (self, FALSE);

  self->model_chooser = ts_params_group_get_model_chooser (self->params_group);
  g_signal_connect_swapped (self->params_group, "slice-changed", G_CALLBACK (on_slice_changed), self);
  g_signal_connect_swapped (self->params_group, "noise-reading-needed",
                            G_CALLBACK (on_noise_reading_needed), self);
  g_signal_connect_swapped (self->model_chooser, "changed", G_CALLBACK (on_model_changed), self);
  g_signal_connect_swapped (self->stack, "notify::visible-child-name", G_CALLBACK (on_page_changed), self);

  self->recent_files = ts_recent_files_new (self->recent_menu);

  drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (drop, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
}
