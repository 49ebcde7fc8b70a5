/* The progress of a run. */
#include "ts-progress-view.h"

#include <math.h>
#include <glib/gi18n.h>

#include "ts-noise-text.h"

struct _TsProgressView {
  AdwPreferencesGroup parent_instance;

  /* template */
  GtkLabel *iteration_label;
  GtkLabel *change_label;
  GtkLabel *psnr_label;
  GtkLabel *ssim_label;
  GtkLabel *status_label;
  GtkProgressBar *progress_bar;

  double tol;
  int max_iter;
  double done;          /* the largest fraction of the whole run shown so far */
  gint64 started_us;
  int tiles_done;       /* tiled runs: the most tiles (over all channels) shown finished */
  gboolean time_left;   /* the bar says the time remaining */
};

G_DEFINE_FINAL_TYPE (TsProgressView, ts_progress_view, ADW_TYPE_PREFERENCES_GROUP)

static void
set_label_double (GtkLabel *label, const char *format, double value)
{
  g_autofree char *text = NULL;

  if (!isfinite (value))
    {
      gtk_label_set_text (label, "–");
      return;
    }
  text = g_strdup_printf (format, value);
  gtk_label_set_text (label, text);
}

static double
progress_fraction (TsProgressView *self, int iteration, double change)
{
  return ts_restore_progress_fraction (iteration, change, self->tol, MAX (1, self->max_iter));
}

/* One bar over channels, tiles and iterations that never goes back, with the time left once
 * there is something to extrapolate from (a second of work and 2 % done). */
static void
show_overall (TsProgressView *self, const TsPreview *preview)
{
  gboolean tiled = preview->n_tiles > 0;
  double solve = preview->iteration > 0 && !(tiled && preview->tile_done)
                     ? progress_fraction (self, preview->iteration, preview->change) : 0.0;
  int n_channels = MAX (1, preview->n_channels);
  /* A preview counts tiles over all channels; the fraction wants the channel's own. */
  int tiles_done = tiled ? preview->tile - (preview->tile_done ? 0 : 1) : 0;
  int channel_tiles = tiled ? MAX (1, preview->n_tiles / n_channels) : 0;
  double overall = ts_restore_overall_fraction (preview->channel, n_channels,
                                                tiles_done - preview->channel * channel_tiles,
                                                channel_tiles, solve);
  self->done = MAX (self->done, overall);
  gtk_progress_bar_set_fraction (self->progress_bar, self->done);
  if (tiled)
    self->tiles_done = MAX (self->tiles_done, tiles_done);

  double elapsed = (g_get_monotonic_time () - self->started_us) / 1e6;
  int percent = (int) (self->done * 100.0);
  g_autofree char *text = NULL;
  self->time_left = !(elapsed < 1.0 || self->done < 0.02 || self->done >= 1.0);
  if (!self->time_left)
    text = g_strdup_printf (_("%d%%"), percent);
  else
    {
      double left = ceil (elapsed * (1.0 - self->done) / self->done);
      if (left < 60.0)
        text = g_strdup_printf (_("%d%%, about %d s left"), percent, (int) left);
      else if (left < 3600.0)
        text = g_strdup_printf (_("%d%%, about %d min %02d s left"), percent, (int) (left / 60.0),
                                (int) fmod (left, 60.0));
      else
        text = g_strdup_printf (_("%d%%, about %d h %02d min left"), percent,
                                (int) (left / 3600.0), (int) fmod (left / 60.0, 60.0));
    }
  gtk_progress_bar_set_text (self->progress_bar, text);
}

/* Where the scores were measured, when not on the whole picture. */
static void
set_scores_tooltip (TsProgressView *self, const char *text)
{
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->psnr_label), text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->ssim_label), text);
}

void
ts_progress_view_clear (TsProgressView *self)
{
  g_return_if_fail (TS_IS_PROGRESS_VIEW (self));
  gtk_label_set_text (self->iteration_label, "–");
  gtk_label_set_text (self->change_label, "–");
  gtk_label_set_text (self->psnr_label, "–");
  gtk_label_set_text (self->ssim_label, "–");
  set_scores_tooltip (self, NULL);
  gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
  gtk_progress_bar_set_show_text (self->progress_bar, FALSE);
}

