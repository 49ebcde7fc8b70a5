/* JPEG input: gray and RGB decoding, EXIF orientation, and clean errors for damaged files.
 * The test JPEGs are encoded here with libjpeg. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <jpeglib.h>
#include <glib/gstdio.h>
#include "ts-io.h"
#include "test-util.h"

/* A smooth pattern (JPEG at quality 95 reproduces it to a level or two). */
static TsImage *
make_smooth (int w, int h, int c)
{
  TsImage *image = ts_image_new (w, h, c, NULL);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int k = 0; k < c; k++)
        image->data[((gsize) y * w + x) * c + k]
            = (float) (0.5 + 0.3 * sin (x / (5.0 + k)) * cos (y / (7.0 - k)) + 0.1 * k - 0.1);
  return image;
}

/* Two marked 8x8 blocks on black (block-aligned, so JPEG keeps them clean): white at the
 * top-left corner, mid-gray right of it. */
static TsImage *
make_marked (int w, int h)
{
  TsImage *image = ts_image_new (w, h, 1, NULL);
  for (int y = 0; y < 8; y++)
    for (int x = 0; x < 16; x++)
      image->data[(gsize) y * w + x] = x < 8 ? 1.0f : 0.5f;
  return image;
}

/* JPEG bytes of `image` (1, 3 or 4 = CMYK channels); `app1` (if any) is written as an APP1
 * segment right after the JFIF header. */
