/* The trainer: resume continues bit for bit, cancellation leaves the state untouched,
 * and a short run on very little data (the low-data recipe's shape) learns something. */
#include "tessera.h"
#include "ts-train.h"
#include "ts-checkpoint.h"
#include "test-model-util.h"
#include "test-util.h"
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

static GPtrArray *
synthetic_images (int n, int size, guint64 seed)
{
  GPtrArray *images = g_ptr_array_new_with_free_func ((GDestroyNotify) ts_image_free);
  for (int i = 0; i < n; i++)
    {
      TsImage *im = ts_image_new (size, size, 1, NULL);
      g_autofree float *pic = ts_test_picture (size, size, 0.02, seed + i);
      /* Edges and texture: a few stripes on top of the smooth test picture. */
      for (int r = 0; r < size; r++)
        for (int c = 0; c < size; c++)
          im->data[r * size + c] = CLAMP (pic[r * size + c] + (((r + 2 * c + i) / 5) % 2 ? 0.15f : -0.15f), 0.0f, 1.0f);
      g_ptr_array_add (images, im);
    }
  return images;
}

static void
tiny_config (TsTrainConfig *c)
{
  ts_train_config_init (c, TS_PROX_NCPR, 25);
  c->n_atoms = 12;
  c->n_free = 6;
  c->atom_size = 5;
  c->crop = 12;
  c->batch = 3;
  c->steps = 6;
  c->seed = 42;
  c->lambda = 0.05;
  c->beta_init = 1.0;
  c->init_scale = 1.0;
  c->lr_atoms = 2e-2;
  c->lr_hyper = 1e-2;
}

static void
assert_same_state (const TsTrainState *a, const TsTrainState *b)
{
  g_assert_cmpint (a->step, ==, b->step);
  g_assert_cmpmem (a->rng, sizeof a->rng, b->rng, sizeof b->rng);
  const TsModel *ma = a->model, *mb = b->model;
  gsize s = (gsize) ma->atom_size * ma->atom_size;
  g_assert_cmpmem (ma->atoms, sizeof (float) * ma->n_atoms * s, mb->atoms, sizeof (float) * mb->n_atoms * s);
  g_assert_cmpmem (ma->free_atoms, sizeof (float) * ma->n_free * s, mb->free_atoms,
                   sizeof (float) * mb->n_free * s);
  g_assert_cmpmem (ma->lambda_scaling, sizeof (float) * ma->n_atoms, mb->lambda_scaling,
                   sizeof (float) * mb->n_atoms);
  g_assert_true (ma->beta == mb->beta);
  g_assert_cmpmem (a->adam_m, sizeof (double) * a->n_params, b->adam_m, sizeof (double) * b->n_params);
  g_assert_cmpmem (a->adam_v, sizeof (double) * a->n_params, b->adam_v, sizeof (double) * b->n_params);
}

