/* The restoration parameters. */
#include "ts-params-group.h"

#include <math.h>
#include <glib/gi18n.h>

struct _TsParamsGroup {
  AdwPreferencesGroup parent_instance;

  /* template */
  AdwComboRow *task_row;
  TsModelChooser *model_chooser;
  GtkAdjustment *noise_adjustment;
  GtkAdjustment *acceleration_adjustment;
  GtkAdjustment *max_iter_adjustment;
  GtkSwitch *simulate_switch;
  AdwActionRow *acceleration_row;
  AdwEntryRow *beta_row;
  AdwEntryRow *lambda_row;
  AdwEntryRow *tol_row;
  AdwActionRow *noise_auto_row;
  GtkSwitch *noise_auto_switch;
  GtkWidget *noise_spin;
  GtkWidget *noise_scale;
  AdwActionRow *slice_row;
  GtkAdjustment *slice_adjustment;

  double noise_estimate;   /* 0-255, NAN when there is none (demo, k-space) */
  gboolean setting_slices; /* ts_params_group_set_slices is moving the slice control */
};

G_DEFINE_FINAL_TYPE (TsParamsGroup, ts_params_group, ADW_TYPE_PREFERENCES_GROUP)

enum { SIGNAL_SLICE_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

void
ts_params_group_set_slices (TsParamsGroup *self, int n_slices, int slice)
{
  g_return_if_fail (TS_IS_PARAMS_GROUP (self));
  self->setting_slices = TRUE;
  gtk_adjustment_configure (self->slice_adjustment, MAX (slice, 0), 0, MAX (n_slices - 1, 0), 1,
                            5, 0);
  self->setting_slices = FALSE;
  gtk_widget_set_visible (GTK_WIDGET (self->slice_row), n_slices > 1);
}

static void
on_slice_value_changed (TsParamsGroup *self)
{
  if (!self->setting_slices)
    g_signal_emit (self, signals[SIGNAL_SLICE_CHANGED], 0,
                   (int) gtk_adjustment_get_value (self->slice_adjustment));
}

void
ts_params_group_set_task (TsParamsGroup *self, TsTask task)
{
  g_return_if_fail (TS_IS_PARAMS_GROUP (self));
  adw_combo_row_set_selected (self->task_row, task);
}

/* "Automatic" uses the opened picture's estimate; by hand (or when simulating, where the
 * level is the noise to add, or without an estimate) the spin button and slider set it. */
static void
update_noise_controls (TsParamsGroup *self)
{
  gboolean automatic = gtk_switch_get_active (self->noise_auto_switch)
                       && !gtk_switch_get_active (self->simulate_switch)
                       && isfinite (self->noise_estimate);

  gtk_widget_set_sensitive (self->noise_spin, !automatic);
  gtk_widget_set_sensitive (self->noise_scale, !automatic);
  if (automatic)
    gtk_adjustment_set_value (self->noise_adjustment,
                              CLAMP (self->noise_estimate,
                                     gtk_adjustment_get_lower (self->noise_adjustment),
                                     gtk_adjustment_get_upper (self->noise_adjustment)));
}

void
ts_params_group_set_noise_level (TsParamsGroup *self, double sigma)
{
  g_return_if_fail (TS_IS_PARAMS_GROUP (self));
  /* A level given explicitly is set by hand. */
  gtk_switch_set_active (self->noise_auto_switch, FALSE);
  gtk_adjustment_set_value (self->noise_adjustment, sigma);
}

double
ts_params_group_get_noise_level (TsParamsGroup *self)
{
  g_return_val_if_fail (TS_IS_PARAMS_GROUP (self), NAN);
  return gtk_adjustment_get_value (self->noise_adjustment);
}

void
ts_params_group_set_noise_estimate (TsParamsGroup *self, double estimate)
{
  g_autofree char *text = NULL;

  g_return_if_fail (TS_IS_PARAMS_GROUP (self));
  self->noise_estimate = estimate;
  if (isfinite (estimate))
    /* Translators: %.1f is the opened picture's estimated noise strength, 0-255. */
    text = g_strdup_printf (_("Estimated: %.1f"), estimate);
  else
    text = g_strdup (_("Open a picture to estimate its noise"));
  adw_action_row_set_subtitle (self->noise_auto_row, text);
  update_noise_controls (self);
}

const char *
ts_params_group_get_noise_estimate_text (TsParamsGroup *self)
{
  g_return_val_if_fail (TS_IS_PARAMS_GROUP (self), NULL);
  return adw_action_row_get_subtitle (self->noise_auto_row);
}

void
ts_params_group_set_simulate (TsParamsGroup *self, gboolean simulate)
{
  g_return_if_fail (TS_IS_PARAMS_GROUP (self));
  gtk_switch_set_active (self->simulate_switch, simulate);
}

void
ts_params_group_set_max_iter (TsParamsGroup *self, int max_iter)
{
  g_return_if_fail (TS_IS_PARAMS_GROUP (self));
  gtk_adjustment_set_value (self->max_iter_adjustment, max_iter);
}

void
ts_params_group_set_tolerance (TsParamsGroup *self, double tol)
{
  g_autofree char *text = NULL;

  g_return_if_fail (TS_IS_PARAMS_GROUP (self));
  text = g_malloc (G_ASCII_DTOSTR_BUF_SIZE);
  g_ascii_formatd (text, G_ASCII_DTOSTR_BUF_SIZE, "%g", tol);
  gtk_editable_set_text (GTK_EDITABLE (self->tol_row), text);
}

TsModelChooser *
ts_params_group_get_model_chooser (TsParamsGroup *self)
{
  g_return_val_if_fail (TS_IS_PARAMS_GROUP (self), NULL);
  return self->model_chooser;
}

/* An advanced field: empty is NAN (the default); otherwise a non-negative number. */
static gboolean
parse_field (AdwEntryRow *row, double *value, GError **error)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (row));
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  char *end = NULL;
  double v;

  gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
  if (stripped[0] == '\0')
    {
      *value = NAN;
      return TRUE;
    }
  /* Either decimal separator: "0.001" and, as a French or German user types it, "0,001". */
  g_strdelimit (stripped, ",", '.');
  v = g_ascii_strtod (stripped, &end);
  if (end == stripped || *end != '\0' || !isfinite (v) || v < 0)
    {
      gtk_widget_add_css_class (GTK_WIDGET (row), "error");
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s: “%s” is not a non-negative number"),
                   adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), stripped);
      return FALSE;
    }
  *value = v;
  return TRUE;
}

