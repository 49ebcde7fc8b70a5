/* Shared zoom and pan of the image panels. */
#include "ts-view-transform.h"

#include <math.h>

struct _TsViewTransform {
  GObject parent_instance;
  double zoom, x, y;
  gboolean fitted;   /* the last change was a Fit: views refit when they are resized */
  int image_width, image_height, view_width, view_height;   /* the pan's limits; 0 = none */
};

G_DEFINE_FINAL_TYPE (TsViewTransform, ts_view_transform, G_TYPE_OBJECT)

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* The centre along one axis: a picture larger than the view is kept covering it, a smaller
 * one centred. */
static double
bound_axis (double centre, int image, int view, double zoom)
{
  double half = view / (2.0 * zoom);

  if (image <= 0 || view <= 0)
    return centre;
  if (image <= 2.0 * half)
    return image / 2.0;
  return CLAMP (centre, half, image - half);
}

static void
update (TsViewTransform *self, double zoom, double x, double y, gboolean fitted)
{
  zoom = CLAMP (zoom, TS_VIEW_ZOOM_MIN, TS_VIEW_ZOOM_MAX);
  x = bound_axis (x, self->image_width, self->view_width, zoom);
  y = bound_axis (y, self->image_height, self->view_height, zoom);
  self->fitted = fitted;
  if (zoom == self->zoom && x == self->x && y == self->y)
    return;
  self->zoom = zoom;
  self->x = x;
  self->y = y;
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

double
ts_view_transform_get_zoom (TsViewTransform *self)
{
  g_return_val_if_fail (TS_IS_VIEW_TRANSFORM (self), 1.0);
  return self->zoom;
}

void
ts_view_transform_get_center (TsViewTransform *self, double *x, double *y)
{
  g_return_if_fail (TS_IS_VIEW_TRANSFORM (self));
  *x = self->x;
  *y = self->y;
}

gboolean
ts_view_transform_get_fitted (TsViewTransform *self)
{
  g_return_val_if_fail (TS_IS_VIEW_TRANSFORM (self), FALSE);
  return self->fitted;
}

void
ts_view_transform_set (TsViewTransform *self, double zoom, double x, double y)
{
  g_return_if_fail (TS_IS_VIEW_TRANSFORM (self));
  update (self, zoom, x, y, FALSE);
}

void
ts_view_transform_zoom_at (TsViewTransform *self, double factor, double dx, double dy)
{
  double zoom, px, py;

  g_return_if_fail (TS_IS_VIEW_TRANSFORM (self));
  zoom = CLAMP (self->zoom * factor, TS_VIEW_ZOOM_MIN, TS_VIEW_ZOOM_MAX);
  /* The image point under the pointer: centre + offset / zoom, before and after. */
  px = self->x + dx / self->zoom;
  py = self->y + dy / self->zoom;
  update (self, zoom, px - dx / zoom, py - dy / zoom, FALSE);
}

void
ts_view_transform_fit (TsViewTransform *self, int width, int height, int view_width, int view_height)
{
  double zoom;

  g_return_if_fail (TS_IS_VIEW_TRANSFORM (self));
  if (width <= 0 || height <= 0 || view_width <= 0 || view_height <= 0)
    return;
  zoom = MIN ((double) view_width / width, (double) view_height / height);
  update (self, zoom, width / 2.0, height / 2.0, TRUE);
}

void
ts_view_transform_set_limits (TsViewTransform *self, int width, int height, int view_width,
                              int view_height)
{
  g_return_if_fail (TS_IS_VIEW_TRANSFORM (self));
  self->image_width = MAX (width, 0);
  self->image_height = MAX (height, 0);
  self->view_width = MAX (view_width, 0);
  self->view_height = MAX (view_height, 0);
  update (self, self->zoom, self->x, self->y, self->fitted);
}

TsViewTransform *
ts_view_transform_new (void)
{
  return g_object_new (TS_TYPE_VIEW_TRANSFORM, NULL);
}

static void
ts_view_transform_class_init (TsViewTransformClass *klass)
{
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ts_view_transform_init (TsViewTransform *self)
{
  self->zoom = 1.0;
  self->fitted = TRUE;
}
