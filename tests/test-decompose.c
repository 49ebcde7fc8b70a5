/* The closed-form (Fourier) smooth image against the iterative route, and the pieces of
 * the decomposition. */
#include "tessera.h"
#include "ts-patch.h"
#include "test-model-util.h"
#include <math.h>

static void
test_fourier_vs_iterative (void)
{
  g_autoptr (TsModel) model = ts_test_random_model (TS_PROX_NCPR, 1, 31);
  int w = 30, h = 26;
  g_autoptr (TsOperator) op = ts_operator_identity_new (w, h);
  float *y = ts_test_picture (w, h, 0.1, 9);
  TsSolveOptions o;
  ts_solve_options_init (&o);
  o.tol = 1e-8;
  o.max_iter = 20000;
  g_autoptr (GError) error = NULL;
  g_autoptr (TsRegulariser) prox = ts_regulariser_new (model, op, o.beta, o.lambda, &error);
  g_assert_no_error (error);
  g_autoptr (TsImage) fourier = ts_smooth_fourier (op, prox, y, &error);
  g_assert_no_error (error);
  g_autoptr (TsImage) iterative = ts_smooth_iterative (op, prox, y, &o, NULL, &error);
  g_assert_no_error (error);
  double diff = 0.0, dist = 0.0;
  for (int i = 0; i < w * h; i++)
    {
      diff = MAX (diff, fabs (fourier->data[i] - iterative->data[i]));
      dist = MAX (dist, fabs (fourier->data[i] - y[i]));
    }
  g_test_message ("smooth image: Fourier vs iterative max diff %.3g (distance to input %.3g)", diff, dist);
  g_assert_cmpfloat (diff, <, 1e-4);
  g_assert_cmpfloat (dist, >, 1e-2);
  g_free (y);
}

static void
test_fourier_mri (void)
{
  /* The MRI smooth image satisfies (H^T H + b k_P*) x = H^T y. */
  g_autoptr (TsModel) model = ts_test_random_model (TS_PROX_NCPR, 1, 32);
  int w = 28, h = 24;
  float *mask = g_new0 (float, w * h);
  for (int r = 0; r < h; r++)
    for (int c = 0; c < w; c++)
      mask[r * w + c] = (c % 4 == 1 || c < 4 || c > w - 4) ? 1.0f : 0.0f;
  g_autoptr (GError) error = NULL;
  g_autoptr (TsOperator) op = ts_operator_mri_new (w, h, mask, &error);
  g_assert_no_error (error);
  float *x0 = ts_test_picture (w, h, 0.0, 10);
  float *k = g_new (float, op->data_len);
  ts_operator_apply (op, x0, k);
  TsSolveOptions o;
  ts_solve_options_init (&o);
  o.nonnegative = TRUE;
  o.beta = 0.05;
  g_autoptr (TsRegulariser) prox = ts_regulariser_new (model, op, o.beta, o.lambda, &error);
  g_assert_no_error (error);
  g_autoptr (TsImage) smooth = ts_smooth_fourier (op, prox, k, &error);
  g_assert_no_error (error);
  g_autoptr (TsDerived) d = ts_derived_new (model, o.beta, NAN, 0.0, &error);
  float *lhs = g_new (float, w * h), *kx = g_new (float, w * h), *rhs = g_new (float, w * h);
  ts_operator_normal (op, smooth->data, lhs);
  ts_patch_correlate (smooth->data, w, h, d->kernel, 2 * d->p - 1, kx);
  ts_operator_adjoint (op, k, rhs);
  double res = 0.0, scale = 0.0;
  for (int i = 0; i < w * h; i++)
    {
      res = MAX (res, fabs (lhs[i] + d->b * kx[i] - rhs[i]));
      scale = MAX (scale, fabs (rhs[i]));
    }
  g_test_message ("MRI smooth image: normal-equation residual %.3g (rhs scale %.3g)", res, scale);
  g_assert_cmpfloat (res, <, 1e-4 * scale);
  g_free (lhs);
  g_free (kx);
  g_free (rhs);
  g_free (k);
  g_free (x0);
  g_free (mask);
}

static void
test_decomposition (void)
{
  g_autoptr (TsModel) model = ts_test_random_model (TS_PROX_NCPR, 1, 33);
  int w = 26, h = 22;
  g_autoptr (TsOperator) op = ts_operator_identity_new (w, h);
  float *y = ts_test_picture (w, h, 0.1, 11);
  TsSolveOptions o;
  ts_solve_options_init (&o);
  o.tol = 1e-4;
  g_autoptr (GError) error = NULL;
  g_autoptr (TsSolution) sol = ts_test_solve (model, op, y, &o, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (TsRegulariser) prox = ts_regulariser_new (model, op, o.beta, o.lambda, &error);
  g_assert_no_error (error);
  g_autoptr (TsDecomposition) dec = ts_decompose (op, prox, y, &o, sol, NULL, &error);
  g_assert_no_error (error);
  double cost = 0.0;
  for (int i = 0; i < w * h; i++)
    {
      g_assert_cmpfloat (fabs (dec->smooth->data[i] + dec->sparse->data[i] - sol->x->data[i]), <, 1e-6);
      g_assert_cmpfloat (dec->cost->data[i], >=, 0.0f);
      cost += dec->cost->data[i];
    }
  g_assert_cmpfloat (cost, >, 0.0);

  /* Coefficients at 0 cost nothing. */
  memset (sol->c, 0, sizeof (float) * sol->K * w * h);
  g_autoptr (TsDecomposition) zero = ts_decompose (op, prox, y, &o, sol, NULL, &error);
  g_assert_no_error (error);
  for (int i = 0; i < w * h; i++)
    g_assert_cmpfloat (zero->cost->data[i], ==, 0.0f);
  g_free (y);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/decompose/fourier-vs-iterative", test_fourier_vs_iterative);
  g_test_add_func ("/decompose/fourier-mri", test_fourier_mri);
  g_test_add_func ("/decompose/parts", test_decomposition);
  return g_test_run ();
}
