/* Converting float images to 8-bit RGB textures. */
#include "ts-texture.h"

#include <math.h>
#include <string.h>

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

typedef struct {
  int width, height;
  guint8 *rgb;
} Level;

struct _TsTextureCanvas {
  TsDisplayMode mode;
  GArray *levels;   /* Level: the picture, then its halvings */
};

static void
level_clear (Level *level)
{
  g_clear_pointer (&level->rgb, g_free);
}

/* The 2 x 2 box averages of `from` into `to` over to's columns [x0, x1) and rows [y0, y1). */
static void
halve (const Level *from, Level *to, int x0, int x1, int y0, int y1)
{
  int w = from->width;

  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      for (int c = 0; c < 3; c++)
        {
          const guint8 *p = from->rgb + ((gsize) (2 * y) * w + 2 * x) * 3 + c;
          to->rgb[((gsize) y * to->width + x) * 3 + c]
              = (guint8) ((p[0] + p[3] + p[w * 3] + p[w * 3 + 3] + 2) / 4);
        }
}

TsTextureCanvas *
ts_texture_canvas_new (const TsImage *image, TsDisplayMode mode)
{
  TsTextureCanvas *canvas;
  Level level;

  g_return_val_if_fail (image != NULL, NULL);
  g_return_val_if_fail (mode == TS_DISPLAY_CLAMP || mode == TS_DISPLAY_OFFSET, NULL);
  canvas = g_new0 (TsTextureCanvas, 1);
  canvas->mode = mode;
  canvas->levels = g_array_new (FALSE, FALSE, sizeof (Level));
  g_array_set_clear_func (canvas->levels, (GDestroyNotify) level_clear);
  level = (Level) { image->width, image->height, to_rgb (image, mode) };
  g_array_append_val (canvas->levels, level);
  for (;;)
    {
      const Level *last = &g_array_index (canvas->levels, Level, canvas->levels->len - 1);
      int hw = last->width / 2, hh = last->height / 2;
      if (MIN (hw, hh) < PYRAMID_MIN_SIDE)
        break;
      level = (Level) { hw, hh, g_malloc ((gsize) hw * hh * 3) };
      halve (last, &level, 0, hw, 0, hh);
      g_array_append_val (canvas->levels, level);
    }
  return canvas;
}

void
ts_texture_canvas_update (TsTextureCanvas *canvas, const TsImage *part, int x, int y)
{
  Level *top;
  g_autofree guint8 *rgb = NULL;
  int x0 = x, x1 = x + part->width, y0 = y, y1 = y + part->height;

  g_return_if_fail (canvas != NULL && part != NULL);
  top = &g_array_index (canvas->levels, Level, 0);
  g_return_if_fail (x >= 0 && y >= 0 && x1 <= top->width && y1 <= top->height);
  rgb = to_rgb (part, canvas->mode);
  for (int r = 0; r < part->height; r++)
    memcpy (top->rgb + ((gsize) (y + r) * top->width + x) * 3,
            rgb + (gsize) r * part->width * 3, (gsize) part->width * 3);
  /* Each level below: the averages whose 2 x 2 blocks meet the changed rectangle. */
  for (guint k = 1; k < canvas->levels->len; k++)
    {
      Level *from = &g_array_index (canvas->levels, Level, k - 1);
      Level *to = &g_array_index (canvas->levels, Level, k);
      x0 /= 2;
      y0 /= 2;
      x1 = MIN (to->width, (x1 + 1) / 2);
      y1 = MIN (to->height, (y1 + 1) / 2);
      if (x0 >= x1 || y0 >= y1)
        break;
      halve (from, to, x0, x1, y0, y1);
    }
}

GPtrArray *
ts_texture_canvas_pyramid (TsTextureCanvas *canvas)
{
  GPtrArray *textures;

  g_return_val_if_fail (canvas != NULL, NULL);
  textures = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint k = 0; k < canvas->levels->len; k++)
    {
      const Level *level = &g_array_index (canvas->levels, Level, k);
      g_autoptr (GBytes) bytes = g_bytes_new (level->rgb, (gsize) level->width * level->height * 3);
      g_ptr_array_add (textures, gdk_memory_texture_new (level->width, level->height,
                                                         GDK_MEMORY_R8G8B8, bytes,
                                                         (gsize) level->width * 3));
    }
  return textures;
}

void
ts_texture_canvas_free (TsTextureCanvas *canvas)
{
  if (canvas == NULL)
    return;
  g_array_unref (canvas->levels);
  g_free (canvas);
}

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
      Level from = { w, h, rgb }, to = { w / 2, h / 2, NULL };

      g_ptr_array_add (levels, gdk_memory_texture_new (w, h, GDK_MEMORY_R8G8B8, bytes, (gsize) w * 3));
      if (MIN (to.width, to.height) < PYRAMID_MIN_SIDE)
        break;
      to.rgb = g_malloc ((gsize) to.width * to.height * 3);
      halve (&from, &to, 0, to.width, 0, to.height);
      g_free (rgb);
      rgb = to.rgb;
      w = to.width;
      h = to.height;
    }
  g_free (rgb);
  return levels;
}
