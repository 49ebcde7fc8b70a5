/* Colour transforms for denoising colour images with grayscale models. */
#pragma once
#include "ts-image.h"

G_BEGIN_DECLS

/* How `denoise` treats the three colour channels of an RGB(A) image. */
typedef enum {
  TS_COLOUR_OPPONENT,   /* orthonormal luminance / opponent basis (the default) */
  TS_COLOUR_RGB,        /* each of R, G, B on its own */
} TsColourMode;

/* "opponent" / "rgb"; FALSE for other names. */
gboolean    ts_colour_mode_from_name (const char *name, TsColourMode *mode);
const char *ts_colour_mode_name (TsColourMode mode);

/* The orthonormal opponent basis, rows of an orthogonal 3 x 3 matrix:
 *   o1 = (R + G + B) / sqrt 3      luminance
 *   o2 = (R - B) / sqrt 2          red-blue
 *   o3 = (R - 2 G + B) / sqrt 6    magenta-green
 * Orthonormal, so white Gaussian noise of level sigma, independent between R, G and B,
 * stays white, independent and of level sigma in o1, o2, o3. o1 lies in [0, sqrt 3], o2 in
 * [-1/sqrt 2, 1/sqrt 2], o3 in [-2/sqrt 6, 2/sqrt 6] for [0, 1] inputs.
 * Both functions return a new image of the same size; images with 3 or 4 channels are
 * transformed (the 4th, alpha, is copied untouched), others are copied unchanged. */
/* The basis as a matrix: rows o1, o2, o3 in terms of R, G, B (the inverse is the transpose). */
extern const double ts_colour_opponent_basis[3][3];
TsImage *ts_colour_rgb_to_opponent (const TsImage *image);
TsImage *ts_colour_opponent_to_rgb (const TsImage *image);

/* The channels of `image` that are a picture: all but the alpha channel of gray + alpha
 * (2) and RGBA (4). Restorations solve these and copy alpha through. */
int      ts_colour_channels (const TsImage *image);

/* Luminance, ITU-R BT.601 weights (0.299 R + 0.587 G + 0.114 B, as PIL's convert("L")), of
 * RGB(A); the gray channel of gray (+ alpha). A new single-channel image, NULL when out of
 * memory. */
TsImage *ts_colour_luminance (const TsImage *image);

G_END_DECLS
