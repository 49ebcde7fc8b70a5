/* iPALM (MODEL.md "Inner solver"), in two exact formulations:
 *  - plain: the iteration as written, with correlations by D and the Gram X;
 *  - subspace: D = B U^T with U an orthonormal basis of range(C), so that
 *    k_P * x - P^T D^T c = P^T U (U^T P x - B^T c) and the extrapolated fields U^T P x_t,
 *    B^T c_t are (1 + a) f - a f_prev of fields already known ("Consequence used for speed").
 * Coefficients are channel-major (K x N, N = W * H) so every product is one GEMM-shaped call:
 * ts_gemm (own AVX-512 kernel) in the subspace workers, OpenBLAS in the plain path. */
#include "ts-solver.h"
#include "ts-fourier-solve.h"
#include "ts-gemm.h"
#include "ts-patch.h"
#include "ts-prox.h"
#include <cblas.h>
#include <pthread.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BAND_BYTES (2u << 20)
#define DEFAULT_THREADS 2
/* Pixels per c-step block: K x 1024 floats (800 kB) stay in the 2 MB L2 cache. */
#define BLOCK_PIXELS 1024

typedef struct Solver Solver;

/* One worker of the subspace iteration: it owns the rows [row0, row1) (row0 even, so 2x2
 * groups never straddle two workers), its im2col panel and a private accumulator for the
 * transposed correlation, whose 6-row halo overlaps the neighbours' rows. */
typedef struct {
  Solver *S;
  int index;
  int row0, row1;
  float *cols;
  float *acc;
  float *block, *block_field;   /* K x block and r x block panels of the c-step */
  double diff, norm, restart;
  double gemm_seconds, gemm_flops;   /* time in and work of this worker's products */
  GThread *thread;
} Worker;

struct Solver {
  const TsOperator *op;
  const TsDerived *d;        /* the regulariser's */
  const TsProx *prox;
  gboolean nonnegative;
  TsFormulation formulation;
  TsFourierSolve *exact;  /* non-NULL: the exact image step (TS_IMAGE_STEP_EXACT) */
  int W, H, K, s, p, r;
  gsize N;
  double b, L;
  double eta;           /* coefficient step multiplier (options' step_scale) */
  float *target;        /* H^T y */
  float *x, *x_prev, *x_new, *work;
  float *normal;        /* plain formulation: H^T H x_t */
  float *c, *c_prev, *v;
  float *ux, *ux_prev, *bc, *bc_prev, *field;
  float *cols;
  int band_rows;
  int block_rows;       /* rows per c-step block (even) */
  guint8 *measure;      /* pixels the stopping rule looks at (NULL = all) */
  double measured_pixels; /* how many */
  /* threads */
  int n_workers;
  Worker *workers;
  pthread_barrier_t barrier;
  gboolean barrier_ready;
  float a;              /* extrapolation weight of the current iteration */
  gboolean project_only; /* the workers' next round only computes U^T P x */
  gboolean quit;
  double last_diff, last_norm;  /* the last iteration's stopping-rule sums */
};

void
ts_solve_options_init (TsSolveOptions *options)
{
  /* Every field, also those added later, starts at zero. */
  memset (options, 0, sizeof *options);
  options->image_step = TS_IMAGE_STEP_GRADIENT;
  options->tol = 1e-4;
  options->max_iter = 10000;
  options->beta = NAN;
  options->lambda = NAN;
  options->nonnegative = FALSE;
  options->formulation = TS_FORMULATION_SUBSPACE;
  options->acceleration = TS_ACCELERATION_NONE;
  options->step_scale = 1.0;
  options->restart_interval = 0;
  options->measure_x = options->measure_y = options->measure_width = options->measure_height = 0;
  options->threads = 0;
  options->trace = NULL;
  options->coefficients = NULL;
}

int
ts_solve_blas_threads (const TsSolveOptions *options)
{
  g_return_val_if_fail (options != NULL, 1);
  int threads = options->threads > 0 ? options->threads : DEFAULT_THREADS;
  return options->formulation == TS_FORMULATION_SUBSPACE ? 1 : threads;
}

