/* The whole training gradient (inner solve, adjoint fixed point, one-step parameter VJP,
 * derived-quantity tape) against central differences of the outer L1 loss, on a tiny
 * problem solved exactly in double: every parameter group (MODEL.md "Training"). */
#include "tessera.h"
#include "ts-train-private.h"
#include "test-model-util.h"
#include <float.h>
#include <math.h>
#include <string.h>

#define CROP 10
#define NCROPS 2

typedef struct {
  TsModel *model;
  TsTrainConfig config;
  float clean[NCROPS][CROP * CROP], noisy[NCROPS][CROP * CROP];
  const float *clean_ptr[NCROPS], *noisy_ptr[NCROPS];
  TsTrainBatch batch;
} Problem;

static void
problem_init (Problem *pr, TsProxType type, int groupsize)
{
  int K = 12, M = 6, p = 5, s = p * p;
  TsModel *m = ts_model_new (K, M, p);
  guint64 st = 11 + type + 3 * groupsize;
  for (int i = 0; i < K * s; i++)
    m->atoms[i] = (float) ts_test_normal (&st);
  for (int i = 0; i < M * s; i++)
    m->free_atoms[i] = (float) ts_test_normal (&st);
  for (int i = 0; i < K; i++)
    m->lambda_scaling[i] = (float) (0.25 * ts_test_normal (&st));
  m->prox_type = type;
  m->groupsize = groupsize;
  m->order = 1.8;
  m->beta = 0.75;
  m->lambda = type == TS_PROX_NCPR ? 0.08 : 0.03;
  pr->model = m;
  ts_train_config_init (&pr->config, type, 25);
  pr->config.n_atoms = K;
  pr->config.n_free = M;
  pr->config.atom_size = p;
  pr->config.groupsize = groupsize;
  pr->config.crop = CROP;
  pr->config.batch = NCROPS;
  pr->config.threads = 2;
  for (int n = 0; n < NCROPS; n++)
    {
      g_autofree float *pic = ts_test_picture (CROP, CROP, 0.0, 40 + n);
      for (int i = 0; i < CROP * CROP; i++)
        {
          pr->clean[n][i] = pic[i];
          pr->noisy[n][i] = (float) (pic[i] + 0.1 * ts_test_normal (&st));
        }
      pr->clean_ptr[n] = pr->clean[n];
      pr->noisy_ptr[n] = pr->noisy[n];
    }
  TsTrainBatch b = { NCROPS, CROP, CROP, pr->clean_ptr, pr->noisy_ptr };
  pr->batch = b;
}

/* Central difference in one parameter, with a step that keeps the float parameter exact. */
static double
finite_difference (Problem *pr, float *param, double *scalar, double h)
{
  double loss[2];
  for (int k = 0; k < 2; k++)
    {
      double e = k == 0 ? h : -h;
      if (param != NULL)
        {
          float saved = *param;
          *param = (float) (saved + e);
          g_assert_cmpfloat ((double) *param - saved, ==, e);
          loss[k] = ts_train_batch_loss_exact (pr->model, &pr->config, &pr->batch, NULL);
          *param = saved;
        }
      else
        {
          double saved = *scalar;
          *scalar = saved + e;
          loss[k] = ts_train_batch_loss_exact (pr->model, &pr->config, &pr->batch, NULL);
          *scalar = saved;
        }
      g_assert_true (isfinite (loss[k]));
    }
  return (loss[0] - loss[1]) / (2 * h);
}

static void
check_group (const char *name, const double *analytic, double fd_values[], int n, double scale)
{
  for (int i = 0; i < n; i++)
    {
      double err = fabs (analytic[i] - fd_values[i]) / MAX (fabs (fd_values[i]), 1e-2 * scale);
      if (g_test_verbose ())
        g_printerr ("%s[%d]: analytic %.8g fd %.8g rel %.2e\n", name, i, analytic[i],
                    fd_values[i], err);
      if (!(err < 1e-3))
        g_error ("%s entry %d: gradient %.10g, central difference %.10g (relative error %.3g)",
                 name, i, analytic[i], fd_values[i], err);
    }
}

