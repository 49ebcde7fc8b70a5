/* Adjoint tests <H x, y> = <x, H^T y> and normal-operator consistency for every operator. */
#include "tessera.h"
#include "test-model-util.h"
#include <math.h>

static double
dot (const float *a, const float *b, gsize n)
{
  double s = 0.0;
  for (gsize i = 0; i < n; i++)
    s += (double) a[i] * b[i];
  return s;
}

static void
check_operator (TsOperator *op, guint64 seed)
{
  gsize n = (gsize) op->width * op->height;
  guint64 state = seed;
  float *x = g_new (float, n), *hx = g_new (float, op->data_len);
  float *y = g_new (float, op->data_len), *hty = g_new (float, n);
  float *normal = g_new (float, n), *hthx = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    x[i] = (float) ts_test_normal (&state);
  for (gsize i = 0; i < op->data_len; i++)
    y[i] = (float) ts_test_normal (&state);
  ts_operator_apply (op, x, hx);
  ts_operator_adjoint (op, y, hty);
  double lhs = dot (hx, y, op->data_len), rhs = dot (x, hty, n);
  g_test_message ("%s: <Hx,y> = %.9g, <x,H^T y> = %.9g", op->name, lhs, rhs);
  g_assert_cmpfloat (fabs (lhs - rhs), <=, 1e-5 * (fabs (lhs) + sqrt (n)));

  /* H^T H x equals the adjoint of the forward result. */
  ts_operator_normal (op, x, normal);
  ts_operator_adjoint (op, hx, hthx);
  for (gsize i = 0; i < n; i++)
    g_assert_cmpfloat (fabs (normal[i] - hthx[i]), <=, 1e-4);

  /* ||H|| as used by the solver bounds the true norm: power iteration on H^T H. */
  for (int it = 0; it < 60; it++)
    {
      ts_operator_normal (op, x, normal);
      double nn = sqrt (dot (normal, normal, n));
      for (gsize i = 0; i < n; i++)
        x[i] = (float) (normal[i] / nn);
    }
  ts_operator_normal (op, x, normal);
  double top = dot (x, normal, n);
  g_test_message ("%s: ||H||^2 ~ %.6f (declared %.6f)", op->name, top, op->norm * op->norm);
  g_assert_cmpfloat (top, <=, op->norm * op->norm * (1.0 + 1e-4));
  g_free (x);
  g_free (hx);
  g_free (y);
  g_free (hty);
  g_free (normal);
  g_free (hthx);
}

/* H^T H's Fourier eigenvalues against H^T H applied to the DFT basis of real images: the
 * cosine and sine of every frequency are eigenvectors with that eigenvalue. The eigenvalues
 * are real, point-symmetric (H^T H is self-adjoint) and non-negative. */
static void
check_normal_fourier (const TsOperator *op)
{
  int w = op->width, h = op->height;
  gsize n = (gsize) w * h;
  g_autofree double *eig = ts_operator_normal_fourier (op);
  g_assert_nonnull (eig);
  float *basis = g_new (float, n), *out = g_new (float, n);
  double worst = 0.0, lo = G_MAXDOUBLE, hi = -G_MAXDOUBLE;
  for (int fy = 0; fy < h; fy++)
    for (int fx = 0; fx < w; fx++)
      {
        double e = eig[fy * w + fx];
        g_assert_cmpfloat (e, ==, eig[((h - fy) % h) * w + (w - fx) % w]);
        g_assert_cmpfloat (e, >=, 0.0);
        lo = MIN (lo, e);
        hi = MAX (hi, e);
        for (int phase = 0; phase < 2; phase++)
          {
            for (int r = 0; r < h; r++)
              for (int c = 0; c < w; c++)
                {
                  double ang = 2.0 * G_PI * ((double) fy * r / h + (double) fx * c / w);
                  basis[r * w + c] = (float) (phase == 0 ? cos (ang) : sin (ang));
                }
            ts_operator_normal (op, basis, out);
            for (gsize i = 0; i < n; i++)
              worst = MAX (worst, fabs (out[i] - e * basis[i]));
          }
      }
  g_test_message ("%s: eigenvalues in [%g, %g], max |H^T H b - e b| = %.3g over the DFT basis",
                  op->name, lo, hi, worst);
  g_assert_cmpfloat (worst, <=, 1e-5);
  g_free (basis);
  g_free (out);
}

