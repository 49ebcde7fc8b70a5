/* tessera-cli train: the options, their checks, and the configuration of a new training. */
#include "cli-train-private.h"

#include <math.h>
#include <string.h>

gboolean
cli_train_init_is_keyword (const char *init)
{
  return g_strcmp0 (init, "random") == 0 || g_strcmp0 (init, "pca") == 0
         || g_strcmp0 (init, "patches") == 0 || g_strcmp0 (init, "dictionary") == 0;
}

gboolean
cli_train_parse_prox (const char *name, TsProxType *out)
{
  if (g_strcmp0 (name, "ncpr") == 0)
    *out = TS_PROX_NCPR;
  else if (g_strcmp0 (name, "cpr") == 0)
    *out = TS_PROX_CPR;
  else
    return FALSE;
  return TRUE;
}

/* Range checks of the options given, in the options' own names. */
static gboolean
check_options (const CliTrain *t, guint64 *seed, int *code)
{
  const char *problem = NULL;
  g_autofree char *owned = NULL;
  TsProxType prox;
  TsColourForm form;

  if (t->data_dir == NULL)
    problem = "missing --data DIR (a folder of clean training images)";
  else if (t->output == NULL)
    problem = "missing -o MODEL.tsm";
  else if (t->resume == NULL && t->prox == NULL)
    problem = "missing --prox ncpr|cpr";
  else if (t->resume == NULL && isnan (t->sigma))
    problem = "missing --sigma S (the training noise level, 0-255)";
  else if (t->prox != NULL && !cli_train_parse_prox (t->prox, &prox))
    problem = owned = g_strdup_printf ("--prox must be ncpr or cpr, not '%s'", t->prox);
  else if (!isnan (t->sigma) && !(t->sigma > 0.0 && t->sigma <= 255.0))
    problem = "--sigma must be in (0, 255]";
  else if (t->groupsize != CLI_UNSET_INT && t->groupsize != 1 && t->groupsize != 2)
    problem = "--groupsize must be 1 or 2";
  else if (t->groupsize == 2 && t->prox != NULL && strcmp (t->prox, "ncpr") == 0)
    problem = "--groupsize 2 is for --prox cpr";
  else if (t->atoms != CLI_UNSET_INT && (t->atoms < 1 || t->atoms > 4096))
    problem = "--atoms must be between 1 and 4096";
  else if (t->atom_size != CLI_UNSET_INT
           && (t->atom_size < 3 || t->atom_size > 31 || t->atom_size % 2 == 0))
    problem = "--atom-size must be odd, between 3 and 31";
  else if (t->free_atoms != CLI_UNSET_INT && t->free_atoms < 0)
    problem = "--free-atoms must be 0 or more";
  else if (t->crop != CLI_UNSET_INT && (t->crop < 3 || t->crop > 4096))
    problem = "--crop must be between the atom size and 4096";
  else if (t->batch != CLI_UNSET_INT && (t->batch < 1 || t->batch > 4096))
    problem = "--batch must be between 1 and 4096";
  else if (t->iterations != CLI_UNSET_INT && (t->iterations < 0 || t->iterations > 1000))
    problem = "--iterations must be 0 (train at the fixed point) to 1000";
  else if (t->image_step != NULL && g_strcmp0 (t->image_step, "gradient") != 0
           && g_strcmp0 (t->image_step, "exact") != 0)
    problem = "--image-step must be 'gradient' or 'exact'";
  else if (t->colour != NULL && !ts_colour_form_from_name (t->colour, &form))
    problem = owned = g_strdup_printf ("--colour must be 'planes' or 'joint', not '%s'", t->colour);
  else if (!isnan (t->chroma_weight)
           && !(t->chroma_weight >= TS_CHROMA_WEIGHT_MIN && t->chroma_weight <= TS_CHROMA_WEIGHT_MAX))
    problem = "--chroma-weight must be in [0.001, 1000]";
  else if (t->steps != CLI_UNSET_INT && t->steps < 1)
    problem = "--steps must be at least 1";
  else if (t->seed != NULL
           && !g_ascii_string_to_unsigned (t->seed, 10, 0, G_MAXUINT64, seed, NULL))
    problem = owned = g_strdup_printf ("--seed must be a non-negative integer, not '%s'", t->seed);
  else if (!isnan (t->lambda) && !(t->lambda > 0.0 && t->lambda <= 1e3))
    problem = "--lambda must be a positive number";
  else if (!isnan (t->beta_init) && !(t->beta_init >= 0.0 && t->beta_init <= 1e3))
    problem = "--beta-init must be a non-negative number";
  else if (!isnan (t->lr_decay) && !(t->lr_decay > 0.0 && t->lr_decay <= 1.0))
    problem = "--lr-decay must be in (0, 1]";
  else if (!isnan (t->lr_atoms) && !(t->lr_atoms > 0.0 && t->lr_atoms <= 1.0))
    problem = "--lr-atoms must be in (0, 1]";
  else if (!isnan (t->lr_hyper) && !(t->lr_hyper > 0.0 && t->lr_hyper <= 1.0))
    problem = "--lr-hyper must be in (0, 1]";
  else if (t->threads != CLI_UNSET_INT && (t->threads < 1 || t->threads > 256))
    problem = "--threads must be between 1 and 256";
  else if (t->val_every < 0)
    problem = "--val-every must be 0 (only at the end) or more";
  else if (t->checkpoint_every < 0)
    problem = "--checkpoint-every must be 0 (only on Ctrl+C and at the end) or more";

  if (problem != NULL)
    {
      *code = cli_usage_error ("train", "%s", problem);
      return FALSE;
    }
  return TRUE;
}

