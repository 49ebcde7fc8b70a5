/* Derived quantities in double with a tape (ts-derived-grad.h): the forward pass against
 * ts_derived_new, the vector-Jacobian product against central finite differences, and the
 * gradient of L_P = max |DFT(k_P)|. */
#include "tessera.h"
#include "ts-derived-grad.h"
#include "ts-linalg.h"
#include "test-model-util.h"
#include <math.h>
#include <string.h>

/* A model of the given sizes with i.i.d. normal parameters. */
static TsModel *
small_model (int K, int M, int p, double beta, guint64 seed)
{
  TsModel *model = ts_model_new (K, M, p);
  guint64 state = seed;
  int s = p * p;
  for (int i = 0; i < K * s; i++)
    model->atoms[i] = (float) ts_test_normal (&state);
  for (int i = 0; i < M * s; i++)
    model->free_atoms[i] = (float) ts_test_normal (&state);
  for (int i = 0; i < K; i++)
    model->lambda_scaling[i] = (float) (0.3 * ts_test_normal (&state));
  model->beta = beta;
  return model;
}

static double
max_abs (const double *x, gsize n)
{
  double m = 0.0;
  for (gsize i = 0; i < n; i++)
    m = MAX (m, fabs (x[i]));
  return m;
}

/* ---------------------------------------------------------------------------------------- */
/* Forward pass */

static void
check_forward (const TsModel *model)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TsDerivedTape) t = ts_derived_tape_new (model, &error);
  g_assert_no_error (error);
  g_autoptr (TsDerived) d = ts_derived_new (model, NAN, NAN, TS_FORWARD_BETA_FLOOR, &error);
  g_assert_no_error (error);
  int K = model->n_atoms, M = model->n_free, p = model->atom_size, s = p * p, kp = 2 * p - 1;
  g_assert_cmpint (t->K, ==, K);
  g_assert_cmpint (t->M, ==, M);
  g_assert_cmpint (t->p, ==, p);
  g_assert_cmpint (t->s, ==, s);
  g_assert_cmpint (t->rank, ==, d->rank);
  g_assert_cmpfloat (t->beta, ==, model->beta);
  g_assert_cmpfloat (t->b, ==, d->b);
  int r = t->rank;

  /* D: ts_derived_new rounds to float32. */
  double d_max = max_abs (t->D, (gsize) K * s), err = 0.0;
  for (gsize i = 0; i < (gsize) K * s; i++)
    err = MAX (err, fabs (t->D[i] - d->D[i]));
  g_test_message ("K %d M %d p %d beta %g: |D - D_ref| / |D| = %.3g", K, M, p, model->beta,
                  err / d_max);
  g_assert_cmpfloat (err, <=, 1e-6 * d_max);
  /* kernel and Q are double in both. */
  double k_max = max_abs (d->kernel, (gsize) kp * kp);
  err = 0.0;
  for (int i = 0; i < kp * kp; i++)
    err = MAX (err, fabs (t->kernel[i] - d->kernel[i]));
  g_assert_cmpfloat (err, <=, 1e-12 * k_max);
  err = 0.0;
  for (gsize i = 0; i < (gsize) M * s; i++)
    err = MAX (err, fabs (t->Q[i] - d->Q[i]));
  g_assert_cmpfloat (err, <=, 1e-12);

  /* U orthonormal, B = D U, and both as ts_derived_new (up to the float32 copies). */
  err = 0.0;
  for (int a = 0; a < r; a++)
    for (int b = 0; b < r; b++)
      {
        double v = 0.0;
        for (int j = 0; j < s; j++)
          v += t->U[j * r + a] * t->U[j * r + b];
        err = MAX (err, fabs (v - (a == b)));
      }
  g_assert_cmpfloat (err, <, 1e-12);
  err = 0.0;
  double b_max = max_abs (t->B, (gsize) K * r), err_ref = 0.0, err_u = 0.0;
  for (int k = 0; k < K; k++)
    for (int q = 0; q < r; q++)
      {
        double v = 0.0;
        for (int j = 0; j < s; j++)
          v += t->D[k * s + j] * t->U[j * r + q];
        err = MAX (err, fabs (v - t->B[k * r + q]));
        err_ref = MAX (err_ref, fabs (t->B[k * r + q] - d->B[k * r + q]));
      }
  for (int i = 0; i < s * r; i++)
    err_u = MAX (err_u, fabs (t->U[i] - d->U[i]));
  g_assert_cmpfloat (err, <, 1e-12 * MAX (b_max, 1.0));
  g_assert_cmpfloat (err_ref, <=, 1e-6 * b_max);
  g_assert_cmpfloat (err_u, <=, 1e-6);

  for (int k = 0; k < K; k++)
    g_assert_cmpfloat (fabs (t->threshold_scale[k] - d->threshold_scale[k]), <=,
                       1e-6 * t->threshold_scale[k]);

  /* The double entry point with the model's own parameters is the same computation. */
  double *atoms = g_new (double, (gsize) K * s), *free_atoms = g_new (double, (gsize) MAX (M, 1) * s);
  for (gsize i = 0; i < (gsize) K * s; i++)
    atoms[i] = model->atoms[i];
  for (gsize i = 0; i < (gsize) M * s; i++)
    free_atoms[i] = model->free_atoms[i];
  g_autoptr (TsDerivedTape) t2 = ts_derived_tape_new_double (model, atoms, free_atoms, model->beta,
                                                             &error);
  g_assert_no_error (error);
  g_assert_cmpmem (t2->D, sizeof (double) * K * s, t->D, sizeof (double) * K * s);
  g_assert_cmpmem (t2->kernel, sizeof (double) * kp * kp, t->kernel, sizeof (double) * kp * kp);
  g_free (atoms);
  g_free (free_atoms);
}

