/* The BLAS back end: which OpenBLAS kernels this process uses. */
#pragma once

/* The OpenBLAS core type in use ("SkylakeX", "Haswell", ...), or "unknown" for another BLAS. */
const char *ts_blas_kernel_name (void);
