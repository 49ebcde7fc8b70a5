/* Online dictionary learning and the subspace split of the learned start
 * (ts-dictionary-learning.h): a known sparse dictionary is recovered from its samples, the
 * objective decreases, the result depends on the seed only, OMP codes exact sparse
 * combinations exactly, and the split gives orthonormal complementary subspaces whose
 * penalised part sits at the patch centre. */
#include "ts-dictionary-learning.h"
#include "ts-random.h"
#include <math.h>
#include <string.h>

#define SIDE 8
#define DIM (SIDE * SIDE)
#define TRUE_ATOMS 20

/* TRUE_ATOMS unit atoms on an 8 x 8 grid, each a random 3 x 3 pattern at a random place:
 * localised, like edges and blobs in image patches. */
static void
localised_atoms (float *atoms, TsRandom *rng)
{
  memset (atoms, 0, sizeof (float) * TRUE_ATOMS * DIM);
  for (int k = 0; k < TRUE_ATOMS; k++)
    {
      float *a = atoms + k * DIM;
      int y0 = ts_random_below (rng, SIDE - 2), x0 = ts_random_below (rng, SIDE - 2);
      double norm = 0.0;
      for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
          {
            a[(y0 + i) * SIDE + x0 + j] = (float) ts_random_normal (rng);
            norm += (double) a[(y0 + i) * SIDE + x0 + j] * a[(y0 + i) * SIDE + x0 + j];
          }
      for (int i = 0; i < DIM; i++)
        a[i] = (float) (a[i] / sqrt (norm));
    }
}

/* n samples, each 3 distinct true atoms with coefficients of magnitude 0.5-1.5 and random
 * sign, plus noise of std 0.01 per entry. */
static float *
sparse_samples (const float *atoms, int n, TsRandom *rng)
{
  float *z = g_new0 (float, (gsize) n * DIM);
  for (int i = 0; i < n; i++)
    {
      int used[3];
      for (int t = 0; t < 3; t++)
        {
          gboolean again;
          do
            {
              used[t] = ts_random_below (rng, TRUE_ATOMS);
              again = FALSE;
              for (int u = 0; u < t; u++)
                again |= used[u] == used[t];
            }
          while (again);
          double c = (0.5 + ts_random_uniform (rng)) * (ts_random_below (rng, 2) ? 1.0 : -1.0);
          for (int a = 0; a < DIM; a++)
            z[(gsize) i * DIM + a] += (float) (c * atoms[used[t] * DIM + a]);
        }
      for (int a = 0; a < DIM; a++)
        z[(gsize) i * DIM + a] += (float) (0.01 * ts_random_normal (rng));
    }
  return z;
}

static double
max_abs_cosine (const float *atom, const float *atoms, int K)
{
  double best = 0.0;
  for (int k = 0; k < K; k++)
    {
      double dot = 0.0, na = 0.0, nb = 0.0;
      for (int a = 0; a < DIM; a++)
        {
          dot += (double) atom[a] * atoms[k * DIM + a];
          na += (double) atom[a] * atom[a];
          nb += (double) atoms[k * DIM + a] * atoms[k * DIM + a];
        }
      best = MAX (best, fabs (dot) / sqrt (na * nb));
    }
  return best;
}

static const TsDictionaryOptions options = { TRUE_ATOMS, 3, 128, 6, 5 };

static void
test_recovers_atoms (void)
{
  TsRandom rng;
  ts_random_seed (&rng, 11);
  float truth[TRUE_ATOMS * DIM];
  localised_atoms (truth, &rng);
  int n = 12000;
  g_autofree float *z = sparse_samples (truth, n, &rng);
  float learned[TRUE_ATOMS * DIM];
  double objective[7];
  g_assert_true (ts_dictionary_learn (z, n, DIM, &options, learned, objective));
  int found = 0;
  for (int k = 0; k < TRUE_ATOMS; k++)
    found += max_abs_cosine (truth + k * DIM, learned, TRUE_ATOMS) > 0.9;
  for (int k = 0; k < TRUE_ATOMS; k++)
    {
      double norm = 0.0;
      for (int a = 0; a < DIM; a++)
        norm += (double) learned[k * DIM + a] * learned[k * DIM + a];
      g_assert_cmpfloat_with_epsilon (norm, 1.0, 1e-5);
    }
  if (g_test_verbose ())
    g_printerr ("recovered %d of %d; objective %.5f %.5f %.5f ... %.5f\n", found, TRUE_ATOMS,
                objective[0], objective[1], objective[2], objective[6]);
  /* Most atoms (18 of 20 with these seeds: two learned atoms end as mixtures of two true
   * ones, a local minimum of the non-convex problem). */
  g_assert_cmpint (found, >=, 16);
  /* The objective decreases from the start (atoms = samples) over the passes. */
  g_assert_cmpfloat (objective[1], <, 0.5 * objective[0]);
  g_assert_cmpfloat (objective[6], <, 0.15 * objective[0]);
  for (int p = 2; p <= 6; p++)
    g_assert_cmpfloat (objective[p], <=, objective[p - 1] * 1.02);
  /* The codes of the learned atoms reach the same figure. */
  double again = ts_dictionary_encode (learned, TRUE_ATOMS, DIM, z, 4096, 3, NULL);
  g_assert_cmpfloat (fabs (again - objective[6]), <, 1e-6 + 1e-3 * objective[6]);
}

