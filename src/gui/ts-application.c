/* The Tessera application object: command line, application actions, accelerators. */
#include "ts-application.h"

#include <math.h>
#include <glib/gi18n.h>

#include "ts-preferences-window.h"
#include "ts-runner.h"
#include "ts-self-test.h"
#include "ts-window.h"

#define DEFAULT_DEMO_SIZE 256

struct _TsApplication {
  AdwApplication parent_instance;
  GSettings *settings;
  TsSelfTest *self_test;
};

G_DEFINE_FINAL_TYPE (TsApplication, ts_application, ADW_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "task", 't', 0, G_OPTION_ARG_STRING, NULL, N_("Task: denoise, sr or mri"), N_("TASK") },
  { "sigma", 's', 0, G_OPTION_ARG_DOUBLE, NULL, N_("Noise level, 0–255 units"), N_("SIGMA") },
  { "noise", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Noise model when the level is read from the picture: auto (default), gaussian or poisson-gaussian"),
    N_("MODEL") },
  { "strength", 0, 0, G_OPTION_ARG_DOUBLE, NULL,
    N_("Denoise as if the noise were X times stronger (0.25 to 4, default 1)"), N_("X") },
  { "chroma-strength", 0, 0, G_OPTION_ARG_DOUBLE, NULL,
    N_("Colour pictures: the same for the colour noise alone, on top of --strength (0.25 to 4, default 1)"),
    N_("X") },
  { "model", 'm', 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Model: auto, dct, an installed name, a .tsm file or a reference folder"), N_("MODEL") },
  { "simulate", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Degrade the image and keep the original as ground truth"), NULL },
  { "tol", 0, 0, G_OPTION_ARG_DOUBLE, NULL, N_("Stopping tolerance (0 runs every iteration)"), N_("TOL") },
  { "max-iter", 0, 0, G_OPTION_ARG_INT, NULL, N_("Maximum iterations"), N_("N") },
  { "demo-size", 0, 0, G_OPTION_ARG_INT, NULL, N_("Side of the demo image (default 256)"), N_("N") },
  { "run", 'r', 0, G_OPTION_ARG_NONE, NULL, N_("Start restoring as soon as the image is open"), NULL },
  { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, NULL, NULL, N_("[FILE]") },
  G_OPTION_ENTRY_NULL
};

/* --- settings ------------------------------------------------------------------------ */

/* The installed schema, or the one compiled in the build tree when run uninstalled. */
static GSettings *
create_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE);
  if (schema == NULL)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GSettingsSchemaSource) build = NULL;
      build = g_settings_schema_source_new_from_directory (BUILD_SCHEMA_DIR, source, FALSE, &error);
      if (build != NULL)
        schema = g_settings_schema_source_lookup (build, APPLICATION_ID, FALSE);
    }
  if (schema == NULL)
    g_error ("The GSettings schema %s is not installed (nor compiled in %s)", APPLICATION_ID,
             BUILD_SCHEMA_DIR);
  return g_settings_new_full (schema, NULL, NULL);
}

GSettings *
ts_application_get_settings (TsApplication *self)
{
  g_return_val_if_fail (TS_IS_APPLICATION (self), NULL);
  return self->settings;
}

int
ts_application_get_self_test_status (TsApplication *self)
{
  g_return_val_if_fail (TS_IS_APPLICATION (self), -1);
  return self->self_test != NULL ? ts_self_test_get_status (self->self_test) : -1;
}

/* --- command line -------------------------------------------------------------------- */

static void
run_once (gpointer user_data)
{
  ts_window_run (TS_WINDOW (user_data));
}

static void
simulate_when_loaded (TsWindow *window, gpointer user_data)
{
  g_signal_handlers_disconnect_by_func (window, simulate_when_loaded, user_data);
  ts_window_set_simulate (window, TRUE);
}

static void
run_when_loaded (TsWindow *window, gpointer user_data)
{
  g_signal_handlers_disconnect_by_func (window, run_when_loaded, user_data);
  ts_window_run (window);
}

