/* Online dictionary learning and the subspace split of the learned start; see
 * ts-dictionary-learning.h. */
#include "ts-dictionary-learning.h"
#include "ts-linalg.h"
#include "ts-random.h"
#include <cblas.h>
#include <math.h>
#include <string.h>

#define EVAL_SAMPLES 4096
/* An atom unused in a batch whose accumulated use A_jj is below this fraction of the mean
 * is replaced. */
#define REPLACE_FRACTION 1e-3
/* ... and so is an atom this close to an earlier one (two atoms on one structure). */
#define TWIN_COSINE 0.97

/* ------------------------------------------------------------ subspace split */

/* The `count` leading eigenvectors of the symmetric s x s `m` as rows, largest first. */
static gboolean
leading_eigenvectors (const double *m, int s, int count, double *rows)
{
  double *values = g_new (double, s), *vectors = g_new (double, (gsize) s * s);
  gboolean ok = ts_linalg_symeig (m, s, values, vectors);
  for (int i = 0; ok && i < count; i++)   /* eigenvalues ascend */
    memcpy (rows + (gsize) i * s, vectors + (gsize) (s - 1 - i) * s, sizeof (double) * s);
  g_free (values);
  g_free (vectors);
  return ok;
}

gboolean
ts_dictionary_split_subspace (const double *cov, int p, int n_free, double lowpass_sigma,
                              double window_sigma, double *free, double *penalised)
{
  g_return_val_if_fail (cov != NULL && p > 0, FALSE);
  int s = p * p, n_pen = s - 1 - n_free;
  if (n_free < 0 || n_pen < 0)
    return FALSE;
  double c = 0.5 * (p - 1);
  /* T = C0 W H: the detail, windowed, centred. */
  double *T = g_new0 (double, (gsize) s * s);
  for (int a = 0; a < s; a++)
    {
      double ya = a / p - c, xa = a % p - c;
      double w = window_sigma > 0.0 ? exp (-(xa * xa + ya * ya) / (2.0 * window_sigma * window_sigma)) : 1.0;
      double *row = T + (gsize) a * s;
      if (lowpass_sigma > 0.0)
        {
          double sum = 0.0;
          for (int b = 0; b < s; b++)
            {
              double dy = b / p - a / p, dx = b % p - a % p;
              sum += row[b] = exp (-(dx * dx + dy * dy) / (2.0 * lowpass_sigma * lowpass_sigma));
            }
          for (int b = 0; b < s; b++)
            row[b] = -row[b] / sum;
        }
      row[a] += 1.0;
      for (int b = 0; b < s; b++)
        row[b] *= w;
    }
  for (int b = 0; b < s; b++)
    {
      double mean = 0.0;
      for (int a = 0; a < s; a++)
        mean += T[(gsize) a * s + b];
      mean /= s;
      for (int a = 0; a < s; a++)
        T[(gsize) a * s + b] -= mean;
    }
  double *TS = g_new (double, (gsize) s * s), *m = g_new (double, (gsize) s * s);
  ts_linalg_matmul (T, cov, TS, s, s, s, FALSE);
  ts_linalg_matmul (TS, T, m, s, s, s, TRUE);
  gboolean ok = leading_eigenvectors (m, s, n_pen, penalised);
  /* Orthonormal and without the constant, whatever the rounding (Gram-Schmidt twice). */
  for (int i = 0; ok && i < n_pen; i++)
    {
      double *v = penalised + (gsize) i * s;
      for (int round = 0; round < 2; round++)
        {
          double mean = 0.0;
          for (int a = 0; a < s; a++)
            mean += v[a];
          for (int a = 0; a < s; a++)
            v[a] -= mean / s;
          for (int j = 0; j < i; j++)
            {
              const double *u = penalised + (gsize) j * s;
              double dot = 0.0;
              for (int a = 0; a < s; a++)
                dot += u[a] * v[a];
              for (int a = 0; a < s; a++)
                v[a] -= dot * u[a];
            }
        }
      double norm = 0.0;
      for (int a = 0; a < s; a++)
        norm += v[a] * v[a];
      ok = norm > 1e-12;
      for (int a = 0; ok && a < s; a++)
        v[a] /= sqrt (norm);
    }
  /* Pi = I - 11^T/s - V^T V; the free rows: the leading eigenvectors of Pi S Pi. */
  if (ok)
    {
      for (int a = 0; a < s; a++)
        for (int b = 0; b < s; b++)
          {
            double v = (a == b) - 1.0 / s;
            for (int i = 0; i < n_pen; i++)
              v -= penalised[(gsize) i * s + a] * penalised[(gsize) i * s + b];
            T[(gsize) a * s + b] = v;
          }
      ts_linalg_matmul (T, cov, TS, s, s, s, FALSE);
      ts_linalg_matmul (TS, T, m, s, s, s, FALSE);
      ok = leading_eigenvectors (m, s, n_free, free);
    }
  g_free (T);
  g_free (TS);
  g_free (m);
  return ok;
}

