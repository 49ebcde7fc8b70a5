/* Saving what the window shows: a panel as a float image, written on a thread. */
#pragma once
#include <gio/gio.h>
#include "ts-job.h"

G_BEGIN_DECLS

/* The panel ("input", "result", "smooth", "sparse", "cost") as a new float image, or NULL
 * when there is none (no run yet; a picture solved in tiles has no decomposition). "input"
 * is the run's input, or `source` before any run. Integer formats get the view's mapping
 * for signed or unbounded panels (sparse + 0.5, cost / max); float formats the raw values. */
TsImage  *ts_export_panel_image (const TsJobResult *result, const TsImage *source,
                                 const char *panel, gboolean integer_format);
/* Writes `image` (taken) to `path` on a thread: ts_image_save, or ts_image_save_jpeg at
 * `jpeg_quality` (0: TS_JPEG_DEFAULT_QUALITY) for a .jpg / .jpeg name; never a half-written
 * file. */
void      ts_export_save_async  (TsImage *image, const char *path, int bit_depth,
                                 int jpeg_quality, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);
/* `path` (may be NULL) receives the path written, or tried. */
gboolean  ts_export_save_finish (GAsyncResult *result, char **path, GError **error);

G_END_DECLS
