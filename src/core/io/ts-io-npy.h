/* NumPy .npy images: see ts-io.h for the conventions every format follows. */
#pragma once
#include "ts-file-format.h"

G_BEGIN_DECLS

TsImage *ts_image_load_npy (const char *path, GError **error);
gboolean ts_image_save_npy (const TsImage *image, const char *path, GError **error);

G_END_DECLS
