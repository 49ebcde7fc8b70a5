/* The opened document and its loader. */
#include "ts-document.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "ts-texture.h"

struct _TsDocument {
  GObject parent_instance;

  GFile *file;
  char *display_name;
  TsImage *image;
  TsKspace *kspace;
  GPtrArray *view_pyramid;
  int view_width, view_height;
  /* The image's noise as read when it was opened, for `noise_model` (ts_restore_noise_read);
   * the demo's has nothing read. None for k-space. */
  TsNoiseModel noise_model;
  gboolean has_noise_reading;
  TsNoiseReading noise_reading;
  /* A fastMRI .h5: the slice to read (TS_FASTMRI_MIDDLE_SLICE before loading), how many the
   * file has (0 for other documents) and what it says of the scan. */
  int slice;
  int n_slices;
  int acceleration;
  gboolean fat_suppressed;
  TsImage *truth;          /* a fastMRI file's ground truth of the slice, or NULL */
  const char *truth_name;  /* ... its dataset (static) */
};

G_DEFINE_FINAL_TYPE (TsDocument, ts_document, G_TYPE_OBJECT)
G_DEFINE_QUARK (ts-document-error-quark, ts_document_error)

TsDocument *
ts_document_new (GFile *file)
{
  TsDocument *self;

  g_return_val_if_fail (G_IS_FILE (file), NULL);
  self = g_object_new (TS_TYPE_DOCUMENT, NULL);
  self->file = g_object_ref (file);
  self->display_name = g_file_get_basename (file);
  return self;
}

TsDocument *
ts_document_new_demo (int size)
{
  TsDocument *self;
  TsImage *image = ts_demo_image_new (size, size);

  if (image == NULL)
    return NULL;
  self = g_object_new (TS_TYPE_DOCUMENT, NULL);
  self->display_name = g_strdup (_("Demo image"));
  self->image = image;
  self->view_width = image->width;
  self->view_height = image->height;
  self->view_pyramid = ts_texture_pyramid_new (image, TS_DISPLAY_CLAMP);
  /* Nothing read: the demo is clean, its noise is the one Simulate adds. */
  ts_restore_noise_reading_init (&self->noise_reading, image);
  self->has_noise_reading = TRUE;
  return self;
}

/* Reads into `reading` what a denoising of `image` with `model` reads without a given level
 * and `reading` lacks (ts_restore_noise_read; a large picture's centre: a fraction of a
 * second), on the calling thread. G_MESSAGES_DEBUG=all shows the time it took. */
static void
read_noise (const TsImage *image, TsNoiseModel model, TsNoiseReading *reading)
{
  gint64 start = g_get_monotonic_time ();

  ts_restore_noise_read (image, model, reading);
  g_debug ("noise read for %s in %.3f s (%d x %d x %d)", ts_noise_model_name (model),
           (g_get_monotonic_time () - start) / 1e6, image->width, image->height, image->channels);
}

/* --- loading ------------------------------------------------------------------------- */