/* ------------------------------------------------------------ sparse coding */

/* Orthogonal matching pursuit of one sample from its correlations c0 = D z with the atoms
 * (Gram G = D D^T in double, unit diagonal): at most L atoms, least-squares coefficients by
 * an updated Cholesky factor of G_SS (batch OMP, Rubinstein, Zibulevsky, Elad 2008).
 * Returns the number of atoms; `residual` = ||z - D^T a||^2 = ||z||^2 - a . c0_S. */
static int
omp_one (const double *G, int K, const float *c0, double zz, int L, int *support,
         double *coef, double *chol, double *c, double *residual)
{
  int n = 0;
  for (int k = 0; k < K; k++)
    c[k] = c0[k];
  *residual = zz;
  while (n < L && zz > 0.0)
    {
      int best = -1;
      double best_abs = 1e-7 * sqrt (zz);
      for (int k = 0; k < K; k++)
        if (fabs (c[k]) > best_abs)
          {
            gboolean in = FALSE;
            for (int i = 0; i < n && !in; i++)
              in = support[i] == k;
            if (!in)
              {
                best = k;
                best_abs = fabs (c[k]);
              }
          }
      if (best < 0)
        break;
      /* chol (lower, stride L) gains the row [w, sqrt(1 - w.w)], L w = G_S,best. */
      double *row = chol + (gsize) n * L, ww = 0.0;
      for (int i = 0; i < n; i++)
        {
          double v = G[(gsize) support[i] * K + best];
          for (int j = 0; j < i; j++)
            v -= chol[(gsize) i * L + j] * row[j];
          row[i] = v / chol[(gsize) i * L + i];
          ww += row[i] * row[i];
        }
      double d = G[(gsize) best * K + best] - ww;
      if (d < 1e-8)   /* dependent on the atoms already chosen */
        break;
      row[n] = sqrt (d);
      support[n++] = best;
      /* G_SS a = c0_S: forward, then backward substitution. */
      for (int i = 0; i < n; i++)
        {
          double v = c0[support[i]];
          for (int j = 0; j < i; j++)
            v -= chol[(gsize) i * L + j] * coef[j];
          coef[i] = v / chol[(gsize) i * L + i];
        }
      for (int i = n - 1; i >= 0; i--)
        {
          double v = coef[i];
          for (int j = i + 1; j < n; j++)
            v -= chol[(gsize) j * L + i] * coef[j];
          coef[i] = v / chol[(gsize) i * L + i];
        }
      for (int k = 0; k < K; k++)
        {
          double v = c0[k];
          for (int i = 0; i < n; i++)
            v -= G[(gsize) k * K + support[i]] * coef[i];
          c[k] = v;
        }
    }
  double fit = 0.0;
  for (int i = 0; i < n; i++)
    fit += coef[i] * c0[support[i]];
  *residual = MAX (zz - fit, 0.0);
  return n;
}

typedef struct {
  int K, dim, L;
  float *corr;     /* nb x K */
  float *gram_f;   /* K x K */
  double *gram;    /* K x K */
  int *support;
  double *coef, *chol, *c;
} Coder;

static void
coder_init (Coder *e, int K, int dim, int L, int nb)
{
  e->K = K;
  e->dim = dim;
  e->L = L;
  e->corr = g_new (float, (gsize) nb * K);
  e->gram_f = g_new (float, (gsize) K * K);
  e->gram = g_new (double, (gsize) K * K);
  e->support = g_new (int, L);
  e->coef = g_new (double, L);
  e->chol = g_new (double, (gsize) L * L);
  e->c = g_new (double, K);
}

static void
coder_clear (Coder *e)
{
  g_free (e->corr);
  g_free (e->gram_f);
  g_free (e->gram);
  g_free (e->support);
  g_free (e->coef);
  g_free (e->chol);
  g_free (e->c);
}

static void
coder_set_atoms (Coder *e, const float *atoms)
{
  int K = e->K;
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, K, K, e->dim, 1.0f, atoms, e->dim,
               atoms, e->dim, 0.0f, e->gram_f, K);
  for (gsize i = 0; i < (gsize) K * K; i++)
    e->gram[i] = e->gram_f[i];
  for (int k = 0; k < K; k++)   /* unit atoms: exactly 1, as OMP's Cholesky assumes */
    e->gram[(gsize) k * K + k] = 1.0;
}