gsize
ts_solve_memory_estimate (const TsModel *model, int width, int height)
{
  /* c, c_prev (K each), five rank-48 fields, the image buffers and per-worker accumulators. */
  gsize n = (gsize) width * height;
  gsize per_pixel = sizeof (float) * (2 * (gsize) model->n_atoms + 5 * 48 + 8);
  return n * per_pixel + ((gsize) 64 << 20);
}

void
ts_solution_free (TsSolution *solution)
{
  if (solution == NULL)
    return;
  ts_image_free (solution->x);
  g_free (solution->c);
  g_free (solution);
}

/* 64-byte aligned (freed with g_free, which is free): vectorised loops then peel the same
 * elements in every run, so a solve's result does not depend on where malloc put its
 * buffers. */
static float *
try_alloc (gsize n, GError **error)
{
  void *p = NULL;
  if (n > G_MAXSIZE / sizeof (float) || posix_memalign (&p, 64, MAX (n, 1) * sizeof (float)) != 0)
    p = NULL;
  else
    memset (p, 0, n * sizeof (float));
  if (p == NULL)
    g_set_error (error, TS_ERROR, TS_ERROR_NOMEM, "out of memory: could not allocate %.0f MB",
                 n * 4.0 / 1e6);
  return p;
}

static void
solver_clear (Solver *S)
{
  if (S->workers != NULL)
    {
      S->quit = TRUE;
      if (S->n_workers > 1)
        pthread_barrier_wait (&S->barrier);
      for (int t = 0; t < S->n_workers; t++)
        {
          if (S->workers[t].thread != NULL)
            g_thread_join (S->workers[t].thread);
          g_free (S->workers[t].cols);
          g_free (S->workers[t].acc);
          g_free (S->workers[t].block);
          g_free (S->workers[t].block_field);
        }
      g_clear_pointer (&S->workers, g_free);
    }
  if (S->barrier_ready)
    pthread_barrier_destroy (&S->barrier);
  S->barrier_ready = FALSE;
  g_clear_pointer (&S->measure, g_free);
  g_clear_pointer (&S->exact, ts_fourier_solve_free);
  S->d = NULL;
  S->prox = NULL;
  float **buffers[] = { &S->target, &S->x, &S->x_prev, &S->x_new, &S->work, &S->normal, &S->c, &S->c_prev,
                        &S->v, &S->ux, &S->ux_prev, &S->bc, &S->bc_prev, &S->field, &S->cols };
  for (guint i = 0; i < G_N_ELEMENTS (buffers); i++)
    g_clear_pointer (buffers[i], g_free);
}

/* ts_gemm, timed for the statistics (a clock read per call: ~500 calls per iteration). */
static void
worker_gemm (Worker *w, int M, int N, int K, float alpha, const float *A, int a_row, int a_col,
             const float *B, size_t ldb, float *C, size_t ldc)
{
  gint64 t0 = g_get_monotonic_time ();
  ts_gemm (M, N, K, alpha, A, a_row, a_col, B, ldb, C, ldc);
  w->gemm_seconds += (g_get_monotonic_time () - t0) / 1e6;
  w->gemm_flops += 2.0 * M * (double) N * K;
}

/* U^T P x for rows [row0, row1), band by band: out is r x N. */
static void
project_patches (Solver *S, Worker *w, const float *x, float *out, float *cols, int row0, int row1)
{
  for (int band0 = row0; band0 < row1; band0 += S->band_rows)
    {
      int band1 = MIN (band0 + S->band_rows, row1);
      int nb = (band1 - band0) * S->W;
      ts_patch_im2col (x, S->W, S->H, S->p, band0, band1, cols);
      worker_gemm (w, S->r, nb, S->s, 1.0f, S->d->U, 1, S->r, cols, (size_t) nb,
                   out + (gsize) band0 * S->W, S->N);
    }
}

/* out += P^T (M f) over rows [row0, row1) of a field f (m x N), M s x m (or m x s given
 * transposed). Writes up to p/2 rows beyond the range (circularly). */
