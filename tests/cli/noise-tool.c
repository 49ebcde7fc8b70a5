/* noise-tool: noisy test pictures for the CLI tests and bench/bench-poisson-gaussian.sh.
 *
 *   noise-tool IN OUT [--crop W H] [--rgb] [--a A] [--b B] [--seed S] [--clean CLEAN]
 *
 * Reads IN (any format Tessera reads), crops its centre W x H (when given), makes a gray
 * picture colour (--rgb: R = v, G = 0.8 v + 0.1, B = 0.5 v + 0.3), writes the clean picture to
 * CLEAN when given (and then prints the noisy picture's PSNR against it), adds Poisson-Gaussian noise of variance
 * a y + b (ts_noise_add_poisson_gaussian; a = 0 for Gaussian) and writes OUT (.npy: float32,
 * not clipped; .png: 8-bit, clipped). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tessera.h"

int
main (int argc, char **argv)
{
  double a = 0.0, b = 0.0;
  int crop_w = 0, crop_h = 0;
  guint64 seed = 1;
  const char *clean_path = NULL;
  gboolean rgb = FALSE;
  GError *error = NULL;

  if (argc < 3)
    {
      fprintf (stderr, "usage: %s IN OUT [--crop W H] [--rgb] [--a A] [--b B] [--seed S] [--clean CLEAN]\n",
               argv[0]);
      return 2;
    }
  for (int i = 3; i < argc; i++)
    {
      if (strcmp (argv[i], "--crop") == 0 && i + 2 < argc)
        {
          crop_w = atoi (argv[++i]);
          crop_h = atoi (argv[++i]);
        }
      else if (strcmp (argv[i], "--rgb") == 0)
        rgb = TRUE;
      else if (strcmp (argv[i], "--a") == 0 && i + 1 < argc)
        a = g_ascii_strtod (argv[++i], NULL);
      else if (strcmp (argv[i], "--b") == 0 && i + 1 < argc)
        b = g_ascii_strtod (argv[++i], NULL);
      else if (strcmp (argv[i], "--seed") == 0 && i + 1 < argc)
        seed = g_ascii_strtoull (argv[++i], NULL, 10);
      else if (strcmp (argv[i], "--clean") == 0 && i + 1 < argc)
        clean_path = argv[++i];
      else
        {
          fprintf (stderr, "%s: unknown argument %s\n", argv[0], argv[i]);
          return 2;
        }
    }
  g_autoptr (TsImage) image = ts_image_load (argv[1], &error);
  if (image == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  if (crop_w > 0 && crop_h > 0)
    {
      crop_w = MIN (crop_w, image->width);
      crop_h = MIN (crop_h, image->height);
      TsImage *cropped = ts_image_crop (image, (image->width - crop_w) / 2,
                                        (image->height - crop_h) / 2, crop_w, crop_h);
      ts_image_free (image);
      image = cropped;
    }
  if (rgb && image->channels == 1)
    {
      TsImage *colour = ts_image_new (image->width, image->height, 3, NULL);
      for (gsize i = 0; i < (gsize) image->width * image->height; i++)
        {
          float v = image->data[i];
          colour->data[3 * i] = v;
          colour->data[3 * i + 1] = 0.8f * v + 0.1f;
          colour->data[3 * i + 2] = 0.5f * v + 0.3f;
        }
      ts_image_free (image);
      image = colour;
    }
  if (clean_path != NULL && !ts_image_save (image, clean_path, 0, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  g_autoptr (TsImage) clean = ts_image_copy (image);
  ts_noise_add_poisson_gaussian (image, a, b, seed);
  /* With --clean, the noisy picture's PSNR (as tessera-cli scores a result) on stdout. */
  if (clean_path != NULL)
    printf ("%.4f\n", ts_psnr (image, clean, 0));
  if (!ts_image_save (image, argv[2], 0, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  return 0;
}