gboolean
cli_train_parse_options (CliTrain *t, int argc, char **argv, guint64 *seed, int *code)
{
  g_auto (GStrv) positional = NULL;

  t->sigma = t->lambda = t->beta_init = t->lr_decay = t->lr_atoms = t->lr_hyper = NAN;
  t->chroma_weight = NAN;
  t->groupsize = t->atoms = t->free_atoms = t->atom_size = CLI_UNSET_INT;
  t->crop = t->batch = t->steps = t->threads = t->iterations = CLI_UNSET_INT;
  t->val_every = DEFAULT_VAL_EVERY;
  t->checkpoint_every = DEFAULT_CHECKPOINT_EVERY;
  const GOptionEntry entries[] = {
    { "data", 'd', 0, G_OPTION_ARG_FILENAME, &t->data_dir,
      "Folder of clean training images (PNG, TIFF, JPEG; colour is converted to luminance, "
      "except with --colour joint, which trains on RGB)",
      "DIR" },
    { "val", 0, 0, G_OPTION_ARG_FILENAME, &t->val_dir,
      "Folder of validation images (default: hold out 10 images of --data)", "DIR" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &t->output, "Model file to write", "MODEL.tsm" },
    { "sigma", 's', 0, G_OPTION_ARG_DOUBLE, &t->sigma, "Training noise level, 0-255", "S" },
    { "prox", 0, 0, G_OPTION_ARG_STRING, &t->prox, "Prox family: ncpr or cpr", "ncpr|cpr" },
    { "groupsize", 0, 0, G_OPTION_ARG_INT, &t->groupsize, "CPR group side, 1 or 2 (default 2)",
      "G" },
    { "atoms", 0, 0, G_OPTION_ARG_INT, &t->atoms, "Number of atoms K (default 200)", "K" },
    { "free-atoms", 0, 0, G_OPTION_ARG_INT, &t->free_atoms, "Number of free atoms M (default 120)",
      "M" },
    { "atom-size", 0, 0, G_OPTION_ARG_INT, &t->atom_size, "Atom side p, odd (default 13)", "P" },
    { "crop", 0, 0, G_OPTION_ARG_INT, &t->crop, "Side of the training crops (default 40)", "N" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &t->batch, "Crops per step (default 16)", "N" },
    { "steps", 0, 0, G_OPTION_ARG_INT, &t->steps,
      "Optimisation steps (default: two passes over the data); with --resume, where the run now ends (not before the steps done; the schedule is kept)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &t->seed, "Random seed (default 1)", "N" },
    { "iterations", 0, 0, G_OPTION_ARG_INT, &t->iterations,
      "Train for an iteration budget: the loss on iterate N of the reference iteration, "
      "back-propagated through the N steps; the model then runs N iterations by default "
      "(default 0: train at the fixed point)", "N" },
    { "image-step", 0, 0, G_OPTION_ARG_STRING, &t->image_step,
      "With --iterations: the iteration's image step, gradient (the reference's, default) or "
      "exact (solved per frequency)", "gradient|exact" },
    { "colour", 0, 0, G_OPTION_ARG_STRING, &t->colour,
      "planes (default: grayscale models, colour images converted to luminance) or joint (the "
      "joint colour form on RGB images: the three opponent planes of a crop solved together, "
      "an atom's three coefficients coded as one group; learns the chroma weight)",
      "planes|joint" },
    { "chroma-weight", 0, 0, G_OPTION_ARG_DOUBLE, &t->chroma_weight,
      "With --colour joint: the chroma weight w at the start (default: the initial model's "
      "when it has the joint form, else 1)", "W" },
    { "init", 0, 0, G_OPTION_ARG_FILENAME, &t->init,
      "Start: random (default), pca (free atoms from the data's principal components), patches "
      "(pca plus atoms from textured training patches, both at a trained model's scale), "
      "dictionary (a smooth subspace and localised atoms learned from the patches by "
      "dictionary learning, at the patches start's scale), or a model (its sizes and lambda "
      "by default)", "random|pca|patches|dictionary|MODEL" },
    { "lambda", 0, 0, G_OPTION_ARG_DOUBLE, &t->lambda,
      "Base threshold (default: the reference's for the prox and sigma)", "L" },
    { "beta-init", 0, 0, G_OPTION_ARG_DOUBLE, &t->beta_init,
      "Initial beta (default 2.0 or 0.5, see MODEL.md; 0.25 for --init dictionary)", "B" },
    { "lr-decay", 0, 0, G_OPTION_ARG_DOUBLE, &t->lr_decay,
      "Learning-rate factor, applied 10 times per pass (default 0.9 NCPR, 0.75 CPR)", "F" },
    { "lr-atoms", 0, 0, G_OPTION_ARG_DOUBLE, &t->lr_atoms,
      "Adam learning rate of the atoms and free atoms (default 2e-4)", "R" },
    { "lr-hyper", 0, 0, G_OPTION_ARG_DOUBLE, &t->lr_hyper,
      "Adam learning rate of the threshold scalings and beta (default 1e-3)", "R" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &t->threads, "Worker threads (default 2)", "N" },
    { "val-every", 0, 0, G_OPTION_ARG_INT, &t->val_every,
      "Validate every N steps (default 50; 0: only at the end)", "N" },
    { "checkpoint", 0, 0, G_OPTION_ARG_FILENAME, &t->checkpoint,
      "Checkpoint file (default: MODEL.tsm.ckpt, or the --resume file)", "PATH" },
    { "checkpoint-every", 0, 0, G_OPTION_ARG_INT, &t->checkpoint_every,
      "Write the checkpoint every N steps (default 10; 0: only on Ctrl+C and at the end)", "N" },
    { "resume", 0, 0, G_OPTION_ARG_FILENAME, &t->resume,
      "Continue from this checkpoint (same --data)", "CHECKPOINT" },
    G_OPTION_ENTRY_NULL
  };

  if (!cli_parse_options ("train", "--data DIR --sigma S --prox ncpr|cpr -o MODEL.tsm",
                          "Learns a model's atoms, free atoms, thresholds and beta from clean\n"
                          "images (bilevel training, MODEL.md \"Training\"): random crops with\n"
                          "fresh noise, the inner solve, implicit differentiation, Adam.",
                          "Validation: without --val, 10 images spread evenly over --data\n"
                          "(sorted by name) are held out and never trained on (fewer with under\n"
                          "50 images). Ctrl+C writes the checkpoint and prints the command that\n"
                          "resumes; a resumed training continues bit for bit. On --resume the\n"
                          "training options come from the checkpoint: any given must match it.\n"
                          "Checkpoint format: docs/checkpoint-format.md.",
                          entries, argc, argv, &positional, code))
    return FALSE;
  if (g_strv_length (positional) > 0)
    {
      *code = cli_usage_error ("train", "unexpected argument '%s'", positional[0]);
      return FALSE;
    }
  return check_options (t, seed, code);
}

gboolean
cli_train_check_paths (CliTrain *t, int *code)
{
  if (!g_file_test (t->data_dir, G_FILE_TEST_IS_DIR))
    {
      *code = cli_error ("%s: not a folder", t->data_dir);
      return FALSE;
    }
  if (t->val_dir != NULL && !g_file_test (t->val_dir, G_FILE_TEST_IS_DIR))
    {
      *code = cli_error ("%s: not a folder", t->val_dir);
      return FALSE;
    }
  if (t->checkpoint == NULL)
    t->checkpoint = t->resume != NULL ? g_strdup (t->resume)
                                      : g_strconcat (t->output, ".ckpt", NULL);
  const char *outputs[] = { t->output, t->checkpoint };
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *dir = g_path_get_dirname (outputs[i]);
      if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
        {
          *code = cli_error ("%s: output folder %s does not exist", outputs[i], dir);
          return FALSE;
        }
    }
  return TRUE;
}

