/* Signal-dependent noise: the Poisson-Gaussian model var(z | y) = a y + b per colour channel
 * (y the clean intensity, in the image's units), read from a single image, and the rule that
 * chooses between it and the white Gaussian model of ts-noise-level.h (issue 20).
 *
 * The estimate follows A. Foi, M. Trimeche, V. Katkovnik and K. Egiazarian, "Practical
 * Poissonian-Gaussian noise modeling and fitting for single-image raw-data", IEEE TIP 17(10),
 * 2008: local estimates of the mean and the noise variance on smooth parts of the picture,
 * gathered by intensity, then a robust weighted line fit. Here:
 *   - the noise is read from a fine-scale residual, the 3 x 3 Laplacian-type kernel
 *     (1 -2 1; -2 4 -2; 1 -2 1) / 6 of unit norm: it keeps white noise's variance, and for
 *     signal-dependent noise gives the variance at the local mean (the kernel's squares sum
 *     to 1), while removing a smooth picture's planes and most of its curvature;
 *   - blocks of 8 x 8 are smooth when their variance about a fitted plane is at most 1.5
 *     times their residual's and the variance the current fit predicts at their mean (the
 *     99.5 % point of the chi-square of pure noise), so that edges and coarse texture drop
 *     out while pure noise stays in; the selection and the fit are refined alternately
 *     (4 rounds), starting from the first test alone;
 *   - the kept blocks, sorted by mean, form up to 16 bins of equal count (at least 16 blocks
 *     each); a bin's variance is the square of 1.4826 times the median absolute residual over
 *     all its pixels (robust to the texture that passes for smooth), its intensity the mean;
 *   - the line is fitted by weighted least squares with weights n / var^2 (the variance of a
 *     variance estimate), reweighted from the fit, bins more than 3 standard errors off
 *     dropped; a is clipped at 0, and b may be negative but not so that the variance falls
 *     below a floor at the lowest intensity read.
 * Blocks with a value at a clipped extreme of the image (many pixels exactly at its minimum
 * or maximum, as 8-bit pictures saturate) are left out: clipping lowers the variance there. */
#pragma once
#include "ts-image.h"
#include "ts-noise-level.h"

G_BEGIN_DECLS

/* Which noise a denoising assumes. */
typedef enum {
  TS_NOISE_MODEL_GAUSSIAN,          /* white Gaussian of one level (ts-noise-level.h) */
  TS_NOISE_MODEL_POISSON_GAUSSIAN,  /* variance a y + b per channel, through the GAT */
  TS_NOISE_MODEL_AUTO,              /* ts_noise_model_choose */
} TsNoiseModel;

/* "gaussian" / "poisson-gaussian" / "auto"; FALSE for other names. */
gboolean    ts_noise_model_from_name (const char *name, TsNoiseModel *model);
const char *ts_noise_model_name (TsNoiseModel model);

/* The variance a * y + b of one channel (image units). */
typedef struct {
  double a, b;
} TsPoissonGaussian;

#define TS_NOISE_MODEL_MAX_BINS 16

/* The reading of one image. */
typedef struct {
  int n_channels;                /* colour channels read: 1 (gray) or 3 (R, G, B); 0 when the
                                  * image is too small or has no smooth part (a = b = 0) */
  TsPoissonGaussian channel[3];
  double a_error[3];             /* the standard error of each a */
  /* The intensities the fit covers, per channel: the means of its lowest and highest bins. */
  double y_low[3], y_high[3];
  int n_bins[3];
  /* The bins of each channel: intensity, variance and number of residuals read. */
  double bin_mean[3][TS_NOISE_MODEL_MAX_BINS], bin_variance[3][TS_NOISE_MODEL_MAX_BINS];
  int bin_count[3][TS_NOISE_MODEL_MAX_BINS];
  /* sd(y_high) / sd(y_low) per channel: the fitted noise's standard deviation at the top of
   * the range read over that at its bottom (1 for Gaussian noise); and the largest of them. */
  double channel_spread[3];
  double spread;
} TsNoiseModelEstimate;

/* Reads `image` (gray, gray + alpha, RGB, RGBA; alpha ignored) into *estimate. Pictures larger
 * than 1024 x 1024 are read on their centre 1024 x 1024. Deterministic; a, b and the spread
 * are finite for any input (non-finite pixels leave their blocks out), and images below
 * 32 x 32 give n_channels 0. */
void   ts_noise_model_estimate (const TsImage *image, TsNoiseModelEstimate *estimate);
/* a y + b, never below 0. */
double ts_poisson_gaussian_variance (const TsPoissonGaussian *model, double y);

/* What `auto` picks for an image with the blind reading `level` (ts_noise_level_estimate) and
 * the Poisson-Gaussian reading `estimate`: GAUSSIAN or POISSON_GAUSSIAN (see the .c file for
 * the rule and why). */
TsNoiseModel ts_noise_model_choose (const TsNoiseLevel *level,
                                    const TsNoiseModelEstimate *estimate);

G_END_DECLS