static void
scatter_patches (Solver *S, Worker *w, const float *mat, gboolean transposed, int m, const float *f,
                 float *out, float *cols, int row0, int row1)
{
  for (int band0 = row0; band0 < row1; band0 += S->band_rows)
    {
      int band1 = MIN (band0 + S->band_rows, row1);
      int nb = (band1 - band0) * S->W;
      /* The subspace workers use the own kernel; the plain reference path (w = NULL) keeps
       * OpenBLAS with its threads. */
      if (w != NULL)
        worker_gemm (w, S->s, nb, m, 1.0f, mat, transposed ? 1 : m, transposed ? S->s : 1,
                     f + (gsize) band0 * S->W, S->N, cols, (size_t) nb);
      else
        cblas_sgemm (CblasRowMajor, transposed ? CblasTrans : CblasNoTrans, CblasNoTrans, S->s, nb, m,
                     1.0f, mat, transposed ? S->s : m, f + (gsize) band0 * S->W, (int) S->N, 0.0f,
                     cols, nb);
      ts_patch_col2im_add (cols, S->W, S->H, S->p, band0, band1, out);
    }
}

/* x as a float of its own: the x-step's product b * t is rounded before it is added, not
 * fused into the addition (-ffp-contract=fast would fuse it), as the reference computes it
 * as a tensor operation of its own and as this solver has always rounded it. */
static inline float
rounded_alone (float x)
{
  volatile float r = x;
  return r;
}

static inline void
sync_workers (Solver *S)
{
  if (S->n_workers > 1)
    pthread_barrier_wait (&S->barrier);
}

/* The exact image step for the new code (B^T c_new in bc_prev): x_new = (H^T H + b k_P*)^-1
 * (H^T y + b P^T U B^T c_new), then U^T P x_new into ux_prev. */
static void
exact_image_step (Worker *w)
{
  Solver *S = w->S;
  gsize n = S->N, o0 = (gsize) w->row0 * S->W, o1 = (gsize) w->row1 * S->W;
  sync_workers (S);   /* every worker's B^T c_new rows are there (the scatter's halo) */
  memset (w->acc, 0, sizeof (float) * n);
  scatter_patches (S, w, S->d->U, FALSE, S->r, S->bc_prev, w->acc, w->cols, w->row0, w->row1);
  sync_workers (S);
  float b = (float) S->b;
  for (gsize i = o0; i < o1; i++)
    {
      float t = 0.0f;
      for (int q = 0; q < S->n_workers; q++)
        t += S->workers[q].acc[i];
      S->work[i] = S->target[i] + b * t;
    }
  sync_workers (S);
  if (w->index == 0)
    ts_fourier_solve_apply (S->exact, S->work, S->x_new);
  sync_workers (S);
  double diff = 0.0, norm = 0.0;
  for (gsize i = o0; i < o1; i++)
    {
      if (S->measure != NULL && !S->measure[i])
        continue;
      double dlt = (double) S->x_new[i] - S->x[i];
      diff += dlt * dlt;
      norm += (double) S->x[i] * S->x[i];
    }
  w->diff = diff;
  w->norm = norm;
  w->restart = 0.0;
  project_patches (S, w, S->x_new, S->ux_prev, w->cols, w->row0, w->row1);
  sync_workers (S);
}

/* One iteration of the subspace formulation, by one worker on its rows. Results land in the
 * "previous" buffers (c_prev, bc_prev, ux_prev, x_new), which the caller then rotates. */
