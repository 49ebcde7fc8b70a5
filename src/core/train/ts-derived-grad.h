/* Derived quantities in double with a tape for training (MODEL.md "Training": the gradient
 * goes through the Bjorck iteration, the projections, the normalisations and the spectral
 * norms). Forward variant (denoising) only: D = sqrt(0.99 / max(b, 0.1)) A / ||A||. */
#pragma once
#include <glib.h>
#include "ts-derived.h"

G_BEGIN_DECLS

typedef struct {
  int K, M, p, s, rank;   /* atoms, free atoms, patch side, p*p, dim of range(C) */
  double beta, b;         /* raw beta, b = max(beta, 0) */
  double *D;              /* K x s dictionary, as ts_derived_new (same to ~1e-12) */
  double *kernel;         /* (2p-1)^2 smooth-part kernel k_P, as ts_derived_new */
  double *Q;              /* M x s after Bjorck */
  double *U;              /* s x rank orthonormal basis of range(C) (row-major) */
  double *B;              /* K x rank, B = D U */
  double *threshold_scale;/* K: exp(lambda_scaling) */
  gpointer priv;          /* intermediates kept for the vector-Jacobian product */
} TsDerivedTape;

TsDerivedTape *ts_derived_tape_new (const TsModel *model, GError **error);
/* The same with the differentiated parameters given in double (atoms K x s, free_atoms M x s,
 * raw beta); the model supplies the sizes and lambda_scaling. ts_derived_tape_new is this with
 * the model's own (float) parameters. */
TsDerivedTape *ts_derived_tape_new_double (const TsModel *model, const double *atoms,
                                           const double *free_atoms, double beta, GError **error);
void           ts_derived_tape_free (TsDerivedTape *tape);

/* Pulls gradients of a scalar loss w.r.t. D (K x s), the kernel ((2p-1)^2) and the explicit
 * uses of b back to the raw parameters: g_atoms (K x s), g_free_atoms (M x s), g_beta.
 * g_kernel may be NULL (zero). Outputs are overwritten. b = max(beta, 0): g_beta = 0 when
 * beta <= 0. */
void ts_derived_tape_vjp (const TsDerivedTape *tape, const double *g_D, const double *g_kernel,
                          double g_b, double *g_atoms, double *g_free_atoms, double *g_beta);

/* L_P = max_f |DFT_{HxW}(k_P)(f)| for a point-symmetric kernel ((2p-1)^2, centred), and its
 * gradient w.r.t. the kernel entries at the maximising frequency (added to g_kernel scaled by
 * `scale`; g_kernel may be NULL). */
double ts_kernel_dft_max_grad (const double *kernel, int p, int width, int height, double scale,
                               double *g_kernel);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsDerivedTape, ts_derived_tape_free)

G_END_DECLS