/* iterations > 0: the budget's gradient (back-propagation through the K steps). */
static void
check_problem (TsProxType type, int groupsize, int iterations, gboolean exact_image_step)
{
  Problem pr;
  problem_init (&pr, type, groupsize);
  pr.config.iterations = iterations;
  pr.config.exact_image_step = exact_image_step;
  TsModel *m = pr.model;
  int K = m->n_atoms, M = m->n_free, s = m->atom_size * m->atom_size;
  gsize n_beta = (gsize) K * s + (gsize) M * s + K;
  gsize n_params = n_beta + 1 + (exact_image_step ? 1 : 0);
  g_assert_cmpuint (n_params, ==, ts_train_state_param_count (&pr.config));
  double *grad = g_new (double, n_params);
  g_autoptr (GError) error = NULL;
  TsTrainStepStats stats;
  double loss = ts_train_batch_gradient (m, &pr.config, &pr.batch, TRUE, grad, NULL, &stats,
                                         &error);
  g_assert_no_error (error);
  double loss2 = ts_train_batch_loss_exact (m, &pr.config, &pr.batch, NULL);
  g_assert_cmpfloat (fabs (loss - loss2), <, 1e-12);
  if (iterations == 0)
    g_assert_cmpint (stats.adjoint_unconverged, ==, 0);

  double gmax = 0.0;
  for (gsize i = 0; i < n_params; i++)
    gmax = MAX (gmax, fabs (grad[i]));
  double h = 1.0 / 4096;   /* a power of two: p +- h is exact in float for |p| < 2^10 */
  enum { PICKS = 6 };
  double an[PICKS], fd[PICKS];
  /* atoms: the entries with the largest gradients and a few random ones */
  guint64 st = 77;
  for (int i = 0; i < PICKS; i++)
    {
      int idx = (int) (ts_test_uniform (&st) * K * s);
      an[i] = grad[idx];
      fd[i] = finite_difference (&pr, &m->atoms[idx], NULL, h);
    }
  check_group ("atoms", an, fd, PICKS, gmax);
  for (int i = 0; i < PICKS; i++)
    {
      int idx = (int) (ts_test_uniform (&st) * M * s);
      an[i] = grad[(gsize) K * s + idx];
      fd[i] = finite_difference (&pr, &m->free_atoms[idx], NULL, h);
    }
  check_group ("free_atoms", an, fd, PICKS, gmax);
  for (int i = 0; i < PICKS; i++)
    {
      int idx = (int) (ts_test_uniform (&st) * K);
      an[i] = grad[(gsize) K * s + (gsize) M * s + idx];
      fd[i] = finite_difference (&pr, &m->lambda_scaling[idx], NULL, h);
    }
  check_group ("lambda_scaling", an, fd, PICKS, gmax);
  an[0] = grad[n_beta];
  fd[0] = finite_difference (&pr, NULL, &m->beta, 1e-5);
  check_group ("beta", an, fd, 1, gmax);
  if (exact_image_step)
    {
      /* The coefficient step's multiplier, learned with the exact image step; away from 1. */
      m->step_scale = 1.3;
      double loss3 = ts_train_batch_gradient (m, &pr.config, &pr.batch, TRUE, grad, NULL, &stats,
                                              &error);
      g_assert_no_error (error);
      g_assert_true (isfinite (loss3));
      an[0] = grad[n_beta + 1];
      fd[0] = finite_difference (&pr, NULL, &m->step_scale, 1e-5);
      check_group ("step_scale", an, fd, 1, gmax);
    }
  g_free (grad);
  ts_model_free (m);
}

static void
test_ncpr (void)
{
  check_problem (TS_PROX_NCPR, 1, 0, FALSE);
}

static void
test_cpr1 (void)
{
  check_problem (TS_PROX_CPR, 1, 0, FALSE);
}

static void
test_cpr2 (void)
{
  check_problem (TS_PROX_CPR, 2, 0, FALSE);
}

static void
test_budget_ncpr (void)
{
  check_problem (TS_PROX_NCPR, 1, 12, FALSE);
}

