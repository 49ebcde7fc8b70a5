/* The built-in demo picture: a handful of analytic shapes, supersampled. */
#include "ts-demo.h"
#include <math.h>

/* Samples per pixel along each axis (box filter over the pixel). */
#define SUPERSAMPLE 4

typedef struct {
  double width, height;   /* image size in pixels */
  double scale;           /* min (width, height): the unit of round shapes */
} Scene;

/* Levels, chosen so that every element differs clearly from its surroundings. */
#define DISC_LEVEL 0.88
#define SQUARE_LEVEL 0.10
#define FLAT_LEVEL 0.50
#define RING_LEVEL 0.92
#define LINE_LEVEL 0.08
#define PAPER_LEVEL 0.94
#define INK_LEVEL 0.12

static gboolean
in_box (double u, double v, double u0, double v0, double u1, double v1)
{
  return u >= u0 && u < u1 && v >= v0 && v < v1;
}

/* A small integer hash (from splitmix64's finaliser): the same "text" on every platform. */
static guint32
hash2 (guint32 a, guint32 b)
{
  guint64 z = ((guint64) a << 32 | b) + G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return (guint32) (z ^ (z >> 31));
}

/* Rows of "words": glyph cells holding a vertical stem of random height, some with a bar
 * across the top or the middle; (u, v) relative to the block, in block units [0, 1). */
static gboolean
text_ink (double u, double v)
{
  const int n_lines = 4, n_cells = 24;
  int line = (int) (v * n_lines);
  double lv = v * n_lines - line;           /* position within the line, 0..1 */
  int cell = (int) (u * n_cells);
  double cu = u * n_cells - cell;           /* position within the cell, 0..1 */
  if (line < 0 || line >= n_lines || cell < 0 || cell >= n_cells)
    return FALSE;
  /* Ragged line ends, like a paragraph. */
  int line_len = n_cells - (int) (hash2 (line, 1000) % 6);
  if (cell >= line_len)
    return FALSE;
  guint32 h = hash2 ((guint32) line, (guint32) cell);
  if (h % 5 == 0)                           /* a space between words */
    return FALSE;
  /* Glyph box: lv in [0.2, 0.8] for full height, [0.4, 0.8] for "x-height" glyphs. */
  double top = (h >> 3) % 3 == 0 ? 0.2 : 0.4;
  const double bottom = 0.8;
  if (lv < top || lv >= bottom)
    return FALSE;
  /* Stem on the left of the cell. */
  if (cu >= 0.1 && cu < 0.35)
    return TRUE;
  /* Some glyphs have a bar along the top, some across the middle, some a right stem. */
  switch ((h >> 6) % 4)
    {
    case 0:
      return cu < 0.8 && lv < top + 0.12;
    case 1:
      return cu < 0.8 && fabs (lv - 0.5 * (top + bottom)) < 0.06;
    case 2:
      return cu >= 0.55 && cu < 0.8;
    default:
      return FALSE;
    }
}

/* The picture's value at the point (x, y), in pixels from the top-left corner. */
static double
scene_value (const Scene *sc, double x, double y)
{
  double u = x / sc->width, v = y / sc->height;

  /* Smooth background: a gentle linear ramp plus a broad bump (0.25 .. ~0.7). */
  double du = u - 0.30, dv = v - 0.45;
  double value = 0.25 + 0.30 * u + 0.12 * v + 0.10 * exp (-(du * du + dv * dv) / 0.08);

  /* Disc: curved edge, flat inside. */
  {
    double dx = (x - 0.24 * sc->width) / sc->scale, dy = (y - 0.23 * sc->height) / sc->scale;
    if (dx * dx + dy * dy < 0.15 * 0.15)
      value = DISC_LEVEL;
  }
  /* Square rotated by 30 degrees: straight edges at odd angles, sharp corners. */
  {
    const double c = 0.86602540378443865, s = 0.5, half = 0.11;
    double dx = (x - 0.24 * sc->width) / sc->scale, dy = (y - 0.60 * sc->height) / sc->scale;
    double ru = c * dx + s * dy, rv = -s * dx + c * dy;
    if (fabs (ru) < half && fabs (rv) < half)
      value = SQUARE_LEVEL;
  }
  /* Gratings: four bands, frequency doubling from 8 to 64 cycles per image width. */
  if (in_box (u, v, 0.52, 0.04, 0.96, 0.32))
    {
      int band = MIN ((int) ((v - 0.04) / 0.07), 3);
      double cycles = 8.0 * (1 << band);
      value = 0.5 + 0.4 * sin (2.0 * G_PI * cycles * (u - 0.52));
    }
  /* Checkerboard, squares of 1/32 of the width. */
  if (in_box (u, v, 0.52, 0.37, 0.72, 0.59))
    {
      int i = (int) floor ((u - 0.52) * 32.0), j = (int) floor ((y - 0.37 * sc->height)
                                                               * 32.0 / sc->width);
      value = ((i + j) & 1) ? 0.85 : 0.15;
    }
  /* Diagonal stripes (square wave), period 1/40 of the width along the diagonal. */
  if (in_box (u, v, 0.76, 0.37, 0.96, 0.59))
    {
      double t = (x + y) / sc->width * 40.0 / G_SQRT2;
      value = t - floor (t) < 0.5 ? 0.20 : 0.80;
    }
  /* Flat panel with a thin ring (curved, ~1.5 % wide) and a thin straight line. */
  if (in_box (u, v, 0.52, 0.65, 0.96, 0.96))
    {
      value = FLAT_LEVEL;
      double dx = (x - 0.64 * sc->width) / sc->scale, dy = (y - 0.805 * sc->height) / sc->scale;
      double r = sqrt (dx * dx + dy * dy);
      if (fabs (r - 0.09) < 0.008)
        value = RING_LEVEL;
      /* Line from (0.78, 0.68) to (0.94, 0.93), about 0.6 % of the width thick. */
      double ax = 0.78 * sc->width, ay = 0.68 * sc->height;
      double bx = 0.94 * sc->width, by = 0.93 * sc->height;
      double ex = bx - ax, ey = by - ay, len = sqrt (ex * ex + ey * ey);
      double t = ((x - ax) * ex + (y - ay) * ey) / (len * len);
      double dist = fabs ((x - ax) * ey - (y - ay) * ex) / len;
      if (t >= 0.0 && t <= 1.0 && dist < 0.003 * sc->scale)
        value = LINE_LEVEL;
    }
  /* Text block. */
  if (in_box (u, v, 0.05, 0.78, 0.45, 0.96))
    value = text_ink ((u - 0.05) / 0.40, (v - 0.78) / 0.18) ? INK_LEVEL : PAPER_LEVEL;

  return CLAMP (value, 0.0, 1.0);
}

TsImage *
ts_demo_image_new (int width, int height)
{
  if (width < 1 || height < 1)
    return NULL;
  TsImage *image = ts_image_new (width, height, 1, NULL);
  if (image == NULL)
    return NULL;

  Scene sc = { width, height, MIN (width, height) };
  const double step = 1.0 / SUPERSAMPLE;
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        double sum = 0.0;
        for (int j = 0; j < SUPERSAMPLE; j++)
          for (int i = 0; i < SUPERSAMPLE; i++)
            sum += scene_value (&sc, x + (i + 0.5) * step, y + (j + 0.5) * step);
        image->data[(gsize) y * width + x] = (float) (sum / (SUPERSAMPLE * SUPERSAMPLE));
      }
  return image;
}
