/* The atoms page: the model's dictionary atoms as the model uses them (without their mean
 * and smooth part), ordered by learned threshold, by use on the current result or by
 * orientation, with the model's localisation figure; its free atoms; and the coefficient
 * map of the clicked atom over the last result (where in the picture that atom is used). */
#pragma once
#include <gtk/gtk.h>
#include "tessera.h"

G_BEGIN_DECLS

#define TS_TYPE_ATOMS_VIEW (ts_atoms_view_get_type ())
G_DECLARE_FINAL_TYPE (TsAtomsView, ts_atoms_view, TS, ATOMS_VIEW, GtkWidget)

typedef enum {
  TS_ATOMS_ORDER_THRESHOLD,    /* learned threshold, lowest first */
  TS_ATOMS_ORDER_USAGE,        /* share of patch positions using it on the result, most first */
  TS_ATOMS_ORDER_ORIENTATION,  /* structure-tensor angle, 0 to 180 degrees */
} TsAtomsOrder;

/* `lambda`: the base threshold in use (NAN = the model's). */
void     ts_atoms_view_set_model     (TsAtomsView *self, const TsModel *model, double lambda);
/* The last run's solutions (TsSolution per channel, referenced), or NULL. */
void     ts_atoms_view_set_solutions (TsAtomsView *self, GPtrArray *solutions);
/* The dictionary grid as an image for saving; NULL without a model. */
TsImage *ts_atoms_view_render_grid   (TsAtomsView *self);
/* Shows the coefficient map of model atom `index` (as a click does). */
void     ts_atoms_view_select_atom   (TsAtomsView *self, int index);
/* The dictionary's order; usage needs solutions of the model (else threshold is used). */
void     ts_atoms_view_set_order     (TsAtomsView *self, TsAtomsOrder order);
TsAtomsOrder ts_atoms_view_get_order (TsAtomsView *self);
/* Whether the order can be chosen now (its toggle sensitive). */
gboolean ts_atoms_view_get_order_available (TsAtomsView *self, TsAtomsOrder order);
/* For the self-test: the model index the grid shows at `position` (-1 past the end), the
 * stats, thresholds (by model index) and usage (by model index; NULL without a result). */
int                ts_atoms_view_get_displayed  (TsAtomsView *self, int position);
const TsAtomStats *ts_atoms_view_get_stats      (TsAtomsView *self);
const double      *ts_atoms_view_get_thresholds (TsAtomsView *self);
const double      *ts_atoms_view_get_usage      (TsAtomsView *self);

G_END_DECLS
