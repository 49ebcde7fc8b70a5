/* k-space loading: .npy + mask, column masks, BART .cfl/.hdr and their orientation. */
#include <string.h>
#include "ts-kspace.h"
#include "ts-npy.h"
#include "test-util.h"

#define W 6
#define H 4

static void
fill_kspace (float *data, int w, int h)
{
  for (int i = 0; i < w * h; i++)
    {
      data[2 * i] = 1.0f + i;            /* real part encodes the row-major index */
      data[2 * i + 1] = -0.5f * i;
    }
}

static void
test_npy_with_mask (void)
{
  float data[2 * W * H];
  fill_kspace (data, W, H);
  float mask[W * H];
  for (int i = 0; i < W * H; i++)
    mask[i] = (i % 3 == 0) ? 1.0f : 0.0f;
  g_autofree char *kp = ts_test_tmp_path ("k.npy");
  g_autofree char *mp = ts_test_tmp_path ("m.npy");
  g_autoptr (GError) error = NULL;
  gint64 shape[2] = { H, W };
  g_assert_true (ts_npy_save_complex64 (kp, data, 2, shape, &error));
  g_assert_true (ts_npy_save_float32 (mp, mask, 2, shape, &error));
  g_assert_no_error (error);

  g_autoptr (TsKspace) k = ts_kspace_load (kp, mp, &error);
  g_assert_no_error (error);
  g_assert_cmpint (k->width, ==, W);
  g_assert_cmpint (k->height, ==, H);
  for (int i = 0; i < W * H; i++)
    {
      g_assert_cmpfloat (k->mask[i], ==, mask[i]);
      /* Unsampled entries are zeroed. */
      g_assert_cmpfloat (k->data[2 * i], ==, mask[i] != 0 ? data[2 * i] : 0.0f);
      g_assert_cmpfloat (k->data[2 * i + 1], ==, mask[i] != 0 ? data[2 * i + 1] : 0.0f);
    }

  /* Without a mask, the nonzero samples define it. */
  data[2 * 5] = data[2 * 5 + 1] = 0.0f;
  g_assert_true (ts_npy_save_complex64 (kp, data, 2, shape, &error));
  g_autoptr (TsKspace) k2 = ts_kspace_load_npy (kp, NULL, &error);
  g_assert_no_error (error);
  for (int i = 0; i < W * H; i++)
    g_assert_cmpfloat (k2->mask[i], ==, i == 5 ? 0.0f : 1.0f);
}

static void
test_column_mask (void)
{
  float data[2 * W * H];
  fill_kspace (data, W, H);
  float cols[W] = { 1, 0, 0, 1, 1, 0 };
  g_autofree char *kp = ts_test_tmp_path ("kc.npy");
  g_autofree char *mp = ts_test_tmp_path ("col.npy");
  g_autofree char *mp2 = ts_test_tmp_path ("col2.npy");
  gint64 shape[2] = { H, W };
  gint64 shape1[1] = { W };
  gint64 shape1w[2] = { 1, W };
  g_autoptr (GError) error = NULL;
  g_assert_true (ts_npy_save_complex64 (kp, data, 2, shape, &error));
  g_assert_true (ts_npy_save_float32 (mp, cols, 1, shape1, &error));
  g_assert_true (ts_npy_save_float32 (mp2, cols, 2, shape1w, &error));
  const char *masks[2] = { mp, mp2 };
  for (int m = 0; m < 2; m++)
    {
      g_autoptr (TsKspace) k = ts_kspace_load (kp, masks[m], &error);
      g_assert_no_error (error);
      for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
          {
            int i = y * W + x;
            g_assert_cmpfloat (k->mask[i], ==, cols[x]);
            g_assert_cmpfloat (k->data[2 * i], ==, cols[x] != 0 ? data[2 * i] : 0.0f);
          }
    }
}

