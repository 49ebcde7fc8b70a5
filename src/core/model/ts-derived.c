/* Derived quantities of the model (MODEL.md "Derived quantities"), computed in double
 * and handed to the solver in float32. */
#include "ts-derived.h"
#include "ts-linalg.h"
#include <math.h>
#include <string.h>

#define BJORCK_ITERATIONS 15

static void
subtract_row_means (double *a, int rows, int cols)
{
  for (int i = 0; i < rows; i++)
    {
      double mean = 0.0;
      for (int j = 0; j < cols; j++)
        mean += a[i * cols + j];
      mean /= cols;
      for (int j = 0; j < cols; j++)
        a[i * cols + j] -= mean;
    }
}

/* Step 1: Q <- 1.5 Q - 0.5 Q (Q^T Q), 15 times, after scaling to unit spectral norm. */
static void
bjorck_orthonormalise (double *q, int m, int s)
{
  double norm = ts_linalg_spectral_norm (q, m, s);
  if (norm > 0.0)
    for (gsize i = 0; i < (gsize) m * s; i++)
      q[i] /= norm;
  double *qtq = g_new (double, (gsize) s * s);
  double *prod = g_new (double, (gsize) m * s);
  for (int it = 0; it < BJORCK_ITERATIONS; it++)
    {
      /* Q^T Q (s x s) */
      double *qt = g_new (double, (gsize) s * m);
      for (int i = 0; i < m; i++)
        for (int j = 0; j < s; j++)
          qt[j * m + i] = q[i * s + j];
      ts_linalg_matmul (qt, q, qtq, s, m, s, FALSE);
      ts_linalg_matmul (q, qtq, prod, m, s, s, FALSE);
      for (gsize i = 0; i < (gsize) m * s; i++)
        q[i] = 1.5 * q[i] - 0.5 * prod[i];
      g_free (qt);
    }
  g_free (qtq);
  g_free (prod);
}

/* Step 3: k_P[d] = sum over patch offsets a, b with b - a = d of (C^T C)[a, b]; the
 * impulse response of sum_k P_k^T C^T C P_k as a correlation kernel. */
static void
smooth_kernel (const double *c, int p, double *kernel)
{
  int s = p * p, kp = 2 * p - 1;
  double *ctc = g_new (double, (gsize) s * s);
  double *ct = g_new (double, (gsize) s * s);
  for (int i = 0; i < s; i++)
    for (int j = 0; j < s; j++)
      ct[j * s + i] = c[i * s + j];
  ts_linalg_matmul (ct, c, ctc, s, s, s, FALSE);
  memset (kernel, 0, sizeof (double) * kp * kp);
  for (int a = 0; a < s; a++)
    for (int b = 0; b < s; b++)
      {
        int dy = b / p - a / p, dx = b % p - a % p;
        kernel[(dy + p - 1) * kp + (dx + p - 1)] += ctc[a * s + b];
      }
  g_free (ctc);
  g_free (ct);
}

/* Step 1: orthonormal free atoms Q (M x s, at least one row allocated). */
static double *
orthonormal_free_atoms (const TsModel *model)
{
  int M = model->n_free, s = model->atom_size * model->atom_size;
  double *q = g_new0 (double, (gsize) MAX (M, 1) * s);
  for (gsize i = 0; i < (gsize) M * s; i++)
    q[i] = model->free_atoms[i];
  if (M > 0)
    {
      subtract_row_means (q, M, s);
      bjorck_orthonormalise (q, M, s);
    }
  return q;
}

/* Step 2: Pi = I - Q^T Q, C = (I - 11^T / s) Pi (s x s). */
static double *
centred_projector (const double *q, int M, int s)
{
  double *pi = g_new (double, (gsize) s * s);
  double *qt = g_new (double, (gsize) s * MAX (M, 1));
  for (int i = 0; i < M; i++)
    for (int j = 0; j < s; j++)
      qt[j * M + i] = q[i * s + j];
  if (M > 0)
    ts_linalg_matmul (qt, q, pi, s, M, s, FALSE);
  else
    memset (pi, 0, sizeof (double) * s * s);
  for (int i = 0; i < s; i++)
    for (int j = 0; j < s; j++)
      pi[i * s + j] = (i == j ? 1.0 : 0.0) - pi[i * s + j];
  double *c = g_new (double, (gsize) s * s);
  for (int j = 0; j < s; j++)
    {
      double mean = 0.0;
      for (int i = 0; i < s; i++)
        mean += pi[j * s + i];   /* row mean of Pi, as the reference (Pi is symmetric) */
      mean /= s;
      for (int i = 0; i < s; i++)
        c[i * s + j] = pi[i * s + j] - mean;
    }
  g_free (pi);
  g_free (qt);
  return c;
}

/* Orthonormal basis U (s x rank, row-major) of range(C): eigenvectors of the (symmetric)
 * projector with eigenvalue near 1. NULL when the eigen-decomposition fails. */
