/* .npy header parsing, dtypes and round trips. Files are built byte by byte here so the
 * tests do not need NumPy. */
#include <string.h>
#include <glib/gstdio.h>
#include "ts-npy.h"
#include "test-util.h"

/* Writes a .npy with the given version, dict text and raw data. */
static char *
write_npy (const char *name, int major, const char *dict, const void *data, gsize data_len)
{
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  gsize len_bytes = major == 1 ? 2 : 4;
  g_autoptr (GString) header = g_string_new (dict);
  while ((6 + 2 + len_bytes + header->len + 1) % 64 != 0)
    g_string_append_c (header, ' ');
  g_string_append_c (header, '\n');
  guint8 pre[12] = { 0x93, 'N', 'U', 'M', 'P', 'Y', (guint8) major, 0 };
  for (gsize i = 0; i < len_bytes; i++)
    pre[8 + i] = (header->len >> (8 * i)) & 0xff;
  g_byte_array_append (bytes, pre, 8 + len_bytes);
  g_byte_array_append (bytes, (const guint8 *) header->str, header->len);
  if (data_len > 0)
    g_byte_array_append (bytes, data, data_len);
  char *path = ts_test_tmp_path (name);
  ts_test_write_bytes (path, bytes->data, bytes->len);
  return path;
}

