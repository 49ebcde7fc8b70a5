/* The joint colour form's PALM step and its vector-Jacobian products (see ts-palm-joint.h):
 * ts-palm-grad.c's single-plane parts around a prox that couples the planes. */
#include "ts-palm-joint.h"

#define PLANES TS_JOINT_PLANES

/* Channel j's group parameters (ts-prox-joint.h) from the step's: the threshold as
 * ts-palm-grad.c's scalar prox forms it (NCPR m_j = t_j lambda, CPR lambda / t_j). */
static void
group_params (const TsPalmParams *P, int j, TsJointGroupProx *g)
{
  g->type = P->prox_type;
  g->order = P->order;
  g->threshold = P->prox_type == TS_PROX_NCPR ? P->t[j] * P->lambda : P->lambda / P->t[j];
}

void
ts_palm_joint_prox (const TsPalmParams *P, double chroma_weight, const double *v, double *out)
{
  gsize N = (gsize) P->width * P->height, KN = (gsize) P->K * N;
  for (int j = 0; j < P->K; j++)
    {
      TsJointGroupProx g;
      group_params (P, j, &g);
      for (gsize i = 0; i < N; i++)
        {
          gsize k = (gsize) j * N + i;
          double group[PLANES] = { v[k], v[KN + k], v[2 * KN + k] }, shrunk[PLANES];
          ts_prox_joint_group (&g, chroma_weight, group, shrunk);
          for (int q = 0; q < PLANES; q++)
            out[q * KN + k] = shrunk[q];
        }
    }
}

void
ts_palm_joint_prox_vjp (const TsPalmParams *P, double chroma_weight, const double *v,
                        const double *g, double *gv, double *glogt, double *g_weight)
{
  gsize N = (gsize) P->width * P->height, KN = (gsize) P->K * N;
  double weight = 0.0;
  for (int j = 0; j < P->K; j++)
    {
      TsJointGroupProx params;
      group_params (P, j, &params);
      double logt = 0.0;
      for (gsize i = 0; i < N; i++)
        {
          gsize k = (gsize) j * N + i;
          double group[PLANES] = { v[k], v[KN + k], v[2 * KN + k] };
          double grad[PLANES] = { g[k], g[KN + k], g[2 * KN + k] }, out[PLANES];
          logt += ts_prox_joint_group_vjp (&params, chroma_weight, group, grad, out, &weight);
          for (int q = 0; q < PLANES; q++)
            gv[q * KN + k] = out[q];
        }
      if (glogt != NULL)
        glogt[j] += logt;
    }
  if (g_weight != NULL)
    *g_weight += weight;
}

void
ts_palm_joint_step (const TsPalmParams *P, double chroma_weight, const double *y,
                    const double *x, const double *c_t, const double *x_t, double *x_out,
                    double *c_out, double *v_out)
{
  gsize N = (gsize) P->width * P->height, KN = (gsize) P->K * N;
  double *v = v_out != NULL ? v_out : g_new (double, PLANES * KN);
  for (int q = 0; q < PLANES; q++)
    ts_palm_code_argument (P, x + q * N, c_t + q * KN, v + q * KN);
  ts_palm_joint_prox (P, chroma_weight, v, c_out);
  for (int q = 0; q < PLANES; q++)
    ts_palm_image_update (P, y + q * N, x_t + q * N, c_out + q * KN, x_out + q * N);
  if (v_out == NULL)
    g_free (v);
}

void
ts_palm_joint_vjp_state (const TsPalmParams *P, double chroma_weight, const double *v,
                         const double *gx_out, const double *gc_out, double *gx, double *gc)
{
  gsize N = (gsize) P->width * P->height, KN = (gsize) P->K * N;
  gsize RN = (gsize) MAX (P->rank, 1) * N;
  double *gct = g_new (double, PLANES * KN), *ug = g_new (double, PLANES * RN);
  for (int q = 0; q < PLANES; q++)
    ts_palm_vjp_state_image (P, gx_out + q * N, gc_out + q * KN, gct + q * KN, ug + q * RN);
  ts_palm_joint_prox_vjp (P, chroma_weight, v, gct, gc, NULL, NULL);
  for (int q = 0; q < PLANES; q++)
    ts_palm_vjp_state_code (P, gx_out + q * N, ug + q * RN, gc + q * KN, gx + q * N);
  g_free (gct);
  g_free (ug);
}

void
ts_palm_joint_vjp_params (const TsPalmParams *P, double chroma_weight, const double *y,
                          const double *x, const double *c, const double *gx_out,
                          const double *gc_out, TsPalmGrad *grad, double *g_weight)
{
  gsize N = (gsize) P->width * P->height, KN = (gsize) P->K * N;
  double *v = g_new (double, PLANES * KN), *cn = g_new (double, PLANES * KN);
  double *gct = g_new (double, PLANES * KN), *gv = g_new (double, PLANES * KN);
  for (int q = 0; q < PLANES; q++)
    ts_palm_code_argument (P, x + q * N, c + q * KN, v + q * KN);
  ts_palm_joint_prox (P, chroma_weight, v, cn);
  /* The fixed point's step: the image step at x itself (no extrapolation). */
  for (int q = 0; q < PLANES; q++)
    ts_palm_vjp_image_update (P, y + q * N, x + q * N, cn + q * KN, gx_out + q * N,
                              gc_out + q * KN, gct + q * KN, grad);
  ts_palm_joint_prox_vjp (P, chroma_weight, v, gct, gv, grad->log_t, g_weight);
  for (int q = 0; q < PLANES; q++)
    ts_palm_vjp_code_argument (P, x + q * N, c + q * KN, gv + q * KN, grad);
  g_free (v);
  g_free (cn);
  g_free (gct);
  g_free (gv);
}
