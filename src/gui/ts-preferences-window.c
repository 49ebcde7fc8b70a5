/* Preferences bound to GSettings. */
#include "ts-preferences-window.h"

struct _TsPreferencesWindow {
  AdwPreferencesWindow parent_instance;
  AdwComboRow *model_row;
  GtkSpinButton *tolerance_spin;
  GtkSwitch *model_tolerance_switch;
  GtkWidget *tolerance_row;
  GtkSpinButton *threads_spin;
  GtkSpinButton *preview_rate_spin;
  GSettings *settings;
};

G_DEFINE_FINAL_TYPE (TsPreferencesWindow, ts_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* The combo lists "auto" and "dct"; an imported path set elsewhere shows as automatic. */
static gboolean
model_get_mapping (GValue *value, GVariant *variant, gpointer user_data)
{
  g_value_set_uint (value, g_strcmp0 (g_variant_get_string (variant, NULL), "dct") == 0 ? 1 : 0);
  return TRUE;
}

static GVariant *
model_set_mapping (const GValue *value, const GVariantType *expected_type, gpointer user_data)
{
  return g_variant_new_string (g_value_get_uint (value) == 1 ? "dct" : "auto");
}

GtkWidget *
ts_preferences_window_new (GtkWindow *parent, GSettings *settings)
{
  TsPreferencesWindow *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  self = g_object_new (TS_TYPE_PREFERENCES_WINDOW, "transient-for", parent, "modal", TRUE, NULL);
  self->settings = g_object_ref (settings);
  g_settings_bind_with_mapping (settings, "default-model", self->model_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, model_get_mapping, model_set_mapping,
                                NULL, NULL);
  /* Tolerance 0 means what it means in the window's Advanced settings: every iteration. The
   * model's tolerance is a switch of its own. */
  g_settings_bind (settings, "use-model-tolerance", self->model_tolerance_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "use-model-tolerance", self->tolerance_row, "sensitive",
                   G_SETTINGS_BIND_GET | G_SETTINGS_BIND_INVERT_BOOLEAN);
  g_settings_bind (settings, "tolerance", gtk_spin_button_get_adjustment (self->tolerance_spin),
                   "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "threads", gtk_spin_button_get_adjustment (self->threads_spin),
                   "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "preview-rate",
                   gtk_spin_button_get_adjustment (self->preview_rate_spin), "value",
                   G_SETTINGS_BIND_DEFAULT);
  return GTK_WIDGET (self);
}

static void
ts_preferences_window_dispose (GObject *object)
{
  TsPreferencesWindow *self = TS_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), TS_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (ts_preferences_window_parent_class)->dispose (object);
}

static void
ts_preferences_window_class_init (TsPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ts_preferences_window_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/tessera/Tessera/ui/ts-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TsPreferencesWindow, model_row);
  gtk_widget_class_bind_template_child (widget_class, TsPreferencesWindow, tolerance_spin);
  gtk_widget_class_bind_template_child (widget_class, TsPreferencesWindow, model_tolerance_switch);
  gtk_widget_class_bind_template_child (widget_class, TsPreferencesWindow, tolerance_row);
  gtk_widget_class_bind_template_child (widget_class, TsPreferencesWindow, threads_spin);
  gtk_widget_class_bind_template_child (widget_class, TsPreferencesWindow, preview_rate_spin);
}

static void
ts_preferences_window_init (TsPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