static void
subspace_iteration (Worker *w)
{
  Solver *S = w->S;
  gsize n = S->N, o0 = (gsize) w->row0 * S->W, o1 = (gsize) w->row1 * S->W;
  float a = S->a, a1 = 1.0f + a;

  /* c-step, in pixel blocks that stay in cache: c_t = c + a (c - c_prev), then
   * prox(c_t - b B (B^T c_t - U^T P x)) with x the current image; the block's c_new
   * replaces c_prev and B^T c_new replaces bc_prev. Blocks are whole rows, an even number
   * of them, so that 2x2 groups are never split. */
  gboolean groups = S->prox->groupsize > 1;
  gboolean exact = S->exact != NULL;
  for (int b0 = w->row0; b0 < w->row1; b0 += S->block_rows)
    {
      int b1 = MIN (b0 + S->block_rows, w->row1);
      gsize bo = (gsize) b0 * S->W, nb = (gsize) (b1 - b0) * S->W;
      float *g = w->block, *f = w->block_field;
      /* With the exact image step, x is an affine function of c, so U^T P x at the
       * extrapolated code is the extrapolation of the fields too. */
      float ax = exact ? a : 0.0f, ax1 = 1.0f + ax;
      for (int j = 0; j < S->r; j++)
        {
          gsize base = (gsize) j * n + bo;
          float *dst = f + (gsize) j * nb;
          for (gsize i = 0; i < nb; i++)
            dst[i] = a1 * S->bc[base + i] - a * S->bc_prev[base + i]
                     - (ax1 * S->ux[base + i] - ax * S->ux_prev[base + i]);
        }
      /* g = -b B f, then c_new = prox(c_t + g) in one pass over c and c_prev. */
      worker_gemm (w, S->K, (int) nb, S->r, (float) (-S->b * S->eta), S->d->B, S->r, 1, f, nb, g, nb);
      for (int j = 0; j < S->K; j++)
        {
          const float *cc = S->c + (gsize) j * n + bo;
          float *cp = S->c_prev + (gsize) j * n + bo, *gj = g + (gsize) j * nb;
          /* The next channel's part of the block, n floats further on. */
          const float *next_c = j + 1 < S->K ? cc + n : NULL;
          const float *next_cp = j + 1 < S->K ? cp + n : NULL;
          if (groups)
            for (gsize i0 = 0; i0 < nb; i0 += 16)
              {
                if (next_c != NULL)
                  {
                    __builtin_prefetch (next_c + i0, 0, 3);
                    __builtin_prefetch (next_cp + i0, 1, 3);
                  }
                for (gsize i = i0; i < MIN (i0 + 16, nb); i++)
                  cp[i] = a1 * cc[i] - a * cp[i] + gj[i];
              }
          else
            ts_prox_channel_extrapolated (S->prox, j, cc, cp, a, gj, cp, nb, next_c, next_cp);
        }
      if (groups)
        ts_prox_apply_rows (S->prox, S->c_prev, S->W, S->H, b0, b1);
      worker_gemm (w, S->r, (int) nb, S->K, 1.0f, S->d->B, 1, S->r, S->c_prev + bo, n,
                   S->bc_prev + bo, n);
      /* The x-step's field U^T P x_t - B^T c_new for the block, while it is in cache. */
      for (int j = 0; j < S->r && !exact; j++)
        {
          gsize base = (gsize) j * n + bo;
          for (gsize i = base; i < base + nb; i++)
            S->field[i] = a1 * S->ux[i] - a * S->ux_prev[i] - S->bc_prev[i];
        }
    }

  if (exact)
    {
      exact_image_step (w);
      return;
    }

  /* x-step: x_t; the field (made in the c-step) is U^T P x_t - B^T c_new, whose transposed
   * correlation with U is k_P * x_t - P^T D^T c_new. */
  for (gsize i = o0; i < o1; i++)
    S->x_new[i] = a1 * S->x[i] - a * S->x_prev[i];
  sync_workers (S);

  memset (w->acc, 0, sizeof (float) * n);
  scatter_patches (S, w, S->d->U, FALSE, S->r, S->field, w->acc, w->cols, w->row0, w->row1);
  if (w->index == 0)
    ts_operator_normal (S->op, S->x_new, S->work);
  sync_workers (S);

  float b = (float) S->b, inv_l = (float) (1.0 / S->L);
  double diff = 0.0, norm = 0.0, restart = 0.0;
  for (gsize i = o0; i < o1; i++)
    {
      float t = 0.0f;
      for (int q = 0; q < S->n_workers; q++)
        t += S->workers[q].acc[i];
      float xt = S->x_new[i];
      float v = xt - (S->work[i] - S->target[i] + rounded_alone (b * t)) * inv_l;
      if (S->nonnegative)
        v = v > 0.0f ? v : 0.0f;
      S->x_new[i] = v;
      double dlt = (double) v - S->x[i];
      restart += (double) (xt - v) * dlt;
      if (S->measure != NULL && !S->measure[i])
        continue;
      diff += dlt * dlt;
      norm += (double) S->x[i] * S->x[i];
    }
  w->diff = diff;
  w->norm = norm;
  w->restart = restart;
  sync_workers (S);

  /* U^T P x_new replaces ux_prev (its halo reads the neighbours' new rows). */
  project_patches (S, w, S->x_new, S->ux_prev, w->cols, w->row0, w->row1);
  sync_workers (S);
}

