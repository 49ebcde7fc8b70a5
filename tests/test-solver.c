/* iPALM: the subspace formulation against the plain one, stopping rules, progress,
 * cancellation, divergence and warm starts. */
#include "tessera.h"
#include "test-model-util.h"
#include <math.h>

static double
max_abs_diff (const TsImage *a, const TsImage *b)
{
  double m = 0.0;
  for (gsize i = 0; i < ts_image_n_values (a); i++)
    m = MAX (m, fabs ((double) a->data[i] - b->data[i]));
  return m;
}

static void
compare_formulations (TsProxType type, int groupsize, TsVariant variant)
{
  g_autoptr (TsModel) model = ts_test_random_model (type, groupsize, 21);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsOperator) op = NULL;
  float *data;
  TsSolveOptions o;
  ts_solve_options_init (&o);
  o.tol = 0.0;
  o.max_iter = 50;
  o.variant = variant;
  if (variant == TS_VARIANT_FORWARD)
    {
      op = ts_operator_identity_new (36, 28);
      data = ts_test_picture (36, 28, 0.1, 4);
    }
  else
    {
      op = ts_operator_sr_new (9, 8, 16, 2.0, 4, &error);
      g_assert_no_error (error);
      float *hr = ts_test_picture (op->width, op->height, 0.0, 4);
      data = g_new (float, op->data_len);
      ts_operator_apply (op, hr, data);
      g_free (hr);
      o.beta = 0.05;
      o.lambda = 0.001;
    }
  TsSolveStats s1, s2;
  o.formulation = TS_FORMULATION_PLAIN;
  g_autoptr (TsSolution) plain = ts_solve (model, op, data, &o, NULL, NULL, NULL, NULL, &s1, &error);
  g_assert_no_error (error);
  o.formulation = TS_FORMULATION_SUBSPACE;
  g_autoptr (TsSolution) fast = ts_solve (model, op, data, &o, NULL, NULL, NULL, NULL, &s2, &error);
  g_assert_no_error (error);
  g_assert_cmpint (s1.iterations, ==, 50);
  g_assert_cmpint (s2.iterations, ==, 50);
  double diff = max_abs_diff (plain->x, fast->x);
  g_test_message ("plain vs subspace after 50 iterations: max |dx| = %.3g", diff);
  g_assert_cmpfloat (diff, <, 1e-4);
  /* The estimate moved away from the input: the test is not vacuous. */
  double moved = 0.0;
  for (gsize i = 0; i < ts_image_n_values (fast->x); i++)
    moved = MAX (moved, fabs (fast->x->data[i] - (variant == TS_VARIANT_FORWARD ? data[i] : 0.0f)));
  g_assert_cmpfloat (moved, >, 1e-3);
  if (variant == TS_VARIANT_RECONSTRUCT)
    for (gsize i = 0; i < ts_image_n_values (fast->x); i++)
      g_assert_cmpfloat (fast->x->data[i], >=, 0.0f);
  g_free (data);
}

static void test_formulations_ncpr (void) { compare_formulations (TS_PROX_NCPR, 1, TS_VARIANT_FORWARD); }
static void test_formulations_cpr (void) { compare_formulations (TS_PROX_CPR, 1, TS_VARIANT_FORWARD); }
static void test_formulations_cpr_groups (void) { compare_formulations (TS_PROX_CPR, 2, TS_VARIANT_FORWARD); }
static void test_formulations_reconstruct (void) { compare_formulations (TS_PROX_NCPR, 1, TS_VARIANT_RECONSTRUCT); }

typedef struct {
  int calls;
  int last_iteration;
  int stop_at;
  gint *cancel;
} ProgressLog;

static gboolean
on_progress (int iteration, double change, const TsImage *estimate, gpointer user_data)
{
  ProgressLog *log = user_data;
  log->calls++;
  g_assert_cmpint (iteration, ==, log->last_iteration + 1);
  log->last_iteration = iteration;
  g_assert_nonnull (estimate);
  g_assert_true (isfinite (change));
  if (log->cancel != NULL && iteration == log->stop_at)
    g_atomic_int_set (log->cancel, 1);
  return log->cancel != NULL || iteration != log->stop_at;
}

