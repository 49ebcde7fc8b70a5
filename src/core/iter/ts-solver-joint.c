/* iPALM for the joint colour form (see ts-solver-joint.h), in the subspace formulation of
 * ts-solver.c (MODEL.md "Consequence used for speed"): per plane the fields U^T P x and B^T c
 * of the last two iterates, so that the extrapolated fields are (1 + a) f - a f_prev. The code
 * step runs in pixel blocks that stay in cache, all three planes of a block before its joint
 * prox; the image step is the single-plane solver's, plane by plane. */
#include "ts-solver-joint.h"
#include "ts-gemm.h"
#include "ts-patch.h"
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BAND_BYTES (2u << 20)
/* Pixels per code-step block: three planes of K x 512 floats (1.2 MB) stay in the L2 cache. */
#define BLOCK_PIXELS 512

typedef struct {
  float *target;        /* H^T y */
  float *x, *x_prev, *x_new;
  float *c, *c_prev;    /* K x N each */
  float *ux, *ux_prev, *bc, *bc_prev, *field;   /* r x N each */
} Plane;

typedef struct {
  const TsOperator *op;
  const TsDerived *d;
  const TsProx *prox;
  double chroma_weight;
  int W, H, K, s, p, r;
  gsize N;
  double b, L, eta;
  int band_rows;
  Plane plane[TS_JOINT_PLANES];
  float *work, *acc, *cols, *block_field, *block_g;
  guint8 *measure;
  double measured_pixels;
  double last_diff, last_norm;
} JointSolver;

static float *
try_alloc (gsize n, GError **error)
{
  void *p = NULL;
  /* 64-byte aligned and zeroed, as the single-plane solver's buffers (same peeling). */
  if (n <= G_MAXSIZE / sizeof (float) && posix_memalign (&p, 64, MAX (n, 1) * sizeof (float)) == 0)
    memset (p, 0, n * sizeof (float));
  else
    p = NULL;
  if (p == NULL)
    g_set_error (error, TS_ERROR, TS_ERROR_NOMEM, "out of memory: could not allocate %.0f MB",
                 n * 4.0 / 1e6);
  return p;
}

static void
joint_clear (JointSolver *S)
{
  for (int q = 0; q < TS_JOINT_PLANES; q++)
    {
      Plane *P = &S->plane[q];
      float **buffers[] = { &P->target, &P->x, &P->x_prev, &P->x_new, &P->c, &P->c_prev, &P->ux,
                            &P->ux_prev, &P->bc, &P->bc_prev, &P->field };
      for (guint i = 0; i < G_N_ELEMENTS (buffers); i++)
        g_clear_pointer (buffers[i], g_free);
    }
  float **buffers[] = { &S->work, &S->acc, &S->cols, &S->block_field, &S->block_g };
  for (guint i = 0; i < G_N_ELEMENTS (buffers); i++)
    g_clear_pointer (buffers[i], g_free);
  g_clear_pointer (&S->measure, g_free);
}

gsize
ts_solve_joint_memory_estimate (const TsModel *model, int width, int height)
{
  /* Per plane c and c_prev (K each), five rank-48 fields and four images. */
  gsize n = (gsize) width * height;
  gsize per_pixel = TS_JOINT_PLANES * sizeof (float) * (2 * (gsize) model->n_atoms + 5 * 48 + 4);
  return n * per_pixel + ((gsize) 64 << 20);
}

/* out = U^T P x (r x N), band by band. */
static void
project (JointSolver *S, const float *x, float *out)
{
  for (int band0 = 0; band0 < S->H; band0 += S->band_rows)
    {
      int band1 = MIN (band0 + S->band_rows, S->H);
      int nb = (band1 - band0) * S->W;
      ts_patch_im2col (x, S->W, S->H, S->p, band0, band1, S->cols);
      ts_gemm (S->r, nb, S->s, 1.0f, S->d->U, 1, S->r, S->cols, (size_t) nb,
               out + (gsize) band0 * S->W, S->N);
    }
}

/* out += P^T U f for a field f (r x N). */
static void
scatter (JointSolver *S, const float *f, float *out)
{
  for (int band0 = 0; band0 < S->H; band0 += S->band_rows)
    {
      int band1 = MIN (band0 + S->band_rows, S->H);
      int nb = (band1 - band0) * S->W;
      ts_gemm (S->s, nb, S->r, 1.0f, S->d->U, S->r, 1, f + (gsize) band0 * S->W, S->N, S->cols,
               (size_t) nb);
      ts_patch_col2im_add (S->cols, S->W, S->H, S->p, band0, band1, out);
    }
}

