/* fastMRI HDF5 k-space (ts-io-hdf5.h): files written here with the HDF5 C API in fastMRI's
 * layout, read back slice by slice; the centring convention checked on a picture; masks,
 * ground truth, scaling and attributes; multi-coil, corrupt and truncated files refused. */
#include <hdf5.h>
#include <math.h>
#include <string.h>
#include "ts-io-hdf5.h"
#include "ts-npy.h"
#include "ts-operator.h"
#include "ts-restore.h"
#include "test-hdf5-util.h"
#include "test-util.h"

#define S 3
#define H 64
#define W 48

/* Every value distinct and exactly representable: slice, row and column in the number. */
static float *
pattern_kspace (int n_slices, int n_coils, int height, int width)
{
  gsize n = (gsize) n_slices * MAX (n_coils, 1) * height * width;
  float *k = g_new (float, 2 * n);
  for (gsize i = 0; i < n; i++)
    {
      k[2 * i] = 1.0f + (float) i;
      k[2 * i + 1] = -0.5f * (float) i;
    }
  return k;
}

/* A fastMRI-style column mask (centred layout): the middle columns and every third. */
static void
pattern_mask (float *mask, int width)
{
  for (int c = 0; c < width; c++)
    mask[c] = (abs (c - width / 2) < 3 || c % 3 == 0) ? 1.0f : 0.0f;
}

static char *
write_file (const char *name, const TsTestFastmri *spec)
{
  char *path = ts_test_tmp_path (name);
  g_autoptr (GError) error = NULL;
  g_assert_true (ts_test_write_fastmri (path, spec, &error));
  g_assert_no_error (error);
  return path;
}

/* The value Tessera's k-space must hold at (r, c) for slice `s` of the stored `kf`. */
static void
expected_value (const float *kf, int s, int r, int c, float *re, float *im)
{
  gsize src = ((gsize) s * H + (r + H / 2) % H) * W + (c + W / 2) % W;
  float sign = (r + c) % 2 ? -1.0f : 1.0f;
  *re = sign * kf[2 * src];
  *im = sign * kf[2 * src + 1];
}

static void
test_read_slices (void)
{
  g_autofree float *kf = pattern_kspace (S, 0, H, W);
  float mask[W];
  pattern_mask (mask, W);
  TsTestFastmri spec = { .n_slices = S, .height = H, .width = W, .kspace = kf, .mask = mask };
  g_autofree char *path = write_file ("scan.h5", &spec);

  for (int s = 0; s < S; s++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (TsFastmriSlice) fs = ts_fastmri_load (path, s, NULL, TS_FASTMRI_LOAD_RAW, &error);
      g_assert_no_error (error);
      g_assert_nonnull (fs);
      g_assert_cmpint (fs->n_slices, ==, S);
      g_assert_cmpint (fs->slice, ==, s);
      g_assert_cmpint (fs->kspace->width, ==, W);
      g_assert_cmpint (fs->kspace->height, ==, H);
      g_assert_cmpint (fs->mask_source, ==, TS_FASTMRI_MASK_FILE);
      g_assert_cmpint (fs->scale_source, ==, TS_FASTMRI_SCALE_NONE);
      g_assert_null (fs->target);
      for (int r = 0; r < H; r++)
        for (int c = 0; c < W; c++)
          {
            gsize i = (gsize) r * W + c;
            /* Column c of Tessera's layout is the file's column (c + W/2) % W. */
            float m = mask[(c + W / 2) % W];
            float re, im;
            expected_value (kf, s, r, c, &re, &im);
            g_assert_cmpfloat (fs->kspace->mask[i], ==, m);
            g_assert_cmpfloat (fs->kspace->data[2 * i], ==, m != 0.0f ? re : 0.0f);
            g_assert_cmpfloat (fs->kspace->data[2 * i + 1], ==, m != 0.0f ? im : 0.0f);
          }
      /* 8 of 48 columns sampled: the acceleration is the width over them. */
      int sampled = 0;
      for (int c = 0; c < W; c++)
        sampled += mask[c] != 0.0f;
      g_assert_cmpint (fs->acceleration, ==, (int) lround ((double) W / sampled));
    }
}

