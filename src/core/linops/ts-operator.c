/* The operator interface: thin dispatch so that callers never reach into the vtable. */
#include "ts-operator.h"

void
ts_operator_apply (const TsOperator *op, const float *x, float *y)
{
  op->apply (op, x, y);
}

void
ts_operator_adjoint (const TsOperator *op, const float *y, float *x)
{
  op->adjoint (op, y, x);
}

void
ts_operator_normal (const TsOperator *op, const float *x, float *out)
{
  op->normal (op, x, out);
}

double *
ts_operator_normal_fourier (const TsOperator *op)
{
  if (op->normal_fourier == NULL)
    return NULL;
  double *out = g_new (double, (gsize) op->width * op->height);
  op->normal_fourier (op, out);
  return out;
}

void
ts_operator_free (TsOperator *op)
{
  if (op == NULL)
    return;
  if (op->destroy != NULL)
    op->destroy (op);
  g_free (op);
}
