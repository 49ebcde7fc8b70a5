/* JPEG images (libjpeg): see ts-io.h for the conventions every format follows. */
#pragma once
#include "ts-file-format.h"

G_BEGIN_DECLS

/* The quality ts_image_save writes JPEG with. */
#define TS_JPEG_DEFAULT_QUALITY 95
/* The most profile bytes one APP2 segment carries: 65535 less the length field (2), the
 * "ICC_PROFILE\0" signature (12) and the sequence number and count (2). */
#define TS_JPEG_ICC_CHUNK 65519

TsImage *ts_image_load_jpeg (const char *path, GError **error);
/* A baseline 8-bit JPEG of a gray (1) or RGB (3) image at `quality` (1 to 100; libjpeg's
 * scale, TS_JPEG_DEFAULT_QUALITY by default), values clipped to [0, 1] and rounded; chroma
 * at full resolution from quality 90. The image's ICC profile, when it suits the channels,
 * is embedded as APP2 "ICC_PROFILE" segments of at most TS_JPEG_ICC_CHUNK bytes. An image
 * with alpha (2 or 4 channels) is refused (TS_ERROR_UNSUPPORTED): JPEG has no alpha and
 * dropping it silently would lose data. No EXIF orientation is written: images are kept
 * upright (the loader applies the orientation), so none is needed. Atomic
 * (ts-atomic-file.h). */
gboolean ts_image_save_jpeg (const TsImage *image, const char *path, int quality,
                             GError **error);

G_END_DECLS
