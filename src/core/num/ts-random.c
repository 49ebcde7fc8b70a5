#include "ts-random.h"
#include <math.h>

static inline guint64
rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

void
ts_random_seed (TsRandom *rng, guint64 seed)
{
  for (int i = 0; i < 4; i++)
    {
      /* splitmix64 */
      guint64 z = (seed += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));
      z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
      z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
      rng->s[i] = z ^ (z >> 31);
    }
}

guint64
ts_random_next (TsRandom *rng)
{
  guint64 *s = rng->s;
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

double
ts_random_uniform (TsRandom *rng)
{
  return (ts_random_next (rng) >> 11) * 0x1.0p-53;
}

double
ts_random_uniform_open0 (TsRandom *rng)
{
  return ((ts_random_next (rng) >> 11) + 1) * 0x1.0p-53;
}

int
ts_random_below (TsRandom *rng, int n)
{
  return (int) (ts_random_uniform (rng) * n);
}

double
ts_random_normal (TsRandom *rng)
{
  double u1 = ts_random_uniform (rng), u2 = ts_random_uniform (rng);
  return sqrt (-2.0 * log (1.0 - u1)) * cos (2.0 * G_PI * u2);
}

/* W. Hoermann, "The transformed rejection method for generating Poisson random variables",
 * Insurance: Mathematics and Economics 12 (1993): the PTRS algorithm, exact for lambda >= 10. */
static double
poisson_ptrs (TsRandom *rng, double lambda)
{
  double slam = sqrt (lambda), loglam = log (lambda);
  double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
  double invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2.0);

  for (;;)
    {
      double u = ts_random_uniform (rng) - 0.5, v = ts_random_uniform (rng);
      double us = 0.5 - fabs (u);
      double k = floor ((2.0 * a / us + b) * u + lambda + 0.43);
      if (us >= 0.07 && v <= vr)
        return k;
      if (k < 0.0 || (us < 0.013 && v > us))
        continue;
      if (log (v) + log (invalpha) - log (a / (us * us) + b)
          <= -lambda + k * loglam - lgamma (k + 1.0))
        return k;
    }
}

double
ts_random_poisson (TsRandom *rng, double lambda)
{
  if (!(lambda > 0.0))
    return 0.0;
  if (lambda >= 30.0)
    return poisson_ptrs (rng, lambda);
  /* Knuth: the number of uniforms whose product stays above exp(-lambda). */
  double limit = exp (-lambda), product = ts_random_uniform_open0 (rng);
  double k = 0.0;
  while (product > limit)
    {
      product *= ts_random_uniform_open0 (rng);
      k += 1.0;
    }
  return k;
}
