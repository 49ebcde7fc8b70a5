/* Shared by the libFuzzer harnesses: the loaders take paths, so each input is written to a
 * file in a private temporary folder (one per fuzzing process) and loaded from there. */
#pragma once
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "tessera.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static char *fuzz_dir;

/* Called once per process: a private folder, removed at exit, and limits small enough that
 * a hostile header cannot make the loaders allocate gigabytes (libFuzzer would report that
 * as an out-of-memory crash although the limit check works as designed). */
static void
fuzz_remove_dir (void)
{
  if (fuzz_dir == NULL)
    return;
  GDir *d = g_dir_open (fuzz_dir, 0, NULL);
  if (d != NULL)
    {
      const char *name;
      while ((name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *p = g_build_filename (fuzz_dir, name, NULL);
          g_unlink (p);
        }
      g_dir_close (d);
    }
  g_rmdir (fuzz_dir);
}

static void
fuzz_init (void)
{
  if (fuzz_dir != NULL)
    return;
  GError *error = NULL;
  fuzz_dir = g_dir_make_tmp ("tessera-fuzz-XXXXXX", &error);
  if (fuzz_dir == NULL)
    {
      fprintf (stderr, "fuzz: %s\n", error->message);
      abort ();
    }
  atexit (fuzz_remove_dir);
  ts_limits_set_max_pixels ((gsize) 4 << 20);
}

/* Writes `size` bytes to <fuzz_dir>/<name>; returns the path (g_free it). */
static char *
fuzz_write (const char *name, const uint8_t *data, size_t size)
{
  char *path = g_build_filename (fuzz_dir, name, NULL);
  FILE *f = fopen (path, "wb");
  if (f == NULL || (size > 0 && fwrite (data, 1, size, f) != size) || fclose (f) != 0)
    {
      fprintf (stderr, "fuzz: cannot write %s\n", path);
      abort ();
    }
  return path;
}

/* A successful load must be self-consistent; a failed one must say why. */
G_GNUC_UNUSED static void
fuzz_check_image (TsImage *image, GError *error)
{
  if (image == NULL)
    {
      if (error == NULL || error->domain != TS_ERROR || error->message == NULL)
        abort ();
      return;
    }
  if (error != NULL || image->width < 1 || image->height < 1 || image->channels < 1
      || image->channels > 4)
    abort ();
  /* Touch every value so that ASan sees any short allocation. */
  volatile float sum = 0;
  for (gsize i = 0; i < ts_image_n_values (image); i++)
    sum += image->data[i];
  (void) sum;
}
