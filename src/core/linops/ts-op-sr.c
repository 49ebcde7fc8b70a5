/* Super-resolution: H x = conv2d(x, k, stride), a 'valid' strided correlation with a
 * normalised Gaussian (the paper's protocol, data/README.md). */
#include "ts-operator.h"
#include <math.h>
#include <string.h>

typedef struct {
  int lowres_width, lowres_height;
  int size, stride;
  float *kernel;   /* size x size */
} SrPriv;

int
ts_operator_sr_highres_side (int lowres_side, int kernel_size, int stride)
{
  return (lowres_side - 1) * stride + kernel_size;
}

static void
sr_apply (const TsOperator *op, const float *x, float *y)
{
  const SrPriv *p = op->priv;
  for (int i = 0; i < p->lowres_height; i++)
    for (int j = 0; j < p->lowres_width; j++)
      {
        float sum = 0.0f;
        const float *base = x + (gsize) i * p->stride * op->width + (gsize) j * p->stride;
        for (int a = 0; a < p->size; a++)
          {
            const float *row = base + (gsize) a * op->width;
            const float *k = p->kernel + a * p->size;
            for (int b = 0; b < p->size; b++)
              sum += k[b] * row[b];
          }
        y[(gsize) i * p->lowres_width + j] = sum;
      }
}

static void
sr_adjoint (const TsOperator *op, const float *y, float *x)
{
  const SrPriv *p = op->priv;
  memset (x, 0, sizeof (float) * op->width * op->height);
  for (int i = 0; i < p->lowres_height; i++)
    for (int j = 0; j < p->lowres_width; j++)
      {
        float v = y[(gsize) i * p->lowres_width + j];
        float *base = x + (gsize) i * p->stride * op->width + (gsize) j * p->stride;
        for (int a = 0; a < p->size; a++)
          {
            float *row = base + (gsize) a * op->width;
            const float *k = p->kernel + a * p->size;
            for (int b = 0; b < p->size; b++)
              row[b] += k[b] * v;
          }
      }
}

static void
sr_normal (const TsOperator *op, const float *x, float *out)
{
  float *y = g_new (float, op->data_len);
  sr_apply (op, x, y);
  sr_adjoint (op, y, out);
  g_free (y);
}

static void
sr_destroy (TsOperator *op)
{
  SrPriv *p = op->priv;
  g_free (p->kernel);
  g_free (p);
}

TsOperator *
ts_operator_sr_new (int lowres_width, int lowres_height, int kernel_size, double std, int stride,
                    GError **error)
{
  if (lowres_width < 1 || lowres_height < 1 || kernel_size < 1 || stride < 1 || !(std > 0.0))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "invalid super-resolution set-up: %d x %d samples, kernel %d, std %g, stride %d",
                   lowres_width, lowres_height, kernel_size, std, stride);
      return NULL;
    }
  int width = ts_operator_sr_highres_side (lowres_width, kernel_size, stride);
  int height = ts_operator_sr_highres_side (lowres_height, kernel_size, stride);
  if (!ts_limits_check ("super-resolution estimate", width, height, 1, error))
    return NULL;

  SrPriv *p = g_new0 (SrPriv, 1);
  p->lowres_width = lowres_width;
  p->lowres_height = lowres_height;
  p->size = kernel_size;
  p->stride = stride;
  p->kernel = g_new (float, kernel_size * kernel_size);
  double centre = (kernel_size - 1) / 2.0, sum = 0.0;
  double *k = g_new (double, kernel_size * kernel_size);
  for (int a = 0; a < kernel_size; a++)
    for (int b = 0; b < kernel_size; b++)
      {
        double da = a - centre, db = b - centre;
        k[a * kernel_size + b] = exp (-(da * da + db * db) / (2.0 * std * std));
        sum += k[a * kernel_size + b];
      }
  for (int i = 0; i < kernel_size * kernel_size; i++)
    p->kernel[i] = (float) (k[i] / sum);
  g_free (k);

  TsOperator *op = g_new0 (TsOperator, 1);
  op->name = "super-resolution";
  op->width = width;
  op->height = height;
  op->data_len = (gsize) lowres_width * lowres_height;
  /* MODEL.md: ||H|| = 1 is used for the step size (normalised kernel). */
  op->norm = 1.0;
  op->apply = sr_apply;
  op->adjoint = sr_adjoint;
  op->normal = sr_normal;
  op->destroy = sr_destroy;
  op->priv = p;
  return op;
}
