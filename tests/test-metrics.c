/* PSNR and SSIM: known cases and agreement with scikit-image. */
#include <math.h>
#include "ts-metrics.h"
#include "test-util.h"

/* Images live on the stack with g_autofree data so that this test needs nothing but
 * ts-metrics.c from the library. */
typedef struct {
  TsImage image;
  float *data;
} TestImage;

static void
test_image_init (TestImage *t, int width, int height, int channels, float value)
{
  gsize n = (gsize) width * height * channels;
  t->data = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    t->data[i] = value;
  t->image = (TsImage) { .width = width, .height = height, .channels = channels, .data = t->data };
}

static void
test_image_clear (TestImage *t)
{
  g_clear_pointer (&t->data, g_free);
}

/* A smooth texture plus uniform noise from a 64-bit LCG (Knuth's MMIX constants). The
 * same generator, with the same operation order, is in the Python script below; its
 * float32 values agree bit for bit (both use the C library's sin/cos in double). */
static void
pattern (TestImage *t, int w, int h, int ch, guint64 seed, double amp, double phase)
{
  test_image_init (t, w, h, ch, 0.0f);
  guint64 state = seed;
  gsize i = 0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < ch; c++)
        {
          state = state * G_GUINT64_CONSTANT (6364136223846793005)
                  + G_GUINT64_CONSTANT (1442695040888963407);
          double u = (double) (state >> 11) * (1.0 / 9007199254740992.0);
          double v = 0.5 + 0.35 * sin (0.31 * x + 0.17 * y + 0.9 * c + phase)
                     * cos (0.13 * y - 0.07 * x + 0.4 * c) + amp * (u - 0.5);
          t->data[i++] = (float) v;
        }
}

static void
test_psnr_offset (void)
{
  TestImage ref, est;
  test_image_init (&ref, 17, 11, 3, 0.5f);
  test_image_init (&est, 17, 11, 3, 0.6f);
  /* 0.1 is not a float: the difference is 0.1 to float precision, so 20 dB to ~1e-6. */
  g_assert_cmpfloat_with_epsilon (ts_psnr (&est.image, &ref.image, 0), 20.0, 1e-5);
  g_assert_cmpfloat_with_epsilon (ts_psnr (&ref.image, &est.image, 0), 20.0, 1e-5);

  /* An offset that is exact in binary: MSE = 1/64, PSNR = 10 log10 64. */
  for (gsize i = 0; i < 17 * 11 * 3; i++)
    est.data[i] = 0.625f;
  g_assert_cmpfloat_with_epsilon (ts_psnr (&est.image, &ref.image, 0), 10.0 * log10 (64.0), 1e-12);
  test_image_clear (&ref);
  test_image_clear (&est);
}

static void
test_psnr_identical (void)
{
  TestImage a, b;
  pattern (&a, 20, 13, 1, 42, 0.3, 0.0);
  pattern (&b, 20, 13, 1, 42, 0.3, 0.0);
  double p = ts_psnr (&a.image, &b.image, 0);
  g_assert_true (isinf (p) && p > 0);
  test_image_clear (&a);
  test_image_clear (&b);
}

static void
test_psnr_clip (void)
{
  /* The estimate is clipped to [0, 1]: overshooting a white reference costs nothing. */
  TestImage ref, est;
  test_image_init (&ref, 8, 8, 1, 1.0f);
  test_image_init (&est, 8, 8, 1, 1.5f);
  g_assert_true (isinf (ts_psnr (&est.image, &ref.image, 0)));
  est.data[0] = -1.0f;   /* clipped to 0: error 1 in one of 64 values */
  g_assert_cmpfloat_with_epsilon (ts_psnr (&est.image, &ref.image, 0), 10.0 * log10 (64.0), 1e-12);
  test_image_clear (&ref);
  test_image_clear (&est);
}

