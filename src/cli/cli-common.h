/* Shared pieces of tessera-cli: option parsing, errors, progress, JSON output, and the
 * restoration helpers that both the single-image commands and `eval` use. */
#pragma once
#include <glib.h>
#include <json-glib/json-glib.h>
#include "tessera.h"

G_BEGIN_DECLS

#define CLI_PROGRAM "tessera-cli"

enum {
  CLI_EXIT_OK = 0,
  CLI_EXIT_ERROR = 1,
  CLI_EXIT_USAGE = 2,
  CLI_EXIT_INTERRUPTED = 130,   /* 128 + SIGINT, as a shell reports it */
};

/* Default iteration cap: the reference's. */
#define CLI_DEFAULT_MAX_ITER 10000
/* Integer options not given on the command line. */
#define CLI_UNSET_INT G_MININT
/* The paper's tolerance for super-resolution and MRI. */
#define CLI_RECONSTRUCT_TOL TS_RECONSTRUCT_TOL

/* The same values as TsTask (ts-task.h). */
typedef enum {
  CLI_TASK_DENOISE = TS_TASK_DENOISE,
  CLI_TASK_SR = TS_TASK_SR,
  CLI_TASK_MRI = TS_TASK_MRI,
} CliTask;

/* --- global state ------------------------------------------------------------------- */

extern gboolean cli_quiet;

/* SIGINT / SIGTERM raise the flag; the solver reads it every iteration. */
void        cli_install_signal_handlers (void);
const gint *cli_cancel_flag (void);
gboolean    cli_cancelled (void);

/* --- messages and exit codes -------------------------------------------------------- */

/* "tessera-cli: <message>" on stderr; returns CLI_EXIT_ERROR. */
int  cli_error (const char *format, ...) G_GNUC_PRINTF (1, 2);
/* A usage error of `command` ("denoise", "model import"): the message plus a hint to
 * --help; returns CLI_EXIT_USAGE. */
int  cli_usage_error (const char *command, const char *format, ...) G_GNUC_PRINTF (2, 3);
/* Reports `error` (consumed) and returns the matching exit code: CLI_EXIT_INTERRUPTED for
 * cancellation, else CLI_EXIT_ERROR. */
int  cli_report_error (GError *error);
/* Informational line on stderr, silenced by --quiet. */
void cli_note (const char *format, ...) G_GNUC_PRINTF (1, 2);

/* --- option parsing ----------------------------------------------------------------- */

/* Parses argv with `entries` (plus --quiet) into a context for `command`, collecting the
 * positional arguments. Exits 0 itself on --help (GLib's behaviour). Returns FALSE and
 * sets *exit_code on a usage error. */
gboolean cli_parse_options (const char *command, const char *parameter_string,
                            const char *summary, const char *description,
                            const GOptionEntry *entries, int argc, char **argv,
                            char ***positional, int *exit_code);

/* Options every solving command shares (tol, max-iter, beta, lambda, threads, ...). */
typedef struct {
  char *model;
  char *output;
  char *stats;
  char *clean;
  char *formulation;
  char *acceleration;
  double sigma;       /* NAN = not given */
  double tol;         /* NAN = not given */
  double beta;        /* NAN = not given */
  double lambda;      /* NAN = not given */
  int max_iter;       /* CLI_UNSET_INT = not given */
  int threads;
  int bit_depth;
  int tile;           /* denoise: tile side, 0 = automatic (by memory) */
  char *tile_stop;    /* denoise: "common" (default) or "own" (ts-tiles.h global_stop) */
  int restart_every;  /* > 0: restart the momentum every N iterations (0 = never) */
} CliSolveArgs;

void     cli_solve_args_init (CliSolveArgs *args);
void     cli_solve_args_clear (CliSolveArgs *args);
/* Range checks of the numeric options; sets *exit_code (usage) on failure. */
gboolean cli_solve_args_check (const CliSolveArgs *args, const char *command, int *exit_code);
/* Fills solver options from the arguments, the task defaults and the model. */
void     cli_solve_args_to_options (const CliSolveArgs *args, CliTask task, const TsModel *model,
                                    TsSolveOptions *options);
/* The output format check done before a long solve: extension and --bit-depth. */
gboolean cli_check_output_path (const char *path, int bit_depth, const char *command,
                                int *exit_code);

/* --- models ------------------------------------------------------------------------- */

/* ts_model_resolve plus validation; "dct" needs a sigma (checked by the caller). */
TsModel *cli_load_model (const char *name_or_path, double sigma, GError **error);
/* beta / lambda the paper found for `task` with a sigma25 NCPR / CPR model (RESULTS.md),
 * for `acceleration` (8 or 16) and `fat_suppressed` MRI data. FALSE (values untouched)
 * when the model is not one of the paper's sigma25 models. */
gboolean cli_task_defaults (const TsModel *model, CliTask task, int acceleration,
                            gboolean fat_suppressed, double *beta, double *lambda);
