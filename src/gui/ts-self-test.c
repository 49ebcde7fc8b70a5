/* The self-test. */
#include "ts-self-test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gi18n.h>

#include "ts-noise-text.h"
#include "ts-tune-dialog.h"

struct _TsSelfTest {
  GObject parent_instance;

  GApplication *application;
  TsWindow *window;
  char *screenshot;        /* where to save the window, or NULL */
  char *page;              /* "restore" or "atoms" for the screenshot */
  int atom;                /* atom selected before an atoms screenshot */
  char *atoms_order;       /* the Atoms page's order for the screenshot, or NULL */
  gboolean check_atom_orders;   /* check the Atoms page's orders after the run */
  gboolean atom_orders_ok;
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
  char *expect_noise_model;   /* "gaussian" / "poisson-gaussian": the run's, or NULL */
  char *noise_after_open;     /* the noise model chosen once the picture is open, or NULL */
  gint64 started_us, finished_us;
  char *save_jpeg;         /* save the result there as JPEG at the end, and check it; or NULL */
  char *save_result;       /* ... or in the format of its name (float .npy / .tiff: exact) */
  gboolean saved;          /* the save is done ... */
  gboolean save_ok;        /* ... and its file checked */
  int escape_after;        /* press Escape after this many previews; 0 = never */
  guint escape_poll_id;
  guint escape_shortcuts;  /* shortcuts the Escape press activated */
  char *view;              /* the Restore page's view: "result" or "panels"; NULL: as it is */
  gboolean check_split;    /* after the run: the split at 100 % in two corners, the pan bounded */
  gboolean split_ok;
  gboolean expect_monotone;   /* a three-plane tiled run whose bar never goes back */
  gboolean running;           /* between Run and the run's end */
  double last_fraction;
  double max_step;            /* the largest step of the bar between two frames */
  guint n_fractions;          /* frames sampled during the run */
  gboolean fraction_went_back;
  int stop_after_tiles;    /* Stop once the bar has shown this many tiles done; 0 = never */
  guint stop_poll_id;
  gboolean expect_live_decomposition;   /* the decomposition's panels drawn before the end */
  guint live_decompositions, decompositions_drawn;   /* ... as they were when the run ended */
  gboolean live_stop_sent;    /* ... then Stop was pressed */
  double screenshot_scale;    /* the screenshots' size, relative to the window's */
  int window_width, window_height;   /* the window's size, or 0: its default */
  gboolean zoom_one;          /* the final screenshot at 1:1 about the picture's centre */
  char *mid_run_screenshot;   /* the window saved there once the bar says the time left */
  gboolean mid_run_saved;
  gboolean mid_run_ok;
  int split_step;
  char *tune_folder;       /* tune on this folder through the Tune dialog, or NULL */
  gboolean tune_stop;      /* ... pressing Stop once a point is scored */
  TsTuneDialog *tune_dialog;
  guint tune_progress;     /* progress the dialog's runner reported */
  gboolean tune_stop_sent;
  double tune_best_at_stop;
  int status;
};

G_DEFINE_FINAL_TYPE (TsSelfTest, ts_self_test, G_TYPE_OBJECT)

