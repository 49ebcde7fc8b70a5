/* One restoration, as tessera-cli and the window run it: a request in (task, data, model,
 * noise level, colour handling, tiling, solver options, warm start), the restored image out
 * (with its decomposition, the solutions per channel and the statistics), progress and
 * previews on the way.
 *
 * What both front ends do is decided here, once:
 *   - the model: ts_restore_resolve_model (ts-restore-model.h, one rule for "auto");
 *   - the solver options: tol the model's for denoising and TS_RECONSTRUCT_TOL for SR and
 *     MRI, max_iter TS_RESTORE_DEFAULT_MAX_ITER, beta / lambda (ts_restore_task_params): the
 *     model's preset for the task (SR, MRI) when it has one, else the paper's for the task
 *     (ts_task_paper_defaults), else the model's; the variant by the task;
 *   - the operator of each task (identity, the default 4x super-resolution operator, the
 *     MRI operator of the k-space's mask);
 *   - odd sides: 2x2 groups need even sides. A denoising extends the image's odd sides by
 *     repeating the edge and returns the input's size; super-resolution and MRI refuse
 *     (their sides are the data's). Ground truth for a simulation is cropped instead
 *     (ts-simulate.h);
 *   - colour: the colour channels are solved one by one, RGB(A) denoised in the orthonormal
 *     opponent basis (ts-colour.h) unless asked per channel; alpha is copied through
 *     (super-resolution estimates every channel: there is no full-size alpha to copy);
 *   - denoising's noise: the noise model (Gaussian or Poisson-Gaussian through the
 *     generalised Anscombe transform), the level read from the image when none is given, and
 *     the level each plane is solved at (strength, chroma strength): ts-restore-noise.h;
 *   - tiles and memory: ts-restore-tiles.h. */
#pragma once
#include "ts-colour.h"
#include "ts-kspace.h"
#include "ts-model.h"
#include "ts-restore-model.h"
#include "ts-restore-noise.h"
#include "ts-restore-tiles.h"
#include "ts-solver.h"
#include "ts-task.h"

G_BEGIN_DECLS

/* The iteration cap when none is given: the reference's. */
#define TS_RESTORE_DEFAULT_MAX_ITER 10000
/* Channels whose statistics are kept one by one (RGBA). */
#define TS_RESTORE_MAX_CHANNELS 4

/* The opponent chroma planes carry little signal: against their own small norm the relative
 * change stays above the tolerance long after the picture has stopped changing (they took
 * more iterations than the luminance). PICTURE (the default) measures their change against
 * the solved luminance's norm, as it counts in the picture; OWN against themselves. */
typedef enum {
  TS_PLANE_STOP_PICTURE,
  TS_PLANE_STOP_OWN,
} TsPlaneStop;

/* "picture" / "own"; FALSE for other names. */
gboolean ts_plane_stop_from_name (const char *name, TsPlaneStop *stop);

