/* Hostile and broken inputs: every one must fail cleanly, with the right error code and a
 * message that names the file. */
/* fileno, fdopen, fsync, O_CLOEXEC under -std=c11 (meson also passes -D_GNU_SOURCE). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <glib/gstdio.h>
#include "ts-io.h"
#include "ts-npy.h"
#include "ts-kspace.h"
#include "ts-model-file.h"
#include "ts-io-hdf5.h"
#include "test-hdf5-util.h"
#include "test-util.h"
#include <hdf5.h>

static void
assert_failure (const GError *error, int code, const char *path)
{
  g_assert_error (error, TS_ERROR, code);
  g_autofree char *base = g_path_get_basename (path);
  if (strstr (error->message, base) == NULL)
    g_error ("message \"%s\" does not name %s", error->message, base);
  g_test_message ("%s", error->message);
}

static void
assert_load_fails (const char *path, int code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TsImage) image = ts_image_load (path, &error);
  g_assert_null (image);
  assert_failure (error, code, path);
}

/* No ".name.XXXXXX" leftovers next to `path`. */
static void
assert_no_temp_files (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  GDir *d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    if (name[0] == '.')
      g_error ("temporary file %s left in %s", name, dir);
  g_dir_close (d);
}

static TsImage *
make_noisy (int w, int h, int c)
{
  TsImage *image = ts_image_new (w, h, c, NULL);
  guint32 s = 12345;
  for (gsize i = 0; i < ts_image_n_values (image); i++)
    {
      s = s * 1103515245u + 12345u;
      image->data[i] = (s >> 8) / 16777216.0f;
    }
  return image;
}

static GBytes *
saved_bytes (const char *path, const TsImage *image, int depth)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (ts_image_save (image, path, depth, &error));
  g_assert_no_error (error);
  char *contents;
  gsize len;
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  return g_bytes_new_take (contents, len);
}

static void
test_truncated_png (void)
{
  g_autoptr (TsImage) image = make_noisy (64, 48, 3);
  g_autofree char *path = ts_test_tmp_path ("cut.png");
  g_autoptr (GBytes) bytes = saved_bytes (path, image, 8);
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  /* In the signature, in IHDR, in IDAT (early, middle, just before the end), before IEND. */
  const gsize cuts[] = { 0, 4, 7, 8, 20, 30, 40, len / 4, len / 2, len - 20, len - 12 };
  for (gsize i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      ts_test_write_bytes (path, data, cuts[i]);
      assert_load_fails (path, TS_ERROR_FORMAT);
      /* The format-specific entry point too, which skips the dispatcher's magic check. */
      g_autoptr (GError) error = NULL;
      g_autoptr (TsImage) direct = ts_image_load_png (path, &error);
      g_assert_null (direct);
      assert_failure (error, TS_ERROR_FORMAT, path);
    }
}

static void
test_corrupt_png (void)
{
  g_autoptr (TsImage) image = make_noisy (32, 32, 1);
  g_autofree char *path = ts_test_tmp_path ("corrupt.png");
  g_autoptr (GBytes) bytes = saved_bytes (path, image, 8);
  gsize len = g_bytes_get_size (bytes);
  g_autofree guint8 *data = g_memdup2 (g_bytes_get_data (bytes, NULL), len);
  /* Flip bytes inside the compressed IDAT data: CRC or zlib error. */
  for (gsize i = 60; i < 80 && i < len; i++)
    data[i] ^= 0x5a;
  ts_test_write_bytes (path, data, len);
  assert_load_fails (path, TS_ERROR_FORMAT);
}

static void
test_truncated_tiff (void)
{
  g_autoptr (TsImage) image = make_noisy (64, 48, 3);
  g_autofree char *path = ts_test_tmp_path ("cut.tif");
  const int depths[2] = { 16, 32 };
  for (int d = 0; d < 2; d++)
    {
      g_autoptr (GBytes) bytes = saved_bytes (path, image, depths[d]);
      gsize len;
      const guint8 *data = g_bytes_get_data (bytes, &len);
      const gsize cuts[] = { 0, 3, 6, 100, len / 2, len - 10 };
      for (gsize i = 0; i < G_N_ELEMENTS (cuts); i++)
        {
          ts_test_write_bytes (path, data, cuts[i]);
          assert_load_fails (path, TS_ERROR_FORMAT);
        }
    }

  /* libtiff puts the directory last, so the cuts above never reach the strip data. Build a
   * file by hand with the directory first (16 x 16, 8-bit gray, one strip) and cut its data. */
  static const guint16 entries[9][2] = {
    { 256, 16 }, { 257, 16 }, { 258, 8 }, { 259, 1 }, { 262, 1 },
    { 273, 122 }, { 277, 1 }, { 278, 16 }, { 279, 256 },
  };
  g_autoptr (GByteArray) tiff = g_byte_array_new ();
  const guint8 header[8] = { 'I', 'I', 42, 0, 8, 0, 0, 0 };
  g_byte_array_append (tiff, header, 8);
  const guint8 count[2] = { 9, 0 };
  g_byte_array_append (tiff, count, 2);
  for (int e = 0; e < 9; e++)
    {
      /* tag, type SHORT (3), count 1, value */
      guint8 entry[12] = { entries[e][0] & 0xff, entries[e][0] >> 8, 3, 0, 1, 0, 0, 0,
                           entries[e][1] & 0xff, entries[e][1] >> 8, 0, 0 };
      g_byte_array_append (tiff, entry, 12);
    }
  const guint8 next[4] = { 0 };
  g_byte_array_append (tiff, next, 4);
  g_assert_cmpuint (tiff->len, ==, 122);
  for (int i = 0; i < 256; i++)
    {
      guint8 v = i;
      g_byte_array_append (tiff, &v, 1);
    }
  ts_test_write_bytes (path, tiff->data, tiff->len);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsImage) whole = ts_image_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (whole->data[255], ==, 1.0f);
  ts_test_write_bytes (path, tiff->data, 122 + 100);
  assert_load_fails (path, TS_ERROR_FORMAT);
}

static char *
write_npy (const char *name, const char *dict, const void *data, gsize data_len)
{
  g_autoptr (GString) header = g_string_new (dict);
  while ((10 + header->len + 1) % 64 != 0)
    g_string_append_c (header, ' ');
  g_string_append_c (header, '\n');
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  guint8 pre[10] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, header->len & 0xff, header->len >> 8 };
  g_byte_array_append (bytes, pre, 10);
  g_byte_array_append (bytes, (const guint8 *) header->str, header->len);
  if (data_len > 0)
    g_byte_array_append (bytes, data, data_len);
  char *path = ts_test_tmp_path (name);
  ts_test_write_bytes (path, bytes->data, bytes->len);
  return path;
}

static void
test_truncated_npy (void)
{
  g_autoptr (TsImage) image = make_noisy (10, 8, 1);
  g_autofree char *path = ts_test_tmp_path ("cut.npy");
  g_autoptr (GBytes) bytes = saved_bytes (path, image, 0);
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  gsize data_start = 10 + (data[8] | (data[9] << 8));
  /* In the magic, in the length, in the header dict, in the data. */
  const gsize cuts[] = { 3, 9, 30, data_start - 1, data_start, data_start + 1, len - 1 };
  for (gsize i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      ts_test_write_bytes (path, data, cuts[i]);
      assert_load_fails (path, TS_ERROR_FORMAT);
      g_autoptr (GError) error = NULL;
      g_autoptr (TsNpyArray) a = ts_npy_load (path, &error);
      g_assert_null (a);
      assert_failure (error, TS_ERROR_FORMAT, path);
      if (cuts[i] >= data_start)
        g_assert_nonnull (strstr (error->message, "expected 320 bytes"));
    }
}

static void
test_wrong_magic (void)
{
  g_autofree char *path = ts_test_tmp_path ("notes.png");
  const char *text = "this is not an image\n";
  ts_test_write_bytes (path, text, strlen (text));
  assert_load_fails (path, TS_ERROR_FORMAT);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsImage) image = ts_image_load (path, &error);
  g_assert_null (image);
  g_assert_nonnull (strstr (error->message, "text"));

  /* A PNG named .tif, and a text file named .tif / .npy. */
  g_autofree char *tif = ts_test_tmp_path ("really-a-png.tif");
  g_autoptr (TsImage) small = make_noisy (4, 4, 1);
  g_autofree char *png = ts_test_tmp_path ("small.png");
  g_autoptr (GBytes) bytes = saved_bytes (png, small, 8);
  ts_test_write_bytes (tif, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  assert_load_fails (tif, TS_ERROR_FORMAT);
  g_autofree char *npy = ts_test_tmp_path ("text.npy");
  ts_test_write_bytes (npy, text, strlen (text));
  assert_load_fails (npy, TS_ERROR_FORMAT);
  g_autofree char *empty = ts_test_tmp_path ("empty.tiff");
  ts_test_write_bytes (empty, "", 0);
  assert_load_fails (empty, TS_ERROR_FORMAT);
}

