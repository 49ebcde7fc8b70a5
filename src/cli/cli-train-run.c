/* tessera-cli train: the run. Steps, validation every --val-every steps and at the end, a
 * checkpoint every --checkpoint-every steps and at the end, then the model; the progress
 * line (redrawn on a terminal, a line every LOG_EVERY steps otherwise), the messages that
 * do not tangle with it, and the per-session statistics. */
#include "cli-train-private.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

/* Non-terminal progress: one line per this many steps. */
#define LOG_EVERY 10

/* --- progress and messages ------------------------------------------------------------- */

const char *
cli_train_plural (guint n)
{
  return n == 1 ? "" : "s";
}

char *
cli_train_format_duration (double seconds)
{
  if (!isfinite (seconds) || seconds < 0.0)
    return g_strdup ("?");
  if (seconds < 10.0)
    return g_strdup_printf ("%.1fs", seconds);
  gint64 s = (gint64) (seconds + 0.5);
  if (s < 60)
    return g_strdup_printf ("%" G_GINT64_FORMAT "s", s);
  if (s < 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT "m%02" G_GINT64_FORMAT "s", s / 60, s % 60);
  return g_strdup_printf ("%" G_GINT64_FORMAT "h%02" G_GINT64_FORMAT "m", s / 3600,
                          (s % 3600) / 60);
}

void
cli_train_clear_line (CliTrain *t)
{
  if (t->tty && t->line_drawn)
    {
      fputs ("\r\033[K", stderr);
      fflush (stderr);
      t->line_drawn = FALSE;
    }
}

void
cli_train_say (CliTrain *t, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  if (cli_quiet)
    return;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  cli_train_clear_line (t);
  fprintf (stderr, "%s\n", message);
}

static double
recent_seconds_per_step (const CliTrain *t)
{
  int n = MIN (t->n_steps, RATE_WINDOW);
  double sum = 0.0;
  for (int i = 0; i < n; i++)
    sum += t->recent[i];
  return n > 0 ? sum / n : NAN;
}

static void
show_progress (CliTrain *t, gboolean force)
{
  if (cli_quiet)
    return;
  const TsTrainState *S = ts_trainer_state (t->trainer);
  int step = S->step, total = S->config.steps;
  if (!t->tty && !force && step % LOG_EVERY != 0)
    return;
  double rate = recent_seconds_per_step (t);
  /* The rest of the steps, and the validations still to come. */
  double eta = rate * (total - step);
  if (t->val != NULL && t->n_validations > 0 && step < total)
    {
      /* Those at multiples of --val-every before the end, and the final one. */
      int remaining = t->val_every > 0 ? (total - 1) / t->val_every - step / t->val_every : 0;
      eta += t->val_seconds * (remaining + 1);
    }
  g_autofree char *eta_text = cli_train_format_duration (eta);
  g_autofree char *val = isnan (S->last_val_psnr) ? g_strdup ("val --")
                                                   : g_strdup_printf ("val %.2f dB",
                                                                      S->last_val_psnr);
  g_autofree char *line = g_strdup_printf ("step %d/%d  loss %.4f  %s  %.1f s/step  ETA %s",
                                           step, total, t->last_loss, val, rate, eta_text);
  if (t->tty)
    {
      fprintf (stderr, "\r\033[K%s", line);
      fflush (stderr);
      t->line_drawn = TRUE;
    }
  else
    fprintf (stderr, "%s\n", line);
}

static void
add_stats (CliTrain *t, const TsTrainStepStats *st)
{
  t->recent[t->n_steps % RATE_WINDOW] = st->seconds;
  t->n_steps++;
  t->sum_seconds += st->seconds;
  t->sum_forward += st->forward_seconds;
  t->sum_adjoint += st->adjoint_seconds;
  t->sum_gradient += st->gradient_seconds;
  t->sum_inner += st->mean_inner_iterations;
  t->sum_adjoint_iter += st->mean_adjoint_iterations;
  t->unconverged += st->adjoint_unconverged;
  t->worst_residual = MAX (t->worst_residual, st->adjoint_worst_residual);
  t->last_loss = st->loss;
  if (st->diverged_crops > 0)
    {
      t->diverged_crops += st->diverged_crops;
      t->diverged_steps++;
      cli_train_say (t, "step %d: %d crop%s diverged (not finite) and %s left out of the step",
                     st->step, st->diverged_crops, cli_train_plural (st->diverged_crops),
                     st->diverged_crops == 1 ? "was" : "were");
    }
}

