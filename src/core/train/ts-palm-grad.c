/* One PALM step in double and its vector-Jacobian products (see ts-palm-grad.h). */
#include "ts-palm-grad.h"
#include "ts-patch.h"
#include <cblas.h>
#include <math.h>
#include <string.h>

#define GROUP_EPS 1e-8   /* as the reference's 2x2 group prox: v / (n + 1e-8) */

/* cols[a * N + m] = x[m + o_a], o_a the offset of patch entry a (as ts_patch_im2col). */
static void
im2col (const TsPalmParams *P, const double *x, double *cols)
{
  int W = P->width, H = P->height, p = P->p, h = p / 2;
  gsize N = (gsize) W * H;
  for (int a = 0; a < P->s; a++)
    {
      int dy = a / p - h, dx = a % p - h;
      double *out = cols + a * N;
      for (int r = 0; r < H; r++)
        {
          const double *src = x + (gsize) ts_patch_wrap (r + dy, H) * W;
          for (int col = 0; col < W; col++)
            out[(gsize) r * W + col] = src[ts_patch_wrap (col + dx, W)];
        }
    }
}

/* Adjoint of im2col: out[m + o_a] += cols[a * N + m]. */
static void
col2im_add (const TsPalmParams *P, const double *cols, double *out)
{
  int W = P->width, H = P->height, p = P->p, h = p / 2;
  gsize N = (gsize) W * H;
  for (int a = 0; a < P->s; a++)
    {
      int dy = a / p - h, dx = a % p - h;
      const double *in = cols + a * N;
      for (int r = 0; r < H; r++)
        {
          double *dst = out + (gsize) ts_patch_wrap (r + dy, H) * W;
          for (int col = 0; col < W; col++)
            dst[ts_patch_wrap (col + dx, W)] += in[(gsize) r * W + col];
        }
    }
}

/* out[m] = sum_d kernel[d] x[m + d], circular (the kernel is point-symmetric, so this is
 * also its own adjoint). */
static void
correlate (const TsPalmParams *P, const double *x, double *out)
{
  int W = P->width, H = P->height, kp = 2 * P->p - 1, h = P->p - 1;
  memset (out, 0, sizeof (double) * W * H);
  for (int iy = 0; iy < kp; iy++)
    for (int ix = 0; ix < kp; ix++)
      {
        double k = P->kernel[iy * kp + ix];
        if (k == 0.0)
          continue;
        int dy = iy - h, dx = ix - h;
        for (int r = 0; r < H; r++)
          {
            const double *src = x + (gsize) ts_patch_wrap (r + dy, H) * W;
            double *dst = out + (gsize) r * W;
            for (int col = 0; col < W; col++)
              dst[col] += k * src[ts_patch_wrap (col + dx, W)];
          }
      }
}

/* out[d] += scale * sum_m g[m] x[m + d] over the (2p-1)^2 offsets d: the gradient of
 * <g, scale k_P * x> w.r.t. the kernel (correlation, circular). */
static void
add_kernel_gradient (const TsPalmParams *P, const double *g, const double *x, double scale,
                     double *out)
{
  int W = P->width, H = P->height, p = P->p, kp = 2 * p - 1;
  for (int iy = 0; iy < kp; iy++)
    for (int ix = 0; ix < kp; ix++)
      {
        int dy = iy - (p - 1), dx = ix - (p - 1);
        double acc = 0.0;
        for (int row = 0; row < H; row++)
          {
            const double *src = x + (gsize) ts_patch_wrap (row + dy, H) * W;
            const double *gr = g + (gsize) row * W;
            for (int col = 0; col < W; col++)
              acc += gr[col] * src[ts_patch_wrap (col + dx, W)];
          }
        out[iy * kp + ix] += scale * acc;
      }
}

/* c = alpha a b + beta c for row-major a (m x k, or k x m if ta), b (k x n, or n x k if tb). */
static void
gemm (gboolean ta, gboolean tb, int m, int n, int k, double alpha, const double *a,
      const double *b, double beta, double *c)
{
  cblas_dgemm (CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m,
               n, k, alpha, a, ta ? m : k, b, tb ? k : n, beta, c, n);
}

/* ---- the prox, its Jacobian and its derivative w.r.t. lambda_scaling ---- */

