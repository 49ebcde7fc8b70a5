/* Anderson acceleration, instantiated for double and float by ts-anderson.c (REAL,
 * ANDERSON_SOLVE, ANDERSON_MAP). Inner products accumulate in double. */

void
ANDERSON_SOLVE (ANDERSON_MAP map, gpointer user_data, REAL *g, gsize n, int memory,
                   double tol, int max_iter, TsAndersonStats *stats)
{
  memory = MAX (memory, 1);
  /* Ring buffers: df[i] = f_{k+1} - f_k and e[i] = (g_{k+1} - g_k) + df[i], f = F(g) - g. */
  REAL *df = g_new (REAL, (gsize) memory * n);
  REAL *e = g_new (REAL, (gsize) memory * n);
  REAL *fg = g_new (REAL, n);
  REAL *f = g_new (REAL, n);
  REAL *f_prev = g_new (REAL, n);
  REAL *g_prev = g_new (REAL, n);
  REAL *best = g_new (REAL, n);
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
          double v = (double) fg[i] - g[i];
          f[i] = (REAL) v;
          ff += v * v;
          fgfg += (double) fg[i] * fg[i];
          f_fprev += v * f_prev[i];
        }
      double res = sqrt (ff) / (fgfg > 0.0 ? sqrt (fgfg) : 1.0);
      if (res < best_res)
        {
          best_res = res;
          memcpy (best, fg, sizeof (REAL) * n);   /* F(g) is the better estimate */
        }
      if (!isfinite (res) || res <= tol || it == max_iter)
        break;
      if (count > 0)
        {
          /* <df_i, f> in double whatever REAL is. */
          for (int j = 0; j < count; j++)
            {
              const REAL *dfj = df + (gsize) j * n;
              double s = 0.0;
              for (gsize i = 0; i < n; i++)
                s += (double) dfj[i] * f[i];
              dot_cur[j] = s;
            }
        }
      if (it > 1)
        {
          /* The newest difference goes to slot `head`:
           * <df_i, df_new> = <df_i, f_k> - <df_i, f_{k-1}>, <df_new, df_new> from ff terms. */
          REAL *dfi = df + (gsize) head * n, *ei = e + (gsize) head * n;
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
      memcpy (g_prev, g, sizeof (REAL) * n);
      memcpy (f_prev, f, sizeof (REAL) * n);
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
              for (int j = 0; j < count; j++)
                {
                  const REAL *ej = e + (gsize) j * n;
                  REAL gj = (REAL) gamma[j];
                  for (gsize i = 0; i < n; i++)
                    g[i] -= gj * ej[i];
                }
              mixed = TRUE;
            }
        }
      if (!mixed)
        memcpy (g, fg, sizeof (REAL) * n);
    }
  memcpy (g, best, sizeof (REAL) * n);
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
