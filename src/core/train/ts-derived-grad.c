/* Derived quantities in double with a tape for the vector-Jacobian product (MODEL.md
 * "Derived quantities" and "Training"). The forward pass mirrors ts-derived.c operation by
 * operation (forward variant), so that D and k_P agree with ts_derived_new to rounding. */
#include "ts-derived-grad.h"
#include "ts-linalg.h"
#include <cblas.h>
#include <math.h>
#include <string.h>

#define BJORCK_ITERATIONS 15

typedef struct {
  double *q_iter[BJORCK_ITERATIONS]; /* Bjorck inputs Q_0 .. Q_14 (M x s); Q_15 is tape->Q */
  double *fc;                        /* M x s centred free atoms */
  double sigma_f;                    /* ||Fc||_2 (0: no scaling was applied) */
  double *u_f, *v_f;                 /* top singular vectors of Fc (M, s) */
  double *c;                         /* s x s centred projector */
  double *a1;                        /* K x s centred atoms */
  double *a3;                        /* K x s unit rows */
  double *row_norm;                  /* K: ||A2_k|| */
  double sigma_a;                    /* ||A3||_2 (0: no scaling was applied) */
  double *u_a, *v_a;                 /* top singular vectors of A3 (K, s) */
  double s_b;                        /* sqrt(0.99 / max(b, 0.1)) */
} TapePriv;

/* Row-major C = alpha op(A) op(B) + beta C, op(A) m x k, op(B) k x n. */
static void
gemm (gboolean ta, gboolean tb, int m, int n, int k, double alpha, const double *a,
      const double *b, double beta, double *c)
{
  if (m == 0 || n == 0)
    return;
  cblas_dgemm (CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m,
               n, k, alpha, a, ta ? m : k, b, tb ? k : n, beta, c, n);
}

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

static double
dot (const double *a, const double *b, gsize n)
{
  double sum = 0.0;
  for (gsize i = 0; i < n; i++)
    sum += a[i] * b[i];
  return sum;
}

/* The spectral norm exactly as ts_linalg_spectral_norm (same Gram product, same eigensolver,
 * hence the same value), plus the top singular vectors u (rows) and v (cols) with
 * A v = sigma u. Vectors are zero when sigma = 0. */
static double
spectral_norm_vectors (const double *a, int rows, int cols, double *u, double *v)
{
  int n = MIN (rows, cols);
  memset (u, 0, sizeof (double) * rows);
  memset (v, 0, sizeof (double) * cols);
  if (n == 0)
    return 0.0;
  double *gram = g_new (double, (gsize) n * n);
  if (rows <= cols)
    cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, n, cols, 1.0, a, cols, a, cols, 0.0,
                 gram, n);
  else
    cblas_dgemm (CblasRowMajor, CblasTrans, CblasNoTrans, n, n, rows, 1.0, a, cols, a, cols, 0.0,
                 gram, n);
  double *values = g_new (double, n);
  double *vectors = g_new (double, (gsize) n * n);
  double top = 0.0;
  gboolean ok = ts_linalg_symeig (gram, n, values, vectors);
  if (ok)
    top = values[n - 1];
  double sigma = sqrt (MAX (top, 0.0));
  if (ok && sigma > 0.0)
    {
      const double *w = vectors + (gsize) (n - 1) * n;
      /* The eigenvector is a singular vector on the short side; the other one follows from
       * A v = sigma u (normalised explicitly, which removes the eigenvalue's rounding). */
      if (rows <= cols)
        {
          memcpy (u, w, sizeof (double) * rows);
          cblas_dgemv (CblasRowMajor, CblasTrans, rows, cols, 1.0, a, cols, u, 1, 0.0, v, 1);
          double nv = sqrt (dot (v, v, cols));
          for (int j = 0; j < cols && nv > 0.0; j++)
            v[j] /= nv;
        }
      else
        {
          memcpy (v, w, sizeof (double) * cols);
          cblas_dgemv (CblasRowMajor, CblasNoTrans, rows, cols, 1.0, a, cols, v, 1, 0.0, u, 1);
          double nu = sqrt (dot (u, u, rows));
          for (int i = 0; i < rows && nu > 0.0; i++)
            u[i] /= nu;
        }
    }
  g_free (gram);
  g_free (values);
  g_free (vectors);
  return sigma;
}

