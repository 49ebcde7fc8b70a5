/* tessera-cli estimate-noise: the blind noise level of an image (ts-noise-level.h). */
#include "cli-common.h"

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

int
cli_cmd_estimate_noise (int argc, char **argv)
{
  g_auto (GStrv) positional = NULL;
  g_autoptr (TsImage) image = NULL;
  gboolean show_reading = FALSE;
  GError *error = NULL;
  TsNoiseLevel level;
  int code = 0;
  const GOptionEntry entries[] = {
    { "reading", 'r', 0, G_OPTION_ARG_NONE, &show_reading,
      "Also print the noise assumed and the per-plane readings behind the level", NULL },
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
                          "white (per plane), coarse, evenness, camera-probability.",
                          NULL, entries, argc, argv, &positional, &code))
    return code;
  if (g_strv_length (positional) != 1)
    return cli_usage_error ("estimate-noise", "expected one IMAGE, got %u arguments",
                            g_strv_length (positional));
  image = ts_image_load (positional[0], &error);
  if (image == NULL || !ts_image_check_finite (image, positional[0], &error))
    return cli_report_error (error);
  ts_noise_level_estimate (image, &level);
  printf ("%.2f\n", level.sigma * 255.0);
  if (show_reading)
    print_reading (&level);
  if (fflush (stdout) != 0)
    return cli_error ("could not write to stdout");
  return CLI_EXIT_OK;
}
