/* Bilevel training (MODEL.md "Training"); see ts-train.h and ts-train-private.h.
 * Per crop: inner solve -> fixed point z* = (x*, c*); adjoint g = (df/dz)^T g + dloss/dz by
 * Anderson acceleration; (df/dtheta)^T g through one PALM step; then the derived-quantity
 * tape pulls the gradients of D, k_P, L and b back to the raw parameters. Crops run on
 * `threads` workers; per-crop results are summed in crop order, so a step's result does not
 * depend on scheduling (resume is bit for bit). */
#include "ts-train-private.h"
#include "ts-blas.h"
#include "ts-random.h"
#include "ts-anderson.h"
#include "ts-checkpoint.h"
#include "ts-derived-grad.h"
#include "ts-dictionary-learning.h"
#include "ts-error.h"
#include "ts-metrics.h"
#include "ts-noise.h"
#include "ts-operator.h"
#include "ts-palm-adjoint.h"
#include "ts-palm-grad.h"
#include "ts-palm-joint.h"
#include "ts-solver-joint.h"
#include "ts-colour.h"
#include "ts-solver.h"
#include "ts-linalg.h"
#include "ts-unrolled.h"
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ANDERSON_MEMORY 5
#define EXACT_TOL 1e-13
#define EXACT_MAX_ITER 200000
#define ADAM_BETA1 0.9
#define ADAM_BETA2 0.999
#define ADAM_EPS 1e-8
#define VALIDATION_SEED 0x7e55e7aULL
#define INIT_SEED_SALT 0x1417ULL
#define PCA_PATCHES 200000
/* The learned start (issue 24; docs/training.md "A start with structure"). */
#define DICT_PATCHES 100000
#define DICT_SPARSITY 4
#define DICT_BATCH 256
#define DICT_PASSES 3
#define DICT_LOWPASS_SIGMA 1.0
#define DICT_WINDOW_SIGMA 2.5

/* ---------------------------------------------------------------- one crop */

typedef struct {
  const TsPalmParams *P;
  const double *v;     /* prox argument at the fixed point */
  const double *dprox; /* its derivative (groupsize 1), or NULL */
  const double *r;     /* dloss/dx (the c part of dloss/dz is 0) */
  double *scratch;
  gsize N;
} AdjointMap;

static void
adjoint_map_float (const float *in, float *out, gpointer data)
{
  const TsPalmAdjoint *adjoint = ((gpointer *) data)[0];
  const float *r = ((gpointer *) data)[1];
  ts_palm_adjoint_apply (adjoint, in, out, r);
}

static void
adjoint_map (const double *in, double *out, gpointer data)
{
  const AdjointMap *m = data;
  ts_palm_vjp_state (m->P, m->v, m->dprox, in, in + m->N, out, out + m->N, TRUE, m->scratch);
  for (gsize i = 0; i < m->N; i++)
    out[i] += m->r[i];
}

typedef struct {
  double loss;         /* sum |x* - clean| over the crop */
  TsPalmGrad grad;
  int inner_iterations;
  TsAndersonStats adjoint;
  double forward_seconds, adjoint_seconds, gradient_seconds;
  double g_weight;     /* joint colour form: w.r.t. the chroma weight */
  GError *error;
} CropResult;

/* A crop whose solve or gradient is not finite is dropped from its step (batch_collect), not
 * the training: one diverging crop of sixteen used to end a run. */
static void
check_crop_finite (CropResult *res, int K, int s, int kp)
{
  gboolean finite = isfinite (res->loss) && isfinite (res->grad.b) && isfinite (res->grad.L)
                    && isfinite (res->grad.eta) && isfinite (res->g_weight);
  for (gsize j = 0; finite && j < (gsize) K * s; j++)
    finite = isfinite (res->grad.D[j]);
  for (int j = 0; finite && j < kp * kp; j++)
    finite = isfinite (res->grad.kernel[j]);
  for (int j = 0; finite && j < K; j++)
    finite = isfinite (res->grad.log_t[j]);
  if (!finite)
    g_set_error (&res->error, TS_ERROR, TS_ERROR_DIVERGED,
                 "the crop's loss or gradient is not finite");
}

typedef struct {
  const TsModel *model;
  const TsTrainConfig *config;
  const TsTrainBatch *batch;
  const TsRegulariser *prox;    /* float, for the fast solver */
  const TsPalmParams *P;
  gboolean exact;
  double scale;                 /* 1 / (crops * pixels): the mean in the loss */
  CropResult *results;
  gint next;
  const gint *cancel;
  int planes;                   /* 1, or 3 for the joint colour form */
  double chroma_weight;         /* the joint colour form's w */
} BatchJob;

/* iPALM in double from x = y, c = 0 (MODEL.md), to a relative change of EXACT_TOL; `planes`
 * 3 solves the joint colour form's planes together (ts-palm-joint.h) with chroma weight w. */
static gboolean
solve_exact (const TsPalmParams *P, int planes, double w, const double *y, double *x, double *c,
             int *iterations, GError **error)
{
  gsize N = (gsize) P->width * P->height * planes, KN = (gsize) P->K * N;
  double *x_prev = g_new (double, N), *c_prev = g_new0 (double, KN);
  double *x_t = g_new (double, N), *c_t = g_new (double, KN);
  double *x_new = g_new (double, N), *c_new = g_new (double, KN);
  memcpy (x, y, sizeof (double) * N);
  memcpy (x_prev, y, sizeof (double) * N);
  memset (c, 0, sizeof (double) * KN);
  gboolean ok = FALSE;
  int k;
  for (k = 1; k <= EXACT_MAX_ITER; k++)
    {
      double a = (k - 1.0) / (k + 2.0);
      for (gsize i = 0; i < N; i++)
        x_t[i] = x[i] + a * (x[i] - x_prev[i]);
      for (gsize i = 0; i < KN; i++)
        c_t[i] = c[i] + a * (c[i] - c_prev[i]);
      if (planes == TS_JOINT_PLANES)
        ts_palm_joint_step (P, w, y, x, c_t, x_t, x_new, c_new, NULL);
      else
        ts_palm_step (P, y, x, c_t, x_t, x_new, c_new, NULL);
      double num = 0.0, den = 0.0;
      for (gsize i = 0; i < N; i++)
        {
          num += (x_new[i] - x[i]) * (x_new[i] - x[i]);
          den += x[i] * x[i];
        }
      memcpy (x_prev, x, sizeof (double) * N);
      memcpy (x, x_new, sizeof (double) * N);
      memcpy (c_prev, c, sizeof (double) * KN);
      memcpy (c, c_new, sizeof (double) * KN);
      double change = sqrt (num / MAX (den, 1e-300));
      if (!isfinite (change))
        break;
      if (change <= EXACT_TOL)
        {
          ok = TRUE;
          break;
        }
    }
  *iterations = k;
  if (!ok)
    g_set_error (error, TS_ERROR, TS_ERROR_DIVERGED,
                 "the exact inner solve did not converge (%d iterations)", k);
  g_free (x_prev);
  g_free (c_prev);
  g_free (x_t);
  g_free (c_t);
  g_free (x_new);
  g_free (c_new);
  return ok;
}

