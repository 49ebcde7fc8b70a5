#include "ts-noise-estimate.h"
#include "ts-linalg.h"
#include <cblas.h>
#include <math.h>
#include <string.h>

#define PS 7             /* patch side */
#define PD (PS * PS)     /* patch dimension */
/* At most this many candidate patches (a regular grid with a larger step on big images):
 * enough for a stable 49 x 49 covariance, and a 12 MP photo takes a fraction of a second. */
#define MAX_CANDIDATES 200000
/* Fewer patches than this give too rough a covariance spectrum: Immerkaer instead. */
#define MIN_PATCHES (8 * PD)
/* Re-selections of the weak-texture patches after the first estimate (as Liu et al.; more
 * cost time and did not improve the BSD68 accuracy). */
#define RESELECTIONS 2
/* Confidence of the weak-texture threshold. Liu et al. use 1 - 1e-6; 1 - 1e-3 keeps fewer
 * textured patches, and the truncation of the noise itself is negligible (BSD68 mean absolute
 * error 0.15-0.40 against 0.22-0.56 in 0-255 units; pure noise within 1 %). */
#define TEXTURE_CONFIDENCE (1.0 - 1e-3)


/* --- Gamma quantile ------------------------------------------------------------------- */

/* Regularised lower incomplete gamma P(a, x) (series / continued fraction). */
static double
gamma_p (double a, double x)
{
  if (x <= 0.0)
    return 0.0;
  double gln = lgamma (a);
  if (x < a + 1.0)
    {
      double ap = a, sum = 1.0 / a, del = sum;
      for (int n = 0; n < 1000; n++)
        {
          ap += 1.0;
          del *= x / ap;
          sum += del;
          if (fabs (del) < fabs (sum) * 1e-15)
            break;
        }
      return sum * exp (-x + a * log (x) - gln);
    }
  double b = x + 1.0 - a, c = 1.0 / 1e-300, d = 1.0 / b, h = d;
  for (int i = 1; i < 1000; i++)
    {
      double an = -i * (i - a);
      b += 2.0;
      d = an * d + b;
      if (fabs (d) < 1e-300)
        d = 1e-300;
      c = b + an / c;
      if (fabs (c) < 1e-300)
        c = 1e-300;
      d = 1.0 / d;
      double del = d * c;
      h *= del;
      if (fabs (del - 1.0) < 1e-15)
        break;
    }
  return 1.0 - exp (-x + a * log (x) - gln) * h;
}

/* Inverse CDF of Gamma(shape, scale) by bisection. */
static double
gamma_quantile (double p, double shape, double scale)
{
  double lo = 0.0, hi = shape * 2.0 + 10.0;
  while (gamma_p (shape, hi) < p)
    hi *= 2.0;
  for (int i = 0; i < 200; i++)
    {
      double mid = 0.5 * (lo + hi);
      if (gamma_p (shape, mid) < p)
        lo = mid;
      else
        hi = mid;
    }
  return 0.5 * (lo + hi) * scale;
}

/* Texture threshold per unit noise variance: the gradient energy x^T (Dh^T Dh + Dv^T Dv) x of
 * a pure-noise patch is about sigma^2 Gamma(r / 2, 2 tr / r), r and tr the rank and trace of
 * Dh^T Dh + Dv^T Dv (central differences [-1/2, 0, 1/2] inside the 7 x 7 patch). */
static double
texture_threshold_unit (void)
{
  static gsize once = 0;
  static double value;
  if (g_once_init_enter (&once))
    {
      double dd[PD * PD] = { 0 };
      /* Each difference row has +1/2 at p and -1/2 at q: adds the outer product. */
      for (int dir = 0; dir < 2; dir++)
        for (int y = 0; y < PS; y++)
          for (int x = 0; x < PS; x++)
            {
              int p = y * PS + x, q;
              if (dir == 0 && x + 2 < PS)
                q = y * PS + x + 2;
              else if (dir == 1 && y + 2 < PS)
                q = (y + 2) * PS + x;
              else
                continue;
              dd[p * PD + p] += 0.25;
              dd[q * PD + q] += 0.25;
              dd[p * PD + q] -= 0.25;
              dd[q * PD + p] -= 0.25;
            }
      double trace = 0.0;
      for (int i = 0; i < PD; i++)
        trace += dd[i * PD + i];
      double values[PD], vectors[PD * PD];
      int rank = PD - 4;   /* null space: patches periodic with period 2 both ways */
      if (ts_linalg_symeig (dd, PD, values, vectors))
        {
          rank = 0;
          for (int i = 0; i < PD; i++)
            rank += values[i] > 1e-9 * values[PD - 1];
        }
      value = gamma_quantile (TEXTURE_CONFIDENCE, rank / 2.0, 2.0 * trace / rank);
      g_once_init_leave (&once, 1);
    }
  return value;
}

