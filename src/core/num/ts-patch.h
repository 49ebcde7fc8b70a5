/* Patch extraction on the circular image (MODEL.md "Notation"): im2col / col2im over
 * row bands, so that 13x13 correlations become sgemm calls on cache-sized panels. */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

/* i mod n in [0, n): the circular boundary of MODEL.md. */
static inline int
ts_patch_wrap (int i, int n)
{
  i %= n;
  return i < 0 ? i + n : i;
}

/* cols[a * n_band + (r - row0) * width + col] = x[(r + dy_a) mod H, (col + dx_a) mod W]
 * for rows row0 <= r < row1, a = (dy + h) * p + (dx + h), h = p / 2. */
void ts_patch_im2col (const float *x, int width, int height, int p, int row0, int row1, float *cols);
/* Adjoint of ts_patch_im2col: out[(r + dy) mod H, (col + dx) mod W] += cols[a, ...]. */
void ts_patch_col2im_add (const float *cols, int width, int height, int p, int row0, int row1,
                          float *out);
/* out[m] = sum_d kernel[d] x[m + d], circular; kernel is (2h + 1) x (2h + 1), double. */
void ts_patch_correlate (const float *x, int width, int height, const double *kernel, int ksize,
                         float *out);
/* Rows per band so that a band's im2col panel stays near `bytes`. */
int  ts_patch_band_rows (int width, int p, gsize bytes);

G_END_DECLS
