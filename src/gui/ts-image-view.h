/* One image panel: draws a texture under a shared TsViewTransform; scroll zooms at the
 * pointer, dragging pans. With a compare texture it shows a before/after split, its line on
 * the part of the picture in view, labelled on each side. */
#pragma once
#include <gtk/gtk.h>
#include "ts-view-transform.h"

G_BEGIN_DECLS

#define TS_TYPE_IMAGE_VIEW (ts_image_view_get_type ())
G_DECLARE_FINAL_TYPE (TsImageView, ts_image_view, TS, IMAGE_VIEW, GtkWidget)

GtkWidget       *ts_image_view_new                 (void);
void             ts_image_view_set_texture         (TsImageView *self, GdkTexture *texture);
/* A texture with its reduced levels (ts_texture_pyramid_new; referenced): the view draws
 * the level that matches its zoom. NULL clears. */
void             ts_image_view_set_pyramid         (TsImageView *self, GPtrArray *levels);
void             ts_image_view_set_compare_pyramid (TsImageView *self, GPtrArray *levels);
GdkTexture      *ts_image_view_get_texture         (TsImageView *self);
GdkTexture      *ts_image_view_get_compare_texture (TsImageView *self);
/* Shown left of the split position (the "before"); NULL for none. */
void             ts_image_view_set_compare_texture (TsImageView *self, GdkTexture *texture);
void             ts_image_view_set_split           (TsImageView *self, double split);
double           ts_image_view_get_split           (TsImageView *self);
/* The words drawn on each side of the split's line ("Before", "After"); NULL for none. */
void             ts_image_view_set_split_labels    (TsImageView *self, const char *before,
                                                    const char *after);
/* While its textures change several times a second (a run's previews): at zooms from 1/2 to
 * 3/4 (and their halves) the next coarser level, enlarged at most 1.5 times, which is much
 * cheaper to draw than a finer one reduced; unchanged at 1:1 and above. */
void             ts_image_view_set_draft           (TsImageView *self, gboolean draft);
/* The view in front: its size bounds the shared pan (ts_view_transform_set_limits). */
void             ts_image_view_set_primary         (TsImageView *self, gboolean primary);
/* Where the split's line (x) and its labels are drawn, in widget coordinates; FALSE when no
 * split is shown (for the self-test). */
gboolean         ts_image_view_get_split_geometry  (TsImageView *self, double *line_x,
                                                    graphene_rect_t *before,
                                                    graphene_rect_t *after);
void             ts_image_view_set_transform       (TsImageView *self, TsViewTransform *transform);
TsViewTransform *ts_image_view_get_transform       (TsImageView *self);
/* Frames drawn with a texture different from the previous frame's (for the self-test). */
guint            ts_image_view_get_n_textures_drawn (TsImageView *self);

G_END_DECLS
