/* Reproducible Gaussian noise for simulations and evaluation. */
#pragma once
#include <glib.h>
#include "ts-image.h"

G_BEGIN_DECLS

/* Adds sigma * n, n standard normal from a seeded generator (same seed, same noise). */
void ts_noise_add_gaussian (TsImage *image, double sigma, guint64 seed);

G_END_DECLS
