/* Training the joint colour form (ts-palm-joint.h, ts-train.c): the joint PALM step's
 * vector-Jacobian products against central differences of the step, the whole training
 * gradient (chroma weight included) against central differences of the RGB L1 loss, the
 * float solver at the double step's fixed point, bit-exact resume, and the configuration's
 * refusals. Small problems (p = 5, K = 12 or 20), NCPR and CPR. */
#include "tessera.h"
#include "ts-checkpoint.h"
#include "ts-palm-joint.h"
#include "ts-train-private.h"
#include "test-model-util.h"
#include "test-util.h"
#include <math.h>
#include <string.h>

#define W 10
#define H 8
#define NPIX (W * H)

/* ---------------------------------------------------------------- the joint step */

typedef struct {
  TsModel *model;
  TsDerived *derived;
  TsPalmParams P;
  double *D, *U, *B, *kernel, *t;
} Step;

static void
step_init (Step *f, TsProxType type, guint64 seed)
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
  f->model->groupsize = 1;
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
  for (int k = 0; k < K; k++)
    for (int j = 0; j < r; j++)
      {
        double acc = 0.0;
        for (int a = 0; a < s; a++)
          acc += f->D[k * s + a] * f->U[a * r + j];
        f->B[k * r + j] = acc;
      }
  for (int i = 0; i < kp * kp; i++)
    f->kernel[i] = f->derived->kernel[i];
  for (int k = 0; k < K; k++)
    f->t[k] = exp ((double) f->model->lambda_scaling[k]);
  memset (&f->P, 0, sizeof f->P);
  f->P.width = W;
  f->P.height = H;
  f->P.K = K;
  f->P.s = s;
  f->P.p = p;
  f->P.rank = r;
  f->P.b = f->derived->b;
  f->P.L = 1.01 * f->P.b * ts_derived_kernel_dft_max (f->derived, W, H);
  f->P.lambda = f->model->lambda;
  f->P.prox_type = type;
  f->P.groupsize = 1;
  f->P.order = 1.8;
  f->P.D = f->D;
  f->P.U = f->U;
  f->P.B = f->B;
  f->P.kernel = f->kernel;
  f->P.t = f->t;
  f->P.eta = 1.0;
}

static void
step_clear (Step *f)
{
  ts_model_free (f->model);
  ts_derived_free (f->derived);
  g_free (f->D);
  g_free (f->U);
  g_free (f->B);
  g_free (f->kernel);
  g_free (f->t);
}

/* <gx, x'> + <gc, c'> after one joint step from (x, c); the three planes, state layout. */
static double
joint_functional (const TsPalmParams *P, double w, const double *y, const double *x,
                  const double *c, const double *gx, const double *gc)
{
  gsize N3 = 3 * NPIX, KN3 = (gsize) P->K * N3;
  g_autofree double *x1 = g_new (double, N3), *c1 = g_new (double, KN3);
  ts_palm_joint_step (P, w, y, x, c, x, x1, c1, NULL);
  double s = 0.0;
  for (gsize i = 0; i < N3; i++)
    s += gx[i] * x1[i];
  for (gsize i = 0; i < KN3; i++)
    s += gc[i] * c1[i];
  return s;
}

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

/* (df/dz)^T of the joint step (its adjoint, the map the training's fixed point iterates) against
 * directional central differences of the step: <g, J e> = <J^T g, e> for random e. */