static guint8 *
encode_jpeg (const TsImage *image, int quality, const guint8 *app1, gsize app1_len, gsize *len)
{
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr jerr;
  unsigned char *buffer = NULL;
  unsigned long size = 0;

  cinfo.err = jpeg_std_error (&jerr);
  jpeg_create_compress (&cinfo);
  jpeg_mem_dest (&cinfo, &buffer, &size);
  cinfo.image_width = image->width;
  cinfo.image_height = image->height;
  cinfo.input_components = image->channels;
  cinfo.in_color_space = image->channels == 1 ? JCS_GRAYSCALE
                         : image->channels == 3 ? JCS_RGB : JCS_CMYK;
  jpeg_set_defaults (&cinfo);
  jpeg_set_quality (&cinfo, quality, TRUE);
  jpeg_start_compress (&cinfo, TRUE);
  if (app1 != NULL)
    jpeg_write_marker (&cinfo, JPEG_APP0 + 1, app1, (unsigned int) app1_len);
  g_autofree JSAMPLE *row = g_new (JSAMPLE, (gsize) image->width * image->channels);
  while (cinfo.next_scanline < cinfo.image_height)
    {
      const float *src = image->data + (gsize) cinfo.next_scanline * image->width * image->channels;
      for (gsize i = 0; i < (gsize) image->width * image->channels; i++)
        row[i] = (JSAMPLE) CLAMP (lrintf (src[i] * 255.0f), 0, 255);
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

static void
put16 (guint8 *p, guint v, gboolean be)
{
  p[be ? 0 : 1] = (guint8) (v >> 8);
  p[be ? 1 : 0] = (guint8) v;
}

static void
put32 (guint8 *p, guint32 v, gboolean be)
{
  for (int i = 0; i < 4; i++)
    p[be ? i : 3 - i] = (guint8) (v >> (24 - 8 * i));
}

/* An APP1 Exif payload whose IFD0 holds a Make tag and then the orientation tag. */
static guint8 *
make_exif (int orientation, gboolean big_endian, gsize *len)
{
  gsize n = 6 + 8 + 2 + 2 * 12 + 4;
  guint8 *p = g_new0 (guint8, n);
  memcpy (p, "Exif\0\0", 6);
  guint8 *t = p + 6;
  memcpy (t, big_endian ? "MM" : "II", 2);
  put16 (t + 2, 42, big_endian);
  put32 (t + 4, 8, big_endian);
  put16 (t + 8, 2, big_endian);
  guint8 *e = t + 10;
  put16 (e, 0x010f, big_endian);          /* Make, ASCII, 4 bytes inline */
  put16 (e + 2, 2, big_endian);
  put32 (e + 4, 4, big_endian);
  memcpy (e + 8, "abc", 4);
  e += 12;
  put16 (e, 0x0112, big_endian);          /* Orientation, SHORT, 1 */
  put16 (e + 2, 3, big_endian);
  put32 (e + 4, 1, big_endian);
  put16 (e + 8, (guint) orientation, big_endian);
  put32 (e + 12, 0, big_endian);          /* no next IFD */
  *len = n;
  return p;
}

static char *
write_file (const char *name, const guint8 *bytes, gsize len)
{
  char *path = ts_test_tmp_path (name);
  ts_test_write_bytes (path, bytes, len);
  return path;
}

static void
assert_close (const TsImage *a, const TsImage *b, double max_tol, double mean_tol)
{
  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpint (a->height, ==, b->height);
  g_assert_cmpint (a->channels, ==, b->channels);
  double max_err = 0.0, sum = 0.0;
  for (gsize i = 0; i < ts_image_n_values (a); i++)
    {
      double d = fabs ((double) a->data[i] - b->data[i]);
      max_err = MAX (max_err, d);
      sum += d;
    }
  g_assert_cmpfloat (max_err, <=, max_tol);
  g_assert_cmpfloat (sum / ts_image_n_values (a), <=, mean_tol);
}

static void
test_decode (gconstpointer data)
{
  int channels = GPOINTER_TO_INT (data);
  g_autoptr (TsImage) source = make_smooth (37, 23, channels);
  gsize len;
  g_autofree guint8 *bytes = encode_jpeg (source, 95, NULL, 0, &len);
  g_autofree char *path = write_file (channels == 1 ? "gray.jpg" : "rgb.JPEG", bytes, len);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (ts_file_format_from_name (path), ==, TS_FILE_FORMAT_JPEG);
  g_autoptr (TsImage) image = ts_image_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (image);
  /* Quality 95 (with 4:2:0 chroma for RGB): within a few levels, ~1 level on average. */
  assert_close (image, source, 8.0 / 255.0, 1.5 / 255.0);
  for (gsize i = 0; i < ts_image_n_values (image); i++)
    g_assert_true (image->data[i] >= 0.0f && image->data[i] <= 1.0f);
}

/* Where stored pixel (x, y) of a w x h image lands for each EXIF orientation. */
static void
oriented_position (int orientation, int w, int h, int x, int y, int *X, int *Y)
{
  switch (orientation)
    {
    case 1: *X = x; *Y = y; break;
    case 2: *X = w - 1 - x; *Y = y; break;
    case 3: *X = w - 1 - x; *Y = h - 1 - y; break;
    case 4: *X = x; *Y = h - 1 - y; break;
    case 5: *X = y; *Y = x; break;
    case 6: *X = h - 1 - y; *Y = x; break;
    case 7: *X = h - 1 - y; *Y = w - 1 - x; break;
    case 8: *X = y; *Y = w - 1 - x; break;
    default: g_assert_not_reached ();
    }
}

static float
pixel (const TsImage *image, int x, int y)
{
  return image->data[(gsize) y * image->width + x];
}

static void
test_orientation (void)
{
  const int w = 32, h = 16;
  g_autoptr (TsImage) source = make_marked (w, h);
  gsize len;
  g_autofree guint8 *plain = encode_jpeg (source, 95, NULL, 0, &len);
  g_autofree char *plain_path = write_file ("plain.jpg", plain, len);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsImage) stored = ts_image_load_jpeg (plain_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (stored->width, ==, w);
  g_assert_cmpint (stored->height, ==, h);
  g_assert_cmpfloat (pixel (stored, 3, 3), >, 0.95);
  g_assert_cmpfloat (fabs (pixel (stored, 11, 3) - 0.5), <, 0.03);

  for (int be = 0; be < 2; be++)
    for (int orientation = 1; orientation <= 8; orientation++)
      {
        gsize exif_len, jpeg_len;
        g_autofree guint8 *exif = make_exif (orientation, be, &exif_len);
        g_autofree guint8 *bytes = encode_jpeg (source, 95, exif, exif_len, &jpeg_len);
        g_autofree char *name = g_strdup_printf ("orient%d-%s.jpg", orientation, be ? "mm" : "ii");
        g_autofree char *path = write_file (name, bytes, jpeg_len);
        g_autoptr (TsImage) image = ts_image_load (path, &error);
        g_assert_no_error (error);
        gboolean swap = orientation >= 5;
        g_assert_cmpint (image->width, ==, swap ? h : w);
        g_assert_cmpint (image->height, ==, swap ? w : h);
        /* Every pixel lands where the orientation says (same decoder: exact values). */
        for (int y = 0; y < h; y++)
          for (int x = 0; x < w; x++)
            {
              int X, Y;
              oriented_position (orientation, w, h, x, y, &X, &Y);
              g_assert_cmpfloat (pixel (image, X, Y), ==, pixel (stored, x, y));
            }
        /* And, spelled out, where the white top-left block ends up. */
        float c = 0.0f;
        switch (orientation)
          {
          case 1: c = pixel (image, 3, 3); break;                          /* top-left */
          case 3: c = pixel (image, w - 4, h - 4); break;                  /* bottom-right */
          case 6: c = pixel (image, h - 4, 3); g_assert_cmpfloat (fabs (pixel (image, h - 4, 11) - 0.5), <, 0.03); break;  /* top-right, gray below it */
          case 8: c = pixel (image, 3, w - 4); g_assert_cmpfloat (fabs (pixel (image, 3, w - 12) - 0.5), <, 0.03); break;  /* bottom-left, gray above it */
          default: c = 1.0f; break;
          }
        g_assert_cmpfloat (c, >, 0.95);
      }
}

/* APP1 segments that are not valid Exif (or have an out-of-range orientation) are ignored. */
static void
test_bad_exif (void)
{
  g_autoptr (TsImage) source = make_marked (32, 16);
  gsize exif_len, jpeg_len;
  g_autofree guint8 *exif = make_exif (6, TRUE, &exif_len);
  /* IFD offset far past the end of the segment. */
  exif[6 + 4] = 0x7f;
  g_autofree guint8 *bytes = encode_jpeg (source, 95, exif, exif_len, &jpeg_len);
  g_autofree char *path = write_file ("bad-exif.jpg", bytes, jpeg_len);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsImage) image = ts_image_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (image->width, ==, 32);

  g_autofree guint8 *exif9 = make_exif (9, FALSE, &exif_len);
  g_autofree guint8 *bytes9 = encode_jpeg (source, 95, exif9, exif_len, &jpeg_len);
  g_autofree char *path9 = write_file ("exif9.jpg", bytes9, jpeg_len);
  g_autoptr (TsImage) image9 = ts_image_load (path9, &error);
  g_assert_no_error (error);
  g_assert_cmpint (image9->width, ==, 32);
}

static void
assert_load_fails (const char *path, int code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TsImage) image = ts_image_load (path, &error);
  g_assert_null (image);
  g_assert_error (error, TS_ERROR, code);
  if (strstr (error->message, path) == NULL)
    g_error ("message does not name %s: %s", path, error->message);
  g_test_message ("%s", error->message);
}