typedef struct {
  char *path;
  char *mask;        /* the sampling mask chosen for a complex .npy, or NULL */
  int slice;         /* a fastMRI .h5: the slice to read */
  int n_slices;      /* ... and, once read, the file's number of slices */
  int acceleration;
  gboolean fat_suppressed;
  TsImage *truth;    /* a fastMRI file's ground truth, or NULL */
  const char *truth_name;
  TsImage *image;
  TsKspace *kspace;
  TsImage *view;     /* what the input panel shows: the image, or k-space zero-filled */
  GPtrArray *pyramid;/* its textures, built on the thread */
  TsNoiseModel noise_model;     /* the image's noise read for it */
  gboolean has_noise_reading;
  TsNoiseReading noise_reading;
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_free (data->path);
  g_free (data->mask);
  g_clear_pointer (&data->image, ts_image_free);
  g_clear_pointer (&data->kspace, ts_kspace_free);
  g_clear_pointer (&data->truth, ts_image_free);
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

/* k-space or an image: BART's pair by its name, a fastMRI .h5 by its name or its signature,
 * a .npy by the dtype in its header. */
static gboolean
is_kspace (const char *path, gboolean *is_npy, gboolean *is_hdf5, GError **error)
{
  g_autofree char *lower = g_ascii_strdown (path, -1);
  TsNpyHeader header;

  *is_npy = g_str_has_suffix (lower, ".npy");
  *is_hdf5 = !*is_npy && (ts_hdf5_name_matches (path) || ts_hdf5_file_has_signature (path));
  if (*is_hdf5 || g_str_has_suffix (lower, ".cfl") || g_str_has_suffix (lower, ".hdr"))
    return TRUE;
  if (!*is_npy)
    return FALSE;
  if (!ts_npy_read_header (path, &header, error))
    return FALSE;
  return header.dtype == TS_NPY_COMPLEX64;
}

/* One slice of a fastMRI file, with the file's mask (or the columns that hold data) or the
 * mask chosen. */
static gboolean
load_fastmri (LoadData *data, GError **error)
{
  g_autoptr (TsFastmriSlice) fs = ts_fastmri_load (data->path, data->slice, data->mask,
                                                   TS_FASTMRI_LOAD_DEFAULT, error);
  if (fs == NULL)
    return FALSE;
  data->slice = fs->slice;
  data->n_slices = fs->n_slices;
  data->acceleration = fs->acceleration;
  data->fat_suppressed = fs->fat_suppressed || ts_kspace_path_is_fat_suppressed (data->path);
  data->kspace = g_steal_pointer (&fs->kspace);
  data->truth = g_steal_pointer (&fs->target);
  data->truth_name = fs->target_name;
  data->view = ts_restore_zero_filled (data->kspace, error);
  return data->view != NULL;
}

static gboolean
load_kspace (LoadData *data, gboolean is_npy, gboolean is_hdf5, GError **error)
{
  g_autofree char *mask = NULL;
  if (is_hdf5)
    return load_fastmri (data, error);
  if (is_npy)
    {
      mask = data->mask != NULL ? g_strdup (data->mask) : find_mask (data->path);
      if (mask == NULL)
        {
          g_set_error (error, TS_DOCUMENT_ERROR, TS_DOCUMENT_ERROR_NEEDS_MASK,
                       "%s: no sampling mask beside it", data->path);
          return FALSE;
        }
    }
  data->kspace = ts_kspace_load (data->path, mask, error);
  if (data->kspace == NULL)
    return FALSE;
  data->view = ts_restore_zero_filled (data->kspace, error);
  return data->view != NULL;
}

static void
load_in_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  LoadData *data = task_data;
  GError *error = NULL;
  gboolean is_npy = FALSE, is_hdf5 = FALSE;
  gboolean kspace = is_kspace (data->path, &is_npy, &is_hdf5, &error);

  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (kspace)
    {
      if (!load_kspace (data, is_npy, is_hdf5, &error))
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
      ts_restore_noise_reading_init (&data->noise_reading, data->image);
      read_noise (data->image, data->noise_model, &data->noise_reading);
      data->has_noise_reading = TRUE;
    }
  /* A large picture's textures take a while: not on the main loop. */
  data->pyramid = ts_texture_pyramid_new (data->view, TS_DISPLAY_CLAMP);
  g_task_return_boolean (task, TRUE);
}

void
ts_document_load_async (TsDocument *self, const char *mask_path, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  LoadData *data;

  g_return_if_fail (TS_IS_DOCUMENT (self));
  g_return_if_fail (self->file != NULL);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ts_document_load_async);
  data = g_new0 (LoadData, 1);
  data->path = g_file_get_path (self->file);
  data->mask = g_strdup (mask_path);
  data->slice = self->slice;
  data->noise_model = self->noise_model;
  g_task_set_task_data (task, data, (GDestroyNotify) load_data_free);
  if (data->path == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "%s: not a local file", self->display_name);
      return;
    }
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, load_in_thread);
}