static void
prox_apply (const TsPalmParams *P, const double *v, double *out)
{
  gsize N = (gsize) P->width * P->height;
  for (int j = 0; j < P->K; j++)
    {
      const double *vj = v + j * N;
      double *oj = out + j * N;
      if (P->prox_type == TS_PROX_NCPR)
        {
          double g = P->order, mg = pow (P->t[j] * P->lambda, g);
          for (gsize i = 0; i < N; i++)
            {
              double a = pow (fabs (vj[i]), g);
              oj[i] = vj[i] * a / (mg + a);
            }
        }
      else if (P->groupsize == 1)
        {
          double th = P->lambda / P->t[j];
          for (gsize i = 0; i < N; i++)
            oj[i] = copysign (MAX (fabs (vj[i]) - th, 0.0), vj[i]);
        }
      else
        {
          double th = P->lambda / P->t[j];
          int W = P->width;
          for (int r = 0; r < P->height; r += 2)
            for (int col = 0; col < W; col += 2)
              {
                gsize idx[4] = { (gsize) r * W + col, (gsize) r * W + col + 1,
                                 (gsize) (r + 1) * W + col, (gsize) (r + 1) * W + col + 1 };
                double n = 0.0;
                for (int q = 0; q < 4; q++)
                  n += vj[idx[q]] * vj[idx[q]];
                n = sqrt (n);
                double f = MAX (n - th, 0.0) / (n + GROUP_EPS);
                for (int q = 0; q < 4; q++)
                  oj[idx[q]] = vj[idx[q]] * f;
              }
        }
    }
}

/* gv = J_prox(v)^T g; if glogt != NULL, glogt[j] += sum_i g_i d prox_i / d log t_j. */
static void
prox_vjp (const TsPalmParams *P, const double *v, const double *g, double *gv, double *glogt)
{
  gsize N = (gsize) P->width * P->height;
  for (int j = 0; j < P->K; j++)
    {
      const double *vj = v + j * N, *gj = g + j * N;
      double *oj = gv + j * N;
      double acc = 0.0;
      if (P->prox_type == TS_PROX_NCPR)
        {
          /* prox = v a / (m^g + a), a = |v|^g: d/dv = a/den + g a m^g / den^2,
           * d/dlog m = -v g a m^g / den^2 (m = t lambda, so d log m = d log t). */
          double order = P->order, mg = pow (P->t[j] * P->lambda, order);
          for (gsize i = 0; i < N; i++)
            {
              double a = pow (fabs (vj[i]), order), den = mg + a;
              double q = order * a * mg / (den * den);
              oj[i] = (a / den + q) * gj[i];
              acc -= vj[i] * q * gj[i];
            }
        }
      else if (P->groupsize == 1)
        {
          /* sign(v) max(|v| - th, 0), th = lambda / t: d/dlog t = sign(v) th where active. */
          double th = P->lambda / P->t[j];
          for (gsize i = 0; i < N; i++)
            {
              gboolean active = fabs (vj[i]) > th;
              oj[i] = active ? gj[i] : 0.0;
              if (active)
                acc += copysign (th, vj[i]) * gj[i];
            }
        }
      else
        {
          /* out = v (n - th) / (n + e) on an active 2x2 block:
           * J = r I + (th + e) / (n (n + e)^2) v v^T (symmetric), d/dlog t = v th / (n + e). */
          double th = P->lambda / P->t[j];
          int W = P->width;
          for (int r = 0; r < P->height; r += 2)
            for (int col = 0; col < W; col += 2)
              {
                gsize idx[4] = { (gsize) r * W + col, (gsize) r * W + col + 1,
                                 (gsize) (r + 1) * W + col, (gsize) (r + 1) * W + col + 1 };
                double n = 0.0, vg = 0.0;
                for (int q = 0; q < 4; q++)
                  {
                    n += vj[idx[q]] * vj[idx[q]];
                    vg += vj[idx[q]] * gj[idx[q]];
                  }
                n = sqrt (n);
                if (n <= th)
                  {
                    for (int q = 0; q < 4; q++)
                      oj[idx[q]] = 0.0;
                    continue;
                  }
                double ne = n + GROUP_EPS, ratio = (n - th) / ne;
                double outer = (th + GROUP_EPS) / (n * ne * ne);
                for (int q = 0; q < 4; q++)
                  oj[idx[q]] = ratio * gj[idx[q]] + outer * vj[idx[q]] * vg;
                acc += th / ne * vg;
              }
        }
      if (glogt != NULL)
        glogt[j] += acc;
    }
}

