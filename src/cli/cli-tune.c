/* tessera-cli tune: searches a task's beta and lambda on a validation folder (the core's
 * ts_tune) and writes them into a copy of the model as the task's preset. */
#include "cli-common.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

typedef struct {
  char *task;
  char *data;
  char *model;
  char *preset;
  char *contrast;
  char *output;
  double sigma;
  double tol;
  double beta, lambda;
  double step;
  int limit;
  int evaluations;
  int max_iter;
  int seed;
  int threads;
} TuneArgs;

static void
tune_args_clear (TuneArgs *a)
{
  g_free (a->task);
  g_free (a->data);
  g_free (a->model);
  g_free (a->preset);
  g_free (a->contrast);
  g_free (a->output);
}

/* Whether a and b name the same existing file. */
static gboolean
same_file (const char *a, const char *b)
{
  GStatBuf sa, sb;
  return g_stat (a, &sa) == 0 && g_stat (b, &sb) == 0 && sa.st_dev == sb.st_dev
         && sa.st_ino == sb.st_ino;
}

/* Whether -o would replace the model read: the file given, or the installed model of that
 * name. */
static gboolean
output_is_input (const char *output, const char *model)
{
  if (same_file (output, model))
    return TRUE;
  g_autoptr (GPtrArray) dirs = ts_model_search_dirs ();
  g_autofree char *file = g_str_has_suffix (model, ".tsm") ? g_strdup (model)
                                                          : g_strconcat (model, ".tsm", NULL);
  for (guint i = 0; dirs != NULL && i < dirs->len; i++)
    {
      g_autofree char *path = g_build_filename (g_ptr_array_index (dirs, i), file, NULL);
      if (same_file (output, path))
        return TRUE;
    }
  return FALSE;
}

static gboolean
check_args (TuneArgs *a, char **positional, TsTask *task, int *code)
{
  const char *problem = NULL;

  if (g_strv_length (positional) > 0)
    {
      *code = cli_usage_error ("tune", "unexpected argument '%s'", positional[0]);
      return FALSE;
    }
  if (a->task == NULL)
    problem = "missing --task sr|mri";
  else if (g_strcmp0 (a->task, "sr") != 0 && g_strcmp0 (a->task, "mri") != 0)
    {
      *code = cli_usage_error ("tune", "--task must be sr or mri, not '%s'", a->task);
      return FALSE;
    }
  else if (a->data == NULL)
    problem = "missing --data VALFOLDER";
  else if (a->output == NULL)
    problem = "missing -o OUT.tsm (the model with the tuned preset; never the input)";
  else if (a->contrast != NULL && g_strcmp0 (a->contrast, "pd") != 0
           && g_strcmp0 (a->contrast, "pdfs") != 0)
    problem = "--contrast must be pd or pdfs";
  else if (a->contrast != NULL && g_strcmp0 (a->task, "mri") != 0)
    problem = "--contrast is for --task mri";
  else if (a->limit != CLI_UNSET_INT && a->limit < 1)
    problem = "--limit must be at least 1";
  else if (a->evaluations != CLI_UNSET_INT && (a->evaluations < 1 || a->evaluations > 10000))
    problem = "--evaluations must be 1 to 10000";
  else if (a->max_iter != CLI_UNSET_INT && a->max_iter < 1)
    problem = "--max-iter must be at least 1";
  else if (!isnan (a->tol) && !(a->tol >= 0.0 && isfinite (a->tol)))
    problem = "--tol must be a non-negative number";
  else if ((!isnan (a->beta) && !(a->beta > 0.0 && isfinite (a->beta)))
           || (!isnan (a->lambda) && !(a->lambda > 0.0 && isfinite (a->lambda))))
    problem = "--beta and --lambda must be positive numbers";
  else if (!isnan (a->step) && !(a->step > 0.0 && a->step <= 3.0))
    problem = "--step must be in (0, 3] decades";
  else if (!isnan (a->sigma) && !(a->sigma > 0.0 && a->sigma <= 255.0))
    problem = "--sigma must be in (0, 255]";
  else if (a->seed < 0)
    problem = "--seed must be non-negative";
  else if (a->preset != NULL && !ts_preset_name_is_valid (a->preset))
    problem = "--preset: a name is 1 to 64 characters of a-z, 0-9, '-', '_' and '.'";
  if (problem != NULL)
    {
      *code = cli_usage_error ("tune", "%s", problem);
      return FALSE;
    }
  *task = g_strcmp0 (a->task, "sr") == 0 ? TS_TASK_SR : TS_TASK_MRI;
  if (a->model == NULL)
    a->model = g_strdup (ts_restore_default_model (*task));
  if (output_is_input (a->output, a->model))
    {
      *code = cli_usage_error ("tune", "-o %s is the model read: write the tuned model to a new "
                               "file", a->output);
      return FALSE;
    }
  return TRUE;
}

static gboolean
on_progress (const TsTuneProgress *p, gpointer user_data)
{
  (void) user_data;
  if (p->event == TS_TUNE_EVALUATION)
    {
      printf ("%3d/%-3d %-6s beta %-12.6g lambda %-12.6g %9.4f dB   best %9.4f dB\n",
              p->evaluation, p->max_evaluations, p->phase, p->beta, p->lambda, p->psnr,
              p->best_psnr);
      fflush (stdout);
    }
  else
    cli_note ("  [%d/%d] item %d/%d: %.4f dB", p->evaluation, p->max_evaluations, p->item + 1,
              p->n_items, p->item_psnr);
  return !cli_cancelled ();
}

