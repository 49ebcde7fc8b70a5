/* One PALM step of the joint colour form (TS_COLOUR_FORM_JOINT) in double, and its
 * vector-Jacobian products: the three opponent planes each take ts-palm-grad.h's step, except
 * that the prox acts on an atom's three coefficients at a pixel as one group
 * (ts-prox-joint.h) with the chroma weight w:
 *   v_q = c_q - b D (D^T c_q - P x_q),   (c'_Y, c'_O1, c'_O2) = prox_w (v_Y, v_O1, v_O2),
 *   x'_q = x_q - (x_q - y_q + b (k_P * x_q - P^T D^T c'_q)) / L.
 * Arrays hold the planes one after the other: images 3 x N, coefficients 3 x (K x N); the
 * state z of the adjoint is (x: 3 x N, then c: 3 x K x N). */
#pragma once
#include "ts-palm-grad.h"
#include "ts-prox-joint.h"

G_BEGIN_DECLS

/* f at (x, c_t) with the image step at x_t (iPALM's generalised step, as ts_palm_step).
 * v_out (3 x K x N, may be NULL) receives the prox argument. */
void ts_palm_joint_step (const TsPalmParams *P, double chroma_weight, const double *y,
                         const double *x, const double *c_t, const double *x_t, double *x_out,
                         double *c_out, double *v_out);

/* The joint prox on coefficients laid out as above, and its Jacobian's transpose at v:
 * gv = J^T g; when glogt / g_weight are not NULL, <g, d prox / d log t_j> is added to
 * glogt[j] and <g, d prox / d w> to *g_weight. */
void ts_palm_joint_prox (const TsPalmParams *P, double chroma_weight, const double *v,
                         double *out);
void ts_palm_joint_prox_vjp (const TsPalmParams *P, double chroma_weight, const double *v,
                             const double *g, double *gv, double *glogt, double *g_weight);

/* (df/dz)^T (gx_out, gc_out) at the point whose prox argument is v (subspace form). */
void ts_palm_joint_vjp_state (const TsPalmParams *P, double chroma_weight, const double *v,
                              const double *gx_out, const double *gc_out, double *gx,
                              double *gc);

/* (df/dtheta)^T (gx_out, gc_out) at (x, c): D, k_P, log t, b, L added to `grad`, the chroma
 * weight's to *g_weight. */
void ts_palm_joint_vjp_params (const TsPalmParams *P, double chroma_weight, const double *y,
                               const double *x, const double *c, const double *gx_out,
                               const double *gc_out, TsPalmGrad *grad, double *g_weight);

G_END_DECLS
