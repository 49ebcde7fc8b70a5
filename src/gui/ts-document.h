/* The opened document: an image, or k-space with its sampling mask, loaded on a thread
 * together with the input panel's textures; or the demo image. */
#pragma once
#include <gio/gio.h>
#include "tessera.h"

G_BEGIN_DECLS

#define TS_TYPE_DOCUMENT (ts_document_get_type ())
G_DECLARE_FINAL_TYPE (TsDocument, ts_document, TS, DOCUMENT, GObject)

#define TS_DOCUMENT_ERROR (ts_document_error_quark ())

typedef enum {
  /* A complex .npy (k-space) with no mask beside it: ask for one and load again. */
  TS_DOCUMENT_ERROR_NEEDS_MASK,
} TsDocumentError;

GQuark          ts_document_error_quark       (void);

/* A document for a local file, empty until loaded. */
TsDocument     *ts_document_new               (GFile *file);
/* The demo image (simulation's ground truth), or NULL when it cannot be drawn. */
TsDocument     *ts_document_new_demo          (int size);

/* Reads the file on a thread: a .cfl/.hdr pair or a complex .npy (told apart by its header)
 * is k-space, with `mask_path` or the mask found beside it; a fastMRI .h5 (by its name or
 * signature) is k-space too, the slice set with ts_document_set_slice (the middle one by
 * default) with the file's mask or `mask_path`; anything else an image. */
void            ts_document_load_async        (TsDocument *self, const char *mask_path,
                                               GCancellable *cancellable,
                                               GAsyncReadyCallback callback, gpointer user_data);
gboolean        ts_document_load_finish       (TsDocument *self, GAsyncResult *result,
                                               GError **error);

GFile          *ts_document_get_file          (TsDocument *self);   /* NULL for the demo */
const char     *ts_document_get_display_name  (TsDocument *self);
const TsImage  *ts_document_get_image         (TsDocument *self);   /* NULL for k-space */
const TsKspace *ts_document_get_kspace        (TsDocument *self);   /* NULL for an image */
/* A fastMRI file's ground truth of the slice read (gray, scaled as its k-space; the central
 * part of the image, 320 x 320 in fastMRI's sets: ts_score_centred) and its dataset's name
 * (*name, may be NULL); NULL for a file without one and any other document. */
const TsImage  *ts_document_get_truth         (TsDocument *self, const char **name);
/* The noise model the loader reads the image's noise for (ts_restore_noise_read: the blind
 * level, and for poisson-gaussian and auto the Poisson-Gaussian reading), set before loading;
 * TS_NOISE_MODEL_AUTO by default. */
void            ts_document_set_noise_model   (TsDocument *self, TsNoiseModel model);
/* The opened image's noise as read on the loader's thread (or by
 * ts_document_read_noise_async since), once per picture: the window plans from it for every
 * noise model, strength and chroma strength (ts_restore_noise_plan_from_reading) and hands it
 * to the run, which does not read the picture again. The demo's has nothing read (its noise
 * is simulated); NULL for k-space. */
const TsNoiseReading *ts_document_get_noise_reading (TsDocument *self);
/* Reads on a thread what a denoising with `model` needs and the reading lacks (the
 * Poisson-Gaussian reading, when the document was read for Gaussian noise and the user then
 * chose another model); the reading includes it once finished. */
void            ts_document_read_noise_async  (TsDocument *self, TsNoiseModel model,
                                               GCancellable *cancellable,
                                               GAsyncReadyCallback callback, gpointer user_data);
gboolean        ts_document_read_noise_finish (TsDocument *self, GAsyncResult *result,
                                               GError **error);
/* The opened image's blind noise level (ts_noise_level_estimate, as the denoiser takes it
 * without a given sigma before its floor, ts_restore_sigma_from_level; 0-255 units) from its
 * reading; NAN for k-space and the demo. */
double          ts_document_get_noise_estimate (TsDocument *self);
/* What the input panel shows before a run (the image, or k-space zero-filled), as a
 * texture pyramid (ts_texture_pyramid_new), and its size. */
GPtrArray      *ts_document_get_view_pyramid  (TsDocument *self);
void            ts_document_get_view_size     (TsDocument *self, int *width, int *height);
/* A fastMRI .h5: the slice to read, set before loading (TS_FASTMRI_MIDDLE_SLICE, the
 * default, for the middle one); once loaded, the slice read and the file's number of slices
 * (0 for any other document), and the scan's acceleration and contrast. */
void            ts_document_set_slice         (TsDocument *self, int slice);
int             ts_document_get_slice         (TsDocument *self);
int             ts_document_get_n_slices      (TsDocument *self);
void            ts_document_get_scan_info     (TsDocument *self, int *acceleration,
                                               gboolean *fat_suppressed);
/* One line for the window's status bar: name, size, channels or sampling. */
char           *ts_document_dup_summary       (TsDocument *self);

G_END_DECLS
