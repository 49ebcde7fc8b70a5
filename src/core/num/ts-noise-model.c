/* The Poisson-Gaussian reading of an image and the choice of the noise model (see
 * ts-noise-model.h). */
#include "ts-noise-model.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define READ_MAX_SIDE 1024
#define BLOCK 8
#define MIN_BLOCKS 8
#define MIN_BLOCKS_PER_BIN 16
/* A block is smooth when its residual after a fitted plane (61 degrees of freedom) has at most
 * this multiple of the variance the fit predicts: the 99.5 % point of chi-square / 61. */
#define SMOOTH_RATIO 1.5
#define SELECTION_ROUNDS 4
/* Blocks whose mean lies within this many noise standard deviations of a clipped extreme are
 * left out. */
#define CLIP_DISTANCE 3.0
/* sd = 1.4826 * median |r| for Gaussian r. */
#define MAD_TO_SD 1.482602218505602
/* The relative standard error of a bin's variance: 2.33 / sqrt n for the MAD of n independent
 * Gaussian values (its efficiency 0.37), with n / 3 effective values (the 3 x 3 residuals of
 * neighbouring pixels share pixels). */
#define BIN_RELATIVE_ERROR(n) (2.33 * sqrt (3.0 / (n)))
#define OUTLIER_ERRORS 3.0
/* The fitted variance never falls below this share of the variance read at the lowest
 * intensity (b may be negative, the variance not). */
#define VARIANCE_FLOOR_SHARE 0.25

/* auto: Poisson-Gaussian when the noise's standard deviation grows by at least this factor
 * over the picture's range of intensities, and ... */
#define AUTO_MIN_SPREAD 1.25
/* ... a is this many standard errors above 0, and ... */
#define AUTO_MIN_ERRORS 3.0
/* ... the noise at the top of the range is at least this (image units: 2 in 0-255). */
#define AUTO_MIN_LEVEL (2.0 / 255.0)
/* ... the blind level is at least this share of the fitted noise at the bottom, ... */
#define AUTO_MIN_AGREEMENT 0.7
/* ... and the variance there at least this share of its Poisson part a y. */
#define AUTO_MIN_POISSON_SHARE 0.5

gboolean
ts_noise_model_from_name (const char *name, TsNoiseModel *model)
{
  if (g_strcmp0 (name, "gaussian") == 0)
    *model = TS_NOISE_MODEL_GAUSSIAN;
  else if (g_strcmp0 (name, "poisson-gaussian") == 0)
    *model = TS_NOISE_MODEL_POISSON_GAUSSIAN;
  else if (g_strcmp0 (name, "auto") == 0)
    *model = TS_NOISE_MODEL_AUTO;
  else
    return FALSE;
  return TRUE;
}

const char *
ts_noise_model_name (TsNoiseModel model)
{
  switch (model)
    {
    case TS_NOISE_MODEL_POISSON_GAUSSIAN:
      return "poisson-gaussian";
    case TS_NOISE_MODEL_AUTO:
      return "auto";
    case TS_NOISE_MODEL_GAUSSIAN:
    default:
      return "gaussian";
    }
}

double
ts_poisson_gaussian_variance (const TsPoissonGaussian *model, double y)
{
  g_return_val_if_fail (model != NULL, 0.0);
  double v = model->a * y + model->b;
  return v > 0.0 && isfinite (v) ? v : 0.0;
}

/* --- one channel ---------------------------------------------------------------------- */

typedef struct {
  double mean;
  double plane_variance;   /* of the pixels about their least-squares plane */
  double residual_variance;/* the mean square of its fine-scale residuals */
  const float *residual;   /* the block's 64 residuals, row by row */
} Block;

typedef struct {
  int w, h;
  double clipped_low, clipped_high; /* the values the picture is clipped at, or NAN */
  double *plane;           /* the crop's channel; NAN where not finite */
  float *residuals;        /* BLOCK * BLOCK per block */
  Block *blocks;
  int n_blocks;
} Channel;

static int
compare_block_means (const void *a, const void *b)
{
  double x = (*(Block *const *) a)->mean, y = (*(Block *const *) b)->mean;
  return (x > y) - (x < y);
}

/* The k-th smallest of values[0 .. n) (reordered): Wirth's selection. */
static float
select_kth (float *values, gsize n, gsize k)
{
  gssize lo = 0, hi = (gssize) n - 1, kk = (gssize) k;
  while (lo < hi)
    {
      float pivot = values[kk];
      gssize i = lo, j = hi;
      do
        {
          while (values[i] < pivot)
            i++;
          while (pivot < values[j])
            j--;
          if (i <= j)
            {
              float t = values[i];
              values[i] = values[j];
              values[j] = t;
              i++;
              j--;
            }
        }
      while (i <= j);
      if (j < kk)
        lo = i;
      if (kk < i)
        hi = j;
    }
  return values[kk];
}

