/* The main window: opening, parameters, running, the panels, saving. */
#include "ts-window.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gi18n.h>

#include "ts-atoms-view.h"
#include "ts-convergence-plot.h"
#include "ts-image-view.h"
#include "ts-runner.h"
#include "ts-texture.h"
#include "ts-view-transform.h"

#define DEMO_SIZE 256
#define MAX_RECENT 8

struct _TsWindow {
  AdwApplicationWindow parent_instance;

  /* template */
  AdwToastOverlay *toast_overlay;
  AdwViewSwitcherTitle *switcher_title;
  AdwViewStack *stack;
  GtkStack *run_stack;
  AdwComboRow *task_row;
  AdwComboRow *model_row;
  GtkStringList *model_list;
  GtkAdjustment *noise_adjustment;
  GtkAdjustment *acceleration_adjustment;
  GtkAdjustment *max_iter_adjustment;
  GtkSwitch *simulate_switch;
  AdwActionRow *acceleration_row;
  AdwEntryRow *beta_row;
  AdwEntryRow *lambda_row;
  AdwEntryRow *tol_row;
  GtkLabel *iteration_label;
  GtkLabel *change_label;
  GtkLabel *psnr_label;
  GtkLabel *ssim_label;
  GtkLabel *status_label;
  GtkLabel *zoom_label;
  GtkLabel *info_label;
  GtkLabel *input_title;
  GtkProgressBar *progress_bar;
  GtkScale *split_scale;
  TsImageView *input_view;
  TsImageView *result_view;
  TsImageView *smooth_view;
  TsImageView *sparse_view;
  TsImageView *cost_view;
  TsConvergencePlot *plot;
  TsAtomsView *atoms_view;
  GMenu *recent_menu;

  GSettings *settings;
  TsViewTransform *transform;
  TsRunner *runner;
  GCancellable *cancellable;   /* loads and saves; cancelled when the window goes */

  /* The opened document. */
  GFile *file;                 /* NULL for the demo image */
  char *display_name;
  TsImage *source;
  TsKspace *kspace;
  guint source_serial;

  /* Models: the combo's entries and the last one resolved. */
  GPtrArray *model_specs;      /* char*, parallel to model_list */
  TsModel *model;
  char *model_key;
  gboolean atoms_stale;

  /* The last run. */
  TsJobResult *result;
  TsRunExtras shown;           /* its panels' textures, restored when a later run fails */
  char *result_key;            /* what a warm start must match */
  char *running_key;
  double running_tol;
  int running_max_iter;
  gboolean cancelled;          /* the last run ended by cancellation */
  gboolean disposed;           /* a run may finish after the window is gone */
  guint running_serial;        /* source_serial when the run started */
  guint n_previews_drawn_base;
  gint64 run_started_us;
  double first_tile_seconds;   /* the first tile preview of the last run, or NAN */
  guint n_tile_previews;
};

G_DEFINE_FINAL_TYPE (TsWindow, ts_window, ADW_TYPE_APPLICATION_WINDOW)

enum { SIGNAL_RUN_FINISHED, SIGNAL_DOCUMENT_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* --- messages ------------------------------------------------------------------------ */

static void
toast (TsWindow *self, const char *message)
{
  AdwToast *t = adw_toast_new (message);

  adw_toast_set_timeout (t, 4);
  adw_toast_overlay_add_toast (self->toast_overlay, t);
}

static void
error_dialog (TsWindow *self, const char *heading, const char *body)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static const char *
document_name (TsWindow *self)
{
  return self->display_name != NULL ? self->display_name : _("the demo image");
}

/* --- models -------------------------------------------------------------------------- */

static const char *
selected_model_spec (TsWindow *self)
{
  guint i = adw_combo_row_get_selected (self->model_row);

  if (i == GTK_INVALID_LIST_POSITION || i >= self->model_specs->len)
    return "auto";
  return self->model_specs->pdata[i];
}

static char *
model_key (TsWindow *self)
{
  const char *spec = selected_model_spec (self);

  /* "auto" and "dct" depend on the noise level; files do not. */
  if (g_strcmp0 (spec, "auto") == 0 || g_strcmp0 (spec, "dct") == 0)
    return g_strdup_printf ("%s@%g", spec, gtk_adjustment_get_value (self->noise_adjustment));
  return g_strdup (spec);
}

static void
add_model_entry (TsWindow *self, const char *label, const char *spec)
{
  g_ptr_array_add (self->model_specs, g_strdup (spec));
  gtk_string_list_append (self->model_list, label);
}

static int
find_model_entry (TsWindow *self, const char *spec)
{
  for (guint i = 0; i < self->model_specs->len; i++)
    if (g_strcmp0 (self->model_specs->pdata[i], spec) == 0)
      return (int) i;
  return -1;
}

/* Installed models: every .tsm in the model search folders (ts_model_search_dirs), by name. */
static void
add_installed_models (TsWindow *self)
{
  g_autoptr (GPtrArray) dirs = ts_model_search_dirs ();

  for (guint i = 0; i < dirs->len; i++)
    {
      g_autoptr (GDir) dir = g_dir_open (dirs->pdata[i], 0, NULL);
      const char *name;
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *stem = NULL;
          g_autofree char *label = NULL;
          if (!g_str_has_suffix (name, ".tsm"))
            continue;
          stem = g_strndup (name, strlen (name) - 4);
          if (find_model_entry (self, stem) >= 0)
            continue;
          label = g_strdup_printf (_("Installed: %s"), stem);
          add_model_entry (self, label, stem);
        }
    }
}

/* The selected model, resolved (and cached) on the main thread: models are small. */
static const TsModel *
current_model (TsWindow *self, GError **error)
{
  g_autofree char *key = model_key (self);

  if (self->model != NULL && g_strcmp0 (key, self->model_key) == 0)
    return self->model;
  g_clear_pointer (&self->model, ts_model_free);
  g_clear_pointer (&self->model_key, g_free);
  self->model = ts_job_resolve_model (selected_model_spec (self),
                                      gtk_adjustment_get_value (self->noise_adjustment), error);
  if (self->model == NULL)
    return NULL;
  self->model_key = g_steal_pointer (&key);
  return self->model;
}

