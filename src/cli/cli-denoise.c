/* tessera-cli denoise: the noise level (given or estimated), the model for it, the colour
 * basis and the tiles; the restoration is the core's (ts-restore.h). */
#include "cli-restore.h"

#include <math.h>

/* Without --sigma, a model chosen by the noise level takes the level read from the image
 * (the core's plan, ts-restore-noise.h); said as before the noise models. */
static void
note_estimate (CliSolveArgs *args, const TsRestoreNoise *noise, CliStatsInfo *info)
{
  if (!ts_restore_model_uses_sigma (args->model) || !noise->estimated)
    return;
  info->sigma_estimated = TRUE;
  if (noise->model != TS_NOISE_MODEL_GAUSSIAN)
    return;
  if (noise->sigma_estimate < noise->sigma)
    cli_note ("note: estimated noise level %.2f is below %.1f; using %.1f", noise->sigma_estimate,
              noise->sigma, noise->sigma);
  else
    cli_note ("note: no --sigma given: estimated noise level %.2f (0-255 units)", noise->sigma);
}

/* The denoising model (the luminance's, or every plane's), with the notes on what it will do
 * with the picture. `given_sigma`: --sigma, NAN when not given. */
static TsModel *
denoise_model (const CliSolveArgs *args, double given_sigma, const TsRestoreRequest *request,
               const TsRestoreNoise *noise, const TsImage *input, int *code, GError **error)
{
  g_autofree char *note = NULL;
  g_autoptr (TsModel) model = ts_restore_plane_model (request, noise, 0, &note, error);
  int w, h;

  if (note != NULL)
    cli_note ("note: %s", note);
  if (model == NULL)
    return NULL;
  if (model->sigma <= 0.0 && isnan (given_sigma))
    {
      *code = cli_usage_error ("denoise", "model %s has no trained noise level: give --sigma S",
                               model->name);
      return NULL;
    }
  if (!isnan (given_sigma) && model->sigma > 0.0 && fabs (given_sigma - model->sigma) > 1e-6
      && !ts_restore_model_uses_sigma (args->model) && noise->strength == 1.0)
    cli_note ("note: model %s was trained for sigma %g; --sigma %g does not change it",
              model->name, model->sigma, args->sigma);
  if (ts_restore_extends (model, input->width, input->height, &w, &h))
    cli_note ("note: model %s works on 2x2 groups: solved %d x %d as %d x %d (edge repeated), "
              "output %d x %d", model->name, input->width, input->height, w, h, input->width,
              input->height);
  return g_steal_pointer (&model);
}

