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

/* Quantities derived from the parameters for one image size and task. */
typedef struct {
  int K, s, p;                /* atoms, patch length p*p, patch side */
  int rank;                   /* dimension of the penalised subspace (48) */
  double b;                   /* max(beta, 0) */
  double lambda;              /* base threshold in use */
  float *D;                   /* K x s normalised dictionary (MODEL.md step 4) */
  float *X;                   /* K x K Gram D D^T */
  float *U;                   /* s x rank orthonormal basis of range(C) */
  float *B;                   /* K x rank, B = D U */
  double *Q;                  /* M x s orthonormal free atoms (Bjorck) */
  double *C;                  /* s x s centred projector */
  double *kernel;             /* (2p-1) x (2p-1) smooth-part kernel k_P */
  float *threshold_scale;     /* K: exp(lambda_scaling) */
} TsDerived;

/* `reconstruct` selects the dictionary scale of the reconstruct variant (sqrt(0.99 / b)).
 * beta/lambda: NAN keeps the model's value. */
TsDerived *ts_derived_new (const TsModel *model, double beta, double lambda, gboolean reconstruct,
                           GError **error);
void       ts_derived_free (TsDerived *derived);
/* L_P = max |DFT_{HxW}(k_P)| for an image of the given size. */
double     ts_derived_kernel_dft_max (const TsDerived *derived, int width, int height);
/* The same DFT for any point-symmetric (2p-1) x (2p-1) kernel (the training's tape). */
void       ts_kernel_dft (const double *kernel, int p, int width, int height, double *out);
/* Real DFT of k_P on a width x height grid (k_P is symmetric, so it is real):
 * height * width doubles, out[r * width + c]. */
void       ts_derived_kernel_dft (const TsDerived *derived, int width, int height, double *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsModel, ts_model_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsDerived, ts_derived_free)

G_END_DECLS
