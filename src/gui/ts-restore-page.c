/* The Restore page. */
#include "ts-restore-page.h"

#include <math.h>
#include <glib/gi18n.h>

#include "ts-convergence-plot.h"
#include "ts-image-view.h"
#include "ts-view-transform.h"

struct _TsRestorePage {
  AdwBin parent_instance;

  /* template */
  GtkLabel *input_title;
  TsImageView *input_view;
  TsImageView *result_view;
  GtkScale *split_scale;
  GtkStack *view_stack;
  TsImageView *large_view;
  TsImageView *smooth_view;
  TsImageView *sparse_view;
  TsImageView *cost_view;
  GtkLabel *cost_legend;
  TsConvergencePlot *plot;
  GtkLabel *zoom_label;
  GtkLabel *info_label;

  TsViewTransform *transform;
  guint n_live_decompositions;   /* decompositions shown during the current run */
};

G_DEFINE_FINAL_TYPE (TsRestorePage, ts_restore_page, ADW_TYPE_BIN)

/* The result, in the large view and in its panel. */
static void
set_result (TsRestorePage *self, GPtrArray *result)
{
  ts_image_view_set_pyramid (self->result_view, result);
  ts_image_view_set_pyramid (self->large_view, result);
}

/* Previews during a run, the finished result after it. */
static void
set_draft (TsRestorePage *self, gboolean draft)
{
  ts_image_view_set_draft (self->result_view, draft);
  ts_image_view_set_draft (self->large_view, draft);
}

/* The split's "before". */
static void
set_compare (TsRestorePage *self, GPtrArray *input)
{
  ts_image_view_set_compare_pyramid (self->result_view, input);
  ts_image_view_set_compare_pyramid (self->large_view, input);
}

/* The view in front: the large result, or the input's panel among the others. */
static TsImageView *
front_view (TsRestorePage *self)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (self->view_stack), "panels") == 0
         ? self->input_view : self->large_view;
}

static void
clear (TsRestorePage *self)
{
  set_result (self, NULL);
  set_compare (self, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->split_scale), FALSE);
  ts_image_view_set_texture (self->smooth_view, NULL);
  ts_image_view_set_texture (self->sparse_view, NULL);
  ts_image_view_set_texture (self->cost_view, NULL);
  ts_convergence_plot_clear (self->plot);
  ts_convergence_plot_set_tolerance (self->plot, 0.0);
  ts_restore_page_set_cost_scale (self, NAN);
}

void
ts_restore_page_set_document (TsRestorePage *self, GPtrArray *input, int width, int height,
                              const char *summary)
{
  g_return_if_fail (TS_IS_RESTORE_PAGE (self));
  clear (self);
  ts_view_transform_fit (self->transform, width, height, 1, 1);
  ts_image_view_set_pyramid (self->input_view, input);
  gtk_label_set_text (self->input_title, _("Input"));
  gtk_label_set_text (self->info_label, summary);
  ts_restore_page_zoom_fit (self);
}

void
ts_restore_page_start_run (TsRestorePage *self, TsTask task, double tol)
{
  g_return_if_fail (TS_IS_RESTORE_PAGE (self));
  ts_convergence_plot_clear (self->plot);
  ts_convergence_plot_set_tolerance (self->plot, tol);
  self->n_live_decompositions = 0;
  set_draft (self, TRUE);
  gtk_label_set_text (self->input_title,
                      task == TS_TASK_SR ? _("Input (low resolution, enlarged)")
                      : task == TS_TASK_MRI ? _("Input (zero-filled)")
                      : _("Input"));
}

void
ts_restore_page_show_preview (TsRestorePage *self, const TsPreview *preview)
{
  g_return_if_fail (TS_IS_RESTORE_PAGE (self));
  if (preview->input != NULL)
    {
      ts_image_view_set_pyramid (self->input_view, preview->input);
      set_compare (self, preview->input);
      gtk_widget_set_visible (GTK_WIDGET (self->split_scale), TRUE);
    }
  if (preview->estimate != NULL)
    set_result (self, preview->estimate);
  /* The decomposition as the run goes (about once a second, built on the worker). */
  if (preview->smooth != NULL && preview->sparse != NULL && preview->cost != NULL)
    {
      ts_image_view_set_pyramid (self->smooth_view, preview->smooth);
      ts_image_view_set_pyramid (self->sparse_view, preview->sparse);
      ts_image_view_set_pyramid (self->cost_view, preview->cost);
      ts_restore_page_set_cost_scale (self, preview->cost_max);
      self->n_live_decompositions++;
    }
  if (preview->points != NULL)
    ts_convergence_plot_append (self->plot, (const TsPlotPoint *) preview->points->data,
                                preview->points->len);
}