void
ts_progress_view_start (TsProgressView *self, double tol, int max_iter)
{
  g_return_if_fail (TS_IS_PROGRESS_VIEW (self));
  self->tol = tol;
  self->max_iter = max_iter;
  self->done = 0.0;
  self->tiles_done = 0;
  self->time_left = FALSE;
  self->started_us = g_get_monotonic_time ();
  gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
  gtk_progress_bar_set_show_text (self->progress_bar, TRUE);
  gtk_progress_bar_set_text (self->progress_bar, _("0%"));
  gtk_label_set_text (self->status_label, _("Preparing…"));
  gtk_label_set_text (self->psnr_label, "–");
  gtk_label_set_text (self->ssim_label, "–");
  set_scores_tooltip (self, NULL);
}

void
ts_progress_view_set_status (TsProgressView *self, const char *status)
{
  g_return_if_fail (TS_IS_PROGRESS_VIEW (self));
  gtk_label_set_text (self->status_label, status);
}

void
ts_progress_view_show_preview (TsProgressView *self, const TsPreview *preview)
{
  g_return_if_fail (TS_IS_PROGRESS_VIEW (self));
  if (preview->input != NULL)
    gtk_label_set_text (self->status_label, _("Solving…"));
  if (preview->n_tiles > 0)
    {
      /* A large picture in tiles, the visible region first. */
      g_autofree char *status = g_strdup_printf (preview->tile_done ? _("Tile %d of %d done")
                                                                    : _("Solving tile %d of %d…"),
                                                 preview->tile, preview->n_tiles);
      gtk_label_set_text (self->status_label, status);
    }
  if (preview->iteration > 0 || preview->n_tiles > 0)
    show_overall (self, preview);
  if (preview->iteration > 0 && preview->n_tiles > 0)
    {
      g_autofree char *iteration = g_strdup_printf (_("%d (tile %d of %d)"), preview->iteration,
                                                    preview->tile, preview->n_tiles);
      gtk_label_set_text (self->iteration_label, iteration);
      if (!preview->tile_done)
        set_label_double (self->change_label, "%.3e", preview->change);
    }
  else if (preview->iteration > 0)
    {
      g_autofree char *iteration = NULL;
      if (preview->n_channels > 1)
        iteration = g_strdup_printf (_("%d (channel %d of %d)"), preview->iteration,
                                     preview->channel + 1, preview->n_channels);
      else
        iteration = g_strdup_printf ("%d", preview->iteration);
      gtk_label_set_text (self->iteration_label, iteration);
      set_label_double (self->change_label, "%.3e", preview->change);
      set_label_double (self->psnr_label, _("%.2f dB"), preview->psnr);
      set_label_double (self->ssim_label, "%.4f", preview->ssim);
    }
}

/* A denoising's summary says which noise model it used. Takes `info`. */
static char *
with_noise_model (char *info, const TsJobResult *result)
{
  g_autofree char *noise = NULL;
  char *out;

  if (!result->has_noise)
    return info;
  noise = ts_noise_text_used (&result->noise);
  /* Translators: the run's summary, then the noise model used ("Gaussian noise"). */
  out = g_strdup_printf (_("%s; %s"), info, noise);
  g_free (info);
  return out;
}