static void
crop_gradient (BatchJob *job, int index, CropResult *res)
{
  const TsPalmParams *P = job->P;
  const TsTrainConfig *cfg = job->config;
  int W = P->width, H = P->height, K = P->K, kp = 2 * P->p - 1;
  gsize N = (gsize) W * H, KN = (gsize) K * N;
  const float *clean = job->batch->clean[index], *noisy = job->batch->noisy[index];
  double *y = g_new (double, N), *x = g_new (double, N), *c = g_new (double, KN);
  for (gsize i = 0; i < N; i++)
    y[i] = noisy[i];

  gint64 t0 = g_get_monotonic_time ();
  if (cfg->iterations > 0)
    {
      /* Budget: forward K steps and back through them, no fixed point, no adjoint. */
      res->grad.D = g_new0 (double, (gsize) K * P->s);
      res->grad.kernel = g_new0 (double, (gsize) kp * kp);
      res->grad.log_t = g_new0 (double, K);
      res->loss = ts_unrolled_l1_gradient (P, y, clean, cfg->iterations, job->scale, &res->grad,
                                           NULL);
      res->inner_iterations = cfg->iterations;
      res->forward_seconds = (g_get_monotonic_time () - t0) / 1e6;
      check_crop_finite (res, K, P->s, kp);
      goto out;
    }
  /* Forward: the inner solution. */
  if (job->exact)
    {
      if (!solve_exact (P, 1, 1.0, y, x, c, &res->inner_iterations, &res->error))
        goto out;
    }
  else
    {
      TsSolveOptions o;
      ts_solve_options_init (&o);
      o.tol = cfg->tol;
      o.max_iter = cfg->max_iter;
      o.threads = 1;
      g_autoptr (TsOperator) op = ts_operator_identity_new (W, H);
      TsSolveStats st;
      g_autoptr (TsSolution) sol = ts_solve (op, job->prox, noisy, &o, NULL, NULL, NULL,
                                             job->cancel, &st, &res->error);
      if (sol == NULL)
        goto out;
      res->inner_iterations = st.iterations;
      for (gsize i = 0; i < N; i++)
        x[i] = sol->x->data[i];
      for (gsize i = 0; i < KN; i++)
        c[i] = sol->c[i];
    }
  gint64 t1 = g_get_monotonic_time ();
  res->forward_seconds = (t1 - t0) / 1e6;

  /* Adjoint: g = (df/dz)^T g + dloss/dz, dloss/dx = sign(x - clean) / (crops * pixels). */
  double *r = g_new (double, N);
  double *v = g_new (double, KN);
  double *x1 = g_new (double, N), *c1 = g_new (double, KN);
  ts_palm_step (P, y, x, c, x, x1, c1, v);
  res->loss = 0.0;
  for (gsize i = 0; i < N; i++)
    {
      double e = x[i] - clean[i];
      res->loss += fabs (e);
      r[i] = (e > 0.0 ? 1.0 : e < 0.0 ? -1.0 : 0.0) * job->scale;
    }
  double *g = g_new0 (double, N + KN);
  if (job->exact)
    {
      /* Tests: double precision throughout, to a tight tolerance. */
      memcpy (g, r, sizeof (double) * N);   /* F(0) */
      double *dprox = NULL;
      if (P->prox_type == TS_PROX_NCPR || P->groupsize == 1)
        {
          dprox = g_new (double, KN);
          ts_palm_prox_derivative (P, v, dprox);
        }
      double *scratch = g_new (double, ts_palm_scratch_doubles (P));
      AdjointMap map = { P, v, dprox, r, scratch, N };
      ts_anderson_solve (adjoint_map, &map, g, N + KN, ANDERSON_MEMORY, 1e-12, 2000,
                         &res->adjoint);
      g_free (dprox);
      g_free (scratch);
    }
  else
    {
      /* Training: float32 (the residual stagnates near 1e-3 anyway, docs/training.md). */
      g_autoptr (TsPalmAdjoint) adjoint = ts_palm_adjoint_new (P, v);
      float *gf = g_new0 (float, N + KN), *rf = g_new (float, N);
      for (gsize i = 0; i < N; i++)
        gf[i] = rf[i] = (float) r[i];
      gpointer data[2] = { adjoint, rf };
      ts_anderson_solve_f (adjoint_map_float, data, gf, N + KN, ANDERSON_MEMORY, cfg->adjoint_tol,
                           cfg->adjoint_max_iter, &res->adjoint);
      for (gsize i = 0; i < N + KN; i++)
        g[i] = gf[i];
      g_free (gf);
      g_free (rf);
    }
  gint64 t2 = g_get_monotonic_time ();
  res->adjoint_seconds = (t2 - t1) / 1e6;

  /* Parameter gradient through one step. */
  res->grad.D = g_new0 (double, (gsize) K * P->s);
  res->grad.kernel = g_new0 (double, (gsize) kp * kp);
  res->grad.log_t = g_new0 (double, K);
  ts_palm_vjp_params (P, y, x, c, g, g + N, &res->grad);
  res->gradient_seconds = (g_get_monotonic_time () - t2) / 1e6;
  check_crop_finite (res, K, P->s, kp);

  g_free (r);
  g_free (v);
  g_free (x1);
  g_free (c1);
  g_free (g);
out:
  g_free (y);
  g_free (x);
  g_free (c);
}

/* The adjoint map of the joint colour form, in double: g -> (df/dz)^T g + dloss/dz. */
typedef struct {
  const TsPalmParams *P;
  double chroma_weight;
  const double *v;     /* prox argument at the fixed point, 3 x K x N */
  const double *r;     /* dloss/dx, 3 x N */
  gsize N3;            /* 3 x N */
} JointAdjointMap;

static void
joint_adjoint_map (const double *in, double *out, gpointer data)
{
  const JointAdjointMap *m = data;
  ts_palm_joint_vjp_state (m->P, m->chroma_weight, m->v, in, in + m->N3, out, out + m->N3);
  for (gsize i = 0; i < m->N3; i++)
    out[i] += m->r[i];
}

/* One crop of the joint colour form (batch->planes == 3): the three opponent planes solved
 * together, the L1 loss in RGB, the adjoint in double (the joint prox's Jacobian couples the
 * planes, which the float adjoint's cached diagonal cannot hold), the parameter gradient with
 * the chroma weight's. */
static void
crop_gradient_joint (BatchJob *job, int index, CropResult *res)
{
  const TsPalmParams *P = job->P;
  const TsTrainConfig *cfg = job->config;
  int W = P->width, H = P->height, K = P->K, kp = 2 * P->p - 1;
  gsize N = (gsize) W * H, N3 = TS_JOINT_PLANES * N, KN3 = (gsize) K * N3;
  const float *clean = job->batch->clean[index], *noisy = job->batch->noisy[index];
  double *y = g_new (double, N3), *x = g_new (double, N3), *c = g_new (double, KN3);
  for (gsize i = 0; i < N3; i++)
    y[i] = noisy[i];

  gint64 t0 = g_get_monotonic_time ();
  if (job->exact)
    {
      if (!solve_exact (P, TS_JOINT_PLANES, job->chroma_weight, y, x, c, &res->inner_iterations,
                        &res->error))
        goto out;
    }
  else
    {
      TsSolveOptions o;
      ts_solve_options_init (&o);
      o.tol = cfg->tol;
      o.max_iter = cfg->max_iter;
      o.threads = 1;
      g_autoptr (TsOperator) op = ts_operator_identity_new (W, H);
      const float *data[TS_JOINT_PLANES] = { noisy, noisy + N, noisy + 2 * N };
      TsSolution *sols[TS_JOINT_PLANES];
      TsSolveStats st;
      if (!ts_solve_joint (op, job->prox, data, &o, NULL, NULL, NULL, job->cancel, &st, sols,
                           &res->error))
        goto out;
      res->inner_iterations = st.iterations;
      for (int q = 0; q < TS_JOINT_PLANES; q++)
        {
          for (gsize i = 0; i < N; i++)
            x[q * N + i] = sols[q]->x->data[i];
          for (gsize i = 0; i < (gsize) K * N; i++)
            c[q * (gsize) K * N + i] = sols[q]->c[i];
          ts_solution_free (sols[q]);
        }
    }
  gint64 t1 = g_get_monotonic_time ();
  res->forward_seconds = (t1 - t0) / 1e6;

  /* The loss in RGB: rgb_k = sum_q A_qk x_q (A the orthonormal opponent basis, its inverse
   * A^T), so dloss/dx_q = sum_k A_qk sign (rgb_k - clean_rgb_k) / (crops * pixels * 3). */
  double *r = g_new0 (double, N3), *v = g_new (double, KN3);
  double *x1 = g_new (double, N3), *c1 = g_new (double, KN3);
  ts_palm_joint_step (P, job->chroma_weight, y, x, c, x, x1, c1, v);
  res->loss = 0.0;
  for (gsize i = 0; i < N; i++)
    for (int k = 0; k < 3; k++)
      {
        double e = 0.0;
        for (int q = 0; q < TS_JOINT_PLANES; q++)
          e += ts_colour_opponent_basis[q][k] * (x[q * N + i] - clean[q * N + i]);
        res->loss += fabs (e);
        double sign = (e > 0.0 ? 1.0 : e < 0.0 ? -1.0 : 0.0) * job->scale;
        for (int q = 0; q < TS_JOINT_PLANES; q++)
          r[q * N + i] += ts_colour_opponent_basis[q][k] * sign;
      }
  double *g = g_new0 (double, N3 + KN3);
  memcpy (g, r, sizeof (double) * N3);   /* F(0) */
  JointAdjointMap map = { P, job->chroma_weight, v, r, N3 };
  ts_anderson_solve (joint_adjoint_map, &map, g, N3 + KN3, ANDERSON_MEMORY,
                     job->exact ? 1e-12 : cfg->adjoint_tol, job->exact ? 2000 : cfg->adjoint_max_iter,
                     &res->adjoint);
  gint64 t2 = g_get_monotonic_time ();
  res->adjoint_seconds = (t2 - t1) / 1e6;

  res->grad.D = g_new0 (double, (gsize) K * P->s);
  res->grad.kernel = g_new0 (double, (gsize) kp * kp);
  res->grad.log_t = g_new0 (double, K);
  ts_palm_joint_vjp_params (P, job->chroma_weight, y, x, c, g, g + N3, &res->grad,
                            &res->g_weight);
  res->gradient_seconds = (g_get_monotonic_time () - t2) / 1e6;
  check_crop_finite (res, K, P->s, kp);
  g_free (r);
  g_free (v);
  g_free (x1);
  g_free (c1);
  g_free (g);
out:
  g_free (y);
  g_free (x);
  g_free (c);
}

