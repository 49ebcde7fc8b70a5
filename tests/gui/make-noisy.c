/* Writes the demo picture with noise of a known level as a 16-bit PNG, for the noise GUI
 * tests: make-noisy OUT.png SIZE SIGMA [colour] [poisson A] (SIGMA in 0-255 units).
 * "colour": an RGB picture (the demo picture in three different channels), the noise drawn
 * per channel; "poisson A": Poisson-Gaussian noise of variance A y + (SIGMA / 255)^2 (y in
 * 0-1) instead of white Gaussian noise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tessera.h"

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TsImage) image = NULL;
  gboolean colour = FALSE;
  double a = 0.0;

  if (argc < 4)
    {
      fprintf (stderr, "usage: %s OUT.png SIZE SIGMA [colour] [poisson A]\n", argv[0]);
      return 2;
    }
  for (int i = 4; i < argc; i++)
    if (strcmp (argv[i], "colour") == 0)
      colour = TRUE;
    else if (strcmp (argv[i], "poisson") == 0 && i + 1 < argc)
      a = g_ascii_strtod (argv[++i], NULL);
    else
      {
        fprintf (stderr, "%s: unknown argument %s\n", argv[0], argv[i]);
        return 2;
      }
  image = ts_demo_image_new (atoi (argv[2]), atoi (argv[2]));
  if (image == NULL)
    return 1;
  if (colour)
    {
      g_autoptr (TsImage) gray = g_steal_pointer (&image);
      image = ts_image_new (gray->width, gray->height, 3, NULL);
      for (gsize i = 0; i < (gsize) gray->width * gray->height; i++)
        {
          image->data[3 * i] = gray->data[i];
          image->data[3 * i + 1] = 0.6f * gray->data[i] + 0.2f;
          image->data[3 * i + 2] = 1.0f - 0.8f * gray->data[i];
        }
    }
  double sigma = g_ascii_strtod (argv[3], NULL) / 255.0;
  if (a > 0.0)
    ts_noise_add_poisson_gaussian (image, a, sigma * sigma, 1);
  else
    ts_noise_add_gaussian (image, sigma, 1);
  if (!ts_image_save (image, argv[1], 16, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  return 0;
}
