/* The smooth-plus-sparse patch model (MODEL.md "Parameters" and "Derived quantities"). */
#pragma once
#include <glib.h>
#include "ts-error.h"

G_BEGIN_DECLS

typedef enum {
  TS_PROX_CPR,   /* 'l1norm': soft threshold, groups of groupsize x groupsize pixels */
  TS_PROX_NCPR,  /* 'l0norm': v |v|^g / (m^g + |v|^g) */
} TsProxType;

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
  int n_atoms;             /* K (200) */
  int n_free;              /* M (120) */
  int atom_size;           /* p (13) */
  double beta;             /* raw beta; the model uses max(beta, 0) */
  float *atoms;            /* K * p * p, row-major */
  float *free_atoms;       /* M * p * p */
  float *lambda_scaling;   /* K */
} TsModel;

TsModel *ts_model_new (int n_atoms, int n_free, int atom_size);
TsModel *ts_model_copy (const TsModel *model);
void     ts_model_free (TsModel *model);
const char *ts_prox_type_name (TsProxType type);   /* "cpr" / "ncpr" */
/* Checks sizes, finiteness and parameter ranges; names `what` in the message. */
gboolean ts_model_validate (const TsModel *model, const char *what, GError **error);

/* The analytic baseline: 2-D DCT-II atoms of size p; the smooth part takes the n_free
 * lowest-frequency non-DC atoms, the dictionary the rest (p*p - 1 - n_free atoms, so
 * K = 148 for p = 13, M = 20). Thresholds scale with the noise level `sigma` (0-255). */
TsModel *ts_model_new_dct (double sigma);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsModel, ts_model_free)

G_END_DECLS