static void
update_atoms (TsWindow *self)
{
  g_autoptr (GError) error = NULL;
  const TsModel *model;

  if (!self->atoms_stale)
    return;
  model = current_model (self, &error);
  if (model == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not load the model: %s"), error->message);
      toast (self, message);
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
    update_atoms (self);
}

gboolean
ts_window_set_model (TsWindow *self, const char *spec, GError **error)
{
  int index;

  g_return_val_if_fail (TS_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (spec != NULL, FALSE);
  index = find_model_entry (self, spec);
  if (index < 0)
    {
      g_autoptr (TsModel) model = ts_job_resolve_model (spec, gtk_adjustment_get_value (self->noise_adjustment), error);
      g_autofree char *label = NULL;
      g_autofree char *base = NULL;

      if (model == NULL)
        return FALSE;
      base = g_path_get_basename (spec);
      label = g_strdup_printf (_("%s (imported from %s)"), model->name, base);
      add_model_entry (self, label, spec);
      index = (int) self->model_specs->len - 1;
    }
  adw_combo_row_set_selected (self->model_row, index);
  return TRUE;
}

/* Imported models stay in the menu in later sessions. */
static void
remember_import (TsWindow *self, const char *path)
{
  g_auto (GStrv) paths = g_settings_get_strv (self->settings, "imported-models");
  g_autoptr (GStrvBuilder) builder = NULL;
  g_auto (GStrv) updated = NULL;

  if (g_strv_contains ((const char * const *) paths, path))
    return;
  builder = g_strv_builder_new ();
  g_strv_builder_addv (builder, (const char **) paths);
  g_strv_builder_add (builder, path);
  updated = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "imported-models", (const char * const *) updated);
}

/* Listed by file name; loaded when chosen (a file gone since shows its error then). */
static void
add_remembered_models (TsWindow *self)
{
  g_auto (GStrv) paths = g_settings_get_strv (self->settings, "imported-models");

  for (char **path = paths; *path != NULL; path++)
    {
      g_autofree char *base = NULL;
      g_autofree char *label = NULL;
      if (find_model_entry (self, *path) >= 0)
        continue;
      base = g_path_get_basename (*path);
      label = g_strdup_printf (_("Imported: %s"), base);
      add_model_entry (self, label, *path);
    }
}

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
        toast (self, _("Models must be local files"));
      else if (!ts_window_set_model (self, path, &error))
        {
          g_autofree char *heading = g_strdup_printf (_("Could not import %s"), path);
          error_dialog (self, heading, error->message);
        }
      else
        {
          remember_import (self, path);
          toast (self, _("Model imported"));
        }
    }
  gtk_native_dialog_destroy (native);
  g_object_unref (native);
}

static void
import_model (TsWindow *self, gboolean folder)
{
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

/* --- views --------------------------------------------------------------------------- */

static void
set_label_double (GtkLabel *label, const char *format, double value)
{
  g_autofree char *text = NULL;

  if (!isfinite (value))
    {
      gtk_label_set_text (label, "–");
      return;
    }
  text = g_strdup_printf (format, value);
  gtk_label_set_text (label, text);
}

static void
clear_panels (TsWindow *self)
{
  ts_image_view_set_texture (self->result_view, NULL);
  ts_image_view_set_compare_texture (self->result_view, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->split_scale), FALSE);
  ts_image_view_set_texture (self->smooth_view, NULL);
  ts_image_view_set_texture (self->sparse_view, NULL);
  ts_image_view_set_texture (self->cost_view, NULL);
  ts_convergence_plot_clear (self->plot);
  ts_convergence_plot_set_tolerance (self->plot, 0.0);
  gtk_label_set_text (self->iteration_label, "–");
  gtk_label_set_text (self->change_label, "–");
  gtk_label_set_text (self->psnr_label, "–");
  gtk_label_set_text (self->ssim_label, "–");
  gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
}

static void
on_transform_changed (TsWindow *self)
{
  g_autofree char *text = g_strdup_printf ("%.0f %%", 100.0 * ts_view_transform_get_zoom (self->transform));

  gtk_label_set_text (self->zoom_label, text);
}

static void
zoom_fit (TsWindow *self)
{
  GdkTexture *texture = ts_image_view_get_texture (self->input_view);
  GtkWidget *view = GTK_WIDGET (self->input_view);

  if (texture == NULL)
    return;
  ts_view_transform_fit (self->transform, gdk_texture_get_width (texture),
                         gdk_texture_get_height (texture), gtk_widget_get_width (view),
                         gtk_widget_get_height (view));
}

/* --- opening ------------------------------------------------------------------------- */

typedef struct {
  char *path;
  char *mask;        /* the sampling mask chosen for a complex .npy, or NULL */
  gboolean needs_mask;
  TsImage *image;
  TsKspace *kspace;
  TsImage *view;     /* what the input panel shows: the image, or k-space zero-filled */
  GPtrArray *pyramid;/* its textures, built on the thread */
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_free (data->path);
  g_free (data->mask);
  g_clear_pointer (&data->image, ts_image_free);
  g_clear_pointer (&data->kspace, ts_kspace_free);
  g_clear_pointer (&data->view, ts_image_free);
  g_clear_pointer (&data->pyramid, g_ptr_array_unref);
  g_free (data);
}

/* A complex .npy is k-space; its mask is the file beside it named <stem>_mask.npy,
 * <stem>-mask.npy or mask.npy. */
static char *
find_mask (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *stem = g_strndup (base, strlen (base) - strlen (".npy"));
  const char *patterns[] = { "%s_mask.npy", "%s-mask.npy", NULL };

  for (int i = 0; patterns[i] != NULL; i++)
    {
      g_autofree char *name = g_strdup_printf (patterns[i], stem);
      g_autofree char *candidate = g_build_filename (dir, name, NULL);
      if (g_file_test (candidate, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&candidate);
    }
  {
    g_autofree char *candidate = g_build_filename (dir, "mask.npy", NULL);
    if (g_strcmp0 (candidate, path) != 0 && g_file_test (candidate, G_FILE_TEST_IS_REGULAR))
      return g_steal_pointer (&candidate);
  }
  return NULL;
}

static gboolean
npy_is_complex (const char *path)
{
  /* The dtype is in the header's first bytes: '<c8' for complex64. */
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileInputStream) stream = g_file_read (file, NULL, NULL);
  char header[256];

  if (stream == NULL)
    return FALSE;
  if (!g_input_stream_read_all (G_INPUT_STREAM (stream), header, sizeof header - 1, &length, NULL, NULL))
    return FALSE;
  header[length] = '\0';
  for (gsize i = 0; i + 3 < length; i++)
    if (header[i] == '\'' && (header[i + 1] == '<' || header[i + 1] == '|' || header[i + 1] == '>')
        && header[i + 2] == 'c')
      return TRUE;
  return FALSE;
}

