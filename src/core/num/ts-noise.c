#include "ts-noise.h"
#include "ts-random.h"
#include "ts-colour.h"
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

void
ts_noise_add_poisson_gaussian (TsImage *image, double a, double b, guint64 seed)
{
  g_return_if_fail (image != NULL && a >= 0.0 && b >= 0.0);
  TsRandom rng;
  ts_random_seed (&rng, seed);
  int channels = ts_colour_channels (image);
  double sd = sqrt (b);
  gsize n = (gsize) image->width * image->height;
  for (gsize i = 0; i < n; i++)
    for (int c = 0; c < channels; c++)
      {
        float *value = image->data + i * image->channels + c;
        double y = *value;
        if (a > 0.0)
          y = a * ts_random_poisson (&rng, y / a);
        *value = (float) (y + sd * ts_random_normal (&rng));
      }
}
