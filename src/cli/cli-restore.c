/* tessera-cli sr | mri, and what they share with denoise (cli-denoise.c): one image in,
 * one image out. The restoration is the core's (ts-restore.h); here: options, output,
 * scores and statistics. */
#include "cli-restore.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

GOptionEntry *
cli_restore_entries (CliSolveArgs *args, CliTask task, const GOptionEntry *extra)
{
  GArray *entries = g_array_new (TRUE, TRUE, sizeof (GOptionEntry));
  const GOptionEntry common[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &args->output,
      task == CLI_TASK_DENOISE
        ? "Output image (.png, .tif, .tiff, .jpg, .jpeg or .npy; .npy is float32, not clipped; default: IN-denoised.png beside IN, never over an existing file)"
        : task == CLI_TASK_SR
        ? "Output image (.png, .tif, .tiff, .jpg, .jpeg or .npy; .npy is float32, not clipped; default: IN-sr.png beside IN, never over an existing file)"
        : "Output image (.png, .tif, .tiff, .jpg, .jpeg or .npy; .npy is float32, not clipped; default: KSPACE-mri.png beside KSPACE, never over an existing file)",
      "OUT" },
    { "quality", 0, 0, G_OPTION_ARG_INT, &args->quality,
      "JPEG output quality, 1 to 100 (default 95); baseline 8-bit, the input's ICC profile kept", "Q" },
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &args->model,
      task == CLI_TASK_DENOISE
        ? "Model: .tsm file, reference folder, installed name, 'dct', or 'auto' (default: the installed model for the noise level)"
        : "Model: .tsm file, reference folder, installed name or 'dct' (default: ncpr-sigma25)", "MODEL" },
    { "tol", 0, 0, G_OPTION_ARG_DOUBLE, &args->tol,
      task == CLI_TASK_DENOISE ? "Stopping tolerance (default: the model's, 1e-4); 0 runs --max-iter iterations"
                               : "Stopping tolerance (default 1e-5); 0 runs --max-iter iterations", "T" },
    { "max-iter", 0, 0, G_OPTION_ARG_INT, &args->max_iter, "Iteration cap (default 10000)", "N" },
    { "stats", 0, 0, G_OPTION_ARG_FILENAME, &args->stats,
      "Write iterations, timing and parameters as JSON", "STATS.json" },
    { "clean", 0, 0, G_OPTION_ARG_FILENAME, &args->clean,
      "Clean reference image: adds PSNR and SSIM to the statistics", "REF" },
    { "bit-depth", 0, 0, G_OPTION_ARG_INT, &args->bit_depth,
      "Output bit depth (PNG 8/16, TIFF 8/16/32, JPEG 8, NPY 32; default: the input's where the format has it)",
      "BITS" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &args->threads, "Solver threads (default 2)", "N" },
    { "formulation", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &args->formulation,
      "Solver formulation: subspace (default) or plain", "NAME" },
    { "acceleration", 0, 0, G_OPTION_ARG_STRING, &args->acceleration,
      "Momentum: none (the reference iteration, default) or restart (adaptive restart)", "NAME" },
    { "image-step", 0, 0, G_OPTION_ARG_STRING, &args->image_step,
      "Image step: gradient (the reference iteration) or exact (solved per frequency; denoising)", "NAME" },
    { "restart-every", 0, 0, G_OPTION_ARG_INT, &args->restart_every,
      "Also restart the momentum every N iterations (default 0: never; docs/benchmarks.md)", "N" },
  };

  g_array_append_vals (entries, common, G_N_ELEMENTS (common));
  for (int i = 0; extra != NULL && extra[i].long_name != NULL; i++)
    g_array_append_val (entries, extra[i]);
  return (GOptionEntry *) g_array_free (entries, FALSE);
}

/* Scores against the clean image `clean` (named `clean_path` in messages), cropped like the
 * reference: top-left to the estimate's size (SR, denoising) or the estimate's centre to the
 * reference's size (MRI). */
