/* A file read in a forked child process: the child runs a read function and sends its bytes
 * (or its GError) back through a pipe; the parent gets them, or a GError when the child
 * crashed, looped past a timeout, or died. For libraries that trust a damaged file's contents
 * (libhdf5 1.10 segfaults, loops or allocates tens of gigabytes on some: docs/robustness.md),
 * so that a damaged file is a refused file, not a crashed application. */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

/* Runs in the child: the file's contents in whatever form the caller parses, or NULL with
 * `error` set. It may use malloc and the reading library; it runs in a copy of a process that
 * may have had other threads, so it takes no lock another thread could have held. */
typedef GBytes *(*TsSubprocessReadFunc) (gpointer user_data, GError **error);

typedef struct {
  const char *path;       /* the file, first in every message */
  const char *format;     /* its format's name in messages: "HDF5" gives "corrupt HDF5 file:
                           * the HDF5 library crashed reading it (...)" */
  int timeout_ms;         /* how long the child may take before it is killed (> 0) */
  guint64 extra_memory;   /* the address space the child may map beyond what it inherits
                           * (RLIMIT_AS), so that a damaged size cannot wake the OOM killer */
} TsSubprocessRead;

/* Forks, runs `func (user_data, ...)` in the child (its deadly signals set back to their
 * default, a sanitizer's death callback cleared, the memory capped) and returns the bytes it
 * returned. Its error comes back with its domain, code and message. A child that crashed is
 * "<path>: corrupt <format> file: the <format> library crashed reading it (<signal>)", one
 * that took longer than the timeout (killed) "... did not finish reading it in <t> s", one that
 * exited otherwise "... the <format> reader process failed (exit status <n>)", all
 * TS_ERROR_FORMAT; failing to start one is TS_ERROR_IO. */
GBytes *ts_subprocess_read (const TsSubprocessRead *spec, TsSubprocessReadFunc func,
                            gpointer user_data, GError **error);

/* The message for an answer that does not parse: "<path>: the <format> reader process sent an
 * incomplete answer" (TS_ERROR_FORMAT), for the caller's parser too. */
void    ts_subprocess_read_set_incomplete (const TsSubprocessRead *spec, GError **error);

G_END_DECLS