static void
test_identity (void)
{
  g_autoptr (TsOperator) op = ts_operator_identity_new (17, 9);
  g_assert_true (op->forward_variant);
  check_operator (op, 1);
  check_normal_fourier (op);
}

static void
test_sr (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TsOperator) op = ts_operator_sr_new (11, 7, 16, 2.0, 4, &error);
  g_assert_no_error (error);
  g_assert_cmpint (op->width, ==, 10 * 4 + 16);
  g_assert_cmpint (op->height, ==, 6 * 4 + 16);
  check_operator (op, 2);
  g_assert_false (op->forward_variant);
  /* The strided blur's H^T H is not a Fourier multiplier. */
  g_assert_null (ts_operator_normal_fourier (op));

  /* A constant image maps to the same constant: the kernel is normalised. */
  gsize n = (gsize) op->width * op->height;
  float *x = g_new (float, n), *y = g_new (float, op->data_len);
  for (gsize i = 0; i < n; i++)
    x[i] = 0.25f;
  ts_operator_apply (op, x, y);
  for (gsize i = 0; i < op->data_len; i++)
    g_assert_cmpfloat (fabs (y[i] - 0.25f), <=, 1e-6);
  g_free (x);
  g_free (y);

  g_autoptr (TsOperator) bad = ts_operator_sr_new (0, 7, 16, 2.0, 4, &error);
  g_assert_null (bad);
  g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
}

static void
test_mri (void)
{
  int w = 24, h = 20;
  float *mask = g_new0 (float, w * h);
  for (int r = 0; r < h; r++)
    for (int c = 0; c < w; c++)
      mask[r * w + c] = (c % 3 == 0 || c < 3) ? 1.0f : 0.0f;
  g_autoptr (GError) error = NULL;
  g_autoptr (TsOperator) op = ts_operator_mri_new (w, h, mask, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (op->name, ==, "mri");
  g_assert_false (op->forward_variant);
  check_operator (op, 3);
  /* The mask is not point-symmetric: H^T H's eigenvalues are (M(k) + M(-k)) / 2. */
  check_normal_fourier (op);

  /* With a full mask H is unitary: the zero-filled image of H x is x itself. */
  for (int i = 0; i < w * h; i++)
    mask[i] = 1.0f;
  g_autoptr (TsOperator) full = ts_operator_mri_new (w, h, mask, &error);
  g_assert_no_error (error);
  guint64 state = 9;
  float *x = g_new (float, w * h), *k = g_new (float, 2 * w * h), *back = g_new (float, w * h);
  for (int i = 0; i < w * h; i++)
    x[i] = (float) ts_test_normal (&state);
  ts_operator_apply (full, x, k);
  double energy_x = 0.0, energy_k = 0.0;
  for (int i = 0; i < w * h; i++)
    energy_x += (double) x[i] * x[i];
  for (int i = 0; i < 2 * w * h; i++)
    energy_k += (double) k[i] * k[i];
  g_assert_cmpfloat (fabs (energy_x - energy_k), <=, 1e-4 * energy_x);
  ts_operator_mri_zero_filled (full, k, back);
  for (int i = 0; i < w * h; i++)
    g_assert_cmpfloat (fabs (back[i] - x[i]), <=, 1e-5);
  g_free (x);
  g_free (k);
  g_free (back);
  g_free (mask);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/operators/identity", test_identity);
  g_test_add_func ("/operators/super-resolution", test_sr);
  g_test_add_func ("/operators/mri", test_mri);
  return g_test_run ();
}
