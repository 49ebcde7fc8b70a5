/* Image file formats: which one a file name asks for, and the sample depth each is
 * written with by default. Below every format's reader and writer. */
#pragma once
#include "ts-image.h"

G_BEGIN_DECLS

typedef enum {
  TS_FILE_FORMAT_UNKNOWN,
  TS_FILE_FORMAT_PNG,
  TS_FILE_FORMAT_TIFF,
  TS_FILE_FORMAT_NPY,
  TS_FILE_FORMAT_JPEG,   /* .jpg / .jpeg: 8-bit only */
} TsFileFormat;

TsFileFormat ts_file_format_from_name (const char *path);

/* The depth `format` is written with when the caller asks for none (bit_depth 0): PNG 16
 * for a 16-bit or float source, else 8; TIFF the source's 8, 16 or 32, else 16; NPY 32;
 * JPEG 8 (its only depth).
 * 0 for formats that cannot be saved. */
int ts_image_default_bit_depth (const TsImage *image, TsFileFormat format);

G_END_DECLS
