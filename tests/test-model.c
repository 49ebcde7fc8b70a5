/* Derived quantities: Bjorck orthonormality, the projector, the dictionary, the kernel. */
#include "tessera.h"
#include "ts-linalg.h"
#include "test-model-util.h"
#include <math.h>

static void
check_derived (const TsModel *model, const TsDerived *d)
{
  int M = model->n_free, s = d->s, K = d->K, r = d->rank;
  /* Q Q^T = I after 15 Bjorck steps. */
  double max_err = 0.0;
  for (int i = 0; i < M; i++)
    for (int j = 0; j < M; j++)
      {
        double v = 0.0;
        for (int k = 0; k < s; k++)
          v += d->Q[i * s + k] * d->Q[j * s + k];
        max_err = MAX (max_err, fabs (v - (i == j)));
      }
  g_test_message ("Bjorck: max |Q Q^T - I| = %.3g", max_err);
  g_assert_cmpfloat (max_err, <, 1e-9);

  /* C is an orthogonal projector of rank s - M - 1. */
  g_assert_cmpint (r, ==, s - M - 1);
  max_err = 0.0;
  for (int i = 0; i < s; i++)
    for (int j = 0; j < s; j++)
      {
        double cc = 0.0;
        for (int k = 0; k < s; k++)
          cc += d->C[i * s + k] * d->C[k * s + j];
        max_err = MAX (max_err, fabs (cc - d->C[i * s + j]));
        max_err = MAX (max_err, fabs (d->C[i * s + j] - d->C[j * s + i]));
      }
  g_assert_cmpfloat (max_err, <, 1e-9);

  /* D = B U^T: every atom lies in range(C); U has orthonormal columns. */
  max_err = 0.0;
  for (int k = 0; k < K; k++)
    for (int j = 0; j < s; j++)
      {
        double v = 0.0;
        for (int q = 0; q < r; q++)
          v += (double) d->B[k * r + q] * d->U[j * r + q];
        max_err = MAX (max_err, fabs (v - d->D[k * s + j]));
      }
  g_test_message ("max |D - B U^T| = %.3g", max_err);
  g_assert_cmpfloat (max_err, <, 1e-5);

  /* Spectral scaling: ||D||_2^2 = 0.99 / max(b, 0.1); unit-norm atoms before scaling. */
  double *dd = g_new (double, (gsize) K * s);
  for (gsize i = 0; i < (gsize) K * s; i++)
    dd[i] = d->D[i];
  double norm = ts_linalg_spectral_norm (dd, K, s);
  g_assert_cmpfloat (fabs (norm * norm - 0.99 / MAX (d->b, 0.1)), <, 1e-5);
  g_free (dd);

  /* k_P is point-symmetric, sums to 0 (C removes the DC), and its DFT is >= 0. */
  int kp = 2 * d->p - 1;
  double sum = 0.0;
  for (int i = 0; i < kp * kp; i++)
    {
      sum += d->kernel[i];
      g_assert_cmpfloat (fabs (d->kernel[i] - d->kernel[kp * kp - 1 - i]), <, 1e-12);
    }
  g_assert_cmpfloat (fabs (sum), <, 1e-9);
}

static void
test_random_model (void)
{
  g_autoptr (TsModel) model = ts_test_random_model (TS_PROX_NCPR, 1, 7);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsDerived) d = ts_derived_new (model, NAN, NAN, TS_FORWARD_BETA_FLOOR, &error);
  g_assert_no_error (error);
  check_derived (model, d);
}

static void
test_dct_model (void)
{
  g_autoptr (TsModel) model = ts_model_new_dct (25);
  g_autoptr (GError) error = NULL;
  g_assert_true (ts_model_validate (model, "dct", &error));
  g_autoptr (TsDerived) d = ts_derived_new (model, NAN, NAN, TS_FORWARD_BETA_FLOOR, &error);
  g_assert_no_error (error);
  check_derived (model, d);
}

static void
test_kernel_dft (void)
{
  /* The separable real DFT of k_P against a brute-force complex DFT. */
  g_autoptr (TsModel) model = ts_test_random_model (TS_PROX_CPR, 1, 11);
  g_autoptr (TsDerived) d = ts_derived_new (model, NAN, NAN, TS_FORWARD_BETA_FLOOR, NULL);
  int w = 30, h = 27, kp = 2 * d->p - 1, c = d->p - 1;
  double *fast = g_new (double, w * h);
  ts_derived_kernel_dft (d, w, h, fast);
  double max_abs = 0.0, max_err = 0.0;
  for (int fy = 0; fy < h; fy++)
    for (int fx = 0; fx < w; fx++)
      {
        double re = 0.0, im = 0.0;
        for (int iy = 0; iy < kp; iy++)
          for (int ix = 0; ix < kp; ix++)
            {
              double ang = -2.0 * G_PI * ((double) (iy - c) * fy / h + (double) (ix - c) * fx / w);
              re += d->kernel[iy * kp + ix] * cos (ang);
              im += d->kernel[iy * kp + ix] * sin (ang);
            }
        max_err = MAX (max_err, fabs (re - fast[fy * w + fx]) + fabs (im));
        max_abs = MAX (max_abs, sqrt (re * re + im * im));
        g_assert_cmpfloat (fast[fy * w + fx], >, -1e-9);
      }
  g_assert_cmpfloat (max_err, <, 1e-9);
  g_assert_cmpfloat (fabs (ts_derived_kernel_dft_max (d, w, h) - max_abs), <, 1e-9);
  g_free (fast);
}

static void
test_invalid (void)
{
  g_autoptr (TsModel) model = ts_test_random_model (TS_PROX_NCPR, 1, 3);
  g_autoptr (GError) error = NULL;
  model->atoms[17] = NAN;
  g_assert_false (ts_model_validate (model, "nan-model", &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "nan-model"));
  g_clear_error (&error);
  model->atoms[17] = 0.0f;
  /* The reconstruct variant divides by b. */
  TsDerived *d = ts_derived_new (model, 0.0, NAN, 0.0, &error);
  g_assert_null (d);
  g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/model/random", test_random_model);
  g_test_add_func ("/model/dct", test_dct_model);
  g_test_add_func ("/model/kernel-dft", test_kernel_dft);
  g_test_add_func ("/model/invalid", test_invalid);
  return g_test_run ();
}
