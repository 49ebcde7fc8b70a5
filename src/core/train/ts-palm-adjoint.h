/* The training's adjoint map in float32: g -> (df/dz)^T g at a fixed point of one PALM step
 * (ts-palm-grad.h), in the subspace form, with the prox Jacobian at the fixed point cached.
 * The double-precision ts_palm_vjp_state is its reference (tests/test-palm-grad.c). */
#pragma once
#include "ts-palm-grad.h"

G_BEGIN_DECLS

typedef struct TsPalmAdjoint TsPalmAdjoint;

/* At the point whose prox argument is v (K x N, from ts_palm_step). */
TsPalmAdjoint *ts_palm_adjoint_new (const TsPalmParams *P, const double *v);
void           ts_palm_adjoint_free (TsPalmAdjoint *adjoint);
/* out = (df/dz)^T in, plus r on the image part when r != NULL. Vectors are the state
 * (x: N values, then c: K x N). `in` and `out` must not overlap. */
void           ts_palm_adjoint_apply (const TsPalmAdjoint *adjoint, const float *in, float *out,
                                      const float *r);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsPalmAdjoint, ts_palm_adjoint_free)

G_END_DECLS