static gpointer
batch_worker (gpointer data)
{
  BatchJob *job = data;
  for (;;)
    {
      int i = g_atomic_int_add (&job->next, 1);
      if (i >= job->batch->n)
        break;
      if (job->cancel != NULL && g_atomic_int_get (job->cancel))
        {
          g_set_error (&job->results[i].error, TS_ERROR, TS_ERROR_CANCELLED, "cancelled");
          continue;
        }
      if (job->planes == TS_JOINT_PLANES)
        crop_gradient_joint (job, i, &job->results[i]);
      else
        crop_gradient (job, i, &job->results[i]);
    }
  return NULL;
}

static void
palm_params_from_tape (TsPalmParams *P, const TsDerivedTape *tape, const TsModel *model,
                       int width, int height, double lp)
{
  memset (P, 0, sizeof *P);
  P->width = width;
  P->height = height;
  P->K = tape->K;
  P->s = tape->s;
  P->p = tape->p;
  P->rank = tape->rank;
  P->b = tape->b;
  P->L = 1.01 * tape->b * lp;
  P->lambda = model->lambda;
  P->prox_type = model->prox_type;
  P->groupsize = model->prox_type == TS_PROX_CPR ? model->groupsize : 1;
  P->order = model->order;
  P->D = tape->D;
  P->U = tape->U;
  P->B = tape->B;
  P->kernel = tape->kernel;
  P->t = tape->threshold_scale;
  P->eta = model->step_scale;
}

/* Sums the crops' results in crop order and pulls the gradient back to the raw parameters
 * (atoms, free atoms, lambda scalings, beta: `grad`); the loss, or NAN with the first
 * crop's error. Crops that diverged are left out and the others' mean taken (their sums
 * scaled by n / kept), unless more than half of the batch diverged. */
static double
batch_collect (BatchJob *job, const TsDerivedTape *tape, double lp, int threads, double *grad,
               TsTrainStepStats *stats, GError **error)
{
  const TsTrainBatch *batch = job->batch;
  int W = batch->width, H = batch->height, K = tape->K, kp = 2 * tape->p - 1;
  double loss = 0.0;
  gsize ks = (gsize) K * tape->s;
  double *gD = g_new0 (double, ks), *gk = g_new0 (double, (gsize) kp * kp);
  double *glogt = g_new0 (double, K);
  double gb = 0.0, gL = 0.0, geta = 0.0, gweight = 0.0;
  TsTrainStepStats st = { 0 };
  GError *first_error = NULL, *first_divergence = NULL;
  int diverged = 0;
  for (int i = 0; i < batch->n; i++)
    {
      CropResult *res = &job->results[i];
      gboolean dropped = g_error_matches (res->error, TS_ERROR, TS_ERROR_DIVERGED);
      if (res->error != NULL)
        {
          GError **keep = dropped ? &first_divergence : &first_error;
          if (*keep == NULL)
            *keep = res->error;
          else
            g_error_free (res->error);
          res->error = NULL;
        }
      diverged += dropped;
      if (!dropped && first_error == NULL)
        {
          loss += res->loss;
          for (gsize j = 0; j < ks; j++)
            gD[j] += res->grad.D[j];
          for (int j = 0; j < kp * kp; j++)
            gk[j] += res->grad.kernel[j];
          for (int j = 0; j < K; j++)
            glogt[j] += res->grad.log_t[j];
          gb += res->grad.b;
          gL += res->grad.L;
          geta += res->grad.eta;
          gweight += res->g_weight;
          st.forward_seconds += res->forward_seconds;
          st.adjoint_seconds += res->adjoint_seconds;
          st.gradient_seconds += res->gradient_seconds;
          st.mean_inner_iterations += res->inner_iterations;
          st.mean_adjoint_iterations += res->adjoint.iterations;
          if (job->config->iterations == 0 && !res->adjoint.converged)
            st.adjoint_unconverged++;
          st.adjoint_worst_residual = MAX (st.adjoint_worst_residual, res->adjoint.residual);
        }
      g_free (res->grad.D);
      g_free (res->grad.kernel);
      g_free (res->grad.log_t);
    }
  int kept = batch->n - diverged;
  if (first_error == NULL && 2 * diverged > batch->n)
    {
      first_error = g_error_new (TS_ERROR, TS_ERROR_DIVERGED, "%d of the %d crops diverged (%s)",
                                 diverged, batch->n, first_divergence->message);
    }
  g_clear_error (&first_divergence);
  if (first_error == NULL && diverged > 0)
    {
      /* The mean over the kept crops: each crop's gradient carries 1 / (n pixels). */
      double f = (double) batch->n / kept;
      loss *= f;
      for (gsize j = 0; j < ks; j++)
        gD[j] *= f;
      for (int j = 0; j < kp * kp; j++)
        gk[j] *= f;
      for (int j = 0; j < K; j++)
        glogt[j] *= f;
      gb *= f;
      gL *= f;
      geta *= f;
      gweight *= f;
    }
  double result = NAN;
  if (first_error != NULL)
    g_propagate_error (error, first_error);
  else
    {
      /* L = 1.01 b L_P(k_P): dL/db = 1.01 L_P, dL/dk_P = 1.01 b dL_P/dk_P. */
      gb += 1.01 * lp * gL;
      ts_kernel_dft_max_grad (tape->kernel, tape->p, W, H, 1.01 * tape->b * gL, gk);
      gsize M = (gsize) tape->M * tape->s;
      double *g_atoms = grad, *g_free = grad + ks, *g_scaling = g_free + M;
      double g_beta = 0.0;
      ts_derived_tape_vjp (tape, gD, gk, gb, g_atoms, g_free, &g_beta);
      for (int j = 0; j < K; j++)
        g_scaling[j] = glogt[j];
      g_scaling[K] = g_beta;
      if (job->config->exact_image_step)
        g_scaling[K + 1] = geta;
      /* The chroma weight is learned as its log: d/d log w = w d/dw. */
      if (job->planes == TS_JOINT_PLANES)
        g_scaling[K + 1 + (job->config->exact_image_step ? 1 : 0)] = job->chroma_weight * gweight;
      result = loss * job->scale;
      if (stats != NULL)
        {
          double n = kept;
          stats->loss = result;
          stats->diverged_crops = diverged;
          /* Per-crop times summed over workers: report them as wall-time shares. */
          double busy = st.forward_seconds + st.adjoint_seconds + st.gradient_seconds;
          double f = busy > 0.0 ? 1.0 / threads : 0.0;
          stats->forward_seconds = st.forward_seconds * f;
          stats->adjoint_seconds = st.adjoint_seconds * f;
          stats->gradient_seconds = st.gradient_seconds * f;
          stats->mean_inner_iterations = st.mean_inner_iterations / n;
          stats->mean_adjoint_iterations = st.mean_adjoint_iterations / n;
          stats->adjoint_unconverged = st.adjoint_unconverged;
          stats->adjoint_worst_residual = st.adjoint_worst_residual;
        }
    }
  g_free (gD);
  g_free (gk);
  g_free (glogt);
  return result;
}

