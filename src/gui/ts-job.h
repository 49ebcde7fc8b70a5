/* One restoration as the GUI runs it: the parameters chosen in the window, the data
 * prepared from the opened file (or simulated from it), the solve of every channel and the
 * decomposition. Plain C on libtessera, no GTK: it runs on the worker thread. */
#pragma once
#include <glib.h>
#include "tessera.h"

G_BEGIN_DECLS

typedef struct {
  int iteration;     /* counted over all channels solved so far */
  float change;
  float psnr;        /* NAN without ground truth */
} TsPlotPoint;

typedef struct {
  TsTask task;
  double sigma;              /* noise level, 0-255 units */
  char *model_spec;          /* "auto", "dct", or a .tsm file / reference folder */
  TsModel *model;            /* already resolved for model_spec and sigma, or NULL */
  double beta, lambda, tol;  /* NAN = the task's / model's default */
  int max_iter;
  int threads;
  gboolean simulate;         /* degrade `source` and keep it as ground truth */
  int acceleration;          /* MRI simulation: 4, 8 or 16 */
  TsImage *source;           /* the opened image (NULL for opened k-space) */
  TsKspace *kspace;          /* the opened k-space (MRI) */
  GPtrArray *warm;           /* TsSolution per channel from the previous run, or NULL */
} TsJobParams;

void ts_job_params_free (TsJobParams *params);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsJobParams, ts_job_params_free)

typedef struct {
  TsModel *model;
  TsImage *input;            /* what the input panel shows, at the result's size: the noisy
                                image, the low-resolution one enlarged, the zero-filled one */
  TsImage *truth;            /* ground truth, NULL unless simulated */
  TsImage *result;
  TsImage *smooth;
  TsImage *sparse;
  TsImage *cost;
  GPtrArray *solutions;      /* TsSolution per solved channel (warm start, coefficient maps) */
  TsSolveStats stats;        /* iterations and seconds summed over channels */
  double input_psnr, input_ssim;
  double psnr, ssim;         /* NAN without ground truth */
  gboolean warm_started;
} TsJobResult;

void ts_job_result_free (TsJobResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsJobResult, ts_job_result_free)

/* Called on the worker thread. `input_ready` once, before the first iteration, with the
 * input panel's image and the ground truth (or NULL). `iteration` after every iteration with
 * the current channel's estimate; `composite` is the whole image so far (solved channels
 * and the input for the others): the callback may copy `estimate` into it with
 * ts_image_set_channel when it wants a preview. Return FALSE to stop. */
typedef struct {
  void (*input_ready) (const TsImage *input, const TsImage *truth, gpointer user_data);
  gboolean (*iteration) (const TsPlotPoint *point, int channel, int n_channels,
                         const TsImage *estimate, TsImage *composite, gpointer user_data);
} TsJobCallbacks;

TsJobResult *ts_job_run (TsJobParams *params, const TsJobCallbacks *callbacks, gpointer user_data,
                         const gint *cancel, GError **error);

/* The model for a spec: "auto" is the installed ncpr-sigma<S>, else the built-in DCT model;
 * "dct" the built-in model at sigma; anything else a .tsm file or a reference folder. */
TsModel *ts_job_resolve_model (const char *spec, double sigma, GError **error);

/* The image as the view shows it when it has more than a colour image's channels. */
int ts_job_color_channels (const TsImage *image);

G_END_DECLS