typedef struct {
  TsTask task;
  /* The data. Denoising: the noisy image; super-resolution: the low-resolution image (an
   * n x n image gives a (n - 1) * 4 + 16 estimate); MRI: `kspace`. */
  TsImage *image;
  /* The run owns `image`: it frees it (and sets the field to NULL) as soon as it has its own
   * copy, or keeps it as the result's input, so that a large picture's memory goes to the
   * solve rather than to a second copy. */
  gboolean take_image;
  const TsKspace *kspace;
  /* The model: `model` when set (borrowed), else ts_restore_resolve_model (model_spec,
   * sigma); denoising: ts_restore_plane_model, per plane. */
  const TsModel *model;
  const char *model_spec;
  /* Denoising in the opponent basis: the chroma planes' model. NULL or "auto": an installed
   * chroma-plane model (`<prox>-chroma-sigma<S>`, ts_model_for_chroma_noise) when the
   * luminance's is chosen by the level ("auto", no `model`) and one is installed, else the
   * luminance's; "luminance": the luminance's always; anything else: that model
   * (ts_restore_resolve_model), at the chroma planes' level. */
  const char *chroma_model_spec;
  /* Noise level, 0-255 units, for "auto" and "dct"; NAN = none. Denoising: a white Gaussian
   * level; NAN reads the noise from the image (ts-restore-noise.h). */
  double sigma;
  /* Denoising (ts-restore-noise.h): the noise model (default GAUSSIAN, as every caller had
   * it before; a front end that reads the noise from the image offers AUTO, as tessera-cli
   * denoise does by default; with `sigma` given it is Gaussian), the multiplier on the level
   * of every plane (default 1) and, in the opponent basis, on the chroma planes' on top of it
   * (default 1). */
  TsNoiseModel noise;
  double strength;
  double chroma_strength;
  /* Denoising: ts_restore_plan_noise of this request and image, made by the caller (to show
   * it before the run, without reading the image twice), or NULL: ts_restore makes it. */
  const TsRestoreNoise *noise_plan;
  /* Denoising: the image's noise as read before (ts_restore_noise_read of this image, made
   * when it was opened), or NULL. ts_restore_plan_noise plans from it and reads from the image
   * only what it lacks for `noise`. */
  const TsNoiseReading *noise_reading;
  TsColourMode colour;         /* denoising RGB(A): the opponent basis (default) or R, G, B */
  TsPlaneStop plane_stop;      /* opponent colour: how the chroma planes' tolerance is read */
  TsRestoreTiling tiling;      /* denoising only */
  /* Solver options: NAN, or 0 for max_iter, means the default (ts_restore_solve_options). */
  double tol, beta, lambda;
  int max_iter;
  int threads;                 /* 0 = the solver's default */
  TsFormulation formulation;
  TsAcceleration acceleration;
  TsImageStep image_step;
  int restart_interval;
  int mri_acceleration;        /* MRI: the preset / paper's beta / lambda for 8x or 16x (0 = 8) */
  gboolean fat_suppressed;     /* MRI: ... for the fat-suppressed contrast */
  /* The model preset (TsPreset) for beta, lambda and, unless given, tol and max_iter: NULL
   * for the task's (ts_task_preset_name) when the model has it; TS_PRESET_NONE for none; any
   * other name for that preset, which the model must have (denoising: none ever). */
  const char *preset;
  /* TsSolution per solved channel from an earlier run, or NULL: a channel starts from its
   * solution when the size and the number of atoms match. */
  const GPtrArray *warm;
  /* What to return besides the image (a tiled run has neither decomposition nor
   * solutions: they would take the memory tiling saves). */
  gboolean decompose;          /* smooth, sparse and cost (MODEL.md "Smooth / sparse") */
  gboolean keep_solutions;     /* TsSolution per channel: warm starts, coefficient maps */
  gboolean input_view;         /* the input as shown beside the result (see result->input) */
  /* Cancellation (the flag or a progress callback's FALSE) returns what is solved so far
   * instead of failing: the channels solved, the current channel's last estimate (tiled:
   * every finished tile blended, the tile in progress as last estimated), the input
   * elsewhere, with result->stopped set and no decomposition. Runs that finish are the
   * same either way. */
  gboolean keep_stopped;
} TsRestoreRequest;

/* Defaults: denoising, no data, "auto" at no noise level, Gaussian noise at strength and
 * chroma strength 1, opponent colour, automatic tiling, every solver option at its
 * default, nothing but the image returned. */
void ts_restore_request_init (TsRestoreRequest *request);

typedef struct {
  int n_solves;                /* channels solved */
  int iterations;              /* the largest over the channels */
  int total_iterations;        /* summed over the channels */
  double seconds;              /* summed */
  double final_change;         /* the largest */
  gboolean converged;          /* every channel */
  double gemm_seconds;         /* subspace formulation: time in the products, per core */
  double gemm_gflop;           /* and their work, per core */
  double decompose_seconds;
  TsSolveStats per_channel[TS_RESTORE_MAX_CHANNELS];
} TsRestoreStats;

/* Where a solver parameter came from. */
typedef enum {
  TS_PARAM_FROM_MODEL,         /* the model's own */
  TS_PARAM_FROM_PAPER,         /* the paper's for the task (ts_task_paper_defaults) */
  TS_PARAM_FROM_PRESET,        /* the model's preset */
  TS_PARAM_FROM_REQUEST,       /* given in the request */
} TsParamSource;

/* How beta and lambda were chosen for a restoration. */
typedef struct {
  char preset[TS_PRESET_NAME_MAX + 1];  /* the preset used, "" for none */
  const char *task_preset;     /* the task's preset name (static), NULL for denoising */
  gboolean preset_missing;     /* the task's preset was looked for and the model has none */
  TsParamSource beta_from, lambda_from;
  double beta, lambda;         /* the values (NAN: the model's, as TsSolveOptions) */
} TsTaskParams;

/* "model", "paper", "preset", "given". */
const char *ts_param_source_name (TsParamSource source);

