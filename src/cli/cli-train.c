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
#include "cli-common.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_VAL_EVERY 50
#define DEFAULT_CHECKPOINT_EVERY 10
#define HOLDOUT_MAX 10
/* Without --val, at most one image in HOLDOUT_SHARE is held out for validation. */
#define HOLDOUT_SHARE 5
/* Non-terminal progress: one line per this many steps. */
#define LOG_EVERY 10
/* s/step and the ETA use the mean of the last this many steps. */
#define RATE_WINDOW 20

static const char *const image_suffixes[] = { ".png", ".tif", ".tiff", ".jpg", ".jpeg", NULL };

typedef struct {
  /* options */
  char *data_dir, *val_dir, *prox, *init, *output, *checkpoint, *resume, *seed;
  double sigma, lambda, beta_init, lr_decay, lr_atoms, lr_hyper;
  int groupsize, atoms, free_atoms, atom_size, crop, batch, steps, threads;
  int val_every, checkpoint_every;
  /* session */
  char *command_line;
  GPtrArray *train, *val;        /* TsImage *, owned */
  GPtrArray *train_names, *val_names;
  gboolean holdout;              /* val taken from --data */
  TsTrainer *trainer;
  gboolean tty, line_drawn;
  int first_step;                /* steps done before this session */
  /* per-session statistics */
  int n_steps;
  double sum_seconds, sum_forward, sum_adjoint, sum_gradient;
  double sum_inner, sum_adjoint_iter, worst_residual;
  int unconverged;
  double recent[RATE_WINDOW];
  double last_loss;
  double val_seconds;            /* of the last validation */
  int n_validations;
  gint64 session_start_us;
} Train;

static void
train_clear (Train *t)
{
  g_free (t->data_dir);
  g_free (t->val_dir);
  g_free (t->prox);
  g_free (t->init);
  g_free (t->output);
  g_free (t->checkpoint);
  g_free (t->resume);
  g_free (t->seed);
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

static const char *
plural (guint n)
{
  return n == 1 ? "" : "s";
}

/* "1h02m", "12m05s", "42s", "0.8s". */
static char *
format_duration (double seconds)
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

static char *
quote_args (int argc, char **argv)
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

/* --- progress ------------------------------------------------------------------------- */

static void
clear_line (Train *t)
{
  if (t->tty && t->line_drawn)
    {
      fputs ("\r\033[K", stderr);
      fflush (stderr);
      t->line_drawn = FALSE;
    }
}

/* A permanent line (validation results, notes) that does not tangle with the progress
 * line. */
static void
say (Train *t, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
say (Train *t, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  if (cli_quiet)
    return;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  clear_line (t);
  fprintf (stderr, "%s\n", message);
}

static double
recent_seconds_per_step (const Train *t)
{
  int n = MIN (t->n_steps, RATE_WINDOW);
  double sum = 0.0;
  for (int i = 0; i < n; i++)
    sum += t->recent[i];
  return n > 0 ? sum / n : NAN;
}

static void
show_progress (Train *t, gboolean force)
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
  g_autofree char *eta_text = format_duration (eta);
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

/* --- images --------------------------------------------------------------------------- */

/* Luminance (ITU-R BT.601 weights, as PIL's convert("L")) of RGB(A); the gray channel of
 * gray + alpha. */
static TsImage *
to_gray (TsImage *image)
{
  if (image->channels == 1)
    return image;
  TsImage *gray = ts_image_new (image->width, image->height, 1, NULL);
  gsize n = (gsize) image->width * image->height;
  int c = image->channels;
  for (gsize i = 0; i < n; i++)
    {
      const float *p = image->data + i * c;
      gray->data[i] = c >= 3 ? 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2] : p[0];
    }
  ts_image_free (image);
  return gray;
}

/* All images of `dir`, sorted by name, as grayscale. */
static gboolean
load_folder (const char *dir, GPtrArray **images_out, GPtrArray **names_out, int *n_colour,
             GError **error)
{
  g_autoptr (GPtrArray) paths = cli_list_dir (dir, image_suffixes, FALSE, error);
  if (paths == NULL)
    return FALSE;
  if (paths->len == 0)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_IO,
                   "%s: no images (.png, .tif, .tiff, .jpg or .jpeg)", dir);
      return FALSE;
    }
  g_autoptr (GPtrArray) images = g_ptr_array_new_with_free_func ((GDestroyNotify) ts_image_free);
  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      TsImage *image = ts_image_load (path, error);
      if (image == NULL)
        return FALSE;
      if (!ts_image_check_finite (image, path, error))
        {
          ts_image_free (image);
          return FALSE;
        }
      if (image->channels >= 3)
        (*n_colour)++;   /* gray + alpha just loses the alpha */
      g_ptr_array_add (images, to_gray (image));
      if (cli_cancelled ())
        {
          g_set_error (error, TS_ERROR, TS_ERROR_CANCELLED, "cancelled");
          return FALSE;
        }
    }
  *images_out = g_steal_pointer (&images);
  *names_out = g_steal_pointer (&paths);
  return TRUE;
}

