/* The outer loss after exactly `iterations` iPALM steps (MODEL.md "Inner solver": x = y,
 * c = 0, a_k = (k - 1) / (k + 2)) and its gradient by back-propagation through the stored
 * iterates: the training of a model for an iteration budget (issue 19), where the fixed-point
 * training differentiates the limit instead. Double precision, one crop. */
#pragma once
#include "ts-palm-grad.h"

G_BEGIN_DECLS

/* Runs the budget from y (N = width * height values), returns sum |x_K - clean| and adds
 * to `grad` the gradient of `scale` times that sum w.r.t. the step's parameters. `x_out`
 * (may be NULL) receives x_K. */
double ts_unrolled_l1_gradient (const TsPalmParams *P, const double *y, const float *clean,
                                int iterations, double scale, TsPalmGrad *grad, double *x_out);

/* Memory the above needs for one crop, in bytes (the iterates it stores). */
gsize ts_unrolled_memory (const TsPalmParams *P, int iterations);

G_END_DECLS