gsize
ts_palm_scratch_doubles (const TsPalmParams *P)
{
  gsize N = (gsize) P->width * P->height;
  return (gsize) (P->s + P->K + 2 * MAX (P->rank, 1) + 1) * N;
}

void
ts_palm_prox_derivative (const TsPalmParams *P, const double *v, double *dprox)
{
  g_return_if_fail (P->prox_type == TS_PROX_NCPR || P->groupsize == 1);
  gsize N = (gsize) P->width * P->height;
  for (int j = 0; j < P->K; j++)
    {
      const double *vj = v + j * N;
      double *dj = dprox + j * N;
      if (P->prox_type == TS_PROX_NCPR)
        {
          double order = P->order, mg = pow (P->t[j] * P->lambda, order);
          for (gsize i = 0; i < N; i++)
            {
              double a = pow (fabs (vj[i]), order), den = mg + a;
              dj[i] = a / den + order * a * mg / (den * den);
            }
        }
      else
        {
          double th = P->lambda / P->t[j];
          for (gsize i = 0; i < N; i++)
            dj[i] = fabs (vj[i]) > th ? 1.0 : 0.0;
        }
    }
}

/* The coefficient step's argument v = c_t - b D (D^T c_t - P x), keeping diff = D^T c_t - P x
 * (s x N); `cols` is s x N scratch. */
static void
code_argument (const TsPalmParams *P, const double *x, const double *c_t, double *cols,
               double *diff, double *v)
{
  int K = P->K, s = P->s;
  gsize N = (gsize) P->width * P->height;
  im2col (P, x, cols);
  gemm (TRUE, FALSE, s, (int) N, K, 1.0, P->D, c_t, 0.0, diff);
  for (gsize i = 0; i < s * N; i++)
    diff[i] -= cols[i];
  memcpy (v, c_t, sizeof (double) * K * N);
  gemm (FALSE, FALSE, K, (int) N, s, -P->b, P->D, diff, 1.0, v);
}

/* x' = x_t - (x_t - y + b (k_P * x_t - P^T D^T c')) / L; `scratch` is s x N. */
static void
image_update (const TsPalmParams *P, const double *y, const double *x_t, const double *c_new,
              double *x_out, double *scratch)
{
  int K = P->K, s = P->s;
  gsize N = (gsize) P->width * P->height;
  double *kx = g_new (double, N);
  double *back = g_new0 (double, N);
  correlate (P, x_t, kx);
  gemm (TRUE, FALSE, s, (int) N, K, 1.0, P->D, c_new, 0.0, scratch);
  col2im_add (P, scratch, back);
  for (gsize i = 0; i < N; i++)
    x_out[i] = x_t[i] - (x_t[i] - y[i] + P->b * (kx[i] - back[i])) / P->L;
  g_free (kx);
  g_free (back);
}

void
ts_palm_step (const TsPalmParams *P, const double *y, const double *x, const double *c_t,
              const double *x_t, double *x_out, double *c_out, double *v_out)
{
  int K = P->K, s = P->s;
  gsize N = (gsize) P->width * P->height;
  double *cols = g_new (double, s * N);
  double *diff = g_new (double, s * N);
  double *v = v_out != NULL ? v_out : g_new (double, K * N);

  code_argument (P, x, c_t, cols, diff, v);
  prox_apply (P, v, c_out);
  image_update (P, y, x_t, c_out, x_out, diff);

  g_free (cols);
  g_free (diff);
  if (v_out == NULL)
    g_free (v);
}

void
ts_palm_code_argument (const TsPalmParams *P, const double *x, const double *c_t, double *v)
{
  gsize sn = (gsize) P->s * P->width * P->height;
  double *cols = g_new (double, sn), *diff = g_new (double, sn);
  code_argument (P, x, c_t, cols, diff, v);
  g_free (cols);
  g_free (diff);
}

void
ts_palm_image_update (const TsPalmParams *P, const double *y, const double *x_t,
                      const double *c_new, double *x_out)
{
  double *scratch = g_new (double, (gsize) P->s * P->width * P->height);
  image_update (P, y, x_t, c_new, x_out, scratch);
  g_free (scratch);
}

static void
apply_prox_vjp (const TsPalmParams *P, const double *v, const double *dprox, const double *g,
                double *gv)
{
  if (dprox == NULL)
    {
      prox_vjp (P, v, g, gv, NULL);
      return;
    }
  gsize n = (gsize) P->K * P->width * P->height;
  for (gsize i = 0; i < n; i++)
    gv[i] = dprox[i] * g[i];
}

