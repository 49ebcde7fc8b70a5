/* Image quality metrics. */
#pragma once
#include "ts-error.h"
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

/* PSNR and SSIM (either pointer may be NULL: not computed) of the part of `estimate` that a
 * `reference` no larger than it covers: its centre, of the reference's size. A fastMRI
 * file's ground truth is the central 320 x 320 of the image (the paper's protocol,
 * data/README.md); equal sizes score the whole image. `border` as ts_psnr. The CLI and the
 * GUI both score an MRI reconstruction with this. A reference larger than the estimate, or
 * of other channels, is refused (TS_ERROR_INVALID, naming `reference_name`). */
gboolean ts_score_centred (const TsImage *estimate, const TsImage *reference,
                           const char *reference_name, int border, double *psnr, double *ssim,
                           GError **error);

G_END_DECLS
