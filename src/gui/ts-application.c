/* The Tessera application object. */
#include "ts-application.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>

#include "ts-preferences-window.h"
#include "ts-runner.h"
#include "ts-window.h"

#define DEFAULT_DEMO_SIZE 256

typedef struct {
  TsWindow *window;
  char *screenshot;        /* where to save the window, or NULL */
  char *page;              /* "restore" or "atoms" for the screenshot */
  int atom;                /* atom selected before an atoms screenshot */
  int min_previews;
  double max_frame_gap_ms; /* fail above this (0 = report only) */
  gint64 last_tick_us;
  gint64 max_gap_us;
  guint n_ticks;
  guint tick_id;
  int cancel_after;        /* cancel (win.cancel) after this many previews; 0 = never */
  guint cancel_poll_id;
  gboolean repeat;         /* run a second time: it must warm-start */
  int runs_done;
  gboolean run_ok;
  gboolean expect_tiles;   /* a large picture: solved in tiles, a region preview first */
  double max_rss_mb;       /* fail when the peak resident memory is above (0 = report only) */
  gint64 started_us, finished_us;
} SelfTest;

struct _TsApplication {
  AdwApplication parent_instance;
  GSettings *settings;
  SelfTest *self_test;
  int self_test_status;
};

G_DEFINE_FINAL_TYPE (TsApplication, ts_application, ADW_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "task", 't', 0, G_OPTION_ARG_STRING, NULL, N_("Task: denoise, sr or mri"), N_("TASK") },
  { "sigma", 's', 0, G_OPTION_ARG_DOUBLE, NULL, N_("Noise level, 0–255 units"), N_("SIGMA") },
  { "model", 'm', 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Model: auto, dct, an installed name, a .tsm file or a reference folder"), N_("MODEL") },
  { "simulate", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Degrade the image and keep the original as ground truth"), NULL },
  { "tol", 0, 0, G_OPTION_ARG_DOUBLE, NULL, N_("Stopping tolerance (0 runs every iteration)"), N_("TOL") },
  { "max-iter", 0, 0, G_OPTION_ARG_INT, NULL, N_("Maximum iterations"), N_("N") },
  { "demo-size", 0, 0, G_OPTION_ARG_INT, NULL, N_("Side of the demo image (default 256)"), N_("N") },
  { "run", 'r', 0, G_OPTION_ARG_NONE, NULL, N_("Start restoring as soon as the image is open"), NULL },
  { "self-test", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, NULL,
    N_("Run once, check the previews and the PSNR, save a screenshot to FILE and quit"), N_("FILE") },
  { "page", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, NULL, N_("Page shown for the self-test screenshot: restore or atoms"), N_("PAGE") },
  { "atom", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, NULL, N_("Atom selected for an atoms screenshot"), N_("INDEX") },
  { "min-previews", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, NULL, N_("Self-test: live previews required (default 3)"), N_("N") },
  { "cancel-after", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, NULL,
    N_("Self-test: press Cancel after N live previews; the run must end cancelled"), N_("N") },
  { "repeat", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, NULL,
    N_("Self-test: run twice; the second run must warm-start from the first"), NULL },
  { "max-frame-gap", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_DOUBLE, NULL,
    N_("Self-test: longest allowed gap between frames during the solve, in ms (default: report only)"), N_("MS") },
  { "expect-tiles", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, NULL,
    N_("Self-test: the image must be solved in tiles, with a tile preview before the end"), NULL },
  { "max-rss", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_DOUBLE, NULL,
    N_("Self-test: largest allowed peak memory, in MB (default: report only)"), N_("MB") },
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
  return self->self_test_status;
}

/* --- self-test ----------------------------------------------------------------------- */

/* The process's peak resident memory (VmHWM), in MB; NAN where unknown. */
static double
peak_rss_mb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return NAN;
  line = strstr (status, "VmHWM:");
  if (line == NULL)
    return NAN;
  return g_ascii_strtod (line + strlen ("VmHWM:"), NULL) / 1024.0;
}

