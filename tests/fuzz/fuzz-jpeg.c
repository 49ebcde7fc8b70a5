/* libFuzzer harness for the JPEG loader (input only: baseline, progressive, EXIF orientation). */
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_init ();
  g_autofree char *path = fuzz_write ("input.jpg", data, size);
  GError *error = NULL;
  TsImage *image = ts_image_load_jpeg (path, &error);
  fuzz_check_image (image, error);
  ts_image_free (image);
  g_clear_error (&error);
  return 0;
}
