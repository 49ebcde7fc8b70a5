#include "ts-image.h"
#include <math.h>
#include <string.h>

TsImage *
ts_image_new (int width, int height, int channels, GError **error)
{
  if (!ts_limits_check ("image", width, height, channels, error))
    return NULL;
  gsize n = (gsize) width * (gsize) height * (gsize) channels;
  /* try_ variant: a huge but in-limit request must be an error, not an abort. */
  float *data = g_try_new0 (float, n);
  if (data == NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_NOMEM,
                   "out of memory allocating a %d x %d x %d image", width, height, channels);
      return NULL;
    }
  TsImage *image = g_new0 (TsImage, 1);
  image->width = width;
  image->height = height;
  image->channels = channels;
  image->data = data;
  return image;
}

TsImage *
ts_image_copy (const TsImage *image)
{
  g_return_val_if_fail (image != NULL, NULL);
  TsImage *copy = g_new0 (TsImage, 1);
  *copy = *image;
  copy->data = g_memdup2 (image->data, ts_image_n_values (image) * sizeof (float));
  if (copy->icc_profile != NULL)
    g_bytes_ref (copy->icc_profile);
  return copy;
}

void
ts_image_free (TsImage *image)
{
  if (image == NULL)
    return;
  g_free (image->data);
  g_clear_pointer (&image->icc_profile, g_bytes_unref);
  g_free (image);
}

gsize
ts_image_n_values (const TsImage *image)
{
  g_return_val_if_fail (image != NULL, 0);
  return (gsize) image->width * (gsize) image->height * (gsize) image->channels;
}

TsImage *
ts_image_extract_channel (const TsImage *image, int channel)
{
  g_return_val_if_fail (image != NULL, NULL);
  g_return_val_if_fail (channel >= 0 && channel < image->channels, NULL);
  TsImage *plane = ts_image_new (image->width, image->height, 1, NULL);
  g_return_val_if_fail (plane != NULL, NULL);
  gsize n = (gsize) image->width * (gsize) image->height;
  for (gsize i = 0; i < n; i++)
    plane->data[i] = image->data[i * image->channels + channel];
  return plane;
}

void
ts_image_set_channel (TsImage *image, int channel, const TsImage *plane)
{
  g_return_if_fail (image != NULL && plane != NULL);
  g_return_if_fail (channel >= 0 && channel < image->channels);
  g_return_if_fail (plane->width == image->width && plane->height == image->height);
  g_return_if_fail (plane->channels == 1);
  gsize n = (gsize) image->width * (gsize) image->height;
  for (gsize i = 0; i < n; i++)
    image->data[i * image->channels + channel] = plane->data[i];
}

TsImage *
ts_image_crop (const TsImage *image, int x0, int y0, int width, int height)
{
  g_return_val_if_fail (image != NULL, NULL);
  g_return_val_if_fail (x0 >= 0 && y0 >= 0 && width > 0 && height > 0, NULL);
  g_return_val_if_fail (x0 <= image->width - width && y0 <= image->height - height, NULL);
  TsImage *out = ts_image_new (width, height, image->channels, NULL);
  g_return_val_if_fail (out != NULL, NULL);
  gsize row = (gsize) width * image->channels;
  for (int y = 0; y < height; y++)
    memcpy (out->data + (gsize) y * row,
            image->data + ((gsize) (y0 + y) * image->width + x0) * image->channels,
            row * sizeof (float));
  ts_image_copy_metadata (out, image);
  return out;
}

TsImage *
ts_image_extend (const TsImage *image, int width, int height, GError **error)
{
  g_return_val_if_fail (image != NULL, NULL);
  g_return_val_if_fail (width >= image->width && height >= image->height, NULL);
  TsImage *out = ts_image_new (width, height, image->channels, error);
  if (out == NULL)
    return NULL;
  int ch = image->channels;
  for (int y = 0; y < height; y++)
    {
      const float *src = image->data + (gsize) MIN (y, image->height - 1) * image->width * ch;
      float *dst = out->data + (gsize) y * width * ch;
      memcpy (dst, src, sizeof (float) * image->width * ch);
      for (int x = image->width; x < width; x++)
        memcpy (dst + (gsize) x * ch, src + (gsize) (image->width - 1) * ch, sizeof (float) * ch);
    }
  ts_image_copy_metadata (out, image);
  return out;
}

int
ts_image_side_round_up (int side, int multiple)
{
  g_return_val_if_fail (multiple > 0 && side >= 0, side);
  return (side + multiple - 1) / multiple * multiple;
}

TsImage *
ts_image_extend_to_multiple (const TsImage *image, int multiple, GError **error)
{
  g_return_val_if_fail (image != NULL && multiple > 0, NULL);
  int width = ts_image_side_round_up (image->width, multiple);
  int height = ts_image_side_round_up (image->height, multiple);
  if (width == image->width && height == image->height)
    return ts_image_copy (image);
  return ts_image_extend (image, width, height, error);
}

void
ts_image_copy_metadata (TsImage *dest, const TsImage *src)
{
  g_return_if_fail (dest != NULL && src != NULL);
  if (dest == src)
    return;
  dest->source_bit_depth = src->source_bit_depth;
  ts_image_set_icc_profile (dest, src->icc_profile);
}

void
ts_image_set_icc_profile (TsImage *image, GBytes *profile)
{
  g_return_if_fail (image != NULL);
  if (profile != NULL)
    g_bytes_ref (profile);
  g_clear_pointer (&image->icc_profile, g_bytes_unref);
  image->icc_profile = profile;
}

gboolean
ts_image_check_finite (const TsImage *image, const char *what, GError **error)
{
  g_return_val_if_fail (image != NULL, FALSE);
  gsize n = ts_image_n_values (image);
  for (gsize i = 0; i < n; i++)
    {
      if (!isfinite (image->data[i]))
        {
          gsize pixel = i / image->channels;
          g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                       "%s: %s value at row %" G_GSIZE_FORMAT ", column %" G_GSIZE_FORMAT
                       " (channel %" G_GSIZE_FORMAT "); the input must be finite",
                       what != NULL ? what : "image", isnan (image->data[i]) ? "NaN" : "infinite",
                       pixel / image->width, pixel % image->width, i % image->channels);
          return FALSE;
        }
    }
  return TRUE;
}