static void
test_forward_full (void)
{
  g_autoptr (TsModel) model = ts_test_random_model (TS_PROX_NCPR, 1, 7);
  check_forward (model);
  g_autoptr (TsModel) cpr = ts_test_random_model (TS_PROX_CPR, 2, 19);
  cpr->beta = 0.05;
  check_forward (cpr);
}

static void
test_forward_small (void)
{
  g_autoptr (TsModel) a = small_model (20, 10, 5, 0.7, 1);
  check_forward (a);
  g_autoptr (TsModel) b = small_model (20, 10, 5, 0.05, 2);
  check_forward (b);
  g_autoptr (TsModel) c = small_model (20, 0, 5, 0.7, 3);
  check_forward (c);
  g_autoptr (TsModel) e = small_model (7, 30, 7, -0.3, 4);
  check_forward (e);
}

static void
test_invalid (void)
{
  g_autoptr (TsModel) model = small_model (20, 10, 5, 0.7, 1);
  g_autoptr (GError) error = NULL;
  double *atoms = g_new0 (double, 20 * 25), *free_atoms = g_new0 (double, 10 * 25);
  atoms[3] = NAN;
  TsDerivedTape *t = ts_derived_tape_new_double (model, atoms, free_atoms, 0.7, &error);
  g_assert_null (t);
  g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
  g_clear_error (&error);
  model->free_atoms[5] = INFINITY;
  t = ts_derived_tape_new (model, &error);
  g_assert_null (t);
  g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
  g_free (atoms);
  g_free (free_atoms);
}

/* ---------------------------------------------------------------------------------------- */
/* Vector-Jacobian product against finite differences */

typedef struct {
  const TsModel *model;
  double *r1, *r2, r3;      /* L = <R1, D> + <R2, kernel> + r3 b + r4 L_P(kernel) */
  double r4;
  int lp_width, lp_height;
  double h;                 /* relative finite-difference step */
} Loss;

