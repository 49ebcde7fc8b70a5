/* The restoration parameters. */
#include "ts-params-group.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "ts-noise-text.h"
#include "ts-tune-dialog.h"

struct _TsParamsGroup {
  AdwPreferencesGroup parent_instance;

  /* template */
  AdwComboRow *task_row;
  TsModelChooser *model_chooser;
  AdwComboRow *preset_row;
  GtkStringList *preset_list;
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
  AdwActionRow *tune_row;
  AdwActionRow *noise_reading_row;
  AdwComboRow *noise_model_row;
  GtkAdjustment *strength_adjustment;
  GtkAdjustment *chroma_strength_adjustment;
  AdwActionRow *strength_row;
  AdwActionRow *chroma_strength_row;

  double noise_estimate;   /* 0-255, NAN when there is none (demo, k-space) */
  /* The opened picture's noise reading, or none (k-space); from it the plan of each noise
   * model it covers (by TsNoiseModel) at strength 1, for the reading row and the estimate;
   * the levels the last run solved at, or none. */
  gboolean has_reading;
  TsNoiseReading reading;
  gboolean plan_ready[3];
  TsRestoreNoise noise_plans[3];
  gboolean has_solved;
  TsRestoreNoise solved;
  gboolean colour;         /* the opened picture has colour planes */
  /* The preset menu: the model's presets for the task, by name, then "Custom" (beta and
   * lambda as the fields say; empty: the defaults). */
  GPtrArray *preset_names;
  gboolean filling;        /* the fields are being filled from a preset */
  gboolean setting_slices; /* ts_params_group_set_slices is moving the slice control */
};

G_DEFINE_FINAL_TYPE (TsParamsGroup, ts_params_group, ADW_TYPE_PREFERENCES_GROUP)

enum { SIGNAL_SLICE_CHANGED, SIGNAL_NOISE_READING_NEEDED, N_SIGNALS };
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

/* The noise model menu's entries, in order. */
static const TsNoiseModel noise_models[] = { TS_NOISE_MODEL_AUTO, TS_NOISE_MODEL_GAUSSIAN,
                                             TS_NOISE_MODEL_POISSON_GAUSSIAN };

static TsNoiseModel
selected_noise_model (TsParamsGroup *self)
{
  guint selected = adw_combo_row_get_selected (self->noise_model_row);
  return selected < G_N_ELEMENTS (noise_models) ? noise_models[selected] : TS_NOISE_MODEL_AUTO;
}

/* The level is read from the picture: "Estimate the noise level" on, a picture read, and not
 * simulating (the level is then the noise to add). */
static gboolean
noise_is_automatic (TsParamsGroup *self)
{
  return gtk_switch_get_active (self->noise_auto_switch)
         && !gtk_switch_get_active (self->simulate_switch) && isfinite (self->noise_estimate);
}

/* The opened picture's noise as the chosen model reads it, when the level is read from it:
 * for "Automatic", the model it chooses; NULL when the level is set by hand. */
static const TsRestoreNoise *
current_plan (TsParamsGroup *self)
{
  TsNoiseModel model = selected_noise_model (self);

  if (!noise_is_automatic (self) || !self->plan_ready[model])
    return NULL;
  return &self->noise_plans[model];
}

/* The level is read from the picture with a noise model its reading does not cover yet: the
 * window is reading the rest (ts_document_read_noise_async). */
static gboolean
reading_pending (TsParamsGroup *self)
{
  return noise_is_automatic (self) && !self->plan_ready[selected_noise_model (self)];
}

/* The reading row: what was read from the picture (as the model in use sees it; a level set
 * by hand is Gaussian) and, after a run, the levels its planes were solved at. */
