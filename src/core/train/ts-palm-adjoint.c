/* The training's adjoint map in float32 (see ts-palm-adjoint.h). Same algebra as the
 * subspace branch of ts_palm_vjp_state:
 *   gc' = gc_out + (b/L) B U^T P gx_out
 *   gv  = J_prox^T gc'
 *   gc  = gv - b B B^T gv
 *   gx  = (1 - 1/L) gx_out + P^T U (b B^T gv - (b/L) U^T P gx_out) */
#include "ts-palm-adjoint.h"
#include "ts-patch.h"
#include "ts-gemm.h"
#include <math.h>
#include <string.h>

#define GROUP_EPS 1e-8f

struct TsPalmAdjoint {
  int W, H, K, s, p, r, groupsize;
  gsize N;
  float b, L;
  float *U, *B;        /* s x r, K x r */
  float *dprox;        /* groupsize 1: the diagonal Jacobian, K x N */
  float *v;            /* groupsize 2: the prox argument, K x N */
  float *threshold;    /* groupsize 2: lambda / t_j */
  float *cols, *gct, *ug, *field;   /* scratch */
};

TsPalmAdjoint *
ts_palm_adjoint_new (const TsPalmParams *P, const double *v)
{
  TsPalmAdjoint *a = g_new0 (TsPalmAdjoint, 1);
  gsize N = (gsize) P->width * P->height, KN = (gsize) P->K * N;
  int r = MAX (P->rank, 1);
  a->W = P->width;
  a->H = P->height;
  a->K = P->K;
  a->s = P->s;
  a->p = P->p;
  a->r = P->rank;
  a->N = N;
  a->b = (float) P->b;
  a->L = (float) P->L;
  a->groupsize = P->prox_type == TS_PROX_NCPR ? 1 : P->groupsize;
  a->U = g_new (float, (gsize) P->s * r);
  a->B = g_new (float, (gsize) P->K * r);
  for (gsize i = 0; i < (gsize) P->s * P->rank; i++)
    a->U[i] = (float) P->U[i];
  for (gsize i = 0; i < (gsize) P->K * P->rank; i++)
    a->B[i] = (float) P->B[i];
  if (a->groupsize == 1)
    {
      double *d = g_new (double, KN);
      ts_palm_prox_derivative (P, v, d);
      a->dprox = g_new (float, KN);
      for (gsize i = 0; i < KN; i++)
        a->dprox[i] = (float) d[i];
      g_free (d);
    }
  else
    {
      a->v = g_new (float, KN);
      for (gsize i = 0; i < KN; i++)
        a->v[i] = (float) v[i];
      a->threshold = g_new (float, P->K);
      for (int j = 0; j < P->K; j++)
        a->threshold[j] = (float) (P->lambda / P->t[j]);
    }
  a->cols = g_new (float, (gsize) P->s * N);
  a->gct = g_new (float, KN);
  a->ug = g_new (float, (gsize) r * N);
  a->field = g_new (float, (gsize) r * N);
  return a;
}

void
ts_palm_adjoint_free (TsPalmAdjoint *a)
{
  if (a == NULL)
    return;
  g_free (a->U);
  g_free (a->B);
  g_free (a->dprox);
  g_free (a->v);
  g_free (a->threshold);
  g_free (a->cols);
  g_free (a->gct);
  g_free (a->ug);
  g_free (a->field);
  g_free (a);
}

/* gv = J_prox^T g for 2x2 groups: on an active block (n > th),
 * J = r I + (th + e) / (n (n + e)^2) v v^T, r = (n - th) / (n + e); 0 otherwise. */
static void
group_prox_vjp (const TsPalmAdjoint *a, const float *g, float *gv)
{
  int W = a->W;
  for (int j = 0; j < a->K; j++)
    {
      const float *vj = a->v + j * a->N, *gj = g + j * a->N;
      float *oj = gv + j * a->N;
      float th = a->threshold[j];
      for (int row = 0; row < a->H; row += 2)
        for (int col = 0; col < W; col += 2)
          {
            gsize idx[4] = { (gsize) row * W + col, (gsize) row * W + col + 1,
                             (gsize) (row + 1) * W + col, (gsize) (row + 1) * W + col + 1 };
            float n = 0.0f, vg = 0.0f;
            for (int q = 0; q < 4; q++)
              {
                n += vj[idx[q]] * vj[idx[q]];
                vg += vj[idx[q]] * gj[idx[q]];
              }
            n = sqrtf (n);
            if (n <= th)
              {
                for (int q = 0; q < 4; q++)
                  oj[idx[q]] = 0.0f;
                continue;
              }
            float ne = n + GROUP_EPS, ratio = (n - th) / ne;
            float outer = (th + GROUP_EPS) / (n * ne * ne);
            for (int q = 0; q < 4; q++)
              oj[idx[q]] = ratio * gj[idx[q]] + outer * vj[idx[q]] * vg;
          }
    }
}

void
ts_palm_adjoint_apply (const TsPalmAdjoint *a, const float *in, float *out, const float *r)
{
  int K = a->K, s = a->s, rk = a->r;
  gsize N = a->N, KN = (gsize) K * N;
  float b = a->b, L = a->L;
  const float *gx_out = in, *gc_out = in + N;
  float *gx = out, *gc = out + N;

  ts_patch_im2col (gx_out, a->W, a->H, a->p, 0, a->H, a->cols);
  ts_gemm (rk, (int) N, s, 1.0f, a->U, 1, rk, a->cols, N, a->ug, N);
  memcpy (a->gct, gc_out, sizeof (float) * KN);
  ts_gemm_add (K, (int) N, rk, b / L, a->B, rk, 1, a->ug, N, a->gct, N);
  if (a->dprox != NULL)
    for (gsize i = 0; i < KN; i++)
      gc[i] = a->dprox[i] * a->gct[i];
  else
    group_prox_vjp (a, a->gct, gc);
  /* field = b B^T gv; gc = gv - B field; field -= (b/L) U^T P gx_out */
  ts_gemm (rk, (int) N, K, b, a->B, 1, rk, gc, N, a->field, N);
  ts_gemm_add (K, (int) N, rk, -1.0f, a->B, rk, 1, a->field, N, gc, N);
  for (gsize i = 0; i < (gsize) rk * N; i++)
    a->field[i] -= b / L * a->ug[i];
  ts_gemm (s, (int) N, rk, 1.0f, a->U, rk, 1, a->field, N, a->cols, N);
  for (gsize i = 0; i < N; i++)
    gx[i] = (1.0f - 1.0f / L) * gx_out[i] + (r != NULL ? r[i] : 0.0f);
  ts_patch_col2im_add (a->cols, a->W, a->H, a->p, 0, a->H, gx);
}
