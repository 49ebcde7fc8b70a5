/* The self-test. */
#include "ts-self-test.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>

struct _TsSelfTest {
  GObject parent_instance;

  GApplication *application;
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
  char *expect_recent;     /* a file the recent files menu must list, or NULL */
  char *expect_estimate;   /* "LO:HI": the estimate shown when the picture opened, or NULL */
  char *estimate_text;     /* what the noise control said then */
  double estimate_level;   /* the noise level in use then */
  gint64 started_us, finished_us;
  char *save_jpeg;         /* save the result there as JPEG at the end, and check it; or NULL */
  gboolean saved;          /* the save is done ... */
  gboolean save_ok;        /* ... and its file checked */
  int escape_after;        /* press Escape after this many previews; 0 = never */
  guint escape_poll_id;
  guint escape_shortcuts;  /* shortcuts the Escape press activated */
  int status;
};

G_DEFINE_FINAL_TYPE (TsSelfTest, ts_self_test, G_TYPE_OBJECT)

static const GOptionEntry option_entries[] = {
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
  { "expect-recent", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, NULL,
    N_("Self-test: the recent files menu must list FILE at the end"), N_("FILE") },
  { "expect-estimate", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, NULL,
    N_("Self-test: the opened picture’s estimated noise level, shown and used, must be in LO:HI"),
    N_("LO:HI") },
  { "save-jpeg", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, NULL,
    N_("Self-test: save the result as JPEG to FILE at the end; it must decode at the result’s size"),
    N_("FILE") },
  { "press-escape-after", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, NULL,
    N_("Self-test: press Escape after N live previews; the run must still finish"), N_("N") },
  G_OPTION_ENTRY_NULL
};

void
ts_self_test_add_option_entries (GApplication *application)
{
  g_return_if_fail (G_IS_APPLICATION (application));
  g_application_add_main_option_entries (application, option_entries);
}

TsSelfTest *
ts_self_test_new_from_options (GVariantDict *options)
{
  const char *screenshot = NULL, *page = NULL, *expect_recent = NULL, *save_jpeg = NULL;
  TsSelfTest *self;

  if (!g_variant_dict_lookup (options, "self-test", "^&ay", &screenshot))
    return NULL;
  self = g_object_new (TS_TYPE_SELF_TEST, NULL);
  g_variant_dict_lookup (options, "page", "&s", &page);
  g_variant_dict_lookup (options, "atom", "i", &self->atom);
  g_variant_dict_lookup (options, "min-previews", "i", &self->min_previews);
  g_variant_dict_lookup (options, "max-frame-gap", "d", &self->max_frame_gap_ms);
  g_variant_dict_lookup (options, "cancel-after", "i", &self->cancel_after);
  g_variant_dict_lookup (options, "repeat", "b", &self->repeat);
  g_variant_dict_lookup (options, "expect-tiles", "b", &self->expect_tiles);
  g_variant_dict_lookup (options, "max-rss", "d", &self->max_rss_mb);
  g_variant_dict_lookup (options, "expect-estimate", "s", &self->expect_estimate);
  if (g_variant_dict_lookup (options, "expect-recent", "^&ay", &expect_recent))
    self->expect_recent = g_strdup (expect_recent);
  if (g_variant_dict_lookup (options, "save-jpeg", "^&ay", &save_jpeg))
    self->save_jpeg = g_strdup (save_jpeg);
  g_variant_dict_lookup (options, "press-escape-after", "i", &self->escape_after);
  self->screenshot = screenshot[0] != '\0' ? g_strdup (screenshot) : NULL;
  self->page = g_strdup (page != NULL ? page : "restore");
  return self;
}

int
ts_self_test_get_status (TsSelfTest *self)
{
  g_return_val_if_fail (TS_IS_SELF_TEST (self), -1);
  return self->status;
}

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

static void
quit (TsSelfTest *self, gboolean ok)
{
  self->status = ok ? 0 : 1;
  gtk_window_destroy (GTK_WINDOW (self->window));
  g_application_quit (self->application);
}