static void
test_truncated (void)
{
  g_autoptr (TsImage) source = make_smooth (64, 48, 3);
  gsize len;
  g_autofree guint8 *bytes = encode_jpeg (source, 95, NULL, 0, &len);
  /* Cut in the scan data, in the header, and just after the SOI marker. */
  const gsize cuts[] = { len / 2, len - 3, 40, 3 };
  for (gsize i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      g_autofree char *name = g_strdup_printf ("truncated-%" G_GSIZE_FORMAT ".jpg", cuts[i]);
      g_autofree char *path = write_file (name, bytes, cuts[i]);
      assert_load_fails (path, TS_ERROR_FORMAT);
    }
}

static void
test_corrupt (void)
{
  g_autoptr (TsImage) source = make_smooth (64, 48, 1);
  gsize len;
  g_autofree guint8 *bytes = encode_jpeg (source, 95, NULL, 0, &len);

  /* A zero height in the frame header (SOF0: FF C0, length, precision, height, width). */
  g_autofree guint8 *sof = g_memdup2 (bytes, len);
  gsize at = 0;
  for (gsize i = 2; i + 8 < len; i++)
    if (sof[i] == 0xff && sof[i + 1] == 0xc0)
      {
        at = i;
        break;
      }
  g_assert_cmpuint (at, >, 0);
  sof[at + 5] = 0;
  sof[at + 6] = 0;
  g_autofree char *path = write_file ("zero-height.jpg", sof, len);
  assert_load_fails (path, TS_ERROR_FORMAT);

  /* A 12-bit precision claim: a kind of JPEG this libjpeg does not decode. */
  g_autofree guint8 *prec = g_memdup2 (bytes, len);
  prec[at + 4] = 12;
  g_autofree char *prec_path = write_file ("precision.jpg", prec, len);
  assert_load_fails (prec_path, TS_ERROR_UNSUPPORTED);

  /* Garbage after the SOI marker. */
  g_autofree guint8 *garbage = g_memdup2 (bytes, len);
  for (gsize i = 3; i < len; i++)
    garbage[i] = (guint8) (i * 131 + 7);
  g_autofree char *garbage_path = write_file ("garbage.jpg", garbage, len);
  assert_load_fails (garbage_path, TS_ERROR_FORMAT);

  /* A PNG signature in a .jpg file. */
  g_autofree char *png_path = write_file ("png.jpg", (const guint8 *) "\x89PNG\r\n\x1a\n", 8);
  assert_load_fails (png_path, TS_ERROR_FORMAT);
}

