/* Finite-difference tests of the PALM step's vector-Jacobian products (ts-palm-grad.c),
 * and of the Anderson solver. Double precision, small models (p = 5, K = 20, M = 10). */
#include "tessera.h"
#include "ts-anderson.h"
#include "ts-palm-adjoint.h"
#include "ts-palm-grad.h"
#include "ts-unrolled.h"
#include "test-model-util.h"
#include <math.h>
#include <string.h>

#define W 12
#define H 10
#define NPIX (W * H)

typedef struct {
  TsModel *model;
  TsDerived *derived;
  TsPalmParams P;
  double *D, *U, *B, *kernel, *t;
  double *y, *x, *c;
} Fixture;

static void
fixture_init (Fixture *f, TsProxType type, int groupsize, guint64 seed)
{
  int K = 20, M = 10, p = 5, s = p * p;
  f->model = ts_model_new (K, M, p);
  guint64 st = seed;
  for (int i = 0; i < K * s; i++)
    f->model->atoms[i] = (float) ts_test_normal (&st);
  for (int i = 0; i < M * s; i++)
    f->model->free_atoms[i] = (float) ts_test_normal (&st);
  for (int i = 0; i < K; i++)
    f->model->lambda_scaling[i] = (float) (0.3 * ts_test_normal (&st));
  f->model->prox_type = type;
  f->model->groupsize = groupsize;
  f->model->beta = 0.8;
  f->model->lambda = type == TS_PROX_NCPR ? 0.05 : 0.02;
  f->derived = ts_derived_new (f->model, NAN, NAN, TS_FORWARD_BETA_FLOOR, NULL);
  g_assert_nonnull (f->derived);
  int r = f->derived->rank, kp = 2 * p - 1;
  f->D = g_new (double, K * s);
  f->U = g_new (double, s * r);
  f->B = g_new (double, K * r);
  f->kernel = g_new (double, kp * kp);
  f->t = g_new (double, K);
  for (int i = 0; i < K * s; i++)
    f->D[i] = f->derived->D[i];
  for (int i = 0; i < s * r; i++)
    f->U[i] = f->derived->U[i];
  /* B = D U in double, so that the subspace form matches the plain one closely. */
  for (int k = 0; k < K; k++)
    for (int j = 0; j < r; j++)
      {
        double acc = 0.0;
        for (int a = 0; a < s; a++)
          acc += f->D[k * s + a] * f->U[a * r + j];
        f->B[k * r + j] = acc;
      }
  memcpy (f->kernel, f->derived->kernel, sizeof (double) * kp * kp);
  for (int k = 0; k < K; k++)
    f->t[k] = exp ((double) f->model->lambda_scaling[k]);
  TsPalmParams P = { W, H, K, s, p, r, f->derived->b, 0.0, f->model->lambda, type,
                     groupsize, 1.8, f->D, f->U, f->B, f->kernel, f->t, NULL, 1.0 };
  P.L = 1.01 * P.b * ts_derived_kernel_dft_max (f->derived, W, H);
  f->P = P;
  f->y = g_new (double, NPIX);
  f->x = g_new (double, NPIX);
  f->c = g_new (double, K * NPIX);
  for (int i = 0; i < NPIX; i++)
    {
      f->y[i] = 0.5 + 0.3 * ts_test_normal (&st);
      f->x[i] = f->y[i] + 0.05 * ts_test_normal (&st);
    }
  for (int i = 0; i < K * NPIX; i++)
    f->c[i] = 0.1 * ts_test_normal (&st);
}

static void
fixture_clear (Fixture *f)
{
  ts_model_free (f->model);
  ts_derived_free (f->derived);
  g_free (f->D);
  g_free (f->U);
  g_free (f->B);
  g_free (f->kernel);
  g_free (f->t);
  g_free (f->y);
  g_free (f->x);
  g_free (f->c);
}

/* <gx', x'> + <gc', c'> after one step from (x, c). */
static double
step_functional (const TsPalmParams *P, const double *y, const double *x, const double *c,
                 const double *gx, const double *gc)
{
  gsize KN = (gsize) P->K * NPIX;
  double *x1 = g_new (double, NPIX), *c1 = g_new (double, KN);
  ts_palm_step (P, y, x, c, x, x1, c1, NULL);
  double s = 0.0;
  for (int i = 0; i < NPIX; i++)
    s += gx[i] * x1[i];
  for (gsize i = 0; i < KN; i++)
    s += gc[i] * c1[i];
  g_free (x1);
  g_free (c1);
  return s;
}

