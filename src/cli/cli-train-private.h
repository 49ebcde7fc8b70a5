/* tessera-cli train, shared between its files: cli-train.c (the command: setup and
 * trainer), cli-train-options.c (options and the training configuration),
 * cli-train-data.c (training and validation images), cli-train-run.c (the step loop and
 * validation, the progress line and messages), cli-train-checkpoint.c (checkpoints,
 * Ctrl+C and --resume) and cli-train-output.c (the model, its provenance and the
 * summary). */
#pragma once
#include "cli-common.h"

G_BEGIN_DECLS

#define DEFAULT_VAL_EVERY 50
#define DEFAULT_CHECKPOINT_EVERY 10
/* s/step and the ETA use the mean of the last this many steps. */
#define RATE_WINDOW 20

typedef struct {
  /* options */
  char *data_dir, *val_dir, *prox, *init, *output, *checkpoint, *resume, *seed;
  double sigma, lambda, beta_init, lr_decay, lr_atoms, lr_hyper;
  int groupsize, atoms, free_atoms, atom_size, crop, batch, steps, threads;
  int iterations;                /* --iterations: the budget (0 = fixed point) */
  char *image_step;              /* --image-step gradient|exact (with a budget) */
  char *colour;                  /* --colour planes|joint (issue 20) */
  double chroma_weight;          /* --chroma-weight: the joint form's w at the start */
  int val_every, checkpoint_every;
  /* session */
  char *command_line;
  GPtrArray *train, *val;        /* TsImage *, owned */
  GPtrArray *train_names, *val_names;
  gboolean holdout;              /* val taken from --data */
  TsTrainer *trainer;
  gboolean tty, line_drawn;
  int first_step;                /* steps done before this session */
  /* per-session statistics */
  int n_steps;
  double sum_seconds, sum_forward, sum_adjoint, sum_gradient;
  double sum_inner, sum_adjoint_iter, worst_residual;
  int unconverged;
  int diverged_crops, diverged_steps;   /* crops left out of their step (not finite) */
  double recent[RATE_WINDOW];
  double last_loss;
  double val_seconds;            /* of the last validation */
  int n_validations;
  gint64 session_start_us;
} CliTrain;

/* --- cli-train.c ------------------------------------------------------------------- */

/* The command line as a shell would take it back, starting with the program's name. */
char *cli_train_quote_args (int argc, char **argv);

/* --- cli-train-options.c ------------------------------------------------------------ */

/* Parses the command line into `t` (defaults for what is not given) and range-checks it;
 * *seed is --seed as a number. FALSE with *code set on a usage error. */
gboolean cli_train_parse_options (CliTrain *t, int argc, char **argv, guint64 *seed, int *code);
/* The input folders exist, the checkpoint path (default: MODEL.tsm.ckpt, or the --resume
 * file) is set, and both outputs' folders exist. */
gboolean cli_train_check_paths (CliTrain *t, int *code);
/* --init random (the default), pca and patches name a way to start, not a model. */
gboolean cli_train_init_is_keyword (const char *init);
gboolean cli_train_parse_prox (const char *name, TsProxType *out);
/* The configuration of a new training from the defaults, `init` (may be NULL) and the
 * options given. */
gboolean cli_train_build_config (const CliTrain *t, guint64 seed, const TsModel *init,
                                 TsTrainConfig *config, int *code);

/* --- cli-train-data.c --------------------------------------------------------------- */

/* The training and validation images (grayscale; RGB for the joint colour form), the
 * validation ones held out of --data without --val; says what was loaded. */
gboolean cli_train_load_images (CliTrain *t, const TsTrainConfig *config, GError **error);

/* --- cli-train-run.c ---------------------------------------------------------------- */

/* The steps with validations and checkpoints, then the model; returns the exit code. */
int         cli_train_run (CliTrain *t);
const char *cli_train_plural (guint n);
/* "1h02m", "12m05s", "42s", "0.8s". */
char       *cli_train_format_duration (double seconds);
void        cli_train_clear_line (CliTrain *t);
/* A permanent line (validation results, notes) that does not tangle with the progress
 * line; silenced by --quiet. */
void        cli_train_say (CliTrain *t, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* --- cli-train-checkpoint.c --------------------------------------------------------- */

/* --resume: the checkpoint's configuration, after checking the options given against it. */
gboolean cli_train_load_checkpoint (CliTrain *t, guint64 seed, TsTrainConfig *config,
                                    int *code);
/* Writes the checkpoint; a failure is a warning. */
void     cli_train_save_checkpoint (CliTrain *t);
/* On --resume with --steps N other than the checkpoint's: the run ends at N instead
 * (ts_trainer_set_steps); FALSE with a usage error when N is below the steps done. */
gboolean cli_train_apply_steps (CliTrain *t, int *code);
/* Ctrl+C: writes the checkpoint and prints the command that resumes; the exit code. */
int      cli_train_interrupted (CliTrain *t);

/* --- cli-train-output.c ------------------------------------------------------------- */

/* Exports the trained model with its provenance to -o and prints the summary; the exit
 * code. */
int cli_train_write_model (CliTrain *t);

G_END_DECLS
