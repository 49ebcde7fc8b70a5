/* tessera-cli eval: the paper's protocols over a folder of test data, with per-image and
 * mean PSNR / SSIM (data/README.md "Protocols"). This file: the command, its options, the
 * data set's items and the report; cli-eval-tasks.c evaluates one item. */
#include "cli-eval.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const image_suffixes[] = { ".png", ".tif", ".tiff", ".jpg", ".jpeg", NULL };
const char *const cli_eval_input_suffixes[] = { ".png", ".tif", ".tiff", ".npy", ".jpg", ".jpeg", NULL };

static void
eval_result_clear (gpointer data)
{
  CliEvalResult *r = data;
  g_free (r->name);
}

/* --- output --------------------------------------------------------------------------- */

static void
print_header (const CliEval *eval)
{
  if (eval->as_json)
    return;
  printf ("%-24s %9s %8s %9s %8s %9s\n", "image", "PSNR", "SSIM",
          eval->task == CLI_TASK_MRI ? "zf PSNR" : eval->task == CLI_TASK_DENOISE ? "in PSNR" : "",
          "iters", "seconds");
  fflush (stdout);
}

static void
print_row (const CliEval *eval, const CliEvalResult *r)
{
  if (eval->as_json)
    return;
  if (eval->task == CLI_TASK_SR)
    printf ("%-24s %9.4f %8.4f %9s %8d %9.2f\n", r->name, r->psnr, r->ssim, "",
            r->iterations, r->seconds);
  else
    printf ("%-24s %9.4f %8.4f %9.4f %8d %9.2f\n", r->name, r->psnr, r->ssim, r->input_psnr,
            r->iterations, r->seconds);
  fflush (stdout);
}

static void
compute_mean (const CliEval *eval, CliEvalResult *mean)
{
  guint n = eval->results->len;

  memset (mean, 0, sizeof *mean);
  for (guint i = 0; i < n; i++)
    {
      const CliEvalResult *r = &g_array_index (eval->results, CliEvalResult, i);
      mean->psnr += r->psnr / n;
      mean->ssim += r->ssim / n;
      mean->input_psnr += r->input_psnr / n;
      mean->seconds += r->seconds / n;
      mean->iterations += r->iterations;
    }
}

static void
add_result_members (JsonBuilder *builder, const CliEval *eval, const CliEvalResult *r,
                    double mean_iterations)
{
  cli_json_add_double (builder, "psnr", r->psnr);
  cli_json_add_double (builder, "ssim", r->ssim);
  if (eval->task == CLI_TASK_DENOISE)
    cli_json_add_double (builder, "input_psnr", r->input_psnr);
  else if (eval->task == CLI_TASK_MRI)
    cli_json_add_double (builder, "zero_filled_psnr", r->input_psnr);
  if (isnan (mean_iterations))
    {
      json_builder_set_member_name (builder, "iterations");
      json_builder_add_int_value (builder, r->iterations);
    }
  else
    cli_json_add_double (builder, "iterations", mean_iterations);
  cli_json_add_double (builder, "seconds", r->seconds);
}

