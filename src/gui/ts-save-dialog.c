/* The save dialog. */
#include "ts-save-dialog.h"

#include <stdlib.h>
#include <string.h>
#include <glib/gi18n.h>

struct _TsSaveDialog {
  GObject parent_instance;

  GtkWindow *parent;
  char *panel;
  TsDocument *document;
  GtkFileChooserNative *native;
  GTask *task;                 /* while the dialog is shown */
  char *path;
  int bit_depth;
  int jpeg_quality;
};

/* The JPEG qualities offered; a remembered value not among them is offered too. */
static const int jpeg_qualities[] = { 100, 95, 90, 85, 80, 75, 60 };

G_DEFINE_FINAL_TYPE (TsSaveDialog, ts_save_dialog, G_TYPE_OBJECT)

TsSaveDialog *
ts_save_dialog_new (GtkWindow *parent, const char *panel, TsDocument *document)
{
  TsSaveDialog *self;

  g_return_val_if_fail (GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (document == NULL || TS_IS_DOCUMENT (document), NULL);
  self = g_object_new (TS_TYPE_SAVE_DIALOG, NULL);
  self->parent = g_object_ref (parent);
  self->panel = g_strdup (panel);
  self->document = document != NULL ? g_object_ref (document) : NULL;
  return self;
}

void
ts_save_dialog_set_jpeg_quality (TsSaveDialog *self, int quality)
{
  g_return_if_fail (TS_IS_SAVE_DIALOG (self));
  g_return_if_fail (quality >= 1 && quality <= 100);
  self->jpeg_quality = quality;
}

int
ts_save_dialog_get_jpeg_quality (TsSaveDialog *self)
{
  g_return_val_if_fail (TS_IS_SAVE_DIALOG (self), TS_JPEG_DEFAULT_QUALITY);
  return self->jpeg_quality;
}

const char *
ts_save_dialog_get_panel (TsSaveDialog *self)
{
  g_return_val_if_fail (TS_IS_SAVE_DIALOG (self), NULL);
  return self->panel;
}

static void
finish (TsSaveDialog *self, GError *error)
{
  g_autoptr (GTask) task = g_steal_pointer (&self->task);

  if (self->native != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->native));
  g_clear_object (&self->native);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_strdup (self->path), g_free);
}

static void
on_replace_response (AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
  g_autoptr (TsSaveDialog) self = user_data;

  if (g_strcmp0 (response, "replace") == 0)
    finish (self, NULL);
  else
    finish (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "not replaced"));
}

/* The opened file itself: ask before the original is lost. */
static void
confirm_replace (TsSaveDialog *self)
{
  GtkWidget *dialog = adw_message_dialog_new (self->parent, _("Replace the Opened File?"), NULL);

  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("%s is the image you opened. Replacing it loses the original."),
                                  ts_document_get_display_name (self->document));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "replace", _("_Replace"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "replace",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (on_replace_response), g_object_ref (self));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_response (GtkNativeDialog *native, int response, gpointer user_data)
{
  TsSaveDialog *self = user_data;
  g_autoptr (GFile) file = NULL;
  GFile *opened = self->document != NULL ? ts_document_get_file (self->document) : NULL;
  const char *depth, *quality;
  TsFileFormat format;

  if (response != GTK_RESPONSE_ACCEPT)
    {
      finish (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "dismissed"));
      return;
    }
  file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
  self->path = file != NULL ? g_file_get_path (file) : NULL;
  if (self->path == NULL)
    {
      finish (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                         _("Results can only be saved to local files")));
      return;
    }
  format = ts_file_format_from_name (self->path);
  if (format == TS_FILE_FORMAT_UNKNOWN)
    {
      finish (self, g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                                 _("%s: use a .png, .tif, .tiff, .jpg, .jpeg or .npy name"),
                                 self->path));
      return;
    }
  depth = gtk_file_chooser_get_choice (GTK_FILE_CHOOSER (native), "depth");
  self->bit_depth = depth != NULL ? atoi (depth) : 0;
  quality = gtk_file_chooser_get_choice (GTK_FILE_CHOOSER (native), "quality");
  if (quality != NULL && atoi (quality) >= 1 && atoi (quality) <= 100)
    self->jpeg_quality = atoi (quality);
  /* Each format keeps only the depths it has; no choice (the atoms grid) is the format's
   * default. */
  if (format == TS_FILE_FORMAT_JPEG)
    self->bit_depth = 8;
  else if (self->bit_depth != 0 && format == TS_FILE_FORMAT_PNG)
    self->bit_depth = self->bit_depth == 8 ? 8 : 16;
  else if (self->bit_depth != 0 && format == TS_FILE_FORMAT_TIFF)
    self->bit_depth = self->bit_depth == 32 ? 32 : 16;
  else if (self->bit_depth != 0)
    self->bit_depth = 32;

  if (opened != NULL && g_file_equal (file, opened))
    {
      gtk_native_dialog_destroy (native);
      g_clear_object (&self->native);
      confirm_replace (self);
    }
  else
    finish (self, NULL);
}