static const GOptionEntry option_entries[] = {
  { "self-test", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, NULL,
    N_("Run once, check the previews and the PSNR, save a screenshot to FILE and quit"), N_("FILE") },
  { "page", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, NULL, N_("Page shown for the self-test screenshot: restore or atoms"), N_("PAGE") },
  { "atom", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, NULL, N_("Atom selected for an atoms screenshot"), N_("INDEX") },
  { "atoms-order", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, NULL,
    N_("Self-test: the Atoms page’s order, threshold, usage or orientation"), N_("ORDER") },
  { "check-atom-orders", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, NULL,
    N_("Self-test: after the run, the Atoms page’s orders must sort the atoms by threshold, by orientation and by use on the result"), NULL },
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
  { "expect-noise-model", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, NULL,
    N_("Self-test: the run must denoise with this noise model, gaussian or poisson-gaussian, at the strengths the controls say, and the window must show the reading and the levels solved at"),
    N_("MODEL") },
  { "noise-after-open", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, NULL,
    N_("Self-test: choose this noise model once the picture is open (read for --noise's): the window must read the rest of its noise"),
    N_("MODEL") },
  { "save-jpeg", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, NULL,
    N_("Self-test: save the result as JPEG to FILE at the end; it must decode at the result’s size"),
    N_("FILE") },
  { "save-result", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, NULL,
    N_("Self-test: save the result to FILE at the end, in the format its name says (.npy or .tiff: 32-bit float); a float file must hold the result exactly"),
    N_("FILE") },
  { "press-escape-after", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, NULL,
    N_("Self-test: press Escape after N live previews; the run must still finish"), N_("N") },
  { "view", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, NULL,
    N_("Self-test: the Restore page’s view, result or panels"), N_("VIEW") },
  { "check-split", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, NULL,
    N_("Self-test: after the run, the before/after split’s line and labels must stay in the view at 1:1 in the picture’s corners, and the pan bounded"), NULL },
  { "expect-monotone-progress", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, NULL,
    N_("Self-test: a colour picture solved in tiles; the progress bar must never go back"), NULL },
  { "stop-after-tiles", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, NULL,
    N_("Self-test: press Stop once N tiles are done; the finished tiles must be kept"), N_("N") },
  { "expect-live-decomposition", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, NULL,
    N_("Self-test: the smooth, sparse and cost panels must be updated before the run ends"), NULL },
  { "screenshot-mid-run", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, NULL,
    N_("Self-test: save the window to FILE during the run, once the time remaining is shown"), N_("FILE") },
  { "screenshot-scale", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_DOUBLE, NULL,
    N_("Self-test: the screenshots’ size relative to the window’s (default 1)"), N_("SCALE") },
  { "window-size", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, NULL,
    N_("Self-test: the window’s size, WIDTHxHEIGHT (default: as the settings say)"), N_("SIZE") },
  { "zoom-one", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, NULL,
    N_("Self-test: the final screenshot at 1:1 about the picture’s centre"), NULL },
  { "tune-folder", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, NULL,
    N_("Self-test: tune super-resolution on FOLDER through the Tune dialog, save the model and check that the model and preset menus choose it"),
    N_("FOLDER") },
  { "tune-stop", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, NULL,
    N_("Self-test: with --tune-folder, press Stop once a point is scored; the best so far must be kept"),
    NULL },
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
  g_variant_dict_lookup (options, "atoms-order", "s", &self->atoms_order);
  g_variant_dict_lookup (options, "check-atom-orders", "b", &self->check_atom_orders);
  g_variant_dict_lookup (options, "min-previews", "i", &self->min_previews);
  g_variant_dict_lookup (options, "max-frame-gap", "d", &self->max_frame_gap_ms);
  g_variant_dict_lookup (options, "cancel-after", "i", &self->cancel_after);
  g_variant_dict_lookup (options, "repeat", "b", &self->repeat);
  g_variant_dict_lookup (options, "expect-tiles", "b", &self->expect_tiles);
  g_variant_dict_lookup (options, "max-rss", "d", &self->max_rss_mb);
  g_variant_dict_lookup (options, "expect-estimate", "s", &self->expect_estimate);
  g_variant_dict_lookup (options, "expect-noise-model", "s", &self->expect_noise_model);
  g_variant_dict_lookup (options, "noise-after-open", "s", &self->noise_after_open);
  if (g_variant_dict_lookup (options, "expect-recent", "^&ay", &expect_recent))
    self->expect_recent = g_strdup (expect_recent);
  if (g_variant_dict_lookup (options, "save-jpeg", "^&ay", &save_jpeg))
    self->save_jpeg = g_strdup (save_jpeg);
  else if (g_variant_dict_lookup (options, "save-result", "^&ay", &save_jpeg))
    self->save_result = g_strdup (save_jpeg);
  g_variant_dict_lookup (options, "press-escape-after", "i", &self->escape_after);
  g_variant_dict_lookup (options, "view", "s", &self->view);
  {
    const char *tune_folder = NULL;
    if (g_variant_dict_lookup (options, "tune-folder", "^&ay", &tune_folder))
      self->tune_folder = g_strdup (tune_folder);
    g_variant_dict_lookup (options, "tune-stop", "b", &self->tune_stop);
  }
  g_variant_dict_lookup (options, "screenshot-scale", "d", &self->screenshot_scale);
  g_variant_dict_lookup (options, "zoom-one", "b", &self->zoom_one);
  {
    const char *size = NULL;
    if (g_variant_dict_lookup (options, "window-size", "&s", &size)
        && (sscanf (size, "%dx%d", &self->window_width, &self->window_height) != 2
            || self->window_width < 200 || self->window_height < 200))
      self->window_width = self->window_height = 0;
  }
  if (!(self->screenshot_scale > 0.05 && self->screenshot_scale <= 1.0))
    self->screenshot_scale = 1.0;
  g_variant_dict_lookup (options, "check-split", "b", &self->check_split);
  g_variant_dict_lookup (options, "expect-monotone-progress", "b", &self->expect_monotone);
  g_variant_dict_lookup (options, "stop-after-tiles", "i", &self->stop_after_tiles);
  g_variant_dict_lookup (options, "expect-live-decomposition", "b", &self->expect_live_decomposition);
  {
    const char *mid_run = NULL;
    if (g_variant_dict_lookup (options, "screenshot-mid-run", "^&ay", &mid_run))
      self->mid_run_screenshot = g_strdup (mid_run);
  }
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

/* The widget as it is drawn now, rendered with the window's renderer, scaled by `scale`. */
static GdkTexture *
render_widget (GtkWidget *widget, double scale)
{
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr (GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr (GskRenderNode) node = NULL;
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  int sw = (int) floor (w * scale), sh = (int) floor (h * scale);

  if (scale != 1.0)
    gtk_snapshot_scale (snapshot, (float) scale, (float) scale);
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_to_node (snapshot);
  if (node == NULL)
    return NULL;
  return gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)), node,
                                      &GRAPHENE_RECT_INIT (0, 0, sw, sh));
}

