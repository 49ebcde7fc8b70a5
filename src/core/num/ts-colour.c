#include "ts-colour.h"
#include <math.h>
#include <string.h>

gboolean
ts_colour_mode_from_name (const char *name, TsColourMode *mode)
{
  g_return_val_if_fail (mode != NULL, FALSE);
  if (g_strcmp0 (name, "opponent") == 0)
    *mode = TS_COLOUR_OPPONENT;
  else if (g_strcmp0 (name, "rgb") == 0)
    *mode = TS_COLOUR_RGB;
  else
    return FALSE;
  return TRUE;
}

const char *
ts_colour_mode_name (TsColourMode mode)
{
  return mode == TS_COLOUR_RGB ? "rgb" : "opponent";
}

/* Rows: o1, o2, o3 in terms of R, G, B. The inverse is the transpose. */
#define S3 0.57735026918962576451   /* 1 / sqrt 3 */
#define S2 0.70710678118654752440   /* 1 / sqrt 2 */
#define S6 0.40824829046386301637   /* 1 / sqrt 6 */
const double ts_colour_opponent_basis[3][3] = {
  { S3, S3, S3 },
  { S2, 0.0, -S2 },
  { S6, -2.0 * S6, S6 },
};

static TsImage *
transform (const TsImage *image, gboolean inverse)
{
  g_return_val_if_fail (image != NULL, NULL);
  TsImage *out = ts_image_copy (image);
  if (image->channels != 3 && image->channels != 4)
    return out;
  int c = image->channels;
  gsize n = (gsize) image->width * image->height;
  for (gsize i = 0; i < n; i++)
    {
      const float *src = image->data + i * c;
      float *dst = out->data + i * c;
      for (int r = 0; r < 3; r++)
        {
          double v = 0.0;
          for (int k = 0; k < 3; k++)
            v += (inverse ? ts_colour_opponent_basis[k][r] : ts_colour_opponent_basis[r][k]) * src[k];
          dst[r] = (float) v;
        }
    }
  return out;
}

TsImage *
ts_colour_rgb_to_opponent (const TsImage *image)
{
  return transform (image, FALSE);
}

TsImage *
ts_colour_opponent_to_rgb (const TsImage *image)
{
  return transform (image, TRUE);
}

int
ts_colour_channels (const TsImage *image)
{
  g_return_val_if_fail (image != NULL, 0);
  return image->channels == 2 || image->channels == 4 ? image->channels - 1 : image->channels;
}

TsImage *
ts_colour_luminance (const TsImage *image)
{
  g_return_val_if_fail (image != NULL, NULL);
  if (ts_colour_channels (image) == 1)
    return ts_image_extract_channel (image, 0);
  TsImage *gray = ts_image_new (image->width, image->height, 1, NULL);
  if (gray == NULL)
    return NULL;
  for (gsize i = 0; i < (gsize) image->width * image->height; i++)
    {
      const float *p = image->data + i * image->channels;
      gray->data[i] = 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
    }
  return gray;
}
