#include "ts-io.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

static TsFileFormat
format_from_magic (const guint8 *b, gsize n)
{
  if (n >= 8 && memcmp (b, "\x89PNG\r\n\x1a\n", 8) == 0)
    return TS_FILE_FORMAT_PNG;
  if (n >= 4 && (memcmp (b, "II*\0", 4) == 0 || memcmp (b, "MM\0*", 4) == 0
                 || memcmp (b, "II+\0", 4) == 0 || memcmp (b, "MM\0+", 4) == 0))
    return TS_FILE_FORMAT_TIFF;
  if (n >= 6 && memcmp (b, "\x93NUMPY", 6) == 0)
    return TS_FILE_FORMAT_NPY;
  if (n >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff)
    return TS_FILE_FORMAT_JPEG;
  return TS_FILE_FORMAT_UNKNOWN;
}

static const char *
format_name (TsFileFormat format)
{
  switch (format)
    {
    case TS_FILE_FORMAT_PNG: return "PNG";
    case TS_FILE_FORMAT_TIFF: return "TIFF";
    case TS_FILE_FORMAT_NPY: return "NumPy .npy";
    case TS_FILE_FORMAT_JPEG: return "JPEG";
    case TS_FILE_FORMAT_UNKNOWN: break;
    }
  return "unknown";
}

const char *
ts_io_describe_content (const guint8 *b, gsize n)
{
  if (n == 0)
    return "the file is empty";
  TsFileFormat actual = format_from_magic (b, n);
  if (actual == TS_FILE_FORMAT_PNG)
    return "it looks like a PNG image";
  if (actual == TS_FILE_FORMAT_TIFF)
    return "it looks like a TIFF image";
  if (actual == TS_FILE_FORMAT_NPY)
    return "it looks like a NumPy .npy array";
  if (n >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff)
    return "it looks like a JPEG image";
  if (n >= 5 && memcmp (b, "%PDF-", 5) == 0)
    return "it looks like a PDF document";
  if (n >= 8 && memcmp (b, "\211HDF\r\n\032\n", 8) == 0)
    return "it looks like an HDF5 file";
  gboolean text = TRUE;
  for (gsize i = 0; i < n; i++)
    if (b[i] < 0x09 || (b[i] > 0x0d && b[i] < 0x20))
      text = FALSE;
  return text ? "it looks like a text file" : "the signature is not recognised";
}

static TsFileFormat
expect_format (const char *path, TsFileFormat expected, GError **error)
{
  FILE *f = fopen (path, "rb");
  if (f == NULL)
    {
      int saved = errno;
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: cannot open: %s", path, g_strerror (saved));
      return TS_FILE_FORMAT_UNKNOWN;
    }
  guint8 magic[16];
  gsize n = fread (magic, 1, sizeof magic, f);
  gboolean read_error = ferror (f);
  int saved = errno;
  fclose (f);
  if (read_error)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: cannot read: %s", path, g_strerror (saved));
      return TS_FILE_FORMAT_UNKNOWN;
    }
  if (format_from_magic (magic, n) != expected)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: not a %s file: %s", path,
                   format_name (expected), ts_io_describe_content (magic, n));
      return TS_FILE_FORMAT_UNKNOWN;
    }
  return expected;
}

static void
set_unknown_extension (const char *path, GError **error)
{
  g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
               "%s: unknown image format (use a .png, .tif, .tiff, .jpg, .jpeg or .npy file name)", path);
}

TsImage *
ts_image_load (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  TsFileFormat format = ts_file_format_from_name (path);
  if (format == TS_FILE_FORMAT_UNKNOWN)
    {
      set_unknown_extension (path, error);
      return NULL;
    }
  if (expect_format (path, format, error) == TS_FILE_FORMAT_UNKNOWN)
    return NULL;
  switch (format)
    {
    case TS_FILE_FORMAT_PNG: return ts_image_load_png (path, error);
    case TS_FILE_FORMAT_TIFF: return ts_image_load_tiff (path, error);
    case TS_FILE_FORMAT_NPY: return ts_image_load_npy (path, error);
    case TS_FILE_FORMAT_JPEG: return ts_image_load_jpeg (path, error);
    case TS_FILE_FORMAT_UNKNOWN: break;
    }
  return NULL;
}

gboolean
ts_image_save (const TsImage *image, const char *path, int bit_depth, GError **error)
{
  g_return_val_if_fail (image != NULL && path != NULL, FALSE);
  switch (ts_file_format_from_name (path))
    {
    case TS_FILE_FORMAT_PNG:
      return ts_image_save_png (image, path, bit_depth, error);
    case TS_FILE_FORMAT_TIFF:
      return ts_image_save_tiff (image, path, bit_depth, error);
    case TS_FILE_FORMAT_NPY:
      if (bit_depth != 0 && bit_depth != 32)
        {
          g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                       "%s: .npy images are always saved as float32, not %d-bit", path, bit_depth);
          return FALSE;
        }
      return ts_image_save_npy (image, path, error);
    case TS_FILE_FORMAT_JPEG:
      if (bit_depth != 0 && bit_depth != 8)
        {
          g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                       "%s: JPEG images are always saved 8-bit, not %d-bit", path, bit_depth);
          return FALSE;
        }
      return ts_image_save_jpeg (image, path, TS_JPEG_DEFAULT_QUALITY, error);
    case TS_FILE_FORMAT_UNKNOWN:
      break;
    }
  set_unknown_extension (path, error);
  return FALSE;
}