static void
self_test_free (SelfTest *test)
{
  g_clear_handle_id (&test->cancel_poll_id, g_source_remove);
  g_clear_object (&test->window);
  g_free (test->screenshot);
  g_free (test->page);
  g_free (test);
}

static gboolean
save_screenshot (GtkWidget *widget, const char *path, GError **error)
{
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr (GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);

  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_to_node (snapshot);
  if (node == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the window drew nothing");
      return FALSE;
    }
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  if (!gdk_texture_save_to_png (texture, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: could not write the screenshot", path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
self_test_finish (gpointer user_data)
{
  TsApplication *self = user_data;
  SelfTest *test = self->self_test;
  const TsJobResult *result = ts_window_get_result (test->window);
  guint previews = ts_window_get_n_previews_drawn (test->window);
  double gap_ms = test->max_gap_us / 1000.0;
  gboolean ok = test->run_ok && result != NULL;
  g_autoptr (GError) error = NULL;

  if (test->cancel_after > 0)
    {
      /* The run must have ended by the Cancel action, with the window ready to run again. */
      ok = !test->run_ok && ts_window_get_cancelled (test->window)
           && previews >= (guint) test->cancel_after;
      if (test->screenshot != NULL && !save_screenshot (GTK_WIDGET (test->window), test->screenshot, &error))
        ok = FALSE;
      printf ("self-test: %s; cancelled after %u live previews, longest frame gap %.1f ms\n",
              ok ? "passed" : "FAILED", previews, gap_ms);
      fflush (stdout);
      self->self_test_status = ok ? 0 : 1;
      gtk_window_destroy (GTK_WINDOW (test->window));
      g_application_quit (G_APPLICATION (self));
      return G_SOURCE_REMOVE;
    }
  if (ok && test->repeat && !result->warm_started)
    {
      fprintf (stderr, "self-test: the second run did not warm-start\n");
      ok = FALSE;
    }
  if (ok && previews < (guint) test->min_previews + 1)
    {
      /* The final result is one more texture drawn; previews are the ones before it. */
      fprintf (stderr, "self-test: only %u live previews drawn, expected at least %d\n",
               previews > 0 ? previews - 1 : 0, test->min_previews);
      ok = FALSE;
    }
  if (ok && test->expect_tiles)
    {
      double first = ts_window_get_first_tile_seconds (test->window);
      double total = (test->finished_us - test->started_us) / 1e6;
      if (!result->tiled || !isfinite (first))
        {
          fprintf (stderr, "self-test: the picture was not solved in tiles with a region preview\n");
          ok = FALSE;
        }
      printf ("self-test: %dx%d in tiles; first region preview after %.2f s, full result after %.2f s\n",
              result->result->width, result->result->height, first, total);
    }
  if (ok || test->max_rss_mb > 0)
    {
      double rss = peak_rss_mb ();
      printf ("self-test: peak resident memory (VmHWM) %.0f MB\n", rss);
      if (test->max_rss_mb > 0 && !(rss <= test->max_rss_mb))
        {
          fprintf (stderr, "self-test: peak memory %.0f MB above the limit of %.0f MB\n", rss,
                   test->max_rss_mb);
          ok = FALSE;
        }
    }
  /* Without ground truth (an opened noisy photo) there is no PSNR to compare. */
  if (ok && (isfinite (result->psnr) || isfinite (result->input_psnr))
      && !(result->psnr > result->input_psnr))
    {
      fprintf (stderr, "self-test: result PSNR %.3f dB does not beat the input's %.3f dB\n",
               result->psnr, result->input_psnr);
      ok = FALSE;
    }
  if (ok && test->max_frame_gap_ms > 0 && gap_ms > test->max_frame_gap_ms)
    {
      fprintf (stderr, "self-test: the main loop stalled %.1f ms (limit %.1f ms)\n", gap_ms,
               test->max_frame_gap_ms);
      ok = FALSE;
    }
  if (test->screenshot != NULL && !save_screenshot (GTK_WIDGET (test->window), test->screenshot, &error))
    {
      fprintf (stderr, "self-test: %s\n", error->message);
      ok = FALSE;
    }
  if (result != NULL)
    printf ("self-test: %s; %d iterations%s, %u live previews drawn, PSNR %.3f dB (input %.3f dB), "
            "SSIM %.4f (input %.4f), %u frames during the solve, longest frame gap %.1f ms\n",
            ok ? "passed" : "FAILED", result->stats.iterations,
            result->warm_started ? " (warm start)" : "", previews > 0 ? previews - 1 : 0,
            result->psnr, result->input_psnr, result->ssim, result->input_ssim, test->n_ticks, gap_ms);
  else
    printf ("self-test: FAILED; the run did not finish\n");
  fflush (stdout);
  self->self_test_status = ok ? 0 : 1;
  gtk_window_destroy (GTK_WINDOW (test->window));
  g_application_quit (G_APPLICATION (self));
  return G_SOURCE_REMOVE;
}

static gboolean
self_test_show_page (gpointer user_data)
{
  TsApplication *self = user_data;
  SelfTest *test = self->self_test;

  if (g_strcmp0 (test->page, "atoms") == 0)
    {
      ts_window_show_page (test->window, "atoms");
      ts_window_select_atom (test->window, test->atom);
    }
  /* Let the last frame be drawn before the screenshot. */
  g_timeout_add (400, self_test_finish, self);
  return G_SOURCE_REMOVE;
}

static gboolean
on_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  SelfTest *test = user_data;
  gint64 now = g_get_monotonic_time ();

  /* The wall-clock gap between frame-clock ticks: how long the main loop was unable to
   * draw. */
  if (test->last_tick_us != 0)
    test->max_gap_us = MAX (test->max_gap_us, now - test->last_tick_us);
  test->last_tick_us = now;
  test->n_ticks++;
  return G_SOURCE_CONTINUE;
}

static void
on_self_test_run_finished (TsWindow *window, gboolean ok, gpointer user_data)
{
  TsApplication *self = user_data;
  SelfTest *test = self->self_test;

  test->runs_done++;
  test->finished_us = g_get_monotonic_time ();
  if (ok && test->repeat && test->runs_done == 1)
    {
      /* The same document and task again: the window warm-starts from the first run. */
      if (ts_window_run (window))
        return;
    }
  if (test->tick_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (window), test->tick_id);
  test->tick_id = 0;
  g_clear_handle_id (&test->cancel_poll_id, g_source_remove);
  test->run_ok = ok;
  g_timeout_add (200, self_test_show_page, self);
}

static gboolean
poll_cancel (gpointer user_data)
{
  SelfTest *test = user_data;

  if (ts_window_get_n_previews_drawn (test->window) < (guint) test->cancel_after)
    return G_SOURCE_CONTINUE;
  /* As Escape or the Cancel button would. */
  gtk_widget_activate_action (GTK_WIDGET (test->window), "win.cancel", NULL);
  test->cancel_poll_id = 0;
  return G_SOURCE_REMOVE;
}

static gboolean
self_test_start (gpointer user_data)
{
  TsApplication *self = user_data;
  SelfTest *test = self->self_test;

  if (test->cancel_after > 0)
    test->cancel_poll_id = g_timeout_add (10, poll_cancel, test);

  g_signal_connect (test->window, "run-finished", G_CALLBACK (on_self_test_run_finished), self);
  test->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (test->window), on_tick, test, NULL);
  test->started_us = g_get_monotonic_time ();
  if (!ts_window_run (test->window))
    {
      test->run_ok = FALSE;
      g_timeout_add (0, self_test_finish, self);
    }
  return G_SOURCE_REMOVE;
}

static void
self_test_schedule (TsWindow *window, gpointer user_data)
{
  g_signal_handlers_disconnect_by_func (window, self_test_schedule, user_data);
  g_timeout_add (500, self_test_start, user_data);
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
  const char *task = NULL, *model = NULL, *self_test = NULL, *page = NULL;
  double sigma, tol, max_gap = 0.0, max_rss = 0.0;
  int max_iter, demo_size = DEFAULT_DEMO_SIZE, atom = 0, min_previews = 3, cancel_after = 0;
  gboolean simulate = FALSE, run = FALSE, repeat = FALSE, expect_tiles = FALSE, new_window;
  TsWindow *window;

  g_variant_dict_lookup (options, G_OPTION_REMAINING, "^a&ay", &files);
  g_variant_dict_lookup (options, "task", "&s", &task);
  g_variant_dict_lookup (options, "model", "^&ay", &model);
  g_variant_dict_lookup (options, "self-test", "^&ay", &self_test);
  g_variant_dict_lookup (options, "page", "&s", &page);
  g_variant_dict_lookup (options, "demo-size", "i", &demo_size);
  g_variant_dict_lookup (options, "atom", "i", &atom);
  g_variant_dict_lookup (options, "min-previews", "i", &min_previews);
  g_variant_dict_lookup (options, "max-frame-gap", "d", &max_gap);
  g_variant_dict_lookup (options, "simulate", "b", &simulate);
  g_variant_dict_lookup (options, "run", "b", &run);
  g_variant_dict_lookup (options, "cancel-after", "i", &cancel_after);
  g_variant_dict_lookup (options, "repeat", "b", &repeat);
  g_variant_dict_lookup (options, "expect-tiles", "b", &expect_tiles);
  g_variant_dict_lookup (options, "max-rss", "d", &max_rss);

  if (task != NULL && g_strcmp0 (task, "denoise") != 0 && g_strcmp0 (task, "sr") != 0
      && g_strcmp0 (task, "mri") != 0)
    {
      g_application_command_line_printerr (cmdline, _("Unknown task “%s”: use denoise, sr or mri\n"), task);
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

  if (task != NULL)
    ts_window_set_task (window, g_str_equal (task, "sr") ? TS_TASK_SR
                                : g_str_equal (task, "mri") ? TS_TASK_MRI : TS_TASK_DENOISE);
  if (g_variant_dict_lookup (options, "sigma", "d", &sigma))
    ts_window_set_noise_level (window, sigma);
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
      SelfTest *test = g_new0 (SelfTest, 1);
      test->window = g_object_ref (window);
      test->screenshot = self_test[0] != '\0' ? g_strdup (self_test) : NULL;
      test->page = g_strdup (page != NULL ? page : "restore");
      test->atom = atom;
      test->min_previews = min_previews;
      test->max_frame_gap_ms = max_gap;
      test->cancel_after = cancel_after;
      test->repeat = repeat;
      test->expect_tiles = expect_tiles;
      test->max_rss_mb = max_rss;
      g_clear_pointer (&self->self_test, self_test_free);
      self->self_test = test;
      /* Give the window time to map and draw its first frames; an opened file is loaded
       * on a thread, so its test starts when the document is there. */
      if (files != NULL && files[0] != NULL)
        g_signal_connect (window, "document-changed", G_CALLBACK (self_test_schedule), self);
      else
        g_timeout_add (500, self_test_start, self);
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
  static const struct {
    const char *action;
    const char *accels[4];
  } accels[] = {
    { "win.open", { "<Control>o", NULL } },
    { "win.save-result", { "<Control>s", NULL } },
    { "win.run", { "<Control>r", NULL } },
    { "win.cancel", { "Escape", NULL } },
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

  g_clear_pointer (&self->self_test, self_test_free);
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
  self->self_test_status = -1;
  self->settings = create_settings ();
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Restore images with learned smooth-plus-sparse patch models."));
}