/* Codes (nb x K, dense, may be NULL) and residual energies (may be NULL) of nb samples;
 * returns the sum of 1/2 ||z - D^T a||^2. */
static double
coder_encode (Coder *e, const float *atoms, const float *z, int nb, float *codes, double *residuals)
{
  int K = e->K, dim = e->dim;
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, nb, K, dim, 1.0f, z, dim, atoms, dim,
               0.0f, e->corr, K);
  double total = 0.0;
  if (codes != NULL)
    memset (codes, 0, sizeof (float) * nb * K);
  for (int i = 0; i < nb; i++)
    {
      double zz = 0.0, res;
      for (int a = 0; a < dim; a++)
        zz += (double) z[(gsize) i * dim + a] * z[(gsize) i * dim + a];
      int n = omp_one (e->gram, K, e->corr + (gsize) i * K, zz, e->L, e->support, e->coef,
                       e->chol, e->c, &res);
      for (int j = 0; codes != NULL && j < n; j++)
        codes[(gsize) i * K + e->support[j]] = (float) e->coef[j];
      if (residuals != NULL)
        residuals[i] = res;
      total += 0.5 * res;
    }
  return total;
}

double
ts_dictionary_encode (const float *atoms, int K, int dim, const float *samples, int n,
                      int sparsity, float *codes)
{
  g_return_val_if_fail (atoms != NULL && samples != NULL && K > 0 && dim > 0 && sparsity > 0, NAN);
  if (n <= 0)
    return 0.0;
  enum { CHUNK = 1024 };
  Coder e;
  coder_init (&e, K, dim, sparsity, MIN (n, CHUNK));
  coder_set_atoms (&e, atoms);
  double total = 0.0;
  for (int i = 0; i < n; i += CHUNK)
    {
      int nb = MIN (CHUNK, n - i);
      total += coder_encode (&e, atoms, samples + (gsize) i * dim, nb,
                             codes != NULL ? codes + (gsize) i * K : NULL, NULL);
    }
  coder_clear (&e);
  return total / n;
}

/* ------------------------------------------------------------ online learning */

static void
normalise_or_random (double *v, int dim, TsRandom *rng)
{
  double norm = 0.0;
  for (int a = 0; a < dim; a++)
    norm += v[a] * v[a];
  if (norm < 1e-20)
    {
      norm = 0.0;
      for (int a = 0; a < dim; a++)
        {
          v[a] = ts_random_normal (rng);
          norm += v[a] * v[a];
        }
    }
  for (int a = 0; a < dim; a++)
    v[a] /= sqrt (norm);
}

static double
evaluate (Coder *e, const float *atoms, const float *samples, int n)
{
  int m = MIN (n, EVAL_SAMPLES);
  double total = 0.0;
  for (int i = 0; i < m; i += EVAL_SAMPLES)
    total += coder_encode (e, atoms, samples + (gsize) i * e->dim, MIN (EVAL_SAMPLES, m - i), NULL, NULL);
  return total / m;
}

