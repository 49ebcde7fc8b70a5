/* tessera-cli denoise | sr | mri: one image in, one image out. */
#include "cli-common.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Options shared by the three commands; `extra` are the command's own. */
static GOptionEntry *
build_entries (CliSolveArgs *args, CliTask task, const GOptionEntry *extra)
{
  GArray *entries = g_array_new (TRUE, TRUE, sizeof (GOptionEntry));
  const GOptionEntry common[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &args->output,
      "Output image (.png, .tif, .tiff or .npy; .npy is float32, not clipped)", "OUT" },
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
      "Output bit depth (PNG 8/16, TIFF 8/16/32, NPY 32; default: the input's where the format has it)",
      "BITS" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &args->threads, "Solver threads (default 2)", "N" },
    { "formulation", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &args->formulation,
      "Solver formulation: subspace (default) or plain", "NAME" },
    { "acceleration", 0, 0, G_OPTION_ARG_STRING, &args->acceleration,
      "Momentum: none (the reference iteration, default) or restart (adaptive restart)", "NAME" },
    { "restart-every", 0, 0, G_OPTION_ARG_INT, &args->restart_every,
      "Also restart the momentum every N iterations (default 0: never; docs/benchmarks.md)", "N" },
  };

  g_array_append_vals (entries, common, G_N_ELEMENTS (common));
  for (int i = 0; extra != NULL && extra[i].long_name != NULL; i++)
    g_array_append_val (entries, extra[i]);
  return (GOptionEntry *) g_array_free (entries, FALSE);
}

/* Loads the --clean image and crops it like the reference: top-left to the estimate's size
 * (SR, denoising) or the estimate's centre to the reference's size (MRI). */
static gboolean
score_against_clean (const char *clean_path, const TsImage *estimate, CliTask task,
                     double *psnr, double *ssim, GError **error)
{
  g_autoptr (TsImage) clean = ts_image_load (clean_path, error);
  g_autoptr (TsImage) clean_crop = NULL;
  g_autoptr (TsImage) est_crop = NULL;
  int border = task == CLI_TASK_SR ? 40 : 0;

  if (clean == NULL)
    return FALSE;
  if (clean->channels != estimate->channels)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "%s: %d channels, the estimate has %d", clean_path, clean->channels,
                   estimate->channels);
      return FALSE;
    }
  if (task == CLI_TASK_MRI)
    {
      if (clean->width > estimate->width || clean->height > estimate->height)
        goto size_mismatch;
      est_crop = ts_image_crop (estimate, (estimate->width - clean->width) / 2,
                                (estimate->height - clean->height) / 2,
                                clean->width, clean->height);
      clean_crop = ts_image_copy (clean);
    }
  else
    {
      if (clean->width < estimate->width || clean->height < estimate->height)
        goto size_mismatch;
      clean_crop = ts_image_crop (clean, 0, 0, estimate->width, estimate->height);
      est_crop = ts_image_copy (estimate);
    }
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

typedef struct {
  const char *command;
  const char *input;
  const CliSolveArgs *args;
  const TsModel *model;
  const TsSolveOptions *options;
  const CliSolveSummary *summary;
  const TsImage *estimate;
  int input_width, input_height;
  gboolean extended;          /* denoise: solved with an edge row/column added for 2x2 groups */
  gboolean sigma_estimated;   /* denoise: no --sigma, the blind estimate was used */
  const char *colour;         /* denoise of an RGB image: the colour basis */
  double psnr, ssim;
  double wall_seconds;
} StatsInfo;

