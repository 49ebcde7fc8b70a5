/* The Tune dialog. */
#include "ts-tune-dialog.h"

#include <math.h>
#include <glib/gi18n.h>


typedef enum {
  STATE_SETUP,       /* choosing the folder and the limits */
  STATE_RUNNING,
  STATE_DONE,        /* a result to save */
  STATE_SAVING,
} State;

struct _TsTuneDialog {
  AdwWindow parent_instance;

  /* template */
  AdwToastOverlay *toast_overlay;
  GtkButton *cancel_button;
  GtkButton *start_button;
  AdwPreferencesGroup *data_group;
  AdwActionRow *folder_row;
  GtkButton *folder_button;
  AdwPreferencesGroup *limits_group;
  GtkAdjustment *limit_adjustment;
  GtkAdjustment *evaluations_adjustment;
  GtkAdjustment *max_iter_adjustment;
  AdwPreferencesGroup *progress_group;
  GtkProgressBar *progress_bar;
  GtkLabel *status_label;
  GtkLabel *best_label;
  AdwPreferencesGroup *save_group;
  AdwEntryRow *name_row;

  TsTask task;
  char *model_spec;
  double sigma;
  char *folder;
  State state;
  gboolean closing;          /* closed during a run: its result is dropped */
  TsTuneRunner *runner;
  TsTuneOutcome *outcome;
  GtkFileChooserNative *chooser;
};

G_DEFINE_FINAL_TYPE (TsTuneDialog, ts_tune_dialog, ADW_TYPE_WINDOW)

enum { SIGNAL_SAVED, SIGNAL_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
set_state (TsTuneDialog *self, State state)
{
  gboolean setup = state == STATE_SETUP;

  self->state = state;
  gtk_widget_set_sensitive (GTK_WIDGET (self->data_group), setup);
  gtk_widget_set_sensitive (GTK_WIDGET (self->limits_group), setup);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_group), !setup || self->outcome != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->save_group), state == STATE_DONE
                                                         || state == STATE_SAVING);
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_group), state == STATE_DONE);
  /* The header bar's two buttons: Cancel or Stop on the left, Tune or Save on the right. */
  gtk_button_set_label (self->cancel_button, state == STATE_RUNNING ? _("_Stop") : _("_Cancel"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->cancel_button),
                               state == STATE_RUNNING
                               ? _("End the search and keep the best values found so far")
                               : NULL);
  gtk_button_set_label (self->start_button, state == STATE_DONE || state == STATE_SAVING
                                            ? _("_Save") : _("_Tune"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->start_button),
                            (setup && self->folder != NULL) || state == STATE_DONE);
}

static void
show_status (TsTuneDialog *self)
{
  TsTuneStatus status;
  g_autofree char *text = NULL;
  double fraction;

  ts_tune_runner_get_status (self->runner, &status);
  if (status.max_evaluations < 1)
    return;
  fraction = status.n_items > 0 && status.evaluation > 0
             ? ((status.evaluation - 1) + (double) status.item / status.n_items)
               / status.max_evaluations
             : 0.0;
  gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (fraction, 0.0, 1.0));
  if (status.evaluation < 1)
    text = g_strdup (_("Reading the folder…"));
  else
    /* Translators: the search's progress: the point being scored (each a restoration of the
     * whole folder) of how many at most, and the item of the folder being restored. */
    text = g_strdup_printf (_("Evaluation %d of %d, item %d of %d"), status.evaluation,
                            status.max_evaluations, MAX (status.item, 1), status.n_items);
  gtk_label_set_text (self->status_label, text);
  g_free (text);
  if (isfinite (status.best_psnr))
    /* Translators: the best point so far: its mean PSNR (dB) over the folder, beta, lambda. */
    text = g_strdup_printf (_("Best so far: %.2f dB (beta %.4g, lambda %.4g)"), status.best_psnr,
                            status.best_beta, status.best_lambda);
  else
    text = g_strdup (_("Best so far: none yet"));
  gtk_label_set_text (self->best_label, text);
}

static void
show_error (TsTuneDialog *self, const char *heading, const GError *error)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, NULL);

  /* Translators: %s is the validation folder, then what went wrong (in English, from the
   * core). */
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog), _("Folder: %s\n\n%s"),
                                  self->folder != NULL ? self->folder : "", error->message);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_progress (TsTuneDialog *self)
{
  if (self->state == STATE_RUNNING && !self->closing)
    show_status (self);
}

