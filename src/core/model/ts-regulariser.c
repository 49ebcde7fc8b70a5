/* The patch regulariser as one object: derived quantities plus proximal map. */
#include "ts-regulariser.h"
#include <math.h>

/* D's beta floor for problems with `op` (MODEL.md step 4). */
static double
beta_floor_for (const TsOperator *op)
{
  return op->forward_variant ? TS_FORWARD_BETA_FLOOR : 0.0;
}

static TsRegulariser *
regulariser_wrap (const TsModel *model, TsDerived *derived)
{
  TsRegulariser *reg = g_new0 (TsRegulariser, 1);
  reg->model = ts_model_copy (model);
  reg->name = reg->model->name;
  reg->owned_derived = derived;
  reg->derived = derived;
  reg->owned_prox = ts_prox_new (model, derived);
  reg->prox = reg->owned_prox;
  reg->group = reg->prox->groupsize > 1 ? reg->prox->groupsize : 1;
  reg->colour_form = model->colour_form;
  reg->chroma_weight = model->chroma_weight;
  return reg;
}

TsRegulariser *
ts_regulariser_new (const TsModel *model, const TsOperator *op, double beta, double lambda,
                    GError **error)
{
  g_return_val_if_fail (model != NULL && op != NULL, NULL);
  TsDerived *d = ts_derived_new (model, beta, lambda, beta_floor_for (op), error);
  if (d == NULL)
    return NULL;
  return regulariser_wrap (model, d);
}

TsRegulariser *
ts_regulariser_new_lambda (const TsRegulariser *reg, double lambda, GError **error)
{
  g_return_val_if_fail (reg != NULL, NULL);
  /* b = max(beta, 0) gives the same derived quantities as the beta it came from. */
  TsDerived *d = ts_derived_new (reg->model, reg->derived->b, lambda, reg->derived->beta_floor,
                                 error);
  if (d == NULL)
    return NULL;
  return regulariser_wrap (reg->model, d);
}

void
ts_regulariser_free (TsRegulariser *reg)
{
  if (reg == NULL)
    return;
  ts_prox_free (reg->owned_prox);
  ts_derived_free (reg->owned_derived);
  ts_model_free (reg->model);
  g_free (reg);
}

gboolean
ts_regulariser_check (const TsRegulariser *reg, const TsOperator *op, GError **error)
{
  g_return_val_if_fail (reg != NULL && op != NULL, FALSE);
  if (reg->group > 1 && (op->width % reg->group || op->height % reg->group))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "model %s groups 2x2 pixels: the image must have even width and height (got %d x %d)",
                   reg->name, op->width, op->height);
      return FALSE;
    }
  if (reg->derived->beta_floor != beta_floor_for (op))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "model %s: the regulariser was made for the %s variant, the %s operator "
                   "needs the %s variant", reg->name,
                   reg->derived->beta_floor > 0.0 ? "forward" : "reconstruct", op->name,
                   op->forward_variant ? "forward" : "reconstruct");
      return FALSE;
    }
  return TRUE;
}
