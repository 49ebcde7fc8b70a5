/* Circular im2col / col2im on row bands. */
#include "ts-patch.h"
#include <string.h>

void
ts_patch_im2col (const float *x, int width, int height, int p, int row0, int row1, float *cols)
{
  int h = p / 2;
  gsize n_band = (gsize) (row1 - row0) * width;
  for (int dy = -h; dy <= h; dy++)
    for (int dx = -h; dx <= h; dx++)
      {
        float *dst = cols + (gsize) ((dy + h) * p + (dx + h)) * n_band;
        int shift = ts_patch_wrap (dx, width);
        for (int r = row0; r < row1; r++, dst += width)
          {
            const float *src = x + (gsize) ts_patch_wrap (r + dy, height) * width;
            memcpy (dst, src + shift, sizeof (float) * (width - shift));
            memcpy (dst + (width - shift), src, sizeof (float) * shift);
          }
      }
}

void
ts_patch_col2im_add (const float *cols, int width, int height, int p, int row0, int row1,
                     float *out)
{
  int h = p / 2;
  gsize n_band = (gsize) (row1 - row0) * width;
  for (int dy = -h; dy <= h; dy++)
    for (int dx = -h; dx <= h; dx++)
      {
        const float *src = cols + (gsize) ((dy + h) * p + (dx + h)) * n_band;
        int shift = ts_patch_wrap (dx, width);
        for (int r = row0; r < row1; r++, src += width)
          {
            float *dst = out + (gsize) ts_patch_wrap (r + dy, height) * width;
            int first = width - shift;
            for (int c = 0; c < first; c++)
              dst[c + shift] += src[c];
            for (int c = first; c < width; c++)
              dst[c - first] += src[c];
          }
      }
}

void
ts_patch_correlate (const float *x, int width, int height, const double *kernel, int ksize,
                    float *out)
{
  int h = ksize / 2;
  memset (out, 0, sizeof (float) * width * height);
  for (int dy = -h; dy <= h; dy++)
    for (int dx = -h; dx <= h; dx++)
      {
        float k = (float) kernel[(dy + h) * ksize + (dx + h)];
        if (k == 0.0f)
          continue;
        int shift = ts_patch_wrap (dx, width);
        for (int r = 0; r < height; r++)
          {
            const float *src = x + (gsize) ts_patch_wrap (r + dy, height) * width;
            float *dst = out + (gsize) r * width;
            int first = width - shift;
            for (int c = 0; c < first; c++)
              dst[c] += k * src[c + shift];
            for (int c = first; c < width; c++)
              dst[c] += k * src[c - first];
          }
      }
}

int
ts_patch_band_rows (int width, int p, gsize bytes)
{
  gsize per_row = (gsize) p * p * width * sizeof (float);
  int rows = (int) (bytes / MAX (per_row, 1));
  return MAX (rows, 1);
}