static void
check_state_vjp (TsProxType type)
{
  Step f;
  step_init (&f, type, 31 + type);
  const TsPalmParams *P = &f.P;
  double w = 0.7, h = 1e-6;
  gsize N3 = 3 * NPIX, KN3 = (gsize) P->K * N3;
  g_autofree double *y = g_new (double, N3), *x = g_new (double, N3), *c = g_new (double, KN3);
  g_autofree double *gx = g_new (double, N3), *gc = g_new (double, KN3);
  g_autofree double *ex = g_new (double, N3), *ec = g_new (double, KN3);
  g_autofree double *ax = g_new (double, N3), *ac = g_new (double, KN3);
  g_autofree double *xp = g_new (double, N3), *cp = g_new (double, KN3);
  g_autofree double *xm = g_new (double, N3), *cm = g_new (double, KN3);
  g_autofree double *v = g_new (double, KN3), *x1 = g_new (double, N3), *c1 = g_new (double, KN3);
  guint64 st = 4;
  for (gsize i = 0; i < N3; i++)
    {
      y[i] = (i < NPIX ? 0.5 : 0.0) + 0.2 * ts_test_normal (&st);
      x[i] = y[i] + 0.03 * ts_test_normal (&st);
      gx[i] = ts_test_normal (&st);
    }
  for (gsize i = 0; i < KN3; i++)
    {
      c[i] = 0.1 * ts_test_normal (&st);
      gc[i] = ts_test_normal (&st);
    }
  ts_palm_joint_step (P, w, y, x, c, x, x1, c1, v);
  ts_palm_joint_vjp_state (P, w, v, gx, gc, ax, ac);
  for (int trial = 0; trial < 3; trial++)
    {
      double analytic = 0.0;
      for (gsize i = 0; i < N3; i++)
        {
          ex[i] = ts_test_normal (&st);
          analytic += ax[i] * ex[i];
          xp[i] = x[i] + h * ex[i];
          xm[i] = x[i] - h * ex[i];
        }
      for (gsize i = 0; i < KN3; i++)
        {
          ec[i] = ts_test_normal (&st);
          analytic += ac[i] * ec[i];
          cp[i] = c[i] + h * ec[i];
          cm[i] = c[i] - h * ec[i];
        }
      double fd = (joint_functional (P, w, y, xp, cp, gx, gc)
                   - joint_functional (P, w, y, xm, cm, gx, gc)) / (2 * h);
      /* h = 1e-6 central differences of a step whose NCPR prox has |v|^0.8 curvature at 0. */
      assert_rel (analytic, fd, 1e-5, "joint (df/dz)^T");
    }
  /* With the chroma at zero the joint step is three single-plane steps: the luminance's equals
   * ts_palm_step's (CPR up to the group form's 1e-8 in the prox's denominator). */
  for (gsize i = NPIX; i < N3; i++)
    x[i] = y[i] = 0.0;
  for (gsize i = (gsize) P->K * NPIX; i < KN3; i++)
    c[i] = 0.0;
  g_autofree double *x_gray = g_new (double, NPIX), *c_gray = g_new (double, (gsize) P->K * NPIX);
  ts_palm_joint_step (P, w, y, x, c, x, x1, c1, NULL);
  ts_palm_step (P, y, x, c, x, x_gray, c_gray, NULL);
  for (gsize i = 0; i < NPIX; i++)
    g_assert_cmpfloat (fabs (x1[i] - x_gray[i]), <=, type == TS_PROX_NCPR ? 1e-12 : 1e-7);
  for (gsize i = NPIX; i < N3; i++)
    g_assert_cmpfloat (x1[i], ==, 0.0);
  step_clear (&f);
}

static void
test_state_vjp_ncpr (void)
{
  check_state_vjp (TS_PROX_NCPR);
}

static void
test_state_vjp_cpr (void)
{
  check_state_vjp (TS_PROX_CPR);
}

/* (df/dtheta)^T of the joint step w.r.t. the explicit b, L, the threshold scalings and the
 * chroma weight, against central differences of <g, f>. */
