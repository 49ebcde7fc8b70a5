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
  GtkLabel *localisation_label;
  GtkToggleButton *order_threshold;
  GtkToggleButton *order_usage;
  GtkToggleButton *order_orientation;

  TsViewTransform *transform;
  GPtrArray *solutions;
  double *thresholds;
  TsAtomStats *stats;      /* the atoms as the model uses them, their localisation, orientation */
  double *usage;           /* K: share of patch positions using the atom, or NULL (no result) */
  gboolean same_thresholds;
  TsAtomsOrder order;
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

/* Usage: most used first. */
static int
compare_by_usage (gconstpointer a, gconstpointer b, gpointer user_data)
{
  const double *u = user_data;
  double ua = u[*(const int *) a], ub = u[*(const int *) b];

  if (ua != ub)
    return ua > ub ? -1 : 1;
  return *(const int *) a - *(const int *) b;
}

static int
compare_by_angle (gconstpointer a, gconstpointer b, gpointer user_data)
{
  return compare_by_threshold (a, b, user_data);
}

/* The share of patch positions (over the channels solved) where |c_k| is above 1 % of the
 * largest |c| of all atoms: one scale for every atom, so that the counts compare. NULL when
 * the solutions are not of this model. */
static double *
compute_usage (GPtrArray *solutions, int n_atoms)
{
  double *usage;
  float max = 0.0f;
  gsize total = 0;

  if (solutions == NULL || solutions->len == 0)
    return NULL;
  for (guint s = 0; s < solutions->len; s++)
    {
      const TsSolution *solution = solutions->pdata[s];
      if (solution->c == NULL || solution->K != n_atoms || solution->x == NULL)
        return NULL;
      gsize n = (gsize) solution->x->width * solution->x->height * n_atoms;
      for (gsize i = 0; i < n; i++)
        max = MAX (max, fabsf (solution->c[i]));
    }
  usage = g_new0 (double, n_atoms);
  for (guint s = 0; s < solutions->len; s++)
    {
      const TsSolution *solution = solutions->pdata[s];
      gsize n = (gsize) solution->x->width * solution->x->height;
      for (int k = 0; k < n_atoms; k++)
        {
          const float *c = solution->c + (gsize) k * n;
          gsize used = 0;
          for (gsize i = 0; i < n; i++)
            used += fabsf (c[i]) > 0.01f * max && max > 0.0f;
          usage[k] += used;
        }
      total += n;
    }
  for (int k = 0; k < n_atoms; k++)
    usage[k] /= MAX (total, 1);
  return usage;
}

/* What the tooltip of an atom says: what it is, its threshold, orientation, localisation and
 * use on the current picture. */
static void
update_tooltips (TsAtomsView *self)
{
  char **tooltips;

  if (self->stats == NULL)
    return;
  tooltips = g_new0 (char *, self->n_atoms + 1);
  for (int k = 0; k < self->n_atoms; k++)
    {
      g_autofree char *head = g_strdup_printf (_("Atom %d: a pattern the sparse part is made of"), k);
      g_autofree char *threshold = g_strdup_printf (_("Threshold %.4g"), self->thresholds[k]);
      g_autofree char *orientation = g_strdup_printf (_("Orientation %.0f° (coherence %.2f)"),
                                                      self->stats->angle[k], self->stats->coherence[k]);
      g_autofree char *localisation = g_strdup_printf (_("Localisation %.2f (energy in its best 7 × 7 window)"),
                                                       self->stats->localisation[k]);
      g_autofree char *usage = self->usage != NULL
                               ? g_strdup_printf (_("Used at %.1f %% of the patch positions of this picture"),
                                                  100.0 * self->usage[k])
                               : g_strdup (_("Use on this picture: run a restoration to see it"));
      tooltips[k] = g_strjoin ("\n", head, threshold, orientation, localisation, usage, NULL);
    }
  ts_atom_grid_set_tooltips (self->dictionary_grid, tooltips);
}

static void
update_title (TsAtomsView *self)
{
  g_autofree char *title = NULL;
  int n = self->n_atoms;

  switch (self->order)
    {
    case TS_ATOMS_ORDER_USAGE:
      title = g_strdup_printf (ngettext ("%d dictionary atom, the most used on this picture first",
                                         "%d dictionary atoms, the most used on this picture first", n), n);
      break;
    case TS_ATOMS_ORDER_ORIENTATION:
      title = g_strdup_printf (ngettext ("%d dictionary atom, ordered by orientation (0° to 180°)",
                                         "%d dictionary atoms, ordered by orientation (0° to 180°)", n), n);
      break;
    case TS_ATOMS_ORDER_THRESHOLD:
    default:
      /* A model whose atoms share one threshold (the analytic DCT model) has no order by
       * it: its atoms stay in the model's order (for DCT, by frequency). */
      if (self->same_thresholds)
        title = g_strdup_printf (ngettext ("%d dictionary atom, all with the same threshold",
                                           "%d dictionary atoms, all with the same threshold", n), n);
      else
        title = g_strdup_printf (ngettext ("%d dictionary atom, ordered by threshold",
                                           "%d dictionary atoms, ordered by threshold", n), n);
      break;
    }
  gtk_label_set_text (self->dictionary_title, title);
}