static void
test_version1_float32 (void)
{
  float data[6] = { 0, 1.5f, -2, 3, 4.25f, 5 };
  g_autofree char *path = write_npy ("v1.npy", 1,
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", data, sizeof data);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsNpyArray) a = ts_npy_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (a->ndim, ==, 2);
  g_assert_cmpint (a->shape[0], ==, 2);
  g_assert_cmpint (a->shape[1], ==, 3);
  g_assert_cmpint (a->dtype, ==, TS_NPY_FLOAT32);
  g_assert_cmpuint (a->n_elements, ==, 6);
  g_assert_null (a->complex_values);
  for (int i = 0; i < 6; i++)
    g_assert_cmpfloat (a->values[i], ==, data[i]);
}

static void
test_version2_and_3 (void)
{
  double data[3] = { 1e-300, -7, 3.5 };
  for (int major = 2; major <= 3; major++)
    {
      g_autofree char *name = g_strdup_printf ("v%d.npy", major);
      /* Double quotes and odd spacing are legal Python too. */
      g_autofree char *path = write_npy (name, major,
          "{\"descr\":\"<f8\",\"shape\":(3,),\"fortran_order\":False}", data, sizeof data);
      g_autoptr (GError) error = NULL;
      g_autoptr (TsNpyArray) a = ts_npy_load (path, &error);
      g_assert_no_error (error);
      g_assert_cmpint (a->ndim, ==, 1);
      g_assert_cmpint (a->shape[0], ==, 3);
      g_assert_cmpint (a->dtype, ==, TS_NPY_FLOAT64);
      for (int i = 0; i < 3; i++)
        g_assert_cmpfloat (a->values[i], ==, data[i]);
    }
}

static void
test_big_endian (void)
{
  /* >f4 1.0 = 3f 80 00 00; >i4 -2 = ff ff ff fe; >c8 (1, -1). */
  const guint8 f4[] = { 0x3f, 0x80, 0, 0, 0x40, 0, 0, 0 };
  g_autofree char *p1 = write_npy ("be-f4.npy", 1,
      "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", f4, sizeof f4);
  const guint8 i4[] = { 0xff, 0xff, 0xff, 0xfe };
  g_autofree char *p2 = write_npy ("be-i4.npy", 1,
      "{'descr': '>i4', 'fortran_order': False, 'shape': (1,), }", i4, sizeof i4);
  const guint8 c8[] = { 0x3f, 0x80, 0, 0, 0xbf, 0x80, 0, 0 };
  g_autofree char *p3 = write_npy ("be-c8.npy", 1,
      "{'descr': '>c8', 'fortran_order': False, 'shape': (1,), }", c8, sizeof c8);
  const guint8 f8[] = { 0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18 };
  g_autofree char *p4 = write_npy ("be-f8.npy", 1,
      "{'descr': '>f8', 'fortran_order': False, 'shape': (), }", f8, sizeof f8);
  g_autoptr (GError) error = NULL;

  g_autoptr (TsNpyArray) a = ts_npy_load (p1, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (a->values[0], ==, 1.0);
  g_assert_cmpfloat (a->values[1], ==, 2.0);
  g_autoptr (TsNpyArray) b = ts_npy_load (p2, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (b->values[0], ==, -2.0);
  g_autoptr (TsNpyArray) c = ts_npy_load (p3, &error);
  g_assert_no_error (error);
  g_assert_null (c->values);
  g_assert_cmpfloat (c->complex_values[0], ==, 1.0f);
  g_assert_cmpfloat (c->complex_values[1], ==, -1.0f);
  g_autoptr (TsNpyArray) d = ts_npy_load (p4, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (d->values[0], G_PI, 1e-15);
}

static void
test_dtypes (void)
{
  const guint8 u1[] = { 0, 128, 255 };
  const guint8 b1[] = { 0, 1, 1 };
  const gint32 i4[] = { -5, 0, 2147483647 };
  const gint64 i8[] = { -1, 1LL << 40, 7 };
  struct {
    const char *descr;
    const void *data;
    gsize len;
    TsNpyDtype dtype;
    double expect[3];
  } cases[] = {
    { "|u1", u1, sizeof u1, TS_NPY_UINT8, { 0, 128, 255 } },
    { "<u1", u1, sizeof u1, TS_NPY_UINT8, { 0, 128, 255 } },
    { "|b1", b1, sizeof b1, TS_NPY_BOOL, { 0, 1, 1 } },
    { "<i4", i4, sizeof i4, TS_NPY_INT32, { -5, 0, 2147483647.0 } },
    { "<i8", i8, sizeof i8, TS_NPY_INT64, { -1, 1099511627776.0, 7 } },
  };
  for (gsize k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autofree char *dict = g_strdup_printf (
          "{'descr': '%s', 'fortran_order': False, 'shape': (3,), }", cases[k].descr);
      g_autofree char *path = write_npy ("dtype.npy", 1, dict, cases[k].data, cases[k].len);
      g_autoptr (GError) error = NULL;
      g_autoptr (TsNpyArray) a = ts_npy_load (path, &error);
      g_assert_no_error (error);
      g_assert_cmpint (a->dtype, ==, cases[k].dtype);
      for (int i = 0; i < 3; i++)
        g_assert_cmpfloat (a->values[i], ==, cases[k].expect[i]);
    }
  g_assert_cmpstr (ts_npy_dtype_name (TS_NPY_COMPLEX64), ==, "complex64");
}

static void
test_scalar_and_empty (void)
{
  float v = 42.0f;
  g_autofree char *p1 = write_npy ("scalar.npy", 1,
      "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", &v, sizeof v);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsNpyArray) a = ts_npy_load (p1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (a->ndim, ==, 0);
  g_assert_cmpuint (a->n_elements, ==, 1);
  g_assert_cmpfloat (a->values[0], ==, 42.0);

  g_autofree char *p2 = write_npy ("empty.npy", 1,
      "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 5), }", NULL, 0);
  g_autoptr (TsNpyArray) b = ts_npy_load (p2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (b->n_elements, ==, 0);
  g_assert_nonnull (b->values);
}

static void
test_save_float32 (void)
{
  float data[24];
  for (int i = 0; i < 24; i++)
    data[i] = i * 0.5f - 3;
  gint64 shape[3] = { 2, 3, 4 };
  g_autofree char *path = ts_test_tmp_path ("saved.npy");
  g_autoptr (GError) error = NULL;
  g_assert_true (ts_npy_save_float32 (path, data, 3, shape, &error));
  g_assert_no_error (error);

  /* Header layout: version 1.0, data aligned to 64 bytes, header ends with '\n'. */
  g_autofree char *contents = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpmem (contents, 8, "\x93NUMPY\x01\x00", 8);
  gsize hlen = (guint8) contents[8] | ((guint8) contents[9] << 8);
  g_assert_cmpuint ((10 + hlen) % 64, ==, 0);
  g_assert_cmpint (contents[10 + hlen - 1], ==, '\n');
  g_assert_cmpuint (len, ==, 10 + hlen + sizeof data);
  g_assert_nonnull (g_strstr_len (contents + 10, hlen, "'shape': (2, 3, 4)"));

  g_autoptr (TsNpyArray) a = ts_npy_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (a->ndim, ==, 3);
  g_assert_cmpint (a->shape[2], ==, 4);
  for (int i = 0; i < 24; i++)
    g_assert_cmpfloat (a->values[i], ==, data[i]);

  /* 1-D needs the Python one-tuple comma. */
  gint64 shape1[1] = { 5 };
  g_assert_true (ts_npy_save_float32 (path, data, 1, shape1, &error));
  g_autofree char *c1 = NULL;
  g_assert_true (g_file_get_contents (path, &c1, NULL, NULL));
  g_assert_nonnull (g_strstr_len (c1 + 10, 100, "'shape': (5,)"));
  g_autoptr (TsNpyArray) b = ts_npy_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (b->ndim, ==, 1);
  g_assert_cmpint (b->shape[0], ==, 5);
}

static void
test_save_complex64 (void)
{
  float data[2 * 6];
  for (int i = 0; i < 12; i++)
    data[i] = (i % 2 ? -1.0f : 1.0f) * i / 3.0f;
  gint64 shape[2] = { 2, 3 };
  g_autofree char *path = ts_test_tmp_path ("complex.npy");
  g_autoptr (GError) error = NULL;
  g_assert_true (ts_npy_save_complex64 (path, data, 2, shape, &error));
  g_assert_no_error (error);
  g_autoptr (TsNpyArray) a = ts_npy_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (a->dtype, ==, TS_NPY_COMPLEX64);
  g_assert_null (a->values);
  g_assert_cmpuint (a->n_elements, ==, 6);
  g_assert_cmpmem (a->complex_values, sizeof data, data, sizeof data);
}

/* ---- Fortran order: files made by NumPy 1.24 (/usr/bin/python3), kept as bytes so the
 * tests need no NumPy. */

/* np.save (b, np.asfortranarray (np.arange (24, dtype=np.float32).reshape (2, 3, 4))) */
static const guint8 numpy_fortran_3d_f4[224] = {
  0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 0x01, 0x00, 0x76, 0x00, 0x7b, 0x27, 0x64, 0x65, 0x73, 0x63,
  0x72, 0x27, 0x3a, 0x20, 0x27, 0x3c, 0x66, 0x34, 0x27, 0x2c, 0x20, 0x27, 0x66, 0x6f, 0x72, 0x74,
  0x72, 0x61, 0x6e, 0x5f, 0x6f, 0x72, 0x64, 0x65, 0x72, 0x27, 0x3a, 0x20, 0x54, 0x72, 0x75, 0x65,
  0x2c, 0x20, 0x27, 0x73, 0x68, 0x61, 0x70, 0x65, 0x27, 0x3a, 0x20, 0x28, 0x32, 0x2c, 0x20, 0x33,
  0x2c, 0x20, 0x34, 0x29, 0x2c, 0x20, 0x7d, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
  0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
  0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
  0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x0a,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x41, 0x00, 0x00, 0x80, 0x40, 0x00, 0x00, 0x80, 0x41,
  0x00, 0x00, 0x00, 0x41, 0x00, 0x00, 0xa0, 0x41, 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x50, 0x41,
  0x00, 0x00, 0xa0, 0x40, 0x00, 0x00, 0x88, 0x41, 0x00, 0x00, 0x10, 0x41, 0x00, 0x00, 0xa8, 0x41,
  0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x60, 0x41, 0x00, 0x00, 0xc0, 0x40, 0x00, 0x00, 0x90, 0x41,
  0x00, 0x00, 0x20, 0x41, 0x00, 0x00, 0xb0, 0x41, 0x00, 0x00, 0x40, 0x40, 0x00, 0x00, 0x70, 0x41,
  0x00, 0x00, 0xe0, 0x40, 0x00, 0x00, 0x98, 0x41, 0x00, 0x00, 0x30, 0x41, 0x00, 0x00, 0xb8, 0x41,
};

/* np.save (b, np.asfortranarray ((np.arange (6) + 1j * (100 + np.arange (6)))
 *                             .astype (np.complex64).reshape (3, 2))) */
static const guint8 numpy_fortran_2d_c8[176] = {
  0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 0x01, 0x00, 0x76, 0x00, 0x7b, 0x27, 0x64, 0x65, 0x73, 0x63,
  0x72, 0x27, 0x3a, 0x20, 0x27, 0x3c, 0x63, 0x38, 0x27, 0x2c, 0x20, 0x27, 0x66, 0x6f, 0x72, 0x74,
  0x72, 0x61, 0x6e, 0x5f, 0x6f, 0x72, 0x64, 0x65, 0x72, 0x27, 0x3a, 0x20, 0x54, 0x72, 0x75, 0x65,
  0x2c, 0x20, 0x27, 0x73, 0x68, 0x61, 0x70, 0x65, 0x27, 0x3a, 0x20, 0x28, 0x33, 0x2c, 0x20, 0x32,
  0x29, 0x2c, 0x20, 0x7d, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
  0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
  0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
  0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x0a,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc8, 0x42, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0xcc, 0x42,
  0x00, 0x00, 0x80, 0x40, 0x00, 0x00, 0xd0, 0x42, 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0xca, 0x42,
  0x00, 0x00, 0x40, 0x40, 0x00, 0x00, 0xce, 0x42, 0x00, 0x00, 0xa0, 0x40, 0x00, 0x00, 0xd2, 0x42,
};

static TsNpyArray *
load_bytes (const char *name, const guint8 *bytes, gsize len)
{
  g_autofree char *path = ts_test_tmp_path (name);
  ts_test_write_bytes (path, bytes, len);
  g_autoptr (GError) error = NULL;
  TsNpyArray *a = ts_npy_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (a);
  return a;
}

static void
test_fortran_2d (void)
{
  /* a[i][j] = 10 i + j, shape (2, 3), written column by column. */
  const double file_order[6] = { 0, 10, 1, 11, 2, 12 };
  g_autofree char *path = write_npy ("f2.npy", 1,
      "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", file_order,
      sizeof file_order);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsNpyArray) a = ts_npy_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (a->ndim, ==, 2);
  g_assert_cmpint (a->shape[0], ==, 2);
  g_assert_cmpint (a->shape[1], ==, 3);
  g_assert_cmpuint (a->n_elements, ==, 6);
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++)
      g_assert_cmpfloat (a->values[i * 3 + j], ==, 10 * i + j);
}

static void
test_fortran_3d_numpy (void)
{
  g_autoptr (TsNpyArray) a = load_bytes ("f3.npy", numpy_fortran_3d_f4,
                                         sizeof numpy_fortran_3d_f4);
  g_assert_cmpint (a->ndim, ==, 3);
  g_assert_cmpint (a->shape[0], ==, 2);
  g_assert_cmpint (a->shape[1], ==, 3);
  g_assert_cmpint (a->shape[2], ==, 4);
  g_assert_cmpint (a->dtype, ==, TS_NPY_FLOAT32);
  /* arange (24).reshape (2, 3, 4) in C order is simply 0, 1, ..., 23. */
  for (int i = 0; i < 24; i++)
    g_assert_cmpfloat (a->values[i], ==, i);
}

static void
test_fortran_complex_numpy (void)
{
  g_autoptr (TsNpyArray) a = load_bytes ("fc.npy", numpy_fortran_2d_c8,
                                         sizeof numpy_fortran_2d_c8);
  g_assert_cmpint (a->ndim, ==, 2);
  g_assert_cmpint (a->shape[0], ==, 3);
  g_assert_cmpint (a->shape[1], ==, 2);
  g_assert_null (a->values);
  for (int k = 0; k < 6; k++)
    {
      g_assert_cmpfloat (a->complex_values[2 * k], ==, k);
      g_assert_cmpfloat (a->complex_values[2 * k + 1], ==, 100 + k);
    }
}

/* 4-D, big-endian, with a unit axis: checks the general index reversal against a direct
 * computation, and that Fortran and C files of the same array load identically. */
static void
test_fortran_4d_big_endian (void)
{
  const gint64 d[4] = { 3, 1, 4, 2 };
  const int n = 24;
  guint8 fortran[4 * 24], c_order[4 * 24];
  for (int i0 = 0; i0 < d[0]; i0++)
    for (int i2 = 0; i2 < d[2]; i2++)
      for (int i3 = 0; i3 < d[3]; i3++)
        {
          gint32 v = GINT32_TO_BE (1000 * i0 + 10 * i2 + i3);
          int f = (int) (i0 + d[0] * d[1] * (i2 + d[2] * i3));
          int c = (int) ((i0 * d[2] + i2) * d[3] + i3);
          memcpy (fortran + 4 * f, &v, 4);
          memcpy (c_order + 4 * c, &v, 4);
        }
  g_autofree char *pf = write_npy ("f4d.npy", 2,
      "{'descr': '>i4', 'fortran_order': True, 'shape': (3, 1, 4, 2), }", fortran, sizeof fortran);
  g_autofree char *pc = write_npy ("c4d.npy", 2,
      "{'descr': '>i4', 'fortran_order': False, 'shape': (3, 1, 4, 2), }", c_order,
      sizeof c_order);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsNpyArray) a = ts_npy_load (pf, &error);
  g_assert_no_error (error);
  g_autoptr (TsNpyArray) b = ts_npy_load (pc, &error);
  g_assert_no_error (error);
  g_assert_cmpint (a->ndim, ==, 4);
  for (int k = 0; k < 4; k++)
    g_assert_cmpint (a->shape[k], ==, d[k]);
  for (int k = 0; k < n; k++)
    g_assert_cmpfloat (a->values[k], ==, b->values[k]);
  g_assert_cmpfloat (a->values[1 * 8 + 2 * 2 + 1], ==, 1021);
}

/* Shapes where both orders coincide, and the empty array. */
static void
test_fortran_trivial_shapes (void)
{
  const float v[3] = { 1, 2, 3 };
  const char *dicts[] = {
    "{'descr': '<f4', 'fortran_order': True, 'shape': (3,), }",
    "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 3), }",
    "{'descr': '<f4', 'fortran_order': True, 'shape': (3, 1, 1), }",
  };
  for (gsize k = 0; k < G_N_ELEMENTS (dicts); k++)
    {
      g_autofree char *path = write_npy ("ft.npy", 1, dicts[k], v, sizeof v);
      g_autoptr (GError) error = NULL;
      g_autoptr (TsNpyArray) a = ts_npy_load (path, &error);
      g_assert_no_error (error);
      for (int i = 0; i < 3; i++)
        g_assert_cmpfloat (a->values[i], ==, v[i]);
    }
  g_autofree char *pe = write_npy ("fe.npy", 1,
      "{'descr': '<c8', 'fortran_order': True, 'shape': (0, 4), }", NULL, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsNpyArray) e = ts_npy_load (pe, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (e->n_elements, ==, 0);
  g_assert_nonnull (e->complex_values);
}

static void
test_refusals (void)
{
  float data[4] = { 0 };
  struct {
    const char *dict;
    int code;
    const char *needle;
  } cases[] = {
    { "{'descr': '<u2', 'fortran_order': False, 'shape': (2,), }", TS_ERROR_UNSUPPORTED, "<u2" },
    { "{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", TS_ERROR_UNSUPPORTED, "<c16" },
    { "{'descr': '<f4', 'fortran_order': 1, 'shape': (2, 2), }", TS_ERROR_FORMAT, "malformed" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -2), }", TS_ERROR_FORMAT, "malformed" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 4), }", TS_ERROR_UNSUPPORTED, "dimensions" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", TS_ERROR_FORMAT, "expected 24" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (4, }", TS_ERROR_FORMAT, "malformed" },
    { "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", TS_ERROR_UNSUPPORTED, "structured" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999), }", TS_ERROR_LIMIT, "limit" },
  };
  for (gsize k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autofree char *path = write_npy ("bad.npy", 1, cases[k].dict, data, sizeof data);
      g_autoptr (GError) error = NULL;
      g_autoptr (TsNpyArray) a = ts_npy_load (path, &error);
      g_assert_null (a);
      g_assert_error (error, TS_ERROR, cases[k].code);
      g_assert_nonnull (strstr (error->message, "bad.npy"));
      if (strstr (error->message, cases[k].needle) == NULL)
        g_error ("case %" G_GSIZE_FORMAT ": '%s' lacks '%s'", k, error->message, cases[k].needle);
    }
}