static gboolean
score_against_image (const TsImage *clean, const char *clean_path, const TsImage *estimate,
                     CliTask task, double *psnr, double *ssim, GError **error)
{
  g_autoptr (TsImage) clean_crop = NULL;
  g_autoptr (TsImage) est_crop = NULL;
  int border = task == CLI_TASK_SR ? 40 : 0;

  if (clean->channels != estimate->channels)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "%s: %d channels, the estimate has %d", clean_path, clean->channels,
                   estimate->channels);
      return FALSE;
    }
  /* MRI: the estimate's centre (a fastMRI file's ground truth is its central 320 x 320),
   * scored as the GUI scores it. */
  if (task == CLI_TASK_MRI)
    return ts_score_centred (estimate, clean, clean_path, border, psnr, ssim, error);
  if (clean->width < estimate->width || clean->height < estimate->height)
    goto size_mismatch;
  clean_crop = ts_image_crop (clean, 0, 0, estimate->width, estimate->height);
  est_crop = ts_image_copy (estimate);
  if (2 * border >= est_crop->width || 2 * border >= est_crop->height)
    border = 0;
  *psnr = ts_psnr (est_crop, clean_crop, border);
  *ssim = ts_ssim (est_crop, clean_crop, border);
  return TRUE;

size_mismatch:
  g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "%s: %d x %d does not match the %d x %d estimate",
               clean_path, clean->width, clean->height, estimate->width, estimate->height);
  return FALSE;
}

/* Loads the --clean image and scores against it (score_against_image). */
static gboolean
score_against_clean (const char *clean_path, const TsImage *estimate, CliTask task,
                     double *psnr, double *ssim, GError **error)
{
  g_autoptr (TsImage) clean = ts_image_load (clean_path, error);

  return clean != NULL
         && score_against_image (clean, clean_path, estimate, task, psnr, ssim, error);
}

/* What the statistics say about a fastMRI slice: which one, its mask, scale and truth. */
static void
add_fastmri_stats (JsonBuilder *builder, const TsFastmriSlice *fs)
{
  json_builder_set_member_name (builder, "slice");
  json_builder_add_int_value (builder, fs->slice);
  json_builder_set_member_name (builder, "n_slices");
  json_builder_add_int_value (builder, fs->n_slices);
  json_builder_set_member_name (builder, "mask_source");
  json_builder_add_string_value (builder, ts_fastmri_mask_source_name (fs->mask_source));
  json_builder_set_member_name (builder, "acceleration");
  json_builder_add_int_value (builder, fs->acceleration);
  cli_json_add_double (builder, "scale", fs->scale);
  json_builder_set_member_name (builder, "scale_source");
  json_builder_add_string_value (builder, ts_fastmri_scale_name (fs->scale_source));
  if (fs->target_name != NULL)
    {
      json_builder_set_member_name (builder, "ground_truth");
      json_builder_add_string_value (builder, fs->target_name);
    }
}