/* The value the image is clipped at on one side, or NAN: when at least 1 in 1000 pixels (and
 * 3) hold exactly the extreme value. */
static void
clipped_extremes (const Channel *ch, double *low, double *high)
{
  gsize n = (gsize) ch->w * ch->h, n_low = 0, n_high = 0;
  double lo = INFINITY, hi = -INFINITY;

  for (gsize i = 0; i < n; i++)
    if (isfinite (ch->plane[i]))
      {
        lo = MIN (lo, ch->plane[i]);
        hi = MAX (hi, ch->plane[i]);
      }
  for (gsize i = 0; i < n; i++)
    {
      n_low += ch->plane[i] == lo;
      n_high += ch->plane[i] == hi;
    }
  gsize enough = MAX (3, n / 1000);
  *low = n_low >= enough ? lo : NAN;
  *high = n_high >= enough ? hi : NAN;
}

/* The blocks of the channel with their means, plane-fit variances and residuals; blocks with a
 * non-finite or clipped value are left out. */
static void
read_blocks (Channel *ch)
{
  int w = ch->w, h = ch->h;
  int bw = (w - 2) / BLOCK, bh = (h - 2) / BLOCK;
  /* Plane fit on the block's centred coordinates -3.5 .. 3.5: sum of squares 42 per row or
   * column, times 8. */
  const double coordinate_ss = 8.0 * 42.0;

  clipped_extremes (ch, &ch->clipped_low, &ch->clipped_high);
  double low = ch->clipped_low, high = ch->clipped_high;
  ch->blocks = g_new (Block, (gsize) MAX (bw * bh, 1));
  ch->residuals = g_new (float, (gsize) MAX (bw * bh, 1) * BLOCK * BLOCK);
  for (int by = 0; by < bh; by++)
    for (int bx = 0; bx < bw; bx++)
      {
        int x0 = 1 + bx * BLOCK, y0 = 1 + by * BLOCK;
        float *r = ch->residuals + (gsize) ch->n_blocks * BLOCK * BLOCK;
        double sum = 0.0, sx = 0.0, sy = 0.0, ss = 0.0, rr = 0.0;
        gboolean usable = TRUE;

        /* The neighbours of the residual reach one pixel beyond the block. */
        for (int y = y0 - 1; y <= y0 + BLOCK && usable; y++)
          for (int x = x0 - 1; x <= x0 + BLOCK; x++)
            {
              double v = ch->plane[(gsize) y * w + x];
              if (!isfinite (v) || v == low || v == high)
                {
                  usable = FALSE;
                  break;
                }
            }
        if (!usable)
          continue;
        for (int y = 0; y < BLOCK; y++)
          for (int x = 0; x < BLOCK; x++)
            {
              const double *c = ch->plane + (gsize) (y0 + y) * w + x0 + x;
              double v = c[0];
              sum += v;
              sx += (x - 3.5) * v;
              sy += (y - 3.5) * v;
              ss += v * v;
              r[y * BLOCK + x] = (float) ((c[-w - 1] - 2.0 * c[-w] + c[-w + 1] - 2.0 * c[-1]
                                           + 4.0 * c[0] - 2.0 * c[1] + c[w - 1] - 2.0 * c[w]
                                           + c[w + 1]) / 6.0);
              rr += (double) r[y * BLOCK + x] * r[y * BLOCK + x];
            }
        double n = BLOCK * BLOCK, mean = sum / n;
        /* Residual sum of squares about the least-squares plane (the regressors are
         * orthogonal). */
        double rss = ss - n * mean * mean - sx * sx / coordinate_ss - sy * sy / coordinate_ss;
        ch->blocks[ch->n_blocks++] = (Block) { .mean = mean,
                                               .plane_variance = MAX (rss, 0.0) / (n - 3.0),
                                               .residual_variance = rr / n, .residual = r };
      }
}

/* Sorts the kept blocks by mean into bins of equal count; each bin's intensity, robust
 * variance and count. Returns the number of bins. */
