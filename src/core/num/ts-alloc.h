/* How the process's allocator treats the solver's large buffers. */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

/* A tiled solve allocates and frees its buffers for every tile (a 256-pixel tile's
 * coefficients alone are about 90 MB). glibc serves blocks above its mmap threshold (32 MB at
 * most) with fresh mappings that the kernel zeroes page by page, and gives freed ones back at
 * once: on a 12 MP picture solved one iteration per tile that was a third of the run, in
 * system time. Front ends call this once at start-up (a process-wide setting, like
 * ts_blas_set_threads), before any thread starts: blocks up to 1 GB then come from the heap,
 * on every thread (one arena: a thread's own arena maps every block above 64 MB), and freed
 * memory stays for the next tile. The peak stays what one tile needs. A no-op without
 * glibc. */
void ts_alloc_reuse_large_blocks (void);

G_END_DECLS
