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
