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
#include "test-util.h"

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
  g_autofree char *path = ts_test_tmp_path ("photo.jpg");
  ts_test_write_bytes (path, "\xff\xd8\xff", 3);
  assert_load_fails (path, TS_ERROR_UNSUPPORTED);
  g_autoptr (TsImage) image = make_noisy (2, 2, 1);
  g_autoptr (GError) error = NULL;
  g_assert_false (ts_image_save (image, path, 0, &error));
  assert_failure (error, TS_ERROR_UNSUPPORTED, path);
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
  return g_test_run ();
}
