/* The BLAS back end: which OpenBLAS kernels this process uses, and with how many threads. */
#pragma once

/* The OpenBLAS core type in use ("SkylakeX", "Haswell", ...), or "unknown" for another BLAS. */
const char *ts_blas_kernel_name (void);
/* Sets OpenBLAS's process-wide thread count (no-op with another BLAS). Whoever starts a
 * computation decides it, not the algorithm: the front end before a restoration (the count
 * ts_solve_blas_threads gives: 1 when the solver's own workers call BLAS), the trainer for
 * its crop workers. */
void ts_blas_set_threads (int threads);