static void
update_noise_reading (TsParamsGroup *self)
{
  const TsRestoreNoise *plan = current_plan (self);
  const TsRestoreNoise *shown = plan != NULL ? plan
                                : self->plan_ready[TS_NOISE_MODEL_GAUSSIAN]
                                ? &self->noise_plans[TS_NOISE_MODEL_GAUSSIAN] : NULL;
  TsNoiseModel model = plan != NULL ? plan->model : TS_NOISE_MODEL_GAUSSIAN;
  g_autofree char *reading = reading_pending (self)
                             ? g_strdup (_("Reading the picture’s noise…"))
                             : shown != NULL ? ts_noise_text_reading (shown, model) : NULL;
  g_autofree char *tooltip = shown != NULL && !reading_pending (self)
                             ? ts_noise_text_reading_tooltip (shown, model) : NULL;
  g_autofree char *solved = self->has_solved ? ts_noise_text_solved (&self->solved) : NULL;
  g_autofree char *text = NULL;

  if (reading != NULL && solved != NULL)
    text = g_strdup_printf ("%s\n%s", reading, solved);
  else
    text = g_strdup (reading != NULL ? reading : solved);
  gtk_widget_set_visible (GTK_WIDGET (self->noise_reading_row), text != NULL);
  adw_action_row_set_subtitle (self->noise_reading_row, text != NULL ? text : "");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->noise_reading_row), tooltip);
}

/* The noise model applies to a level read from the picture; Chroma strength to colour. */
static void
update_noise_model_row (TsParamsGroup *self)
{
  gboolean automatic = noise_is_automatic (self);
  g_autofree char *subtitle = NULL;

  gtk_widget_set_sensitive (GTK_WIDGET (self->noise_model_row), automatic);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->noise_model_row), automatic
                               ? _("How the noise varies with brightness: one level everywhere "
                                   "(Gaussian), or growing with brightness like photon noise "
                                   "(Poisson-Gaussian); Automatic reads it from the picture")
                               : _("A noise level set by hand or simulated is one level "
                                   "everywhere (Gaussian): turn on “Estimate the noise level” "
                                   "to choose another model"));
  if (!automatic)
    subtitle = g_strdup (_("Level set by hand: Gaussian"));
  else if (selected_noise_model (self) == TS_NOISE_MODEL_AUTO
           && self->plan_ready[TS_NOISE_MODEL_AUTO])
    /* Translators: %s is the noise model chosen for the opened picture ("Gaussian"). */
    subtitle = g_strdup_printf (_("This picture: %s"),
                                ts_noise_text_model_name (self->noise_plans[TS_NOISE_MODEL_AUTO].model));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->noise_model_row), subtitle != NULL ? subtitle : "");
  gtk_widget_set_sensitive (GTK_WIDGET (self->chroma_strength_row), self->colour);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->chroma_strength_row), self->colour ? NULL
                               : _("Gray pictures have no colour noise: open a colour picture"));
}

/* The run's noise as the controls set it (TsJobParams' task, level, noise model and
 * strengths; a gray picture's chroma strength does nothing: 1). */
static void
read_noise_params (TsParamsGroup *self, TsJobParams *params)
{
  params->task = adw_combo_row_get_selected (self->task_row);
  params->sigma = gtk_adjustment_get_value (self->noise_adjustment);
  params->estimate_noise = noise_is_automatic (self);
  params->noise = selected_noise_model (self);
  params->strength = gtk_adjustment_get_value (self->strength_adjustment);
  params->chroma_strength = self->colour
                            ? gtk_adjustment_get_value (self->chroma_strength_adjustment) : 1.0;
  params->simulate = gtk_switch_get_active (self->simulate_switch);
}

/* The model row shows, and the Atoms page draws, the model the run will solve the luminance
 * with: for denoising a picture whose noise is known, the one the run's noise plan picks
 * (strength and the level read included; ts_job_plan_noise, the core's plan). */
static void
update_model_noise (TsParamsGroup *self)
{
  TsJobParams params = { 0 };
  TsRestoreNoise plan;

  read_noise_params (self, &params);
  if (params.task == TS_TASK_DENOISE && self->has_reading
      && ts_job_plan_noise (&params, &self->reading, &plan, NULL))
    ts_model_chooser_set_noise_plan (self->model_chooser, &plan);
  else
    ts_model_chooser_set_noise_plan (self->model_chooser, NULL);
}

/* "Automatic" uses the opened picture's estimate (for the chosen noise model: the blind level,
 * or the level the Anscombe transform makes signal-dependent noise); by hand (or when
 * simulating, where the level is the noise to add, or without an estimate) the spin button
 * and slider set it. */
