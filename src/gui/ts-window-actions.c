/* The window's actions (win.*) and the dialogs they open: opening a file (and asking for a
 * k-space's mask), saving a panel, importing a model, running, zooming. Accelerators are
 * set in ts-application.c. */
#include "ts-window-private.h"

#include <glib/gi18n.h>

#include "ts-export.h"
#include "ts-save-dialog.h"

/* --- opening ------------------------------------------------------------------------- */

static void
on_mask_response (GtkNativeDialog *native, int response, gpointer user_data)
{
  TsWindow *self = user_data;
  GFile *kspace = g_object_get_data (G_OBJECT (native), "kspace");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) mask = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      g_autofree char *path = mask != NULL ? g_file_get_path (mask) : NULL;
      if (path != NULL)
        _ts_window_load (self, kspace, path);
      else
        _ts_window_toast (self, _("Masks must be local files"));
    }
  else if (self->document == NULL)
    ts_window_open_demo (self, TS_WINDOW_DEMO_SIZE);
  gtk_native_dialog_destroy (native);
  g_object_unref (native);
}

/* A complex .npy without a mask beside it: ask for the mask. */
static void
choose_mask (TsWindow *self, GFile *kspace)
{
  g_autofree char *name = g_file_get_basename (kspace);
  g_autofree char *title = g_strdup_printf (_("Choose the Sampling Mask of %s"), name);
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();
  g_autoptr (GFile) parent = g_file_get_parent (kspace);
  GtkFileChooserNative *native;

  native = gtk_file_chooser_native_new (title, GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_OPEN,
                                        _("_Open"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("Masks (NumPy, BART .cfl)"));
  gtk_file_filter_add_pattern (filter, "*.npy");
  gtk_file_filter_add_pattern (filter, "*.cfl");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
  if (parent != NULL)
    gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (native), parent, NULL);
  g_object_set_data_full (G_OBJECT (native), "kspace", g_object_ref (kspace), g_object_unref);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect (native, "response", G_CALLBACK (on_mask_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void
on_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (TsWindow) self = user_data;
  TsDocument *document = TS_DOCUMENT (source);
  GFile *file = ts_document_get_file (document);
  g_autoptr (GError) error = NULL;

  if (!ts_document_load_finish (document, result, &error))
    {
      g_autofree char *path = NULL;
      g_autofree char *heading = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->disposed)
        return;
      if (g_error_matches (error, TS_DOCUMENT_ERROR, TS_DOCUMENT_ERROR_NEEDS_MASK))
        {
          choose_mask (self, file);
          return;
        }
      path = g_file_get_path (file);
      heading = g_strdup_printf (_("Could not open %s"), path);
      _ts_window_error_dialog (self, heading, error->message);
      /* Something to look at rather than empty panels when the first file fails. */
      if (self->document == NULL)
        ts_window_open_demo (self, TS_WINDOW_DEMO_SIZE);
      return;
    }
  if (self->disposed)
    return;
  /* An opened image is the degraded input itself, not ground truth to degrade. */
  ts_window_set_simulate (self, FALSE);
  _ts_window_set_document (self, document);
  ts_recent_files_add (file);
}

void
_ts_window_load (TsWindow *self, GFile *file, const char *mask_path)
{
  _ts_window_load_slice (self, file, mask_path, TS_FASTMRI_MIDDLE_SLICE);
}

void
_ts_window_load_slice (TsWindow *self, GFile *file, const char *mask_path, int slice)
{
  g_autoptr (TsDocument) document = NULL;
  g_autofree char *path = g_file_get_path (file);

  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (file);
      g_autofree char *message = g_strdup_printf (_("%s: only local files can be opened"), uri);
      _ts_window_toast (self, message);
      return;
    }
  document = ts_document_new (file);
  ts_document_set_slice (document, slice);
  /* The picture's noise is read on the loader's thread for the noise model chosen. */
  ts_document_set_noise_model (document, ts_params_group_get_noise_model (self->params_group));
  ts_document_load_async (document, mask_path, self->cancellable, on_loaded, g_object_ref (self));
}

