/* Converting float images to 8-bit RGB textures. */
#include "ts-texture.h"

#include <math.h>

static float
map_value (float v, TsDisplayMode mode, float max)
{
  switch (mode)
    {
    case TS_DISPLAY_OFFSET:
      v = v + 0.5f;
      break;
    case TS_DISPLAY_NORMALIZE:
    case TS_DISPLAY_HEAT:
      v = max > 0.0f ? v / max : 0.0f;
      break;
    case TS_DISPLAY_CLAMP:
    default:
      break;
    }
  if (!(v > 0.0f))   /* also NaN */
    return 0.0f;
  return v < 1.0f ? v : 1.0f;
}

/* A perceptually ordered black → red → yellow → white ramp. */
static void
heat (float t, guint8 rgb[3])
{
  float r = CLAMP (3.0f * t, 0.0f, 1.0f);
  float g = CLAMP (3.0f * t - 1.0f, 0.0f, 1.0f);
  float b = CLAMP (3.0f * t - 2.0f, 0.0f, 1.0f);
  rgb[0] = (guint8) lrintf (255.0f * r);
  rgb[1] = (guint8) lrintf (255.0f * g);
  rgb[2] = (guint8) lrintf (255.0f * b);
}

static guint8 *
to_rgb (const TsImage *image, TsDisplayMode mode)
{
  gsize n = (gsize) image->width * image->height;
  int n_color = image->channels >= 3 ? 3 : 1;
  guint8 *rgb = g_malloc (n * 3);
  float max = 0.0f;

  if (mode == TS_DISPLAY_NORMALIZE || mode == TS_DISPLAY_HEAT)
    for (gsize i = 0; i < n * image->channels; i++)
      if (isfinite (image->data[i]))
        max = MAX (max, image->data[i]);
  for (gsize i = 0; i < n; i++)
    {
      const float *p = image->data + i * image->channels;
      guint8 *o = rgb + i * 3;
      if (mode == TS_DISPLAY_HEAT)
        heat (map_value (p[0], mode, max), o);
      else if (n_color == 1)
        o[0] = o[1] = o[2] = (guint8) lrintf (255.0f * map_value (p[0], mode, max));
      else
        for (int c = 0; c < 3; c++)
          o[c] = (guint8) lrintf (255.0f * map_value (p[c], mode, max));
    }
  return rgb;
}

GdkTexture *
ts_texture_new_from_image (const TsImage *image, TsDisplayMode mode)
{
  g_autoptr (GBytes) bytes = NULL;

  g_return_val_if_fail (image != NULL, NULL);
  bytes = g_bytes_new_take (to_rgb (image, mode), (gsize) image->width * image->height * 3);
  return gdk_memory_texture_new (image->width, image->height, GDK_MEMORY_R8G8B8, bytes,
                                 (gsize) image->width * 3);
}

TsImage *
ts_texture_display_image (const TsImage *image, TsDisplayMode mode)
{
  g_autofree guint8 *rgb = NULL;
  TsImage *out;
  gsize n;

  g_return_val_if_fail (image != NULL, NULL);
  out = ts_image_new (image->width, image->height, 3, NULL);
  if (out == NULL)
    return NULL;
  rgb = to_rgb (image, mode);
  n = (gsize) image->width * image->height * 3;
  for (gsize i = 0; i < n; i++)
    out->data[i] = rgb[i] / 255.0f;
  return out;
}

#define PYRAMID_MIN_SIDE 128

GPtrArray *
ts_texture_pyramid_new (const TsImage *image, TsDisplayMode mode)
{
  GPtrArray *levels;
  guint8 *rgb;
  int w, h;

  g_return_val_if_fail (image != NULL, NULL);
  levels = g_ptr_array_new_with_free_func (g_object_unref);
  w = image->width;
  h = image->height;
  rgb = to_rgb (image, mode);
  for (;;)
    {
      g_autoptr (GBytes) bytes = g_bytes_new (rgb, (gsize) w * h * 3);
      int hw = w / 2, hh = h / 2;
      guint8 *half;

      g_ptr_array_add (levels, gdk_memory_texture_new (w, h, GDK_MEMORY_R8G8B8, bytes, (gsize) w * 3));
      if (MIN (hw, hh) < PYRAMID_MIN_SIDE)
        break;
      half = g_malloc ((gsize) hw * hh * 3);
      for (int y = 0; y < hh; y++)
        for (int x = 0; x < hw; x++)
          for (int c = 0; c < 3; c++)
            {
              const guint8 *p = rgb + ((gsize) (2 * y) * w + 2 * x) * 3 + c;
              half[((gsize) y * hw + x) * 3 + c] = (guint8) ((p[0] + p[3] + p[w * 3] + p[w * 3 + 3] + 2) / 4);
            }
      g_free (rgb);
      rgb = half;
      w = hw;
      h = hh;
    }
  g_free (rgb);
  return levels;
}
