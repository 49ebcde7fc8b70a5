/* Option parsing, messages, progress bar and JSON output shared by the tessera-cli
 * commands. */
#include "cli-common.h"
#include "ts-blas.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

gboolean cli_quiet = FALSE;

/* Read by the solver every iteration (atomically), so a Ctrl+C stops it at the next
 * iteration boundary and nothing is written. */
static gint cancel_flag = 0;

static void
on_interrupt (int signum)
{
  (void) signum;
  g_atomic_int_set (&cancel_flag, 1);
}

void
cli_install_signal_handlers (void)
{
  struct sigaction action;

  memset (&action, 0, sizeof action);
  action.sa_handler = on_interrupt;
  sigemptyset (&action.sa_mask);
  /* A second Ctrl+C gets the default action: the user can always kill a stuck run. */
  action.sa_flags = SA_RESETHAND;
  sigaction (SIGINT, &action, NULL);
  sigaction (SIGTERM, &action, NULL);
  /* Over the file size limit (ulimit -f), write() must fail with EFBIG so that the atomic
   * save removes its temporary file and reports the error; the default action would kill
   * the process and leave the temporary file behind. */
  signal (SIGXFSZ, SIG_IGN);
}

const gint *
cli_cancel_flag (void)
{
  return &cancel_flag;
}

gboolean
cli_cancelled (void)
{
  return g_atomic_int_get (&cancel_flag) != 0;
}

/* --- messages ------------------------------------------------------------------------ */

int
cli_error (const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "%s: %s\n", CLI_PROGRAM, message);
  return CLI_EXIT_ERROR;
}

int
cli_usage_error (const char *command, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  if (command != NULL)
    fprintf (stderr, "%s: %s: %s\nTry '%s %s --help' for more information.\n",
             CLI_PROGRAM, command, message, CLI_PROGRAM, command);
  else
    fprintf (stderr, "%s: %s\nTry '%s --help' for more information.\n",
             CLI_PROGRAM, message, CLI_PROGRAM);
  return CLI_EXIT_USAGE;
}

int
cli_report_error (GError *error)
{
  int code = CLI_EXIT_ERROR;

  if (error == NULL)
    return cli_error ("unknown error");
  if (g_error_matches (error, TS_ERROR, TS_ERROR_CANCELLED) || cli_cancelled ())
    {
      fprintf (stderr, "%s: interrupted; no output written\n", CLI_PROGRAM);
      code = CLI_EXIT_INTERRUPTED;
    }
  else
    cli_error ("%s", error->message);
  g_error_free (error);
  return code;
}

void
cli_note (const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  if (cli_quiet)
    return;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "%s\n", message);
}

/* --- options ------------------------------------------------------------------------- */

gboolean
cli_parse_options (const char *command, const char *parameter_string, const char *summary,
                   const char *description, const GOptionEntry *entries, int argc, char **argv,
                   char ***positional, int *exit_code)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) remaining = NULL;
  g_autofree char *prgname = g_strdup_printf ("%s %s", CLI_PROGRAM, command);
  const GOptionEntry common[] = {
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &cli_quiet, "Print nothing but errors", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &remaining, NULL, NULL },
    G_OPTION_ENTRY_NULL
  };

  /* The help text's "Usage:" line names the program and the command. */
  g_set_prgname (prgname);
  context = g_option_context_new (parameter_string);
  if (summary != NULL)
    g_option_context_set_summary (context, summary);
  if (description != NULL)
    g_option_context_set_description (context, description);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_main_entries (context, common, NULL);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      *exit_code = cli_usage_error (command, "%s", error->message);
      return FALSE;
    }
  *positional = g_steal_pointer (&remaining);
  if (*positional == NULL)
    *positional = g_new0 (char *, 1);
  return TRUE;
}

void
cli_solve_args_init (CliSolveArgs *args)
{
  memset (args, 0, sizeof *args);
  args->sigma = NAN;
  args->tol = NAN;
  args->beta = NAN;
  args->lambda = NAN;
  args->max_iter = CLI_UNSET_INT;
}

void
cli_solve_args_clear (CliSolveArgs *args)
{
  g_clear_pointer (&args->model, g_free);
  g_clear_pointer (&args->output, g_free);
  g_clear_pointer (&args->stats, g_free);
  g_clear_pointer (&args->clean, g_free);
  g_clear_pointer (&args->formulation, g_free);
  g_clear_pointer (&args->acceleration, g_free);
  g_clear_pointer (&args->tile_stop, g_free);
}