void
ts_progress_view_show_result (TsProgressView *self, const TsJobResult *result)
{
  g_autofree char *iterations = NULL;
  g_autofree char *info = NULL;

  g_return_if_fail (TS_IS_PROGRESS_VIEW (self));
  g_return_if_fail (result != NULL);
  iterations = g_strdup_printf ("%d", result->stats.iterations);
  gtk_label_set_text (self->iteration_label, iterations);
  set_label_double (self->change_label, "%.3e", result->stats.final_change);
  if (isfinite (result->psnr))
    {
      g_autofree char *psnr = g_strdup_printf (_("%.2f dB (input %.2f dB)"), result->psnr, result->input_psnr);
      g_autofree char *ssim = g_strdup_printf (_("%.4f (input %.4f)"), result->ssim, result->input_ssim);
      gtk_label_set_text (self->psnr_label, psnr);
      gtk_label_set_text (self->ssim_label, ssim);
      if (result->truth_name != NULL)
        {
          /* Translators: where PSNR and SSIM were measured: against a fastMRI file's ground
           * truth, named by its dataset (reconstruction_esc or reconstruction_rss), on the
           * central width x height pixels of the result, as fastMRI scores. */
          g_autofree char *where = g_strdup_printf (_("Against the file’s %s, on the central %d × %d pixels"),
                                                    result->truth_name, result->truth->width,
                                                    result->truth->height);
          set_scores_tooltip (self, where);
        }
    }
  else
    {
      gtk_label_set_text (self->psnr_label, _("no ground truth"));
      gtk_label_set_text (self->ssim_label, _("no ground truth"));
    }
  if (result->stopped)
    {
      /* The bar stays where the run was stopped. */
      info = g_strdup_printf (ngettext ("%s: stopped after %d iteration; the estimate so far is kept, not converged",
                                        "%s: stopped after %d iterations; the estimate so far is kept, not converged",
                                        result->stats.iterations),
                              result->model->name, result->stats.iterations);
      info = with_noise_model (info, result);
      gtk_label_set_text (self->status_label, info);
      gtk_progress_bar_set_show_text (self->progress_bar, FALSE);
      return;
    }
  gtk_progress_bar_set_fraction (self->progress_bar, 1.0);
  gtk_progress_bar_set_show_text (self->progress_bar, FALSE);
  info = g_strdup_printf (ngettext ("%s: %d iteration in %.1f s%s%s",
                                    "%s: %d iterations in %.1f s%s%s", result->stats.iterations),
                          result->model->name, result->stats.iterations, result->stats.seconds,
                          result->stats.converged ? _(", converged") : "",
                          result->warm_started ? _(", warm start")
                          : result->tiled ? _(", in tiles") : "");
  if (result->preset != NULL)
    {
      /* Translators: after the run's summary; %s is the model preset's name ("sr-x4"). */
      g_autofree char *with_preset = g_strdup_printf (_("%s, preset %s"), info, result->preset);
      g_free (info);
      info = g_steal_pointer (&with_preset);
    }
  info = with_noise_model (info, result);
  gtk_label_set_text (self->status_label, info);
}

const char *
ts_progress_view_get_status (TsProgressView *self)
{
  g_return_val_if_fail (TS_IS_PROGRESS_VIEW (self), NULL);
  return gtk_label_get_text (self->status_label);
}

double
ts_progress_view_get_fraction (TsProgressView *self)
{
  g_return_val_if_fail (TS_IS_PROGRESS_VIEW (self), 0.0);
  return gtk_progress_bar_get_fraction (self->progress_bar);
}

int
ts_progress_view_get_tiles_done (TsProgressView *self)
{
  g_return_val_if_fail (TS_IS_PROGRESS_VIEW (self), 0);
  return self->tiles_done;
}

gboolean
ts_progress_view_get_shows_time_left (TsProgressView *self)
{
  g_return_val_if_fail (TS_IS_PROGRESS_VIEW (self), FALSE);
  return self->time_left && gtk_progress_bar_get_show_text (self->progress_bar);
}

static void
ts_progress_view_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TS_TYPE_PROGRESS_VIEW);
  G_OBJECT_CLASS (ts_progress_view_parent_class)->dispose (object);
}

static void
ts_progress_view_class_init (TsProgressViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = ts_progress_view_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/org/tessera/Tessera/ui/ts-progress-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TsProgressView, iteration_label);
  gtk_widget_class_bind_template_child (widget_class, TsProgressView, change_label);
  gtk_widget_class_bind_template_child (widget_class, TsProgressView, psnr_label);
  gtk_widget_class_bind_template_child (widget_class, TsProgressView, ssim_label);
  gtk_widget_class_bind_template_child (widget_class, TsProgressView, status_label);
  gtk_widget_class_bind_template_child (widget_class, TsProgressView, progress_bar);
}

static void
ts_progress_view_init (TsProgressView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
