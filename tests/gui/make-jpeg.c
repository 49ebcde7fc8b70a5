/* Writes a synthetic colour JPEG of the given size (smooth shapes, edges, texture and
 * Gaussian-like noise) for the large-picture GUI test: make-jpeg OUT WIDTH HEIGHT. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <jpeglib.h>

static unsigned
next_random (unsigned *state)
{
  *state = *state * 1664525u + 1013904223u;
  return *state >> 8;
}

int
main (int argc, char **argv)
{
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr jerr;
  unsigned char *row;
  unsigned seed = 12345u;
  FILE *out;
  int width, height;

  if (argc != 4)
    {
      fprintf (stderr, "usage: %s OUT.jpg WIDTH HEIGHT\n", argv[0]);
      return 2;
    }
  width = atoi (argv[2]);
  height = atoi (argv[3]);
  if (width < 16 || height < 16)
    return 2;
  out = fopen (argv[1], "wb");
  if (out == NULL)
    {
      perror (argv[1]);
      return 1;
    }
  cinfo.err = jpeg_std_error (&jerr);
  jpeg_create_compress (&cinfo);
  jpeg_stdio_dest (&cinfo, out);
  cinfo.image_width = (JDIMENSION) width;
  cinfo.image_height = (JDIMENSION) height;
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults (&cinfo);
  jpeg_set_quality (&cinfo, 95, TRUE);
  jpeg_start_compress (&cinfo, TRUE);
  row = malloc ((size_t) width * 3);
  for (int y = 0; y < height; y++)
    {
      for (int x = 0; x < width; x++)
        {
          double u = (double) x / width, v = (double) y / height;
          double base[3] = { 0.2 + 0.6 * u, 0.3 + 0.4 * v, 0.7 - 0.4 * u * v };
          double dx = u - 0.5, dy = v - 0.5;
          if (dx * dx + dy * dy < 0.05)
            base[0] = 0.9, base[1] = 0.8, base[2] = 0.2;
          if (((x / 64) + (y / 64)) % 2 == 0 && u > 0.7)
            base[1] *= 0.5;
          base[2] += 0.1 * sin (x * 0.05) * cos (y * 0.07);
          for (int c = 0; c < 3; c++)
            {
              /* About sigma 15 of noise: the sum of four uniforms. */
              double n = 0.0;
              for (int k = 0; k < 4; k++)
                n += (next_random (&seed) & 0xffff) / 65535.0 - 0.5;
              double value = 255.0 * base[c] + 26.0 * n;
              row[x * 3 + c] = (unsigned char) (value < 0 ? 0 : value > 255 ? 255 : lrint (value));
            }
        }
      JSAMPROW rows[1] = { row };
      jpeg_write_scanlines (&cinfo, rows, 1);
    }
  jpeg_finish_compress (&cinfo);
  jpeg_destroy_compress (&cinfo);
  free (row);
  if (fclose (out) != 0)
    {
      perror (argv[1]);
      return 1;
    }
  return 0;
}
