/* The atoms of a model as a mosaic. */
#include "ts-atom-grid.h"

#include <math.h>
#include <glib/gi18n.h>

#include "ts-texture.h"

#define MAX_COLUMNS 20
#define GAP 1

struct _TsAtomGrid {
  GtkWidget parent_instance;
  float *atoms;
  int n, size;
  int *order;          /* display position → model index */
  char **tooltips;     /* by model index, or NULL */
  int scale;
  int columns;         /* fitted to the allocated width */
  int hovered;         /* display position or -1 */
  int selected;        /* model index or -1 */
  GdkTexture *texture;
};

G_DEFINE_FINAL_TYPE (TsAtomGrid, ts_atom_grid, GTK_TYPE_WIDGET)

enum { SIGNAL_ATOM_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

static int
n_rows (TsAtomGrid *self, int columns)
{
  return (self->n + columns - 1) / columns;
}

static int
cell (TsAtomGrid *self, int scale)
{
  return self->size * scale + GAP;
}

static TsImage *
render (TsAtomGrid *self, int scale, int columns)
{
  int c, w, h;
  TsImage *image;

  if (self->n == 0)
    return NULL;
  c = cell (self, scale);
  w = columns * c + GAP;
  h = n_rows (self, columns) * c + GAP;
  image = ts_image_new (w, h, 1, NULL);
  if (image == NULL)
    return NULL;
  for (gsize i = 0; i < ts_image_n_values (image); i++)
    image->data[i] = 1.0f;
  for (int pos = 0; pos < self->n; pos++)
    {
      const float *atom = self->atoms + (gsize) self->order[pos] * self->size * self->size;
      int x0 = GAP + (pos % columns) * c, y0 = GAP + (pos / columns) * c;
      float max = 0.0f;

      /* Each atom on its own symmetric scale, zero at mid-grey, as the paper's figure. */
      for (int i = 0; i < self->size * self->size; i++)
        max = MAX (max, fabsf (atom[i]));
      for (int y = 0; y < self->size * scale; y++)
        for (int x = 0; x < self->size * scale; x++)
          {
            float v = atom[(y / scale) * self->size + x / scale];
            image->data[(gsize) (y0 + y) * w + x0 + x] = max > 0.0f ? 0.5f + 0.5f * v / max : 0.5f;
          }
    }
  return image;
}

TsImage *
ts_atom_grid_render (TsAtomGrid *self, int scale)
{
  g_return_val_if_fail (TS_IS_ATOM_GRID (self), NULL);
  return render (self, scale, MAX_COLUMNS);
}

static void
rebuild_texture (TsAtomGrid *self)
{
  g_autoptr (TsImage) image = render (self, self->scale, self->columns);

  g_clear_object (&self->texture);
  if (image != NULL)
    self->texture = ts_texture_new_from_image (image, TS_DISPLAY_CLAMP);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* As many columns as fit the width, up to MAX_COLUMNS; all of them before allocation. */
static int
columns_for_width (TsAtomGrid *self, int width)
{
  if (self->n == 0)
    return 1;
  if (width <= 0)
    return MIN (MAX_COLUMNS, self->n);
  return CLAMP ((width - GAP) / cell (self, self->scale), 1, MIN (MAX_COLUMNS, self->n));
}

static GtkSizeRequestMode
ts_atom_grid_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
ts_atom_grid_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                      int *natural, int *minimum_baseline, int *natural_baseline)
{
  TsAtomGrid *self = TS_ATOM_GRID (widget);
  int c = self->n > 0 ? cell (self, self->scale) : 0;

  if (self->n == 0)
    {
      *minimum = *natural = 0;
      return;
    }
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = c + GAP;
      *natural = MIN (MAX_COLUMNS, self->n) * c + GAP;
    }
  else
    {
      int columns = for_size < 0 ? MIN (MAX_COLUMNS, self->n) : columns_for_width (self, for_size);
      *minimum = *natural = n_rows (self, columns) * c + GAP;
    }
}

