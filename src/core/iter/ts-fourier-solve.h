/* The exact image step of the smooth-plus-sparse energy for a fixed code c:
 *   x(c) = argmin_x 1/2 ||H x - y||^2 + b/2 sum_k ||C P_k x - D^T c_k||^2
 *        = (H^T H + b k_P*)^-1 (H^T y + b P^T D^T c),
 * solved per frequency where H^T H is diagonal in the DFT basis (H = I, Cartesian MRI;
 * TsOperator's normal_fourier), as ts-decompose.c does for c = 0. The plans and the
 * denominator are made once per solve (float, real-to-complex). */
#pragma once
#include "ts-derived.h"
#include "ts-operator.h"

G_BEGIN_DECLS

typedef struct TsFourierSolve TsFourierSolve;

/* NULL with an error when `op` has no Fourier-diagonal normal operator. */
TsFourierSolve *ts_fourier_solve_new (const TsOperator *op, const TsDerived *derived,
                                      GError **error);
void            ts_fourier_solve_free (TsFourierSolve *solve);
/* out = (H^T H + b k_P*)^-1 rhs on the operator's width x height grid; `rhs` and `out` may
 * be the same buffer. */
void            ts_fourier_solve_apply (TsFourierSolve *solve, const float *rhs, float *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsFourierSolve, ts_fourier_solve_free)

G_END_DECLS
