/* libFuzzer harness for the BART .cfl/.hdr k-space loader. The input is the .hdr text up to
 * the first NUL byte, then the .cfl data (all of the input is header if there is no NUL). */
#include <string.h>
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_init ();
  const uint8_t *nul = memchr (data, 0, size);
  size_t hdr_len = nul != NULL ? (size_t) (nul - data) : size;
  size_t cfl_off = nul != NULL ? hdr_len + 1 : size;
  g_free (fuzz_write ("k.hdr", data, hdr_len));
  g_free (fuzz_write ("k.cfl", data + cfl_off, size - cfl_off));
  g_autofree char *base = g_build_filename (fuzz_dir, "k", NULL);
  GError *error = NULL;
  TsKspace *k = ts_kspace_load_cfl (base, NULL, &error);
  if (k == NULL)
    {
      if (error == NULL)
        abort ();
    }
  else
    {
      if (error != NULL || k->width < 1 || k->height < 1)
        abort ();
      volatile float sum = 0;
      for (gsize i = 0; i < (gsize) k->width * k->height; i++)
        sum += k->data[2 * i] + k->data[2 * i + 1] + k->mask[i];
      (void) sum;
    }
  ts_kspace_free (k);
  g_clear_error (&error);
  return 0;
}