void
ts_restore_page_show_result (TsRestorePage *self, const TsRunExtras *extras)
{
  g_return_if_fail (TS_IS_RESTORE_PAGE (self));
  if (extras->points != NULL)
    ts_convergence_plot_append (self->plot, (const TsPlotPoint *) extras->points->data,
                                extras->points->len);
  ts_image_view_set_pyramid (self->input_view, extras->input);
  set_compare (self, extras->input);
  set_result (self, extras->result);
  set_draft (self, FALSE);
  ts_image_view_set_pyramid (self->smooth_view, extras->smooth);
  ts_image_view_set_pyramid (self->sparse_view, extras->sparse);
  ts_image_view_set_pyramid (self->cost_view, extras->cost);
}

void
ts_restore_page_set_cost_scale (TsRestorePage *self, double max)
{
  g_autofree char *text = NULL;

  g_return_if_fail (TS_IS_RESTORE_PAGE (self));
  /* The panel is normalised (TS_DISPLAY_NORMALIZE): white is the largest penalty. */
  if (isfinite (max) && max > 0.0)
    text = g_strdup_printf (_("The penalty per pixel. Black 0 (low) to white %.3g (high, the largest)."), max);
  else
    text = g_strdup (_("The penalty per pixel. Black 0 (low) to white (high, the largest)."));
  gtk_label_set_text (self->cost_legend, text);
}

void
ts_restore_page_show_failure (TsRestorePage *self, const TsRunExtras *shown)
{
  g_return_if_fail (TS_IS_RESTORE_PAGE (self));
  set_draft (self, FALSE);
  if (shown->result != NULL)
    {
      ts_image_view_set_pyramid (self->input_view, shown->input);
      set_compare (self, shown->input);
      set_result (self, shown->result);
    }
  else
    {
      set_result (self, NULL);
      set_compare (self, NULL);
      gtk_widget_set_visible (GTK_WIDGET (self->split_scale), FALSE);
    }
}

TsRect
ts_restore_page_get_visible_region (TsRestorePage *self, int iw, int ih)
{
  GtkWidget *view;
  double zoom, cx, cy;
  int w, h, x0, y0, x1, y1;

  g_return_val_if_fail (TS_IS_RESTORE_PAGE (self), ((TsRect) { 0, 0, 0, 0 }));
  view = GTK_WIDGET (front_view (self));
  zoom = ts_view_transform_get_zoom (self->transform);
  w = gtk_widget_get_width (view);
  h = gtk_widget_get_height (view);
  ts_view_transform_get_center (self->transform, &cx, &cy);
  if (iw == 0 || ih == 0 || w <= 0 || h <= 0 || !(zoom > 0.0))
    return (TsRect) { 0, 0, 0, 0 };
  x0 = CLAMP ((int) floor (cx - w / (2.0 * zoom)), 0, iw);
  y0 = CLAMP ((int) floor (cy - h / (2.0 * zoom)), 0, ih);
  x1 = CLAMP ((int) ceil (cx + w / (2.0 * zoom)), 0, iw);
  y1 = CLAMP ((int) ceil (cy + h / (2.0 * zoom)), 0, ih);
  return (TsRect) { x0, y0, x1 - x0, y1 - y0 };
}

void
ts_restore_page_zoom (TsRestorePage *self, double factor)
{
  g_return_if_fail (TS_IS_RESTORE_PAGE (self));
  ts_view_transform_zoom_at (self->transform, factor, 0, 0);
}

void
ts_restore_page_zoom_one (TsRestorePage *self)
{
  double x, y;

  g_return_if_fail (TS_IS_RESTORE_PAGE (self));
  ts_view_transform_get_center (self->transform, &x, &y);
  ts_view_transform_set (self->transform, 1.0, x, y);
}

void
ts_restore_page_zoom_fit (TsRestorePage *self)
{
  GdkTexture *texture;
  GtkWidget *view;

  g_return_if_fail (TS_IS_RESTORE_PAGE (self));
  texture = ts_image_view_get_texture (self->input_view);
  view = GTK_WIDGET (front_view (self));
  if (texture == NULL)
    return;
  ts_view_transform_fit (self->transform, gdk_texture_get_width (texture),
                         gdk_texture_get_height (texture), gtk_widget_get_width (view),
                         gtk_widget_get_height (view));
}