static inline int
kernel_index (int a, int b, int p)
{
  int kp = 2 * p - 1;
  int dy = b / p - a / p, dx = b % p - a % p;
  return (dy + p - 1) * kp + (dx + p - 1);
}

static gboolean
all_finite (const double *x, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (!isfinite (x[i]))
      return FALSE;
  return TRUE;
}

/* Step 1: Q = Bjorck (Fc / ||Fc||), Fc the centred free atoms; keeps the Bjorck inputs. */
static void
tape_free_atoms (TsDerivedTape *t, TapePriv *pv, const double *free_atoms)
{
  int M = t->M, s = t->s;
  t->Q = g_new0 (double, (gsize) MAX (M, 1) * s);
  pv->fc = g_new0 (double, (gsize) MAX (M, 1) * s);
  pv->u_f = g_new0 (double, MAX (M, 1));
  pv->v_f = g_new0 (double, s);
  if (M == 0)
    return;
  memcpy (pv->fc, free_atoms, sizeof (double) * M * s);
  subtract_row_means (pv->fc, M, s);
  double *q = t->Q;
  memcpy (q, pv->fc, sizeof (double) * M * s);
  double norm = spectral_norm_vectors (q, M, s, pv->u_f, pv->v_f);
  pv->sigma_f = norm;
  if (norm > 0.0)
    for (gsize i = 0; i < (gsize) M * s; i++)
      q[i] /= norm;
  double *qtq = g_new (double, (gsize) s * s);
  double *prod = g_new (double, (gsize) M * s);
  double *qt = g_new (double, (gsize) s * M);
  for (int it = 0; it < BJORCK_ITERATIONS; it++)
    {
      pv->q_iter[it] = g_memdup2 (q, sizeof (double) * M * s);
      for (int i = 0; i < M; i++)
        for (int j = 0; j < s; j++)
          qt[j * M + i] = q[i * s + j];
      ts_linalg_matmul (qt, q, qtq, s, M, s, FALSE);
      ts_linalg_matmul (q, qtq, prod, M, s, s, FALSE);
      for (gsize i = 0; i < (gsize) M * s; i++)
        q[i] = 1.5 * q[i] - 0.5 * prod[i];
    }
  g_free (qtq);
  g_free (prod);
  g_free (qt);
}

/* Step 2: Pi = I - Q^T Q, C = (I - 11^T / s) Pi (with the row mean of Pi, as ts-derived.c). */
static void
tape_projector (TsDerivedTape *t, TapePriv *pv)
{
  int M = t->M, s = t->s;
  double *pi = g_new (double, (gsize) s * s);
  if (M > 0)
    {
      double *qt = g_new (double, (gsize) s * M);
      for (int i = 0; i < M; i++)
        for (int j = 0; j < s; j++)
          qt[j * M + i] = t->Q[i * s + j];
      ts_linalg_matmul (qt, t->Q, pi, s, M, s, FALSE);
      g_free (qt);
    }
  else
    memset (pi, 0, sizeof (double) * s * s);
  for (int i = 0; i < s; i++)
    for (int j = 0; j < s; j++)
      pi[i * s + j] = (i == j ? 1.0 : 0.0) - pi[i * s + j];
  pv->c = g_new (double, (gsize) s * s);
  for (int j = 0; j < s; j++)
    {
      double mean = 0.0;
      for (int i = 0; i < s; i++)
        mean += pi[j * s + i];
      mean /= s;
      for (int i = 0; i < s; i++)
        pv->c[i * s + j] = pi[i * s + j] - mean;
    }
  g_free (pi);
}

