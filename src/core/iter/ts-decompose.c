/* Smooth / sparse decomposition and cost map (MODEL.md "Smooth / sparse decomposition").
 * With every coefficient at 0 the smooth image is the minimiser of
 * 1/2 ||H x - y||^2 + b/2 sum_k ||C P_k x||^2, i.e. (H^T H + b k_P*) x = H^T y. For H = I and
 * for Cartesian MRI both operators are diagonal in the Fourier domain, so it is solved
 * exactly per frequency. */
#include "ts-decompose.h"
#include "ts-prox.h"
#include <fftw3.h>
#include <math.h>
#include <string.h>

#define SMOOTH_LAMBDA 1e12

G_LOCK_DEFINE_STATIC (fftw_planner);

TsImage *
ts_smooth_fourier (const TsModel *model, const TsOperator *op, const float *data,
                   const TsSolveOptions *options, GError **error)
{
  gboolean mri = ts_operator_is_mri (op);
  if (!mri && !ts_operator_is_identity (op))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "the %s operator is not diagonal in the Fourier domain", op->name);
      return NULL;
    }
  g_autoptr (TsDerived) d = ts_derived_new (model, options->beta, options->lambda,
                                            options->variant == TS_VARIANT_RECONSTRUCT, error);
  if (d == NULL)
    return NULL;
  int w = op->width, h = op->height;
  gsize n = (gsize) w * h;
  TsImage *out = ts_image_new (w, h, 1, error);
  if (out == NULL)
    return NULL;

  /* Right-hand side H^T y as a real image. */
  float *rhs = g_new (float, n);
  ts_operator_adjoint (op, data, rhs);

  double *kernel = g_new (double, n);
  ts_derived_kernel_dft (d, w, h, kernel);
  fftw_complex *buf = fftw_alloc_complex (n);
  G_LOCK (fftw_planner);
  fftw_plan fwd = fftw_plan_dft_2d (h, w, buf, buf, FFTW_FORWARD, FFTW_ESTIMATE);
  fftw_plan bwd = fftw_plan_dft_2d (h, w, buf, buf, FFTW_BACKWARD, FFTW_ESTIMATE);
  G_UNLOCK (fftw_planner);
  for (gsize i = 0; i < n; i++)
    {
      buf[i][0] = rhs[i];
      buf[i][1] = 0.0;
    }
  fftw_execute (fwd);
  const float *mask = mri ? ts_operator_mri_mask (op) : NULL;
  for (int fy = 0; fy < h; fy++)
    for (int fx = 0; fx < w; fx++)
      {
        gsize i = (gsize) fy * w + fx;
        double normal = 1.0;
        if (mri)
          {
            /* H^T H = Re(F^-1 M F) acts on a real image as (M(k) + M(-k)) / 2. */
            gsize j = (gsize) ((h - fy) % h) * w + (gsize) ((w - fx) % w);
            normal = 0.5 * (mask[i] + mask[j]);
          }
        double denom = normal + d->b * kernel[i];
        /* Frequencies seen by neither term are undetermined: take the minimum-norm 0. */
        double f = fabs (denom) > 1e-12 ? 1.0 / (denom * n) : 0.0;
        buf[i][0] *= f;
        buf[i][1] *= f;
      }
  fftw_execute (bwd);
  for (gsize i = 0; i < n; i++)
    out->data[i] = (float) buf[i][0];
  G_LOCK (fftw_planner);
  fftw_destroy_plan (fwd);
  fftw_destroy_plan (bwd);
  G_UNLOCK (fftw_planner);
  fftw_free (buf);
  g_free (kernel);
  g_free (rhs);
  return out;
}

TsImage *
ts_smooth_iterative (const TsModel *model, const TsOperator *op, const float *data,
                     const TsSolveOptions *options, const gint *cancel, GError **error)
{
  TsSolveOptions o = *options;
  o.lambda = SMOOTH_LAMBDA;
  TsSolution *solution = ts_solve (model, op, data, &o, NULL, NULL, NULL, cancel, NULL, error);
  if (solution == NULL)
    return NULL;
  TsImage *x = solution->x;
  solution->x = NULL;
  ts_solution_free (solution);
  return x;
}

TsDecomposition *
ts_decompose (const TsModel *model, const TsOperator *op, const float *data,
              const TsSolveOptions *options, const TsSolution *solution, const gint *cancel,
              GError **error)
{
  g_return_val_if_fail (solution != NULL && solution->x != NULL, NULL);
  TsImage *smooth;
  if (ts_operator_is_identity (op) || ts_operator_is_mri (op))
    smooth = ts_smooth_fourier (model, op, data, options, error);
  else
    smooth = ts_smooth_iterative (model, op, data, options, cancel, error);
  if (smooth == NULL)
    return NULL;

  TsDecomposition *dec = g_new0 (TsDecomposition, 1);
  dec->smooth = smooth;
  dec->sparse = ts_image_copy (solution->x);
  gsize n = (gsize) smooth->width * smooth->height;
  for (gsize i = 0; i < n; i++)
    dec->sparse->data[i] -= smooth->data[i];

  g_autoptr (TsDerived) d = ts_derived_new (model, options->beta, options->lambda,
                                            options->variant == TS_VARIANT_RECONSTRUCT, error);
  if (d == NULL)
    {
      ts_decomposition_free (dec);
      return NULL;
    }
  TsProx *prox = ts_prox_new (model, d);
  dec->cost = ts_image_new (smooth->width, smooth->height, 1, error);
  if (dec->cost == NULL)
    {
      ts_prox_free (prox);
      ts_decomposition_free (dec);
      return NULL;
    }
  ts_prox_cost_map (prox, solution->c, smooth->width, smooth->height, dec->cost->data);
  ts_prox_free (prox);
  return dec;
}

void
ts_decomposition_free (TsDecomposition *dec)
{
  if (dec == NULL)
    return;
  ts_image_free (dec->smooth);
  ts_image_free (dec->sparse);
  ts_image_free (dec->cost);
  g_free (dec);
}
