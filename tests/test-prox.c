/* Each prox against a scalar double reference, and the regulariser value (cost map). */
#include "tessera.h"
#include "test-model-util.h"
#include <math.h>

static TsProx *
make_prox (TsProxType type, int groupsize, double order, TsModel **model_out, TsDerived **d_out)
{
  TsModel *model = ts_test_random_model (type, groupsize, 5);
  model->order = order;
  TsDerived *d = ts_derived_new (model, NAN, NAN, TS_FORWARD_BETA_FLOOR, NULL);
  *model_out = model;
  *d_out = d;
  return ts_prox_new (model, d);
}

static void
check_elementwise (TsProxType type, double order)
{
  TsModel *model;
  TsDerived *d;
  TsProx *prox = make_prox (type, 1, order, &model, &d);
  int w = 8, h = 5, n = w * h, K = prox->K;
  float *c = g_new (float, (gsize) K * n), *orig = g_new (float, (gsize) K * n);
  guint64 state = 77;
  for (int i = 0; i < K * n; i++)
    orig[i] = c[i] = (float) (0.05 * ts_test_normal (&state));
  ts_prox_apply (prox, c, w, h);
  double max_err = 0.0;
  for (int j = 0; j < K; j++)
    for (int i = 0; i < n; i++)
      {
        double v = orig[j * n + i];
        double expect;
        double t = exp ((double) model->lambda_scaling[j]);
        if (type == TS_PROX_CPR)
          {
            double thr = model->lambda / t;
            expect = v > thr ? v - thr : (v < -thr ? v + thr : 0.0);
          }
        else
          {
            double m = pow (t * model->lambda, order), vg = pow (fabs (v), order);
            expect = v * vg / (m + vg);
          }
        max_err = MAX (max_err, fabs (c[j * n + i] - expect));
        g_assert_cmpfloat (fabs (ts_prox_scalar (prox, j, v) - expect), <, 1e-8);
      }
  g_test_message ("max |prox - reference| = %.3g", max_err);
  g_assert_cmpfloat (max_err, <, 1e-6);
  g_free (c);
  g_free (orig);
  ts_prox_free (prox);
  ts_derived_free (d);
  ts_model_free (model);
}

static void
test_cpr (void)
{
  check_elementwise (TS_PROX_CPR, 1.8);
}

static void
test_ncpr (void)
{
  check_elementwise (TS_PROX_NCPR, 1.8);
}

static void
test_ncpr_order2 (void)
{
  check_elementwise (TS_PROX_NCPR, 2.0);
}

static void
test_cpr_groups (void)
{
  TsModel *model;
  TsDerived *d;
  TsProx *prox = make_prox (TS_PROX_CPR, 2, 1.8, &model, &d);
  int w = 6, h = 4, n = w * h, K = prox->K;
  float *c = g_new (float, (gsize) K * n), *orig = g_new (float, (gsize) K * n);
  guint64 state = 78;
  for (int i = 0; i < K * n; i++)
    orig[i] = c[i] = (float) (0.003 * ts_test_normal (&state));
  ts_prox_apply (prox, c, w, h);
  int zero_blocks = 0;
  for (int j = 0; j < K; j++)
    for (int by = 0; by < h; by += 2)
      for (int bx = 0; bx < w; bx += 2)
        {
          int idx[4] = { by * w + bx, by * w + bx + 1, (by + 1) * w + bx, (by + 1) * w + bx + 1 };
          double norm = 0.0;
          for (int q = 0; q < 4; q++)
            norm += (double) orig[j * n + idx[q]] * orig[j * n + idx[q]];
          norm = sqrt (norm);
          double t = exp ((double) model->lambda_scaling[j]);
          double shrink = MAX (norm * t - model->lambda, 0.0) / t;
          zero_blocks += shrink == 0.0;
          for (int q = 0; q < 4; q++)
            {
              double expect = orig[j * n + idx[q]] / (norm + 1e-8) * shrink;
              g_assert_cmpfloat (fabs (c[j * n + idx[q]] - expect), <, 1e-7);
            }
        }
  /* The data were chosen so that both branches occur. */
  g_assert_cmpint (zero_blocks, >, 0);
  g_assert_cmpint (zero_blocks, <, K * n / 4);

  /* Cost map: each block contributes (lambda / t) ||block||. */
  float *cost = g_new (float, n);
  ts_prox_cost_map (prox, orig, w, h, cost);
  double total = 0.0, expect = 0.0;
  for (int i = 0; i < n; i++)
    total += cost[i];
  for (int j = 0; j < K; j++)
    for (int by = 0; by < h; by += 2)
      for (int bx = 0; bx < w; bx += 2)
        {
          double e = 0.0;
          for (int dy = 0; dy < 2; dy++)
            for (int dx = 0; dx < 2; dx++)
              {
                double v = orig[j * n + (by + dy) * w + bx + dx];
                e += v * v;
              }
          expect += model->lambda / exp ((double) model->lambda_scaling[j]) * sqrt (e);
        }
  g_assert_cmpfloat (fabs (total - expect), <, 1e-4 * expect);
  g_free (cost);
  g_free (c);
  g_free (orig);
  ts_prox_free (prox);
  ts_derived_free (d);
  ts_model_free (model);
}

static void
test_ncpr_cost (void)
{
  /* phi is defined by phi'(prox(v)) = v - prox(v) and phi(0) = 0: check both numerically. */
  TsModel *model;
  TsDerived *d;
  TsProx *prox = make_prox (TS_PROX_NCPR, 1, 1.8, &model, &d);
  g_assert_cmpfloat (ts_prox_cost_scalar (prox, 3, 0.0), ==, 0.0);
  for (int j = 0; j < 4; j++)
    for (double v = 0.002; v < 0.5; v *= 1.7)
      {
        double u = ts_prox_scalar (prox, j, v);
        double du = 1e-4 * u + 1e-9;
        double slope = (ts_prox_cost_scalar (prox, j, u + du) - ts_prox_cost_scalar (prox, j, u - du)) / (2 * du);
        g_assert_cmpfloat (fabs (slope - (v - u)), <, 2e-3 * v + 1e-7);
        /* Symmetric and increasing in |u|. */
        g_assert_cmpfloat (fabs (ts_prox_cost_scalar (prox, j, -u) - ts_prox_cost_scalar (prox, j, u)), <, 1e-15);
        g_assert_cmpfloat (ts_prox_cost_scalar (prox, j, u), >, 0.0);
      }
  /* CPR: phi(u) = lambda / t |u|. */
  TsModel *cm;
  TsDerived *cd;
  TsProx *cprox = make_prox (TS_PROX_CPR, 1, 1.8, &cm, &cd);
  double t = exp ((double) cm->lambda_scaling[2]);
  g_assert_cmpfloat (fabs (ts_prox_cost_scalar (cprox, 2, -0.3) - cm->lambda / t * 0.3), <, 1e-9);
  ts_prox_free (cprox);
  ts_derived_free (cd);
  ts_model_free (cm);
  ts_prox_free (prox);
  ts_derived_free (d);
  ts_model_free (model);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/prox/cpr", test_cpr);
  g_test_add_func ("/prox/cpr-groups", test_cpr_groups);
  g_test_add_func ("/prox/ncpr", test_ncpr);
  g_test_add_func ("/prox/ncpr-order2", test_ncpr_order2);
  g_test_add_func ("/prox/cost", test_ncpr_cost);
  return g_test_run ();
}