/* Step 3: smooth-part kernel from G = C^T C. */
static void
tape_kernel (TsDerivedTape *t, const TapePriv *pv)
{
  int s = t->s, p = t->p, kp = 2 * p - 1;
  double *ctc = g_new (double, (gsize) s * s);
  double *ct = g_new (double, (gsize) s * s);
  for (int i = 0; i < s; i++)
    for (int j = 0; j < s; j++)
      ct[j * s + i] = pv->c[i * s + j];
  ts_linalg_matmul (ct, pv->c, ctc, s, s, s, FALSE);
  t->kernel = g_new0 (double, (gsize) kp * kp);
  for (int a = 0; a < s; a++)
    for (int b = 0; b < s; b++)
      t->kernel[kernel_index (a, b, p)] += ctc[a * s + b];
  g_free (ctc);
  g_free (ct);
}

/* Basis U of range(C) (not differentiated); FALSE when the eigen-decomposition fails. */
static gboolean
tape_range_basis (TsDerivedTape *t, const TapePriv *pv)
{
  int s = t->s;
  double *values = g_new (double, s);
  double *vectors = g_new (double, (gsize) s * s);
  gboolean ok = ts_linalg_symeig (pv->c, s, values, vectors);
  if (ok)
    {
      int rank = 0;
      for (int i = 0; i < s; i++)
        if (values[i] > 0.5)
          rank++;
      t->rank = rank;
      t->U = g_new0 (double, (gsize) s * MAX (rank, 1));
      for (int r = 0; r < rank; r++)
        {
          const double *vec = vectors + (gsize) (s - rank + r) * s;
          for (int j = 0; j < s; j++)
            t->U[j * rank + r] = vec[j];
        }
    }
  g_free (values);
  g_free (vectors);
  return ok;
}

/* Step 4: D = s_b A3 / ||A3||_2 with A3 the unit rows of the centred atoms minus their span(Q)
 * part; keeps the intermediates. */
static void
tape_dictionary (TsDerivedTape *t, TapePriv *pv, const double *atoms)
{
  int K = t->K, M = t->M, s = t->s;
  double *a = g_new (double, (gsize) K * s);
  memcpy (a, atoms, sizeof (double) * K * s);
  subtract_row_means (a, K, s);
  pv->a1 = g_memdup2 (a, sizeof (double) * K * s);
  if (M > 0)
    {
      double *aq = g_new (double, (gsize) K * M);
      double *aqq = g_new (double, (gsize) K * s);
      ts_linalg_matmul (a, t->Q, aq, K, s, M, TRUE);
      ts_linalg_matmul (aq, t->Q, aqq, K, M, s, FALSE);
      for (gsize i = 0; i < (gsize) K * s; i++)
        a[i] -= aqq[i];
      g_free (aq);
      g_free (aqq);
    }
  pv->row_norm = g_new (double, K);
  for (int k = 0; k < K; k++)
    {
      double norm = 0.0;
      for (int j = 0; j < s; j++)
        norm += a[k * s + j] * a[k * s + j];
      norm = sqrt (norm);
      pv->row_norm[k] = norm;
      if (norm > 0.0)
        for (int j = 0; j < s; j++)
          a[k * s + j] /= norm;
    }
  pv->a3 = g_memdup2 (a, sizeof (double) * K * s);
  pv->u_a = g_new (double, K);
  pv->v_a = g_new (double, s);
  double spectral = spectral_norm_vectors (a, K, s, pv->u_a, pv->v_a);
  pv->sigma_a = spectral;
  pv->s_b = sqrt (0.99 / MAX (t->b, TS_FORWARD_BETA_FLOOR));
  double scale = pv->s_b / (spectral > 0.0 ? spectral : 1.0);
  for (gsize i = 0; i < (gsize) K * s; i++)
    a[i] *= scale;
  t->D = a;
}