static gboolean
write_stats (const CliStatsInfo *info, GError **error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  const TsRestoreResult *result = info->result;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "command");
  json_builder_add_string_value (builder, cli_task_name (info->task));
  json_builder_set_member_name (builder, "input");
  json_builder_add_string_value (builder, info->input);
  json_builder_set_member_name (builder, "output");
  json_builder_add_string_value (builder, info->args->output);
  cli_json_add_summary (builder, &result->stats);
  cli_json_add_options (builder, result->model, &result->options, info->task);
  if (result->chroma_own_model)
    {
      json_builder_set_member_name (builder, "chroma_model");
      json_builder_add_string_value (builder, result->chroma_model->name);
    }
  if (info->task != CLI_TASK_DENOISE)
    cli_json_add_params (builder, &result->params);
  if (info->task == CLI_TASK_MRI)
    {
      json_builder_set_member_name (builder, "acceleration");
      json_builder_add_int_value (builder, info->acceleration > 0 ? info->acceleration : 8);
      json_builder_set_member_name (builder, "contrast");
      json_builder_add_string_value (builder, info->contrast);
      json_builder_set_member_name (builder, "contrast_from");
      json_builder_add_string_value (builder, info->contrast_from);
    }
  if (!isnan (info->args->sigma) || info->task == CLI_TASK_DENOISE)
    cli_json_add_double (builder, "sigma",
                         !isnan (info->args->sigma) ? info->args->sigma : result->model->sigma);
  if (info->sigma_estimated)
    {
      json_builder_set_member_name (builder, "sigma_estimated");
      json_builder_add_boolean_value (builder, TRUE);
    }
  if (info->task == CLI_TASK_DENOISE)
    cli_json_add_noise (builder, &result->noise);
  if (info->colour != NULL)
    {
      json_builder_set_member_name (builder, "colour");
      json_builder_add_string_value (builder, info->colour);
      if (g_strcmp0 (info->colour, "opponent") == 0)
        {
          json_builder_set_member_name (builder, "plane_stop");
          json_builder_add_string_value (builder, info->args->plane_stop != NULL
                                                  ? info->args->plane_stop : "picture");
        }
    }
  json_builder_set_member_name (builder, "width");
  json_builder_add_int_value (builder, result->image->width);
  json_builder_set_member_name (builder, "height");
  json_builder_add_int_value (builder, result->image->height);
  json_builder_set_member_name (builder, "channels");
  json_builder_add_int_value (builder, result->image->channels);
  json_builder_set_member_name (builder, "input_width");
  json_builder_add_int_value (builder, info->input_width);
  json_builder_set_member_name (builder, "input_height");
  json_builder_add_int_value (builder, info->input_height);
  if (result->extended)
    {
      json_builder_set_member_name (builder, "extended_to_even");
      json_builder_add_boolean_value (builder, TRUE);
    }
  cli_json_add_double (builder, "wall_seconds", info->wall_seconds);
  if (info->fastmri != NULL)
    add_fastmri_stats (builder, info->fastmri);
  if (info->args->clean != NULL || info->clean_image != NULL)
    {
      json_builder_set_member_name (builder, "clean");
      json_builder_add_string_value (builder, info->args->clean != NULL ? info->args->clean
                                              : info->fastmri->target_name);
      cli_json_add_double (builder, "psnr", info->psnr);
      cli_json_add_double (builder, "ssim", info->ssim);
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return cli_json_write_file (info->args->stats, root, error);
}

/* The name a restoration without -o is saved under: the input's, less its extension, with
 * "-denoised" ("-sr", "-mri") and ".png", in the input's folder; the first of
 * "-denoised-2", "-3", ... that names no file when that one exists, so an earlier result
 * (or anything else) is never replaced. NULL if 999 are taken. */
static char *
default_output_path (const char *input, CliTask task)
{
  g_autofree char *trimmed = g_strdup (input);
  gsize len = strlen (trimmed);

  /* A slice folder given as "slice/" names its output after "slice". */
  while (len > 1 && G_IS_DIR_SEPARATOR (trimmed[len - 1]))
    trimmed[--len] = '\0';
  g_autofree char *dir = g_path_get_dirname (trimmed);
  g_autofree char *base = g_path_get_basename (trimmed);
  char *dot = strrchr (base, '.');
  if (dot != NULL && dot != base && !g_file_test (trimmed, G_FILE_TEST_IS_DIR))
    *dot = '\0';
  const char *suffix = task == CLI_TASK_DENOISE ? "denoised" : task == CLI_TASK_SR ? "sr" : "mri";
  for (int n = 1; n < 1000; n++)
    {
      g_autofree char *name = n == 1 ? g_strdup_printf ("%s-%s.png", base, suffix)
                                     : g_strdup_printf ("%s-%s-%d.png", base, suffix, n);
      char *path = g_strcmp0 (dir, ".") == 0 ? g_strdup (name)
                                             : g_build_filename (dir, name, NULL);
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        return path;
      g_free (path);
    }
  return NULL;
}

/* Saves the estimate to -o (JPEG at --quality). A default name that a file has taken since
 * the command started moves on to the next free one. */
static gboolean
save_output (const TsImage *estimate, const CliStatsInfo *info, GError **error)
{
  CliSolveArgs *args = info->args;

  if (args->output_defaulted && g_file_test (args->output, G_FILE_TEST_EXISTS))
    {
      g_free (args->output);
      args->output = default_output_path (info->input, info->task);
      if (args->output == NULL)
        {
          g_set_error (error, TS_ERROR, TS_ERROR_IO,
                       "%s: no free output name beside it; give -o OUT", info->input);
          return FALSE;
        }
    }
  if (ts_file_format_from_name (args->output) == TS_FILE_FORMAT_JPEG)
    return ts_image_save_jpeg (estimate, args->output,
                               args->quality != CLI_UNSET_INT ? args->quality
                                                              : TS_JPEG_DEFAULT_QUALITY,
                               error);
  return ts_image_save (estimate, args->output, args->bit_depth, error);
}

