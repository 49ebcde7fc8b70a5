/* H = I: denoising. */
#include "ts-operator.h"
#include <string.h>

static const char identity_name[] = "identity";

static void
identity_copy (const TsOperator *op, const float *in, float *out)
{
  if (in != out)
    memcpy (out, in, sizeof (float) * op->data_len);
}

TsOperator *
ts_operator_identity_new (int width, int height)
{
  g_return_val_if_fail (width > 0 && height > 0, NULL);
  TsOperator *op = g_new0 (TsOperator, 1);
  op->name = identity_name;
  op->width = width;
  op->height = height;
  op->data_len = (gsize) width * height;
  op->norm = 1.0;
  op->apply = identity_copy;
  op->adjoint = identity_copy;
  op->normal = identity_copy;
  return op;
}

gboolean
ts_operator_is_identity (const TsOperator *op)
{
  return op != NULL && op->name == identity_name;
}