static void
on_open_response (GtkNativeDialog *native, int response, gpointer user_data)
{
  TsWindow *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      if (file != NULL)
        ts_window_open_file (self, file);
    }
  gtk_native_dialog_destroy (native);
  g_object_unref (native);
}

static void
open_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  TsWindow *self = TS_WINDOW (widget);
  GtkFileChooserNative *native;
  g_autoptr (GtkFileFilter) all = gtk_file_filter_new ();
  g_autoptr (GtkFileFilter) images = gtk_file_filter_new ();
  g_autoptr (GtkFileFilter) kspace = gtk_file_filter_new ();
  const char *image_patterns[] = { "*.png", "*.PNG", "*.tif", "*.TIF", "*.tiff", "*.TIFF", "*.jpg",
                                   "*.JPG", "*.jpeg", "*.JPEG", "*.npy", NULL };
  const char *hdf5_patterns[] = { "*.h5", "*.H5", "*.hdf5", "*.HDF5", NULL };

  native = gtk_file_chooser_native_new (_("Open Image or k-Space"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_file_filter_set_name (all, _("Images and k-space"));
  gtk_file_filter_set_name (images, _("Images (PNG, TIFF, JPEG, NumPy)"));
  gtk_file_filter_set_name (kspace, _("k-space (NumPy complex, BART .cfl, fastMRI .h5)"));
  for (int i = 0; image_patterns[i] != NULL; i++)
    {
      gtk_file_filter_add_pattern (all, image_patterns[i]);
      gtk_file_filter_add_pattern (images, image_patterns[i]);
    }
  gtk_file_filter_add_pattern (all, "*.cfl");
  gtk_file_filter_add_pattern (kspace, "*.npy");
  gtk_file_filter_add_pattern (kspace, "*.cfl");
  for (int i = 0; hdf5_patterns[i] != NULL; i++)
    {
      gtk_file_filter_add_pattern (all, hdf5_patterns[i]);
      gtk_file_filter_add_pattern (kspace, hdf5_patterns[i]);
    }
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), all);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), images);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), kspace);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect (native, "response", G_CALLBACK (on_open_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void
open_recent_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  g_autoptr (GFile) file = g_file_new_for_uri (g_variant_get_string (parameter, NULL));

  ts_window_open_file (TS_WINDOW (widget), file);
}

static void
open_demo_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  ts_window_open_demo (TS_WINDOW (widget), TS_WINDOW_DEMO_SIZE);
}

/* --- saving -------------------------------------------------------------------------- */

/* What a save is writing, for its message. */
typedef struct {
  TsWindow *window;
  int unfinished_iteration;    /* > 0: an estimate taken during a run, at this iteration */
  gboolean stopped;            /* the estimate of a stopped run */
} SaveNote;

static void
save_note_free (SaveNote *note)
{
  g_object_unref (note->window);
  g_free (note);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaveNote, save_note_free)

static void
on_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (SaveNote) note = user_data;
  TsWindow *self = note->window;
  gboolean partial = note->stopped || note->unfinished_iteration > 0;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *base = NULL;
  g_autofree char *message = NULL;
  g_autoptr (GFile) file = NULL;

  if (!ts_export_save_finish (result, &path, &error))
    {
      g_autofree char *heading = NULL;
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->disposed)
        return;
      heading = g_strdup_printf (_("Could not save %s"), path);
      _ts_window_error_dialog (self, heading, error->message);
      g_signal_emit (self, _ts_window_signals[TS_WINDOW_SIGNAL_SAVED], 0, path, FALSE, partial);
      return;
    }
  if (self->disposed)
    return;
  base = g_path_get_basename (path);
  /* An estimate that is not the solve's end is written as it is, and said so. */
  if (note->unfinished_iteration > 0)
    message = g_strdup_printf (_("Saved %s: the estimate at iteration %d, not converged; the run goes on"),
                               base, note->unfinished_iteration);
  else if (note->stopped)
    message = g_strdup_printf (_("Saved %s: the estimate when the run was stopped, not converged"), base);
  else
    message = g_strdup_printf (_("Saved %s"), base);
  _ts_window_toast (self, message);
  file = g_file_new_for_path (path);
  ts_recent_files_add (file);
  g_signal_emit (self, _ts_window_signals[TS_WINDOW_SIGNAL_SAVED], 0, path, TRUE, partial);
}

