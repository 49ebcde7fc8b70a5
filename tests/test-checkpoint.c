/* Training checkpoints (docs/checkpoint-format.md), the training configuration's defaults
 * and range checks, and the training state. */
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <glib/gstdio.h>
#include "ts-checkpoint.h"
#include "ts-model-file.h"
#include "test-util.h"

#define FIXED_LEN 24
#define CHECKSUM_LEN 32

/* ---------------------------------------------------------------------------------------
 * Helpers */

static guint64
next_u64 (guint64 *state)
{
  /* splitmix64 */
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* A double with random bits that is finite (any exponent, so subnormals and huge values
 * occur), optionally non-negative. */
static double
random_double (guint64 *state, gboolean non_negative)
{
  for (;;)
    {
      guint64 bits = next_u64 (state);
      if (non_negative)
        bits &= ~(G_GUINT64_CONSTANT (1) << 63);
      double v;
      memcpy (&v, &bits, 8);
      if (isfinite (v))
        return v;
    }
}

static float
random_float (guint64 *state)
{
  for (;;)
    {
      guint32 bits = (guint32) next_u64 (state);
      float v;
      memcpy (&v, &bits, 4);
      if (isfinite (v))
        return v;
    }
}

/* A small state (K = 3, M = 2, p = 3: 49 parameters) with every value random, including
 * the awkward ones: -0, subnormals, 64-bit integers above 2^63. */
static TsTrainState *
make_state (guint64 seed)
{
  TsTrainConfig config;
  ts_train_config_init (&config, TS_PROX_NCPR, 25.0);
  config.n_atoms = 3;
  config.n_free = 2;
  config.atom_size = 3;
  config.crop = 8;
  config.batch = 4;
  config.steps = 1000;
  config.steps_per_epoch = 500;
  config.seed = G_MAXUINT64 - seed;
  guint64 st = seed;
  config.lambda = 0.0125 * (1.0 + 1e-3 * (double) (next_u64 (&st) >> 11) / 9007199254740992.0);
  config.init_scale = 1.0 / 3000.0;
  config.lr_atoms = 2e-4 + 1e-9 * (double) (next_u64 (&st) % 1000);
  config.adjoint_tol = 1e-6 / 3.0;

  g_autoptr (TsModel) model = ts_model_new (3, 2, 3);
  model->prox_type = TS_PROX_NCPR;
  model->groupsize = 1;
  model->order = config.order;
  model->lambda = config.lambda;
  model->sigma = config.sigma;
  model->tol = config.tol;
  model->beta = seed == 0 ? -0.0 : random_double (&st, FALSE);
  for (int i = 0; i < 27; i++)
    model->atoms[i] = random_float (&st);
  for (int i = 0; i < 18; i++)
    model->free_atoms[i] = random_float (&st);
  for (int i = 0; i < 3; i++)
    model->lambda_scaling[i] = random_float (&st);
  model->atoms[0] = -0.0f;
  model->atoms[1] = 1e-45f;   /* subnormal */
  g_free (model->name);
  model->name = g_strdup ("ckpt \"test\" \u00e9");
  g_free (model->provenance);
  model->provenance = g_strdup ("line one\nline two\\");

  TsTrainState *state = ts_train_state_new (&config, model);
  state->step = 123;
  for (int i = 0; i < 4; i++)
    state->rng[i] = next_u64 (&st);
  state->rng[3] = G_MAXUINT64;
  state->data_fingerprint = next_u64 (&st) | (G_GUINT64_CONSTANT (1) << 63);
  for (gsize i = 0; i < state->n_params; i++)
    {
      state->adam_m[i] = random_double (&st, FALSE);
      state->adam_v[i] = random_double (&st, TRUE);
    }
  state->adam_m[0] = -0.0;
  state->adam_v[1] = 4.9e-324;   /* smallest subnormal */
  state->last_val_psnr = 28.0 + (double) (next_u64 (&st) >> 11) / 9007199254740992.0;
  state->elapsed_seconds = (double) (next_u64 (&st) >> 11) / 9007199254740992.0 * 1e5;
  return state;
}

static gboolean
same_double (double a, double b)
{
  return memcmp (&a, &b, sizeof a) == 0;
}

static void
assert_configs_equal (const TsTrainConfig *a, const TsTrainConfig *b)
{
  g_assert_true (same_double (a->sigma, b->sigma));
  g_assert_cmpint (a->prox_type, ==, b->prox_type);
  g_assert_cmpint (a->groupsize, ==, b->groupsize);
  g_assert_true (same_double (a->order, b->order));
  g_assert_true (same_double (a->lambda, b->lambda));
  g_assert_cmpint (a->n_atoms, ==, b->n_atoms);
  g_assert_cmpint (a->n_free, ==, b->n_free);
  g_assert_cmpint (a->atom_size, ==, b->atom_size);
  g_assert_true (same_double (a->beta_init, b->beta_init));
  g_assert_true (same_double (a->init_scale, b->init_scale));
  g_assert_cmpint (a->crop, ==, b->crop);
  g_assert_cmpint (a->batch, ==, b->batch);
  g_assert_cmpint (a->steps, ==, b->steps);
  g_assert_cmpint (a->steps_per_epoch, ==, b->steps_per_epoch);
  g_assert_cmpint (a->decays_per_epoch, ==, b->decays_per_epoch);
  g_assert_true (same_double (a->lr_atoms, b->lr_atoms));
  g_assert_true (same_double (a->lr_hyper, b->lr_hyper));
  g_assert_true (same_double (a->lr_decay, b->lr_decay));
  g_assert_cmpuint (a->seed, ==, b->seed);
  g_assert_true (same_double (a->tol, b->tol));
  g_assert_cmpint (a->max_iter, ==, b->max_iter);
  g_assert_cmpint (a->iterations, ==, b->iterations);
  g_assert_true (same_double (a->adjoint_tol, b->adjoint_tol));
  g_assert_cmpint (a->adjoint_max_iter, ==, b->adjoint_max_iter);
  g_assert_cmpint (a->threads, ==, b->threads);
}

/* Bit for bit, NaN included (last_val_psnr). */
static void
assert_states_equal (const TsTrainState *a, const TsTrainState *b)
{
  assert_configs_equal (&a->config, &b->config);
  const TsModel *ma = a->model, *mb = b->model;
  g_assert_cmpstr (ma->name, ==, mb->name);
  g_assert_cmpstr (ma->provenance, ==, mb->provenance);
  g_assert_cmpint (ma->prox_type, ==, mb->prox_type);
  g_assert_cmpint (ma->groupsize, ==, mb->groupsize);
  g_assert_true (same_double (ma->order, mb->order));
  g_assert_true (same_double (ma->lambda, mb->lambda));
  g_assert_true (same_double (ma->sigma, mb->sigma));
  g_assert_true (same_double (ma->tol, mb->tol));
  g_assert_true (same_double (ma->beta, mb->beta));
  g_assert_cmpint (ma->n_atoms, ==, mb->n_atoms);
  g_assert_cmpint (ma->n_free, ==, mb->n_free);
  g_assert_cmpint (ma->atom_size, ==, mb->atom_size);
  gsize s = (gsize) ma->atom_size * ma->atom_size;
  g_assert_cmpmem (ma->atoms, 4 * ma->n_atoms * s, mb->atoms, 4 * mb->n_atoms * s);
  g_assert_cmpmem (ma->free_atoms, 4 * ma->n_free * s, mb->free_atoms, 4 * mb->n_free * s);
  g_assert_cmpmem (ma->lambda_scaling, 4 * ma->n_atoms, mb->lambda_scaling, 4 * mb->n_atoms);
  g_assert_cmpint (a->step, ==, b->step);
  g_assert_cmpmem (a->rng, sizeof a->rng, b->rng, sizeof b->rng);
  g_assert_cmpuint (a->n_params, ==, b->n_params);
  g_assert_cmpmem (a->adam_m, 8 * a->n_params, b->adam_m, 8 * b->n_params);
  g_assert_cmpmem (a->adam_v, 8 * a->n_params, b->adam_v, 8 * b->n_params);
  g_assert_cmpuint (a->data_fingerprint, ==, b->data_fingerprint);
  if (isnan (a->last_val_psnr))
    g_assert_true (isnan (b->last_val_psnr));
  else
    g_assert_true (same_double (a->last_val_psnr, b->last_val_psnr));
  g_assert_true (same_double (a->elapsed_seconds, b->elapsed_seconds));
}

static GBytes *
read_file (const char *path)
{
  char *data = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_bytes_new_take (data, len);
}

/* Saves `state` to `name` in the test folder; returns the path and the file's bytes. */
static char *
save_state (const TsTrainState *state, const char *name, GBytes **contents)
{
  char *path = ts_test_tmp_path (name);
  g_autoptr (GError) error = NULL;
  g_assert_true (ts_checkpoint_save (state, path, &error));
  g_assert_no_error (error);
  if (contents != NULL)
    *contents = read_file (path);
  return path;
}

static guint32
le32_at (const guint8 *p)
{
  guint32 v;
  memcpy (&v, p, 4);
  return GUINT32_FROM_LE (v);
}

/* The SHA-256 trailer for the bytes before it (after a deliberate edit). */
static void
fix_checksum (guint8 *data, gsize len)
{
  guint8 digest[CHECKSUM_LEN];
  gsize digest_len = sizeof digest;
  g_autoptr (GChecksum) sha = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sha, data, len - CHECKSUM_LEN);
  g_checksum_get_digest (sha, digest, &digest_len);
  memcpy (data + len - CHECKSUM_LEN, digest, CHECKSUM_LEN);
}