/* --- the patch-PCA estimator ---------------------------------------------------------- */

/* Noise variance from the ascending covariance eigenvalues of n weakly textured patches: the
 * smallest one (Liu et al.), divided by its expected ratio to the true variance for pure
 * noise, (1 - sqrt (PD / n))^2, the lower edge of the Marchenko-Pastur law (with n ~ 10^4..10^5
 * patches the uncorrected value is 2-8 % low). The mean-equals-median rule of Chen et al.
 * was tried and overestimated by 0.5-0.8 (0-255 units) on BSD68. */
static double
variance_from_spectrum (const double *values, gsize n)
{
  double edge = 1.0 - sqrt ((double) PD / (double) n);
  return MAX (values[0], 0.0) / (edge * edge);
}

/* Patches are gathered and multiplied in blocks of this many (cache-sized). */
#define BLOCK 2048

/* Covariance eigenvalues (ascending) of the patches at `positions` (top-left offsets);
 * `buffer` holds BLOCK x PD doubles. */
static gboolean
patch_spectrum (const float *plane, int width, const gsize *positions, gsize n, double *buffer,
                double *values)
{
  double sum[PD] = { 0 };
  double cov[PD * PD] = { 0 };
  double vectors[PD * PD];

  if (n < MIN_PATCHES)
    return FALSE;
  /* Values are centred on the first patch's mean, so that the one-pass formula below loses
   * no precision on bright images. */
  double shift = 0.0;
  for (int y = 0; y < PS; y++)
    for (int x = 0; x < PS; x++)
      shift += plane[positions[0] + (gsize) y * width + x];
  shift /= PD;
  for (gsize k0 = 0; k0 < n; k0 += BLOCK)
    {
      gsize nb = MIN ((gsize) BLOCK, n - k0);
      for (gsize k = 0; k < nb; k++)
        {
          const float *p = plane + positions[k0 + k];
          double *row = buffer + k * PD;
          for (int y = 0; y < PS; y++)
            for (int x = 0; x < PS; x++)
              row[y * PS + x] = p[(gsize) y * width + x] - shift;
          for (int i = 0; i < PD; i++)
            sum[i] += row[i];
        }
      cblas_dsyrk (CblasRowMajor, CblasUpper, CblasTrans, PD, (int) nb, 1.0, buffer, PD, 1.0,
                   cov, PD);
    }
  for (int i = 0; i < PD; i++)
    for (int j = i; j < PD; j++)
      {
        double c = (cov[i * PD + j] - sum[i] * sum[j] / (double) n) / (double) (n - 1);
        cov[i * PD + j] = c;
        cov[j * PD + i] = c;
      }
  return ts_linalg_symeig (cov, PD, values, vectors);
}

/* Gradient energy of the 7 x 7 patch at `p`: the squared central differences [-1/2, 0, 1/2]
 * that fit inside it, horizontal and vertical (x^T (Dh^T Dh + Dv^T Dv) x). */
static double
patch_texture (const float *p, int width)
{
  double sum = 0.0;
  for (int y = 0; y < PS; y++)
    for (int x = 0; x + 2 < PS; x++)
      {
        double dh = 0.5 * ((double) p[(gsize) y * width + x + 2] - p[(gsize) y * width + x]);
        double dv = 0.5 * ((double) p[(gsize) (x + 2) * width + y] - p[(gsize) x * width + y]);
        sum += dh * dh + dv * dv;
      }
  return sum;
}