static double
batch_run (const TsModel *model, const TsTrainConfig *config, const TsTrainBatch *batch,
           gboolean exact, double *grad, const gint *cancel, TsTrainStepStats *stats,
           GError **error)
{
  /* Crops are spread over our own threads; OpenBLAS stays single-threaded inside them, set
   * before the first product so that a step's result does not depend on what ran before. */
  ts_blas_set_threads (1);
  g_autoptr (TsDerivedTape) tape = ts_derived_tape_new (model, error);
  if (tape == NULL)
    return NAN;
  if (!(tape->b > 0.0))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "training needs beta > 0 (got %g): the image step is undefined", model->beta);
      return NAN;
    }
  int W = batch->width, H = batch->height;
  if (model->prox_type == TS_PROX_CPR && model->groupsize == 2 && (W % 2 || H % 2))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "2x2 groups need even crop sizes (got %d x %d)", W, H);
      return NAN;
    }
  double lp = ts_kernel_dft_max_grad (tape->kernel, tape->p, W, H, 0.0, NULL);
  TsPalmParams P;
  palm_params_from_tape (&P, tape, model, W, H, lp);
  g_autoptr (TsSmoothInverse) smooth = NULL;
  if (config->exact_image_step)
    P.smooth = smooth = ts_smooth_inverse_new (tape->kernel, tape->p, tape->b, W, H);
  /* Denoising: the crops' operator is H = I, in the forward variant. */
  g_autoptr (TsRegulariser) prox = NULL;
  if (!exact)
    {
      g_autoptr (TsOperator) op = ts_operator_identity_new (W, H);
      prox = ts_regulariser_new (model, op, NAN, NAN, error);
      if (prox == NULL)
        return NAN;
    }

  int planes = model->colour_form == TS_COLOUR_FORM_JOINT ? TS_JOINT_PLANES : 1;
  /* The mean in the loss: over the RGB values in the joint colour form. */
  BatchJob job = { model, config, batch, prox, &P, exact,
                   1.0 / ((double) batch->n * W * H * planes), g_new0 (CropResult, batch->n), 0,
                   cancel, planes, model->chroma_weight };
  int threads = CLAMP (config->threads, 1, batch->n);
  GThread **workers = g_new0 (GThread *, threads);
  for (int t = 1; t < threads; t++)
    workers[t] = g_thread_new ("tessera-train", batch_worker, &job);
  batch_worker (&job);
  for (int t = 1; t < threads; t++)
    g_thread_join (workers[t]);
  g_free (workers);

  double result = batch_collect (&job, tape, lp, threads, grad, stats, error);
  g_free (job.results);
  return result;
}

double
ts_train_batch_gradient (const TsModel *model, const TsTrainConfig *config,
                         const TsTrainBatch *batch, gboolean exact, double *grad,
                         const gint *cancel, TsTrainStepStats *stats, GError **error)
{
  g_return_val_if_fail (model != NULL && config != NULL && batch != NULL && grad != NULL, NAN);
  return batch_run (model, config, batch, exact, grad, cancel, stats, error);
}

/* sum |rgb - clean_rgb| of a joint crop's planes (3 x n, opponent basis). */
static double
rgb_l1 (const double *x, const float *clean, gsize n)
{
  double loss = 0.0;
  for (gsize i = 0; i < n; i++)
    for (int k = 0; k < 3; k++)
      {
        double e = 0.0;
        for (int q = 0; q < TS_JOINT_PLANES; q++)
          e += ts_colour_opponent_basis[q][k] * (x[q * n + i] - clean[q * n + i]);
        loss += fabs (e);
      }
  return loss;
}

double
ts_train_batch_loss_exact (const TsModel *model, const TsTrainConfig *config,
                           const TsTrainBatch *batch, GError **error)
{
  g_autoptr (TsDerivedTape) tape = ts_derived_tape_new (model, error);
  if (tape == NULL)
    return NAN;
  int W = batch->width, H = batch->height;
  double lp = ts_kernel_dft_max_grad (tape->kernel, tape->p, W, H, 0.0, NULL);
  TsPalmParams P;
  palm_params_from_tape (&P, tape, model, W, H, lp);
  g_autoptr (TsSmoothInverse) smooth = NULL;
  if (config->exact_image_step)
    P.smooth = smooth = ts_smooth_inverse_new (tape->kernel, tape->p, tape->b, W, H);
  int planes = model->colour_form == TS_COLOUR_FORM_JOINT ? TS_JOINT_PLANES : 1;
  gsize N = (gsize) W * H * planes;
  double *y = g_new (double, N), *x = g_new (double, N);
  double *c = g_new (double, (gsize) P.K * N);
  double loss = 0.0;
  for (int i = 0; i < batch->n && !isnan (loss); i++)
    {
      for (gsize j = 0; j < N; j++)
        y[j] = batch->noisy[i][j];
      int its;
      if (config->iterations > 0)
        {
          /* The budget's loss: K steps (the gradient is not used here). */
          TsPalmGrad unused = { g_new0 (double, (gsize) P.K * P.s),
                                g_new0 (double, (gsize) (2 * P.p - 1) * (2 * P.p - 1)),
                                g_new0 (double, P.K), 0, 0, 0 };
          loss += ts_unrolled_l1_gradient (&P, y, batch->clean[i], config->iterations, 0.0,
                                           &unused, NULL);
          g_free (unused.D);
          g_free (unused.kernel);
          g_free (unused.log_t);
        }
      else if (!solve_exact (&P, planes, model->chroma_weight, y, x, c, &its, error))
        loss = NAN;
      else if (planes == TS_JOINT_PLANES)
        loss += rgb_l1 (x, batch->clean[i], N / planes);
      else
        for (gsize j = 0; j < N; j++)
          loss += fabs (x[j] - batch->clean[i][j]);
    }
  g_free (y);
  g_free (x);
  g_free (c);
  return loss / ((double) batch->n * N);   /* N counts the planes: the mean over RGB values */
}

/* ---------------------------------------------------------------- the trainer */

struct TsTrainer {
  TsTrainState *state;
  GPtrArray *train, *val;   /* borrowed TsImage * */
};

guint64
ts_train_data_fingerprint (GPtrArray *images)
{
  /* FNV-1a over sizes and pixel bytes. */
  guint64 h = 0xcbf29ce484222325ULL;
  for (guint i = 0; i < images->len; i++)
    {
      const TsImage *im = g_ptr_array_index (images, i);
      gint32 dims[3] = { im->width, im->height, im->channels };
      const guint8 *bytes[2] = { (const guint8 *) dims, (const guint8 *) im->data };
      gsize lens[2] = { sizeof dims, sizeof (float) * im->width * im->height * im->channels };
      for (int k = 0; k < 2; k++)
        for (gsize j = 0; j < lens[k]; j++)
          {
            h ^= bytes[k][j];
            h *= 0x100000001b3ULL;
          }
    }
  return h;
}