/* The end of every command: save, score, write the statistics, say what happened. */
static int
finish (CliStatsInfo *info, gint64 start_us)
{
  GError *error = NULL;
  const CliSolveArgs *args = info->args;
  const TsRestoreStats *stats = &info->result->stats;
  const TsImage *estimate = info->result->image;
  const char *not_converged;

  info->psnr = NAN;
  info->ssim = NAN;
  if (cli_cancelled ())
    return cli_report_error (g_error_new_literal (TS_ERROR, TS_ERROR_CANCELLED, "cancelled"));
  if (!save_output (estimate, info, &error))
    return cli_report_error (error);
  if (args->clean != NULL
      && !score_against_clean (args->clean, estimate, info->task, &info->psnr, &info->ssim, &error))
    return cli_report_error (error);
  if (args->clean == NULL && info->clean_image != NULL
      && !score_against_image (info->clean_image, info->input, estimate, info->task, &info->psnr,
                               &info->ssim, &error))
    return cli_report_error (error);
  info->wall_seconds = (g_get_monotonic_time () - start_us) / 1e6;
  if (args->stats != NULL && !write_stats (info, &error))
    return cli_report_error (error);

  /* With --tol 0 the iteration count is what was asked for, not a failure to converge. */
  not_converged = stats->converged || info->result->options.tol <= 0.0 ? "" : " (not converged)";
  if (args->clean != NULL || info->clean_image != NULL)
    cli_note ("%s: %d iterations%s, %.2f s, final change %.3g, PSNR %.4f dB, SSIM %.4f -> %s",
              cli_task_name (info->task), stats->iterations, not_converged, stats->seconds,
              stats->final_change, info->psnr, info->ssim, args->output);
  else
    cli_note ("%s: %d iterations%s, %.2f s, final change %.3g -> %s", cli_task_name (info->task),
              stats->iterations, not_converged, stats->seconds, stats->final_change, args->output);
  return CLI_EXIT_OK;
}

gboolean
cli_restore_check_args (CliTask task, CliSolveArgs *args, char **positional, const char *what,
                        int *exit_code)
{
  const char *command = cli_task_name (task);

  if (g_strv_length (positional) != 1)
    {
      *exit_code = cli_usage_error (command, "expected one %s, got %u arguments", what,
                                    g_strv_length (positional));
      return FALSE;
    }
  if (args->output == NULL)
    {
      args->output = default_output_path (positional[0], task);
      args->output_defaulted = TRUE;
      if (args->output == NULL)
        {
          *exit_code = cli_usage_error (command, "%s: no free output name beside it; give -o OUT",
                                        positional[0]);
          return FALSE;
        }
    }
  if (args->quality != CLI_UNSET_INT && (args->quality < 1 || args->quality > 100))
    {
      *exit_code = cli_usage_error (command, "--quality must be 1 to 100");
      return FALSE;
    }
  if (args->quality != CLI_UNSET_INT
      && ts_file_format_from_name (args->output) != TS_FILE_FORMAT_JPEG)
    {
      *exit_code = cli_usage_error (command, "--quality applies to JPEG output only (-o OUT.jpg)");
      return FALSE;
    }
  if (args->model == NULL)
    args->model = g_strdup (ts_restore_default_model ((TsTask) task));
  if (!cli_solve_args_check (args, command, exit_code))
    return FALSE;
  if (args->stats != NULL && g_strcmp0 (args->stats, args->output) == 0)
    {
      *exit_code = cli_usage_error (command, "--stats and -o name the same file");
      return FALSE;
    }
  return cli_check_output_path (args->output, args->bit_depth, command, exit_code);
}

gboolean
cli_restore_check_output_channels (CliTask task, const CliSolveArgs *args, const TsImage *input,
                                   int *exit_code)
{
  if (ts_file_format_from_name (args->output) != TS_FILE_FORMAT_JPEG
      || (input->channels != 2 && input->channels != 4))
    return TRUE;
  *exit_code = cli_usage_error (cli_task_name (task),
                                "%s: JPEG has no alpha channel: write the %d-channel result as "
                                ".png or .tif", args->output, input->channels);
  return FALSE;
}

