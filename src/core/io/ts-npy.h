/* NumPy .npy arrays (format 1.0/2.0/3.0, little- or big-endian, C or Fortran order), used for
 * images, k-space, masks and model parameters. */
#pragma once
#include <glib.h>
#include "ts-error.h"

G_BEGIN_DECLS

#define TS_NPY_MAX_DIMS 4

typedef enum {
  TS_NPY_FLOAT32,
  TS_NPY_FLOAT64,
  TS_NPY_UINT8,
  TS_NPY_BOOL,
  TS_NPY_INT32,
  TS_NPY_INT64,
  TS_NPY_COMPLEX64,
} TsNpyDtype;

typedef struct {
  int ndim;                       /* 0..TS_NPY_MAX_DIMS (0 = scalar) */
  gint64 shape[TS_NPY_MAX_DIMS];
  TsNpyDtype dtype;               /* dtype in the file */
  gsize n_elements;
  /* Converted values: real dtypes as float64 in `values` (complex: NULL);
   * complex64 as interleaved (re, im) float32 in `complex_values` (real: NULL). */
  double *values;
  float *complex_values;
} TsNpyArray;

/* Reads the whole array, always returned in C order (Fortran-order files are transposed on
 * load, so shape[] and the element order are those of the NumPy array); refuses unknown
 * dtypes, malformed headers, truncated data and element counts over the pixel limit (times
 * TS_NPY_MAX_DIMS). */
TsNpyArray *ts_npy_load (const char *path, GError **error);

/* What the header says, without reading the data: enough to tell complex k-space from an
 * image before loading either. The shape is the NumPy array's, as ts_npy_load returns it. */
typedef struct {
  int ndim;
  gint64 shape[TS_NPY_MAX_DIMS];
  TsNpyDtype dtype;
  gboolean fortran_order;
} TsNpyHeader;

/* Reads and checks the preamble and the header only (the same refusals as ts_npy_load
 * makes of a header: signature, version, unknown dtypes, malformed dicts). */
gboolean ts_npy_read_header (const char *path, TsNpyHeader *header, GError **error);
void        ts_npy_free (TsNpyArray *array);
const char *ts_npy_dtype_name (TsNpyDtype dtype);

/* Writes a float32 array ('<f4', C order), atomically. */
gboolean ts_npy_save_float32 (const char *path, const float *data, int ndim, const gint64 *shape,
                              GError **error);
/* Writes a complex64 array ('<c8'), interleaved re/im input, atomically. */
gboolean ts_npy_save_complex64 (const char *path, const float *data, int ndim, const gint64 *shape,
                                GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsNpyArray, ts_npy_free)

G_END_DECLS
