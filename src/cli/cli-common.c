/* Signals, messages, option parsing and file listing shared by the tessera-cli commands. */
#include "cli-common.h"

#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

gboolean cli_quiet = FALSE;

const char *
cli_task_name (CliTask task)
{
  return task == CLI_TASK_DENOISE ? "denoise" : task == CLI_TASK_SR ? "sr" : "mri";
}

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
  args->quality = CLI_UNSET_INT;
}

void
cli_solve_args_clear (CliSolveArgs *args)
{
  g_clear_pointer (&args->model, g_free);
  g_clear_pointer (&args->chroma_model, g_free);
  g_clear_pointer (&args->output, g_free);
  g_clear_pointer (&args->stats, g_free);
  g_clear_pointer (&args->clean, g_free);
  g_clear_pointer (&args->formulation, g_free);
  g_clear_pointer (&args->acceleration, g_free);
  g_clear_pointer (&args->image_step, g_free);
  g_clear_pointer (&args->tile_stop, g_free);
  g_clear_pointer (&args->plane_stop, g_free);
  g_clear_pointer (&args->preset, g_free);
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
  else if (args->image_step != NULL && g_strcmp0 (args->image_step, "gradient") != 0
           && g_strcmp0 (args->image_step, "exact") != 0)
    problem = "--image-step must be 'gradient' or 'exact'";
  else if (args->restart_every < 0)
    problem = "--restart-every must be 0 (never) or a positive number of iterations";
  else if (args->tile < 0 || (args->tile > 0 && args->tile < 64))
    problem = "--tile must be at least 64 (or 0 for automatic)";
  else if (args->tile_stop != NULL && g_strcmp0 (args->tile_stop, "common") != 0
           && g_strcmp0 (args->tile_stop, "own") != 0)
    problem = "--tile-stop must be 'common' or 'own'";
  else if (args->plane_stop != NULL && g_strcmp0 (args->plane_stop, "picture") != 0
           && g_strcmp0 (args->plane_stop, "own") != 0)
    problem = "--plane-stop must be 'picture' or 'own'";

  if (problem != NULL)
    {
      *exit_code = cli_usage_error (command, "%s", problem);
      return FALSE;
    }
  return TRUE;
}

void
cli_solve_args_to_request (const CliSolveArgs *args, CliTask task, TsRestoreRequest *request)
{
  ts_restore_request_init (request);
  request->task = (TsTask) task;
  request->sigma = args->sigma;
  request->tol = args->tol;
  request->beta = args->beta;
  request->lambda = args->lambda;
  request->max_iter = args->max_iter != CLI_UNSET_INT ? args->max_iter : 0;
  request->threads = args->threads;
  request->preset = args->preset;
  request->chroma_model_spec = args->chroma_model;
  if (g_strcmp0 (args->formulation, "plain") == 0)
    request->formulation = TS_FORMULATION_PLAIN;
  else if (g_strcmp0 (args->formulation, "subspace") == 0)
    request->formulation = TS_FORMULATION_SUBSPACE;
  if (g_strcmp0 (args->acceleration, "restart") == 0)
    request->acceleration = TS_ACCELERATION_RESTART;
  request->restart_interval = args->restart_every;
  if (g_strcmp0 (args->image_step, "exact") == 0)
    request->image_step = TS_IMAGE_STEP_EXACT;
  else if (g_strcmp0 (args->image_step, "gradient") == 0)
    request->image_step = TS_IMAGE_STEP_GRADIENT;
  /* A tile side given on the command line forces tiles. */
  if (args->tile > 0)
    {
      request->tiling.mode = TS_RESTORE_TILES_ALWAYS;
      request->tiling.size = args->tile;
    }
  request->tiling.own_stop = g_strcmp0 (args->tile_stop, "own") == 0;
  if (args->plane_stop != NULL)
    ts_plane_stop_from_name (args->plane_stop, &request->plane_stop);
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
    case TS_FILE_FORMAT_JPEG:
      depth_ok = bit_depth == 0 || bit_depth == 8;
      break;
    case TS_FILE_FORMAT_UNKNOWN:
    default:
      *exit_code = cli_usage_error (command,
                                    "%s: unknown output format (use .png, .tif, .tiff, .jpg, .jpeg or .npy)",
                                    path);
      return FALSE;
    }
  if (!depth_ok)
    {
      *exit_code = cli_usage_error (command, "--bit-depth %d is not available for %s "
                                    "(PNG: 8 or 16, TIFF: 8, 16 or 32, JPEG: 8, NPY: 32)", bit_depth, path);
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
  g_autofree char *note = NULL;
  TsModel *model = ts_restore_resolve_model (name_or_path, sigma, &note, error);

  if (note != NULL)
    cli_note ("note: %s", note);
  return model;
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