static void
test_stopping_and_progress (void)
{
  g_autoptr (TsModel) model = ts_test_random_model (TS_PROX_NCPR, 1, 22);
  g_autoptr (TsOperator) op = ts_operator_identity_new (24, 24);
  float *y = ts_test_picture (24, 24, 0.1, 5);
  g_autoptr (GError) error = NULL;
  TsSolveOptions o;
  ts_solve_options_init (&o);
  o.tol = 1e-3;
  TsSolveStats stats;
  ProgressLog log = { 0 };
  log.stop_at = -1;
  g_autoptr (TsSolution) sol = ts_solve (model, op, y, &o, NULL, on_progress, &log, NULL, &stats, &error);
  g_assert_no_error (error);
  g_assert_true (stats.converged);
  g_assert_cmpfloat (stats.final_change, <=, 1e-3);
  g_assert_cmpint (log.calls, ==, stats.iterations);
  g_assert_cmpint (sol->K, ==, 200);

  /* A progress callback returning FALSE stops the solve. */
  ProgressLog stop = { 0 };
  stop.stop_at = 3;
  TsSolution *none = ts_solve (model, op, y, &o, NULL, on_progress, &stop, NULL, &stats, &error);
  g_assert_null (none);
  g_assert_error (error, TS_ERROR, TS_ERROR_CANCELLED);
  g_clear_error (&error);

  /* The cancellation flag is checked every iteration. */
  gint cancel = 0;
  ProgressLog flag = { 0 };
  flag.stop_at = 4;
  flag.cancel = &cancel;
  none = ts_solve (model, op, y, &o, NULL, on_progress, &flag, &cancel, &stats, &error);
  g_assert_null (none);
  g_assert_error (error, TS_ERROR, TS_ERROR_CANCELLED);
  g_assert_cmpint (stats.iterations, ==, 4);
  g_clear_error (&error);

  /* NaN input is refused. */
  y[7] = NAN;
  none = ts_solve (model, op, y, &o, NULL, NULL, NULL, NULL, &stats, &error);
  g_assert_null (none);
  g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
  g_free (y);
}

static void
test_odd_size_groups (void)
{
  g_autoptr (TsModel) model = ts_test_random_model (TS_PROX_CPR, 2, 23);
  g_autoptr (TsOperator) op = ts_operator_identity_new (25, 24);
  float *y = ts_test_picture (25, 24, 0.1, 5);
  g_autoptr (GError) error = NULL;
  TsSolution *none = ts_solve (model, op, y, NULL, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "even"));
  g_free (y);
}

/* An operator whose declared norm is far too small makes the step too long. */
static void
scaled_apply (const TsOperator *op, const float *x, float *y)
{
  for (gsize i = 0; i < op->data_len; i++)
    y[i] = 30.0f * x[i];
}

static void
scaled_normal (const TsOperator *op, const float *x, float *y)
{
  for (gsize i = 0; i < op->data_len; i++)
    y[i] = 900.0f * x[i];
}

static void
test_divergence (void)
{
  g_autoptr (TsModel) model = ts_test_random_model (TS_PROX_NCPR, 1, 24);
  TsOperator *op = ts_operator_identity_new (20, 20);
  op->apply = scaled_apply;
  op->adjoint = scaled_apply;
  op->normal = scaled_normal;
  float *y = ts_test_picture (20, 20, 0.0, 6);
  TsSolveOptions o;
  ts_solve_options_init (&o);
  o.variant = TS_VARIANT_RECONSTRUCT;
  o.tol = 0.0;
  o.max_iter = 2000;
  g_autoptr (GError) error = NULL;
  TsSolveStats stats;
  TsSolution *none = ts_solve (model, op, y, &o, NULL, NULL, NULL, NULL, &stats, &error);
  g_assert_null (none);
  g_assert_error (error, TS_ERROR, TS_ERROR_DIVERGED);
  g_test_message ("diverged after %d iterations: %s", stats.iterations, error->message);
  g_assert_cmpint (stats.iterations, <, 2000);
  ts_operator_free (op);
  g_free (y);
}

static void
test_warm_start (void)
{
  g_autoptr (TsModel) model = ts_test_random_model (TS_PROX_NCPR, 1, 25);
  g_autoptr (TsOperator) op = ts_operator_identity_new (32, 32);
  float *y = ts_test_picture (32, 32, 0.1, 8);
  TsSolveOptions o;
  ts_solve_options_init (&o);
  o.tol = 1e-4;
  TsSolveStats cold, warm;
  g_autoptr (GError) error = NULL;
  g_autoptr (TsSolution) first = ts_solve (model, op, y, &o, NULL, NULL, NULL, NULL, &cold, &error);
  g_assert_no_error (error);
  /* A small change of lambda, started from the previous solution. */
  o.lambda = model->lambda * 1.05;
  g_autoptr (TsSolution) again = ts_solve (model, op, y, &o, first, NULL, NULL, NULL, &warm, &error);
  g_assert_no_error (error);
  TsSolveStats cold2;
  g_autoptr (TsSolution) fresh = ts_solve (model, op, y, &o, NULL, NULL, NULL, NULL, &cold2, &error);
  g_test_message ("cold %d iterations, warm %d", cold2.iterations, warm.iterations);
  g_assert_cmpint (warm.iterations, <, cold2.iterations);
  g_free (y);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/solver/formulations/ncpr", test_formulations_ncpr);
  g_test_add_func ("/solver/formulations/cpr", test_formulations_cpr);
  g_test_add_func ("/solver/formulations/cpr-groups", test_formulations_cpr_groups);
  g_test_add_func ("/solver/formulations/reconstruct", test_formulations_reconstruct);
  g_test_add_func ("/solver/stopping-and-progress", test_stopping_and_progress);
  g_test_add_func ("/solver/odd-size-groups", test_odd_size_groups);
  g_test_add_func ("/solver/divergence", test_divergence);
  g_test_add_func ("/solver/warm-start", test_warm_start);
  return g_test_run ();
}