TsDerivedTape *
ts_derived_tape_new_double (const TsModel *model, const double *atoms, const double *free_atoms,
                            double beta, GError **error)
{
  g_return_val_if_fail (model != NULL && atoms != NULL, NULL);
  g_return_val_if_fail (model->n_free == 0 || free_atoms != NULL, NULL);
  if (!ts_model_validate (model, model->name, error))
    return NULL;
  int K = model->n_atoms, M = model->n_free, p = model->atom_size, s = p * p;
  if (!isfinite (beta) || !all_finite (atoms, (gsize) K * s)
      || !all_finite (free_atoms, (gsize) M * s))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "%s: parameters contain NaN or Inf",
                   model->name);
      return NULL;
    }

  TsDerivedTape *t = g_new0 (TsDerivedTape, 1);
  TapePriv *pv = g_new0 (TapePriv, 1);
  t->priv = pv;
  t->K = K;
  t->M = M;
  t->p = p;
  t->s = s;
  t->beta = beta;
  t->b = MAX (beta, 0.0);
  tape_free_atoms (t, pv, free_atoms);
  tape_projector (t, pv);
  tape_kernel (t, pv);
  if (!tape_range_basis (t, pv))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "%s: eigen-decomposition failed",
                   model->name);
      ts_derived_tape_free (t);
      return NULL;
    }
  tape_dictionary (t, pv, atoms);

  /* B = D U, thresholds. */
  int rank = t->rank;
  t->B = g_new0 (double, (gsize) K * MAX (rank, 1));
  if (rank > 0)
    ts_linalg_matmul (t->D, t->U, t->B, K, s, rank, FALSE);
  t->threshold_scale = g_new (double, K);
  for (int k = 0; k < K; k++)
    t->threshold_scale[k] = exp ((double) model->lambda_scaling[k]);
  return t;
}

TsDerivedTape *
ts_derived_tape_new (const TsModel *model, GError **error)
{
  g_return_val_if_fail (model != NULL, NULL);
  if (!ts_model_validate (model, model->name, error))
    return NULL;
  gsize s = (gsize) model->atom_size * model->atom_size;
  gsize na = (gsize) model->n_atoms * s, nf = (gsize) model->n_free * s;
  double *atoms = g_new (double, na);
  double *free_atoms = g_new (double, MAX (nf, 1));
  for (gsize i = 0; i < na; i++)
    atoms[i] = model->atoms[i];
  for (gsize i = 0; i < nf; i++)
    free_atoms[i] = model->free_atoms[i];
  TsDerivedTape *t = ts_derived_tape_new_double (model, atoms, free_atoms, model->beta, error);
  g_free (atoms);
  g_free (free_atoms);
  return t;
}

void
ts_derived_tape_free (TsDerivedTape *t)
{
  if (t == NULL)
    return;
  TapePriv *pv = t->priv;
  if (pv != NULL)
    {
      for (int i = 0; i < BJORCK_ITERATIONS; i++)
        g_free (pv->q_iter[i]);
      g_free (pv->fc);
      g_free (pv->u_f);
      g_free (pv->v_f);
      g_free (pv->c);
      g_free (pv->a1);
      g_free (pv->a3);
      g_free (pv->row_norm);
      g_free (pv->u_a);
      g_free (pv->v_a);
      g_free (pv);
    }
  g_free (t->D);
  g_free (t->kernel);
  g_free (t->Q);
  g_free (t->U);
  g_free (t->B);
  g_free (t->threshold_scale);
  g_free (t);
}

/* Gradient through a division by the spectral norm: X = Y / sigma(Y), sigma = u^T Y v.
 * gy = gx / sigma - <gx, Y> / sigma^2 u v^T (in place of gx; multiplied by `factor`). */
static void
spectral_division_vjp (double *g, const double *y, int rows, int cols, double sigma,
                       const double *u, const double *v, double factor)
{
  gsize n = (gsize) rows * cols;
  if (!(sigma > 0.0))
    {
      /* The forward pass did not scale. */
      for (gsize i = 0; i < n; i++)
        g[i] *= factor;
      return;
    }
  double coef = -factor * dot (g, y, n) / (sigma * sigma);
  double inv = factor / sigma;
  for (gsize i = 0; i < n; i++)
    g[i] *= inv;
  cblas_dger (CblasRowMajor, rows, cols, coef, u, 1, v, 1, g, cols);
}

static void
gradient_minus_row_means (const double *g, double *out, int rows, int cols)
{
  for (int i = 0; i < rows; i++)
    {
      double mean = 0.0;
      for (int j = 0; j < cols; j++)
        mean += g[i * cols + j];
      mean /= cols;
      for (int j = 0; j < cols; j++)
        out[i * cols + j] = g[i * cols + j] - mean;
    }
}