static void
load_in_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  LoadData *data = task_data;
  GError *error = NULL;
  g_autofree char *lower = g_ascii_strdown (data->path, -1);

  if (g_str_has_suffix (lower, ".cfl") || g_str_has_suffix (lower, ".hdr")
      || (g_str_has_suffix (lower, ".npy") && npy_is_complex (data->path)))
    {
      g_autofree char *mask = NULL;

      if (g_str_has_suffix (lower, ".npy"))
        {
          mask = data->mask != NULL ? g_strdup (data->mask) : find_mask (data->path);
          if (mask == NULL)
            {
              /* The window asks for it. */
              data->needs_mask = TRUE;
              g_task_return_boolean (task, TRUE);
              return;
            }
        }
      data->kspace = ts_kspace_load (data->path, mask, &error);
      if (data->kspace == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      data->view = ts_restore_zero_filled (data->kspace, &error);
      if (data->view == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
    }
  else
    {
      data->image = ts_image_load (data->path, &error);
      if (data->image == NULL || !ts_image_check_finite (data->image, data->path, &error))
        {
          g_task_return_error (task, error);
          return;
        }
      data->view = ts_image_copy (data->image);
    }
  /* A large picture's textures take a while: not on the main loop. */
  data->pyramid = ts_texture_pyramid_new (data->view, TS_DISPLAY_CLAMP);
  g_task_return_boolean (task, TRUE);
}

static void
add_to_recent (TsWindow *self, GFile *file)
{
  g_autofree char *uri = g_file_get_uri (file);

  gtk_recent_manager_add_item (gtk_recent_manager_get_default (), uri);
}

static void
set_document (TsWindow *self, GFile *file, const char *display_name, TsImage *image,
              TsKspace *kspace, TsImage *view, GPtrArray *view_pyramid)
{
  g_autoptr (GPtrArray) pyramid = view_pyramid != NULL ? g_ptr_array_ref (view_pyramid)
                                                      : ts_texture_pyramid_new (view, TS_DISPLAY_CLAMP);
  g_autofree char *info = NULL;

  g_set_object (&self->file, file);
  g_free (self->display_name);
  self->display_name = g_strdup (display_name);
  g_clear_pointer (&self->source, ts_image_free);
  g_clear_pointer (&self->kspace, ts_kspace_free);
  self->source = image;
  self->kspace = kspace;
  self->source_serial++;
  /* A run of the previous document is of no use any more. */
  ts_runner_cancel (self->runner);
  g_clear_pointer (&self->result, ts_job_result_free);
  g_clear_pointer (&self->result_key, g_free);
  ts_run_extras_clear (&self->shown);
  ts_atoms_view_set_solutions (self->atoms_view, NULL);

  clear_panels (self);
  ts_view_transform_fit (self->transform, view->width, view->height, 1, 1);
  ts_image_view_set_pyramid (self->input_view, pyramid);
  gtk_label_set_text (self->input_title, _("Input"));
  adw_view_switcher_title_set_subtitle (self->switcher_title, display_name);
  gtk_window_set_title (GTK_WINDOW (self), display_name);
  if (kspace != NULL)
    {
      ts_window_set_task (self, TS_TASK_MRI);
      ts_window_set_simulate (self, FALSE);
      gsize n = (gsize) kspace->width * kspace->height;
      double sampled = 0.0;
      for (gsize i = 0; i < n; i++)
        sampled += kspace->mask[i];
      info = g_strdup_printf (_("%s · k-space %d × %d, %.0f %% sampled"), display_name,
                              kspace->width, kspace->height, 100.0 * sampled / n);
    }
  else
    info = g_strdup_printf (ngettext ("%s · %d × %d, %d channel", "%s · %d × %d, %d channels",
                                      image->channels),
                            display_name, image->width, image->height, image->channels);
  gtk_label_set_text (self->info_label, info);
  gtk_label_set_text (self->status_label, _("Press Run to restore."));
  zoom_fit (self);
  g_signal_emit (self, signals[SIGNAL_DOCUMENT_CHANGED], 0);
}

static void load_file (TsWindow *self, GFile *file, const char *mask);

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
        load_file (self, kspace, path);
      else
        toast (self, _("Masks must be local files"));
    }
  else if (self->source == NULL && self->kspace == NULL)
    ts_window_open_demo (self, DEMO_SIZE);
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
  GtkFileChooserNative *native;

  native = gtk_file_chooser_native_new (title, GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_OPEN,
                                        _("_Open"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("Masks (NumPy, BART .cfl)"));
  gtk_file_filter_add_pattern (filter, "*.npy");
  gtk_file_filter_add_pattern (filter, "*.cfl");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
  {
    g_autoptr (GFile) parent = g_file_get_parent (kspace);
    if (parent != NULL)
      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (native), parent, NULL);
  }
  g_object_set_data_full (G_OBJECT (native), "kspace", g_object_ref (kspace), g_object_unref);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect (native, "response", G_CALLBACK (on_mask_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void
on_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  LoadData *data = g_task_get_task_data (G_TASK (result));
  GFile *file = g_object_get_data (G_OBJECT (result), "file");
  TsWindow *self;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      self = TS_WINDOW (source);
      {
        g_autofree char *heading = g_strdup_printf (_("Could not open %s"), data->path);
        error_dialog (self, heading, error->message);
      }
      /* Something to look at rather than empty panels when the first file fails. */
      if (self->source == NULL && self->kspace == NULL)
        ts_window_open_demo (self, DEMO_SIZE);
      return;
    }
  self = TS_WINDOW (source);
  if (data->needs_mask)
    {
      choose_mask (self, file);
      return;
    }
  {
    g_autofree char *name = g_path_get_basename (data->path);
    /* An opened image is the degraded input itself, not ground truth to degrade. */
    ts_window_set_simulate (self, FALSE);
    set_document (self, file, name, g_steal_pointer (&data->image), g_steal_pointer (&data->kspace),
                  data->view, data->pyramid);
  }
  add_to_recent (self, file);
}

void
ts_window_open_file (TsWindow *self, GFile *file)
{
  g_return_if_fail (TS_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));
  load_file (self, file, NULL);
}

static void
load_file (TsWindow *self, GFile *file, const char *mask)
{
  g_autoptr (GTask) task = NULL;
  LoadData *data;
  char *path;

  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (file);
      g_autofree char *message = g_strdup_printf (_("%s: only local files can be opened"), uri);
      toast (self, message);
      return;
    }
  data = g_new0 (LoadData, 1);
  data->path = path;
  data->mask = g_strdup (mask);
  task = g_task_new (self, self->cancellable, on_loaded, NULL);
  g_task_set_task_data (task, data, (GDestroyNotify) load_data_free);
  g_object_set_data_full (G_OBJECT (task), "file", g_object_ref (file), g_object_unref);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, load_in_thread);
}