static double *
range_basis (const double *c, int s, int *rank_out)
{
  double *values = g_new (double, s);
  double *vectors = g_new (double, (gsize) s * s);
  double *u = NULL;
  if (ts_linalg_symeig (c, s, values, vectors))
    {
      int rank = 0;
      for (int i = 0; i < s; i++)
        if (values[i] > 0.5)
          rank++;
      u = g_new (double, (gsize) s * MAX (rank, 1));
      for (int r = 0; r < rank; r++)
        {
          const double *vec = vectors + (gsize) (s - rank + r) * s;
          for (int j = 0; j < s; j++)
            u[j * rank + r] = vec[j];
        }
      *rank_out = rank;
    }
  g_free (values);
  g_free (vectors);
  return u;
}

/* Step 4: centre the atoms, project out span(Q), unit rows, then scale the whole matrix to
 * sqrt(0.99 / max(b, beta_floor)) / ||A||_2 (K x s). */
static double *
dictionary (const TsModel *model, const double *q, double b, double beta_floor)
{
  int K = model->n_atoms, M = model->n_free, s = model->atom_size * model->atom_size;
  gsize ks = (gsize) K * s;
  double *a = g_new (double, ks);
  for (gsize i = 0; i < ks; i++)
    a[i] = model->atoms[i];
  subtract_row_means (a, K, s);
  if (M > 0)
    {
      double *aq = g_new (double, (gsize) (guint) K * M);
      double *aqq = g_new (double, ks);
      ts_linalg_matmul (a, q, aq, K, s, M, TRUE);
      ts_linalg_matmul (aq, q, aqq, K, M, s, FALSE);
      for (gsize i = 0; i < ks; i++)
        a[i] -= aqq[i];
      g_free (aq);
      g_free (aqq);
    }
  for (int k = 0; k < K; k++)
    {
      double norm = 0.0;
      for (int j = 0; j < s; j++)
        norm += a[k * s + j] * a[k * s + j];
      norm = sqrt (norm);
      if (norm > 0.0)
        for (int j = 0; j < s; j++)
          a[k * s + j] /= norm;
    }
  double spectral = ts_linalg_spectral_norm (a, K, s);
  double scale = sqrt (0.99 / MAX (b, beta_floor)) / (spectral > 0.0 ? spectral : 1.0);
  for (gsize i = 0; i < ks; i++)
    a[i] *= scale;
  return a;
}

/* Step 5 and the solver's float32 copies: D, X = D D^T, U and B = D U. */
static void
store_float (TsDerived *d, const double *a, const double *u)
{
  int K = d->K, s = d->s, rank = d->rank;
  double *x = g_new (double, (gsize) K * K);
  ts_linalg_matmul (a, a, x, K, s, K, TRUE);
  double *bmat = g_new (double, (gsize) K * MAX (rank, 1));
  ts_linalg_matmul (a, u, bmat, K, s, rank, FALSE);

  d->D = g_new (float, (gsize) K * s);
  d->X = g_new (float, (gsize) K * K);
  d->U = g_new (float, (gsize) s * MAX (rank, 1));
  d->B = g_new (float, (gsize) K * MAX (rank, 1));
  for (gsize i = 0; i < (gsize) K * s; i++)
    d->D[i] = (float) a[i];
  for (gsize i = 0; i < (gsize) K * K; i++)
    d->X[i] = (float) x[i];
  for (gsize i = 0; i < (gsize) s * rank; i++)
    d->U[i] = (float) u[i];
  for (gsize i = 0; i < (gsize) K * rank; i++)
    d->B[i] = (float) bmat[i];
  g_free (x);
  g_free (bmat);
}

TsDerived *
ts_derived_new (const TsModel *model, double beta, double lambda, double beta_floor,
                GError **error)
{
  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (beta_floor >= 0.0 && isfinite (beta_floor), NULL);
  if (!ts_model_validate (model, model->name, error))
    return NULL;
  if (isnan (beta))
    beta = model->beta;
  if (isnan (lambda))
    lambda = model->lambda;
  double b = MAX (beta, 0.0);
  if (!isfinite (beta) || MAX (b, beta_floor) <= 0.0)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "beta must be positive for reconstruction (got %g)", beta);
      return NULL;
    }
  if (!isfinite (lambda) || lambda < 0.0)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "lambda must be non-negative (got %g)", lambda);
      return NULL;
    }

  int K = model->n_atoms, p = model->atom_size, s = p * p;
  TsDerived *d = g_new0 (TsDerived, 1);
  g_mutex_init (&d->dft_max_lock);
  d->K = K;
  d->s = s;
  d->p = p;
  d->b = b;
  d->beta_floor = beta_floor;
  d->lambda = lambda;
  d->Q = orthonormal_free_atoms (model);
  d->C = centred_projector (d->Q, model->n_free, s);
  /* 3. Smooth-part kernel. */
  int kp = 2 * p - 1;
  d->kernel = g_new (double, (gsize) kp * kp);
  smooth_kernel (d->C, p, d->kernel);
  double *u = range_basis (d->C, s, &d->rank);
  if (u == NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "%s: eigen-decomposition failed", model->name);
      ts_derived_free (d);
      return NULL;
    }
  double *a = dictionary (model, d->Q, b, beta_floor);
  store_float (d, a, u);
  d->threshold_scale = g_new (float, K);
  for (int k = 0; k < K; k++)
    d->threshold_scale[k] = expf (model->lambda_scaling[k]);
  g_free (a);
  g_free (u);
  return d;
}

