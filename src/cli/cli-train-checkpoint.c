/* tessera-cli train: checkpoints. Written every --checkpoint-every steps, on Ctrl+C (with
 * the command that resumes) and at the end; --resume continues from one, with the training
 * options it holds. */
#include "cli-train-private.h"

#include <math.h>
#include <stdio.h>

/* On --resume: each training option given must agree with the checkpoint. */
static gboolean
check_resume_options (const CliTrain *t, guint64 seed, const TsTrainConfig *c, int *code)
{
  g_autoptr (GString) diff = g_string_new (NULL);
  TsProxType prox;

#define DIFF_INT(given, option, value)                                                    \
  if ((given) != CLI_UNSET_INT && (given) != (value))                                      \
    g_string_append_printf (diff, "%s%s %d (checkpoint: %d)", diff->len ? ", " : "", option, \
                            (given), (value))
#define DIFF_DOUBLE(given, option, value)                                                 \
  if (!isnan (given) && (given) != (value))                                                \
    g_string_append_printf (diff, "%s%s %g (checkpoint: %.17g)", diff->len ? ", " : "",     \
                            option, (given), (value))

  if (t->prox != NULL && cli_train_parse_prox (t->prox, &prox) && prox != c->prox_type)
    g_string_append_printf (diff, "--prox %s (checkpoint: %s)", t->prox,
                            ts_prox_type_name (c->prox_type));
  DIFF_DOUBLE (t->sigma, "--sigma", c->sigma);
  DIFF_INT (t->groupsize, "--groupsize", c->groupsize);
  DIFF_INT (t->atoms, "--atoms", c->n_atoms);
  DIFF_INT (t->free_atoms, "--free-atoms", c->n_free);
  DIFF_INT (t->atom_size, "--atom-size", c->atom_size);
  DIFF_INT (t->crop, "--crop", c->crop);
  DIFF_INT (t->batch, "--batch", c->batch);
  /* --steps may move the end (cli_train_apply_steps). */
  DIFF_INT (t->iterations, "--iterations", c->iterations);
  if (t->image_step != NULL && (g_strcmp0 (t->image_step, "exact") == 0) != c->exact_image_step)
    g_string_append_printf (diff, "%s--image-step %s (checkpoint: %s)", diff->len ? ", " : "",
                            t->image_step, c->exact_image_step ? "exact" : "gradient");
  TsColourForm form;
  if (t->colour != NULL && ts_colour_form_from_name (t->colour, &form) && form != c->colour_form)
    g_string_append_printf (diff, "%s--colour %s (checkpoint: %s)", diff->len ? ", " : "",
                            t->colour, ts_colour_form_name (c->colour_form));
  DIFF_DOUBLE (t->chroma_weight, "--chroma-weight", c->chroma_weight_init);
  DIFF_DOUBLE (t->lambda, "--lambda", c->lambda);
  DIFF_DOUBLE (t->beta_init, "--beta-init", c->beta_init);
  DIFF_DOUBLE (t->lr_decay, "--lr-decay", c->lr_decay);
  DIFF_DOUBLE (t->lr_atoms, "--lr-atoms", c->lr_atoms);
  DIFF_DOUBLE (t->lr_hyper, "--lr-hyper", c->lr_hyper);
  if (t->seed != NULL && seed != c->seed)
    g_string_append_printf (diff, "%s--seed %s (checkpoint: %" G_GUINT64_FORMAT ")",
                            diff->len ? ", " : "", t->seed, c->seed);
#undef DIFF_INT
#undef DIFF_DOUBLE

  if (diff->len > 0)
    {
      *code = cli_usage_error ("train", "%s: the checkpoint was made with other training "
                               "options: %s; drop these options to resume, or start a new "
                               "training without --resume", t->resume, diff->str);
      return FALSE;
    }
  return TRUE;
}