static void
test_cfl_round_trip (void)
{
  float data[2 * W * H];
  fill_kspace (data, W, H);
  g_autofree char *base = ts_test_tmp_path ("bart");
  g_autoptr (GError) error = NULL;
  g_assert_true (ts_kspace_save_cfl (base, data, W, H, &error));
  g_assert_no_error (error);

  g_autofree char *hdr = g_strconcat (base, ".hdr", NULL);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (hdr, &text, NULL, NULL));
  g_assert_true (g_str_has_prefix (text, "# Dimensions\n6 4 1 1"));

  /* By base, by .cfl and by .hdr name. */
  const char *suffixes[3] = { "", ".cfl", ".hdr" };
  for (int s = 0; s < 3; s++)
    {
      g_autofree char *name = g_strconcat (base, suffixes[s], NULL);
      g_autoptr (TsKspace) k = ts_kspace_load (s == 0 ? hdr : name, NULL, &error);
      g_assert_no_error (error);
      g_autoptr (TsKspace) k2 = ts_kspace_load_cfl (name, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (k2->width, ==, W);
      g_assert_cmpint (k2->height, ==, H);
      g_assert_cmpmem (k2->data, sizeof data, data, sizeof data);
      g_assert_cmpmem (k->data, sizeof data, data, sizeof data);
    }

  /* A .cfl mask works too. */
  float mask_c[2 * W * H] = { 0 };
  for (int i = 0; i < W * H; i += 2)
    mask_c[2 * i] = 1.0f;
  g_autofree char *mbase = ts_test_tmp_path ("mask");
  g_autofree char *mcfl = ts_test_tmp_path ("mask.cfl");
  g_assert_true (ts_kspace_save_cfl (mbase, mask_c, W, H, &error));
  g_autoptr (TsKspace) km = ts_kspace_load_cfl (base, mcfl, &error);
  g_assert_no_error (error);
  for (int i = 0; i < W * H; i++)
    g_assert_cmpfloat (km->mask[i], ==, i % 2 == 0 ? 1.0f : 0.0f);
}

static void
test_orientation (void)
{
  /* Non-square: the same array through .npy (H x W, C order) and .cfl (W, H column-major)
   * must come back identical, with width and height in the same places. */
  enum { w = 7, h = 3 };
  float data[2 * w * h];
  fill_kspace (data, w, h);
  g_autofree char *np = ts_test_tmp_path ("orient.npy");
  g_autofree char *cb = ts_test_tmp_path ("orient");
  gint64 shape[2] = { h, w };
  g_autoptr (GError) error = NULL;
  g_assert_true (ts_npy_save_complex64 (np, data, 2, shape, &error));
  g_assert_true (ts_kspace_save_cfl (cb, data, w, h, &error));
  g_assert_no_error (error);
  g_autoptr (TsKspace) a = ts_kspace_load (np, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (TsKspace) b = ts_kspace_load_cfl (cb, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (a->width, ==, w);
  g_assert_cmpint (a->height, ==, h);
  g_assert_cmpint (b->width, ==, w);
  g_assert_cmpint (b->height, ==, h);
  g_assert_cmpmem (a->data, sizeof data, b->data, sizeof data);
  /* Element (row 1, column 2) is at row-major index 1 * w + 2 in both. */
  g_assert_cmpfloat (b->data[2 * (1 * w + 2)], ==, 1.0f + (1 * w + 2));
}

static void
test_shape_mismatch (void)
{
  float data[2 * W * H];
  fill_kspace (data, W, H);
  float mask[W * H] = { 0 };
  g_autofree char *kp = ts_test_tmp_path ("kspace.npy");
  g_autofree char *mp = ts_test_tmp_path ("mask.npy");
  gint64 shape[2] = { H, W };
  gint64 transposed[2] = { W, H };
  gint64 wrong_cols[1] = { W + 1 };
  g_autoptr (GError) error = NULL;
  g_assert_true (ts_npy_save_complex64 (kp, data, 2, shape, &error));
  g_assert_true (ts_npy_save_float32 (mp, mask, 2, transposed, &error));
  g_autoptr (TsKspace) k = ts_kspace_load (kp, mp, &error);
  g_assert_null (k);
  g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "mask.npy: mask is 6 x 4 but k-space"));
  g_assert_nonnull (strstr (error->message, "kspace.npy is 4 x 6"));
  g_clear_error (&error);

  g_assert_true (ts_npy_save_float32 (mp, mask, 1, wrong_cols, &error));
  g_autoptr (TsKspace) k2 = ts_kspace_load (kp, mp, &error);
  g_assert_null (k2);
  g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "mask.npy"));
}

