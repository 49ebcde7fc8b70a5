/* The noise of a denoising in words (see ts-noise-text.h). */
#include "ts-noise-text.h"

#include <math.h>
#include <glib/gi18n.h>

const char *
ts_noise_text_model_name (TsNoiseModel model)
{
  switch (model)
    {
    case TS_NOISE_MODEL_GAUSSIAN:
      /* Translators: the noise model: one noise level everywhere. */
      return _("Gaussian");
    case TS_NOISE_MODEL_POISSON_GAUSSIAN:
      /* Translators: the noise model: photon noise, growing with brightness. */
      return _("Poisson-Gaussian");
    default:
      return _("Automatic");
    }
}

/* The variance per colour channel a Poisson-Gaussian run uses, else the reading's: the
 * number of channels, 0 without a reading. */
static int
poisson_gaussian_channels (const TsRestoreNoise *noise, const TsPoissonGaussian **channel)
{
  if (noise->model == TS_NOISE_MODEL_POISSON_GAUSSIAN)
    {
      *channel = noise->channel;
      return noise->n_channels;
    }
  *channel = noise->pg.channel;
  return noise->has_reading ? noise->pg.n_channels : 0;
}

/* The noise's standard deviation at mid-grey, 0-255. */
static double
mid_grey_level (const TsPoissonGaussian *pg)
{
  return 255.0 * sqrt (ts_poisson_gaussian_variance (pg, 0.5));
}

static const char *
kind_words (TsNoiseKind kind)
{
  /* Translators: after the noise levels read from a picture: independent noise, as added
   * noise or raw data has. */
  return kind == TS_NOISE_CAMERA ? _("camera noise") : _("white noise");
}

char *
ts_noise_text_reading (const TsRestoreNoise *noise, TsNoiseModel model)
{
  g_return_val_if_fail (noise != NULL, NULL);
  if (!noise->estimated)
    return NULL;
  if (model == TS_NOISE_MODEL_POISSON_GAUSSIAN)
    {
      const TsPoissonGaussian *channel;
      int n = poisson_gaussian_channels (noise, &channel);
      if (n == 3)
        /* Translators: the noise of each colour channel (red, green, blue) at mid-grey, 0-255,
         * for noise that grows with brightness (photon noise). */
        return g_strdup_printf (_("Grows with brightness: R %.1f · G %.1f · B %.1f at mid-grey"),
                                mid_grey_level (&channel[0]), mid_grey_level (&channel[1]),
                                mid_grey_level (&channel[2]));
      if (n == 1)
        return g_strdup_printf (_("Grows with brightness: %.1f at mid-grey"),
                                mid_grey_level (&channel[0]));
      if (!noise->has_reading && noise->model != TS_NOISE_MODEL_POISSON_GAUSSIAN)
        return NULL;
      return g_strdup (_("Too little smooth area to read noise that grows with brightness"));
    }
  if (noise->level.n_planes == 3)
    /* Translators: the noise levels (0-255) read from a colour picture: its brightness and
     * its two colour planes; the last %s says which kind of noise ("white noise"). */
    return g_strdup_printf (_("Luminance %.1f · Colour %.1f / %.1f, %s"),
                            255.0 * noise->level.white[0], 255.0 * noise->level.white[1],
                            255.0 * noise->level.white[2], kind_words (noise->level.kind));
  if (noise->level.n_planes == 1)
    /* Translators: the noise level (0-255) read from a gray picture and its kind. */
    return g_strdup_printf (_("Level %.1f, %s"), 255.0 * noise->level.white[0],
                            kind_words (noise->level.kind));
  return NULL;
}

char *
ts_noise_text_reading_tooltip (const TsRestoreNoise *noise, TsNoiseModel model)
{
  g_return_val_if_fail (noise != NULL, NULL);
  if (model == TS_NOISE_MODEL_POISSON_GAUSSIAN)
    {
      const TsPoissonGaussian *channel;
      int n = poisson_gaussian_channels (noise, &channel);
      g_autoptr (GString) text = NULL;
      if (n == 0)
        return NULL;
      /* Translators: a tooltip; a and b follow, one line per colour channel. */
      text = g_string_new (_("The noise variance is a × y + b, y the brightness from 0 to 1:"));
      for (int c = 0; c < n; c++)
        {
          g_string_append_c (text, '\n');
          if (n == 3)
            g_string_append_printf (text, "%s: ", ts_restore_noise_channel_name (noise, c));
          g_string_append_printf (text, "a = %.4g, b = %.3g", channel[c].a, channel[c].b);
        }
      return g_string_free (g_steal_pointer (&text), FALSE);
    }
  if (noise->level.kind == TS_NOISE_CAMERA)
    /* Translators: a tooltip; %.1f is the level used, 0-255. */
    return g_strdup_printf (_("Camera noise: correlated by demosaicing and compression, as in "
                              "in-camera JPEGs. The fine-scale readings shown miss most of it: "
                              "the level used, %.1f, is read at a coarser scale."),
                            255.0 * noise->level.sigma);
  return g_strdup (_("White noise: independent from pixel to pixel. Luminance is the "
                     "brightness, Colour the two colour planes."));
}

char *
ts_noise_text_solved (const TsRestoreNoise *noise)
{
  g_return_val_if_fail (noise != NULL, NULL);
  if (noise->n_planes == 3 && noise->opponent)
    /* Translators: the noise levels (0-255) the brightness and the two colour planes were
     * denoised at. */
    return g_strdup_printf (_("Solved at luminance %.1f · colour %.1f / %.1f"),
                            noise->plane_sigma[0], noise->plane_sigma[1], noise->plane_sigma[2]);
  if (noise->n_planes == 3)
    return g_strdup_printf (_("Solved at R %.1f · G %.1f · B %.1f"), noise->plane_sigma[0],
                            noise->plane_sigma[1], noise->plane_sigma[2]);
  return g_strdup_printf (_("Solved at %.1f"), noise->plane_sigma[0]);
}

char *
ts_noise_text_used (const TsRestoreNoise *noise)
{
  gboolean automatic;

  g_return_val_if_fail (noise != NULL, NULL);
  automatic = noise->requested == TS_NOISE_MODEL_AUTO;
  if (noise->model == TS_NOISE_MODEL_POISSON_GAUSSIAN)
    return g_strdup (automatic ? _("Poisson-Gaussian noise (chosen automatically)")
                               : _("Poisson-Gaussian noise"));
  return g_strdup (automatic ? _("Gaussian noise (chosen automatically)") : _("Gaussian noise"));
}