/* A copy of `contents` with the first occurrence of `old` after `after` (or anywhere) in
 * the JSON header replaced by `new` (same length), checksum fixed, written to `name`. */
static char *
edit_header (GBytes *contents, const char *after, const char *old, const char *new,
             const char *name)
{
  gsize len;
  const guint8 *orig = g_bytes_get_data (contents, &len);
  g_autofree guint8 *data = g_memdup2 (orig, len);
  guint32 header_len = le32_at (data + 12);
  g_autofree char *header = g_strndup ((const char *) data + FIXED_LEN, header_len);
  const char *from = header;
  if (after != NULL)
    {
      from = strstr (header, after);
      g_assert_nonnull (from);
    }
  char *at = strstr (from, old);
  g_assert_nonnull (at);
  g_assert_cmpuint (strlen (old), ==, strlen (new));
  memcpy (data + FIXED_LEN + (at - header), new, strlen (new));
  fix_checksum (data, len);
  char *path = ts_test_tmp_path (name);
  ts_test_write_bytes (path, data, len);
  return path;
}

/* Offset of array `name`'s data in the file. */
static gsize
array_offset (GBytes *contents, const char *name)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (contents, &len);
  guint32 header_len = le32_at (data + 12);
  g_autofree char *header = g_strndup ((const char *) data + FIXED_LEN, header_len);
  g_autofree char *key = g_strdup_printf ("{\"name\": \"%s\"", name);
  const char *entry = strstr (header, key);
  g_assert_nonnull (entry);
  const char *offset = strstr (entry, "\"offset\": ");
  g_assert_nonnull (offset);
  return FIXED_LEN + header_len + (gsize) g_ascii_strtoull (offset + 10, NULL, 10);
}

