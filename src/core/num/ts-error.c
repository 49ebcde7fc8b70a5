#include "ts-error.h"

G_DEFINE_QUARK (tessera-error-quark, ts_error)

/* Atomic so that a test or the CLI may change the limit while worker threads read it. */
static gsize max_pixels = TS_DEFAULT_MAX_PIXELS;

gsize
ts_limits_get_max_pixels (void)
{
  return __atomic_load_n (&max_pixels, __ATOMIC_RELAXED);
}

void
ts_limits_set_max_pixels (gsize value)
{
  __atomic_store_n (&max_pixels, value, __ATOMIC_RELAXED);
}

int
ts_limits_get_max_side (void)
{
  return TS_DEFAULT_MAX_SIDE;
}

gboolean
ts_limits_check (const char *what, gint64 width, gint64 height, gint64 channels, GError **error)
{
  if (what == NULL)
    what = "image";
  if (width <= 0 || height <= 0 || channels <= 0)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_LIMIT,
                   "%s: invalid image size %" G_GINT64_FORMAT " x %" G_GINT64_FORMAT
                   " with %" G_GINT64_FORMAT " channels",
                   what, width, height, channels);
      return FALSE;
    }
  gint64 max_side = ts_limits_get_max_side ();
  if (width > max_side || height > max_side)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_LIMIT,
                   "%s: image is %" G_GINT64_FORMAT " x %" G_GINT64_FORMAT
                   " pixels, over the limit of %" G_GINT64_FORMAT " pixels per side",
                   what, width, height, max_side);
      return FALSE;
    }
  /* Both sides are <= 65536, so width * height cannot overflow. */
  guint64 pixels = (guint64) width * (guint64) height;
  gsize max = ts_limits_get_max_pixels ();
  if (pixels > max)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_LIMIT,
                   "%s: image is %" G_GINT64_FORMAT " x %" G_GINT64_FORMAT
                   " = %" G_GUINT64_FORMAT " pixels, over the limit of %" G_GSIZE_FORMAT " pixels",
                   what, width, height, pixels, max);
      return FALSE;
    }
  if (channels > 4)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_LIMIT,
                   "%s: image has %" G_GINT64_FORMAT " channels, at most 4 are supported",
                   what, channels);
      return FALSE;
    }
  return TRUE;
}