int
cli_restore_and_finish (CliStatsInfo *info, TsRestoreRequest *request, const TsImage *input,
                        gint64 start_us)
{
  g_autoptr (TsRestoreResult) result = NULL;
  CliProgress progress;
  GError *error = NULL;

  /* Which preset (or none) gives beta and lambda, said before a long solve; a preset the
   * model lacks fails here, before any work. */
  if (info->task != CLI_TASK_DENOISE && request->model != NULL)
    {
      TsTaskParams params;
      if (!ts_restore_task_params (request, request->model, &params, &error))
        return cli_report_error (error);
      g_autofree char *said = cli_describe_params (request->model, &params);
      cli_note ("%s: %s", cli_task_name (info->task), said);
    }
  cli_progress_init (&progress, cli_task_name (info->task));
  result = cli_restore (request, cli_task_name (info->task), &progress, &error);
  cli_progress_finish (&progress);
  if (result == NULL)
    return cli_report_error (error);
  /* The output keeps the input's bit depth (unless --bit-depth says otherwise) and ICC
   * profile, whichever path (gray, colour, alpha) made it. */
  if (input != NULL)
    ts_image_copy_metadata (result->image, input);
  info->result = result;
  return finish (info, start_us);
}

int
cli_cmd_sr (int argc, char **argv)
{
  CliSolveArgs args;
  g_auto (GStrv) positional = NULL;
  g_autofree GOptionEntry *entries = NULL;
  g_autoptr (TsImage) lowres = NULL;
  g_autoptr (TsModel) model = NULL;
  TsRestoreRequest request;
  CliStatsInfo info;
  GError *error = NULL;
  gint64 start_us = g_get_monotonic_time ();
  int code = 0;

  cli_solve_args_init (&args);
  const GOptionEntry extra[] = {
    { "beta", 'b', 0, G_OPTION_ARG_DOUBLE, &args.beta,
      "Coupling weight (default: the model's sr-x4 preset; without one the paper's SR value for sigma25 models, else the model's)", "B" },
    { "preset", 'p', 0, G_OPTION_ARG_STRING, &args.preset,
      "The model's preset for beta and lambda (default: sr-x4 when the model has it; 'none': no preset)", "NAME" },
    { "lambda", 'l', 0, G_OPTION_ARG_DOUBLE, &args.lambda,
      "Base threshold (default: as --beta)", "L" },
    { "sigma", 's', 0, G_OPTION_ARG_DOUBLE, &args.sigma, "Noise level of the 'dct' model (default 25)", "S" },
    G_OPTION_ENTRY_NULL
  };
  entries = cli_restore_entries (&args, CLI_TASK_SR, extra);
  if (!cli_parse_options ("sr", "IN_LOWRES [-o OUT] [--model MODEL]",
                          "4x super-resolution: IN_LOWRES is an n x n low-resolution image; the\n"
                          "estimate is (n - 1) * 4 + 16 pixels on a side (16x16 Gaussian kernel,\n"
                          "std 2, stride 4).",
                          NULL, entries, argc, argv, &positional, &code)
      || !cli_restore_check_args (CLI_TASK_SR, &args, positional, "IN_LOWRES", &code))
    goto out;

  lowres = ts_image_load (positional[0], &error);
  if (lowres == NULL || !ts_image_check_finite (lowres, positional[0], &error))
    goto fail;
  if (!cli_restore_check_output_channels (CLI_TASK_SR, &args, lowres, &code))
    goto out;
  model = cli_load_model (args.model, isnan (args.sigma) ? 25.0 : args.sigma, &error);
  if (model == NULL)
    goto fail;

  cli_solve_args_to_request (&args, CLI_TASK_SR, &request);
  request.image = lowres;
  request.model = model;
  info = (CliStatsInfo) { .task = CLI_TASK_SR, .input = positional[0], .args = &args,
                       .input_width = lowres->width, .input_height = lowres->height };
  code = cli_restore_and_finish (&info, &request, lowres, start_us);
  goto out;

fail:
  code = cli_report_error (error);
out:
  cli_solve_args_clear (&args);
  return code;
}

/* A fastMRI .h5: slice `slice` (CLI_UNSET_INT: the middle one), and what the file tells:
 * the acceleration, the contrast and the ground truth (*fastmri keeps them). */
