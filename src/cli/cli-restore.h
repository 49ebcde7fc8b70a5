/* What tessera-cli denoise (cli-denoise.c), sr and mri (cli-restore.c) share: the common
 * options, their checks, and the end of the command (save, score, statistics). */
#pragma once
#include "cli-common.h"

G_BEGIN_DECLS

typedef struct {
  CliTask task;
  const char *input;
  CliSolveArgs *args;         /* finish may name the output (no -o) */
  const TsRestoreResult *result;
  int input_width, input_height;
  gboolean sigma_estimated;   /* denoise: no --sigma, the blind estimate was used */
  const char *colour;         /* denoise of an RGB image: the colour basis */
  int acceleration;           /* mri: the acceleration the preset is chosen for (0: 8) */
  const char *contrast;       /* mri: "pd" or "pdfs" */
  const char *contrast_from;  /* mri: "option", "path" (a slice folder under pdfs/) or "default" */
  double psnr, ssim;
  double wall_seconds;
  /* mri of a fastMRI .h5: the slice read (its k-space taken out) and, without --clean, its
   * ground truth, scored instead of a --clean file. */
  const TsFastmriSlice *fastmri;
  const TsImage *clean_image;
} CliStatsInfo;

/* The options the three commands share, then `extra` (the command's own). */
GOptionEntry *cli_restore_entries (CliSolveArgs *args, CliTask task, const GOptionEntry *extra);
/* The checks the three commands share (one positional `what`, -o, the model's default, the
 * numeric options, the output's format); sets *exit_code on failure. Without -o, the
 * output is named after the input, beside it: IN-denoised.png (IN-sr.png, KSPACE-mri.png),
 * or IN-denoised-2.png, -3, ... when that exists: an existing file is never replaced. */
gboolean      cli_restore_check_args (CliTask task, CliSolveArgs *args, char **positional,
                                      const char *what, int *exit_code);
/* Before the solve: JPEG output of an image with alpha is refused (the writer would refuse
 * it after the solve); sets *exit_code. */
gboolean      cli_restore_check_output_channels (CliTask task, const CliSolveArgs *args,
                                                 const TsImage *input, int *exit_code);
/* Runs the request with the progress bar, saves the result, scores it against --clean,
 * writes --stats and says what happened: the command's exit code. `input` (may be NULL) is
 * the image read, whose bit depth and ICC profile the output keeps. */
int           cli_restore_and_finish (CliStatsInfo *info, TsRestoreRequest *request,
                                      const TsImage *input, gint64 start_us);

G_END_DECLS
