/* libFuzzer harness for the model file loader (.tsm, docs/model-format.md).
 *
 * A .tsm file ends with a SHA-256 of everything before it, so random mutations almost never
 * get past the checksum. The first input byte selects the mode: even = the rest is the file
 * as is (exercises the fixed header, lengths and checksum checks); odd = the rest is the
 * file without its checksum, and the harness fixes the declared data length to match and
 * appends the right checksum, so that the JSON header and the arrays are fuzzed too. */
#include <string.h>
#include "fuzz-common.h"

#define FIXED_LEN 24

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_init ();
  if (size < 1)
    return 0;
  gboolean fix = data[0] & 1;
  data++, size--;

  g_autofree uint8_t *file = g_malloc (size + 32);
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

  g_autofree char *path = fuzz_write ("input.tsm", file, len);
  GError *error = NULL;
  TsModel *model = ts_model_load (path, &error);
  if (model == NULL)
    {
      if (error == NULL)
        abort ();
    }
  else
    {
      if (error != NULL || model->n_atoms < 1 || model->atom_size < 1)
        abort ();
      gsize s = (gsize) model->atom_size * model->atom_size;
      volatile float sum = 0;
      for (gsize i = 0; i < (gsize) model->n_atoms * s; i++)
        sum += model->atoms[i];
      for (gsize i = 0; i < (gsize) model->n_free * s; i++)
        sum += model->free_atoms[i];
      for (int i = 0; i < model->n_atoms; i++)
        sum += model->lambda_scaling[i];
      (void) sum;
    }
  ts_model_free (model);
  g_clear_error (&error);
  return 0;
}