/* Groupsize-2 CPR models need even sides: the largest even top-left crop (a copy). */
TsImage *cli_crop_for_model (const TsModel *model, const TsImage *image, gboolean *cropped);
int      cli_model_group (const TsModel *model);

/* --- progress bar --------------------------------------------------------------------- */

typedef struct {
  char *label;
  gint64 start_us;
  gint64 last_draw_us;
  double tol;
  int max_iter;
  gboolean active;     /* stderr is a terminal and not --quiet */
  gboolean drawn;
} CliProgress;

void     cli_progress_init (CliProgress *progress, const char *label, double tol, int max_iter);
void     cli_progress_set_label (CliProgress *progress, const char *label);
gboolean cli_progress_update (int iteration, double change, const TsImage *estimate,
                              gpointer user_data);
/* Clears the bar's line. */
void     cli_progress_finish (CliProgress *progress);
void     cli_progress_clear (CliProgress *progress);

/* --- solving ------------------------------------------------------------------------ */

typedef struct {
  int n_solves;
  int iterations;          /* max over the solved channels */
  int total_iterations;
  double seconds;          /* sum over the channels */
  double final_change;     /* max over the channels */
  gboolean converged;      /* all channels */
  double gemm_seconds;     /* in the solver's products, per core, summed over the channels */
  double gemm_gflop;       /* their work, per core */
  TsSolveStats per_channel[4];
} CliSolveSummary;

/* How a denoise is tiled: `size` 0 = only when memory requires it; `own_stop`: each tile
 * stops by its own rule in one pass (half the work of the common stop, ts-tiles.h). */
typedef struct {
  int size;
  gboolean own_stop;
} CliTiling;

/* The tiling the options of `args` ask for. */
CliTiling cli_solve_args_tiling (const CliSolveArgs *args);

/* Images whose solve would need more than this are denoised in tiles. */
#define CLI_TILE_MEMORY ((gsize) 1200 << 20)
/* The colour handling of `denoise` and `eval` when not given (--colour): see the colour
 * comparison in docs/benchmarks.md. */
#define CLI_DEFAULT_COLOUR TS_COLOUR_OPPONENT
/* Denoises the colour channels of `noisy` (TS_VARIANT_FORWARD, H = I) with the grayscale
 * model: RGB images in `colour`'s basis (ts-colour.h), one plane at a time; the alpha
 * channel of 2- and 4-channel images is copied through. */
TsImage *cli_denoise_image_colour (const TsModel *model, const TsImage *noisy,
                                   const TsSolveOptions *options, const CliTiling *tiling,
                                   TsColourMode colour,
                                   CliProgress *progress, CliSolveSummary *summary,
                                   GError **error);
/* 4x super-resolution of a low-resolution image, channel by channel. */
TsImage *cli_sr_image (const TsModel *model, const TsImage *lowres, const TsSolveOptions *options,
                       CliProgress *progress, CliSolveSummary *summary, GError **error);
/* Single-coil MRI reconstruction: the full-size real image. */
TsImage *cli_mri_image (const TsModel *model, const TsKspace *kspace,
                        const TsSolveOptions *options, CliProgress *progress,
                        CliSolveSummary *summary, GError **error);

/* --- JSON --------------------------------------------------------------------------- */

/* Adds a double member, or null when it is not finite (JSON has no NaN / Inf). */
void     cli_json_add_double (JsonBuilder *builder, const char *name, double value);
char    *cli_json_to_string (JsonNode *root, gboolean pretty);
/* Writes pretty JSON atomically (ts-atomic-file.h). */
gboolean cli_json_write_file (const char *path, JsonNode *root, GError **error);
void     cli_json_add_summary (JsonBuilder *builder, const CliSolveSummary *summary);
void     cli_json_add_options (JsonBuilder *builder, const TsModel *model,
                               const TsSolveOptions *options);

/* --- files -------------------------------------------------------------------------- */

/* Regular files in `dir` whose names end in one of `suffixes` (case-insensitive), sorted
 * by name (byte order, as Python's sorted()). */
GPtrArray *cli_list_dir (const char *dir, const char *const *suffixes, gboolean want_dirs,
                         GError **error);
/* Full k-space and mask from a slice folder in the compact layout of the test data
 * (meta.json, columns.npy, kspace_cols.npy); *acceleration from meta.json (8 if absent). */
TsKspace *cli_kspace_load_compact (const char *dir, int *acceleration, GError **error);
/* TRUE when a component of `path` is "pdfs" (fat-suppressed contrast). */
gboolean  cli_path_is_fat_suppressed (const char *path);

/* --- commands ----------------------------------------------------------------------- */

int cli_cmd_model (int argc, char **argv);
int cli_cmd_denoise (int argc, char **argv);
int cli_cmd_sr (int argc, char **argv);
int cli_cmd_mri (int argc, char **argv);
int cli_cmd_eval (int argc, char **argv);
int cli_cmd_demo (int argc, char **argv);
int cli_cmd_estimate_noise (int argc, char **argv);
int cli_cmd_train (int argc, char **argv);

G_END_DECLS
