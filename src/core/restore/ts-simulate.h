/* Simulated degradations of a clean picture, which is kept as the ground truth: the window's
 * Simulate switch, and tessera-cli's evaluation protocols and demo. */
#pragma once
#include "ts-image.h"
#include "ts-kspace.h"
#include "ts-model.h"

G_BEGIN_DECLS

/* The largest top-left crop of `image`, at most max_width x max_height, whose sides are
 * multiples of the model's pixel groups (ts_model_group_size). A restoration extends the
 * odd sides of what it is given (ts-restore.h); ground truth made up for it is cropped
 * instead, so that it compares pixel for pixel with the estimate. A new image (a copy when
 * nothing is cut); NULL when a side would be 0. */
TsImage  *ts_simulate_crop_to_groups (const TsModel *model, const TsImage *image, int max_width,
                                      int max_height);

/* `clean` with Gaussian noise of level sigma (image units) added to each colour channel c
 * from its own stream, seeded seed + c; alpha untouched (ts_colour_channels). The window's
 * simulation. (The evaluation protocol and the demo add one stream over all values,
 * ts_noise_add_gaussian, which gives the same noise for a gray picture.) */
TsImage  *ts_simulate_noise_per_channel (const TsImage *clean, double sigma, guint64 seed);

/* 4x super-resolution with the default operator (ts-operator.h): *truth receives the largest
 * top-left crop of `clean` that is an estimate's size, and the result is its low-resolution
 * image, H truth channel by channel, noise-free as in the paper's experiments. The picture
 * needs sides of at least kernel + 4 strides (32 pixels: five low-resolution samples). */
TsImage  *ts_simulate_sr (const TsImage *clean, TsImage **truth, GError **error);

/* Single-coil MRI: *truth receives the luminance of `clean` (ts_colour_luminance) cropped
 * to the model's groups, and the result is its k-space (orthonormal DFT) sampled by a
 * fastMRI-style Cartesian column mask for `acceleration` (at least 2) drawn from `seed`:
 * the lowest frequencies fully sampled, about width / acceleration columns in all. */
TsKspace *ts_simulate_mri (const TsImage *clean, const TsModel *model, int acceleration,
                           guint32 seed, TsImage **truth, GError **error);

G_END_DECLS
