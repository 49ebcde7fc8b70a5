/* Dense helpers on top of OpenBLAS (which bundles LAPACK). */
#include "ts-linalg.h"
#include <cblas.h>
#include <math.h>
#include <string.h>

/* LAPACK's symmetric eigensolver, exported by OpenBLAS. */
extern void dsyev_ (const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
                    double *w, double *work, const int *lwork, int *info);

gboolean
ts_linalg_symeig (const double *a, int n, double *values, double *vectors)
{
  /* Symmetrise so that the result does not depend on which triangle LAPACK reads. */
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++)
      vectors[i * n + j] = 0.5 * (a[i * n + j] + a[j * n + i]);
  int lwork = -1, info = 0;
  double query;
  dsyev_ ("V", "U", &n, vectors, &n, values, &query, &lwork, &info);
  if (info != 0)
    return FALSE;
  lwork = (int) query;
  double *work = g_new (double, lwork);
  dsyev_ ("V", "U", &n, vectors, &n, values, work, &lwork, &info);
  g_free (work);
  /* Column-major eigenvectors read row-major are rows: vectors[i * n + j]. */
  return info == 0;
}

void
ts_linalg_matmul (const double *a, const double *b, double *c, int m, int k, int n,
                  gboolean b_transposed)
{
  cblas_dgemm (CblasRowMajor, CblasNoTrans, b_transposed ? CblasTrans : CblasNoTrans, m, n, k,
               1.0, a, k, b, b_transposed ? k : n, 0.0, c, n);
}

double
ts_linalg_spectral_norm (const double *a, int rows, int cols)
{
  /* sigma_max^2 is the top eigenvalue of the smaller Gram matrix. */
  int n = MIN (rows, cols);
  double *gram = g_new (double, (gsize) n * n);
  if (rows <= cols)
    cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, n, cols, 1.0, a, cols, a, cols, 0.0,
                 gram, n);
  else
    cblas_dgemm (CblasRowMajor, CblasTrans, CblasNoTrans, n, n, rows, 1.0, a, cols, a, cols, 0.0,
                 gram, n);
  double *values = g_new (double, n);
  double *vectors = g_new (double, (gsize) n * n);
  double top = 0.0;
  if (ts_linalg_symeig (gram, n, values, vectors))
    top = values[n - 1];
  g_free (gram);
  g_free (values);
  g_free (vectors);
  return sqrt (MAX (top, 0.0));
}