CliTiling
cli_solve_args_tiling (const CliSolveArgs *args)
{
  return (CliTiling) { args->tile, g_strcmp0 (args->tile_stop, "own") == 0 };
}

gboolean
cli_solve_args_check (const CliSolveArgs *args, const char *command, int *exit_code)
{
  const char *problem = NULL;

  if (!isnan (args->sigma) && !(args->sigma > 0.0 && args->sigma <= 255.0))
    problem = "--sigma must be in (0, 255]";
  else if (!isnan (args->tol) && !(args->tol >= 0.0 && isfinite (args->tol)))
    problem = "--tol must be a non-negative number";
  else if (args->max_iter != CLI_UNSET_INT && args->max_iter < 1)
    problem = "--max-iter must be at least 1";
  else if (!isnan (args->beta) && !(args->beta >= 0.0 && isfinite (args->beta)))
    problem = "--beta must be a non-negative number";
  else if (!isnan (args->lambda) && !(args->lambda >= 0.0 && isfinite (args->lambda)))
    problem = "--lambda must be a non-negative number";
  else if (args->threads < 0 || args->threads > 256)
    problem = "--threads must be between 1 and 256";
  else if (args->formulation != NULL && g_strcmp0 (args->formulation, "subspace") != 0
           && g_strcmp0 (args->formulation, "plain") != 0)
    problem = "--formulation must be 'subspace' or 'plain'";
  else if (args->acceleration != NULL && g_strcmp0 (args->acceleration, "none") != 0
           && g_strcmp0 (args->acceleration, "restart") != 0)
    problem = "--acceleration must be 'none' or 'restart'";
  else if (args->restart_every < 0)
    problem = "--restart-every must be 0 (never) or a positive number of iterations";
  else if (args->tile < 0 || (args->tile > 0 && args->tile < 64))
    problem = "--tile must be at least 64 (or 0 for automatic)";
  else if (args->tile_stop != NULL && g_strcmp0 (args->tile_stop, "common") != 0
           && g_strcmp0 (args->tile_stop, "own") != 0)
    problem = "--tile-stop must be 'common' or 'own'";

  if (problem != NULL)
    {
      *exit_code = cli_usage_error (command, "%s", problem);
      return FALSE;
    }
  return TRUE;
}

void
cli_solve_args_to_options (const CliSolveArgs *args, CliTask task, const TsModel *model,
                           TsSolveOptions *options)
{
  double beta = NAN, lambda = NAN;

  ts_solve_options_init (options);
  options->nonnegative = task != CLI_TASK_DENOISE;
  if (!isnan (args->tol))
    options->tol = args->tol;
  else
    options->tol = task == CLI_TASK_DENOISE ? model->tol : CLI_RECONSTRUCT_TOL;
  options->max_iter = args->max_iter != CLI_UNSET_INT ? args->max_iter : CLI_DEFAULT_MAX_ITER;
  options->threads = args->threads;
  if (g_strcmp0 (args->formulation, "plain") == 0)
    options->formulation = TS_FORMULATION_PLAIN;
  else if (g_strcmp0 (args->formulation, "subspace") == 0)
    options->formulation = TS_FORMULATION_SUBSPACE;
  if (g_strcmp0 (args->acceleration, "restart") == 0)
    options->acceleration = TS_ACCELERATION_RESTART;
  options->restart_interval = args->restart_every;

  /* Each of beta / lambda not given takes the paper's value for the task if there is one,
   * otherwise the model's own (NAN). */
  cli_task_defaults (model, task, 8, FALSE, &beta, &lambda);
  options->beta = !isnan (args->beta) ? args->beta : beta;
  options->lambda = !isnan (args->lambda) ? args->lambda : lambda;
}