static void
update_noise_controls (TsParamsGroup *self)
{
  gboolean automatic = noise_is_automatic (self);
  const TsRestoreNoise *plan = current_plan (self);

  gtk_widget_set_sensitive (self->noise_spin, !automatic);
  gtk_widget_set_sensitive (self->noise_scale, !automatic);
  if (automatic)
    {
      double level = plan != NULL && plan->model == TS_NOISE_MODEL_POISSON_GAUSSIAN
                     ? plan->sigma : self->noise_estimate;
      g_autofree char *text = NULL;
      /* Translators: %.1f is the opened picture's estimated noise strength, 0-255. */
      text = g_strdup_printf (_("Estimated: %.1f"), level);
      adw_action_row_set_subtitle (self->noise_auto_row, text);
      gtk_adjustment_set_value (self->noise_adjustment,
                                CLAMP (level, gtk_adjustment_get_lower (self->noise_adjustment),
                                       gtk_adjustment_get_upper (self->noise_adjustment)));
    }
  else if (isfinite (self->noise_estimate))
    {
      g_autofree char *text = g_strdup_printf (_("Estimated: %.1f"), self->noise_estimate);
      adw_action_row_set_subtitle (self->noise_auto_row, text);
    }
  else
    adw_action_row_set_subtitle (self->noise_auto_row, _("Open a picture to estimate its noise"));
  update_noise_model_row (self);
  update_noise_reading (self);
  update_model_noise (self);
  if (reading_pending (self))
    g_signal_emit (self, signals[SIGNAL_NOISE_READING_NEEDED], 0,
                   (int) selected_noise_model (self));
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
ts_params_group_set_noise_reading (TsParamsGroup *self, const TsNoiseReading *reading,
                                   gboolean colour)
{
  g_return_if_fail (TS_IS_PARAMS_GROUP (self));
  self->has_reading = reading != NULL;
  if (reading != NULL)
    self->reading = *reading;
  for (int m = 0; m < 3; m++)
    self->plan_ready[m] = reading != NULL && ts_restore_noise_reading_covers (reading, m)
                          && ts_restore_noise_plan_from_reading (reading, TS_COLOUR_OPPONENT, m,
                                                                 NAN, 1.0, 1.0,
                                                                 &self->noise_plans[m], NULL);
  self->noise_estimate = self->plan_ready[TS_NOISE_MODEL_GAUSSIAN]
                         ? self->noise_plans[TS_NOISE_MODEL_GAUSSIAN].sigma_estimate : NAN;
  self->colour = colour;
  update_noise_controls (self);
}

TsNoiseModel
ts_params_group_get_noise_model (TsParamsGroup *self)
{
  g_return_val_if_fail (TS_IS_PARAMS_GROUP (self), TS_NOISE_MODEL_AUTO);
  return selected_noise_model (self);
}

void
ts_params_group_set_noise_solved (TsParamsGroup *self, const TsRestoreNoise *noise)
{
  g_return_if_fail (TS_IS_PARAMS_GROUP (self));
  self->has_solved = noise != NULL;
  if (noise != NULL)
    self->solved = *noise;
  update_noise_reading (self);
}

void
ts_params_group_set_noise_model (TsParamsGroup *self, TsNoiseModel model)
{
  g_return_if_fail (TS_IS_PARAMS_GROUP (self));
  for (guint i = 0; i < G_N_ELEMENTS (noise_models); i++)
    if (noise_models[i] == model)
      adw_combo_row_set_selected (self->noise_model_row, i);
}

void
ts_params_group_set_strengths (TsParamsGroup *self, double strength, double chroma_strength)
{
  g_return_if_fail (TS_IS_PARAMS_GROUP (self));
  if (!isnan (strength))
    gtk_adjustment_set_value (self->strength_adjustment, strength);
  if (!isnan (chroma_strength))
    gtk_adjustment_set_value (self->chroma_strength_adjustment, chroma_strength);
}

void
ts_params_group_get_strengths (TsParamsGroup *self, double *strength, double *chroma_strength)
{
  g_return_if_fail (TS_IS_PARAMS_GROUP (self));
  *strength = gtk_adjustment_get_value (self->strength_adjustment);
  *chroma_strength = gtk_adjustment_get_value (self->chroma_strength_adjustment);
}

const char *
ts_params_group_get_noise_reading_text (TsParamsGroup *self)
{
  g_return_val_if_fail (TS_IS_PARAMS_GROUP (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->noise_reading_row))
         ? adw_action_row_get_subtitle (self->noise_reading_row) : NULL;
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
  read_noise_params (self, params);
  params->acceleration = (int) gtk_adjustment_get_value (self->acceleration_adjustment);
  params->max_iter = (int) gtk_adjustment_get_value (self->max_iter_adjustment);
  if (!parse_field (self->beta_row, &params->beta, error)
      || !parse_field (self->lambda_row, &params->lambda, error)
      || !parse_field (self->tol_row, &params->tol, error))
    return NULL;
  /* A preset is named, not copied: the result says which one gave beta and lambda. "Custom"
   * names none, so that the fields (or, empty, the defaults) decide. */
  const char *preset = ts_params_group_get_preset (self);
  if (params->task != TS_TASK_DENOISE)
    {
      params->preset = g_strdup (preset != NULL ? preset : TS_PRESET_NONE);
      if (preset != NULL)
        params->beta = params->lambda = NAN;
    }
  return g_steal_pointer (&params);
}

const char *
ts_params_group_get_preset (TsParamsGroup *self)
{
  g_return_val_if_fail (TS_IS_PARAMS_GROUP (self), NULL);
  guint selected = adw_combo_row_get_selected (self->preset_row);
  return selected < self->preset_names->len ? g_ptr_array_index (self->preset_names, selected)
                                            : NULL;
}

static void
set_field (AdwEntryRow *row, double value)
{
  char text[G_ASCII_DTOSTR_BUF_SIZE];
  if (isnan (value))
    gtk_editable_set_text (GTK_EDITABLE (row), "");
  else
    gtk_editable_set_text (GTK_EDITABLE (row), g_ascii_formatd (text, sizeof text, "%.9g", value));
}

/* Choosing a preset shows its values in the advanced fields. */
static void
on_preset_selected (TsParamsGroup *self)
{
  const char *name = ts_params_group_get_preset (self);
  const TsModel *model = ts_model_chooser_peek_model (self->model_chooser);
  const TsPreset *preset = name != NULL && model != NULL ? ts_model_get_preset (model, name) : NULL;

  if (preset == NULL)
    return;
  self->filling = TRUE;
  set_field (self->beta_row, preset->beta);
  set_field (self->lambda_row, preset->lambda);
  if (!isnan (preset->tol))
    set_field (self->tol_row, preset->tol);
  if (preset->max_iter > 0)
    gtk_adjustment_set_value (self->max_iter_adjustment, preset->max_iter);
  self->filling = FALSE;
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->preset_row),
                               preset->note[0] != '\0' ? preset->note
                               : _("Beta and lambda tuned for the task, stored in the model"));
}