static void
test_middle_slice (void)
{
  for (int n = 1; n <= 4; n++)
    {
      g_autofree float *kf = pattern_kspace (n, 0, H, W);
      TsTestFastmri spec = { .n_slices = n, .height = H, .width = W, .kspace = kf };
      g_autofree char *path = write_file ("middle.h5", &spec);
      g_autoptr (GError) error = NULL;
      g_autoptr (TsFastmriSlice) fs = ts_fastmri_load (path, TS_FASTMRI_MIDDLE_SLICE, NULL,
                                                       TS_FASTMRI_LOAD_RAW, &error);
      g_assert_no_error (error);
      g_assert_cmpint (fs->slice, ==, n / 2);
      float re, im;
      expected_value (kf, n / 2, 5, 7, &re, &im);
      g_assert_cmpfloat (fs->kspace->data[2 * (5 * W + 7)], ==, re);
      g_assert_cmpfloat (fs->kspace->data[2 * (5 * W + 7) + 1], ==, im);
      /* No mask in the file and every column holds data: fully sampled. */
      g_assert_cmpint (fs->mask_source, ==, TS_FASTMRI_MASK_DERIVED);
      g_assert_cmpint (fs->acceleration, ==, 1);
    }
}

static void
test_slice_out_of_range (void)
{
  g_autofree float *kf = pattern_kspace (S, 0, H, W);
  TsTestFastmri spec = { .n_slices = S, .height = H, .width = W, .kspace = kf };
  g_autofree char *path = write_file ("range.h5", &spec);
  const int bad[] = { S, S + 10, -2 };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (TsFastmriSlice) fs = ts_fastmri_load (path, bad[i], NULL, 0, &error);
      g_assert_null (fs);
      g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
      g_autofree char *expected = g_strdup_printf (
          "%s: slice %d is out of range: the file has 3 slices (0 to 2)", path, bad[i]);
      g_assert_cmpstr (error->message, ==, expected);
    }
}

/* A picture through Tessera's own forward operator, stored centred as fastMRI does: the
 * zero-filled image of what the loader returns is the picture again, centred, and the
 * ground truth (its central crop) is scaled by the volume's largest value. */