static void
test_unknown_extension (void)
{
  /* GIF is not read; JPEG is read and written, but has no alpha channel. */
  g_autofree char *path = ts_test_tmp_path ("photo.gif");
  ts_test_write_bytes (path, "GIF89a", 6);
  assert_load_fails (path, TS_ERROR_UNSUPPORTED);
  g_autoptr (TsImage) image = make_noisy (2, 2, 1);
  g_autoptr (GError) error = NULL;
  g_assert_false (ts_image_save (image, path, 0, &error));
  assert_failure (error, TS_ERROR_UNSUPPORTED, path);
  g_autofree char *jpeg = ts_test_tmp_path ("photo.jpg");
  g_autoptr (TsImage) with_alpha = make_noisy (2, 2, 2);
  g_clear_error (&error);
  g_assert_false (ts_image_save (with_alpha, jpeg, 0, &error));
  assert_failure (error, TS_ERROR_UNSUPPORTED, jpeg);
}

static void
test_missing_file (void)
{
  g_autofree char *path = ts_test_tmp_path ("does-not-exist.png");
  assert_load_fails (path, TS_ERROR_IO);
}

static void
test_npy_unsupported_dtype (void)
{
  guint8 data[32] = { 0 };
  const char *dtypes[] = { "<u2", "<c16", "<f2", "|S4", ">u4" };
  for (gsize i = 0; i < G_N_ELEMENTS (dtypes); i++)
    {
      g_autofree char *dict = g_strdup_printf (
          "{'descr': '%s', 'fortran_order': False, 'shape': (2, 2), }", dtypes[i]);
      g_autofree char *path = write_npy ("dtype.npy", dict, data, sizeof data);
      assert_load_fails (path, TS_ERROR_UNSUPPORTED);
      g_autoptr (GError) error = NULL;
      g_autoptr (TsNpyArray) a = ts_npy_load (path, &error);
      g_assert_null (a);
      g_assert_nonnull (strstr (error->message, dtypes[i]));
    }
}

/* Header text echoed in a message must not carry invalid UTF-8 or terminal escapes (the GUI
 * shows messages in labels, the CLI on a terminal), nor the header's padding. */
static void
test_npy_hostile_header_text (void)
{
  float data[4] = { 0 };
  const char *dicts[] = {
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), \033[2J\377\376 }",
    "{'descr': '\033]0;owned\007\377', 'fortran_order': False, 'shape': (2, 2), }",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (dicts); i++)
    {
      g_autofree char *path = write_npy ("escape.npy", dicts[i], data, sizeof data);
      g_autoptr (GError) error = NULL;
      g_autoptr (TsNpyArray) a = ts_npy_load (path, &error);
      g_assert_null (a);
      g_assert_nonnull (error);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      for (const char *p = error->message; *p != '\0'; p++)
        g_assert_true (*p >= 0x20 && *p < 0x7f);
      g_assert_false (g_str_has_suffix (error->message, " "));
      g_test_message ("%s", error->message);
    }
}

/* Headers that are not valid Python/NumPy: a negative dimension, a non-boolean
 * fortran_order, a missing key. */
static void
test_npy_bad_header_values (void)
{
  float data[4] = { 0 };
  const char *dicts[] = {
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -2), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (-4,), }",
    "{'descr': '<f4', 'fortran_order': 'yes', 'shape': (2, 2), }",
    "{'descr': '<f4', 'fortran_order': 1, 'shape': (2, 2), }",
    "{'descr': '<f4', 'fortran_order': Truely, 'shape': (2, 2), }",
    "{'descr': '<f4', 'shape': (2, 2), }",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (dicts); i++)
    {
      g_autofree char *path = write_npy ("header.npy", dicts[i], data, sizeof data);
      assert_load_fails (path, TS_ERROR_FORMAT);
      g_autoptr (GError) error = NULL;
      g_autoptr (TsNpyArray) a = ts_npy_load (path, &error);
      g_assert_null (a);
      g_assert_error (error, TS_ERROR, TS_ERROR_FORMAT);
      g_assert_nonnull (strstr (error->message, "malformed"));
    }
}

static void
test_npy_too_many_dims (void)
{
  float data[4] = { 0 };
  g_autofree char *path = write_npy ("dims.npy",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 2, 2), }", data, sizeof data);
  assert_load_fails (path, TS_ERROR_UNSUPPORTED);
}

static void
test_over_limit (void)
{
  g_autoptr (TsImage) image = make_noisy (20, 20, 1);
  const char *names[3] = { "big.png", "big.tif", "big.npy" };
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *path = ts_test_tmp_path (names[i]);
      g_autoptr (GError) error = NULL;
      g_assert_true (ts_image_save (image, path, 0, &error));
      gsize saved_limit = ts_limits_get_max_pixels ();
      ts_limits_set_max_pixels (399);
      assert_load_fails (path, TS_ERROR_LIMIT);
      ts_limits_set_max_pixels (saved_limit);
      g_autoptr (TsImage) ok = ts_image_load (path, &error);
      g_assert_nonnull (ok);
      g_assert_no_error (error);
    }
  /* The npy element limit is the pixel limit times 4. */
  g_autofree char *npy = write_npy ("huge.npy",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000, 4), }", NULL, 0);
  assert_load_fails (npy, TS_ERROR_LIMIT);

  g_autoptr (GError) error = NULL;
  g_assert_false (ts_limits_check ("photo.png", 70000, 10, 1, &error));
  assert_failure (error, TS_ERROR_LIMIT, "photo.png");
  g_assert_nonnull (strstr (error->message, "70000 x 10"));
  g_clear_error (&error);
  g_assert_false (ts_limits_check ("zero.png", 0, 10, 1, &error));
  assert_failure (error, TS_ERROR_LIMIT, "zero.png");
}

static guint32
crc32_of (const guint8 *p, gsize n)
{
  guint32 c = 0xffffffffu;
  for (gsize i = 0; i < n; i++)
    {
      c ^= p[i];
      for (int k = 0; k < 8; k++)
        c = (c >> 1) ^ (0xedb88320u & -(c & 1));
    }
  return c ^ 0xffffffffu;
}

static void
append_chunk (GByteArray *png, const char *type, const guint8 *data, guint32 len)
{
  guint8 be[4] = { len >> 24, len >> 16, len >> 8, len };
  g_byte_array_append (png, be, 4);
  g_autoptr (GByteArray) body = g_byte_array_new ();
  g_byte_array_append (body, (const guint8 *) type, 4);
  if (len > 0)
    g_byte_array_append (body, data, len);
  g_byte_array_append (png, body->data, body->len);
  guint32 crc = crc32_of (body->data, body->len);
  guint8 cb[4] = { crc >> 24, crc >> 16, crc >> 8, crc };
  g_byte_array_append (png, cb, 4);
}

static void
test_png_huge_header (void)
{
  /* A tiny file whose IHDR claims 100000 x 100000 pixels: refused before any allocation. */
  g_autoptr (GByteArray) png = g_byte_array_new ();
  g_byte_array_append (png, (const guint8 *) "\x89PNG\r\n\x1a\n", 8);
  const guint8 ihdr[13] = { 0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0, 8, 2, 0, 0, 0 };
  append_chunk (png, "IHDR", ihdr, 13);
  const guint8 idat[2] = { 0x78, 0x9c };
  append_chunk (png, "IDAT", idat, 2);
  append_chunk (png, "IEND", NULL, 0);
  g_autofree char *path = ts_test_tmp_path ("huge.png");
  ts_test_write_bytes (path, png->data, png->len);
  assert_load_fails (path, TS_ERROR_LIMIT);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsImage) image = ts_image_load (path, &error);
  g_assert_null (image);
  g_assert_nonnull (strstr (error->message, "100000 x 100000"));
}

