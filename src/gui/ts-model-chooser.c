/* The model menu. */
#include "ts-model-chooser.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ts-job.h"
#include "ts-model-list.h"

struct _TsModelChooser {
  AdwComboRow parent_instance;

  GtkStringList *labels;       /* the titles */
  GPtrArray *entries;          /* TsModelListEntry *, parallel to labels */
  GSettings *settings;
  double noise_level;
  /* Denoising: the noise the run will plan (its planes' levels and factors), from which the
   * luminance's model is chosen as the run chooses it; without one, the model at noise_level. */
  gboolean has_plan;
  TsRestoreNoise plan;

  /* The last model resolved, and for what. */
  TsModel *model;
  char *model_key;
};

G_DEFINE_FINAL_TYPE (TsModelChooser, ts_model_chooser, ADW_TYPE_COMBO_ROW)

enum { PROP_0, PROP_NOISE_LEVEL, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
add_entry (TsModelChooser *self, const char *title, const char *subtitle, const char *spec)
{
  g_ptr_array_add (self->entries, ts_model_list_entry_new (title, subtitle, spec));
  gtk_string_list_append (self->labels, title);
}

static const char *
entry_spec (TsModelChooser *self, guint i)
{
  return ((TsModelListEntry *) self->entries->pdata[i])->spec;
}

static int
find_entry (TsModelChooser *self, const char *spec)
{
  for (guint i = 0; i < self->entries->len; i++)
    if (g_strcmp0 (entry_spec (self, i), spec) == 0)
      return (int) i;
  return -1;
}

/* Listed by file name; loaded when chosen (a file gone since shows its error then). */
static void
add_remembered_models (TsModelChooser *self)
{
  g_auto (GStrv) paths = g_settings_get_strv (self->settings, "imported-models");

  for (char **path = paths; *path != NULL; path++)
    {
      g_autofree char *base = NULL;
      g_autofree char *label = NULL;
      if (find_entry (self, *path) >= 0)
        continue;
      base = g_path_get_basename (*path);
      label = g_strdup_printf (_("Imported: %s"), base);
      add_entry (self, label, *path, *path);
    }
}

void
ts_model_chooser_set_settings (TsModelChooser *self, GSettings *settings)
{
  g_return_if_fail (TS_IS_MODEL_CHOOSER (self));
  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (self->settings == NULL);
  self->settings = g_object_ref (settings);
  add_remembered_models (self);
}

void
ts_model_chooser_remember (TsModelChooser *self, const char *path)
{
  g_auto (GStrv) paths = NULL;
  g_autoptr (GStrvBuilder) builder = NULL;
  g_auto (GStrv) updated = NULL;

  g_return_if_fail (TS_IS_MODEL_CHOOSER (self));
  g_return_if_fail (self->settings != NULL);
  paths = g_settings_get_strv (self->settings, "imported-models");
  if (g_strv_contains ((const char * const *) paths, path))
    return;
  builder = g_strv_builder_new ();
  g_strv_builder_addv (builder, (const char **) paths);
  g_strv_builder_add (builder, path);
  updated = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "imported-models", (const char * const *) updated);
}

const char *
ts_model_chooser_get_spec (TsModelChooser *self)
{
  guint i;

  g_return_val_if_fail (TS_IS_MODEL_CHOOSER (self), "auto");
  i = adw_combo_row_get_selected (ADW_COMBO_ROW (self));
  if (i == GTK_INVALID_LIST_POSITION || i >= self->entries->len)
    return "auto";
  return entry_spec (self, i);
}

gboolean
ts_model_chooser_select (TsModelChooser *self, const char *spec, GError **error)
{
  int index;

  g_return_val_if_fail (TS_IS_MODEL_CHOOSER (self), FALSE);
  g_return_val_if_fail (spec != NULL, FALSE);
  index = find_entry (self, spec);
  if (index < 0)
    {
      g_autoptr (TsModel) model = ts_job_resolve_model (spec, self->noise_level, error);
      g_autofree char *label = NULL;
      g_autofree char *base = NULL;

      if (model == NULL)
        return FALSE;
      base = g_path_get_basename (spec);
      label = g_strdup_printf (_("%s (imported from %s)"), model->name, base);
      add_entry (self, label, spec, spec);
      index = (int) self->entries->len - 1;
    }
  adw_combo_row_set_selected (ADW_COMBO_ROW (self), index);
  return TRUE;
}