static void
test_resume_exact (void)
{
  g_autoptr (GPtrArray) train = synthetic_images (4, 24, 1);
  TsTrainConfig c;
  tiny_config (&c);
  g_autoptr (GError) error = NULL;

  /* Uninterrupted. */
  g_autoptr (TsTrainer) a = ts_trainer_new (&c, NULL, train, NULL, &error);
  g_assert_no_error (error);
  for (int i = 0; i < c.steps; i++)
    g_assert_true (ts_trainer_step (a, NULL, NULL, &error));

  /* Interrupted after 2 steps, resumed from the checkpoint in a new trainer. */
  g_autofree char *path = ts_test_tmp_path ("resume.ckpt");
  {
    g_autoptr (TsTrainer) b = ts_trainer_new (&c, NULL, train, NULL, &error);
    g_assert_cmpstr (ts_trainer_history (b), ==, "");
    ts_trainer_add_history (b, "trained with: first");
    for (int i = 0; i < 2; i++)
      g_assert_true (ts_trainer_step (b, NULL, NULL, &error));
    g_assert_true (ts_trainer_save_checkpoint (b, path, &error));
    g_assert_no_error (error);
  }
  g_autoptr (TsTrainer) r = ts_trainer_resume (path, train, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ts_trainer_state (r)->step, ==, 2);
  /* The history travels in the checkpoint and grows by a line per session. */
  g_assert_cmpstr (ts_trainer_history (r), ==, "trained with: first");
  ts_trainer_add_history (r, "resumed at step 2 with: second");
  g_assert_cmpstr (ts_trainer_history (r), ==, "trained with: first\nresumed at step 2 with: second");
  /* ... on one thread instead of two: per-crop results are summed in crop order. */
  ts_trainer_set_threads (r, 1);
  for (int i = 2; i < c.steps; i++)
    g_assert_true (ts_trainer_step (r, NULL, NULL, &error));
  assert_same_state (ts_trainer_state (a), ts_trainer_state (r));

  /* The end moved on resume (an early end, or an extension): the same schedule, so the
   * steps are the configured run's; never before the steps done. */
  {
    g_autoptr (TsTrainer) early = ts_trainer_resume (path, train, NULL, &error);
    g_assert_true (ts_trainer_set_steps (early, 2, &error));
    g_assert_no_error (error);
    g_assert_cmpint (ts_trainer_state (early)->config.steps, ==, 2);
    g_assert_cmpint (ts_trainer_state (early)->config.steps_per_epoch, ==,
                     ts_trainer_state (a)->config.steps_per_epoch);
    g_assert_false (ts_trainer_set_steps (early, 1, &error));
    g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
    g_clear_error (&error);
    g_assert_true (ts_trainer_set_steps (early, c.steps + 3, &error));
    for (int i = 2; i < c.steps; i++)
      g_assert_true (ts_trainer_step (early, NULL, NULL, &error));
    assert_same_state (ts_trainer_state (a), ts_trainer_state (early));
  }

  /* The training actually moved the parameters. */
  g_autoptr (TsTrainer) fresh = ts_trainer_new (&c, NULL, train, NULL, &error);
  const TsModel *m0 = ts_trainer_state (fresh)->model, *m1 = ts_trainer_state (a)->model;
  g_assert_true (memcmp (m0->atoms, m1->atoms, sizeof (float) * 12 * 25) != 0);
  g_assert_true (m0->beta != m1->beta);

  /* Other training images are refused. */
  g_autoptr (GPtrArray) other = synthetic_images (4, 24, 100);
  g_autoptr (TsTrainer) refused = ts_trainer_resume (path, other, NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "differ"));
  g_unlink (path);
}

static void
test_cancel_keeps_state (void)
{
  g_autoptr (GPtrArray) train = synthetic_images (3, 24, 7);
  TsTrainConfig c;
  tiny_config (&c);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsTrainer) a = ts_trainer_new (&c, NULL, train, NULL, &error);
  g_autoptr (TsTrainer) b = ts_trainer_new (&c, NULL, train, NULL, &error);
  gint cancel = 1;
  g_assert_false (ts_trainer_step (a, &cancel, NULL, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_CANCELLED);
  g_clear_error (&error);
  assert_same_state (ts_trainer_state (a), ts_trainer_state (b));
  /* ... and the next step is the same as if nothing had happened. */
  g_assert_true (ts_trainer_step (a, NULL, NULL, &error));
  g_assert_true (ts_trainer_step (b, NULL, NULL, &error));
  assert_same_state (ts_trainer_state (a), ts_trainer_state (b));
}

/* Low data (the recipe of docs/training.md on a small scale): five crops of the built-in demo
 * picture, a PCA start; a short run must raise the PSNR on a held-out part of the picture. */
static GPtrArray *
demo_crops (const int (*places)[2], int n, int size)
{
  g_autoptr (TsImage) demo = ts_demo_image_new (256, 256);
  GPtrArray *images = g_ptr_array_new_with_free_func ((GDestroyNotify) ts_image_free);
  for (int i = 0; i < n; i++)
    g_ptr_array_add (images, ts_image_crop (demo, places[i][0], places[i][1], size, size));
  return images;
}

