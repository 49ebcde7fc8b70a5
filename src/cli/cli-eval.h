/* tessera-cli eval, shared between the command (cli-eval.c: options, data set listing,
 * report) and the evaluation of one item per task (cli-eval-tasks.c). */
#pragma once
#include "cli-common.h"

G_BEGIN_DECLS

/* The evaluation protocols (data/README.md "Protocols"): super-resolution inputs get this
 * noise, and PSNR / SSIM leave out this border. */
#define CLI_EVAL_SR_NOISE 0.01
#define CLI_EVAL_SR_BORDER 40

typedef struct {
  char *name;
  int width, height;
  double psnr, ssim;
  double input_psnr;       /* noisy input (denoising) or zero-filled image (MRI) */
  int iterations;
  double seconds;
  gboolean converged;
} CliEvalResult;

typedef struct {
  CliTask task;
  CliSolveArgs args;
  char *dataset;
  char *clean_dir;
  char *save_dir;
  int limit;
  int seed;
  gboolean as_json;
  TsModel *model;
  char *chroma_model_name; /* denoise, opponent colour: the chroma planes' own model, if any */
  double sigma;            /* denoising noise level in use, 0-255 */
  char *colour_name;       /* --colour */
  TsColourMode colour;     /* RGB images: opponent basis or per channel */
  TsSolveOptions options;  /* options of the last image (MRI defaults depend on the slice) */
  TsTaskParams params;     /* how the last image's beta and lambda were chosen */
  GArray *results;
  CliProgress progress;
} CliEval;

/* Image files accepted as inputs of the paired mode (--clean) and as clean images. */
extern const char *const cli_eval_input_suffixes[];

/* Evaluates item `index` (an image file, or an MRI slice folder) into *r. */
gboolean cli_eval_denoise_one (CliEval *eval, const char *path, guint index, CliEvalResult *r,
                               GError **error);
gboolean cli_eval_sr_one (CliEval *eval, const char *path, guint index, CliEvalResult *r,
                          GError **error);
gboolean cli_eval_mri_one (CliEval *eval, const char *dir, CliEvalResult *r, GError **error);

G_END_DECLS