static void
assert_close (double analytic, double fd, double tol, const char *what)
{
  double err = fabs (analytic - fd) / MAX (fabs (fd), 1e-8);
  if (g_test_verbose ())
    g_printerr ("%s: analytic %.10g fd %.10g rel %.2e\n", what, analytic, fd, err);
  if (!(err < tol))
    g_error ("%s: analytic %.12g vs finite difference %.12g (relative error %.3g)", what,
             analytic, fd, err);
}

static void
check_state_vjp (TsProxType type, int groupsize)
{
  Fixture f;
  fixture_init (&f, type, groupsize, 7 + type * 10 + groupsize);
  const TsPalmParams *P = &f.P;
  gsize KN = (gsize) P->K * NPIX;
  guint64 st = 99;
  double *gxo = g_new (double, NPIX), *gco = g_new (double, KN);
  double *dx = g_new (double, NPIX), *dc = g_new (double, KN);
  for (int i = 0; i < NPIX; i++)
    {
      gxo[i] = ts_test_normal (&st);
      dx[i] = ts_test_normal (&st);
    }
  for (gsize i = 0; i < KN; i++)
    {
      gco[i] = ts_test_normal (&st);
      dc[i] = ts_test_normal (&st);
    }
  double *v = g_new (double, KN), *x1 = g_new (double, NPIX), *c1 = g_new (double, KN);
  ts_palm_step (P, f.y, f.x, f.c, f.x, x1, c1, v);
  double *gx = g_new (double, NPIX), *gc = g_new (double, KN);
  double *gx2 = g_new (double, NPIX), *gc2 = g_new (double, KN);
  ts_palm_vjp_state (P, v, NULL, gxo, gco, gx, gc, FALSE, NULL);
  ts_palm_vjp_state (P, v, NULL, gxo, gco, gx2, gc2, TRUE, NULL);
  if (groupsize == 1)
    {
      /* The cached diagonal derivative gives the same product. */
      double *dprox = g_new (double, KN), *gx3 = g_new (double, NPIX), *gc3 = g_new (double, KN);
      double *scratch = g_new (double, ts_palm_scratch_doubles (P));
      ts_palm_prox_derivative (P, v, dprox);
      ts_palm_vjp_state (P, v, dprox, gxo, gco, gx3, gc3, TRUE, scratch);
      for (int i = 0; i < NPIX; i++)
        g_assert_cmpfloat (fabs (gx3[i] - gx2[i]), <=, 1e-12 * (1.0 + fabs (gx2[i])));
      for (gsize i = 0; i < KN; i++)
        g_assert_cmpfloat (fabs (gc3[i] - gc2[i]), <=, 1e-12 * (1.0 + fabs (gc2[i])));
      g_free (dprox);
      g_free (gx3);
      g_free (gc3);
      g_free (scratch);
    }

  /* The subspace form is the same map (C^T C = U U^T, D = B U^T). */
  double maxdiff = 0.0, maxval = 0.0;
  for (int i = 0; i < NPIX; i++)
    {
      maxdiff = MAX (maxdiff, fabs (gx[i] - gx2[i]));
      maxval = MAX (maxval, fabs (gx[i]));
    }
  for (gsize i = 0; i < KN; i++)
    {
      maxdiff = MAX (maxdiff, fabs (gc[i] - gc2[i]));
      maxval = MAX (maxval, fabs (gc[i]));
    }
  g_assert_cmpfloat (maxdiff, <, 1e-5 * maxval);

  /* The training's float32 adjoint map is the same product (plus r on the image part). */
  {
    g_autoptr (TsPalmAdjoint) adjoint = ts_palm_adjoint_new (P, v);
    float *in = g_new (float, NPIX + KN), *out = g_new (float, NPIX + KN), *r = g_new (float, NPIX);
    for (int i = 0; i < NPIX; i++)
      {
        in[i] = (float) gxo[i];
        r[i] = (float) (0.01 * i);
      }
    for (gsize i = 0; i < KN; i++)
      in[NPIX + i] = (float) gco[i];
    ts_palm_adjoint_apply (adjoint, in, out, r);
    double fdiff = 0.0;
    for (int i = 0; i < NPIX; i++)
      fdiff = MAX (fdiff, fabs (out[i] - (gx2[i] + 0.01 * i)));
    for (gsize i = 0; i < KN; i++)
      fdiff = MAX (fdiff, fabs (out[NPIX + i] - gc2[i]));
    g_assert_cmpfloat (fdiff, <, 1e-4 * maxval);
    g_free (in);
    g_free (out);
    g_free (r);
  }

  /* Directional derivatives along x and along c separately. */
  double h = 1e-6;
  double *xp = g_new (double, NPIX), *cp = g_new (double, KN);
  for (int which = 0; which < 2; which++)
    {
      double fpm[2];
      for (int k = 0; k < 2; k++)
        {
          double e = k == 0 ? h : -h;
          for (int i = 0; i < NPIX; i++)
            xp[i] = f.x[i] + (which == 0 ? e * dx[i] : 0.0);
          for (gsize i = 0; i < KN; i++)
            cp[i] = f.c[i] + (which == 1 ? e * dc[i] : 0.0);
          fpm[k] = step_functional (P, f.y, xp, cp, gxo, gco);
        }
      double fd = (fpm[0] - fpm[1]) / (2 * h), an = 0.0;
      if (which == 0)
        for (int i = 0; i < NPIX; i++)
          an += gx[i] * dx[i];
      else
        for (gsize i = 0; i < KN; i++)
          an += gc[i] * dc[i];
      assert_close (an, fd, 1e-5, which == 0 ? "d/dx" : "d/dc");
    }
  g_free (xp);
  g_free (cp);
  g_free (gxo);
  g_free (gco);
  g_free (dx);
  g_free (dc);
  g_free (v);
  g_free (x1);
  g_free (c1);
  g_free (gx);
  g_free (gc);
  g_free (gx2);
  g_free (gc2);
  fixture_clear (&f);
}

