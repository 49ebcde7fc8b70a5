/* Which OpenBLAS kernels the process uses, for the statistics and benchmarks: the same
 * binary runs at very different speeds under OPENBLAS_CORETYPE=Haswell (AVX2) and the
 * AVX-512 kernels OpenBLAS picks by itself on this project's machines (docs/benchmarks.md). */
#include "ts-blas.h"
#include <stddef.h>

/* Weak: another BLAS simply reports "unknown". */
extern char *openblas_get_corename (void) __attribute__ ((weak));
extern void openblas_set_num_threads (int threads) __attribute__ ((weak));

const char *
ts_blas_kernel_name (void)
{
  const char *core = openblas_get_corename != NULL ? openblas_get_corename () : NULL;
  return core != NULL ? core : "unknown";
}

void
ts_blas_set_threads (int threads)
{
  if (openblas_set_num_threads != NULL)
    openblas_set_num_threads (threads > 0 ? threads : 1);
}