/* Training images are grayscale, or RGB for the joint colour form (`channels` 1 or 3). */
static gboolean
check_images (GPtrArray *images, const char *what, int crop, gboolean need_crop, int channels,
              GError **error)
{
  if (images == NULL || images->len == 0)
    {
      if (!need_crop)
        return TRUE;
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "no %s images", what);
      return FALSE;
    }
  for (guint i = 0; i < images->len; i++)
    {
      const TsImage *im = g_ptr_array_index (images, i);
      if (im->channels != channels)
        {
          if (channels == 1)
            g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                         "%s image %u has %d channels; training uses grayscale", what, i + 1,
                         im->channels);
          else
            g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                         "%s image %u has %d channels; the joint colour form trains on RGB",
                         what, i + 1, im->channels);
          return FALSE;
        }
      if (need_crop && (im->width < crop || im->height < crop))
        {
          g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                       "%s image %u (%d x %d) is smaller than the %d x %d crops", what, i + 1,
                       im->width, im->height, crop, crop);
          return FALSE;
        }
    }
  return TRUE;
}

/* The channels of the training images: 3 (RGB) for the joint colour form. */
static int
config_channels (const TsTrainConfig *c)
{
  return c->colour_form == TS_COLOUR_FORM_JOINT ? 3 : 1;
}

static int
derived_steps_per_epoch (const TsTrainConfig *c, GPtrArray *train)
{
  /* One pass = every training image's area once, in crops. */
  gint64 crops = 0;
  for (guint i = 0; i < train->len; i++)
    {
      const TsImage *im = g_ptr_array_index (train, i);
      crops += (gint64) (im->width / c->crop) * (im->height / c->crop);
    }
  return (int) MAX (1, (crops + c->batch - 1) / c->batch);
}

TsTrainer *
ts_trainer_new (const TsTrainConfig *config, const TsModel *init, GPtrArray *train,
                GPtrArray *val, GError **error)
{
  g_return_val_if_fail (config != NULL, NULL);
  int channels = config_channels (config);
  if (!ts_train_config_validate (config, error)
      || !check_images (train, "training", config->crop, TRUE, channels, error)
      || !check_images (val, "validation", config->crop, FALSE, channels, error))
    return NULL;
  /* MODEL.md: two passes over the data, the learning rate decayed ten times per pass. A pass
   * is every training image's area once in crops, unless the number of steps is given: then
   * the run is two passes of steps / 2, so the schedule always ends at decay^20. */
  TsTrainConfig c = *config;
  if (c.steps_per_epoch <= 0)
    c.steps_per_epoch = c.steps > 0 ? MAX (1, c.steps / 2) : derived_steps_per_epoch (&c, train);
  if (c.steps <= 0)
    c.steps = 2 * c.steps_per_epoch;

  TsRandom rng_state;
  TsRandom *rng = &rng_state;
  ts_random_seed (rng, c.seed);
  g_autoptr (TsModel) model = NULL;
  if (init != NULL)
    {
      if (init->n_atoms != c.n_atoms || init->n_free != c.n_free || init->atom_size != c.atom_size)
        {
          g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                       "initial model %s has %d atoms, %d free atoms of size %d; training asks for %d, %d, %d",
                       init->name, init->n_atoms, init->n_free, init->atom_size, c.n_atoms,
                       c.n_free, c.atom_size);
          return NULL;
        }
      model = ts_model_copy (init);
    }
  else if ((model = ts_train_initial_model (&c, train, TS_TRAIN_INIT_RANDOM, error)) == NULL)
    return NULL;
  model->prox_type = c.prox_type;
  model->groupsize = c.prox_type == TS_PROX_CPR ? c.groupsize : 1;
  model->order = c.order;
  model->lambda = c.lambda;
  model->sigma = c.sigma;
  model->tol = c.tol;
  model->iterations = c.iterations;
  model->exact_image_step = c.exact_image_step;
  /* A joint-form start keeps its learned chroma weight; any other starts at the config's. */
  if (init == NULL || init->colour_form != TS_COLOUR_FORM_JOINT)
    model->chroma_weight = c.chroma_weight_init;
  model->colour_form = c.colour_form;
  model->beta = c.beta_init;
  TsTrainer *t = g_new0 (TsTrainer, 1);
  t->state = ts_train_state_new (&c, model);
  g_free (t->state->model->provenance);
  t->state->model->provenance = g_strdup ("");
  memcpy (t->state->rng, rng->s, sizeof rng->s);
  t->state->data_fingerprint = ts_train_data_fingerprint (train);
  t->train = train;
  t->val = val;
  return t;
}

TsTrainer *
ts_trainer_resume (const char *checkpoint, GPtrArray *train, GPtrArray *val, GError **error)
{
  TsTrainState *state = ts_checkpoint_load (checkpoint, error);
  if (state == NULL)
    return NULL;
  int channels = config_channels (&state->config);
  if (!check_images (train, "training", state->config.crop, TRUE, channels, error)
      || !check_images (val, "validation", state->config.crop, FALSE, channels, error))
    {
      ts_train_state_free (state);
      return NULL;
    }
  if (ts_train_data_fingerprint (train) != state->data_fingerprint)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "%s: the training images differ from those the checkpoint was made with",
                   checkpoint);
      ts_train_state_free (state);
      return NULL;
    }
  TsTrainer *t = g_new0 (TsTrainer, 1);
  t->state = state;
  t->train = train;
  t->val = val;
  return t;
}

void
ts_trainer_free (TsTrainer *trainer)
{
  if (trainer == NULL)
    return;
  ts_train_state_free (trainer->state);
  g_free (trainer);
}

/* A p x p patch at a random place of a random training image, its mean removed. */
static void
sample_centred_patch (GPtrArray *train, int p, TsRandom *rng, double *row)
{
  int s = p * p;
  const TsImage *im = g_ptr_array_index (train, ts_random_below (rng, train->len));
  int x0 = ts_random_below (rng, im->width - p + 1), y0 = ts_random_below (rng, im->height - p + 1);
  double mean = 0.0;
  for (int a = 0; a < s; a++)
    mean += row[a] = im->data[(gsize) (y0 + a / p) * im->width + x0 + a % p];
  mean /= s;
  for (int a = 0; a < s; a++)
    row[a] -= mean;
}

static int
compare_energy_descending (const void *a, const void *b)
{
  const double *x = a, *y = b;   /* (energy, index) pairs */
  return (x[0] < y[0]) - (x[0] > y[0]);
}

/* The s x s second moment sum x x^T of `count` centred training patches. */
static double *
patch_covariance (GPtrArray *train, int p, int count, TsRandom *rng)
{
  int s = p * p;
  double *cov = g_new0 (double, (gsize) s * s);
  enum { CHUNK = 4096 };
  double *chunk = g_new (double, (gsize) CHUNK * s);
  for (int done = 0; done < count; done += CHUNK)
    {
      int n = MIN (CHUNK, count - done);
      for (int k = 0; k < n; k++)
        sample_centred_patch (train, p, rng, chunk + (gsize) k * s);
      cblas_dsyrk (CblasRowMajor, CblasUpper, CblasTrans, s, n, 1.0, chunk, s, 1.0, cov, s);
    }
  g_free (chunk);
  for (int i = 0; i < s; i++)
    for (int j = 0; j < i; j++)
      cov[i * s + j] = cov[j * s + i];
  return cov;
}

/* The M leading principal components of centred training patches, as unit rows (M x s). */
static gboolean
principal_components (GPtrArray *train, int p, int M, TsRandom *rng, double *rows, GError **error)
{
  int s = p * p;
  double *cov = patch_covariance (train, p, PCA_PATCHES, rng);
  double *values = g_new (double, s), *vectors = g_new (double, (gsize) s * s);
  gboolean ok = ts_linalg_symeig (cov, s, values, vectors);
  g_free (cov);
  if (ok)   /* eigenvalues ascend: the last M vectors */
    memcpy (rows, vectors + (gsize) (s - M) * s, sizeof (double) * M * s);
  for (int i = 0; ok && i < M / 2; i++)
    for (int a = 0; a < s; a++)
      {
        double t = rows[(gsize) i * s + a];
        rows[(gsize) i * s + a] = rows[(gsize) (M - 1 - i) * s + a];
        rows[(gsize) (M - 1 - i) * s + a] = t;
      }
  g_free (values);
  g_free (vectors);
  if (!ok)
    g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                 "the principal components of the training patches could not be computed");
  return ok;
}

