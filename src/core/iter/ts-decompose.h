/* Smooth / sparse decomposition and cost map (MODEL.md "Smooth / sparse decomposition"). */
#pragma once
#include "ts-solver.h"

G_BEGIN_DECLS

typedef struct {
  TsImage *smooth;     /* the reconstruction with an infinite threshold */
  TsImage *sparse;     /* reconstruction - smooth */
  TsImage *cost;       /* sum_j phi_j(c_kj) per pixel */
} TsDecomposition;

/* Smooth image in closed form, where the problem is diagonal in the Fourier domain
 * (H = I, MRI): (H^T H + b k_P*) x = H^T y solved per frequency. FALSE with
 * TS_ERROR_UNSUPPORTED for other operators. */
TsImage *ts_smooth_fourier (const TsModel *model, const TsOperator *op, const float *data,
                            const TsSolveOptions *options, GError **error);
/* Smooth image by the iterative route (the solver with lambda = 1e12). */
TsImage *ts_smooth_iterative (const TsModel *model, const TsOperator *op, const float *data,
                              const TsSolveOptions *options, const gint *cancel, GError **error);

TsDecomposition *ts_decompose (const TsModel *model, const TsOperator *op, const float *data,
                               const TsSolveOptions *options, const TsSolution *solution,
                               const gint *cancel, GError **error);
void ts_decomposition_free (TsDecomposition *decomposition);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsDecomposition, ts_decomposition_free)

G_END_DECLS