static gpointer
worker_main (gpointer data)
{
  Worker *w = data;
  Solver *S = w->S;
  for (;;)
    {
      pthread_barrier_wait (&S->barrier);
      if (S->quit)
        break;
      if (S->project_only)
        {
          project_patches (S, w, S->x, S->ux, w->cols, w->row0, w->row1);
          pthread_barrier_wait (&S->barrier);
        }
      else
        subspace_iteration (w);
    }
  return NULL;
}

/* c-step as written: prox(c_t - b (X c_t - D (C P x))). Single-threaded reference path. */
static void
coefficient_step_plain (Solver *S, float a)
{
  gsize kn = (gsize) S->K * S->N;
  float a1 = 1.0f + a;
  for (gsize i = 0; i < kn; i++)
    S->c_prev[i] = a1 * S->c[i] - a * S->c_prev[i];
  memcpy (S->v, S->c_prev, sizeof (float) * kn);
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, S->K, (int) S->N, S->K,
               (float) (-S->b * S->eta), S->d->X, S->K, S->c_prev, (int) S->N, 1.0f, S->v, (int) S->N);
  for (int row0 = 0; row0 < S->H; row0 += S->band_rows)
    {
      int row1 = MIN (row0 + S->band_rows, S->H);
      int nb = (row1 - row0) * S->W;
      ts_patch_im2col (S->x, S->W, S->H, S->p, row0, row1, S->cols);
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, S->K, nb, S->s, (float) (S->b * S->eta),
                   S->d->D, S->s, S->cols, nb, 1.0f, S->v + (gsize) row0 * S->W, (int) S->N);
    }
  ts_prox_apply (S->prox, S->v, S->W, S->H);
  float *t = S->c_prev;
  S->c_prev = S->c;
  S->c = S->v;
  S->v = t;
}

/* x-step as written: x_t - (grad data + b (k_P * x_t - P^T D^T c_new)) / L. Returns
 * ||x_new - x|| / ||x|| and rotates the image buffers. */
static double
image_step_plain (Solver *S, float a)
{
  gsize n = S->N;
  float a1 = 1.0f + a;
  float *x_t = S->x_new;
  for (gsize i = 0; i < n; i++)
    x_t[i] = a1 * S->x[i] - a * S->x_prev[i];
  ts_patch_correlate (x_t, S->W, S->H, S->d->kernel, 2 * S->p - 1, S->work);
  for (gsize i = 0; i < n; i++)
    S->work[i] = -S->work[i];
  scatter_patches (S, NULL, S->d->D, TRUE, S->K, S->c, S->work, S->cols, 0, S->H);
  ts_operator_normal (S->op, x_t, S->normal);
  float b = (float) S->b, inv_l = (float) (1.0 / S->L);
  double diff = 0.0, norm = 0.0;
  for (gsize i = 0; i < n; i++)
    {
      float v = x_t[i] - (S->normal[i] - S->target[i] - b * S->work[i]) * inv_l;
      if (S->nonnegative)
        v = v > 0.0f ? v : 0.0f;
      x_t[i] = v;
      double dlt = (double) v - S->x[i];
      diff += dlt * dlt;
      norm += (double) S->x[i] * S->x[i];
    }
  S->last_diff = diff;
  S->last_norm = norm;
  float *old_prev = S->x_prev;
  S->x_prev = S->x;
  S->x = S->x_new;
  S->x_new = old_prev;
  return ts_change_relative (diff, norm);
}

/* One subspace iteration on all workers; rotates the buffers and returns the change. */
static double
iteration_subspace (Solver *S, float a, gboolean *restart)
{
  S->a = a;
  sync_workers (S);   /* start: workers see the buffers and `a` */
  subspace_iteration (&S->workers[0]);
  double diff = 0.0, norm = 0.0, dot = 0.0;
  for (int t = 0; t < S->n_workers; t++)
    {
      diff += S->workers[t].diff;
      norm += S->workers[t].norm;
      dot += S->workers[t].restart;
    }
  *restart = dot > 0.0;
  S->last_diff = diff;
  S->last_norm = norm;
  float *t;
  t = S->c; S->c = S->c_prev; S->c_prev = t;
  t = S->bc; S->bc = S->bc_prev; S->bc_prev = t;
  t = S->ux; S->ux = S->ux_prev; S->ux_prev = t;
  t = S->x_prev; S->x_prev = S->x; S->x = S->x_new; S->x_new = t;
  return ts_change_relative (diff, norm);
}

