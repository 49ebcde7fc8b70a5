/* The zoom and pan shared by the image panels, so they move together. Coordinates are
 * image pixels; `zoom` is screen pixels per image pixel; (x, y) is the image point shown
 * at the centre of every view. */
#pragma once
#include <glib-object.h>

G_BEGIN_DECLS

#define TS_TYPE_VIEW_TRANSFORM (ts_view_transform_get_type ())
G_DECLARE_FINAL_TYPE (TsViewTransform, ts_view_transform, TS, VIEW_TRANSFORM, GObject)

#define TS_VIEW_ZOOM_MIN 0.02
#define TS_VIEW_ZOOM_MAX 64.0

TsViewTransform *ts_view_transform_new      (void);
double           ts_view_transform_get_zoom (TsViewTransform *self);
void             ts_view_transform_get_center (TsViewTransform *self, double *x, double *y);
void             ts_view_transform_set      (TsViewTransform *self, double zoom, double x, double y);
/* Zooms by `factor` keeping the image point under (dx, dy) — the pointer's offset from the
 * view's centre, in screen pixels — where it is. */
void             ts_view_transform_zoom_at  (TsViewTransform *self, double factor, double dx, double dy);
/* Shows a whole width x height image in a view_width x view_height view. */
void             ts_view_transform_fit      (TsViewTransform *self, int width, int height,
                                             int view_width, int view_height);
gboolean         ts_view_transform_get_fitted (TsViewTransform *self);
/* Bounds the pan to a width x height picture seen in a view_width x view_height view: a
 * picture larger than the view always covers it, a smaller one stays centred (0: no bound). */
void             ts_view_transform_set_limits (TsViewTransform *self, int width, int height,
                                               int view_width, int view_height);

G_END_DECLS
