/* TIFF images (libtiff): see ts-io.h for the conventions every format follows. */
#pragma once
#include "ts-file-format.h"

G_BEGIN_DECLS

TsImage *ts_image_load_tiff (const char *path, GError **error);
gboolean ts_image_save_tiff (const TsImage *image, const char *path, int bit_depth, GError **error);

G_END_DECLS