/* The run must have ended by the Stop action (win.cancel), with the window ready to run
 * again and the estimate so far kept as the result (and, with --save-jpeg, written). */
static void
finish_cancelled (TsSelfTest *self, guint previews, double gap_ms)
{
  g_autoptr (GError) error = NULL;
  const TsJobResult *result = ts_window_get_result (self->window);
  gboolean ok = self->run_ok && ts_window_get_cancelled (self->window)
                && previews >= (guint) self->cancel_after;

  if (ok && (result == NULL || !result->stopped || result->result == NULL))
    {
      fprintf (stderr, "self-test: Stop did not keep the estimate as the result\n");
      ok = FALSE;
    }
  if (ok && self->save_jpeg != NULL && !self->save_ok)
    ok = FALSE;

  if (self->screenshot != NULL && !save_screenshot (GTK_WIDGET (self->window), self->screenshot, &error))
    ok = FALSE;
  printf ("self-test: %s; cancelled after %u live previews, longest frame gap %.1f ms\n",
          ok ? "passed" : "FAILED", previews, gap_ms);
  fflush (stdout);
  quit (self, ok);
}

static gboolean
finish (gpointer user_data)
{
  TsSelfTest *self = user_data;
  const TsJobResult *result = ts_window_get_result (self->window);
  guint previews = ts_window_get_n_previews_drawn (self->window);
  double gap_ms = self->max_gap_us / 1000.0;
  gboolean ok = self->run_ok && result != NULL;
  g_autoptr (GError) error = NULL;

  if (self->cancel_after > 0)
    {
      finish_cancelled (self, previews, gap_ms);
      return G_SOURCE_REMOVE;
    }
  if (ok && self->repeat && !result->warm_started)
    {
      fprintf (stderr, "self-test: the second run did not warm-start\n");
      ok = FALSE;
    }
  if (ok && previews < (guint) self->min_previews + 1)
    {
      /* The final result is one more texture drawn; previews are the ones before it. */
      fprintf (stderr, "self-test: only %u live previews drawn, expected at least %d\n",
               previews > 0 ? previews - 1 : 0, self->min_previews);
      ok = FALSE;
    }
  if (ok && self->expect_tiles)
    {
      double first = ts_window_get_first_tile_seconds (self->window);
      double total = (self->finished_us - self->started_us) / 1e6;
      if (!result->tiled || !isfinite (first))
        {
          fprintf (stderr, "self-test: the picture was not solved in tiles with a region preview\n");
          ok = FALSE;
        }
      printf ("self-test: %dx%d in tiles; first region preview after %.2f s, full result after %.2f s\n",
              result->result->width, result->result->height, first, total);
    }
  if (ok || self->max_rss_mb > 0)
    {
      double rss = peak_rss_mb ();
      printf ("self-test: peak resident memory (VmHWM) %.0f MB\n", rss);
      if (self->max_rss_mb > 0 && !(rss <= self->max_rss_mb))
        {
          fprintf (stderr, "self-test: peak memory %.0f MB above the limit of %.0f MB\n", rss,
                   self->max_rss_mb);
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
  if (ok && self->max_frame_gap_ms > 0 && gap_ms > self->max_frame_gap_ms)
    {
      fprintf (stderr, "self-test: the main loop stalled %.1f ms (limit %.1f ms)\n", gap_ms,
               self->max_frame_gap_ms);
      ok = FALSE;
    }
  if (ok && self->expect_estimate != NULL)
    {
      double lo = 0, hi = -1, shown = NAN;
      const char *number;
      if (sscanf (self->expect_estimate, "%lf:%lf", &lo, &hi) != 2)
        hi = -1;
      /* The number the control shows, after its label's words (any language). */
      number = self->estimate_text != NULL ? strpbrk (self->estimate_text, "0123456789") : NULL;
      if (number != NULL)
        shown = g_ascii_strtod (number, NULL);
      printf ("self-test: noise control says “%s”; level in use %.1f\n",
              self->estimate_text != NULL ? self->estimate_text : "", self->estimate_level);
      if (!(shown >= lo && shown <= hi) || fabs (self->estimate_level - shown) > 0.051)
        {
          fprintf (stderr, "self-test: the estimate shown (%g) and used (%g) is not in %s\n", shown,
                   self->estimate_level, self->expect_estimate);
          ok = FALSE;
        }
    }
  if (ok && self->save_jpeg != NULL && !self->save_ok)
    ok = FALSE;
  if (ok && self->escape_after > 0)
    {
      printf ("self-test: Escape pressed during the run (%u shortcuts); the run finished\n",
              self->escape_shortcuts);
      if (ts_window_get_cancelled (self->window) || result->stopped)
        {
          fprintf (stderr, "self-test: Escape stopped the run\n");
          ok = FALSE;
        }
    }
  if (ok && self->expect_recent != NULL)
    {
      g_autoptr (GFile) file = g_file_new_for_commandline_arg (self->expect_recent);
      if (!ts_window_lists_recent (self->window, file))
        {
          fprintf (stderr, "self-test: the recent files menu does not list %s\n", self->expect_recent);
          ok = FALSE;
        }
      else
        printf ("self-test: the recent files menu lists %s\n", self->expect_recent);
    }
  if (self->screenshot != NULL && !save_screenshot (GTK_WIDGET (self->window), self->screenshot, &error))
    {
      fprintf (stderr, "self-test: %s\n", error->message);
      ok = FALSE;
    }
  if (result != NULL)
    printf ("self-test: %s; %d iterations%s, %u live previews drawn, PSNR %.3f dB (input %.3f dB), "
            "SSIM %.4f (input %.4f), %u frames during the solve, longest frame gap %.1f ms\n",
            ok ? "passed" : "FAILED", result->stats.iterations,
            result->warm_started ? " (warm start)" : "", previews > 0 ? previews - 1 : 0,
            result->psnr, result->input_psnr, result->ssim, result->input_ssim, self->n_ticks, gap_ms);
  else
    printf ("self-test: FAILED; the run did not finish\n");
  fflush (stdout);
  quit (self, ok);
  return G_SOURCE_REMOVE;
}

static gboolean
show_page (gpointer user_data)
{
  TsSelfTest *self = user_data;

  if (g_strcmp0 (self->page, "atoms") == 0)
    {
      ts_window_show_page (self->window, "atoms");
      ts_window_select_atom (self->window, self->atom);
    }
  /* Let the last frame be drawn before the screenshot. */
  g_timeout_add (400, finish, self);
  return G_SOURCE_REMOVE;
}

static gboolean
on_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  TsSelfTest *self = user_data;
  gint64 now = g_get_monotonic_time ();

  /* The wall-clock gap between frame-clock ticks: how long the main loop was unable to
   * draw. */
  if (self->last_tick_us != 0)
    self->max_gap_us = MAX (self->max_gap_us, now - self->last_tick_us);
  self->last_tick_us = now;
  self->n_ticks++;
  return G_SOURCE_CONTINUE;
}

/* The file must be a JPEG (its magic), decode (the core's reader) at the result's size
 * and channels, and be the result: nearer it than the input (the estimate, not the noisy
 * picture), and close to it (only JPEG's loss). */
static gboolean
check_jpeg (TsSelfTest *self, const char *path, gboolean partial)
{
  const TsJobResult *result = ts_window_get_result (self->window);
  g_autoptr (GError) error = NULL;
  g_autofree char *bytes = NULL;
  gsize length = 0;
  g_autoptr (TsImage) decoded = NULL;
  g_autoptr (TsImage) expected = NULL;
  double to_result, to_input;

  if (!g_file_get_contents (path, &bytes, &length, &error))
    {
      fprintf (stderr, "self-test: %s\n", error->message);
      return FALSE;
    }
  if (length < 4 || (guchar) bytes[0] != 0xFF || (guchar) bytes[1] != 0xD8 || (guchar) bytes[2] != 0xFF)
    {
      fprintf (stderr, "self-test: %s is not a JPEG file (no SOI marker)\n", path);
      return FALSE;
    }
  decoded = ts_image_load (path, &error);
  if (decoded == NULL)
    {
      fprintf (stderr, "self-test: %s does not decode: %s\n", path, error->message);
      return FALSE;
    }
  if (result == NULL || decoded->width != result->result->width
      || decoded->height != result->result->height || decoded->channels != result->result->channels)
    {
      fprintf (stderr, "self-test: %s is %d x %d x %d, the result %d x %d x %d\n", path,
               decoded->width, decoded->height, decoded->channels,
               result != NULL ? result->result->width : 0, result != NULL ? result->result->height : 0,
               result != NULL ? result->result->channels : 0);
      return FALSE;
    }
  expected = ts_image_copy (result->result);
  for (gsize i = 0; i < ts_image_n_values (expected); i++)
    expected->data[i] = CLAMP (expected->data[i], 0.0f, 1.0f);
  to_result = ts_psnr (decoded, expected, 0);
  to_input = ts_psnr (decoded, result->input, 0);
  printf ("self-test: saved %s, %d x %d x %d, PSNR %.2f dB to the result, %.2f dB to the input%s\n",
          path, decoded->width, decoded->height, decoded->channels, to_result, to_input,
          partial ? " (an unfinished estimate, said so)" : "");
  if (!(to_result >= 30.0 && to_result > to_input))
    {
      fprintf (stderr, "self-test: %s is not the result\n", path);
      return FALSE;
    }
  if (partial != (result->stopped != FALSE))
    {
      fprintf (stderr, "self-test: the window %s the saved result unfinished, but it %s\n",
               partial ? "called" : "did not call", result->stopped ? "is" : "is not");
      return FALSE;
    }
  return TRUE;
}

static void
on_saved (TsWindow *window, const char *path, gboolean ok, gboolean partial, gpointer user_data)
{
  TsSelfTest *self = user_data;

  g_signal_handlers_disconnect_by_func (window, on_saved, user_data);
  self->saved = TRUE;
  self->save_ok = ok && check_jpeg (self, path, partial);
  g_timeout_add (200, show_page, self);
}

static void
on_run_finished (TsWindow *window, gboolean ok, gpointer user_data)
{
  TsSelfTest *self = user_data;

  self->runs_done++;
  self->finished_us = g_get_monotonic_time ();
  if (ok && self->repeat && self->runs_done == 1)
    {
      /* The same document and task again: the window warm-starts from the first run. */
      if (ts_window_run (window))
        return;
    }
  if (self->tick_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (window), self->tick_id);
  self->tick_id = 0;
  g_clear_handle_id (&self->cancel_poll_id, g_source_remove);
  g_clear_handle_id (&self->escape_poll_id, g_source_remove);
  self->run_ok = ok;
  /* As Save would after its dialog: the result on screen, at the default quality. */
  if (ok && self->save_jpeg != NULL)
    {
      g_signal_connect (window, "saved", G_CALLBACK (on_saved), self);
      if (ts_window_save_panel (window, "result", self->save_jpeg, 0, 0))
        return;
      g_signal_handlers_disconnect_by_func (window, on_saved, self);
      fprintf (stderr, "self-test: the window had no result to save\n");
    }
  g_timeout_add (200, show_page, self);
}

static gboolean
poll_cancel (gpointer user_data)
{
  TsSelfTest *self = user_data;

  if (ts_window_get_n_previews_drawn (self->window) < (guint) self->cancel_after)
    return G_SOURCE_CONTINUE;
  /* As the Stop button would. */
  gtk_widget_activate_action (GTK_WIDGET (self->window), "win.cancel", NULL);
  self->cancel_poll_id = 0;
  return G_SOURCE_REMOVE;
}

static gboolean
trigger_is_escape (GtkShortcutTrigger *trigger, GtkShortcutTrigger *escape)
{
  if (GTK_IS_ALTERNATIVE_TRIGGER (trigger))
    return trigger_is_escape (gtk_alternative_trigger_get_first (GTK_ALTERNATIVE_TRIGGER (trigger)), escape)
           || trigger_is_escape (gtk_alternative_trigger_get_second (GTK_ALTERNATIVE_TRIGGER (trigger)), escape);
  return gtk_shortcut_trigger_equal (trigger, escape);
}

/* What Escape pressed in the window does at the window's level: every shortcut of its
 * controllers (the application's accelerators and the class bindings among them) that
 * Escape triggers is activated. GTK 4 has no public way to inject a key event. */
static guint
press_escape (GtkWidget *window)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (window);
  g_autoptr (GtkShortcutTrigger) escape = gtk_keyval_trigger_new (GDK_KEY_Escape, 0);
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GObject) controller = g_list_model_get_item (controllers, i);
      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr (GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          if (!trigger_is_escape (gtk_shortcut_get_trigger (shortcut), escape))
            continue;
          gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut), 0, window,
                                        gtk_shortcut_get_arguments (shortcut));
          n++;
        }
    }
  return n;
}