static void
print_json (const CliEval *eval, const CliEvalResult *mean)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;
  const char *task_name = eval->task == CLI_TASK_DENOISE ? "denoise"
                          : eval->task == CLI_TASK_SR ? "sr" : "mri";

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "task");
  json_builder_add_string_value (builder, task_name);
  json_builder_set_member_name (builder, "dataset");
  json_builder_add_string_value (builder, eval->dataset);
  cli_json_add_options (builder, eval->model, &eval->options, eval->task);
  if (eval->chroma_model_name != NULL)
    {
      json_builder_set_member_name (builder, "chroma_model");
      json_builder_add_string_value (builder, eval->chroma_model_name);
    }
  if (eval->task != CLI_TASK_DENOISE)
    cli_json_add_params (builder, &eval->params);
  if (eval->task == CLI_TASK_DENOISE)
    cli_json_add_double (builder, "sigma", eval->sigma);
  if (eval->task == CLI_TASK_SR)
    cli_json_add_double (builder, "noise", CLI_EVAL_SR_NOISE);
  if (eval->clean_dir == NULL && eval->task != CLI_TASK_MRI)
    {
      json_builder_set_member_name (builder, "seed");
      json_builder_add_int_value (builder, eval->seed);
    }
  json_builder_set_member_name (builder, "count");
  json_builder_add_int_value (builder, eval->results->len);
  json_builder_set_member_name (builder, "images");
  json_builder_begin_array (builder);
  for (guint i = 0; i < eval->results->len; i++)
    {
      const CliEvalResult *r = &g_array_index (eval->results, CliEvalResult, i);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, r->name);
      json_builder_set_member_name (builder, "width");
      json_builder_add_int_value (builder, r->width);
      json_builder_set_member_name (builder, "height");
      json_builder_add_int_value (builder, r->height);
      add_result_members (builder, eval, r, NAN);
      json_builder_set_member_name (builder, "converged");
      json_builder_add_boolean_value (builder, r->converged);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "mean");
  json_builder_begin_object (builder);
  add_result_members (builder, eval, mean, (double) mean->iterations / MAX (eval->results->len, 1));
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = cli_json_to_string (root, TRUE);
  printf ("%s\n", text);
}

/* --- the command ---------------------------------------------------------------------- */

/* The items to evaluate: image files, or MRI slice folders and fastMRI .h5 files. */
static GPtrArray *
list_items (CliEval *eval, GError **error)
{
  g_autoptr (GPtrArray) items = NULL;

  if (eval->task == CLI_TASK_MRI)
    {
      g_autofree char *meta = g_build_filename (eval->dataset, "meta.json", NULL);
      if (g_file_test (meta, G_FILE_TEST_IS_REGULAR))
        {
          items = g_ptr_array_new_with_free_func (g_free);
          g_ptr_array_add (items, g_strdup (eval->dataset));
        }
      else
        {
          g_autoptr (GPtrArray) dirs = cli_list_dir (eval->dataset, NULL, TRUE, error);
          if (dirs == NULL)
            return NULL;
          items = g_ptr_array_new_with_free_func (g_free);
          for (guint i = 0; i < dirs->len; i++)
            {
              g_autofree char *m = g_build_filename (g_ptr_array_index (dirs, i), "meta.json", NULL);
              if (g_file_test (m, G_FILE_TEST_IS_REGULAR))
                g_ptr_array_add (items, g_strdup (g_ptr_array_index (dirs, i)));
            }
          /* fastMRI files: the middle slice of each, against its ground truth. */
          static const char *const h5_suffixes[] = { ".h5", ".hdf5", NULL };
          g_autoptr (GPtrArray) files = cli_list_dir (eval->dataset, h5_suffixes, FALSE, error);
          if (files == NULL)
            return NULL;
          for (guint i = 0; i < files->len; i++)
            g_ptr_array_add (items, g_strdup (g_ptr_array_index (files, i)));
        }
    }
  else
    {
      items = cli_list_dir (eval->dataset, eval->clean_dir != NULL ? cli_eval_input_suffixes : image_suffixes,
                            FALSE, error);
      if (items == NULL)
        return NULL;
    }
  if (items->len == 0)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: nothing to evaluate (%s)", eval->dataset,
                   eval->task == CLI_TASK_MRI ? "no slice folders with meta.json, nor fastMRI .h5 files"
                   : eval->clean_dir != NULL ? "no .png, .tif or .npy inputs"
                   : "no .png or .tif images; for noisy .npy inputs give --clean DIR");
      return NULL;
    }
  if (eval->limit > 0 && (guint) eval->limit < items->len)
    g_ptr_array_set_size (items, eval->limit);
  return g_steal_pointer (&items);
}

