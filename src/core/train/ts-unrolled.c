/* Back-propagation through a fixed number of iPALM steps (see ts-unrolled.h). Step k takes
 * x_{k-1} (coefficient step), c_t = (1 + a) c_{k-1} - a c_{k-2} and
 * x_t = (1 + a) x_{k-1} - a x_{k-2} (image step); its input gradients are spread back onto
 * the stored iterates by the same weights. With the exact image step (P->smooth) the
 * coefficient step takes x_t, and x_k = M (y + b P^T D^T c_k). */
#include "ts-unrolled.h"
#include <math.h>
#include <string.h>

static double
momentum (int k)
{
  return (k - 1.0) / (k + 2.0);
}

static void
extrapolate (const double *now, const double *prev, double a, gsize n, double *out)
{
  for (gsize i = 0; i < n; i++)
    out[i] = now[i] + a * (now[i] - prev[i]);
}

gsize
ts_unrolled_memory (const TsPalmParams *P, int iterations)
{
  gsize N = (gsize) P->width * P->height, KN = (gsize) P->K * N;
  /* x_0..x_K and c_0..c_K, the K prox arguments, and the backward's working vectors. */
  return sizeof (double) * ((gsize) (iterations + 1) * (N + KN) + (gsize) iterations * KN
                            + 8 * (N + KN));
}

double
ts_unrolled_l1_gradient (const TsPalmParams *P, const double *y, const float *clean,
                         int iterations, double scale, TsPalmGrad *grad, double *x_out)
{
  g_return_val_if_fail (iterations >= 1, NAN);
  gsize N = (gsize) P->width * P->height, KN = (gsize) P->K * N;
  int n = iterations;
  /* xs[k], cs[k]: the iterates k = 0..n; vs[k - 1]: step k's prox argument. */
  double **xs = g_new (double *, n + 1), **cs = g_new (double *, n + 1);
  double **vs = g_new (double *, n);
  for (int k = 0; k <= n; k++)
    {
      xs[k] = g_new (double, N);
      cs[k] = g_new0 (double, KN);
    }
  for (int k = 0; k < n; k++)
    vs[k] = g_new (double, KN);
  double *x_t = g_new (double, N), *c_t = g_new (double, KN);

  gboolean exact = P->smooth != NULL;
  /* The start: x = y, or with the exact image step x(0) = M y (the smooth image). */
  if (exact)
    ts_smooth_inverse_apply (P->smooth, y, xs[0]);
  else
    memcpy (xs[0], y, sizeof (double) * N);
  for (int k = 1; k <= n; k++)
    {
      const double *xp = xs[k >= 2 ? k - 2 : 0], *cp = cs[k >= 2 ? k - 2 : 0];
      double a = momentum (k);
      extrapolate (xs[k - 1], xp, a, N, x_t);
      extrapolate (cs[k - 1], cp, a, KN, c_t);
      if (exact)
        ts_palm_step_exact (P, y, x_t, c_t, xs[k], cs[k], vs[k - 1]);
      else
        ts_palm_step_subspace (P, y, xs[k - 1], c_t, x_t, xs[k], cs[k], vs[k - 1]);
    }

  /* Gradients w.r.t. the iterates: gx[k], gc[k] held for k and k - 1 only (k - 2 gets its
   * share from step k, then becomes k - 1 for the next step down). */
  double *gx_now = g_new0 (double, N), *gx_back1 = g_new0 (double, N), *gx_back2 = g_new0 (double, N);
  double *gc_now = g_new0 (double, KN), *gc_back1 = g_new0 (double, KN), *gc_back2 = g_new0 (double, KN);
  double *in_x = g_new (double, N), *in_xt = g_new (double, N), *in_ct = g_new (double, KN);
  double loss = 0.0;
  for (gsize i = 0; i < N; i++)
    {
      double e = xs[n][i] - clean[i];
      loss += fabs (e);
      gx_now[i] = (e > 0.0 ? 1.0 : e < 0.0 ? -1.0 : 0.0) * scale;
    }
  for (int k = n; k >= 1; k--)
    {
      /* gx_now / gc_now: the whole gradient w.r.t. x_k, c_k; gx_back1 / gc_back1 what x_{k-1},
       * c_{k-1} have received so far (from step k + 1's extrapolation). */
      double a = momentum (k);
      int kp = k >= 2 ? k - 2 : 0;
      extrapolate (xs[k - 1], xs[kp], a, N, x_t);
      extrapolate (cs[k - 1], cs[kp], a, KN, c_t);
      if (exact)
        {
          /* The coefficient step sees x_t only. */
          ts_palm_vjp_step_exact (P, y, x_t, c_t, vs[k - 1], cs[k], xs[k], gx_now, gc_now, in_xt,
                                  in_ct, grad);
          memset (in_x, 0, sizeof (double) * N);
        }
      else
        ts_palm_vjp_step (P, y, xs[k - 1], c_t, x_t, vs[k - 1], cs[k], gx_now, gc_now, in_x,
                          in_xt, in_ct, grad);
      /* Step 1 starts at x_{-1} = x_0 = y (no gradient needed) and c = 0. */
      for (gsize i = 0; i < N; i++)
        {
          gx_back1[i] += in_x[i] + (1.0 + a) * in_xt[i];
          gx_back2[i] += -a * in_xt[i];
        }
      for (gsize i = 0; i < KN; i++)
        {
          gc_back1[i] += (1.0 + a) * in_ct[i];
          gc_back2[i] += -a * in_ct[i];
        }
      /* Shift: x_{k-1} is now complete. */
      double *t = gx_now;
      gx_now = gx_back1;
      gx_back1 = gx_back2;
      gx_back2 = t;
      memset (gx_back2, 0, sizeof (double) * N);
      t = gc_now;
      gc_now = gc_back1;
      gc_back1 = gc_back2;
      gc_back2 = t;
      memset (gc_back2, 0, sizeof (double) * KN);
    }
  if (x_out != NULL)
    memcpy (x_out, xs[n], sizeof (double) * N);

  for (int k = 0; k <= n; k++)
    {
      g_free (xs[k]);
      g_free (cs[k]);
    }
  for (int k = 0; k < n; k++)
    g_free (vs[k]);
  g_free (xs);
  g_free (cs);
  g_free (vs);
  g_free (x_t);
  g_free (c_t);
  g_free (gx_now);
  g_free (gx_back1);
  g_free (gx_back2);
  g_free (gc_now);
  g_free (gc_back1);
  g_free (gc_back2);
  g_free (in_x);
  g_free (in_xt);
  g_free (in_ct);
  return loss;
}