static int
bin_blocks (Block **kept, int n_kept, double *means, double *variances, int *counts)
{
  int n_bins = CLAMP (n_kept / MIN_BLOCKS_PER_BIN, 1, TS_NOISE_MODEL_MAX_BINS);
  int per = BLOCK * BLOCK;
  float *pool = g_new (float, (gsize) (n_kept / n_bins + 1) * per);

  qsort (kept, n_kept, sizeof *kept, compare_block_means);
  for (int i = 0; i < n_bins; i++)
    {
      int first = (int) ((gint64) i * n_kept / n_bins), last = (int) ((gint64) (i + 1) * n_kept / n_bins);
      gsize n = 0;
      double sum = 0.0;
      for (int k = first; k < last; k++)
        {
          sum += kept[k]->mean;
          for (int p = 0; p < per; p++)
            pool[n++] = fabsf (kept[k]->residual[p]);
        }
      double mad = select_kth (pool, n, n / 2);
      means[i] = sum / (last - first);
      variances[i] = (MAD_TO_SD * mad) * (MAD_TO_SD * mad);
      counts[i] = (int) n;
    }
  g_free (pool);
  return n_bins;
}

/* Weighted least squares of v = a m + b over the active bins (weights w); FALSE when there
 * is no spread in m. */
static gboolean
least_squares (const double *m, const double *v, const double *w, const gboolean *active,
               int n, double *a, double *b)
{
  double sw = 0.0, sm = 0.0, sv = 0.0;
  for (int i = 0; i < n; i++)
    if (active[i])
      {
        sw += w[i];
        sm += w[i] * m[i];
        sv += w[i] * v[i];
      }
  if (!(sw > 0.0))
    return FALSE;
  double mm = sm / sw, mv = sv / sw, smm = 0.0, smv = 0.0;
  for (int i = 0; i < n; i++)
    if (active[i])
      {
        smm += w[i] * (m[i] - mm) * (m[i] - mm);
        smv += w[i] * (m[i] - mm) * (v[i] - mv);
      }
  *b = mv;
  *a = 0.0;
  if (!(smm > 1e-12 * sw * (mm * mm + 1e-12)))
    return FALSE;
  *a = smv / smm;
  *b = mv - *a * mm;
  return TRUE;
}

/* The robust, constrained line through the bins (see ts-noise-model.h). */
static TsPoissonGaussian
fit_line (const double *m, const double *v, const int *count, int n)
{
  gboolean active[TS_NOISE_MODEL_MAX_BINS];
  double w[TS_NOISE_MODEL_MAX_BINS];
  double a = 0.0, b = 0.0, v_low = INFINITY, m_low = INFINITY;
  int low = 0;

  for (int i = 0; i < n; i++)
    {
      active[i] = TRUE;
      if (m[i] < m_low)
        {
          m_low = m[i];
          low = i;
        }
    }
  v_low = v[low];
  double floor = MAX (VARIANCE_FLOOR_SHARE * v_low, 1e-20);
  for (int round = 0; round < 6; round++)
    {
      for (int i = 0; i < n; i++)
        {
          double predicted = round == 0 ? v[i] : MAX (a * m[i] + b, floor);
          w[i] = count[i] / (MAX (predicted, floor) * MAX (predicted, floor));
        }
      /* Once the fit has settled, bins far off it (texture read as noise) are dropped; two
       * stay at least. */
      if (round == 3)
        {
          int n_active = n;
          for (int i = 0; i < n && n_active > 2; i++)
            {
              double predicted = MAX (a * m[i] + b, floor);
              if (fabs (v[i] - predicted) > OUTLIER_ERRORS * BIN_RELATIVE_ERROR (count[i]) * predicted)
                {
                  active[i] = FALSE;
                  n_active--;
                }
            }
        }
      least_squares (m, v, w, active, n, &a, &b);
      if (a < 0.0)
        {
          /* A variance that falls with intensity is no Poisson part: b alone. */
          double sw = 0.0, sv = 0.0;
          for (int i = 0; i < n; i++)
            if (active[i])
              {
                sw += w[i];
                sv += w[i] * v[i];
              }
          a = 0.0;
          b = sv / sw;
        }
      double lowest = INFINITY;
      for (int i = 0; i < n; i++)
        if (active[i])
          lowest = MIN (lowest, m[i]);
      if (a * lowest + b < floor)
        {
          /* The line through (lowest, floor) of the best slope >= 0. */
          double swd = 0.0, sdd = 0.0;
          for (int i = 0; i < n; i++)
            if (active[i])
              {
                swd += w[i] * (v[i] - floor) * (m[i] - lowest);
                sdd += w[i] * (m[i] - lowest) * (m[i] - lowest);
              }
          a = sdd > 0.0 ? MAX (swd / sdd, 0.0) : 0.0;
          b = floor - a * lowest;
        }
    }
  if (!isfinite (a) || !isfinite (b))
    a = 0.0, b = v_low;
  return (TsPoissonGaussian) { .a = a, .b = b };
}