/* The x-step's product b * t rounded on its own, as ts-solver.c does. */
static inline float
rounded_alone (float x)
{
  volatile float r = x;
  return r;
}

/* The code step on the pixels [i0, i1) of every plane: c_t = c + a (c - c_prev), then the
 * joint prox of c_t - b B (B^T c_t - U^T P x) over the three planes; c_new replaces c_prev,
 * B^T c_new replaces bc_prev, and the image step's field U^T P x_t - B^T c_new is made while
 * the block is in cache. */
static void
code_step_block (JointSolver *S, float a, gsize i0, gsize i1)
{
  gsize n = S->N, nb = i1 - i0;
  float a1 = 1.0f + a;
  float *cp[TS_JOINT_PLANES];
  for (int q = 0; q < TS_JOINT_PLANES; q++)
    {
      Plane *P = &S->plane[q];
      for (int j = 0; j < S->r; j++)
        {
          gsize base = (gsize) j * n + i0;
          float *dst = S->block_field + (gsize) j * nb;
          for (gsize i = 0; i < nb; i++)
            dst[i] = a1 * P->bc[base + i] - a * P->bc_prev[base + i] - P->ux[base + i];
        }
      ts_gemm (S->K, (int) nb, S->r, (float) (-S->b * S->eta), S->d->B, S->r, 1, S->block_field,
               nb, S->block_g, nb);
      for (int j = 0; j < S->K; j++)
        {
          const float *cc = P->c + (gsize) j * n + i0, *g = S->block_g + (gsize) j * nb;
          float *cpj = P->c_prev + (gsize) j * n + i0;
          for (gsize i = 0; i < nb; i++)
            cpj[i] = a1 * cc[i] - a * cpj[i] + g[i];
        }
      cp[q] = P->c_prev;
    }
  ts_prox_joint_apply_range (S->prox, S->chroma_weight, cp, n, i0, i1);
  for (int q = 0; q < TS_JOINT_PLANES; q++)
    {
      Plane *P = &S->plane[q];
      ts_gemm (S->r, (int) nb, S->K, 1.0f, S->d->B, 1, S->r, P->c_prev + i0, n, P->bc_prev + i0, n);
      for (int j = 0; j < S->r; j++)
        {
          gsize base = (gsize) j * n + i0;
          for (gsize i = base; i < base + nb; i++)
            P->field[i] = a1 * P->ux[i] - a * P->ux_prev[i] - P->bc_prev[i];
        }
    }
}

/* The image step of one plane: x_new = x_t - (H^T H x_t - H^T y + b P^T U field) / L; adds
 * the stopping rule's sums; U^T P x_new replaces ux_prev. */
static void
image_step (JointSolver *S, Plane *P, float a, double *diff, double *norm)
{
  gsize n = S->N;
  float a1 = 1.0f + a;
  for (gsize i = 0; i < n; i++)
    P->x_new[i] = a1 * P->x[i] - a * P->x_prev[i];
  memset (S->acc, 0, sizeof (float) * n);
  scatter (S, P->field, S->acc);
  ts_operator_normal (S->op, P->x_new, S->work);
  float b = (float) S->b, inv_l = (float) (1.0 / S->L);
  for (gsize i = 0; i < n; i++)
    {
      float v = P->x_new[i] - (S->work[i] - P->target[i] + rounded_alone (b * S->acc[i])) * inv_l;
      P->x_new[i] = v;
      if (S->measure != NULL && !S->measure[i])
        continue;
      double dlt = (double) v - P->x[i];
      *diff += dlt * dlt;
      *norm += (double) P->x[i] * P->x[i];
    }
  project (S, P->x_new, P->ux_prev);
}

static double
iteration (JointSolver *S, float a)
{
  gsize block = BLOCK_PIXELS;
  for (gsize i0 = 0; i0 < S->N; i0 += block)
    code_step_block (S, a, i0, MIN (i0 + block, S->N));
  double diff = 0.0, norm = 0.0;
  for (int q = 0; q < TS_JOINT_PLANES; q++)
    {
      Plane *P = &S->plane[q];
      image_step (S, P, a, &diff, &norm);
      float *t;
      t = P->c; P->c = P->c_prev; P->c_prev = t;
      t = P->bc; P->bc = P->bc_prev; P->bc_prev = t;
      t = P->ux; P->ux = P->ux_prev; P->ux_prev = t;
      t = P->x_prev; P->x_prev = P->x; P->x = P->x_new; P->x_new = t;
    }
  S->last_diff = diff;
  S->last_norm = norm;
  return ts_change_relative (diff, norm);
}

