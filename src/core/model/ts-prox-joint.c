/* The joint colour prox and its derivatives (see ts-prox-joint.h for the formulas). */
#include "ts-prox-joint.h"
#include "ts-vmath.h"
#include <math.h>
#include <string.h>

#define GROUP_EPS 1e-8   /* MODEL.md's group prox: v / (n + 1e-8) */

double
ts_prox_joint_factor (const TsJointGroupProx *g, double n, double *dh_over_n, double *dh_dlogt)
{
  double h, over_n = 0.0, dlogt = 0.0;
  if (g->type == TS_PROX_NCPR)
    {
      double mg = pow (g->threshold, g->order), a = pow (n, g->order), den = mg + a;
      h = den > 0.0 ? a / den : 0.0;
      if (n > 0.0 && den > 0.0)
        {
          /* h' = g n^(g-1) m^g / den^2; divided by n without forming n^(g-2) at n -> 0 from
           * a: a / n^2 is exact enough for n > 0. */
          over_n = g->order * (a / (n * n)) * mg / (den * den);
          dlogt = -g->order * mg * a / (den * den);
        }
    }
  else
    {
      double thr = g->threshold, ne = n + GROUP_EPS;
      h = n > thr ? (n - thr) / ne : 0.0;
      if (n > thr && n > 0.0)
        {
          over_n = (thr + GROUP_EPS) / (n * ne * ne);
          dlogt = thr / ne;
        }
    }
  if (dh_over_n != NULL)
    *dh_over_n = over_n;
  if (dh_dlogt != NULL)
    *dh_dlogt = dlogt;
  return h;
}

double
ts_prox_joint_norm (const double v[TS_JOINT_PLANES], double chroma_weight)
{
  return sqrt (v[0] * v[0] + chroma_weight * (v[1] * v[1] + v[2] * v[2]));
}

void
ts_prox_joint_group (const TsJointGroupProx *g, double chroma_weight,
                     const double v[TS_JOINT_PLANES], double out[TS_JOINT_PLANES])
{
  double h = ts_prox_joint_factor (g, ts_prox_joint_norm (v, chroma_weight), NULL, NULL);
  for (int p = 0; p < TS_JOINT_PLANES; p++)
    out[p] = h * v[p];
}

double
ts_prox_joint_group_vjp (const TsJointGroupProx *g, double chroma_weight,
                         const double v[TS_JOINT_PLANES], const double grad[TS_JOINT_PLANES],
                         double gv[TS_JOINT_PLANES], double *g_weight)
{
  double n = ts_prox_joint_norm (v, chroma_weight), over_n, dlogt;
  double h = ts_prox_joint_factor (g, n, &over_n, &dlogt);
  double vg = v[0] * grad[0] + v[1] * grad[1] + v[2] * grad[2];
  double wv[TS_JOINT_PLANES] = { v[0], chroma_weight * v[1], chroma_weight * v[2] };
  for (int p = 0; p < TS_JOINT_PLANES; p++)
    gv[p] = h * grad[p] + over_n * vg * wv[p];
  /* d prox / d w = v h'(n) dn/dw, dn/dw = (vO1^2 + vO2^2) / (2 n): h'(n) / n times half the
   * chroma energy. */
  if (g_weight != NULL)
    *g_weight += vg * over_n * 0.5 * (v[1] * v[1] + v[2] * v[2]);
  return vg * dlogt;
}

void
ts_prox_joint_group_params (const TsProx *prox, int channel, TsJointGroupProx *out)
{
  out->type = prox->type;
  out->order = prox->order;
  /* As ts_prox_scalar forms them: NCPR's m_j as the solver holds it (float), CPR's lambda / t_j
   * in double. */
  out->threshold = prox->type == TS_PROX_NCPR ? (double) prox->threshold[channel]
                                              : prox->lambda / (double) prox->t[channel];
}

void
ts_prox_joint_apply_range (const TsProx *prox, double chroma_weight,
                           float *const c[TS_JOINT_PLANES], gsize n_pixels, gsize i0, gsize i1)
{
  float w = (float) chroma_weight, half_order = (float) (prox->order / 2.0);
  float lambda = (float) prox->lambda;
  for (int j = 0; j < prox->K; j++)
    {
      float *y = c[0] + (gsize) j * n_pixels, *o1 = c[1] + (gsize) j * n_pixels;
      float *o2 = c[2] + (gsize) j * n_pixels;
      if (prox->type == TS_PROX_NCPR)
        {
          /* n^g = (n^2)^(g/2): no square root. */
          float mg = prox->m_pow[j];
          gboolean square = prox->order == 2.0;
          for (gsize i = i0; i < i1; i++)
            {
              float n2 = y[i] * y[i] + w * (o1[i] * o1[i] + o2[i] * o2[i]);
              float a = square ? n2 : ts_vmath_pow_abs (n2, half_order);
              /* Capped as the scalar path: m + a stays in range, the factor is 1 there. */
              a = MIN (a, 0x1p100f);
              float h = 1.0f - mg / (mg + a);
              y[i] *= h;
              o1[i] *= h;
              o2[i] *= h;
            }
        }
      else
        {
          float t = prox->t[j];
          for (gsize i = i0; i < i1; i++)
            {
              float n = sqrtf (y[i] * y[i] + w * (o1[i] * o1[i] + o2[i] * o2[i]));
              float nt = n * t;
              float s = nt > lambda ? nt - lambda : 0.0f;
              float h = s / t / (n + 1e-8f);
              y[i] *= h;
              o1[i] *= h;
              o2[i] *= h;
            }
        }
    }
}

void
ts_prox_joint_cost_map (const TsProx *prox, double chroma_weight,
                        const float *const c[TS_JOINT_PLANES], gsize n_pixels, float *out)
{
  memset (out, 0, sizeof (float) * n_pixels);
  for (int j = 0; j < prox->K; j++)
    for (gsize i = 0; i < n_pixels; i++)
      {
        gsize k = (gsize) j * n_pixels + i;
        double v[TS_JOINT_PLANES] = { c[0][k], c[1][k], c[2][k] };
        double n = ts_prox_joint_norm (v, chroma_weight);
        if (n > 0.0)
          out[i] += (float) ts_prox_cost_scalar (prox, j, n);
      }
}
