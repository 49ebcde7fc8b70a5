/* One restoration as the GUI runs it: the parameters chosen in the window, the data from the
 * opened file (or simulated from it, ts-simulate.h), handed to the core's restoration
 * (ts-restore.h), whose progress becomes plot points and previews. Plain C on libtessera,
 * no GTK: it runs on the worker thread. */
#pragma once
#include <glib.h>
#include "tessera.h"

G_BEGIN_DECLS

typedef struct {
  int iteration;     /* counted over all channels solved so far */
  float change;
  float psnr;        /* NAN without ground truth */
  int tile, n_tiles; /* tiled runs: the tile being solved (1-based, over all channels) and
                        the number in all; 0 otherwise */
  gboolean tile_done;/* tiled runs: a tile has just been blended in (not a plot point) */
} TsPlotPoint;

typedef struct {
  TsTask task;
  double sigma;              /* noise level, 0-255 units: set by hand, or the noise simulated */
  /* Denoising an opened picture (not simulated): read the noise from it, per plane, as
   * tessera-cli does without --sigma (ts-restore-noise.h); `sigma` is then not used. */
  gboolean estimate_noise;
  /* Denoising: the noise model when it is read (a level given or simulated is Gaussian), and
   * the multipliers on the level of every plane and of the chroma planes (0 means 1). */
  TsNoiseModel noise;
  double strength, chroma_strength;
  /* Denoising the opened picture: its noise as read when it was opened (ts_restore_noise_read
   * of `source`), so that the run plans from it instead of reading the picture again; the run
   * reads only what it lacks for `noise`. */
  gboolean has_noise_reading;
  TsNoiseReading noise_reading;
  char *model_spec;          /* "auto", "dct", or a .tsm file / reference folder */
  /* Already resolved for model_spec and sigma, or NULL. Denoising with a model chosen by the
   * level ("auto", "dct": ts_restore_model_uses_sigma): leave it NULL, so that each plane's
   * is chosen at the level it is solved at (strength, chroma strength, a level read). */
  TsModel *model;
  double beta, lambda, tol;  /* NAN = the task's / model's default */
  char *preset;              /* SR, MRI: the model's preset (NULL: the task's if the model
                                has it, "none": none) */
  int max_iter;
  int threads;
  gboolean simulate;         /* degrade `source` and keep it as ground truth */
  int acceleration;          /* MRI simulation: 4, 8 or 16 */
  TsImage *source;           /* the opened image (NULL for opened k-space) */
  TsKspace *kspace;          /* the opened k-space (MRI) */
  TsImage *truth;            /* ... its ground truth (a fastMRI file's, smaller than the image:
                                scored on the result's centre, ts_score_centred), or NULL */
  const char *truth_name;    /* ... its dataset's name (static) */
  int kspace_acceleration;   /* ... its acceleration as the file tells (fastMRI), or 0 */
  gboolean fat_suppressed;   /* ... a fat-suppressed (PDFS) scan */
  GPtrArray *warm;           /* TsSolution per channel from the previous run, or NULL */
  TsRect region;             /* denoising in tiles: the visible part, solved first (image
                                pixels; width 0 = none) */
} TsJobParams;

void ts_job_params_free (TsJobParams *params);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsJobParams, ts_job_params_free)

typedef struct {
  TsModel *model;
  TsImage *input;            /* what the input panel shows, at the result's size: the noisy
                                image, the low-resolution one enlarged, the zero-filled one */
  TsImage *truth;            /* ground truth: the simulation's, or the opened file's; NULL
                                without one */
  const char *truth_name;    /* the opened file's ground truth's dataset (static; scores on
                                the central part the truth covers), NULL when simulated */
  TsImage *result;
  TsImage *smooth;
  TsImage *sparse;
  TsImage *cost;
  double cost_max;           /* the cost map's largest finite value (its panel's white), or NAN */
  GPtrArray *solutions;      /* TsSolution per solved channel (warm start, coefficient maps) */
  TsSolveStats stats;        /* iterations and seconds summed over channels */
  double input_psnr, input_ssim;
  double psnr, ssim;         /* NAN without ground truth */
  char *preset;              /* the model preset beta and lambda came from, or NULL */
  gboolean warm_started;
  gboolean tiled;            /* solved in tiles: no decomposition (smooth, sparse and cost
                                are NULL) and no solutions kept */
  gboolean stopped;          /* cancelled: `result` is the estimate so far (the finished
                                tiles of a tiled run), not converged, with no decomposition */
  /* Denoising: the noise assumed, what was read and the level each plane was solved at. */
  gboolean has_noise;
  TsRestoreNoise noise;
} TsJobResult;

