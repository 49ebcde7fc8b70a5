/* Bilevel training by implicit differentiation (MODEL.md "Training"): random crops with
 * the 8 flips/rotations, fresh noise per batch, inner iPALM solve, adjoint fixed point,
 * parameter gradient through one PALM step and the derived quantities, Adam. */
#pragma once
#include "ts-image.h"
#include "ts-train-config.h"

G_BEGIN_DECLS

typedef struct TsTrainer TsTrainer;

typedef struct {
  int step;                    /* index of the step just done (1-based) */
  double loss;                 /* L1 loss of the batch */
  double seconds;              /* wall time of the step */
  double forward_seconds;      /* inner solves */
  double adjoint_seconds;      /* adjoint fixed points */
  double gradient_seconds;     /* parameter gradient, derived-quantity VJP, Adam */
  double mean_inner_iterations;
  double mean_adjoint_iterations;
  int adjoint_unconverged;     /* crops whose adjoint solve hit the cap */
  double adjoint_worst_residual;
  int diverged_crops;          /* crops left out of the step: their solve or gradient was not
                                  finite (the step fails when more than half are) */
} TsTrainStepStats;

typedef enum {
  TS_TRAIN_INIT_RANDOM,  /* MODEL.md: atoms and free atoms i.i.d. normal * init_scale */
  TS_TRAIN_INIT_PCA,     /* free atoms = the leading principal components of centred
                            training patches (the smooth subspace from the data); atoms
                            random as above */
  TS_TRAIN_INIT_PATCHES, /* free atoms as PCA but rows of norm TS_TRAIN_PATCH_FREE_NORM;
                            atoms = textured training patches outside that subspace, rows of
                            norm TS_TRAIN_PATCH_ATOM_NORM */
  TS_TRAIN_INIT_DICTIONARY, /* a start with structure (issue 24): the penalised subspace from
                               the centre-windowed detail of training patches, the free atoms
                               its complement, the atoms learned in it by online dictionary
                               learning (ts-dictionary-learning.h); the patches start's norms */
} TsTrainInit;

/* Row norms of the patches start: with Adam's per-entry steps of about the learning rate
 * (2e-4), a 13 x 13 row moves by about 2 % (atoms) and 1.3 % (free atoms) of itself per step,
 * where the random start's 1/3000 gives about 80 % and PCA's unit rows 0.26 %. */
#define TS_TRAIN_PATCH_ATOM_NORM 0.13
#define TS_TRAIN_PATCH_FREE_NORM 0.2

/* The starting model of a training run (deterministic in config->seed). */
TsModel *ts_train_initial_model (const TsTrainConfig *config, GPtrArray *train,
                                 TsTrainInit kind, GError **error);

/* `train` and `val` hold single-channel images in [0, 1] (TsImage *, borrowed; they must
 * outlive the trainer). `init` (may be NULL; see ts_train_initial_model) replaces the random
 * initialisation; its scalars (lambda, beta, sigma, ...) are replaced by the configuration's,
 * so a fine-tune that keeps the model's beta sets config->beta_init to it. */
TsTrainer *ts_trainer_new (const TsTrainConfig *config, const TsModel *init, GPtrArray *train,
                           GPtrArray *val, GError **error);
/* Continues from a checkpoint; refuses training images other than those it was made with. */
TsTrainer *ts_trainer_resume (const char *checkpoint, GPtrArray *train, GPtrArray *val,
                              GError **error);
void       ts_trainer_free (TsTrainer *trainer);

/* One optimisation step. FALSE with TS_ERROR_CANCELLED when `cancel` was set: the state is
 * then that before the step (a checkpoint written now resumes exactly). */
gboolean ts_trainer_step (TsTrainer *trainer, const gint *cancel, TsTrainStepStats *stats,
                          GError **error);
/* Mean PSNR on the validation images (fixed noise, seed independent of training), in dB;
 * NAN with an error on cancellation. Does not change the training state. */
double   ts_trainer_validate (TsTrainer *trainer, const gint *cancel, GError **error);
gboolean ts_trainer_save_checkpoint (TsTrainer *trainer, const char *path, GError **error);

/* Worker threads from now on (the result does not depend on them: per-crop results are
 * summed in crop order). */
void ts_trainer_set_threads (TsTrainer *trainer, int threads);
/* Moves the end of the run to `steps` (at least the steps done, and 1): a run ended early or
 * extended. The schedule (steps per epoch, hence the learning-rate decays) is kept, so the
 * steps taken are those of the run as it was configured. FALSE with TS_ERROR_INVALID
 * otherwise. */
gboolean ts_trainer_set_steps (TsTrainer *trainer, int steps, GError **error);

const TsTrainState  *ts_trainer_state (const TsTrainer *trainer);   /* step, model, config */
/* The run's history, a line per session ("trained with: COMMAND", "resumed at step N with:
 * COMMAND"): kept as the state's model provenance, so every checkpoint carries it and a
 * model trained over several sessions still names the command that started it. A new
 * trainer starts with none (not an --init model's provenance). */
void        ts_trainer_add_history (TsTrainer *trainer, const char *line);
const char *ts_trainer_history (const TsTrainer *trainer);
/* The current model with name/provenance set, ready for ts_model_save. */
TsModel *ts_trainer_export_model (const TsTrainer *trainer, const char *name,
                                  const char *provenance);
/* Fingerprint of a set of training images (sizes and pixels). */
guint64  ts_train_data_fingerprint (GPtrArray *images);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsTrainer, ts_trainer_free)

G_END_DECLS