static void
test_params_vjp (void)
{
  Step f;
  step_init (&f, TS_PROX_NCPR, 77);
  TsPalmParams *P = &f.P;
  int K = P->K, kp = 2 * P->p - 1;
  double w = 0.8, h = 1e-6;
  gsize N3 = 3 * NPIX, KN3 = (gsize) K * N3;
  g_autofree double *y = g_new (double, N3), *x = g_new (double, N3), *c = g_new (double, KN3);
  g_autofree double *gx = g_new (double, N3), *gc = g_new (double, KN3);
  guint64 st = 12;
  for (gsize i = 0; i < N3; i++)
    {
      y[i] = 0.2 * ts_test_normal (&st);
      x[i] = y[i] + 0.03 * ts_test_normal (&st);
      gx[i] = ts_test_normal (&st);
    }
  for (gsize i = 0; i < KN3; i++)
    {
      c[i] = 0.1 * ts_test_normal (&st);
      gc[i] = ts_test_normal (&st);
    }
  TsPalmGrad grad = { g_new0 (double, (gsize) K * P->s), g_new0 (double, (gsize) kp * kp),
                      g_new0 (double, K), 0.0, 0.0, 0.0 };
  double g_weight = 0.0;
  ts_palm_joint_vjp_params (P, w, y, x, c, gx, gc, &grad, &g_weight);
  double fd = (joint_functional (P, w + h, y, x, c, gx, gc)
               - joint_functional (P, w - h, y, x, c, gx, gc)) / (2 * h);
  assert_rel (g_weight, fd, 1e-6, "chroma weight");
  double saved = P->L;
  P->L = saved + h;
  double up = joint_functional (P, w, y, x, c, gx, gc);
  P->L = saved - h;
  fd = (up - joint_functional (P, w, y, x, c, gx, gc)) / (2 * h);
  P->L = saved;
  assert_rel (grad.L, fd, 1e-6, "L");
  saved = P->b;
  P->b = saved + h;
  up = joint_functional (P, w, y, x, c, gx, gc);
  P->b = saved - h;
  fd = (up - joint_functional (P, w, y, x, c, gx, gc)) / (2 * h);
  P->b = saved;
  assert_rel (grad.b, fd, 1e-6, "b");
  for (int j = 0; j < 3; j++)
    {
      double t = f.t[j];
      f.t[j] = t * exp (h);
      up = joint_functional (P, w, y, x, c, gx, gc);
      f.t[j] = t * exp (-h);
      fd = (up - joint_functional (P, w, y, x, c, gx, gc)) / (2 * h);
      f.t[j] = t;
      assert_rel (grad.log_t[j], fd, 1e-5, "log t");
    }
  g_free (grad.D);
  g_free (grad.kernel);
  g_free (grad.log_t);
  step_clear (&f);
}

/* ---------------------------------------------------------------- the training gradient */

#define CROP 10
#define NCROPS 2

typedef struct {
  TsModel *model;
  TsTrainConfig config;
  float clean[NCROPS][3 * CROP * CROP], noisy[NCROPS][3 * CROP * CROP];
  const float *clean_ptr[NCROPS], *noisy_ptr[NCROPS];
  TsTrainBatch batch;
} Problem;

/* Crops in the opponent basis: a luminance picture and weaker, different chroma pictures. */
static void
problem_init (Problem *pr, TsProxType type)
{
  int K = 12, M = 6, p = 5, s = p * p;
  TsModel *m = ts_model_new (K, M, p);
  guint64 st = 19 + type;
  for (int i = 0; i < K * s; i++)
    m->atoms[i] = (float) ts_test_normal (&st);
  for (int i = 0; i < M * s; i++)
    m->free_atoms[i] = (float) ts_test_normal (&st);
  for (int i = 0; i < K; i++)
    m->lambda_scaling[i] = (float) (0.25 * ts_test_normal (&st));
  m->prox_type = type;
  m->groupsize = 1;
  m->order = 1.8;
  m->beta = 0.75;
  m->lambda = type == TS_PROX_NCPR ? 0.08 : 0.03;
  m->colour_form = TS_COLOUR_FORM_JOINT;
  m->chroma_weight = 0.6;
  pr->model = m;
  ts_train_config_init (&pr->config, type, 25);
  pr->config.n_atoms = K;
  pr->config.n_free = M;
  pr->config.atom_size = p;
  pr->config.groupsize = 1;
  pr->config.crop = CROP;
  pr->config.batch = NCROPS;
  pr->config.threads = 2;
  pr->config.colour_form = TS_COLOUR_FORM_JOINT;
  gsize n = CROP * CROP;
  for (int k = 0; k < NCROPS; k++)
    {
      for (int q = 0; q < 3; q++)
        {
          g_autofree float *pic = ts_test_picture (CROP, CROP, 0.0, 40 + 3 * k + q);
          for (gsize i = 0; i < n; i++)
            {
              float v = q == 0 ? pic[i] : 0.3f * (pic[i] - 0.5f);
              pr->clean[k][q * n + i] = v;
              pr->noisy[k][q * n + i] = (float) (v + 0.1 * ts_test_normal (&st));
            }
        }
      pr->clean_ptr[k] = pr->clean[k];
      pr->noisy_ptr[k] = pr->noisy[k];
    }
  TsTrainBatch b = { NCROPS, CROP, CROP, pr->clean_ptr, pr->noisy_ptr };
  pr->batch = b;
}

