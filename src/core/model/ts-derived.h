/* Quantities derived from the model's parameters (MODEL.md "Derived quantities"): what the
 * regulariser (ts-regulariser.h) and the solver work with. */
#pragma once
#include <glib.h>
#include "ts-model.h"

G_BEGIN_DECLS

/* D's scale is sqrt(0.99 / max(b, floor)) (MODEL.md step 4). The reference floors beta at
 * 0.1 in its forward variant (denoising, the convention of H = I: TsOperator's
 * forward_variant) and not at all in its reconstruct variant (SR, MRI). */
#define TS_FORWARD_BETA_FLOOR 0.1

/* Quantities derived from the parameters for one beta and lambda (independent of the image
 * size). */
typedef struct {
  int K, s, p;                /* atoms, patch length p*p, patch side */
  int rank;                   /* dimension of the penalised subspace (48) */
  double b;                   /* max(beta, 0) */
  double beta_floor;          /* D's scale is sqrt(0.99 / max(b, beta_floor)) */
  double lambda;              /* base threshold in use */
  float *D;                   /* K x s normalised dictionary (MODEL.md step 4) */
  float *X;                   /* K x K Gram D D^T */
  float *U;                   /* s x rank orthonormal basis of range(C) */
  float *B;                   /* K x rank, B = D U */
  double *Q;                  /* M x s orthonormal free atoms (Bjorck) */
  double *C;                  /* s x s centred projector */
  double *kernel;             /* (2p-1) x (2p-1) smooth-part kernel k_P */
  float *threshold_scale;     /* K: exp(lambda_scaling) */
  /* ts_derived_kernel_dft_max's last answers for `dft_max_kernel` (a copy of `kernel`: they
   * are dropped when the kernel changes): a tiled solve asks for every tile, at a handful of
   * sizes. */
  GMutex dft_max_lock;
  double *dft_max_kernel;
  struct { int width, height; double max; } dft_max_memo[4];
  int dft_max_next;
} TsDerived;

/* beta/lambda: NAN keeps the model's value. `beta_floor`: 0 or TS_FORWARD_BETA_FLOOR (see
 * above); with 0, beta must be positive. */
TsDerived *ts_derived_new (const TsModel *model, double beta, double lambda, double beta_floor,
                           GError **error);
void       ts_derived_free (TsDerived *derived);
/* L_P = max |DFT_{HxW}(k_P)| for an image of the given size (remembered for the last few
 * sizes; thread-safe). */
double     ts_derived_kernel_dft_max (const TsDerived *derived, int width, int height);
/* The same DFT for any point-symmetric (2p-1) x (2p-1) kernel (the training's tape). */
void       ts_kernel_dft (const double *kernel, int p, int width, int height, double *out);
/* Real DFT of k_P on a width x height grid (k_P is symmetric, so it is real):
 * height * width doubles, out[r * width + c]. */
void       ts_derived_kernel_dft (const TsDerived *derived, int width, int height, double *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsDerived, ts_derived_free)

G_END_DECLS
