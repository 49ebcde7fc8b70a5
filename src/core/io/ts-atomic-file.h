/* Atomic output: write to a temporary file in the destination's folder, flush, fsync,
 * rename over the destination. A failed write leaves any existing file untouched and
 * no partial file behind. */
#pragma once
#include <stdio.h>
#include <glib.h>
#include "ts-error.h"

G_BEGIN_DECLS

typedef struct TsAtomicFile TsAtomicFile;

TsAtomicFile *ts_atomic_file_open (const char *path, GError **error);
FILE         *ts_atomic_file_stream (TsAtomicFile *file);
/* The temporary file's path, for libraries that want a name (libtiff). */
const char   *ts_atomic_file_temp_path (TsAtomicFile *file);
/* Flush, fsync, close and rename; on any failure the temporary file is removed.
 * Frees `file` in every case. */
gboolean      ts_atomic_file_commit (TsAtomicFile *file, GError **error);
/* Close and remove the temporary file; frees `file`. NULL is allowed. */
void          ts_atomic_file_abort (TsAtomicFile *file);

G_END_DECLS