static double
loss_eval (const Loss *l, const double *atoms, const double *free_atoms, double beta)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TsDerivedTape) t = ts_derived_tape_new_double (l->model, atoms, free_atoms, beta,
                                                            &error);
  g_assert_no_error (error);
  int kp = 2 * t->p - 1;
  double v = 0.0;
  for (gsize i = 0; i < (gsize) t->K * t->s; i++)
    v += l->r1[i] * t->D[i];
  for (int i = 0; i < kp * kp; i++)
    v += l->r2[i] * t->kernel[i];
  v += l->r3 * t->b;
  if (l->r4 != 0.0)
    v += l->r4 * ts_kernel_dft_max_grad (t->kernel, t->p, l->lp_width, l->lp_height, 0.0, NULL);
  return v;
}

/* Compares n random entries of grad (over x, length len) with central differences. */
static double
fd_check (const Loss *l, double *atoms, double *free_atoms, double beta, double *x, gsize len,
          const double *grad, int n, guint64 *state, const char *what)
{
  double g_inf = max_abs (grad, len), worst = 0.0;
  for (int c = 0; c < n; c++)
    {
      gsize i = MIN ((gsize) (ts_test_uniform (state) * len), len - 1);
      double saved = x[i], h = l->h * MAX (fabs (saved), 1.0);
      x[i] = saved + h;
      double lp = loss_eval (l, atoms, free_atoms, beta);
      x[i] = saved - h;
      double lm = loss_eval (l, atoms, free_atoms, beta);
      x[i] = saved;
      double fd = (lp - lm) / (2.0 * h);
      double rel = fabs (grad[i] - fd) / MAX (fabs (fd), 1e-3 * g_inf);
      if (rel > 1e-4)
        g_test_message ("%s[%zu]: vjp %.10g fd %.10g (rel %.3g)", what, (size_t) i, grad[i], fd,
                        rel);
      worst = MAX (worst, rel);
    }
  g_test_message ("%s: %d entries, worst relative error %.3g (|grad|_inf %.3g)", what, n, worst,
                  g_inf);
  g_assert_cmpfloat (worst, <, 1e-4);
  return worst;
}

