/* A zoomable grid of p x p atoms, as many columns as fit (at most 20). Hovering shows an atom's index and threshold in a
 * tooltip; clicking one emits ::atom-activated with its index in the model. */
#pragma once
#include <gtk/gtk.h>
#include "tessera.h"

G_BEGIN_DECLS

#define TS_TYPE_ATOM_GRID (ts_atom_grid_get_type ())
G_DECLARE_FINAL_TYPE (TsAtomGrid, ts_atom_grid, TS, ATOM_GRID, GtkWidget)

GtkWidget *ts_atom_grid_new        (void);
/* Copies `n` atoms of `size` x `size` values (row-major, atom after atom). `order` (may be
 * NULL) lists the model indices in display order; `thresholds` (may be NULL) is indexed by
 * model index. */
void       ts_atom_grid_set_atoms  (TsAtomGrid *self, const float *atoms, int n, int size,
                                    const int *order, const double *thresholds);
void       ts_atom_grid_set_scale  (TsAtomGrid *self, int scale);
void       ts_atom_grid_set_selected (TsAtomGrid *self, int index);
/* The grid as a grey image: each atom scaled to its own range, `scale` pixels per atom
 * pixel, one-pixel gaps. NULL when empty. */
TsImage   *ts_atom_grid_render     (TsAtomGrid *self, int scale);

G_END_DECLS
