/* Float32 images: width x height x channels, channels interleaved (HWC, row-major),
 * as NumPy users expect. Values are nominally in [0, 1] but are never clamped here. */
#pragma once
#include <glib.h>
#include "ts-error.h"

G_BEGIN_DECLS

typedef struct {
  int width;
  int height;
  int channels;       /* 1, 2 (gray + alpha), 3 or 4 */
  float *data;        /* width * height * channels floats */
  /* Metadata of the file the pixels came from (kept last so that positional initialisers
   * such as { w, h, c, data } stay valid). ts_image_copy and ts_image_crop keep it; images
   * made from scratch (ts_image_new, solver outputs, single channels) have none. */
  int source_bit_depth; /* 8 or 16 (integer samples), 32 (float), 0 when unknown */
  GBytes *icc_profile;  /* embedded ICC profile (owned reference), NULL when none */
} TsImage;

/* Zero-filled image; NULL with a TS_ERROR_LIMIT / TS_ERROR_NOMEM error when too large. */
TsImage *ts_image_new (int width, int height, int channels, GError **error);
TsImage *ts_image_copy (const TsImage *image);
void     ts_image_free (TsImage *image);
gsize    ts_image_n_values (const TsImage *image);
/* One channel as a new single-channel image. */
TsImage *ts_image_extract_channel (const TsImage *image, int channel);
void     ts_image_set_channel (TsImage *image, int channel, const TsImage *plane);
/* Sub-rectangle copy (x0, y0, w, h must lie inside). */
TsImage *ts_image_crop (const TsImage *image, int x0, int y0, int width, int height);
/* A larger copy (width, height at least the image's): the last column and row repeated. */
TsImage *ts_image_extend (const TsImage *image, int width, int height, GError **error);
/* `side` rounded up to a multiple of `multiple` (> 0): the sides ts_image_extend_to_multiple
 * gives, for callers that need them before extending. */
int      ts_image_side_round_up (int side, int multiple);
/* ts_image_extend to sides that are multiples of `multiple` (a copy when they already are):
 * how odd-sided pictures meet models of 2x2 groups. */
TsImage *ts_image_extend_to_multiple (const TsImage *image, int multiple, GError **error);
/* Makes `dest` carry `src`'s source bit depth and ICC profile (replacing its own). */
void     ts_image_copy_metadata (TsImage *dest, const TsImage *src);
/* Replaces the ICC profile (a new reference is taken; NULL removes it). */
void     ts_image_set_icc_profile (TsImage *image, GBytes *profile);
/* FALSE with TS_ERROR_INVALID naming `what` if any value is NaN or Inf. */
gboolean ts_image_check_finite (const TsImage *image, const char *what, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsImage, ts_image_free)

G_END_DECLS
