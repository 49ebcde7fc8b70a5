/* tessera-cli estimate-noise: the blind noise-level estimate of an image. */
#include "cli-common.h"

#include <stdio.h>

int
cli_cmd_estimate_noise (int argc, char **argv)
{
  g_auto (GStrv) positional = NULL;
  g_autoptr (TsImage) image = NULL;
  GError *error = NULL;
  int code = 0;

  if (!cli_parse_options ("estimate-noise", "IMAGE",
                          "Prints the estimated standard deviation of the image's white Gaussian\n"
                          "noise, in 0-255 units, alone on stdout (patch-PCA with weak-texture\n"
                          "selection; colour images: the mean over R, G and B; alpha is ignored).",
                          NULL, NULL, argc, argv, &positional, &code))
    return code;
  if (g_strv_length (positional) != 1)
    return cli_usage_error ("estimate-noise", "expected one IMAGE, got %u arguments",
                            g_strv_length (positional));
  image = ts_image_load (positional[0], &error);
  if (image == NULL || !ts_image_check_finite (image, positional[0], &error))
    return cli_report_error (error);
  printf ("%.2f\n", ts_noise_estimate (image) * 255.0);
  if (fflush (stdout) != 0)
    return cli_error ("could not write to stdout");
  return CLI_EXIT_OK;
}