gboolean
cli_check_output_path (const char *path, int bit_depth, const char *command, int *exit_code)
{
  TsFileFormat format = ts_file_format_from_name (path);
  g_autofree char *dir = NULL;
  gboolean depth_ok = FALSE;

  switch (format)
    {
    case TS_FILE_FORMAT_PNG:
      depth_ok = bit_depth == 0 || bit_depth == 8 || bit_depth == 16;
      break;
    case TS_FILE_FORMAT_TIFF:
      depth_ok = bit_depth == 0 || bit_depth == 8 || bit_depth == 16 || bit_depth == 32;
      break;
    case TS_FILE_FORMAT_NPY:
      depth_ok = bit_depth == 0 || bit_depth == 32;
      break;
    case TS_FILE_FORMAT_UNKNOWN:
    default:
      *exit_code = cli_usage_error (command,
                                    "%s: unknown output format (use .png, .tif, .tiff or .npy)",
                                    path);
      return FALSE;
    }
  if (!depth_ok)
    {
      *exit_code = cli_usage_error (command, "--bit-depth %d is not available for %s "
                                    "(PNG: 8 or 16, TIFF: 8, 16 or 32, NPY: 32)", bit_depth, path);
      return FALSE;
    }
  /* Fail before a long solve rather than after it. */
  dir = g_path_get_dirname (path);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      *exit_code = cli_error ("%s: output folder %s does not exist", path, dir);
      return FALSE;
    }
  return TRUE;
}

/* --- models ------------------------------------------------------------------------- */

TsModel *
cli_load_model (const char *name_or_path, double sigma, GError **error)
{
  g_autoptr (TsModel) model = ts_model_resolve (name_or_path, isnan (sigma) ? 0.0 : sigma, error);

  if (model == NULL)
    return NULL;
  if (!ts_model_validate (model, name_or_path, error))
    return NULL;
  return g_steal_pointer (&model);
}

int
cli_model_group (const TsModel *model)
{
  return ts_model_group_size (model);
}

gboolean
cli_task_defaults (const TsModel *model, CliTask task, int acceleration, gboolean fat_suppressed,
                   double *beta, double *lambda)
{
  return ts_task_paper_defaults (model, (TsTask) task, acceleration, fat_suppressed, beta, lambda);
}

TsImage *
cli_crop_for_model (const TsModel *model, const TsImage *image, gboolean *cropped)
{
  int g = cli_model_group (model);
  int w = image->width / g * g, h = image->height / g * g;

  *cropped = w != image->width || h != image->height;
  if (!*cropped)
    return ts_image_copy (image);
  if (w == 0 || h == 0)
    return NULL;
  return ts_image_crop (image, 0, 0, w, h);
}

/* --- progress bar --------------------------------------------------------------------- */

void
cli_progress_init (CliProgress *progress, const char *label, double tol, int max_iter)
{
  memset (progress, 0, sizeof *progress);
  progress->label = g_strdup (label);
  progress->tol = tol;
  progress->max_iter = max_iter;
  progress->active = !cli_quiet && isatty (STDERR_FILENO);
  progress->start_us = g_get_monotonic_time ();
}

void
cli_progress_set_label (CliProgress *progress, const char *label)
{
  g_free (progress->label);
  progress->label = g_strdup (label);
  progress->start_us = g_get_monotonic_time ();
  progress->last_draw_us = 0;
}

gboolean
cli_progress_update (int iteration, double change, const TsImage *estimate, gpointer user_data)
{
  CliProgress *progress = user_data;
  gint64 now;
  double elapsed, fraction;
  char bar[21];
  int filled;

  (void) estimate;
  if (cli_cancelled ())
    return FALSE;
  if (progress == NULL || !progress->active)
    return TRUE;
  now = g_get_monotonic_time ();
  /* At most ten redraws a second: a terminal is slow next to a small solve. */
  if (progress->drawn && now - progress->last_draw_us < 100000)
    return TRUE;
  progress->last_draw_us = now;
  progress->drawn = TRUE;
  elapsed = (now - progress->start_us) / 1e6;

  if (progress->tol > 0.0 && change > 0.0 && change > progress->tol)
    /* Convergence is roughly linear in log(change): 1e-1 .. tol. */
    fraction = log (change / 1e-1) / log (progress->tol / 1e-1);
  else if (progress->tol > 0.0 && change <= progress->tol)
    fraction = 1.0;
  else
    fraction = progress->max_iter > 0 ? (double) iteration / progress->max_iter : 0.0;
  if (progress->tol > 0.0 && progress->max_iter > 0)
    fraction = MAX (fraction, (double) iteration / progress->max_iter);
  fraction = CLAMP (fraction, 0.0, 1.0);
  filled = (int) (fraction * 20.0 + 0.5);
  for (int i = 0; i < 20; i++)
    bar[i] = i < filled ? '#' : '.';
  bar[20] = '\0';

  if (progress->tol > 0.0)
    fprintf (stderr, "\r\033[K%s [%s] iteration %d  change %.2e (tol %.0e)  %.1f s",
             progress->label, bar, iteration, change, progress->tol, elapsed);
  else
    fprintf (stderr, "\r\033[K%s [%s] iteration %d/%d  change %.2e  %.1f s",
             progress->label, bar, iteration, progress->max_iter, change, elapsed);
  fflush (stderr);
  return TRUE;
}

