/* The noise of a denoising and the levels its planes are solved at (see ts-restore-noise.h). */
#include "ts-restore-noise.h"
#include "ts-error.h"
#include "ts-restore-model.h"

#include <math.h>
#include <string.h>

/* The lowest level the denoiser takes (ts-restore-model.h), and the least variance a
 * transform is made for. */
#define MIN_SIGMA 0.5
#define MIN_VARIANCE ((MIN_SIGMA / 255.0) * (MIN_SIGMA / 255.0))

const char *
ts_restore_noise_plane_name (const TsRestoreNoise *noise, int plane)
{
  static const char *const opponent[] = { "Y", "O1", "O2" }, *const rgb[] = { "R", "G", "B" };
  g_return_val_if_fail (noise != NULL && plane >= 0 && plane < 3, "");
  if (noise->n_planes == 1)
    return "gray";
  return noise->opponent ? opponent[plane] : rgb[plane];
}

const char *
ts_restore_noise_channel_name (const TsRestoreNoise *noise, int channel)
{
  static const char *const rgb[] = { "R", "G", "B" };
  g_return_val_if_fail (noise != NULL && channel >= 0 && channel < 3, "");
  return noise->n_channels == 1 ? "gray" : rgb[channel];
}

double
ts_restore_noise_plane_factor (const TsRestoreNoise *noise, int plane)
{
  g_return_val_if_fail (noise != NULL, 1.0);
  return noise->opponent && plane > 0 ? noise->strength * noise->chroma_strength
                                      : noise->strength;
}

/* The mean of the finite values of one channel, in [0, 1]. */
static double
channel_mean (const TsImage *image, int channel)
{
  gsize n = (gsize) image->width * image->height, count = 0;
  double sum = 0.0;
  for (gsize i = 0; i < n; i++)
    {
      double v = image->data[i * image->channels + channel];
      if (isfinite (v))
        {
          sum += v;
          count++;
        }
    }
  return count > 0 ? CLAMP (sum / count, 0.0, 1.0) : 0.5;
}

/* The Poisson-Gaussian part of a plan: the variance per channel and the common level. */
static void
plan_poisson_gaussian (const TsImage *image, TsRestoreNoise *noise)
{
  double sum = 0.0;

  noise->n_channels = noise->pg.n_channels;
  for (int c = 0; c < noise->n_channels; c++)
    {
      TsPoissonGaussian pg = noise->pg.channel[c];
      /* A transform needs a positive variance: with a = 0, b is the whole of it. */
      if (pg.a <= 0.0)
        pg = (TsPoissonGaussian) { .a = 0.0, .b = MAX (pg.b, MIN_VARIANCE) };
      noise->channel[c] = pg;
      sum += MAX (ts_poisson_gaussian_variance (&pg, channel_mean (image, c)), MIN_VARIANCE);
    }
  noise->sigma = 255.0 * sqrt (sum / noise->n_channels);
}

gboolean
ts_restore_noise_plan (const TsImage *image, TsColourMode colour, TsNoiseModel model,
                       double sigma, double strength, double chroma_strength,
                       TsRestoreNoise *noise, GError **error)
{
  g_return_val_if_fail (image != NULL && noise != NULL, FALSE);
  memset (noise, 0, sizeof *noise);
  noise->requested = model;
  noise->strength = strength;
  noise->chroma_strength = chroma_strength;
  noise->sigma_estimate = NAN;
  for (int p = 0; p < 3; p++)
    noise->plane_sigma[p] = noise->plane_lambda[p] = NAN;
  gboolean colour_image = image->channels == 3 || image->channels == 4;
  noise->n_planes = colour_image ? 3 : 1;
  noise->opponent = colour_image && colour == TS_COLOUR_OPPONENT;

  if (!(strength > 0.0 && isfinite (strength)))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "the strength must be a positive number (got %g)", strength);
      return FALSE;
    }
  if (!(chroma_strength > 0.0 && isfinite (chroma_strength)))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "the chroma strength must be a positive number (got %g)", chroma_strength);
      return FALSE;
    }
  if (colour_image && !noise->opponent && chroma_strength != 1.0)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "a chroma strength needs colour in the opponent basis: per R, G, B there "
                   "are no chroma planes");
      return FALSE;
    }
  if (model == TS_NOISE_MODEL_POISSON_GAUSSIAN && !isnan (sigma))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "a given noise level is a Gaussian level: the Poisson-Gaussian model is "
                   "read from the image (give no level)");
      return FALSE;
    }

  noise->model = TS_NOISE_MODEL_GAUSSIAN;
  if (!isnan (sigma))
    noise->sigma = sigma;
  else
    {
      noise->estimated = TRUE;
      noise->sigma = ts_restore_estimate_sigma (image, &noise->sigma_estimate);
      ts_noise_level_estimate (image, &noise->level);
      if (model != TS_NOISE_MODEL_GAUSSIAN)
        {
          noise->has_reading = TRUE;
          ts_noise_model_estimate (image, &noise->pg);
          noise->model = model == TS_NOISE_MODEL_AUTO
                         ? ts_noise_model_choose (&noise->level, &noise->pg) : model;
          if (noise->model == TS_NOISE_MODEL_POISSON_GAUSSIAN && noise->pg.n_channels == 0)
            {
              noise->model = TS_NOISE_MODEL_GAUSSIAN;
              noise->note = "the picture has too little smooth area for a Poisson-Gaussian "
                            "reading: denoised as Gaussian noise at the blind level";
            }
        }
    }
  if (noise->model == TS_NOISE_MODEL_POISSON_GAUSSIAN)
    plan_poisson_gaussian (image, noise);
  for (int p = 0; p < noise->n_planes; p++)
    noise->plane_sigma[p] = noise->sigma * ts_restore_noise_plane_factor (noise, p);
  return TRUE;
}
