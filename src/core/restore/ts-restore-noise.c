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
plan_poisson_gaussian (const TsNoiseReading *reading, TsRestoreNoise *noise)
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
      sum += MAX (ts_poisson_gaussian_variance (&pg, reading->mean[c]), MIN_VARIANCE);
    }
  noise->sigma = 255.0 * sqrt (sum / noise->n_channels);
}

void
ts_restore_noise_reading_init (TsNoiseReading *reading, const TsImage *image)
{
  g_return_if_fail (reading != NULL && image != NULL);
  memset (reading, 0, sizeof *reading);
  reading->width = image->width;
  reading->height = image->height;
  reading->channels = image->channels;
}

gboolean
ts_restore_noise_reading_covers (const TsNoiseReading *reading, TsNoiseModel model)
{
  g_return_val_if_fail (reading != NULL, FALSE);
  return reading->has_level && (model == TS_NOISE_MODEL_GAUSSIAN || reading->has_pg);
}

void
ts_restore_noise_read (const TsImage *image, TsNoiseModel model, TsNoiseReading *reading)
{
  g_return_if_fail (image != NULL && reading != NULL);
  g_return_if_fail (reading->width == image->width && reading->height == image->height
                    && reading->channels == image->channels);
  if (!reading->has_level)
    {
      ts_noise_level_estimate (image, &reading->level);
      reading->has_level = TRUE;
    }
  if (model != TS_NOISE_MODEL_GAUSSIAN && !reading->has_pg)
    {
      ts_noise_model_estimate (image, &reading->pg);
      for (int c = 0; c < reading->pg.n_channels; c++)
        reading->mean[c] = channel_mean (image, c);
      reading->has_pg = TRUE;
    }
}

/* The plan's shape and the values asked, checked. */
static gboolean
plan_start (int channels, TsColourMode colour, TsNoiseModel model, double sigma, double strength,
            double chroma_strength, TsRestoreNoise *noise, GError **error)
{
  memset (noise, 0, sizeof *noise);
  noise->requested = model;
  noise->strength = strength;
  noise->chroma_strength = chroma_strength;
  noise->sigma_estimate = NAN;
  for (int p = 0; p < 3; p++)
    noise->plane_sigma[p] = noise->plane_lambda[p] = NAN;
  gboolean colour_image = channels == 3 || channels == 4;
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
  return TRUE;
}

/* The plan, its shape and values checked (plan_start). */
static gboolean
plan_finish (const TsNoiseReading *reading, TsNoiseModel model, double sigma,
             TsRestoreNoise *noise, GError **error)
{
  noise->model = TS_NOISE_MODEL_GAUSSIAN;
  if (!isnan (sigma))
    noise->sigma = sigma;
  else
    {
      if (!ts_restore_noise_reading_covers (reading, model))
        {
          g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                       "the noise reading lacks what a %s plan reads from the image",
                       ts_noise_model_name (model));
          return FALSE;
        }
      noise->estimated = TRUE;
      noise->sigma = ts_restore_sigma_from_level (&reading->level, &noise->sigma_estimate);
      noise->level = reading->level;
      if (model != TS_NOISE_MODEL_GAUSSIAN)
        {
          noise->has_reading = TRUE;
          noise->pg = reading->pg;
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
    plan_poisson_gaussian (reading, noise);
  for (int p = 0; p < noise->n_planes; p++)
    noise->plane_sigma[p] = noise->sigma * ts_restore_noise_plane_factor (noise, p);
  return TRUE;
}

gboolean
ts_restore_noise_plan_from_reading (const TsNoiseReading *reading, TsColourMode colour,
                                    TsNoiseModel model, double sigma, double strength,
                                    double chroma_strength, TsRestoreNoise *noise, GError **error)
{
  g_return_val_if_fail (reading != NULL && noise != NULL, FALSE);
  return plan_start (reading->channels, colour, model, sigma, strength, chroma_strength, noise,
                     error)
         && plan_finish (reading, model, sigma, noise, error);
}

gboolean
ts_restore_noise_plan (const TsImage *image, TsColourMode colour, TsNoiseModel model,
                       double sigma, double strength, double chroma_strength,
                       TsRestoreNoise *noise, GError **error)
{
  TsNoiseReading reading;

  g_return_val_if_fail (image != NULL && noise != NULL, FALSE);
  /* The values first: nothing is read for a plan that cannot be made. */
  if (!plan_start (image->channels, colour, model, sigma, strength, chroma_strength, noise, error))
    return FALSE;
  ts_restore_noise_reading_init (&reading, image);
  if (isnan (sigma))
    ts_restore_noise_read (image, model, &reading);
  return plan_finish (&reading, model, sigma, noise, error);
}
