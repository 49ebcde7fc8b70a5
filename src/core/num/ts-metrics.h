/* Image quality metrics. */
#pragma once
#include "ts-image.h"

G_BEGIN_DECLS

/* PSNR in dB with peak 1 of `estimate` clipped to [0, 1] against `reference`, over all
 * channels, with `border` pixels removed on each side (0 = none). Same sizes required;
 * returns INFINITY for identical images. */
double ts_psnr (const TsImage *estimate, const TsImage *reference, int border);
/* SSIM as scikit-image's structural_similarity defaults with data_range 1: 7x7 uniform
 * window, K1 = 0.01, K2 = 0.03, sample covariance, mean over the valid region; channels
 * averaged. The estimate is clipped to [0, 1]. */
double ts_ssim (const TsImage *estimate, const TsImage *reference, int border);

G_END_DECLS