void
ts_model_chooser_add_user_model (TsModelChooser *self, const char *path)
{
  int index;

  g_return_if_fail (TS_IS_MODEL_CHOOSER (self));
  g_return_if_fail (path != NULL);
  index = find_entry (self, path);
  if (index < 0)
    {
      g_autoptr (TsModelListEntry) entry = ts_model_list_user_entry_new (path);
      add_entry (self, entry->title, entry->subtitle, entry->spec);
      index = (int) self->entries->len - 1;
    }
  adw_combo_row_set_selected (ADW_COMBO_ROW (self), index);
}

/* The level the chosen model is picked at: the luminance's in the run's plan, else the
 * noise level. */
static double
model_level (TsModelChooser *self)
{
  return self->has_plan ? self->plan.plane_sigma[0] : self->noise_level;
}

static char *
model_key (TsModelChooser *self)
{
  const char *spec = ts_model_chooser_get_spec (self);

  /* A model chosen by the level depends on it; any other, in a denoising, on the factor its
   * threshold is scaled by. */
  if (ts_restore_model_uses_sigma (spec))
    return g_strdup_printf ("%s@%.17g", spec, model_level (self));
  if (self->has_plan)
    return g_strdup_printf ("%s*%.17g", spec, ts_restore_noise_plane_factor (&self->plan, 0));
  return g_strdup (spec);
}

const TsModel *
ts_model_chooser_get_model (TsModelChooser *self, GError **error)
{
  g_autofree char *key = NULL;
  const char *spec;

  g_return_val_if_fail (TS_IS_MODEL_CHOOSER (self), NULL);
  key = model_key (self);
  if (self->model != NULL && g_strcmp0 (key, self->model_key) == 0)
    return self->model;
  g_clear_pointer (&self->model, ts_model_free);
  g_clear_pointer (&self->model_key, g_free);
  spec = ts_model_chooser_get_spec (self);
  self->model = self->has_plan ? ts_job_plane_model (spec, NULL, &self->plan, 0, error)
                               : ts_job_resolve_model (spec, self->noise_level, error);
  if (self->model == NULL)
    return NULL;
  self->model_key = g_steal_pointer (&key);
  return self->model;
}

/* The row's subtitle: the chosen entry's title and, for a model chosen by the level, the
 * model the run will use (resolved now: models are small). Set after AdwComboRow's own, which
 * it replaces when the selection changes. */
static void
update_subtitle (TsModelChooser *self)
{
  guint i = adw_combo_row_get_selected (ADW_COMBO_ROW (self));
  const TsModel *model = NULL;
  g_autofree char *text = NULL;

  if (i == GTK_INVALID_LIST_POSITION || i >= self->entries->len)
    return;
  g_autoptr (TsModel) chroma = NULL;
  if (ts_restore_model_uses_sigma (entry_spec (self, i)))
    model = ts_model_chooser_get_model (self, NULL);
  /* A colour picture's chroma planes may have a model of their own (ts-restore.h). */
  if (model != NULL && self->has_plan && self->plan.opponent)
    {
      TsRestoreRequest request;
      ts_restore_request_init (&request);
      request.model_spec = entry_spec (self, i);
      chroma = ts_restore_chroma_model (&request, &self->plan, NULL, NULL);
    }
  text = ts_model_list_describe (self->entries->pdata[i], model, model_level (self), chroma);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self), text);
}

void
ts_model_chooser_set_noise_plan (TsModelChooser *self, const TsRestoreNoise *plan)
{
  g_autofree char *before = NULL, *after = NULL;

  g_return_if_fail (TS_IS_MODEL_CHOOSER (self));
  before = model_key (self);
  self->has_plan = plan != NULL;
  if (plan != NULL)
    self->plan = *plan;
  after = model_key (self);
  if (g_strcmp0 (before, after) == 0)
    return;
  update_subtitle (self);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

const TsModel *
ts_model_chooser_peek_model (TsModelChooser *self)
{
  g_return_val_if_fail (TS_IS_MODEL_CHOOSER (self), NULL);
  return self->model;
}

double
ts_model_chooser_get_noise_level (TsModelChooser *self)
{
  g_return_val_if_fail (TS_IS_MODEL_CHOOSER (self), 0.0);
  return self->noise_level;
}

void
ts_model_chooser_set_noise_level (TsModelChooser *self, double sigma)
{
  g_return_if_fail (TS_IS_MODEL_CHOOSER (self));
  if (sigma == self->noise_level)
    return;
  self->noise_level = sigma;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NOISE_LEVEL]);
  if (self->has_plan)
    return;
  update_subtitle (self);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

