/* Blind estimation of the level of additive white Gaussian noise in an image.
 *
 * The estimator is patch-PCA with weak-texture selection (Liu, Tanaka and Okutomi, "Single-
 * image noise level estimation for blind denoising", IEEE TIP 2013): 7x7 patches whose
 * gradient energy is below a threshold that follows from the current noise level (a Gamma
 * quantile, confidence 1 - 1e-3) are kept, the noise variance is the smallest eigenvalue of
 * the covariance of the kept patches (corrected for its Marchenko-Pastur sampling bias), and the selection is refined twice from the new
 * level. Edges and texture are excluded by the selection, so, unlike Immerkaer's estimator,
 * it is not biased upwards on detailed images. Accuracy on BSD68 with added noise (mean
 * absolute error <= 0.4 in 0-255 units for sigma 5..50): docs/benchmarks.md. */
#pragma once
#include "ts-image.h"

G_BEGIN_DECLS

/* Noise standard deviation in the image's units ([0, 1] images: divide 0-255 sigmas by 255).
 * Gray (and gray + alpha): the estimate of the gray channel. Colour: the mean of the
 * estimates of the colour channels (R, G, B each carry the noise sigma when it is white and
 * independent per channel, which is the model the denoiser assumes). Alpha is ignored.
 * Images with fewer than 392 7x7 patch positions (about 26 x 26 pixels) fall back to
 * Immerkaer's estimator, and to 0 below 3 x 3; the weak-texture selection falls back to the
 * previous selection when it would keep fewer than 392 patches. Never negative, never NaN for finite input. */
double ts_noise_estimate (const TsImage *image);
/* One channel of `image`. */
double ts_noise_estimate_channel (const TsImage *image, int channel);
/* A row-major width x height plane (the estimator behind the two above). */
double ts_noise_estimate_plane (const float *plane, int width, int height);
/* Immerkaer's fast estimator (Laplacian-difference mask over the whole channel); biased
 * upwards by edges and texture, kept for comparison and for tiny images. */
double ts_noise_estimate_immerkaer (const TsImage *image, int channel);

G_END_DECLS