static gboolean
poll_escape (gpointer user_data)
{
  TsSelfTest *self = user_data;

  if (ts_window_get_n_previews_drawn (self->window) < (guint) self->escape_after)
    return G_SOURCE_CONTINUE;
  self->escape_shortcuts = press_escape (GTK_WIDGET (self->window));
  self->escape_poll_id = 0;
  return G_SOURCE_REMOVE;
}

static gboolean
begin (gpointer user_data)
{
  TsSelfTest *self = user_data;

  if (self->cancel_after > 0)
    self->cancel_poll_id = g_timeout_add (10, poll_cancel, self);
  if (self->escape_after > 0)
    self->escape_poll_id = g_timeout_add (10, poll_escape, self);

  g_signal_connect (self->window, "run-finished", G_CALLBACK (on_run_finished), self);
  self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self->window), on_tick, self, NULL);
  self->started_us = g_get_monotonic_time ();
  if (!ts_window_run (self->window))
    {
      self->run_ok = FALSE;
      g_timeout_add (0, finish, self);
    }
  return G_SOURCE_REMOVE;
}

static void
on_document_changed (TsWindow *window, gpointer user_data)
{
  TsSelfTest *self = user_data;

  g_signal_handlers_disconnect_by_func (window, on_document_changed, user_data);
  self->estimate_text = g_strdup (ts_window_get_noise_estimate_text (window));
  self->estimate_level = ts_window_get_noise_level (window);
  g_timeout_add (500, begin, user_data);
}