static void
add_filters (GtkFileChooser *chooser)
{
  g_autoptr (GtkFileFilter) png = gtk_file_filter_new ();
  g_autoptr (GtkFileFilter) tiff = gtk_file_filter_new ();
  g_autoptr (GtkFileFilter) jpeg = gtk_file_filter_new ();
  g_autoptr (GtkFileFilter) npy = gtk_file_filter_new ();

  gtk_file_filter_set_name (png, _("PNG image"));
  gtk_file_filter_add_pattern (png, "*.png");
  gtk_file_filter_set_name (tiff, _("TIFF image"));
  gtk_file_filter_add_pattern (tiff, "*.tif");
  gtk_file_filter_add_pattern (tiff, "*.tiff");
  gtk_file_filter_set_name (jpeg, _("JPEG image (8-bit, no transparency)"));
  gtk_file_filter_add_pattern (jpeg, "*.jpg");
  gtk_file_filter_add_pattern (jpeg, "*.jpeg");
  gtk_file_filter_set_name (npy, _("NumPy array (float32)"));
  gtk_file_filter_add_pattern (npy, "*.npy");
  gtk_file_chooser_add_filter (chooser, png);
  gtk_file_chooser_add_filter (chooser, tiff);
  gtk_file_chooser_add_filter (chooser, jpeg);
  gtk_file_chooser_add_filter (chooser, npy);
}

static void
add_depth_choice (TsSaveDialog *self, GtkFileChooser *chooser)
{
  const char *ids[] = { "8", "16", "32", NULL };
  const char *labels[] = { N_("8-bit (PNG)"), N_("16-bit (PNG, TIFF)"), N_("32-bit float (TIFF, NumPy)"), NULL };
  const char *translated[4];
  const TsImage *source = self->document != NULL ? ts_document_get_image (self->document) : NULL;
  gboolean keeps_source = g_strcmp0 (self->panel, "input") == 0 || g_strcmp0 (self->panel, "result") == 0;
  int source_depth = keeps_source && source != NULL ? source->source_bit_depth : 0;

  for (int i = 0; i < 3; i++)
    translated[i] = _(labels[i]);
  translated[3] = NULL;
  gtk_file_chooser_add_choice (chooser, "depth", _("Bit depth"), ids, translated);
  /* Offered first: for the input and the result, the opened file's depth; else 16. */
  gtk_file_chooser_set_choice (chooser, "depth",
                               source_depth == 8 ? "8" : source_depth == 32 ? "32" : "16");
}

