/* The Progress group of the sidebar: iteration, relative change, PSNR and SSIM, a progress
 * bar and a status line, as previews of a run arrive and when it ends. */
#pragma once
#include <adwaita.h>
#include "ts-runner.h"

G_BEGIN_DECLS

#define TS_TYPE_PROGRESS_VIEW (ts_progress_view_get_type ())
G_DECLARE_FINAL_TYPE (TsProgressView, ts_progress_view, TS, PROGRESS_VIEW, AdwPreferencesGroup)

/* No run: every figure "–", the bar empty. */
void ts_progress_view_clear        (TsProgressView *self);
/* A run starts, stopping at tolerance `tol` or after `max_iter` iterations: the bar's
 * measure. */
void ts_progress_view_start        (TsProgressView *self, double tol, int max_iter);
void ts_progress_view_show_preview (TsProgressView *self, const TsPreview *preview);
void ts_progress_view_show_result  (TsProgressView *self, const TsJobResult *result);
void ts_progress_view_set_status   (TsProgressView *self, const char *status);
/* What the status line says. */
const char *ts_progress_view_get_status (TsProgressView *self);

/* For the self-test: the bar's fraction, the most tiles (over all channels) it has shown
 * finished in this run, and whether it says the time remaining. */
double   ts_progress_view_get_fraction        (TsProgressView *self);
int      ts_progress_view_get_tiles_done      (TsProgressView *self);
gboolean ts_progress_view_get_shows_time_left (TsProgressView *self);

G_END_DECLS