static void
ts_atom_grid_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  TsAtomGrid *self = TS_ATOM_GRID (widget);
  int columns = columns_for_width (self, width);

  if (columns != self->columns)
    {
      self->columns = columns;
      rebuild_texture (self);
    }
}

static void
position_rect (TsAtomGrid *self, int pos, graphene_rect_t *rect)
{
  int c = cell (self, self->scale);
  graphene_rect_init (rect, GAP + (pos % self->columns) * c, GAP + (pos / self->columns) * c,
                      self->size * self->scale, self->size * self->scale);
}

static void
ts_atom_grid_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  TsAtomGrid *self = TS_ATOM_GRID (widget);
  graphene_rect_t bounds, rect;
  GskRoundedRect outline;
  float widths[4] = { 2, 2, 2, 2 };
  GdkRGBA accent = { 0.21f, 0.52f, 0.89f, 1.0f }, hover = { 0.9f, 0.38f, 0.0f, 1.0f };

  if (self->texture == NULL)
    return;
  graphene_rect_init (&bounds, 0, 0, gdk_texture_get_width (self->texture),
                      gdk_texture_get_height (self->texture));
  gtk_snapshot_append_texture (snapshot, self->texture, &bounds);
  for (int pos = 0; pos < self->n; pos++)
    {
      gboolean is_selected = self->order[pos] == self->selected, is_hovered = pos == self->hovered;
      GdkRGBA colors[4];
      if (!is_selected && !is_hovered)
        continue;
      position_rect (self, pos, &rect);
      graphene_rect_inset (&rect, -1, -1);
      gsk_rounded_rect_init_from_rect (&outline, &rect, 0);
      for (int i = 0; i < 4; i++)
        colors[i] = is_selected ? accent : hover;
      gtk_snapshot_append_border (snapshot, &outline, widths, colors);
    }
}

static int
position_at (TsAtomGrid *self, double x, double y)
{
  int c = cell (self, self->scale);
  int col = (int) floor ((x - GAP) / c), row = (int) floor ((y - GAP) / c);
  int pos = row * self->columns + col;

  if (x < GAP || y < GAP || col >= self->columns || pos < 0 || pos >= self->n)
    return -1;
  return pos;
}

static void
on_motion (GtkEventControllerMotion *controller, double x, double y, gpointer user_data)
{
  TsAtomGrid *self = user_data;
  int pos = position_at (self, x, y);

  if (pos != self->hovered)
    {
      self->hovered = pos;
      gtk_widget_queue_draw (GTK_WIDGET (self));
      gtk_widget_trigger_tooltip_query (GTK_WIDGET (self));
    }
}

static void
on_leave (GtkEventControllerMotion *controller, gpointer user_data)
{
  TsAtomGrid *self = user_data;

  self->hovered = -1;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_released (GtkGestureClick *gesture, int n_press, double x, double y, gpointer user_data)
{
  TsAtomGrid *self = user_data;
  int pos = position_at (self, x, y);

  if (pos < 0)
    return;
  g_signal_emit (self, signals[SIGNAL_ATOM_ACTIVATED], 0, self->order[pos]);
}

static gboolean
ts_atom_grid_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard, GtkTooltip *tooltip)
{
  TsAtomGrid *self = TS_ATOM_GRID (widget);
  int pos = position_at (self, x, y);
  g_autofree char *text = NULL;
  graphene_rect_t rect;
  int index;

  if (pos < 0)
    return FALSE;
  index = self->order[pos];
  if (self->tooltips != NULL)
    gtk_tooltip_set_text (tooltip, self->tooltips[index]);
  else
    {
      text = g_strdup_printf (_("Free atom %d (not penalised)"), index);
      gtk_tooltip_set_text (tooltip, text);
    }
  position_rect (self, pos, &rect);
  gtk_tooltip_set_tip_area (tooltip, &(GdkRectangle) { rect.origin.x, rect.origin.y,
                                                        rect.size.width, rect.size.height });
  return TRUE;
}