/* MODEL.md defaults for the prox type and noise level (ts_train_config_init), the initial
 * model's sizes and base threshold, then the options given. */
gboolean
cli_train_build_config (const CliTrain *t, guint64 seed, const TsModel *init,
                        TsTrainConfig *config, int *code)
{
  TsProxType prox = TS_PROX_NCPR;
  cli_train_parse_prox (t->prox, &prox);
  ts_train_config_init (config, prox, t->sigma);
  if (init != NULL)
    {
      config->n_atoms = init->n_atoms;
      config->n_free = init->n_free;
      config->atom_size = init->atom_size;
      /* The learned lambda_scaling is relative to the model's own base threshold, and a
       * fine-tune continues from the model's learned beta (unless --beta-init). */
      config->lambda = init->lambda;
      config->beta_init = init->beta;
      if (init->prox_type == prox && prox == TS_PROX_NCPR)
        config->order = init->order;
      if (init->prox_type == prox && prox == TS_PROX_CPR)
        config->groupsize = init->groupsize;
    }
  if (t->groupsize != CLI_UNSET_INT)
    config->groupsize = t->groupsize;
  if (t->atoms != CLI_UNSET_INT)
    config->n_atoms = t->atoms;
  if (t->free_atoms != CLI_UNSET_INT)
    config->n_free = t->free_atoms;
  if (t->atom_size != CLI_UNSET_INT)
    config->atom_size = t->atom_size;
  if (t->crop != CLI_UNSET_INT)
    config->crop = t->crop;
  if (t->batch != CLI_UNSET_INT)
    config->batch = t->batch;
  if (t->steps != CLI_UNSET_INT)
    config->steps = t->steps;
  if (t->iterations != CLI_UNSET_INT)
    config->iterations = t->iterations;
  if (t->image_step != NULL)
    config->exact_image_step = g_strcmp0 (t->image_step, "exact") == 0;
  if (init != NULL && init->colour_form == TS_COLOUR_FORM_JOINT)
    {
      config->colour_form = TS_COLOUR_FORM_JOINT;
      config->chroma_weight_init = init->chroma_weight;
    }
  if (t->colour != NULL)
    ts_colour_form_from_name (t->colour, &config->colour_form);
  if (!isnan (t->chroma_weight))
    config->chroma_weight_init = t->chroma_weight;
  if (t->seed != NULL)
    config->seed = seed;
  /* A grayscale model's threshold was set against the noise of one coefficient; the joint
   * form's group norm carries the noise of three, sqrt (1 + 2 w) times as much (white noise
   * at one level in every opponent plane): the start keeps the grayscale model's strength.
   * docs/training.md, "The joint colour form": shipped ncpr-sigma25 at w = 1, 23.69 dB on the
   * probe's crops with its own lambda, 29.57 with this one (the planes: 30.87). */
  if (config->colour_form == TS_COLOUR_FORM_JOINT && init != NULL
      && init->colour_form != TS_COLOUR_FORM_JOINT)
    config->lambda = init->lambda * sqrt (1.0 + 2.0 * config->chroma_weight_init);
  if (!isnan (t->lambda))
    config->lambda = t->lambda;
  /* The dictionary start's atoms carry the detail that the PCA starts leave to the free
   * atoms: a low coupling fits them (docs/training.md, 60-step probes: beta 0.25 27.27 dB,
   * 0.5 26.59 at step 40, 2.0 25.20; the patches start 26.91). */
  if (g_strcmp0 (t->init, "dictionary") == 0)
    config->beta_init = 0.25;
  if (!isnan (t->beta_init))
    config->beta_init = t->beta_init;
  if (!isnan (t->lr_decay))
    config->lr_decay = t->lr_decay;
  if (!isnan (t->lr_atoms))
    config->lr_atoms = t->lr_atoms;
  if (!isnan (t->lr_hyper))
    config->lr_hyper = t->lr_hyper;
  if (t->threads != CLI_UNSET_INT)
    config->threads = t->threads;

  g_autoptr (GError) error = NULL;
  if (!ts_train_config_validate (config, &error))
    {
      *code = cli_usage_error ("train", "%s", error->message);
      return FALSE;
    }
  return TRUE;
}