/* Used by a .jpg or .jpeg name only; the others are lossless. */
static void
add_quality_choice (TsSaveDialog *self, GtkFileChooser *chooser)
{
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *current = g_strdup_printf ("%d", self->jpeg_quality);
  gboolean listed = FALSE;

  for (gsize i = 0; i < G_N_ELEMENTS (jpeg_qualities); i++)
    {
      int q = jpeg_qualities[i];
      if (!listed && self->jpeg_quality > q)
        {
          g_ptr_array_add (ids, g_strdup (current));
          g_ptr_array_add (labels, g_strdup_printf ("%d", self->jpeg_quality));
        }
      listed = listed || self->jpeg_quality >= q;
      g_ptr_array_add (ids, g_strdup_printf ("%d", q));
      g_ptr_array_add (labels, q == TS_JPEG_DEFAULT_QUALITY ? g_strdup_printf (_("%d (default)"), q)
                                                            : g_strdup_printf ("%d", q));
    }
  if (!listed)
    {
      g_ptr_array_add (ids, g_strdup (current));
      g_ptr_array_add (labels, g_strdup_printf ("%d", self->jpeg_quality));
    }
  g_ptr_array_add (ids, NULL);
  g_ptr_array_add (labels, NULL);
  gtk_file_chooser_add_choice (chooser, "quality", _("JPEG quality"), (const char **) ids->pdata,
                               (const char **) labels->pdata);
  gtk_file_chooser_set_choice (chooser, "quality", current);
}

void
ts_save_dialog_choose (TsSaveDialog *self, GAsyncReadyCallback callback, gpointer user_data)
{
  GFile *opened;
  GtkFileChooser *chooser;
  g_autofree char *stem = NULL;
  g_autofree char *name = NULL;

  g_return_if_fail (TS_IS_SAVE_DIALOG (self));
  g_return_if_fail (self->task == NULL);
  opened = self->document != NULL ? ts_document_get_file (self->document) : NULL;
  self->task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (self->task, ts_save_dialog_choose);
  self->native = gtk_file_chooser_native_new (_("Save"), self->parent, GTK_FILE_CHOOSER_ACTION_SAVE,
                                              _("_Save"), _("_Cancel"));
  chooser = GTK_FILE_CHOOSER (self->native);
  add_filters (chooser);
  if (self->panel != NULL)
    add_depth_choice (self, chooser);
  add_quality_choice (self, chooser);
  if (opened != NULL)
    {
      const char *display_name = ts_document_get_display_name (self->document);
      const char *dot = strrchr (display_name, '.');
      stem = dot != NULL ? g_strndup (display_name, dot - display_name) : g_strdup (display_name);
    }
  else
    stem = g_strdup ("demo");
  name = g_strdup_printf ("%s-%s.png", stem, self->panel != NULL ? self->panel : "atoms");
  gtk_file_chooser_set_current_name (chooser, name);
  if (opened != NULL)
    {
      g_autoptr (GFile) parent = g_file_get_parent (opened);
      if (parent != NULL)
        gtk_file_chooser_set_current_folder (chooser, parent, NULL);
    }
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->native), TRUE);
  g_signal_connect (self->native, "response", G_CALLBACK (on_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->native));
}

char *
ts_save_dialog_choose_finish (TsSaveDialog *self, GAsyncResult *result, int *bit_depth,
                              GError **error)
{
  char *path;

  g_return_val_if_fail (TS_IS_SAVE_DIALOG (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  path = g_task_propagate_pointer (G_TASK (result), error);
  if (bit_depth != NULL)
    *bit_depth = path != NULL ? self->bit_depth : 0;
  return path;
}

static void
ts_save_dialog_dispose (GObject *object)
{
  TsSaveDialog *self = TS_SAVE_DIALOG (object);

  if (self->native != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->native));
  g_clear_object (&self->native);
  g_clear_object (&self->parent);
  g_clear_object (&self->document);
  G_OBJECT_CLASS (ts_save_dialog_parent_class)->dispose (object);
}

static void
ts_save_dialog_finalize (GObject *object)
{
  TsSaveDialog *self = TS_SAVE_DIALOG (object);

  g_free (self->panel);
  g_free (self->path);
  G_OBJECT_CLASS (ts_save_dialog_parent_class)->finalize (object);
}

static void
ts_save_dialog_class_init (TsSaveDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ts_save_dialog_dispose;
  object_class->finalize = ts_save_dialog_finalize;
}

static void
ts_save_dialog_init (TsSaveDialog *self)
{
  self->jpeg_quality = TS_JPEG_DEFAULT_QUALITY;
}
