/* The blind noise level for the denoiser (see ts-noise-level.h). */
#include "ts-noise-level.h"
#include "ts-colour.h"
#include "ts-noise-estimate.h"
#include <math.h>
#include <stdlib.h>

/* Pictures are read on a centre crop of at most this side: BSD68-sized pictures whole, and a
 * 12 MP photo in a fraction of a second. */
#define READ_MAX_SIDE 512

const char *
ts_noise_kind_name (TsNoiseKind kind)
{
  return kind == TS_NOISE_CAMERA ? "camera" : "white";
}

/* Plane `p` (0..2) of the crop (x0, y0, w, h): the opponent plane for colour, gray for gray.
 * Non-finite values read as 0, so that one bad pixel does not poison the reading. */
static float *
plane_of (const TsImage *image, int p, int x0, int y0, int w, int h)
{
  float *plane = g_new (float, (gsize) w * h);
  int c = image->channels;
  gboolean colour = c >= 3;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        const float *src = image->data + ((gsize) (y0 + y) * image->width + x0 + x) * c;
        double v = 0.0;
        if (colour)
          for (int k = 0; k < 3; k++)
            v += ts_colour_opponent_basis[p][k] * src[k];
        else
          v = src[0];
        plane[(gsize) y * w + x] = isfinite (v) ? (float) v : 0.0f;
      }
  return plane;
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* Means of `block` x `block` blocks: a new (w / block) x (h / block) plane. */
static float *
block_means (const float *plane, int w, int h, int block, int *bw_out, int *bh_out)
{
  int bw = w / block, bh = h / block;
  float *means = g_new (float, (gsize) MAX (bw, 1) * MAX (bh, 1));
  for (int by = 0; by < bh; by++)
    for (int bx = 0; bx < bw; bx++)
      {
        double sum = 0.0;
        for (int y = 0; y < block; y++)
          for (int x = 0; x < block; x++)
            sum += plane[(gsize) (by * block + y) * w + bx * block + x];
        means[(gsize) by * bw + bx] = (float) (sum / (block * block));
      }
  *bw_out = bw;
  *bh_out = bh;
  return means;
}

/* How evenly fine detail covers the plane: the 10th over the 50th percentile of the local
 * energy of a Laplacian residual (its mean square over 5 x 5 windows). Noise is everywhere,
 * so its local energy is about the same in every window (about 0.5 for white noise); a clean
 * picture has detail at edges and texture and next to none in flat parts (near 0). */
#define EVENNESS_WINDOW 5
static double
detail_evenness (const float *plane, int w, int h)
{
  int rw = w - 2, rh = h - 2;
  if (rw < EVENNESS_WINDOW || rh < EVENNESS_WINDOW)
    return 0.0;
  double *energy = g_new (double, (gsize) rw * rh);
  for (int y = 0; y < rh; y++)
    for (int x = 0; x < rw; x++)
      {
        const float *c = plane + (gsize) (y + 1) * w + x + 1;
        double v = (c[-w - 1] - 2.0 * c[-w] + c[-w + 1] - 2.0 * c[-1] + 4.0 * c[0] - 2.0 * c[1]
                    + c[w - 1] - 2.0 * c[w] + c[w + 1]) / 6.0;
        energy[(gsize) y * rw + x] = v * v;
      }
  int ww = rw / EVENNESS_WINDOW, wh = rh / EVENNESS_WINDOW;
  double *local = g_new (double, (gsize) ww * wh);
  for (int wy = 0; wy < wh; wy++)
    for (int wx = 0; wx < ww; wx++)
      {
        double sum = 0.0;
        for (int y = 0; y < EVENNESS_WINDOW; y++)
          for (int x = 0; x < EVENNESS_WINDOW; x++)
            sum += energy[(gsize) (wy * EVENNESS_WINDOW + y) * rw + wx * EVENNESS_WINDOW + x];
        local[(gsize) wy * ww + wx] = sum;
      }
  gsize n = (gsize) ww * wh;
  qsort (local, n, sizeof *local, compare_doubles);
  double q10 = local[n / 10], q50 = local[n / 2];
  g_free (energy);
  g_free (local);
  return q50 > 0.0 && isfinite (q50) ? q10 / q50 : 0.0;
}