int
cli_cmd_tune (int argc, char **argv)
{
  TuneArgs a = { 0 };
  g_auto (GStrv) positional = NULL;
  g_autoptr (TsTuneSet) set = NULL;
  g_autoptr (TsModel) model = NULL;
  g_autofree char *note = NULL;
  TsTuneOptions options;
  TsTuneResult result;
  TsTask task;
  GError *error = NULL;
  int code = 0;

  a.sigma = a.tol = a.beta = a.lambda = a.step = NAN;
  a.limit = a.evaluations = a.max_iter = CLI_UNSET_INT;
  const GOptionEntry entries[] = {
    { "task", 't', 0, G_OPTION_ARG_STRING, &a.task, "sr or mri", "TASK" },
    { "data", 'd', 0, G_OPTION_ARG_FILENAME, &a.data,
      "Validation folder: sr, clean images (degraded as eval does); mri, slice folders of one "
      "acceleration (never the test set)", "VALFOLDER" },
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &a.model,
      "Model: .tsm file, reference folder, installed name or 'dct' (default: ncpr-sigma25)", "MODEL" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &a.output,
      "The model with the tuned preset (written atomically; never the input)", "OUT.tsm" },
    { "preset", 'p', 0, G_OPTION_ARG_STRING, &a.preset,
      "The preset to tune (default: the task's, sr-x4 or mri-acc<8|16>-<contrast>)", "NAME" },
    { "contrast", 0, 0, G_OPTION_ARG_STRING, &a.contrast,
      "mri: pd or pdfs (default: pdfs when the folder's path has a 'pdfs' part, else pd)",
      "pd|pdfs" },
    { "limit", 'n', 0, G_OPTION_ARG_INT, &a.limit, "Only the first N items (sorted by name)", "N" },
    { "evaluations", 'e', 0, G_OPTION_ARG_INT, &a.evaluations,
      "Budget: restorations of the whole set (default 16)", "N" },
    { "max-iter", 0, 0, G_OPTION_ARG_INT, &a.max_iter,
      "Iterations per restoration (default 150)", "N" },
    { "tol", 0, 0, G_OPTION_ARG_DOUBLE, &a.tol, "Tolerance per restoration (default 1e-5)", "T" },
    { "beta", 'b', 0, G_OPTION_ARG_DOUBLE, &a.beta,
      "Start beta (default: the preset's, else the paper's, else the model's)", "B" },
    { "lambda", 'l', 0, G_OPTION_ARG_DOUBLE, &a.lambda, "Start lambda (default: as --beta)", "L" },
    { "step", 0, 0, G_OPTION_ARG_DOUBLE, &a.step,
      "First search step in decades (default 0.5; halved each round)", "D" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &a.seed, "sr: noise seed; image i uses seed + i (default 0)",
      "SEED" },
    { "sigma", 's', 0, G_OPTION_ARG_DOUBLE, &a.sigma, "Noise level of the 'dct' model (default 25)",
      "S" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &a.threads, "Solver threads (default 2)", "N" },
    G_OPTION_ENTRY_NULL
  };

  if (!cli_parse_options ("tune", "--task sr|mri --data VALFOLDER -o OUT.tsm [--model MODEL]",
                          "Searches beta and lambda for a task on validation data (coordinate\n"
                          "search on log scale with golden-section steps, started from the model's\n"
                          "preset or the paper's values; each point is the mean PSNR of the folder\n"
                          "restored with at most --max-iter iterations) and writes the best into a\n"
                          "copy of the model as the task's preset, which sr and mri then use.",
                          NULL, entries, argc, argv, &positional, &code)
      || !check_args (&a, positional, &task, &code))
    goto out;

  set = ts_tune_set_load (task, a.data, a.limit != CLI_UNSET_INT ? a.limit : 0, (guint64) a.seed,
                          &error);
  if (set == NULL)
    goto fail;
  if (a.contrast != NULL)
    set->fat_suppressed = g_strcmp0 (a.contrast, "pdfs") == 0;
  model = cli_load_model (a.model, isnan (a.sigma) ? 25.0 : a.sigma, &error);
  if (model == NULL)
    goto fail;

  ts_tune_options_init (&options);
  if (a.evaluations != CLI_UNSET_INT)
    options.max_evaluations = a.evaluations;
  if (a.max_iter != CLI_UNSET_INT)
    options.max_iter = a.max_iter;
  if (!isnan (a.tol))
    options.tol = a.tol;
  if (!isnan (a.step))
    options.step = a.step;
  options.beta = a.beta;
  options.lambda = a.lambda;
  options.threads = MAX (0, a.threads);
  if (set->task == TS_TASK_MRI)
    cli_note ("tune: %u slices at acceleration %d, %s", set->items->len, set->acceleration,
              set->fat_suppressed ? "fat-suppressed (pdfs)" : "proton density (pd)");
  else
    cli_note ("tune: %u images", set->items->len);
  if (!ts_tune (model, set, a.preset, &options, on_progress, NULL, cli_cancel_flag (), &result,
                &error))
    goto fail;

  note = ts_tune_describe (&result, set, a.data, &options);
  if (!ts_model_set_preset (model, result.preset, result.beta, result.lambda, NAN, 0, note, &error)
      || !ts_model_save (model, a.output, &error))
    goto fail;
  printf ("best: preset %s beta %.9g lambda %.9g mean PSNR %.4f dB (start %.4f dB, %s; %d "
          "evaluations) -> %s\n",
          result.preset, result.beta, result.lambda, result.psnr, result.start_psnr,
          result.start_from == TS_PARAM_FROM_PRESET ? "the model's preset"
          : result.start_from == TS_PARAM_FROM_PAPER ? "the paper's values"
          : result.start_from == TS_PARAM_FROM_REQUEST ? "given" : "the model's values",
          result.evaluations, a.output);
  goto out;

fail:
  code = cli_report_error (error);
out:
  tune_args_clear (&a);
  return code;
}