void
cli_progress_clear (CliProgress *progress)
{
  if (progress->active && progress->drawn)
    {
      fputs ("\r\033[K", stderr);
      fflush (stderr);
    }
  progress->drawn = FALSE;
}

void
cli_progress_finish (CliProgress *progress)
{
  cli_progress_clear (progress);
  g_clear_pointer (&progress->label, g_free);
}

/* --- solving ------------------------------------------------------------------------ */

static void
summary_add (CliSolveSummary *summary, const TsSolveStats *stats)
{
  if (summary->n_solves < (int) G_N_ELEMENTS (summary->per_channel))
    summary->per_channel[summary->n_solves] = *stats;
  if (summary->n_solves == 0)
    summary->converged = TRUE;
  summary->n_solves++;
  summary->iterations = MAX (summary->iterations, stats->iterations);
  summary->total_iterations += stats->iterations;
  summary->seconds += stats->seconds;
  summary->final_change = MAX (summary->final_change, stats->final_change);
  summary->converged = summary->converged && stats->converged;
  double gemm_seconds = stats->gemm_share * stats->seconds;
  summary->gemm_seconds += gemm_seconds;
  summary->gemm_gflop += stats->gemm_gflops * gemm_seconds;
}

/* Bytes of memory available for a solve: $TESSERA_MEMORY_LIMIT if set (bytes; for tests and
 * for users who want a tighter bound), else MemAvailable from /proc/meminfo; 0 = unknown. */
static guint64
available_memory (void)
{
  const char *env = g_getenv ("TESSERA_MEMORY_LIMIT");
  if (env != NULL && *env != '\0')
    return g_ascii_strtoull (env, NULL, 10);
  g_autofree char *meminfo = NULL;
  if (!g_file_get_contents ("/proc/meminfo", &meminfo, NULL, NULL))
    return 0;
  const char *line = strstr (meminfo, "MemAvailable:");
  if (line == NULL)
    return 0;
  return g_ascii_strtoull (line + strlen ("MemAvailable:"), NULL, 10) * 1024;
}

/* A clear refusal before a whole-image solve that cannot fit in memory, instead of an
 * allocation failure (or the OOM killer) part-way through. Denoising never gets here with a
 * large image: it switches to tiles (CLI_TILE_MEMORY). */
static gboolean
check_solve_memory (const TsModel *model, int width, int height, GError **error)
{
  guint64 need = ts_solve_memory_estimate (model, width, height);
  guint64 have = available_memory ();
  if (have == 0 || need <= have)
    return TRUE;
  /* Not g_format_size: it puts a no-break space before the unit. */
  g_autofree char *need_text = g_strdup_printf ("%.1f %s", need >= 1e9 ? need / 1e9 : need / 1e6,
                                                need >= 1e9 ? "GB" : "MB");
  g_autofree char *have_text = g_strdup_printf ("%.1f %s", have >= 1e9 ? have / 1e9 : have / 1e6,
                                                have >= 1e9 ? "GB" : "MB");
  g_set_error (error, TS_ERROR, TS_ERROR_LIMIT,
               "a %d x %d solve with model %s needs about %s of memory, but only %s is "
               "available; use a smaller image or free some memory", width, height,
               model->name, need_text, have_text);
  return FALSE;
}

