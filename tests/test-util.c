#include "test-util.h"
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

static char *tmpdir;

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  if (dir != NULL)
    {
      const char *name;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          if (g_file_test (child, G_FILE_TEST_IS_DIR))
            remove_tree (child);
          else
            g_unlink (child);
        }
      g_dir_close (dir);
    }
  g_rmdir (path);
}

static void
cleanup_tmpdir (void)
{
  if (tmpdir != NULL)
    remove_tree (tmpdir);
}

const char *
ts_test_tmpdir (void)
{
  if (tmpdir == NULL)
    {
      g_autoptr (GError) error = NULL;
      tmpdir = g_dir_make_tmp ("tessera-test-XXXXXX", &error);
      g_assert_no_error (error);
      atexit (cleanup_tmpdir);
    }
  return tmpdir;
}

char *
ts_test_tmp_path (const char *name)
{
  return g_build_filename (ts_test_tmpdir (), name, NULL);
}

const char *
ts_test_shared_dir (void)
{
  static char *dir;
  if (dir == NULL)
    {
      const char *env = g_getenv ("TESSERA_SHARED_DIR");
      if (env == NULL || !g_file_test (env, G_FILE_TEST_IS_DIR))
        return NULL;
      g_autofree char *ref = g_build_filename (env, "reference", NULL);
      if (!g_file_test (ref, G_FILE_TEST_IS_DIR))
        return NULL;
      dir = g_strdup (env);
    }
  return dir;
}

void
ts_test_write_bytes (const char *path, const void *bytes, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_file_set_contents (path, bytes, (gssize) len, &error);
  g_assert_no_error (error);
}

static void
put_be32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

GBytes *
ts_test_icc_profile (gboolean rgb, gsize size, guint seed)
{
  g_assert_cmpuint (size, >=, 148);
  g_assert_cmpuint (size % 4, ==, 0);
  guint8 *p = g_malloc0 (size);
  put_be32 (p, (guint32) size);
  put_be32 (p + 8, 0x02100000);                /* version 2.1 */
  memcpy (p + 12, "mntr", 4);
  memcpy (p + 16, rgb ? "RGB " : "GRAY", 4);
  memcpy (p + 20, "XYZ ", 4);
  memcpy (p + 36, "acsp", 4);
  put_be32 (p + 68, 0x0000f6d6);               /* D50: X 0.9642, Y 1.0, Z 0.8249 */
  put_be32 (p + 72, 0x00010000);
  put_be32 (p + 76, 0x0000d32d);
  put_be32 (p + 128, 1);                       /* one tag: a private one, the rest */
  memcpy (p + 132, "tsts", 4);
  put_be32 (p + 136, 144);
  put_be32 (p + 140, (guint32) (size - 144));
  guint32 s = seed * 2654435761u + 1;
  for (gsize i = 144; i < size; i++)
    {
      s = s * 1103515245u + 12345u;
      p[i] = s >> 24;
    }
  return g_bytes_new_take (p, size);
}

GPtrArray *
ts_test_icc_segments (GBytes *profile, gsize part)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (profile, &len);
  guint count = (guint) ((len + part - 1) / part);
  g_assert_cmpuint (count, >=, 1);
  g_assert_cmpuint (count, <=, 255);
  GPtrArray *segments = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  for (guint i = 0; i < count; i++)
    {
      gsize n = MIN (part, len - i * part);
      guint8 *seg = g_malloc (14 + n);
      memcpy (seg, "ICC_PROFILE", 12);
      seg[12] = i + 1;
      seg[13] = count;
      memcpy (seg + 14, data + i * part, n);
      g_ptr_array_add (segments, g_bytes_new_take (seg, 14 + n));
    }
  return segments;
}

guint8 *
ts_test_encode_jpeg (int w, int h, int channels, GPtrArray *app2, gsize *len)
{
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr jerr;
  unsigned char *buffer = NULL;
  unsigned long size = 0;

  g_assert_true (channels == 1 || channels == 3);
  cinfo.err = jpeg_std_error (&jerr);
  jpeg_create_compress (&cinfo);
  jpeg_mem_dest (&cinfo, &buffer, &size);
  cinfo.image_width = w;
  cinfo.image_height = h;
  cinfo.input_components = channels;
  cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults (&cinfo);
  jpeg_set_quality (&cinfo, 95, TRUE);
  jpeg_start_compress (&cinfo, TRUE);
  for (guint i = 0; app2 != NULL && i < app2->len; i++)
    {
      gsize n;
      const guint8 *seg = g_bytes_get_data (app2->pdata[i], &n);
      jpeg_write_marker (&cinfo, JPEG_APP0 + 2, seg, (unsigned int) n);
    }
  g_autofree JSAMPLE *row = g_new (JSAMPLE, (gsize) w * channels);
  while (cinfo.next_scanline < cinfo.image_height)
    {
      int y = (int) cinfo.next_scanline;
      for (int x = 0; x < w; x++)
        for (int c = 0; c < channels; c++)
          row[(gsize) x * channels + c] = (JSAMPLE) ((x * 3 + y * 5 + c * 40) & 0xff);
      JSAMPROW rows[1] = { row };
      jpeg_write_scanlines (&cinfo, rows, 1);
    }
  jpeg_finish_compress (&cinfo);
  jpeg_destroy_compress (&cinfo);
  guint8 *out = g_memdup2 (buffer, size);
  free (buffer);
  *len = size;
  return out;
}