static void
test_nan_input (void)
{
  float data[6] = { 0.1f, 0.2f, NAN, 0.4f, 0.5f, 0.6f };
  g_autofree char *path = write_npy ("nan.npy",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", data, sizeof data);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsImage) image = ts_image_load (path, &error);
  g_assert_no_error (error);
  g_assert_false (ts_image_check_finite (image, path, &error));
  assert_failure (error, TS_ERROR_INVALID, path);
  g_clear_error (&error);
  image->data[2] = INFINITY;
  g_assert_false (ts_image_check_finite (image, path, &error));
  assert_failure (error, TS_ERROR_INVALID, path);
  g_clear_error (&error);
  image->data[2] = 0.3f;
  g_assert_true (ts_image_check_finite (image, path, &error));
  g_assert_no_error (error);
}

static char *
save_kspace (const char *name, int w, int h, float poison)
{
  g_autofree float *data = g_new0 (float, 2 * w * h);
  for (int i = 0; i < 2 * w * h; i++)
    data[i] = i * 0.25f;
  data[3] = poison;
  char *path = ts_test_tmp_path (name);
  gint64 shape[2] = { h, w };
  g_autoptr (GError) error = NULL;
  g_assert_true (ts_npy_save_complex64 (path, data, 2, shape, &error));
  return path;
}

static char *
save_mask (const char *name, int ndim, gint64 d0, gint64 d1, float odd_value)
{
  gsize n = ndim == 1 ? d0 : d0 * d1;
  g_autofree float *m = g_new0 (float, n);
  for (gsize i = 0; i < n; i++)
    m[i] = i % 2;
  m[n - 1] = odd_value;
  char *path = ts_test_tmp_path (name);
  gint64 shape[2] = { d0, d1 };
  g_autoptr (GError) error = NULL;
  g_assert_true (ts_npy_save_float32 (path, m, ndim, shape, &error));
  return path;
}

static void
assert_kspace_fails (const char *kpath, const char *mpath, int code, const char *named)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TsKspace) k = ts_kspace_load (kpath, mpath, &error);
  g_assert_null (k);
  assert_failure (error, code, named);
}

static void
test_mask_shape_mismatch (void)
{
  g_autofree char *k = save_kspace ("kspace.npy", 8, 5, 1.0f);
  g_autofree char *m = save_mask ("mask.npy", 2, 4, 8, 1.0f);
  assert_kspace_fails (k, m, TS_ERROR_INVALID, "mask.npy");
  assert_kspace_fails (k, m, TS_ERROR_INVALID, "kspace.npy");
  g_autofree char *c = save_mask ("colmask.npy", 1, 5, 0, 1.0f);
  assert_kspace_fails (k, c, TS_ERROR_INVALID, "colmask.npy");
}

static void
test_mask_not_binary (void)
{
  g_autofree char *k = save_kspace ("kspace.npy", 8, 5, 1.0f);
  g_autofree char *m = save_mask ("halfmask.npy", 2, 5, 8, 0.5f);
  assert_kspace_fails (k, m, TS_ERROR_INVALID, "halfmask.npy");
  g_autofree char *n = save_mask ("nanmask.npy", 1, 8, 0, NAN);
  assert_kspace_fails (k, n, TS_ERROR_INVALID, "nanmask.npy");
}

static void
test_kspace_nan (void)
{
  g_autofree char *k = save_kspace ("nan-kspace.npy", 8, 5, NAN);
  assert_kspace_fails (k, NULL, TS_ERROR_INVALID, "nan-kspace.npy");
  g_autofree char *i = save_kspace ("inf-kspace.npy", 8, 5, -INFINITY);
  assert_kspace_fails (i, NULL, TS_ERROR_INVALID, "inf-kspace.npy");

  /* A real array is not k-space. */
  g_autofree char *real = save_mask ("real.npy", 2, 5, 8, 1.0f);
  assert_kspace_fails (real, NULL, TS_ERROR_UNSUPPORTED, "real.npy");
  /* Also through .cfl. */
  float data[2 * 6] = { 1, 2, 3, NAN, 5, 6 };
  g_autofree char *base = ts_test_tmp_path ("nan-bart");
  g_autoptr (GError) error = NULL;
  g_assert_true (ts_kspace_save_cfl (base, data, 3, 2, &error));
  assert_kspace_fails (base, NULL, TS_ERROR_INVALID, "nan-bart");
}

static void
test_cfl_size_mismatch (void)
{
  float data[2 * 12] = { 0 };
  data[0] = 1;
  g_autofree char *base = ts_test_tmp_path ("short");
  g_autoptr (GError) error = NULL;
  g_assert_true (ts_kspace_save_cfl (base, data, 4, 3, &error));
  g_autofree char *cfl = ts_test_tmp_path ("short.cfl");
  g_autofree char *hdr = ts_test_tmp_path ("short.hdr");
  /* Too short, then too long. */
  ts_test_write_bytes (cfl, data, sizeof data - 8);
  assert_kspace_fails (cfl, NULL, TS_ERROR_FORMAT, "short.cfl");
  g_autofree guint8 *more = g_malloc0 (sizeof data + 8);
  ts_test_write_bytes (cfl, more, sizeof data + 8);
  assert_kspace_fails (cfl, NULL, TS_ERROR_FORMAT, "short.cfl");
  /* Multi-coil or garbage headers. */
  ts_test_write_bytes (cfl, data, sizeof data);
  ts_test_write_bytes (hdr, "# Dimensions\n4 3 1 8\n", 21);
  assert_kspace_fails (cfl, NULL, TS_ERROR_UNSUPPORTED, "short.hdr");
  ts_test_write_bytes (hdr, "# Dimensions\nfour three\n", 24);
  assert_kspace_fails (cfl, NULL, TS_ERROR_FORMAT, "short.hdr");
  g_autofree char *missing = ts_test_tmp_path ("nothing.cfl");
  assert_kspace_fails (missing, NULL, TS_ERROR_IO, "nothing.hdr");
}

static void
test_unwritable_output (void)
{
  g_autoptr (TsImage) image = make_noisy (8, 8, 3);
  const char *names[3] = { "out.png", "out.tif", "out.npy" };
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *path = g_build_filename (ts_test_tmpdir (), "no-such-dir", names[i], NULL);
      g_autoptr (GError) error = NULL;
      g_assert_false (ts_image_save (image, path, 0, &error));
      assert_failure (error, TS_ERROR_IO, path);
      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
    }
  float data[8] = { 0 };
  g_autofree char *base = g_build_filename (ts_test_tmpdir (), "no-such-dir", "k", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_false (ts_kspace_save_cfl (base, data, 2, 2, &error));
  assert_failure (error, TS_ERROR_IO, "k.cfl");
  g_clear_error (&error);

  /* Destination is a directory: rename fails, nothing is left behind. */
  g_autofree char *dir_path = ts_test_tmp_path ("taken.png");
  g_assert_cmpint (g_mkdir (dir_path, 0755), ==, 0);
  g_assert_false (ts_image_save (image, dir_path, 0, &error));
  assert_failure (error, TS_ERROR_IO, dir_path);
  assert_no_temp_files (dir_path);
}

static void
test_failed_save_keeps_old_file (void)
{
  /* Make writes fail with EFBIG via RLIMIT_FSIZE (SIGXFSZ ignored so write() returns an
   * error instead of killing us), then check the previous file survives unchanged. */
  g_autofree char *dir = ts_test_tmp_path ("keep");
  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  g_autoptr (TsImage) big = make_noisy (300, 300, 3);
  const char *names[3] = { "keep.png", "keep.tif", "keep.npy" };
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);
      ts_test_write_bytes (path, "precious", 8);

      struct rlimit old_limit, small;
      g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &old_limit), ==, 0);
      small = old_limit;
      small.rlim_cur = 4096;
      void (*old_handler) (int) = signal (SIGXFSZ, SIG_IGN);
      g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &small), ==, 0);
      g_autoptr (GError) error = NULL;
      gboolean ok = ts_image_save (big, path, 0, &error);
      g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &old_limit), ==, 0);
      signal (SIGXFSZ, old_handler);

      g_assert_false (ok);
      assert_failure (error, TS_ERROR_IO, path);
      g_autofree char *contents = NULL;
      g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
      g_assert_cmpstr (contents, ==, "precious");
      assert_no_temp_files (path);
    }
}

/* ---------------------------------------------------------------------------------------
 * Hand-made TIFF files: the directory first, then one strip of `data`. Entries are SHORT
 * (type 3) when the value fits in 16 bits, else LONG (type 4); the StripOffsets entry (273)
 * is filled in. */