/* The header alone: the dtype and shape of a file, data not read (nor needed: the data
 * here is short). */
static void
test_read_header (void)
{
  float data[2] = { 0 };
  g_autofree char *kspace = write_npy ("header-c8.npy", 1,
      "{'descr': '<c8', 'fortran_order': True, 'shape': (64, 48), }", data, sizeof data);
  g_autofree char *image = write_npy ("header-f4.npy", 2,
      "{'descr': '>f4', 'fortran_order': False, 'shape': (5, 6, 3), }", data, sizeof data);
  g_autofree char *bad = write_npy ("header-bad.npy", 1,
      "{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", data, sizeof data);
  g_autofree char *missing = ts_test_tmp_path ("header-missing.npy");
  g_autoptr (GError) error = NULL;
  TsNpyHeader h;

  g_assert_true (ts_npy_read_header (kspace, &h, &error));
  g_assert_no_error (error);
  g_assert_cmpint (h.dtype, ==, TS_NPY_COMPLEX64);
  g_assert_cmpint (h.ndim, ==, 2);
  g_assert_cmpint (h.shape[0], ==, 64);
  g_assert_cmpint (h.shape[1], ==, 48);
  g_assert_true (h.fortran_order);

  g_assert_true (ts_npy_read_header (image, &h, &error));
  g_assert_no_error (error);
  g_assert_cmpint (h.dtype, ==, TS_NPY_FLOAT32);
  g_assert_cmpint (h.ndim, ==, 3);
  g_assert_cmpint (h.shape[2], ==, 3);
  g_assert_false (h.fortran_order);

  g_assert_false (ts_npy_read_header (bad, &h, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  g_remove (missing);
  g_assert_false (ts_npy_read_header (missing, &h, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_IO);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/npy/version1-float32", test_version1_float32);
  g_test_add_func ("/npy/version2-and-3", test_version2_and_3);
  g_test_add_func ("/npy/big-endian", test_big_endian);
  g_test_add_func ("/npy/dtypes", test_dtypes);
  g_test_add_func ("/npy/scalar-and-empty", test_scalar_and_empty);
  g_test_add_func ("/npy/save-float32", test_save_float32);
  g_test_add_func ("/npy/save-complex64", test_save_complex64);
  g_test_add_func ("/npy/fortran-2d", test_fortran_2d);
  g_test_add_func ("/npy/fortran-3d-numpy", test_fortran_3d_numpy);
  g_test_add_func ("/npy/fortran-complex-numpy", test_fortran_complex_numpy);
  g_test_add_func ("/npy/fortran-4d-big-endian", test_fortran_4d_big_endian);
  g_test_add_func ("/npy/fortran-trivial-shapes", test_fortran_trivial_shapes);
  g_test_add_func ("/npy/refusals", test_refusals);
  g_test_add_func ("/npy/read-header", test_read_header);
  return g_test_run ();
}
