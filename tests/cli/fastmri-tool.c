/* Helper of run-cli-tests.sh: writes fastMRI-layout HDF5 files with the HDF5 C API.
 *   fastmri-tool scan OUT.h5        3 slices x 64 x 48, single-coil, mask and ground truth
 *   fastmri-tool multicoil OUT.h5   2 slices x 4 coils x 32 x 24 */
#include <stdio.h>
#include <string.h>
#include "test-hdf5-util.h"

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  gboolean ok;

  if (argc != 3)
    {
      fprintf (stderr, "usage: %s scan|multicoil OUT.h5\n", argv[0]);
      return 2;
    }
  if (strcmp (argv[1], "scan") == 0)
    ok = ts_test_write_fastmri_scan (argv[2], 3, 0, 64, 48, TRUE, &error);
  else if (strcmp (argv[1], "multicoil") == 0)
    ok = ts_test_write_fastmri_scan (argv[2], 2, 4, 32, 24, FALSE, &error);
  else
    {
      fprintf (stderr, "%s: unknown command %s\n", argv[0], argv[1]);
      return 2;
    }
  if (!ok)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  return 0;
}