static void
test_centring_convention (void)
{
  float ones[H * W];
  for (int i = 0; i < H * W; i++)
    ones[i] = 1.0f;
  g_autoptr (GError) error = NULL;
  g_autoptr (TsOperator) op = ts_operator_mri_new (W, H, ones, &error);
  g_assert_no_error (error);

  enum { TH = 32, TW = 24 };
  g_autofree float *kf = g_new (float, 2 * (gsize) S * H * W);
  g_autofree float *target = g_new (float, (gsize) S * TH * TW);
  g_autofree float *pictures = g_new (float, (gsize) S * H * W);
  for (int s = 0; s < S; s++)
    {
      float *x = pictures + (gsize) s * H * W;
      /* An off-centre bright blob and a ramp: a shift or a flip would show. */
      for (int r = 0; r < H; r++)
        for (int c = 0; c < W; c++)
          x[r * W + c] = (s + 1) * (0.2f + 0.01f * c
                                    + expf (-((r - 40) * (r - 40) + (c - 20) * (c - 20)) / 30.0f));
      float k[2 * H * W];
      ts_operator_apply (op, x, k);
      ts_test_centre_kspace (k, kf + 2 * (gsize) s * H * W, W, H);
      for (int r = 0; r < TH; r++)
        for (int c = 0; c < TW; c++)
          target[((gsize) s * TH + r) * TW + c] = x[(r + (H - TH) / 2) * W + c + (W - TW) / 2];
    }
  double volume_max = 0.0;
  for (gsize i = 0; i < (gsize) S * TH * TW; i++)
    volume_max = MAX (volume_max, target[i]);

  TsTestFastmri spec = { .n_slices = S, .height = H, .width = W, .kspace = kf, .target = target,
                         .target_height = TH, .target_width = TW };
  g_autofree char *path = write_file ("picture.h5", &spec);
  g_autoptr (TsFastmriSlice) fs = ts_fastmri_load (path, 0, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fs->scale_source, ==, TS_FASTMRI_SCALE_TARGET_MAX);
  g_assert_cmpfloat_with_epsilon (fs->scale, 1.0 / volume_max, 1e-12);
  g_assert_cmpstr (fs->target_name, ==, "reconstruction_esc");
  g_assert_cmpint (fs->target->width, ==, TW);
  g_assert_cmpint (fs->target->height, ==, TH);

  g_autoptr (TsImage) zf = ts_restore_zero_filled (fs->kspace, &error);
  g_assert_no_error (error);
  for (int r = 0; r < H; r++)
    for (int c = 0; c < W; c++)
      g_assert_cmpfloat_with_epsilon (zf->data[r * W + c], pictures[r * W + c] * fs->scale, 1e-5);
  for (int r = 0; r < TH; r++)
    for (int c = 0; c < TW; c++)
      {
        float t = fs->target->data[r * TW + c];
        g_assert_cmpfloat (t, ==, (float) (target[r * TW + c] * (float) fs->scale));
        /* The ground truth is the zero-filled image's centre. */
        g_assert_cmpfloat_with_epsilon (t, zf->data[(r + (H - TH) / 2) * W + c + (W - TW) / 2], 1e-5);
      }

  /* Without a ground truth: the "max" attribute, else the zero-filled image's largest value. */
  spec.target = NULL;
  spec.max_attr = 2.5;
  g_free (path);
  path = write_file ("picture-max.h5", &spec);
  g_autoptr (TsFastmriSlice) fs2 = ts_fastmri_load (path, 0, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fs2->scale_source, ==, TS_FASTMRI_SCALE_MAX_ATTR);
  g_assert_cmpfloat (fs2->scale, ==, 1.0 / 2.5);
  g_assert_null (fs2->target);
  spec.max_attr = 0;
  g_free (path);
  path = write_file ("picture-plain.h5", &spec);
  g_autoptr (TsFastmriSlice) fs3 = ts_fastmri_load (path, 0, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fs3->scale_source, ==, TS_FASTMRI_SCALE_ZERO_FILLED);
  g_autoptr (TsImage) zf3 = ts_restore_zero_filled (fs3->kspace, &error);
  float largest = 0.0f;
  for (int i = 0; i < H * W; i++)
    largest = MAX (largest, zf3->data[i]);
  g_assert_cmpfloat_with_epsilon (largest, 1.0, 1e-5);
}