/* Expects the load of `path` (and of its bytes, from memory) to fail with `code` and a
 * message that contains the path and each NULL-terminated fragment. */
static void
expect_load_error (const char *path, int code, ...)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TsTrainState) state = ts_checkpoint_load (path, &error);
  g_assert_null (state);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_error (error, TS_ERROR, code);
  g_assert_nonnull (strstr (error->message, path));
  va_list args;
  va_start (args, code);
  const char *fragment;
  while ((fragment = va_arg (args, const char *)) != NULL)
    if (strstr (error->message, fragment) == NULL)
      g_error ("message \"%s\" does not contain \"%s\"", error->message, fragment);
  va_end (args);

  /* The same from memory, with the same message. */
  g_autoptr (GBytes) contents = read_file (path);
  gsize len;
  const guint8 *data = g_bytes_get_data (contents, &len);
  g_autoptr (GError) error2 = NULL;
  g_autoptr (TsTrainState) state2 = ts_checkpoint_load_from_bytes (data, len, path, &error2);
  g_assert_null (state2);
  g_assert_error (error2, TS_ERROR, code);
  g_assert_cmpstr (error2->message, ==, error->message);
}

/* ---------------------------------------------------------------------------------------
 * Round trip */

static void
test_round_trip (void)
{
  for (guint64 seed = 0; seed < 20; seed++)
    {
      g_autoptr (TsTrainState) state = make_state (seed);
      if (seed == 1)
        state->last_val_psnr = NAN;   /* never validated: null in the file */
      if (seed == 2)
        state->step = 0;
      if (seed == 3)
        state->config.iterations = 20;   /* a budget run */
      g_autoptr (GBytes) contents = NULL;
      g_autofree char *path = save_state (state, "round-trip.ckpt", &contents);
      g_autoptr (GError) error = NULL;
      g_autoptr (TsTrainState) loaded = ts_checkpoint_load (path, &error);
      g_assert_no_error (error);
      g_assert_nonnull (loaded);
      assert_states_equal (state, loaded);

      /* From memory too. */
      gsize len;
      const guint8 *data = g_bytes_get_data (contents, &len);
      g_autoptr (TsTrainState) from_bytes = ts_checkpoint_load_from_bytes (data, len, "mem",
                                                                           &error);
      g_assert_no_error (error);
      assert_states_equal (state, from_bytes);

      /* Saving what was loaded gives the same file, but for the time of writing. */
      g_autoptr (GBytes) again = NULL;
      g_free (save_state (loaded, "round-trip-2.ckpt", &again));
      gsize len2;
      const guint8 *data2 = g_bytes_get_data (again, &len2);
      g_assert_cmpuint (len, ==, len2);
      g_autoptr (GRegex) created = g_regex_new ("\"created\": \"[^\"]*\"", 0, 0, NULL);
      g_autofree char *j1 = g_strndup ((const char *) data + FIXED_LEN, le32_at (data + 12));
      g_autofree char *j2 = g_strndup ((const char *) data2 + FIXED_LEN, le32_at (data2 + 12));
      g_autofree char *h1 = g_regex_replace_literal (created, j1, -1, 0, "", 0, NULL);
      g_autofree char *h2 = g_regex_replace_literal (created, j2, -1, 0, "", 0, NULL);
      g_assert_cmpstr (h1, ==, h2);
      gsize body = FIXED_LEN + le32_at (data + 12);
      g_assert_cmpmem (data + body, len - body - CHECKSUM_LEN, data2 + body,
                       len2 - body - CHECKSUM_LEN);

      /* The layout. */
      g_assert_cmpmem (data, 8, "TESSCKPT", 8);
      g_assert_cmpuint (le32_at (data + 8), ==, TS_CHECKPOINT_VERSION);
      g_autofree char *header = g_strndup ((const char *) data + FIXED_LEN, le32_at (data + 12));
      g_assert_nonnull (strstr (header, "\"<f8\""));
      g_assert_true (strstr (header, "\"seed\": \"18446744073709551615\"") != NULL || seed != 0);
      g_assert_true (strstr (header, "\"last_val_psnr\": null") != NULL || seed != 1);
    }

  /* Nothing but the checkpoints is left behind (no temporary files). */
  g_autoptr (GDir) dir = g_dir_open (ts_test_tmpdir (), 0, NULL);
  const char *entry;
  while ((entry = g_dir_read_name (dir)) != NULL)
    g_assert_false (g_str_has_prefix (entry, ".round-trip"));
}