void
ts_derived_free (TsDerived *d)
{
  if (d == NULL)
    return;
  g_free (d->D);
  g_free (d->X);
  g_free (d->U);
  g_free (d->B);
  g_free (d->Q);
  g_free (d->C);
  g_free (d->kernel);
  g_free (d->threshold_scale);
  g_free (d->dft_max_kernel);
  g_mutex_clear (&d->dft_max_lock);
  g_free (d);
}

void
ts_derived_kernel_dft (const TsDerived *d, int width, int height, double *out)
{
  ts_kernel_dft (d->kernel, d->p, width, height, out);
}

void
ts_kernel_dft (const double *kernel, int p, int width, int height, double *out)
{
  /* k_P is point-symmetric, so its DFT is real:
   * K(fy, fx) = sum_dy [cos(2 pi dy fy / H) Rc_dy(fx) - sin(2 pi dy fy / H) Rs_dy(fx)]
   * with Rc/Rs the cosine/sine transforms of each kernel row; separable and exact. */
  int kp = 2 * p - 1;
  double *rc = g_new0 (double, (gsize) kp * width);
  double *rs = g_new0 (double, (gsize) kp * width);
  for (int iy = 0; iy < kp; iy++)
    for (int fx = 0; fx < width; fx++)
      {
        double sc = 0.0, ss = 0.0;
        for (int ix = 0; ix < kp; ix++)
          {
            int dx = ix - (p - 1);
            double ang = 2.0 * G_PI * (double) (((gint64) dx * fx) % width) / width;
            double v = kernel[iy * kp + ix];
            sc += v * cos (ang);
            ss += v * sin (ang);
          }
        rc[iy * width + fx] = sc;
        rs[iy * width + fx] = ss;
      }
  for (int fy = 0; fy < height; fy++)
    {
      double *row = out + (gsize) fy * width;
      memset (row, 0, sizeof (double) * width);
      for (int iy = 0; iy < kp; iy++)
        {
          int dy = iy - (p - 1);
          double ang = 2.0 * G_PI * (double) (((gint64) dy * fy) % height) / height;
          double cy = cos (ang), sy = sin (ang);
          const double *c = rc + (gsize) iy * width, *s = rs + (gsize) iy * width;
          for (int fx = 0; fx < width; fx++)
            row[fx] += cy * c[fx] - sy * s[fx];
        }
    }
  g_free (rc);
  g_free (rs);
}

double
ts_derived_kernel_dft_max (const TsDerived *d, int width, int height)
{
  /* The memo changes nothing the derived quantities mean: const for the callers. */
  TsDerived *memo = (TsDerived *) d;
  gsize kernel_bytes = sizeof (double) * (2 * d->p - 1) * (2 * d->p - 1);
  g_mutex_lock (&memo->dft_max_lock);
  if (memo->dft_max_kernel == NULL || memcmp (memo->dft_max_kernel, d->kernel, kernel_bytes) != 0)
    {
      /* A kernel set since (the training's tests write it): the answers are not its. */
      g_free (memo->dft_max_kernel);
      memo->dft_max_kernel = g_memdup2 (d->kernel, kernel_bytes);
      memset (memo->dft_max_memo, 0, sizeof memo->dft_max_memo);
    }
  for (int i = 0; i < (int) G_N_ELEMENTS (memo->dft_max_memo); i++)
    if (width > 0 && memo->dft_max_memo[i].width == width
        && memo->dft_max_memo[i].height == height)
      {
        double max = memo->dft_max_memo[i].max;
        g_mutex_unlock (&memo->dft_max_lock);
        return max;
      }
  g_mutex_unlock (&memo->dft_max_lock);
  double *dft = g_new (double, (gsize) width * height);
  ts_derived_kernel_dft (d, width, height, dft);
  double max = 0.0;
  for (gsize i = 0; i < (gsize) width * height; i++)
    max = MAX (max, fabs (dft[i]));
  g_free (dft);
  g_mutex_lock (&memo->dft_max_lock);
  /* Stored only for the kernel it was computed with (another thread may have changed the
   * copy meanwhile). */
  if (memcmp (memo->dft_max_kernel, d->kernel, kernel_bytes) != 0)
    {
      g_mutex_unlock (&memo->dft_max_lock);
      return max;
    }
  int slot = memo->dft_max_next;
  memo->dft_max_next = (slot + 1) % (int) G_N_ELEMENTS (memo->dft_max_memo);
  memo->dft_max_memo[slot].width = width;
  memo->dft_max_memo[slot].height = height;
  memo->dft_max_memo[slot].max = max;
  g_mutex_unlock (&memo->dft_max_lock);
  return max;
}