gboolean
ts_window_save_panel (TsWindow *self, const char *panel, const char *path, int bit_depth,
                      int jpeg_quality)
{
  TsFileFormat format;
  gboolean integer_format;
  const TsImage *source;
  TsImage *image;
  SaveNote *note;

  g_return_val_if_fail (TS_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  format = ts_file_format_from_name (path);
  integer_format = format == TS_FILE_FORMAT_PNG || format == TS_FILE_FORMAT_JPEG
                   || (format == TS_FILE_FORMAT_TIFF && bit_depth != 32);
  source = self->document != NULL ? ts_document_get_image (self->document) : NULL;
  note = g_new0 (SaveNote, 1);
  note->window = g_object_ref (self);

  if (panel == NULL)
    image = ts_atoms_view_render_grid (self->atoms_view);
  else if (g_strcmp0 (panel, "result") == 0 && self->live_image != NULL)
    {
      /* During a run the result panel shows the last preview: that is what is written. */
      image = ts_image_copy (self->live_image);
      note->unfinished_iteration = MAX (self->live_iteration, 1);
    }
  else
    {
      image = ts_export_panel_image (self->result, source, panel, integer_format);
      note->stopped = image != NULL && g_strcmp0 (panel, "result") == 0 && self->result->stopped;
    }
  /* The input and the result keep the opened file's ICC profile (written when the format
   * and the channels allow it); the dialog offers the file's bit depth first. */
  if (image != NULL && source != NULL
      && (g_strcmp0 (panel, "input") == 0 || g_strcmp0 (panel, "result") == 0))
    ts_image_copy_metadata (image, source);
  if (image == NULL)
    {
      save_note_free (note);
      if (self->result != NULL && self->result->stopped)
        _ts_window_toast (self, _("The run was stopped before the smooth and sparse parts were computed"));
      else if (self->result != NULL && self->result->tiled)
        _ts_window_toast (self, _("Large pictures are solved in tiles, without the smooth and sparse parts"));
      else
        _ts_window_toast (self, _("Nothing to save yet: run a restoration first"));
      return FALSE;
    }
  /* JPEG has no alpha; the core refuses it rather than drop it silently. Say so here, in
   * words, before anything is written. */
  if (format == TS_FILE_FORMAT_JPEG && (image->channels == 2 || image->channels == 4))
    {
      g_autofree char *heading = g_strdup_printf (_("Could not save %s"), path);
      _ts_window_error_dialog (self, heading,
                               _("JPEG has no transparency, and this picture has an alpha "
                                 "channel. Save it as PNG or TIFF to keep the transparency."));
      ts_image_free (image);
      save_note_free (note);
      return FALSE;
    }
  ts_export_save_async (image, path, bit_depth, jpeg_quality, self->cancellable, on_saved, note);
  return TRUE;
}

static void
on_save_chosen (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (TsWindow) self = user_data;
  TsSaveDialog *dialog = TS_SAVE_DIALOG (source);
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  int bit_depth = 0, quality;

  path = ts_save_dialog_choose_finish (dialog, result, &bit_depth, &error);
  if (self->disposed || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (path == NULL)
    {
      _ts_window_toast (self, error->message);
      return;
    }
  quality = ts_save_dialog_get_jpeg_quality (dialog);
  if (ts_file_format_from_name (path) == TS_FILE_FORMAT_JPEG)
    g_settings_set_int (self->settings, "jpeg-quality", quality);
  ts_window_save_panel (self, ts_save_dialog_get_panel (dialog), path, bit_depth, quality);
}

static void
save_dialog (TsWindow *self, const char *panel)
{
  g_autoptr (TsSaveDialog) dialog = NULL;
  gboolean result_shown = self->result != NULL
                          || (g_strcmp0 (panel, "result") == 0 && self->live_image != NULL);

  if (g_strcmp0 (panel, "result") == 0 && self->result == NULL && self->live_image == NULL
      && self->live_tiled)
    {
      _ts_window_toast (self, _("A picture solved in tiles can be saved when it is done, or after "
                                "Stop, which keeps the tiles finished so far"));
      return;
    }
  if ((panel == NULL && ts_model_chooser_peek_model (self->model_chooser) == NULL && self->result == NULL)
      || (panel != NULL && g_strcmp0 (panel, "input") != 0 && !result_shown))
    {
      _ts_window_toast (self, _("Nothing to save yet: run a restoration first"));
      return;
    }
  dialog = ts_save_dialog_new (GTK_WINDOW (self), panel, self->document);
  ts_save_dialog_set_jpeg_quality (dialog, g_settings_get_int (self->settings, "jpeg-quality"));
  ts_save_dialog_choose (dialog, on_save_chosen, g_object_ref (self));
}

static void
save_panel_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  save_dialog (TS_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

static void
save_result_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  save_dialog (TS_WINDOW (widget), "result");
}

static void
save_atoms_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  TsWindow *self = TS_WINDOW (widget);

  self->atoms_stale = self->atoms_stale || ts_model_chooser_peek_model (self->model_chooser) == NULL;
  _ts_window_update_atoms (self);
  save_dialog (self, NULL);
}

/* --- models -------------------------------------------------------------------------- */

static void
on_import_response (GtkNativeDialog *native, int response, gpointer user_data)
{
  TsWindow *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
      g_autoptr (GError) error = NULL;

      if (path == NULL)
        _ts_window_toast (self, _("Models must be local files"));
      else if (!ts_window_set_model (self, path, &error))
        {
          g_autofree char *heading = g_strdup_printf (_("Could not import %s"), path);
          _ts_window_error_dialog (self, heading, error->message);
        }
      else
        {
          ts_model_chooser_remember (self->model_chooser, path);
          _ts_window_toast (self, _("Model imported"));
        }
    }
  gtk_native_dialog_destroy (native);
  g_object_unref (native);
}