typedef struct {
  guint16 tag;
  guint32 value;
} TiffEntry;

static void
write_tiff (const char *path, const TiffEntry *entries, int n, const guint8 *data, gsize len)
{
  g_autoptr (GByteArray) tiff = g_byte_array_new ();
  const guint8 header[8] = { 'I', 'I', 42, 0, 8, 0, 0, 0 };
  g_byte_array_append (tiff, header, 8);
  const guint8 count[2] = { n & 0xff, n >> 8 };
  g_byte_array_append (tiff, count, 2);
  guint32 data_offset = 8 + 2 + 12 * n + 4;
  for (int e = 0; e < n; e++)
    {
      guint32 v = entries[e].tag == 273 ? data_offset : entries[e].value;
      guint8 type = v > 0xffff ? 4 : 3;
      guint8 entry[12] = { entries[e].tag & 0xff, entries[e].tag >> 8, type, 0, 1, 0, 0, 0,
                           v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };
      g_byte_array_append (tiff, entry, 12);
    }
  const guint8 next[4] = { 0 };
  g_byte_array_append (tiff, next, 4);
  if (len > 0)
    g_byte_array_append (tiff, data, len);
  ts_test_write_bytes (path, tiff->data, tiff->len);
}

static void
assert_message_has (const char *path, const char *needle)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TsImage) image = ts_image_load (path, &error);
  g_assert_null (image);
  g_assert_nonnull (error);
  if (strstr (error->message, needle) == NULL)
    g_error ("message \"%s\" does not contain \"%s\"", error->message, needle);
}

static void
test_tiff_huge_header (void)
{
  /* 100000 x 100000 8-bit gray declared, 16 bytes of data: refused before any allocation. */
  const TiffEntry entries[] = {
    { 256, 100000 }, { 257, 100000 }, { 258, 8 }, { 259, 1 }, { 262, 1 },
    { 273, 0 }, { 277, 1 }, { 278, 100000 }, { 279, 16 },
  };
  guint8 data[16] = { 0 };
  g_autofree char *path = ts_test_tmp_path ("huge.tif");
  write_tiff (path, entries, G_N_ELEMENTS (entries), data, sizeof data);
  assert_load_fails (path, TS_ERROR_LIMIT);
  assert_message_has (path, "100000 x 100000");
  /* Under the per-side limit but over the pixel limit. */
  const TiffEntry wide[] = {
    { 256, 60000 }, { 257, 60000 }, { 258, 8 }, { 259, 1 }, { 262, 1 },
    { 273, 0 }, { 277, 1 }, { 278, 60000 }, { 279, 16 },
  };
  write_tiff (path, wide, G_N_ELEMENTS (wide), data, sizeof data);
  assert_load_fails (path, TS_ERROR_LIMIT);
  assert_message_has (path, "60000 x 60000 = 3600000000 pixels");
}

static void
test_tiff_unsupported_samples (void)
{
  guint8 data[64] = { 0 };
  g_autofree char *path = ts_test_tmp_path ("samples.tif");
  /* 12-bit unsigned. */
  const TiffEntry twelve[] = {
    { 256, 4 }, { 257, 4 }, { 258, 12 }, { 259, 1 }, { 262, 1 },
    { 273, 0 }, { 277, 1 }, { 278, 4 }, { 279, 24 },
  };
  write_tiff (path, twelve, G_N_ELEMENTS (twelve), data, sizeof data);
  assert_load_fails (path, TS_ERROR_UNSUPPORTED);
  assert_message_has (path, "12-bit unsigned");
  /* 16-bit signed (SampleFormat 2). */
  const TiffEntry sint[] = {
    { 256, 4 }, { 257, 4 }, { 258, 16 }, { 259, 1 }, { 262, 1 },
    { 273, 0 }, { 277, 1 }, { 278, 4 }, { 279, 32 }, { 339, 2 },
  };
  write_tiff (path, sint, G_N_ELEMENTS (sint), data, sizeof data);
  assert_load_fails (path, TS_ERROR_UNSUPPORTED);
  assert_message_has (path, "16-bit signed");
  /* Five samples per pixel. */
  const TiffEntry five[] = {
    { 256, 2 }, { 257, 2 }, { 258, 8 }, { 259, 1 }, { 262, 1 },
    { 273, 0 }, { 277, 5 }, { 278, 2 }, { 279, 20 },
  };
  write_tiff (path, five, G_N_ELEMENTS (five), data, sizeof data);
  assert_load_fails (path, TS_ERROR_UNSUPPORTED);
  assert_message_has (path, "5 samples per pixel");
}

/* Zero-sized images in every format: refused, never a 0-byte allocation or a division. */
static void
test_zero_sizes (void)
{
  guint8 data[16] = { 0 };
  g_autofree char *tif = ts_test_tmp_path ("zero.tif");
  const TiffEntry zero[] = {
    { 256, 0 }, { 257, 4 }, { 258, 8 }, { 259, 1 }, { 262, 1 },
    { 273, 0 }, { 277, 1 }, { 278, 4 }, { 279, 16 },
  };
  write_tiff (tif, zero, G_N_ELEMENTS (zero), data, sizeof data);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsImage) t = ts_image_load (tif, &error);
  g_assert_null (t);
  g_assert_nonnull (error);
  g_assert_true (error->code == TS_ERROR_FORMAT || error->code == TS_ERROR_LIMIT);
  assert_failure (error, error->code, tif);
  g_clear_error (&error);

  /* PNG with a 0-pixel-wide IHDR. */
  g_autoptr (GByteArray) png = g_byte_array_new ();
  g_byte_array_append (png, (const guint8 *) "\x89PNG\r\n\x1a\n", 8);
  const guint8 ihdr[13] = { 0, 0, 0, 0, 0, 0, 0, 4, 8, 0, 0, 0, 0 };
  append_chunk (png, "IHDR", ihdr, 13);
  const guint8 idat[2] = { 0x78, 0x9c };
  append_chunk (png, "IDAT", idat, 2);
  append_chunk (png, "IEND", NULL, 0);
  g_autofree char *png_path = ts_test_tmp_path ("zero.png");
  ts_test_write_bytes (png_path, png->data, png->len);
  assert_load_fails (png_path, TS_ERROR_FORMAT);

  /* .npy images with a zero dimension, and an empty array. */
  const char *dicts[] = {
    "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 0), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 4, 0), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (0,), }",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (dicts); i++)
    {
      g_autofree char *npy = write_npy ("zero.npy", dicts[i], NULL, 0);
      g_autoptr (GError) e = NULL;
      g_autoptr (TsImage) image = ts_image_load (npy, &e);
      g_assert_null (image);
      g_assert_nonnull (e);
      g_assert_true (e->code == TS_ERROR_LIMIT || e->code == TS_ERROR_UNSUPPORTED);
      assert_failure (e, e->code, npy);
    }

  /* BART headers with a zero dimension. */
  g_autofree char *hdr = ts_test_tmp_path ("zero.hdr");
  g_autofree char *cfl = ts_test_tmp_path ("zero.cfl");
  ts_test_write_bytes (cfl, "", 0);
  ts_test_write_bytes (hdr, "# Dimensions\n0 4 1 1\n", 21);
  assert_kspace_fails (cfl, NULL, TS_ERROR_FORMAT, "zero.hdr");
  ts_test_write_bytes (hdr, "# Dimensions\n4 0 1 1\n", 21);
  assert_kspace_fails (cfl, NULL, TS_ERROR_FORMAT, "zero.hdr");
}

static void
test_cfl_huge_header (void)
{
  /* Huge declared sizes with a 16-byte data file: the limit, not an allocation, stops them. */
  g_autofree char *hdr = ts_test_tmp_path ("huge-k.hdr");
  g_autofree char *cfl = ts_test_tmp_path ("huge-k.cfl");
  guint8 data[16] = { 0 };
  ts_test_write_bytes (cfl, data, sizeof data);
  const char *headers[] = {
    "# Dimensions\n50000 50000 1 1 1\n",
    "# Dimensions\n70000 2 1 1\n",
    "# Dimensions\n99999999999999999999 99999999999999999999 1\n",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (headers); i++)
    {
      ts_test_write_bytes (hdr, headers[i], strlen (headers[i]));
      assert_kspace_fails (cfl, NULL, TS_ERROR_LIMIT, "huge-k.hdr");
    }
}

