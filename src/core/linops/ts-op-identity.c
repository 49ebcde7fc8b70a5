/* H = I: denoising. */
#include "ts-operator.h"
#include <string.h>

static void
identity_copy (const TsOperator *op, const float *in, float *out)
{
  if (in != out)
    memcpy (out, in, sizeof (float) * op->data_len);
}

/* H^T H = I: every eigenvalue is 1. */
static void
identity_normal_fourier (const TsOperator *op, double *out)
{
  for (gsize i = 0; i < (gsize) op->width * op->height; i++)
    out[i] = 1.0;
}

TsOperator *
ts_operator_identity_new (int width, int height)
{
  g_return_val_if_fail (width > 0 && height > 0, NULL);
  TsOperator *op = g_new0 (TsOperator, 1);
  op->name = "identity";
  op->width = width;
  op->height = height;
  op->data_len = (gsize) width * height;
  op->norm = 1.0;
  op->forward_variant = TRUE;
  op->apply = identity_copy;
  op->adjoint = identity_copy;
  op->normal = identity_copy;
  op->normal_fourier = identity_normal_fourier;
  return op;
}