static double
loss_at (Problem *pr)
{
  double loss = ts_train_batch_loss_exact (pr->model, &pr->config, &pr->batch, NULL);
  g_assert_true (isfinite (loss));
  return loss;
}

static double
fd_float (Problem *pr, float *param, double h)
{
  float saved = *param;
  *param = (float) (saved + h);
  double up = loss_at (pr);
  *param = (float) (saved - h);
  double down = loss_at (pr);
  *param = saved;
  return (up - down) / (2 * h);
}

static void
check_entry (const char *name, double analytic, double fd, double scale)
{
  double err = fabs (analytic - fd) / MAX (fabs (fd), 1e-2 * scale);
  if (g_test_verbose ())
    g_printerr ("%s: analytic %.8g fd %.8g rel %.2e\n", name, analytic, fd, err);
  if (!(err < 1e-3))
    g_error ("%s: gradient %.10g, central difference %.10g (relative error %.3g)", name,
             analytic, fd, err);
}

/* The whole gradient (exact inner solve, adjoint, joint VJPs, tape) against central
 * differences of the loss, every parameter group and the chroma weight's log. */
static void
check_train_gradient (TsProxType type)
{
  Problem pr;
  problem_init (&pr, type);
  TsModel *m = pr.model;
  int K = m->n_atoms, M = m->n_free, s = m->atom_size * m->atom_size;
  gsize n_beta = (gsize) K * s + (gsize) M * s + K;
  gsize n_params = ts_train_state_param_count (&pr.config);
  g_assert_cmpuint (n_params, ==, n_beta + 2);
  g_autofree double *grad = g_new (double, n_params);
  g_autoptr (GError) error = NULL;
  TsTrainStepStats stats;
  double loss = ts_train_batch_gradient (m, &pr.config, &pr.batch, TRUE, grad, NULL, &stats,
                                         &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (fabs (loss - loss_at (&pr)), <, 1e-12);
  g_assert_cmpint (stats.adjoint_unconverged, ==, 0);
  double gmax = 0.0;
  for (gsize i = 0; i < n_params; i++)
    gmax = MAX (gmax, fabs (grad[i]));
  double h = 1.0 / 4096;
  guint64 st = 5;
  for (int i = 0; i < 4; i++)
    {
      int idx = (int) (ts_test_uniform (&st) * K * s);
      check_entry ("atoms", grad[idx], fd_float (&pr, &m->atoms[idx], h), gmax);
      idx = (int) (ts_test_uniform (&st) * M * s);
      check_entry ("free_atoms", grad[(gsize) K * s + idx],
                   fd_float (&pr, &m->free_atoms[idx], h), gmax);
      /* A smaller step for the thresholds: CPR's groups near the threshold have a kink that
       * h = 1/4096 crosses (0.013 off there; 1/65536 agrees to 1e-8). */
      idx = (int) (ts_test_uniform (&st) * K);
      check_entry ("lambda_scaling", grad[(gsize) K * s + (gsize) M * s + idx],
                   fd_float (&pr, &m->lambda_scaling[idx], h / 16), gmax);
    }
  double saved = m->beta, e = 1e-5;
  m->beta = saved + e;
  double up = loss_at (&pr);
  m->beta = saved - e;
  double fd = (up - loss_at (&pr)) / (2 * e);
  m->beta = saved;
  check_entry ("beta", grad[n_beta], fd, gmax);
  /* The chroma weight, learned as its log. */
  saved = m->chroma_weight;
  m->chroma_weight = saved * exp (e);
  up = loss_at (&pr);
  m->chroma_weight = saved * exp (-e);
  fd = (up - loss_at (&pr)) / (2 * e);
  m->chroma_weight = saved;
  check_entry ("log chroma_weight", grad[n_beta + 1], fd, gmax);
  g_assert_cmpfloat (fabs (grad[n_beta + 1]), >, 0.0);
  ts_model_free (m);
}

static void
test_train_gradient_ncpr (void)
{
  check_train_gradient (TS_PROX_NCPR);
}

static void
test_train_gradient_cpr (void)
{
  check_train_gradient (TS_PROX_CPR);
}

/* ---------------------------------------------------------------- the trainer */

/* RGB pictures with edges in luminance and chroma that follows them. */
static GPtrArray *
rgb_images (int n, int size, guint64 seed)
{
  GPtrArray *images = g_ptr_array_new_with_free_func ((GDestroyNotify) ts_image_free);
  for (int i = 0; i < n; i++)
    {
      TsImage *im = ts_image_new (size, size, 3, NULL);
      g_autofree float *pic = ts_test_picture (size, size, 0.02, seed + i);
      for (int r = 0; r < size; r++)
        for (int c = 0; c < size; c++)
          {
            float v = pic[r * size + c] + (((r + 2 * c + i) / 5) % 2 ? 0.15f : -0.15f);
            float tint = ((r / 7 + c / 9 + i) % 3) * 0.1f;
            float *px = im->data + ((gsize) r * size + c) * 3;
            px[0] = CLAMP (v + tint, 0.0f, 1.0f);
            px[1] = CLAMP (v, 0.0f, 1.0f);
            px[2] = CLAMP (v - tint, 0.0f, 1.0f);
          }
      g_ptr_array_add (images, im);
    }
  return images;
}

static void
joint_config (TsTrainConfig *c)
{
  ts_train_config_init (c, TS_PROX_NCPR, 25);
  c->n_atoms = 12;
  c->n_free = 6;
  c->atom_size = 5;
  c->crop = 12;
  c->batch = 3;
  c->steps = 6;
  c->seed = 42;
  c->lambda = 0.05;
  c->beta_init = 1.0;
  c->init_scale = 1.0;
  c->lr_atoms = 2e-2;
  c->lr_hyper = 1e-2;
  c->colour_form = TS_COLOUR_FORM_JOINT;
  c->chroma_weight_init = 0.5;
}

/* A run interrupted after 2 steps, checkpointed and resumed, ends bit for bit where the
 * uninterrupted one does, chroma weight and its Adam moments included. */
static void
test_resume_exact (void)
{
  g_autoptr (GPtrArray) train = rgb_images (4, 24, 1);
  g_autoptr (GPtrArray) val = rgb_images (1, 20, 9);
  TsTrainConfig c;
  joint_config (&c);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsTrainer) a = ts_trainer_new (&c, NULL, train, val, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 4; i++)
    g_assert_true (ts_trainer_step (a, NULL, NULL, &error));
  double psnr = ts_trainer_validate (a, NULL, &error);
  g_assert_no_error (error);
  if (g_test_verbose ())
    g_printerr ("validation %.3f dB\n", psnr);
  g_assert_true (isfinite (psnr));

  g_autofree char *path = ts_test_tmp_path ("joint.ckpt");
  {
    g_autoptr (TsTrainer) b = ts_trainer_new (&c, NULL, train, val, &error);
    for (int i = 0; i < 2; i++)
      g_assert_true (ts_trainer_step (b, NULL, NULL, &error));
    g_assert_true (ts_trainer_save_checkpoint (b, path, &error));
    g_assert_no_error (error);
  }
  g_autoptr (TsTrainer) r = ts_trainer_resume (path, train, val, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 2; i++)
    g_assert_true (ts_trainer_step (r, NULL, NULL, &error));
  const TsTrainState *sa = ts_trainer_state (a), *sr = ts_trainer_state (r);
  g_assert_cmpint (sr->config.colour_form, ==, TS_COLOUR_FORM_JOINT);
  g_assert_cmpint (sa->step, ==, sr->step);
  g_assert_cmpmem (sa->rng, sizeof sa->rng, sr->rng, sizeof sr->rng);
  const TsModel *ma = sa->model, *mr = sr->model;
  gsize s = (gsize) ma->atom_size * ma->atom_size;
  g_assert_cmpmem (ma->atoms, sizeof (float) * ma->n_atoms * s, mr->atoms,
                   sizeof (float) * mr->n_atoms * s);
  g_assert_cmpmem (ma->lambda_scaling, sizeof (float) * ma->n_atoms, mr->lambda_scaling,
                   sizeof (float) * mr->n_atoms);
  g_assert_true (ma->beta == mr->beta);
  g_assert_true (ma->chroma_weight == mr->chroma_weight);
  g_assert_cmpmem (sa->adam_m, sizeof (double) * sa->n_params, sr->adam_m,
                   sizeof (double) * sr->n_params);
  g_assert_cmpmem (sa->adam_v, sizeof (double) * sa->n_params, sr->adam_v,
                   sizeof (double) * sr->n_params);
  /* The chroma weight was learned, and the exported model keeps the form. */
  g_assert_true (ma->chroma_weight != 0.5);
  g_autoptr (TsModel) out = ts_trainer_export_model (a, "joint", NULL);
  g_assert_cmpint (out->colour_form, ==, TS_COLOUR_FORM_JOINT);
  g_assert_true (out->chroma_weight == ma->chroma_weight);
}