/* The image step's part of (df/dz)^T in the subspace form, from cols = P gx_out (s x N):
 * ug = U^T P gx_out and gct += (b / L) B ug, the gradient reaching c' (D P g = B (U^T P g)). */
static void
state_vjp_image_cols (const TsPalmParams *P, const double *cols, double *ug, double *gct)
{
  gsize N = (gsize) P->width * P->height;
  gemm (TRUE, FALSE, P->rank, (int) N, P->s, 1.0, P->U, cols, 0.0, ug);
  gemm (FALSE, FALSE, P->K, (int) N, P->rank, P->b / P->L, P->B, ug, 1.0, gct);
}

/* The coefficient step's part, from gc = J_prox^T gct (overwritten by the gradient w.r.t. c)
 * and ug: gc = gv - B (b B^T gv); gx = (1 - 1/L) gx_out + P^T U (b B^T gv - (b / L) ug)
 * (k_P * g = P^T U (U^T P g); P^T D^T h = P^T U (B^T h)). `cols` s x N, `field` r x N. */
static void
state_vjp_code (const TsPalmParams *P, const double *gx_out, const double *ug, double *gc,
                double *gx, double *cols, double *field)
{
  int K = P->K, s = P->s, r = P->rank;
  gsize N = (gsize) P->width * P->height;
  double b = P->b, L = P->L;
  gemm (TRUE, FALSE, r, (int) N, K, b, P->B, gc, 0.0, field);
  gemm (FALSE, FALSE, K, (int) N, r, -1.0, P->B, field, 1.0, gc);
  for (gsize i = 0; i < r * N; i++)
    field[i] -= b / L * ug[i];
  gemm (FALSE, FALSE, s, (int) N, r, 1.0, P->U, field, 0.0, cols);
  for (gsize i = 0; i < N; i++)
    gx[i] = (1.0 - 1.0 / L) * gx_out[i];
  col2im_add (P, cols, gx);
}

void
ts_palm_vjp_state_image (const TsPalmParams *P, const double *gx_out, const double *gc_out,
                         double *gct, double *ug)
{
  gsize N = (gsize) P->width * P->height;
  double *cols = g_new (double, (gsize) P->s * N);
  im2col (P, gx_out, cols);
  memcpy (gct, gc_out, sizeof (double) * P->K * N);
  state_vjp_image_cols (P, cols, ug, gct);
  g_free (cols);
}

void
ts_palm_vjp_state_code (const TsPalmParams *P, const double *gx_out, const double *ug,
                        double *gc, double *gx)
{
  gsize N = (gsize) P->width * P->height;
  double *cols = g_new (double, (gsize) P->s * N);
  double *field = g_new (double, (gsize) MAX (P->rank, 1) * N);
  state_vjp_code (P, gx_out, ug, gc, gx, cols, field);
  g_free (cols);
  g_free (field);
}

void
ts_palm_vjp_state (const TsPalmParams *P, const double *v, const double *dprox,
                   const double *gx_out, const double *gc_out, double *gx, double *gc,
                   gboolean subspace, double *scratch)
{
  int K = P->K, s = P->s, r = P->rank;
  gsize N = (gsize) P->width * P->height;
  double b = P->b, L = P->L;
  double *own = scratch == NULL ? g_new (double, ts_palm_scratch_doubles (P)) : NULL;
  double *work = scratch != NULL ? scratch : own;
  double *cols = work, *gct = cols + s * N, *ug = gct + K * N, *field = ug + MAX (r, 1) * N;
  im2col (P, gx_out, cols);
  memcpy (gct, gc_out, sizeof (double) * K * N);
  if (subspace)
    {
      state_vjp_image_cols (P, cols, ug, gct);
      apply_prox_vjp (P, v, dprox, gct, gc);
      state_vjp_code (P, gx_out, ug, gc, gx, cols, field);
    }
  else
    {
      double *kg = g_new (double, N);
      double *dtg = g_new (double, s * N);
      gemm (FALSE, FALSE, K, (int) N, s, b / L, P->D, cols, 1.0, gct);
      apply_prox_vjp (P, v, dprox, gct, gc);
      gemm (TRUE, FALSE, s, (int) N, K, b, P->D, gc, 0.0, dtg);
      gemm (FALSE, FALSE, K, (int) N, s, -1.0, P->D, dtg, 1.0, gc);
      correlate (P, gx_out, kg);
      for (gsize i = 0; i < N; i++)
        gx[i] = (1.0 - 1.0 / L) * gx_out[i] - b / L * kg[i];
      col2im_add (P, dtg, gx);
      g_free (kg);
      g_free (dtg);
    }
  g_free (own);
}