static void
on_run_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (TsTuneDialog) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (TsTuneOutcome) outcome = NULL;
  g_autofree char *text = NULL;

  outcome = ts_tune_runner_run_finish (TS_TUNE_RUNNER (source), result, &error);
  if (self->closing)
    return;
  if (outcome == NULL)
    {
      g_clear_pointer (&self->outcome, ts_tune_outcome_free);
      set_state (self, STATE_SETUP);
      if (g_error_matches (error, TS_ERROR, TS_ERROR_CANCELLED))
        {
          gtk_widget_set_visible (GTK_WIDGET (self->progress_group), TRUE);
          gtk_label_set_text (self->status_label,
                              _("Stopped before a point was scored: nothing to save"));
        }
      else
        show_error (self, _("Tuning Failed"), error);
      g_signal_emit (self, signals[SIGNAL_FINISHED], 0);
      return;
    }
  g_clear_pointer (&self->outcome, ts_tune_outcome_free);
  self->outcome = g_steal_pointer (&outcome);
  gtk_progress_bar_set_fraction (self->progress_bar, 1.0);
  if (self->outcome->stopped)
    /* Translators: %d points were scored before Stop; %s the preset's name (sr-x4). */
    text = g_strdup_printf (ngettext ("Stopped after %d evaluation: the best one is kept for preset %s",
                                      "Stopped after %d evaluations: the best one is kept for preset %s",
                                      self->outcome->result.evaluations),
                            self->outcome->result.evaluations, self->outcome->result.preset);
  else
    /* Translators: %d points were scored; %s the preset's name (sr-x4). */
    text = g_strdup_printf (ngettext ("Done: %d evaluation, for preset %s",
                                      "Done: %d evaluations, for preset %s",
                                      self->outcome->result.evaluations),
                            self->outcome->result.evaluations, self->outcome->result.preset);
  gtk_label_set_text (self->status_label, text);
  g_free (text);
  /* Translators: the tuned values: mean PSNR (dB), then the starting point's. */
  text = g_strdup_printf (_("Best: %.2f dB with beta %.4g and lambda %.4g (start: %.2f dB)"),
                          self->outcome->result.psnr, self->outcome->result.beta,
                          self->outcome->result.lambda, self->outcome->result.start_psnr);
  gtk_label_set_text (self->best_label, text);
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), self->outcome->suggested_name);
  set_state (self, STATE_DONE);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0);
}

static void
start (TsTuneDialog *self)
{
  TsTuneRequest *request = g_new0 (TsTuneRequest, 1);

  request->task = self->task;
  request->folder = g_strdup (self->folder);
  request->model_spec = g_strdup (self->model_spec);
  request->sigma = self->sigma;
  request->limit = (int) gtk_adjustment_get_value (self->limit_adjustment);
  request->max_evaluations = (int) gtk_adjustment_get_value (self->evaluations_adjustment);
  request->max_iter = (int) gtk_adjustment_get_value (self->max_iter_adjustment);
  g_clear_pointer (&self->outcome, ts_tune_outcome_free);
  set_state (self, STATE_RUNNING);
  ts_tune_runner_run_async (self->runner, request, on_run_done, g_object_ref (self));
  show_status (self);
}

static void
on_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (TsTuneDialog) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = ts_tune_save_finish (result, &error);

  (void) source;
  if (self->closing)
    return;
  if (path == NULL)
    {
      GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Cannot Save the Model"),
                                                  error->message);
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
      set_state (self, STATE_DONE);
      return;
    }
  g_signal_emit (self, signals[SIGNAL_SAVED], 0, path, self->outcome->result.preset);
  gtk_window_close (GTK_WINDOW (self));
}

static void
save (TsTuneDialog *self)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));

  set_state (self, STATE_SAVING);
  ts_tune_save_async (self->outcome->model, name, NULL, on_saved, g_object_ref (self));
}

static void
on_start_clicked (TsTuneDialog *self)
{
  if (self->state == STATE_SETUP && self->folder != NULL)
    start (self);
  else if (self->state == STATE_DONE && self->outcome != NULL)
    save (self);
}

static void
on_cancel_clicked (TsTuneDialog *self)
{
  if (self->state == STATE_RUNNING)
    ts_tune_runner_stop (self->runner);
  else
    gtk_window_close (GTK_WINDOW (self));
}

void
ts_tune_dialog_set_limits (TsTuneDialog *self, int limit, int max_evaluations, int max_iter)
{
  g_return_if_fail (TS_IS_TUNE_DIALOG (self));
  gtk_adjustment_set_value (self->limit_adjustment, limit);
  gtk_adjustment_set_value (self->evaluations_adjustment, max_evaluations);
  gtk_adjustment_set_value (self->max_iter_adjustment, max_iter);
}

void
ts_tune_dialog_start (TsTuneDialog *self)
{
  g_return_if_fail (TS_IS_TUNE_DIALOG (self));
  if (self->state == STATE_SETUP)
    on_start_clicked (self);
}

void
ts_tune_dialog_stop (TsTuneDialog *self)
{
  g_return_if_fail (TS_IS_TUNE_DIALOG (self));
  if (self->state == STATE_RUNNING)
    on_cancel_clicked (self);
}

void
ts_tune_dialog_save (TsTuneDialog *self)
{
  g_return_if_fail (TS_IS_TUNE_DIALOG (self));
  if (self->state == STATE_DONE)
    on_start_clicked (self);
}

TsTuneRunner *
ts_tune_dialog_get_runner (TsTuneDialog *self)
{
  g_return_val_if_fail (TS_IS_TUNE_DIALOG (self), NULL);
  return self->runner;
}

const TsTuneOutcome *
ts_tune_dialog_get_outcome (TsTuneDialog *self)
{
  g_return_val_if_fail (TS_IS_TUNE_DIALOG (self), NULL);
  return self->outcome;
}