static gboolean
start_workers (Solver *S, int threads, GError **error)
{
  /* Each worker needs at least one (even) row pair. */
  int n = CLAMP (threads, 1, MAX (S->H / 2, 1));
  S->n_workers = n;
  S->workers = g_new0 (Worker, n);
  for (int t = 0; t < n; t++)
    {
      Worker *w = &S->workers[t];
      w->S = S;
      w->index = t;
      w->row0 = (int) ((gint64) S->H * t / n) & ~1;
      w->row1 = t == n - 1 ? S->H : (int) ((gint64) S->H * (t + 1) / n) & ~1;
      gsize block = (gsize) S->block_rows * S->W;
      if (!(w->cols = try_alloc ((gsize) S->s * S->band_rows * S->W, error))
          || !(w->acc = try_alloc (S->N, error))
          || !(w->block = try_alloc ((gsize) S->K * block, error))
          || !(w->block_field = try_alloc ((gsize) S->r * block, error)))
        return FALSE;
    }
  if (n > 1)
    {
      pthread_barrier_init (&S->barrier, NULL, n);
      S->barrier_ready = TRUE;
      for (int t = 1; t < n; t++)
        S->workers[t].thread = g_thread_new ("tessera-solver", worker_main, &S->workers[t]);
    }
  return TRUE;
}

/* The stopping rule's pixels (options' measure rectangle), NULL = all. */
static guint8 *
measure_mask (const TsSolveOptions *o, int W, int H)
{
  if (!(o->measure_width > 0 && o->measure_height > 0))
    return NULL;
  guint8 *measure = g_new0 (guint8, (gsize) W * H);
  for (int r = MAX (o->measure_y, 0); r < MIN (o->measure_y + o->measure_height, H); r++)
    for (int c = MAX (o->measure_x, 0); c < MIN (o->measure_x + o->measure_width, W); c++)
      measure[(gsize) r * W + c] = 1;
  return measure;
}

/* The iteration's buffers for the chosen formulation. */
static gboolean
solver_alloc (Solver *S, GError **error)
{
  gsize n = S->N, kn = (gsize) S->K * n, rn = (gsize) S->r * n;
  if (!(S->target = try_alloc (n, error)) || !(S->x = try_alloc (n, error))
      || !(S->x_prev = try_alloc (n, error)) || !(S->x_new = try_alloc (n, error))
      || !(S->work = try_alloc (n, error)) || !(S->c = try_alloc (kn, error))
      || !(S->c_prev = try_alloc (kn, error)))
    return FALSE;
  /* The subspace path uses its workers' panels instead of v and cols. */
  if (S->formulation == TS_FORMULATION_PLAIN)
    return (S->v = try_alloc (kn, error)) && (S->normal = try_alloc (n, error))
           && (S->cols = try_alloc ((gsize) S->s * S->band_rows * S->W, error));
  return (S->ux = try_alloc (rn, error)) && (S->ux_prev = try_alloc (rn, error))
         && (S->bc = try_alloc (rn, error)) && (S->bc_prev = try_alloc (rn, error))
         && (S->field = try_alloc (rn, error));
}

/* The starting point: x = H^T y, c = 0 (or the warm start), equal previous iterates, and
 * in the subspace formulation the fields U^T P x and B^T c of the start. */
