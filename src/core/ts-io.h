/* Reading and writing images. The format is chosen from the file name's extension
 * (.png, .tif/.tiff, .npy; .jpg/.jpeg for input); loaders also check the magic bytes. Every error message
 * names the file and the problem. Writes are atomic (ts-atomic-file.h). */
#pragma once
#include "ts-image.h"

G_BEGIN_DECLS

typedef enum {
  TS_FILE_FORMAT_UNKNOWN,
  TS_FILE_FORMAT_PNG,
  TS_FILE_FORMAT_TIFF,
  TS_FILE_FORMAT_NPY,
  TS_FILE_FORMAT_JPEG,   /* .jpg / .jpeg: input only */
} TsFileFormat;

TsFileFormat ts_file_format_from_name (const char *path);

/* PNG 8/16-bit gray, gray+alpha, RGB, RGBA, palette (expanded), scaled to [0, 1].
 * TIFF 8/16-bit unsigned or 32-bit float, gray or RGB(A), strips or tiles.
 * NPY float32/float64/uint8 (uint8 scaled by 1/255), H x W or H x W x C, C in 1..4. */
TsImage *ts_image_load (const char *path, GError **error);
TsImage *ts_image_load_png (const char *path, GError **error);
TsImage *ts_image_load_tiff (const char *path, GError **error);
TsImage *ts_image_load_npy (const char *path, GError **error);
/* JPEG (baseline or progressive, 8-bit) gray or RGB, scaled to [0, 1], with the EXIF
 * orientation (APP1 IFD0 tag 0x0112) applied; CMYK is refused. Saving JPEG is not supported. */
TsImage *ts_image_load_jpeg (const char *path, GError **error);

/* bit_depth: PNG 8 or 16; TIFF 16 or 32 (float); NPY 32 (float32, values not clipped).
 * 0 picks the default: PNG 8, TIFF 16, NPY 32. Integer formats clip to [0, 1] and round. */
gboolean ts_image_save (const TsImage *image, const char *path, int bit_depth, GError **error);
gboolean ts_image_save_png (const TsImage *image, const char *path, int bit_depth, GError **error);
gboolean ts_image_save_tiff (const TsImage *image, const char *path, int bit_depth, GError **error);
gboolean ts_image_save_npy (const TsImage *image, const char *path, GError **error);

G_END_DECLS