static gboolean
write_stats (const StatsInfo *info, GError **error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "command");
  json_builder_add_string_value (builder, info->command);
  json_builder_set_member_name (builder, "input");
  json_builder_add_string_value (builder, info->input);
  json_builder_set_member_name (builder, "output");
  json_builder_add_string_value (builder, info->args->output);
  cli_json_add_summary (builder, info->summary);
  cli_json_add_options (builder, info->model, info->options);
  if (!isnan (info->args->sigma) || g_strcmp0 (info->command, "denoise") == 0)
    cli_json_add_double (builder, "sigma",
                         !isnan (info->args->sigma) ? info->args->sigma : info->model->sigma);
  if (info->sigma_estimated)
    {
      json_builder_set_member_name (builder, "sigma_estimated");
      json_builder_add_boolean_value (builder, TRUE);
    }
  if (info->colour != NULL)
    {
      json_builder_set_member_name (builder, "colour");
      json_builder_add_string_value (builder, info->colour);
    }
  json_builder_set_member_name (builder, "width");
  json_builder_add_int_value (builder, info->estimate->width);
  json_builder_set_member_name (builder, "height");
  json_builder_add_int_value (builder, info->estimate->height);
  json_builder_set_member_name (builder, "channels");
  json_builder_add_int_value (builder, info->estimate->channels);
  json_builder_set_member_name (builder, "input_width");
  json_builder_add_int_value (builder, info->input_width);
  json_builder_set_member_name (builder, "input_height");
  json_builder_add_int_value (builder, info->input_height);
  if (info->extended)
    {
      json_builder_set_member_name (builder, "extended_to_even");
      json_builder_add_boolean_value (builder, TRUE);
    }
  cli_json_add_double (builder, "wall_seconds", info->wall_seconds);
  if (info->args->clean != NULL)
    {
      json_builder_set_member_name (builder, "clean");
      json_builder_add_string_value (builder, info->args->clean);
      cli_json_add_double (builder, "psnr", info->psnr);
      cli_json_add_double (builder, "ssim", info->ssim);
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return cli_json_write_file (info->args->stats, root, error);
}

/* The end of every command: save, score, write the statistics, say what happened. */
static int
finish (StatsInfo *info, gint64 start_us)
{
  GError *error = NULL;
  const CliSolveArgs *args = info->args;
  const char *not_converged;

  info->psnr = NAN;
  info->ssim = NAN;
  if (cli_cancelled ())
    return cli_report_error (g_error_new_literal (TS_ERROR, TS_ERROR_CANCELLED, "cancelled"));
  if (!ts_image_save (info->estimate, args->output, args->bit_depth, &error))
    return cli_report_error (error);
  if (args->clean != NULL
      && !score_against_clean (args->clean, info->estimate,
                               g_strcmp0 (info->command, "sr") == 0 ? CLI_TASK_SR
                               : g_strcmp0 (info->command, "mri") == 0 ? CLI_TASK_MRI
                               : CLI_TASK_DENOISE,
                               &info->psnr, &info->ssim, &error))
    return cli_report_error (error);
  info->wall_seconds = (g_get_monotonic_time () - start_us) / 1e6;
  if (args->stats != NULL && !write_stats (info, &error))
    return cli_report_error (error);

  /* With --tol 0 the iteration count is what was asked for, not a failure to converge. */
  not_converged = info->summary->converged || info->options->tol <= 0.0 ? "" : " (not converged)";
  if (args->clean != NULL)
    cli_note ("%s: %d iterations%s, %.2f s, final change %.3g, PSNR %.4f dB, SSIM %.4f -> %s",
              info->command, info->summary->iterations, not_converged, info->summary->seconds,
              info->summary->final_change, info->psnr, info->ssim, args->output);
  else
    cli_note ("%s: %d iterations%s, %.2f s, final change %.3g -> %s", info->command,
              info->summary->iterations, not_converged, info->summary->seconds,
              info->summary->final_change, args->output);
  return CLI_EXIT_OK;
}

/* Argument checks shared by the three commands. */
static gboolean
check_common (const char *command, CliSolveArgs *args, char **positional, const char *what,
              int *exit_code)
{
  if (g_strv_length (positional) != 1)
    {
      *exit_code = cli_usage_error (command, "expected one %s, got %u arguments", what,
                                    g_strv_length (positional));
      return FALSE;
    }
  if (args->output == NULL)
    {
      *exit_code = cli_usage_error (command, "missing -o OUT");
      return FALSE;
    }
  /* Tessera's trained models are the defaults: for denoising the one for the noise level
   * (ts_model_for_noise: nearest trained level, threshold adapted), for SR and MRI the
   * sigma-25 NCPR model the paper's task parameters were tuned for. */
  if (args->model == NULL)
    args->model = g_strdup (strcmp (command, "denoise") == 0 ? "auto" : "ncpr-sigma25");
  if (!cli_solve_args_check (args, command, exit_code))
    return FALSE;
  if (args->stats != NULL && g_strcmp0 (args->stats, args->output) == 0)
    {
      *exit_code = cli_usage_error (command, "--stats and -o name the same file");
      return FALSE;
    }
  return cli_check_output_path (args->output, args->bit_depth, command, exit_code);
}