/* The order toggles: usage needs the coefficients of a result of this model. */
static void
update_order_buttons (TsAtomsView *self)
{
  gboolean have_usage = self->usage != NULL;

  gtk_widget_set_sensitive (GTK_WIDGET (self->order_usage), have_usage);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->order_usage),
                               have_usage ? _("The atoms used at the most patch positions of the current result first")
                                          : _("Run a restoration with this model first: this order counts the coefficients of its result"));
  gtk_toggle_button_set_active (self->order_threshold, self->order == TS_ATOMS_ORDER_THRESHOLD);
  gtk_toggle_button_set_active (self->order_usage, self->order == TS_ATOMS_ORDER_USAGE);
  gtk_toggle_button_set_active (self->order_orientation, self->order == TS_ATOMS_ORDER_ORIENTATION);
}

static void
apply_order (TsAtomsView *self)
{
  g_autofree int *order = NULL;

  if (self->order == TS_ATOMS_ORDER_USAGE && self->usage == NULL)
    self->order = TS_ATOMS_ORDER_THRESHOLD;
  update_order_buttons (self);
  if (self->n_atoms == 0 || self->stats == NULL)
    return;
  order = g_new (int, self->n_atoms);
  for (int k = 0; k < self->n_atoms; k++)
    order[k] = k;
  switch (self->order)
    {
    case TS_ATOMS_ORDER_USAGE:
      g_qsort_with_data (order, self->n_atoms, sizeof (int), compare_by_usage, self->usage);
      break;
    case TS_ATOMS_ORDER_ORIENTATION:
      g_qsort_with_data (order, self->n_atoms, sizeof (int), compare_by_angle, self->stats->angle);
      break;
    case TS_ATOMS_ORDER_THRESHOLD:
    default:
      g_qsort_with_data (order, self->n_atoms, sizeof (int), compare_by_threshold, self->thresholds);
      break;
    }
  ts_atom_grid_set_order (self->dictionary_grid, order);
  update_title (self);
}

void
ts_atoms_view_set_order (TsAtomsView *self, TsAtomsOrder order)
{
  g_return_if_fail (TS_IS_ATOMS_VIEW (self));
  self->order = order;
  apply_order (self);
}

TsAtomsOrder
ts_atoms_view_get_order (TsAtomsView *self)
{
  g_return_val_if_fail (TS_IS_ATOMS_VIEW (self), TS_ATOMS_ORDER_THRESHOLD);
  return self->order;
}

gboolean
ts_atoms_view_get_order_available (TsAtomsView *self, TsAtomsOrder order)
{
  g_return_val_if_fail (TS_IS_ATOMS_VIEW (self), FALSE);
  if (order == TS_ATOMS_ORDER_USAGE)
    return self->usage != NULL && gtk_widget_get_sensitive (GTK_WIDGET (self->order_usage));
  return self->stats != NULL;
}

int
ts_atoms_view_get_displayed (TsAtomsView *self, int position)
{
  g_return_val_if_fail (TS_IS_ATOMS_VIEW (self), -1);
  return ts_atom_grid_get_index (self->dictionary_grid, position);
}

const TsAtomStats *
ts_atoms_view_get_stats (TsAtomsView *self)
{
  g_return_val_if_fail (TS_IS_ATOMS_VIEW (self), NULL);
  return self->stats;
}

const double *
ts_atoms_view_get_thresholds (TsAtomsView *self)
{
  g_return_val_if_fail (TS_IS_ATOMS_VIEW (self), NULL);
  return self->thresholds;
}

const double *
ts_atoms_view_get_usage (TsAtomsView *self)
{
  g_return_val_if_fail (TS_IS_ATOMS_VIEW (self), NULL);
  return self->usage;
}