TsJobParams *
ts_params_group_read (TsParamsGroup *self, GError **error)
{
  g_autoptr (TsJobParams) params = NULL;

  g_return_val_if_fail (TS_IS_PARAMS_GROUP (self), NULL);
  params = g_new0 (TsJobParams, 1);
  params->task = adw_combo_row_get_selected (self->task_row);
  params->sigma = gtk_adjustment_get_value (self->noise_adjustment);
  params->simulate = gtk_switch_get_active (self->simulate_switch);
  params->acceleration = (int) gtk_adjustment_get_value (self->acceleration_adjustment);
  params->max_iter = (int) gtk_adjustment_get_value (self->max_iter_adjustment);
  if (!parse_field (self->beta_row, &params->beta, error)
      || !parse_field (self->lambda_row, &params->lambda, error)
      || !parse_field (self->tol_row, &params->tol, error))
    return NULL;
  return g_steal_pointer (&params);
}

static void
on_task_changed (TsParamsGroup *self)
{
  /* The acceleration only shapes a simulated sampling mask. */
  gtk_widget_set_visible (GTK_WIDGET (self->acceleration_row),
                          adw_combo_row_get_selected (self->task_row) == TS_TASK_MRI
                          && gtk_switch_get_active (self->simulate_switch));
}

static void
ts_params_group_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TS_TYPE_PARAMS_GROUP);
  G_OBJECT_CLASS (ts_params_group_parent_class)->dispose (object);
}

static void
ts_params_group_class_init (TsParamsGroupClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = ts_params_group_dispose;
  g_type_ensure (TS_TYPE_MODEL_CHOOSER);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/tessera/Tessera/ui/ts-params-group.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, TsParamsGroup, name)
  BIND (task_row);
  BIND (model_chooser);
  BIND (noise_adjustment);
  BIND (acceleration_adjustment);
  BIND (max_iter_adjustment);
  BIND (simulate_switch);
  BIND (acceleration_row);
  BIND (beta_row);
  BIND (lambda_row);
  BIND (tol_row);
  BIND (noise_auto_row);
  BIND (noise_auto_switch);
  BIND (noise_spin);
  BIND (noise_scale);
  BIND (slice_row);
  BIND (slice_adjustment);
#undef BIND
  /* The user chose another slice of the opened scan: the window reads it. */
  signals[SIGNAL_SLICE_CHANGED] = g_signal_new ("slice-changed", G_TYPE_FROM_CLASS (klass),
                                                G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                G_TYPE_NONE, 1, G_TYPE_INT);
}

static void
ts_params_group_init (TsParamsGroup *self)
{
  self->noise_estimate = NAN;
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->noise_auto_switch, "notify::active",
                            G_CALLBACK (update_noise_controls), self);
  g_signal_connect_swapped (self->simulate_switch, "notify::active",
                            G_CALLBACK (update_noise_controls), self);
  g_signal_connect_swapped (self->task_row, "notify::selected", G_CALLBACK (on_task_changed), self);
  g_signal_connect_swapped (self->simulate_switch, "notify::active", G_CALLBACK (on_task_changed), self);
  g_signal_connect_swapped (self->slice_adjustment, "value-changed",
                            G_CALLBACK (on_slice_value_changed), self);
}
