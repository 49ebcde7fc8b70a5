/* iPALM: the subspace formulation against the plain one, stopping rules, progress,
 * cancellation, divergence and warm starts. */
#include "tessera.h"
#include "ts-patch.h"
#include "test-model-util.h"
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static double
max_abs_diff (const TsImage *a, const TsImage *b)
{
  double m = 0.0;
  for (gsize i = 0; i < ts_image_n_values (a); i++)
    m = MAX (m, fabs ((double) a->data[i] - b->data[i]));
  return m;
}

/* reconstruct: super-resolution (x >= 0), else denoising. */
static void
compare_formulations (TsProxType type, int groupsize, gboolean reconstruct)
{
  g_autoptr (TsModel) model = ts_test_random_model (type, groupsize, 21);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsOperator) op = NULL;
  float *data;
  TsSolveOptions o;
  ts_solve_options_init (&o);
  o.tol = 0.0;
  o.max_iter = 50;
  o.nonnegative = reconstruct;
  if (!reconstruct)
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
  g_autoptr (TsSolution) plain = ts_test_solve (model, op, data, &o, NULL, NULL, NULL, NULL, &s1, &error);
  g_assert_no_error (error);
  o.formulation = TS_FORMULATION_SUBSPACE;
  g_autoptr (TsSolution) fast = ts_test_solve (model, op, data, &o, NULL, NULL, NULL, NULL, &s2, &error);
  g_assert_no_error (error);
  g_assert_cmpint (s1.iterations, ==, 50);
  g_assert_cmpint (s2.iterations, ==, 50);
  double diff = max_abs_diff (plain->x, fast->x);
  g_test_message ("plain vs subspace after 50 iterations: max |dx| = %.3g", diff);
  g_assert_cmpfloat (diff, <, 1e-4);
  /* The estimate moved away from the input: the test is not vacuous. */
  double moved = 0.0;
  for (gsize i = 0; i < ts_image_n_values (fast->x); i++)
    moved = MAX (moved, fabs (fast->x->data[i] - (!reconstruct ? data[i] : 0.0f)));
  g_assert_cmpfloat (moved, >, 1e-3);
  if (reconstruct)
    for (gsize i = 0; i < ts_image_n_values (fast->x); i++)
      g_assert_cmpfloat (fast->x->data[i], >=, 0.0f);
  g_free (data);
}

static void test_formulations_ncpr (void) { compare_formulations (TS_PROX_NCPR, 1, FALSE); }
static void test_formulations_cpr (void) { compare_formulations (TS_PROX_CPR, 1, FALSE); }
static void test_formulations_cpr_groups (void) { compare_formulations (TS_PROX_CPR, 2, FALSE); }
static void test_formulations_reconstruct (void) { compare_formulations (TS_PROX_NCPR, 1, TRUE); }

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
  g_autoptr (TsSolution) sol = ts_test_solve (model, op, y, &o, NULL, on_progress, &log, NULL, &stats, &error);
  g_assert_no_error (error);
  g_assert_true (stats.converged);
  g_assert_cmpfloat (stats.final_change, <=, 1e-3);
  g_assert_cmpint (log.calls, ==, stats.iterations);
  g_assert_cmpint (sol->K, ==, 200);

  /* A progress callback returning FALSE stops the solve. */
  ProgressLog stop = { 0 };
  stop.stop_at = 3;
  TsSolution *none = ts_test_solve (model, op, y, &o, NULL, on_progress, &stop, NULL, &stats, &error);
  g_assert_null (none);
  g_assert_error (error, TS_ERROR, TS_ERROR_CANCELLED);
  g_clear_error (&error);

  /* The cancellation flag is checked every iteration. */
  gint cancel = 0;
  ProgressLog flag = { 0 };
  flag.stop_at = 4;
  flag.cancel = &cancel;
  none = ts_test_solve (model, op, y, &o, NULL, on_progress, &flag, &cancel, &stats, &error);
  g_assert_null (none);
  g_assert_error (error, TS_ERROR, TS_ERROR_CANCELLED);
  g_assert_cmpint (stats.iterations, ==, 4);
  g_clear_error (&error);

  /* NaN input is refused. */
  y[7] = NAN;
  none = ts_test_solve (model, op, y, &o, NULL, NULL, NULL, NULL, &stats, &error);
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
  TsSolution *none = ts_test_solve (model, op, y, NULL, NULL, NULL, NULL, NULL, NULL, &error);
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
  op->normal_fourier = NULL;
  /* No longer H = I: the reconstruct variant, its step counting ||H||^2. */
  op->forward_variant = FALSE;
  float *y = ts_test_picture (20, 20, 0.0, 6);
  TsSolveOptions o;
  ts_solve_options_init (&o);
  o.nonnegative = TRUE;
  o.tol = 0.0;
  o.max_iter = 2000;
  g_autoptr (GError) error = NULL;
  TsSolveStats stats;
  TsSolution *none = ts_test_solve (model, op, y, &o, NULL, NULL, NULL, NULL, &stats, &error);
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
  g_autoptr (TsSolution) first = ts_test_solve (model, op, y, &o, NULL, NULL, NULL, NULL, &cold, &error);
  g_assert_no_error (error);
  /* A small change of lambda, started from the previous solution. */
  o.lambda = model->lambda * 1.05;
  g_autoptr (TsSolution) again = ts_test_solve (model, op, y, &o, first, NULL, NULL, NULL, &warm, &error);
  g_assert_no_error (error);
  TsSolveStats cold2;
  g_autoptr (TsSolution) fresh = ts_test_solve (model, op, y, &o, NULL, NULL, NULL, NULL, &cold2, &error);
  g_test_message ("cold %d iterations, warm %d", cold2.iterations, warm.iterations);
  g_assert_cmpint (warm.iterations, <, cold2.iterations);
  g_free (y);
}