static TsKspace *
load_fastmri (const char *path, const char *mask, int slice, TsRestoreRequest *request,
              TsFastmriSlice **fastmri, GError **error)
{
  TsFastmriSlice *fs = ts_fastmri_load (path, slice == CLI_UNSET_INT ? TS_FASTMRI_MIDDLE_SLICE
                                                                     : slice,
                                        mask, TS_FASTMRI_LOAD_DEFAULT, error);
  if (fs == NULL)
    return NULL;
  /* A fully sampled file (fastMRI's train and val sets) gets the 8x presets. */
  request->mri_acceleration = fs->acceleration;
  request->fat_suppressed = fs->fat_suppressed || ts_kspace_path_is_fat_suppressed (path);
  cli_note ("mri: %s: slice %d of 0..%d%s, %s mask, acceleration %d, %s%s", path, fs->slice,
            fs->n_slices - 1,
            slice == CLI_UNSET_INT ? ", the middle one (--slice N for another)" : "",
            fs->mask_source == TS_FASTMRI_MASK_FILE ? "the file's"
            : fs->mask_source == TS_FASTMRI_MASK_GIVEN ? "the given" : "a derived",
            fs->acceleration, request->fat_suppressed ? "PDFS" : "PD",
            fs->target_name != NULL ? ", ground truth for PSNR" : "");
  *fastmri = fs;
  return g_steal_pointer (&fs->kspace);
}

/* The k-space of `path` (a compact slice folder, .npy + mask, BART .cfl or a fastMRI .h5) and
 * what the folder or file tells: the acceleration, the contrast and, unless given, the ground
 * truth. */
static TsKspace *
load_kspace (const char *path, const char *mask, int slice, CliSolveArgs *args,
             TsRestoreRequest *request, TsFastmriSlice **fastmri, int *code, GError **error)
{
  gboolean is_dir = g_file_test (path, G_FILE_TEST_IS_DIR);
  gboolean hdf5 = !is_dir && (ts_hdf5_name_matches (path) || ts_hdf5_file_has_signature (path));

  if (hdf5)
    return load_fastmri (path, mask, slice, request, fastmri, error);
  if (slice != CLI_UNSET_INT)
    {
      *code = cli_usage_error ("mri", "--slice applies to fastMRI .h5 files only");
      return NULL;
    }
  if (is_dir)
    {
      TsKspace *kspace = ts_kspace_load_compact (path, &request->mri_acceleration, error);
      if (kspace == NULL)
        return NULL;
      request->fat_suppressed = ts_kspace_path_is_fat_suppressed (path);
      if (args->clean == NULL)
        {
          /* The slice's ground truth, when it has one, gives PSNR / SSIM for free. */
          g_autofree char *target = g_build_filename (path, "target.npy", NULL);
          if (g_file_test (target, G_FILE_TEST_IS_REGULAR))
            args->clean = g_steal_pointer (&target);
        }
      return kspace;
    }
  if (ts_file_format_from_name (path) == TS_FILE_FORMAT_NPY && mask == NULL)
    {
      *code = cli_usage_error ("mri", "a .npy k-space needs --mask MASK");
      return NULL;
    }
  return ts_kspace_load (path, mask, error);
}

