/* Image quality metrics: PSNR and SSIM.
 *
 * Both are computed in double so that the numbers reported by Tessera agree with the
 * reference evaluation (NumPy / scikit-image in float64) to far below the precision at
 * which results are quoted. */
#include "ts-metrics.h"
#include <math.h>

/* The estimate is clipped because a restored image is saved (and judged) in [0, 1]; the
 * reference is taken as is so that metrics against a reference stay comparable. */
static inline double
clip01 (float v)
{
  return v < 0.0f ? 0.0 : v > 1.0f ? 1.0 : (double) v;
}

static gboolean
same_geometry (const TsImage *a, const TsImage *b)
{
  return a->width == b->width && a->height == b->height && a->channels == b->channels;
}

double
ts_psnr (const TsImage *estimate, const TsImage *reference, int border)
{
  g_return_val_if_fail (estimate != NULL && reference != NULL, NAN);
  g_return_val_if_fail (same_geometry (estimate, reference), NAN);
  g_return_val_if_fail (border >= 0, NAN);

  int w = estimate->width, h = estimate->height, ch = estimate->channels;
  if (2 * (gint64) border >= w || 2 * (gint64) border >= h)
    return NAN;   /* nothing left to compare */

  double sum = 0.0;
  for (int y = border; y < h - border; y++)
    {
      gsize row = ((gsize) y * w + border) * ch;
      gsize n = (gsize) (w - 2 * border) * ch;
      const float *e = estimate->data + row, *r = reference->data + row;
      /* Summing a row at a time keeps the partial sums of similar magnitude. */
      double row_sum = 0.0;
      for (gsize i = 0; i < n; i++)
        {
          double d = clip01 (e[i]) - (double) r[i];
          row_sum += d * d;
        }
      sum += row_sum;
    }
  double count = (double) (w - 2 * border) * (h - 2 * border) * ch;
  double mse = sum / count;
  if (mse == 0.0)
    return INFINITY;
  return 10.0 * log10 (1.0 / mse);
}

/* scikit-image's defaults (structural_similarity with data_range = 1). */
#define SSIM_WIN 7
#define SSIM_PAD ((SSIM_WIN - 1) / 2)
#define SSIM_K1 0.01
#define SSIM_K2 0.03

/* Mean SSIM of one channel over the region [x0, x0 + w) x [y0, y0 + h).
 *
 * skimage filters the whole image with a 7x7 uniform filter (reflect mode) and then drops
 * the SSIM map within pad = 3 of each edge, so every surviving value comes from a window
 * lying fully inside the image: we only evaluate those windows and never need the
 * boundary extension. The box sums are separable: for each output row we first sum the
 * 7 rows per column (colsum), then 7 columns. */
static double
ssim_channel (const TsImage *est, const TsImage *ref, int channel, int x0, int y0, int w, int h)
{
  const int stride = est->width * est->channels;
  const int nch = est->channels;
  const double np = SSIM_WIN * SSIM_WIN;
  const double cov_norm = np / (np - 1.0);   /* use_sample_covariance=True */
  const double c1 = (SSIM_K1 * 1.0) * (SSIM_K1 * 1.0);
  const double c2 = (SSIM_K2 * 1.0) * (SSIM_K2 * 1.0);

  /* Five column sums per column: x, y, x^2, y^2, x*y (x = estimate, y = reference). */
  g_autofree double *colsum = g_new (double, (gsize) w * 5);
  double total = 0.0;

  for (int oy = SSIM_PAD; oy < h - SSIM_PAD; oy++)
    {
      for (int cx = 0; cx < w; cx++)
        {
          double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
          for (int dy = -SSIM_PAD; dy <= SSIM_PAD; dy++)
            {
              gsize idx = (gsize) (y0 + oy + dy) * stride + (gsize) (x0 + cx) * nch + channel;
              double a = clip01 (est->data[idx]);
              double b = ref->data[idx];
              sx += a;
              sy += b;
              sxx += a * a;
              syy += b * b;
              sxy += a * b;
            }
          double *c = colsum + (gsize) cx * 5;
          c[0] = sx, c[1] = sy, c[2] = sxx, c[3] = syy, c[4] = sxy;
        }

      double row_total = 0.0;
      for (int ox = SSIM_PAD; ox < w - SSIM_PAD; ox++)
        {
          double s[5] = { 0, 0, 0, 0, 0 };
          for (int dx = -SSIM_PAD; dx <= SSIM_PAD; dx++)
            {
              const double *c = colsum + (gsize) (ox + dx) * 5;
              for (int k = 0; k < 5; k++)
                s[k] += c[k];
            }
          /* Same operation order as skimage, so rounding differs only in the box sums. */
          double ux = s[0] / np, uy = s[1] / np;
          double uxx = s[2] / np, uyy = s[3] / np, uxy = s[4] / np;
          double vx = cov_norm * (uxx - ux * ux);
          double vy = cov_norm * (uyy - uy * uy);
          double vxy = cov_norm * (uxy - ux * uy);
          double a1 = 2.0 * ux * uy + c1;
          double a2 = 2.0 * vxy + c2;
          double b1 = ux * ux + uy * uy + c1;
          double b2 = vx + vy + c2;
          row_total += (a1 * a2) / (b1 * b2);
        }
      total += row_total;
    }

  double count = (double) (w - 2 * SSIM_PAD) * (h - 2 * SSIM_PAD);
  return total / count;
}

double
ts_ssim (const TsImage *estimate, const TsImage *reference, int border)
{
  g_return_val_if_fail (estimate != NULL && reference != NULL, NAN);
  g_return_val_if_fail (same_geometry (estimate, reference), NAN);
  g_return_val_if_fail (border >= 0, NAN);

  gint64 w = (gint64) estimate->width - 2 * (gint64) border;
  gint64 h = (gint64) estimate->height - 2 * (gint64) border;
  /* skimage refuses images smaller than the window; there is no meaningful value. */
  if (w < SSIM_WIN || h < SSIM_WIN)
    return NAN;

  double sum = 0.0;
  for (int c = 0; c < estimate->channels; c++)
    sum += ssim_channel (estimate, reference, c, border, border, (int) w, (int) h);
  return sum / estimate->channels;
}

gboolean
ts_score_centred (const TsImage *estimate, const TsImage *reference, const char *reference_name,
                  int border, double *psnr, double *ssim, GError **error)
{
  g_return_val_if_fail (estimate != NULL && reference != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  const char *name = reference_name != NULL ? reference_name : "the reference";
  if (reference->channels != estimate->channels)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "%s: %d channels, the estimate has %d",
                   name, reference->channels, estimate->channels);
      return FALSE;
    }
  if (reference->width > estimate->width || reference->height > estimate->height)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "%s: %d x %d does not match the %d x %d estimate", name, reference->width,
                   reference->height, estimate->width, estimate->height);
      return FALSE;
    }
  TsImage *crop = NULL;
  const TsImage *scored = estimate;
  if (reference->width != estimate->width || reference->height != estimate->height)
    {
      crop = ts_image_crop (estimate, (estimate->width - reference->width) / 2,
                            (estimate->height - reference->height) / 2, reference->width,
                            reference->height);
      if (crop == NULL)
        {
          g_set_error (error, TS_ERROR, TS_ERROR_NOMEM, "%s: out of memory", name);
          return FALSE;
        }
      scored = crop;
    }
  if (psnr != NULL)
    *psnr = ts_psnr (scored, reference, border);
  if (ssim != NULL)
    *ssim = ts_ssim (scored, reference, border);
  ts_image_free (crop);
  return TRUE;
}
