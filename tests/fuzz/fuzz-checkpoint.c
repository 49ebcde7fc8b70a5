/* libFuzzer harness for the training checkpoint loader (docs/checkpoint-format.md).
 *
 * Like fuzz-model: the first input byte selects the mode. Even = the rest is the file as
 * is (the fixed header, lengths and checksum checks); odd = the rest is the file without
 * its checksum, and the harness sets the declared data length to match and appends the
 * right SHA-256, so that mutations reach the JSON header and the arrays.
 *
 * Bit 1 of the mode byte selects how the input is loaded: clear = from memory
 * (ts_checkpoint_load_from_bytes), set = written to a file and read with ts_checkpoint_load.
 * A failure must have a message that starts with the name of the input; a successful load
 * must be self-consistent and must round-trip: saved and loaded again, it gives the same
 * state bit for bit. */
#include <math.h>
#include <string.h>
#include "fuzz-common.h"

#define FIXED_LEN 24

static gboolean
same_bits (const void *a, const void *b, gsize n)
{
  return memcmp (a, b, n) == 0;
}

static void
check_same (const TsTrainState *a, const TsTrainState *b)
{
  const TsModel *ma = a->model, *mb = b->model;
  gsize s = (gsize) ma->atom_size * ma->atom_size;
  gboolean psnr_same = isnan (a->last_val_psnr) ? isnan (b->last_val_psnr)
                                                : same_bits (&a->last_val_psnr,
                                                             &b->last_val_psnr, 8);
  if (a->step != b->step || a->n_params != b->n_params
      || a->data_fingerprint != b->data_fingerprint || !psnr_same
      || !same_bits (&a->elapsed_seconds, &b->elapsed_seconds, 8)
      || !same_bits (a->rng, b->rng, sizeof a->rng)
      || a->config.seed != b->config.seed || a->config.crop != b->config.crop
      || !same_bits (&a->config.lambda, &b->config.lambda, 8)
      || !same_bits (&a->config.lr_decay, &b->config.lr_decay, 8)
      || ma->n_atoms != mb->n_atoms || ma->n_free != mb->n_free || ma->atom_size != mb->atom_size
      || !same_bits (&ma->beta, &mb->beta, 8) || g_strcmp0 (ma->name, mb->name) != 0
      || g_strcmp0 (ma->provenance, mb->provenance) != 0
      || !same_bits (ma->atoms, mb->atoms, 4 * ma->n_atoms * s)
      || !same_bits (ma->free_atoms, mb->free_atoms, 4 * ma->n_free * s)
      || !same_bits (ma->lambda_scaling, mb->lambda_scaling, 4 * ma->n_atoms)
      || !same_bits (a->adam_m, b->adam_m, 8 * a->n_params)
      || !same_bits (a->adam_v, b->adam_v, 8 * a->n_params))
    {
      fprintf (stderr, "fuzz-checkpoint: the state changed in a save/load round trip\n");
      abort ();
    }
}

static void
check_state (const TsTrainState *state)
{
  const TsModel *m = state->model;
  if (m == NULL || m->n_atoms != state->config.n_atoms || m->n_free != state->config.n_free
      || m->atom_size != state->config.atom_size
      || state->n_params != ts_train_state_param_count (&state->config))
    abort ();
  /* Touch every value so that ASan sees any short allocation. */
  gsize s = (gsize) m->atom_size * m->atom_size;
  volatile double sum = 0;
  for (gsize i = 0; i < (gsize) m->n_atoms * s; i++)
    sum += m->atoms[i];
  for (gsize i = 0; i < (gsize) m->n_free * s; i++)
    sum += m->free_atoms[i];
  for (int i = 0; i < m->n_atoms; i++)
    sum += m->lambda_scaling[i];
  for (gsize i = 0; i < state->n_params; i++)
    sum += state->adam_m[i] + state->adam_v[i];
  (void) sum;

  /* Round trip through a file. */
  g_autofree char *path = g_build_filename (fuzz_dir, "resaved.ckpt", NULL);
  GError *error = NULL;
  if (!ts_checkpoint_save (state, path, &error))
    {
      /* The one acceptable refusal: a header (the provenance text) that re-encodes longer
       * than the limit. */
      if (error == NULL || strstr (error->message, "header would be") == NULL)
        {
          fprintf (stderr, "fuzz-checkpoint: a loaded state does not save: %s\n",
                   error ? error->message : "(no error)");
          abort ();
        }
      g_error_free (error);
      return;
    }
  TsTrainState *again = ts_checkpoint_load (path, &error);
  if (again == NULL)
    {
      fprintf (stderr, "fuzz-checkpoint: a saved state does not load: %s\n", error->message);
      abort ();
    }
  check_same (state, again);
  ts_train_state_free (again);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_init ();
  if (size < 1)
    return 0;
  gboolean fix = data[0] & 1, from_file = (data[0] & 2) != 0;
  data++, size--;

  g_autofree uint8_t *file = g_malloc (size + 32);
  if (size > 0)
    memcpy (file, data, size);
  size_t len = size;
  if (fix)
    {
      if (size >= FIXED_LEN)
        {
          guint32 header_len;
          memcpy (&header_len, file + 12, 4);
          header_len = GUINT32_FROM_LE (header_len);
          if ((guint64) FIXED_LEN + header_len <= size)
            {
              guint64 data_len = GUINT64_TO_LE (size - FIXED_LEN - header_len);
              memcpy (file + 16, &data_len, 8);
            }
        }
      guint8 digest[32];
      gsize digest_len = sizeof digest;
      GChecksum *sha = g_checksum_new (G_CHECKSUM_SHA256);
      g_checksum_update (sha, file, size);
      g_checksum_get_digest (sha, digest, &digest_len);
      g_checksum_free (sha);
      memcpy (file + size, digest, 32);
      len += 32;
    }

  GError *error = NULL;
  TsTrainState *state;
  g_autofree char *path = NULL;
  if (from_file)
    {
      path = fuzz_write ("input.ckpt", file, len);
      state = ts_checkpoint_load (path, &error);
    }
  else
    state = ts_checkpoint_load_from_bytes (file, len, "input.ckpt", &error);
  if (state == NULL)
    {
      /* A message that names the input. */
      if (error == NULL || error->domain != TS_ERROR || error->message == NULL
          || !g_str_has_prefix (error->message, from_file ? path : "input.ckpt"))
        abort ();
    }
  else
    {
      if (error != NULL)
        abort ();
      check_state (state);
    }
  ts_train_state_free (state);
  g_clear_error (&error);
  return 0;
}
