/* An image panel with shared zoom and pan. */
#include "ts-image-view.h"

#include <math.h>

struct _TsImageView {
  GtkWidget parent_instance;
  GdkTexture *texture;
  GdkTexture *compare;
  GPtrArray *levels;          /* texture's reduced levels (levels[0] == texture), or NULL */
  GPtrArray *compare_levels;
  GdkTexture *last_drawn;
  TsViewTransform *transform;
  gulong changed_id;
  double split;
  char *before_label, *after_label;   /* drawn on each side of the split's line, or NULL */
  gboolean primary;        /* this view's size bounds the shared pan */
  gboolean draft;          /* textures change often (a run): a coarser level, enlarged */
  double drag_x, drag_y;   /* the transform's centre when the drag began */
  guint n_textures_drawn;
};

G_DEFINE_FINAL_TYPE (TsImageView, ts_image_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_TEXTURE, PROP_COMPARE_TEXTURE, PROP_SPLIT, PROP_TRANSFORM, PROP_BEFORE_LABEL,
       PROP_AFTER_LABEL, PROP_PRIMARY, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
refit_if_fitted (TsImageView *self)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self)), h = gtk_widget_get_height (GTK_WIDGET (self));

  if (self->texture != NULL && self->transform != NULL
      && ts_view_transform_get_fitted (self->transform) && w > 0 && h > 0)
    ts_view_transform_fit (self->transform, gdk_texture_get_width (self->texture),
                           gdk_texture_get_height (self->texture), w, h);
}

/* The primary view (the one in front) bounds the shared pan to its picture at its size. */
static void
update_limits (TsImageView *self)
{
  if (!self->primary || self->transform == NULL || self->texture == NULL)
    return;
  ts_view_transform_set_limits (self->transform, gdk_texture_get_width (self->texture),
                                gdk_texture_get_height (self->texture),
                                gtk_widget_get_width (GTK_WIDGET (self)),
                                gtk_widget_get_height (GTK_WIDGET (self)));
}

static void
ts_image_view_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  update_limits (TS_IMAGE_VIEW (widget));
  refit_if_fitted (TS_IMAGE_VIEW (widget));
}

/* Where the picture lies in the view at the current zoom and pan (widget coordinates). */
static void
picture_bounds (TsImageView *self, graphene_rect_t *bounds)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self)), h = gtk_widget_get_height (GTK_WIDGET (self));
  int tw = gdk_texture_get_width (self->texture), th = gdk_texture_get_height (self->texture);
  double zoom = 1.0, cx = tw / 2.0, cy = th / 2.0;

  if (self->transform != NULL)
    {
      zoom = ts_view_transform_get_zoom (self->transform);
      ts_view_transform_get_center (self->transform, &cx, &cy);
    }
  graphene_rect_init (bounds, w / 2.0 - cx * zoom, h / 2.0 - cy * zoom, tw * zoom, th * zoom);
}

#define LABEL_MARGIN 8.0
#define LABEL_PAD_X 8.0
#define LABEL_PAD_Y 3.0

static PangoLayout *
label_layout (TsImageView *self, const char *text, graphene_rect_t *size)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  int lw, lh;

  pango_layout_get_pixel_size (layout, &lw, &lh);
  graphene_rect_init (size, 0, 0, lw + 2 * LABEL_PAD_X, lh + 2 * LABEL_PAD_Y);
  return layout;
}

/* The split's line and its two labels, in widget coordinates: the line on the part of the
 * picture the view shows (so it is always inside the view, whatever the zoom and pan), at
 * `split` of its width; "Before" left of it, "After" right of it, both kept inside the view.
 * FALSE when no split is shown. */
