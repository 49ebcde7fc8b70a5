/* Writes the demo picture with Gaussian noise of a known level as a 16-bit PNG, for the
 * noise-estimate GUI test: make-noisy OUT.png SIZE SIGMA (SIGMA in 0-255 units). */
#include <stdio.h>
#include <stdlib.h>

#include "tessera.h"

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TsImage) image = NULL;

  if (argc != 4)
    {
      fprintf (stderr, "usage: %s OUT.png SIZE SIGMA\n", argv[0]);
      return 2;
    }
  image = ts_demo_image_new (atoi (argv[2]), atoi (argv[2]));
  if (image == NULL)
    return 1;
  ts_noise_add_gaussian (image, g_ascii_strtod (argv[3], NULL) / 255.0, 1);
  if (!ts_image_save (image, argv[1], 16, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  return 0;
}
