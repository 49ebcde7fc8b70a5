/* Reading and writing images. The format is chosen from the file name's extension
 * (.png, .tif/.tiff, .jpg/.jpeg, .npy); loaders also check the magic bytes. Every error message
 * names the file and the problem. Writes are atomic (ts-atomic-file.h). */
#pragma once
#include "ts-file-format.h"
#include "ts-icc.h"
#include "ts-io-png.h"
#include "ts-io-tiff.h"
#include "ts-io-npy.h"
#include "ts-io-jpeg.h"

G_BEGIN_DECLS

/* PNG 8/16-bit gray, gray+alpha, RGB, RGBA, palette (expanded), scaled to [0, 1].
 * TIFF 8/16-bit unsigned or 32-bit float, gray or RGB(A), strips or tiles.
 * NPY float32/float64/uint8 (uint8 scaled by 1/255), H x W or H x W x C, C in 1..4. */
/* JPEG (baseline or progressive, 8-bit) gray or RGB, scaled to [0, 1], with the EXIF
 * orientation (APP1 IFD0 tag 0x0112) applied; CMYK is refused. */
TsImage *ts_image_load (const char *path, GError **error);

/* Loading records the file's sample depth in image->source_bit_depth (PNG 8 or 16, with
 * palette and 1/2/4-bit gray counted as 8; TIFF 8, 16 or 32 for float; JPEG 8; NPY 8 for
 * uint8 and bool arrays, 32 otherwise) and its embedded ICC profile in image->icc_profile
 * (PNG iCCP, TIFF tag 34675, JPEG APP2 "ICC_PROFILE" segments reassembled in sequence
 * order). A profile that is malformed (see ts_icc_profile_new), larger than
 * TS_ICC_MAX_SIZE or, for JPEG, whose segments are missing, duplicated or inconsistent is
 * dropped without failing the load.
 *
 * bit_depth: PNG 8 or 16; TIFF 8, 16 or 32 (float); JPEG 8 (ts_image_save_jpeg at
 * TS_JPEG_DEFAULT_QUALITY; no alpha); NPY 32 (float32, values not clipped).
 * 0 picks the default, ts_image_default_bit_depth: the image's source depth where the format
 * has it. Integer formats clip to [0, 1] and round. PNG, TIFF and JPEG embed the image's ICC
 * profile when its colour space suits the channels (ts_icc_profile_suits); NPY has no place
 * for one. */
gboolean ts_image_save (const TsImage *image, const char *path, int bit_depth, GError **error);

/* What the first `n` bytes of a file look like ("the file is empty", "it looks like a text
 * file", "it looks like a PNG image", ...), for "not a ... file" messages. */
const char *ts_io_describe_content (const guint8 *b, gsize n);

G_END_DECLS