static gboolean
split_geometry (TsImageView *self, double *line_x, graphene_rect_t *before, graphene_rect_t *after)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self)), h = gtk_widget_get_height (GTK_WIDGET (self));
  graphene_rect_t bounds, size;
  double x0, x1;

  if (self->texture == NULL || self->compare == NULL || !(self->split > 0.0) || w <= 0 || h <= 0)
    return FALSE;
  picture_bounds (self, &bounds);
  x0 = CLAMP (bounds.origin.x, 0.0, (double) w);
  x1 = CLAMP (bounds.origin.x + bounds.size.width, 0.0, (double) w);
  *line_x = round (x0 + self->split * (x1 - x0));
  if (before != NULL)
    {
      g_autoptr (PangoLayout) layout = label_layout (self, self->before_label != NULL ? self->before_label : "", &size);
      double x = MAX (LABEL_MARGIN, *line_x - LABEL_MARGIN - size.size.width);
      double y = MAX (LABEL_MARGIN, bounds.origin.y + LABEL_MARGIN);
      graphene_rect_init (before, MIN (x, w - size.size.width), MIN (y, h - size.size.height),
                          size.size.width, size.size.height);
    }
  if (after != NULL)
    {
      g_autoptr (PangoLayout) layout = label_layout (self, self->after_label != NULL ? self->after_label : "", &size);
      double x = MIN (*line_x + LABEL_MARGIN, w - LABEL_MARGIN - size.size.width);
      double y = MAX (LABEL_MARGIN, bounds.origin.y + LABEL_MARGIN);
      graphene_rect_init (after, MAX (x, 0.0), MIN (y, h - size.size.height), size.size.width,
                          size.size.height);
    }
  return TRUE;
}

gboolean
ts_image_view_get_split_geometry (TsImageView *self, double *line_x, graphene_rect_t *before,
                                  graphene_rect_t *after)
{
  double x;

  g_return_val_if_fail (TS_IS_IMAGE_VIEW (self), FALSE);
  if (!split_geometry (self, &x, before, after))
    return FALSE;
  if (line_x != NULL)
    *line_x = x;
  return TRUE;
}

static void
draw_label (TsImageView *self, GtkSnapshot *snapshot, const char *text, const graphene_rect_t *at)
{
  g_autoptr (PangoLayout) layout = NULL;
  graphene_rect_t size;
  GskRoundedRect pill;
  GdkRGBA shade = { 0, 0, 0, 0.6 }, white = { 1, 1, 1, 1 };

  if (text == NULL || text[0] == '\0')
    return;
  layout = label_layout (self, text, &size);
  gsk_rounded_rect_init_from_rect (&pill, at, 6);
  gtk_snapshot_push_rounded_clip (snapshot, &pill);
  gtk_snapshot_append_color (snapshot, &shade, at);
  gtk_snapshot_pop (snapshot);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (at->origin.x + LABEL_PAD_X,
                                                          at->origin.y + LABEL_PAD_Y));
  gtk_snapshot_append_layout (snapshot, layout, &white);
  gtk_snapshot_restore (snapshot);
}

/* The coarsest level with at least one texel per device pixel at this zoom; in draft, with
 * at least one per one and a half pixels (so never at 1:1 or above): a level enlarged rather
 * than a finer one reduced, which costs the main loop far less (cairo's reduction filters
 * every texel). */
static GdkTexture *
level_for_zoom (GdkTexture *texture, GPtrArray *levels, double pixels_per_texel, gboolean draft)
{
  double most = draft ? 1.5 : 1.0;
  guint level = 0;

  if (levels == NULL || levels->len == 0 || levels->pdata[0] != texture)
    return texture;
  while (level + 1 < levels->len && pixels_per_texel * (1u << (level + 1)) <= most)
    level++;
  return levels->pdata[level];
}

static void
append_texture (GtkSnapshot *snapshot, GdkTexture *texture, const graphene_rect_t *bounds)
{
  gtk_snapshot_append_texture (snapshot, texture, bounds);
}