/* --- the run ---------------------------------------------------------------------------- */

static gboolean
is_cancelled (const GError *error)
{
  return g_error_matches (error, TS_ERROR, TS_ERROR_CANCELLED)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static gboolean
validate (CliTrain *t, GError **error)
{
  if (t->val == NULL)
    return TRUE;
  const TsTrainState *S = ts_trainer_state (t->trainer);
  if (t->tty && !cli_quiet)
    {
      cli_train_clear_line (t);
      fprintf (stderr, "step %d/%d  validating on %u image%s...", S->step, S->config.steps,
               t->val->len, cli_train_plural (t->val->len));
      fflush (stderr);
      t->line_drawn = TRUE;
    }
  gint64 start = g_get_monotonic_time ();
  double psnr = ts_trainer_validate (t->trainer, cli_cancel_flag (), error);
  if (isnan (psnr))
    return FALSE;
  t->val_seconds = (g_get_monotonic_time () - start) / 1e6;
  t->n_validations++;
  g_autofree char *took = cli_train_format_duration (t->val_seconds);
  cli_train_say (t, "step %d/%d  validation PSNR %.2f dB (%u image%s, %s)", S->step,
                 S->config.steps, psnr, t->val->len, cli_train_plural (t->val->len), took);
  return TRUE;
}

/* A step or validation that failed with `error` (consumed): Ctrl+C ends as an interruption
 * (its checkpoint and resume command); any other failure of a validation keeps the steps
 * done in the checkpoint, which resumes once the cause is fixed. */
static int
report_failure (CliTrain *t, GError *error, gboolean keep_steps, const char *prefix)
{
  if (is_cancelled (error) || cli_cancelled ())
    {
      g_error_free (error);
      return cli_train_interrupted (t);
    }
  if (keep_steps)
    cli_train_save_checkpoint (t);
  cli_train_clear_line (t);
  if (prefix != NULL)
    g_prefix_error (&error, "%s", prefix);
  return cli_report_error (error);
}

int
cli_train_run (CliTrain *t)
{
  const TsTrainState *S = ts_trainer_state (t->trainer);
  int total = S->config.steps;
  GError *error = NULL;

  t->first_step = S->step;
  t->tty = !cli_quiet && isatty (STDERR_FILENO);
  t->session_start_us = g_get_monotonic_time ();
  cli_train_say (t, "%s step %d of %d (%s, sigma %g, %d crops of %d x %d per step); "
                 "checkpoints to %s", S->step > 0 ? "resuming at" : "training from", S->step,
                 total, ts_prox_type_name (S->config.prox_type), S->config.sigma,
                 S->config.batch, S->config.crop, S->config.crop, t->checkpoint);

  gboolean validated_now = FALSE;
  while (S->step < total)
    {
      TsTrainStepStats stats;
      if (!ts_trainer_step (t->trainer, cli_cancel_flag (), &stats, &error))
        return report_failure (t, error, FALSE, NULL);
      add_stats (t, &stats);
      show_progress (t, FALSE);
      validated_now = FALSE;
      if (t->val_every > 0 && S->step % t->val_every == 0 && S->step < total)
        {
          if (!validate (t, &error))
            {
              g_autofree char *prefix
                = g_strdup_printf ("validation at step %d failed (checkpoint written to %s): ",
                                   S->step, t->checkpoint);
              return report_failure (t, error, TRUE, prefix);
            }
          validated_now = TRUE;
          if (t->tty)
            show_progress (t, FALSE);   /* redraw the line under the validation result */
        }
      if (t->checkpoint_every > 0 && S->step % t->checkpoint_every == 0 && S->step < total)
        cli_train_save_checkpoint (t);
    }

  /* The end: a last validation, the final checkpoint, the model. */
  cli_train_clear_line (t);
  if (!validated_now && !validate (t, &error))
    {
      g_autofree char *prefix
        = g_strdup_printf ("final validation failed (checkpoint written to %s): ", t->checkpoint);
      return report_failure (t, error, TRUE, prefix);
    }
  cli_train_save_checkpoint (t);
  return cli_train_write_model (t);
}
