/* A zoomable grid of p x p atoms, as many columns as fit (at most 20). Hovering shows an
 * atom's tooltip (given by the owner; for a grid without, "Free atom N"); clicking one emits
 * ::atom-activated with its index in the model. */
#pragma once
#include <gtk/gtk.h>
#include "tessera.h"

G_BEGIN_DECLS

#define TS_TYPE_ATOM_GRID (ts_atom_grid_get_type ())
G_DECLARE_FINAL_TYPE (TsAtomGrid, ts_atom_grid, TS, ATOM_GRID, GtkWidget)

GtkWidget *ts_atom_grid_new        (void);
/* Copies `n` atoms of `size` x `size` values (row-major, atom after atom). `order` (may be
 * NULL) lists the model indices in display order. Clears the tooltips. */
void       ts_atom_grid_set_atoms  (TsAtomGrid *self, const float *atoms, int n, int size,
                                    const int *order);
/* The display order (model indices; NULL: the model's order), for the atoms already set. */
void       ts_atom_grid_set_order  (TsAtomGrid *self, const int *order);
/* The model index shown at display position `position`, or -1. */
int        ts_atom_grid_get_index  (TsAtomGrid *self, int position);
int        ts_atom_grid_get_n_atoms (TsAtomGrid *self);
/* One tooltip per atom, by model index (takes the array; NULL: "Free atom N"). */
void       ts_atom_grid_set_tooltips (TsAtomGrid *self, char **tooltips);
void       ts_atom_grid_set_scale  (TsAtomGrid *self, int scale);
void       ts_atom_grid_set_selected (TsAtomGrid *self, int index);
/* The grid as a grey image: each atom scaled to its own range, `scale` pixels per atom
 * pixel, one-pixel gaps. NULL when empty. */
TsImage   *ts_atom_grid_render     (TsAtomGrid *self, int scale);

G_END_DECLS
