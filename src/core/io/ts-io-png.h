/* PNG images (libpng): see ts-io.h for the conventions every format follows. */
#pragma once
#include "ts-file-format.h"

G_BEGIN_DECLS

TsImage *ts_image_load_png (const char *path, GError **error);
gboolean ts_image_save_png (const TsImage *image, const char *path, int bit_depth, GError **error);

G_END_DECLS
