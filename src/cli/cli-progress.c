/* The progress bar of the solving commands: one line on stderr, redrawn at most ten times a
 * second, labelled with the channel and the tile being solved, ending with the time the
 * whole restoration has left once that can be estimated. Only on a terminal: with stderr
 * redirected (or --quiet) nothing is drawn. */
#include "cli-common.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void
cli_progress_init (CliProgress *progress, const char *label)
{
  memset (progress, 0, sizeof *progress);
  progress->label = g_strdup (label);
  progress->active = !cli_quiet && isatty (STDERR_FILENO);
  progress->start_us = g_get_monotonic_time ();
  progress->run_start_us = progress->start_us;
}

void
cli_progress_set_label (CliProgress *progress, const char *label)
{
  g_free (progress->label);
  progress->label = g_strdup (label);
  progress->start_us = g_get_monotonic_time ();
  progress->last_draw_us = 0;
}

/* The fraction of the whole restoration done: the channels before this one, the tiles
 * before this one, and this solve's fraction (ts_restore_progress_fraction). Kept monotone
 * (a solve's own estimate can step back when the change rises), so the time left only
 * follows the work. */
static double
overall_fraction (CliProgress *progress, const TsRestoreProgress *p, double solve)
{
  double overall = ts_restore_overall_fraction (p->channel, p->n_channels, p->tiles_done,
                                                p->tiled ? p->n_tiles : 0, solve);
  progress->done = MAX (progress->done, overall);
  return progress->done;
}

/* "  40%, about 12 s remaining" once there is something to extrapolate from: half a second
 * of work and 1% of it done (the first iterations are no guide); empty before. */
static void
format_remaining (char *text, gsize size, double fraction, double elapsed)
{
  text[0] = '\0';
  if (elapsed < 0.5 || fraction < 0.01 || fraction >= 1.0)
    return;
  double left = elapsed * (1.0 - fraction) / fraction;
  int percent = (int) (fraction * 100.0);
  if (left < 60.0)
    g_snprintf (text, size, "  %d%%, about %.0f s remaining", percent, ceil (left));
  else if (left < 3600.0)
    g_snprintf (text, size, "  %d%%, about %d min %02d s remaining", percent, (int) (left / 60.0),
                (int) fmod (left, 60.0));
  else
    g_snprintf (text, size, "  %d%%, about %d h %02d min remaining", percent,
                (int) (left / 3600.0), (int) fmod (left / 60.0, 60.0));
}

static void
draw (CliProgress *progress, const TsRestoreProgress *p)
{
  gint64 now = g_get_monotonic_time ();
  int iteration = p->iteration;
  double change = p->change;
  char bar[21];
  char remaining[64];

  /* At most ten redraws a second: a terminal is slow next to a small solve. */
  if (progress->drawn && now - progress->last_draw_us < 100000)
    return;
  progress->last_draw_us = now;
  progress->drawn = TRUE;
  double elapsed = (now - progress->start_us) / 1e6;
  double fraction = ts_restore_progress_fraction (iteration, change, progress->tol,
                                                  progress->max_iter);
  format_remaining (remaining, sizeof remaining, overall_fraction (progress, p, fraction),
                    (now - progress->run_start_us) / 1e6);
  int filled = (int) (fraction * 20.0 + 0.5);
  for (int i = 0; i < 20; i++)
    bar[i] = i < filled ? '#' : '.';
  bar[20] = '\0';

  if (progress->tol > 0.0)
    fprintf (stderr, "\r\033[K%s [%s] iteration %d  change %.2e (tol %.0e)  %.1f s%s",
             progress->label, bar, iteration, change, progress->tol, elapsed, remaining);
  else
    fprintf (stderr, "\r\033[K%s [%s] iteration %d/%d  change %.2e  %.1f s%s",
             progress->label, bar, iteration, progress->max_iter, change, elapsed, remaining);
  fflush (stderr);
}

/* A channel's label: the task, and the channel when there are several. */
static void
begin_channel (CliProgress *progress, const TsRestoreProgress *p)
{
  g_free (progress->channel_label);
  if (p->n_channels <= 1)
    progress->channel_label = g_strdup (progress->task);
  else
    progress->channel_label = g_strdup_printf ("%s (channel %d/%d)", progress->task,
                                               p->channel + 1, p->n_channels);
  if (p->tiled)
    {
      g_autofree char *first = g_strdup_printf ("%s, tile 1", progress->channel_label);
      cli_progress_set_label (progress, first);
    }
  else
    cli_progress_set_label (progress, progress->channel_label);
}

gboolean
cli_progress_restore (const TsRestoreProgress *p, gpointer user_data)
{
  CliProgress *progress = user_data;

  if (progress != NULL)
    switch (p->event)
      {
      case TS_RESTORE_READY:
        progress->tol = p->tol;
        progress->max_iter = p->max_iter;
        progress->run_start_us = g_get_monotonic_time ();
        progress->done = 0.0;
        break;
      case TS_RESTORE_CHANNEL:
        begin_channel (progress, p);
        break;
      case TS_RESTORE_ITERATION:
        if (progress->active && !cli_cancelled ())
          draw (progress, p);
        break;
      case TS_RESTORE_TILE_DONE:
        {
          g_autofree char *label = g_strdup_printf ("%s, tile %d/%d", progress->channel_label,
                                                    MIN (p->tiles_done + 1, p->n_tiles), p->n_tiles);
          cli_progress_set_label (progress, label);
        }
        break;
      case TS_RESTORE_CHANNEL_DONE:
        cli_progress_clear (progress);
        break;
      default:
        break;
      }
  return !cli_cancelled ();
}

void
cli_progress_clear (CliProgress *progress)
{
  if (progress->active && progress->drawn)
    {
      fputs ("\r\033[K", stderr);
      fflush (stderr);
    }
  progress->drawn = FALSE;
}

void
cli_progress_finish (CliProgress *progress)
{
  cli_progress_clear (progress);
  g_clear_pointer (&progress->label, g_free);
  g_clear_pointer (&progress->task, g_free);
  g_clear_pointer (&progress->channel_label, g_free);
}

TsRestoreResult *
cli_restore (TsRestoreRequest *request, const char *label, CliProgress *progress, GError **error)
{
  TsRestoreResult *result;

  if (progress != NULL)
    {
      g_free (progress->task);
      progress->task = g_strdup (label);
    }
  result = ts_restore (request, cli_progress_restore, progress, cli_cancel_flag (), error);
  if (progress != NULL)
    cli_progress_clear (progress);
  return result;
}