static void
test_cmyk_refused (void)
{
  g_autoptr (TsImage) source = make_smooth (16, 16, 4);
  gsize len;
  g_autofree guint8 *bytes = encode_jpeg (source, 90, NULL, 0, &len);
  g_autofree char *path = write_file ("cmyk.jpg", bytes, len);
  assert_load_fails (path, TS_ERROR_UNSUPPORTED);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsImage) image = ts_image_load (path, &error);
  g_assert_nonnull (strstr (error->message, "CMYK"));
}

static void
test_limits (void)
{
  g_autoptr (TsImage) source = make_smooth (64, 48, 1);
  gsize len;
  g_autofree guint8 *bytes = encode_jpeg (source, 90, NULL, 0, &len);
  g_autofree char *path = write_file ("limits.jpg", bytes, len);
  gsize saved = ts_limits_get_max_pixels ();
  ts_limits_set_max_pixels (1000);
  assert_load_fails (path, TS_ERROR_LIMIT);
  ts_limits_set_max_pixels (saved);
}

/* --- writing ------------------------------------------------------------------------- */

static double
mean_abs_error (const TsImage *a, const TsImage *b)
{
  gsize n = (gsize) a->width * a->height * a->channels;
  double sum = 0.0;
  for (gsize i = 0; i < n; i++)
    sum += fabs (a->data[i] - b->data[i]);
  return sum / n;
}

/* The payload sizes of the APP2 "ICC_PROFILE" segments of a JPEG file, in file order
 * (markers before the first scan). */
static GArray *
icc_segment_sizes (const char *path)
{
  g_autofree char *bytes = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (path, &bytes, &len, NULL));
  const guint8 *b = (const guint8 *) bytes;
  GArray *sizes = g_array_new (FALSE, FALSE, sizeof (guint));
  gsize at = 2;
  while (at + 4 <= len && b[at] == 0xff && b[at + 1] != 0xda)
    {
      guint seg = ((guint) b[at + 2] << 8) | b[at + 3];
      if (b[at + 1] == 0xe2 && seg >= 2 + 14 && memcmp (b + at + 4, "ICC_PROFILE", 12) == 0)
        {
          guint payload = seg - 2 - 14;
          g_array_append_val (sizes, payload);
        }
      at += 2 + seg;
    }
  return sizes;
}