/* Arrays that are valid .npy but not images: complex values, five channels, 1-D, 4-D. */
static void
test_npy_not_an_image (void)
{
  float data[2 * 2 * 5 * 2] = { 0 };
  const char *dicts[] = {
    "{'descr': '<c8', 'fortran_order': False, 'shape': (2, 2), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, 5), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (8,), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 2, 2), }",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (dicts); i++)
    {
      g_autofree char *path = write_npy ("not-image.npy", dicts[i], data, sizeof data / 2);
      g_autoptr (GError) error = NULL;
      g_autoptr (TsImage) image = ts_image_load (path, &error);
      g_assert_null (image);
      g_assert_nonnull (error);
      assert_failure (error, TS_ERROR_UNSUPPORTED, path);
    }
}

/* ---------------------------------------------------------------------------------------
 * Model files */

static GBytes *
small_model_bytes (const char *path)
{
  g_autoptr (TsModel) model = ts_model_new (4, 2, 3);
  model->prox_type = TS_PROX_NCPR;
  model->groupsize = 1;
  model->order = 1.8;
  model->lambda = 0.0125;
  model->sigma = 25;
  model->tol = 1e-4;
  model->beta = 0.5;
  g_free (model->provenance);
  model->provenance = g_strdup ("room for the rewritten header in test_model_hostile");
  for (int i = 0; i < 4 * 9; i++)
    model->atoms[i] = (float) (i % 5) - 2.0f;
  for (int i = 0; i < 2 * 9; i++)
    model->free_atoms[i] = (float) (i % 3) - 1.0f;
  g_autoptr (GError) error = NULL;
  g_assert_true (ts_model_save (model, path, &error));
  g_assert_no_error (error);
  char *contents;
  gsize len;
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  return g_bytes_new_take (contents, len);
}

static void
assert_model_fails (const char *path, int code, const char *needle)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TsModel) model = ts_model_load (path, &error);
  g_assert_null (model);
  assert_failure (error, code, path);
  if (needle != NULL && strstr (error->message, needle) == NULL)
    g_error ("message \"%s\" does not contain \"%s\"", error->message, needle);
}

/* Recomputes the trailing SHA-256 of a .tsm image in place. */
static void
fix_checksum (guint8 *bytes, gsize len)
{
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  g_autoptr (GChecksum) sha = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sha, bytes, len - 32);
  g_checksum_get_digest (sha, digest, &digest_len);
  memcpy (bytes + len - 32, digest, 32);
}

static void
test_model_hostile (void)
{
  g_autofree char *path = ts_test_tmp_path ("hostile.tsm");
  g_autoptr (GBytes) good = small_model_bytes (path);
  gsize len;
  const guint8 *orig = g_bytes_get_data (good, &len);
  g_autofree guint8 *bytes = g_memdup2 (orig, len);
  guint32 header_len = orig[12] | orig[13] << 8 | orig[14] << 16 | (guint32) orig[15] << 24;
  gsize data_start = 24 + header_len;

  /* Truncated in the signature, the fixed header, the JSON header, the data, the checksum. */
  const struct {
    gsize cut;
    const char *needle;
  } cuts[] = {
    { 4, "truncated: the file is 4 bytes, shorter than the 24-byte fixed header" },
    { 20, "shorter than the 24-byte fixed header" },
    { 100, "it ends inside the JSON header" },
    { data_start + 10, "it ends inside array 'atoms'" },
    { len - 5, "it ends inside the checksum trailer" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      ts_test_write_bytes (path, orig, cuts[i].cut);
      assert_model_fails (path, TS_ERROR_FORMAT, cuts[i].needle);
    }

  /* One flipped bit in the parameters: the checksum catches it. */
  bytes[data_start + 5] ^= 0x10;
  ts_test_write_bytes (path, bytes, len);
  assert_model_fails (path, TS_ERROR_FORMAT, "corrupt: checksum mismatch");
  memcpy (bytes, orig, len);

  /* A version from the future. */
  bytes[8] = 2;
  ts_test_write_bytes (path, bytes, len);
  assert_model_fails (path, TS_ERROR_UNSUPPORTED, "model format version 2 is newer");
  memcpy (bytes, orig, len);

  /* A data length of 2^62 in a small file. */
  bytes[23] = 0x40;
  ts_test_write_bytes (path, bytes, len);
  assert_model_fails (path, TS_ERROR_FORMAT, "more than any valid model");
  memcpy (bytes, orig, len);

  /* NaN in the atoms, with a valid checksum: the validation refuses it. */
  const guint8 nan_bits[4] = { 0x00, 0x00, 0xc0, 0x7f };
  memcpy (bytes + data_start + 8, nan_bits, 4);
  fix_checksum (bytes, len);
  ts_test_write_bytes (path, bytes, len);
  assert_model_fails (path, TS_ERROR_INVALID, "parameters contain NaN or Inf");
  memcpy (bytes, orig, len);

  /* Header sizes that disagree with the arrays (checksum valid): "n_atoms": 4 -> 5. */
  char *hit = g_strstr_len ((char *) bytes + 24, header_len, "\"n_atoms\": 4");
  g_assert_nonnull (hit);
  hit[strlen ("\"n_atoms\": ")] = '5';
  fix_checksum (bytes, len);
  ts_test_write_bytes (path, bytes, len);
  assert_model_fails (path, TS_ERROR_FORMAT, "inconsistent header");
  memcpy (bytes, orig, len);

  /* Strings from the header are escaped in messages: a prox type holding a terminal escape
   * (JSON "\u001b"), rewritten in place with the header re-padded to its length. */
  g_autoptr (GString) json = g_string_new_len ((const char *) orig + 24, header_len);
  g_assert_cmpuint (g_string_replace (json, "\"prox\": \"ncpr\"",
                                      "\"prox\": \"\\u001b]0;owned\\u0007\"", 1), ==, 1);
  g_assert_cmpuint (g_string_replace (json, "room for the rewritten header in test_model_hostile",
                                      "", 1), ==, 1);
  while (json->len > 0 && g_ascii_isspace (json->str[json->len - 1]))
    g_string_truncate (json, json->len - 1);
  g_assert_cmpuint (json->len, <, header_len);
  while (json->len + 1 < header_len)
    g_string_append_c (json, ' ');
  g_string_append_c (json, '\n');
  memcpy (bytes + 24, json->str, header_len);
  fix_checksum (bytes, len);
  ts_test_write_bytes (path, bytes, len);
  assert_model_fails (path, TS_ERROR_UNSUPPORTED, "unknown prox type '\\033]0;owned\\007'");
  memcpy (bytes, orig, len);

  /* The original still loads. */
  ts_test_write_bytes (path, orig, len);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsModel) ok = ts_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ok);
}

/* ---------------------------------------------------------------------------------------
 * Malformed ICC profiles: never a failed load. The image loads with the same pixels as
 * without the profile, and without a profile. */

/* Loads `path`, which must succeed with `expected`'s pixels and no ICC profile. */
static void
assert_loads_without_profile (const char *path, const TsImage *expected)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TsImage) image = ts_image_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (image);
  g_assert_null (image->icc_profile);
  g_assert_cmpint (image->width, ==, expected->width);
  g_assert_cmpint (image->height, ==, expected->height);
  g_assert_cmpint (image->channels, ==, expected->channels);
  g_assert_true (memcmp (image->data, expected->data, ts_image_n_values (image) * sizeof (float)) == 0);
}

/* `data` as a zlib stream of stored (uncompressed) deflate blocks. */
static GByteArray *
zlib_stored (const guint8 *data, gsize len)
{
  GByteArray *z = g_byte_array_new ();
  const guint8 head[2] = { 0x78, 0x01 };
  g_byte_array_append (z, head, 2);
  gsize at = 0;
  do
    {
      gsize n = MIN (len - at, 65535);
      const guint8 block[5] = { at + n == len, n & 0xff, n >> 8, ~n & 0xff, (~n >> 8) & 0xff };
      g_byte_array_append (z, block, 5);
      g_byte_array_append (z, data + at, n);
      at += n;
    }
  while (at < len);
  guint32 a = 1, b = 0;
  for (gsize i = 0; i < len; i++)
    {
      a = (a + data[i]) % 65521;
      b = (b + a) % 65521;
    }
  guint32 adler = (b << 16) | a;
  const guint8 tail[4] = { adler >> 24, adler >> 16, adler >> 8, adler };
  g_byte_array_append (z, tail, 4);
  return z;
}

