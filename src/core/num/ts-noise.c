#include "ts-noise.h"
#include "ts-random.h"
#include <math.h>

/* The core's generator (ts-random.h) and Box-Muller in double: a seed gives the same noise
 * on every platform. */

void
ts_noise_add_gaussian (TsImage *image, double sigma, guint64 seed)
{
  g_return_if_fail (image != NULL);
  TsRandom rng;
  ts_random_seed (&rng, seed);
  gsize n = ts_image_n_values (image);
  for (gsize i = 0; i < n; i += 2)
    {
      double u1 = ts_random_uniform_open0 (&rng);
      double u2 = ts_random_uniform_open0 (&rng);
      double r = sqrt (-2.0 * log (u1));
      double theta = 2.0 * G_PI * u2;
      image->data[i] += (float) (sigma * r * cos (theta));
      if (i + 1 < n)
        image->data[i + 1] += (float) (sigma * r * sin (theta));
    }
}
