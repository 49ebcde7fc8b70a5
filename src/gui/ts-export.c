/* Saving panels. */
#include "ts-export.h"

TsImage *
ts_export_panel_image (const TsJobResult *r, const TsImage *source, const char *panel,
                       gboolean integer_format)
{
  TsImage *image = NULL;

  g_return_val_if_fail (panel != NULL, NULL);
  if (g_strcmp0 (panel, "input") == 0)
    return r != NULL ? ts_image_copy (r->input) : source != NULL ? ts_image_copy (source) : NULL;
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
  TsImage *image;
  char *path;
  int bit_depth;
  int jpeg_quality;
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

  gboolean ok;

  /* Both write to a temporary file and rename it: never a half-written file. */
  if (ts_file_format_from_name (data->path) == TS_FILE_FORMAT_JPEG)
    ok = ts_image_save_jpeg (data->image, data->path, data->jpeg_quality, &error);
  else
    ok = ts_image_save (data->image, data->path, data->bit_depth, &error);
  if (!ok)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
ts_export_save_async (TsImage *image, const char *path, int bit_depth, int jpeg_quality,
                      GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  SaveData *data = g_new0 (SaveData, 1);

  data->image = image;
  data->path = g_strdup (path);
  data->bit_depth = bit_depth;
  data->jpeg_quality = jpeg_quality > 0 ? jpeg_quality : TS_JPEG_DEFAULT_QUALITY;
  g_task_set_source_tag (task, ts_export_save_async);
  g_task_set_task_data (task, data, (GDestroyNotify) save_data_free);
  g_task_run_in_thread (task, save_in_thread);
}

gboolean
ts_export_save_finish (GAsyncResult *result, char **path, GError **error)
{
  SaveData *data;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  data = g_task_get_task_data (G_TASK (result));
  if (path != NULL)
    *path = g_strdup (data->path);
  return g_task_propagate_boolean (G_TASK (result), error);
}
