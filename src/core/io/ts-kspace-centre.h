/* Centred k-space (fastMRI's layout: the image is fftshift (ifft2 (ifftshift (k))),
 * orthonormal) to Tessera's (ts-kspace.h: the plain orthonormal DFT of the image, not
 * shifted), so that the zero-filled image comes out centred, as fastMRI shows it. */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

/* k[r][c] = kf[(r + H/2) % H][(c + W/2) % W] * exp (-2 pi i (r (H/2) / H + c (W/2) / W)):
 * ifftshift, then the phase that moves the image's origin to its centre (for even sides a
 * sign, (-1)^(r + c), exact in float). `in` and `out` are height x width complex values,
 * interleaved (re, im), and do not overlap. */
void ts_kspace_from_centred      (const float *in, float *out, int width, int height);
/* A mask (height x width) in the centred layout to Tessera's: the same shift, no phase. */
void ts_kspace_mask_from_centred (const float *in, float *out, int width, int height);

G_END_DECLS
