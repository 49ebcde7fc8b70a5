/* Forward operators H of the reconstruction problem, behind one small interface
 * (BART's linop shape): apply H, apply H^T, apply H^T H, ||H||, and optionally H^T H's
 * eigenvalues in the Fourier domain. The solver sees nothing else of an operator.
 * The image domain is a real width x height image; the data domain is whatever the
 * operator measures (an image for denoising, a low-resolution image for super-resolution,
 * complex k-space for MRI), stored as `data_len` floats. */
#pragma once
#include <glib.h>
#include "ts-error.h"

G_BEGIN_DECLS

typedef struct TsOperator TsOperator;

struct TsOperator {
  const char *name;
  int width, height;        /* image domain */
  gsize data_len;           /* floats in the data domain */
  double norm;              /* operator norm ||H|| used by the solver's step size */
  /* The reference's forward variant (MODEL.md "Inner solver"), the convention its denoising
   * weights were trained with: a property of H = I, set by ts_operator_identity_new. The
   * step size then leaves the data term's Lipschitz constant out, L = 1.01 b L_P instead of
   * 1.01 (b L_P + ||H||^2), and D's scale floors beta at 0.1 (TS_FORWARD_BETA_FLOOR). */
  gboolean forward_variant;
  void (*apply) (const TsOperator *op, const float *x, float *y);
  void (*adjoint) (const TsOperator *op, const float *y, float *x);
  void (*normal) (const TsOperator *op, const float *x, float *out);   /* H^T H x */
  /* Optional (NULL when H^T H is not diagonal in the Fourier domain): H^T H's eigenvalues for
   * the DFT basis of real images, height * width doubles out[fy * width + fx], real and
   * point-symmetric, so that H^T H x = F^-1 (out .* F x). */
  void (*normal_fourier) (const TsOperator *op, double *out);
  void (*destroy) (TsOperator *op);
  void *priv;
};

void ts_operator_apply (const TsOperator *op, const float *x, float *y);
void ts_operator_adjoint (const TsOperator *op, const float *y, float *x);
void ts_operator_normal (const TsOperator *op, const float *x, float *out);
/* H^T H's eigenvalues in the DFT basis (see normal_fourier), newly allocated; NULL when the
 * operator has none (H^T H is not a Fourier multiplier). */
double *ts_operator_normal_fourier (const TsOperator *op);
void ts_operator_free (TsOperator *op);

/* H = I on a width x height image (denoising, forward_variant). */
TsOperator *ts_operator_identity_new (int width, int height);

/* Super-resolution: H x = conv2d(x, k, stride) ('valid' correlation), k a size x size
 * Gaussian with standard deviation `std` centred at (size - 1) / 2, normalised to sum 1.
 * The image is (n - 1) * stride + size on a side for an n-sample low-resolution side. */
#define TS_SR_DEFAULT_KERNEL 16
#define TS_SR_DEFAULT_STD 2.0
#define TS_SR_DEFAULT_STRIDE 4
TsOperator *ts_operator_sr_new (int lowres_width, int lowres_height, int kernel_size, double std,
                                int stride, GError **error);
/* Size of the high-resolution estimate for a low-resolution side. */
int ts_operator_sr_highres_side (int lowres_side, int kernel_size, int stride);

/* Single-coil Cartesian MRI: H x = mask .* DFT_ortho(x), data = complex (re, im) pairs.
 * FFTW plans are created once here and reused. `mask` (height * width, 0/1) is copied. */
TsOperator *ts_operator_mri_new (int width, int height, const float *mask, GError **error);
/* Zero-filled image real(DFT_ortho^-1 (kspace)) for interleaved complex k-space. */
void ts_operator_mri_zero_filled (const TsOperator *op, const float *kspace, float *x);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsOperator, ts_operator_free)

G_END_DECLS