/* The mapping from the readings (0-255 units) to the camera level, fitted by
 * tools/fit-camera-noise.py `fit` (commands in its header) on camera-like noise made from
 * CBSD432 only: the probability by logistic regression, 40 camera-like examples of 320 x 320
 * against 148 clean pictures (108 CBSD432 as distributed, 40 developed without noise), classes
 * weighted alike; the level as the best sigma of a denoiser sweep over 12 camera-like examples
 * of 128 x 128, proportional to the coarse reading (least squares in log sigma). */
#define CAMERA_LOGIT_BIAS        (-4.774)
#define CAMERA_LOGIT_EVENNESS    (11.324)
#define CAMERA_LOGIT_LOG_COARSE  (4.484)
#define CAMERA_LOGIT_LOG_COARSE2 (-1.719)
#define CAMERA_LEVEL_PER_COARSE  (1.147)
/* Camera JPEGs read below 2 on the fine scale (Y, 0-255 units; the camera-like examples
 * 0.6-1.0, the real development crops at most 1.7): a fine-scale reading above 2 is white
 * noise that the white reading measures well, and above 4 (BSD68 with noise of sigma 5 and
 * more) the camera reading, raised there by texture, is ignored. */
#define WHITE_TRUSTED_FROM 2.0
#define WHITE_TRUSTED_FULLY 4.0
/* The camera level never exceeds this (0-255; the best levels of the camera JPEGs studied are
 * 7-20): a richly textured clean picture that passes for noisy is not smeared beyond it. */
#define CAMERA_LEVEL_MAX 25.0
#define CAMERA_LEVEL_MIN (0.5 / 255.0)

/* Strong camera noise (issue 20's camera-like benchmark: RGGB mosaic, Poisson-Gaussian noise,
 * bilinear demosaicing, JPEG, no noise reduction): noise that the fine scale does read (Y above
 * 2-3, where clean CBSD432 pictures read at most 2.8) but far below its level, because
 * demosaicing and JPEG spread it over neighbouring pixels: the coarse reading is 2-7 times Y
 * (white noise: 1.0-1.1, some textured pictures 2-3), the chroma planes read 0.1-0.55 times Y
 * (4:2:0 JPEG, as cameras write; 0.75 with full-resolution chroma, not counted) where white
 * noise reads 0.8-1 times Y (texture raises the Y reading, CBSD68 test001), and it covers the
 * picture evenly (0.3-0.6, clean pictures at most 0.26). Its level is STRONG_LEVEL_PER_COARSE times
 * the coarse reading: fitted by tools/fit-camera-noise.py `make --gains 1e-3 4e-3 1.6e-2
 * --first 5 --step 36 --seed 11 --crop 128` and `sweep` (sigma 7 to 40) on 12 CBSD432
 * pictures, as the factor losing least PSNR to each example's best sigma (1.1 / 1.3 / 1.5 /
 * 1.7 / 2.0 coarse: -0.94 / -0.72 / -0.70 / -0.76 / -0.94 dB summed over the three gains'
 * means, where the white reading lost 3.6 dB; docs/benchmarks.md). */
#define STRONG_WHITE_FROM 2.0
#define STRONG_WHITE_FULLY 3.0
#define STRONG_EVENNESS_FROM 0.25
#define STRONG_EVENNESS_FULLY 0.35
#define STRONG_CHROMA_RATIO_FROM 0.6
#define STRONG_CHROMA_RATIO_FULLY 0.45
#define STRONG_COARSE_RATIO_FROM 1.3
#define STRONG_COARSE_RATIO_FULLY 1.8
#define STRONG_LEVEL_PER_COARSE 1.5
#define STRONG_LEVEL_MAX 75.0

static double
ramp (double x, double from, double to)
{
  return CLAMP ((x - from) / (to - from), 0.0, 1.0);
}

/* The strong camera level in 0-255 units: 0 for white noise (its chroma reads as its
 * luminance), for gray pictures (no chroma to tell), and for clean ones. */