/* Groupsize-2 CPR models work on 2x2 blocks: validation images (whole pictures) are
 * cropped to even sides, top-left, like `denoise` does. */
static void
even_crop (GPtrArray *images)
{
  for (guint i = 0; i < images->len; i++)
    {
      TsImage *im = g_ptr_array_index (images, i);
      int w = im->width / 2 * 2, h = im->height / 2 * 2;
      if ((w != im->width || h != im->height) && w > 0 && h > 0)
        {
          TsImage *cropped = ts_image_crop (im, 0, 0, w, h);
          g_ptr_array_index (images, i) = cropped;
          ts_image_free (im);
        }
    }
}

static gboolean
load_images (Train *t, const TsTrainConfig *config, GError **error)
{
  g_autoptr (GPtrArray) all = NULL, all_names = NULL;
  int n_colour = 0;
  if (!load_folder (t->data_dir, &all, &all_names, &n_colour, error))
    return FALSE;

  if (t->val_dir != NULL)
    {
      int val_colour = 0;
      if (!load_folder (t->val_dir, &t->val, &t->val_names, &val_colour, error))
        return FALSE;
      n_colour += val_colour;
      t->train = g_steal_pointer (&all);
      t->train_names = g_steal_pointer (&all_names);
    }
  else
    {
      /* Hold out k images spread evenly over the sorted list: the middle of each of k
       * equal runs (every n/k-th image). */
      guint n = all->len, k = MIN (HOLDOUT_MAX, n / HOLDOUT_SHARE);
      g_autofree gboolean *held = g_new0 (gboolean, n);
      for (guint j = 0; j < k; j++)
        held[(guint) (((guint64) 2 * j + 1) * n / (2 * k))] = TRUE;
      t->train = g_ptr_array_new_with_free_func ((GDestroyNotify) ts_image_free);
      t->train_names = g_ptr_array_new_with_free_func (g_free);
      t->val = g_ptr_array_new_with_free_func ((GDestroyNotify) ts_image_free);
      t->val_names = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < n; i++)
        {
          TsImage *im = g_ptr_array_index (all, i);
          g_ptr_array_index (all, i) = NULL;
          g_ptr_array_add (held[i] ? t->val : t->train, im);
          g_ptr_array_add (held[i] ? t->val_names : t->train_names,
                           g_strdup (g_ptr_array_index (all_names, i)));
        }
      t->holdout = TRUE;
    }
  if (n_colour > 0)
    say (t, "note: %d colour image%s converted to luminance (0.299 R + 0.587 G + 0.114 B)",
         n_colour, plural ((guint) n_colour));

  for (guint i = 0; i < t->train->len; i++)
    {
      const TsImage *im = g_ptr_array_index (t->train, i);
      if (im->width < config->crop || im->height < config->crop)
        {
          g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                       "%s: %d x %d is smaller than the %d x %d training crops (--crop)",
                       (const char *) g_ptr_array_index (t->train_names, i), im->width,
                       im->height, config->crop, config->crop);
          return FALSE;
        }
    }
  if (t->train->len == 0)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "%s: no training images left", t->data_dir);
      return FALSE;
    }
  if (config->prox_type == TS_PROX_CPR && config->groupsize == 2)
    even_crop (t->val);

  if (t->holdout && t->val->len > 0)
    {
      GString *names = g_string_new (NULL);
      for (guint i = 0; i < t->val_names->len; i++)
        {
          g_autofree char *base = g_path_get_basename (g_ptr_array_index (t->val_names, i));
          g_string_append_printf (names, "%s%s", i ? ", " : "", base);
        }
      say (t, "%u training image%s from %s; %u held out for validation (not trained on): %s",
           t->train->len, plural (t->train->len), t->data_dir, t->val->len, names->str);
      g_string_free (names, TRUE);
    }
  else if (t->holdout)
    say (t, "%u training image%s from %s; too few to hold out validation images (at least %d "
         "needed): no validation; give --val DIR", t->train->len, plural (t->train->len),
         t->data_dir, HOLDOUT_SHARE);
  else
    say (t, "%u training image%s from %s; %u validation image%s from %s", t->train->len,
         plural (t->train->len), t->data_dir, t->val->len, plural (t->val->len), t->val_dir);
  if (t->val != NULL && t->val->len == 0)
    g_clear_pointer (&t->val, g_ptr_array_unref);
  return TRUE;
}

