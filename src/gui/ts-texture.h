/* TsImage → GdkTexture for the views. Safe on any thread: it only builds memory textures. */
#pragma once
#include <gtk/gtk.h>
#include "tessera.h"

G_BEGIN_DECLS

typedef enum {
  TS_DISPLAY_CLAMP,      /* values in [0, 1] */
  TS_DISPLAY_OFFSET,     /* signed parts (sparse): 0 shown as mid-grey */
  TS_DISPLAY_NORMALIZE,  /* non-negative maps (cost): 0 black, the maximum white */
  TS_DISPLAY_HEAT,       /* non-negative maps in a black-red-yellow-white scale */
} TsDisplayMode;

GdkTexture *ts_texture_new_from_image (const TsImage *image, TsDisplayMode mode);
/* The texture and its halvings (2 x 2 box averages) down to about 128 pixels a side:
 * level k is drawn when the view shows the image at 1 / 2^k or less, so a zoomed-out
 * megapixel panel costs the renderer a fraction of its pixels. GdkTexture array. */
GPtrArray  *ts_texture_pyramid_new    (const TsImage *image, TsDisplayMode mode);
/* The display of ts_texture_new_from_image as an 8-bit RGB TsImage (for saving panels). */
TsImage    *ts_texture_display_image (const TsImage *image, TsDisplayMode mode);

G_END_DECLS
