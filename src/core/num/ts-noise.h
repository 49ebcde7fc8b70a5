/* Reproducible Gaussian noise for simulations and evaluation. */
#pragma once
#include <glib.h>
#include "ts-image.h"

G_BEGIN_DECLS

/* Adds sigma * n, n standard normal from a seeded generator (same seed, same noise). */
void ts_noise_add_gaussian (TsImage *image, double sigma, guint64 seed);
/* Poisson-Gaussian noise of variance a * y + b (image units) on the colour channels of `image`
 * (alpha untouched): each value y becomes a * Poisson(y / a) + sqrt(b) * n, n standard normal
 * (a = 0: Gaussian alone; negative y count as 0 for the Poisson part). Values are not
 * clipped. Same seed, same noise. */
void ts_noise_add_poisson_gaussian (TsImage *image, double a, double b, guint64 seed);

G_END_DECLS
