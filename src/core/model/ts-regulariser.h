/* The model's patch regulariser, the "prox" object the solver sees (BART's operator_p):
 *   R(x, c) = b/2 sum_k ||C P_k x - D^T c_k||^2 + sum_k sum_j phi_j(c_kj)
 * (MODEL.md "Energy" without the data term), for one beta and lambda. It holds the model's
 * derived quantities (D, its Gram, the subspace basis U and B = D U, the smooth-part kernel)
 * and the coefficient-wise proximal map. Read-only once made: several solves may share one
 * from several threads. */
#pragma once
#include <glib.h>
#include "ts-derived.h"
#include "ts-operator.h"
#include "ts-prox.h"

G_BEGIN_DECLS

typedef struct {
  const char *name;          /* the model's name, for messages */
  const TsDerived *derived;
  const TsProx *prox;
  int group;                 /* side of the pixel groups the prox couples (1 or 2) */
  /* The model's colour form; the joint form's prox couples the three opponent planes
   * (ts-prox-joint.h) with this chroma weight (1 for the planes form). */
  TsColourForm colour_form;
  double chroma_weight;
  /* private */
  TsModel *model;            /* a copy: another lambda is derived from it */
  TsDerived *owned_derived;
  TsProx *owned_prox;
} TsRegulariser;

/* The regulariser for problems with the operator `op`, whose forward_variant decides D's scale
 * (MODEL.md step 4); nothing else of `op` is read. beta/lambda: NAN keeps the model's. */
TsRegulariser *ts_regulariser_new (const TsModel *model, const TsOperator *op, double beta,
                                   double lambda, GError **error);
/* The same beta and model with another base threshold (the smooth image: lambda = 1e12). */
TsRegulariser *ts_regulariser_new_lambda (const TsRegulariser *reg, double lambda,
                                          GError **error);
void           ts_regulariser_free (TsRegulariser *reg);

/* Whether `reg` fits problems with `op`: its derived quantities were made for op's variant,
 * and op's image has sides divisible by the prox's groups. FALSE with an error otherwise. */
gboolean ts_regulariser_check (const TsRegulariser *reg, const TsOperator *op, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsRegulariser, ts_regulariser_free)

G_END_DECLS
