#include "ts-alloc.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

void
ts_alloc_reuse_large_blocks (void)
{
#ifdef __GLIBC__
  mallopt (M_MMAP_THRESHOLD, 1 << 30);
  /* One arena for every thread: a thread's own arena grows in heaps of at most 64 MB, so it
   * maps (and the kernel zeroes) every larger block afresh whatever the threshold says, and
   * the window solves on a worker thread. */
  mallopt (M_ARENA_MAX, 1);
  /* Freed memory at the top of the heap is kept up to this much, for the next tile. */
  mallopt (M_TRIM_THRESHOLD, G_MAXINT);
#endif
}