/* The popover's rows: the title in words, the technical name under it; neither is cut. */
static void
setup_item (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *subtitle = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (title), 0.0);
  gtk_label_set_wrap (GTK_LABEL (title), TRUE);
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0.0);
  gtk_label_set_wrap (GTK_LABEL (subtitle), TRUE);
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), subtitle);
  gtk_list_item_set_child (item, box);
}

static void
bind_item (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  TsModelChooser *self = user_data;
  guint position = gtk_list_item_get_position (item);
  GtkWidget *title = gtk_widget_get_first_child (gtk_list_item_get_child (item));
  GtkWidget *subtitle = gtk_widget_get_next_sibling (title);
  const TsModelListEntry *entry;

  if (position >= self->entries->len)
    return;
  entry = self->entries->pdata[position];
  gtk_label_set_text (GTK_LABEL (title), entry->title);
  gtk_label_set_text (GTK_LABEL (subtitle), entry->subtitle);
  gtk_widget_set_visible (subtitle, entry->subtitle != NULL && entry->subtitle[0] != '\0');
}

static void
on_selected (TsModelChooser *self)
{
  update_subtitle (self);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
ts_model_chooser_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TsModelChooser *self = TS_MODEL_CHOOSER (object);

  switch (prop_id)
    {
    case PROP_NOISE_LEVEL:
      g_value_set_double (value, self->noise_level);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_model_chooser_set_property (GObject *object, guint prop_id, const GValue *value,
                               GParamSpec *pspec)
{
  TsModelChooser *self = TS_MODEL_CHOOSER (object);

  switch (prop_id)
    {
    case PROP_NOISE_LEVEL:
      ts_model_chooser_set_noise_level (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ts_model_chooser_finalize (GObject *object)
{
  TsModelChooser *self = TS_MODEL_CHOOSER (object);

  g_clear_object (&self->labels);
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->model, ts_model_free);
  g_free (self->model_key);
  G_OBJECT_CLASS (ts_model_chooser_parent_class)->finalize (object);
}

static void
ts_model_chooser_class_init (TsModelChooserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = ts_model_chooser_get_property;
  object_class->set_property = ts_model_chooser_set_property;
  object_class->finalize = ts_model_chooser_finalize;

  properties[PROP_NOISE_LEVEL] =
    g_param_spec_double ("noise-level", NULL, NULL, 0.0, G_MAXDOUBLE, 25.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ts_model_chooser_init (TsModelChooser *self)
{
  g_autoptr (GPtrArray) list = ts_model_list_new ();
  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  g_autoptr (GtkExpression) expression =
    gtk_property_expression_new (GTK_TYPE_STRING_OBJECT, NULL, "string");

  self->noise_level = 25.0;
  self->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) ts_model_list_entry_free);
  self->labels = gtk_string_list_new (NULL);
  for (guint i = 0; i < list->len; i++)
    {
      const TsModelListEntry *entry = list->pdata[i];
      add_entry (self, entry->title, entry->subtitle, entry->spec);
    }
  g_signal_connect (factory, "setup", G_CALLBACK (setup_item), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_item), self);
  adw_combo_row_set_list_factory (ADW_COMBO_ROW (self), factory);
  /* The chosen model as the row's subtitle, which wraps, rather than a suffix label that a
   * narrow sidebar cuts. */
  adw_combo_row_set_expression (ADW_COMBO_ROW (self), expression);
  adw_combo_row_set_use_subtitle (ADW_COMBO_ROW (self), TRUE);
  adw_combo_row_set_model (ADW_COMBO_ROW (self), G_LIST_MODEL (self->labels));
  g_signal_connect (self, "notify::selected", G_CALLBACK (on_selected), NULL);
  update_subtitle (self);
}