static void
test_deterministic (void)
{
  TsRandom rng;
  ts_random_seed (&rng, 12);
  float truth[TRUE_ATOMS * DIM];
  localised_atoms (truth, &rng);
  int n = 3000;
  g_autofree float *z = sparse_samples (truth, n, &rng);
  TsDictionaryOptions o = options;
  o.passes = 2;
  float a[TRUE_ATOMS * DIM], b[TRUE_ATOMS * DIM];
  g_assert_true (ts_dictionary_learn (z, n, DIM, &o, a, NULL));
  g_assert_true (ts_dictionary_learn (z, n, DIM, &o, b, NULL));
  g_assert_cmpmem (a, sizeof a, b, sizeof b);
  o.seed++;
  g_assert_true (ts_dictionary_learn (z, n, DIM, &o, b, NULL));
  g_assert_true (memcmp (a, b, sizeof a) != 0);
  /* Out of range: fewer samples than atoms, no sparsity. */
  g_assert_false (ts_dictionary_learn (z, TRUE_ATOMS - 1, DIM, &o, b, NULL));
  o.sparsity = 0;
  g_assert_false (ts_dictionary_learn (z, n, DIM, &o, b, NULL));
}

/* OMP codes a combination of 2 of the atoms exactly: the 2 atoms, their coefficients. */
static void
test_omp_exact (void)
{
  TsRandom rng;
  ts_random_seed (&rng, 13);
  float truth[TRUE_ATOMS * DIM], z[DIM], codes[TRUE_ATOMS];
  localised_atoms (truth, &rng);
  for (int a = 0; a < DIM; a++)
    z[a] = 0.7f * truth[3 * DIM + a] - 1.2f * truth[17 * DIM + a];
  double res = ts_dictionary_encode (truth, TRUE_ATOMS, DIM, z, 1, 4, codes);
  g_assert_cmpfloat (res, <, 1e-10);
  for (int k = 0; k < TRUE_ATOMS; k++)
    g_assert_cmpfloat_with_epsilon (codes[k], k == 3 ? 0.7 : k == 17 ? -1.2 : 0.0, 1e-4);
}

/* The split of the second moment of a smooth random field's 13 x 13 patches (an AR(1)
 * correlation in both directions, centred): orthonormal rows, free and penalised orthogonal
 * to each other and to the constant, the penalised subspace's energy at the centre with the
 * window and spread without it. */
static double
centre_share (const double *rows, int n, int p)
{
  double centre = 0.0, total = 0.0;
  for (int i = 0; i < n; i++)
    for (int a = 0; a < p * p; a++)
      {
        double v = rows[(gsize) i * p * p + a] * rows[(gsize) i * p * p + a];
        int y = a / p - p / 2, x = a % p - p / 2;
        total += v;
        if (ABS (y) <= 3 && ABS (x) <= 3)
          centre += v;
      }
  return centre / total;
}

static void
test_split (void)
{
  enum { P = 13, S = P * P, M = 120, NP = S - 1 - M };
  g_autofree double *cov = g_new (double, S * S);
  for (int a = 0; a < S; a++)
    for (int b = 0; b < S; b++)
      cov[a * S + b] = pow (0.9, ABS (a / P - b / P) + ABS (a % P - b % P));
  for (int a = 0; a < S; a++)   /* centred: C0 cov C0 */
    {
      double mean = 0.0;
      for (int b = 0; b < S; b++)
        mean += cov[a * S + b] / S;
      for (int b = 0; b < S; b++)
        cov[a * S + b] -= mean;
    }
  for (int b = 0; b < S; b++)
    {
      double mean = 0.0;
      for (int a = 0; a < S; a++)
        mean += cov[a * S + b] / S;
      for (int a = 0; a < S; a++)
        cov[a * S + b] -= mean;
    }
  g_autofree double *free = g_new (double, M * S), *pen = g_new (double, NP * S);
  g_assert_true (ts_dictionary_split_subspace (cov, P, M, 1.0, 2.5, free, pen));
  for (int i = 0; i < M + NP; i++)
    {
      const double *u = i < M ? free + i * S : pen + (i - M) * S;
      double mean = 0.0;
      for (int a = 0; a < S; a++)
        mean += u[a];
      g_assert_cmpfloat (fabs (mean), <, 1e-9);
      for (int j = 0; j <= i; j++)
        {
          const double *v = j < M ? free + j * S : pen + (j - M) * S;
          double dot = 0.0;
          for (int a = 0; a < S; a++)
            dot += u[a] * v[a];
          g_assert_cmpfloat (fabs (dot - (i == j)), <, 1e-9);
        }
    }
  double windowed = centre_share (pen, NP, P);
  g_assert_true (ts_dictionary_split_subspace (cov, P, M, 1.0, 0.0, free, pen));
  double plain = centre_share (pen, NP, P);
  if (g_test_verbose ())
    g_printerr ("penalised subspace in the central 7 x 7: %.3f windowed, %.3f plain\n", windowed, plain);
  g_assert_cmpfloat (windowed, >, 0.7);
  g_assert_cmpfloat (plain, <, 0.5);
  g_assert_false (ts_dictionary_split_subspace (cov, P, S, 1.0, 2.5, free, pen));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dictionary-learning/recovers-atoms", test_recovers_atoms);
  g_test_add_func ("/dictionary-learning/deterministic", test_deterministic);
  g_test_add_func ("/dictionary-learning/omp-exact", test_omp_exact);
  g_test_add_func ("/dictionary-learning/split", test_split);
  return g_test_run ();
}