int
cli_cmd_denoise (int argc, char **argv)
{
  CliSolveArgs args;
  g_auto (GStrv) positional = NULL;
  g_autofree GOptionEntry *entries = NULL;
  g_autoptr (TsImage) input = NULL;
  g_autoptr (TsImage) noisy = NULL;
  g_autoptr (TsImage) estimate = NULL;
  g_autoptr (TsModel) model = NULL;
  TsSolveOptions options;
  CliSolveSummary summary;
  CliProgress progress;
  StatsInfo info = { 0 };
  GError *error = NULL;
  gboolean extended = FALSE;
  gint64 start_us = g_get_monotonic_time ();
  int code = 0;
  g_autofree char *colour_name = NULL;
  TsColourMode colour = CLI_DEFAULT_COLOUR;

  cli_solve_args_init (&args);
  const GOptionEntry extra[] = {
    { "sigma", 's', 0, G_OPTION_ARG_DOUBLE, &args.sigma,
      "Noise level, 0-255 units (default: the model's; for the dct model, estimated from the image)", "S" },
    { "tile", 0, 0, G_OPTION_ARG_INT, &args.tile,
      "Solve in overlapping tiles of this side (default: only when memory requires it)", "N" },
    { "tile-stop", 0, 0, G_OPTION_ARG_STRING, &args.tile_stop,
      "Tiles stop together by the whole image's rule (common, default: two passes) or each by its own (own: one pass, about half the time)",
      "common|own" },
    { "colour", 0, 0, G_OPTION_ARG_STRING, &colour_name,
      "RGB images: denoise in the orthonormal opponent basis (opponent, default) or each of R, G, B (rgb)",
      "opponent|rgb" },
    G_OPTION_ENTRY_NULL
  };
  entries = build_entries (&args, CLI_TASK_DENOISE, extra);
  if (!cli_parse_options ("denoise", "IN -o OUT --model MODEL",
                          "Removes Gaussian noise from an image (PNG, TIFF, JPEG or .npy). RGB\n"
                          "images are denoised in an orthonormal luminance/opponent basis (see\n"
                          "--colour); alpha is copied through. Without --sigma, the dct model uses\n"
                          "the noise level estimated from the image (as 'estimate-noise').",
                          NULL, entries, argc, argv, &positional, &code)
      || !check_common ("denoise", &args, positional, "IN", &code))
    goto out;
  if (colour_name != NULL && !ts_colour_mode_from_name (colour_name, &colour))
    {
      code = cli_usage_error ("denoise", "--colour must be opponent or rgb, not '%s'", colour_name);
      goto out;
    }

  input = ts_image_load (positional[0], &error);
  if (input == NULL || !ts_image_check_finite (input, positional[0], &error))
    goto fail;
  gboolean by_noise = g_strcmp0 (args.model, "dct") == 0 || g_strcmp0 (args.model, "auto") == 0
                      || g_strcmp0 (args.model, "auto-cpr") == 0;
  if (by_noise && isnan (args.sigma))
    {
      /* Blind: the patch-PCA estimate (ts-noise-estimate.h), in 0-255 units. */
      args.sigma = ts_noise_estimate (input) * 255.0;
      info.sigma_estimated = TRUE;
      if (args.sigma < 0.5)
        {
          cli_note ("note: estimated noise level %.2f is below 0.5; using 0.5", args.sigma);
          args.sigma = 0.5;
        }
      else
        {
          args.sigma = MIN (args.sigma, 255.0);
          cli_note ("note: no --sigma given: estimated noise level %.2f (0-255 units)", args.sigma);
        }
    }
  model = cli_load_model (args.model, args.sigma, &error);
  if (model == NULL)
    goto fail;
  if (model->sigma <= 0.0 && isnan (args.sigma))
    {
      code = cli_usage_error ("denoise", "model %s has no trained noise level: give --sigma S",
                              model->name);
      goto out;
    }
  if (!isnan (args.sigma) && model->sigma > 0.0 && fabs (args.sigma - model->sigma) > 1e-6
      && !by_noise)
    cli_note ("note: model %s was trained for sigma %g; --sigma %g does not change it",
              model->name, model->sigma, args.sigma);

  /* 2x2 groups need even sides: solve with the last row / column repeated, then return the
   * input's size (the output is the user's picture, not a crop of it). */
  noisy = ts_image_extend_to_multiple (input, cli_model_group (model), &error);
  if (noisy == NULL)
    goto fail;
  extended = noisy->width != input->width || noisy->height != input->height;
  if (extended)
    cli_note ("note: model %s works on 2x2 groups: solved %d x %d as %d x %d (edge repeated), "
              "output %d x %d", model->name, input->width, input->height, noisy->width,
              noisy->height, input->width, input->height);

  cli_solve_args_to_options (&args, CLI_TASK_DENOISE, model, &options);
  cli_progress_init (&progress, "denoise", options.tol, options.max_iter);
  CliTiling tiling = cli_solve_args_tiling (&args);
  estimate = cli_denoise_image_colour (model, noisy, &options, &tiling, colour, &progress,
                                       &summary, &error);
  cli_progress_finish (&progress);
  if (estimate == NULL)
    goto fail;
  if (extended)
    {
      TsImage *trimmed = ts_image_crop (estimate, 0, 0, input->width, input->height);
      ts_image_free (estimate);
      estimate = trimmed;
    }
  /* The output keeps the input's bit depth (unless --bit-depth says otherwise) and ICC
   * profile, whichever path (gray, colour, alpha) made it. */
  ts_image_copy_metadata (estimate, input);

  info.command = "denoise";
  info.input = positional[0];
  info.args = &args;
  info.model = model;
  info.options = &options;
  info.summary = &summary;
  info.estimate = estimate;
  info.input_width = input->width;
  info.input_height = input->height;
  info.extended = extended;
  if (noisy->channels >= 3)
    info.colour = ts_colour_mode_name (colour);
  code = finish (&info, start_us);
  goto out;

fail:
  code = cli_report_error (error);
out:
  cli_solve_args_clear (&args);
  return code;
}