static void
check_vjp (const TsModel *model, const double *atoms_in, const double *free_in, int n_atoms,
           int n_free, double r4, guint64 seed)
{
  /* Central differences: a step of 1e-5 balances truncation against the rounding noise of
   * the forward pass, which grows with the size (200 x 169 at full size: 1e-4). */
  double h = model->n_atoms * model->atom_size * model->atom_size > 10000 ? 1e-4 : 1e-5;
  int K = model->n_atoms, M = model->n_free, p = model->atom_size, s = p * p, kp = 2 * p - 1;
  guint64 state = seed;
  Loss l = { .model = model, .r4 = r4, .lp_width = 16, .lp_height = 12, .h = h };
  l.r1 = g_new (double, (gsize) K * s);
  l.r2 = g_new (double, kp * kp);
  for (gsize i = 0; i < (gsize) K * s; i++)
    l.r1[i] = ts_test_normal (&state);
  for (int i = 0; i < kp * kp; i++)
    l.r2[i] = ts_test_normal (&state);
  l.r3 = ts_test_normal (&state);

  double *atoms = g_memdup2 (atoms_in, sizeof (double) * K * s);
  double *free_atoms = g_memdup2 (free_in, sizeof (double) * MAX (M, 1) * s);
  double beta = model->beta;

  g_autoptr (GError) error = NULL;
  g_autoptr (TsDerivedTape) t = ts_derived_tape_new_double (model, atoms, free_atoms, beta, &error);
  g_assert_no_error (error);
  double *g_kernel = g_memdup2 (l.r2, sizeof (double) * kp * kp);
  if (r4 != 0.0)
    ts_kernel_dft_max_grad (t->kernel, p, l.lp_width, l.lp_height, r4, g_kernel);
  double *g_atoms = g_new (double, (gsize) K * s);
  double *g_fr = g_new (double, (gsize) MAX (M, 1) * s);
  double g_beta = NAN;
  ts_derived_tape_vjp (t, l.r1, g_kernel, l.r3, g_atoms, M > 0 ? g_fr : NULL, &g_beta);

  fd_check (&l, atoms, free_atoms, beta, atoms, (gsize) K * s, g_atoms, n_atoms, &state, "atoms");
  if (M > 0)
    fd_check (&l, atoms, free_atoms, beta, free_atoms, (gsize) M * s, g_fr, n_free, &state,
              "free_atoms");
  /* beta: the clamp max(beta, 0) gives 0 for beta <= 0; below 0.1 only the explicit use. */
  if (beta > 0.0)
    {
      double hb = MIN (h * MAX (fabs (beta), 1.0), 0.5 * fabs (beta - 0.1));
      double fd = (loss_eval (&l, atoms, free_atoms, beta + hb)
                   - loss_eval (&l, atoms, free_atoms, beta - hb)) / (2.0 * hb);
      g_test_message ("beta %g: vjp %.10g fd %.10g", beta, g_beta, fd);
      g_assert_cmpfloat (fabs (g_beta - fd), <, 1e-4 * MAX (fabs (fd), 1e-3));
      if (beta < 0.1)
        g_assert_cmpfloat (g_beta, ==, l.r3);
    }
  else
    g_assert_cmpfloat (g_beta, ==, 0.0);

  /* g_kernel = NULL is the same as a zero kernel gradient. */
  memset (g_kernel, 0, sizeof (double) * kp * kp);
  double *g_atoms0 = g_new (double, (gsize) K * s), *g_atoms1 = g_new (double, (gsize) K * s);
  double *g_free0 = g_new (double, (gsize) MAX (M, 1) * s);
  double *g_free1 = g_new (double, (gsize) MAX (M, 1) * s);
  double gb0, gb1;
  ts_derived_tape_vjp (t, l.r1, g_kernel, l.r3, g_atoms0, g_free0, &gb0);
  ts_derived_tape_vjp (t, l.r1, NULL, l.r3, g_atoms1, g_free1, &gb1);
  for (gsize i = 0; i < (gsize) K * s; i++)
    g_assert_cmpfloat (fabs (g_atoms0[i] - g_atoms1[i]), <=, 1e-12 * max_abs (g_atoms0, (gsize) K * s));
  for (gsize i = 0; i < (gsize) M * s; i++)
    g_assert_cmpfloat (fabs (g_free0[i] - g_free1[i]), <=, 1e-12 * max_abs (g_free0, (gsize) M * s));
  g_assert_cmpfloat (gb0, ==, gb1);

  g_free (g_atoms0);
  g_free (g_atoms1);
  g_free (g_free0);
  g_free (g_free1);
  g_free (atoms);
  g_free (free_atoms);
  g_free (g_kernel);
  g_free (g_atoms);
  g_free (g_fr);
  g_free (l.r1);
  g_free (l.r2);
}

static void
check_vjp_model (const TsModel *model, int n_atoms, int n_free, double r4, guint64 seed)
{
  int s = model->atom_size * model->atom_size;
  gsize na = (gsize) model->n_atoms * s, nf = (gsize) model->n_free * s;
  double *atoms = g_new (double, na), *free_atoms = g_new0 (double, MAX (nf, (gsize) s));
  for (gsize i = 0; i < na; i++)
    atoms[i] = model->atoms[i];
  for (gsize i = 0; i < nf; i++)
    free_atoms[i] = model->free_atoms[i];
  check_vjp (model, atoms, free_atoms, n_atoms, n_free, r4, seed);
  g_free (atoms);
  g_free (free_atoms);
}

static void
test_vjp_small (void)
{
  g_autoptr (TsModel) a = small_model (20, 10, 5, 0.7, 11);
  check_vjp_model (a, 20, 20, 0.0, 101);
  check_vjp_model (a, 20, 20, 0.8, 102);   /* with the L_P term */
  g_autoptr (TsModel) b = small_model (20, 10, 5, 0.05, 12);
  check_vjp_model (b, 20, 20, 0.0, 103);
  g_autoptr (TsModel) c = small_model (20, 0, 5, 0.7, 13);
  check_vjp_model (c, 20, 0, 0.0, 104);
  g_autoptr (TsModel) e = small_model (7, 30, 7, -0.3, 14);
  check_vjp_model (e, 20, 20, 0.0, 105);
}

