/* Shared pieces of tessera-cli: option parsing, errors, the progress bar, JSON output. The
 * restorations themselves are the core's (ts-restore.h): the commands only turn options
 * into a request and its result into files and reports. */
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

/* Integer options not given on the command line. */
#define CLI_UNSET_INT G_MININT

/* The same values as TsTask (ts-task.h). */
typedef enum {
  CLI_TASK_DENOISE = TS_TASK_DENOISE,
  CLI_TASK_SR = TS_TASK_SR,
  CLI_TASK_MRI = TS_TASK_MRI,
} CliTask;

/* "denoise", "sr", "mri". */
const char *cli_task_name (CliTask task);

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
  char *image_step;
  char *plane_stop;        /* --plane-stop picture|own (denoise, colour) */
  char *chroma_model;      /* --chroma-model (denoise, eval): TsRestoreRequest's chroma_model_spec */
  double sigma;       /* NAN = not given */
  double tol;         /* NAN = not given */
  double beta;        /* NAN = not given */
  double lambda;      /* NAN = not given */
  int max_iter;       /* CLI_UNSET_INT = not given */
  int threads;
  int bit_depth;
  int quality;        /* JPEG output quality, 1 to 100; CLI_UNSET_INT = not given (TS_JPEG_DEFAULT_QUALITY) */
  gboolean output_defaulted;  /* no -o: the output is named after the input */
  int tile;           /* denoise: tile side, 0 = automatic (by memory) */
  char *tile_stop;    /* denoise: "common" (default) or "own" (ts-restore-tiles.h own_stop) */
  int restart_every;  /* > 0: restart the momentum every N iterations (0 = never) */
  char *preset;       /* sr, mri: --preset NAME (NULL: the task's; "none": none) */
} CliSolveArgs;

void     cli_solve_args_init (CliSolveArgs *args);
void     cli_solve_args_clear (CliSolveArgs *args);
/* Range checks of the numeric options; sets *exit_code (usage) on failure. */
gboolean cli_solve_args_check (const CliSolveArgs *args, const char *command, int *exit_code);
/* A request for `task` with the solver options and the tiling the arguments give (the
 * rest, the core's defaults: ts_restore_request_init). */
void     cli_solve_args_to_request (const CliSolveArgs *args, CliTask task,
                                    TsRestoreRequest *request);
/* The output format check done before a long solve: extension and --bit-depth. */
gboolean cli_check_output_path (const char *path, int bit_depth, const char *command,
                                int *exit_code);

/* --- models ------------------------------------------------------------------------- */

/* ts_restore_resolve_model, its note (an unusable installed model) printed. */
TsModel *cli_load_model (const char *name_or_path, double sigma, GError **error);

/* --- progress bar (cli-progress.c) ---------------------------------------------------- */

typedef struct {
  char *label;
  char *task;          /* names the channels: "denoise (channel 2/3)" */
  char *channel_label; /* the label of the channel being solved (tiles add to it) */
  gint64 start_us;
  gint64 last_draw_us;
  gint64 run_start_us; /* the restoration's start (READY): the time remaining is from it */
  double done;         /* the restoration's fraction done so far, over channels and tiles */
  double tol;
  int max_iter;
  gboolean active;     /* stderr is a terminal and not --quiet */
  gboolean drawn;
} CliProgress;

void     cli_progress_init (CliProgress *progress, const char *label);
void     cli_progress_set_label (CliProgress *progress, const char *label);
/* A TsRestoreProgressFunc drawing the bar (user_data: the CliProgress, may be NULL); FALSE
 * once the user interrupted. */
gboolean cli_progress_restore (const TsRestoreProgress *progress, gpointer user_data);
/* Clears the bar's line. */
void     cli_progress_finish (CliProgress *progress);
void     cli_progress_clear (CliProgress *progress);

/* A restoration with the bar: ts_restore with cli_progress_restore and the interrupt flag.
 * `label` names the channels ("denoise (channel 2/3)"). */
TsRestoreResult *cli_restore (TsRestoreRequest *request, const char *label, CliProgress *progress,
                              GError **error);

/* --- JSON (cli-json.c) ---------------------------------------------------------------- */

/* Adds a double member, or null when it is not finite (JSON has no NaN / Inf). */
void     cli_json_add_double (JsonBuilder *builder, const char *name, double value);
char    *cli_json_to_string (JsonNode *root, gboolean pretty);
/* Writes pretty JSON atomically (ts-atomic-file.h). */
gboolean cli_json_write_file (const char *path, JsonNode *root, GError **error);
void     cli_json_add_summary (JsonBuilder *builder, const TsRestoreStats *stats);
void     cli_json_add_options (JsonBuilder *builder, const TsModel *model,
                               const TsSolveOptions *options, CliTask task);
/* "noise": the noise model asked and used, whether it was read from the image, the level,
 * the blind reading (kind, per-plane white levels) and / or the Poisson-Gaussian one (a, b per
 * channel), strength, chroma strength and each plane's level and threshold. */
void     cli_json_add_noise (JsonBuilder *builder, const TsRestoreNoise *noise);
/* "preset" (the name, or "none"), "beta_from" and "lambda_from" (ts_param_source_name). */
void     cli_json_add_params (JsonBuilder *builder, const TsTaskParams *params);
/* One line on how beta and lambda were chosen: "preset sr-x4 of MODEL (beta B, lambda L)",
 * "no preset (MODEL has no sr-x4): the paper's values (beta B, lambda L)", ... */
char    *cli_describe_params (const TsModel *model, const TsTaskParams *params);

/* --- files -------------------------------------------------------------------------- */

/* Regular files in `dir` whose names end in one of `suffixes` (case-insensitive), sorted
 * by name (byte order, as Python's sorted()). */
GPtrArray *cli_list_dir (const char *dir, const char *const *suffixes, gboolean want_dirs,
                         GError **error);

/* --- commands ----------------------------------------------------------------------- */

int cli_cmd_model (int argc, char **argv);
int cli_cmd_denoise (int argc, char **argv);
int cli_cmd_sr (int argc, char **argv);
int cli_cmd_mri (int argc, char **argv);
int cli_cmd_eval (int argc, char **argv);
int cli_cmd_demo (int argc, char **argv);
int cli_cmd_estimate_noise (int argc, char **argv);
int cli_cmd_train (int argc, char **argv);
int cli_cmd_tune (int argc, char **argv);

G_END_DECLS