/* Beta or lambda typed by hand: the preset no longer applies. */
static void
on_field_edited (TsParamsGroup *self)
{
  if (self->filling || ts_params_group_get_preset (self) == NULL)
    return;
  adw_combo_row_set_selected (self->preset_row, self->preset_names->len);
}

/* The menu for the task and the chosen model: its presets for the task (a known name of
 * another task is left out), then Custom; the task's preset selected when there is one. */
static void
update_presets (TsParamsGroup *self)
{
  TsTask task = adw_combo_row_get_selected (self->task_row);
  g_autoptr (GError) error = NULL;
  const TsModel *model = NULL;
  guint selected;

  gtk_widget_set_visible (GTK_WIDGET (self->preset_row), task != TS_TASK_DENOISE);
  if (task != TS_TASK_DENOISE)
    model = ts_model_chooser_get_model (self->model_chooser, &error);
  const char *wanted = ts_task_preset_name (task, (int) gtk_adjustment_get_value (self->acceleration_adjustment),
                                            FALSE);
  g_ptr_array_set_size (self->preset_names, 0);
  selected = G_MAXUINT;
  for (guint i = 0; model != NULL && i < model->presets->len; i++)
    {
      const TsPreset *preset = g_ptr_array_index (model->presets, i);
      TsTask other;
      if (ts_task_of_preset (preset->name, &other) && other != task)
        continue;
      if (g_strcmp0 (preset->name, wanted) == 0 || (selected == G_MAXUINT && wanted == NULL))
        selected = self->preset_names->len;
      g_ptr_array_add (self->preset_names, g_strdup (preset->name));
    }
  g_autoptr (GPtrArray) shown = g_ptr_array_new ();
  for (guint i = 0; i < self->preset_names->len; i++)
    g_ptr_array_add (shown, g_ptr_array_index (self->preset_names, i));
  /* Translators: the preset menu's entry for beta and lambda typed by hand (or left empty). */
  g_ptr_array_add (shown, (gpointer) _("Custom"));
  g_ptr_array_add (shown, NULL);
  self->filling = TRUE;
  gtk_string_list_splice (self->preset_list, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->preset_list)),
                          (const char *const *) shown->pdata);
  self->filling = FALSE;
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->preset_row),
                               self->preset_names->len > 0
                               ? _("Beta and lambda tuned for the task, stored in the model")
                               : _("The model has no presets for this task: Custom uses the fields, or the defaults when they are empty"));
  adw_combo_row_set_selected (self->preset_row,
                              selected != G_MAXUINT ? selected : self->preset_names->len);
  on_preset_selected (self);
}