static double
strong_camera_level (const TsNoiseLevel *level)
{
  if (level->n_planes < 3 || !(level->white[0] > 0.0))
    return 0.0;
  double white_y = 255.0 * level->white[0];
  double chroma_ratio = 0.5 * (level->white[1] + level->white[2]) / level->white[0];
  double weight = ramp (white_y, STRONG_WHITE_FROM, STRONG_WHITE_FULLY)
                  * ramp (level->evenness, STRONG_EVENNESS_FROM, STRONG_EVENNESS_FULLY)
                  * ramp (chroma_ratio, STRONG_CHROMA_RATIO_FROM, STRONG_CHROMA_RATIO_FULLY)
                  * ramp (level->coarse / level->white[0], STRONG_COARSE_RATIO_FROM,
                          STRONG_COARSE_RATIO_FULLY);
  return weight * MIN (STRONG_LEVEL_PER_COARSE * 255.0 * level->coarse, STRONG_LEVEL_MAX);
}

/* The camera level in 0-255 units (0 when the picture reads as clean or as white noise). It
 * fades in between the probabilities 0.27 and 0.73 (logit -1 to 1) rather than switching at
 * 0.5, so that a picture near the boundary does not jump between levels. */
static double
camera_level (TsNoiseLevel *level, double white)
{
  double coarse = 255.0 * level->coarse;
  /* Camera noise reads in a band of coarse levels; far above it the reading is texture,
   * hence the square of its log. */
  double log_coarse = log (coarse + 0.5);
  double logit = CAMERA_LOGIT_BIAS + CAMERA_LOGIT_EVENNESS * level->evenness
                 + CAMERA_LOGIT_LOG_COARSE * log_coarse
                 + CAMERA_LOGIT_LOG_COARSE2 * log_coarse * log_coarse;
  level->camera_probability = 1.0 / (1.0 + exp (-logit));
  double trust_in_white = ramp (255.0 * white, WHITE_TRUSTED_FROM, WHITE_TRUSTED_FULLY);
  return (1.0 - trust_in_white) * ramp (logit, -1.0, 1.0)
         * MIN (CAMERA_LEVEL_PER_COARSE * coarse, CAMERA_LEVEL_MAX);
}

void
ts_noise_level_estimate (const TsImage *image, TsNoiseLevel *level)
{
  g_return_if_fail (level != NULL);
  *level = (TsNoiseLevel) { 0 };
  g_return_if_fail (image != NULL);
  if (image->width < 3 || image->height < 3 || image->channels < 1)
    return;

  int w = MIN (image->width, READ_MAX_SIDE), h = MIN (image->height, READ_MAX_SIDE);
  int x0 = (image->width - w) / 2, y0 = (image->height - h) / 2;
  level->n_planes = image->channels >= 3 ? 3 : 1;
  for (int p = 0; p < level->n_planes; p++)
    {
      float *plane = plane_of (image, p, x0, y0, w, h);
      level->white[p] = ts_noise_estimate_plane (plane, w, h);
      if (p == 0 && w / 2 >= 3 && h / 2 >= 3)
        {
          int bw, bh;
          float *means = block_means (plane, w, h, 2, &bw, &bh);
          level->coarse = 2.0 * ts_noise_estimate_plane (means, bw, bh);
          level->evenness = detail_evenness (means, bw, bh);
          g_free (means);
        }
      g_free (plane);
    }

  /* White noise: the mean of the fine-scale readings (each plane carries the level). */
  double white = 0.0;
  for (int p = 0; p < level->n_planes; p++)
    white += level->white[p];
  white /= level->n_planes;
  double camera = MAX (camera_level (level, white), strong_camera_level (level)) / 255.0;
  /* Below 0.5 (0-255) the denoiser takes 0.5 anyway (ts-restore-model.h): no camera noise. */
  level->kind = camera > MAX (white, CAMERA_LEVEL_MIN) ? TS_NOISE_CAMERA : TS_NOISE_WHITE;
  level->sigma = MAX (white, camera);
  if (!isfinite (level->sigma) || level->sigma < 0.0)
    level->sigma = 0.0;
}