static void
test_masks (void)
{
  g_autofree float *kf = pattern_kspace (S, 0, H, W);
  float mask[W];
  pattern_mask (mask, W);
  const char *types[] = { "bool", "uint8", "float32" };
  for (gsize t = 0; t < G_N_ELEMENTS (types); t++)
    {
      TsTestFastmri spec = { .n_slices = S, .height = H, .width = W, .kspace = kf, .mask = mask,
                             .mask_type = types[t], .complex128 = t == 1 };
      g_autofree char *path = write_file ("masks.h5", &spec);
      g_autoptr (GError) error = NULL;
      g_autoptr (TsFastmriSlice) fs = ts_fastmri_load (path, 2, NULL, TS_FASTMRI_LOAD_RAW, &error);
      g_assert_no_error (error);
      g_assert_cmpint (fs->mask_source, ==, TS_FASTMRI_MASK_FILE);
      for (int c = 0; c < W; c++)
        g_assert_cmpfloat (fs->kspace->mask[(H - 1) * W + c], ==, mask[(c + W / 2) % W]);
    }

  /* No mask dataset, unsampled columns zero in the file (as fastMRI's test files): the mask
   * is the columns that hold data. */
  for (int s = 0; s < S; s++)
    for (int r = 0; r < H; r++)
      for (int c = 0; c < W; c++)
        if (mask[c] == 0.0f)
          kf[2 * (((gsize) s * H + r) * W + c)] = kf[2 * (((gsize) s * H + r) * W + c) + 1] = 0.0f;
  TsTestFastmri spec = { .n_slices = S, .height = H, .width = W, .kspace = kf,
                         .acceleration_attr = 4, .acquisition = "CORPDFS_FBK" };
  g_autofree char *path = write_file ("derived.h5", &spec);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsFastmriSlice) fs = ts_fastmri_load (path, 1, NULL, TS_FASTMRI_LOAD_RAW, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fs->mask_source, ==, TS_FASTMRI_MASK_DERIVED);
  g_assert_cmpint (fs->acceleration, ==, 4);
  g_assert_true (fs->fat_suppressed);
  for (int r = 0; r < H; r++)
    for (int c = 0; c < W; c++)
      g_assert_cmpfloat (fs->kspace->mask[r * W + c], ==, mask[(c + W / 2) % W]);

  /* A mask given as a file (centred, as the file's own), here a column .npy with one more
   * column dropped. */
  float given[W];
  memcpy (given, mask, sizeof given);
  given[W / 2] = 0.0f;
  gint64 shape[1] = { W };
  g_autofree char *mask_path = ts_test_tmp_path ("given-mask.npy");
  g_assert_true (ts_npy_save_float32 (mask_path, given, 1, shape, &error));
  g_autoptr (TsFastmriSlice) fg = ts_fastmri_load (path, 1, mask_path, TS_FASTMRI_LOAD_RAW, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fg->mask_source, ==, TS_FASTMRI_MASK_GIVEN);
  g_assert_true (fg->fat_suppressed);
  for (int c = 0; c < W; c++)
    g_assert_cmpfloat (fg->kspace->mask[c], ==, given[(c + W / 2) % W]);
  /* Column 0 of Tessera's layout is the file's centre column, dropped by the given mask. */
  g_assert_cmpfloat (fg->kspace->data[0], ==, 0.0f);
}

static void
test_multi_coil_refused (void)
{
  g_autofree float *kf = pattern_kspace (2, 4, 8, 6);
  TsTestFastmri spec = { .n_slices = 2, .n_coils = 4, .height = 8, .width = 6, .kspace = kf };
  g_autofree char *path = write_file ("multicoil.h5", &spec);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsFastmriSlice) fs = ts_fastmri_load (path, TS_FASTMRI_MIDDLE_SLICE, NULL, 0, &error);
  g_assert_null (fs);
  g_assert_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED);
  g_autofree char *expected = g_strdup_printf (
      "%s: multi-coil k-space (kspace is 2 x 4 x 8 x 6: slices x coils x height x width) is not "
      "supported; only single-coil files are (kspace: slices x height x width, as fastMRI's "
      "singlecoil_* sets)", path);
  g_assert_cmpstr (error->message, ==, expected);

  /* One coil in the multi-coil layout is single-coil k-space. */
  spec.n_coils = 1;
  g_clear_error (&error);
  g_free (path);
  path = write_file ("onecoil.h5", &spec);
  g_autoptr (TsFastmriSlice) one = ts_fastmri_load (path, 1, NULL, TS_FASTMRI_LOAD_RAW, &error);
  g_assert_no_error (error);
  g_assert_cmpint (one->kspace->width, ==, 6);
  g_assert_cmpint (one->kspace->height, ==, 8);
}

/* Truncated at many points and damaged in many places: refused with a message naming the
 * file, or (damage inside the samples) read; never a crash, and nothing on stderr from HDF5
 * (checked by the CLI test). */
