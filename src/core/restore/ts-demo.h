/* A built-in test picture for demonstrations: drawn procedurally, no files needed. */
#pragma once
#include <glib.h>
#include "ts-image.h"

G_BEGIN_DECLS

/* A deterministic grayscale picture (one channel, values in [0, 1]) that shows what a
 * denoiser keeps and what it blurs: a smooth gradient background; a disc and a rotated
 * square (sharp curved and straight edges on flat interiors); sinusoidal gratings whose
 * frequency doubles band by band (periods of 1/8 down to 1/64 of the width); a checkerboard
 * and a patch of diagonal stripes; a flat panel crossed by a thin ring and a thin line; and
 * a block of "text" (rows of short dark bars on a light ground).
 * The layout scales with the size (round shapes stay round on non-square sizes); each pixel
 * is the mean of 4 x 4 samples, so edges are sharp but not jagged. Details finer than a
 * pixel (the finest grating below 128 pixels of width) average out to grey.
 * NULL when width or height is below 1 or the image is over the pixel limit. */
TsImage *ts_demo_image_new (int width, int height);

G_END_DECLS