static gboolean
check_inputs (const TsOperator *op, const TsRegulariser *reg,
              const float *const data[TS_JOINT_PLANES], const TsSolveOptions *o, GError **error)
{
  if (reg->colour_form != TS_COLOUR_FORM_JOINT)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "model %s is not of the joint colour form: its planes are solved one by one",
                   reg->name);
      return FALSE;
    }
  if (o->formulation != TS_FORMULATION_SUBSPACE || o->image_step != TS_IMAGE_STEP_GRADIENT
      || o->nonnegative)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "the joint colour solve needs the subspace formulation, the gradient image "
                   "step and no nonnegativity (model %s)", reg->name);
      return FALSE;
    }
  if (o->max_iter < 1 || !(o->tol >= 0.0) || !(o->step_scale > 0.0 && o->step_scale <= 10.0)
      || !(o->change_reference_mean_square >= 0.0 && isfinite (o->change_reference_mean_square)))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "invalid solver options: tolerance %g, maximum iterations %d, step scale %g",
                   o->tol, o->max_iter, o->step_scale);
      return FALSE;
    }
  for (int q = 0; q < TS_JOINT_PLANES; q++)
    for (gsize i = 0; i < op->data_len; i++)
      if (!isfinite (data[q][i]))
        {
          g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                       "input plane %d contains NaN or Inf (value %" G_GSIZE_FORMAT ")", q + 1, i);
          return FALSE;
        }
  return ts_regulariser_check (reg, op, error);
}

static gboolean
joint_init (JointSolver *S, const TsOperator *op, const TsRegulariser *reg,
            const float *const data[TS_JOINT_PLANES], const TsSolveOptions *o,
            const TsSolution *const *warm, GError **error)
{
  S->op = op;
  S->d = reg->derived;
  S->prox = reg->prox;
  S->chroma_weight = reg->chroma_weight;
  S->W = op->width;
  S->H = op->height;
  S->N = (gsize) S->W * S->H;
  S->K = S->d->K;
  S->s = S->d->s;
  S->p = S->d->p;
  S->r = S->d->rank;
  S->b = S->d->b;
  S->eta = o->step_scale;
  double lp = ts_derived_kernel_dft_max (S->d, S->W, S->H);
  S->L = op->forward_variant ? 1.01 * S->b * lp : 1.01 * (S->b * lp + op->norm * op->norm);
  if (!(S->L > 0.0) || !isfinite (S->L))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "model %s: step size undefined (beta = %g); denoising needs beta > 0",
                   reg->name, S->b);
      return FALSE;
    }
  S->band_rows = ts_patch_band_rows (S->W, S->p, BAND_BYTES);
  if (o->measure_width > 0 && o->measure_height > 0)
    {
      S->measure = g_new0 (guint8, S->N);
      for (int r = MAX (o->measure_y, 0); r < MIN (o->measure_y + o->measure_height, S->H); r++)
        for (int c = MAX (o->measure_x, 0); c < MIN (o->measure_x + o->measure_width, S->W); c++)
          S->measure[(gsize) r * S->W + c] = 1;
    }
  for (gsize i = 0; i < S->N; i++)
    S->measured_pixels += S->measure == NULL || S->measure[i];
  gsize n = S->N, kn = (gsize) S->K * n, rn = (gsize) S->r * n;
  if (!(S->work = try_alloc (n, error)) || !(S->acc = try_alloc (n, error))
      || !(S->cols = try_alloc ((gsize) S->s * S->band_rows * S->W, error))
      || !(S->block_field = try_alloc ((gsize) S->r * BLOCK_PIXELS, error))
      || !(S->block_g = try_alloc ((gsize) S->K * BLOCK_PIXELS, error)))
    return FALSE;
  for (int q = 0; q < TS_JOINT_PLANES; q++)
    {
      Plane *P = &S->plane[q];
      if (!(P->target = try_alloc (n, error)) || !(P->x = try_alloc (n, error))
          || !(P->x_prev = try_alloc (n, error)) || !(P->x_new = try_alloc (n, error))
          || !(P->c = try_alloc (kn, error)) || !(P->c_prev = try_alloc (kn, error))
          || !(P->ux = try_alloc (rn, error)) || !(P->ux_prev = try_alloc (rn, error))
          || !(P->bc = try_alloc (rn, error)) || !(P->bc_prev = try_alloc (rn, error))
          || !(P->field = try_alloc (rn, error)))
        return FALSE;
      /* The start: x = H^T y, c = 0 (or the warm start), equal previous iterates. */
      ts_operator_adjoint (op, data[q], P->target);
      const TsSolution *w = warm != NULL ? warm[q] : NULL;
      gboolean warm_started = w != NULL && w->x != NULL && w->x->width == S->W
                              && w->x->height == S->H && w->K == S->K && w->c != NULL;
      memcpy (P->x, warm_started ? w->x->data : P->target, sizeof (float) * n);
      memcpy (P->x_prev, P->x, sizeof (float) * n);
      project (S, P->x, P->ux);
      memcpy (P->ux_prev, P->ux, sizeof (float) * rn);
      if (warm_started)
        {
          memcpy (P->c, w->c, sizeof (float) * kn);
          memcpy (P->c_prev, P->c, sizeof (float) * kn);
          cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, S->r, (int) n, S->K, 1.0f,
                       S->d->B, S->r, P->c, (int) n, 0.0f, P->bc, (int) n);
          memcpy (P->bc_prev, P->bc, sizeof (float) * rn);
        }
    }
  return TRUE;
}