static void
eval_clear (CliEval *eval)
{
  cli_solve_args_clear (&eval->args);
  g_free (eval->colour_name);
  g_clear_pointer (&eval->dataset, g_free);
  g_clear_pointer (&eval->clean_dir, g_free);
  g_clear_pointer (&eval->save_dir, g_free);
  g_clear_pointer (&eval->model, ts_model_free);
  g_clear_pointer (&eval->chroma_model_name, g_free);
  g_clear_pointer (&eval->results, g_array_unref);
  cli_progress_finish (&eval->progress);
}

static gboolean
task_from_name (const char *name, CliTask *task)
{
  for (CliTask t = CLI_TASK_DENOISE; t <= CLI_TASK_MRI; t++)
    if (g_strcmp0 (name, cli_task_name (t)) == 0)
      {
        *task = t;
        return TRUE;
      }
  return FALSE;
}

/* The checks of the options that need no file. */
static gboolean
check_options (CliEval *eval, const char *task, char **positional, int *code)
{
  const char *problem = NULL;

  if (g_strv_length (positional) > 0)
    {
      *code = cli_usage_error ("eval", "unexpected argument '%s'", positional[0]);
      return FALSE;
    }
  if (task == NULL)
    problem = "missing --task denoise|sr|mri";
  else if (!task_from_name (task, &eval->task))
    {
      *code = cli_usage_error ("eval", "unknown task '%s' (denoise, sr or mri)", task);
      return FALSE;
    }
  else if (eval->dataset == NULL)
    problem = "missing --dataset DIR";
  else if (eval->limit != CLI_UNSET_INT && eval->limit < 1)
    problem = "--limit must be at least 1";
  else if (eval->colour_name != NULL && !ts_colour_mode_from_name (eval->colour_name, &eval->colour))
    {
      *code = cli_usage_error ("eval", "--colour must be opponent or rgb, not '%s'", eval->colour_name);
      return FALSE;
    }
  else if (eval->seed < 0)
    problem = "--seed must be non-negative";
  else if (eval->clean_dir != NULL && eval->task == CLI_TASK_MRI)
    problem = "--clean is for denoise and sr; MRI slices hold target.npy";
  if (problem != NULL)
    {
      *code = cli_usage_error ("eval", "%s", problem);
      return FALSE;
    }
  return cli_solve_args_check (&eval->args, "eval", code);
}

/* The checks of the folders and the model's noise level. */
static gboolean
check_folders (CliEval *eval, int *code)
{
  if (!g_file_test (eval->dataset, G_FILE_TEST_IS_DIR))
    {
      *code = cli_error ("%s: not a folder", eval->dataset);
      return FALSE;
    }
  if (eval->save_dir != NULL && !g_file_test (eval->save_dir, G_FILE_TEST_IS_DIR))
    {
      *code = cli_error ("%s: output folder does not exist", eval->save_dir);
      return FALSE;
    }
  if (g_strcmp0 (eval->args.model, "dct") == 0 && isnan (eval->args.sigma))
    {
      *code = cli_usage_error ("eval", "the 'dct' model needs --sigma S");
      return FALSE;
    }
  return TRUE;
}

/* --model, else the task's default; denoising without --sigma takes the paper's model and
 * its noise level. */
static gboolean
load_model (CliEval *eval, int *code, GError **error)
{
  const char *name = eval->args.model;

  if (name == NULL)
    name = eval->task == CLI_TASK_DENOISE && isnan (eval->args.sigma)
           ? TS_RESTORE_PAPER_MODEL : ts_restore_default_model ((TsTask) eval->task);
  eval->model = cli_load_model (name, isnan (eval->args.sigma) ? 25.0 : eval->args.sigma, error);
  if (eval->model == NULL)
    return FALSE;
  if (eval->task == CLI_TASK_DENOISE)
    {
      eval->sigma = !isnan (eval->args.sigma) ? eval->args.sigma : eval->model->sigma;
      if (!(eval->sigma > 0.0))
        {
          *code = cli_usage_error ("eval", "model %s has no trained noise level: give --sigma S",
                                   eval->model->name);
          return FALSE;
        }
    }
  return TRUE;
}