guint
ts_restore_page_get_n_previews_drawn (TsRestorePage *self)
{
  g_return_val_if_fail (TS_IS_RESTORE_PAGE (self), 0);
  /* One of the two is in view at a time. */
  return ts_image_view_get_n_textures_drawn (self->result_view)
         + ts_image_view_get_n_textures_drawn (self->large_view);
}

void
ts_restore_page_show_view (TsRestorePage *self, const char *name)
{
  g_return_if_fail (TS_IS_RESTORE_PAGE (self));
  gtk_stack_set_visible_child_name (self->view_stack, name);
}

TsImageView *
ts_restore_page_get_large_view (TsRestorePage *self)
{
  g_return_val_if_fail (TS_IS_RESTORE_PAGE (self), NULL);
  return self->large_view;
}

TsViewTransform *
ts_restore_page_get_transform (TsRestorePage *self)
{
  g_return_val_if_fail (TS_IS_RESTORE_PAGE (self), NULL);
  return self->transform;
}

guint
ts_restore_page_get_n_live_decompositions (TsRestorePage *self)
{
  g_return_val_if_fail (TS_IS_RESTORE_PAGE (self), 0);
  return self->n_live_decompositions;
}

guint
ts_restore_page_get_n_decompositions_drawn (TsRestorePage *self)
{
  g_return_val_if_fail (TS_IS_RESTORE_PAGE (self), 0);
  return ts_image_view_get_n_textures_drawn (self->sparse_view);
}

static void
on_view_changed (TsRestorePage *self)
{
  TsImageView *front = front_view (self);

  ts_image_view_set_primary (self->large_view, front == self->large_view);
  ts_image_view_set_primary (self->input_view, front == self->input_view);
}

static void
on_transform_changed (TsRestorePage *self)
{
  g_autofree char *text = g_strdup_printf ("%.0f %%", 100.0 * ts_view_transform_get_zoom (self->transform));

  gtk_label_set_text (self->zoom_label, text);
}

static void
ts_restore_page_dispose (GObject *object)
{
  TsRestorePage *self = TS_RESTORE_PAGE (object);

  if (self->transform != NULL)
    g_signal_handlers_disconnect_by_data (self->transform, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), TS_TYPE_RESTORE_PAGE);
  G_OBJECT_CLASS (ts_restore_page_parent_class)->dispose (object);
}

static void
ts_restore_page_finalize (GObject *object)
{
  TsRestorePage *self = TS_RESTORE_PAGE (object);

  g_clear_object (&self->transform);
  G_OBJECT_CLASS (ts_restore_page_parent_class)->finalize (object);
}

static void
ts_restore_page_class_init (TsRestorePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ts_restore_page_dispose;
  object_class->finalize = ts_restore_page_finalize;

  g_type_ensure (TS_TYPE_IMAGE_VIEW);
  g_type_ensure (TS_TYPE_CONVERGENCE_PLOT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/tessera/Tessera/ui/ts-restore-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, TsRestorePage, name)
  BIND (input_title);
  BIND (input_view);
  BIND (result_view);
  BIND (split_scale);
  BIND (view_stack);
  BIND (large_view);
  BIND (smooth_view);
  BIND (sparse_view);
  BIND (cost_view);
  BIND (cost_legend);
  BIND (plot);
  BIND (zoom_label);
  BIND (info_label);
#undef BIND
}

static void
ts_restore_page_init (TsRestorePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->transform = ts_view_transform_new ();
  ts_image_view_set_transform (self->input_view, self->transform);
  ts_image_view_set_transform (self->result_view, self->transform);
  ts_image_view_set_transform (self->large_view, self->transform);
  ts_image_view_set_split_labels (self->large_view, _("Before"), _("After"));
  ts_image_view_set_split_labels (self->result_view, _("Before"), _("After"));
  ts_image_view_set_transform (self->smooth_view, self->transform);
  ts_image_view_set_transform (self->sparse_view, self->transform);
  ts_image_view_set_transform (self->cost_view, self->transform);
  g_signal_connect_swapped (self->transform, "changed", G_CALLBACK (on_transform_changed), self);
  on_transform_changed (self);
  g_signal_connect_swapped (self->view_stack, "notify::visible-child-name",
                            G_CALLBACK (on_view_changed), self);
  on_view_changed (self);
  ts_restore_page_set_cost_scale (self, NAN);
}
