/* The atoms page: the model's dictionary atoms ordered by learned threshold and its free
 * atoms as zoomable grids, and the coefficient map of the clicked atom over the last
 * result (where in the picture that atom is used). */
#pragma once
#include <gtk/gtk.h>
#include "tessera.h"

G_BEGIN_DECLS

#define TS_TYPE_ATOMS_VIEW (ts_atoms_view_get_type ())
G_DECLARE_FINAL_TYPE (TsAtomsView, ts_atoms_view, TS, ATOMS_VIEW, GtkWidget)

/* `lambda`: the base threshold in use (NAN = the model's). */
void     ts_atoms_view_set_model     (TsAtomsView *self, const TsModel *model, double lambda);
/* The last run's solutions (TsSolution per channel, referenced), or NULL. */
void     ts_atoms_view_set_solutions (TsAtomsView *self, GPtrArray *solutions);
/* The dictionary grid as an image for saving; NULL without a model. */
TsImage *ts_atoms_view_render_grid   (TsAtomsView *self);
/* Shows the coefficient map of model atom `index` (as a click does). */
void     ts_atoms_view_select_atom   (TsAtomsView *self, int index);

G_END_DECLS