/* A compact slice folder (meta.json, columns.npy, kspace_cols.npy): the sampled columns
 * scattered into the full k-space and marked in the mask; the acceleration and the
 * fat-suppressed contrast read from the folder. */
static void
test_compact_folder (void)
{
  g_autofree char *dir = ts_test_tmp_path ("pdfs/slice");
  g_autofree char *meta = g_build_filename (dir, "meta.json", NULL);
  g_autofree char *cols = g_build_filename (dir, "columns.npy", NULL);
  g_autofree char *vals = g_build_filename (dir, "kspace_cols.npy", NULL);
  const float columns[] = { 0, 3, 5 };
  float values[2 * H * 3];
  gint64 cshape[] = { 3 }, vshape[] = { H, 3 };
  g_autoptr (GError) error = NULL;
  int acceleration = 0;
  const char *json = "{\"shape\": [4, 6], \"acceleration\": 16}";

  for (int i = 0; i < 2 * H * 3; i++)
    values[i] = 0.5f * i;
  g_mkdir_with_parents (dir, 0755);
  ts_test_write_bytes (meta, json, strlen (json));
  g_assert_true (ts_npy_save_float32 (cols, columns, 1, cshape, &error));
  g_assert_true (ts_npy_save_complex64 (vals, values, 2, vshape, &error));
  g_autoptr (TsKspace) k = ts_kspace_load_compact (dir, &acceleration, &error);
  g_assert_no_error (error);
  g_assert_cmpint (k->width, ==, W);
  g_assert_cmpint (k->height, ==, H);
  g_assert_cmpint (acceleration, ==, 16);
  for (int r = 0; r < H; r++)
    for (int c = 0; c < W; c++)
      {
        int j = c == 0 ? 0 : c == 3 ? 1 : c == 5 ? 2 : -1;
        gsize i = (gsize) r * W + c;
        g_assert_cmpfloat (k->mask[i], ==, j >= 0 ? 1.0f : 0.0f);
        g_assert_cmpfloat (k->data[2 * i + 1], ==, j >= 0 ? values[2 * (r * 3 + j) + 1] : 0.0f);
      }
  g_assert_true (ts_kspace_path_is_fat_suppressed (dir));
  g_assert_false (ts_kspace_path_is_fat_suppressed ("/data/mri/acc8/pd/test/file1"));

  /* A column index outside the image is refused. */
  const float bad[] = { 0, 3, 6 };
  g_assert_true (ts_npy_save_float32 (cols, bad, 1, cshape, &error));
  g_assert_null (ts_kspace_load_compact (dir, NULL, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_FORMAT);
}

/* The acceleration a mask gives (the task preset of a file without meta data). */
static void
test_acceleration_from_mask (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TsKspace) k = ts_kspace_new (64, 8, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ts_kspace_acceleration (k), ==, 0);
  /* 8 of 64 columns, and then 4 of 64 (with rounding: 5 of 64 is 12.8 -> 13). */
  for (int y = 0; y < 8; y++)
    for (int x = 0; x < 64; x++)
      k->mask[y * 64 + x] = x % 8 == 0;
  g_assert_cmpint (ts_kspace_acceleration (k), ==, 8);
  for (int y = 0; y < 8; y++)
    for (int x = 0; x < 64; x++)
      k->mask[y * 64 + x] = x % 16 == 0 || x == 1;
  g_assert_cmpint (ts_kspace_acceleration (k), ==, 13);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/kspace/npy-with-mask", test_npy_with_mask);
  g_test_add_func ("/kspace/column-mask", test_column_mask);
  g_test_add_func ("/kspace/cfl-round-trip", test_cfl_round_trip);
  g_test_add_func ("/kspace/acceleration-from-mask", test_acceleration_from_mask);
  g_test_add_func ("/kspace/orientation", test_orientation);
  g_test_add_func ("/kspace/shape-mismatch", test_shape_mismatch);
  g_test_add_func ("/kspace/compact-folder", test_compact_folder);
  return g_test_run ();
}