static void
test_corrupt_refused (void)
{
  g_autofree float *kf = pattern_kspace (S, 0, H, W);
  float mask[W];
  pattern_mask (mask, W);
  TsTestFastmri spec = { .n_slices = S, .height = H, .width = W, .kspace = kf, .mask = mask,
                         .acquisition = "CORPD_FBK" };
  g_autofree char *path = write_file ("whole.h5", &spec);
  g_autofree char *bytes = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (path, &bytes, &len, NULL));
  g_autofree char *cut_path = ts_test_tmp_path ("cut.h5");
  g_autofree char *prefix = g_strconcat (cut_path, ": ", NULL);

  for (gsize cut = 0; cut < len; cut += cut < 4096 ? 97 : 4099)
    {
      ts_test_write_bytes (cut_path, bytes, cut);
      g_autoptr (GError) error = NULL;
      g_autoptr (TsFastmriSlice) fs = ts_fastmri_load (cut_path, TS_FASTMRI_MIDDLE_SLICE, NULL, 0,
                                                       &error);
      g_assert_null (fs);
      g_assert_nonnull (error);
      g_assert_true (error->domain == TS_ERROR);
      g_assert_true (g_str_has_prefix (error->message, prefix));
    }
  /* One byte short: the superblock's end-of-file address tells. */
  ts_test_write_bytes (cut_path, bytes, len - 1);
  g_autoptr (GError) error = NULL;
  g_assert_null (ts_fastmri_load (cut_path, 0, NULL, 0, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_FORMAT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "corrupt or truncated HDF5 file"));

  /* Damage: 8 bytes overwritten through the metadata (the first 4 kB: superblock, root
   * group, object headers), at every byte of 1760..1790 (in this file as libhdf5 1.10.8
   * writes it, the kspace dataset's object header: there libhdf5 crashes or loops, which the
   * reader process turns into an error) and at offsets through the data. */
  g_autofree char *copy = g_memdup2 (bytes, len);
  int refused = 0, crashed = 0, hung = 0, read = 0;
  for (gsize at = 0; at + 8 <= len; at += at >= 1760 && at < 1790 ? 1 : at < 4096 ? 8 : 1999)
    {
      memcpy (copy, bytes, len);
      memset (copy + at, 0xA5, 8);
      ts_test_write_bytes (cut_path, copy, len);
      g_clear_error (&error);
      g_autoptr (TsFastmriSlice) fs = ts_fastmri_load (cut_path, 1, NULL, 0, &error);
      if (fs == NULL)
        {
          g_assert_nonnull (error);
          g_assert_true (error->domain == TS_ERROR);
          g_assert_true (g_str_has_prefix (error->message, prefix));
          refused++;
          crashed += strstr (error->message, "crashed") != NULL;
          hung += strstr (error->message, "did not finish") != NULL;
          if (strstr (error->message, "crashed") != NULL || strstr (error->message, "did not finish"))
            g_test_message ("damaged at byte %" G_GSIZE_FORMAT ": %s", at, error->message);
        }
      else
        {
          g_assert_no_error (error);
          read++;
        }
    }
  g_test_message ("damaged files: %d refused (libhdf5 crashed on %d and did not finish %d in "
                  "the reader process), %d read", refused, crashed, hung, read);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* Damaged files can send libhdf5 into a loop: give them up sooner than a user's 20 s. */
  ts_hdf5_set_reader_timeout (1000);
  g_test_add_func ("/hdf5/read-slices", test_read_slices);
  g_test_add_func ("/hdf5/middle-slice", test_middle_slice);
  g_test_add_func ("/hdf5/slice-out-of-range", test_slice_out_of_range);
  g_test_add_func ("/hdf5/centring-convention", test_centring_convention);
  g_test_add_func ("/hdf5/masks", test_masks);
  g_test_add_func ("/hdf5/multi-coil-refused", test_multi_coil_refused);
  g_test_add_func ("/hdf5/corrupt-refused", test_corrupt_refused);
  return g_test_run ();
}