/* One single-channel solve; the estimate must have the operator's image size. */
static TsImage *
solve_plane (const TsModel *model, const TsOperator *op, const float *data,
             const TsSolveOptions *options, CliProgress *progress, CliSolveSummary *summary,
             GError **error)
{
  TsSolveStats stats = { 0 };
  g_autoptr (TsSolution) solution = NULL;
  TsImage *x;

  if (!check_solve_memory (model, op->width, op->height, error))
    return NULL;
  ts_blas_set_threads (ts_solve_blas_threads (options));
  g_autoptr (TsRegulariser) prox = ts_regulariser_new (model, op, options->beta, options->lambda,
                                                       error);
  if (prox == NULL)
    return NULL;
  solution = ts_solve (op, prox, data, options, NULL, cli_progress_update, progress,
                       cli_cancel_flag (), &stats, error);
  if (progress != NULL)
    cli_progress_clear (progress);
  if (solution == NULL)
    return NULL;
  if (solution->x == NULL || solution->x->width != op->width || solution->x->height != op->height
      || solution->x->channels != 1)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "internal error: the solver returned an image of the wrong size");
      return NULL;
    }
  summary_add (summary, &stats);
  x = g_steal_pointer (&solution->x);
  return x;
}

static char *
channel_label (const char *task, int channel, int n_channels)
{
  if (n_channels <= 1)
    return g_strdup (task);
  return g_strdup_printf ("%s (channel %d/%d)", task, channel + 1, n_channels);
}

typedef struct {
  CliProgress *progress;
  const char *label;
} TileProgress;

static gboolean
on_tile_done (int done, int total, const TsRect *tile, const TsImage *result, gpointer user_data)
{
  TileProgress *tp = user_data;
  if (tp->progress != NULL)
    {
      g_autofree char *label = g_strdup_printf ("%s, tile %d/%d", tp->label, MIN (done + 1, total), total);
      cli_progress_set_label (tp->progress, label);
    }
  return !cli_cancelled ();
}

/* A tile size given on the command line forces tiling. */
static gboolean
tiling_requested (const CliTiling *tiling)
{
  return tiling != NULL && tiling->size > 0;
}

/* A plane too large to solve at once goes through overlapping tiles (ts-tiles.h). */
static TsImage *
denoise_plane_tiled (const TsModel *model, const TsImage *plane, const TsSolveOptions *options,
                     const CliTiling *tiling, CliProgress *progress, const char *label,
                     CliSolveSummary *summary, GError **error)
{
  TsTileOptions tiles;
  TsSolveStats stats = { 0 };
  TileProgress tp = { progress, label };
  ts_tile_options_init (&tiles);
  if (tiling_requested (tiling))
    tiles.tile_size = tiling->size;
  if (tiling != NULL && tiling->own_stop)
    tiles.global_stop = FALSE;
  if (progress != NULL)
    {
      g_autofree char *first = g_strdup_printf ("%s, tile 1", label);
      cli_progress_set_label (progress, first);
    }
  TsImage *x = ts_denoise_tiled (model, plane, options, &tiles, on_tile_done, &tp, cli_cancel_flag (),
                                 &stats, error);
  if (progress != NULL)
    cli_progress_clear (progress);
  if (x != NULL)
    summary_add (summary, &stats);
  return x;
}

/* Denoises every colour channel of `noisy` as it is (no colour transform). */
static TsImage *
denoise_channels (const TsModel *model, const TsImage *noisy, const TsSolveOptions *options,
                  const CliTiling *tiling, CliProgress *progress, CliSolveSummary *summary,
                  GError **error)
{
  /* Tiles when asked, when a whole solve would be large, or when it would not fit in the
   * memory available now. */
  guint64 need = ts_solve_memory_estimate (model, noisy->width, noisy->height);
  guint64 have = available_memory ();
  gboolean tiled = tiling_requested (tiling) || need > CLI_TILE_MEMORY || (have != 0 && need > have);
  g_autoptr (TsImage) out = NULL;
  g_autoptr (TsOperator) op = NULL;
  /* Gray + alpha and RGBA: the alpha channel is not an image to denoise. */
  int n_color = noisy->channels == 2 || noisy->channels == 4 ? noisy->channels - 1 : noisy->channels;

  memset (summary, 0, sizeof *summary);
  out = ts_image_new (noisy->width, noisy->height, noisy->channels, error);
  if (out == NULL)
    return NULL;
  op = ts_operator_identity_new (noisy->width, noisy->height);
  if (op == NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "could not create the denoising operator");
      return NULL;
    }
  for (int c = 0; c < noisy->channels; c++)
    {
      g_autoptr (TsImage) plane = ts_image_extract_channel (noisy, c);
      g_autoptr (TsImage) x = NULL;

      if (c >= n_color)
        {
          ts_image_set_channel (out, c, plane);
          continue;
        }
      g_autofree char *label = channel_label ("denoise", c, n_color);
      if (progress != NULL)
        cli_progress_set_label (progress, label);
      if (tiled)
        x = denoise_plane_tiled (model, plane, options, tiling, progress, label, summary, error);
      else
        x = solve_plane (model, op, plane->data, options, progress, summary, error);
      if (x == NULL)
        return NULL;
      ts_image_set_channel (out, c, x);
    }
  return g_steal_pointer (&out);
}

