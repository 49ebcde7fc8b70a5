/* tessera-cli estimate-noise: the blind noise level of an image (ts-noise-level.h), per
 * channel, and the Poisson-Gaussian reading (ts-noise-model.h). */
#include "cli-common.h"

#include <math.h>
#include <stdio.h>

/* The reading behind the level, one "name: values" line each (levels in 0-255 units). */
static void
print_reading (const TsNoiseLevel *level)
{
  static const char *const plane_names[] = { "Y", "O1", "O2" };
  printf ("noise: %s\n", ts_noise_kind_name (level->kind));
  printf ("planes:");
  for (int p = 0; p < level->n_planes && p < 3; p++)
    printf (" %s", level->n_planes == 1 ? "gray" : plane_names[p]);
  printf ("\nwhite:");
  for (int p = 0; p < level->n_planes && p < 3; p++)
    printf (" %.2f", 255.0 * level->white[p]);
  printf ("\ncoarse: %.2f\n", 255.0 * level->coarse);
  printf ("evenness: %.3f\n", level->evenness);
  printf ("camera-probability: %.3f\n", level->camera_probability);
}

/* The white level of each colour channel (R, G, B or gray), 0-255 units. */
static void
print_channels (const TsImage *image)
{
  static const char *const names[] = { "R", "G", "B" };
  int n = ts_colour_channels (image) >= 3 ? 3 : 1;
  printf ("channels:");
  for (int c = 0; c < n; c++)
    printf (" %s", n == 1 ? "gray" : names[c]);
  printf ("\nchannel-white:");
  for (int c = 0; c < n; c++)
    printf (" %.2f", 255.0 * ts_noise_estimate_channel (image, c));
  printf ("\n");
}

/* The Poisson-Gaussian reading: the model auto picks and, per channel, a and b (variance
 * a y + b, y in 0-1) with the range of intensities read. */
static void
print_poisson_gaussian (const TsImage *image, const TsNoiseLevel *level)
{
  static const char *const names[] = { "R", "G", "B" };
  TsNoiseModelEstimate e;
  ts_noise_model_estimate (image, &e);
  printf ("auto: %s\n", ts_noise_model_name (ts_noise_model_choose (level, &e)));
  if (e.n_channels == 0)
    {
      printf ("poisson-gaussian: none (too small, or no smooth part to read)\n");
      return;
    }
  printf ("spread: %.3f\n", e.spread);
  for (int c = 0; c < e.n_channels; c++)
    {
      const TsPoissonGaussian *pg = &e.channel[c];
      printf ("%s: a %.6f b %.3e (a error %.2g; %d bins over %.3f to %.3f; sd %.2f to %.2f in "
              "0-255)\n", e.n_channels == 1 ? "gray" : names[c], pg->a, pg->b, e.a_error[c],
              e.n_bins[c], e.y_low[c], e.y_high[c],
              255.0 * sqrt (ts_poisson_gaussian_variance (pg, e.y_low[c])),
              255.0 * sqrt (ts_poisson_gaussian_variance (pg, e.y_high[c])));
    }
}

int
cli_cmd_estimate_noise (int argc, char **argv)
{
  g_auto (GStrv) positional = NULL;
  g_autoptr (TsImage) image = NULL;
  gboolean show_reading = FALSE;
  g_autofree char *noise_name = NULL;
  TsNoiseModel noise = TS_NOISE_MODEL_GAUSSIAN;
  GError *error = NULL;
  TsNoiseLevel level;
  int code = 0;
  const GOptionEntry entries[] = {
    { "reading", 'r', 0, G_OPTION_ARG_NONE, &show_reading,
      "Also print the noise assumed and the per-plane and per-channel readings behind the level", NULL },
    { "noise", 0, 0, G_OPTION_ARG_STRING, &noise_name,
      "poisson-gaussian or auto: also print the Poisson-Gaussian reading (a, b per channel) and the model auto picks (default: gaussian, the level alone)",
      "gaussian|poisson-gaussian|auto" },
    { NULL }
  };

  if (!cli_parse_options ("estimate-noise", "IMAGE",
                          "Prints the noise level the denoiser uses when no --sigma is given:\n"
                          "the standard deviation in 0-255 units, alone on the first line of stdout.\n"
                          "White Gaussian noise is read by patch-PCA with weak-texture selection\n"
                          "(the mean over the planes Y, O1, O2 of the opponent basis); the\n"
                          "correlated noise of camera JPEGs (demosaiced, noise-reduced, compressed)\n"
                          "by the same on 2 x 2 block means of Y, when fine detail covers the\n"
                          "picture evenly, as noise does and a clean picture's edges do not.\n"
                          "--reading adds 'name: values' lines: noise (white or camera), planes,\n"
                          "white (per plane), coarse, evenness, camera-probability, channels,\n"
                          "channel-white (per R, G, B channel).\n"
                          "--noise poisson-gaussian (or auto) adds the model 'denoise --noise auto'\n"
                          "picks ('auto: ...'), the spread (the noise's standard deviation at the\n"
                          "top of the intensities read over that at the bottom) and one line per\n"
                          "channel: 'R: a A b B (...)', the variance a y + b of the noise at clean\n"
                          "intensity y, in 0-1 units.",
                          NULL, entries, argc, argv, &positional, &code))
    return code;
  if (noise_name != NULL && !ts_noise_model_from_name (noise_name, &noise))
    return cli_usage_error ("estimate-noise",
                            "--noise must be gaussian, poisson-gaussian or auto, not '%s'",
                            noise_name);
  if (g_strv_length (positional) != 1)
    return cli_usage_error ("estimate-noise", "expected one IMAGE, got %u arguments",
                            g_strv_length (positional));
  image = ts_image_load (positional[0], &error);
  if (image == NULL || !ts_image_check_finite (image, positional[0], &error))
    return cli_report_error (error);
  ts_noise_level_estimate (image, &level);
  printf ("%.2f\n", level.sigma * 255.0);
  if (show_reading)
    {
      print_reading (&level);
      print_channels (image);
    }
  if (noise != TS_NOISE_MODEL_GAUSSIAN)
    print_poisson_gaussian (image, &level);
  if (fflush (stdout) != 0)
    return cli_error ("could not write to stdout");
  return CLI_EXIT_OK;
}
