/* tessera-cli denoise: the noise level (given or estimated), the model for it, the colour
 * basis and the tiles; the restoration is the core's (ts-restore.h). */
#include "cli-restore.h"

#include <math.h>

/* Without --sigma, a model chosen by the noise level takes the blind estimate. */
static void
estimate_sigma (CliSolveArgs *args, const TsImage *input, CliStatsInfo *info)
{
  double estimate;

  if (!ts_restore_model_uses_sigma (args->model) || !isnan (args->sigma))
    return;
  args->sigma = ts_restore_estimate_sigma (input, &estimate);
  info->sigma_estimated = TRUE;
  if (estimate < args->sigma)
    cli_note ("note: estimated noise level %.2f is below %.1f; using %.1f", estimate, args->sigma,
              args->sigma);
  else
    cli_note ("note: no --sigma given: estimated noise level %.2f (0-255 units)", args->sigma);
}

/* The denoising model, with the notes on what it will do with the picture. */
static TsModel *
denoise_model (const CliSolveArgs *args, const TsImage *input, int *code, GError **error)
{
  g_autoptr (TsModel) model = cli_load_model (args->model, args->sigma, error);
  int w, h;

  if (model == NULL)
    return NULL;
  if (model->sigma <= 0.0 && isnan (args->sigma))
    {
      *code = cli_usage_error ("denoise", "model %s has no trained noise level: give --sigma S",
                               model->name);
      return NULL;
    }
  if (!isnan (args->sigma) && model->sigma > 0.0 && fabs (args->sigma - model->sigma) > 1e-6
      && !ts_restore_model_uses_sigma (args->model))
    cli_note ("note: model %s was trained for sigma %g; --sigma %g does not change it",
              model->name, model->sigma, args->sigma);
  if (ts_restore_extends (model, input->width, input->height, &w, &h))
    cli_note ("note: model %s works on 2x2 groups: solved %d x %d as %d x %d (edge repeated), "
              "output %d x %d", model->name, input->width, input->height, w, h, input->width,
              input->height);
  return g_steal_pointer (&model);
}

int
cli_cmd_denoise (int argc, char **argv)
{
  CliSolveArgs args;
  g_auto (GStrv) positional = NULL;
  g_autofree GOptionEntry *entries = NULL;
  g_autoptr (TsImage) input = NULL;
  g_autoptr (TsModel) model = NULL;
  g_autofree char *colour_name = NULL;
  TsRestoreRequest request;
  CliStatsInfo info = { .task = CLI_TASK_DENOISE };
  GError *error = NULL;
  TsColourMode colour = TS_COLOUR_OPPONENT;
  gint64 start_us = g_get_monotonic_time ();
  int code = 0;

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
    { "plane-stop", 0, 0, G_OPTION_ARG_STRING, &args.plane_stop,
      "RGB images in the opponent basis: the chroma planes stop when their change is small against the luminance (picture, default) or against themselves (own: more iterations)",
      "picture|own" },
    G_OPTION_ENTRY_NULL
  };
  entries = cli_restore_entries (&args, CLI_TASK_DENOISE, extra);
  if (!cli_parse_options ("denoise", "IN [-o OUT] [--model MODEL]",
                          "Removes Gaussian noise from an image (PNG, TIFF, JPEG or .npy). RGB\n"
                          "images are denoised in an orthonormal luminance/opponent basis (see\n"
                          "--colour); alpha is copied through. Without --sigma, the dct model uses\n"
                          "the noise level estimated from the image (as 'estimate-noise').\n\n"
                          "Without -o the result is IN-denoised.png beside IN (photo.jpg gives\n"
                          "photo-denoised.png), or IN-denoised-2.png, -3, ... when that exists: no\n"
                          "file is ever replaced. -o OUT.jpg writes a baseline 8-bit JPEG at\n"
                          "--quality (default 95) with the input's ICC profile; no alpha, and no\n"
                          "orientation tag (outputs are upright). On a terminal the progress line\n"
                          "shows the time remaining.",
                          NULL, entries, argc, argv, &positional, &code)
      || !cli_restore_check_args (CLI_TASK_DENOISE, &args, positional, "IN", &code))
    goto out;
  if (colour_name != NULL && !ts_colour_mode_from_name (colour_name, &colour))
    {
      code = cli_usage_error ("denoise", "--colour must be opponent or rgb, not '%s'", colour_name);
      goto out;
    }

  input = ts_image_load (positional[0], &error);
  if (input == NULL || !ts_image_check_finite (input, positional[0], &error))
    goto fail;
  if (!cli_restore_check_output_channels (CLI_TASK_DENOISE, &args, input, &code))
    goto out;
  estimate_sigma (&args, input, &info);
  model = denoise_model (&args, input, &code, &error);
  if (model == NULL)
    goto out_or_fail;

  cli_solve_args_to_request (&args, CLI_TASK_DENOISE, &request);
  request.image = input;
  request.model = model;
  request.colour = colour;
  if (input->channels >= 3)
    info.colour = ts_colour_mode_name (colour);
  info.input = positional[0];
  info.args = &args;
  info.input_width = input->width;
  info.input_height = input->height;
  code = cli_restore_and_finish (&info, &request, input, start_us);
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
