/* The generalised Anscombe transform and its exact unbiased inverse (see ts-anscombe.h).
 *
 * Computed in counts: x = z / a, so that x = P(lambda) + N(0, s^2) with lambda = y / a,
 * s^2 = b / a^2, and f = 2 sqrt (x + c), c = 3/8 + b / a^2 (Makitalo and Foi's eq. 3 with
 * alpha = a, sigma^2 = b, mu = 0). */
#include "ts-anscombe.h"
#include <math.h>

/* The table covers lambda in [0, TABLE_MAX_COUNTS] on a grid dense near 0 (lambda_j =
 * TABLE_MAX_COUNTS (j / TABLE_STEPS)^2), where E[f] bends most. */
#define TABLE_MAX_COUNTS 200.0
#define TABLE_STEPS 2048
/* Gauss-Hermite nodes for the Gaussian part; its largest node is about 8.1, so the quadrature
 * is exact up to its order while m + sqrt 2 s x stays positive at every node. */
#define HERMITE_NODES 40
#define HERMITE_REACH 12.0      /* > sqrt 2 * largest node */
#define SIMPSON_STEPS 512
/* Poisson terms within this many standard deviations of the mean (plus a margin at low
 * counts) carry all but about 1e-30 of the mass. */
#define POISSON_REACH 12.0

struct _TsAnscombe {
  double a, b, scale;
  double c;              /* 3/8 + b / a^2 (a > 0) */
  double s;              /* the Gaussian's standard deviation in counts, sqrt (max (b, 0)) / a */
  double f0;             /* f(0) in counts: 2 sqrt (max (c, 0)) */
  double k;              /* 3/8 a^2 + b */
  double root_k;         /* sqrt (max (k, 0)) */
  double hermite_x[HERMITE_NODES], hermite_w[HERMITE_NODES];
  int n_g;
  double *g;             /* E[f | k counts] - f0, k = 0 .. n_g - 1 */
  double *table;         /* E[f | lambda_j] - f0, j = 0 .. TABLE_STEPS (unscaled) */
};

/* Gauss-Hermite nodes and weights (weight exp(-x^2), the weights sum to sqrt pi) by Newton's
 * method on the orthonormal Hermite recurrence (Numerical Recipes' gauher). */
static void
hermite_rule (int n, double *x, double *w)
{
  const double pim4 = 0.7511255444649425;   /* pi^-1/4 */
  double z = 0.0, pp = 0.0;

  for (int i = 0; i < (n + 1) / 2; i++)
    {
      if (i == 0)
        z = sqrt (2.0 * n + 1.0) - 1.85575 * pow (2.0 * n + 1.0, -0.16667);
      else if (i == 1)
        z -= 1.14 * pow (n, 0.426) / z;
      else if (i == 2)
        z = 1.86 * z - 0.86 * x[0];
      else if (i == 3)
        z = 1.91 * z - 0.91 * x[1];
      else
        z = 2.0 * z - x[i - 2];
      for (int iteration = 0; iteration < 100; iteration++)
        {
          double p1 = pim4, p2 = 0.0;
          for (int j = 1; j <= n; j++)
            {
              double p3 = p2;
              p2 = p1;
              p1 = z * sqrt (2.0 / j) * p2 - sqrt ((j - 1.0) / j) * p3;
            }
          pp = sqrt (2.0 * n) * p2;
          double previous = z;
          z = previous - p1 / pp;
          if (fabs (z - previous) <= 3e-14)
            break;
        }
      x[i] = z;
      x[n - 1 - i] = -z;
      w[i] = w[n - 1 - i] = 2.0 / (pp * pp);
    }
}