/* A checkpoint of the reference size (K = 200, M = 120, p = 13: 54 281 parameters). */
static void
test_round_trip_reference_size (void)
{
  TsTrainConfig config;
  ts_train_config_init (&config, TS_PROX_CPR, 5.0);
  g_autoptr (TsModel) model = ts_model_new (200, 120, 13);
  model->prox_type = TS_PROX_CPR;
  model->groupsize = config.groupsize;
  model->lambda = config.lambda;
  model->order = config.order;
  model->sigma = 5.0;
  model->tol = config.tol;
  model->beta = config.beta_init;
  guint64 st = 99;
  for (gsize i = 0; i < 200 * 169; i++)
    model->atoms[i] = random_float (&st);
  g_autoptr (TsTrainState) state = ts_train_state_new (&config, model);
  g_assert_cmpuint (state->n_params, ==, 200 * 169 + 120 * 169 + 200 + 1);
  for (gsize i = 0; i < state->n_params; i++)
    state->adam_v[i] = random_double (&st, TRUE);
  g_autofree char *path = save_state (state, "reference-size.ckpt", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsTrainState) loaded = ts_checkpoint_load (path, &error);
  g_assert_no_error (error);
  assert_states_equal (state, loaded);
}

static void
test_save_invalid (void)
{
  g_autofree char *path = ts_test_tmp_path ("invalid.ckpt");
  struct {
    const char *what;
    int code;
    const char *needle;
  } cases[] = {
    { "NaN in adam_m", TS_ERROR_INVALID, "array 'adam_m' holds NaN at index 5" },
    { "negative adam_v", TS_ERROR_INVALID, "array 'adam_v' holds a negative value" },
    { "Inf in atoms", TS_ERROR_INVALID, "parameters contain NaN or Inf" },
    { "crop out of range", TS_ERROR_INVALID, "crop = 2 is out of range" },
    { "model of other size", TS_ERROR_INVALID, "model.n_free = 2, but config.n_free = 1" },
    { "step past the end", TS_ERROR_INVALID, "step = 1001 is outside [0, steps = 1000]" },
    { "infinite psnr", TS_ERROR_INVALID, "last_val_psnr is infinite" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (TsTrainState) state = make_state (7);
      switch (i)
        {
        case 0: state->adam_m[5] = NAN; break;
        case 1: state->adam_v[2] = -1.0; break;
        case 2: state->model->atoms[4] = INFINITY; break;
        case 3: state->config.crop = 2; break;
        case 4: state->config.n_free = 1; break;
        case 5: state->step = 1001; break;
        default: state->last_val_psnr = INFINITY; break;
        }
      g_autoptr (GError) error = NULL;
      g_assert_false (ts_checkpoint_save (state, path, &error));
      g_test_message ("%s: %s", cases[i].what, error->message);
      g_assert_error (error, TS_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, path));
      g_assert_nonnull (strstr (error->message, cases[i].needle));
      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
    }

  /* Into a folder that does not exist. */
  g_autoptr (TsTrainState) state = make_state (7);
  g_autofree char *missing = ts_test_tmp_path ("no-such-dir/x.ckpt");
  g_autoptr (GError) error = NULL;
  g_assert_false (ts_checkpoint_save (state, missing, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_IO);
}

/* ---------------------------------------------------------------------------------------
 * Damaged files */

static void
test_truncated (void)
{
  g_autoptr (TsTrainState) state = make_state (3);
  g_autoptr (GBytes) contents = NULL;
  g_free (save_state (state, "full.ckpt", &contents));
  gsize len;
  const guint8 *data = g_bytes_get_data (contents, &len);
  gsize data_start = FIXED_LEN + le32_at (data + 12);
  g_autofree char *path = ts_test_tmp_path ("cut.ckpt");

  /* Every cut point: always "truncated", never anything else (from memory; every 37th
   * also from a file, which is slower: each write is synced). */
  for (gsize at = 0; at < len; at++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (TsTrainState) loaded = ts_checkpoint_load_from_bytes (data, at, "cut", &error);
      g_assert_null (loaded);
      g_assert_error (error, TS_ERROR, TS_ERROR_FORMAT);
      if (!g_str_has_prefix (error->message, "cut: truncated: the file is "))
        g_error ("cut at %" G_GSIZE_FORMAT ": %s", at, error->message);
      if (at % 37 == 0)
        {
          ts_test_write_bytes (path, data, at);
          g_autoptr (GError) file_error = NULL;
          g_assert_null (ts_checkpoint_load (path, &file_error));
          g_assert_error (file_error, TS_ERROR, TS_ERROR_FORMAT);
          g_assert_true (g_str_has_prefix (file_error->message, path));
          g_assert_cmpstr (file_error->message + strlen (path), ==, error->message + 3);
        }
    }

  /* Where the file ends is named. */
  struct {
    gsize at;
    const char *where;
  } cuts[] = {
    { 0, "0 bytes, shorter than the 24-byte fixed header" },
    { 12, "fixed header" },
    { FIXED_LEN + 10, "it ends inside the JSON header" },
    { array_offset (contents, "atoms") + 8, "it ends inside array 'atoms' (at byte 8 of 108)" },
    { array_offset (contents, "adam_m") + 16, "array 'adam_m' (at byte 16 of 392)" },
    { array_offset (contents, "adam_v") + 391, "array 'adam_v' (at byte 391 of 392)" },
    { len - 1, "it ends inside the checksum trailer" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      g_assert_cmpuint (cuts[i].at, <, len);
      g_assert_true (cuts[i].at < FIXED_LEN || cuts[i].at >= data_start
                     || strstr (cuts[i].where, "JSON") != NULL);
      ts_test_write_bytes (path, data, cuts[i].at);
      expect_load_error (path, TS_ERROR_FORMAT, "truncated", cuts[i].where, NULL);
    }

  /* One byte too many. */
  g_autofree guint8 *longer = g_malloc (len + 1);
  memcpy (longer, data, len);
  longer[len] = 0;
  ts_test_write_bytes (path, longer, len + 1);
  expect_load_error (path, TS_ERROR_FORMAT, "corrupt: 1 unexpected bytes after the end of the "
                     "checkpoint", NULL);
}

static void
test_checksum (void)
{
  g_autoptr (TsTrainState) state = make_state (4);
  g_autoptr (GBytes) contents = NULL;
  g_free (save_state (state, "flip.ckpt", &contents));
  gsize len;
  const guint8 *orig = g_bytes_get_data (contents, &len);
  g_autofree guint8 *data = g_memdup2 (orig, len);
  g_autofree char *path = ts_test_tmp_path ("flipped.ckpt");
  /* Any flipped bit after the fixed part (header, arrays, padding, the checksum itself). */
  for (gsize at = FIXED_LEN; at < len; at += 7)
    {
      data[at] ^= 1u << (at % 8);
      ts_test_write_bytes (path, data, len);
      data[at] = orig[at];
      if (at % 70 == FIXED_LEN % 70)
        expect_load_error (path, TS_ERROR_FORMAT, "corrupt: checksum mismatch", NULL);
      else
        {
          g_autoptr (GError) error = NULL;
          g_autoptr (TsTrainState) loaded = ts_checkpoint_load (path, &error);
          g_assert_null (loaded);
          g_assert_error (error, TS_ERROR, TS_ERROR_FORMAT);
          g_assert_nonnull (strstr (error->message, "corrupt: checksum mismatch"));
        }
    }
  /* The declared lengths, in the fixed part. */
  data[12] ^= 0x10;
  ts_test_write_bytes (path, data, len);
  expect_load_error (path, TS_ERROR_FORMAT, NULL);
  data[12] = orig[12];
  data[23] = 0x40;   /* data length 2^62 */
  ts_test_write_bytes (path, data, len);
  expect_load_error (path, TS_ERROR_FORMAT, "more than any valid checkpoint (limit 268435456)",
                     NULL);
}

static void
test_wrong_magic (void)
{
  g_autofree char *path = ts_test_tmp_path ("text.ckpt");
  const char text[] = "this is not a checkpoint, it is a long enough line of text\n";
  ts_test_write_bytes (path, text, sizeof text - 1);
  expect_load_error (path, TS_ERROR_FORMAT, "not a Tessera training checkpoint (the TESSCKPT "
                     "signature is missing)", NULL);

  /* A model file is not a checkpoint. */
  g_autoptr (TsTrainState) state = make_state (5);
  g_autofree char *model_path = ts_test_tmp_path ("model.tsm");
  g_autoptr (GError) error = NULL;
  g_assert_true (ts_model_save (state->model, model_path, &error));
  expect_load_error (model_path, TS_ERROR_FORMAT, "the TESSCKPT signature is missing", NULL);

  g_autofree char *missing = ts_test_tmp_path ("missing.ckpt");
  g_autoptr (GError) io_error = NULL;
  g_assert_null (ts_checkpoint_load (missing, &io_error));
  g_assert_error (io_error, TS_ERROR, TS_ERROR_IO);
  g_assert_nonnull (strstr (io_error->message, "missing.ckpt: cannot open"));
}

static void
test_future_version (void)
{
  g_autoptr (TsTrainState) state = make_state (6);
  g_autoptr (GBytes) contents = NULL;
  g_free (save_state (state, "version.ckpt", &contents));
  gsize len;
  const guint8 *orig = g_bytes_get_data (contents, &len);
  g_autofree guint8 *data = g_memdup2 (orig, len);
  g_autofree char *path = ts_test_tmp_path ("future.ckpt");
  data[8] = 2;
  ts_test_write_bytes (path, data, len);
  expect_load_error (path, TS_ERROR_UNSUPPORTED,
                     "checkpoint format version 2 is newer than this Tessera supports (1)", NULL);
  /* Also with a valid checksum: the version is checked first. */
  fix_checksum (data, len);
  ts_test_write_bytes (path, data, len);
  expect_load_error (path, TS_ERROR_UNSUPPORTED, "version 2 is newer", NULL);
  data[8] = 0;
  fix_checksum (data, len);
  ts_test_write_bytes (path, data, len);
  expect_load_error (path, TS_ERROR_FORMAT, "invalid checkpoint format version 0", NULL);
}

/* Non-finite values with a valid checksum (a file written by something else). */
static void
test_nan (void)
{
  g_autoptr (TsTrainState) state = make_state (8);
  g_autoptr (GBytes) contents = NULL;
  g_free (save_state (state, "nan.ckpt", &contents));
  gsize len;
  const guint8 *orig = g_bytes_get_data (contents, &len);
  g_autofree char *path = ts_test_tmp_path ("nan-edit.ckpt");
  struct {
    const char *array;
    gsize index;
    gboolean f8;
    guint64 bits;
    const char *needle;
  } cases[] = {
    { "atoms", 4, FALSE, 0x7fc00000, "invalid model: parameters contain NaN or Inf" },
    { "free_atoms", 0, FALSE, 0xff800000, "invalid model: parameters contain NaN or Inf" },
    { "lambda_scaling", 2, FALSE, 0x7f800000, "invalid model: parameters contain NaN or Inf" },
    { "adam_m", 7, TRUE, G_GUINT64_CONSTANT (0x7ff8000000000000),
      "invalid checkpoint: array 'adam_m' holds NaN at index 7" },
    { "adam_v", 48, TRUE, G_GUINT64_CONSTANT (0x7ff0000000000000),
      "invalid checkpoint: array 'adam_v' holds Inf at index 48" },
    { "adam_v", 3, TRUE, G_GUINT64_CONSTANT (0xbff0000000000000),
      "array 'adam_v' holds a negative value (-1) at index 3" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree guint8 *data = g_memdup2 (orig, len);
      gsize at = array_offset (contents, cases[i].array);
      if (cases[i].f8)
        {
          guint64 le = GUINT64_TO_LE (cases[i].bits);
          memcpy (data + at + 8 * cases[i].index, &le, 8);
        }
      else
        {
          guint32 le = GUINT32_TO_LE ((guint32) cases[i].bits);
          memcpy (data + at + 4 * cases[i].index, &le, 4);
        }
      fix_checksum (data, len);
      ts_test_write_bytes (path, data, len);
      expect_load_error (path, TS_ERROR_INVALID, cases[i].needle, NULL);
    }
}

/* Header edits with a valid checksum: arrays that disagree with the configuration, a
 * model that disagrees with it, fields of the wrong type. */
static void
test_inconsistent (void)
{
  g_autoptr (TsTrainState) state = make_state (9);
  g_autoptr (GBytes) contents = NULL;
  g_free (save_state (state, "consistent.ckpt", &contents));
  struct {
    const char *after, *old, *new;
    int code;
    const char *needle;
  } cases[] = {
    { "\"config\"", "\"n_atoms\": 3,", "\"n_atoms\": 4,", TS_ERROR_FORMAT,
      "inconsistent header: array 'atoms' has shape 3 x 3 x 3, but the configuration's "
      "n_atoms, n_free and atom_size require 4 x 3 x 3" },
    { "\"config\"", "\"n_free\": 2,", "\"n_free\": 1,", TS_ERROR_FORMAT,
      "array 'free_atoms' has shape 2 x 3 x 3, but the configuration's n_atoms, n_free and "
      "atom_size require 1 x 3 x 3" },
    { "\"model\"", "\"n_atoms\": 3,", "\"n_atoms\": 4,", TS_ERROR_INVALID,
      "inconsistent checkpoint: model.n_atoms = 4, but config.n_atoms = 3" },
    { "\"model\"", "\"prox\": \"ncpr\"", "\"prox\": \"cpr\" ", TS_ERROR_INVALID,
      "inconsistent checkpoint: the model is cpr, the configuration ncpr" },
    { "\"arrays\"", "\"name\": \"adam_m\", \"dtype\": \"<f8\"",
      "\"name\": \"adam_m\", \"dtype\": \"<f4\"", TS_ERROR_FORMAT,
      "array 'adam_m' declares 392 bytes, but its shape needs 196" },
    { "\"arrays\"", "\"name\": \"adam_v\"", "\"name\": \"adam_x\"", TS_ERROR_FORMAT,
      "inconsistent header: array 'adam_v' is missing" },
    { "\"arrays\"", "\"dtype\": \"<f4\"", "\"dtype\": \"<i4\"", TS_ERROR_UNSUPPORTED,
      "array 'atoms' has dtype '<i4'; only little-endian float32 ('<f4') and float64 ('<f8') "
      "are supported" },
    { NULL, "\"step\": 123,", "\"step\": -12,", TS_ERROR_FORMAT,
      "header: field 'step' = -12 is out of range" },
    { NULL, "\"rng\": [", "\"rnq\": [", TS_ERROR_FORMAT,
      "header: field 'rng' is missing or not a list of 4 decimal strings" },
    { NULL, "\"seed\": \"1844", "\"seed\": \"9844", TS_ERROR_FORMAT,
      "header: field 'config.seed' is not an unsigned 64-bit integer in a decimal string" },
    { NULL, "\"data_fingerprint\"", "\"data_fingerprinx\"", TS_ERROR_FORMAT,
      "field 'data_fingerprint' is missing" },
    { NULL, "\"last_val_psnr\"", "\"last_val_psnx\"", TS_ERROR_FORMAT,
      "field 'last_val_psnr' is missing (null if never validated)" },
    { NULL, "\"step\": 123,", "\"step\":\"12\",", TS_ERROR_FORMAT,
      "header: field 'step' is not an integer" },
    { NULL, "\"config\": {", "\"config\": [", TS_ERROR_FORMAT, "header: not valid UTF-8 JSON" },
    { NULL, "\"config\"", "\"confix\"", TS_ERROR_FORMAT, "header: field 'config' is missing" },
    { "\"model\"", "\"prox\": \"ncpr\"", "\"prox\": \"abcd\"", TS_ERROR_UNSUPPORTED,
      "header: field 'model.prox' is 'abcd' (expected cpr or ncpr)" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("inconsistent-%" G_GSIZE_FORMAT ".ckpt", i);
      g_autofree char *path = edit_header (contents, cases[i].after, cases[i].old, cases[i].new,
                                           name);
      expect_load_error (path, cases[i].code, cases[i].needle, NULL);
    }
}

/* A configuration out of range, with a valid checksum: the field and value are named. */
static void
test_config_range (void)
{
  g_autoptr (TsTrainState) state = make_state (10);
  g_autoptr (GBytes) contents = NULL;
  g_free (save_state (state, "range.ckpt", &contents));
  struct {
    const char *old, *new, *needle;
  } cases[] = {
    { "\"crop\": 8,", "\"crop\": 2,", "training configuration: crop = 2 is out of range" },
    { "\"batch\": 4,", "\"batch\": 0,", "training configuration: batch = 0 is out of range" },
    { "\"lr_decay\": 0.9,", "\"lr_decay\": 1.5,", "lr_decay = 1.5 is out of range" },
    { "\"sigma\": 25,", "\"sigma\": -1,", "sigma = -1 is out of range" },
    { "\"groupsize\": 1,", "\"groupsize\": 2,", "groupsize = 2 is out of range (must be 1 for "
      "ncpr)" },
    { "\"atom_size\": 3,", "\"atom_size\": 4,", "atom_size = 4 is out of range" },
    { "\"max_iter\": 10000,", "\"max_iter\": 0,    ", "max_iter = 0 is out of range" },
    { "\"threads\": 2", "\"threads\": 9", "threads = 9" /* fine: in range */ },
    { "\"steps\": 1000,", "\"steps\": 100, ", "step = 123 is outside [0, steps = 100]" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("range-%" G_GSIZE_FORMAT ".ckpt", i);
      g_autofree char *path = edit_header (contents, "\"config\"", cases[i].old, cases[i].new,
                                           name);
      if (strstr (cases[i].new, "threads") != NULL)
        {
          g_autoptr (GError) error = NULL;
          g_autoptr (TsTrainState) loaded = ts_checkpoint_load (path, &error);
          g_assert_no_error (error);
          g_assert_cmpint (loaded->config.threads, ==, 9);
          continue;
        }
      expect_load_error (path, TS_ERROR_INVALID, cases[i].needle, NULL);
    }
}

/* ---------------------------------------------------------------------------------------
 * Configuration and state */

static void
test_config_defaults (void)
{
  TsTrainConfig c;
  g_autoptr (GError) error = NULL;

  ts_train_config_init (&c, TS_PROX_NCPR, 25.0);
  g_assert_true (ts_train_config_validate (&c, &error));
  g_assert_cmpint (c.n_atoms, ==, 200);
  g_assert_cmpint (c.n_free, ==, 120);
  g_assert_cmpint (c.atom_size, ==, 13);
  g_assert_cmpint (c.groupsize, ==, 1);
  g_assert_cmpfloat (c.order, ==, 1.8);
  g_assert_cmpfloat (c.lambda, ==, 0.0125);
  g_assert_cmpfloat (c.beta_init, ==, 2.0);
  g_assert_cmpfloat (c.init_scale, ==, 1.0 / 3000.0);
  g_assert_cmpint (c.crop, ==, 40);
  g_assert_cmpint (c.batch, ==, 16);
  g_assert_cmpint (c.steps, ==, 0);
  g_assert_cmpint (c.steps_per_epoch, ==, 0);
  g_assert_cmpint (c.decays_per_epoch, ==, 10);
  g_assert_cmpfloat (c.lr_atoms, ==, 2e-4);
  g_assert_cmpfloat (c.lr_hyper, ==, 1e-3);
  g_assert_cmpfloat (c.lr_decay, ==, 0.9);
  g_assert_cmpuint (c.seed, ==, 1);
  g_assert_cmpfloat (c.tol, ==, 1e-4);
  g_assert_cmpint (c.max_iter, ==, 10000);
  g_assert_cmpfloat (c.adjoint_tol, ==, 1e-6);
  g_assert_cmpint (c.adjoint_max_iter, ==, 20);
  g_assert_cmpint (c.threads, ==, 2);

  /* The reference models' own configurations (reference/models/<name>/config.json). */
  ts_train_config_init (&c, TS_PROX_CPR, 5.0);
  g_assert_cmpfloat (c.lr_decay, ==, 0.75);
  g_assert_cmpfloat (c.beta_init, ==, 0.5);
  g_assert_cmpfloat (c.lambda, ==, 0.002);
  g_assert_cmpint (c.groupsize, ==, 2);
  g_assert_true (ts_train_config_validate (&c, &error));
  ts_train_config_init (&c, TS_PROX_NCPR, 5.0);
  g_assert_cmpfloat (c.lambda, ==, 0.003);
  g_assert_cmpfloat (c.order, ==, 2.0);
  g_assert_cmpfloat (c.beta_init, ==, 1.0);
  g_assert_true (ts_train_config_validate (&c, &error));

  /* Another noise level: lambda scaled from the sigma-25 NCPR value, beta 0.5. */
  ts_train_config_init (&c, TS_PROX_NCPR, 15.0);
  g_assert_cmpfloat_with_epsilon (c.lambda, 0.0075, 1e-15);
  g_assert_cmpfloat (c.beta_init, ==, 0.5);
  g_assert_cmpfloat (c.lr_decay, ==, 0.9);
  g_assert_true (ts_train_config_validate (&c, &error));
  g_assert_no_error (error);
}

static void
test_config_validate (void)
{
  /* One change per case (the switch below), and the message it must give. */
  const char *needles[] = {
    "sigma = 300 is out of range (must be in (0, 255])",
    "sigma = nan is out of range",
    "prox_type = 7 is out of range",
    "groupsize = 3 is out of range (must be 1 or 2 for cpr)",
    "order = 0 is out of range",
    "lambda = 0 is out of range",
    "lambda = inf is out of range",
    "atom_size = 12 is out of range (must be odd, 3 to 31)",
    "n_atoms = 0 is out of range",
    "n_free = 168 is out of range (must be 0 to 167 for atom_size 13",
    "n_free = -1 is out of range",
    "beta_init = -1 is out of range",
    "init_scale = 0 is out of range",
    "crop = 12 is out of range (must be 13 (atom_size) to 4096)",
    "crop = 41 is out of range (must be even for groupsize 2)",
    "batch = 0 is out of range",
    "steps = -1 is out of range",
    "steps_per_epoch = -5 is out of range",
    "decays_per_epoch = -1 is out of range",
    "lr_atoms = 0 is out of range",
    "lr_hyper = 2 is out of range",
    "lr_decay = 0 is out of range",
    "tol = -1 is out of range",
    "max_iter = 0 is out of range",
    "adjoint_tol = nan is out of range",
    "adjoint_max_iter = 0 is out of range",
    "threads = 257 is out of range",
    "iterations = -1 is out of range",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (needles); i++)
    {
      TsTrainConfig c;
      ts_train_config_init (&c, TS_PROX_NCPR, 25.0);
      switch (i)
        {
        case 0: c.sigma = 300; break;
        case 1: c.sigma = NAN; break;
        case 2: c.prox_type = (TsProxType) 7; break;
        case 3: c.prox_type = TS_PROX_CPR; c.groupsize = 3; break;
        case 4: c.order = 0; break;
        case 5: c.lambda = 0; break;
        case 6: c.lambda = INFINITY; break;
        case 7: c.atom_size = 12; break;
        case 8: c.n_atoms = 0; break;
        case 9: c.n_free = 168; break;
        case 10: c.n_free = -1; break;
        case 11: c.beta_init = -1; break;
        case 12: c.init_scale = 0; break;
        case 13: c.crop = 12; break;
        case 14: c.prox_type = TS_PROX_CPR; c.groupsize = 2; c.crop = 41; break;
        case 15: c.batch = 0; break;
        case 16: c.steps = -1; break;
        case 17: c.steps_per_epoch = -5; break;
        case 18: c.decays_per_epoch = -1; break;
        case 19: c.lr_atoms = 0; break;
        case 20: c.lr_hyper = 2; break;
        case 21: c.lr_decay = 0; break;
        case 22: c.tol = -1; break;
        case 23: c.max_iter = 0; break;
        case 24: c.adjoint_tol = NAN; break;
        case 25: c.adjoint_max_iter = 0; break;
        case 26: c.threads = 257; break;
        default: c.iterations = -1; break;
        }
      g_autoptr (GError) error = NULL;
      g_assert_false (ts_train_config_validate (&c, &error));
      g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
      if (strstr (error->message, needles[i]) == NULL)
        g_error ("case %" G_GSIZE_FORMAT ": \"%s\" does not contain \"%s\"", i, error->message,
                 needles[i]);
    }
}

static void
test_state_new (void)
{
  TsTrainConfig c;
  ts_train_config_init (&c, TS_PROX_NCPR, 25.0);
  g_assert_cmpuint (ts_train_state_param_count (&c), ==, 200 * 169 + 120 * 169 + 200 + 1);
  c.n_atoms = 3;
  c.n_free = 2;
  c.atom_size = 5;
  g_assert_cmpuint (ts_train_state_param_count (&c), ==, 3 * 25 + 2 * 25 + 3 + 1);

  g_autoptr (TsModel) model = ts_model_new (3, 2, 5);
  model->atoms[7] = 0.5f;
  g_free (model->name);
  model->name = g_strdup ("init");
  g_autoptr (TsTrainState) state = ts_train_state_new (&c, model);
  g_assert_cmpint (state->step, ==, 0);
  g_assert_cmpuint (state->n_params, ==, 129);
  for (gsize i = 0; i < state->n_params; i++)
    g_assert_true (state->adam_m[i] == 0.0 && state->adam_v[i] == 0.0);
  for (int i = 0; i < 4; i++)
    g_assert_cmpuint (state->rng[i], ==, 0);
  g_assert_true (isnan (state->last_val_psnr));
  g_assert_cmpfloat (state->elapsed_seconds, ==, 0.0);
  /* A copy: changing the original does not change the state. */
  g_assert_true (state->model != model);
  model->atoms[7] = 2.0f;
  g_assert_cmpfloat (state->model->atoms[7], ==, 0.5f);
  g_assert_cmpstr (state->model->name, ==, "init");

  /* Without a model: zero parameters with the configuration's scalars. */
  g_autoptr (TsTrainState) blank = ts_train_state_new (&c, NULL);
  g_assert_cmpint (blank->model->n_atoms, ==, 3);
  g_assert_cmpfloat (blank->model->lambda, ==, c.lambda);
  g_assert_cmpfloat (blank->model->beta, ==, c.beta_init);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/checkpoint/round-trip", test_round_trip);
  g_test_add_func ("/checkpoint/round-trip-reference-size", test_round_trip_reference_size);
  g_test_add_func ("/checkpoint/save-invalid", test_save_invalid);
  g_test_add_func ("/checkpoint/truncated", test_truncated);
  g_test_add_func ("/checkpoint/checksum", test_checksum);
  g_test_add_func ("/checkpoint/wrong-magic", test_wrong_magic);
  g_test_add_func ("/checkpoint/future-version", test_future_version);
  g_test_add_func ("/checkpoint/nan", test_nan);
  g_test_add_func ("/checkpoint/inconsistent", test_inconsistent);
  g_test_add_func ("/checkpoint/config-range", test_config_range);
  g_test_add_func ("/train-config/defaults", test_config_defaults);
  g_test_add_func ("/train-config/validate", test_config_validate);
  g_test_add_func ("/train-state/new", test_state_new);
  return g_test_run ();
}