/* `png` (our writer's output: IHDR ends at byte 33) with an iCCP chunk inserted after IHDR:
 * name, compression method `method`, then `payload`. */
static void
write_png_with_iccp (const char *path, GBytes *png, int method, const guint8 *payload, gsize len)
{
  gsize png_len;
  const guint8 *p = g_bytes_get_data (png, &png_len);
  g_autoptr (GByteArray) body = g_byte_array_new ();
  g_byte_array_append (body, (const guint8 *) "icc\0", 4);
  const guint8 m = method;
  g_byte_array_append (body, &m, 1);
  g_byte_array_append (body, payload, len);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_byte_array_append (out, p, 33);
  append_chunk (out, "iCCP", body->data, body->len);
  g_byte_array_append (out, p + 33, png_len - 33);
  ts_test_write_bytes (path, out->data, out->len);
}

static void
test_icc_png (void)
{
  g_autofree char *path = ts_test_tmp_path ("icc.png");
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) profile = ts_test_icc_profile (TRUE, 600, 1);
  gsize plen;
  const guint8 *pdata = g_bytes_get_data (profile, &plen);
  g_autoptr (GByteArray) good = zlib_stored (pdata, plen);

  for (int c = 1; c <= 3; c += 2)
    {
      g_autoptr (TsImage) source = make_noisy (12, 9, c);
      g_autoptr (GBytes) png = saved_bytes (path, source, 8);
      g_autoptr (TsImage) expected = ts_image_load (path, &error);
      g_assert_no_error (error);

      /* The construction is right: a well-formed iCCP loads (for RGB; libpng refuses an RGB
       * profile in a gray PNG, which is the next case). */
      write_png_with_iccp (path, png, 0, good->data, good->len);
      if (c == 3)
        {
          g_autoptr (TsImage) with = ts_image_load (path, &error);
          g_assert_no_error (error);
          g_assert_nonnull (with->icc_profile);
          g_assert_true (g_bytes_equal (with->icc_profile, profile));
        }
      else
        assert_loads_without_profile (path, expected);

      /* Not zlib data at all. */
      const char garbage[] = "this is not a zlib stream, not even close";
      write_png_with_iccp (path, png, 0, (const guint8 *) garbage, sizeof garbage);
      assert_loads_without_profile (path, expected);
      /* An unknown compression method. */
      write_png_with_iccp (path, png, 1, good->data, good->len);
      assert_loads_without_profile (path, expected);
      /* The stream cut short (half the profile, no end). */
      write_png_with_iccp (path, png, 0, good->data, good->len / 2);
      assert_loads_without_profile (path, expected);
      /* A bad Adler-32 checksum: libpng stops inflating once it has the length the
       * profile's header declares, so the profile (intact) may be kept; it must load. */
      g_autofree guint8 *bad_sum = g_memdup2 (good->data, good->len);
      bad_sum[good->len - 1] ^= 0xff;
      write_png_with_iccp (path, png, 0, bad_sum, good->len);
      {
        g_autoptr (TsImage) loaded = ts_image_load (path, &error);
        g_assert_no_error (error);
        g_assert_true (loaded->icc_profile == NULL || g_bytes_equal (loaded->icc_profile, profile));
      }
      /* A profile header declaring an absurd length (2 GB), and one declaring less than
       * there is. */
      g_autofree guint8 *absurd = g_memdup2 (pdata, plen);
      absurd[0] = 0x7f;
      g_autoptr (GByteArray) z_absurd = zlib_stored (absurd, plen);
      write_png_with_iccp (path, png, 0, z_absurd->data, z_absurd->len);
      assert_loads_without_profile (path, expected);
      absurd[0] = 0;
      absurd[2] = 0;
      absurd[3] = 200;
      g_autoptr (GByteArray) z_short = zlib_stored (absurd, plen);
      write_png_with_iccp (path, png, 0, z_short->data, z_short->len);
      assert_loads_without_profile (path, expected);
      /* Not a profile (no 'acsp'). */
      g_autofree guint8 *junk = g_memdup2 (pdata, plen);
      memcpy (junk + 36, "junk", 4);
      g_autoptr (GByteArray) z_junk = zlib_stored (junk, plen);
      write_png_with_iccp (path, png, 0, z_junk->data, z_junk->len);
      assert_loads_without_profile (path, expected);
    }
}

static void
test_icc_jpeg (void)
{
  g_autofree char *path = ts_test_tmp_path ("icc.jpg");
  g_autoptr (GError) error = NULL;
  gsize len;
  g_autofree guint8 *plain = ts_test_encode_jpeg (24, 16, 3, NULL, &len);
  ts_test_write_bytes (path, plain, len);
  g_autoptr (TsImage) expected = ts_image_load (path, &error);
  g_assert_no_error (error);

  g_autoptr (GBytes) profile = ts_test_icc_profile (TRUE, 100000, 2);
  g_autoptr (GPtrArray) parts = ts_test_icc_segments (profile, 65519);   /* 1/2 and 2/2 */
  g_assert_cmpuint (parts->len, ==, 2);
  GBytes *s1 = parts->pdata[0], *s2 = parts->pdata[1];
  gsize n2;
  const guint8 *d2 = g_bytes_get_data (s2, &n2);
  g_autofree guint8 *m2 = g_memdup2 (d2, n2);

  /* Variants of the second segment: 2 of 3, 0 of 2, 3 of 2, 2 of 0. */
  const guint8 variants[4][2] = { { 2, 3 }, { 0, 2 }, { 3, 2 }, { 2, 0 } };
  for (gsize v = 0; v < G_N_ELEMENTS (variants); v++)
    {
      m2[12] = variants[v][0];
      m2[13] = variants[v][1];
      g_autoptr (GBytes) bad = g_bytes_new (m2, n2);
      g_autoptr (GPtrArray) segs = g_ptr_array_new ();
      g_ptr_array_add (segs, s1);
      g_ptr_array_add (segs, bad);
      g_autofree guint8 *jpeg = ts_test_encode_jpeg (24, 16, 3, segs, &len);
      ts_test_write_bytes (path, jpeg, len);
      assert_loads_without_profile (path, expected);
    }

  /* A part missing (1 of 2 only, 2 of 2 only), a part given twice, parts 1, 2, 1. */
  GBytes *cases[4][3] = { { s1, NULL }, { s2, NULL }, { s1, s1, s2 }, { s1, s2, s1 } };
  for (gsize k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autoptr (GPtrArray) segs = g_ptr_array_new ();
      for (int i = 0; i < 3 && cases[k][i] != NULL; i++)
        g_ptr_array_add (segs, cases[k][i]);
      g_autofree guint8 *jpeg = ts_test_encode_jpeg (24, 16, 3, segs, &len);
      ts_test_write_bytes (path, jpeg, len);
      assert_loads_without_profile (path, expected);
    }

  /* A segment cut inside its 14-byte header, and a lone empty part. */
  const guint8 *short_seg = (const guint8 *) "ICC_PROFILE\0\1";
  const guint8 empty_seg[14] = { 'I', 'C', 'C', '_', 'P', 'R', 'O', 'F', 'I', 'L', 'E', 0, 1, 1 };
  g_autoptr (GBytes) b_short = g_bytes_new_static (short_seg, 13);
  g_autoptr (GBytes) b_empty = g_bytes_new_static (empty_seg, 14);
  GBytes *singles[2] = { b_short, b_empty };
  for (gsize k = 0; k < 2; k++)
    {
      g_autoptr (GPtrArray) segs = g_ptr_array_new ();
      g_ptr_array_add (segs, singles[k]);
      g_autofree guint8 *jpeg = ts_test_encode_jpeg (24, 16, 3, segs, &len);
      ts_test_write_bytes (path, jpeg, len);
      assert_loads_without_profile (path, expected);
    }

  /* All parts present, but what they make is not a profile (its size field is wrong). */
  g_autofree guint8 *m1 = g_memdup2 (g_bytes_get_data (s1, NULL), g_bytes_get_size (s1));
  m1[14 + 3] ^= 4;
  g_autoptr (GBytes) b1 = g_bytes_new (m1, g_bytes_get_size (s1));
  g_autoptr (GPtrArray) segs = g_ptr_array_new ();
  g_ptr_array_add (segs, b1);
  g_ptr_array_add (segs, s2);
  g_autofree guint8 *jpeg = ts_test_encode_jpeg (24, 16, 3, segs, &len);
  ts_test_write_bytes (path, jpeg, len);
  assert_loads_without_profile (path, expected);
}