/* The learned start (TS_TRAIN_INIT_DICTIONARY): the subspace split of the patches' second
 * moment, then DICT_PATCHES patches' penalised parts (the most detailed half of twice as
 * many, at unit norm so that every structure counts alike) coded and learned in the
 * penalised subspace's coordinates; free atoms and atoms as rows of the patches start's
 * norms. */
static gboolean
dictionary_start (GPtrArray *train, int p, int K, int M, TsRandom *rng, float *free_atoms,
                  float *atoms, GError **error)
{
  int s = p * p, n_pen = s - 1 - M;
  double *cov = patch_covariance (train, p, PCA_PATCHES, rng);
  double *free = g_new (double, (gsize) MAX (M, 1) * s), *pen = g_new (double, (gsize) MAX (n_pen, 1) * s);
  gboolean ok = n_pen > 0
                && ts_dictionary_split_subspace (cov, p, M, DICT_LOWPASS_SIGMA, DICT_WINDOW_SIGMA,
                                                 free, pen);
  g_free (cov);
  if (!ok)
    {
      g_free (free);
      g_free (pen);
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "the subspaces of the training patches could not be computed%s",
                   n_pen > 0 ? "" : ": no penalised subspace is left by the free atoms");
      return FALSE;
    }
  for (gsize i = 0; i < (gsize) M * s; i++)
    free_atoms[i] = (float) (free[i] * TS_TRAIN_PATCH_FREE_NORM);

  /* The patches in the penalised coordinates z = V x. */
  int candidates = 2 * DICT_PATCHES;
  float *z = g_new (float, (gsize) candidates * n_pen), *penf = g_new (float, (gsize) n_pen * s);
  double *x = g_new (double, s), *energy = g_new (double, (gsize) 2 * candidates);
  float *xf = g_new (float, s);
  for (gsize i = 0; i < (gsize) n_pen * s; i++)
    penf[i] = (float) pen[i];
  for (int k = 0; k < candidates; k++)
    {
      sample_centred_patch (train, p, rng, x);
      for (int a = 0; a < s; a++)
        xf[a] = (float) x[a];
      float *zk = z + (gsize) k * n_pen;
      cblas_sgemv (CblasRowMajor, CblasNoTrans, n_pen, s, 1.0f, penf, s, xf, 1, 0.0f, zk, 1);
      double e = 0.0;
      for (int i = 0; i < n_pen; i++)
        e += (double) zk[i] * zk[i];
      energy[2 * k] = e;
      energy[2 * k + 1] = k;
    }
  qsort (energy, candidates, 2 * sizeof (double), compare_energy_descending);
  int n = MAX (MIN (DICT_PATCHES, candidates), K);
  float *samples = g_new (float, (gsize) n * n_pen);
  for (int k = 0; k < n; k++)
    {
      const float *zk = z + (gsize) energy[2 * k + 1] * n_pen;
      double scale = energy[2 * k] > 0.0 ? 1.0 / sqrt (energy[2 * k]) : 0.0;
      for (int i = 0; i < n_pen; i++)
        samples[(gsize) k * n_pen + i] = (float) (zk[i] * scale);
    }
  g_free (z);
  g_free (x);
  g_free (xf);
  g_free (energy);
  TsDictionaryOptions o = { K, DICT_SPARSITY, DICT_BATCH, DICT_PASSES, ts_random_next (rng) };
  float *learned = g_new (float, (gsize) K * n_pen);
  ok = ts_dictionary_learn (samples, n, n_pen, &o, learned, NULL);
  g_free (samples);
  if (ok)   /* back to patches: a = V^T d, unit rows since V's rows are orthonormal */
    {
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, K, s, n_pen, 1.0f, learned, n_pen,
                   penf, s, 0.0f, atoms, s);
      for (int k = 0; k < K; k++)
        {
          float *a = atoms + (gsize) k * s;
          double norm = 0.0;
          for (int i = 0; i < s; i++)
            norm += (double) a[i] * a[i];
          for (int i = 0; i < s; i++)
            a[i] = (float) (a[i] * (norm > 0.0 ? TS_TRAIN_PATCH_ATOM_NORM / sqrt (norm) : 0.0));
        }
    }
  else
    g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                 "dictionary learning needs at least %d training patches", K);
  g_free (learned);
  g_free (penf);
  g_free (free);
  g_free (pen);
  return ok;
}

/* K atoms from textured training patches: centred, with their component in the span of the
 * orthonormal rows `free` (M x s) removed, drawn among the tenth with the most energy left,
 * as rows of norm `norm`. */
static void
patch_atoms (GPtrArray *train, int p, int K, const double *free, int M, double norm,
             TsRandom *rng, float *atoms)
{
  int s = p * p, candidates = 100 * K, pool = 10 * K;
  double *rows = g_new (double, (gsize) candidates * s);
  double *energy = g_new (double, (gsize) 2 * candidates);
  for (int k = 0; k < candidates; k++)
    {
      double *row = rows + (gsize) k * s;
      sample_centred_patch (train, p, rng, row);
      for (int m = 0; m < M; m++)
        {
          double dot = 0.0;
          for (int a = 0; a < s; a++)
            dot += row[a] * free[(gsize) m * s + a];
          for (int a = 0; a < s; a++)
            row[a] -= dot * free[(gsize) m * s + a];
        }
      double e = 0.0;
      for (int a = 0; a < s; a++)
        e += row[a] * row[a];
      energy[2 * k] = e;
      energy[2 * k + 1] = k;
    }
  qsort (energy, candidates, 2 * sizeof (double), compare_energy_descending);
  /* The same place drawn twice gives equal rows, adjacent after the sort: keep one. */
  int distinct = 0;
  for (int k = 0; k < candidates; k++)
    {
      const double *row = rows + (gsize) energy[2 * k + 1] * s;
      if (distinct > 0 && energy[2 * k] == energy[2 * (distinct - 1)]
          && memcmp (row, rows + (gsize) energy[2 * (distinct - 1) + 1] * s, sizeof (double) * s) == 0)
        continue;
      energy[2 * distinct] = energy[2 * k];
      energy[2 * distinct + 1] = energy[2 * k + 1];
      distinct++;
    }
  pool = MAX (MIN (pool, distinct), K);
  /* K members of the pool (a partial Fisher-Yates shuffle of its indices); distinct unless
   * the data has fewer than K different patches. */
  for (int k = 0; k < K; k++)
    {
      int j = k + ts_random_below (rng, pool - k);
      double t0 = energy[2 * k], t1 = energy[2 * k + 1];
      energy[2 * k] = energy[2 * j];
      energy[2 * k + 1] = energy[2 * j + 1];
      energy[2 * j] = t0;
      energy[2 * j + 1] = t1;
      const double *row = rows + (gsize) energy[2 * k + 1] * s;
      double scale = energy[2 * k] > 0.0 ? norm / sqrt (energy[2 * k]) : 0.0;
      for (int a = 0; a < s; a++)
        atoms[(gsize) k * s + a] = (float) (row[a] * scale);
    }
  g_free (rows);
  g_free (energy);
}