/* 64-byte aligned and zeroed, as the solver's buffers: vectorised loops then split the same
 * elements off as the solver's do. */
static float *
aligned_floats (gsize n)
{
  void *p = NULL;
  g_assert_cmpint (posix_memalign (&p, 64, n * sizeof (float)), ==, 0);
  memset (p, 0, n * sizeof (float));
  return p;
}

/* The reference's forward variant (MODEL.md "Inner solver", denoising) written out in the
 * plain formulation's operations, as the solver ran it when the caller chose the variant:
 * x = y, c = 0, D's scale with beta floored at 0.1, L = 1.01 b L_P without the data term,
 * the data gradient x_t - y, no clipping. The image must fit in one im2col band. */
static float *
forward_variant_as_written (const TsModel *model, const float *y, int W, int H, double beta,
                            int iterations)
{
  g_autoptr (TsDerived) d = ts_derived_new (model, beta, NAN, TS_FORWARD_BETA_FLOOR, NULL);
  g_assert_nonnull (d);
  TsProx *prox = ts_prox_new (model, d);
  int K = d->K, s = d->s, p = d->p, N = W * H;
  gsize n = (gsize) N, kn = (gsize) K * n;
  g_assert_cmpint (ts_patch_band_rows (W, p, 2u << 20), >=, H);
  float *x = aligned_floats (n), *x_prev = aligned_floats (n), *x_new = aligned_floats (n);
  float *work = aligned_floats (n), *cols = aligned_floats ((gsize) s * n);
  float *c = aligned_floats (kn), *c_prev = aligned_floats (kn), *v = aligned_floats (kn);
  memcpy (x, y, sizeof (float) * n);
  memcpy (x_prev, y, sizeof (float) * n);
  double L = 1.01 * d->b * ts_derived_kernel_dft_max (d, W, H);
  float b = (float) d->b, inv_l = (float) (1.0 / L);
  for (int k = 1; k <= iterations; k++)
    {
      float a = (float) (k - 1) / (float) (k + 2), a1 = 1.0f + a;
      /* c_new = prox(c_t - b (X c_t - D (C P x))) */
      for (gsize i = 0; i < kn; i++)
        c_prev[i] = a1 * c[i] - a * c_prev[i];
      memcpy (v, c_prev, sizeof (float) * kn);
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, K, N, K, -b, d->X, K, c_prev, N,
                   1.0f, v, N);
      ts_patch_im2col (x, W, H, p, 0, H, cols);
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, K, N, s, b, d->D, s, cols, N, 1.0f,
                   v, N);
      ts_prox_apply (prox, v, W, H);
      float *t = c_prev;
      c_prev = c;
      c = v;
      v = t;
      /* x_new = x_t - (x_t - y + b (k_P * x_t - P^T D^T c_new)) / L */
      for (gsize i = 0; i < n; i++)
        x_new[i] = a1 * x[i] - a * x_prev[i];
      ts_patch_correlate (x_new, W, H, d->kernel, 2 * p - 1, work);
      for (gsize i = 0; i < n; i++)
        work[i] = -work[i];
      cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, s, N, K, 1.0f, d->D, s, c, N, 0.0f,
                   cols, N);
      ts_patch_col2im_add (cols, W, H, p, 0, H, work);
      for (gsize i = 0; i < n; i++)
        x_new[i] = x_new[i] - (x_new[i] - y[i] - b * work[i]) * inv_l;
      t = x_prev;
      x_prev = x;
      x = x_new;
      x_new = t;
    }
  ts_prox_free (prox);
  float *out = g_memdup2 (x, sizeof (float) * n);
  free (x);
  free (x_prev);
  free (x_new);
  free (work);
  free (cols);
  free (c);
  free (c_prev);
  free (v);
  return out;
}

