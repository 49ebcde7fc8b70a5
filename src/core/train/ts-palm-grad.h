/* One PALM step f(x, c) of the forward (denoising) variant without extrapolation, in double,
 * and its vector-Jacobian products (MODEL.md "Training": the inner solution is a fixed point
 * of f; the gradient is (df/dtheta)^T g with g = (df/dz)^T g + dloss/dz):
 *   c' = prox(c - b D (D^T c - P x))
 *   x' = x - (x - y + b (k_P * x - P^T D^T c')) / L
 * Images are width x height, circular; coefficients channel-major (K x N). */
#pragma once
#include <glib.h>
#include "ts-model.h"
#include "ts-smooth-inverse.h"

G_BEGIN_DECLS

typedef struct {
  int width, height;
  int K, s, p, rank;
  double b, L, lambda;
  TsProxType prox_type;
  int groupsize;
  double order;
  const double *D;        /* K x s */
  const double *U;        /* s x rank, orthonormal basis of range(C) */
  const double *B;        /* K x rank, D U */
  const double *kernel;   /* (2p-1)^2, k_P */
  const double *t;        /* K, exp(lambda_scaling) */
  /* Budget training with the exact image step: M = (I + b k_P*)^-1 (NULL: gradient step). */
  const TsSmoothInverse *smooth;
  double eta;             /* exact image step: the coefficient step's multiplier */
} TsPalmParams;

/* Gradients w.r.t. what one step depends on; accumulated (+=) by ts_palm_vjp_params. */
typedef struct {
  double *D;              /* K x s */
  double *kernel;         /* (2p-1)^2 */
  double *log_t;          /* K: w.r.t. lambda_scaling */
  double b;               /* explicit uses of b (not through D or L) */
  double L;               /* w.r.t. the step's Lipschitz constant */
  double eta;             /* w.r.t. the coefficient step's multiplier (exact image step) */
} TsPalmGrad;

/* Generalised step for iPALM: the coefficient step at the extrapolated c_t against x, the
 * image step at x_t with the new coefficients. f(x, c) is (x, c, x). v_out (K x N, may be
 * NULL) receives the prox argument. */
void ts_palm_step (const TsPalmParams *P, const double *y, const double *x, const double *c_t,
                   const double *x_t, double *x_out, double *c_out, double *v_out);

/* The prox's derivative at v, element by element (K x N), for groupsize 1 (the Jacobian is
 * then diagonal): lets repeated ts_palm_vjp_state calls skip the pow() per coefficient. */
void ts_palm_prox_derivative (const TsPalmParams *P, const double *v, double *dprox);

/* (df/dz)^T (gx_out, gc_out) at the point (x, c) whose prox argument is v (from
 * ts_palm_step). `dprox` (may be NULL; groupsize 1 only) is ts_palm_prox_derivative (v).
 * `subspace` uses U and B (exact when C^T C = U U^T), else D and k_P. `scratch` (may be NULL)
 * holds ts_palm_scratch_doubles () doubles. */
void ts_palm_vjp_state (const TsPalmParams *P, const double *v, const double *dprox,
                        const double *gx_out, const double *gc_out, double *gx, double *gc,
                        gboolean subspace, double *scratch);

/* (df/dtheta)^T (gx_out, gc_out) at (x, c), added to `grad`. */
void ts_palm_vjp_params (const TsPalmParams *P, const double *y, const double *x,
                         const double *c, const double *gx_out, const double *gc_out,
                         TsPalmGrad *grad);

/* The same at an iPALM step's three inputs: the coefficient step at (x, c_t), the image step
 * at x_t (ts_palm_step's arguments). ts_palm_vjp_params is this with x_t = x. */
void ts_palm_vjp_params_at (const TsPalmParams *P, const double *y, const double *x,
                            const double *c_t, const double *x_t, const double *gx_out,
                            const double *gc_out, TsPalmGrad *grad);

/* ts_palm_step in the subspace form (D = B U^T; exact when the derived quantities are
 * consistent, as the training's tape makes them): about a third of the products. */
void ts_palm_step_subspace (const TsPalmParams *P, const double *y, const double *x,
                            const double *c_t, const double *x_t, double *x_out, double *c_out,
                            double *v_out);

/* Back through one iPALM step (ts_palm_step's inputs x, c_t, x_t; its prox argument v and new
 * coefficients c_new): the input gradients gx (through the coefficient step's x), gx_t, gc_t,
 * and (df/dtheta)^T (gx_out, gc_out) added to `grad` (D, k_P, log t, b, L). The products with
 * D go through B and U; the gradient w.r.t. D is the full K x s one. */
void ts_palm_vjp_step (const TsPalmParams *P, const double *y, const double *x,
                       const double *c_t, const double *x_t, const double *v,
                       const double *c_new, const double *gx_out, const double *gc_out,
                       double *gx, double *gx_t, double *gc_t, TsPalmGrad *grad);

/* One step of the exact-image-step iteration (TS_IMAGE_STEP_EXACT): the coefficient step at
 * (x_t, c_t), then x' = M (y + b P^T D^T c'), M = P->smooth. Subspace products. */
void ts_palm_step_exact (const TsPalmParams *P, const double *y, const double *x_t,
                         const double *c_t, double *x_out, double *c_out, double *v_out);
/* Back through it: input gradients gx_t, gc_t and (df/dtheta)^T added to `grad` (D, k_P through
 * M, log t, b). x_new, c_new and v are the step's outputs and prox argument. */
void ts_palm_vjp_step_exact (const TsPalmParams *P, const double *y, const double *x_t,
                             const double *c_t, const double *v, const double *c_new,
                             const double *x_new, const double *gx_out, const double *gc_out,
                             double *gx_t, double *gc_t, TsPalmGrad *grad);

/* The step in parts around its prox, for a prox that couples several planes (the joint colour
 * form, ts-palm-joint.h); ts_palm_step is code argument, prox, image update.
 * v = c_t - b D (D^T c_t - P x): */
void ts_palm_code_argument (const TsPalmParams *P, const double *x, const double *c_t, double *v);
/* x' = x_t - (x_t - y + b (k_P * x_t - P^T D^T c')) / L: */
void ts_palm_image_update (const TsPalmParams *P, const double *y, const double *x_t,
                           const double *c_new, double *x_out);
/* (df/dz)^T in parts (subspace form): the image step's, gct = gc_out + (b / L) D P gx_out (the
 * gradient reaching c') with ug = U^T P gx_out (rank x N) kept for the second part, which
 * takes gc = J_prox^T gct in place to the gradient w.r.t. c and gives the one w.r.t. x. */
void ts_palm_vjp_state_image (const TsPalmParams *P, const double *gx_out, const double *gc_out,
                              double *gct, double *ug);
void ts_palm_vjp_state_code (const TsPalmParams *P, const double *gx_out, const double *ug,
                             double *gc, double *gx);
/* (df/dtheta)^T in parts: back through the image update (its gradients w.r.t. k_P, D, b, L
 * added to `grad`; gct as above), then, given g_v = J_prox^T gct, back through the code
 * argument at (x, c) (D, b). */
void ts_palm_vjp_image_update (const TsPalmParams *P, const double *y, const double *x_t,
                               const double *c_new, const double *gx_out, const double *gc_out,
                               double *gct, TsPalmGrad *grad);
void ts_palm_vjp_code_argument (const TsPalmParams *P, const double *x, const double *c,
                                const double *gv, TsPalmGrad *grad);

/* Scratch needed per image (doubles), for callers that want to budget memory. */
gsize ts_palm_scratch_doubles (const TsPalmParams *P);

G_END_DECLS
