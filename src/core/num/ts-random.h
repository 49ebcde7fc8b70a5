/* The one random generator of the core: xoshiro256** (Blackman & Vigna) seeded through
 * splitmix64. Fully specified integer arithmetic, so a seed gives the same numbers on every
 * platform (unlike rand()); its four words of state fit in a training checkpoint. */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint64 s[4];
} TsRandom;

/* The four state words from splitmix64 of `seed`. */
void    ts_random_seed (TsRandom *rng, guint64 seed);
guint64 ts_random_next (TsRandom *rng);
/* Uniform in [0, 1): the top 53 bits. */
double  ts_random_uniform (TsRandom *rng);
/* Uniform in (0, 1]: the top 53 bits plus one step, so that log() never sees 0. */
double  ts_random_uniform_open0 (TsRandom *rng);
/* Uniform integer in [0, n). */
int     ts_random_below (TsRandom *rng, int n);
/* Standard normal (one Box-Muller draw from two uniforms in [0, 1)). */
double  ts_random_normal (TsRandom *rng);
/* Poisson with mean `lambda` (>= 0; 0 for NaN or negative): multiplication of uniforms below
 * mean 30, else Hoermann's transformed rejection PTRS (as NumPy's legacy generator). */
double  ts_random_poisson (TsRandom *rng, double lambda);

G_END_DECLS
