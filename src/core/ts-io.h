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

/* Loading records the file's sample depth in image->source_bit_depth (PNG 8 or 16, with
 * palette and 1/2/4-bit gray counted as 8; TIFF 8, 16 or 32 for float; JPEG 8; NPY 8 for
 * uint8 and bool arrays, 32 otherwise) and its embedded ICC profile in image->icc_profile
 * (PNG iCCP, TIFF tag 34675, JPEG APP2 "ICC_PROFILE" segments reassembled in sequence
 * order). A profile that is malformed (see ts_icc_profile_new), larger than
 * TS_ICC_MAX_SIZE or, for JPEG, whose segments are missing, duplicated or inconsistent is
 * dropped without failing the load.
 *
 * bit_depth: PNG 8 or 16; TIFF 8, 16 or 32 (float); NPY 32 (float32, values not clipped).
 * 0 picks the default, ts_image_default_bit_depth: the image's source depth where the format
 * has it. Integer formats clip to [0, 1] and round. PNG and TIFF embed the image's ICC
 * profile when its colour space suits the channels (ts_icc_profile_suits); NPY has no place
 * for one. */
/* The depth `format` is written with when the caller asks for none (bit_depth 0): PNG 16
 * for a 16-bit or float source, else 8; TIFF the source's 8, 16 or 32, else 16; NPY 32.
 * 0 for formats that cannot be saved. */
int      ts_image_default_bit_depth (const TsImage *image, TsFileFormat format);
gboolean ts_image_save (const TsImage *image, const char *path, int bit_depth, GError **error);
gboolean ts_image_save_png (const TsImage *image, const char *path, int bit_depth, GError **error);
gboolean ts_image_save_tiff (const TsImage *image, const char *path, int bit_depth, GError **error);
gboolean ts_image_save_npy (const TsImage *image, const char *path, GError **error);

/* ICC profiles (ts-icc.c). */
#define TS_ICC_MAX_SIZE (16 * 1024 * 1024)
/* A copy of `data` as a profile; NULL when it is not a plausible ICC profile: shorter than
 * the 128-byte header and the tag count, longer than TS_ICC_MAX_SIZE, a header whose size
 * field disagrees with `len` or that lacks the 'acsp' signature, or a tag table that does
 * not fit in the profile. */
GBytes  *ts_icc_profile_new (const guint8 *data, gsize len);
/* Whether the profile's colour space suits an image of `channels` channels: 'GRAY' for 1
 * and 2 (gray + alpha), 'RGB ' for 3 and 4. */
gboolean ts_icc_profile_suits (GBytes *profile, int channels);

G_END_DECLS