static void
ts_image_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  TsImageView *self = TS_IMAGE_VIEW (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  double zoom = 1.0, split_x;
  graphene_rect_t bounds, clip, before, after;
  GdkTexture *texture, *compare;

  if (self->texture == NULL)
    return;
  if (self->texture != self->last_drawn)
    {
      self->n_textures_drawn++;
      g_set_object (&self->last_drawn, self->texture);
    }
  if (self->transform != NULL)
    zoom = ts_view_transform_get_zoom (self->transform);
  picture_bounds (self, &bounds);
  {
    double density = zoom * gtk_widget_get_scale_factor (widget);
    texture = level_for_zoom (self->texture, self->levels, density, self->draft);
    compare = self->compare != NULL ? level_for_zoom (self->compare, self->compare_levels, density, self->draft) : NULL;
  }
  graphene_rect_init (&clip, 0, 0, w, h);
  gtk_snapshot_push_clip (snapshot, &clip);

  if (split_geometry (self, &split_x, &before, &after))
    {
      graphene_rect_t left, right, line;
      GdkRGBA white = { 1, 1, 1, 0.9 };

      graphene_rect_init (&left, 0, 0, MAX (0, split_x), h);
      graphene_rect_init (&right, split_x, 0, MAX (0, w - split_x), h);
      gtk_snapshot_push_clip (snapshot, &left);
      append_texture (snapshot, compare, &bounds);
      gtk_snapshot_pop (snapshot);
      gtk_snapshot_push_clip (snapshot, &right);
      append_texture (snapshot, texture, &bounds);
      gtk_snapshot_pop (snapshot);
      /* The line spans the picture, not the empty bands beside it. */
      double top = CLAMP (bounds.origin.y, 0.0, (double) h);
      double bottom = CLAMP (bounds.origin.y + bounds.size.height, 0.0, (double) h);
      graphene_rect_init (&line, split_x - 1, top, 2, bottom - top);
      gtk_snapshot_append_color (snapshot, &white, &line);
      draw_label (self, snapshot, self->before_label, &before);
      draw_label (self, snapshot, self->after_label, &after);
    }
  else
    append_texture (snapshot, texture, &bounds);

  gtk_snapshot_pop (snapshot);
}

static void
on_transform_changed (TsImageView *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static gboolean
on_scroll (GtkEventControllerScroll *controller, double dx, double dy, gpointer user_data)
{
  TsImageView *self = user_data;
  double px = 0.0, py = 0.0;
  GdkEvent *event;

  if (self->transform == NULL || self->texture == NULL)
    return FALSE;
  event = gtk_event_controller_get_current_event (GTK_EVENT_CONTROLLER (controller));
  if (event != NULL)
    {
      double ex, ey;
      graphene_point_t in, out;
      GtkNative *native = gtk_widget_get_native (GTK_WIDGET (self));
      double nx, ny;

      gdk_event_get_position (event, &ex, &ey);
      gtk_native_get_surface_transform (native, &nx, &ny);
      graphene_point_init (&in, ex - nx, ey - ny);
      if (gtk_widget_compute_point (GTK_WIDGET (native), GTK_WIDGET (self), &in, &out))
        {
          px = out.x;
          py = out.y;
        }
    }
  ts_view_transform_zoom_at (self->transform, pow (1.15, -dy),
                             px - gtk_widget_get_width (GTK_WIDGET (self)) / 2.0,
                             py - gtk_widget_get_height (GTK_WIDGET (self)) / 2.0);
  return TRUE;
}

static void
on_drag_begin (GtkGestureDrag *gesture, double x, double y, gpointer user_data)
{
  TsImageView *self = user_data;

  if (self->transform == NULL)
    return;
  ts_view_transform_get_center (self->transform, &self->drag_x, &self->drag_y);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grabbing");
}

static void
on_drag_update (GtkGestureDrag *gesture, double dx, double dy, gpointer user_data)
{
  TsImageView *self = user_data;
  double zoom;

  if (self->transform == NULL)
    return;
  zoom = ts_view_transform_get_zoom (self->transform);
  ts_view_transform_set (self->transform, zoom, self->drag_x - dx / zoom, self->drag_y - dy / zoom);
}

static void
on_drag_end (GtkGestureDrag *gesture, double dx, double dy, gpointer user_data)
{
  gtk_widget_set_cursor_from_name (GTK_WIDGET (user_data), "grab");
}

void
ts_image_view_set_texture (TsImageView *self, GdkTexture *texture)
{
  gboolean size_changed;

  g_return_if_fail (TS_IS_IMAGE_VIEW (self));
  if (self->texture == texture)
    return;
  size_changed = self->texture == NULL || texture == NULL
                 || gdk_texture_get_width (self->texture) != gdk_texture_get_width (texture)
                 || gdk_texture_get_height (self->texture) != gdk_texture_get_height (texture);
  g_set_object (&self->texture, texture);
  if (self->levels != NULL && (texture == NULL || self->levels->pdata[0] != texture))
    g_clear_pointer (&self->levels, g_ptr_array_unref);
  if (size_changed)
    {
      update_limits (self);
      refit_if_fitted (self);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXTURE]);
}

