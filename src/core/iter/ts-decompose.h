/* Smooth / sparse decomposition and cost map (MODEL.md "Smooth / sparse decomposition"). */
#pragma once
#include "ts-solver.h"

G_BEGIN_DECLS

typedef struct {
  TsImage *smooth;     /* the reconstruction with an infinite threshold */
  TsImage *sparse;     /* reconstruction - smooth */
  TsImage *cost;       /* sum_j phi_j(c_kj) per pixel */
} TsDecomposition;

/* Smooth image in closed form, where the operator gives H^T H's eigenvalues in the Fourier
 * domain (ts_operator_normal_fourier: H = I, MRI): (H^T H + b k_P*) x = H^T y solved per
 * frequency. NULL with TS_ERROR_UNSUPPORTED for other operators. */
TsImage *ts_smooth_fourier (const TsOperator *op, const TsRegulariser *prox, const float *data,
                            GError **error);
/* Smooth image by the iterative route (the solver with prox's lambda replaced by 1e12). */
TsImage *ts_smooth_iterative (const TsOperator *op, const TsRegulariser *prox, const float *data,
                              const TsSolveOptions *options, const gint *cancel, GError **error);

/* The decomposition of `solution`, a solve of (op, prox, data) with `options` (which the
 * iterative smooth image reuses). */
TsDecomposition *ts_decompose (const TsOperator *op, const TsRegulariser *prox, const float *data,
                               const TsSolveOptions *options, const TsSolution *solution,
                               const gint *cancel, GError **error);
void ts_decomposition_free (TsDecomposition *decomposition);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsDecomposition, ts_decomposition_free)

G_END_DECLS
