/* The smooth-plus-sparse patch model (MODEL.md "Parameters" and "Derived quantities"). */
#pragma once
#include <glib.h>
#include "ts-error.h"

G_BEGIN_DECLS

typedef enum {
  TS_PROX_CPR,   /* 'l1norm': soft threshold, groups of groupsize x groupsize pixels */
  TS_PROX_NCPR,  /* 'l0norm': v |v|^g / (m^g + |v|^g) */
} TsProxType;

/* How a model treats the three opponent planes of a colour picture (docs/model-format.md,
 * "colour_form"). */
typedef enum {
  TS_COLOUR_FORM_PLANES,  /* each plane solved on its own (the grayscale models) */
  TS_COLOUR_FORM_JOINT,   /* the three planes solved together: for every atom and pixel the
                             coefficients (Y, O1, O2) are one group of the prox, of weighted
                             norm sqrt (cY^2 + w (cO1^2 + cO2^2)) (ts-prox-joint.h) */
} TsColourForm;

/* The chroma weight w's range (ts_model_validate). */
#define TS_CHROMA_WEIGHT_MIN 1e-3
#define TS_CHROMA_WEIGHT_MAX 1e3

/* A task preset (docs/model-format.md, "presets"): the beta and lambda found for one task
 * with this model (tessera-cli tune), by name: "sr-x4", "mri-acc8-pd", "mri-acc8-pdfs",
 * "mri-acc16-pd", "mri-acc16-pdfs" (ts_task_preset_name), or any other valid name. */
typedef struct {
  char *name;
  double beta;             /* raw, as the model's */
  double lambda;           /* base threshold, non-negative */
  double tol;              /* NAN: the task's default tolerance */
  int max_iter;            /* 0: the default cap */
  char *note;              /* free text: where the values came from ("" when none) */
} TsPreset;

/* Preset names: 1 to TS_PRESET_NAME_MAX bytes of a-z, 0-9, '-', '_' and '.'. */
#define TS_PRESET_NAME_MAX 64

typedef struct {
  char *name;
  char *provenance;        /* free text: where the parameters came from */
  TsProxType prox_type;
  int groupsize;           /* CPR: 1 or 2; NCPR: 1 */
  double order;            /* NCPR exponent gamma */
  double lambda;           /* base threshold (config lambda_init) */
  double sigma;            /* trained noise level, 0-255 units (0 = not a denoising model) */
  double tol;              /* default solver tolerance */
  /* Iteration budget the model was trained for (loss on iterate K, not at the fixed point):
   * denoising runs exactly this many reference iterations by default. 0 = to `tol`. */
  int iterations;
  /* Trained with the exact image step (TS_IMAGE_STEP_EXACT): its budget runs that iteration. */
  gboolean exact_image_step;
  /* Multiplier of the coefficient step (1 in MODEL.md); a budget model with the exact image
   * step learns it. */
  double step_scale;
  TsColourForm colour_form;
  double chroma_weight;    /* joint form: w of the group's weighted norm (1 otherwise) */
  int n_atoms;             /* K (200) */
  int n_free;              /* M (120) */
  int atom_size;           /* p (13) */
  double beta;             /* raw beta; the model uses max(beta, 0) */
  float *atoms;            /* K * p * p, row-major */
  float *free_atoms;       /* M * p * p */
  float *lambda_scaling;   /* K */
  GPtrArray *presets;      /* TsPreset, in the file's order (never NULL; may be empty) */
} TsModel;

TsModel *ts_model_new (int n_atoms, int n_free, int atom_size);
TsModel *ts_model_copy (const TsModel *model);
void     ts_model_free (TsModel *model);
const char *ts_prox_type_name (TsProxType type);   /* "cpr" / "ncpr" */
const char *ts_colour_form_name (TsColourForm form); /* "planes" / "joint" */
/* "planes" / "joint"; FALSE for other names. */
gboolean    ts_colour_form_from_name (const char *name, TsColourForm *form);
/* Checks sizes, finiteness and parameter ranges; names `what` in the message. */
gboolean ts_model_validate (const TsModel *model, const char *what, GError **error);

/* Whether `name` is a valid preset name (TS_PRESET_NAME_MAX). */
gboolean        ts_preset_name_is_valid (const char *name);
/* The preset called `name`, or NULL. */
const TsPreset *ts_model_get_preset (const TsModel *model, const char *name);
/* Adds the preset, or replaces the one of the same name (kept at its place). `tol` NAN and
 * `max_iter` 0 mean the defaults; `note` may be NULL. FALSE (TS_ERROR_INVALID) for an invalid
 * name or values. */
gboolean        ts_model_set_preset (TsModel *model, const char *name, double beta, double lambda,
                                     double tol, int max_iter, const char *note, GError **error);
/* The preset names, in order (a NULL-terminated array of borrowed strings: g_free it). */
const char    **ts_model_list_presets (const TsModel *model);

/* The analytic baseline: 2-D DCT-II atoms of size p; the smooth part takes the n_free
 * lowest-frequency non-DC atoms, the dictionary the rest (p*p - 1 - n_free atoms, so
 * K = 148 for p = 13, M = 20). Thresholds scale with the noise level `sigma` (0-255). */
TsModel *ts_model_new_dct (double sigma);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsModel, ts_model_free)

G_END_DECLS