int
cli_cmd_mri (int argc, char **argv)
{
  CliSolveArgs args;
  g_autofree char *mask = NULL;
  g_autofree char *contrast = NULL;
  g_auto (GStrv) positional = NULL;
  g_autofree GOptionEntry *entries = NULL;
  g_autoptr (TsKspace) kspace = NULL;
  g_autoptr (TsFastmriSlice) fastmri = NULL;
  g_autoptr (TsModel) model = NULL;
  TsRestoreRequest request;
  CliStatsInfo info;
  GError *error = NULL;
  gint64 start_us = g_get_monotonic_time ();
  int code = 0;
  int slice = CLI_UNSET_INT;

  cli_solve_args_init (&args);
  const GOptionEntry extra[] = {
    { "mask", 0, 0, G_OPTION_ARG_FILENAME, &mask,
      "Sampling mask (.npy or .cfl; H x W or one row of W; for a .h5 file in its centred layout); optional for .cfl and .h5 k-space", "MASK" },
    { "slice", 0, 0, G_OPTION_ARG_INT, &slice,
      "Slice of a fastMRI .h5 file, from 0 (default: the middle one)", "N" },
    { "beta", 'b', 0, G_OPTION_ARG_DOUBLE, &args.beta,
      "Coupling weight (default: the model's preset for the acceleration and contrast, mri-acc8-pd etc.; without one the paper's value for sigma25 models, else the model's)", "B" },
    { "preset", 'p', 0, G_OPTION_ARG_STRING, &args.preset,
      "The model's preset for beta and lambda (default: mri-acc<8|16>-<contrast> when the model has it; 'none': no preset)", "NAME" },
    { "contrast", 0, 0, G_OPTION_ARG_STRING, &contrast,
      "pd (proton density) or pdfs (fat-suppressed): chooses the preset (default: pdfs for a slice folder under a 'pdfs' folder, else pd)", "pd|pdfs" },
    { "lambda", 'l', 0, G_OPTION_ARG_DOUBLE, &args.lambda,
      "Base threshold (default: as --beta)", "L" },
    { "sigma", 's', 0, G_OPTION_ARG_DOUBLE, &args.sigma, "Noise level of the 'dct' model (default 25)", "S" },
    G_OPTION_ENTRY_NULL
  };
  entries = cli_restore_entries (&args, CLI_TASK_MRI, extra);
  if (!cli_parse_options ("mri", "KSPACE.npy --mask MASK.npy | SCAN.h5 [--slice N] [-o OUT] [--model MODEL]",
                          "Single-coil Cartesian MRI reconstruction from undersampled k-space\n"
                          "(complex64 .npy, not fft-shifted, orthonormal DFT; or a BART .cfl/.hdr\n"
                          "pair; or a slice folder in the compact layout of the test data; or a\n"
                          "single-coil fastMRI .h5 file: one slice, --slice N or the middle one,\n"
                          "with the file's mask and, when it has one, its ground truth for PSNR).\n"
                          "The output is the full-size real image.",
                          NULL, entries, argc, argv, &positional, &code)
      || !cli_restore_check_args (CLI_TASK_MRI, &args, positional, "KSPACE", &code))
    goto out;
  if (contrast != NULL && g_strcmp0 (contrast, "pd") != 0 && g_strcmp0 (contrast, "pdfs") != 0)
    {
      code = cli_usage_error ("mri", "--contrast must be pd or pdfs, not '%s'", contrast);
      goto out;
    }

  cli_solve_args_to_request (&args, CLI_TASK_MRI, &request);
  kspace = load_kspace (positional[0], mask, slice, &args, &request, &fastmri, &code, &error);
  if (kspace == NULL)
    goto out_or_fail;
  /* The contrast chooses the preset: as given, else as a fastMRI file's acquisition or the
   * slice folder's path says, else proton density (no detection from the data yet). */
  const char *contrast_from = contrast != NULL ? "option"
                              : fastmri != NULL && fastmri->fat_suppressed ? "file"
                              : request.fat_suppressed ? "path" : "default";
  if (contrast != NULL)
    request.fat_suppressed = g_strcmp0 (contrast, "pdfs") == 0;
  /* A file without meta data: the acceleration its mask gives (the preset's). */
  if (request.mri_acceleration <= 0)
    request.mri_acceleration = ts_kspace_acceleration (kspace);
  model = cli_load_model (args.model, isnan (args.sigma) ? 25.0 : args.sigma, &error);
  if (model == NULL)
    goto fail;

  request.kspace = kspace;
  request.model = model;
  info = (CliStatsInfo) { .task = CLI_TASK_MRI, .input = positional[0], .args = &args,
                       .input_width = kspace->width, .input_height = kspace->height,
                       .acceleration = request.mri_acceleration,
                       .contrast = request.fat_suppressed ? "pdfs" : "pd",
                       .contrast_from = contrast_from,
                       .fastmri = fastmri,
                       .clean_image = fastmri != NULL ? fastmri->target : NULL };
  code = cli_restore_and_finish (&info, &request, NULL, start_us);
  goto out;

out_or_fail:
  /* A usage error has set the exit code, other failures the error. */
  if (error == NULL)
    goto out;
fail:
  code = cli_report_error (error);
out:
  cli_solve_args_clear (&args);
  return code;
}
