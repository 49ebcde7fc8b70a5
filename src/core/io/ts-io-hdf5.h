/* fastMRI HDF5 files: one slice of a single-coil scan's k-space, its sampling mask and, when
 * the file has one, its ground truth, read with the HDF5 C API (README.md, "MRI input").
 *
 * fastMRI stores k-space centred (the image is fftshift (ifft2 (ifftshift (k))), orthonormal):
 * the loader turns it into Tessera's convention (ts-kspace.h: the plain orthonormal DFT of the
 * image, not shifted), so the zero-filled image comes out centred, as fastMRI shows it. */
#pragma once
#include <glib.h>
#include "ts-error.h"
#include "ts-image.h"
#include "ts-kspace.h"

G_BEGIN_DECLS

/* ts_fastmri_load's `slice` for the middle one (n_slices / 2). */
#define TS_FASTMRI_MIDDLE_SLICE (-1)

typedef enum {
  TS_FASTMRI_LOAD_DEFAULT = 0,
  /* Leave the values as stored (scale 1) rather than scaling the image to about [0, 1]. */
  TS_FASTMRI_LOAD_RAW = 1 << 0,
  /* Read in this process. By default the file is read in a child process, because libhdf5
   * crashes on some damaged files (object headers it trusts) before any check can refuse
   * them; the fuzzers use this flag to see the reader's code. */
  TS_FASTMRI_LOAD_IN_PROCESS = 1 << 1,
} TsFastmriLoadFlags;

/* What the k-space and the ground truth were multiplied by, so that the image is about
 * [0, 1], the range the models were trained on (the paper's slices are scaled the same way:
 * ground truth divided by its volume's largest value). */
typedef enum {
  TS_FASTMRI_SCALE_NONE,         /* TS_FASTMRI_LOAD_RAW: as stored */
  TS_FASTMRI_SCALE_TARGET_MAX,   /* 1 / the ground truth's largest value over all slices */
  TS_FASTMRI_SCALE_MAX_ATTR,     /* 1 / the file's "max" attribute (no ground truth) */
  TS_FASTMRI_SCALE_ZERO_FILLED,  /* 1 / the largest magnitude of this slice's zero-filled
                                  * image in its central 320 x 320 (neither of the above) */
} TsFastmriScale;

typedef enum {
  TS_FASTMRI_MASK_FILE,      /* the file's "mask" dataset */
  TS_FASTMRI_MASK_GIVEN,     /* the mask_path given to ts_fastmri_load */
  TS_FASTMRI_MASK_DERIVED,   /* the k-space columns that hold a non-zero value */
} TsFastmriMaskSource;

typedef struct {
  TsKspace *kspace;            /* the slice, in Tessera's convention, scaled; unsampled
                                * entries zeroed */
  TsImage *target;             /* the slice's ground truth (gray, scaled), or NULL */
  const char *target_name;     /* "reconstruction_esc", "reconstruction_rss" or NULL */
  int n_slices;
  int slice;                   /* the one read, 0-based */
  double scale;
  TsFastmriScale scale_source;
  TsFastmriMaskSource mask_source;
  int acceleration;            /* the file's "acceleration" attribute, else the width over
                                * the sampled columns, rounded (1: fully sampled) */
  gboolean fat_suppressed;     /* the "acquisition" attribute names a PDFS scan */
} TsFastmriSlice;

/* Reads slice `slice` (0-based, or TS_FASTMRI_MIDDLE_SLICE) of a single-coil fastMRI file:
 * `kspace` is slices x H x W (or H x W) complex (h5py's compound {r, i} of float32 or
 * float64); the mask is `mask_path` (.npy or .cfl, H x W or a row of W, in the file's
 * centred layout) if given, else the file's `mask` (W or H x W, 0/1 of any integer, float or
 * h5py boolean type), else the columns that hold data. `reconstruction_esc`, else
 * `reconstruction_rss` (slices x h x w float), is the ground truth. A multi-coil file
 * (kspace slices x coils x H x W), a slice out of range, a file that is not HDF5, corrupt or
 * truncated, or of the wrong type or rank is refused with a TS_ERROR naming the file; the
 * HDF5 library prints nothing. The file is read in a forked child process (see
 * TS_FASTMRI_LOAD_IN_PROCESS), so a crash of libhdf5 on a damaged file is reported as
 * "corrupt HDF5 file: the HDF5 library crashed reading it (...)". */
TsFastmriSlice *ts_fastmri_load (const char *path, int slice, const char *mask_path,
                                 TsFastmriLoadFlags flags, GError **error);
void            ts_fastmri_slice_free (TsFastmriSlice *slice);
/* A short name for the scaling, e.g. "reconstruction_esc maximum" (for statistics). */
const char     *ts_fastmri_scale_name (TsFastmriScale scale);
const char     *ts_fastmri_mask_source_name (TsFastmriMaskSource source);

/* How long ts_fastmri_load waits for its reader process before it gives the file up as
 * corrupt (default 20 s; damaged files can send libhdf5 into a loop). */
void            ts_hdf5_set_reader_timeout (int milliseconds);
/* The address space the reader process may map beyond what it inherits (default 4 GiB:
 * enough for a slice at the pixel limit; a damaged file cannot make libhdf5 take more). */
void            ts_hdf5_set_reader_memory  (guint64 bytes);

/* TRUE when the name ends in .h5 or .hdf5 (any case). */
gboolean        ts_hdf5_name_matches (const char *path);
/* TRUE when the file starts with the HDF5 signature (at byte 0, 512, 1024, ...: HDF5 allows a
 * user block before it). */
gboolean        ts_hdf5_file_has_signature (const char *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsFastmriSlice, ts_fastmri_slice_free)

G_END_DECLS