gboolean
ts_dictionary_learn (const float *samples, int n, int dim, const TsDictionaryOptions *o,
                     float *atoms, double *objective)
{
  g_return_val_if_fail (samples != NULL && o != NULL && atoms != NULL, FALSE);
  int K = o->n_atoms, L = o->sparsity, nb = o->batch;
  if (K <= 0 || dim <= 0 || n < K || L <= 0 || L > dim || nb <= 0 || o->passes < 0)
    return FALSE;
  nb = MIN (nb, n);
  TsRandom rng_state;
  TsRandom *rng = &rng_state;
  ts_random_seed (rng, o->seed);

  /* The start: K distinct samples, unit norm (a partial Fisher-Yates shuffle). */
  int *order = g_new (int, n);
  for (int i = 0; i < n; i++)
    order[i] = i;
  double *D = g_new (double, (gsize) K * dim);
  for (int k = 0; k < K; k++)
    {
      int j = k + ts_random_below (rng, n - k), t = order[k];
      order[k] = order[j];
      order[j] = t;
      for (int a = 0; a < dim; a++)
        D[(gsize) k * dim + a] = samples[(gsize) order[k] * dim + a];
      normalise_or_random (D + (gsize) k * dim, dim, rng);
    }
  float *Df = g_new (float, (gsize) K * dim);
  for (gsize i = 0; i < (gsize) K * dim; i++)
    Df[i] = (float) D[i];

  Coder e;
  coder_init (&e, K, dim, L, MAX (nb, MIN (n, EVAL_SAMPLES)));
  coder_set_atoms (&e, Df);
  if (objective != NULL)
    objective[0] = evaluate (&e, Df, samples, n);

  double *A = g_new0 (double, (gsize) K * K), *B = g_new0 (double, (gsize) K * dim);
  float *Z = g_new (float, (gsize) nb * dim), *codes = g_new (float, (gsize) nb * K);
  float *Ab = g_new (float, (gsize) K * K), *Bb = g_new (float, (gsize) K * dim);
  double *residuals = g_new (double, nb), *u = g_new (double, dim);
  gboolean *taken = g_new (gboolean, nb);
  gint64 t = 0;
  for (int pass = 0; pass < o->passes; pass++)
    {
      for (int i = n - 1; i > 0; i--)   /* a new order every pass */
        {
          int j = ts_random_below (rng, i + 1), tmp = order[i];
          order[i] = order[j];
          order[j] = tmp;
        }
      for (int start = 0; start + nb <= n; start += nb)
        {
          for (int i = 0; i < nb; i++)
            memcpy (Z + (gsize) i * dim, samples + (gsize) order[start + i] * dim, sizeof (float) * dim);
          coder_set_atoms (&e, Df);
          coder_encode (&e, Df, Z, nb, codes, residuals);
          /* Mairal et al. 2009, mini-batch form: A <- beta A + sum a a^T, B <- beta B + sum a z^T,
           * beta = (theta + 1 - eta) / (theta + 1) forgets the first, poor codes. */
          t++;
          double eta = nb, theta = t < nb ? (double) t * eta : eta * eta + (double) t - eta;
          double beta = (theta + 1.0 - eta) / (theta + 1.0);
          cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, K, K, nb, 1.0f, codes, K, codes, K,
                       0.0f, Ab, K);
          cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, K, dim, nb, 1.0f, codes, K, Z, dim,
                       0.0f, Bb, dim);
          double mean_use = 0.0;
          for (gsize i = 0; i < (gsize) K * K; i++)
            A[i] = beta * A[i] + Ab[i];
          for (gsize i = 0; i < (gsize) K * dim; i++)
            B[i] = beta * B[i] + Bb[i];
          for (int k = 0; k < K; k++)
            mean_use += A[(gsize) k * K + k] / K;
          memset (taken, 0, sizeof (gboolean) * nb);
          /* One block-coordinate sweep: d_j <- normalise (d_j + (b_j - D^T a_j) / A_jj). */
          for (int j = 0; j < K; j++)
            {
              double *d = D + (gsize) j * dim;
              const double *a = A + (gsize) j * K;
              gboolean twin = FALSE;   /* |cos| with an earlier atom, as of the batch's start */
              for (int k = 0; k < j && !twin; k++)
                twin = fabs (e.gram[(gsize) j * K + k]) > TWIN_COSINE;
              if ((Ab[(gsize) j * K + j] == 0.0f && a[j] < REPLACE_FRACTION * mean_use) || a[j] <= 0.0
                  || twin)
                {
                  /* Unused or a twin: the worst-represented sample of the batch not taken yet. */
                  int worst = -1;
                  for (int i = 0; i < nb; i++)
                    if (!taken[i] && (worst < 0 || residuals[i] > residuals[worst]))
                      worst = i;
                  taken[worst] = TRUE;
                  for (int c = 0; c < dim; c++)
                    d[c] = Z[(gsize) worst * dim + c];
                  normalise_or_random (d, dim, rng);
                  for (int k = 0; k < K; k++)
                    A[(gsize) j * K + k] = A[(gsize) k * K + j] = 0.0;
                  memset (B + (gsize) j * dim, 0, sizeof (double) * dim);
                  continue;
                }
              for (int c = 0; c < dim; c++)
                u[c] = B[(gsize) j * dim + c];
              for (int k = 0; k < K; k++)
                if (a[k] != 0.0)
                  {
                    const double *dk = D + (gsize) k * dim;
                    for (int c = 0; c < dim; c++)
                      u[c] -= a[k] * dk[c];
                  }
              for (int c = 0; c < dim; c++)
                u[c] = d[c] + u[c] / a[j];
              memcpy (d, u, sizeof (double) * dim);
              normalise_or_random (d, dim, rng);
            }
          for (gsize i = 0; i < (gsize) K * dim; i++)
            Df[i] = (float) D[i];
        }
      if (objective != NULL)
        {
          coder_set_atoms (&e, Df);
          objective[pass + 1] = evaluate (&e, Df, samples, n);
        }
    }
  memcpy (atoms, Df, sizeof (float) * K * dim);
  coder_clear (&e);
  g_free (order);
  g_free (D);
  g_free (Df);
  g_free (A);
  g_free (B);
  g_free (Z);
  g_free (codes);
  g_free (Ab);
  g_free (Bb);
  g_free (residuals);
  g_free (u);
  g_free (taken);
  return TRUE;
}