void
ts_window_open_demo (TsWindow *self, int size)
{
  TsImage *image;
  TsImage *view;

  g_return_if_fail (TS_IS_WINDOW (self));
  image = ts_demo_image_new (size, size);
  if (image == NULL)
    {
      toast (self, _("Could not draw the demo image"));
      return;
    }
  view = ts_image_copy (image);
  set_document (self, NULL, _("Demo image"), image, NULL, view, NULL);
  ts_image_free (view);
  ts_window_set_simulate (self, TRUE);
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
  const char *image_patterns[] = { "*.png", "*.PNG", "*.tif", "*.TIF", "*.tiff", "*.TIFF", "*.npy", NULL };

  native = gtk_file_chooser_native_new (_("Open Image or k-Space"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_file_filter_set_name (all, _("Images and k-space"));
  gtk_file_filter_set_name (images, _("Images (PNG, TIFF, NumPy)"));
  gtk_file_filter_set_name (kspace, _("k-space (NumPy complex, BART .cfl)"));
  for (int i = 0; image_patterns[i] != NULL; i++)
    {
      gtk_file_filter_add_pattern (all, image_patterns[i]);
      gtk_file_filter_add_pattern (images, image_patterns[i]);
    }
  gtk_file_filter_add_pattern (all, "*.cfl");
  gtk_file_filter_add_pattern (kspace, "*.npy");
  gtk_file_filter_add_pattern (kspace, "*.cfl");
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
  ts_window_open_demo (TS_WINDOW (widget), DEMO_SIZE);
}

static int
compare_recent (gconstpointer a, gconstpointer b)
{
  GtkRecentInfo *ia = *(GtkRecentInfo **) a, *ib = *(GtkRecentInfo **) b;
  GDateTime *ta = gtk_recent_info_get_modified (ia), *tb = gtk_recent_info_get_modified (ib);

  return g_date_time_compare (tb, ta);
}

static void
rebuild_recent_menu (TsWindow *self)
{
  GtkRecentManager *manager = gtk_recent_manager_get_default ();
  GList *items = gtk_recent_manager_get_items (manager);
  g_autoptr (GPtrArray) mine = g_ptr_array_new_with_free_func ((GDestroyNotify) gtk_recent_info_unref);

  for (GList *l = items; l != NULL; l = l->next)
    {
      GtkRecentInfo *info = l->data;
      if (gtk_recent_info_has_application (info, g_get_prgname ()) && gtk_recent_info_is_local (info)
          && gtk_recent_info_exists (info))
        g_ptr_array_add (mine, gtk_recent_info_ref (info));
    }
  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
  g_ptr_array_sort (mine, compare_recent);

  g_menu_remove_all (self->recent_menu);
  for (guint i = 0; i < MIN (mine->len, MAX_RECENT); i++)
    {
      GtkRecentInfo *info = mine->pdata[i];
      g_autoptr (GMenuItem) item = g_menu_item_new (gtk_recent_info_get_display_name (info), NULL);
      g_menu_item_set_action_and_target_value (item, "win.open-recent",
                                               g_variant_new_string (gtk_recent_info_get_uri (info)));
      g_menu_append_item (self->recent_menu, item);
    }
  if (mine->len == 0)
    {
      g_autoptr (GMenuItem) item = g_menu_item_new (_("No recent files"), "win.no-recent");
      g_menu_append_item (self->recent_menu, item);
    }
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

/* --- parameters ---------------------------------------------------------------------- */

void
ts_window_set_task (TsWindow *self, TsTask task)
{
  g_return_if_fail (TS_IS_WINDOW (self));
  adw_combo_row_set_selected (self->task_row, task);
}

void
ts_window_set_noise_level (TsWindow *self, double sigma)
{
  g_return_if_fail (TS_IS_WINDOW (self));
  gtk_adjustment_set_value (self->noise_adjustment, sigma);
}

void
ts_window_set_simulate (TsWindow *self, gboolean simulate)
{
  g_return_if_fail (TS_IS_WINDOW (self));
  gtk_switch_set_active (self->simulate_switch, simulate);
}

void
ts_window_set_max_iter (TsWindow *self, int max_iter)
{
  g_return_if_fail (TS_IS_WINDOW (self));
  gtk_adjustment_set_value (self->max_iter_adjustment, max_iter);
}

void
ts_window_set_tolerance (TsWindow *self, double tol)
{
  g_autofree char *text = NULL;

  g_return_if_fail (TS_IS_WINDOW (self));
  text = g_malloc (G_ASCII_DTOSTR_BUF_SIZE);
  g_ascii_formatd (text, G_ASCII_DTOSTR_BUF_SIZE, "%g", tol);
  gtk_editable_set_text (GTK_EDITABLE (self->tol_row), text);
}

static void
on_task_changed (TsWindow *self)
{
  /* The acceleration only shapes a simulated sampling mask. */
  gtk_widget_set_visible (GTK_WIDGET (self->acceleration_row),
                          adw_combo_row_get_selected (self->task_row) == TS_TASK_MRI
                          && gtk_switch_get_active (self->simulate_switch));
}

/* An advanced field: empty is NAN (the default); otherwise a non-negative number. */
static gboolean
parse_field (TsWindow *self, AdwEntryRow *row, double *value)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (row));
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  char *end = NULL;
  double v;

  gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
  if (stripped[0] == '\0')
    {
      *value = NAN;
      return TRUE;
    }
  /* Either decimal separator: "0.001" and, as a French or German user types it, "0,001". */
  g_strdelimit (stripped, ",", '.');
  v = g_ascii_strtod (stripped, &end);
  if (end == stripped || *end != '\0' || !isfinite (v) || v < 0)
    {
      g_autofree char *message = g_strdup_printf (_("%s: “%s” is not a non-negative number"),
                                                  adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)),
                                                  stripped);
      gtk_widget_add_css_class (GTK_WIDGET (row), "error");
      toast (self, message);
      return FALSE;
    }
  *value = v;
  return TRUE;
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

static double
progress_fraction (TsWindow *self, int iteration, double change)
{
  return ts_restore_progress_fraction (iteration, change, self->running_tol,
                                       MAX (1, self->running_max_iter));
}

