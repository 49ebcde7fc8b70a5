/* The trainer's private API, exposed for tests: loss and gradient of one training batch. */
#pragma once
#include "ts-train.h"

G_BEGIN_DECLS

typedef struct {
  int n;                        /* crops */
  int width, height;
  /* n crops of width * height; for a model of the joint colour form each crop is its three
   * opponent planes one after the other (3 x width * height), its loss the L1 error in RGB */
  const float *const *clean;
  const float *const *noisy;
} TsTrainBatch;

/* L1 loss (mean over all pixels of the batch) of the denoised crops and its gradient
 * w.r.t. the parameters in TsTrainState order: atoms, free_atoms, lambda_scaling, beta (then
 * the step scale with the exact image step, the chroma weight's log in the joint colour form).
 * `exact`: the inner solve runs in double to a relative change of 1e-13 (tests); otherwise
 * the float32 solver to config->tol. Returns NAN with an error (cancelled, diverged). */
double ts_train_batch_gradient (const TsModel *model, const TsTrainConfig *config,
                                const TsTrainBatch *batch, gboolean exact, double *grad,
                                const gint *cancel, TsTrainStepStats *stats, GError **error);

/* The same loss for a model, without the gradient (exact inner solve): for finite
 * differences in tests. */
double ts_train_batch_loss_exact (const TsModel *model, const TsTrainConfig *config,
                                  const TsTrainBatch *batch, GError **error);

G_END_DECLS
