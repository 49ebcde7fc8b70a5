/* Localisation and orientation of the dictionary atoms as the model uses them. */
#include "ts-atom-stats.h"
#include "ts-derived.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

double
ts_atom_localisation (const float *atom, int size, int window)
{
  double total = 0.0, best = 0.0;

  g_return_val_if_fail (atom != NULL && size > 0, NAN);
  window = CLAMP (window, 1, size);
  for (int i = 0; i < size * size; i++)
    total += (double) atom[i] * atom[i];
  if (!(total > 0.0))
    return 0.0;
  for (int y0 = 0; y0 + window <= size; y0++)
    for (int x0 = 0; x0 + window <= size; x0++)
      {
        double e = 0.0;
        for (int y = y0; y < y0 + window; y++)
          for (int x = x0; x < x0 + window; x++)
            e += (double) atom[y * size + x] * atom[y * size + x];
        best = MAX (best, e);
      }
  return MIN (best / total, 1.0);
}

void
ts_atom_orientation (const float *atom, int size, double *angle, double *coherence)
{
  double jxx = 0.0, jyy = 0.0, jxy = 0.0, diff, off, trace, theta;

  g_return_if_fail (atom != NULL && size > 2);
  /* Structure tensor J = sum grad grad^T, with the vertical axis pointing up (rows go down),
   * so that angles read anticlockwise on screen. The gradient is Scharr's 3 x 3 derivative,
   * whose error does not depend on the direction as central differences' does (those were
   * 3 degrees off for a thin line at 15 degrees). */
#define A(yy, xx) ((double) atom[(yy) * size + (xx)])
  for (int y = 1; y < size - 1; y++)
    for (int x = 1; x < size - 1; x++)
      {
        double gx = (3.0 * (A (y - 1, x + 1) - A (y - 1, x - 1)) + 10.0 * (A (y, x + 1) - A (y, x - 1))
                     + 3.0 * (A (y + 1, x + 1) - A (y + 1, x - 1))) / 32.0;
        double gy = (3.0 * (A (y - 1, x - 1) - A (y + 1, x - 1)) + 10.0 * (A (y - 1, x) - A (y + 1, x))
                     + 3.0 * (A (y - 1, x + 1) - A (y + 1, x + 1))) / 32.0;
        jxx += gx * gx;
        jyy += gy * gy;
        jxy += gx * gy;
      }
#undef A
  diff = jxx - jyy;
  off = 2.0 * jxy;
  trace = jxx + jyy;
  /* The gradient's dominant direction is 0.5 atan2 (2 J_xy, J_xx - J_yy); the atom's own
   * direction (an edge's) is perpendicular to it. */
  theta = 0.5 * atan2 (off, diff) * 180.0 / G_PI + 90.0;
  theta = fmod (theta, 180.0);
  if (theta < 0.0)
    theta += 180.0;
  if (angle != NULL)
    *angle = trace > 0.0 ? theta : 0.0;
  if (coherence != NULL)
    *coherence = trace > 0.0 ? MIN (sqrt (diff * diff + off * off) / trace, 1.0) : 0.0;
}

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

double
ts_atom_stats_median (const double *values, int n)
{
  g_autofree double *sorted = NULL;

  if (values == NULL || n <= 0)
    return NAN;
  sorted = g_memdup2 (values, sizeof (double) * n);
  qsort (sorted, n, sizeof (double), compare_double);
  return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
}

TsAtomStats *
ts_atom_stats_new (const TsModel *model, GError **error)
{
  g_autoptr (TsDerived) derived = NULL;
  TsAtomStats *stats;
  int K, s;

  g_return_val_if_fail (model != NULL, NULL);
  /* The rows of D are the atoms as the model uses them (MODEL.md step 4), up to one scale
   * shared by all; the beta floor only keeps a model with beta <= 0 describable. */
  derived = ts_derived_new (model, NAN, NAN, TS_FORWARD_BETA_FLOOR, error);
  if (derived == NULL)
    return NULL;
  K = derived->K;
  s = derived->s;
  stats = g_new0 (TsAtomStats, 1);
  stats->n_atoms = K;
  stats->size = derived->p;
  stats->atoms = g_new0 (float, (gsize) K * s);
  stats->localisation = g_new0 (double, K);
  stats->angle = g_new0 (double, K);
  stats->coherence = g_new0 (double, K);
  for (int k = 0; k < K; k++)
    {
      const float *d = derived->D + (gsize) k * s;
      float *a = stats->atoms + (gsize) k * s;
      double norm = 0.0;
      for (int j = 0; j < s; j++)
        norm += (double) d[j] * d[j];
      norm = sqrt (norm);
      if (norm > 0.0)
        for (int j = 0; j < s; j++)
          a[j] = (float) (d[j] / norm);
      stats->localisation[k] = ts_atom_localisation (a, stats->size, TS_ATOM_WINDOW);
      ts_atom_orientation (a, stats->size, &stats->angle[k], &stats->coherence[k]);
    }
  stats->median_localisation = ts_atom_stats_median (stats->localisation, K);
  return stats;
}

void
ts_atom_stats_free (TsAtomStats *stats)
{
  if (stats == NULL)
    return;
  g_free (stats->atoms);
  g_free (stats->localisation);
  g_free (stats->angle);
  g_free (stats->coherence);
  g_free (stats);
}