static gboolean
save_screenshot (GtkWidget *widget, const char *path, double scale, GError **error)
{
  g_autoptr (GdkTexture) texture = render_widget (widget, scale);

  if (texture == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the window drew nothing");
      return FALSE;
    }
  if (!gdk_texture_save_to_png (texture, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: could not write the screenshot", path);
      return FALSE;
    }
  return TRUE;
}

/* A texture's pixels, 4 bytes each (GDK_MEMORY_DEFAULT). */
static guchar *
download (GdkTexture *texture, gsize *stride)
{
  int w = gdk_texture_get_width (texture), h = gdk_texture_get_height (texture);
  guchar *pixels = g_malloc ((gsize) w * h * 4);

  *stride = (gsize) w * 4;
  gdk_texture_download (texture, pixels, *stride);
  return pixels;
}

typedef struct {
  const guchar *pixels;
  gsize stride;
  int width, height;
} Pixels;

/* Mean absolute difference (0-255, colour bytes) between the view's pixels in [x0, x1) x
 * [y0, y1) and the picture's under them, the picture's top-left corner at (ox, oy) in the view
 * (at 100 %). */
static double
region_difference (const Pixels *view, const Pixels *picture, int x0, int x1, int y0, int y1,
                   int ox, int oy)
{
  double sum = 0.0;
  gsize n = 0;

  for (int y = y0; y < y1; y += 3)
    for (int x = x0; x < x1; x += 3)
      {
        int ix = x - ox, iy = y - oy;
        if (ix < 0 || iy < 0 || ix >= picture->width || iy >= picture->height)
          continue;
        const guchar *a = view->pixels + (gsize) y * view->stride + (gsize) x * 4;
        const guchar *b = picture->pixels + (gsize) iy * picture->stride + (gsize) ix * 4;
        for (int c = 0; c < 3; c++)
          sum += abs ((int) a[c] - (int) b[c]);
        n += 3;
      }
  return n > 0 ? sum / n : INFINITY;
}

static gboolean
rect_inside (const graphene_rect_t *r, int w, int h)
{
  return r->origin.x >= 0 && r->origin.y >= 0 && r->origin.x + r->size.width <= w
         && r->origin.y + r->size.height <= h && r->size.width > 0 && r->size.height > 0;
}

/* At 100 % with the pan pushed to a corner (top-left, or bottom-right): the pan stops at the
 * picture's corner; the split's line and both labels are inside the view, the labels on
 * their sides; left of the line the view shows the input, right of it the result (rendered
 * pixels against the two textures). */
static gboolean
check_corner (TsSelfTest *self, gboolean top_left)
{
  TsRestorePage *page = ts_window_get_restore_page (self->window);
  TsImageView *view = ts_restore_page_get_large_view (page);
  TsViewTransform *transform = ts_restore_page_get_transform (page);
  GtkWidget *widget = GTK_WIDGET (view);
  GdkTexture *after = ts_image_view_get_texture (view);
  GdkTexture *before = ts_image_view_get_compare_texture (view);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  const char *corner = top_left ? "top-left" : "bottom-right";
  graphene_rect_t before_rect, after_rect;
  double zoom, cx, cy, line = NAN, ox, oy;
  int tw, th;

  if (after == NULL || before == NULL)
    {
      fprintf (stderr, "self-test: the large view has no before/after split\n");
      return FALSE;
    }
  tw = gdk_texture_get_width (after);
  th = gdk_texture_get_height (after);
  zoom = ts_view_transform_get_zoom (transform);
  ts_view_transform_get_center (transform, &cx, &cy);
  ox = w / 2.0 - cx * zoom;
  oy = h / 2.0 - cy * zoom;
  printf ("self-test: %s corner at %.0f %%: view %d x %d, picture %d x %d at (%.1f, %.1f)\n",
          corner, zoom * 100.0, w, h, tw, th, ox, oy);
  if (zoom != 1.0 || tw <= w || th <= h)
    {
      fprintf (stderr, "self-test: the split test needs a picture larger than the view at 100 %%\n");
      return FALSE;
    }
  /* Bounded: the picture still covers the view, its corner at the view's. */
  if (top_left ? (fabs (ox) > 0.01 || fabs (oy) > 0.01)
               : (fabs (ox + tw - w) > 0.01 || fabs (oy + th - h) > 0.01))
    {
      fprintf (stderr, "self-test: panning to the %s corner left the picture (origin %.1f, %.1f)\n",
               corner, ox, oy);
      return FALSE;
    }
  if (!ts_image_view_get_split_geometry (view, &line, &before_rect, &after_rect))
    {
      fprintf (stderr, "self-test: no split shown in the %s corner\n", corner);
      return FALSE;
    }
  printf ("self-test: line at x = %.0f; “Before” at (%.0f, %.0f) %.0f x %.0f, “After” at (%.0f, %.0f) %.0f x %.0f\n",
          line, before_rect.origin.x, before_rect.origin.y, before_rect.size.width,
          before_rect.size.height, after_rect.origin.x, after_rect.origin.y, after_rect.size.width,
          after_rect.size.height);
  if (!(line >= 0.05 * w && line <= 0.95 * w))
    {
      fprintf (stderr, "self-test: the split's line (x = %.0f) is not well inside the view (0 to %d)\n", line, w);
      return FALSE;
    }
  if (!rect_inside (&before_rect, w, h) || !rect_inside (&after_rect, w, h)
      || before_rect.origin.x + before_rect.size.width > line || after_rect.origin.x < line)
    {
      fprintf (stderr, "self-test: the split's labels are outside the view or on the wrong side\n");
      return FALSE;
    }

  g_autoptr (GdkTexture) drawn = render_widget (widget, 1.0);
  if (drawn == NULL || gdk_texture_get_width (drawn) != w || gdk_texture_get_height (drawn) != h)
    {
      fprintf (stderr, "self-test: the large view did not render at its size\n");
      return FALSE;
    }
  gsize vs, bs, as;
  g_autofree guchar *vp = download (drawn, &vs);
  g_autofree guchar *bp = download (before, &bs);
  g_autofree guchar *ap = download (after, &as);
  Pixels v = { vp, vs, w, h }, b = { bp, bs, tw, th }, a = { ap, as, tw, th };
  int y0 = (int) MAX (before_rect.origin.y + before_rect.size.height,
                      after_rect.origin.y + after_rect.size.height) + 4;
  int x_line = (int) line;
  double left_before = region_difference (&v, &b, 4, x_line - 4, y0, h - 4, (int) ox, (int) oy);
  double left_after = region_difference (&v, &a, 4, x_line - 4, y0, h - 4, (int) ox, (int) oy);
  double right_after = region_difference (&v, &a, x_line + 4, w - 4, y0, h - 4, (int) ox, (int) oy);
  double right_before = region_difference (&v, &b, x_line + 4, w - 4, y0, h - 4, (int) ox, (int) oy);
  printf ("self-test: left of the line %.2f from the input (%.2f from the result), right %.2f "
          "from the result (%.2f from the input)\n", left_before, left_after, right_after, right_before);
  if (!(left_before < 2.0 && left_before < left_after && right_after < 2.0 && right_after < right_before))
    {
      fprintf (stderr, "self-test: in the %s corner the view does not show the input left of the "
               "line and the result right of it\n", corner);
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
  if (ok && (self->save_jpeg != NULL || self->save_result != NULL) && !self->save_ok)
    ok = FALSE;

  if (self->screenshot != NULL && !save_screenshot (GTK_WIDGET (self->window), self->screenshot, self->screenshot_scale, &error))
    ok = FALSE;
  printf ("self-test: %s; cancelled after %u live previews, longest frame gap %.1f ms\n",
          ok ? "passed" : "FAILED", previews, gap_ms);
  fflush (stdout);
  quit (self, ok);
}

/* Stop once tiles were done: the run ends stopped, in tiles, and its result has the finished
 * tiles (pixels changed from the input over at least their area), not the input alone. */
static void
finish_stopped_tiles (TsSelfTest *self)
{
  g_autoptr (GError) error = NULL;
  const TsJobResult *result = ts_window_get_result (self->window);
  int tiles = ts_progress_view_get_tiles_done (ts_window_get_progress_view (self->window));
  gboolean ok = self->run_ok && ts_window_get_cancelled (self->window);
  gsize changed = 0, n = 0;

  if (ok && (result == NULL || !result->stopped || !result->tiled || result->result == NULL
             || result->input == NULL))
    {
      fprintf (stderr, "self-test: Stop did not keep a tiled estimate as the result\n");
      ok = FALSE;
    }
  if (ok)
    {
      const TsImage *r = result->result, *in = result->input;
      n = (gsize) r->width * r->height;
      for (gsize p = 0; p < n; p++)
        {
          gboolean differs = FALSE;
          for (int c = 0; c < MIN (r->channels, in->channels); c++)
            differs |= fabsf (r->data[p * r->channels + c] - in->data[p * in->channels + c]) > 2.0f / 255.0f;
          changed += differs;
        }
      printf ("self-test: stopped after %d tiles done; %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
              " pixels restored in the result kept\n", tiles, changed, n);
      /* A tile's core is at least 64 x 64 pixels. */
      if (tiles < self->stop_after_tiles || changed < (gsize) self->stop_after_tiles * 64 * 64)
        {
          fprintf (stderr, "self-test: the finished tiles were not kept\n");
          ok = FALSE;
        }
    }
  if (self->screenshot != NULL && !save_screenshot (GTK_WIDGET (self->window), self->screenshot, self->screenshot_scale, &error))
    ok = FALSE;
  printf ("self-test: %s; stopped in tiles\n", ok ? "passed" : "FAILED");
  fflush (stdout);
  quit (self, ok);
}

static gboolean show_page (gpointer user_data);

/* After the run: the large view at 100 %, panned past the top-left corner with the split
 * at 0.9, then past the bottom-right one with the split at 0.1 (where a line placed in the
 * picture's coordinates would fall outside the view), each checked once drawn. */
static gboolean
check_split_step (gpointer user_data)
{
  TsSelfTest *self = user_data;
  TsRestorePage *page = ts_window_get_restore_page (self->window);
  TsImageView *view = ts_restore_page_get_large_view (page);
  TsViewTransform *transform = ts_restore_page_get_transform (page);

  switch (self->split_step++)
    {
    case 0:
      self->split_ok = TRUE;
      ts_restore_page_show_view (page, "result");
      ts_image_view_set_split (view, 0.9);
      ts_view_transform_set (transform, 1.0, -1e6, -1e6);
      return G_SOURCE_CONTINUE;
    case 1:
      self->split_ok = check_corner (self, TRUE);
      ts_image_view_set_split (view, 0.1);
      ts_view_transform_set (transform, 1.0, 1e6, 1e6);
      return G_SOURCE_CONTINUE;
    default:
      self->split_ok = self->split_ok && check_corner (self, FALSE);
      /* Back to the fitted view with the split in the middle for the screenshot. */
      ts_image_view_set_split (view, 0.5);
      ts_restore_page_zoom_fit (page);
      g_timeout_add (200, show_page, self);
      return G_SOURCE_REMOVE;
    }
}

/* What follows a run: the split's checks when asked, then the page for the screenshot. */
static void
after_run (TsSelfTest *self)
{
  if (self->check_split && self->run_ok)
    g_timeout_add (400, check_split_step, self);
  else
    g_timeout_add (200, show_page, self);
}

/* Issue 20: the model row shows, and the Atoms page draws (both from the model chooser), the
 * model the run solved the luminance with, with its threshold: at strength 2 "auto" picks the
 * model for twice the level read, a named model has its threshold doubled. */
static gboolean
check_model_row (TsSelfTest *self, const TsJobResult *result)
{
  TsParamsGroup *group = ts_window_get_params_group (self->window);
  TsModelChooser *chooser = ts_params_group_get_model_chooser (group);
  const TsModel *shown = ts_model_chooser_get_model (chooser, NULL);
  const char *subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (chooser));

  printf ("self-test: the model row says “%s”; the run used %s (threshold %g)\n",
          subtitle != NULL ? subtitle : "", result->model->name, result->model->lambda);
  if (shown == NULL || g_strcmp0 (shown->name, result->model->name) != 0
      || shown->lambda != result->model->lambda)
    {
      fprintf (stderr, "self-test: the model row's model is %s (threshold %g), not the run's\n",
               shown != NULL ? shown->name : "(none)", shown != NULL ? shown->lambda : NAN);
      return FALSE;
    }
  if (ts_restore_model_uses_sigma (ts_model_chooser_get_spec (chooser))
      && (subtitle == NULL || strstr (subtitle, result->model->name) == NULL))
    {
      fprintf (stderr, "self-test: the model row does not name %s\n", result->model->name);
      return FALSE;
    }
  return TRUE;
}

/* Issue 20: the noise controls reached the run and the window says what it used: the model
 * expected, the strengths as the controls have them, each plane solved at the level times its
 * factor; the reading row shows the reading per plane or channel and the levels solved at, as
 * ts-noise-text says them from the run's noise; the run's summary names the model. */
static gboolean
check_noise (TsSelfTest *self, const TsJobResult *result)
{
  TsParamsGroup *group = ts_window_get_params_group (self->window);
  const TsRestoreNoise *noise = &result->noise;
  const char *shown = ts_params_group_get_noise_reading_text (group);
  const char *status = ts_progress_view_get_status (ts_window_get_progress_view (self->window));
  g_autofree char *reading = NULL, *solved = NULL, *expected = NULL, *used = NULL;
  TsNoiseModel model;
  double strength, chroma_strength;

  /* As the controls show them (a gray picture's chroma strength does nothing: 1). */
  ts_params_group_get_strengths (group, &strength, &chroma_strength);
  if (noise->n_planes == 1)
    chroma_strength = 1.0;
  if (!ts_noise_model_from_name (self->expect_noise_model, &model) || !result->has_noise)
    {
      fprintf (stderr, "self-test: no denoising noise to check against %s\n", self->expect_noise_model);
      return FALSE;
    }
  reading = ts_noise_text_reading (noise, noise->model);
  solved = ts_noise_text_solved (noise);
  expected = reading != NULL ? g_strdup_printf ("%s\n%s", reading, solved) : g_strdup (solved);
  used = ts_noise_text_used (noise);
  printf ("self-test: noise %s (asked %s), strength %g, chroma strength %g; the window says “%s” and “%s”\n",
          ts_noise_model_name (noise->model), ts_noise_model_name (noise->requested),
          noise->strength, noise->chroma_strength, shown != NULL ? shown : "", status);
  if (noise->model != model)
    {
      fprintf (stderr, "self-test: denoised with %s noise, not %s\n", ts_noise_model_name (noise->model),
               self->expect_noise_model);
      return FALSE;
    }
  if (noise->strength != strength || noise->chroma_strength != chroma_strength)
    {
      fprintf (stderr, "self-test: the strengths %g, %g are not the controls' %g, %g\n",
               noise->strength, noise->chroma_strength, strength, chroma_strength);
      return FALSE;
    }
  for (int p = 0; p < noise->n_planes; p++)
    {
      double factor = noise->opponent && p > 0 ? strength * chroma_strength : strength;
      if (fabs (noise->plane_sigma[p] - factor * noise->sigma) > 1e-9 * noise->sigma)
        {
          fprintf (stderr, "self-test: plane %d solved at %g, not %g x %g\n", p,
                   noise->plane_sigma[p], factor, noise->sigma);
          return FALSE;
        }
    }
  if (reading == NULL || g_strcmp0 (shown, expected) != 0)
    {
      fprintf (stderr, "self-test: the noise row says “%s”, not “%s”\n", shown != NULL ? shown : "(hidden)",
               expected);
      return FALSE;
    }
  if (status == NULL || strstr (status, used) == NULL)
    {
      fprintf (stderr, "self-test: the run's summary does not say “%s”\n", used);
      return FALSE;
    }
  return check_model_row (self, result);
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
  if (self->stop_after_tiles > 0)
    {
      finish_stopped_tiles (self);
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
  if (ok && self->expect_noise_model != NULL)
    ok = check_noise (self, result);
  if (ok && (self->save_jpeg != NULL || self->save_result != NULL) && !self->save_ok)
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
  if (ok && self->expect_monotone)
    {
      printf ("self-test: progress bar sampled in %u frames, largest step %.3f, %s\n",
              self->n_fractions, self->max_step,
              self->fraction_went_back ? "it went back" : "never back");
      if (self->fraction_went_back || self->n_fractions < 5 || self->max_step > 0.25)
        {
          fprintf (stderr, "self-test: the progress bar is not one steady monotone bar\n");
          ok = FALSE;
        }
      if (!result->tiled || result->result->channels != 3)
        {
          fprintf (stderr, "self-test: the run was not a three-plane run in tiles\n");
          ok = FALSE;
        }
    }
  if (ok && self->expect_live_decomposition)
    {
      printf ("self-test: %u decompositions shown during the run, %u drawn in the sparse panel\n",
              self->live_decompositions, self->decompositions_drawn);
      if (self->live_decompositions < 2 || self->decompositions_drawn < 1)
        {
          fprintf (stderr, "self-test: the decomposition was not updated during the run\n");
          ok = FALSE;
        }
    }
  if (ok && self->check_split && !self->split_ok)
    ok = FALSE;
  if (ok && self->check_atom_orders && !self->atom_orders_ok)
    ok = FALSE;
  if (ok && self->mid_run_screenshot != NULL && !self->mid_run_ok)
    {
      fprintf (stderr, "self-test: no screenshot during the run with the time remaining\n");
      ok = FALSE;
    }
  if (self->screenshot != NULL && !save_screenshot (GTK_WIDGET (self->window), self->screenshot, self->screenshot_scale, &error))
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

static const char *const atoms_order_names[] = { "threshold", "usage", "orientation" };

/* The key an order sorts by, for atom k. */
static double
atoms_order_key (TsAtomsView *view, TsAtomsOrder order, int k)
{
  switch (order)
    {
    case TS_ATOMS_ORDER_USAGE:
      return -ts_atoms_view_get_usage (view)[k];
    case TS_ATOMS_ORDER_ORIENTATION:
      return ts_atoms_view_get_stats (view)->angle[k];
    case TS_ATOMS_ORDER_THRESHOLD:
    default:
      return ts_atoms_view_get_thresholds (view)[k];
    }
}

/* Issue 24: each order of the Atoms page shows every atom once, sorted by its key (the
 * threshold rising, the angle rising, the use on the result falling); the order by use is
 * offered only with a result of the model, and falls back to the threshold without one. */
static gboolean
check_atom_orders (TsSelfTest *self)
{
  TsAtomsView *view = ts_window_get_atoms_view (self->window);
  const TsAtomStats *stats = ts_atoms_view_get_stats (view);
  const TsJobResult *result = ts_window_get_result (self->window);
  g_autofree gboolean *seen = NULL;
  gboolean ok = TRUE;
  int n;

  if (stats == NULL || result == NULL || result->solutions == NULL)
    {
      fprintf (stderr, "self-test: the Atoms page has no model or the run no solutions\n");
      return FALSE;
    }
  n = stats->n_atoms;
  seen = g_new (gboolean, n);
  printf ("self-test: atoms: localisation %.3f (median energy in the best 7 x 7 window)\n",
          stats->median_localisation);
  for (int o = 0; o < (int) G_N_ELEMENTS (atoms_order_names); o++)
    {
      TsAtomsOrder order = (TsAtomsOrder) o;
      double first = NAN, last = NAN, previous = -INFINITY;
      if (!ts_atoms_view_get_order_available (view, order))
        {
          fprintf (stderr, "self-test: atoms: the order by %s is not offered after the run\n",
                   atoms_order_names[o]);
          ok = FALSE;
          continue;
        }
      ts_atoms_view_set_order (view, order);
      if (ts_atoms_view_get_order (view) != order)
        {
          fprintf (stderr, "self-test: atoms: the order by %s was not taken\n", atoms_order_names[o]);
          ok = FALSE;
          continue;
        }
      for (int k = 0; k < n; k++)
        seen[k] = FALSE;
      for (int pos = 0; pos < n; pos++)
        {
          int k = ts_atoms_view_get_displayed (view, pos);
          double key;
          if (k < 0 || k >= n || seen[k])
            {
              fprintf (stderr, "self-test: atoms: by %s, position %d shows %d (not a permutation)\n",
                       atoms_order_names[o], pos, k);
              ok = FALSE;
              break;
            }
          seen[k] = TRUE;
          key = atoms_order_key (view, order, k);
          if (key < previous)
            {
              fprintf (stderr, "self-test: atoms: by %s, position %d (atom %d, %g) comes after %g\n",
                       atoms_order_names[o], pos, k, fabs (key), fabs (previous));
              ok = FALSE;
              break;
            }
          previous = key;
          if (pos == 0)
            first = fabs (key);
          last = fabs (key);
        }
      if (ts_atoms_view_get_displayed (view, n) != -1)
        ok = FALSE;
      printf ("self-test: atoms: by %s, from %.4g to %.4g\n", atoms_order_names[o], first, last);
      /* A result uses some atoms more than others; a model learned some orientations. */
      if (order != TS_ATOMS_ORDER_THRESHOLD && !(first != last))
        {
          fprintf (stderr, "self-test: atoms: by %s, every atom has the same key\n", atoms_order_names[o]);
          ok = FALSE;
        }
    }
  /* Without a result the order by use is not offered, and the page falls back to the
   * threshold; with the result back it is offered again. */
  ts_atoms_view_set_order (view, TS_ATOMS_ORDER_USAGE);
  ts_atoms_view_set_solutions (view, NULL);
  if (ts_atoms_view_get_order_available (view, TS_ATOMS_ORDER_USAGE)
      || ts_atoms_view_get_order (view) != TS_ATOMS_ORDER_THRESHOLD)
    {
      fprintf (stderr, "self-test: atoms: the order by use is offered without a result\n");
      ok = FALSE;
    }
  ts_atoms_view_set_solutions (view, result->solutions);
  if (!ts_atoms_view_get_order_available (view, TS_ATOMS_ORDER_USAGE))
    {
      fprintf (stderr, "self-test: atoms: the order by use is not offered with the result back\n");
      ok = FALSE;
    }
  printf ("self-test: atoms: orders %s\n", ok ? "checked" : "FAILED");
  return ok;
}

static gboolean
show_page (gpointer user_data)
{
  TsSelfTest *self = user_data;

  if (g_strcmp0 (self->page, "atoms") == 0)
    {
      ts_window_show_page (self->window, "atoms");
      ts_window_select_atom (self->window, self->atom);
      if (self->check_atom_orders)
        self->atom_orders_ok = check_atom_orders (self);
      if (self->atoms_order != NULL)
        for (int o = 0; o < (int) G_N_ELEMENTS (atoms_order_names); o++)
          if (g_strcmp0 (self->atoms_order, atoms_order_names[o]) == 0)
            ts_atoms_view_set_order (ts_window_get_atoms_view (self->window), (TsAtomsOrder) o);
    }
  else if (self->zoom_one)
    {
      TsRestorePage *page = ts_window_get_restore_page (self->window);
      double x, y;
      ts_restore_page_zoom_fit (page);
      ts_view_transform_get_center (ts_restore_page_get_transform (page), &x, &y);
      ts_view_transform_set (ts_restore_page_get_transform (page), 1.0, x, y);
    }
  /* Let the last frame be drawn before the screenshot. */
  g_timeout_add (400, finish, self);
  return G_SOURCE_REMOVE;
}

static gboolean
save_mid_run (gpointer user_data)
{
  TsSelfTest *self = user_data;
  g_autoptr (GError) error = NULL;

  self->mid_run_ok = self->running
                     && save_screenshot (GTK_WIDGET (self->window), self->mid_run_screenshot,
                                        self->screenshot_scale, &error);
  if (error != NULL)
    fprintf (stderr, "self-test: %s\n", error->message);
  else if (self->mid_run_ok)
    printf ("self-test: saved the window during the run to %s\n", self->mid_run_screenshot);
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
  if (self->running && self->expect_monotone)
    {
      double fraction = ts_progress_view_get_fraction (ts_window_get_progress_view (self->window));
      if (fraction < self->last_fraction)
        self->fraction_went_back = TRUE;
      self->max_step = MAX (self->max_step, fraction - self->last_fraction);
      self->last_fraction = fraction;
      self->n_fractions++;
    }
  /* The panels were updated twice during the run (and drawn): that is what the test asks;
   * Stop, so that it does not depend on how fast the machine solves. */
  if (self->running && self->expect_live_decomposition && !self->live_stop_sent
      && ts_restore_page_get_n_live_decompositions (ts_window_get_restore_page (self->window)) >= 2
      && ts_restore_page_get_n_decompositions_drawn (ts_window_get_restore_page (self->window)) >= 1)
    {
      self->live_stop_sent = TRUE;
      gtk_widget_activate_action (GTK_WIDGET (self->window), "win.cancel", NULL);
    }
  if (self->running && self->mid_run_screenshot != NULL && !self->mid_run_saved
      && ts_progress_view_get_shows_time_left (ts_window_get_progress_view (self->window))
      && ts_window_get_n_previews_drawn (self->window) >= 3)
    {
      self->mid_run_saved = TRUE;
      g_idle_add (save_mid_run, self);
    }
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

/* --save-result: the file must decode at the result's size and channels; a float format
 * (.npy, 32-bit TIFF) must hold the result's values exactly, so that two builds' results can
 * be compared byte for byte. */
static gboolean
check_saved_result (TsSelfTest *self, const char *path)
{
  const TsJobResult *result = ts_window_get_result (self->window);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsImage) decoded = ts_image_load (path, &error);
  TsFileFormat format = ts_file_format_from_name (path);
  gboolean exact = format == TS_FILE_FORMAT_NPY || format == TS_FILE_FORMAT_TIFF;

  if (decoded == NULL)
    {
      fprintf (stderr, "self-test: %s does not decode: %s\n", path, error->message);
      return FALSE;
    }
  if (result == NULL || decoded->width != result->result->width
      || decoded->height != result->result->height || decoded->channels != result->result->channels)
    {
      fprintf (stderr, "self-test: %s is not at the result's size\n", path);
      return FALSE;
    }
  if (exact && memcmp (decoded->data, result->result->data,
                       ts_image_n_values (decoded) * sizeof *decoded->data) != 0)
    {
      fprintf (stderr, "self-test: %s does not hold the result's values\n", path);
      return FALSE;
    }
  printf ("self-test: saved the result to %s, %d x %d x %d%s\n", path, decoded->width,
          decoded->height, decoded->channels, exact ? ", its values exactly" : "");
  return TRUE;
}

static void
on_saved (TsWindow *window, const char *path, gboolean ok, gboolean partial, gpointer user_data)
{
  TsSelfTest *self = user_data;

  g_signal_handlers_disconnect_by_func (window, on_saved, user_data);
  self->saved = TRUE;
  self->save_ok = ok && (self->save_jpeg != NULL ? check_jpeg (self, path, partial)
                                                  : check_saved_result (self, path));
  after_run (self);
}

static void
on_run_finished (TsWindow *window, gboolean ok, gpointer user_data)
{
  TsSelfTest *self = user_data;

  self->runs_done++;
  self->finished_us = g_get_monotonic_time ();
  self->running = FALSE;
  /* Before the final result's panels are drawn: what the run itself showed. */
  self->live_decompositions = ts_restore_page_get_n_live_decompositions (ts_window_get_restore_page (window));
  self->decompositions_drawn = ts_restore_page_get_n_decompositions_drawn (ts_window_get_restore_page (window));
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
  g_clear_handle_id (&self->stop_poll_id, g_source_remove);
  self->run_ok = ok;
  /* As Save would after its dialog: the result on screen, at the default quality. */
  if (ok && (self->save_jpeg != NULL || self->save_result != NULL))
    {
      const char *path = self->save_jpeg != NULL ? self->save_jpeg : self->save_result;
      g_signal_connect (window, "saved", G_CALLBACK (on_saved), self);
      /* A float TIFF at 32 bits; .npy is float32 anyway; other formats their default. */
      int bit_depth = self->save_result != NULL
                      && ts_file_format_from_name (path) == TS_FILE_FORMAT_TIFF ? 32 : 0;
      if (ts_window_save_panel (window, "result", path, bit_depth, 0))
        return;
      g_signal_handlers_disconnect_by_func (window, on_saved, self);
      fprintf (stderr, "self-test: the window had no result to save\n");
    }
  after_run (self);
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
poll_stop (gpointer user_data)
{
  TsSelfTest *self = user_data;

  if (ts_progress_view_get_tiles_done (ts_window_get_progress_view (self->window)) < self->stop_after_tiles)
    return G_SOURCE_CONTINUE;
  /* As the Stop button would. */
  gtk_widget_activate_action (GTK_WIDGET (self->window), "win.cancel", NULL);
  self->stop_poll_id = 0;
  return G_SOURCE_REMOVE;
}

/* --- the Tune dialog (--tune-folder) ------------------------------------------------------- */

static void
on_tune_progress (TsTuneRunner *runner, gpointer user_data)
{
  TsSelfTest *self = user_data;
  TsTuneStatus status;

  ts_tune_runner_get_status (runner, &status);
  self->tune_progress++;
  if (self->tune_stop && !self->tune_stop_sent && status.scored >= 1)
    {
      self->tune_stop_sent = TRUE;
      self->tune_best_at_stop = status.best_psnr;
      ts_tune_dialog_stop (self->tune_dialog);
    }
}

/* After the dialog saved: the model menu lists the new file and has chosen it, the Preset
 * menu shows its preset, and the file loads with it. */
static gboolean
check_tuned (gpointer user_data)
{
  TsSelfTest *self = g_object_get_data (G_OBJECT (user_data), "self-test");
  TsParamsGroup *params = ts_window_get_params_group (self->window);
  TsModelChooser *chooser = ts_params_group_get_model_chooser (params);
  const char *path = g_object_get_data (G_OBJECT (user_data), "path");
  const char *preset = g_object_get_data (G_OBJECT (user_data), "preset");
  g_autofree char *folder = ts_model_user_dir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (TsModel) model = ts_model_load (path, &error);
  gboolean ok = TRUE;

  if (self->tune_progress < 1)
    {
      g_printerr ("tune: no progress was reported\n");
      ok = FALSE;
    }
  if (!g_str_has_prefix (path, folder))
    {
      g_printerr ("tune: %s is not in the user's model folder %s\n", path, folder);
      ok = FALSE;
    }
  if (g_strcmp0 (ts_model_chooser_get_spec (chooser), path) != 0)
    {
      g_printerr ("tune: the model menu chose %s, not %s\n", ts_model_chooser_get_spec (chooser),
                  path);
      ok = FALSE;
    }
  if (g_strcmp0 (ts_params_group_get_preset (params), preset) != 0)
    {
      g_printerr ("tune: the Preset menu shows %s, not %s\n",
                  ts_params_group_get_preset (params) ? ts_params_group_get_preset (params)
                                                      : "Custom", preset);
      ok = FALSE;
    }
  if (model == NULL || ts_model_get_preset (model, preset) == NULL)
    {
      g_printerr ("tune: %s does not load with preset %s: %s\n", path, preset,
                  error != NULL ? error->message : "no such preset");
      ok = FALSE;
    }
  g_printerr ("tune: %u progress reports, saved %s (preset %s)%s\n", self->tune_progress, path,
              preset, self->tune_stop ? ", stopped" : "");
  quit (self, ok);
  return G_SOURCE_REMOVE;
}

static void
on_tune_saved (TsTuneDialog *dialog, const char *path, const char *preset, gpointer user_data)
{
  GObject *note = g_object_new (G_TYPE_OBJECT, NULL);

  (void) dialog;
  g_object_set_data (note, "self-test", user_data);
  g_object_set_data_full (note, "path", g_strdup (path), g_free);
  g_object_set_data_full (note, "preset", g_strdup (preset), g_free);
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, check_tuned, note, g_object_unref);
}

/* The dialog with its result, once drawn, for the record (self-test-tune*.png); then Save. */
static gboolean
shoot_and_save_tuned (gpointer user_data)
{
  TsSelfTest *self = user_data;
  g_autoptr (GError) error = NULL;

  if (self->screenshot != NULL
      && !save_screenshot (GTK_WIDGET (self->tune_dialog), self->screenshot,
                           self->screenshot_scale, &error))
    g_printerr ("tune: screenshot: %s\n", error->message);
  ts_tune_dialog_save (self->tune_dialog);
  return G_SOURCE_REMOVE;
}

static void
on_tune_finished (TsTuneDialog *dialog, gpointer user_data)
{
  TsSelfTest *self = user_data;
  const TsTuneOutcome *outcome = ts_tune_dialog_get_outcome (dialog);

  if (outcome == NULL)
    {
      g_printerr ("tune: the search ended without a result\n");
      quit (self, FALSE);
      return;
    }
  g_printerr ("tune: %d evaluations, best %.3f dB (start %.3f dB)%s\n",
              outcome->result.evaluations, outcome->result.psnr, outcome->result.start_psnr,
              outcome->stopped ? ", stopped" : "");
  if (self->tune_stop && (!outcome->stopped || !(outcome->result.psnr >= self->tune_best_at_stop)))
    {
      g_printerr ("tune: Stop did not keep the best so far (%.3f dB when stopped)\n",
                  self->tune_best_at_stop);
      quit (self, FALSE);
      return;
    }
  if (!self->tune_stop && outcome->stopped)
    {
      g_printerr ("tune: the search stopped by itself\n");
      quit (self, FALSE);
      return;
    }
  g_timeout_add (500, shoot_and_save_tuned, self);
}

static gboolean
begin_tune (TsSelfTest *self)
{
  TsParamsGroup *params = ts_window_get_params_group (self->window);
  g_autoptr (GError) error = NULL;
  GListModel *toplevels;

  ts_window_set_task (self->window, TS_TASK_SR);
  if (!ts_window_set_model (self->window, "dct", &error))
    {
      g_printerr ("tune: %s\n", error->message);
      return FALSE;
    }
  if (!gtk_widget_activate_action (GTK_WIDGET (params), "params.tune", NULL))
    {
      g_printerr ("tune: params.tune could not be activated\n");
      return FALSE;
    }
  toplevels = gtk_window_get_toplevels ();
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) window = g_list_model_get_item (toplevels, i);
      if (TS_IS_TUNE_DIALOG (window))
        self->tune_dialog = TS_TUNE_DIALOG (window);
    }
  if (self->tune_dialog == NULL)
    {
      g_printerr ("tune: no Tune dialog\n");
      return FALSE;
    }
  self->tune_best_at_stop = NAN;
  g_signal_connect (ts_tune_dialog_get_runner (self->tune_dialog), "progress",
                    G_CALLBACK (on_tune_progress), self);
  g_signal_connect (self->tune_dialog, "finished", G_CALLBACK (on_tune_finished), self);
  g_signal_connect (self->tune_dialog, "saved", G_CALLBACK (on_tune_saved), self);
  ts_tune_dialog_set_folder (self->tune_dialog, self->tune_folder);
  ts_tune_dialog_set_limits (self->tune_dialog, 0, self->tune_stop ? 200 : 4, 10);
  ts_tune_dialog_start (self->tune_dialog);
  return TRUE;
}

static gboolean
begin (gpointer user_data)
{
  TsSelfTest *self = user_data;

  if (self->tune_folder != NULL)
    {
      if (!begin_tune (self))
        quit (self, FALSE);
      return G_SOURCE_REMOVE;
    }

  if (self->view != NULL)
    ts_restore_page_show_view (ts_window_get_restore_page (self->window), self->view);
  if (self->stop_after_tiles > 0)
    self->stop_poll_id = g_timeout_add (10, poll_stop, self);

  if (self->cancel_after > 0)
    self->cancel_poll_id = g_timeout_add (10, poll_cancel, self);
  if (self->escape_after > 0)
    self->escape_poll_id = g_timeout_add (10, poll_escape, self);

  g_signal_connect (self->window, "run-finished", G_CALLBACK (on_run_finished), self);
  self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self->window), on_tick, self, NULL);
  self->started_us = g_get_monotonic_time ();
  self->running = TRUE;
  if (!ts_window_run (self->window))
    {
      self->running = FALSE;
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
  /* As the user would choose it in the menu: the picture's noise was read for another model,
   * the window reads the rest on a thread before the run begins. */
  TsNoiseModel model;
  if (self->noise_after_open != NULL && ts_noise_model_from_name (self->noise_after_open, &model))
    ts_params_group_set_noise_model (ts_window_get_params_group (window), model);
  g_timeout_add (500, begin, user_data);
}

void
ts_self_test_prepare_window (TsSelfTest *self, TsWindow *window)
{
  g_return_if_fail (TS_IS_SELF_TEST (self));
  g_return_if_fail (TS_IS_WINDOW (window));
  if (self->window_width > 0)
    gtk_window_set_default_size (GTK_WINDOW (window), self->window_width, self->window_height);
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
  g_clear_handle_id (&self->stop_poll_id, g_source_remove);
  g_clear_object (&self->window);
  g_free (self->save_jpeg);
  g_free (self->save_result);
  g_free (self->noise_after_open);
  g_free (self->screenshot);
  g_free (self->page);
  g_free (self->expect_recent);
  g_free (self->expect_estimate);
  g_free (self->expect_noise_model);
  g_free (self->estimate_text);
  g_free (self->view);
  g_free (self->mid_run_screenshot);
  g_free (self->atoms_order);
  g_free (self->tune_folder);
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