void
ts_palm_vjp_params (const TsPalmParams *P, const double *y, const double *x, const double *c,
                    const double *gx_out, const double *gc_out, TsPalmGrad *grad)
{
  ts_palm_vjp_params_at (P, y, x, c, x, gx_out, gc_out, grad);
}

/* Back through the image step x' = x_t - w / L, w = x_t - y + b (k_P * x_t - P^T D^T c'):
 * the gradients w.r.t. k_P and D (through c') added to `grad`, those w.r.t. the explicit b and
 * L to *gb and *gL, and gct = gc_out + the gradient reaching c'. */
static void
image_update_vjp (const TsPalmParams *P, const double *y, const double *x_t, const double *cn,
                  const double *gx_out, const double *gc_out, double *gct, TsPalmGrad *grad,
                  double *gb, double *gL)
{
  int K = P->K, s = P->s;
  gsize N = (gsize) P->width * P->height;
  double b = P->b, L = P->L;
  double *kx = g_new (double, N);
  double *back = g_new0 (double, N);
  double *dtc = g_new (double, s * N);
  correlate (P, x_t, kx);
  gemm (TRUE, FALSE, s, (int) N, K, 1.0, P->D, cn, 0.0, dtc);
  col2im_add (P, dtc, back);

  double *gw = g_new (double, N);
  /* Local accumulators (not through the pointers): the loop then compiles, and rounds, as it
   * did inside ts_palm_vjp_params_at. */
  double gl = 0.0, gbl = *gb;
  for (gsize i = 0; i < N; i++)
    {
      double w = x_t[i] - y[i] + b * (kx[i] - back[i]);
      gw[i] = -gx_out[i] / L;
      gl += gx_out[i] * w;
      gbl += gw[i] * (kx[i] - back[i]);
    }
  *gb = gbl;
  *gL += gl / (L * L);
  /* d/dk_P[d] of <gw, b k_P * x_t> = b sum_m gw[m] x_t[m + d] */
  add_kernel_gradient (P, gw, x_t, b, grad->kernel);
  /* -b P^T D^T c': dD += -b c' (P gw)^T, dc' = -b D P gw */
  double *colsg = dtc;   /* reuse */
  im2col (P, gw, colsg);
  gemm (FALSE, TRUE, K, s, (int) N, -b, cn, colsg, 1.0, grad->D);
  memcpy (gct, gc_out, sizeof (double) * K * N);
  gemm (FALSE, FALSE, K, (int) N, s, -b, P->D, colsg, 1.0, gct);
  g_free (kx);
  g_free (back);
  g_free (dtc);
  g_free (gw);
}

/* Back through the coefficient step's argument v = c - b D diff, diff = D^T c - P x, given
 * g_v = gv: the gradient w.r.t. D added to `grad`, that w.r.t. the explicit b to *gb. */
static void
code_argument_vjp (const TsPalmParams *P, const double *c, const double *diff, const double *gv,
                   TsPalmGrad *grad, double *gb)
{
  int K = P->K, s = P->s;
  gsize N = (gsize) P->width * P->height;
  double b = P->b;
  double *ddiff = g_new (double, K * N);   /* D diff */
  gemm (FALSE, FALSE, K, (int) N, s, 1.0, P->D, diff, 0.0, ddiff);
  double gbl = *gb;
  for (gsize i = 0; i < K * N; i++)
    gbl -= gv[i] * ddiff[i];
  *gb = gbl;
  /* dD += -b [gv diff^T + c (D^T gv)^T] */
  gemm (FALSE, TRUE, K, s, (int) N, -b, gv, diff, 1.0, grad->D);
  double *dtg = g_new (double, s * N);
  gemm (TRUE, FALSE, s, (int) N, K, 1.0, P->D, gv, 0.0, dtg);
  gemm (FALSE, TRUE, K, s, (int) N, -b, c, dtg, 1.0, grad->D);
  g_free (ddiff);
  g_free (dtg);
}