typedef struct {
  TsModel *model;              /* the model solved with (denoising: the luminance's, or every
                                  plane's) */
  /* Denoising in the opponent basis with a chroma-plane model of their own
   * (ts_restore_chroma_model; chroma_own_model) or at a chroma strength other than 1: the
   * model the chroma planes were solved with (ts_restore_plane_model); NULL otherwise. */
  TsModel *chroma_model;
  /* chroma_model is the chroma planes' own (not the luminance's at their level): a threshold
   * given in the request is the luminance's and leaves its own alone. */
  gboolean chroma_own_model;
  /* Denoising: the noise assumed, the levels and thresholds each plane was solved at. */
  TsRestoreNoise noise;
  TsTaskParams params;         /* how beta and lambda were chosen */
  /* The options solved with (beta / lambda NAN: the model's; denoising: the luminance's, a
   * given lambda times the strength). */
  TsSolveOptions options;
  /* The restored image: the input's size (denoising), the estimate's (SR), the k-space's
   * (MRI: the real image). Values as solved: not clipped. Poisson-Gaussian denoising: back
   * through the exact unbiased inverse of each channel's transform (smooth and sparse too:
   * the smooth part through it, the sparse part the rest, so that they still add up; a
   * stopped run's unsolved channels are their input's transform and back). */
  TsImage *image;
  /* request->input_view: the input at the result's size, as a viewer shows it beside the
   * result: the noisy image, the low-resolution image enlarged (nearest neighbour), the
   * zero-filled MRI image. NULL otherwise. */
  TsImage *input;
  TsImage *smooth, *sparse;    /* request->decompose, untiled: as the image, solved channels */
  TsImage *cost;               /* ... one channel: the penalty per pixel, summed over them */
  GPtrArray *solutions;        /* request->keep_solutions, untiled: TsSolution per channel */
  TsRestoreStats stats;
  gboolean tiled;
  gboolean extended;           /* denoising: odd sides extended for 2x2 groups */
  gboolean warm_started;
  gboolean stopped;            /* request->keep_stopped: cancelled, the estimate so far */
} TsRestoreResult;

void ts_restore_result_free (TsRestoreResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsRestoreResult, ts_restore_result_free)

typedef enum {
  TS_RESTORE_READY,            /* the data are prepared; before the first solve */
  TS_RESTORE_CHANNEL,          /* a channel's solve begins */
  TS_RESTORE_ITERATION,        /* after an iteration of the channel's (or the tile's) solve */
  TS_RESTORE_TILE_DONE,        /* tiled: a tile has been blended in */
  TS_RESTORE_CHANNEL_DONE,     /* the channel is solved (and decomposed) */
} TsRestoreEvent;

typedef struct _TsRestoreRun TsRestoreRun;

typedef struct {
  TsRestoreRun *run;           /* for ts_restore_render */
  TsRestoreEvent event;
  const TsImage *input;        /* READY: result->input when asked for, else NULL */
  int channel, n_channels;     /* the channel being solved and the number solved */
  int iterations_before;       /* iterations of the channels already solved, summed */
  double tol;                  /* the stopping rule: tol (0 = none) and max_iter */
  int max_iter;
  int iteration;               /* ITERATION: of the current solve (channel or tile) */
  double change;               /* ITERATION: the stopping rule's relative change */
  /* ITERATION: the current estimate, the channel's plane at the solve's size or, tiled, the
   * tile's with its halo at *tile; TILE_DONE: the channel's plane so far. */
  const TsImage *estimate;
  gboolean tiled;
  const TsRect *tile;          /* ITERATION, tiled: where the estimate lies (it may wrap);
                                  TILE_DONE: the tile just blended in, the same rectangle */
  int tiles_done, n_tiles;     /* tiled: this channel's tiles done and in all (both passes
                                  of the common stop) */
} TsRestoreProgress;

/* Called on the thread that runs ts_restore; FALSE stops the run (TS_ERROR_CANCELLED). */
typedef gboolean (*TsRestoreProgressFunc) (const TsRestoreProgress *progress, gpointer user_data);

/* Runs `request`. `progress` (may be NULL) is told of each step; `cancel` (may be NULL) is
 * read atomically every iteration. Errors: TS_ERROR_INVALID for data the task or the model
 * cannot take, TS_ERROR_LIMIT for a whole solve over the memory available,
 * TS_ERROR_CANCELLED (unless request->keep_stopped), and the model's and the solver's
 * own. */
TsRestoreResult *ts_restore (TsRestoreRequest *request, TsRestoreProgressFunc progress,
                             gpointer user_data, const gint *cancel, GError **error);

/* The whole image so far, as the result will be (the channels solved, the current estimate,
 * the input elsewhere; back in RGB, at the result's size): a new image. Only during a
 * progress call, with its argument. */
TsImage *ts_restore_render (const TsRestoreProgress *progress);

/* The part of ts_restore_render's image at `rect` (which must lie inside the result's size),
 * for a front end that keeps a picture and updates only what changed: a tiled run changes
 * no pixel outside the rectangles at progress->tile (wrapped, as the tiles are) of its
 * ITERATION and TILE_DONE calls. A new image, rect's size; only during a progress call, with
 * its argument. */