static void
on_preview (TsWindow *self, TsPreview *preview)
{
  /* A run of a document replaced since is being cancelled: nothing of it is shown. */
  if (self->running_serial != self->source_serial)
    return;
  if (preview->input != NULL)
    {
      ts_image_view_set_pyramid (self->input_view, preview->input);
      ts_image_view_set_compare_pyramid (self->result_view, preview->input);
      gtk_widget_set_visible (GTK_WIDGET (self->split_scale), TRUE);
      gtk_label_set_text (self->status_label, _("Solving…"));
    }
  if (preview->estimate != NULL)
    ts_image_view_set_pyramid (self->result_view, preview->estimate);
  if (preview->points != NULL)
    ts_convergence_plot_append (self->plot, (const TsPlotPoint *) preview->points->data,
                                preview->points->len);
  if (preview->n_tiles > 0)
    {
      /* A large picture in tiles, the visible region first. */
      g_autofree char *status = NULL;
      if (preview->estimate != NULL && self->n_tile_previews++ == 0)
        self->first_tile_seconds = (g_get_monotonic_time () - self->run_started_us) / 1e6;
      g_debug ("tile %d of %d%s shown after %.2f s", preview->tile, preview->n_tiles,
               preview->tile_done ? " (done)" : "", (g_get_monotonic_time () - self->run_started_us) / 1e6);
      status = g_strdup_printf (preview->tile_done ? _("Tile %d of %d done") : _("Solving tile %d of %d…"),
                                preview->tile, preview->n_tiles);
      gtk_label_set_text (self->status_label, status);
      gtk_progress_bar_set_fraction (self->progress_bar,
                                     CLAMP ((preview->tile - (preview->tile_done ? 0.0 : 1.0))
                                            / preview->n_tiles, 0.0, 1.0));
    }
  if (preview->iteration > 0 && preview->n_tiles > 0)
    {
      g_autofree char *iteration = g_strdup_printf (_("%d (tile %d of %d)"), preview->iteration,
                                                    preview->tile, preview->n_tiles);
      gtk_label_set_text (self->iteration_label, iteration);
      if (!preview->tile_done)
        set_label_double (self->change_label, "%.3e", preview->change);
    }
  else if (preview->iteration > 0)
    {
      g_autofree char *iteration = NULL;
      if (preview->n_channels > 1)
        iteration = g_strdup_printf (_("%d (channel %d of %d)"), preview->iteration,
                                     preview->channel + 1, preview->n_channels);
      else
        iteration = g_strdup_printf ("%d", preview->iteration);
      gtk_label_set_text (self->iteration_label, iteration);
      set_label_double (self->change_label, "%.3e", preview->change);
      set_label_double (self->psnr_label, _("%.2f dB"), preview->psnr);
      set_label_double (self->ssim_label, "%.4f", preview->ssim);
      gtk_progress_bar_set_fraction (self->progress_bar,
                                     progress_fraction (self, preview->iteration, preview->change));
    }
}

static void
on_run_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (TsWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  TsRunExtras extras = { 0 };
  TsJobResult *result;
  g_autofree char *info = NULL;

  result = ts_runner_run_finish (TS_RUNNER (source), res, &extras, &error);
  if (self->disposed)
    {
      ts_job_result_free (result);
      ts_run_extras_clear (&extras);
      return;
    }
  set_running_ui (self, FALSE);
  self->cancelled = result == NULL && g_error_matches (error, TS_ERROR, TS_ERROR_CANCELLED);
  if (self->running_serial != self->source_serial)
    {
      /* Opening another document cancelled this run; its panels are already cleared. */
      ts_job_result_free (result);
      ts_run_extras_clear (&extras);
      gtk_label_set_text (self->status_label, _("Press Run to restore."));
      g_signal_emit (self, signals[SIGNAL_RUN_FINISHED], 0, FALSE);
      return;
    }
  if (result == NULL)
    {
      /* The panels go back to the last result (what Save writes), or to the input alone. */
      if (self->shown.result != NULL)
        {
          ts_image_view_set_pyramid (self->input_view, self->shown.input);
          ts_image_view_set_compare_pyramid (self->result_view, self->shown.input);
          ts_image_view_set_pyramid (self->result_view, self->shown.result);
        }
      else
        {
          ts_image_view_set_pyramid (self->result_view, NULL);
          ts_image_view_set_compare_pyramid (self->result_view, NULL);
          gtk_widget_set_visible (GTK_WIDGET (self->split_scale), FALSE);
        }
      if (self->cancelled)
        {
          gtk_label_set_text (self->status_label, _("Cancelled."));
          toast (self, _("Cancelled"));
        }
      else
        {
          g_autofree char *heading = g_strdup_printf (_("Could not restore %s"), document_name (self));
          gtk_label_set_text (self->status_label, error->message);
          error_dialog (self, heading, error->message);
        }
      g_signal_emit (self, signals[SIGNAL_RUN_FINISHED], 0, FALSE);
      return;
    }

  if (extras.points != NULL)
    ts_convergence_plot_append (self->plot, (const TsPlotPoint *) extras.points->data, extras.points->len);
  ts_image_view_set_pyramid (self->input_view, extras.input);
  ts_image_view_set_compare_pyramid (self->result_view, extras.input);
  ts_image_view_set_pyramid (self->result_view, extras.result);
  ts_image_view_set_pyramid (self->smooth_view, extras.smooth);
  ts_image_view_set_pyramid (self->sparse_view, extras.sparse);
  ts_image_view_set_pyramid (self->cost_view, extras.cost);
  g_clear_pointer (&extras.points, g_array_unref);
  ts_run_extras_clear (&self->shown);
  self->shown = extras;

  g_clear_pointer (&self->result, ts_job_result_free);
  self->result = result;
  g_free (self->result_key);
  self->result_key = g_steal_pointer (&self->running_key);

  {
    g_autofree char *iterations = g_strdup_printf ("%d", result->stats.iterations);
    gtk_label_set_text (self->iteration_label, iterations);
  }
  set_label_double (self->change_label, "%.3e", result->stats.final_change);
  if (isfinite (result->psnr))
    {
      g_autofree char *psnr = g_strdup_printf (_("%.2f dB (input %.2f dB)"), result->psnr, result->input_psnr);
      g_autofree char *ssim = g_strdup_printf (_("%.4f (input %.4f)"), result->ssim, result->input_ssim);
      gtk_label_set_text (self->psnr_label, psnr);
      gtk_label_set_text (self->ssim_label, ssim);
    }
  else
    {
      gtk_label_set_text (self->psnr_label, _("no ground truth"));
      gtk_label_set_text (self->ssim_label, _("no ground truth"));
    }
  gtk_progress_bar_set_fraction (self->progress_bar, 1.0);
  info = g_strdup_printf (ngettext ("%s: %d iteration in %.1f s%s%s",
                                    "%s: %d iterations in %.1f s%s%s", result->stats.iterations),
                          result->model->name, result->stats.iterations, result->stats.seconds,
                          result->stats.converged ? _(", converged") : "",
                          result->warm_started ? _(", warm start")
                          : result->tiled ? _(", in tiles") : "");
  gtk_label_set_text (self->status_label, info);

  /* The atoms page follows the model that produced the result. */
  ts_atoms_view_set_model (self->atoms_view, result->model, NAN);
  ts_atoms_view_set_solutions (self->atoms_view, result->solutions);
  self->atoms_stale = FALSE;
  g_signal_emit (self, signals[SIGNAL_RUN_FINISHED], 0, TRUE);
}

/* The part of the image the result panel shows, in image pixels: what a large picture
 * solves first. */