TsModel *
ts_train_initial_model (const TsTrainConfig *config, GPtrArray *train, TsTrainInit kind,
                        GError **error)
{
  g_return_val_if_fail (config != NULL, NULL);
  if (!ts_train_config_validate (config, error))
    return NULL;
  const TsTrainConfig *c = config;
  int p = c->atom_size, s = p * p, M = c->n_free, K = c->n_atoms;
  TsRandom rng_state;
  TsRandom *rng = &rng_state;
  ts_random_seed (rng, c->seed ^ INIT_SEED_SALT);
  /* The joint colour form's data starts come from the luminance plane (opponent Y): its
   * atoms are the grayscale ones, the chroma follows them. */
  g_autoptr (GPtrArray) luminance = NULL;
  if (c->colour_form == TS_COLOUR_FORM_JOINT && kind != TS_TRAIN_INIT_RANDOM)
    {
      if (!check_images (train, "training", p, TRUE, 3, error))
        return NULL;
      luminance = g_ptr_array_new_with_free_func ((GDestroyNotify) ts_image_free);
      for (guint i = 0; i < train->len; i++)
        {
          g_autoptr (TsImage) opponent = ts_colour_rgb_to_opponent (g_ptr_array_index (train, i));
          TsImage *y = opponent != NULL ? ts_image_extract_channel (opponent, 0) : NULL;
          if (y == NULL)
            {
              g_set_error (error, TS_ERROR, TS_ERROR_NOMEM, "out of memory");
              return NULL;
            }
          g_ptr_array_add (luminance, y);
        }
      train = luminance;
    }
  g_autoptr (TsModel) model = ts_model_new (K, M, p);
  for (gsize i = 0; i < (gsize) K * s; i++)
    model->atoms[i] = (float) (ts_random_normal (rng) * c->init_scale);
  for (gsize i = 0; i < (gsize) M * s; i++)
    model->free_atoms[i] = (float) (ts_random_normal (rng) * c->init_scale);
  if (kind == TS_TRAIN_INIT_DICTIONARY)
    {
      if (!check_images (train, "training", p, TRUE, 1, error)
          || !dictionary_start (train, p, K, M, rng, model->free_atoms, model->atoms, error))
        return NULL;
    }
  else if (kind != TS_TRAIN_INIT_RANDOM)
    {
      if (!check_images (train, "training", p, TRUE, 1, error))
        return NULL;
      /* Adam moves every entry by about the learning rate per step whatever its size, so
       * the rows' norm sets how fast they move relative to themselves. */
      double free_norm = kind == TS_TRAIN_INIT_PCA ? 1.0 : TS_TRAIN_PATCH_FREE_NORM;
      g_autofree double *free = g_new (double, (gsize) MAX (M, 1) * s);
      if (M > 0 && !principal_components (train, p, M, rng, free, error))
        return NULL;
      for (gsize i = 0; i < (gsize) M * s; i++)
        model->free_atoms[i] = (float) (free[i] * free_norm);
      if (kind == TS_TRAIN_INIT_PATCHES)
        patch_atoms (train, p, K, free, M, TS_TRAIN_PATCH_ATOM_NORM, rng, model->atoms);
    }
  model->beta = c->beta_init;
  model->prox_type = c->prox_type;
  model->groupsize = c->prox_type == TS_PROX_CPR ? c->groupsize : 1;
  model->order = c->order;
  model->lambda = c->lambda;
  model->sigma = c->sigma;
  model->tol = c->tol;
  model->colour_form = c->colour_form;
  model->chroma_weight = c->chroma_weight_init;
  return g_steal_pointer (&model);
}

/* A crop of channel `channel` of `size` at (x0, y0) under one of the 8 flips/rotations. */
static void
extract_crop (const TsImage *im, int channel, int x0, int y0, int size, int transform,
              float *out)
{
  for (int r = 0; r < size; r++)
    for (int c = 0; c < size; c++)
      {
        int u = r, v = c;
        for (int k = 0; k < (transform & 3); k++)
          {
            int t = u;   /* rotate by 90 degrees */
            u = v;
            v = size - 1 - t;
          }
        if (transform & 4)
          v = size - 1 - v;
        out[r * size + c] = im->data[((gsize) (y0 + u) * im->width + (x0 + v)) * im->channels
                                     + channel];
      }
}

/* An RGB crop (extract_crop per channel) in the opponent basis: 3 planes of size x size. */
static void
rgb_crop_to_opponent (const TsImage *im, int x0, int y0, int size, int transform, float *out)
{
  gsize n = (gsize) size * size;
  float *rgb = g_new (float, 3 * n);
  for (int k = 0; k < 3; k++)
    extract_crop (im, k, x0, y0, size, transform, rgb + k * n);
  for (int q = 0; q < TS_JOINT_PLANES; q++)
    for (gsize i = 0; i < n; i++)
      {
        double o = 0.0;
        for (int k = 0; k < 3; k++)
          o += ts_colour_opponent_basis[q][k] * rgb[k * n + i];
        out[q * n + i] = (float) o;
      }
  g_free (rgb);
}

static double
learning_rate (const TsTrainConfig *c, double base, int step)
{
  int decays = (int) ((gint64) step * c->decays_per_epoch / c->steps_per_epoch);
  return base * pow (c->lr_decay, decays);
}

gboolean
ts_trainer_step (TsTrainer *trainer, const gint *cancel, TsTrainStepStats *stats, GError **error)
{
  g_return_val_if_fail (trainer != NULL, FALSE);
  TsTrainState *S = trainer->state;
  const TsTrainConfig *c = &S->config;
  gint64 start = g_get_monotonic_time ();
  if (cancel != NULL && g_atomic_int_get (cancel))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_CANCELLED, "cancelled before step %d", S->step + 1);
      return FALSE;
    }

  /* The batch, from a copy of the generator (committed only if the step completes). */
  TsRandom rng_state;
  TsRandom *rng = &rng_state;
  memcpy (rng->s, S->rng, sizeof rng->s);
  int n = c->batch, size = c->crop;
  gboolean joint = c->colour_form == TS_COLOUR_FORM_JOINT;
  /* A joint crop holds the three opponent planes. */
  gsize N = (gsize) size * size * (joint ? TS_JOINT_PLANES : 1);
  float *clean = g_new (float, n * N), *noisy = g_new (float, n * N);
  const float **clean_ptr = g_new (const float *, n), **noisy_ptr = g_new (const float *, n);
  for (int i = 0; i < n; i++)
    {
      const TsImage *im = g_ptr_array_index (trainer->train, ts_random_below (rng, trainer->train->len));
      int x0 = ts_random_below (rng, im->width - size + 1), y0 = ts_random_below (rng, im->height - size + 1);
      int transform = ts_random_below (rng, 8);
      if (joint)
        rgb_crop_to_opponent (im, x0, y0, size, transform, clean + i * N);
      else
        extract_crop (im, 0, x0, y0, size, transform, clean + i * N);
      /* White noise in RGB is white in the orthonormal opponent basis at the same level. */
      for (gsize j = 0; j < N; j++)
        noisy[i * N + j] = (float) (clean[i * N + j] + c->sigma / 255.0 * ts_random_normal (rng));
      clean_ptr[i] = clean + i * N;
      noisy_ptr[i] = noisy + i * N;
    }
  TsTrainBatch batch = { n, size, size, clean_ptr, noisy_ptr };
  double *grad = g_new (double, S->n_params);
  TsTrainStepStats st = { 0 };
  double loss = ts_train_batch_gradient (S->model, c, &batch, FALSE, grad, cancel, &st, error);
  g_free (clean);
  g_free (noisy);
  g_free (clean_ptr);
  g_free (noisy_ptr);
  if (isnan (loss))
    {
      g_free (grad);
      return FALSE;
    }
  gboolean finite = TRUE;
  for (gsize i = 0; i < S->n_params && finite; i++)
    finite = isfinite (grad[i]);
  if (!finite)
    {
      g_free (grad);
      g_set_error (error, TS_ERROR, TS_ERROR_DIVERGED,
                   "step %d: the gradient is not finite (loss %g)", S->step + 1, loss);
      return FALSE;
    }

  /* Adam (PyTorch's defaults), two parameter groups. */
  TsModel *m = S->model;
  gsize n_atoms = (gsize) m->n_atoms * m->atom_size * m->atom_size;
  gsize n_free = (gsize) m->n_free * m->atom_size * m->atom_size;
  int t = S->step + 1;
  double lr_a = learning_rate (c, c->lr_atoms, S->step), lr_h = learning_rate (c, c->lr_hyper, S->step);
  double bc1 = 1.0 - pow (ADAM_BETA1, t), bc2 = 1.0 - pow (ADAM_BETA2, t);
  for (gsize i = 0; i < S->n_params; i++)
    {
      S->adam_m[i] = ADAM_BETA1 * S->adam_m[i] + (1.0 - ADAM_BETA1) * grad[i];
      S->adam_v[i] = ADAM_BETA2 * S->adam_v[i] + (1.0 - ADAM_BETA2) * grad[i] * grad[i];
      double step = (S->adam_m[i] / bc1) / (sqrt (S->adam_v[i] / bc2) + ADAM_EPS);
      if (i < n_atoms)
        m->atoms[i] = (float) (m->atoms[i] - lr_a * step);
      else if (i < n_atoms + n_free)
        m->free_atoms[i - n_atoms] = (float) (m->free_atoms[i - n_atoms] - lr_a * step);
      else if (i < n_atoms + n_free + (gsize) m->n_atoms)
        m->lambda_scaling[i - n_atoms - n_free] =
          (float) (m->lambda_scaling[i - n_atoms - n_free] - lr_h * step);
      else if (i == n_atoms + n_free + (gsize) m->n_atoms)
        m->beta = (double) (float) (m->beta - lr_h * step);
      else if (c->exact_image_step && i == n_atoms + n_free + (gsize) m->n_atoms + 1)
        /* Kept where the solver's own rule (ts_model_validate) accepts it. */
        m->step_scale = CLAMP ((double) (float) (m->step_scale - lr_h * step), 0.05, 10.0);
      else
        /* The chroma weight's log: w stays positive; kept in ts_model_validate's range. */
        m->chroma_weight = CLAMP ((double) (float) (m->chroma_weight * exp (-lr_h * step)),
                                  TS_CHROMA_WEIGHT_MIN, TS_CHROMA_WEIGHT_MAX);
    }
  g_free (grad);
  memcpy (S->rng, rng->s, sizeof rng->s);
  S->step++;
  double seconds = (g_get_monotonic_time () - start) / 1e6;
  S->elapsed_seconds += seconds;
  if (stats != NULL)
    {
      *stats = st;
      stats->step = S->step;
      stats->loss = loss;
      stats->seconds = seconds;
    }
  return TRUE;
}