static void
test_state_ncpr (void)
{
  check_state_vjp (TS_PROX_NCPR, 1);
}

static void
test_state_cpr1 (void)
{
  check_state_vjp (TS_PROX_CPR, 1);
}

static void
test_state_cpr2 (void)
{
  check_state_vjp (TS_PROX_CPR, 2);
}

static void
check_param_vjp (TsProxType type, int groupsize)
{
  Fixture f;
  fixture_init (&f, type, groupsize, 31 + type * 10 + groupsize);
  TsPalmParams P = f.P;
  int K = P.K, s = P.s, kp = 2 * P.p - 1;
  gsize KN = (gsize) K * NPIX;
  guint64 st = 5;
  double *gxo = g_new (double, NPIX), *gco = g_new (double, KN);
  for (int i = 0; i < NPIX; i++)
    gxo[i] = ts_test_normal (&st);
  for (gsize i = 0; i < KN; i++)
    gco[i] = ts_test_normal (&st);
  TsPalmGrad g = { g_new0 (double, K * s), g_new0 (double, kp * kp), g_new0 (double, K), 0, 0, 0 };
  ts_palm_vjp_params (&P, f.y, f.x, f.c, gxo, gco, &g);

  double h = 1e-6;
  /* Direction in D, in the kernel, in log t; then b and L alone. */
  double *dD = g_new (double, K * s), *dk = g_new (double, kp * kp), *dt = g_new (double, K);
  for (int i = 0; i < K * s; i++)
    dD[i] = ts_test_normal (&st);
  for (int i = 0; i < kp * kp; i++)
    dk[i] = ts_test_normal (&st);
  for (int i = 0; i < K; i++)
    dt[i] = ts_test_normal (&st);
  double *Dp = g_new (double, K * s), *kpp = g_new (double, kp * kp), *tp = g_new (double, K);
  const char *names[] = { "D", "kernel", "log t", "b", "L" };
  for (int which = 0; which < 5; which++)
    {
      double fpm[2];
      for (int k = 0; k < 2; k++)
        {
          double e = k == 0 ? h : -h;
          TsPalmParams Q = P;
          for (int i = 0; i < K * s; i++)
            Dp[i] = f.D[i] + (which == 0 ? e * dD[i] : 0.0);
          for (int i = 0; i < kp * kp; i++)
            kpp[i] = f.kernel[i] + (which == 1 ? e * dk[i] : 0.0);
          for (int i = 0; i < K; i++)
            tp[i] = f.t[i] * exp (which == 2 ? e * dt[i] : 0.0);
          Q.D = Dp;
          Q.kernel = kpp;
          Q.t = tp;
          if (which == 3)
            Q.b += e;
          if (which == 4)
            Q.L += e;
          fpm[k] = step_functional (&Q, f.y, f.x, f.c, gxo, gco);
        }
      double fd = (fpm[0] - fpm[1]) / (2 * h), an = 0.0;
      if (which == 0)
        for (int i = 0; i < K * s; i++)
          an += g.D[i] * dD[i];
      else if (which == 1)
        for (int i = 0; i < kp * kp; i++)
          an += g.kernel[i] * dk[i];
      else if (which == 2)
        for (int i = 0; i < K; i++)
          an += g.log_t[i] * dt[i];
      else
        an = which == 3 ? g.b : g.L;
      assert_close (an, fd, 1e-5, names[which]);
    }
  g_free (g.D);
  g_free (g.kernel);
  g_free (g.log_t);
  g_free (dD);
  g_free (dk);
  g_free (dt);
  g_free (Dp);
  g_free (kpp);
  g_free (tp);
  g_free (gxo);
  g_free (gco);
  fixture_clear (&f);
}

