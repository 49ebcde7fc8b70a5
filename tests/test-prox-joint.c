/* The joint colour prox (ts-prox-joint.h): its reductions to MODEL.md's scalar prox, the
 * float path against the double one, and its Jacobian and parameter derivatives against
 * central differences, for NCPR and CPR. */
#include "tessera.h"
#include "test-model-util.h"
#include <math.h>

static void
assert_rel (double analytic, double fd, double tol, const char *what)
{
  double err = fabs (analytic - fd) / MAX (fabs (fd), 1e-6);
  if (g_test_verbose ())
    g_printerr ("%s: analytic %.10g fd %.10g rel %.2e\n", what, analytic, fd, err);
  if (!(err < tol))
    g_error ("%s: analytic %.12g vs central difference %.12g (relative error %.3g)", what,
             analytic, fd, err);
}

/* A model's float prox with some spread in the thresholds. */
static TsProx *
make_prox (TsProxType type, TsModel **model_out, TsDerived **derived_out)
{
  TsModel *m = ts_test_random_model (type, 1, 5);
  m->lambda = type == TS_PROX_NCPR ? 0.05 : 0.02;
  guint64 st = 9;
  for (int j = 0; j < m->n_atoms; j++)
    m->lambda_scaling[j] = (float) (0.4 * ts_test_normal (&st));
  TsDerived *d = ts_derived_new (m, NAN, NAN, TS_FORWARD_BETA_FLOOR, NULL);
  g_assert_nonnull (d);
  *model_out = m;
  *derived_out = d;
  return ts_prox_new (m, d);
}

/* With the chroma at zero the group prox is the scalar prox of the luminance coefficient,
 * so a gray picture is denoised as by the grayscale model: exactly for NCPR, for CPR up to
 * the group form's 1e-8 in the denominator (v (n - thr) / (n + 1e-8)). */
static void
check_scalar_reduction (TsProxType type)
{
  TsModel *m;
  TsDerived *d;
  TsProx *prox = make_prox (type, &m, &d);
  guint64 st = 3;
  for (int trial = 0; trial < 200; trial++)
    {
      int j = trial % prox->K;
      TsJointGroupProx g;
      ts_prox_joint_group_params (prox, j, &g);
      double v[3] = { 0.2 * ts_test_normal (&st), 0.0, 0.0 }, out[3];
      ts_prox_joint_group (&g, 0.7, v, out);
      double scalar = ts_prox_scalar (prox, j, v[0]);
      double tol = type == TS_PROX_NCPR ? 1e-15 : 1e-8;
      g_assert_cmpfloat (fabs (out[0] - scalar), <=, tol * MAX (1.0, fabs (scalar)));
      g_assert_cmpfloat (out[1], ==, 0.0);
      g_assert_cmpfloat (out[2], ==, 0.0);
    }
  ts_prox_free (prox);
  ts_derived_free (d);
  ts_model_free (m);
}

static void
test_scalar_reduction_ncpr (void)
{
  check_scalar_reduction (TS_PROX_NCPR);
}

static void
test_scalar_reduction_cpr (void)
{
  check_scalar_reduction (TS_PROX_CPR);
}

/* The group is scaled by one factor, and with w = 1 that factor depends on the Euclidean
 * norm only: rotating the chroma (or swapping luminance and chroma) changes nothing else. */
static void
test_radial (void)
{
  TsJointGroupProx g = { TS_PROX_NCPR, 1.8, 0.05 };
  double v[3] = { 0.03, 0.04, -0.02 }, u[3] = { 0.04, -0.03, 0.02 }, a[3], b[3];
  ts_prox_joint_group (&g, 1.0, v, a);
  ts_prox_joint_group (&g, 1.0, u, b);
  g_assert_cmpfloat (fabs (a[0] / v[0] - b[0] / u[0]), <, 1e-14);
  g_assert_cmpfloat (fabs (a[1] / v[1] - a[0] / v[0]), <, 1e-14);
  /* A larger chroma weight shrinks less: the weighted norm is larger. */
  ts_prox_joint_group (&g, 4.0, v, b);
  g_assert_cmpfloat (b[0] / v[0], >, a[0] / v[0]);
}

/* The solver's float prox against the double reference, on three planes of coefficients. */
static void
check_float_path (TsProxType type)
{
  TsModel *m;
  TsDerived *d;
  TsProx *prox = make_prox (type, &m, &d);
  int K = prox->K;
  gsize n = 37;
  double w = 0.6;
  float *c[3];
  double *ref[3];
  guint64 st = 21;
  for (int q = 0; q < 3; q++)
    {
      c[q] = g_new (float, K * n);
      ref[q] = g_new (double, K * n);
      for (gsize i = 0; i < K * n; i++)
        ref[q][i] = c[q][i] = (float) ((q == 0 ? 0.1 : 0.04) * ts_test_normal (&st));
    }
  /* Only [5, 30) of each channel: the rest must stay. */
  ts_prox_joint_apply_range (prox, w, c, n, 5, 30);
  for (int j = 0; j < K; j++)
    {
      TsJointGroupProx g;
      ts_prox_joint_group_params (prox, j, &g);
      for (gsize i = 0; i < n; i++)
        {
          gsize k = (gsize) j * n + i;
          double v[3] = { ref[0][k], ref[1][k], ref[2][k] }, out[3];
          if (i >= 5 && i < 30)
            ts_prox_joint_group (&g, w, v, out);
          else
            for (int q = 0; q < 3; q++)
              out[q] = v[q];
          for (int q = 0; q < 3; q++)
            g_assert_cmpfloat (fabs (c[q][k] - out[q]), <=, 2e-6 * fabs (v[q]) + 1e-9);
        }
    }
  for (int q = 0; q < 3; q++)
    {
      g_free (c[q]);
      g_free (ref[q]);
    }
  ts_prox_free (prox);
  ts_derived_free (d);
  ts_model_free (m);
}

