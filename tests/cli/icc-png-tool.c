/* Helper of run-cli-tests.sh, with libpng directly (not libtessera's PNG code):
 *   icc-png-tool write OUT.png CHANNELS   a 48 x 48 16-bit PNG (1 to 4 channels) with an ICC
 *                                         profile (GRAY for 1 and 2 channels, else RGB)
 *   icc-png-tool info IN.png              prints "depth D icc SHA256", or "icc none" */
#include <stdio.h>
#include <stdlib.h>
#include <png.h>
#include "test-util.h"

static const int color_types[5] = { 0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                    PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA };

static int
write_png (const char *path, int channels)
{
  enum { W = 48, H = 48 };
  FILE *f = fopen (path, "wb");
  if (f == NULL)
    return 1;
  png_structp png = png_create_write_struct (PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct (png);
  if (setjmp (png_jmpbuf (png)))
    {
      fclose (f);
      return 1;
    }
  png_init_io (png, f);
  png_set_IHDR (png, info, W, H, 16, color_types[channels], PNG_INTERLACE_NONE,
                PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  g_autoptr (GBytes) profile = ts_test_icc_profile (channels >= 3, 2048, 11);
  gsize len;
  const guint8 *data = g_bytes_get_data (profile, &len);
  png_set_iCCP (png, info, "test", PNG_COMPRESSION_TYPE_BASE, data, (png_uint_32) len);
  png_write_info (png, info);
  guint8 row[W * 4 * 2];
  guint32 s = 7;
  for (int y = 0; y < H; y++)
    {
      for (int x = 0; x < W; x++)
        for (int c = 0; c < channels; c++)
          {
            s = s * 1103515245u + 12345u;
            /* A smooth ramp with noise, alpha a ramp of its own; big-endian samples. */
            int v = c == channels - 1 && channels % 2 == 0
                      ? 1000 * x + 300 * y
                      : 20000 + 500 * x + 300 * y + 200 * c + (int) ((s >> 16) % 4000);
            row[(x * channels + c) * 2] = (guint8) (v >> 8);
            row[(x * channels + c) * 2 + 1] = (guint8) v;
          }
      png_write_row (png, row);
    }
  png_write_end (png, info);
  png_destroy_write_struct (&png, &info);
  return fclose (f) == 0 ? 0 : 1;
}

static int
info_png (const char *path)
{
  FILE *f = fopen (path, "rb");
  if (f == NULL)
    return 1;
  png_structp png = png_create_read_struct (PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct (png);
  if (setjmp (png_jmpbuf (png)))
    {
      fclose (f);
      return 1;
    }
  png_init_io (png, f);
  png_read_info (png, info);
  png_charp name;
  png_bytep data;
  png_uint_32 len;
  int compression;
  g_autofree char *sum = NULL;
  if (png_get_iCCP (png, info, &name, &compression, &data, &len) != 0)
    sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, len);
  printf ("depth %d icc %s\n", png_get_bit_depth (png, info), sum != NULL ? sum : "none");
  png_destroy_read_struct (&png, &info, NULL);
  fclose (f);
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc == 4 && g_str_equal (argv[1], "write") && atoi (argv[3]) >= 1 && atoi (argv[3]) <= 4)
    return write_png (argv[2], atoi (argv[3]));
  if (argc == 3 && g_str_equal (argv[1], "info"))
    return info_png (argv[2]);
  fprintf (stderr, "usage: %s write OUT.png CHANNELS | info IN.png\n", argv[0]);
  return 2;
}