/* A fine-tune from a grayscale model: its atoms, the joint form, the configured weight. */
static void
test_from_grayscale (void)
{
  g_autoptr (GPtrArray) train = rgb_images (3, 24, 4);
  TsTrainConfig c;
  joint_config (&c);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsModel) start = ts_train_initial_model (&c, train, TS_TRAIN_INIT_PATCHES, &error);
  g_assert_no_error (error);
  start->colour_form = TS_COLOUR_FORM_PLANES;
  g_autoptr (TsTrainer) t = ts_trainer_new (&c, start, train, NULL, &error);
  g_assert_no_error (error);
  const TsModel *m = ts_trainer_state (t)->model;
  g_assert_cmpint (m->colour_form, ==, TS_COLOUR_FORM_JOINT);
  g_assert_cmpfloat (m->chroma_weight, ==, 0.5);
  g_assert_cmpmem (m->atoms, sizeof (float) * 12 * 25, start->atoms, sizeof (float) * 12 * 25);
  g_assert_true (ts_trainer_step (t, NULL, NULL, &error));
  g_assert_no_error (error);
}

/* What the joint form refuses, with messages that say why. */
static void
test_refusals (void)
{
  g_autoptr (GError) error = NULL;
  TsTrainConfig c;
  joint_config (&c);
  c.iterations = 10;
  g_assert_false (ts_train_config_validate (&c, &error));
  g_assert_nonnull (strstr (error->message, "joint colour form"));
  g_clear_error (&error);
  joint_config (&c);
  c.prox_type = TS_PROX_CPR;
  c.groupsize = 2;
  g_assert_false (ts_train_config_validate (&c, &error));
  g_assert_nonnull (strstr (error->message, "joint colour form"));
  g_clear_error (&error);
  joint_config (&c);
  c.chroma_weight_init = 0.0;
  g_assert_false (ts_train_config_validate (&c, &error));
  g_clear_error (&error);
  /* Grayscale training images. */
  joint_config (&c);
  g_autoptr (GPtrArray) gray = g_ptr_array_new_with_free_func ((GDestroyNotify) ts_image_free);
  g_ptr_array_add (gray, ts_image_new (24, 24, 1, NULL));
  g_autoptr (TsTrainer) t = ts_trainer_new (&c, NULL, gray, NULL, &error);
  g_assert_null (t);
  g_assert_nonnull (strstr (error->message, "RGB"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train-joint/state-vjp-ncpr", test_state_vjp_ncpr);
  g_test_add_func ("/train-joint/state-vjp-cpr", test_state_vjp_cpr);
  g_test_add_func ("/train-joint/params-vjp", test_params_vjp);
  g_test_add_func ("/train-joint/gradient-ncpr", test_train_gradient_ncpr);
  g_test_add_func ("/train-joint/gradient-cpr", test_train_gradient_cpr);
  g_test_add_func ("/train-joint/resume-exact", test_resume_exact);
  g_test_add_func ("/train-joint/from-grayscale", test_from_grayscale);
  g_test_add_func ("/train-joint/refusals", test_refusals);
  return g_test_run ();
}
