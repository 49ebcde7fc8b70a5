/* Tuning a task's beta and lambda on validation data, for the model's task presets
 * (TsPreset; tessera-cli tune, and the window's Tune dialog): a coordinate search on log scale with
 * golden-section steps, warm-started from the model's preset or the paper's values, each
 * point scored by the mean PSNR of the set restored with a capped iteration count. */
#pragma once
#include "ts-restore.h"

G_BEGIN_DECLS

/* The super-resolution protocol of the evaluations (data/README.md "Protocols"): the noise
 * added to the simulated low-resolution image, and the border PSNR leaves out. */
#define TS_TUNE_SR_NOISE 0.01
#define TS_TUNE_SR_BORDER 40

typedef struct {
  char *name;
  TsImage *lowres;             /* SR: the low-resolution input */
  TsKspace *kspace;            /* MRI: the measured k-space */
  TsImage *truth;              /* SR: the clean image at the estimate's size; MRI: the target,
                                  compared with the estimate's central crop */
} TsTuneItem;

typedef struct {
  TsTask task;                 /* TS_TASK_SR or TS_TASK_MRI */
  int acceleration;            /* MRI: the slices' (all the same) */
  gboolean fat_suppressed;     /* MRI: the contrast, as the folder's path says (pdfs/) */
  GPtrArray *items;            /* TsTuneItem */
} TsTuneSet;

TsTuneSet *ts_tune_set_new (TsTask task);
void       ts_tune_set_free (TsTuneSet *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsTuneSet, ts_tune_set_free)
/* Adds an item made by the caller (the set takes `data` and `truth`): SR, `data` the
 * low-resolution image (a TsImage); MRI, the k-space (a TsKspace). */
void       ts_tune_set_add (TsTuneSet *set, const char *name, gpointer data, TsImage *truth);

/* A validation folder, read as tessera-cli eval reads a data set: SR, the clean images
 * (.png, .tif, .jpg, sorted by name) degraded by the 4x protocol, noise TS_TUNE_SR_NOISE from
 * seed + the image's index; MRI, the slice folders in the compact layout (meta.json,
 * target.npy), or one such folder. `limit` > 0 keeps the first `limit`. Errors: nothing to
 * tune on, slices of different accelerations, unreadable items. */
TsTuneSet *ts_tune_set_load (TsTask task, const char *folder, int limit, guint64 seed,
                             GError **error);

typedef struct {
  int max_evaluations;         /* restorations of the whole set (default 16) */
  int max_iter;                /* iterations per restoration (default 150) */
  double tol;                  /* tolerance per restoration (default TS_RECONSTRUCT_TOL) */
  double beta, lambda;         /* the start (NAN: the preset's, else the paper's, else the
                                  model's) */
  double step;                 /* the first step, decades (log10; default 0.5) */
  int threads;                 /* solver threads (0: the default) */
} TsTuneOptions;

void ts_tune_options_init (TsTuneOptions *options);

typedef enum {
  TS_TUNE_ITEM,                /* an item of the current point is restored (item_psnr) */
  TS_TUNE_EVALUATION,          /* a point is scored (psnr, the mean over the set) */
} TsTuneEvent;

typedef struct {
  TsTuneEvent event;
  int evaluation;              /* the point's number, 1-based */
  int max_evaluations;
  int item, n_items;           /* ITEM: the item (0-based) */
  double item_psnr;            /* ITEM */
  const char *phase;           /* "start", "beta" or "lambda": what the point varies */
  double beta, lambda;         /* the point */
  double psnr;                 /* EVALUATION: its mean PSNR */
  double best_beta, best_lambda, best_psnr;  /* the best so far (EVALUATION: this one counted) */
} TsTuneProgress;

/* FALSE stops the search (TS_ERROR_CANCELLED). Called on the thread running ts_tune. */
typedef gboolean (*TsTuneProgressFunc) (const TsTuneProgress *progress, gpointer user_data);

typedef struct {
  char preset[TS_PRESET_NAME_MAX + 1];  /* the preset tuned */
  double beta, lambda, psnr;   /* the best point and its mean PSNR */
  double start_beta, start_lambda, start_psnr;
  TsParamSource start_from;    /* where the start came from (preset, paper, model, given) */
  int evaluations;             /* points scored */
} TsTuneResult;

/* Searches beta and lambda for `preset` (NULL: the set's task preset, ts_task_preset_name)
 * with `model` on `set`. The best point scores at least the start (it is the first point
 * scored). FALSE on failure; on cancellation (`cancel` read between and during restorations,
 * or the progress callback's FALSE) FALSE with TS_ERROR_CANCELLED and *result holding the best
 * so far when at least one point was scored. */
gboolean ts_tune (const TsModel *model, const TsTuneSet *set, const char *preset,
                  const TsTuneOptions *options, TsTuneProgressFunc progress, gpointer user_data,
                  const gint *cancel, TsTuneResult *result, GError **error);

/* A note for the tuned preset (TsPreset.note): the folder, the set, the score, the budget. */
char *ts_tune_describe (const TsTuneResult *result, const TsTuneSet *set, const char *folder,
                        const TsTuneOptions *options);

G_END_DECLS