void ts_job_result_free (TsJobResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsJobResult, ts_job_result_free)

/* The state of a run at one callback, to render as a preview. */
typedef struct _TsJobPreview TsJobPreview;

/* The whole image so far, as the result panel shows it (solved channels, the current
 * estimate, the input elsewhere; back in RGB for colour denoising): a new image. */
TsImage *ts_job_preview_render (TsJobPreview *preview);
/* Tiled runs: the parts of the picture (TsRect, in the result's coordinates) that may have
 * changed since the previous call, or since the run began; an empty array otherwise. With
 * ts_job_preview_render_region, a preview built once by ts_job_preview_render stays up to
 * date at the cost of the tiles solved since, not of the whole picture. */
GArray  *ts_job_preview_take_changes (TsJobPreview *preview);
/* The part of ts_job_preview_render's image at `rect` (inside the result): a new image. */
TsImage *ts_job_preview_render_region (TsJobPreview *preview, const TsRect *rect);
/* The decomposition of the whole image so far, as the smooth, sparse and cost panels show it
 * (ts_restore_render_decomposition): new images, or FALSE where a run has none before its
 * end (tiles, super-resolution). */
gboolean ts_job_preview_render_decomposition (TsJobPreview *preview, TsImage **smooth,
                                              TsImage **sparse, TsImage **cost);
/* The cost map's largest finite value (its panel's white), or NAN without one. */
double   ts_job_cost_max (const TsImage *cost);

/* Called on the worker thread. `input_ready` once, before the first iteration, with the
 * input panel's image and the ground truth (or NULL). `iteration` after every iteration
 * (and, in tiled runs, after each tile is blended in: point->tile_done); the callback may
 * call ts_job_preview_render when it wants a preview. Return FALSE to stop. */
typedef struct {
  void (*input_ready) (const TsImage *input, const TsImage *truth, gpointer user_data);
  gboolean (*iteration) (const TsPlotPoint *point, int channel, int n_channels,
                         TsJobPreview *preview, gpointer user_data);
} TsJobCallbacks;

/* A cancelled run hands back what it has (result->stopped) rather than failing: nothing
 * finished is lost. */
TsJobResult *ts_job_run (TsJobParams *params, const TsJobCallbacks *callbacks, gpointer user_data,
                         const gint *cancel, GError **error);

/* Denoising: the noise a run of `params` plans (its noise model, level read or given,
 * strength and chroma strength, as ts_job_run hands them to the core), from `reading`, the
 * reading of the picture it denoises, without reading the picture (ts-restore-noise.h). FALSE
 * when the reading lacks what the plan needs (ts_restore_noise_reading_covers) or a value is
 * out of range. */
gboolean ts_job_plan_noise (const TsJobParams *params, const TsNoiseReading *reading,
                            TsRestoreNoise *plan, GError **error);
/* Denoising: the model plane `plane` of a run with the model `spec` (or `model` when not
 * NULL, as TsJobParams has them) and the noise `plan` is solved with: ts_restore_plane_model,
 * the core's rule (a model chosen by the level chosen at the plane's level, any other with its
 * threshold scaled by the plane's factor). What the window shows as the run's model; the run
 * takes its luminance's model from here too. A broken installation's fallback is logged. */
TsModel *ts_job_plane_model (const char *spec, const TsModel *model, const TsRestoreNoise *plan,
                             int plane, GError **error);

/* The model for a spec (ts_restore_resolve_model): "auto" is the installed ncpr-sigma<S>,
 * else (none installed, or an unusable one: logged) the built-in DCT model; "dct" the
 * built-in model at sigma; anything else a .tsm file, a reference folder or a name. */
TsModel *ts_job_resolve_model (const char *spec, double sigma, GError **error);

/* The image as the view shows it when it has more than a colour image's channels
 * (ts_colour_channels). */
int ts_job_color_channels (const TsImage *image);

G_END_DECLS
