#include "ts-alloc.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

void
ts_alloc_reuse_large_blocks (void)
{
#ifdef __GLIBC__
  mallopt (M_MMAP_THRESHOLD, 1 << 30);
  /* Freed memory at the top of the heap is kept up to this much, for the next tile. */
  mallopt (M_TRIM_THRESHOLD, G_MAXINT);
#endif
}