/* Denoising through the identity operator's property gives exactly the forward variant the
 * caller used to ask for; without the property the same operator solves another problem. */
static void
test_identity_forward_variant (void)
{
  g_autoptr (TsModel) model = ts_test_random_model (TS_PROX_NCPR, 1, 26);
  int W = 30, H = 24, iterations = 25;
  gsize n = (gsize) W * H;
  /* beta below the floor, so that D's scale shows the variant; an input partly below 0, so
   * that clipping would show. */
  double beta = 0.05;
  float *y = ts_test_picture (W, H, 0.1, 12);
  for (gsize i = 0; i < n; i++)
    y[i] -= 0.3f;
  g_autoptr (TsOperator) op = ts_operator_identity_new (W, H);
  g_assert_true (op->forward_variant);
  TsSolveOptions o;
  ts_solve_options_init (&o);
  o.tol = 0.0;
  o.max_iter = iterations;
  o.beta = beta;
  o.formulation = TS_FORMULATION_PLAIN;
  g_autoptr (GError) error = NULL;
  g_autoptr (TsSolution) plain = ts_test_solve (model, op, y, &o, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  float *expected = forward_variant_as_written (model, y, W, H, beta, iterations);
  g_assert_cmpmem (plain->x->data, n * sizeof (float), expected, n * sizeof (float));
  gsize negative = 0;
  for (gsize i = 0; i < n; i++)
    negative += expected[i] < 0.0f;
  g_test_message ("forward variant as written: bit for bit, %" G_GSIZE_FORMAT " pixels below 0",
                  negative);
  g_assert_cmpuint (negative, >, 0);

  /* The subspace formulation agrees to float32 rounding. */
  o.formulation = TS_FORMULATION_SUBSPACE;
  g_autoptr (TsSolution) fast = ts_test_solve (model, op, y, &o, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  double diff = 0.0;
  for (gsize i = 0; i < n; i++)
    diff = MAX (diff, fabs ((double) fast->x->data[i] - expected[i]));
  g_assert_cmpfloat (diff, <, 1e-4);

  /* Without the property: the reconstruct variant (and a regulariser made for it). */
  op->forward_variant = FALSE;
  o.formulation = TS_FORMULATION_PLAIN;
  g_autoptr (TsSolution) other = ts_test_solve (model, op, y, &o, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (memcmp (other->x->data, expected, n * sizeof (float)) != 0);
  g_free (expected);
  g_free (y);
}

/* A regulariser made for one variant is refused with an operator of the other. */
/* The exact image step (x solved per frequency for each new code) has the gradient
 * iteration's fixed points: on a convex model both reach the same image. The exact step needs a Fourier-diagonal operator and no
 * nonnegativity, and says so. */
static void
test_exact_image_step (void)
{
  g_autoptr (TsModel) model = ts_test_random_model (TS_PROX_CPR, 1, 33);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsOperator) op = ts_operator_identity_new (40, 32);
  g_autofree float *data = ts_test_picture (40, 32, 0.1, 6);
  TsSolveOptions o;
  ts_solve_options_init (&o);
  o.tol = 1e-7;
  o.max_iter = 20000;
  TsSolveStats gradient_stats, exact_stats;
  g_autoptr (TsSolution) gradient = ts_test_solve (model, op, data, &o, NULL, NULL, NULL, NULL,
                                                   &gradient_stats, &error);
  g_assert_no_error (error);
  o.image_step = TS_IMAGE_STEP_EXACT;
  g_autoptr (TsSolution) exact = ts_test_solve (model, op, data, &o, NULL, NULL, NULL, NULL,
                                                &exact_stats, &error);
  g_assert_no_error (error);
  g_assert_true (gradient_stats.converged && exact_stats.converged);
  double diff = max_abs_diff (gradient->x, exact->x);
  g_test_message ("fixed points: max |dx| = %.3g; iterations gradient %d, exact %d", diff,
                  gradient_stats.iterations, exact_stats.iterations);
  g_assert_cmpfloat (diff, <, 1e-4);

  o.nonnegative = TRUE;
  g_autoptr (TsSolution) refused = ts_test_solve (model, op, data, &o, NULL, NULL, NULL, NULL,
                                                  NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
}

static gboolean
record_change (int iteration, double change, const TsImage *estimate, gpointer user_data)
{
  (void) estimate;
  GArray *changes = user_data;
  g_assert_cmpint ((int) changes->len, ==, iteration - 1);
  g_array_append_val (changes, change);
  return TRUE;
}

/* A reference mean square floors the stopping rule's norm: every reported change is
 * sqrt (diff / max (norm, R pixels)) of the iteration's own sums, the solve stops at the first
 * iteration where that is within the tolerance, and a floor above the plane's own norm stops
 * it sooner (the chroma planes of a colour picture, measured against its luminance). */
static void
test_reference_mean_square (void)
{
  g_autoptr (TsModel) model = ts_test_random_model (TS_PROX_NCPR, 1, 41);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsOperator) op = ts_operator_identity_new (36, 30);
  g_autofree float *data = ts_test_picture (36, 30, 0.1, 9);
  double pixels = 36.0 * 30.0, mean_square = 0.0;
  for (int i = 0; i < 36 * 30; i++)
    mean_square += (double) data[i] * data[i] / pixels;
  TsSolveOptions o;
  ts_solve_options_init (&o);
  o.tol = 1e-4;
  o.max_iter = 5000;
  TsSolveStats own_stats, floored_stats;
  g_autoptr (TsSolution) own = ts_test_solve (model, op, data, &o, NULL, NULL, NULL, NULL,
                                              &own_stats, &error);
  g_assert_no_error (error);

  g_autoptr (GArray) trace = g_array_new (FALSE, FALSE, sizeof (TsChangeSample));
  g_autoptr (GArray) changes = g_array_new (FALSE, FALSE, sizeof (double));
  o.trace = trace;
  o.change_reference_mean_square = 25.0 * mean_square;
  g_autoptr (TsSolution) floored = ts_test_solve (model, op, data, &o, NULL, record_change,
                                                  changes, NULL, &floored_stats, &error);
  g_assert_no_error (error);
  g_assert_true (own_stats.converged && floored_stats.converged);
  g_assert_cmpint ((int) changes->len, ==, floored_stats.iterations);
  for (guint k = 0; k < changes->len; k++)
    {
      TsChangeSample s = g_array_index (trace, TsChangeSample, k);
      double want = sqrt (s.diff / MAX (s.norm, o.change_reference_mean_square * pixels));
      g_assert_cmpfloat_with_epsilon (g_array_index (changes, double, k), want, 1e-12 + 1e-9 * want);
      if (k + 1 < changes->len)
        g_assert_cmpfloat (want, >, o.tol);
    }
  g_test_message ("iterations: own norm %d, floored %d", own_stats.iterations,
                  floored_stats.iterations);
  g_assert_cmpint (floored_stats.iterations, <, own_stats.iterations);

  o.change_reference_mean_square = NAN;
  g_autoptr (TsSolution) refused = ts_test_solve (model, op, data, &o, NULL, NULL, NULL, NULL,
                                                  NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
}

static void
test_regulariser_variant_mismatch (void)
{
  g_autoptr (TsModel) model = ts_test_random_model (TS_PROX_NCPR, 1, 27);
  g_autoptr (TsOperator) op = ts_operator_identity_new (16, 16);
  float *y = ts_test_picture (16, 16, 0.1, 13);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsRegulariser) prox = ts_regulariser_new (model, op, NAN, NAN, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (prox->derived->beta_floor, ==, TS_FORWARD_BETA_FLOOR);
  op->forward_variant = FALSE;
  TsSolution *none = ts_solve (op, prox, y, NULL, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
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
  g_test_add_func ("/solver/identity-forward-variant", test_identity_forward_variant);
  g_test_add_func ("/solver/regulariser-variant-mismatch", test_regulariser_variant_mismatch);
  g_test_add_func ("/solver/exact-image-step", test_exact_image_step);
  g_test_add_func ("/solver/reference-mean-square", test_reference_mean_square);
  return g_test_run ();
}