/* The budget training's gradient (ts-unrolled.c): the L1 loss after a few iPALM steps from
 * x = y, c = 0, against central differences w.r.t. k_P, log t, b and L; and its x_K (subspace
 * form) is the plain iteration's. */
static void
check_unrolled (TsProxType type, int groupsize)
{
  Fixture f;
  fixture_init (&f, type, groupsize, 71 + type * 10 + groupsize);
  TsPalmParams P = f.P;
  int K = P.K, s = P.s, kp = 2 * P.p - 1, steps = 7;
  guint64 st = 9;
  float clean[NPIX];
  for (int i = 0; i < NPIX; i++)
    clean[i] = (float) (f.y[i] + 0.2 * ts_test_normal (&st));
  double scale = 1.0 / NPIX;
  TsPalmGrad g = { g_new0 (double, K * s), g_new0 (double, kp * kp), g_new0 (double, K), 0, 0, 0 };
  double x_k[NPIX];
  ts_unrolled_l1_gradient (&P, f.y, clean, steps, scale, &g, x_k);

  /* x_K is what the same number of plain iPALM steps gives. */
  gsize KN = (gsize) K * NPIX;
  double *x = g_new (double, NPIX), *xp = g_new (double, NPIX), *xt = g_new (double, NPIX);
  double *c = g_new0 (double, KN), *cp = g_new0 (double, KN), *ct = g_new (double, KN);
  double *xn = g_new (double, NPIX), *cn = g_new (double, KN);
  memcpy (x, f.y, sizeof x_k);
  memcpy (xp, f.y, sizeof x_k);
  for (int k = 1; k <= steps; k++)
    {
      double a = (k - 1.0) / (k + 2.0);
      for (int i = 0; i < NPIX; i++)
        xt[i] = x[i] + a * (x[i] - xp[i]);
      for (gsize i = 0; i < KN; i++)
        ct[i] = c[i] + a * (c[i] - cp[i]);
      ts_palm_step (&P, f.y, x, ct, xt, xn, cn, NULL);
      memcpy (xp, x, sizeof x_k);
      memcpy (x, xn, sizeof x_k);
      memcpy (cp, c, sizeof (double) * KN);
      memcpy (c, cn, sizeof (double) * KN);
    }
  for (int i = 0; i < NPIX; i++)
    g_assert_cmpfloat (fabs (x[i] - x_k[i]), <, 1e-7);   /* the fixture's U is float */

  /* CPR's prox has kinks: a step small enough not to cross one (checked: 1e-6 crosses one in
   * the cpr1 case, 1e-7 to 1e-9 agree to 1e-8 .. 4e-6). */
  double h = type == TS_PROX_NCPR ? 1e-6 : 1e-8;
  double *dD = g_new (double, K * s), *dk = g_new (double, kp * kp), *dt = g_new (double, K);
  for (int i = 0; i < K * s; i++)
    dD[i] = ts_test_normal (&st);
  for (int i = 0; i < kp * kp; i++)
    dk[i] = ts_test_normal (&st);
  for (int i = 0; i < K; i++)
    dt[i] = ts_test_normal (&st);
  double *Dp = g_new (double, K * s), *kpp = g_new (double, kp * kp), *tp = g_new (double, K);
  const char *names[] = { "unrolled D", "unrolled kernel", "unrolled log t", "unrolled b",
                          "unrolled L" };
  /* D itself: its products go through B and U, so a change of D alone is not seen; the
   * gradient w.r.t. D is checked through the raw parameters in test-train-grad.c. */
  for (int which = 1; which < 5; which++)
    {
      double fpm[2];
      for (int k = 0; k < 2; k++)
        {
          double e = k == 0 ? h : -h;
          TsPalmParams Q = P;
          for (int i = 0; i < K * s; i++)
            Dp[i] = f.D[i] + (which == 0 ? e * dD[i] : 0.0);
          for (int i = 0; i < kp * kp; i++)
            kpp[i] = f.kernel[i] + (which == 1 ? e * dk[i] : 0.0);
          for (int i = 0; i < K; i++)
            tp[i] = f.t[i] * exp (which == 2 ? e * dt[i] : 0.0);
          Q.D = Dp;
          Q.kernel = kpp;
          Q.t = tp;
          if (which == 3)
            Q.b += e;
          if (which == 4)
            Q.L += e;
          TsPalmGrad unused = { g_new0 (double, K * s), g_new0 (double, kp * kp),
                                g_new0 (double, K), 0, 0, 0 };
          fpm[k] = scale * ts_unrolled_l1_gradient (&Q, f.y, clean, steps, scale, &unused, NULL);
          g_free (unused.D);
          g_free (unused.kernel);
          g_free (unused.log_t);
        }
      double fd = (fpm[0] - fpm[1]) / (2 * h), an = 0.0;
      if (which == 0)
        for (int i = 0; i < K * s; i++)
          an += g.D[i] * dD[i];
      else if (which == 1)
        for (int i = 0; i < kp * kp; i++)
          an += g.kernel[i] * dk[i];
      else if (which == 2)
        for (int i = 0; i < K; i++)
          an += g.log_t[i] * dt[i];
      else
        an = which == 3 ? g.b : g.L;
      assert_close (an, fd, 1e-5, names[which]);
    }
  g_free (g.D);
  g_free (g.kernel);
  g_free (g.log_t);
  g_free (dD);
  g_free (dk);
  g_free (dt);
  g_free (Dp);
  g_free (kpp);
  g_free (tp);
  g_free (x);
  g_free (xp);
  g_free (xt);
  g_free (c);
  g_free (cp);
  g_free (ct);
  g_free (xn);
  g_free (cn);
  fixture_clear (&f);
}