static gboolean
solver_start (Solver *S, const float *data, const TsSolveOptions *o, const TsSolution *warm,
              GError **error)
{
  gsize n = S->N, kn = (gsize) S->K * n, rn = (gsize) S->r * n;
  ts_operator_adjoint (S->op, data, S->target);
  gboolean warm_started = warm != NULL && warm->x != NULL && warm->x->width == S->W
                          && warm->x->height == S->H && warm->K == S->K && warm->c != NULL;
  if (warm_started)
    {
      memcpy (S->x, warm->x->data, sizeof (float) * n);
      memcpy (S->c, warm->c, sizeof (float) * kn);
    }
  else if (S->exact != NULL)
    ts_fourier_solve_apply (S->exact, S->target, S->x);   /* x(0): the smooth image */
  else
    memcpy (S->x, S->target, sizeof (float) * n);
  memcpy (S->x_prev, S->x, sizeof (float) * n);
  /* A cold start's c and c_prev are both the zeros try_alloc wrote (K x N: 74 MB for a
   * 304-pixel tile, copied for nothing once per tile). */
  if (warm_started)
    memcpy (S->c_prev, S->c, sizeof (float) * kn);
  if (S->formulation != TS_FORMULATION_SUBSPACE)
    return TRUE;
  if (!start_workers (S, o->threads > 0 ? o->threads : DEFAULT_THREADS, error))
    return FALSE;
  /* U^T P x of the starting image, split over the workers like every iteration. */
  S->project_only = TRUE;
  sync_workers (S);
  project_patches (S, &S->workers[0], S->x, S->ux, S->workers[0].cols, S->workers[0].row0,
                   S->workers[0].row1);
  sync_workers (S);
  S->project_only = FALSE;
  memcpy (S->ux_prev, S->ux, sizeof (float) * rn);
  /* B^T c is 0 for a cold start (c = 0, already zeroed). */
  if (warm_started)
    {
      cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, S->r, (int) n, S->K, 1.0f, S->d->B,
                   S->r, S->c, (int) n, 0.0f, S->bc, (int) n);
      memcpy (S->bc_prev, S->bc, sizeof (float) * rn);
    }
  return TRUE;
}

static gboolean
solver_init (Solver *S, const TsOperator *op, const TsRegulariser *reg, const float *data,
             const TsSolveOptions *o, const TsSolution *warm, GError **error)
{
  if (!ts_regulariser_check (reg, op, error))
    return FALSE;
  S->op = op;
  S->nonnegative = o->nonnegative;
  S->formulation = o->formulation;
  S->W = op->width;
  S->H = op->height;
  S->N = (gsize) S->W * S->H;
  S->d = reg->derived;
  S->prox = reg->prox;
  S->K = S->d->K;
  S->s = S->d->s;
  S->p = S->d->p;
  S->r = S->d->rank;
  S->b = S->d->b;
  S->eta = o->step_scale;
  /* The data term's Lipschitz constant ||H||^2, except in the reference's forward variant. */
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
  S->measure = measure_mask (o, S->W, S->H);
  S->measured_pixels = 0.0;
  for (gsize i = 0; i < (gsize) S->W * S->H; i++)
    S->measured_pixels += S->measure == NULL || S->measure[i];
  S->block_rows = MAX (2, (int) (BLOCK_PIXELS / S->W) & ~1);
  if (o->image_step == TS_IMAGE_STEP_EXACT)
    {
      if (S->formulation != TS_FORMULATION_SUBSPACE || S->nonnegative)
        {
          g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                       "the exact image step needs the subspace formulation and no nonnegativity");
          return FALSE;
        }
      if (!(S->exact = ts_fourier_solve_new (op, S->d, error)))
        return FALSE;
    }
  return solver_alloc (S, error) && solver_start (S, data, o, warm, error);
}

/* Options and data the solve refuses. */
static gboolean
check_inputs (const TsOperator *op, const float *data, const TsSolveOptions *options,
              GError **error)
{
  if (options->max_iter < 1 || !(options->tol >= 0.0)
      || !(options->step_scale > 0.0 && options->step_scale <= 10.0)
      || !(options->change_reference_mean_square >= 0.0
           && isfinite (options->change_reference_mean_square)))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "invalid solver options: tolerance %g, maximum iterations %d, step scale %g, "
                   "reference mean square %g",
                   options->tol, options->max_iter, options->step_scale,
                   options->change_reference_mean_square);
      return FALSE;
    }
  for (gsize i = 0; i < op->data_len; i++)
    if (!isfinite (data[i]))
      {
        g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "input contains NaN or Inf (value %" G_GSIZE_FORMAT ")", i);
        return FALSE;
      }
  return TRUE;
}

/* Where the iterations ended. */
typedef struct {
  int iterations;
  double change;
  gboolean converged;
} RunEnd;

/* Iterates until the stopping rule, the iteration cap, cancellation or divergence; FALSE (with
 * the error set) for the last two. */