static void
import_model_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  TsWindow *self = TS_WINDOW (widget);
  gboolean folder = g_str_equal (action_name, "win.import-model-folder");
  GtkFileChooserNative *native;

  native = gtk_file_chooser_native_new (folder ? _("Import Reference Model Folder") : _("Import Model"),
                                        GTK_WINDOW (self),
                                        folder ? GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER
                                               : GTK_FILE_CHOOSER_ACTION_OPEN,
                                        _("_Import"), _("_Cancel"));
  if (!folder)
    {
      g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();
      gtk_file_filter_set_name (filter, _("Tessera models (.tsm)"));
      gtk_file_filter_add_pattern (filter, "*.tsm");
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
    }
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect (native, "response", G_CALLBACK (on_import_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

/* --- running and zooming ------------------------------------------------------------- */

static void
run_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  ts_window_run (TS_WINDOW (widget));
}

static void
cancel_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  ts_runner_cancel (TS_WINDOW (widget)->runner);
}

static void
zoom_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  TsWindow *self = TS_WINDOW (widget);

  if (g_str_equal (action_name, "win.zoom-in"))
    ts_restore_page_zoom (self->restore_page, 1.25);
  else if (g_str_equal (action_name, "win.zoom-out"))
    ts_restore_page_zoom (self->restore_page, 0.8);
  else if (g_str_equal (action_name, "win.zoom-one"))
    ts_restore_page_zoom_one (self->restore_page);
  else
    ts_restore_page_zoom_fit (self->restore_page);
}

void
_ts_window_class_actions_init (TsWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.open-recent", "s", open_recent_action);
  gtk_widget_class_install_action (widget_class, "win.open-demo", NULL, open_demo_action);
  gtk_widget_class_install_action (widget_class, "win.save-result", NULL, save_result_action);
  gtk_widget_class_install_action (widget_class, "win.save-panel", "s", save_panel_action);
  gtk_widget_class_install_action (widget_class, "win.save-atoms", NULL, save_atoms_action);
  gtk_widget_class_install_action (widget_class, "win.run", NULL, run_action);
  gtk_widget_class_install_action (widget_class, "win.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-in", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-out", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-one", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-fit", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "win.import-model", NULL, import_model_action);
  gtk_widget_class_install_action (widget_class, "win.import-model-folder", NULL, import_model_action);
}