static void
test_low_data (void)
{
  static const int train_places[5][2] = { { 0, 0 }, { 120, 10 }, { 20, 150 }, { 180, 90 }, { 100, 190 } };
  static const int val_places[1][2] = { { 60, 70 } };
  g_autoptr (GPtrArray) train = demo_crops (train_places, 5, 56);
  g_autoptr (GPtrArray) val = demo_crops (val_places, 1, 64);
  TsTrainConfig c;
  tiny_config (&c);
  c.steps = 30;
  c.batch = 4;
  c.lambda = 0.03;
  c.lr_atoms = 1e-2;
  c.lr_hyper = 1e-2;
  g_autoptr (GError) error = NULL;
  g_autoptr (TsModel) init = ts_train_initial_model (&c, train, TS_TRAIN_INIT_PCA, &error);
  g_assert_no_error (error);
  g_autoptr (TsTrainer) t = ts_trainer_new (&c, init, train, val, &error);
  g_assert_no_error (error);
  double before = ts_trainer_validate (t, NULL, &error);
  g_assert_no_error (error);
  double first_loss = 0.0, last_loss = 0.0;
  for (int i = 0; i < c.steps; i++)
    {
      TsTrainStepStats st;
      g_assert_true (ts_trainer_step (t, NULL, &st, &error));
      if (i < 5)
        first_loss += st.loss;
      if (i >= c.steps - 5)
        last_loss += st.loss;
    }
  double after = ts_trainer_validate (t, NULL, &error);
  g_assert_no_error (error);
  if (g_test_verbose ())
    g_printerr ("validation %.3f -> %.3f dB, loss %.5f -> %.5f\n", before, after, first_loss / 5,
                last_loss / 5);
  g_assert_cmpfloat (after, >, before + 0.5);
  g_assert_cmpfloat (last_loss, <, first_loss);
}

/* The atoms of a data start (patches, dictionary): each at the start's norm, of zero mean,
 * orthogonal to the free atoms `free_atoms` (n_free rows), and no two alike. */
static void
assert_start_atoms (const TsModel *model, const float *free_atoms)
{
  int s = model->atom_size * model->atom_size, K = model->n_atoms, M = model->n_free;
  for (int k = 0; k < K; k++)
    {
      const float *a = model->atoms + (gsize) k * s;
      double norm = 0.0, mean = 0.0;
      for (int i = 0; i < s; i++)
        {
          norm += (double) a[i] * a[i];
          mean += a[i];
        }
      g_assert_cmpfloat_with_epsilon (sqrt (norm), TS_TRAIN_PATCH_ATOM_NORM, 1e-5);
      g_assert_cmpfloat (fabs (mean) / s, <, 1e-6);
      for (int m = 0; m < M; m++)
        {
          double dot = 0.0;
          for (int i = 0; i < s; i++)
            dot += (double) a[i] * free_atoms[(gsize) m * s + i];
          g_assert_cmpfloat (fabs (dot), <, 1e-5);
        }
      for (int j = 0; j < k; j++)
        g_assert_true (memcmp (a, model->atoms + (gsize) j * s, sizeof (float) * s) != 0);
    }
}

/* The patches start: the PCA start's free subspace at another scale, and atoms that are
 * centred, outside that subspace, of the set norm and all different. */