void
ts_palm_vjp_params_at (const TsPalmParams *P, const double *y, const double *x, const double *c,
                       const double *x_t, const double *gx_out, const double *gc_out,
                       TsPalmGrad *grad)
{
  int K = P->K, s = P->s;
  gsize N = (gsize) P->width * P->height;

  /* Forward again, keeping the intermediates. */
  double *cols = g_new (double, s * N);
  double *diff = g_new (double, s * N);
  double *v = g_new (double, K * N);
  double *cn = g_new (double, K * N);
  code_argument (P, x, c, cols, diff, v);
  prox_apply (P, v, cn);

  double gb = 0.0, gL = 0.0;
  double *gct = g_new (double, K * N);
  image_update_vjp (P, y, x_t, cn, gx_out, gc_out, gct, grad, &gb, &gL);
  /* Coefficient step: c' = prox(v). */
  double *gv = cn;   /* c' no longer needed */
  prox_vjp (P, v, gct, gv, grad->log_t);
  code_argument_vjp (P, c, diff, gv, grad, &gb);

  grad->b += gb;
  grad->L += gL;

  g_free (cols);
  g_free (diff);
  g_free (v);
  g_free (cn);
  g_free (gct);
}

void
ts_palm_vjp_image_update (const TsPalmParams *P, const double *y, const double *x_t,
                          const double *c_new, const double *gx_out, const double *gc_out,
                          double *gct, TsPalmGrad *grad)
{
  double gb = 0.0, gL = 0.0;
  image_update_vjp (P, y, x_t, c_new, gx_out, gc_out, gct, grad, &gb, &gL);
  grad->b += gb;
  grad->L += gL;
}

void
ts_palm_vjp_code_argument (const TsPalmParams *P, const double *x, const double *c,
                           const double *gv, TsPalmGrad *grad)
{
  gsize N = (gsize) P->width * P->height, sn = (gsize) P->s * N;
  double *cols = g_new (double, sn), *diff = g_new (double, sn);
  double *v = g_new (double, (gsize) P->K * N);
  double gb = 0.0;
  code_argument (P, x, c, cols, diff, v);
  code_argument_vjp (P, c, diff, gv, grad, &gb);
  grad->b += gb;
  g_free (cols);
  g_free (diff);
  g_free (v);
}

/* out = U^T P img (r x N). */
static void
project (const TsPalmParams *P, const double *img, double *cols, double *out)
{
  gsize N = (gsize) P->width * P->height;
  im2col (P, img, cols);
  gemm (TRUE, FALSE, P->rank, (int) N, P->s, 1.0, P->U, cols, 0.0, out);
}

/* out += P^T U f for a field f (r x N); `cols` is s x N scratch. */
static void
scatter (const TsPalmParams *P, const double *f, double *cols, double *out)
{
  gsize N = (gsize) P->width * P->height;
  gemm (FALSE, FALSE, P->s, (int) N, P->rank, 1.0, P->U, f, 0.0, cols);
  col2im_add (P, cols, out);
}

/* Back through the coefficient step c' = prox(v), v = c_t - eta b D diff, diff = D^T c_t - P x
 * (subspace products), given g_c' = gct: gx (through x), gc_t, and the gradients w.r.t. log t
 * and D added to `grad`. Returns <D^T g_v, diff>, the derivative w.r.t. (eta b) being minus
 * that. */
static double
coefficient_step_vjp (const TsPalmParams *P, double eta, const double *v, const double *gct,
                      const double *x, const double *c_t, double *gx, double *gc_t,
                      TsPalmGrad *grad)
{
  int K = P->K, s = P->s, r = P->rank;
  gsize N = (gsize) P->width * P->height;
  double eb = eta * P->b;
  double *gv = g_new (double, (gsize) K * N), *f = g_new (double, (gsize) r * N);
  double *dtg = g_new (double, (gsize) s * N), *diff = g_new (double, (gsize) s * N);
  prox_vjp (P, v, gct, gv, grad->log_t);
  /* D^T gv = U B^T gv */
  gemm (TRUE, FALSE, r, (int) N, K, 1.0, P->B, gv, 0.0, f);
  gemm (FALSE, FALSE, s, (int) N, r, 1.0, P->U, f, 0.0, dtg);
  memcpy (gc_t, gv, sizeof (double) * K * N);
  gemm (FALSE, FALSE, K, (int) N, r, -eb, P->B, f, 1.0, gc_t);
  memset (gx, 0, sizeof (double) * N);
  col2im_add (P, dtg, gx);
  for (gsize i = 0; i < N; i++)
    gx[i] *= eb;
  im2col (P, x, diff);
  gemm (TRUE, FALSE, r, (int) N, K, 1.0, P->B, c_t, 0.0, f);
  gemm (FALSE, FALSE, s, (int) N, r, 1.0, P->U, f, -1.0, diff);
  double dot = 0.0;
  for (gsize i = 0; i < (gsize) s * N; i++)
    dot += dtg[i] * diff[i];
  gemm (FALSE, TRUE, K, s, (int) N, -eb, gv, diff, 1.0, grad->D);
  gemm (FALSE, TRUE, K, s, (int) N, -eb, c_t, dtg, 1.0, grad->D);
  g_free (gv);
  g_free (f);
  g_free (dtg);
  g_free (diff);
  return dot;
}

