/* libFuzzer harness for the fastMRI HDF5 loader (ts_fastmri_load). The input is a mode byte,
 * then the .h5 file. Mode bits 0-1 choose the slice (the middle one, 0, 1, 7: often out of
 * range), bit 2 reads the values as stored (TS_FASTMRI_LOAD_RAW). The file is read as the
 * application reads it, in the reader process: libhdf5 1.10 crashes and loops on damaged
 * object headers there, which must come back as errors; only the parent's code (the answer's
 * checks, the scaling) is instrumented for coverage. */
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const int slices[4] = { TS_FASTMRI_MIDDLE_SLICE, 0, 1, 7 };

  fuzz_init ();
  /* Give looping files up well inside libFuzzer's -timeout, and keep a damaged size field
   * under libFuzzer's malloc limit (a child's malloc over it would be reported as the
   * harness's out-of-memory). */
  ts_hdf5_set_reader_timeout (2000);
  ts_hdf5_set_reader_memory ((guint64) 512 << 20);
  if (size < 1)
    return 0;
  g_autofree char *path = fuzz_write ("scan.h5", data + 1, size - 1);
  TsFastmriLoadFlags flags = (data[0] & 4) ? TS_FASTMRI_LOAD_RAW : TS_FASTMRI_LOAD_DEFAULT;
  GError *error = NULL;
  TsFastmriSlice *fs = ts_fastmri_load (path, slices[data[0] & 3], NULL, flags, &error);
  if (fs == NULL)
    {
      /* A failure names the file. */
      if (error == NULL || error->domain != TS_ERROR || !g_str_has_prefix (error->message, path))
        abort ();
    }
  else
    {
      const TsKspace *k = fs->kspace;
      if (error != NULL || k == NULL || k->width < 1 || k->height < 1 || fs->n_slices < 1
          || fs->slice < 0 || fs->slice >= fs->n_slices || !(fs->scale > 0.0))
        abort ();
      volatile float sum = 0;
      for (gsize i = 0; i < (gsize) k->width * k->height; i++)
        {
          if (k->mask[i] != 0.0f && k->mask[i] != 1.0f)
            abort ();
          sum += k->data[2 * i] + k->data[2 * i + 1];
        }
      if (fs->target != NULL)
        for (gsize i = 0; i < ts_image_n_values (fs->target); i++)
          sum += fs->target->data[i];
      (void) sum;
    }
  ts_fastmri_slice_free (fs);
  g_clear_error (&error);
  return 0;
}