GdkTexture *
ts_image_view_get_texture (TsImageView *self)
{
  g_return_val_if_fail (TS_IS_IMAGE_VIEW (self), NULL);
  return self->texture;
}

GdkTexture *
ts_image_view_get_compare_texture (TsImageView *self)
{
  g_return_val_if_fail (TS_IS_IMAGE_VIEW (self), NULL);
  return self->compare;
}

void
ts_image_view_set_pyramid (TsImageView *self, GPtrArray *levels)
{
  g_return_if_fail (TS_IS_IMAGE_VIEW (self));
  g_return_if_fail (levels == NULL || levels->len > 0);
  if (levels != NULL)
    g_ptr_array_ref (levels);
  g_clear_pointer (&self->levels, g_ptr_array_unref);
  self->levels = levels;
  ts_image_view_set_texture (self, levels != NULL ? levels->pdata[0] : NULL);
}

void
ts_image_view_set_compare_pyramid (TsImageView *self, GPtrArray *levels)
{
  g_return_if_fail (TS_IS_IMAGE_VIEW (self));
  g_return_if_fail (levels == NULL || levels->len > 0);
  if (levels != NULL)
    g_ptr_array_ref (levels);
  g_clear_pointer (&self->compare_levels, g_ptr_array_unref);
  self->compare_levels = levels;
  ts_image_view_set_compare_texture (self, levels != NULL ? levels->pdata[0] : NULL);
}

void
ts_image_view_set_compare_texture (TsImageView *self, GdkTexture *texture)
{
  g_return_if_fail (TS_IS_IMAGE_VIEW (self));
  if (self->compare_levels != NULL && (texture == NULL || self->compare_levels->pdata[0] != texture))
    g_clear_pointer (&self->compare_levels, g_ptr_array_unref);
  if (g_set_object (&self->compare, texture))
    {
      gtk_widget_queue_draw (GTK_WIDGET (self));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPARE_TEXTURE]);
    }
}

void
ts_image_view_set_split (TsImageView *self, double split)
{
  g_return_if_fail (TS_IS_IMAGE_VIEW (self));
  split = CLAMP (split, 0.0, 1.0);
  if (self->split == split)
    return;
  self->split = split;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPLIT]);
}

double
ts_image_view_get_split (TsImageView *self)
{
  g_return_val_if_fail (TS_IS_IMAGE_VIEW (self), 0.0);
  return self->split;
}

/* g_set_str, which GLib has from 2.76 on. */
static gboolean
set_string (char **field, const char *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

void
ts_image_view_set_split_labels (TsImageView *self, const char *before, const char *after)
{
  g_return_if_fail (TS_IS_IMAGE_VIEW (self));
  if (set_string (&self->before_label, before))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BEFORE_LABEL]);
  if (set_string (&self->after_label, after))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AFTER_LABEL]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ts_image_view_set_draft (TsImageView *self, gboolean draft)
{
  g_return_if_fail (TS_IS_IMAGE_VIEW (self));
  draft = !!draft;
  if (self->draft == draft)
    return;
  self->draft = draft;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ts_image_view_set_primary (TsImageView *self, gboolean primary)
{
  g_return_if_fail (TS_IS_IMAGE_VIEW (self));
  primary = !!primary;
  if (self->primary == primary)
    return;
  self->primary = primary;
  update_limits (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRIMARY]);
}

void
ts_image_view_set_transform (TsImageView *self, TsViewTransform *transform)
{
  g_return_if_fail (TS_IS_IMAGE_VIEW (self));
  if (self->transform == transform)
    return;
  if (self->transform != NULL)
    g_clear_signal_handler (&self->changed_id, self->transform);
  g_set_object (&self->transform, transform);
  if (transform != NULL)
    self->changed_id = g_signal_connect_swapped (transform, "changed",
                                                 G_CALLBACK (on_transform_changed), self);
  update_limits (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRANSFORM]);
}

TsViewTransform *
ts_image_view_get_transform (TsImageView *self)
{
  g_return_val_if_fail (TS_IS_IMAGE_VIEW (self), NULL);
  return self->transform;
}

guint
ts_image_view_get_n_textures_drawn (TsImageView *self)
{
  g_return_val_if_fail (TS_IS_IMAGE_VIEW (self), 0);
  return self->n_textures_drawn;
}

