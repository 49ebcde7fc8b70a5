/* Source bit depth and ICC profiles: recorded on loading, kept by copies and crops, and
 * written back by PNG and TIFF (issue 6). Depths and profiles of the written files are read
 * back with libpng / libtiff directly, not only through our loader. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <png.h>
#include <tiffio.h>
#include "ts-io.h"
#include "test-util.h"

/* Values exactly representable at `levels` (255 or 65535). */
static TsImage *
make_quantised (int w, int h, int c, int levels)
{
  TsImage *image = ts_image_new (w, h, c, NULL);
  for (gsize i = 0; i < ts_image_n_values (image); i++)
    image->data[i] = (float) ((i * 7919 + 13) % (levels + 1)) / (float) levels;
  image->data[0] = 0.0f;
  image->data[1] = 1.0f;
  return image;
}

static void
assert_same_pixels (const TsImage *a, const TsImage *b)
{
  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpint (a->height, ==, b->height);
  g_assert_cmpint (a->channels, ==, b->channels);
  for (gsize i = 0; i < ts_image_n_values (a); i++)
    if (a->data[i] != b->data[i])
      g_error ("value %" G_GSIZE_FORMAT ": %.9g != %.9g", i, a->data[i], b->data[i]);
}

static void
assert_same_profile (GBytes *expected, GBytes *actual)
{
  g_assert_nonnull (expected);
  g_assert_nonnull (actual);
  g_assert_true (g_bytes_equal (expected, actual));
}

static TsImage *
load_ok (const char *path)
{
  g_autoptr (GError) error = NULL;
  TsImage *image = ts_image_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (image);
  return image;
}

static void
save_ok (const TsImage *image, const char *path, int depth)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (ts_image_save (image, path, depth, &error));
  g_assert_no_error (error);
}