static void
test_float_ncpr (void)
{
  check_float_path (TS_PROX_NCPR);
}

static void
test_float_cpr (void)
{
  check_float_path (TS_PROX_CPR);
}

/* <g, prox (v)> of one group. */
static double
functional (const TsJointGroupProx *g, double w, const double v[3], const double grad[3])
{
  double out[3];
  ts_prox_joint_group (g, w, v, out);
  return grad[0] * out[0] + grad[1] * out[1] + grad[2] * out[2];
}

/* J^T g, d/d log t and d/dw against central differences of <g, prox>, at groups above and
 * near the threshold (CPR: active groups, away from the kink). */
static void
check_derivatives (TsProxType type)
{
  guint64 st = 5;
  double h = 1e-6;
  for (int trial = 0; trial < 20; trial++)
    {
      double threshold = type == TS_PROX_NCPR ? 0.05 : 0.02;
      TsJointGroupProx g = { type, 1.8, threshold };
      double w = 0.3 + 2.0 * ts_test_uniform (&st);
      double v[3], grad[3], gv[3], g_weight = 0.0;
      double scale = trial < 10 ? 0.05 : 0.2;   /* near the threshold, then well above */
      for (int q = 0; q < 3; q++)
        {
          v[q] = scale * ts_test_normal (&st);
          grad[q] = ts_test_normal (&st);
        }
      if (type == TS_PROX_CPR && ts_prox_joint_norm (v, w) < 2.0 * threshold)
        continue;   /* the inactive side and the kink have no derivative to check */
      double glogt = ts_prox_joint_group_vjp (&g, w, v, grad, gv, &g_weight);
      for (int q = 0; q < 3; q++)
        {
          double vp[3] = { v[0], v[1], v[2] }, vm[3] = { v[0], v[1], v[2] };
          vp[q] += h;
          vm[q] -= h;
          double fd = (functional (&g, w, vp, grad) - functional (&g, w, vm, grad)) / (2 * h);
          assert_rel (gv[q], fd, 1e-6, "J^T g");
        }
      /* log t: NCPR's threshold is t lambda, CPR's lambda / t. */
      double sign = type == TS_PROX_NCPR ? 1.0 : -1.0;
      TsJointGroupProx gp = g, gm = g;
      gp.threshold = threshold * exp (sign * h);
      gm.threshold = threshold * exp (-sign * h);
      double fd = (functional (&gp, w, v, grad) - functional (&gm, w, v, grad)) / (2 * h);
      assert_rel (glogt, fd, 1e-5, "d/dlog t");
      fd = (functional (&g, w + h, v, grad) - functional (&g, w - h, v, grad)) / (2 * h);
      assert_rel (g_weight, fd, 1e-5, "d/dw");
    }
}

static void
test_derivatives_ncpr (void)
{
  check_derivatives (TS_PROX_NCPR);
}

static void
test_derivatives_cpr (void)
{
  check_derivatives (TS_PROX_CPR);
}

/* At the origin the NCPR factor and its derivatives are zero, not NaN. */
static void
test_origin (void)
{
  TsJointGroupProx g = { TS_PROX_NCPR, 1.8, 0.05 };
  double v[3] = { 0, 0, 0 }, grad[3] = { 1, 1, 1 }, gv[3], gw = 0.0;
  double glogt = ts_prox_joint_group_vjp (&g, 1.0, v, grad, gv, &gw);
  for (int q = 0; q < 3; q++)
    g_assert_cmpfloat (gv[q], ==, 0.0);
  g_assert_cmpfloat (glogt, ==, 0.0);
  g_assert_cmpfloat (gw, ==, 0.0);
}

/* The cost map at the weighted norm: with zero chroma it is the scalar cost map. */
static void
test_cost_map (void)
{
  TsModel *m;
  TsDerived *d;
  TsProx *prox = make_prox (TS_PROX_NCPR, &m, &d);
  int K = prox->K, n = 16;
  g_autofree float *y = g_new (float, K * n), *zero = g_new0 (float, K * n);
  g_autofree float *joint = g_new (float, n), *scalar = g_new (float, n);
  guint64 st = 8;
  for (int i = 0; i < K * n; i++)
    y[i] = (float) (0.1 * ts_test_normal (&st));
  const float *c[3] = { y, zero, zero };
  ts_prox_joint_cost_map (prox, 2.0, c, n, joint);
  ts_prox_cost_map (prox, y, n, 1, scalar);
  for (int i = 0; i < n; i++)
    g_assert_cmpfloat (fabs (joint[i] - scalar[i]), <=, 1e-5 * fabs (scalar[i]) + 1e-9);
  ts_prox_free (prox);
  ts_derived_free (d);
  ts_model_free (m);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/prox-joint/scalar-reduction-ncpr", test_scalar_reduction_ncpr);
  g_test_add_func ("/prox-joint/scalar-reduction-cpr", test_scalar_reduction_cpr);
  g_test_add_func ("/prox-joint/radial", test_radial);
  g_test_add_func ("/prox-joint/float-ncpr", test_float_ncpr);
  g_test_add_func ("/prox-joint/float-cpr", test_float_cpr);
  g_test_add_func ("/prox-joint/derivatives-ncpr", test_derivatives_ncpr);
  g_test_add_func ("/prox-joint/derivatives-cpr", test_derivatives_cpr);
  g_test_add_func ("/prox-joint/origin", test_origin);
  g_test_add_func ("/prox-joint/cost-map", test_cost_map);
  return g_test_run ();
}