static void
test_psnr_border (void)
{
  /* Errors only in a 2-pixel frame: a border crop of 2 removes them. */
  const int w = 12, h = 9, ch = 2;
  TestImage ref, est;
  test_image_init (&ref, w, h, ch, 0.25f);
  test_image_init (&est, w, h, ch, 0.25f);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      if (x < 2 || y < 2 || x >= w - 2 || y >= h - 2)
        for (int c = 0; c < ch; c++)
          est.data[((gsize) y * w + x) * ch + c] = 0.75f;
  g_assert_true (isinf (ts_psnr (&est.image, &ref.image, 2)));

  /* Crop 1: 10 x 7 = 70 pixels remain, of which the outer ring of 2 * 10 + 2 * 5 = 30 is
   * wrong by 0.5 in both channels: MSE = 30 * 0.25 / 70. */
  double expect = 10.0 * log10 (70.0 / (30.0 * 0.25));
  g_assert_cmpfloat_with_epsilon (ts_psnr (&est.image, &ref.image, 1), expect, 1e-12);

  /* No crop: all but the 8 x 5 interior, 68 of 108 pixels, are wrong. */
  expect = 10.0 * log10 (108.0 / (68.0 * 0.25));
  g_assert_cmpfloat_with_epsilon (ts_psnr (&est.image, &ref.image, 0), expect, 1e-12);

  /* Nothing left after the crop. */
  g_assert_true (isnan (ts_psnr (&est.image, &ref.image, 5)));
  test_image_clear (&ref);
  test_image_clear (&est);
}

static void
test_ssim_identity (void)
{
  TestImage a, b;
  pattern (&a, 31, 25, 3, 9, 0.2, 0.0);
  pattern (&b, 31, 25, 3, 9, 0.2, 0.0);
  g_assert_cmpfloat_with_epsilon (ts_ssim (&a.image, &b.image, 0), 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (ts_ssim (&a.image, &b.image, 4), 1.0, 1e-12);
  /* Constant images: both variances 0, SSIM 1 through the stabilising constants. */
  TestImage c, d;
  test_image_init (&c, 10, 10, 1, 0.3f);
  test_image_init (&d, 10, 10, 1, 0.3f);
  g_assert_cmpfloat_with_epsilon (ts_ssim (&c.image, &d.image, 0), 1.0, 1e-12);
  /* Smaller than the 7x7 window after the crop: undefined. */
  g_assert_true (isnan (ts_ssim (&c.image, &d.image, 2)));
  test_image_clear (&a);
  test_image_clear (&b);
  test_image_clear (&c);
  test_image_clear (&d);
}

/* Expected values from /usr/bin/python3 with scikit-image 0.19.3 (SciPy 1.10.1):
 *
 *   ref = pattern(w, h, ch, seed_ref, amp_ref, 0.0)
 *   est = pattern(w, h, ch, seed_est, amp_est, phase_est)
 *   (crop `border` pixels from each side of both)
 *   structural_similarity(ref.astype(float64), clip(est.astype(float64), 0, 1),
 *                         data_range=1, channel_axis=2)
 *
 * with pattern() the Python twin of the C function above:
 *
 *   def pattern(w, h, ch, seed, amp, phase):
 *       state = seed; out = np.empty((h, w, ch), np.float32)
 *       for y in range(h): for x in range(w): for c in range(ch):
 *           state = (state * 6364136223846793005 + 1442695040888963407) % 2**64
 *           u = (state >> 11) * (1.0 / 9007199254740992.0)
 *           out[y, x, c] = np.float32(0.5 + 0.35 * math.sin(0.31*x + 0.17*y + 0.9*c + phase)
 *                                     * math.cos(0.13*y - 0.07*x + 0.4*c) + amp * (u - 0.5))
 *
 * float64 inputs matter: given float32 arrays skimage 0.19 computes in float32. */
typedef struct {
  int w, h, ch;
  guint64 seed_ref;
  double amp_ref;
  guint64 seed_est;
  double amp_est, phase_est;
  int border;
  double expected;
} SsimCase;

static const SsimCase ssim_cases[] = {
  { 64, 48, 1, 1, 0.05, 2, 0.20, 0.0, 0, 0.85946875648950105 },
  { 64, 48, 1, 1, 0.05, 2, 0.20, 0.0, 5, 0.8596157449565055 },
  { 40, 37, 3, 7, 0.10, 8, 0.30, 0.3, 0, 0.69174753561322833 },
  { 23, 31, 1, 3, 0.00, 4, 0.90, 0.1, 0, 0.28962968146795759 },   /* estimate in [-0.25, 1.26] */
  { 9, 7, 2, 5, 0.40, 6, 0.40, 1.0, 0, 0.41746634581526532 },     /* smallest: 3x1 SSIM map */
};

static gboolean
in_unit_range (const TestImage *t)
{
  gsize n = (gsize) t->image.width * t->image.height * t->image.channels;
  for (gsize i = 0; i < n; i++)
    if (t->data[i] < 0.0f || t->data[i] > 1.0f)
      return FALSE;
  return TRUE;
}

static void
test_ssim_skimage (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (ssim_cases); i++)
    {
      const SsimCase *k = &ssim_cases[i];
      TestImage ref, est;
      pattern (&ref, k->w, k->h, k->ch, k->seed_ref, k->amp_ref, 0.0);
      pattern (&est, k->w, k->h, k->ch, k->seed_est, k->amp_est, k->phase_est);
      double got = ts_ssim (&est.image, &ref.image, k->border);
      g_test_message ("case %" G_GSIZE_FORMAT ": %.17g, skimage %.17g", i, got, k->expected);
      g_assert_cmpfloat_with_epsilon (got, k->expected, 1e-6);
      /* SSIM is symmetric when nothing needs clipping. */
      if (in_unit_range (&ref) && in_unit_range (&est))
        g_assert_cmpfloat_with_epsilon (ts_ssim (&ref.image, &est.image, k->border), got, 1e-12);
      test_image_clear (&ref);
      test_image_clear (&est);
    }
}

