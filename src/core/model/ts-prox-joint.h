/* The joint colour prox (TS_COLOUR_FORM_JOINT): for every atom j and pixel, the three
 * opponent coefficients v = (vY, vO1, vO2) form one group, and the model's scalar prox
 * (MODEL.md "Proximal maps") acts on the group's weighted norm
 *   n = sqrt (vY^2 + w (vO1^2 + vO2^2)),
 * as the CPR groupsize-2 prox acts on a 2 x 2 block's norm: the group is scaled by one factor,
 *   prox (v) = h_j (n) v,
 *   NCPR: h = n^g / (m_j^g + n^g), m_j = t_j lambda      (the scalar prox is v h (|v|))
 *   CPR:  h = max (n - lambda / t_j, 0) / (n + 1e-8)     (MODEL.md's group form)
 * With w = 1 it is the prox of phi_j (||v||); with a zero chroma it is the scalar prox of vY,
 * so a gray picture is denoised as by the grayscale model. Chroma then follows the
 * luminance's structure: a coefficient survives in all three planes or in none, as CBM3D
 * groups its chroma by the luminance's blocks.
 *
 * Derivatives (for training), with W = diag (1, w, w), grad n = W v / n:
 *   J = h I + h'(n) v (W v)^T / n,      J^T g = h g + (h'(n) / n) (v . g) W v
 *   NCPR: h'(n) / n = g n^(g-2) m^g / (m^g + n^g)^2;  d h / d log t = -g m^g n^g / (m^g + n^g)^2
 *   CPR (n > thr): h'(n) / n = (thr + e) / (n (n + e)^2);  d h / d log t = thr / (n + e)
 *   d prox / d w = v h'(n) (vO1^2 + vO2^2) / (2 n). */
#pragma once
#include <glib.h>
#include "ts-prox.h"

G_BEGIN_DECLS

#define TS_JOINT_PLANES 3

/* One group's scalar parameters in double: the prox type and order, and the channel's
 * threshold (NCPR: m_j = t_j lambda; CPR: lambda / t_j). */
typedef struct {
  TsProxType type;
  double order;
  double threshold;
} TsJointGroupProx;

/* The factor h (n) and, when dh_over_n / dh_dlogt are not NULL, h'(n) / n and d h / d log t_j
 * at the weighted norm n >= 0 (0 where the derivative vanishes: n = 0, an inactive CPR group). */
double ts_prox_joint_factor (const TsJointGroupProx *g, double n, double *dh_over_n,
                             double *dh_dlogt);
/* The weighted norm of a group. */
double ts_prox_joint_norm (const double v[TS_JOINT_PLANES], double chroma_weight);
/* prox (v) of one group, in double (the reference of the float path). */
void   ts_prox_joint_group (const TsJointGroupProx *g, double chroma_weight,
                            const double v[TS_JOINT_PLANES], double out[TS_JOINT_PLANES]);
/* gv = J^T g at v; returns <g, d prox / d log t_j>, and adds <g, d prox / d w> to *g_weight
 * when g_weight is not NULL. */
double ts_prox_joint_group_vjp (const TsJointGroupProx *g, double chroma_weight,
                                const double v[TS_JOINT_PLANES], const double grad[TS_JOINT_PLANES],
                                double gv[TS_JOINT_PLANES], double *g_weight);

/* The group parameters of channel j of a float prox (ts_prox_new). */
void ts_prox_joint_group_params (const TsProx *prox, int channel, TsJointGroupProx *out);

/* In place on the three planes' coefficients (each channel-major, K x n_pixels), on the
 * pixels [i0, i1) of every channel. Float, for the solver. */
void ts_prox_joint_apply_range (const TsProx *prox, double chroma_weight,
                                float *const c[TS_JOINT_PLANES], gsize n_pixels, gsize i0,
                                gsize i1);

/* Cost map of the joint form: at every pixel sum_j phi_j (n_j), the regulariser's value at the
 * weighted norm of the group (phi_j as ts_prox_cost_scalar). */
void ts_prox_joint_cost_map (const TsProx *prox, double chroma_weight,
                             const float *const c[TS_JOINT_PLANES], gsize n_pixels, float *out);

G_END_DECLS