int
cli_cmd_sr (int argc, char **argv)
{
  CliSolveArgs args;
  g_auto (GStrv) positional = NULL;
  g_autofree GOptionEntry *entries = NULL;
  g_autoptr (TsImage) lowres = NULL;
  g_autoptr (TsImage) estimate = NULL;
  g_autoptr (TsModel) model = NULL;
  TsSolveOptions options;
  CliSolveSummary summary;
  CliProgress progress;
  StatsInfo info = { 0 };
  GError *error = NULL;
  gint64 start_us = g_get_monotonic_time ();
  int code = 0;

  cli_solve_args_init (&args);
  const GOptionEntry extra[] = {
    { "beta", 'b', 0, G_OPTION_ARG_DOUBLE, &args.beta,
      "Coupling weight (default: the paper's SR value for sigma25 models, else the model's)", "B" },
    { "lambda", 'l', 0, G_OPTION_ARG_DOUBLE, &args.lambda,
      "Base threshold (default: as --beta)", "L" },
    { "sigma", 's', 0, G_OPTION_ARG_DOUBLE, &args.sigma, "Noise level of the 'dct' model (default 25)", "S" },
    G_OPTION_ENTRY_NULL
  };
  entries = build_entries (&args, CLI_TASK_SR, extra);
  if (!cli_parse_options ("sr", "IN_LOWRES -o OUT --model MODEL",
                          "4x super-resolution: IN_LOWRES is an n x n low-resolution image; the\n"
                          "estimate is (n - 1) * 4 + 16 pixels on a side (16x16 Gaussian kernel,\n"
                          "std 2, stride 4).",
                          NULL, entries, argc, argv, &positional, &code)
      || !check_common ("sr", &args, positional, "IN_LOWRES", &code))
    goto out;

  lowres = ts_image_load (positional[0], &error);
  if (lowres == NULL || !ts_image_check_finite (lowres, positional[0], &error))
    goto fail;
  model = cli_load_model (args.model, isnan (args.sigma) ? 25.0 : args.sigma, &error);
  if (model == NULL)
    goto fail;

  cli_solve_args_to_options (&args, CLI_TASK_SR, model, &options);
  cli_progress_init (&progress, "sr", options.tol, options.max_iter);
  estimate = cli_sr_image (model, lowres, &options, &progress, &summary, &error);
  cli_progress_finish (&progress);
  if (estimate == NULL)
    goto fail;
  ts_image_copy_metadata (estimate, lowres);

  info.command = "sr";
  info.input = positional[0];
  info.args = &args;
  info.model = model;
  info.options = &options;
  info.summary = &summary;
  info.estimate = estimate;
  info.input_width = lowres->width;
  info.input_height = lowres->height;
  code = finish (&info, start_us);
  goto out;

fail:
  code = cli_report_error (error);
out:
  cli_solve_args_clear (&args);
  return code;
}