static TsRect
visible_region (TsWindow *self)
{
  GtkWidget *view = GTK_WIDGET (self->result_view);
  double zoom = ts_view_transform_get_zoom (self->transform), cx, cy;
  int w = gtk_widget_get_width (view), h = gtk_widget_get_height (view);
  int iw = self->source != NULL ? self->source->width : 0, ih = self->source != NULL ? self->source->height : 0;
  int x0, y0, x1, y1;

  ts_view_transform_get_center (self->transform, &cx, &cy);
  if (iw == 0 || ih == 0 || w <= 0 || h <= 0 || !(zoom > 0.0))
    return (TsRect) { 0, 0, 0, 0 };
  x0 = CLAMP ((int) floor (cx - w / (2.0 * zoom)), 0, iw);
  y0 = CLAMP ((int) floor (cy - h / (2.0 * zoom)), 0, ih);
  x1 = CLAMP ((int) ceil (cx + w / (2.0 * zoom)), 0, iw);
  y1 = CLAMP ((int) ceil (cy + h / (2.0 * zoom)), 0, ih);
  return (TsRect) { x0, y0, x1 - x0, y1 - y0 };
}

gboolean
ts_window_run (TsWindow *self)
{
  g_autoptr (TsJobParams) params = NULL;
  g_autoptr (GError) error = NULL;
  const TsModel *model;
  double settings_tol;
  TsTask task;

  g_return_val_if_fail (TS_IS_WINDOW (self), FALSE);
  if (ts_runner_get_running (self->runner))
    return FALSE;
  if (self->source == NULL && self->kspace == NULL)
    {
      toast (self, _("Open an image first"));
      return FALSE;
    }
  params = g_new0 (TsJobParams, 1);
  task = adw_combo_row_get_selected (self->task_row);
  params->task = task;
  params->sigma = gtk_adjustment_get_value (self->noise_adjustment);
  params->simulate = gtk_switch_get_active (self->simulate_switch);
  params->acceleration = (int) gtk_adjustment_get_value (self->acceleration_adjustment);
  params->max_iter = (int) gtk_adjustment_get_value (self->max_iter_adjustment);
  params->threads = g_settings_get_int (self->settings, "threads");
  if (!parse_field (self, self->beta_row, &params->beta)
      || !parse_field (self, self->lambda_row, &params->lambda)
      || !parse_field (self, self->tol_row, &params->tol))
    return FALSE;
  settings_tol = g_settings_get_double (self->settings, "tolerance");
  if (isnan (params->tol) && settings_tol > 0.0)
    params->tol = settings_tol;

  model = current_model (self, &error);
  if (model == NULL)
    {
      g_autofree char *heading = g_strdup_printf (_("Could not load the model %s"), selected_model_spec (self));
      error_dialog (self, heading, error->message);
      return FALSE;
    }
  params->model_spec = g_strdup (selected_model_spec (self));
  params->model = ts_model_copy (model);
  if (self->kspace != NULL && !params->simulate)
    params->kspace = kspace_copy (self->kspace);
  if (self->source != NULL)
    params->source = ts_image_copy (self->source);

  /* A warm start needs the same grid: the same document, task and simulation. */
  g_free (self->running_key);
  self->running_key = g_strdup_printf ("%u/%d/%d/%d", self->source_serial, task, params->simulate,
                                       task == TS_TASK_MRI ? params->acceleration : 0);
  if (self->result != NULL && g_strcmp0 (self->result_key, self->running_key) == 0)
    params->warm = g_ptr_array_ref (self->result->solutions);

  self->running_tol = !isnan (params->tol) ? params->tol : ts_restore_default_tol (task, model);
  self->running_max_iter = params->max_iter;
  ts_convergence_plot_clear (self->plot);
  ts_convergence_plot_set_tolerance (self->plot, self->running_tol);
  gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
  gtk_label_set_text (self->status_label, _("Preparing…"));
  gtk_label_set_text (self->psnr_label, "–");
  gtk_label_set_text (self->ssim_label, "–");
  gtk_label_set_text (self->input_title,
                      task == TS_TASK_SR ? _("Input (low resolution, enlarged)")
                      : task == TS_TASK_MRI ? _("Input (zero-filled)")
                      : _("Input"));
  params->region = visible_region (self);
  self->running_serial = self->source_serial;
  self->run_started_us = g_get_monotonic_time ();
  self->first_tile_seconds = NAN;
  self->n_tile_previews = 0;
  ts_runner_set_preview_rate (self->runner, g_settings_get_double (self->settings, "preview-rate"));
  set_running_ui (self, TRUE);
  ts_runner_run_async (self->runner, g_steal_pointer (&params), on_run_done, g_object_ref (self));
  return TRUE;
}

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

/* --- saving -------------------------------------------------------------------------- */

typedef struct {
  TsImage *image;
  char *path;
  int bit_depth;
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_clear_pointer (&data->image, ts_image_free);
  g_free (data->path);
  g_free (data);
}

static void
save_in_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  SaveData *data = task_data;
  GError *error = NULL;

  /* ts_image_save writes to a temporary file and renames it: never a half-written file. */
  if (!ts_image_save (data->image, data->path, data->bit_depth, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  TsWindow *self = TS_WINDOW (source);
  SaveData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_autofree char *heading = NULL;
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      heading = g_strdup_printf (_("Could not save %s"), data->path);
      error_dialog (self, heading, error->message);
      return;
    }
  {
    g_autofree char *base = g_path_get_basename (data->path);
    g_autofree char *message = g_strdup_printf (_("Saved %s"), base);
    g_autoptr (GFile) file = g_file_new_for_path (data->path);
    toast (self, message);
    add_to_recent (self, file);
  }
}

static void
start_save (TsWindow *self, TsImage *image, const char *path, int bit_depth)
{
  g_autoptr (GTask) task = g_task_new (self, self->cancellable, on_saved, NULL);
  SaveData *data = g_new0 (SaveData, 1);

  data->image = image;
  data->path = g_strdup (path);
  data->bit_depth = bit_depth;
  g_task_set_task_data (task, data, (GDestroyNotify) save_data_free);
  g_task_run_in_thread (task, save_in_thread);
}

/* The panel as a float image. Integer formats get the view's mapping for signed or
 * unbounded panels (sparse + 0.5, cost / max); float formats get the raw values. */
static TsImage *
panel_image (TsWindow *self, const char *panel, gboolean integer_format)
{
  const TsJobResult *r = self->result;
  TsImage *image = NULL;

  if (g_strcmp0 (panel, "input") == 0)
    return r != NULL ? ts_image_copy (r->input) : self->source != NULL ? ts_image_copy (self->source) : NULL;
  if (r == NULL)
    return NULL;
  if (g_strcmp0 (panel, "result") == 0)
    return ts_image_copy (r->result);
  /* A picture solved in tiles has no decomposition. */
  if (r->smooth == NULL || r->sparse == NULL || r->cost == NULL)
    return NULL;
  if (g_strcmp0 (panel, "smooth") == 0)
    return ts_image_copy (r->smooth);
  if (g_strcmp0 (panel, "sparse") == 0)
    {
      image = ts_image_copy (r->sparse);
      if (integer_format)
        for (gsize i = 0; i < ts_image_n_values (image); i++)
          image->data[i] += 0.5f;
    }
  else if (g_strcmp0 (panel, "cost") == 0)
    {
      image = ts_image_copy (r->cost);
      if (integer_format)
        {
          float max = 0.0f;
          for (gsize i = 0; i < ts_image_n_values (image); i++)
            max = MAX (max, image->data[i]);
          for (gsize i = 0; i < ts_image_n_values (image); i++)
            image->data[i] = max > 0.0f ? image->data[i] / max : 0.0f;
        }
    }
  return image;
}