/* The joint colour form's validation: each RGB image with white noise, its opponent planes
 * solved together, the PSNR in RGB. */
static double
validate_joint (TsTrainer *trainer, const gint *cancel, GError **error)
{
  TsTrainState *S = trainer->state;
  double sum = 0.0;
  for (guint i = 0; i < trainer->val->len; i++)
    {
      const TsImage *clean = g_ptr_array_index (trainer->val, i);
      int w = clean->width, h = clean->height;
      g_autoptr (TsImage) noisy = ts_image_copy (clean);
      ts_noise_add_gaussian (noisy, S->config.sigma / 255.0, VALIDATION_SEED + i);
      g_autoptr (TsImage) opponent = ts_colour_rgb_to_opponent (noisy);
      g_autoptr (TsImage) y = ts_image_extract_channel (opponent, 0);
      g_autoptr (TsImage) o1 = ts_image_extract_channel (opponent, 1);
      g_autoptr (TsImage) o2 = ts_image_extract_channel (opponent, 2);
      const float *data[TS_JOINT_PLANES] = { y->data, o1->data, o2->data };
      TsSolveOptions o;
      ts_solve_options_init (&o);
      o.tol = S->config.tol;
      o.max_iter = S->config.max_iter;
      g_autoptr (TsOperator) op = ts_operator_identity_new (w, h);
      ts_blas_set_threads (ts_solve_blas_threads (&o));
      g_autoptr (TsRegulariser) prox = ts_regulariser_new (S->model, op, NAN, NAN, error);
      if (prox == NULL)
        return NAN;
      TsSolution *sols[TS_JOINT_PLANES];
      if (!ts_solve_joint (op, prox, data, &o, NULL, NULL, NULL, cancel, NULL, sols, error))
        return NAN;
      for (int q = 0; q < TS_JOINT_PLANES; q++)
        {
          ts_image_set_channel (opponent, q, sols[q]->x);
          ts_solution_free (sols[q]);
        }
      g_autoptr (TsImage) rgb = ts_colour_opponent_to_rgb (opponent);
      sum += ts_psnr (rgb, clean, 0);
    }
  S->last_val_psnr = sum / trainer->val->len;
  return S->last_val_psnr;
}

double
ts_trainer_validate (TsTrainer *trainer, const gint *cancel, GError **error)
{
  g_return_val_if_fail (trainer != NULL, NAN);
  TsTrainState *S = trainer->state;
  if (trainer->val == NULL || trainer->val->len == 0)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "no validation images");
      return NAN;
    }
  if (S->config.colour_form == TS_COLOUR_FORM_JOINT)
    return validate_joint (trainer, cancel, error);
  double sum = 0.0;
  for (guint i = 0; i < trainer->val->len; i++)
    {
      const TsImage *clean = g_ptr_array_index (trainer->val, i);
      g_autoptr (TsImage) noisy = ts_image_copy (clean);
      ts_noise_add_gaussian (noisy, S->config.sigma / 255.0, VALIDATION_SEED + i);
      TsSolveOptions o;
      ts_solve_options_init (&o);
      /* A budget model is judged as it will run: exactly its iterations. */
      o.tol = S->config.iterations > 0 ? 0.0 : S->config.tol;
      o.max_iter = S->config.iterations > 0 ? S->config.iterations : S->config.max_iter;
      o.image_step = S->config.exact_image_step ? TS_IMAGE_STEP_EXACT : TS_IMAGE_STEP_GRADIENT;
      o.step_scale = S->model->step_scale;
      o.threads = S->config.threads;
      g_autoptr (TsOperator) op = ts_operator_identity_new (clean->width, clean->height);
      ts_blas_set_threads (ts_solve_blas_threads (&o));
      g_autoptr (TsRegulariser) prox = ts_regulariser_new (S->model, op, NAN, NAN, error);
      if (prox == NULL)
        return NAN;
      g_autoptr (TsSolution) sol = ts_solve (op, prox, noisy->data, &o, NULL, NULL, NULL,
                                             cancel, NULL, error);
      if (sol == NULL)
        return NAN;
      sum += ts_psnr (sol->x, clean, 0);
    }
  S->last_val_psnr = sum / trainer->val->len;
  return S->last_val_psnr;
}

gboolean
ts_trainer_save_checkpoint (TsTrainer *trainer, const char *path, GError **error)
{
  g_return_val_if_fail (trainer != NULL && path != NULL, FALSE);
  return ts_checkpoint_save (trainer->state, path, error);
}

void
ts_trainer_set_threads (TsTrainer *trainer, int threads)
{
  g_return_if_fail (trainer != NULL && threads >= 1 && threads <= 256);
  trainer->state->config.threads = threads;
}

gboolean
ts_trainer_set_steps (TsTrainer *trainer, int steps, GError **error)
{
  g_return_val_if_fail (trainer != NULL, FALSE);
  if (steps < 1 || steps < trainer->state->step)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "cannot end the training at step %d: %d steps are done already", steps,
                   trainer->state->step);
      return FALSE;
    }
  trainer->state->config.steps = steps;
  return TRUE;
}

const TsTrainState *
ts_trainer_state (const TsTrainer *trainer)
{
  g_return_val_if_fail (trainer != NULL, NULL);
  return trainer->state;
}

void
ts_trainer_add_history (TsTrainer *trainer, const char *line)
{
  g_return_if_fail (trainer != NULL && line != NULL);
  TsModel *m = trainer->state->model;
  char *history = m->provenance != NULL && m->provenance[0] != '\0'
                  ? g_strconcat (m->provenance, "\n", line, NULL) : g_strdup (line);
  g_free (m->provenance);
  m->provenance = history;
}

const char *
ts_trainer_history (const TsTrainer *trainer)
{
  g_return_val_if_fail (trainer != NULL, NULL);
  return trainer->state->model->provenance != NULL ? trainer->state->model->provenance : "";
}

TsModel *
ts_trainer_export_model (const TsTrainer *trainer, const char *name, const char *provenance)
{
  g_return_val_if_fail (trainer != NULL, NULL);
  TsModel *m = ts_model_copy (trainer->state->model);
  g_free (m->name);
  g_free (m->provenance);
  m->name = g_strdup (name != NULL ? name : "trained");
  m->iterations = trainer->state->config.iterations;
  m->exact_image_step = trainer->state->config.exact_image_step;
  m->provenance = g_strdup (provenance != NULL ? provenance : "");
  return m;
}
