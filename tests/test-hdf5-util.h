/* Writes fastMRI-layout HDF5 files with the HDF5 C API, as h5py writes them, for the tests,
 * the CLI test's tool and the fuzzers' seed corpus. */
#pragma once
#include <glib.h>

typedef struct {
  int n_slices;
  int n_coils;              /* 0: single-coil (kspace slices x H x W); else slices x coils x H x W */
  int height, width;
  const float *kspace;      /* slices (x coils) x H x W complex, interleaved (re, im), centred
                             * as fastMRI stores it */
  gboolean complex128;      /* members r and i as float64 rather than float32 */
  gboolean real_kspace;     /* kspace as plain float32 (the real parts): a wrong dtype */
  const float *mask;        /* `width` 0/1 values (centred layout), or NULL */
  const char *mask_type;    /* "bool" (h5py's enum over int8, the default), "uint8", "float32" */
  const float *target;      /* slices x target_height x target_width, or NULL */
  int target_height, target_width;
  const char *target_name;  /* default "reconstruction_esc" */
  double max_attr;          /* the root's "max" attribute when > 0 */
  int acceleration_attr;    /* the root's "acceleration" attribute when > 0 */
  const char *acquisition;  /* the root's "acquisition" attribute (variable-length string) */
} TsTestFastmri;

/* Writes `spec` to `path`; FALSE with a message on failure. */
gboolean ts_test_write_fastmri (const char *path, const TsTestFastmri *spec, GError **error);

/* Tessera's k-space (plain orthonormal DFT, ts-kspace.h) to fastMRI's centred layout, for
 * even sides: kf[(r + H/2) % H][(c + W/2) % W] = (-1)^(r + c) k[r][c]. */
void     ts_test_centre_kspace (const float *k, float *centred, int width, int height);

/* A fastMRI-like single-coil scan of n_slices x height x width (even sides): a smooth
 * phantom per slice, its k-space centred, a column mask (the 4 centre columns and every
 * fourth; unsampled columns zero, as in fastMRI's test files) and, with `with_target`,
 * reconstruction_esc: the phantoms' central height/2 x width/2. n_coils > 0 writes the same
 * phantom for every coil of a multi-coil file (slices x coils x height x width). */
gboolean ts_test_write_fastmri_scan (const char *path, int n_slices, int n_coils, int height,
                                     int width, gboolean with_target, GError **error);