static gboolean
solver_run (Solver *S, const TsSolveOptions *options, TsProgressFunc progress, gpointer user_data,
            const gint *cancel, RunEnd *end, GError **error)
{
  int k = 0, momentum_k = 0;
  double change = 0.0;
  gboolean ok = TRUE;
  TsImage view = { .width = S->W, .height = S->H, .channels = 1 };
  end->converged = FALSE;
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
      gboolean restart = FALSE;
      if (S->formulation == TS_FORMULATION_SUBSPACE)
        {
          change = iteration_subspace (S, a, &restart);
          /* Gradient-based adaptive restart (O'Donoghue & Candes): drop the momentum when
           * the extrapolated point made the step go backwards. */
          if (restart && options->acceleration == TS_ACCELERATION_RESTART)
            momentum_k = 0;
        }
      else
        {
          coefficient_step_plain (S, a);
          change = image_step_plain (S, a);
        }
      if (options->change_reference_mean_square > 0.0)
        change = ts_change_relative_floored (S->last_diff, S->last_norm,
                                             options->change_reference_mean_square,
                                             S->measured_pixels);
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
          TsChangeSample sample = { S->last_diff, S->last_norm };
          g_array_append_val (options->trace, sample);
        }
      view.data = S->x;
      if (options->coefficients != NULL)
        *options->coefficients = S->c;
      gboolean go_on = progress == NULL || progress (k, change, &view, user_data);
      if (options->coefficients != NULL)
        *options->coefficients = NULL;
      if (!go_on)
        {
          g_set_error (error, TS_ERROR, TS_ERROR_CANCELLED, "stopped after %d iterations", k);
          ok = FALSE;
          break;
        }
      if (options->tol > 0.0 && change <= options->tol)
        {
          end->converged = TRUE;
          break;
        }
    }
  end->iterations = k;
  end->change = change;
  return ok;
}

/* Moves the final iterate out of the solver. */
static TsSolution *
solution_take (Solver *S)
{
  TsSolution *solution = g_new0 (TsSolution, 1);
  solution->x = g_new0 (TsImage, 1);
  solution->x->width = S->W;
  solution->x->height = S->H;
  solution->x->channels = 1;
  solution->x->data = S->x;
  S->x = NULL;
  solution->c = S->c;
  S->c = NULL;
  solution->K = S->K;
  return solution;
}

static void
stats_fill (const Solver *S, const RunEnd *end, gint64 start, TsSolveStats *stats)
{
  stats->iterations = end->iterations;
  stats->final_change = end->change;
  stats->seconds = (g_get_monotonic_time () - start) / 1e6;
  stats->converged = end->converged;
  /* Per-core rate times the cores: the workers' products run side by side. */
  double seconds = 0.0, flops = 0.0;
  for (int t = 0; t < S->n_workers; t++)
    {
      seconds += S->workers[t].gemm_seconds;
      flops += S->workers[t].gemm_flops;
    }
  stats->gemm_gflops = seconds > 0.0 ? flops / (seconds / S->n_workers) / 1e9 : 0.0;
  stats->gemm_share = seconds > 0.0 ? seconds / S->n_workers / stats->seconds : 0.0;
}

TsSolution *
ts_solve (const TsOperator *op, const TsRegulariser *prox, const float *data,
          const TsSolveOptions *options, const TsSolution *warm, TsProgressFunc progress,
          gpointer user_data, const gint *cancel, TsSolveStats *stats, GError **error)
{
  g_return_val_if_fail (op != NULL && prox != NULL && data != NULL, NULL);
  TsSolveOptions defaults;
  if (options == NULL)
    {
      ts_solve_options_init (&defaults);
      options = &defaults;
    }
  if (!check_inputs (op, data, options, error))
    return NULL;

  Solver S = { 0 };
  gint64 start = g_get_monotonic_time ();
  if (!solver_init (&S, op, prox, data, options, warm, error))
    {
      solver_clear (&S);
      return NULL;
    }
  RunEnd end;
  TsSolution *solution = NULL;
  if (solver_run (&S, options, progress, user_data, cancel, &end, error))
    solution = solution_take (&S);
  if (stats != NULL)
    stats_fill (&S, &end, start, stats);
  solver_clear (&S);
  return solution;
}