static int
ts_application_command_line (GApplication *application, GApplicationCommandLine *cmdline)
{
  TsApplication *self = TS_APPLICATION (application);
  GVariantDict *options = g_application_command_line_get_options_dict (cmdline);
  g_autofree const char **files = NULL;
  g_autoptr (TsSelfTest) self_test = ts_self_test_new_from_options (options);
  const char *task = NULL, *model = NULL, *noise_name = NULL;
  double sigma, tol, strength = NAN, chroma_strength = NAN;
  gboolean has_sigma;
  TsNoiseModel noise = TS_NOISE_MODEL_AUTO;
  int max_iter, demo_size = DEFAULT_DEMO_SIZE;
  gboolean simulate = FALSE, run = FALSE, new_window;
  TsWindow *window;

  g_variant_dict_lookup (options, G_OPTION_REMAINING, "^a&ay", &files);
  g_variant_dict_lookup (options, "task", "&s", &task);
  g_variant_dict_lookup (options, "model", "^&ay", &model);
  g_variant_dict_lookup (options, "demo-size", "i", &demo_size);
  g_variant_dict_lookup (options, "simulate", "b", &simulate);
  g_variant_dict_lookup (options, "run", "b", &run);
  g_variant_dict_lookup (options, "noise", "&s", &noise_name);
  g_variant_dict_lookup (options, "strength", "d", &strength);
  g_variant_dict_lookup (options, "chroma-strength", "d", &chroma_strength);
  has_sigma = g_variant_dict_lookup (options, "sigma", "d", &sigma);

  if (task != NULL && g_strcmp0 (task, "denoise") != 0 && g_strcmp0 (task, "sr") != 0
      && g_strcmp0 (task, "mri") != 0)
    {
      g_application_command_line_printerr (cmdline, _("Unknown task “%s”: use denoise, sr or mri\n"), task);
      return 2;
    }
  /* As tessera-cli denoise has them (its words), within the window's controls. */
  if (noise_name != NULL && !ts_noise_model_from_name (noise_name, &noise))
    {
      g_application_command_line_printerr (cmdline, _("--noise must be gaussian, poisson-gaussian or auto, not “%s”\n"),
                                           noise_name);
      return 2;
    }
  if (noise == TS_NOISE_MODEL_POISSON_GAUSSIAN && has_sigma)
    {
      g_application_command_line_printerr (cmdline, _("--sigma is a Gaussian level: --noise poisson-gaussian reads its model from the picture (give no --sigma)\n"));
      return 2;
    }
  if ((!isnan (strength) && !(strength >= 0.25 && strength <= 4.0))
      || (!isnan (chroma_strength) && !(chroma_strength >= 0.25 && chroma_strength <= 4.0)))
    {
      g_application_command_line_printerr (cmdline, _("--strength and --chroma-strength must be between 0.25 and 4\n"));
      return 2;
    }
  if (demo_size < 32 || demo_size > 8192)
    {
      g_application_command_line_printerr (cmdline, _("--demo-size must be between 32 and 8192\n"));
      return 2;
    }

  window = TS_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (application)));
  new_window = window == NULL || self_test != NULL;
  if (new_window)
    window = ts_window_new (GTK_APPLICATION (application), self->settings);
  if (self_test != NULL)
    ts_self_test_prepare_window (self_test, window);

  if (task != NULL)
    ts_window_set_task (window, g_str_equal (task, "sr") ? TS_TASK_SR
                                : g_str_equal (task, "mri") ? TS_TASK_MRI : TS_TASK_DENOISE);
  if (has_sigma)
    ts_window_set_noise_level (window, sigma);
  /* Given ones only: a file opened in the running window keeps its choices. */
  if (noise_name != NULL)
    ts_window_set_noise_model (window, noise);
  ts_window_set_strengths (window, strength, chroma_strength);
  if (g_variant_dict_lookup (options, "tol", "d", &tol))
    ts_window_set_tolerance (window, tol);
  if (g_variant_dict_lookup (options, "max-iter", "i", &max_iter))
    ts_window_set_max_iter (window, max_iter);
  if (model != NULL)
    {
      g_autoptr (GError) error = NULL;
      if (!ts_window_set_model (window, model, &error))
        {
          g_application_command_line_printerr (cmdline, "%s\n", error->message);
          return 1;
        }
    }

  if (files != NULL && files[0] != NULL)
    {
      g_autoptr (GFile) file = g_application_command_line_create_file_for_arg (cmdline, files[0]);
      /* The file is loaded on a thread and opening it turns Simulate off: turn it on after. */
      if (simulate)
        g_signal_connect (window, "document-changed", G_CALLBACK (simulate_when_loaded), NULL);
      if (run)
        g_signal_connect (window, "document-changed", G_CALLBACK (run_when_loaded), NULL);
      ts_window_open_file (window, file);
    }
  else if (new_window)
    {
      /* The first launch has something to show. */
      ts_window_open_demo (window, demo_size);
      if (run && self_test == NULL)
        g_idle_add_once (run_once, window);
    }
  else if (simulate)
    ts_window_set_simulate (window, TRUE);
  gtk_window_present (GTK_WINDOW (window));

  if (self_test != NULL)
    {
      g_set_object (&self->self_test, self_test);
      ts_self_test_start (self_test, application, window, files != NULL && files[0] != NULL);
    }
  return 0;
}

/* --- actions ------------------------------------------------------------------------- */