gboolean
cli_train_load_checkpoint (CliTrain *t, guint64 seed, TsTrainConfig *config, int *code)
{
  GError *error = NULL;
  g_autoptr (TsTrainState) state = ts_checkpoint_load (t->resume, &error);
  if (state == NULL)
    {
      *code = cli_report_error (error);
      return FALSE;
    }
  if (!check_resume_options (t, seed, &state->config, code))
    return FALSE;
  *config = state->config;
  if (t->init != NULL)
    cli_train_say (t, "note: --init %s ignored: a resumed training continues from the "
                   "checkpoint's parameters", t->init);
  return TRUE;
}

gboolean
cli_train_apply_steps (CliTrain *t, int *code)
{
  const TsTrainState *S = ts_trainer_state (t->trainer);
  int before = S->config.steps;
  g_autoptr (GError) error = NULL;

  if (t->resume == NULL || t->steps == CLI_UNSET_INT || t->steps == before)
    return TRUE;
  if (!ts_trainer_set_steps (t->trainer, t->steps, &error))
    {
      *code = cli_usage_error ("train", "%s: --steps %d: %s", t->resume, t->steps,
                               error->message);
      return FALSE;
    }
  cli_train_say (t, "note: the run now ends at step %d instead of %d; its schedule (%d steps "
                 "per epoch) is unchanged", t->steps, before, S->config.steps_per_epoch);
  return TRUE;
}

void
cli_train_save_checkpoint (CliTrain *t)
{
  g_autoptr (GError) error = NULL;
  /* A failed write (disk full) must not end hours of training: warn and try again at the
   * next checkpoint. */
  if (!ts_trainer_save_checkpoint (t->trainer, t->checkpoint, &error))
    {
      cli_train_clear_line (t);
      fprintf (stderr, "%s: warning: %s\n", CLI_PROGRAM, error->message);
    }
}

static char *
resume_command (const CliTrain *t)
{
  GPtrArray *args = g_ptr_array_new ();
  g_autofree char *val_every = g_strdup_printf ("%d", t->val_every);
  g_autofree char *ckpt_every = g_strdup_printf ("%d", t->checkpoint_every);
  g_ptr_array_add (args, (char *) "train");
  g_ptr_array_add (args, (char *) "--data");
  g_ptr_array_add (args, t->data_dir);
  if (t->val_dir != NULL)
    {
      g_ptr_array_add (args, (char *) "--val");
      g_ptr_array_add (args, t->val_dir);
    }
  if (t->val_every != DEFAULT_VAL_EVERY)
    {
      g_ptr_array_add (args, (char *) "--val-every");
      g_ptr_array_add (args, val_every);
    }
  if (t->checkpoint_every != DEFAULT_CHECKPOINT_EVERY)
    {
      g_ptr_array_add (args, (char *) "--checkpoint-every");
      g_ptr_array_add (args, ckpt_every);
    }
  g_ptr_array_add (args, (char *) "-o");
  g_ptr_array_add (args, t->output);
  g_ptr_array_add (args, (char *) "--resume");
  g_ptr_array_add (args, t->checkpoint);
  char *text = cli_train_quote_args ((int) args->len, (char **) args->pdata);
  g_ptr_array_free (args, TRUE);
  return text;
}

/* The state is that before the interrupted step. */
int
cli_train_interrupted (CliTrain *t)
{
  g_autoptr (GError) error = NULL;
  cli_train_clear_line (t);
  const TsTrainState *S = ts_trainer_state (t->trainer);
  if (!ts_trainer_save_checkpoint (t->trainer, t->checkpoint, &error))
    return cli_error ("interrupted, and the checkpoint could not be written: %s",
                      error->message);
  g_autofree char *command = resume_command (t);
  fprintf (stderr, "%s: interrupted at step %d of %d; checkpoint written to %s\n"
           "resume with: %s\n", CLI_PROGRAM, S->step, S->config.steps, t->checkpoint, command);
  return CLI_EXIT_INTERRUPTED;
}