/* Tuning is for super-resolution and MRI; denoising takes its parameters from the noise
 * level, so the row says why it is off rather than disappearing. */
static void
update_tune_row (TsParamsGroup *self)
{
  gboolean tunable = adw_combo_row_get_selected (self->task_row) != TS_TASK_DENOISE;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "params.tune", tunable);
  gtk_widget_set_sensitive (GTK_WIDGET (self->tune_row), tunable);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->tune_row), tunable ? NULL
                               : _("Only super-resolution and MRI are tuned: denoising takes "
                                   "beta and lambda from the noise level"));
  adw_action_row_set_subtitle (self->tune_row,
                               tunable ? _("Search them on a validation folder and save the model with them as a new preset")
                               : _("For super-resolution and MRI: choose one of them as the task"));
}

void
ts_params_group_select_preset (TsParamsGroup *self, const char *name)
{
  g_return_if_fail (TS_IS_PARAMS_GROUP (self));
  for (guint i = 0; i < self->preset_names->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->preset_names, i), name) == 0)
      {
        adw_combo_row_set_selected (self->preset_row, i);
        on_preset_selected (self);
        return;
      }
}

/* The tuned model: listed in the model menu and chosen, its new preset chosen in the menu. */
static void
on_tuned_model_saved (TsParamsGroup *self, const char *path, const char *preset)
{
  ts_model_chooser_add_user_model (self->model_chooser, path);
  update_presets (self);
  ts_params_group_select_preset (self, preset);
}