static void
estimate_channel (const TsImage *image, int channel, int x0, int y0, int w, int h,
                  TsNoiseModelEstimate *estimate, int slot)
{
  Channel ch = { .w = w, .h = h };
  ch.plane = g_new (double, (gsize) w * h);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        double v = image->data[((gsize) (y0 + y) * image->width + x0 + x) * image->channels
                               + channel];
        ch.plane[(gsize) y * w + x] = isfinite (v) ? v : NAN;
      }
  read_blocks (&ch);

  double *means = estimate->bin_mean[slot], *variances = estimate->bin_variance[slot];
  int *counts = estimate->bin_count[slot];
  Block **kept = g_new (Block *, (gsize) MAX (ch.n_blocks, 1));
  Block **selection = g_new (Block *, (gsize) MAX (ch.n_blocks, 1));
  int n_kept, n_bins = 0;
  TsPoissonGaussian fit = { 0 };

  /* First the blocks without structure at scales coarser than the residual's: pure noise has
   * the same variance about a plane as in the residual. */
  n_kept = 0;
  for (int i = 0; i < ch.n_blocks; i++)
    if (ch.blocks[i].plane_variance <= SMOOTH_RATIO * ch.blocks[i].residual_variance)
      kept[n_kept++] = &ch.blocks[i];
  if (n_kept < MIN_BLOCKS)
    for (n_kept = 0; n_kept < ch.n_blocks; n_kept++)
      kept[n_kept] = &ch.blocks[n_kept];
  for (int round = 0; n_kept >= MIN_BLOCKS && round <= SELECTION_ROUNDS; round++)
    {
      n_bins = bin_blocks (kept, n_kept, means, variances, counts);
      fit = fit_line (means, variances, counts, n_bins);
      if (round == SELECTION_ROUNDS)
        break;
      /* The smooth blocks for the new fit, away from a clipped extreme (a block near it keeps
       * only the noise that missed it, less than the rest); the current selection stays when
       * too few are. */
      int n_selected = 0;
      double floor = VARIANCE_FLOOR_SHARE * variances[0];
      for (int i = 0; i < ch.n_blocks; i++)
        {
          const Block *block = &ch.blocks[i];
          double predicted = MAX (ts_poisson_gaussian_variance (&fit, block->mean), floor);
          double reach = CLIP_DISTANCE * sqrt (predicted);
          if (block->plane_variance <= SMOOTH_RATIO * predicted
              && block->plane_variance <= SMOOTH_RATIO * block->residual_variance
              && !(block->mean - reach <= ch.clipped_low)
              && !(block->mean + reach >= ch.clipped_high))
            selection[n_selected++] = &ch.blocks[i];
        }
      if (n_selected < MIN_BLOCKS)
        break;
      memcpy (kept, selection, sizeof *kept * n_selected);
      n_kept = n_selected;
    }
  if (n_bins > 0)
    {
      /* The standard error of a from the bins' errors about the fit. */
      double floor = VARIANCE_FLOOR_SHARE * variances[0], sw = 0.0, sm = 0.0, smm = 0.0;
      for (int i = 0; i < n_bins; i++)
        {
          double error = BIN_RELATIVE_ERROR (counts[i])
                         * MAX (ts_poisson_gaussian_variance (&fit, means[i]), floor);
          sw += 1.0 / (error * error);
          sm += means[i] / (error * error);
        }
      for (int i = 0; i < n_bins; i++)
        {
          double error = BIN_RELATIVE_ERROR (counts[i])
                         * MAX (ts_poisson_gaussian_variance (&fit, means[i]), floor);
          double d = means[i] - sm / sw;
          smm += d * d / (error * error);
        }
      estimate->a_error[slot] = smm > 0.0 ? 1.0 / sqrt (smm) : INFINITY;
      estimate->channel[slot] = fit;
      estimate->n_bins[slot] = n_bins;
      estimate->y_low[slot] = means[0];
      estimate->y_high[slot] = means[n_bins - 1];
    }
  g_free (kept);
  g_free (selection);
  g_free (ch.blocks);
  g_free (ch.residuals);
  g_free (ch.plane);
}

