/* Single-coil Cartesian k-space: a full complex64 array (not fft-shifted; the plain 2-D DFT
 * with orthonormal scaling) plus a 0/1 sampling mask of the same shape. */
#pragma once
#include <glib.h>
#include "ts-error.h"

G_BEGIN_DECLS

typedef struct {
  int width;
  int height;
  float *data;   /* height * width complex values, interleaved (re, im), row-major */
  float *mask;   /* height * width values, each 0 or 1 */
} TsKspace;

TsKspace *ts_kspace_new (int width, int height, GError **error);
void      ts_kspace_free (TsKspace *kspace);

/* k-space from a complex64 .npy (H x W) and a mask .npy (float or uint8/bool, 0/1; H x W,
 * or 1 x W / W for a column mask broadcast over rows). Shapes are validated against each
 * other; non-finite values and non-binary masks are refused. Unsampled entries are zeroed. */
TsKspace *ts_kspace_load_npy (const char *kspace_path, const char *mask_path, GError **error);
/* BART .cfl/.hdr pair (`base` with or without extension). BART dims are column-major:
 * dims[0] (fastest) is the image width, dims[1] the height, all other dims must be 1.
 * The mask comes from `mask_path` (.npy or .cfl) if given, else from the nonzero samples. */
TsKspace *ts_kspace_load_cfl (const char *base, const char *mask_path, GError **error);
/* The mask `mask_path` (.npy or .cfl; H x W, or 1 x W / W for a column mask broadcast over
 * rows; each value 0 or 1) for a height x width k-space named `kspace_path`, into `out`
 * (H x W). */
gboolean  ts_kspace_mask_load (const char *mask_path, const char *kspace_path, int width,
                               int height, float *out, GError **error);
/* Dispatch on the extension of kspace_path (.npy, .cfl, .hdr); fastMRI HDF5 files have
 * their own loader (ts-io-hdf5.h: a slice, a ground truth, the file's mask). */
TsKspace *ts_kspace_load (const char *kspace_path, const char *mask_path, GError **error);
/* Full k-space and mask from a slice folder in the compact layout of the test data
 * (data/README.md): meta.json ({"shape": [H, W], "acceleration": A}), columns.npy (the
 * sampled column indices) and kspace_cols.npy (complex H x n_columns). *acceleration is
 * meta.json's (8 when absent; may be NULL). */
/* The acceleration the mask gives: all samples over those taken, rounded (0 for an empty
 * mask). For a file without meta data (.npy, .cfl), to choose the task preset with. */
int       ts_kspace_acceleration (const TsKspace *kspace);
TsKspace *ts_kspace_load_compact (const char *dir, int *acceleration, GError **error);
/* TRUE when a component of `path` is "pdfs": fastMRI's fat-suppressed proton-density
 * contrast, which has its own task parameters (ts_task_paper_defaults). */
gboolean  ts_kspace_path_is_fat_suppressed (const char *path);
/* Writes a .cfl/.hdr pair (both atomically). */
gboolean  ts_kspace_save_cfl (const char *base, const float *complex_data, int width, int height,
                              GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsKspace, ts_kspace_free)

G_END_DECLS