/* The Q-dependence of A2 = A1 - A1 Q^T Q and of the kernel (through Pi = I - Q^T Q):
 * returns gQ (M x s) = -Q (S + S^T + gPi + gPi^T) with S = gA2^T A1, and turns ga from gA2
 * into gA1 = gA2 - gA2 Q^T Q. M > 0. */
static double *
projection_vjp (const TsDerivedTape *t, const TapePriv *pv, double *ga, const double *g_kernel)
{
  int K = t->K, M = t->M, p = t->p, s = t->s;
  gsize ms = (gsize) M * s, ss = (gsize) s * s;
  const double *Q = t->Q;
  double *sym = g_new (double, ss);
  gemm (TRUE, FALSE, s, s, K, 1.0, ga, pv->a1, 0.0, sym);
  if (g_kernel != NULL)
    {
      /* G = C^T C: gG from the kernel scatter, gC = C (gG + gG^T). */
      double *gg = g_new (double, ss);
      for (int a = 0; a < s; a++)
        for (int b = 0; b < s; b++)
          gg[a * s + b] = g_kernel[kernel_index (a, b, p)];
      for (int a = 0; a < s; a++)
        for (int b = a; b < s; b++)
          {
            double v = gg[a * s + b] + gg[b * s + a];
            gg[a * s + b] = v;
            gg[b * s + a] = v;
          }
      double *gc = g_new (double, ss);
      gemm (FALSE, FALSE, s, s, s, 1.0, pv->c, gg, 0.0, gc);
      /* C[i, j] = Pi[i, j] - mean_k Pi[j, k]: gPi[j, k] = gC[j, k] - colsum_j(gC) / s. */
      for (int j = 0; j < s; j++)
        {
          double col = 0.0;
          for (int i = 0; i < s; i++)
            col += gc[i * s + j];
          col /= s;
          for (int k = 0; k < s; k++)
            sym[j * s + k] += gc[j * s + k] - col;
        }
      g_free (gg);
      g_free (gc);
    }
  for (int a = 0; a < s; a++)
    for (int b = a; b < s; b++)
      {
        double v = sym[a * s + b] + sym[b * s + a];
        sym[a * s + b] = v;
        sym[b * s + a] = v;
      }
  double *gq = g_new (double, ms);
  gemm (FALSE, FALSE, M, s, s, -1.0, Q, sym, 0.0, gq);
  g_free (sym);

  /* gA1 = gA2 - gA2 Q^T Q. */
  double *gaq = g_new (double, (gsize) K * M);
  gemm (FALSE, TRUE, K, M, s, 1.0, ga, Q, 0.0, gaq);
  gemm (FALSE, FALSE, K, s, M, -1.0, gaq, Q, 1.0, ga);
  g_free (gaq);
  return gq;
}

/* Bjorck backwards: Q' = 1.5 Q - 0.5 Q Q^T Q;
 * gQ = 1.5 G - 0.5 ((G Q^T + Q G^T) Q + Q Q^T G), all with M x M intermediates. Consumes
 * gq (the gradient of the last iterate) and returns that of the first. */
static double *
bjorck_vjp (const TapePriv *pv, int M, int s, double *gq)
{
  gsize ms = (gsize) M * s;
  double *y = g_new (double, (gsize) M * M);
  double *pq = g_new (double, (gsize) M * M);
  double *next = g_new (double, ms);
  for (int it = BJORCK_ITERATIONS - 1; it >= 0; it--)
    {
      const double *qi = pv->q_iter[it];
      gemm (FALSE, TRUE, M, M, s, 1.0, gq, qi, 0.0, y);
      gemm (FALSE, TRUE, M, M, s, 1.0, qi, qi, 0.0, pq);
      for (int i = 0; i < M; i++)
        for (int j = i; j < M; j++)
          {
            double v = y[i * M + j] + y[j * M + i];
            y[i * M + j] = v;
            y[j * M + i] = v;
          }
      gemm (FALSE, FALSE, M, s, M, -0.5, y, qi, 0.0, next);
      gemm (FALSE, FALSE, M, s, M, -0.5, pq, gq, 1.0, next);
      for (gsize i = 0; i < ms; i++)
        next[i] += 1.5 * gq[i];
      double *tmp = gq;
      gq = next;
      next = tmp;
    }
  g_free (y);
  g_free (pq);
  g_free (next);
  return gq;
}