/* ts_score_centred: the estimate's centre of the reference's size (fastMRI's central 320 x
 * 320), the whole image at equal sizes; a larger reference or other channels refused. */
static void
test_score_centred (void)
{
  TestImage est, ref, crop;
  double psnr = NAN, ssim = NAN;
  GError *error = NULL;

  pattern (&est, 31, 26, 1, 11, 0.3, 0.0);
  pattern (&ref, 20, 16, 1, 12, 0.3, 0.5);
  /* The centre: columns 5 to 24 ((31 - 20) / 2 = 5), rows 5 to 20. */
  test_image_init (&crop, 20, 16, 1, 0.0f);
  for (int y = 0; y < 16; y++)
    for (int x = 0; x < 20; x++)
      crop.data[y * 20 + x] = est.data[(y + 5) * 31 + x + 5];
  g_assert_true (ts_score_centred (&est.image, &ref.image, "ref", 0, &psnr, &ssim, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (psnr, ==, ts_psnr (&crop.image, &ref.image, 0));
  g_assert_cmpfloat (ssim, ==, ts_ssim (&crop.image, &ref.image, 0));
  /* Equal sizes: the whole image; either score may be left out. */
  psnr = NAN;
  g_assert_true (ts_score_centred (&crop.image, &ref.image, "ref", 2, &psnr, NULL, &error));
  g_assert_cmpfloat (psnr, ==, ts_psnr (&crop.image, &ref.image, 2));
  /* A reference larger than the estimate, or of other channels. */
  g_assert_false (ts_score_centred (&ref.image, &est.image, "ref", 0, &psnr, &ssim, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "ref: 31 x 26 does not match the 20 x 16 estimate");
  g_clear_error (&error);
  crop.image.channels = 2;
  crop.image.width = 10;
  g_assert_false (ts_score_centred (&crop.image, &ref.image, "ref", 0, &psnr, NULL, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
  g_clear_error (&error);
  test_image_clear (&est);
  test_image_clear (&ref);
  test_image_clear (&crop);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/metrics/psnr/offset", test_psnr_offset);
  g_test_add_func ("/metrics/psnr/identical", test_psnr_identical);
  g_test_add_func ("/metrics/psnr/clip", test_psnr_clip);
  g_test_add_func ("/metrics/psnr/border", test_psnr_border);
  g_test_add_func ("/metrics/ssim/identity", test_ssim_identity);
  g_test_add_func ("/metrics/ssim/skimage", test_ssim_skimage);
  g_test_add_func ("/metrics/score-centred", test_score_centred);
  return g_test_run ();
}