/* --- configuration --------------------------------------------------------------------- */

/* --init random (the default), pca and patches name a way to start, not a model. */
static gboolean
init_is_keyword (const char *init)
{
  return g_strcmp0 (init, "random") == 0 || g_strcmp0 (init, "pca") == 0
         || g_strcmp0 (init, "patches") == 0;
}

static gboolean
parse_prox (const char *name, TsProxType *out)
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
check_options (const Train *t, guint64 *seed, int *code)
{
  const char *problem = NULL;
  g_autofree char *owned = NULL;
  TsProxType prox;

  if (t->data_dir == NULL)
    problem = "missing --data DIR (a folder of clean training images)";
  else if (t->output == NULL)
    problem = "missing -o MODEL.tsm";
  else if (t->resume == NULL && t->prox == NULL)
    problem = "missing --prox ncpr|cpr";
  else if (t->resume == NULL && isnan (t->sigma))
    problem = "missing --sigma S (the training noise level, 0-255)";
  else if (t->prox != NULL && !parse_prox (t->prox, &prox))
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

/* The configuration of a new training: MODEL.md defaults for the prox type and noise
 * level (ts_train_config_init), the initial model's sizes and base threshold, then the
 * options given. */
static gboolean
build_config (const Train *t, guint64 seed, const TsModel *init, TsTrainConfig *config,
              int *code)
{
  TsProxType prox = TS_PROX_NCPR;
  parse_prox (t->prox, &prox);
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
  if (t->seed != NULL)
    config->seed = seed;
  if (!isnan (t->lambda))
    config->lambda = t->lambda;
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

/* On --resume: each training option given must agree with the checkpoint. */
static gboolean
check_resume_options (const Train *t, guint64 seed, const TsTrainConfig *c, int *code)
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

  if (t->prox != NULL && parse_prox (t->prox, &prox) && prox != c->prox_type)
    g_string_append_printf (diff, "--prox %s (checkpoint: %s)", t->prox,
                            ts_prox_type_name (c->prox_type));
  DIFF_DOUBLE (t->sigma, "--sigma", c->sigma);
  DIFF_INT (t->groupsize, "--groupsize", c->groupsize);
  DIFF_INT (t->atoms, "--atoms", c->n_atoms);
  DIFF_INT (t->free_atoms, "--free-atoms", c->n_free);
  DIFF_INT (t->atom_size, "--atom-size", c->atom_size);
  DIFF_INT (t->crop, "--crop", c->crop);
  DIFF_INT (t->batch, "--batch", c->batch);
  DIFF_INT (t->steps, "--steps", c->steps);
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

/* --- the run ---------------------------------------------------------------------------- */

static gboolean
is_cancelled (const GError *error)
{
  return g_error_matches (error, TS_ERROR, TS_ERROR_CANCELLED)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static char *
resume_command (const Train *t)
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
  char *text = quote_args ((int) args->len, (char **) args->pdata);
  g_ptr_array_free (args, TRUE);
  return text;
}

/* Ctrl+C: the state is that before the interrupted step; save it and say how to go on. */
static int
interrupted (Train *t)
{
  g_autoptr (GError) error = NULL;
  clear_line (t);
  const TsTrainState *S = ts_trainer_state (t->trainer);
  if (!ts_trainer_save_checkpoint (t->trainer, t->checkpoint, &error))
    return cli_error ("interrupted, and the checkpoint could not be written: %s",
                      error->message);
  g_autofree char *command = resume_command (t);
  fprintf (stderr, "%s: interrupted at step %d of %d; checkpoint written to %s\n"
           "resume with: %s\n", CLI_PROGRAM, S->step, S->config.steps, t->checkpoint, command);
  return CLI_EXIT_INTERRUPTED;
}

static gboolean
validate (Train *t, GError **error)
{
  if (t->val == NULL)
    return TRUE;
  const TsTrainState *S = ts_trainer_state (t->trainer);
  if (t->tty && !cli_quiet)
    {
      clear_line (t);
      fprintf (stderr, "step %d/%d  validating on %u image%s...", S->step, S->config.steps,
               t->val->len, plural (t->val->len));
      fflush (stderr);
      t->line_drawn = TRUE;
    }
  gint64 start = g_get_monotonic_time ();
  double psnr = ts_trainer_validate (t->trainer, cli_cancel_flag (), error);
  if (isnan (psnr))
    return FALSE;
  t->val_seconds = (g_get_monotonic_time () - start) / 1e6;
  t->n_validations++;
  g_autofree char *took = format_duration (t->val_seconds);
  say (t, "step %d/%d  validation PSNR %.2f dB (%u image%s, %s)", S->step, S->config.steps,
       psnr, t->val->len, plural (t->val->len), took);
  return TRUE;
}

static void
save_checkpoint (Train *t)
{
  g_autoptr (GError) error = NULL;
  /* A failed write (disk full) must not end hours of training: warn and try again at the
   * next checkpoint. */
  if (!ts_trainer_save_checkpoint (t->trainer, t->checkpoint, &error))
    {
      clear_line (t);
      fprintf (stderr, "%s: warning: %s\n", CLI_PROGRAM, error->message);
    }
}

static void
add_stats (Train *t, const TsTrainStepStats *st)
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
}

static char *
provenance_text (const Train *t)
{
  const TsTrainState *S = ts_trainer_state (t->trainer);
  const TsTrainConfig *c = &S->config;
  g_autofree char *wall = format_duration (S->elapsed_seconds);
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
                            plural (t->val->len),
                            t->holdout ? "held out of the training data" : t->val_dir);
  g_string_append_printf (p, "\nwall time %s (%.0f s, all sessions)", wall, S->elapsed_seconds);
  if (!isnan (S->last_val_psnr))
    g_string_append_printf (p, "; validation PSNR %.2f dB", S->last_val_psnr);
  return g_string_free (p, FALSE);
}