/* One line on the noise assumed and the levels the planes are solved at. */
static char *
describe_noise (const TsRestoreNoise *noise)
{
  g_autoptr (GString) out = g_string_new ("noise: ");

  g_string_append (out, ts_noise_model_name (noise->model));
  if (noise->requested == TS_NOISE_MODEL_AUTO)
    g_string_append (out, " (auto)");
  if (noise->model == TS_NOISE_MODEL_POISSON_GAUSSIAN)
    {
      g_string_append (out, ", variance a y + b per channel (y in 0-1):");
      for (int c = 0; c < noise->n_channels; c++)
        g_string_append_printf (out, " %s a %.4g b %.3g%s", ts_restore_noise_channel_name (noise, c),
                                noise->channel[c].a, noise->channel[c].b,
                                c + 1 < noise->n_channels ? "," : "");
      g_string_append_printf (out, "; transformed to level %.2f", noise->sigma);
    }
  else
    {
      g_string_append_printf (out, ", level %.2f", noise->sigma);
      if (noise->estimated)
        {
          g_string_append_printf (out, " (blind, %s noise; readings", ts_noise_kind_name (noise->level.kind));
          for (int p = 0; p < noise->level.n_planes; p++)
            g_string_append_printf (out, " %s %.2f", noise->level.n_planes == 1 ? "gray"
                                                     : (const char *[]) { "Y", "O1", "O2" }[p],
                                    255.0 * noise->level.white[p]);
          g_string_append (out, ")");
        }
    }
  g_string_append_printf (out, "; strength %g, chroma strength %g; solved at", noise->strength,
                          noise->chroma_strength);
  for (int p = 0; p < noise->n_planes; p++)
    g_string_append_printf (out, " %s %.2f", ts_restore_noise_plane_name (noise, p),
                            noise->plane_sigma[p]);
  if (noise->note != NULL)
    g_string_append_printf (out, " (%s)", noise->note);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The noise options, checked: the model's name, strengths > 0, no Poisson-Gaussian at a given
 * level, no chroma strength per R, G, B. */
static gboolean
check_noise_options (const char *noise_name, double strength, double chroma_strength,
                     const CliSolveArgs *args, TsColourMode colour, TsNoiseModel *noise, int *code)
{
  if (noise_name != NULL && !ts_noise_model_from_name (noise_name, noise))
    *code = cli_usage_error ("denoise", "--noise must be gaussian, poisson-gaussian or auto, not '%s'",
                             noise_name);
  else if (!(strength > 0.0 && isfinite (strength)))
    *code = cli_usage_error ("denoise", "--strength must be a positive number");
  else if (!(chroma_strength > 0.0 && isfinite (chroma_strength)))
    *code = cli_usage_error ("denoise", "--chroma-strength must be a positive number");
  else if (*noise == TS_NOISE_MODEL_POISSON_GAUSSIAN && !isnan (args->sigma))
    *code = cli_usage_error ("denoise", "--sigma is a Gaussian level: --noise poisson-gaussian "
                             "reads its model from the image (give no --sigma)");
  else if (colour == TS_COLOUR_RGB && chroma_strength != 1.0)
    *code = cli_usage_error ("denoise", "--chroma-strength needs --colour opponent (per R, G, B "
                             "there are no chroma planes)");
  else
    return TRUE;
  return FALSE;
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
  g_autofree char *noise_name = NULL;
  g_autofree char *noise_said = NULL;
  double strength = 1.0, chroma_strength = 1.0, given_sigma;
  TsNoiseModel noise = TS_NOISE_MODEL_AUTO;
  TsRestoreNoise plan;
  TsRestoreRequest request;
  CliStatsInfo info = { .task = CLI_TASK_DENOISE };
  GError *error = NULL;
  TsColourMode colour = TS_COLOUR_OPPONENT;
  gint64 start_us = g_get_monotonic_time ();
  int code = 0;

  cli_solve_args_init (&args);
  const GOptionEntry extra[] = {
    { "sigma", 's', 0, G_OPTION_ARG_DOUBLE, &args.sigma,
      "White Gaussian noise level, 0-255 units (default: read from the image, see --noise)", "S" },
    { "noise", 0, 0, G_OPTION_ARG_STRING, &noise_name,
      "Noise model without --sigma: gaussian (one level, white or camera noise), poisson-gaussian (variance a y + b per channel, through the Anscombe transform) or auto (default: poisson-gaussian when the picture's noise clearly grows with intensity)",
      "gaussian|poisson-gaussian|auto" },
    { "strength", 0, 0, G_OPTION_ARG_DOUBLE, &strength,
      "Denoise as if the noise level were X times what it is (default 1; > 1 smoother, < 1 keeps more)", "X" },
    { "chroma-strength", 0, 0, G_OPTION_ARG_DOUBLE, &chroma_strength,
      "Colour in the opponent basis: the chroma planes' level X times the luminance's on top (default 1)", "X" },
    { "chroma-model", 0, 0, G_OPTION_ARG_FILENAME, &args.chroma_model,
      "Colour in the opponent basis: the chroma planes' model (default auto: the installed chroma model for their level beside an automatic --model, else the luminance's; luminance: always the luminance's; or a model name or file)",
      "MODEL" },
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
                          "Removes noise from an image (PNG, TIFF, JPEG or .npy). RGB images are\n"
                          "denoised in an orthonormal luminance/opponent basis (see --colour);\n"
                          "alpha is copied through. Without --sigma the noise is read from the\n"
                          "image (as 'estimate-noise'): white Gaussian or camera noise at one\n"
                          "level, or, with --noise poisson-gaussian (or auto, when the picture's\n"
                          "noise grows with its intensity), a variance a y + b per channel that\n"
                          "the generalised Anscombe transform makes white before the solve and\n"
                          "its exact unbiased inverse undoes after it. --strength scales the\n"
                          "level every plane is solved at, --chroma-strength the chroma planes'.\n\n"
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
  if (!check_noise_options (noise_name, strength, chroma_strength, &args, colour, &noise, &code))
    goto out;
  given_sigma = args.sigma;

  input = ts_image_load (positional[0], &error);
  if (input == NULL || !ts_image_check_finite (input, positional[0], &error))
    goto fail;
  if (!cli_restore_check_output_channels (CLI_TASK_DENOISE, &args, input, &code))
    goto out;
  if (chroma_strength != 1.0 && ts_colour_channels (input) < 3)
    cli_note ("note: --chroma-strength does nothing on a gray image");

  /* The noise and the levels: the core's rule (ts-restore-noise.h), read once here and handed
   * to the run. The model is the core's too, per plane; the one loaded here is for the
   * notes. */
  cli_solve_args_to_request (&args, CLI_TASK_DENOISE, &request);
  request.image = input;
  request.model_spec = args.model;
  request.colour = colour;
  request.noise = noise;
  request.strength = strength;
  request.chroma_strength = chroma_strength;
  if (!ts_restore_plan_noise (&request, &plan, &error))
    goto fail;
  request.noise_plan = &plan;
  note_estimate (&args, &plan, &info);
  noise_said = describe_noise (&plan);
  cli_note ("%s", noise_said);
  /* The statistics' "sigma": the level a model chosen by the level was chosen at. */
  if (ts_restore_model_uses_sigma (args.model) && isnan (args.sigma))
    args.sigma = plan.sigma;
  model = denoise_model (&args, given_sigma, &request, &plan, input, &code, &error);
  if (model == NULL)
    goto out_or_fail;
  if (args.chroma_model != NULL && !plan.opponent)
    cli_note ("note: --chroma-model does nothing here (a gray image, or --colour rgb)");
  if (plan.opponent)
    {
      g_autofree char *chroma_note = NULL;
      g_autoptr (TsModel) chroma = ts_restore_chroma_model (&request, &plan, &chroma_note, &error);
      if (chroma_note != NULL)
        cli_note ("note: %s", chroma_note);
      if (error != NULL)
        goto fail;
      if (chroma != NULL)
        cli_note ("note: chroma planes: model %s", chroma->name);
    }

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