void
ts_palm_step_subspace (const TsPalmParams *P, const double *y, const double *x,
                       const double *c_t, const double *x_t, double *x_out, double *c_out,
                       double *v_out)
{
  int K = P->K, r = P->rank;
  gsize N = (gsize) P->width * P->height;
  double *cols = g_new (double, (gsize) P->s * N), *f = g_new (double, (gsize) r * N);
  double *ux = g_new (double, (gsize) r * N), *kx = g_new (double, N);
  /* v = c_t - b B (B^T c_t - U^T P x) */
  project (P, x, cols, ux);
  gemm (TRUE, FALSE, r, (int) N, K, 1.0, P->B, c_t, 0.0, f);
  for (gsize i = 0; i < (gsize) r * N; i++)
    f[i] -= ux[i];
  memcpy (v_out, c_t, sizeof (double) * K * N);
  gemm (FALSE, FALSE, K, (int) N, r, -P->b, P->B, f, 1.0, v_out);
  prox_apply (P, v_out, c_out);
  /* x' = x_t - (x_t - y + b (k_P * x_t - P^T U B^T c')) / L */
  gemm (TRUE, FALSE, r, (int) N, K, 1.0, P->B, c_out, 0.0, f);
  double *back = g_new0 (double, N);
  scatter (P, f, cols, back);
  correlate (P, x_t, kx);
  for (gsize i = 0; i < N; i++)
    x_out[i] = x_t[i] - (x_t[i] - y[i] + P->b * (kx[i] - back[i])) / P->L;
  g_free (cols);
  g_free (f);
  g_free (ux);
  g_free (kx);
  g_free (back);
}

void
ts_palm_vjp_step (const TsPalmParams *P, const double *y, const double *x, const double *c_t,
                  const double *x_t, const double *v, const double *c_new,
                  const double *gx_out, const double *gc_out, double *gx, double *gx_t,
                  double *gc_t, TsPalmGrad *grad)
{
  int K = P->K, s = P->s, r = P->rank;
  gsize N = (gsize) P->width * P->height;
  double b = P->b, L = P->L;
  double *cols = g_new (double, (gsize) s * N);
  double *f = g_new (double, (gsize) r * N), *gct = g_new (double, (gsize) K * N);
  double *kx = g_new (double, N), *back = g_new0 (double, N), *gw = g_new (double, N);

  /* Image step: x' = x_t - w / L, w = x_t - y + b (k_P * x_t - P^T D^T c'). */
  correlate (P, x_t, kx);
  gemm (TRUE, FALSE, r, (int) N, K, 1.0, P->B, c_new, 0.0, f);
  scatter (P, f, cols, back);
  double gL = 0.0, gb = 0.0;
  for (gsize i = 0; i < N; i++)
    {
      double w = x_t[i] - y[i] + b * (kx[i] - back[i]);
      gw[i] = -gx_out[i] / L;
      gL += gx_out[i] * w;
      gb += gw[i] * (kx[i] - back[i]);
    }
  gL /= L * L;
  add_kernel_gradient (P, gw, x_t, b, grad->kernel);
  /* -b P^T D^T c': dD += -b c' (P gw)^T; g_c' += -b D P gw = -b B U^T P gw. */
  im2col (P, gw, cols);
  gemm (FALSE, TRUE, K, s, (int) N, -b, c_new, cols, 1.0, grad->D);
  gemm (TRUE, FALSE, r, (int) N, s, 1.0, P->U, cols, 0.0, f);
  memcpy (gct, gc_out, sizeof (double) * K * N);
  gemm (FALSE, FALSE, K, (int) N, r, -b, P->B, f, 1.0, gct);
  /* Through x_t: (1 - 1/L) g - (b/L) k_P * g (k_P is point-symmetric). */
  correlate (P, gx_out, kx);
  for (gsize i = 0; i < N; i++)
    gx_t[i] = (1.0 - 1.0 / L) * gx_out[i] - b / L * kx[i];

  gb -= coefficient_step_vjp (P, 1.0, v, gct, x, c_t, gx, gc_t, grad);
  grad->b += gb;
  grad->L += gL;

  g_free (cols);
  g_free (f);
  g_free (gct);
  g_free (kx);
  g_free (back);
  g_free (gw);
}

