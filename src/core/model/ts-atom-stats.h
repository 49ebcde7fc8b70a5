/* The dictionary atoms as the model uses them (MODEL.md "Derived quantities", step 4: each
 * atom without its mean and its component in the span of the free atoms, unit norm) and what
 * a reader of the Atoms page asks of them: how localised each atom is and which way it
 * points. */
#pragma once
#include <glib.h>
#include "ts-model.h"

G_BEGIN_DECLS

/* The side of the window in which the localisation figure measures an atom's energy. */
#define TS_ATOM_WINDOW 7

typedef struct {
  int n_atoms;            /* K */
  int size;               /* p */
  float *atoms;           /* K x p x p: the atoms as the model uses them, unit norm (0 where
                           * an atom lies in the smooth part) */
  double *localisation;   /* K: fraction of the atom's energy in its best 7 x 7 window */
  double *angle;          /* K: dominant orientation in degrees, [0, 180) */
  double *coherence;      /* K: how strongly oriented, [0, 1] (0: no direction) */
  double median_localisation;   /* the model's localisation figure */
} TsAtomStats;

/* The stats of the model's dictionary atoms. */
TsAtomStats *ts_atom_stats_new  (const TsModel *model, GError **error);
void         ts_atom_stats_free (TsAtomStats *stats);

/* Fraction of the energy of a size x size atom inside its best window x window window, over
 * every window position inside the atom (1 for an atom that fits in a window; about 0.38 for
 * white noise at 13 x 13 and 7 x 7). 0 for a zero atom. */
double ts_atom_localisation (const float *atom, int size, int window);
/* Dominant orientation from the atom's structure tensor (Scharr derivatives inside the
 * atom): `angle` is the direction along which the atom varies least (an edge's or a line's
 * direction), in degrees anticlockwise from the horizontal as the atom is shown (rows going
 * down), in [0, 180); `coherence` is (l1 - l2) / (l1 + l2) of the tensor's eigenvalues. */
void   ts_atom_orientation  (const float *atom, int size, double *angle, double *coherence);
/* The median of n values (n > 0; NAN for n = 0). */
double ts_atom_stats_median (const double *values, int n);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsAtomStats, ts_atom_stats_free)

G_END_DECLS