static void
test_budget_cpr2 (void)
{
  check_problem (TS_PROX_CPR, 2, 12, FALSE);
}

/* The budget with the exact image step (x solved per frequency): M = (I + b k_P*)^-1 carries
 * the gradient w.r.t. the free atoms and beta. */
static void
test_budget_exact_ncpr (void)
{
  check_problem (TS_PROX_NCPR, 1, 12, TRUE);
}

static void
test_budget_exact_cpr1 (void)
{
  check_problem (TS_PROX_CPR, 1, 12, TRUE);
}

/* A crop whose solve diverges (here: a NaN in its noisy input) is left out of the step, and
 * the step's gradient is the mean over the others: equal to the gradient of the batch
 * without it. With every crop diverged the step fails. Both solvers: the exact one of the
 * tests and the float one of training. */
static void
check_diverged_crop (gboolean exact)
{
  Problem pr;
  problem_init (&pr, TS_PROX_NCPR, 1);
  TsModel *m = pr.model;
  gsize n = ts_train_state_param_count (&pr.config);
  double *with_poison = g_new (double, n), *alone = g_new (double, n);
  TsTrainStepStats stats = { 0 };
  g_autoptr (GError) error = NULL;

  TsTrainBatch first = { 1, CROP, CROP, pr.clean_ptr, pr.noisy_ptr };
  double loss_alone = ts_train_batch_gradient (m, &pr.config, &first, exact, alone, NULL, &stats,
                                               &error);
  g_assert_no_error (error);
  g_assert_cmpint (stats.diverged_crops, ==, 0);

  /* The float solver refuses NaN input up front; the largest float overflows its energy. */
  float poison = exact ? NAN : FLT_MAX;
  pr.noisy[1][CROP * CROP / 2] = poison;
  double loss = ts_train_batch_gradient (m, &pr.config, &pr.batch, exact, with_poison, NULL,
                                         &stats, &error);
  g_assert_no_error (error);
  g_assert_cmpint (stats.diverged_crops, ==, 1);
  g_assert_cmpfloat_with_epsilon (loss, loss_alone, 1e-12 * loss_alone);
  double gmax = 0.0, worst = 0.0;
  for (gsize i = 0; i < n; i++)
    gmax = MAX (gmax, fabs (alone[i]));
  for (gsize i = 0; i < n; i++)
    worst = MAX (worst, fabs (with_poison[i] - alone[i]));
  g_assert_cmpfloat (gmax, >, 0.0);
  /* The float adjoint stops on its own tolerance, which the halved right-hand side meets at
   * another iterate. */
  g_assert_cmpfloat (worst, <=, (exact ? 1e-9 : 2e-3) * gmax);

  pr.noisy[0][0] = poison;
  loss = ts_train_batch_gradient (m, &pr.config, &pr.batch, exact, with_poison, NULL, &stats,
                                  &error);
  g_assert_true (isnan (loss));
  g_assert_error (error, TS_ERROR, TS_ERROR_DIVERGED);
  g_free (with_poison);
  g_free (alone);
  ts_model_free (m);
}

static void
test_diverged_crop_exact (void)
{
  check_diverged_crop (TRUE);
}

static void
test_diverged_crop_float (void)
{
  check_diverged_crop (FALSE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train-grad/ncpr", test_ncpr);
  g_test_add_func ("/train-grad/cpr1", test_cpr1);
  g_test_add_func ("/train-grad/cpr2", test_cpr2);
  g_test_add_func ("/train-grad/budget/ncpr", test_budget_ncpr);
  g_test_add_func ("/train-grad/budget/cpr2", test_budget_cpr2);
  g_test_add_func ("/train-grad/budget-exact/ncpr", test_budget_exact_ncpr);
  g_test_add_func ("/train-grad/budget-exact/cpr1", test_budget_exact_cpr1);
  g_test_add_func ("/train-grad/diverged-crop/exact", test_diverged_crop_exact);
  g_test_add_func ("/train-grad/diverged-crop/float", test_diverged_crop_float);
  return g_test_run ();
}