typedef struct {
  TsWindow *self;
  char *panel;       /* NULL for the atoms grid */
  char *path;
  int bit_depth;
} SaveRequest;

static void
save_request_free (SaveRequest *request)
{
  g_free (request->panel);
  g_free (request->path);
  g_free (request);
}

static void
do_save (SaveRequest *request)
{
  TsWindow *self = request->self;
  TsFileFormat format = ts_file_format_from_name (request->path);
  gboolean integer_format = format == TS_FILE_FORMAT_PNG || (format == TS_FILE_FORMAT_TIFF && request->bit_depth != 32);
  TsImage *image;

  if (request->panel == NULL)
    image = ts_atoms_view_render_grid (self->atoms_view);
  else
    image = panel_image (self, request->panel, integer_format);
  /* The input and the result keep the opened file's ICC profile (written when the format
   * and the channels allow it); the dialog offers the file's bit depth first. */
  if (image != NULL && self->source != NULL
      && (g_strcmp0 (request->panel, "input") == 0 || g_strcmp0 (request->panel, "result") == 0))
    ts_image_copy_metadata (image, self->source);
  if (image == NULL && self->result != NULL && self->result->tiled)
    {
      toast (self, _("Large pictures are solved in tiles, without the smooth and sparse parts"));
      return;
    }
  if (image == NULL)
    {
      toast (self, _("Nothing to save yet: run a restoration first"));
      return;
    }
  start_save (self, image, request->path, request->bit_depth);
}

static void
on_overwrite_response (AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
  SaveRequest *request = user_data;

  if (g_strcmp0 (response, "replace") == 0)
    do_save (request);
  save_request_free (request);
}

static void
on_save_response (GtkNativeDialog *native, int response, gpointer user_data)
{
  TsWindow *self = user_data;
  g_autoptr (GFile) file = NULL;
  SaveRequest *request;
  const char *depth;
  TsFileFormat format;
  char *path;

  if (response != GTK_RESPONSE_ACCEPT)
    goto out;
  file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
  path = file != NULL ? g_file_get_path (file) : NULL;
  if (path == NULL)
    {
      toast (self, _("Results can only be saved to local files"));
      goto out;
    }
  format = ts_file_format_from_name (path);
  if (format == TS_FILE_FORMAT_UNKNOWN)
    {
      g_autofree char *message = g_strdup_printf (_("%s: use a .png, .tif, .tiff or .npy name"), path);
      toast (self, message);
      g_free (path);
      goto out;
    }
  request = g_new0 (SaveRequest, 1);
  request->self = self;
  request->panel = g_strdup (g_object_get_data (G_OBJECT (native), "panel"));
  request->path = path;
  depth = gtk_file_chooser_get_choice (GTK_FILE_CHOOSER (native), "depth");
  request->bit_depth = depth != NULL ? atoi (depth) : 0;
  /* Each format keeps only the depths it has; no choice (the atoms grid) is the format's
   * default. */
  if (request->bit_depth != 0 && format == TS_FILE_FORMAT_PNG)
    request->bit_depth = request->bit_depth == 8 ? 8 : 16;
  else if (request->bit_depth != 0 && format == TS_FILE_FORMAT_TIFF)
    request->bit_depth = request->bit_depth == 32 ? 32 : 16;
  else if (request->bit_depth != 0)
    request->bit_depth = 32;

  if (self->file != NULL && g_file_equal (file, self->file))
    {
      GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Replace the Opened File?"),
                                                  NULL);
      adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                      _("%s is the image you opened. Replacing it loses the original."),
                                      document_name (self));
      adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                        "replace", _("_Replace"), NULL);
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "replace",
                                                  ADW_RESPONSE_DESTRUCTIVE);
      adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
      adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
      g_signal_connect (dialog, "response", G_CALLBACK (on_overwrite_response), request);
      gtk_window_present (GTK_WINDOW (dialog));
    }
  else
    {
      do_save (request);
      save_request_free (request);
    }
out:
  gtk_native_dialog_destroy (native);
  g_object_unref (native);
}

static void
save_dialog (TsWindow *self, const char *panel)
{
  GtkFileChooserNative *native;
  g_autoptr (GtkFileFilter) png = gtk_file_filter_new ();
  g_autoptr (GtkFileFilter) tiff = gtk_file_filter_new ();
  g_autoptr (GtkFileFilter) npy = gtk_file_filter_new ();
  const char *ids[] = { "8", "16", "32", NULL };
  const char *labels[] = { N_("8-bit (PNG)"), N_("16-bit (PNG, TIFF)"), N_("32-bit float (TIFF, NumPy)"), NULL };
  const char *translated[4];
  g_autofree char *stem = NULL;
  g_autofree char *name = NULL;

  if ((panel == NULL && self->model == NULL && self->result == NULL)
      || (panel != NULL && g_strcmp0 (panel, "input") != 0 && self->result == NULL))
    {
      toast (self, _("Nothing to save yet: run a restoration first"));
      return;
    }
  native = gtk_file_chooser_native_new (_("Save"), GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE,
                                        _("_Save"), _("_Cancel"));
  gtk_file_filter_set_name (png, _("PNG image"));
  gtk_file_filter_add_pattern (png, "*.png");
  gtk_file_filter_set_name (tiff, _("TIFF image"));
  gtk_file_filter_add_pattern (tiff, "*.tif");
  gtk_file_filter_add_pattern (tiff, "*.tiff");
  gtk_file_filter_set_name (npy, _("NumPy array (float32)"));
  gtk_file_filter_add_pattern (npy, "*.npy");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), png);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), tiff);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), npy);
  for (int i = 0; i < 3; i++)
    translated[i] = _(labels[i]);
  translated[3] = NULL;
  if (panel != NULL)
    {
      gtk_file_chooser_add_choice (GTK_FILE_CHOOSER (native), "depth", _("Bit depth"), ids, translated);
      /* Offered first: for the input and the result, the opened file's depth; else 16. */
      gboolean keeps_source = g_strcmp0 (panel, "input") == 0 || g_strcmp0 (panel, "result") == 0;
      int source_depth = keeps_source && self->source != NULL ? self->source->source_bit_depth : 0;
      gtk_file_chooser_set_choice (GTK_FILE_CHOOSER (native), "depth",
                                   source_depth == 8 ? "8" : source_depth == 32 ? "32" : "16");
    }
  if (self->display_name != NULL && self->file != NULL)
    {
      const char *dot = strrchr (self->display_name, '.');
      stem = dot != NULL ? g_strndup (self->display_name, dot - self->display_name) : g_strdup (self->display_name);
    }
  else
    stem = g_strdup ("demo");
  name = g_strdup_printf ("%s-%s.png", stem, panel != NULL ? panel : "atoms");
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), name);
  if (self->file != NULL)
    {
      g_autoptr (GFile) parent = g_file_get_parent (self->file);
      if (parent != NULL)
        gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (native), parent, NULL);
    }
  g_object_set_data_full (G_OBJECT (native), "panel", g_strdup (panel), g_free);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect (native, "response", G_CALLBACK (on_save_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
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

  self->atoms_stale = self->atoms_stale || self->model == NULL;
  update_atoms (self);
  save_dialog (self, NULL);
}

/* --- other actions ------------------------------------------------------------------- */

static void
zoom_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  TsWindow *self = TS_WINDOW (widget);
  double x, y;

  if (g_str_equal (action_name, "win.zoom-in"))
    ts_view_transform_zoom_at (self->transform, 1.25, 0, 0);
  else if (g_str_equal (action_name, "win.zoom-out"))
    ts_view_transform_zoom_at (self->transform, 0.8, 0, 0);
  else if (g_str_equal (action_name, "win.zoom-one"))
    {
      ts_view_transform_get_center (self->transform, &x, &y);
      ts_view_transform_set (self->transform, 1.0, x, y);
    }
  else
    zoom_fit (self);
}

