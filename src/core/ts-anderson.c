/* Anderson acceleration (see ts-anderson.h).
 * Memory traffic dominates for long vectors, so each iteration streams the history twice
 * only: once for the inner products <df_i, f_k> (one dgemv; the Gram matrix of the
 * differences follows from these and the previous iteration's products) and once for the
 * update with e_i = dg_i + df_i (one dgemv), the only combination the update needs. */
#include "ts-anderson.h"
#include <cblas.h>
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

void
ts_anderson_solve (TsFixedPointMap map, gpointer user_data, double *g, gsize n, int memory,
                   double tol, int max_iter, TsAndersonStats *stats)
{
  memory = MAX (memory, 1);
  /* Ring buffers: df[i] = f_{k+1} - f_k and e[i] = (g_{k+1} - g_k) + df[i], f = F(g) - g. */
  double *df = g_new (double, (gsize) memory * n);
  double *e = g_new (double, (gsize) memory * n);
  double *fg = g_new (double, n);
  double *f = g_new (double, n);
  double *f_prev = g_new (double, n);
  double *g_prev = g_new (double, n);
  double *best = g_new (double, n);
  double *gram = g_new0 (double, (gsize) memory * memory);
  double *dot_prev = g_new0 (double, memory);   /* <df_i, f_{k-1}> */
  double *dot_cur = g_new0 (double, memory);    /* <df_i, f_k> */
  double *a = g_new (double, (gsize) memory * memory);
  double *gamma = g_new (double, memory);
  int count = 0, head = 0, it = 0;
  double best_res = INFINITY, ff_prev = 0.0;

  while (it < max_iter)
    {
      map (g, fg, user_data);
      it++;
      double ff = 0.0, fgfg = 0.0, f_fprev = 0.0;
      for (gsize i = 0; i < n; i++)
        {
          double v = fg[i] - g[i];
          f[i] = v;
          ff += v * v;
          fgfg += fg[i] * fg[i];
          f_fprev += v * f_prev[i];
        }
      double res = sqrt (ff) / (fgfg > 0.0 ? sqrt (fgfg) : 1.0);
      if (res < best_res)
        {
          best_res = res;
          memcpy (best, fg, sizeof (double) * n);   /* F(g) is the better estimate */
        }
      if (!isfinite (res) || res <= tol || it == max_iter)
        break;
      if (count > 0)
        cblas_dgemv (CblasRowMajor, CblasNoTrans, count, (int) n, 1.0, df, (int) n, f, 1, 0.0,
                     dot_cur, 1);
      if (it > 1)
        {
          /* The newest difference goes to slot `head`:
           * <df_i, df_new> = <df_i, f_k> - <df_i, f_{k-1}>, <df_new, df_new> from ff terms. */
          double *dfi = df + (gsize) head * n, *ei = e + (gsize) head * n;
          for (gsize i = 0; i < n; i++)
            {
              dfi[i] = f[i] - f_prev[i];
              ei[i] = (g[i] - g_prev[i]) + dfi[i];
            }
          int new_count = MIN (count + 1, memory);
          for (int j = 0; j < new_count; j++)
            if (j != head)
              {
                double v = dot_cur[j] - dot_prev[j];
                gram[head * memory + j] = v;
                gram[j * memory + head] = v;
              }
          gram[head * memory + head] = ff - 2.0 * f_fprev + ff_prev;
          dot_cur[head] = ff - f_fprev;   /* <df_new, f_k> */
          count = new_count;
          head = (head + 1) % memory;
        }
      memcpy (dot_prev, dot_cur, sizeof (double) * memory);
      memcpy (g_prev, g, sizeof (double) * n);
      memcpy (f_prev, f, sizeof (double) * n);
      ff_prev = ff;
      /* gamma = argmin ||f - dF gamma||; g_new = g + f - E gamma */
      gboolean mixed = FALSE;
      if (count > 0)
        {
          double trace = 0.0;
          for (int j = 0; j < count; j++)
            trace += gram[j * memory + j];
          for (int i = 0; i < count; i++)
            {
              for (int j = 0; j < count; j++)
                a[i * count + j] = gram[i * memory + j] + (i == j ? 1e-12 * trace : 0.0);
              gamma[i] = dot_cur[i];
            }
          if (solve_small (a, gamma, count))
            {
              for (gsize i = 0; i < n; i++)
                g[i] += f[i];
              cblas_dgemv (CblasRowMajor, CblasTrans, count, (int) n, -1.0, e, (int) n, gamma,
                           1, 1.0, g, 1);
              mixed = TRUE;
            }
        }
      if (!mixed)
        memcpy (g, fg, sizeof (double) * n);
    }
  memcpy (g, best, sizeof (double) * n);
  if (stats != NULL)
    {
      stats->iterations = it;
      stats->residual = best_res;
      stats->converged = best_res <= tol;
    }
  g_free (df);
  g_free (e);
  g_free (fg);
  g_free (f);
  g_free (f_prev);
  g_free (g_prev);
  g_free (best);
  g_free (gram);
  g_free (dot_prev);
  g_free (dot_cur);
  g_free (a);
  g_free (gamma);
}