TsImage *
cli_denoise_image_colour (const TsModel *model, const TsImage *noisy,
                          const TsSolveOptions *options, const CliTiling *tiling,
                          TsColourMode colour,
                          CliProgress *progress, CliSolveSummary *summary, GError **error)
{
  if (colour == TS_COLOUR_RGB || (noisy->channels != 3 && noisy->channels != 4))
    return denoise_channels (model, noisy, options, tiling, progress, summary, error);
  /* Orthonormal opponent basis: the noise stays white with the same sigma in each of the
   * three planes, which the grayscale model then denoises; alpha rides along untouched. */
  g_autoptr (TsImage) opponent = ts_colour_rgb_to_opponent (noisy);
  g_autoptr (TsImage) x = denoise_channels (model, opponent, options, tiling, progress, summary,
                                            error);
  g_clear_pointer (&opponent, ts_image_free);
  if (x == NULL)
    return NULL;
  return ts_colour_opponent_to_rgb (x);
}

TsImage *
cli_sr_image (const TsModel *model, const TsImage *lowres, const TsSolveOptions *options,
              CliProgress *progress, CliSolveSummary *summary, GError **error)
{
  g_autoptr (TsImage) out = NULL;
  g_autoptr (TsOperator) op = NULL;

  memset (summary, 0, sizeof *summary);
  op = ts_operator_sr_new (lowres->width, lowres->height, TS_SR_DEFAULT_KERNEL,
                           TS_SR_DEFAULT_STD, TS_SR_DEFAULT_STRIDE, error);
  if (op == NULL)
    return NULL;
  if (op->data_len != (gsize) lowres->width * lowres->height)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "internal error: super-resolution operator expects %" G_GSIZE_FORMAT
                   " values for a %d x %d image", op->data_len, lowres->width, lowres->height);
      return NULL;
    }
  if (op->width % cli_model_group (model) != 0 || op->height % cli_model_group (model) != 0)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "model %s needs an even estimate size, not %d x %d", model->name,
                   op->width, op->height);
      return NULL;
    }
  out = ts_image_new (op->width, op->height, lowres->channels, error);
  if (out == NULL)
    return NULL;
  /* Every channel, alpha included, is estimated: there is no full-size alpha to copy. */
  for (int c = 0; c < lowres->channels; c++)
    {
      g_autoptr (TsImage) plane = ts_image_extract_channel (lowres, c);
      g_autoptr (TsImage) x = NULL;

      if (progress != NULL)
        {
          g_autofree char *label = channel_label ("sr", c, lowres->channels);
          cli_progress_set_label (progress, label);
        }
      x = solve_plane (model, op, plane->data, options, progress, summary, error);
      if (x == NULL)
        return NULL;
      ts_image_set_channel (out, c, x);
    }
  return g_steal_pointer (&out);
}

TsImage *
cli_mri_image (const TsModel *model, const TsKspace *kspace, const TsSolveOptions *options,
               CliProgress *progress, CliSolveSummary *summary, GError **error)
{
  g_autoptr (TsOperator) op = NULL;

  memset (summary, 0, sizeof *summary);
  if (kspace->width % cli_model_group (model) != 0 || kspace->height % cli_model_group (model) != 0)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "model %s needs even k-space sides, not %d x %d", model->name,
                   kspace->width, kspace->height);
      return NULL;
    }
  op = ts_operator_mri_new (kspace->width, kspace->height, kspace->mask, error);
  if (op == NULL)
    return NULL;
  if (op->data_len != (gsize) 2 * kspace->width * kspace->height)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "internal error: MRI operator expects %" G_GSIZE_FORMAT " values", op->data_len);
      return NULL;
    }
  if (progress != NULL)
    cli_progress_set_label (progress, "mri");
  return solve_plane (model, op, kspace->data, options, progress, summary, error);
}

/* --- JSON --------------------------------------------------------------------------- */