/* Closing during a search stops it; its result is dropped. */
static gboolean
on_close_request (TsTuneDialog *self)
{
  self->closing = TRUE;
  ts_tune_runner_stop (self->runner);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  return FALSE;
}

void
ts_tune_dialog_set_folder (TsTuneDialog *self, const char *folder)
{
  g_return_if_fail (TS_IS_TUNE_DIALOG (self));
  g_return_if_fail (self->state == STATE_SETUP);
  g_free (self->folder);
  self->folder = g_strdup (folder);
  adw_action_row_set_subtitle (self->folder_row, folder != NULL ? folder : _("None chosen"));
  set_state (self, STATE_SETUP);
}

static void
on_folder_response (GtkNativeDialog *native, int response, gpointer user_data)
{
  TsTuneDialog *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
      if (path != NULL)
        ts_tune_dialog_set_folder (self, path);
      else if (file != NULL)
        adw_toast_overlay_add_toast (self->toast_overlay,
                                     adw_toast_new (_("The validation folder must be a local folder")));
    }
  gtk_native_dialog_destroy (native);
  g_clear_object (&self->chooser);
}

static void
on_folder_clicked (TsTuneDialog *self)
{
  if (self->chooser != NULL)
    return;
  self->chooser = gtk_file_chooser_native_new (_("Validation Folder"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                               _("_Select"), _("_Cancel"));
  if (self->folder != NULL)
    {
      g_autoptr (GFile) current = g_file_new_for_path (self->folder);
      gtk_file_chooser_set_file (GTK_FILE_CHOOSER (self->chooser), current, NULL);
    }
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_folder_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

TsTuneDialog *
ts_tune_dialog_new (GtkWindow *parent, TsTask task, const char *model_spec, double sigma)
{
  TsTuneDialog *self;

  g_return_val_if_fail (task == TS_TASK_SR || task == TS_TASK_MRI, NULL);
  g_return_val_if_fail (model_spec != NULL, NULL);
  self = g_object_new (TS_TYPE_TUNE_DIALOG, "transient-for", parent, NULL);
  self->task = task;
  self->model_spec = g_strdup (model_spec);
  self->sigma = sigma;
  adw_preferences_group_set_description (self->data_group,
    task == TS_TASK_SR
    ? _("Clean pictures (PNG, TIFF, JPEG), reduced 4× with a little noise as the evaluation does; "
        "the tuned values become the model’s super-resolution preset")
    : _("MRI slice folders of one acceleration (meta.json and target.npy each), not the test "
        "set; the tuned values become the model’s preset for that acceleration"));
  return self;
}

static void
ts_tune_dialog_dispose (GObject *object)
{
  TsTuneDialog *self = TS_TUNE_DIALOG (object);

  self->closing = TRUE;
  if (self->runner != NULL)
    ts_tune_runner_stop (self->runner);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  gtk_widget_dispose_template (GTK_WIDGET (object), TS_TYPE_TUNE_DIALOG);
  G_OBJECT_CLASS (ts_tune_dialog_parent_class)->dispose (object);
}

static void
ts_tune_dialog_finalize (GObject *object)
{
  TsTuneDialog *self = TS_TUNE_DIALOG (object);

  g_clear_object (&self->runner);
  g_clear_pointer (&self->outcome, ts_tune_outcome_free);
  g_free (self->model_spec);
  g_free (self->folder);
  G_OBJECT_CLASS (ts_tune_dialog_parent_class)->finalize (object);
}

static void
ts_tune_dialog_class_init (TsTuneDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = ts_tune_dialog_dispose;
  G_OBJECT_CLASS (klass)->finalize = ts_tune_dialog_finalize;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/tessera/Tessera/ui/ts-tune-dialog.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, TsTuneDialog, name)
  BIND (toast_overlay);
  BIND (cancel_button);
  BIND (start_button);
  BIND (data_group);
  BIND (folder_row);
  BIND (folder_button);
  BIND (limits_group);
  BIND (limit_adjustment);
  BIND (evaluations_adjustment);
  BIND (max_iter_adjustment);
  BIND (progress_group);
  BIND (progress_bar);
  BIND (status_label);
  BIND (best_label);
  BIND (save_group);
  BIND (name_row);
#undef BIND
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  signals[SIGNAL_SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING,
                                        G_TYPE_STRING);
  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ts_tune_dialog_init (TsTuneDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->runner = ts_tune_runner_new ();
  g_signal_connect_swapped (self->runner, "progress", G_CALLBACK (on_progress), self);
  g_signal_connect_swapped (self->start_button, "clicked", G_CALLBACK (on_start_clicked), self);
  g_signal_connect_swapped (self->cancel_button, "clicked", G_CALLBACK (on_cancel_clicked), self);
  g_signal_connect_swapped (self->folder_button, "clicked", G_CALLBACK (on_folder_clicked), self);
  g_signal_connect_swapped (self->name_row, "entry-activated", G_CALLBACK (on_start_clicked), self);
  g_signal_connect (self, "close-request", G_CALLBACK (on_close_request), NULL);
  set_state (self, STATE_SETUP);
}
