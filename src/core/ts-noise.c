#include "ts-noise.h"
#include <math.h>

/* xoshiro256** seeded through splitmix64, and Box-Muller in double: fully specified integer
 * arithmetic plus libm log/sqrt/cos/sin, so a seed gives the same noise on every platform
 * (unlike rand(), whose generator varies between C libraries). */

static guint64
splitmix64 (guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static inline guint64
rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

static guint64
xoshiro_next (guint64 s[4])
{
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

/* Uniform in (0, 1]: the top 53 bits, shifted by one so log() never sees 0. */
static double
uniform_open0 (guint64 s[4])
{
  return ((xoshiro_next (s) >> 11) + 1) * (1.0 / 9007199254740992.0);
}

void
ts_noise_add_gaussian (TsImage *image, double sigma, guint64 seed)
{
  g_return_if_fail (image != NULL);
  guint64 sm = seed;
  guint64 s[4];
  for (int i = 0; i < 4; i++)
    s[i] = splitmix64 (&sm);
  gsize n = ts_image_n_values (image);
  for (gsize i = 0; i < n; i += 2)
    {
      double u1 = uniform_open0 (s);
      double u2 = uniform_open0 (s);
      double r = sqrt (-2.0 * log (u1));
      double theta = 2.0 * G_PI * u2;
      image->data[i] += (float) (sigma * r * cos (theta));
      if (i + 1 < n)
        image->data[i + 1] += (float) (sigma * r * sin (theta));
    }
}