static void
tune_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  TsParamsGroup *self = TS_PARAMS_GROUP (widget);
  TsTask task = adw_combo_row_get_selected (self->task_row);
  GtkRoot *root = gtk_widget_get_root (widget);
  TsTuneDialog *dialog;

  (void) action_name;
  (void) parameter;
  if (task == TS_TASK_DENOISE)
    return;
  dialog = ts_tune_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, task,
                               ts_model_chooser_get_spec (self->model_chooser),
                               ts_model_chooser_get_noise_level (self->model_chooser));
  g_signal_connect_object (dialog, "saved", G_CALLBACK (on_tuned_model_saved), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_task_changed (TsParamsGroup *self)
{
  gboolean denoise = adw_combo_row_get_selected (self->task_row) == TS_TASK_DENOISE;

  update_model_noise (self);
  update_tune_row (self);
  /* The noise model and the strengths are denoising's. */
  gtk_widget_set_visible (GTK_WIDGET (self->noise_model_row), denoise);
  gtk_widget_set_visible (GTK_WIDGET (self->strength_row), denoise);
  gtk_widget_set_visible (GTK_WIDGET (self->chroma_strength_row), denoise);
  /* The acceleration only shapes a simulated sampling mask. */
  gtk_widget_set_visible (GTK_WIDGET (self->acceleration_row),
                          adw_combo_row_get_selected (self->task_row) == TS_TASK_MRI
                          && gtk_switch_get_active (self->simulate_switch));
  update_presets (self);
}

static void
ts_params_group_finalize (GObject *object)
{
  TsParamsGroup *self = TS_PARAMS_GROUP (object);
  g_clear_pointer (&self->preset_names, g_ptr_array_unref);
  G_OBJECT_CLASS (ts_params_group_parent_class)->finalize (object);
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
  G_OBJECT_CLASS (klass)->finalize = ts_params_group_finalize;
  g_type_ensure (TS_TYPE_MODEL_CHOOSER);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/tessera/Tessera/ui/ts-params-group.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, TsParamsGroup, name)
  BIND (task_row);
  BIND (model_chooser);
  BIND (preset_row);
  BIND (preset_list);
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
  BIND (tune_row);
  BIND (noise_reading_row);
  BIND (noise_model_row);
  BIND (strength_adjustment);
  BIND (chroma_strength_adjustment);
  BIND (strength_row);
  BIND (chroma_strength_row);
#undef BIND
  gtk_widget_class_install_action (widget_class, "params.tune", NULL, tune_activated);
  /* The user chose another slice of the opened scan: the window reads it. */
  signals[SIGNAL_SLICE_CHANGED] = g_signal_new ("slice-changed", G_TYPE_FROM_CLASS (klass),
                                                G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                G_TYPE_NONE, 1, G_TYPE_INT);
  /* The noise model chosen needs more of the picture's noise than its reading holds: the
   * window reads it (int: the TsNoiseModel) and hands the reading back. */
  signals[SIGNAL_NOISE_READING_NEEDED] = g_signal_new ("noise-reading-needed",
                                                       G_TYPE_FROM_CLASS (klass),
                                                       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                       G_TYPE_NONE, 1, G_TYPE_INT);
}

static void
ts_params_group_init (TsParamsGroup *self)
{
  self->noise_estimate = NAN;
  self->preset_names = g_ptr_array_new_with_free_func (g_free);
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->noise_auto_switch, "notify::active",
                            G_CALLBACK (update_noise_controls), self);
  g_signal_connect_swapped (self->simulate_switch, "notify::active",
                            G_CALLBACK (update_noise_controls), self);
  g_signal_connect_swapped (self->noise_model_row, "notify::selected",
                            G_CALLBACK (update_noise_controls), self);
  /* The model the run will use follows the level and the strengths (update_model_noise). */
  g_signal_connect_swapped (self->noise_adjustment, "value-changed",
                            G_CALLBACK (update_model_noise), self);
  g_signal_connect_swapped (self->strength_adjustment, "value-changed",
                            G_CALLBACK (update_model_noise), self);
  g_signal_connect_swapped (self->chroma_strength_adjustment, "value-changed",
                            G_CALLBACK (update_model_noise), self);
  g_signal_connect_swapped (self->task_row, "notify::selected", G_CALLBACK (on_task_changed), self);
  g_signal_connect_swapped (self->simulate_switch, "notify::active", G_CALLBACK (on_task_changed), self);
  g_signal_connect_swapped (self->model_chooser, "changed", G_CALLBACK (update_presets), self);
  g_signal_connect_swapped (self->acceleration_adjustment, "value-changed",
                            G_CALLBACK (update_presets), self);
  g_signal_connect_swapped (self->preset_row, "notify::selected", G_CALLBACK (on_preset_selected),
                            self);
  g_signal_connect_swapped (self->beta_row, "changed", G_CALLBACK (on_field_edited), self);
  g_signal_connect_swapped (self->lambda_row, "changed", G_CALLBACK (on_field_edited), self);
  g_signal_connect_swapped (self->slice_adjustment, "value-changed",
                            G_CALLBACK (on_slice_value_changed), self);
  update_tune_row (self);
  update_noise_controls (self);
}