static void
print_summary (const Train *t)
{
  const TsTrainState *S = ts_trainer_state (t->trainer);
  g_autofree char *total = format_duration (S->elapsed_seconds);
  g_autofree char *session = format_duration ((g_get_monotonic_time () - t->session_start_us)
                                              / 1e6);
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
      printf ("last loss %.5f\n", t->last_loss);
    }
  if (!isnan (S->last_val_psnr))
    printf ("validation PSNR %.2f dB on %u image%s\n", S->last_val_psnr,
            t->val != NULL ? t->val->len : 0, plural (t->val != NULL ? t->val->len : 0));
  printf ("model written to %s; checkpoint %s\n", t->output, t->checkpoint);
}

static int
run (Train *t)
{
  const TsTrainState *S = ts_trainer_state (t->trainer);
  int total = S->config.steps;
  g_autoptr (GError) error = NULL;

  t->first_step = S->step;
  t->tty = !cli_quiet && isatty (STDERR_FILENO);
  t->session_start_us = g_get_monotonic_time ();
  say (t, "%s step %d of %d (%s, sigma %g, %d crops of %d x %d per step); checkpoints to %s",
       S->step > 0 ? "resuming at" : "training from", S->step, total,
       ts_prox_type_name (S->config.prox_type), S->config.sigma, S->config.batch, S->config.crop,
       S->config.crop, t->checkpoint);

  gboolean validated_now = FALSE;
  while (S->step < total)
    {
      TsTrainStepStats stats;
      if (!ts_trainer_step (t->trainer, cli_cancel_flag (), &stats, &error))
        {
          if (is_cancelled (error) || cli_cancelled ())
            return interrupted (t);
          clear_line (t);
          return cli_report_error (g_steal_pointer (&error));
        }
      add_stats (t, &stats);
      show_progress (t, FALSE);
      validated_now = FALSE;
      if (t->val_every > 0 && S->step % t->val_every == 0 && S->step < total)
        {
          if (!validate (t, &error))
            {
              if (is_cancelled (error) || cli_cancelled ())
                return interrupted (t);
              /* Keep the steps done: the checkpoint resumes once the cause is fixed. */
              save_checkpoint (t);
              clear_line (t);
              g_prefix_error (&error, "validation at step %d failed (checkpoint written to %s): ",
                              S->step, t->checkpoint);
              return cli_report_error (g_steal_pointer (&error));
            }
          validated_now = TRUE;
          if (t->tty)
            show_progress (t, FALSE);   /* redraw the line under the validation result */
        }
      if (t->checkpoint_every > 0 && S->step % t->checkpoint_every == 0 && S->step < total)
        save_checkpoint (t);
    }

  /* The end: a last validation, the final checkpoint, the model. */
  clear_line (t);
  if (!validated_now && !validate (t, &error))
    {
      if (is_cancelled (error) || cli_cancelled ())
        return interrupted (t);
      save_checkpoint (t);
      clear_line (t);
      g_prefix_error (&error, "final validation failed (checkpoint written to %s): ",
                      t->checkpoint);
      return cli_report_error (g_steal_pointer (&error));
    }
  save_checkpoint (t);
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

int
cli_cmd_train (int argc, char **argv)
{
  Train t = { 0 };
  g_auto (GStrv) positional = NULL;
  g_autoptr (TsModel) init = NULL;
  g_autoptr (TsTrainState) checkpoint_state = NULL;
  GError *error = NULL;
  TsTrainConfig config;
  guint64 seed = 0;
  int code = CLI_EXIT_OK;

  t.sigma = t.lambda = t.beta_init = t.lr_decay = t.lr_atoms = t.lr_hyper = NAN;
  t.groupsize = t.atoms = t.free_atoms = t.atom_size = CLI_UNSET_INT;
  t.crop = t.batch = t.steps = t.threads = CLI_UNSET_INT;
  t.val_every = DEFAULT_VAL_EVERY;
  t.checkpoint_every = DEFAULT_CHECKPOINT_EVERY;
  t.command_line = quote_args (argc, argv);
  const GOptionEntry entries[] = {
    { "data", 'd', 0, G_OPTION_ARG_FILENAME, &t.data_dir,
      "Folder of clean training images (PNG, TIFF, JPEG; colour is converted to luminance)",
      "DIR" },
    { "val", 0, 0, G_OPTION_ARG_FILENAME, &t.val_dir,
      "Folder of validation images (default: hold out 10 images of --data)", "DIR" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &t.output, "Model file to write", "MODEL.tsm" },
    { "sigma", 's', 0, G_OPTION_ARG_DOUBLE, &t.sigma, "Training noise level, 0-255", "S" },
    { "prox", 0, 0, G_OPTION_ARG_STRING, &t.prox, "Prox family: ncpr or cpr", "ncpr|cpr" },
    { "groupsize", 0, 0, G_OPTION_ARG_INT, &t.groupsize, "CPR group side, 1 or 2 (default 2)",
      "G" },
    { "atoms", 0, 0, G_OPTION_ARG_INT, &t.atoms, "Number of atoms K (default 200)", "K" },
    { "free-atoms", 0, 0, G_OPTION_ARG_INT, &t.free_atoms, "Number of free atoms M (default 120)",
      "M" },
    { "atom-size", 0, 0, G_OPTION_ARG_INT, &t.atom_size, "Atom side p, odd (default 13)", "P" },
    { "crop", 0, 0, G_OPTION_ARG_INT, &t.crop, "Side of the training crops (default 40)", "N" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &t.batch, "Crops per step (default 16)", "N" },
    { "steps", 0, 0, G_OPTION_ARG_INT, &t.steps,
      "Optimisation steps (default: two passes over the data)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &t.seed, "Random seed (default 1)", "N" },
    { "init", 0, 0, G_OPTION_ARG_FILENAME, &t.init,
      "Start: random (default), pca (free atoms from the data's principal components), patches "
      "(pca plus atoms from textured training patches, both at a trained model's scale), or a "
      "model (its sizes and lambda by default)", "random|pca|patches|MODEL" },
    { "lambda", 0, 0, G_OPTION_ARG_DOUBLE, &t.lambda,
      "Base threshold (default: the reference's for the prox and sigma)", "L" },
    { "beta-init", 0, 0, G_OPTION_ARG_DOUBLE, &t.beta_init,
      "Initial beta of a random start (default 2.0 or 0.5, see MODEL.md)", "B" },
    { "lr-decay", 0, 0, G_OPTION_ARG_DOUBLE, &t.lr_decay,
      "Learning-rate factor, applied 10 times per pass (default 0.9 NCPR, 0.75 CPR)", "F" },
    { "lr-atoms", 0, 0, G_OPTION_ARG_DOUBLE, &t.lr_atoms,
      "Adam learning rate of the atoms and free atoms (default 2e-4)", "R" },
    { "lr-hyper", 0, 0, G_OPTION_ARG_DOUBLE, &t.lr_hyper,
      "Adam learning rate of the threshold scalings and beta (default 1e-3)", "R" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &t.threads, "Worker threads (default 2)", "N" },
    { "val-every", 0, 0, G_OPTION_ARG_INT, &t.val_every,
      "Validate every N steps (default 50; 0: only at the end)", "N" },
    { "checkpoint", 0, 0, G_OPTION_ARG_FILENAME, &t.checkpoint,
      "Checkpoint file (default: MODEL.tsm.ckpt, or the --resume file)", "PATH" },
    { "checkpoint-every", 0, 0, G_OPTION_ARG_INT, &t.checkpoint_every,
      "Write the checkpoint every N steps (default 10; 0: only on Ctrl+C and at the end)", "N" },
    { "resume", 0, 0, G_OPTION_ARG_FILENAME, &t.resume,
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
                          entries, argc, argv, &positional, &code))
    goto out;
  if (g_strv_length (positional) > 0)
    {
      code = cli_usage_error ("train", "unexpected argument '%s'", positional[0]);
      goto out;
    }
  if (!check_options (&t, &seed, &code))
    goto out;
  if (!g_file_test (t.data_dir, G_FILE_TEST_IS_DIR))
    {
      code = cli_error ("%s: not a folder", t.data_dir);
      goto out;
    }
  if (t.val_dir != NULL && !g_file_test (t.val_dir, G_FILE_TEST_IS_DIR))
    {
      code = cli_error ("%s: not a folder", t.val_dir);
      goto out;
    }
  if (t.checkpoint == NULL)
    t.checkpoint = t.resume != NULL ? g_strdup (t.resume) : g_strconcat (t.output, ".ckpt", NULL);
  {
    const char *outputs[] = { t.output, t.checkpoint };
    for (int i = 0; i < 2; i++)
      {
        g_autofree char *dir = g_path_get_dirname (outputs[i]);
        if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
          {
            code = cli_error ("%s: output folder %s does not exist", outputs[i], dir);
            goto out;
          }
      }
  }

  /* The checkpoint (or the initial model) before the images: fail fast. */
  if (t.resume != NULL)
    {
      checkpoint_state = ts_checkpoint_load (t.resume, &error);
      if (checkpoint_state == NULL)
        goto fail;
      if (!check_resume_options (&t, seed, &checkpoint_state->config, &code))
        goto out;
      config = checkpoint_state->config;
      if (t.init != NULL)
        say (&t, "note: --init %s ignored: a resumed training continues from the checkpoint's "
             "parameters", t.init);
    }
  else
    {
      if (t.init != NULL && !init_is_keyword (t.init))
        {
          init = cli_load_model (t.init, t.sigma, &error);
          if (init == NULL)
            goto fail;
        }
      if (!build_config (&t, seed, init, &config, &code))
        goto out;
    }

  if (!load_images (&t, &config, &error))
    goto fail;
  if (cli_cancelled ())
    {
      code = cli_report_error (g_error_new (TS_ERROR, TS_ERROR_CANCELLED, "cancelled"));
      goto out;
    }
  if (t.resume == NULL && (g_strcmp0 (t.init, "pca") == 0 || g_strcmp0 (t.init, "patches") == 0))
    {
      /* The smooth subspace (and the atoms) from the training patches (ts_train_initial_model). */
      TsTrainInit kind = g_strcmp0 (t.init, "pca") == 0 ? TS_TRAIN_INIT_PCA : TS_TRAIN_INIT_PATCHES;
      init = ts_train_initial_model (&config, t.train, kind, &error);
      if (init == NULL)
        goto fail;
    }
  if (t.resume != NULL)
    t.trainer = ts_trainer_resume (t.resume, t.train, t.val, &error);
  else
    t.trainer = ts_trainer_new (&config, init, t.train, t.val, &error);
  if (t.trainer == NULL)
    goto fail;
  {
    /* Checkpoints written before the history was kept have none: the resume line then
     * stands alone, below it the options the checkpoint holds. */
    g_autofree char *line = t.resume != NULL
      ? g_strdup_printf ("resumed at step %d with: %s", ts_trainer_state (t.trainer)->step,
                         t.command_line)
      : g_strdup_printf ("trained with: %s", t.command_line);
    ts_trainer_add_history (t.trainer, line);
  }
  /* The thread count belongs to the session: results do not depend on it. */
  if (t.resume != NULL && t.threads != CLI_UNSET_INT)
    ts_trainer_set_threads (t.trainer, t.threads);
  code = run (&t);
  goto out;

fail:
  code = cli_report_error (error);
out:
  train_clear (&t);
  return code;
}