static double
immerkaer_plane (const float *p, int w, int h)
{
  if (w < 3 || h < 3)
    return 0.0;
  double sum = 0.0;
  for (int y = 1; y < h - 1; y++)
    for (int x = 1; x < w - 1; x++)
      {
        const float *c = p + (gsize) y * w + x;
        double v = c[-w - 1] - 2.0 * c[-w] + c[-w + 1]
                   - 2.0 * c[-1] + 4.0 * c[0] - 2.0 * c[1]
                   + c[w - 1] - 2.0 * c[w] + c[w + 1];
        sum += fabs (v);
      }
  return sqrt (G_PI / 2.0) / (6.0 * (w - 2) * (double) (h - 2)) * sum;
}

static double
estimate_plane (const float *plane, int w, int h)
{
  if (w < PS + 2 || h < PS + 2)
    return immerkaer_plane (plane, w, h);

  /* Candidate patches on a grid. */
  gsize n_pos = (gsize) (w - PS + 1) * (h - PS + 1);
  int step = 1;
  while (n_pos / ((gsize) step * step) > MAX_CANDIDATES)
    step++;
  gsize n_cand = (gsize) ((w - PS) / step + 1) * ((h - PS) / step + 1);
  gsize *cand = g_new (gsize, n_cand);
  double *texture = g_new (double, n_cand);
  gsize k = 0;
  for (int y = 0; y + PS <= h; y += step)
    for (int x = 0; x + PS <= w; x += step)
      {
        cand[k] = (gsize) y * w + x;
        texture[k] = patch_texture (plane + cand[k], w);
        k++;
      }
  n_cand = k;

  gsize *sel = g_new (gsize, n_cand);
  double *buffer = g_new (double, (gsize) BLOCK * PD);
  double values[PD];
  double tau0 = texture_threshold_unit ();
  double sig2 = 0.0;
  gsize n_sel = 0;

  if (patch_spectrum (plane, w, cand, n_cand, buffer, values))
    {
      n_sel = n_cand;
      sig2 = variance_from_spectrum (values, n_sel);
      for (int it = 0; it < RESELECTIONS; it++)
        {
          double tau = sig2 * tau0;
          gsize m = 0;
          for (gsize i = 0; i < n_cand; i++)
            if (texture[i] < tau)
              sel[m++] = cand[i];
          if (m == n_sel || !patch_spectrum (plane, w, sel, m, buffer, values))
            break;
          n_sel = m;
          sig2 = variance_from_spectrum (values, n_sel);
        }
    }
  else
    sig2 = pow (immerkaer_plane (plane, w, h), 2.0);

  g_free (cand);
  g_free (texture);
  g_free (sel);
  g_free (buffer);
  return sqrt (MAX (sig2, 0.0));
}

static float *
plane_of (const TsImage *image, int channel)
{
  gsize n = (gsize) image->width * image->height;
  float *p = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    p[i] = image->data[i * image->channels + channel];
  return p;
}

double
ts_noise_estimate_channel (const TsImage *image, int channel)
{
  g_return_val_if_fail (image != NULL && channel >= 0 && channel < image->channels, 0.0);
  float *p = plane_of (image, channel);
  double s = estimate_plane (p, image->width, image->height);
  g_free (p);
  return isfinite (s) ? s : 0.0;
}

double
ts_noise_estimate_plane (const float *plane, int width, int height)
{
  g_return_val_if_fail (plane != NULL && width > 0 && height > 0, 0.0);
  double s = estimate_plane (plane, width, height);
  return isfinite (s) ? s : 0.0;
}

double
ts_noise_estimate_immerkaer (const TsImage *image, int channel)
{
  g_return_val_if_fail (image != NULL && channel >= 0 && channel < image->channels, 0.0);
  float *p = plane_of (image, channel);
  double s = immerkaer_plane (p, image->width, image->height);
  g_free (p);
  return isfinite (s) ? s : 0.0;
}

double
ts_noise_estimate (const TsImage *image)
{
  g_return_val_if_fail (image != NULL, 0.0);
  int n_color = image->channels == 2 || image->channels == 4 ? image->channels - 1 : image->channels;
  double sum = 0.0;
  for (int c = 0; c < n_color; c++)
    sum += ts_noise_estimate_channel (image, c);
  return sum / n_color;
}