static void
import_model_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  import_model (TS_WINDOW (widget), g_str_equal (action_name, "win.import-model-folder"));
}

static void
on_page_changed (TsWindow *self)
{
  if (g_strcmp0 (adw_view_stack_get_visible_child_name (self->stack), "atoms") == 0)
    update_atoms (self);
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
  update_atoms (self);
  ts_atoms_view_select_atom (self->atoms_view, index);
}

guint
ts_window_get_n_previews_drawn (TsWindow *self)
{
  g_return_val_if_fail (TS_IS_WINDOW (self), 0);
  return ts_image_view_get_n_textures_drawn (self->result_view);
}

double
ts_window_get_first_tile_seconds (TsWindow *self)
{
  g_return_val_if_fail (TS_IS_WINDOW (self), NAN);
  return self->first_tile_seconds;
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

static void
on_default_model_changed (TsWindow *self)
{
  g_autofree char *spec = g_settings_get_string (self->settings, "default-model");
  g_autoptr (GError) error = NULL;

  if (spec[0] != '\0' && !ts_window_set_model (self, spec, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Default model %s is unusable: %s"), spec,
                                                  error->message);
      toast (self, message);
    }
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

  add_remembered_models (self);
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
  g_signal_handlers_disconnect_by_data (gtk_recent_manager_get_default (), self);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (self), TS_TYPE_WINDOW);
  G_OBJECT_CLASS (ts_window_parent_class)->dispose (object);
}

static void
ts_window_finalize (GObject *object)
{
  TsWindow *self = TS_WINDOW (object);

  g_clear_object (&self->transform);
  g_clear_object (&self->runner);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->file);
  g_free (self->display_name);
  g_clear_pointer (&self->source, ts_image_free);
  g_clear_pointer (&self->kspace, ts_kspace_free);
  g_clear_pointer (&self->model_specs, g_ptr_array_unref);
  g_clear_pointer (&self->model, ts_model_free);
  g_free (self->model_key);
  g_clear_pointer (&self->result, ts_job_result_free);
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

  signals[SIGNAL_RUN_FINISHED] = g_signal_new ("run-finished", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
  signals[SIGNAL_DOCUMENT_CHANGED] = g_signal_new ("document-changed", G_TYPE_FROM_CLASS (klass),
                                                   G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                   G_TYPE_NONE, 0);

  g_type_ensure (TS_TYPE_IMAGE_VIEW);
  g_type_ensure (TS_TYPE_CONVERGENCE_PLOT);
  g_type_ensure (TS_TYPE_ATOMS_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/tessera/Tessera/ui/ts-window.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, TsWindow, name)
  BIND (toast_overlay);
  BIND (switcher_title);
  BIND (stack);
  BIND (run_stack);
  BIND (task_row);
  BIND (model_row);
  BIND (model_list);
  BIND (noise_adjustment);
  BIND (acceleration_adjustment);
  BIND (max_iter_adjustment);
  BIND (simulate_switch);
  BIND (acceleration_row);
  BIND (beta_row);
  BIND (lambda_row);
  BIND (tol_row);
  BIND (iteration_label);
  BIND (change_label);
  BIND (psnr_label);
  BIND (ssim_label);
  BIND (status_label);
  BIND (zoom_label);
  BIND (info_label);
  BIND (input_title);
  BIND (progress_bar);
  BIND (split_scale);
  BIND (input_view);
  BIND (result_view);
  BIND (smooth_view);
  BIND (sparse_view);
  BIND (cost_view);
  BIND (plot);
  BIND (atoms_view);
  BIND (recent_menu);
#undef BIND

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

static void
ts_window_init (TsWindow *self)
{
  GtkDropTarget *drop;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->model_specs = g_ptr_array_new_with_free_func (g_free);
  self->atoms_stale = TRUE;
  add_model_entry (self, _("Automatic (nearest trained noise level)"), "auto");
  add_model_entry (self, _("Built-in DCT"), "dct");
  add_installed_models (self);

  self->transform = ts_view_transform_new ();
  ts_image_view_set_transform (self->input_view, self->transform);
  ts_image_view_set_transform (self->result_view, self->transform);
  ts_image_view_set_transform (self->smooth_view, self->transform);
  ts_image_view_set_transform (self->sparse_view, self->transform);
  ts_image_view_set_transform (self->cost_view, self->transform);
  g_signal_connect_swapped (self->transform, "changed", G_CALLBACK (on_transform_changed), self);
  on_transform_changed (self);

  self->runner = ts_runner_new ();
  g_signal_connect_swapped (self->runner, "preview", G_CALLBACK (on_preview), self);
  set_running_ui (self, FALSE);

  g_signal_connect_swapped (self->task_row, "notify::selected", G_CALLBACK (on_task_changed), self);
  g_signal_connect_swapped (self->simulate_switch, "notify::active", G_CALLBACK (on_task_changed), self);
  g_signal_connect_swapped (self->model_row, "notify::selected", G_CALLBACK (on_model_changed), self);
  g_signal_connect_swapped (self->noise_adjustment, "value-changed", G_CALLBACK (on_model_changed), self);
  g_signal_connect_swapped (self->stack, "notify::visible-child-name", G_CALLBACK (on_page_changed), self);

  g_signal_connect_swapped (gtk_recent_manager_get_default (), "changed",
                            G_CALLBACK (rebuild_recent_menu), self);
  rebuild_recent_menu (self);

  drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (drop, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
}