GtkWidget *
ts_image_view_new (void)
{
  return g_object_new (TS_TYPE_IMAGE_VIEW, NULL);
}

static void
ts_image_view_dispose (GObject *object)
{
  TsImageView *self = TS_IMAGE_VIEW (object);

  if (self->transform != NULL)
    g_clear_signal_handler (&self->changed_id, self->transform);
  g_clear_object (&self->transform);
  g_clear_object (&self->texture);
  g_clear_object (&self->compare);
  g_clear_pointer (&self->levels, g_ptr_array_unref);
  g_clear_pointer (&self->compare_levels, g_ptr_array_unref);
  g_clear_object (&self->last_drawn);
  G_OBJECT_CLASS (ts_image_view_parent_class)->dispose (object);
}

static void
ts_image_view_finalize (GObject *object)
{
  TsImageView *self = TS_IMAGE_VIEW (object);

  g_free (self->before_label);
  g_free (self->after_label);
  G_OBJECT_CLASS (ts_image_view_parent_class)->finalize (object);
}

static void
ts_image_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TsImageView *self = TS_IMAGE_VIEW (object);

  switch (prop_id)
    {
    case PROP_TEXTURE: g_value_set_object (value, self->texture); break;
    case PROP_COMPARE_TEXTURE: g_value_set_object (value, self->compare); break;
    case PROP_SPLIT: g_value_set_double (value, self->split); break;
    case PROP_TRANSFORM: g_value_set_object (value, self->transform); break;
    case PROP_BEFORE_LABEL: g_value_set_string (value, self->before_label); break;
    case PROP_AFTER_LABEL: g_value_set_string (value, self->after_label); break;
    case PROP_PRIMARY: g_value_set_boolean (value, self->primary); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_image_view_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  TsImageView *self = TS_IMAGE_VIEW (object);

  switch (prop_id)
    {
    case PROP_TEXTURE: ts_image_view_set_texture (self, g_value_get_object (value)); break;
    case PROP_COMPARE_TEXTURE: ts_image_view_set_compare_texture (self, g_value_get_object (value)); break;
    case PROP_SPLIT: ts_image_view_set_split (self, g_value_get_double (value)); break;
    case PROP_TRANSFORM: ts_image_view_set_transform (self, g_value_get_object (value)); break;
    case PROP_BEFORE_LABEL: ts_image_view_set_split_labels (self, g_value_get_string (value), self->after_label); break;
    case PROP_AFTER_LABEL: ts_image_view_set_split_labels (self, self->before_label, g_value_get_string (value)); break;
    case PROP_PRIMARY: ts_image_view_set_primary (self, g_value_get_boolean (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_image_view_class_init (TsImageViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ts_image_view_dispose;
  object_class->finalize = ts_image_view_finalize;
  object_class->get_property = ts_image_view_get_property;
  object_class->set_property = ts_image_view_set_property;
  widget_class->snapshot = ts_image_view_snapshot;
  widget_class->size_allocate = ts_image_view_size_allocate;

  properties[PROP_TEXTURE] = g_param_spec_object ("texture", NULL, NULL, GDK_TYPE_TEXTURE,
                                                  G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_COMPARE_TEXTURE] = g_param_spec_object ("compare-texture", NULL, NULL, GDK_TYPE_TEXTURE,
                                                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SPLIT] = g_param_spec_double ("split", NULL, NULL, 0.0, 1.0, 0.0,
                                                G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_TRANSFORM] = g_param_spec_object ("transform", NULL, NULL, TS_TYPE_VIEW_TRANSFORM,
                                                    G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_BEFORE_LABEL] = g_param_spec_string ("before-label", NULL, NULL, NULL,
                                                      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_AFTER_LABEL] = g_param_spec_string ("after-label", NULL, NULL, NULL,
                                                     G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_PRIMARY] = g_param_spec_boolean ("primary", NULL, NULL, FALSE,
                                                   G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  gtk_widget_class_set_css_name (widget_class, "tsimageview");
}

static void
ts_image_view_init (TsImageView *self)
{
  GtkEventController *scroll;
  GtkGesture *drag;

  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grab");

  scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self), scroll);

  drag = gtk_gesture_drag_new ();
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
}