static void
test_vjp_unconverged (void)
{
  /* Two nearly parallel free atoms: 15 Bjorck steps do not reach an orthonormal Q, so the
   * result depends on the spectral scaling of the free atoms and on every Bjorck step. */
  g_autoptr (TsModel) model = small_model (20, 10, 5, 0.7, 21);
  int s = 25;
  double *atoms = g_new (double, 20 * s), *free_atoms = g_new (double, 10 * s);
  for (int i = 0; i < 20 * s; i++)
    atoms[i] = model->atoms[i];
  for (int i = 0; i < 10 * s; i++)
    free_atoms[i] = model->free_atoms[i];
  guint64 state = 77;
  for (int j = 0; j < s; j++)
    free_atoms[s + j] = free_atoms[j] + 1e-4 * ts_test_normal (&state);
  g_autoptr (TsDerivedTape) t = ts_derived_tape_new_double (model, atoms, free_atoms, 0.7, NULL);
  double err = 0.0;
  for (int i = 0; i < 10; i++)
    for (int j = 0; j < 10; j++)
      {
        double v = 0.0;
        for (int k = 0; k < s; k++)
          v += t->Q[i * s + k] * t->Q[j * s + k];
        err = MAX (err, fabs (v - (i == j)));
      }
  g_test_message ("unconverged Bjorck: max |Q Q^T - I| = %.3g", err);
  g_assert_cmpfloat (err, >, 1e-3);
  check_vjp (model, atoms, free_atoms, 20, 30, 0.0, 106);
  g_free (atoms);
  g_free (free_atoms);
}

static void
test_vjp_full (void)
{
  g_autoptr (TsModel) model = ts_test_random_model (TS_PROX_NCPR, 1, 31);
  check_vjp_model (model, 8, 8, 0.5, 107);

  /* Timing of one training step's derivation: tape + VJP at K = 200, M = 120, p = 13. */
  int K = model->n_atoms, M = model->n_free, s = 169, kp = 25;
  double *g_D = g_new (double, (gsize) K * s), *g_kernel = g_new0 (double, kp * kp);
  double *g_atoms = g_new (double, (gsize) K * s), *g_fr = g_new (double, (gsize) M * s);
  guint64 state = 5;
  for (gsize i = 0; i < (gsize) K * s; i++)
    g_D[i] = ts_test_normal (&state);
  double best_new = G_MAXDOUBLE, best_vjp = G_MAXDOUBLE;
  for (int rep = 0; rep < 3; rep++)
    {
      gint64 t0 = g_get_monotonic_time ();
      TsDerivedTape *t = ts_derived_tape_new (model, NULL);
      gint64 t1 = g_get_monotonic_time ();
      double g_beta;
      ts_kernel_dft_max_grad (t->kernel, t->p, 180, 180, 1.0, g_kernel);
      ts_derived_tape_vjp (t, g_D, g_kernel, 0.3, g_atoms, g_fr, &g_beta);
      gint64 t2 = g_get_monotonic_time ();
      best_new = MIN (best_new, (t1 - t0) * 1e-6);
      best_vjp = MIN (best_vjp, (t2 - t1) * 1e-6);
      ts_derived_tape_free (t);
    }
  g_test_message ("full size: tape_new %.1f ms, L_P grad + vjp %.1f ms", best_new * 1e3,
                  best_vjp * 1e3);
  g_free (g_D);
  g_free (g_kernel);
  g_free (g_atoms);
  g_free (g_fr);
}

/* ---------------------------------------------------------------------------------------- */
/* L_P and its gradient */