static guint32
le32 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

static void
test_icc_tiff (void)
{
  g_autofree char *path = ts_test_tmp_path ("icc.tif");
  g_autoptr (GError) error = NULL;
  g_autoptr (TsImage) source = make_noisy (12, 9, 3);
  g_autoptr (GBytes) profile = ts_test_icc_profile (TRUE, 800, 3);
  g_autoptr (GBytes) plain = saved_bytes (path, source, 16);
  g_autoptr (TsImage) expected = ts_image_load (path, &error);
  g_assert_no_error (error);
  ts_image_set_icc_profile (source, profile);
  g_autoptr (GBytes) tiff = saved_bytes (path, source, 16);
  g_autoptr (TsImage) with = ts_image_load (path, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (with->icc_profile, profile));

  /* Our writer is little-endian on this machine; find the ICC entry (tag 34675). */
  gsize len;
  g_autofree guint8 *bytes = g_memdup2 (g_bytes_get_data (tiff, &len), g_bytes_get_size (tiff));
  g_assert_true (bytes[0] == 'I' && bytes[1] == 'I');
  guint32 ifd = le32 (bytes + 4);
  guint n = bytes[ifd] | (bytes[ifd + 1] << 8);
  guint8 *entry = NULL;
  for (guint i = 0; i < n; i++)
    if ((bytes[ifd + 2 + 12 * i] | (bytes[ifd + 3 + 12 * i] << 8)) == 34675)
      entry = bytes + ifd + 2 + 12 * i;
  g_assert_nonnull (entry);

  /* A count running far past the end of the file. */
  const guint8 huge[4] = { 0xf0, 0xff, 0xff, 0x7f };
  guint8 saved[4];
  memcpy (saved, entry + 4, 4);
  memcpy (entry + 4, huge, 4);
  ts_test_write_bytes (path, bytes, len);
  assert_loads_without_profile (path, expected);
  /* An offset past the end. */
  memcpy (entry + 4, saved, 4);
  const guint8 far[4] = { 0, 0, 0, 0x40 };
  memcpy (saved, entry + 8, 4);
  memcpy (entry + 8, far, 4);
  ts_test_write_bytes (path, bytes, len);
  assert_loads_without_profile (path, expected);
  memcpy (entry + 8, saved, 4);
  /* The bytes are not a profile. */
  guint32 at = le32 (entry + 8);
  g_assert_true (memcmp (bytes + at + 36, "acsp", 4) == 0);
  memcpy (bytes + at + 36, "junk", 4);
  ts_test_write_bytes (path, bytes, len);
  assert_loads_without_profile (path, expected);

  /* A well-formed profile over the 16 MB limit. */
  g_autoptr (GBytes) big = ts_test_icc_profile (TRUE, TS_ICC_MAX_SIZE + 4, 4);
  ts_image_set_icc_profile (source, big);
  g_autoptr (GBytes) big_tiff = saved_bytes (path, source, 16);
  g_assert_cmpuint (g_bytes_get_size (big_tiff), >, TS_ICC_MAX_SIZE);
  assert_loads_without_profile (path, expected);
}

/* --- fastMRI HDF5 (rows 56-60 of docs/robustness.md) --------------------------------------- */

/* ts_fastmri_load of `path` fails with `code` and a message that starts with the path and
 * contains `expected`. */
static void
assert_fastmri_fails (const char *path, int slice, int code, const char *expected)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TsFastmriSlice) fs = ts_fastmri_load (path, slice, NULL, 0, &error);
  g_assert_null (fs);
  assert_failure (error, code, path);
  g_autofree char *prefix = g_strconcat (path, ": ", NULL);
  g_assert_true (g_str_has_prefix (error->message, prefix));
  if (strstr (error->message, expected) == NULL)
    g_error ("message \"%s\" does not say \"%s\"", error->message, expected);
}

/* An HDF5 file with one dataset `name` of `type` and shape `dims` (allocated, not written:
 * HDF5 stores no data for it). */
static char *
write_h5_dataset (const char *file_name, const char *name, hid_t type, int rank,
                  const hsize_t *dims)
{
  char *path = ts_test_tmp_path (file_name);
  hid_t file = H5Fcreate (path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hid_t space = H5Screate_simple (rank, dims, NULL);
  hid_t dset = H5Dcreate2 (file, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  g_assert_cmpint (file, >=, 0);
  g_assert_cmpint (dset, >=, 0);
  H5Dclose (dset);
  H5Sclose (space);
  H5Fclose (file);
  return path;
}

static hid_t
h5py_complex64 (void)
{
  hid_t t = H5Tcreate (H5T_COMPOUND, 8);
  H5Tinsert (t, "r", 0, H5T_IEEE_F32LE);
  H5Tinsert (t, "i", 4, H5T_IEEE_F32LE);
  return t;
}

static void
test_hdf5_not_hdf5 (void)
{
  g_autofree char *empty = ts_test_tmp_path ("empty.h5");
  ts_test_write_bytes (empty, "", 0);
  assert_fastmri_fails (empty, 0, TS_ERROR_FORMAT, "not an HDF5 file: the file is empty");
  g_autofree char *text = ts_test_tmp_path ("text.h5");
  ts_test_write_bytes (text, "kspace = [1, 2, 3]\n", 19);
  assert_fastmri_fails (text, 0, TS_ERROR_FORMAT, "not an HDF5 file: it looks like a text file");
  g_autofree char *png = ts_test_tmp_path ("picture.h5");
  g_autoptr (TsImage) image = make_noisy (8, 8, 1);
  g_autofree char *png_path = ts_test_tmp_path ("picture.png");
  g_assert_true (ts_image_save (image, png_path, 8, NULL));
  g_autofree char *bytes = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (png_path, &bytes, &len, NULL));
  ts_test_write_bytes (png, bytes, len);
  assert_fastmri_fails (png, 0, TS_ERROR_FORMAT, "not an HDF5 file: it looks like a PNG image");
  g_autofree char *missing = ts_test_tmp_path ("missing.h5");
  assert_fastmri_fails (missing, 0, TS_ERROR_IO, "cannot open: No such file or directory");
}

static void
test_hdf5_truncated (void)
{
  g_autofree char *path = ts_test_tmp_path ("scan.h5");
  g_autoptr (GError) error = NULL;
  g_assert_true (ts_test_write_fastmri_scan (path, 3, 0, 32, 24, TRUE, &error));
  g_autofree char *bytes = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (path, &bytes, &len, NULL));
  g_autofree char *cut = ts_test_tmp_path ("cut.h5");
  /* In the signature, the superblock, the root group, a dataset's header, its data, the
   * last byte. */
  const gsize cuts[] = { 4, 60, 300, 1500, len / 2, len - 1 };
  for (gsize i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      ts_test_write_bytes (cut, bytes, cuts[i]);
      assert_fastmri_fails (cut, 1, TS_ERROR_FORMAT,
                            cuts[i] < 8 ? "not an HDF5 file (truncated in the signature)"
                                        : "corrupt or truncated HDF5 file: truncated file");
    }
}