int
cli_cmd_mri (int argc, char **argv)
{
  CliSolveArgs args;
  g_autofree char *mask = NULL;
  g_auto (GStrv) positional = NULL;
  g_autofree GOptionEntry *entries = NULL;
  g_autoptr (TsKspace) kspace = NULL;
  g_autoptr (TsImage) estimate = NULL;
  g_autoptr (TsModel) model = NULL;
  TsSolveOptions options;
  CliSolveSummary summary;
  CliProgress progress;
  StatsInfo info = { 0 };
  GError *error = NULL;
  gint64 start_us = g_get_monotonic_time ();
  int acceleration = 8;
  gboolean fat_suppressed = FALSE;
  int code = 0;

  cli_solve_args_init (&args);
  const GOptionEntry extra[] = {
    { "mask", 0, 0, G_OPTION_ARG_FILENAME, &mask,
      "Sampling mask (.npy or .cfl; H x W or one row of W); optional for .cfl k-space", "MASK" },
    { "beta", 'b', 0, G_OPTION_ARG_DOUBLE, &args.beta,
      "Coupling weight (default: the paper's acc8 PD value for sigma25 models, else the model's)", "B" },
    { "lambda", 'l', 0, G_OPTION_ARG_DOUBLE, &args.lambda,
      "Base threshold (default: as --beta)", "L" },
    { "sigma", 's', 0, G_OPTION_ARG_DOUBLE, &args.sigma, "Noise level of the 'dct' model (default 25)", "S" },
    G_OPTION_ENTRY_NULL
  };
  entries = build_entries (&args, CLI_TASK_MRI, extra);
  if (!cli_parse_options ("mri", "KSPACE.npy --mask MASK.npy -o OUT --model MODEL",
                          "Single-coil Cartesian MRI reconstruction from undersampled k-space\n"
                          "(complex64 .npy, not fft-shifted, orthonormal DFT; or a BART .cfl/.hdr\n"
                          "pair; or a slice folder in the compact layout of the test data). The\n"
                          "output is the full-size real image.",
                          NULL, entries, argc, argv, &positional, &code)
      || !check_common ("mri", &args, positional, "KSPACE", &code))
    goto out;

  if (g_file_test (positional[0], G_FILE_TEST_IS_DIR))
    {
      /* A compact slice folder (meta.json, columns.npy, kspace_cols.npy). */
      kspace = cli_kspace_load_compact (positional[0], &acceleration, &error);
      if (kspace == NULL)
        goto fail;
      fat_suppressed = cli_path_is_fat_suppressed (positional[0]);
      if (args.clean == NULL)
        {
          /* The slice's ground truth, when it has one, gives PSNR / SSIM for free. */
          g_autofree char *target = g_build_filename (positional[0], "target.npy", NULL);
          if (g_file_test (target, G_FILE_TEST_IS_REGULAR))
            args.clean = g_steal_pointer (&target);
        }
    }
  else
    {
      TsFileFormat format = ts_file_format_from_name (positional[0]);
      if (format == TS_FILE_FORMAT_NPY && mask == NULL)
        {
          code = cli_usage_error ("mri", "a .npy k-space needs --mask MASK");
          goto out;
        }
      kspace = ts_kspace_load (positional[0], mask, &error);
      if (kspace == NULL)
        goto fail;
    }
  model = cli_load_model (args.model, isnan (args.sigma) ? 25.0 : args.sigma, &error);
  if (model == NULL)
    goto fail;

  cli_solve_args_to_options (&args, CLI_TASK_MRI, model, &options);
  if (acceleration != 8 || fat_suppressed)
    {
      double beta = NAN, lambda = NAN;
      cli_task_defaults (model, CLI_TASK_MRI, acceleration, fat_suppressed, &beta, &lambda);
      if (isnan (args.beta))
        options.beta = beta;
      if (isnan (args.lambda))
        options.lambda = lambda;
    }
  cli_progress_init (&progress, "mri", options.tol, options.max_iter);
  estimate = cli_mri_image (model, kspace, &options, &progress, &summary, &error);
  cli_progress_finish (&progress);
  if (estimate == NULL)
    goto fail;

  info.command = "mri";
  info.input = positional[0];
  info.args = &args;
  info.model = model;
  info.options = &options;
  info.summary = &summary;
  info.estimate = estimate;
  info.input_width = kspace->width;
  info.input_height = kspace->height;
  code = finish (&info, start_us);
  goto out;

fail:
  code = cli_report_error (error);
out:
  cli_solve_args_clear (&args);
  return code;
}