void
ts_self_test_start (TsSelfTest *self, GApplication *application, TsWindow *window,
                    gboolean wait_for_document)
{
  g_return_if_fail (TS_IS_SELF_TEST (self));
  g_return_if_fail (G_IS_APPLICATION (application));
  g_return_if_fail (TS_IS_WINDOW (window));
  g_return_if_fail (self->window == NULL);
  self->application = application;
  self->window = g_object_ref (window);
  /* Give the window time to map and draw its first frames; an opened file is loaded on a
   * thread, so its test starts when the document is there. */
  if (wait_for_document)
    g_signal_connect (window, "document-changed", G_CALLBACK (on_document_changed), self);
  else
    g_timeout_add (500, begin, self);
}

static void
ts_self_test_finalize (GObject *object)
{
  TsSelfTest *self = TS_SELF_TEST (object);

  g_clear_handle_id (&self->cancel_poll_id, g_source_remove);
  g_clear_handle_id (&self->escape_poll_id, g_source_remove);
  g_clear_object (&self->window);
  g_free (self->save_jpeg);
  g_free (self->screenshot);
  g_free (self->page);
  g_free (self->expect_recent);
  g_free (self->expect_estimate);
  g_free (self->estimate_text);
  G_OBJECT_CLASS (ts_self_test_parent_class)->finalize (object);
}

static void
ts_self_test_class_init (TsSelfTestClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ts_self_test_finalize;
}

static void
ts_self_test_init (TsSelfTest *self)
{
  self->min_previews = 3;
  self->status = -1;
}
