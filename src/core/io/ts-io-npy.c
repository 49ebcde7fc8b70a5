#include "ts-io-npy.h"
#include "ts-npy.h"
#include <string.h>

TsImage *
ts_image_load_npy (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_autoptr (TsNpyArray) array = ts_npy_load (path, error);
  if (array == NULL)
    return NULL;
  if (array->dtype == TS_NPY_COMPLEX64)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: complex array; this looks like k-space, load it as k-space rather "
                   "than as an image", path);
      return NULL;
    }
  if (array->dtype != TS_NPY_FLOAT32 && array->dtype != TS_NPY_FLOAT64
      && array->dtype != TS_NPY_UINT8 && array->dtype != TS_NPY_BOOL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: %s arrays are not supported as images (use float32, float64 or uint8)",
                   path, ts_npy_dtype_name (array->dtype));
      return NULL;
    }
  gint64 channels;
  if (array->ndim == 2)
    channels = 1;
  else if (array->ndim == 3 && array->shape[2] >= 1 && array->shape[2] <= 4)
    channels = array->shape[2];
  else
    {
      g_autoptr (GString) shape = g_string_new (NULL);
      for (int i = 0; i < array->ndim; i++)
        g_string_append_printf (shape, "%s%" G_GINT64_FORMAT, i ? " x " : "", array->shape[i]);
      const char *hint = array->ndim == 3 && array->shape[0] >= 1 && array->shape[0] <= 4
                           ? " (channels-first? transpose to H x W x C)" : "";
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: array of shape (%s) is not an image: expected H x W or H x W x C with "
                   "C from 1 to 4%s", path, shape->str, hint);
      return NULL;
    }
  if (!ts_limits_check (path, array->shape[1], array->shape[0], channels, error))
    return NULL;
  TsImage *image = ts_image_new ((int) array->shape[1], (int) array->shape[0], (int) channels,
                                 error);
  if (image == NULL)
    return NULL;
  gsize n = ts_image_n_values (image);
  /* uint8 images are 0..255; everything else is taken as already in [0, 1]. */
  double scale = array->dtype == TS_NPY_UINT8 ? 1.0 / 255.0 : 1.0;
  for (gsize i = 0; i < n; i++)
    image->data[i] = (float) (array->values[i] * scale);
  image->source_bit_depth = array->dtype == TS_NPY_UINT8 || array->dtype == TS_NPY_BOOL ? 8 : 32;
  return image;
}

gboolean
ts_image_save_npy (const TsImage *image, const char *path, GError **error)
{
  g_return_val_if_fail (image != NULL && path != NULL, FALSE);
  gint64 shape[3] = { image->height, image->width, image->channels };
  return ts_npy_save_float32 (path, image->data, image->channels == 1 ? 2 : 3, shape, error);
}