/* Every item in turn, a row each; FALSE at the first failure. */
static gboolean
run_items (CliEval *eval, GPtrArray *items, GError **error)
{
  print_header (eval);
  for (guint i = 0; i < items->len; i++)
    {
      const char *item = g_ptr_array_index (items, i);
      CliEvalResult r = { 0 };
      gboolean ok;

      r.name = g_path_get_basename (item);
      {
        g_autofree char *label = g_strdup_printf ("[%u/%u] %s", i + 1, items->len, r.name);
        cli_progress_set_label (&eval->progress, label);
      }
      if (eval->task == CLI_TASK_DENOISE)
        ok = cli_eval_denoise_one (eval, item, i, &r, error);
      else if (eval->task == CLI_TASK_SR)
        ok = cli_eval_sr_one (eval, item, i, &r, error);
      else
        ok = cli_eval_mri_one (eval, item, &r, error);
      cli_progress_clear (&eval->progress);
      if (!ok)
        {
          g_free (r.name);
          return FALSE;
        }
      /* Which preset gave beta and lambda (MRI: the first slice's; the rest of a folder have
       * the same acceleration and contrast). */
      if (i == 0 && eval->task != CLI_TASK_DENOISE)
        {
          g_autofree char *said = cli_describe_params (eval->model, &eval->params);
          cli_note ("eval: %s", said);
        }
      if (i == 0 && eval->chroma_model_name != NULL)
        cli_note ("eval: chroma planes solved with model %s", eval->chroma_model_name);
      g_array_append_val (eval->results, r);
      print_row (eval, &r);
    }
  return TRUE;
}

static void
print_mean (const CliEval *eval)
{
  CliEvalResult mean;

  compute_mean (eval, &mean);
  if (eval->as_json)
    {
      print_json (eval, &mean);
      return;
    }
  if (eval->task == CLI_TASK_SR)
    printf ("%-24s %9.4f %8.4f %9s %8.1f %9.2f\n", "mean", mean.psnr, mean.ssim, "",
            (double) mean.iterations / eval->results->len, mean.seconds);
  else
    printf ("%-24s %9.4f %8.4f %9.4f %8.1f %9.2f\n", "mean", mean.psnr, mean.ssim,
            mean.input_psnr, (double) mean.iterations / eval->results->len, mean.seconds);
}