/* Save then load, gray and RGB: the same size and channels, 8-bit, a small error at the
 * default quality (95), the ICC profile's bytes kept. */
static void
test_save_round_trip (gconstpointer data)
{
  int channels = GPOINTER_TO_INT (data);
  g_autoptr (TsImage) source = make_smooth (70, 45, channels);
  source->icc_profile = ts_test_icc_profile (channels == 3, 3000, 11);
  g_autofree char *path = ts_test_tmp_path (channels == 1 ? "saved-gray.jpg" : "saved-rgb.jpeg");
  g_autoptr (GError) error = NULL;
  g_assert_true (ts_image_save (source, path, 0, &error));
  g_assert_no_error (error);

  g_autoptr (TsImage) loaded = ts_image_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (loaded->width, ==, 70);
  g_assert_cmpint (loaded->height, ==, 45);
  g_assert_cmpint (loaded->channels, ==, channels);
  g_assert_cmpint (loaded->source_bit_depth, ==, 8);
  g_assert_cmpfloat (mean_abs_error (source, loaded), <, 2.0 / 255.0);
  g_assert_nonnull (loaded->icc_profile);
  g_assert_true (g_bytes_equal (loaded->icc_profile, source->icc_profile));
  g_assert_cmpint (ts_image_default_bit_depth (loaded, TS_FILE_FORMAT_JPEG), ==, 8);
}

/* A profile over one segment's capacity is split in parts of 65519 bytes, in order, and
 * reassembled by the loader; a gray profile on an RGB image is left out. */
static void
test_save_icc_segments (void)
{
  g_autoptr (TsImage) source = make_smooth (32, 32, 3);
  source->icc_profile = ts_test_icc_profile (TRUE, 150000, 5);
  g_autofree char *path = ts_test_tmp_path ("big-icc.jpg");
  g_autoptr (GError) error = NULL;
  g_assert_true (ts_image_save_jpeg (source, path, 90, &error));
  g_autoptr (GArray) sizes = icc_segment_sizes (path);
  g_assert_cmpuint (sizes->len, ==, 3);
  g_assert_cmpuint (g_array_index (sizes, guint, 0), ==, TS_JPEG_ICC_CHUNK);
  g_assert_cmpuint (g_array_index (sizes, guint, 1), ==, TS_JPEG_ICC_CHUNK);
  g_assert_cmpuint (g_array_index (sizes, guint, 2), ==, 150000 - 2 * TS_JPEG_ICC_CHUNK);
  g_autoptr (TsImage) loaded = ts_image_load (path, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (loaded->icc_profile, source->icc_profile));

  g_clear_pointer (&source->icc_profile, g_bytes_unref);
  source->icc_profile = ts_test_icc_profile (FALSE, 400, 5);
  g_assert_true (ts_image_save_jpeg (source, path, 90, &error));
  g_autoptr (GArray) none = icc_segment_sizes (path);
  g_assert_cmpuint (none->len, ==, 0);
}

/* Quality: lower is smaller and coarser; outside 1..100 refused before any file exists;
 * a depth other than 8 refused. */
