/* M = (I + b k_P*)^-1 on a width x height circular grid, in double: the exact image step of
 * denoising for a fixed code, x = M (y + b P^T D^T c) (the training's counterpart of
 * ts-fourier-solve.h). Made once per batch; applying it is thread-safe. */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

typedef struct TsSmoothInverse TsSmoothInverse;

/* `kernel` is the point-symmetric (2p-1) x (2p-1) k_P. */
TsSmoothInverse *ts_smooth_inverse_new (const double *kernel, int p, double b, int width,
                                        int height);
void             ts_smooth_inverse_free (TsSmoothInverse *inverse);
/* out = M in (width * height values; may be the same buffer). M is symmetric. */
void             ts_smooth_inverse_apply (const TsSmoothInverse *inverse, const double *in,
                                          double *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsSmoothInverse, ts_smooth_inverse_free)

G_END_DECLS
