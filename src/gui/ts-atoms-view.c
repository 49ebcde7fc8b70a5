/* Dictionary atoms, free atoms and coefficient maps. */
#include "ts-atoms-view.h"

#include <math.h>
#include <glib/gi18n.h>

#include "ts-atom-grid.h"
#include "ts-image-view.h"
#include "ts-texture.h"
#include "ts-view-transform.h"

struct _TsAtomsView {
  GtkWidget parent_instance;

  GtkPaned *paned;
  GtkLabel *model_label;
  GtkLabel *dictionary_title;
  GtkLabel *free_title;
  TsAtomGrid *dictionary_grid;
  TsAtomGrid *free_grid;
  GtkLabel *coefficient_label;
  TsImageView *coefficient_view;

  TsViewTransform *transform;
  GPtrArray *solutions;
  double *thresholds;
  int n_atoms;
  int selected;
};

G_DEFINE_FINAL_TYPE (TsAtomsView, ts_atoms_view, GTK_TYPE_WIDGET)

static int
compare_by_threshold (gconstpointer a, gconstpointer b, gpointer user_data)
{
  const double *t = user_data;
  double ta = t[*(const int *) a], tb = t[*(const int *) b];

  if (ta != tb)
    return ta < tb ? -1 : 1;
  return *(const int *) a - *(const int *) b;
}

static void
show_hint (TsAtomsView *self, const char *text)
{
  gtk_label_set_text (self->coefficient_label, text);
  ts_image_view_set_texture (self->coefficient_view, NULL);
}

void
ts_atoms_view_select_atom (TsAtomsView *self, int index)
{
  g_autoptr (TsImage) map = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *text = NULL;
  const TsSolution *first;
  gsize n;
  float max = 0.0f, used = 0.0f;

  g_return_if_fail (TS_IS_ATOMS_VIEW (self));
  self->selected = index;
  ts_atom_grid_set_selected (self->dictionary_grid, index);
  if (index < 0 || index >= self->n_atoms)
    return;
  if (self->solutions == NULL || self->solutions->len == 0)
    {
      text = g_strdup_printf (_("Atom %d. Run a restoration to see where it is used."), index);
      show_hint (self, text);
      return;
    }
  first = self->solutions->pdata[0];
  if (first->c == NULL || first->K != self->n_atoms || first->x == NULL)
    {
      show_hint (self, _("The last result was computed with another model: run again to see its coefficients."));
      return;
    }
  map = ts_image_new (first->x->width, first->x->height, 1, NULL);
  if (map == NULL)
    return;
  n = (gsize) map->width * map->height;
  /* |c_k| at every patch position, summed over the channels solved. */
  for (guint s = 0; s < self->solutions->len; s++)
    {
      const TsSolution *solution = self->solutions->pdata[s];
      const float *c = solution->c + (gsize) index * n;
      for (gsize i = 0; i < n; i++)
        map->data[i] += fabsf (c[i]);
    }
  for (gsize i = 0; i < n; i++)
    max = MAX (max, map->data[i]);
  for (gsize i = 0; i < n; i++)
    used += map->data[i] > 0.01f * max;
  /* A few large coefficients would leave the rest black: the colour scale saturates at
   * the 99.5th percentile of |c| (from a histogram, linear time). */
  if (max > 0.0f)
    {
      enum { BINS = 1024 };
      g_autofree guint *histogram = g_new0 (guint, BINS);
      gsize count = 0;
      float top = max;
      for (gsize i = 0; i < n; i++)
        histogram[MIN (BINS - 1, (int) (BINS * map->data[i] / max))]++;
      for (int b = 0; b < BINS; b++)
        {
          count += histogram[b];
          if (count >= 0.995 * n)
            {
              top = MAX (max * (b + 1) / BINS, 1e-30f);
              break;
            }
        }
      for (gsize i = 0; i < n; i++)
        map->data[i] = MIN (map->data[i] / top, 1.0f);
    }
  texture = ts_texture_new_from_image (map, TS_DISPLAY_HEAT);
  ts_image_view_set_texture (self->coefficient_view, texture);
  text = g_strdup_printf (_("Atom %d · threshold %.4g\n|c| above 1 %% of its largest value (%.3g) "
                            "at %.1f %% of the patch positions"),
                          index, self->thresholds[index], max, 100.0 * used / n);
  gtk_label_set_text (self->coefficient_label, text);
}

static void
on_atom_activated (TsAtomsView *self, int index)
{
  ts_atoms_view_select_atom (self, index);
}

static void
on_free_atom_activated (TsAtomsView *self, int index)
{
  g_autofree char *text = g_strdup_printf (_("Free atom %d spans part of the smooth component: "
                                             "it is not penalised and has no coefficient map."),
                                           index);
  ts_atom_grid_set_selected (self->dictionary_grid, -1);
  show_hint (self, text);
}

static void
on_scale_changed (TsAtomsView *self, GtkRange *range)
{
  int scale = (int) lrint (gtk_range_get_value (range));

  ts_atom_grid_set_scale (self->dictionary_grid, scale);
  ts_atom_grid_set_scale (self->free_grid, scale);
}

static gboolean
thresholds_equal (const TsModel *model)
{
  for (int k = 1; k < model->n_atoms; k++)
    if (model->lambda_scaling[k] != model->lambda_scaling[0])
      return FALSE;
  return TRUE;
}