static void
test_init_patches (void)
{
  g_autoptr (GPtrArray) train = synthetic_images (4, 32, 3);
  TsTrainConfig c;
  tiny_config (&c);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsModel) pca = ts_train_initial_model (&c, train, TS_TRAIN_INIT_PCA, &error);
  g_assert_no_error (error);
  g_autoptr (TsModel) patches = ts_train_initial_model (&c, train, TS_TRAIN_INIT_PATCHES, &error);
  g_assert_no_error (error);
  g_autoptr (TsModel) again = ts_train_initial_model (&c, train, TS_TRAIN_INIT_PATCHES, &error);
  int s = c.atom_size * c.atom_size, K = c.n_atoms, M = c.n_free;
  g_assert_cmpmem (patches->atoms, sizeof (float) * K * s, again->atoms, sizeof (float) * K * s);
  for (int i = 0; i < M * s; i++)
    g_assert_cmpfloat_with_epsilon (patches->free_atoms[i],
                                    pca->free_atoms[i] * TS_TRAIN_PATCH_FREE_NORM, 1e-6);
  assert_start_atoms (patches, pca->free_atoms);
  /* It trains: a few steps from it lower nothing to NaN and move the atoms. */
  g_autoptr (TsTrainer) t = ts_trainer_new (&c, patches, train, NULL, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 3; i++)
    {
      TsTrainStepStats st;
      g_assert_true (ts_trainer_step (t, NULL, &st, &error));
      g_assert_true (isfinite (st.loss));
    }
  g_assert_true (memcmp (ts_trainer_state (t)->model->atoms, patches->atoms, sizeof (float) * K * s) != 0);
}

/* Issue 24's localisation figure (ts-atom-stats.h): the median over atoms of the energy
 * share in the best 7 x 7 window of the atom as the model uses it. */
static double
localisation (const TsModel *m)
{
  g_autoptr (GError) error = NULL;
  TsAtomStats *stats = ts_atom_stats_new (m, &error);
  g_assert_no_error (error);
  double figure = stats->median_localisation;
  ts_atom_stats_free (stats);
  return figure;
}

/* The learned start (issue 24): a valid model, deterministic in the seed, free atoms and
 * atoms at the patches start's norms, atoms centred and outside the free span, all
 * different; localised where the patches start is not (13 x 13 patches and 120 free atoms
 * as the model's, 40 atoms); it trains, and a run from it resumes bit for bit. */