/* E[2 sqrt ((m + n)+)], n ~ N(0, s^2). */
static double
gaussian_root_mean (const TsAnscombe *t, double m)
{
  double s = t->s;

  if (s <= 0.0)
    return 2.0 * sqrt (MAX (m, 0.0));
  if (m > HERMITE_REACH * s)
    {
      double sum = 0.0;
      for (int i = 0; i < HERMITE_NODES; i++)
        sum += t->hermite_w[i] * sqrt (m + G_SQRT2 * s * t->hermite_x[i]);
      return 2.0 * sum / sqrt (G_PI);
    }
  /* The clipping at 0 lies within the Gaussian: with u = sqrt (m + n) the mean is
   * int 4 u^2 phi(u^2 - m) du, smooth in u, by Simpson's rule. */
  double lo = sqrt (MAX (m - HERMITE_REACH * s, 0.0)), hi = sqrt (m + HERMITE_REACH * s);
  double h = (hi - lo) / SIMPSON_STEPS, sum = 0.0;
  for (int i = 0; i <= SIMPSON_STEPS; i++)
    {
      double u = lo + i * h, n = u * u - m;
      double value = 4.0 * u * u * exp (-0.5 * n * n / (s * s));
      sum += (i == 0 || i == SIMPSON_STEPS ? 1.0 : i % 2 ? 4.0 : 2.0) * value;
    }
  return sum * h / 3.0 / (s * sqrt (2.0 * G_PI));
}

/* E[f | k] - f0 for k counts. */
static double
count_mean (const TsAnscombe *t, int k)
{
  if (k < t->n_g)
    return t->g[k];
  return gaussian_root_mean (t, k + t->c) - t->f0;
}

/* E[f | lambda] - f0: the Poisson-weighted sum of count_mean. */
static double
lambda_mean (const TsAnscombe *t, double lambda)
{
  if (!(lambda > 0.0))
    return count_mean (t, 0);
  double reach = POISSON_REACH * sqrt (lambda) + 20.0;
  int k0 = (int) MAX (0.0, floor (lambda - reach)), k1 = (int) ceil (lambda + reach);
  double log_lambda = log (lambda), sum = 0.0, mass = 0.0;
  for (int k = k0; k <= k1; k++)
    {
      double p = exp (-lambda + k * log_lambda - lgamma (k + 1.0));
      sum += p * count_mean (t, k);
      mass += p;
    }
  return sum / mass;
}

TsAnscombe *
ts_anscombe_new (double a, double b, double scale)
{
  if (!(a >= 0.0 && isfinite (a) && isfinite (b) && scale > 0.0 && isfinite (scale))
      || (a == 0.0 && !(b > 0.0)))
    return NULL;
  TsAnscombe *t = g_new0 (TsAnscombe, 1);
  t->a = a;
  t->b = b;
  t->scale = scale;
  t->k = 0.375 * a * a + b;
  t->root_k = sqrt (MAX (t->k, 0.0));
  if (a == 0.0)
    return t;
  t->c = 0.375 + b / (a * a);
  t->s = sqrt (MAX (b, 0.0)) / a;
  t->f0 = 2.0 * sqrt (MAX (t->c, 0.0));
  hermite_rule (HERMITE_NODES, t->hermite_x, t->hermite_w);
  t->n_g = (int) ceil (TABLE_MAX_COUNTS + POISSON_REACH * sqrt (TABLE_MAX_COUNTS) + 21.0);
  t->g = g_new (double, t->n_g);
  for (int k = 0; k < t->n_g; k++)
    t->g[k] = gaussian_root_mean (t, k + t->c) - t->f0;
  t->table = g_new (double, TABLE_STEPS + 1);
  for (int j = 0; j <= TABLE_STEPS; j++)
    {
      double r = (double) j / TABLE_STEPS;
      t->table[j] = lambda_mean (t, TABLE_MAX_COUNTS * r * r);
      /* E[f | lambda] increases with lambda (f increases, and the Poisson law increases
       * stochastically); rounding must not make the table step back. */
      if (j > 0 && t->table[j] <= t->table[j - 1])
        t->table[j] = nextafter (t->table[j - 1], INFINITY);
    }
  return t;
}

void
ts_anscombe_free (TsAnscombe *transform)
{
  if (transform == NULL)
    return;
  g_free (transform->g);
  g_free (transform->table);
  g_free (transform);
}

double
ts_anscombe_forward (const TsAnscombe *t, double z)
{
  g_return_val_if_fail (t != NULL, NAN);
  double arg = t->a * z + t->k;

  if (arg <= 0.0)
    return -t->scale * t->f0;
  /* f(z) - f(0) = (2 / a) (sqrt (a z + K) - sqrt K) = 2 z / (sqrt (a z + K) + sqrt K). */
  if (t->k > 0.0)
    return t->scale * 2.0 * z / (sqrt (arg) + t->root_k);
  return t->scale * 2.0 / t->a * sqrt (arg);
}