/* What the budget training differentiates is what the solver runs: x_K of ts-unrolled.c (double)
 * against ts_solve (float) with tol 0 and K iterations, for the reference iteration and the
 * exact image step. */
static void
test_unrolled_matches_solver (void)
{
  for (int exact = 0; exact < 2; exact++)
    {
      Fixture f;
      fixture_init (&f, TS_PROX_NCPR, 1, 5);
      TsPalmParams P = f.P;
      g_autoptr (TsSmoothInverse) smooth = NULL;
      if (exact)
        {
          P.smooth = smooth = ts_smooth_inverse_new (f.kernel, P.p, P.b, W, H);
          /* and a learned coefficient step multiplier, as such models carry */
          P.eta = f.model->step_scale = 1.3;
        }
      int steps = 9;
      float clean[NPIX], y[NPIX];
      for (int i = 0; i < NPIX; i++)
        clean[i] = y[i] = (float) f.y[i];
      double y_exact[NPIX], x_k[NPIX];
      for (int i = 0; i < NPIX; i++)
        y_exact[i] = y[i];
      TsPalmGrad g = { g_new0 (double, P.K * P.s), g_new0 (double, (2 * P.p - 1) * (2 * P.p - 1)),
                       g_new0 (double, P.K), 0, 0, 0 };
      ts_unrolled_l1_gradient (&P, y_exact, clean, steps, 1.0, &g, x_k);
      g_free (g.D);
      g_free (g.kernel);
      g_free (g.log_t);

      TsSolveOptions o;
      ts_solve_options_init (&o);
      o.tol = 0.0;
      o.max_iter = steps;
      o.image_step = exact ? TS_IMAGE_STEP_EXACT : TS_IMAGE_STEP_GRADIENT;
      o.step_scale = f.model->step_scale;
      g_autoptr (GError) error = NULL;
      g_autoptr (TsOperator) op = ts_operator_identity_new (W, H);
      g_autoptr (TsSolution) sol = ts_test_solve (f.model, op, y, &o, NULL, NULL, NULL, NULL, NULL,
                                                  &error);
      g_assert_no_error (error);
      double worst = 0.0;
      for (int i = 0; i < NPIX; i++)
        worst = MAX (worst, fabs (x_k[i] - sol->x->data[i]));
      g_test_message ("%s image step: max |x_K (training) - x_K (solver)| = %.3g",
                      exact ? "exact" : "gradient", worst);
      g_assert_cmpfloat (worst, <, 1e-4);
      fixture_clear (&f);
    }
}