void
ts_noise_model_estimate (const TsImage *image, TsNoiseModelEstimate *estimate)
{
  g_return_if_fail (estimate != NULL);
  memset (estimate, 0, sizeof *estimate);
  estimate->spread = 1.0;
  g_return_if_fail (image != NULL);
  if (image->width < 4 * BLOCK || image->height < 4 * BLOCK || image->channels < 1)
    return;

  int w = MIN (image->width, READ_MAX_SIDE), h = MIN (image->height, READ_MAX_SIDE);
  int x0 = (image->width - w) / 2, y0 = (image->height - h) / 2;
  int n = image->channels >= 3 ? 3 : 1;
  for (int c = 0; c < n; c++)
    estimate_channel (image, c, x0, y0, w, h, estimate, c);
  for (int c = 0; c < n; c++)
    if (estimate->n_bins[c] == 0)
      {
        /* One channel without a reading leaves the image without one. */
        memset (estimate, 0, sizeof *estimate);
        estimate->spread = 1.0;
        return;
      }
  estimate->n_channels = n;
  for (int c = 0; c < n; c++)
    {
      const TsPoissonGaussian *pg = &estimate->channel[c];
      double floor = VARIANCE_FLOOR_SHARE * estimate->bin_variance[c][0];
      double low = MAX (ts_poisson_gaussian_variance (pg, estimate->y_low[c]), floor);
      double high = MAX (ts_poisson_gaussian_variance (pg, estimate->y_high[c]), floor);
      double spread = low > 0.0 ? sqrt (high / low) : 1.0;
      estimate->channel_spread[c] = isfinite (spread) ? spread : 1.0;
      estimate->spread = MAX (estimate->spread, estimate->channel_spread[c]);
    }
}

/* --- the choice ----------------------------------------------------------------------- */

/* Poisson-Gaussian when
 *   - the blind reading is not camera noise: the correlated noise of camera JPEGs hides from
 *     the fine-scale residual this estimate reads, and its coarse-scale level is the better
 *     one for the denoiser (ts-noise-level.h);
 *   - in most colour channels (all of a gray one) the noise's standard deviation grows by at
 *     least 25 % over the picture's range of intensities, with a at least 3 standard errors
 *     above 0: below that, one level is within about 12 % of the true one everywhere (about
 *     what the blind level is off by on textured pictures anyway) and the Gaussian path is the
 *     tested one; white Gaussian noise reads 1.00-1.10, photon noise over a picture's range 2
 *     and more (its standard deviation grows as sqrt y; tests/test-noise-model.c);
 *   - that noise reaches 2 (0-255 units) at the top of the range: below it a clean
 *     picture's faint texture, not noise, is what the fit reads, and denoising it one way or
 *     the other makes little difference;
 *   - and the blind level (patch PCA on the weakest-textured patches, whatever their
 *     intensity) is at least 0.7 times the fitted noise at the bottom of the range: it cannot
 *     read much less than the least noise the picture has, while texture that passes for
 *     smooth inflates the fit (clean CBSD68 pictures read as sd 4-10 at their top with a blind
 *     level of 1-2);
 *   - and the variance at the bottom of the range is at least half its Poisson part a y: b
 *     may be somewhat negative (an offset in the data), but a line that falls to 0 within the
 *     picture's range is texture read as noise (clean pictures read so), not photon noise.
 * Otherwise Gaussian. */
TsNoiseModel
ts_noise_model_choose (const TsNoiseLevel *level, const TsNoiseModelEstimate *estimate)
{
  g_return_val_if_fail (level != NULL && estimate != NULL, TS_NOISE_MODEL_GAUSSIAN);
  if (level->kind == TS_NOISE_CAMERA || estimate->n_channels == 0)
    return TS_NOISE_MODEL_GAUSSIAN;
  int n_dependent = 0;
  for (int c = 0; c < estimate->n_channels; c++)
    {
      const TsPoissonGaussian *pg = &estimate->channel[c];
      double top = sqrt (ts_poisson_gaussian_variance (pg, estimate->y_high[c]));
      double bottom = sqrt (ts_poisson_gaussian_variance (pg, estimate->y_low[c]));
      n_dependent += estimate->channel_spread[c] >= AUTO_MIN_SPREAD
                     && pg->a >= AUTO_MIN_ERRORS * estimate->a_error[c] && top >= AUTO_MIN_LEVEL
                     && level->sigma >= AUTO_MIN_AGREEMENT * bottom
                     && bottom * bottom >= AUTO_MIN_POISSON_SHARE * pg->a * estimate->y_low[c];
    }
  return 2 * n_dependent > estimate->n_channels ? TS_NOISE_MODEL_POISSON_GAUSSIAN
                                                : TS_NOISE_MODEL_GAUSSIAN;
}