static void
test_save_quality (void)
{
  g_autoptr (TsImage) source = make_smooth (64, 64, 3);
  for (gsize i = 0; i < (gsize) 64 * 64 * 3; i += 7)
    source->data[i] = (float) ((i * 2654435761u) % 1000) / 1000.0f;
  g_autofree char *high = ts_test_tmp_path ("q95.jpg");
  g_autofree char *low = ts_test_tmp_path ("q30.jpg");
  g_autoptr (GError) error = NULL;
  g_assert_true (ts_image_save_jpeg (source, high, 95, &error));
  g_assert_true (ts_image_save_jpeg (source, low, 30, &error));
  GStatBuf sh, sl;
  g_assert_cmpint (g_stat (high, &sh), ==, 0);
  g_assert_cmpint (g_stat (low, &sl), ==, 0);
  g_assert_cmpint (sl.st_size, <, sh.st_size);
  g_autoptr (TsImage) h = ts_image_load (high, &error);
  g_autoptr (TsImage) l = ts_image_load (low, &error);
  g_assert_cmpfloat (mean_abs_error (source, h), <, mean_abs_error (source, l));

  g_autofree char *bad = ts_test_tmp_path ("q-bad.jpg");
  int qualities[] = { 0, 101, -5 };
  for (gsize i = 0; i < G_N_ELEMENTS (qualities); i++)
    {
      g_clear_error (&error);
      g_assert_false (ts_image_save_jpeg (source, bad, qualities[i], &error));
      g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
      g_assert_false (g_file_test (bad, G_FILE_TEST_EXISTS));
    }
  g_clear_error (&error);
  g_assert_false (ts_image_save (source, bad, 16, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED);
  g_assert_false (g_file_test (bad, G_FILE_TEST_EXISTS));
}

/* Saving over an existing file replaces it whole (atomic rename), leaving no temporary
 * file in the folder. */
static void
test_save_replaces (void)
{
  g_autofree char *dir = ts_test_tmp_path ("jpeg-replace");
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_autofree char *path = g_build_filename (dir, "out.jpg", NULL);
  ts_test_write_bytes (path, "precious", 8);
  g_autoptr (TsImage) source = make_smooth (16, 16, 1);
  g_autoptr (GError) error = NULL;
  g_assert_true (ts_image_save (source, path, 8, &error));
  g_autoptr (TsImage) loaded = ts_image_load (path, &error);
  g_assert_no_error (error);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  int entries = 0;
  while (g_dir_read_name (d) != NULL)
    entries++;
  g_assert_cmpint (entries, ==, 1);
}

/* JPEG has no alpha: a gray + alpha or RGBA image is refused, with no file left. */
static void
test_save_refused (void)
{
  g_autoptr (TsImage) source = make_smooth (8, 8, 2);
  g_autofree char *path = ts_test_tmp_path ("out.jpg");
  g_autoptr (GError) error = NULL;
  g_assert_false (ts_image_save (source, path, 0, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_nonnull (strstr (error->message, "alpha"));
  g_autoptr (TsImage) rgba = make_smooth (8, 8, 4);
  g_clear_error (&error);
  g_assert_false (ts_image_save_jpeg (rgba, path, 95, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/jpeg/decode-gray", GINT_TO_POINTER (1), test_decode);
  g_test_add_data_func ("/jpeg/decode-rgb", GINT_TO_POINTER (3), test_decode);
  g_test_add_func ("/jpeg/orientation", test_orientation);
  g_test_add_func ("/jpeg/bad-exif", test_bad_exif);
  g_test_add_func ("/jpeg/truncated", test_truncated);
  g_test_add_func ("/jpeg/corrupt", test_corrupt);
  g_test_add_func ("/jpeg/cmyk-refused", test_cmyk_refused);
  g_test_add_func ("/jpeg/limits", test_limits);
  g_test_add_func ("/jpeg/save-refused", test_save_refused);
  g_test_add_data_func ("/jpeg/save-gray", GINT_TO_POINTER (1), test_save_round_trip);
  g_test_add_data_func ("/jpeg/save-rgb", GINT_TO_POINTER (3), test_save_round_trip);
  g_test_add_func ("/jpeg/save-icc-segments", test_save_icc_segments);
  g_test_add_func ("/jpeg/save-quality", test_save_quality);
  g_test_add_func ("/jpeg/save-replaces", test_save_replaces);
  return g_test_run ();
}
