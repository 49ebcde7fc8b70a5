/* The generalised Anscombe transform (GAT) for Poisson-Gaussian noise and its exact unbiased
 * inverse (M. Makitalo and A. Foi, "Optimal inversion of the generalized Anscombe
 * transformation for Poisson-Gaussian noise", IEEE Trans. Image Process. 22(1), 2013).
 *
 * Noise: z = a * P(y / a) + N(0, b), P Poisson, y the clean intensity in the image's units, so
 * that var(z | y) = a y + b (ts-noise-model.h). The GAT
 *     f(z) = (2 / a) sqrt (a z + 3/8 a^2 + b)      (0 where the root's argument is negative)
 * makes that noise about unit-variance Gaussian at every y. A transform here is f scaled to a
 * chosen Gaussian level and shifted so that z = 0 maps to 0:
 *     v = scale * (f(z) - f(0)),
 * computed as scale * 2 z / (sqrt (a z + K) + sqrt K), K = 3/8 a^2 + b, which stays exact as
 * a goes to 0 (a = 0 is the Gaussian case v = scale * z / sqrt b). A denoiser for white noise
 * of level `scale` then estimates E[v | y], not v(y): f is concave, so the algebraic inverse
 * of an estimate is biased low where counts are low. The exact unbiased inverse maps
 * E[v | y] back to y: E[f(z) | y] is computed for a grid of y by summing the Poisson terms and
 * integrating the Gaussian by Gauss-Hermite quadrature (by Simpson's rule on sqrt of the
 * root's argument where the clipping at 0 lies within the Gaussian), which gives an
 * increasing table, inverted by interpolation; beyond 200 counts (y > 200 a) an asymptotic
 * expansion takes over (ts-anscombe.c), its error there about 1e-6 counts. */
#pragma once
#include "ts-image.h"

G_BEGIN_DECLS

typedef struct _TsAnscombe TsAnscombe;

/* The transform for variance a y + b (a >= 0; a y + b > 0 for the intensities of interest;
 * a = 0 needs b > 0), scaled to the Gaussian level `scale` (> 0). NULL for other values. */
TsAnscombe *ts_anscombe_new (double a, double b, double scale);
void        ts_anscombe_free (TsAnscombe *transform);

/* v(z). */
double ts_anscombe_forward (const TsAnscombe *transform, double z);
/* The exact unbiased inverse: the y >= 0 with E[v(z) | y] = v, 0 for v at or below E[v | 0]. */
double ts_anscombe_inverse (const TsAnscombe *transform, double v);
/* The algebraic inverse v^-1 (for comparison: biased at low counts). */
double ts_anscombe_inverse_algebraic (const TsAnscombe *transform, double v);
/* E[v(z) | y], computed directly (no table): what the inverse inverts. */
double ts_anscombe_expectation (const TsAnscombe *transform, double y);

/* The forward transform / the exact unbiased inverse of one channel of `image`, in place. */
void ts_anscombe_forward_channel (const TsAnscombe *transform, TsImage *image, int channel);
void ts_anscombe_inverse_channel (const TsAnscombe *transform, TsImage *image, int channel);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsAnscombe, ts_anscombe_free)

G_END_DECLS