void
ts_atoms_view_set_model (TsAtomsView *self, const TsModel *model, double lambda)
{
  g_autofree int *order = NULL;
  g_autofree char *title = NULL;
  g_autofree char *free_title = NULL;
  g_autofree char *label = NULL;

  g_return_if_fail (TS_IS_ATOMS_VIEW (self));
  g_clear_pointer (&self->thresholds, g_free);
  self->n_atoms = 0;
  if (model == NULL)
    {
      ts_atom_grid_set_atoms (self->dictionary_grid, NULL, 0, 0, NULL, NULL);
      ts_atom_grid_set_atoms (self->free_grid, NULL, 0, 0, NULL, NULL);
      gtk_label_set_text (self->model_label, "");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->model_label), NULL);
      /* Nothing of the previous model may stay on the page. */
      gtk_label_set_text (self->dictionary_title, "");
      gtk_label_set_text (self->free_title, "");
      gtk_label_set_text (self->coefficient_label, "");
      ts_image_view_set_texture (self->coefficient_view, NULL);
      self->selected = -1;
      return;
    }
  if (isnan (lambda))
    lambda = model->lambda;
  self->n_atoms = model->n_atoms;
  self->thresholds = g_new (double, model->n_atoms);
  order = g_new (int, model->n_atoms);
  /* The threshold of atom k is lambda exp(s_k) (MODEL.md "Derived quantities"). */
  for (int k = 0; k < model->n_atoms; k++)
    {
      self->thresholds[k] = lambda * exp (model->lambda_scaling[k]);
      order[k] = k;
    }
  g_qsort_with_data (order, model->n_atoms, sizeof (int), compare_by_threshold, self->thresholds);
  ts_atom_grid_set_atoms (self->dictionary_grid, model->atoms, model->n_atoms, model->atom_size,
                          order, self->thresholds);
  ts_atom_grid_set_atoms (self->free_grid, model->free_atoms, model->n_free, model->atom_size,
                          NULL, NULL);
  /* A model whose atoms share one threshold (the analytic DCT model) has no order by it:
   * its atoms stay in the model's order (for DCT, by frequency). */
  if (thresholds_equal (model))
    title = g_strdup_printf (ngettext ("%d dictionary atom, all with the same threshold",
                                       "%d dictionary atoms, all with the same threshold",
                                       model->n_atoms), model->n_atoms);
  else
    title = g_strdup_printf (ngettext ("%d dictionary atom, ordered by threshold",
                                       "%d dictionary atoms, ordered by threshold",
                                       model->n_atoms), model->n_atoms);
  free_title = g_strdup_printf (ngettext ("%d free atom (the smooth part)",
                                          "%d free atoms (the smooth part)", model->n_free),
                                model->n_free);
  label = g_strdup_printf (_("Model %s · %d × %d atoms"), model->name, model->atom_size,
                           model->atom_size);
  gtk_label_set_text (self->dictionary_title, title);
  gtk_label_set_text (self->free_title, free_title);
  gtk_label_set_text (self->model_label, label);
  /* Where the atoms came from (the training command, its resumes, data and cost): the
   * provenance text as `tessera-cli model info` prints it. */
  if (model->provenance != NULL && model->provenance[0] != '\0')
    {
      g_autofree char *details = g_strchomp (g_strdup (model->provenance));
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->model_label), details);
    }
  else
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->model_label), NULL);
  self->selected = -1;
  show_hint (self, _("Click an atom to see where in the picture it is used. Hover for its threshold."));
}

void
ts_atoms_view_set_solutions (TsAtomsView *self, GPtrArray *solutions)
{
  g_return_if_fail (TS_IS_ATOMS_VIEW (self));
  g_clear_pointer (&self->solutions, g_ptr_array_unref);
  if (solutions != NULL)
    self->solutions = g_ptr_array_ref (solutions);
  if (self->selected >= 0)
    ts_atoms_view_select_atom (self, self->selected);
}

TsImage *
ts_atoms_view_render_grid (TsAtomsView *self)
{
  g_return_val_if_fail (TS_IS_ATOMS_VIEW (self), NULL);
  return ts_atom_grid_render (self->dictionary_grid, 4);
}

static void
ts_atoms_view_dispose (GObject *object)
{
  TsAtomsView *self = TS_ATOMS_VIEW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), TS_TYPE_ATOMS_VIEW);
  g_clear_object (&self->transform);
  g_clear_pointer (&self->solutions, g_ptr_array_unref);
  g_clear_pointer (&self->thresholds, g_free);
  G_OBJECT_CLASS (ts_atoms_view_parent_class)->dispose (object);
}

static void
ts_atoms_view_class_init (TsAtomsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ts_atoms_view_dispose;

  g_type_ensure (TS_TYPE_ATOM_GRID);
  g_type_ensure (TS_TYPE_IMAGE_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/tessera/Tessera/ui/ts-atoms-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TsAtomsView, paned);
  gtk_widget_class_bind_template_child (widget_class, TsAtomsView, model_label);
  gtk_widget_class_bind_template_child (widget_class, TsAtomsView, dictionary_title);
  gtk_widget_class_bind_template_child (widget_class, TsAtomsView, free_title);
  gtk_widget_class_bind_template_child (widget_class, TsAtomsView, dictionary_grid);
  gtk_widget_class_bind_template_child (widget_class, TsAtomsView, free_grid);
  gtk_widget_class_bind_template_child (widget_class, TsAtomsView, coefficient_label);
  gtk_widget_class_bind_template_child (widget_class, TsAtomsView, coefficient_view);
  gtk_widget_class_bind_template_callback (widget_class, on_atom_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_free_atom_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_scale_changed);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "tsatomsview");
}

static void
ts_atoms_view_init (TsAtomsView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->selected = -1;
  self->transform = ts_view_transform_new ();
  ts_image_view_set_transform (self->coefficient_view, self->transform);
}
