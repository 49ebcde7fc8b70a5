/* Random models and images for the numeric tests (deterministic). */
#pragma once
#include "tessera.h"

/* Uniform in [0, 1) from a 64-bit LCG state. */
double ts_test_uniform (guint64 *state);
double ts_test_normal (guint64 *state);
/* A model with i.i.d. normal atoms (the reference initialisation's shape, larger scale). */
TsModel *ts_test_random_model (TsProxType type, int groupsize, guint64 seed);
/* A smooth test picture with edges plus noise of standard deviation sigma. */
float *ts_test_picture (int width, int height, double sigma, guint64 seed);
/* ts_solve with the model's regulariser for `op` and options' beta and lambda (options may be
 * NULL), made as the front ends make it: OpenBLAS's thread count set first. */
TsSolution *ts_test_solve (const TsModel *model, const TsOperator *op, const float *data,
                           const TsSolveOptions *options, const TsSolution *warm,
                           TsProgressFunc progress, gpointer user_data, const gint *cancel,
                           TsSolveStats *stats, GError **error);
