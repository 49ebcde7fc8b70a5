/* Small dense linear algebra in double (model derivation, not the hot loop). */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

/* Eigen-decomposition of a symmetric n x n matrix (row-major, only symmetric part used).
 * values ascending; vectors[i * n + j] is component j of eigenvector i. FALSE on failure. */
gboolean ts_linalg_symeig (const double *a, int n, double *values, double *vectors);
/* Largest singular value of a rows x cols matrix (row-major). */
double   ts_linalg_spectral_norm (const double *a, int rows, int cols);
/* c = a (m x k) * b (k x n), all row-major; b_transposed: b is given as n x k. */
void     ts_linalg_matmul (const double *a, const double *b, double *c, int m, int k, int n,
                           gboolean b_transposed);

G_END_DECLS