static void
on_order_toggled (TsAtomsView *self, GtkToggleButton *button)
{
  TsAtomsOrder order;

  if (!gtk_toggle_button_get_active (button))
    return;
  if (button == self->order_usage)
    order = TS_ATOMS_ORDER_USAGE;
  else if (button == self->order_orientation)
    order = TS_ATOMS_ORDER_ORIENTATION;
  else
    order = TS_ATOMS_ORDER_THRESHOLD;
  if (order != self->order)
    ts_atoms_view_set_order (self, order);
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
  g_autoptr (GError) error = NULL;
  g_autofree char *free_title = NULL;
  g_autofree char *label = NULL;
  g_autofree char *localisation = NULL;

  g_return_if_fail (TS_IS_ATOMS_VIEW (self));
  g_clear_pointer (&self->thresholds, g_free);
  g_clear_pointer (&self->stats, ts_atom_stats_free);
  g_clear_pointer (&self->usage, g_free);
  self->n_atoms = 0;
  if (model != NULL)
    {
      self->stats = ts_atom_stats_new (model, &error);
      if (self->stats == NULL)
        g_warning ("atoms of %s: %s", model->name, error->message);
    }
  if (model == NULL || self->stats == NULL)
    {
      ts_atom_grid_set_atoms (self->dictionary_grid, NULL, 0, 0, NULL);
      ts_atom_grid_set_atoms (self->free_grid, NULL, 0, 0, NULL);
      gtk_label_set_text (self->model_label, "");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->model_label), NULL);
      /* Nothing of the previous model may stay on the page. */
      gtk_label_set_text (self->dictionary_title, "");
      gtk_label_set_text (self->free_title, "");
      gtk_label_set_text (self->localisation_label, "");
      gtk_label_set_text (self->coefficient_label, "");
      ts_image_view_set_texture (self->coefficient_view, NULL);
      self->selected = -1;
      update_order_buttons (self);
      return;
    }
  if (isnan (lambda))
    lambda = model->lambda;
  self->n_atoms = model->n_atoms;
  self->thresholds = g_new (double, model->n_atoms);
  /* The threshold of atom k is lambda exp(s_k) (MODEL.md "Derived quantities"). */
  for (int k = 0; k < model->n_atoms; k++)
    self->thresholds[k] = lambda * exp (model->lambda_scaling[k]);
  self->same_thresholds = thresholds_equal (model);
  /* The atoms as the model uses them (without their mean and their smooth part, MODEL.md
   * step 4), not the raw parameters: what the sparse part is made of. */
  ts_atom_grid_set_atoms (self->dictionary_grid, self->stats->atoms, model->n_atoms,
                          model->atom_size, NULL);
  ts_atom_grid_set_atoms (self->free_grid, model->free_atoms, model->n_free, model->atom_size,
                          NULL);
  apply_order (self);
  update_tooltips (self);
  free_title = g_strdup_printf (ngettext ("%d free atom (the smooth part)",
                                          "%d free atoms (the smooth part)", model->n_free),
                                model->n_free);
  if (model->colour_form == TS_COLOUR_FORM_JOINT)
    /* Translators: a model whose colour planes share their coding (issue 20); %g is the
     * weight of the chroma in that shared coding. */
    label = g_strdup_printf (_("Model %s · %d × %d atoms · colour planes coded together "
                               "(chroma weight %g)"), model->name, model->atom_size,
                             model->atom_size, model->chroma_weight);
  else
    label = g_strdup_printf (_("Model %s · %d × %d atoms"), model->name, model->atom_size,
                             model->atom_size);
  localisation = g_strdup_printf (_("Localisation %.2f: the median share of an atom’s energy in its best "
                                    "7 × 7 window (1: small local patterns such as edges and blobs; "
                                    "white noise: about 0.38)"),
                                  self->stats->median_localisation);
  gtk_label_set_text (self->free_title, free_title);
  gtk_label_set_text (self->model_label, label);
  gtk_label_set_text (self->localisation_label, localisation);
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
  show_hint (self, _("Click an atom to see where in the picture it is used. Hover for what it is."));
}

void
ts_atoms_view_set_solutions (TsAtomsView *self, GPtrArray *solutions)
{
  g_return_if_fail (TS_IS_ATOMS_VIEW (self));
  g_clear_pointer (&self->solutions, g_ptr_array_unref);
  g_clear_pointer (&self->usage, g_free);
  if (solutions != NULL)
    self->solutions = g_ptr_array_ref (solutions);
  if (self->stats != NULL)
    {
      self->usage = compute_usage (self->solutions, self->n_atoms);
      apply_order (self);
      update_tooltips (self);
    }
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
  g_clear_pointer (&self->stats, ts_atom_stats_free);
  g_clear_pointer (&self->usage, g_free);
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
  gtk_widget_class_bind_template_child (widget_class, TsAtomsView, localisation_label);
  gtk_widget_class_bind_template_child (widget_class, TsAtomsView, order_threshold);
  gtk_widget_class_bind_template_child (widget_class, TsAtomsView, order_usage);
  gtk_widget_class_bind_template_child (widget_class, TsAtomsView, order_orientation);
  gtk_widget_class_bind_template_callback (widget_class, on_order_toggled);
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
  self->order = TS_ATOMS_ORDER_THRESHOLD;
  update_order_buttons (self);
  self->transform = ts_view_transform_new ();
  ts_image_view_set_transform (self->coefficient_view, self->transform);
}