void
ts_atom_grid_set_atoms (TsAtomGrid *self, const float *atoms, int n, int size, const int *order)
{
  g_return_if_fail (TS_IS_ATOM_GRID (self));
  g_clear_pointer (&self->atoms, g_free);
  g_clear_pointer (&self->order, g_free);
  g_clear_pointer (&self->tooltips, g_strfreev);
  self->n = atoms != NULL ? n : 0;
  self->size = size;
  self->hovered = -1;
  self->selected = -1;
  if (self->n > 0)
    {
      self->atoms = g_memdup2 (atoms, sizeof (float) * n * size * size);
      self->order = g_new (int, n);
      for (int i = 0; i < n; i++)
        self->order[i] = order != NULL ? order[i] : i;
    }
  self->columns = columns_for_width (self, gtk_widget_get_width (GTK_WIDGET (self)));
  rebuild_texture (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
ts_atom_grid_set_order (TsAtomGrid *self, const int *order)
{
  g_return_if_fail (TS_IS_ATOM_GRID (self));
  if (self->n == 0)
    return;
  for (int i = 0; i < self->n; i++)
    self->order[i] = order != NULL ? order[i] : i;
  rebuild_texture (self);
}

int
ts_atom_grid_get_index (TsAtomGrid *self, int position)
{
  g_return_val_if_fail (TS_IS_ATOM_GRID (self), -1);
  if (position < 0 || position >= self->n)
    return -1;
  return self->order[position];
}

int
ts_atom_grid_get_n_atoms (TsAtomGrid *self)
{
  g_return_val_if_fail (TS_IS_ATOM_GRID (self), 0);
  return self->n;
}

void
ts_atom_grid_set_tooltips (TsAtomGrid *self, char **tooltips)
{
  g_return_if_fail (TS_IS_ATOM_GRID (self));
  g_clear_pointer (&self->tooltips, g_strfreev);
  self->tooltips = tooltips;
  if (tooltips != NULL)
    g_return_if_fail (g_strv_length (tooltips) == (guint) self->n);
}

void
ts_atom_grid_set_scale (TsAtomGrid *self, int scale)
{
  g_return_if_fail (TS_IS_ATOM_GRID (self));
  scale = CLAMP (scale, 1, 16);
  if (scale == self->scale)
    return;
  self->scale = scale;
  self->columns = columns_for_width (self, gtk_widget_get_width (GTK_WIDGET (self)));
  rebuild_texture (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
ts_atom_grid_set_selected (TsAtomGrid *self, int index)
{
  g_return_if_fail (TS_IS_ATOM_GRID (self));
  self->selected = index;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

GtkWidget *
ts_atom_grid_new (void)
{
  return g_object_new (TS_TYPE_ATOM_GRID, NULL);
}

static void
ts_atom_grid_finalize (GObject *object)
{
  TsAtomGrid *self = TS_ATOM_GRID (object);

  g_free (self->atoms);
  g_free (self->order);
  g_strfreev (self->tooltips);
  g_clear_object (&self->texture);
  G_OBJECT_CLASS (ts_atom_grid_parent_class)->finalize (object);
}

static void
ts_atom_grid_class_init (TsAtomGridClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = ts_atom_grid_finalize;
  widget_class->measure = ts_atom_grid_measure;
  widget_class->get_request_mode = ts_atom_grid_get_request_mode;
  widget_class->size_allocate = ts_atom_grid_size_allocate;
  widget_class->snapshot = ts_atom_grid_snapshot;
  widget_class->query_tooltip = ts_atom_grid_query_tooltip;

  signals[SIGNAL_ATOM_ACTIVATED] = g_signal_new ("atom-activated", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                 G_TYPE_NONE, 1, G_TYPE_INT);
  gtk_widget_class_set_css_name (widget_class, "tsatomgrid");
}

static void
ts_atom_grid_init (TsAtomGrid *self)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();
  GtkGesture *click = gtk_gesture_click_new ();

  self->scale = 3;
  self->columns = MAX_COLUMNS;
  self->hovered = -1;
  self->selected = -1;
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_widget_set_halign (GTK_WIDGET (self), GTK_ALIGN_FILL);
  gtk_widget_set_valign (GTK_WIDGET (self), GTK_ALIGN_START);
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
  g_signal_connect (click, "released", G_CALLBACK (on_released), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
}