/* The PNG's bit depth (IHDR) and its iCCP profile (NULL when none), read with libpng. */
static int
png_file_info (const char *path, GBytes **profile)
{
  FILE *f = fopen (path, "rb");
  g_assert_nonnull (f);
  png_structp png = png_create_read_struct (PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct (png);
  if (setjmp (png_jmpbuf (png)))
    g_error ("%s: libpng cannot read it", path);
  png_init_io (png, f);
  png_read_info (png, info);
  int depth = png_get_bit_depth (png, info);
  *profile = NULL;
  png_charp name;
  png_bytep data;
  png_uint_32 len;
  int compression;
  if (png_get_iCCP (png, info, &name, &compression, &data, &len) != 0)
    *profile = g_bytes_new (data, len);
  png_destroy_read_struct (&png, &info, NULL);
  fclose (f);
  return depth;
}

/* The TIFF's bits per sample and its ICC profile tag (NULL when none), read with libtiff. */
static int
tiff_file_info (const char *path, GBytes **profile)
{
  TIFF *tif = TIFFOpen (path, "r");
  g_assert_nonnull (tif);
  guint16 bps = 0;
  g_assert_true (TIFFGetField (tif, TIFFTAG_BITSPERSAMPLE, &bps));
  guint32 len = 0;
  const void *data = NULL;
  *profile = NULL;
  if (TIFFGetField (tif, TIFFTAG_ICCPROFILE, &len, &data))
    *profile = g_bytes_new (data, len);
  TIFFClose (tif);
  return bps;
}

static int
file_info (const char *path, GBytes **profile)
{
  return ts_file_format_from_name (path) == TS_FILE_FORMAT_PNG ? png_file_info (path, profile)
                                                               : tiff_file_info (path, profile);
}

/* A 16-bit PNG or TIFF with a profile, loaded and saved again with the default depth: the
 * output is 16-bit with the same samples and the same profile bytes, for 1 to 4 channels. */
static void
test_16_bit_round_trip (gconstpointer data)
{
  const char *ext = data;
  for (int c = 1; c <= 4; c++)
    {
      g_autoptr (GBytes) profile = ts_test_icc_profile (c >= 3, 3000 + 4 * c, c);
      g_autoptr (TsImage) image = make_quantised (31, 19, c, 65535);
      ts_image_set_icc_profile (image, profile);
      g_autofree char *name = g_strdup_printf ("in16-%d.%s", c, ext);
      g_autofree char *in = ts_test_tmp_path (name);
      save_ok (image, in, 16);

      g_autoptr (TsImage) loaded = load_ok (in);
      g_assert_cmpint (loaded->source_bit_depth, ==, 16);
      assert_same_profile (profile, loaded->icc_profile);
      assert_same_pixels (image, loaded);

      g_autofree char *name_out = g_strdup_printf ("out16-%d.%s", c, ext);
      g_autofree char *out = ts_test_tmp_path (name_out);
      save_ok (loaded, out, 0);
      g_autoptr (GBytes) written = NULL;
      g_assert_cmpint (file_info (out, &written), ==, 16);
      assert_same_profile (profile, written);
      g_autoptr (TsImage) back = load_ok (out);
      g_assert_cmpint (back->source_bit_depth, ==, 16);
      assert_same_profile (profile, back->icc_profile);
      assert_same_pixels (image, back);

      /* An explicit depth still wins. */
      save_ok (loaded, out, 8);
      g_autoptr (GBytes) written8 = NULL;
      g_assert_cmpint (file_info (out, &written8), ==, 8);
      assert_same_profile (profile, written8);
    }
}

/* 8-bit sources stay 8-bit (PNG and TIFF); float sources give 16-bit PNG and float TIFF;
 * images with no source keep the old defaults (PNG 8, TIFF 16). */
static void
test_default_depths (void)
{
  g_autoptr (TsImage) fresh = make_quantised (8, 6, 3, 255);
  g_assert_cmpint (fresh->source_bit_depth, ==, 0);
  g_assert_null (fresh->icc_profile);
  g_assert_cmpint (ts_image_default_bit_depth (fresh, TS_FILE_FORMAT_PNG), ==, 8);
  g_assert_cmpint (ts_image_default_bit_depth (fresh, TS_FILE_FORMAT_TIFF), ==, 16);
  g_assert_cmpint (ts_image_default_bit_depth (fresh, TS_FILE_FORMAT_NPY), ==, 32);

  g_autofree char *png8 = ts_test_tmp_path ("d8.png");
  g_autofree char *tif8 = ts_test_tmp_path ("d8.tif");
  g_autofree char *png = ts_test_tmp_path ("d.png");
  g_autofree char *tif = ts_test_tmp_path ("d.tif");
  g_autofree char *npy = ts_test_tmp_path ("d.npy");
  g_autoptr (GBytes) none = NULL;

  save_ok (fresh, png8, 0);
  g_assert_cmpint (png_file_info (png8, &none), ==, 8);
  g_assert_null (none);
  save_ok (fresh, tif, 0);
  g_assert_cmpint (tiff_file_info (tif, &none), ==, 16);
  g_assert_null (none);

  /* 8-bit PNG -> TIFF and back to PNG: 8-bit throughout, samples exact. */
  g_autoptr (TsImage) p8 = load_ok (png8);
  g_assert_cmpint (p8->source_bit_depth, ==, 8);
  save_ok (p8, tif8, 0);
  g_assert_cmpint (tiff_file_info (tif8, &none), ==, 8);
  g_autoptr (TsImage) t8 = load_ok (tif8);
  g_assert_cmpint (t8->source_bit_depth, ==, 8);
  assert_same_pixels (fresh, t8);
  save_ok (t8, png, 0);
  g_assert_cmpint (png_file_info (png, &none), ==, 8);

  /* Float: .npy and float TIFF record 32; PNG gets 16, TIFF float. */
  g_autoptr (TsImage) f = ts_image_new (8, 6, 1, NULL);
  for (gsize i = 0; i < ts_image_n_values (f); i++)
    f->data[i] = sinf ((float) i) * 2.0f;
  save_ok (f, npy, 0);
  g_autoptr (TsImage) fn = load_ok (npy);
  g_assert_cmpint (fn->source_bit_depth, ==, 32);
  save_ok (fn, tif, 0);
  g_assert_cmpint (tiff_file_info (tif, &none), ==, 32);
  g_autoptr (TsImage) ft = load_ok (tif);
  g_assert_cmpint (ft->source_bit_depth, ==, 32);
  assert_same_pixels (f, ft);
  save_ok (ft, png, 0);
  g_assert_cmpint (png_file_info (png, &none), ==, 16);
}

/* JPEG -> PNG and JPEG -> TIFF: the profile bytes are identical, the output 8-bit. */
static void
test_jpeg_profile (gconstpointer data)
{
  int channels = GPOINTER_TO_INT (data);
  g_autoptr (GBytes) profile = ts_test_icc_profile (channels == 3, 4000, 7);
  g_autoptr (GPtrArray) segments = ts_test_icc_segments (profile, 65519);
  gsize len;
  g_autofree guint8 *jpeg = ts_test_encode_jpeg (40, 24, channels, segments, &len);
  g_autofree char *path = ts_test_tmp_path ("icc.jpg");
  ts_test_write_bytes (path, jpeg, len);

  g_autoptr (TsImage) image = load_ok (path);
  g_assert_cmpint (image->channels, ==, channels);
  g_assert_cmpint (image->source_bit_depth, ==, 8);
  assert_same_profile (profile, image->icc_profile);

  const char *outs[] = { "from-jpeg.png", "from-jpeg.tif" };
  for (gsize k = 0; k < G_N_ELEMENTS (outs); k++)
    {
      g_autofree char *out = ts_test_tmp_path (outs[k]);
      save_ok (image, out, 0);
      g_autoptr (GBytes) written = NULL;
      g_assert_cmpint (file_info (out, &written), ==, 8);
      assert_same_profile (profile, written);
      /* The same 8-bit codes (the JPEG loader scales by 1/255 as a product, so the floats
       * may differ in the last bit). */
      g_autoptr (TsImage) back = load_ok (out);
      g_assert_cmpint (back->width, ==, image->width);
      g_assert_cmpint (back->channels, ==, image->channels);
      for (gsize i = 0; i < ts_image_n_values (image); i++)
        g_assert_cmpint (lrintf (back->data[i] * 255.0f), ==, lrintf (image->data[i] * 255.0f));
      assert_same_profile (profile, back->icc_profile);
    }
}

/* A profile over one APP2 segment's 65519 bytes is split; the parts are put back together
 * in sequence order, whatever order the segments come in. */
static void
test_jpeg_multi_segment (void)
{
  g_autoptr (GBytes) profile = ts_test_icc_profile (TRUE, 150000, 3);
  g_autoptr (GPtrArray) segments = ts_test_icc_segments (profile, 65519);
  g_assert_cmpuint (segments->len, ==, 3);
  gsize len;
  g_autofree char *path = ts_test_tmp_path ("multi.jpg");
  {
    g_autofree guint8 *jpeg = ts_test_encode_jpeg (16, 16, 3, segments, &len);
    ts_test_write_bytes (path, jpeg, len);
    g_autoptr (TsImage) image = load_ok (path);
    assert_same_profile (profile, image->icc_profile);
    g_autofree char *out = ts_test_tmp_path ("multi.png");
    save_ok (image, out, 0);
    g_autoptr (GBytes) written = NULL;
    g_assert_cmpint (png_file_info (out, &written), ==, 8);
    assert_same_profile (profile, written);
  }
  /* Segments stored as 3, 1, 2. */
  g_autoptr (GPtrArray) shuffled = g_ptr_array_new ();
  g_ptr_array_add (shuffled, segments->pdata[2]);
  g_ptr_array_add (shuffled, segments->pdata[0]);
  g_ptr_array_add (shuffled, segments->pdata[1]);
  g_autofree guint8 *jpeg = ts_test_encode_jpeg (16, 16, 3, shuffled, &len);
  ts_test_write_bytes (path, jpeg, len);
  g_autoptr (TsImage) image = load_ok (path);
  assert_same_profile (profile, image->icc_profile);
}

/* An RGB profile is not written into a gray file (nor a gray one into RGB); the save
 * still succeeds. NPY has no place for a profile. */
static void
test_profile_must_suit (void)
{
  g_autoptr (GBytes) rgb = ts_test_icc_profile (TRUE, 1000, 1);
  g_autoptr (GBytes) gray = ts_test_icc_profile (FALSE, 1000, 2);
  g_assert_true (ts_icc_profile_suits (rgb, 3));
  g_assert_true (ts_icc_profile_suits (rgb, 4));
  g_assert_false (ts_icc_profile_suits (rgb, 1));
  g_assert_false (ts_icc_profile_suits (rgb, 2));
  g_assert_true (ts_icc_profile_suits (gray, 1));
  g_assert_true (ts_icc_profile_suits (gray, 2));
  g_assert_false (ts_icc_profile_suits (gray, 3));
  g_assert_false (ts_icc_profile_suits (NULL, 3));

  const char *names[] = { "mismatch.png", "mismatch.tif" };
  for (gsize k = 0; k < G_N_ELEMENTS (names); k++)
    {
      g_autofree char *path = ts_test_tmp_path (names[k]);
      g_autoptr (TsImage) g = make_quantised (9, 5, 1, 255);
      ts_image_set_icc_profile (g, rgb);
      save_ok (g, path, 0);
      g_autoptr (GBytes) written = NULL;
      file_info (path, &written);
      g_assert_null (written);
      g_autoptr (TsImage) c = make_quantised (9, 5, 3, 255);
      ts_image_set_icc_profile (c, gray);
      save_ok (c, path, 0);
      file_info (path, &written);
      g_assert_null (written);
    }
  g_autofree char *npy = ts_test_tmp_path ("profile.npy");
  g_autoptr (TsImage) c = make_quantised (9, 5, 3, 255);
  ts_image_set_icc_profile (c, rgb);
  save_ok (c, npy, 0);
  g_autoptr (TsImage) back = load_ok (npy);
  g_assert_null (back->icc_profile);
}

static void
test_profile_checks (void)
{
  g_autoptr (GBytes) good = ts_test_icc_profile (TRUE, 400, 5);
  gsize len;
  const guint8 *p = g_bytes_get_data (good, &len);
  g_autoptr (GBytes) copy = ts_icc_profile_new (p, len);
  assert_same_profile (good, copy);

  g_autofree guint8 *bad = g_memdup2 (p, len);
  g_assert_null (ts_icc_profile_new (NULL, 0));
  g_assert_null (ts_icc_profile_new (bad, 131));           /* shorter than the header */
  g_assert_null (ts_icc_profile_new (bad, len - 4));       /* size field disagrees */
  bad[3] ^= 1;
  g_assert_null (ts_icc_profile_new (bad, len));
  bad[3] ^= 1;
  bad[36] = 'x';                                           /* no 'acsp' */
  g_assert_null (ts_icc_profile_new (bad, len));
  bad[36] = 'a';
  bad[131] = 200;                                          /* 200 tags do not fit */
  g_assert_null (ts_icc_profile_new (bad, len));
  bad[131] = 1;
  bad[143] = 0xff;                                         /* tag runs past the end */
  g_assert_null (ts_icc_profile_new (bad, len));
  bad[143] = p[143];
  g_autoptr (GBytes) again = ts_icc_profile_new (bad, len);
  g_assert_nonnull (again);
}

/* Copies and crops keep the metadata; channels and new images have none; copy_metadata and
 * set_icc_profile share the bytes (freed with the last image). */
static void
test_metadata_follows (void)
{
  g_autoptr (GBytes) profile = ts_test_icc_profile (TRUE, 500, 9);
  g_autoptr (TsImage) image = make_quantised (10, 8, 3, 255);
  image->source_bit_depth = 16;
  ts_image_set_icc_profile (image, profile);
  ts_image_set_icc_profile (image, profile);   /* the same bytes again: no leak, no loss */

  g_autoptr (TsImage) copy = ts_image_copy (image);
  g_assert_cmpint (copy->source_bit_depth, ==, 16);
  g_assert_true (copy->icc_profile == profile);
  g_autoptr (TsImage) crop = ts_image_crop (image, 2, 1, 4, 3);
  g_assert_cmpint (crop->source_bit_depth, ==, 16);
  g_assert_true (crop->icc_profile == profile);
  g_autoptr (TsImage) plane = ts_image_extract_channel (image, 1);
  g_assert_cmpint (plane->source_bit_depth, ==, 0);
  g_assert_null (plane->icc_profile);

  g_autoptr (TsImage) other = ts_image_new (3, 3, 3, NULL);
  ts_image_copy_metadata (other, image);
  g_assert_cmpint (other->source_bit_depth, ==, 16);
  g_assert_true (other->icc_profile == profile);
  ts_image_copy_metadata (other, plane);
  g_assert_cmpint (other->source_bit_depth, ==, 0);
  g_assert_null (other->icc_profile);
  ts_image_copy_metadata (image, image);
  g_assert_true (image->icc_profile == profile);
  ts_image_set_icc_profile (copy, NULL);
  g_assert_null (copy->icc_profile);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/icc/png-16-bit-round-trip", "png", test_16_bit_round_trip);
  g_test_add_data_func ("/icc/tiff-16-bit-round-trip", "tif", test_16_bit_round_trip);
  g_test_add_func ("/icc/default-depths", test_default_depths);
  g_test_add_data_func ("/icc/jpeg-gray-to-png-tiff", GINT_TO_POINTER (1), test_jpeg_profile);
  g_test_add_data_func ("/icc/jpeg-rgb-to-png-tiff", GINT_TO_POINTER (3), test_jpeg_profile);
  g_test_add_func ("/icc/jpeg-multi-segment", test_jpeg_multi_segment);
  g_test_add_func ("/icc/profile-must-suit", test_profile_must_suit);
  g_test_add_func ("/icc/profile-checks", test_profile_checks);
  g_test_add_func ("/icc/metadata-follows", test_metadata_follows);
  return g_test_run ();
}
