/* tessera-cli train: bilevel training of a model on a folder of clean images (ts-train.h),
 * with validation, periodic checkpoints, Ctrl+C to a checkpoint and --resume.
 *
 * Resuming: the checkpoint holds the whole training configuration. The options that
 * define the training (--sigma, --prox, --groupsize, --atoms, --free-atoms, --atom-size,
 * --crop, --batch, --steps, --seed, --lambda, --beta-init, --lr-atoms, --lr-hyper,
 * --lr-decay) may be repeated on
 * a resume only with the values the checkpoint has (so that the original command plus
 * --resume works); a different value is an error, never silently ignored. --init is ignored
 * with a note: the checkpoint holds the parameters. --threads, --val, --val-every, -o,
 * --checkpoint and --checkpoint-every belong to the session and may change (the thread
 * count does not change the result). */
#include "cli-train-private.h"

#include <string.h>

static void
train_clear (CliTrain *t)
{
  g_free (t->data_dir);
  g_free (t->val_dir);
  g_free (t->prox);
  g_free (t->init);
  g_free (t->image_step);
  g_free (t->output);
  g_free (t->checkpoint);
  g_free (t->resume);
  g_free (t->seed);
  g_free (t->colour);
  g_free (t->command_line);
  ts_trainer_free (t->trainer);   /* before the images it borrows */
  if (t->train != NULL)
    g_ptr_array_unref (t->train);
  if (t->val != NULL)
    g_ptr_array_unref (t->val);
  if (t->train_names != NULL)
    g_ptr_array_unref (t->train_names);
  if (t->val_names != NULL)
    g_ptr_array_unref (t->val_names);
}

char *
cli_train_quote_args (int argc, char **argv)
{
  GString *out = g_string_new (CLI_PROGRAM);
  for (int i = 0; i < argc; i++)
    {
      g_autofree char *quoted = NULL;
      /* Plain words stay readable; anything else is quoted for the shell. */
      gboolean plain = argv[i][0] != '\0';
      for (const char *c = argv[i]; *c != '\0' && plain; c++)
        plain = g_ascii_isalnum (*c) || strchr ("-_./=:+,@%", *c) != NULL;
      quoted = plain ? g_strdup (argv[i]) : g_shell_quote (argv[i]);
      g_string_append_printf (out, " %s", quoted);
    }
  return g_string_free (out, FALSE);
}

/* The configuration: the checkpoint's on --resume, else that of a new training from the
 * options and --init MODEL (loaded into *init). The checkpoint or model is read before the
 * images: fail fast. */
static gboolean
prepare_config (CliTrain *t, guint64 seed, TsModel **init, TsTrainConfig *config, int *code)
{
  if (t->resume != NULL)
    return cli_train_load_checkpoint (t, seed, config, code);
  if (t->init != NULL && !cli_train_init_is_keyword (t->init))
    {
      GError *error = NULL;
      *init = cli_load_model (t->init, t->sigma, &error);
      if (*init == NULL)
        {
          *code = cli_report_error (error);
          return FALSE;
        }
    }
  return cli_train_build_config (t, seed, *init, config, code);
}

/* The first line of this session in the run's history. Checkpoints written before the
 * history was kept have none: the resume line then stands alone, below it the options the
 * checkpoint holds. */
static void
add_history (CliTrain *t)
{
  g_autofree char *line = t->resume != NULL
    ? g_strdup_printf ("resumed at step %d with: %s", ts_trainer_state (t->trainer)->step,
                       t->command_line)
    : g_strdup_printf ("trained with: %s", t->command_line);
  ts_trainer_add_history (t->trainer, line);
}

/* The images, the initial model of --init pca|patches|dictionary, and the trainer, new or
 * resumed. */
static gboolean
prepare_trainer (CliTrain *t, const TsTrainConfig *config, TsModel **init, int *code)
{
  GError *error = NULL;
  if (!cli_train_load_images (t, config, &error))
    goto fail;
  if (cli_cancelled ())
    {
      *code = cli_report_error (g_error_new (TS_ERROR, TS_ERROR_CANCELLED, "cancelled"));
      return FALSE;
    }
  if (t->resume == NULL && t->init != NULL && cli_train_init_is_keyword (t->init)
      && g_strcmp0 (t->init, "random") != 0)
    {
      /* The smooth subspace (and the atoms) from the training patches (ts_train_initial_model). */
      TsTrainInit kind = g_strcmp0 (t->init, "pca") == 0       ? TS_TRAIN_INIT_PCA
                         : g_strcmp0 (t->init, "patches") == 0 ? TS_TRAIN_INIT_PATCHES
                                                               : TS_TRAIN_INIT_DICTIONARY;
      *init = ts_train_initial_model (config, t->train, kind, &error);
      if (*init == NULL)
        goto fail;
    }
  if (t->resume != NULL)
    t->trainer = ts_trainer_resume (t->resume, t->train, t->val, &error);
  else
    t->trainer = ts_trainer_new (config, *init, t->train, t->val, &error);
  if (t->trainer == NULL)
    goto fail;
  add_history (t);
  /* The thread count belongs to the session: results do not depend on it. */
  if (t->resume != NULL && t->threads != CLI_UNSET_INT)
    ts_trainer_set_threads (t->trainer, t->threads);
  return cli_train_apply_steps (t, code);

fail:
  *code = cli_report_error (error);
  return FALSE;
}

int
cli_cmd_train (int argc, char **argv)
{
  CliTrain t = { 0 };
  g_autoptr (TsModel) init = NULL;
  TsTrainConfig config;
  guint64 seed = 0;
  int code = CLI_EXIT_OK;

  /* Before parsing, which takes the options out of argv. */
  t.command_line = cli_train_quote_args (argc, argv);
  if (cli_train_parse_options (&t, argc, argv, &seed, &code)
      && cli_train_check_paths (&t, &code)
      && prepare_config (&t, seed, &init, &config, &code)
      && prepare_trainer (&t, &config, &init, &code))
    code = cli_train_run (&t);
  train_clear (&t);
  return code;
}
