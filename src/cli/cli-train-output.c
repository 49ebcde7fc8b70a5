/* tessera-cli train: the trained model with its provenance (the history of commands, the
 * configuration, the data and the time it took), and the summary printed at the end. */
#include "cli-train-private.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static char *
provenance_text (const CliTrain *t)
{
  const TsTrainState *S = ts_trainer_state (t->trainer);
  const TsTrainConfig *c = &S->config;
  g_autofree char *wall = cli_train_format_duration (S->elapsed_seconds);
  GString *p = g_string_new (NULL);
  g_string_append_printf (p, "%s\n", ts_trainer_history (t->trainer));
  g_string_append_printf (p, "prox %s, sigma %g, groupsize %d, lambda %g, %d atoms, %d free "
                          "atoms, %d x %d, beta from %g\n", ts_prox_type_name (c->prox_type),
                          c->sigma, c->groupsize, c->lambda, c->n_atoms, c->n_free,
                          c->atom_size, c->atom_size, c->beta_init);
  g_string_append_printf (p, "seed %" G_GUINT64_FORMAT ", %d steps of %d crops of %d x %d "
                          "(%d steps per epoch), learning rates %g / %g, decay %g\n", c->seed,
                          S->step, c->batch, c->crop, c->crop, c->steps_per_epoch, c->lr_atoms,
                          c->lr_hyper, c->lr_decay);
  g_string_append_printf (p, "training data: %s (%u images, fingerprint %016" G_GINT64_MODIFIER
                          "x)", t->data_dir, t->train->len, S->data_fingerprint);
  if (t->val != NULL)
    g_string_append_printf (p, "; validation: %u image%s %s", t->val->len,
                            cli_train_plural (t->val->len),
                            t->holdout ? "held out of the training data" : t->val_dir);
  g_string_append_printf (p, "\nwall time %s (%.0f s, all sessions)", wall, S->elapsed_seconds);
  if (!isnan (S->last_val_psnr))
    g_string_append_printf (p, "; validation PSNR %.2f dB", S->last_val_psnr);
  return g_string_free (p, FALSE);
}

static void
print_summary (const CliTrain *t)
{
  const TsTrainState *S = ts_trainer_state (t->trainer);
  g_autofree char *total = cli_train_format_duration (S->elapsed_seconds);
  g_autofree char *session
    = cli_train_format_duration ((g_get_monotonic_time () - t->session_start_us) / 1e6);
  printf ("trained %d steps in %s of training", S->step, total);
  if (t->first_step > 0)
    printf (" (this session: %d steps, %s)", t->n_steps, session);
  printf ("\n");
  if (t->n_steps > 0)
    {
      double work = t->sum_forward + t->sum_adjoint + t->sum_gradient;
      printf ("mean %.2f s/step", t->sum_seconds / t->n_steps);
      if (work > 0.0)
        printf (": forward %.0f%%, adjoint %.0f%%, gradient %.0f%%", 100.0 * t->sum_forward / work,
                100.0 * t->sum_adjoint / work, 100.0 * t->sum_gradient / work);
      printf ("\n");
      printf ("mean iterations per crop: inner %.1f, adjoint %.1f", t->sum_inner / t->n_steps,
              t->sum_adjoint_iter / t->n_steps);
      if (t->unconverged > 0)
        printf ("; %d adjoint solves hit the cap (worst residual %.2g)", t->unconverged,
                t->worst_residual);
      printf ("\n");
      if (t->diverged_crops > 0)
        printf ("%d crop%s in %d step%s diverged and %s left out of %s step\n", t->diverged_crops,
                cli_train_plural (t->diverged_crops), t->diverged_steps,
                cli_train_plural (t->diverged_steps), t->diverged_crops == 1 ? "was" : "were",
                t->diverged_crops == 1 ? "its" : "their");
      printf ("last loss %.5f\n", t->last_loss);
    }
  if (!isnan (S->last_val_psnr))
    printf ("validation PSNR %.2f dB on %u image%s\n", S->last_val_psnr,
            t->val != NULL ? t->val->len : 0,
            cli_train_plural (t->val != NULL ? t->val->len : 0));
  printf ("model written to %s; checkpoint %s\n", t->output, t->checkpoint);
}

int
cli_train_write_model (CliTrain *t)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *base = g_path_get_basename (t->output);
  if (g_str_has_suffix (base, ".tsm"))
    base[strlen (base) - 4] = '\0';
  g_autofree char *provenance = provenance_text (t);
  g_autoptr (TsModel) model = ts_trainer_export_model (t->trainer, base, provenance);
  if (!ts_model_save (model, t->output, &error))
    return cli_report_error (g_steal_pointer (&error));
  print_summary (t);
  return CLI_EXIT_OK;
}