void
cli_json_add_double (JsonBuilder *builder, const char *name, double value)
{
  json_builder_set_member_name (builder, name);
  if (isfinite (value))
    json_builder_add_double_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

char *
cli_json_to_string (JsonNode *root, gboolean pretty)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();

  json_generator_set_pretty (generator, pretty);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

gboolean
cli_json_write_file (const char *path, JsonNode *root, GError **error)
{
  g_autofree char *text = cli_json_to_string (root, TRUE);
  TsAtomicFile *file = ts_atomic_file_open (path, error);
  FILE *stream;

  if (file == NULL)
    return FALSE;
  stream = ts_atomic_file_stream (file);
  if (fputs (text, stream) == EOF || fputc ('\n', stream) == EOF)
    {
      int saved = errno;
      ts_atomic_file_abort (file);
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: could not write: %s", path,
                   g_strerror (saved));
      return FALSE;
    }
  return ts_atomic_file_commit (file, error);
}

void
cli_json_add_summary (JsonBuilder *builder, const CliSolveSummary *summary)
{
  json_builder_set_member_name (builder, "iterations");
  json_builder_add_int_value (builder, summary->iterations);
  cli_json_add_double (builder, "solve_seconds", summary->seconds);
  cli_json_add_double (builder, "final_change", summary->final_change);
  json_builder_set_member_name (builder, "converged");
  json_builder_add_boolean_value (builder, summary->converged);
  if (summary->gemm_seconds > 0.0)
    {
      cli_json_add_double (builder, "gemm_gflops", summary->gemm_gflop / summary->gemm_seconds);
      cli_json_add_double (builder, "gemm_share", summary->gemm_seconds / summary->seconds);
    }
  json_builder_set_member_name (builder, "blas_kernel");
  json_builder_add_string_value (builder, ts_blas_kernel_name ());
  if (summary->n_solves > 1)
    {
      json_builder_set_member_name (builder, "total_iterations");
      json_builder_add_int_value (builder, summary->total_iterations);
      json_builder_set_member_name (builder, "channels_solved");
      json_builder_begin_array (builder);
      for (int i = 0; i < MIN (summary->n_solves, (int) G_N_ELEMENTS (summary->per_channel)); i++)
        {
          const TsSolveStats *s = &summary->per_channel[i];
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "iterations");
          json_builder_add_int_value (builder, s->iterations);
          cli_json_add_double (builder, "solve_seconds", s->seconds);
          cli_json_add_double (builder, "final_change", s->final_change);
          json_builder_set_member_name (builder, "converged");
          json_builder_add_boolean_value (builder, s->converged);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
    }
}

void
cli_json_add_options (JsonBuilder *builder, const TsModel *model, const TsSolveOptions *options)
{
  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, model->name != NULL ? model->name : "");
  json_builder_set_member_name (builder, "prox");
  json_builder_add_string_value (builder, ts_prox_type_name (model->prox_type));
  cli_json_add_double (builder, "beta", isnan (options->beta) ? model->beta : options->beta);
  cli_json_add_double (builder, "lambda",
                       isnan (options->lambda) ? model->lambda : options->lambda);
  cli_json_add_double (builder, "tol", options->tol);
  json_builder_set_member_name (builder, "max_iter");
  json_builder_add_int_value (builder, options->max_iter);
  json_builder_set_member_name (builder, "variant");
  /* x >= 0 exactly in the reconstruct tasks (cli_solve_args_to_options). */
  json_builder_add_string_value (builder, options->nonnegative ? "reconstruct" : "forward");
}

/* --- files -------------------------------------------------------------------------- */

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

GPtrArray *
cli_list_dir (const char *dir, const char *const *suffixes, gboolean want_dirs, GError **error)
{
  g_autoptr (GDir) handle = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  handle = g_dir_open (dir, 0, error);
  if (handle == NULL)
    return NULL;
  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      gboolean wanted = FALSE;

      if (name[0] == '.')
        continue;
      if (want_dirs)
        wanted = g_file_test (path, G_FILE_TEST_IS_DIR);
      else if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        {
          g_autofree char *lower = g_ascii_strdown (name, -1);
          for (int i = 0; suffixes != NULL && suffixes[i] != NULL && !wanted; i++)
            wanted = g_str_has_suffix (lower, suffixes[i]);
        }
      if (wanted)
        g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    g_ptr_array_add (paths, g_build_filename (dir, g_ptr_array_index (names, i), NULL));
  return g_steal_pointer (&paths);
}