static void
test_init_dictionary (void)
{
  g_autoptr (GPtrArray) train = synthetic_images (4, 48, 3);
  TsTrainConfig c;
  tiny_config (&c);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsModel) dict = ts_train_initial_model (&c, train, TS_TRAIN_INIT_DICTIONARY, &error);
  g_assert_no_error (error);
  g_assert_true (ts_model_validate (dict, "dictionary start", &error));
  g_assert_no_error (error);
  g_autoptr (TsModel) again = ts_train_initial_model (&c, train, TS_TRAIN_INIT_DICTIONARY, &error);
  int s = c.atom_size * c.atom_size, K = c.n_atoms, M = c.n_free;
  g_assert_cmpmem (dict->atoms, sizeof (float) * K * s, again->atoms, sizeof (float) * K * s);
  g_assert_cmpmem (dict->free_atoms, sizeof (float) * M * s, again->free_atoms, sizeof (float) * M * s);
  c.seed++;
  g_autoptr (TsModel) other = ts_train_initial_model (&c, train, TS_TRAIN_INIT_DICTIONARY, &error);
  g_assert_true (memcmp (dict->atoms, other->atoms, sizeof (float) * K * s) != 0);
  c.seed--;
  g_assert_cmpfloat (dict->beta, ==, c.beta_init);
  for (int m = 0; m < M; m++)
    {
      double norm = 0.0;
      for (int i = 0; i < s; i++)
        norm += (double) dict->free_atoms[(gsize) m * s + i] * dict->free_atoms[(gsize) m * s + i];
      g_assert_cmpfloat_with_epsilon (sqrt (norm), TS_TRAIN_PATCH_FREE_NORM, 1e-5);
    }
  assert_start_atoms (dict, dict->free_atoms);

  /* At the model's patch size and smooth subspace (13 x 13, 120 free atoms). */
  TsTrainConfig big = c;
  big.atom_size = 13;
  big.n_free = 120;
  big.n_atoms = 40;
  big.crop = 24;
  g_autoptr (TsModel) d13 = ts_train_initial_model (&big, train, TS_TRAIN_INIT_DICTIONARY, &error);
  g_assert_no_error (error);
  g_autoptr (TsModel) p13 = ts_train_initial_model (&big, train, TS_TRAIN_INIT_PATCHES, &error);
  g_assert_no_error (error);
  double ld = localisation (d13), lp = localisation (p13);
  if (g_test_verbose ())
    g_printerr ("localisation: dictionary start %.3f, patches start %.3f\n", ld, lp);
  g_assert_cmpfloat (ld, >, 0.7);   /* 0.75 on these striped pictures, 0.89 on train400 */
  g_assert_cmpfloat (ld, >, lp + 0.2);
  /* No penalised subspace left: refused. */
  big.n_free = 168;
  g_autoptr (TsModel) none = ts_train_initial_model (&big, train, TS_TRAIN_INIT_DICTIONARY, &error);
  g_assert_null (none);
  g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
  g_clear_error (&error);

  /* It trains, and resumes bit for bit. */
  g_autoptr (TsTrainer) a = ts_trainer_new (&c, dict, train, NULL, &error);
  g_assert_no_error (error);
  for (int i = 0; i < c.steps; i++)
    {
      TsTrainStepStats st;
      g_assert_true (ts_trainer_step (a, NULL, &st, &error));
      g_assert_true (isfinite (st.loss));
    }
  g_assert_true (memcmp (ts_trainer_state (a)->model->atoms, dict->atoms, sizeof (float) * K * s) != 0);
  g_autofree char *path = ts_test_tmp_path ("dictionary.ckpt");
  {
    g_autoptr (TsTrainer) b = ts_trainer_new (&c, dict, train, NULL, &error);
    for (int i = 0; i < 2; i++)
      g_assert_true (ts_trainer_step (b, NULL, NULL, &error));
    g_assert_true (ts_trainer_save_checkpoint (b, path, &error));
    g_assert_no_error (error);
  }
  g_autoptr (TsTrainer) r = ts_trainer_resume (path, train, NULL, &error);
  g_assert_no_error (error);
  for (int i = 2; i < c.steps; i++)
    g_assert_true (ts_trainer_step (r, NULL, NULL, &error));
  assert_same_state (ts_trainer_state (a), ts_trainer_state (r));
  g_unlink (path);
}

/* A start model's arrays are kept and its scalars replaced by the configuration's: a
 * fine-tune at another noise level starts at config->beta_init, lambda and sigma. */
static void
test_init_model_scalars (void)
{
  g_autoptr (GPtrArray) train = synthetic_images (2, 24, 5);
  TsTrainConfig c;
  tiny_config (&c);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsModel) start = ts_train_initial_model (&c, train, TS_TRAIN_INIT_PCA, &error);
  g_assert_no_error (error);
  start->beta = 1.72;
  c.sigma = 15;
  c.lambda = 0.03;
  c.beta_init = 0.6;
  g_autoptr (TsTrainer) t = ts_trainer_new (&c, start, train, NULL, &error);
  g_assert_no_error (error);
  const TsModel *m = ts_trainer_state (t)->model;
  int s = c.atom_size * c.atom_size;
  g_assert_cmpmem (m->atoms, sizeof (float) * c.n_atoms * s, start->atoms, sizeof (float) * c.n_atoms * s);
  g_assert_cmpfloat (m->beta, ==, 0.6);
  g_assert_cmpfloat (m->lambda, ==, 0.03);
  g_assert_cmpfloat (m->sigma, ==, 15);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train/resume-exact", test_resume_exact);
  g_test_add_func ("/train/cancel-keeps-state", test_cancel_keeps_state);
  g_test_add_func ("/train/low-data", test_low_data);
  g_test_add_func ("/train/init-patches", test_init_patches);
  g_test_add_func ("/train/init-dictionary", test_init_dictionary);
  g_test_add_func ("/train/init-model-scalars", test_init_model_scalars);
  return g_test_run ();
}