TsImage *ts_restore_render_region (const TsRestoreProgress *progress, const TsRect *rect);

/* The decomposition of the image so far (MODEL.md "Smooth / sparse"), during an ITERATION
 * call of a whole (untiled) run with request->decompose, as the result's parts will be (RGB,
 * the result's size): the solved channels' parts, the current channel's smooth part (once
 * per channel) and its estimate minus it, the penalty of its current coefficients; the
 * channels to come as their input, with no sparse part. New images; FALSE with
 * TS_ERROR_UNSUPPORTED where there is none (tiles, other events, an operator without a
 * closed-form smooth part: super-resolution). Only during a progress call, with its
 * argument. */
gboolean ts_restore_render_decomposition (const TsRestoreProgress *progress, TsImage **smooth,
                                          TsImage **sparse, TsImage **cost, GError **error);

/* The zero-filled image of `kspace` (real (DFT_ortho^-1 (kspace))): how MRI data are shown
 * beside a reconstruction. A new image. */
TsImage    *ts_restore_zero_filled (const TsKspace *kspace, GError **error);

/* The noise of the denoising `request` (ts_restore_noise_plan with its image, colour, noise,
 * sigma, strength and chroma strength), from request->noise_reading when it has one (not
 * read again; TS_ERROR_INVALID when the reading is of an image of another size or
 * channels). */
gboolean    ts_restore_plan_noise (const TsRestoreRequest *request, TsRestoreNoise *noise,
                                   GError **error);
/* The model plane `plane` of the denoising `request` is solved with, for its noise `noise`
 * (ts-restore-noise.h): a chroma plane's own model (ts_restore_chroma_model) when it has
 * one, else request->model or model_spec at the plane's level, else with its threshold
 * scaled by the plane's factor. *note as ts_restore_resolve_model's. A new model. */
TsModel    *ts_restore_plane_model (const TsRestoreRequest *request, const TsRestoreNoise *noise,
                                    int plane, char **note, GError **error);
/* The chroma planes' own model (request->chroma_model_spec) at their level, or NULL when
 * they take the luminance's (*error unset; set on a failure). A new model. */
TsModel    *ts_restore_chroma_model (const TsRestoreRequest *request, const TsRestoreNoise *noise,
                                     char **note, GError **error);

/* The solver options of `request` with `model` (the defaults described at the top). A
 * preset named in the request that the model does not have counts as none here;
 * ts_restore_task_params says so. */
void        ts_restore_solve_options (const TsRestoreRequest *request, const TsModel *model,
                                      TsSolveOptions *options);
/* How `request` chooses beta and lambda with `model` (and the preset's tol / max_iter, when
 * it has them, into *options if not NULL). FALSE with TS_ERROR_INVALID for a preset named in
 * the request that the model does not have (the message lists the ones it has), or a known
 * preset name of another task. ts_restore fails the same way. */
gboolean    ts_restore_task_params (const TsRestoreRequest *request, const TsModel *model,
                                    TsTaskParams *params, GError **error);
/* The default stopping tolerance of `task` with `model`. */
double      ts_restore_default_tol (TsTask task, const TsModel *model);
/* For a front end whose iteration cap is always set (the window's): the request's max_iter
 * for that cap, 0 (the model's own) when a model trained for an iteration budget should run
 * its iterations: denoising, no tolerance given (tol NAN) and a cap of at least the budget. */
int         ts_restore_cap_for_model (TsTask task, const TsModel *model, double tol, int cap);
/* The solver variant of `task`: "forward" (denoising) or "reconstruct" (SR, MRI). */
const char *ts_restore_variant_name (TsTask task);
/* Whether a width x height denoising is solved extended to even sides for the model's
 * groups, and the size it is solved at (either pointer may be NULL). */
gboolean    ts_restore_extends (const TsModel *model, int width, int height, int *solve_width,
                                int *solve_height);
/* The fraction of a solve done after `iteration` with the relative `change`: convergence is
 * roughly linear in log(change) from 1e-1 down to tol; never less than iteration / max_iter. */
double      ts_restore_progress_fraction (int iteration, double change, double tol, int max_iter);
/* The fraction of a whole restoration done: the channels before `channel` (of n_channels),
 * the tiles done before this one (of n_tiles; 0 = not tiled) and this solve's fraction
 * `solve` (ts_restore_progress_fraction). Not monotone by itself (a solve's own estimate can
 * step back); the front ends keep the largest value of a run. */
double      ts_restore_overall_fraction (int channel, int n_channels, int tiles_done, int n_tiles,
                                         double solve);

G_END_DECLS
