/* Configuration and resumable state of bilevel training (MODEL.md "Training"). */
#pragma once
#include <glib.h>
#include "ts-model.h"

G_BEGIN_DECLS

typedef struct {
  /* model */
  double sigma;            /* training noise level, 0-255 units */
  TsProxType prox_type;
  int groupsize;           /* CPR: 1 or 2 */
  double order;            /* NCPR gamma (1.8) */
  double lambda;           /* base threshold (not learned) */
  int n_atoms, n_free, atom_size;
  double beta_init;        /* 2.0 for NCPR sigma 25, else 0.5 (MODEL.md) */
  double init_scale;       /* atoms ~ N(0, 1) * init_scale (1/3000) */
  /* data */
  int crop;                /* square training crops (40) */
  int batch;               /* crops per step (16) */
  /* schedule */
  int steps;               /* total optimisation steps */
  int steps_per_epoch;     /* a pass: the learning rate decays decays_per_epoch times per pass;
                              0 = steps / 2, or one pass over the images when steps is 0 too */
  int decays_per_epoch;    /* 10 */
  double lr_atoms;         /* Adam learning rate of atoms and free atoms (2e-4) */
  double lr_hyper;         /* of lambda_scaling and beta (1e-3) */
  double lr_decay;         /* 0.9 (NCPR), 0.75 (CPR sigma 5) */
  guint64 seed;
  /* solvers */
  double tol;              /* inner iPALM tolerance (1e-4) */
  /* > 0: train for this iteration budget (loss on iterate K of the reference iteration,
   * back-propagated through the K steps: ts-unrolled.h); 0: at the fixed point (implicit
   * differentiation, MODEL.md) */
  int iterations;
  gboolean exact_image_step; /* with a budget: the exact image step (TS_IMAGE_STEP_EXACT) */
  int max_iter;            /* inner iteration cap */
  double adjoint_tol;      /* relative residual of the adjoint fixed point (1e-6) */
  int adjoint_max_iter;    /* cap (20) */
  int threads;             /* 2 */
  /* colour (issue 20): TS_COLOUR_FORM_JOINT trains the joint colour form on RGB images, the
   * three opponent planes of each crop solved together (ts-palm-joint.h), and learns the
   * chroma weight (its log, in the Adam group of the thresholds and beta) */
  TsColourForm colour_form;
  double chroma_weight_init; /* w at the start, unless the initial model has the joint form (1) */
} TsTrainConfig;

/* MODEL.md defaults for a prox family and noise level; steps_per_epoch is left 0 (the
 * trainer derives it from the data: one pass = every image's area once in crops). */
void ts_train_config_init (TsTrainConfig *config, TsProxType prox_type, double sigma);
/* Range checks with a message naming the bad field. */
gboolean ts_train_config_validate (const TsTrainConfig *config, GError **error);

/* Everything a checkpoint holds: resuming from it continues bit for bit. */
typedef struct {
  TsTrainConfig config;
  TsModel *model;          /* current parameters */
  int step;                /* optimisation steps completed */
  guint64 rng[4];          /* random generator state after `step` steps */
  gsize n_params;          /* K*s + M*s + K + 1: atoms, free_atoms, lambda_scaling, beta;
                              + 1 for the step scale with the exact image step;
                              + 1 for the chroma weight's log in the joint colour form */
  double *adam_m;          /* Adam first moments, n_params, same order */
  double *adam_v;          /* Adam second moments */
  guint64 data_fingerprint;/* of the training images (resume refuses other data) */
  double last_val_psnr;    /* NAN if never validated */
  double elapsed_seconds;  /* training wall time so far (all sessions) */
} TsTrainState;

gsize         ts_train_state_param_count (const TsTrainConfig *config);
/* A state at step 0 with zero moments; takes a copy of `model`. */
TsTrainState *ts_train_state_new (const TsTrainConfig *config, const TsModel *model);
void          ts_train_state_free (TsTrainState *state);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsTrainState, ts_train_state_free)

G_END_DECLS
