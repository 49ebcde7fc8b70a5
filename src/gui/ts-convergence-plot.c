/* Change and PSNR against iteration. */
#include "ts-convergence-plot.h"

#include <math.h>
#include <glib/gi18n.h>

struct _TsConvergencePlot {
  GtkWidget parent_instance;
  GArray *points;   /* TsPlotPoint */
  double tol;
};

G_DEFINE_FINAL_TYPE (TsConvergencePlot, ts_convergence_plot, GTK_TYPE_WIDGET)

#define MARGIN_LEFT 48.0
#define MARGIN_RIGHT 48.0
#define MARGIN_TOP 12.0
#define MARGIN_BOTTOM 28.0

static void
draw_text (cairo_t *cr, PangoLayout *layout, const char *text, double x, double y,
           double align_x, double align_y)
{
  int w, h;

  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, x - align_x * w, y - align_y * h);
  pango_cairo_show_layout (cr, layout);
}

static void
ts_convergence_plot_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  TsConvergencePlot *self = TS_CONVERGENCE_PLOT (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  double pw = w - MARGIN_LEFT - MARGIN_RIGHT, ph = h - MARGIN_TOP - MARGIN_BOTTOM;
  double lmin = INFINITY, lmax = -INFINITY, pmin = INFINITY, pmax = -INFINITY;
  int imax = 1;
  gboolean has_psnr = FALSE;
  GdkRGBA fg;
  cairo_t *cr;
  g_autoptr (PangoLayout) layout = NULL;
  PangoFontDescription *font;
  char buf[64];

  if (pw < 20 || ph < 20)
    return;
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  layout = pango_cairo_create_layout (cr);
  font = pango_font_description_from_string ("Sans 8");
  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);

  for (guint i = 0; i < self->points->len; i++)
    {
      const TsPlotPoint *p = &g_array_index (self->points, TsPlotPoint, i);
      imax = MAX (imax, p->iteration);
      if (p->change > 0 && isfinite (p->change))
        {
          lmin = MIN (lmin, log10 (p->change));
          lmax = MAX (lmax, log10 (p->change));
        }
      if (isfinite (p->psnr))
        {
          has_psnr = TRUE;
          pmin = MIN (pmin, p->psnr);
          pmax = MAX (pmax, p->psnr);
        }
    }
  if (self->tol > 0)
    {
      lmin = MIN (lmin, log10 (self->tol));
      lmax = MAX (lmax, log10 (self->tol));
    }
  if (!isfinite (lmin))
    {
      lmin = -5;
      lmax = 0;
    }
  lmin = floor (lmin);
  lmax = MAX (ceil (lmax), lmin + 1);
  if (has_psnr)
    {
      pmin = floor (pmin);
      pmax = MAX (ceil (pmax), pmin + 1);
    }

  /* Axes and grid. */
  cairo_set_line_width (cr, 1);
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.15);
  for (double e = lmin; e <= lmax; e += 1)
    {
      double y = MARGIN_TOP + ph * (lmax - e) / (lmax - lmin);
      cairo_move_to (cr, MARGIN_LEFT, round (y) + 0.5);
      cairo_line_to (cr, MARGIN_LEFT + pw, round (y) + 0.5);
    }
  cairo_stroke (cr);
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.6);
  cairo_rectangle (cr, MARGIN_LEFT + 0.5, MARGIN_TOP + 0.5, pw, ph);
  cairo_stroke (cr);

  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.8);
  for (double e = lmin; e <= lmax; e += 1)
    {
      g_snprintf (buf, sizeof buf, "1e%d", (int) e);
      draw_text (cr, layout, buf, MARGIN_LEFT - 4, MARGIN_TOP + ph * (lmax - e) / (lmax - lmin), 1, 0.5);
    }
  g_snprintf (buf, sizeof buf, "%d", imax);
  draw_text (cr, layout, buf, MARGIN_LEFT + pw, MARGIN_TOP + ph + 2, 1, 0);
  draw_text (cr, layout, "0", MARGIN_LEFT, MARGIN_TOP + ph + 2, 0, 0);
  /* Translators: the x axis of the convergence plot */
  draw_text (cr, layout, _("iteration"), MARGIN_LEFT + pw / 2, MARGIN_TOP + ph + 2, 0.5, 0);
  if (has_psnr)
    {
      g_snprintf (buf, sizeof buf, _("%.0f dB"), pmax);
      draw_text (cr, layout, buf, MARGIN_LEFT + pw + 4, MARGIN_TOP, 0, 0.5);
      g_snprintf (buf, sizeof buf, _("%.0f dB"), pmin);
      draw_text (cr, layout, buf, MARGIN_LEFT + pw + 4, MARGIN_TOP + ph, 0, 0.5);
    }

  if (self->tol > 0)
    {
      double y = MARGIN_TOP + ph * (lmax - log10 (self->tol)) / (lmax - lmin);
      double dash[] = { 4, 3 };
      cairo_save (cr);
      cairo_set_dash (cr, dash, 2, 0);
      cairo_move_to (cr, MARGIN_LEFT, y);
      cairo_line_to (cr, MARGIN_LEFT + pw, y);
      cairo_stroke (cr);
      cairo_restore (cr);
    }

  cairo_rectangle (cr, MARGIN_LEFT, MARGIN_TOP, pw, ph);
  cairo_clip (cr);
  cairo_set_line_width (cr, 1.5);
  /* Relative change in blue. */
  cairo_set_source_rgb (cr, 0.21, 0.52, 0.89);
  {
    gboolean started = FALSE;
    for (guint i = 0; i < self->points->len; i++)
      {
        const TsPlotPoint *p = &g_array_index (self->points, TsPlotPoint, i);
        double x, y;
        if (!(p->change > 0) || !isfinite (p->change))
          continue;
        x = MARGIN_LEFT + pw * p->iteration / imax;
        y = MARGIN_TOP + ph * (lmax - log10 (p->change)) / (lmax - lmin);
        if (started)
          cairo_line_to (cr, x, y);
        else
          cairo_move_to (cr, x, y);
        started = TRUE;
      }
    cairo_stroke (cr);
  }
  /* PSNR in orange. */
  if (has_psnr)
    {
      gboolean started = FALSE;
      cairo_set_source_rgb (cr, 0.90, 0.38, 0.0);
      for (guint i = 0; i < self->points->len; i++)
        {
          const TsPlotPoint *p = &g_array_index (self->points, TsPlotPoint, i);
          double x, y;
          if (!isfinite (p->psnr))
            continue;
          x = MARGIN_LEFT + pw * p->iteration / imax;
          y = MARGIN_TOP + ph * (pmax - p->psnr) / (pmax - pmin);
          if (started)
            cairo_line_to (cr, x, y);
          else
            cairo_move_to (cr, x, y);
          started = TRUE;
        }
      cairo_stroke (cr);
    }
  cairo_reset_clip (cr);

  /* Legend. */
  cairo_set_source_rgb (cr, 0.21, 0.52, 0.89);
  draw_text (cr, layout, _("relative change"), MARGIN_LEFT + 6, MARGIN_TOP + 4, 0, 0);
  if (has_psnr)
    {
      cairo_set_source_rgb (cr, 0.90, 0.38, 0.0);
      draw_text (cr, layout, _("PSNR"), MARGIN_LEFT + pw - 6, MARGIN_TOP + 4, 1, 0);
    }
  cairo_destroy (cr);
}