static void
quit_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GList *windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (user_data)));

  /* Closing each window saves its state and cancels its solve. */
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (GTK_WINDOW (l->data));
  g_list_free (windows);
}

static void
preferences_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  TsApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  GtkWidget *window = ts_preferences_window_new (parent, self->settings);

  gtk_window_present (GTK_WINDOW (window));
}

static void
about_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  TsApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  const char *developers[] = { _("The Tessera developers"), NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", parent,
                        "modal", TRUE,
                        "application-name", _("Tessera"),
                        "application-icon", APPLICATION_ID,
                        "version", PACKAGE_VERSION,
                        "developer-name", _("The Tessera developers"),
                        "developers", developers,
                        "comments", _("Restore images with learned smooth-plus-sparse patch models: "
                                      "denoising, 4× super-resolution and MRI reconstruction, with "
                                      "the learned atoms and the decomposition in view."),
                        "license-type", GTK_LICENSE_MIT_X11,
                        /* Translators: your name(s), one per line */
                        "translator-credits", _("translator-credits"),
                        "release-notes-version", PACKAGE_VERSION,
                        "release-notes", _("<p>The first release of the desktop application.</p>"
                                           "<ul><li>Denoising, 4× super-resolution and MRI reconstruction with live previews</li>"
                                           "<li>Input, result, smooth part, sparse part and cost map side by side</li>"
                                           "<li>The learned atoms and where each one is used</li></ul>"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated, NULL, NULL, NULL, { 0 } },
  { "preferences", preferences_activated, NULL, NULL, NULL, { 0 } },
  { "about", about_activated, NULL, NULL, NULL, { 0 } },
};

static void
ts_application_startup (GApplication *application)
{
  TsApplication *self = TS_APPLICATION (application);
  /* No Escape for win.cancel: a stray Escape (meant for a popover or a dialog) must never
   * stop a long run. Stop is the button. */
  static const struct {
    const char *action;
    const char *accels[4];
  } accels[] = {
    { "win.open", { "<Control>o", NULL } },
    { "win.save-result", { "<Control>s", NULL } },
    { "win.run", { "<Control>r", NULL } },
    { "win.zoom-in", { "<Control>plus", "<Control>equal", "<Control>KP_Add", NULL } },
    { "win.zoom-out", { "<Control>minus", "<Control>KP_Subtract", NULL } },
    { "win.zoom-fit", { "<Control>0", "<Control>KP_0", NULL } },
    { "win.zoom-one", { "<Control>1", "<Control>KP_1", NULL } },
    { "win.show-help-overlay", { "F1", "<Control>question", NULL } },
    { "window.close", { "<Control>w", NULL } },
    { "app.quit", { "<Control>q", NULL } },
    { "app.preferences", { "<Control>comma", NULL } },
  };

  G_APPLICATION_CLASS (ts_application_parent_class)->startup (application);
  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions), self);
  for (gsize i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self), accels[i].action, accels[i].accels);
  gtk_window_set_default_icon_name (APPLICATION_ID);
}

static void
ts_application_shutdown (GApplication *application)
{
  /* A cancelled solve stops at its next iteration: let it, rather than exit under it. */
  while (ts_runner_get_n_active () > 0)
    g_main_context_iteration (NULL, TRUE);
  G_APPLICATION_CLASS (ts_application_parent_class)->shutdown (application);
}

static void
ts_application_activate (GApplication *application)
{
  TsApplication *self = TS_APPLICATION (application);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (application));

  if (window == NULL)
    {
      TsWindow *w = ts_window_new (GTK_APPLICATION (application), self->settings);
      ts_window_open_demo (w, DEFAULT_DEMO_SIZE);
      window = GTK_WINDOW (w);
    }
  gtk_window_present (window);
}

TsApplication *
ts_application_new (GApplicationFlags extra_flags)
{
  return g_object_new (TS_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_HANDLES_COMMAND_LINE | extra_flags,
                       "resource-base-path", "/org/tessera/Tessera",
                       NULL);
}

static void
ts_application_finalize (GObject *object)
{
  TsApplication *self = TS_APPLICATION (object);

  g_clear_object (&self->self_test);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (ts_application_parent_class)->finalize (object);
}

static void
ts_application_class_init (TsApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = ts_application_finalize;
  app_class->startup = ts_application_startup;
  app_class->activate = ts_application_activate;
  app_class->shutdown = ts_application_shutdown;
  app_class->command_line = ts_application_command_line;
}

static void
ts_application_init (TsApplication *self)
{
  self->settings = create_settings ();
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  ts_self_test_add_option_entries (G_APPLICATION (self));
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Restore images with learned smooth-plus-sparse patch models."));
}