int
cli_cmd_eval (int argc, char **argv)
{
  CliEval eval = { 0 };
  g_autofree char *task = NULL;
  g_auto (GStrv) positional = NULL;
  g_autoptr (GPtrArray) items = NULL;
  GError *error = NULL;
  int code = 0;

  cli_solve_args_init (&eval.args);
  eval.limit = CLI_UNSET_INT;
  eval.colour = TS_COLOUR_OPPONENT;
  eval.results = g_array_new (FALSE, TRUE, sizeof (CliEvalResult));
  g_array_set_clear_func (eval.results, eval_result_clear);
  cli_progress_init (&eval.progress, "eval");
  const GOptionEntry entries[] = {
    { "task", 't', 0, G_OPTION_ARG_STRING, &task, "denoise, sr or mri", "TASK" },
    { "dataset", 'd', 0, G_OPTION_ARG_FILENAME, &eval.dataset,
      "denoise/sr: folder of clean images; mri: folder of slice folders", "DIR" },
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &eval.args.model,
      "Model (default: auto for --sigma S, else ncpr-sigma25)", "MODEL" },
    { "sigma", 's', 0, G_OPTION_ARG_DOUBLE, &eval.args.sigma,
      "Denoising noise level, 0-255 (default: the model's)", "S" },
    { "limit", 'n', 0, G_OPTION_ARG_INT, &eval.limit, "Only the first N items (sorted by name)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &eval.seed, "Noise seed; image i uses seed + i (default 0)", "SEED" },
    { "clean", 0, 0, G_OPTION_ARG_FILENAME, &eval.clean_dir,
      "denoise/sr: DIR holds fixed noisy / low-resolution inputs (.npy, .png); their clean "
      "images (same name) are in this folder", "CLEAN_DIR" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &eval.as_json, "Print one JSON object", NULL },
    { "save-dir", 0, 0, G_OPTION_ARG_FILENAME, &eval.save_dir,
      "Save every estimate as <name>.npy in this folder", "DIR" },
    { "tol", 0, 0, G_OPTION_ARG_DOUBLE, &eval.args.tol,
      "Stopping tolerance (default: model's for denoise, 1e-5 for sr/mri)", "T" },
    { "max-iter", 0, 0, G_OPTION_ARG_INT, &eval.args.max_iter, "Iteration cap (default 10000)", "N" },
    { "beta", 'b', 0, G_OPTION_ARG_DOUBLE, &eval.args.beta,
      "Coupling weight (sr, mri; default: the model's preset for the task, else the paper's)", "B" },
    { "preset", 'p', 0, G_OPTION_ARG_STRING, &eval.args.preset,
      "sr, mri: the model's preset for beta and lambda (default: the task's, per slice for MRI; 'none': no preset)", "NAME" },
    { "lambda", 'l', 0, G_OPTION_ARG_DOUBLE, &eval.args.lambda,
      "Base threshold (default: the model's; the paper's for sr, mri)", "L" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &eval.args.threads, "Solver threads (default 2)", "N" },
    { "image-step", 0, 0, G_OPTION_ARG_STRING, &eval.args.image_step,
      "Image step: gradient (the reference iteration) or exact (solved per frequency; denoising)", "NAME" },
    { "formulation", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &eval.args.formulation,
      "Solver formulation: subspace (default) or plain", "NAME" },
    { "colour", 0, 0, G_OPTION_ARG_STRING, &eval.colour_name,
      "denoise, RGB images: opponent basis (default) or rgb (each channel)", "opponent|rgb" },
    { "plane-stop", 0, 0, G_OPTION_ARG_STRING, &eval.args.plane_stop,
      "RGB images in the opponent basis: the chroma planes stop when their change is small against the luminance (picture, default) or against themselves (own: more iterations)",
      "picture|own" },
    { "chroma-model", 0, 0, G_OPTION_ARG_FILENAME, &eval.args.chroma_model,
      "denoise, RGB images in the opponent basis: the chroma planes' model (default: auto beside an automatic --model, else luminance: the luminance's; or a model name or file)",
      "MODEL" },
    G_OPTION_ENTRY_NULL
  };

  if (!cli_parse_options ("eval", "--task denoise|sr|mri --dataset DIR",
                          "Runs a task over a data set and prints per-image and mean PSNR / SSIM.\n"
                          "  denoise: adds Gaussian noise sigma/255 (seed + image index) to clean\n"
                          "           images, denoises, PSNR on the whole image.\n"
                          "  sr:      simulates 4x low-resolution inputs (16x16 Gaussian, std 2,\n"
                          "           stride 4, noise 0.01), PSNR without a 40-pixel border.\n"
                          "  mri:     expands compact slice folders (meta.json, columns.npy,\n"
                          "           kspace_cols.npy), PSNR on the central crop vs target.npy.",
                          NULL, entries, argc, argv, &positional, &code)
      || !check_options (&eval, task, positional, &code) || !check_folders (&eval, &code))
    goto out;
  items = list_items (&eval, &error);
  if (items == NULL)
    goto fail;
  if (!load_model (&eval, &code, &error))
    goto out_or_fail;
  if (!run_items (&eval, items, &error))
    goto fail;
  print_mean (&eval);
  goto out;

out_or_fail:
  /* A usage error has set the exit code, other failures the error. */
  if (error == NULL)
    goto out;
fail:
  code = cli_report_error (error);
out:
  eval_clear (&eval);
  return code;
}