void
ts_palm_step_exact (const TsPalmParams *P, const double *y, const double *x_t,
                    const double *c_t, double *x_out, double *c_out, double *v_out)
{
  int K = P->K, r = P->rank;
  gsize N = (gsize) P->width * P->height;
  double *cols = g_new (double, (gsize) P->s * N), *f = g_new (double, (gsize) r * N);
  double *ux = g_new (double, (gsize) r * N);
  /* v = c_t - b B (B^T c_t - U^T P x_t) */
  project (P, x_t, cols, ux);
  gemm (TRUE, FALSE, r, (int) N, K, 1.0, P->B, c_t, 0.0, f);
  for (gsize i = 0; i < (gsize) r * N; i++)
    f[i] -= ux[i];
  memcpy (v_out, c_t, sizeof (double) * K * N);
  gemm (FALSE, FALSE, K, (int) N, r, -P->eta * P->b, P->B, f, 1.0, v_out);
  prox_apply (P, v_out, c_out);
  /* x' = M (y + b P^T U B^T c') */
  gemm (TRUE, FALSE, r, (int) N, K, 1.0, P->B, c_out, 0.0, f);
  double *rhs = g_new0 (double, N);
  scatter (P, f, cols, rhs);
  for (gsize i = 0; i < N; i++)
    rhs[i] = y[i] + P->b * rhs[i];
  ts_smooth_inverse_apply (P->smooth, rhs, x_out);
  g_free (cols);
  g_free (f);
  g_free (ux);
  g_free (rhs);
}

void
ts_palm_vjp_step_exact (const TsPalmParams *P, const double *y, const double *x_t,
                        const double *c_t, const double *v, const double *c_new,
                        const double *x_new, const double *gx_out, const double *gc_out,
                        double *gx_t, double *gc_t, TsPalmGrad *grad)
{
  int K = P->K, s = P->s, r = P->rank;
  gsize N = (gsize) P->width * P->height;
  double b = P->b;
  (void) y;
  double *cols = g_new (double, (gsize) s * N);
  double *f = g_new (double, (gsize) r * N), *gct = g_new (double, (gsize) K * N);
  double *gr = g_new (double, N), *kx = g_new (double, N), *back = g_new0 (double, N);

  /* x' = M rhs, rhs = y + b P^T D^T c'; g_rhs = M g (M is symmetric). d M = -M (db k_P +
   * b dk_P) M, so <g, dM rhs> = -<g_rhs, (db k_P + b dk_P) x'>. */
  ts_smooth_inverse_apply (P->smooth, gx_out, gr);
  correlate (P, x_new, kx);
  gemm (TRUE, FALSE, r, (int) N, K, 1.0, P->B, c_new, 0.0, f);
  scatter (P, f, cols, back);
  double gb = 0.0;
  for (gsize i = 0; i < N; i++)
    gb += gr[i] * (back[i] - kx[i]);
  add_kernel_gradient (P, gr, x_new, -b, grad->kernel);
  /* b P^T D^T c': dD += b c' (P g_rhs)^T; g_c' += b D P g_rhs = b B U^T P g_rhs. */
  im2col (P, gr, cols);
  gemm (FALSE, TRUE, K, s, (int) N, b, c_new, cols, 1.0, grad->D);
  gemm (TRUE, FALSE, r, (int) N, s, 1.0, P->U, cols, 0.0, f);
  memcpy (gct, gc_out, sizeof (double) * K * N);
  gemm (FALSE, FALSE, K, (int) N, r, b, P->B, f, 1.0, gct);

  double dot = coefficient_step_vjp (P, P->eta, v, gct, x_t, c_t, gx_t, gc_t, grad);
  gb -= P->eta * dot;
  grad->eta -= b * dot;
  grad->b += gb;

  g_free (cols);
  g_free (f);
  g_free (gct);
  g_free (gr);
  g_free (kx);
  g_free (back);
}
