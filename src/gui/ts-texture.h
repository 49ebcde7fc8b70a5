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
/* A picture shown while parts of it change (a tiled run's estimate): its 8-bit pyramid kept
 * on the worker, updated where a part changed, copied into textures when a preview is sent.
 * The textures are those ts_texture_pyramid_new makes of the whole picture. */
typedef struct _TsTextureCanvas TsTextureCanvas;

/* `mode`: TS_DISPLAY_CLAMP or TS_DISPLAY_OFFSET (no mode that depends on the whole picture). */
TsTextureCanvas *ts_texture_canvas_new     (const TsImage *image, TsDisplayMode mode);
/* `part` (as many channels as the picture) replaces the pixels at x, y. */
void             ts_texture_canvas_update  (TsTextureCanvas *canvas, const TsImage *part, int x,
                                            int y);
/* The pyramid of the picture as it is now: GdkTexture array. */
GPtrArray       *ts_texture_canvas_pyramid (TsTextureCanvas *canvas);
void             ts_texture_canvas_free    (TsTextureCanvas *canvas);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsTextureCanvas, ts_texture_canvas_free)

/* The display of ts_texture_new_from_image as an 8-bit RGB TsImage (for saving panels). */
TsImage    *ts_texture_display_image (const TsImage *image, TsDisplayMode mode);

G_END_DECLS