gboolean
ts_solve_joint (const TsOperator *op, const TsRegulariser *reg,
                const float *const data[TS_JOINT_PLANES], const TsSolveOptions *options,
                const TsSolution *const *warm, TsJointProgressFunc progress, gpointer user_data,
                const gint *cancel, TsSolveStats *stats, TsSolution *out[TS_JOINT_PLANES],
                GError **error)
{
  g_return_val_if_fail (op != NULL && reg != NULL && data != NULL && out != NULL, FALSE);
  TsSolveOptions defaults;
  if (options == NULL)
    {
      ts_solve_options_init (&defaults);
      options = &defaults;
    }
  for (int q = 0; q < TS_JOINT_PLANES; q++)
    out[q] = NULL;
  if (!check_inputs (op, reg, data, options, error))
    return FALSE;
  gint64 start = g_get_monotonic_time ();
  JointSolver S = { 0 };
  if (!joint_init (&S, op, reg, data, options, warm, error))
    {
      joint_clear (&S);
      return FALSE;
    }
  TsImage views[TS_JOINT_PLANES];
  const TsImage *estimates[TS_JOINT_PLANES];
  int k = 0, momentum_k = 0;
  double change = 0.0;
  gboolean ok = TRUE, converged = FALSE;
  while (k < options->max_iter)
    {
      if (cancel != NULL && g_atomic_int_get (cancel))
        {
          g_set_error (error, TS_ERROR, TS_ERROR_CANCELLED, "cancelled after %d iterations", k);
          ok = FALSE;
          break;
        }
      k++;
      if (options->restart_interval > 0 && momentum_k >= options->restart_interval)
        momentum_k = 0;
      momentum_k++;
      float a = (float) (momentum_k - 1) / (float) (momentum_k + 2);
      change = iteration (&S, a);
      if (options->change_reference_mean_square > 0.0)
        change = ts_change_relative_floored (S.last_diff, S.last_norm,
                                             options->change_reference_mean_square,
                                             S.measured_pixels);
      if (!isfinite (change))
        {
          g_set_error (error, TS_ERROR, TS_ERROR_DIVERGED,
                       "the solver diverged at iteration %d (NaN or Inf); try a smaller lambda or another beta",
                       k);
          ok = FALSE;
          break;
        }
      if (options->trace != NULL)
        {
          TsChangeSample sample = { S.last_diff, S.last_norm };
          g_array_append_val (options->trace, sample);
        }
      for (int q = 0; q < TS_JOINT_PLANES; q++)
        {
          views[q] = (TsImage) { .width = S.W, .height = S.H, .channels = 1, .data = S.plane[q].x };
          estimates[q] = &views[q];
        }
      if (progress != NULL && !progress (k, change, estimates, user_data))
        {
          g_set_error (error, TS_ERROR, TS_ERROR_CANCELLED, "stopped after %d iterations", k);
          ok = FALSE;
          break;
        }
      if (options->tol > 0.0 && change <= options->tol)
        {
          converged = TRUE;
          break;
        }
    }
  if (ok)
    for (int q = 0; q < TS_JOINT_PLANES; q++)
      {
        TsSolution *solution = g_new0 (TsSolution, 1);
        solution->x = g_new0 (TsImage, 1);
        *solution->x = (TsImage) { .width = S.W, .height = S.H, .channels = 1, .data = S.plane[q].x };
        S.plane[q].x = NULL;
        solution->c = S.plane[q].c;
        S.plane[q].c = NULL;
        solution->K = S.K;
        out[q] = solution;
      }
  if (stats != NULL)
    *stats = (TsSolveStats) { .iterations = k, .final_change = change,
                              .seconds = (g_get_monotonic_time () - start) / 1e6,
                              .converged = converged };
  joint_clear (&S);
  return ok;
}