gboolean
ts_document_load_finish (TsDocument *self, GAsyncResult *result, GError **error)
{
  LoadData *data;

  g_return_val_if_fail (TS_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  data = g_task_get_task_data (G_TASK (result));
  self->image = g_steal_pointer (&data->image);
  self->kspace = g_steal_pointer (&data->kspace);
  self->view_pyramid = g_steal_pointer (&data->pyramid);
  self->view_width = data->view->width;
  self->view_height = data->view->height;
  self->has_noise_reading = data->has_noise_reading;
  self->noise_reading = data->noise_reading;
  self->slice = data->slice;
  self->n_slices = data->n_slices;
  self->acceleration = data->acceleration;
  self->fat_suppressed = data->fat_suppressed;
  self->truth = g_steal_pointer (&data->truth);
  self->truth_name = data->truth_name;
  return TRUE;
}

/* --- properties ---------------------------------------------------------------------- */

void
ts_document_set_slice (TsDocument *self, int slice)
{
  g_return_if_fail (TS_IS_DOCUMENT (self));
  self->slice = slice;
}

void
ts_document_set_noise_model (TsDocument *self, TsNoiseModel model)
{
  g_return_if_fail (TS_IS_DOCUMENT (self));
  self->noise_model = model;
}

const TsNoiseReading *
ts_document_get_noise_reading (TsDocument *self)
{
  g_return_val_if_fail (TS_IS_DOCUMENT (self), NULL);
  return self->has_noise_reading ? &self->noise_reading : NULL;
}

/* --- reading more of the noise ------------------------------------------------------- */

typedef struct {
  TsNoiseModel model;
  TsNoiseReading reading;   /* the document's, completed on the thread */
} ReadData;

static void
read_noise_in_thread (GTask *task, gpointer source_object, gpointer task_data,
                      GCancellable *cancellable)
{
  TsDocument *self = source_object;
  ReadData *data = task_data;

  /* The image is the document's, never changed once loaded; the task holds the document. */
  read_noise (self->image, data->model, &data->reading);
  g_task_return_boolean (task, TRUE);
}

void
ts_document_read_noise_async (TsDocument *self, TsNoiseModel model, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  ReadData *data;

  g_return_if_fail (TS_IS_DOCUMENT (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ts_document_read_noise_async);
  if (!self->has_noise_reading || self->image == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "%s: no picture to read noise from", self->display_name);
      return;
    }
  data = g_new (ReadData, 1);
  data->model = model;
  data->reading = self->noise_reading;
  g_task_set_task_data (task, data, g_free);
  g_task_run_in_thread (task, read_noise_in_thread);
}

gboolean
ts_document_read_noise_finish (TsDocument *self, GAsyncResult *result, GError **error)
{
  const TsNoiseReading *reading;

  g_return_val_if_fail (TS_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  reading = &((ReadData *) g_task_get_task_data (G_TASK (result)))->reading;
  /* A reading only grows: keep whichever of two holds more. */
  if (reading->has_level >= self->noise_reading.has_level
      && reading->has_pg >= self->noise_reading.has_pg)
    self->noise_reading = *reading;
  return TRUE;
}

int
ts_document_get_slice (TsDocument *self)
{
  g_return_val_if_fail (TS_IS_DOCUMENT (self), 0);
  return self->slice;
}

int
ts_document_get_n_slices (TsDocument *self)
{
  g_return_val_if_fail (TS_IS_DOCUMENT (self), 0);
  return self->n_slices;
}

void
ts_document_get_scan_info (TsDocument *self, int *acceleration, gboolean *fat_suppressed)
{
  g_return_if_fail (TS_IS_DOCUMENT (self));
  *acceleration = self->acceleration;
  *fat_suppressed = self->fat_suppressed;
}

GFile *
ts_document_get_file (TsDocument *self)
{
  g_return_val_if_fail (TS_IS_DOCUMENT (self), NULL);
  return self->file;
}

const char *
ts_document_get_display_name (TsDocument *self)
{
  g_return_val_if_fail (TS_IS_DOCUMENT (self), NULL);
  return self->display_name;
}

const TsImage *
ts_document_get_image (TsDocument *self)
{
  g_return_val_if_fail (TS_IS_DOCUMENT (self), NULL);
  return self->image;
}

double
ts_document_get_noise_estimate (TsDocument *self)
{
  double estimate = NAN;

  g_return_val_if_fail (TS_IS_DOCUMENT (self), NAN);
  if (self->has_noise_reading && self->noise_reading.has_level)
    (void) ts_restore_sigma_from_level (&self->noise_reading.level, &estimate);
  return estimate;
}

const TsKspace *
ts_document_get_kspace (TsDocument *self)
{
  g_return_val_if_fail (TS_IS_DOCUMENT (self), NULL);
  return self->kspace;
}

const TsImage *
ts_document_get_truth (TsDocument *self, const char **name)
{
  g_return_val_if_fail (TS_IS_DOCUMENT (self), NULL);
  if (name != NULL)
    *name = self->truth_name;
  return self->truth;
}

GPtrArray *
ts_document_get_view_pyramid (TsDocument *self)
{
  g_return_val_if_fail (TS_IS_DOCUMENT (self), NULL);
  return self->view_pyramid;
}

void
ts_document_get_view_size (TsDocument *self, int *width, int *height)
{
  g_return_if_fail (TS_IS_DOCUMENT (self));
  *width = self->view_width;
  *height = self->view_height;
}

char *
ts_document_dup_summary (TsDocument *self)
{
  const TsKspace *kspace;

  g_return_val_if_fail (TS_IS_DOCUMENT (self), NULL);
  kspace = self->kspace;
  if (kspace != NULL)
    {
      gsize n = (gsize) kspace->width * kspace->height;
      double sampled = 0.0;
      for (gsize i = 0; i < n; i++)
        sampled += kspace->mask[i];
      if (self->n_slices > 0 && self->truth != NULL)
        /* Translators: a fastMRI file with its ground truth: its name, the slice shown (from
         * 0), the last slice, the k-space's size and sampling, the ground truth's dataset
         * (reconstruction_esc or reconstruction_rss), against which PSNR and SSIM are shown. */
        return g_strdup_printf (_("%s · slice %d of 0–%d · k-space %d × %d, %.0f %% sampled · "
                                  "ground truth %s"),
                                self->display_name, self->slice, self->n_slices - 1,
                                kspace->width, kspace->height, 100.0 * sampled / n,
                                self->truth_name);
      if (self->n_slices > 0)
        /* Translators: a fastMRI file: its name, the slice shown (from 0), the last slice. */
        return g_strdup_printf (_("%s · slice %d of 0–%d · k-space %d × %d, %.0f %% sampled"),
                                self->display_name, self->slice, self->n_slices - 1,
                                kspace->width, kspace->height, 100.0 * sampled / n);
      return g_strdup_printf (_("%s · k-space %d × %d, %.0f %% sampled"), self->display_name,
                              kspace->width, kspace->height, 100.0 * sampled / n);
    }
  if (self->image == NULL)
    return g_strdup (self->display_name);
  return g_strdup_printf (ngettext ("%s · %d × %d, %d channel", "%s · %d × %d, %d channels",
                                    self->image->channels),
                          self->display_name, self->image->width, self->image->height,
                          self->image->channels);
}

/* --- life cycle ---------------------------------------------------------------------- */

static void
ts_document_finalize (GObject *object)
{
  TsDocument *self = TS_DOCUMENT (object);

  g_clear_object (&self->file);
  g_free (self->display_name);
  g_clear_pointer (&self->image, ts_image_free);
  g_clear_pointer (&self->kspace, ts_kspace_free);
  g_clear_pointer (&self->truth, ts_image_free);
  g_clear_pointer (&self->view_pyramid, g_ptr_array_unref);
  G_OBJECT_CLASS (ts_document_parent_class)->finalize (object);
}

static void
ts_document_class_init (TsDocumentClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ts_document_finalize;
}

static void
ts_document_init (TsDocument *self)
{
  self->noise_model = TS_NOISE_MODEL_AUTO;
  self->slice = TS_FASTMRI_MIDDLE_SLICE;
}
