/* JPEG images (libjpeg), read only: see ts-io.h for the conventions every format follows. */
#pragma once
#include "ts-file-format.h"

G_BEGIN_DECLS

TsImage *ts_image_load_jpeg (const char *path, GError **error);

G_END_DECLS
