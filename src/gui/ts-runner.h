/* Runs a TsJob on a worker thread (GTask) and hands throttled previews to the main loop.
 * The worker never waits for the UI: while a preview is still queued, newer iterations
 * send none. */
#pragma once
#include <gtk/gtk.h>
#include "ts-job.h"

G_BEGIN_DECLS

#define TS_TYPE_RUNNER (ts_runner_get_type ())
G_DECLARE_FINAL_TYPE (TsRunner, ts_runner, TS, RUNNER, GObject)

typedef struct {
  GPtrArray *input;       /* the first preview of a run: the input panel's texture pyramid
                             (ts_texture_pyramid_new); else NULL */
  GPtrArray *estimate;    /* the current estimate's pyramid, or NULL */
  TsImage *image;         /* ... and the estimate itself (float, the result's size), or NULL:
                             what Save writes during the run; a handler may take it */
  int iteration;
  int channel, n_channels;
  double change;
  double psnr;            /* NAN without ground truth */
  double ssim;            /* of the whole estimate at this preview; NAN without ground truth */
  GArray *points;         /* TsPlotPoint since the previous preview */
  int tile, n_tiles;      /* tiled runs: the tile shown (1-based, over all channels) and the
                             number in all; 0 otherwise */
  gboolean tile_done;     /* that tile is finished and blended in */
  /* The decomposition so far (texture pyramids: smooth, sparse, cost map), at most about
   * once a second, where the run has one before its end; else NULL. */
  GPtrArray *smooth, *sparse, *cost;
  double cost_max;        /* the cost map's white, with `cost` */
} TsPreview;

/* What a finished run hands back besides the TsJobResult: the panels' textures, built on
 * the worker so the main loop only swaps them in. */
typedef struct {
  GPtrArray *input, *result, *smooth, *sparse, *cost;   /* texture pyramids */
  GArray *points;         /* TsPlotPoint not yet sent with a preview */
} TsRunExtras;

void ts_run_extras_clear (TsRunExtras *extras);

TsRunner    *ts_runner_new              (void);
void         ts_runner_set_preview_rate (TsRunner *self, double per_second);
gboolean     ts_runner_get_running      (TsRunner *self);
/* Takes `params`. */
void         ts_runner_run_async        (TsRunner *self, TsJobParams *params,
                                         GAsyncReadyCallback callback, gpointer user_data);
/* The result; `extras` (may be NULL) receives the textures and the last points. */
TsJobResult *ts_runner_run_finish       (TsRunner *self, GAsyncResult *result, TsRunExtras *extras,
                                         GError **error);
void         ts_runner_cancel           (TsRunner *self);
/* Runs started and not yet finished, in all runners (main thread). */
guint        ts_runner_get_n_active     (void);

G_END_DECLS
