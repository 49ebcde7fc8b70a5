/* The Restore page: the result large with a labelled before/after split, or (one click
 * away, the view switcher) every panel: the input, the result, the smooth part, the sparse
 * part, the cost map and the convergence plot, the decomposition's panels with a legend of
 * their scales and updated during the run; all under one zoom and a pan bounded to the
 * picture; a zoom bar and the document's summary below. */
#pragma once
#include <adwaita.h>
#include "ts-image-view.h"
#include "ts-runner.h"

G_BEGIN_DECLS

#define TS_TYPE_RESTORE_PAGE (ts_restore_page_get_type ())
G_DECLARE_FINAL_TYPE (TsRestorePage, ts_restore_page, TS, RESTORE_PAGE, AdwBin)

/* A new document: its input panel (a texture pyramid of a width x height image) and its
 * summary; the other panels and the plot emptied, the zoom fitted. */
void   ts_restore_page_set_document      (TsRestorePage *self, GPtrArray *input, int width,
                                          int height, const char *summary);
/* A run of `task` starts, stopping at `tol`: the plot empties, the input's title says what
 * the run will show there. */
void   ts_restore_page_start_run         (TsRestorePage *self, TsTask task, double tol);
void   ts_restore_page_show_preview      (TsRestorePage *self, const TsPreview *preview);
/* A finished run's panels and last plot points. */
void   ts_restore_page_show_result       (TsRestorePage *self, const TsRunExtras *extras);
/* The cost map's legend: its white is `max` (NAN: no cost map). */
void   ts_restore_page_set_cost_scale    (TsRestorePage *self, double max);
/* A run that failed or was cancelled: back to `shown`, the last result's panels, or to the
 * input alone when `shown` has none. */
void   ts_restore_page_show_failure      (TsRestorePage *self, const TsRunExtras *shown);
/* The part of a width x height image the result panel shows, in image pixels. */
TsRect ts_restore_page_get_visible_region (TsRestorePage *self, int width, int height);
/* Zooms by `factor` about the centre. */
void   ts_restore_page_zoom              (TsRestorePage *self, double factor);
/* 1:1, about the centre. */
void   ts_restore_page_zoom_one          (TsRestorePage *self);
/* The whole input in its panel. */
void   ts_restore_page_zoom_fit          (TsRestorePage *self);
/* Textures the result panel and the large result view have drawn (for the self-test). */
guint  ts_restore_page_get_n_previews_drawn (TsRestorePage *self);
/* "result" (the result large, with its before/after split) or "panels" (every panel). */
void   ts_restore_page_show_view         (TsRestorePage *self, const char *name);
/* For the self-test: the large result view, the shared zoom and pan, the decompositions
 * shown during the current run, and the textures the sparse part's panel has drawn. */
TsImageView     *ts_restore_page_get_large_view (TsRestorePage *self);
TsViewTransform *ts_restore_page_get_transform  (TsRestorePage *self);
guint  ts_restore_page_get_n_live_decompositions (TsRestorePage *self);
guint  ts_restore_page_get_n_decompositions_drawn (TsRestorePage *self);

G_END_DECLS