static void test_unrolled_ncpr (void) { check_unrolled (TS_PROX_NCPR, 1); }
static void test_unrolled_cpr1 (void) { check_unrolled (TS_PROX_CPR, 1); }
static void test_unrolled_cpr2 (void) { check_unrolled (TS_PROX_CPR, 2); }

static void
test_params_ncpr (void)
{
  check_param_vjp (TS_PROX_NCPR, 1);
}

static void
test_params_cpr1 (void)
{
  check_param_vjp (TS_PROX_CPR, 1);
}

static void
test_params_cpr2 (void)
{
  check_param_vjp (TS_PROX_CPR, 2);
}

/* Anderson on a linear contraction g = A g + r with a known solution. */
typedef struct {
  int n;
  double *a, *r;
} LinearMap;

static void
linear_map (const double *in, double *out, gpointer data)
{
  const LinearMap *m = data;
  for (int i = 0; i < m->n; i++)
    {
      double s = m->r[i];
      for (int j = 0; j < m->n; j++)
        s += m->a[i * m->n + j] * in[j];
      out[i] = s;
    }
}

static void
linear_map_f (const float *in, float *out, gpointer data)
{
  const LinearMap *m = data;
  for (int i = 0; i < m->n; i++)
    {
      double s = m->r[i];
      for (int j = 0; j < m->n; j++)
        s += m->a[i * m->n + j] * in[j];
      out[i] = (float) s;
    }
}

static void
test_anderson (void)
{
  int n = 60;
  guint64 st = 3;
  LinearMap m = { n, g_new (double, n * n), g_new (double, n) };
  /* A symmetric with spectrum in [0, 0.98]: plain iteration needs ~900 steps for 1e-8. */
  for (int i = 0; i < n * n; i++)
    m.a[i] = 0.0;
  for (int i = 0; i < n; i++)
    m.a[i * n + i] = 0.98 * i / (n - 1);
  for (int i = 0; i < n; i++)
    m.r[i] = ts_test_normal (&st);
  double *g = g_new0 (double, n);
  TsAndersonStats stats;
  ts_anderson_solve (linear_map, &m, g, n, 5, 1e-10, 200, &stats);
  g_assert_true (stats.converged);
  g_assert_cmpint (stats.iterations, <, 200);
  for (int i = 0; i < n; i++)
    {
      double exact = m.r[i] / (1.0 - m.a[i * n + i]);
      g_assert_cmpfloat (fabs (g[i] - exact), <, 1e-7 * (1.0 + fabs (exact)) * n);
    }
  /* The cap is honoured and reported. */
  memset (g, 0, sizeof (double) * n);
  ts_anderson_solve (linear_map, &m, g, n, 5, 1e-14, 3, &stats);
  g_assert_false (stats.converged);
  g_assert_cmpint (stats.iterations, ==, 3);
  /* The float32 instance reaches float accuracy on the same system. */
  float *gf = g_new0 (float, n);
  ts_anderson_solve_f (linear_map_f, &m, gf, n, 5, 1e-6, 200, &stats);
  g_assert_true (stats.converged);
  for (int i = 0; i < n; i++)
    {
      double exact = m.r[i] / (1.0 - m.a[i * n + i]);
      g_assert_cmpfloat (fabs (gf[i] - exact), <, 1e-4 * (1.0 + fabs (exact)));
    }
  g_free (gf);
  g_free (m.a);
  g_free (m.r);
  g_free (g);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/palm-grad/state/ncpr", test_state_ncpr);
  g_test_add_func ("/palm-grad/state/cpr1", test_state_cpr1);
  g_test_add_func ("/palm-grad/state/cpr2", test_state_cpr2);
  g_test_add_func ("/palm-grad/params/ncpr", test_params_ncpr);
  g_test_add_func ("/palm-grad/params/cpr1", test_params_cpr1);
  g_test_add_func ("/palm-grad/params/cpr2", test_params_cpr2);
  g_test_add_func ("/palm-grad/anderson", test_anderson);
  g_test_add_func ("/palm-grad/unrolled/ncpr", test_unrolled_ncpr);
  g_test_add_func ("/palm-grad/unrolled/cpr1", test_unrolled_cpr1);
  g_test_add_func ("/palm-grad/unrolled/cpr2", test_unrolled_cpr2);
  g_test_add_func ("/palm-grad/unrolled/matches-solver", test_unrolled_matches_solver);
  return g_test_run ();
}