static void
ts_convergence_plot_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                             int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 160 : 100;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 320 : 180;
}

void
ts_convergence_plot_clear (TsConvergencePlot *self)
{
  g_return_if_fail (TS_IS_CONVERGENCE_PLOT (self));
  g_array_set_size (self->points, 0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ts_convergence_plot_append (TsConvergencePlot *self, const TsPlotPoint *points, guint n)
{
  g_return_if_fail (TS_IS_CONVERGENCE_PLOT (self));
  if (n == 0)
    return;
  g_array_append_vals (self->points, points, n);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ts_convergence_plot_set_tolerance (TsConvergencePlot *self, double tol)
{
  g_return_if_fail (TS_IS_CONVERGENCE_PLOT (self));
  self->tol = tol;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

GtkWidget *
ts_convergence_plot_new (void)
{
  return g_object_new (TS_TYPE_CONVERGENCE_PLOT, NULL);
}

static void
ts_convergence_plot_finalize (GObject *object)
{
  TsConvergencePlot *self = TS_CONVERGENCE_PLOT (object);

  g_array_unref (self->points);
  G_OBJECT_CLASS (ts_convergence_plot_parent_class)->finalize (object);
}

static void
ts_convergence_plot_class_init (TsConvergencePlotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = ts_convergence_plot_finalize;
  widget_class->snapshot = ts_convergence_plot_snapshot;
  widget_class->measure = ts_convergence_plot_measure;
  gtk_widget_class_set_css_name (widget_class, "tsconvergenceplot");
}

static void
ts_convergence_plot_init (TsConvergencePlot *self)
{
  self->points = g_array_new (FALSE, FALSE, sizeof (TsPlotPoint));
}