static void
check_dft_max (TsDerived *d, const double *kernel, int width, int height)
{
  int p = d->p, kp = 2 * p - 1, n = kp * kp;
  memcpy (d->kernel, kernel, sizeof (double) * n);
  double ref = ts_derived_kernel_dft_max (d, width, height);
  double *g = g_new0 (double, n);
  double v = ts_kernel_dft_max_grad (kernel, p, width, height, 1.0, g);
  g_assert_cmpfloat (fabs (v - ref), <=, 1e-12 * ref);
  g_assert_cmpfloat (ts_kernel_dft_max_grad (kernel, p, width, height, 1.0, NULL), ==, v);

  /* Accumulation and scale. */
  double *g2 = g_new (double, n);
  for (int i = 0; i < n; i++)
    g2[i] = 1.0;
  ts_kernel_dft_max_grad (kernel, p, width, height, -2.5, g2);
  for (int i = 0; i < n; i++)
    g_assert_cmpfloat (fabs (g2[i] - (1.0 - 2.5 * g[i])), <, 1e-12);

  /* Finite differences along point-symmetric perturbations (the kernel stays symmetric). */
  double *k = g_memdup2 (kernel, sizeof (double) * n);
  double worst = 0.0;
  for (int i = 0; i <= n / 2; i++)
    {
      int j = n - 1 - i;
      double h = 1e-6, saved_i = k[i], saved_j = k[j];
      k[i] += h;
      if (j != i)
        k[j] += h;
      double vp = ts_kernel_dft_max_grad (k, p, width, height, 0.0, NULL);
      k[i] = saved_i - h;
      if (j != i)
        k[j] = saved_j - h;
      double vm = ts_kernel_dft_max_grad (k, p, width, height, 0.0, NULL);
      k[i] = saved_i;
      k[j] = saved_j;
      double fd = (vp - vm) / (2.0 * h);
      double an = g[i] + (j != i ? g[j] : 0.0);
      worst = MAX (worst, fabs (an - fd));
    }
  g_test_message ("L_P %dx%d = %.6g, gradient vs differences: max error %.3g", width, height, v,
                  worst);
  g_assert_cmpfloat (worst, <, 1e-6);
  g_free (k);
  g_free (g);
  g_free (g2);
}

static void
test_kernel_dft_grad (void)
{
  g_autoptr (TsModel) model = ts_test_random_model (TS_PROX_CPR, 1, 11);
  g_autoptr (TsDerived) d = ts_derived_new (model, NAN, NAN, TS_FORWARD_BETA_FLOOR, NULL);
  int p = d->p, kp = 2 * p - 1, n = kp * kp;
  double *kernel = g_memdup2 (d->kernel, sizeof (double) * n);
  double ref = ts_derived_kernel_dft_max (d, 40, 40);
  g_assert_cmpfloat (ts_kernel_dft_max_grad (kernel, p, 40, 40, 0.0, NULL), ==, ref);

  /* A random point-symmetric kernel (its DFT takes both signs). */
  guint64 state = 3;
  double *rnd = g_new (double, n);
  for (int i = 0; i <= n / 2; i++)
    {
      rnd[i] = ts_test_normal (&state);
      rnd[n - 1 - i] = rnd[i];
    }
  check_dft_max (d, rnd, 40, 40);
  check_dft_max (d, rnd, 17, 23);
  for (int i = 0; i < n; i++)
    rnd[i] = -rnd[i];
  check_dft_max (d, rnd, 17, 23);
  check_dft_max (d, kernel, 40, 40);
  g_free (kernel);
  g_free (rnd);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/derived-grad/forward-full", test_forward_full);
  g_test_add_func ("/derived-grad/forward-small", test_forward_small);
  g_test_add_func ("/derived-grad/invalid", test_invalid);
  g_test_add_func ("/derived-grad/vjp-small", test_vjp_small);
  g_test_add_func ("/derived-grad/vjp-unconverged", test_vjp_unconverged);
  g_test_add_func ("/derived-grad/vjp-full", test_vjp_full);
  g_test_add_func ("/derived-grad/kernel-dft-grad", test_kernel_dft_grad);
  return g_test_run ();
}