static void
test_hdf5_unsupported_layout (void)
{
  g_autoptr (GError) error = NULL;
  /* Multi-coil. */
  g_autofree char *multi = ts_test_tmp_path ("multicoil.h5");
  g_assert_true (ts_test_write_fastmri_scan (multi, 2, 4, 16, 12, FALSE, &error));
  assert_fastmri_fails (multi, TS_FASTMRI_MIDDLE_SLICE, TS_ERROR_UNSUPPORTED,
                        "multi-coil k-space (kspace is 2 x 4 x 16 x 12: slices x coils x height x "
                        "width) is not supported; only single-coil files are");
  /* Wrong dtype: real float32, int16, a compound of other names. */
  hsize_t dims3[3] = { 2, 8, 6 };
  g_autofree char *real = write_h5_dataset ("real.h5", "kspace", H5T_IEEE_F32LE, 3, dims3);
  assert_fastmri_fails (real, 0, TS_ERROR_UNSUPPORTED,
                        "kspace holds float32; expected complex values (h5py's complex64: a "
                        "compound of float members r and i)");
  g_autofree char *ints = write_h5_dataset ("int16.h5", "kspace", H5T_STD_I16LE, 3, dims3);
  assert_fastmri_fails (ints, 0, TS_ERROR_UNSUPPORTED, "kspace holds int16; expected complex");
  hid_t other = H5Tcreate (H5T_COMPOUND, 8);
  H5Tinsert (other, "real", 0, H5T_IEEE_F32LE);
  H5Tinsert (other, "imag", 4, H5T_IEEE_F32LE);
  g_autofree char *names = write_h5_dataset ("names.h5", "kspace", other, 3, dims3);
  H5Tclose (other);
  assert_fastmri_fails (names, 0, TS_ERROR_UNSUPPORTED, "kspace holds a compound {real, imag}");
  /* Wrong rank: 1-D and 5-D; no kspace at all. */
  hid_t c64 = h5py_complex64 ();
  hsize_t dims1[1] = { 48 }, dims5[5] = { 1, 1, 1, 4, 4 };
  g_autofree char *rank1 = write_h5_dataset ("rank1.h5", "kspace", c64, 1, dims1);
  assert_fastmri_fails (rank1, 0, TS_ERROR_UNSUPPORTED,
                        "kspace is 48; expected single-coil k-space: slices x height x width");
  g_autofree char *rank5 = write_h5_dataset ("rank5.h5", "kspace", c64, 5, dims5);
  assert_fastmri_fails (rank5, 0, TS_ERROR_UNSUPPORTED, "'kspace' has 5 dimensions");
  g_autofree char *none = write_h5_dataset ("none.h5", "image", c64, 3, dims3);
  assert_fastmri_fails (none, 0, TS_ERROR_UNSUPPORTED,
                        "no 'kspace' dataset: not a fastMRI file");
  /* Declared sizes over the limits, refused before any allocation or read. */
  hsize_t huge[3] = { 2, 100000, 100000 };
  g_autofree char *big = write_h5_dataset ("huge.h5", "kspace", c64, 3, huge);
  assert_fastmri_fails (big, 0, TS_ERROR_LIMIT,
                        "image is 100000 x 100000 pixels, over the limit of 65536 pixels per side");
  H5Tclose (c64);
}

static void
test_hdf5_bad_values (void)
{
  enum { NS = 3, HH = 8, WW = 6 };
  float kf[2 * NS * HH * WW];
  for (int i = 0; i < 2 * NS * HH * WW; i++)
    kf[i] = 0.25f * (i % 7) + 0.5f;
  float mask[WW] = { 1, 0, 1, 1, 0, 1 };
  TsTestFastmri spec = { .n_slices = NS, .height = HH, .width = WW, .kspace = kf, .mask = mask };
  g_autoptr (GError) error = NULL;
  g_autofree char *path = ts_test_tmp_path ("values.h5");

  /* Slice out of range. */
  g_assert_true (ts_test_write_fastmri (path, &spec, &error));
  assert_fastmri_fails (path, 3, TS_ERROR_INVALID,
                        "slice 3 is out of range: the file has 3 slices (0 to 2)");
  /* NaN in the slice read (slice 1, row 2, column 3 of the file). */
  kf[2 * ((1 * HH + 2) * WW + 3) + 1] = NAN;
  g_assert_true (ts_test_write_fastmri (path, &spec, &error));
  assert_fastmri_fails (path, 1, TS_ERROR_INVALID,
                        "non-finite k-space value (NaN) in slice 1 at row 2, column 3");
  kf[2 * ((1 * HH + 2) * WW + 3) + 1] = 0.0f;
  /* A mask that is not 0/1, a mask of the wrong length. */
  mask[4] = 0.5f;
  spec.mask_type = "float32";
  g_assert_true (ts_test_write_fastmri (path, &spec, &error));
  assert_fastmri_fails (path, 1, TS_ERROR_INVALID, "mask value 0.5 at index 4 is not 0 or 1");
  mask[4] = 0.0f;
  spec.width = WW - 1;
  spec.height = HH;
  /* Same data, read as 5 columns, with a 6-wide mask dataset written separately. */
  spec.mask = NULL;
  g_assert_true (ts_test_write_fastmri (path, &spec, &error));
  hid_t file = H5Fopen (path, H5F_ACC_RDWR, H5P_DEFAULT);
  hsize_t mdims[1] = { WW };
  hid_t space = H5Screate_simple (1, mdims, NULL);
  hid_t dset = H5Dcreate2 (file, "mask", H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT,
                           H5P_DEFAULT);
  H5Dwrite (dset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, mask);
  H5Dclose (dset);
  H5Sclose (space);
  H5Fclose (file);
  assert_fastmri_fails (path, 1, TS_ERROR_INVALID,
                        "mask is 6 but kspace is 8 x 5 (expected a mask of 5 columns, or 8 x 5)");
  /* Ground truth with another number of slices. */
  float target[NS * 4 * 3] = { 0 };
  spec.mask = NULL;
  spec.n_slices = NS;
  spec.target = target;
  spec.target_height = 4;
  spec.target_width = 3;
  spec.width = WW;
  g_assert_true (ts_test_write_fastmri (path, &spec, &error));
  file = H5Fopen (path, H5F_ACC_RDWR, H5P_DEFAULT);
  H5Ldelete (file, "reconstruction_esc", H5P_DEFAULT);
  hsize_t tdims[3] = { 2, 4, 3 };
  space = H5Screate_simple (3, tdims, NULL);
  dset = H5Dcreate2 (file, "reconstruction_esc", H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT,
                     H5P_DEFAULT);
  H5Dwrite (dset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, target);
  H5Dclose (dset);
  H5Sclose (space);
  H5Fclose (file);
  assert_fastmri_fails (path, 1, TS_ERROR_INVALID,
                        "reconstruction_esc is 2 x 4 x 3; expected 3 slices of height x width, as "
                        "kspace");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/bad-input/truncated-png", test_truncated_png);
  g_test_add_func ("/bad-input/corrupt-png", test_corrupt_png);
  g_test_add_func ("/bad-input/truncated-tiff", test_truncated_tiff);
  g_test_add_func ("/bad-input/truncated-npy", test_truncated_npy);
  g_test_add_func ("/bad-input/wrong-magic", test_wrong_magic);
  g_test_add_func ("/bad-input/unknown-extension", test_unknown_extension);
  g_test_add_func ("/bad-input/missing-file", test_missing_file);
  g_test_add_func ("/bad-input/npy-unsupported-dtype", test_npy_unsupported_dtype);
  g_test_add_func ("/bad-input/npy-bad-header-values", test_npy_bad_header_values);
  g_test_add_func ("/bad-input/npy-too-many-dims", test_npy_too_many_dims);
  g_test_add_func ("/bad-input/over-limit", test_over_limit);
  g_test_add_func ("/bad-input/png-huge-header", test_png_huge_header);
  g_test_add_func ("/bad-input/nan-input", test_nan_input);
  g_test_add_func ("/bad-input/mask-shape-mismatch", test_mask_shape_mismatch);
  g_test_add_func ("/bad-input/mask-not-binary", test_mask_not_binary);
  g_test_add_func ("/bad-input/kspace-nan", test_kspace_nan);
  g_test_add_func ("/bad-input/cfl-size-mismatch", test_cfl_size_mismatch);
  g_test_add_func ("/bad-input/unwritable-output", test_unwritable_output);
  g_test_add_func ("/bad-input/failed-save-keeps-old-file", test_failed_save_keeps_old_file);
  g_test_add_func ("/bad-input/tiff-huge-header", test_tiff_huge_header);
  g_test_add_func ("/bad-input/tiff-unsupported-samples", test_tiff_unsupported_samples);
  g_test_add_func ("/bad-input/zero-sizes", test_zero_sizes);
  g_test_add_func ("/bad-input/cfl-huge-header", test_cfl_huge_header);
  g_test_add_func ("/bad-input/npy-not-an-image", test_npy_not_an_image);
  g_test_add_func ("/bad-input/model-hostile", test_model_hostile);
  g_test_add_func ("/bad-input/npy-hostile-header-text", test_npy_hostile_header_text);
  g_test_add_func ("/bad-input/icc-png", test_icc_png);
  g_test_add_func ("/bad-input/icc-jpeg", test_icc_jpeg);
  g_test_add_func ("/bad-input/icc-tiff", test_icc_tiff);
  g_test_add_func ("/bad-input/hdf5-not-hdf5", test_hdf5_not_hdf5);
  g_test_add_func ("/bad-input/hdf5-truncated", test_hdf5_truncated);
  g_test_add_func ("/bad-input/hdf5-unsupported-layout", test_hdf5_unsupported_layout);
  g_test_add_func ("/bad-input/hdf5-bad-values", test_hdf5_bad_values);
  return g_test_run ();
}
