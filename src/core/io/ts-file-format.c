#include "ts-file-format.h"
#include <string.h>

TsFileFormat
ts_file_format_from_name (const char *path)
{
  g_return_val_if_fail (path != NULL, TS_FILE_FORMAT_UNKNOWN);
  const char *dot = strrchr (path, '.');
  const char *slash = strrchr (path, G_DIR_SEPARATOR);
  if (dot == NULL || (slash != NULL && dot < slash))
    return TS_FILE_FORMAT_UNKNOWN;
  dot++;
  if (g_ascii_strcasecmp (dot, "png") == 0)
    return TS_FILE_FORMAT_PNG;
  if (g_ascii_strcasecmp (dot, "tif") == 0 || g_ascii_strcasecmp (dot, "tiff") == 0)
    return TS_FILE_FORMAT_TIFF;
  if (g_ascii_strcasecmp (dot, "npy") == 0)
    return TS_FILE_FORMAT_NPY;
  if (g_ascii_strcasecmp (dot, "jpg") == 0 || g_ascii_strcasecmp (dot, "jpeg") == 0)
    return TS_FILE_FORMAT_JPEG;
  return TS_FILE_FORMAT_UNKNOWN;
}

int
ts_image_default_bit_depth (const TsImage *image, TsFileFormat format)
{
  g_return_val_if_fail (image != NULL, 0);
  int source = image->source_bit_depth;
  switch (format)
    {
    case TS_FILE_FORMAT_PNG:
      return source == 16 || source == 32 ? 16 : 8;
    case TS_FILE_FORMAT_TIFF:
      return source == 8 || source == 32 ? source : 16;
    case TS_FILE_FORMAT_NPY:
      return 32;
    case TS_FILE_FORMAT_JPEG:
      return 8;
    case TS_FILE_FORMAT_UNKNOWN:
      break;
    }
  return 0;
}
