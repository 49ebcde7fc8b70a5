/* Anderson acceleration (see ts-anderson.h).
 * Memory traffic dominates for long vectors, so each iteration streams the history twice
 * only: once for the inner products <df_i, f_k> (one dgemv; the Gram matrix of the
 * differences follows from these and the previous iteration's products) and once for the
 * update with e_i = dg_i + df_i (one dgemv), the only combination the update needs. */
#include "ts-anderson.h"
#include <math.h>
#include <string.h>

/* Solves the m x m system a x = r by Gaussian elimination with partial pivoting; a and r
 * are overwritten. FALSE if singular. */
static gboolean
solve_small (double *a, double *r, int m)
{
  for (int col = 0; col < m; col++)
    {
      int piv = col;
      for (int i = col + 1; i < m; i++)
        if (fabs (a[i * m + col]) > fabs (a[piv * m + col]))
          piv = i;
      if (!(fabs (a[piv * m + col]) > 0.0))
        return FALSE;
      if (piv != col)
        {
          for (int j = 0; j < m; j++)
            {
              double t = a[col * m + j];
              a[col * m + j] = a[piv * m + j];
              a[piv * m + j] = t;
            }
          double t = r[col];
          r[col] = r[piv];
          r[piv] = t;
        }
      for (int i = col + 1; i < m; i++)
        {
          double f = a[i * m + col] / a[col * m + col];
          for (int j = col; j < m; j++)
            a[i * m + j] -= f * a[col * m + j];
          r[i] -= f * r[col];
        }
    }
  for (int i = m - 1; i >= 0; i--)
    {
      double s = r[i];
      for (int j = i + 1; j < m; j++)
        s -= a[i * m + j] * r[j];
      r[i] = s / a[i * m + i];
    }
  return TRUE;
}

#define REAL double
#define ANDERSON_SOLVE ts_anderson_solve
#define ANDERSON_MAP TsFixedPointMap
#include "ts-anderson-impl.h"
#undef REAL
#undef ANDERSON_SOLVE
#undef ANDERSON_MAP

#define REAL float
#define ANDERSON_SOLVE ts_anderson_solve_f
#define ANDERSON_MAP TsFixedPointMapF
#include "ts-anderson-impl.h"
