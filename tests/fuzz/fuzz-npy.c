/* libFuzzer harness for the .npy reader: the generic array loader, then the image loader
 * and the k-space loader (complex64 arrays, with the same file as its own mask). */
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_init ();
  g_autofree char *path = fuzz_write ("input.npy", data, size);
  GError *error = NULL;
  TsNpyArray *array = ts_npy_load (path, &error);
  if (array == NULL)
    {
      if (error == NULL)
        abort ();
      g_clear_error (&error);
      return 0;
    }
  if (error != NULL || (array->values == NULL) == (array->complex_values == NULL))
    abort ();
  volatile double sum = 0;
  for (gsize i = 0; i < array->n_elements; i++)
    sum += array->values ? array->values[i]
                         : array->complex_values[2 * i] + array->complex_values[2 * i + 1];
  (void) sum;
  gboolean complex = array->complex_values != NULL;
  ts_npy_free (array);

  if (complex)
    {
      TsKspace *k = ts_kspace_load_npy (path, NULL, &error);
      ts_kspace_free (k);
      g_clear_error (&error);
    }
  else
    {
      TsImage *image = ts_image_load_npy (path, &error);
      fuzz_check_image (image, error);
      ts_image_free (image);
      g_clear_error (&error);
    }
  return 0;
}