void
ts_derived_tape_vjp (const TsDerivedTape *t, const double *g_D, const double *g_kernel,
                     double g_b, double *g_atoms, double *g_free_atoms, double *g_beta)
{
  g_return_if_fail (t != NULL && g_D != NULL && g_atoms != NULL);
  g_return_if_fail (t->M == 0 || g_free_atoms != NULL);
  const TapePriv *pv = t->priv;
  int K = t->K, M = t->M, s = t->s;
  gsize ks = (gsize) K * s;

  /* D = s_b A3 / sigma_A. */
  double gb = g_b;
  if (t->b > TS_FORWARD_BETA_FLOOR)
    gb += -0.5 * dot (g_D, t->D, ks) / t->b;   /* d s_b / db = -s_b / (2 b) */
  double *ga = g_memdup2 (g_D, sizeof (double) * ks);
  spectral_division_vjp (ga, pv->a3, K, s, pv->sigma_a, pv->u_a, pv->v_a, pv->s_b);

  /* Row normalisation: gA2_k = (gA3_k - A3_k <A3_k, gA3_k>) / ||A2_k||. */
  for (int k = 0; k < K; k++)
    {
      double *gr = ga + (gsize) k * s;
      const double *ar = pv->a3 + (gsize) k * s;
      double n = pv->row_norm[k];
      if (n > 0.0)
        {
          double c = dot (ar, gr, s);
          for (int j = 0; j < s; j++)
            gr[j] = (gr[j] - ar[j] * c) / n;
        }
    }
  /* ga is now gA2. */

  double *gq = M > 0 ? projection_vjp (t, pv, ga, g_kernel) : NULL;
  gradient_minus_row_means (ga, g_atoms, K, s);
  g_free (ga);

  if (M > 0)
    {
      gq = bjorck_vjp (pv, M, s, gq);
      /* Q0 = Fc / sigma_F, Fc = free atoms - row means. */
      spectral_division_vjp (gq, pv->fc, M, s, pv->sigma_f, pv->u_f, pv->v_f, 1.0);
      gradient_minus_row_means (gq, g_free_atoms, M, s);
      g_free (gq);
    }

  if (g_beta != NULL)
    *g_beta = t->beta > 0.0 ? gb : 0.0;
}

double
ts_kernel_dft_max_grad (const double *kernel, int p, int width, int height, double scale,
                        double *g_kernel)
{
  g_return_val_if_fail (kernel != NULL && p > 0 && width > 0 && height > 0, 0.0);
  double *dft = g_new (double, (gsize) width * height);
  ts_kernel_dft (kernel, p, width, height, dft);
  double max = 0.0;
  gsize arg = 0;
  for (gsize i = 0; i < (gsize) width * height; i++)
    if (fabs (dft[i]) > max)
      {
        max = fabs (dft[i]);
        arg = i;
      }
  if (g_kernel != NULL)
    {
      /* K(f) = sum k[dy, dx] cos(2 pi (dy fy / H + dx fx / W)). */
      int kp = 2 * p - 1, fy = (int) (arg / width), fx = (int) (arg % width);
      double sign = dft[arg] >= 0.0 ? 1.0 : -1.0;
      for (int iy = 0; iy < kp; iy++)
        {
          int dy = iy - (p - 1);
          double ay = 2.0 * G_PI * (double) (((gint64) dy * fy) % height) / height;
          for (int ix = 0; ix < kp; ix++)
            {
              int dx = ix - (p - 1);
              double ax = 2.0 * G_PI * (double) (((gint64) dx * fx) % width) / width;
              g_kernel[iy * kp + ix] += scale * sign * cos (ay + ax);
            }
        }
    }
  g_free (dft);
  return max;
}