/* y from the counts-domain D - f0 = u by the algebraic inverse, (u + f0)^2 / 4 - c, written
 * so that nothing large cancels: u^2 / 4 + u sqrt c (c > 0). */
static double
algebraic_counts (const TsAnscombe *t, double u)
{
  if (t->c > 0.0)
    return 0.25 * u * u + u * sqrt (t->c);
  return 0.25 * u * u - t->c;
}

double
ts_anscombe_inverse_algebraic (const TsAnscombe *t, double v)
{
  g_return_val_if_fail (t != NULL, NAN);
  double u = v / t->scale;

  if (t->a == 0.0)
    return u * sqrt (t->b);
  return t->a * algebraic_counts (t, u);
}

double
ts_anscombe_inverse (const TsAnscombe *t, double v)
{
  g_return_val_if_fail (t != NULL, NAN);
  double u = v / t->scale;

  if (t->a == 0.0)
    return u * sqrt (t->b);
  if (!(u > t->table[0]))
    return isnan (u) ? NAN : 0.0;
  if (u <= t->table[TABLE_STEPS])
    {
      int lo = 0, hi = TABLE_STEPS;
      while (hi - lo > 1)
        {
          int mid = (lo + hi) / 2;
          if (t->table[mid] <= u)
            lo = mid;
          else
            hi = mid;
        }
      double r0 = (double) lo / TABLE_STEPS, r1 = (double) hi / TABLE_STEPS;
      double l0 = TABLE_MAX_COUNTS * r0 * r0, l1 = TABLE_MAX_COUNTS * r1 * r1;
      double w = (u - t->table[lo]) / (t->table[hi] - t->table[lo]);
      return t->a * (l0 + w * (l1 - l0));
    }
  /* Beyond the table, the asymptotic expansion of the exact unbiased inverse. With
   * m = lambda + c and e = x - lambda (variance V = lambda + s^2, third moment lambda, fourth
   * 3 V^2 + lambda), the Taylor series of E[2 sqrt (m + e)] gives
   *     D = 2 sqrt m - m^-1/2 / 4 + k m^-3/2 + O(m^-5/2),   k = -1/64 + min (b, 0) / (4 a^2),
   * whose inverse is m = D^2 / 4 + 1/4 - (1/16 + 4 k) / D^2 + O(D^-4). (Makitalo and Foi's
   * closed form, fitted for low counts, carries a D^-1 term that is 0.01 counts off here.) */
  double d = u + t->f0;
  double lambda = algebraic_counts (t, u) + 0.25 - MIN (t->b, 0.0) / (t->a * t->a * d * d);
  return t->a * lambda;
}

double
ts_anscombe_expectation (const TsAnscombe *t, double y)
{
  g_return_val_if_fail (t != NULL, NAN);
  if (t->a == 0.0)
    return t->scale * y / sqrt (t->b);
  return t->scale * lambda_mean (t, MAX (y, 0.0) / t->a);
}

void
ts_anscombe_forward_channel (const TsAnscombe *transform, TsImage *image, int channel)
{
  g_return_if_fail (transform != NULL && image != NULL);
  g_return_if_fail (channel >= 0 && channel < image->channels);
  gsize n = (gsize) image->width * image->height;
  for (gsize i = 0; i < n; i++)
    {
      float *value = image->data + i * image->channels + channel;
      *value = (float) ts_anscombe_forward (transform, *value);
    }
}

void
ts_anscombe_inverse_channel (const TsAnscombe *transform, TsImage *image, int channel)
{
  g_return_if_fail (transform != NULL && image != NULL);
  g_return_if_fail (channel >= 0 && channel < image->channels);
  gsize n = (gsize) image->width * image->height;
  for (gsize i = 0; i < n; i++)
    {
      float *value = image->data + i * image->channels + channel;
      *value = (float) ts_anscombe_inverse (transform, *value);
    }
}
