/* Smooth / sparse decomposition and cost map (MODEL.md "Smooth / sparse decomposition").
 * With every coefficient at 0 the smooth image is the minimiser of
 * 1/2 ||H x - y||^2 + b/2 sum_k ||C P_k x||^2, i.e. (H^T H + b k_P*) x = H^T y. Where the
 * operator gives H^T H's eigenvalues in the Fourier domain (H = I, Cartesian MRI) it is solved
 * exactly per frequency, elsewhere by the solver. */
#include "ts-decompose.h"
#include "ts-prox.h"
#include "ts-fftw-lock.h"
#include <fftw3.h>
#include <math.h>
#include <string.h>

#define SMOOTH_LAMBDA 1e12


/* The closed form with H^T H's eigenvalues `normal` (height * width) in the DFT basis. */
static TsImage *
smooth_fourier (const TsOperator *op, const TsRegulariser *prox, const float *data,
                const double *normal, GError **error)
{
  const TsDerived *d = prox->derived;
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
  ts_fftw_planner_lock ();
  fftw_plan fwd = fftw_plan_dft_2d (h, w, buf, buf, FFTW_FORWARD, FFTW_ESTIMATE);
  fftw_plan bwd = fftw_plan_dft_2d (h, w, buf, buf, FFTW_BACKWARD, FFTW_ESTIMATE);
  ts_fftw_planner_unlock ();
  for (gsize i = 0; i < n; i++)
    {
      buf[i][0] = rhs[i];
      buf[i][1] = 0.0;
    }
  fftw_execute (fwd);
  for (gsize i = 0; i < n; i++)
    {
      double denom = normal[i] + d->b * kernel[i];
      /* Frequencies seen by neither term are undetermined: take the minimum-norm 0. */
      double f = fabs (denom) > 1e-12 ? 1.0 / (denom * n) : 0.0;
      buf[i][0] *= f;
      buf[i][1] *= f;
    }
  fftw_execute (bwd);
  for (gsize i = 0; i < n; i++)
    out->data[i] = (float) buf[i][0];
  ts_fftw_planner_lock ();
  fftw_destroy_plan (fwd);
  fftw_destroy_plan (bwd);
  ts_fftw_planner_unlock ();
  fftw_free (buf);
  g_free (kernel);
  g_free (rhs);
  return out;
}

TsImage *
ts_smooth_fourier (const TsOperator *op, const TsRegulariser *prox, const float *data,
                   GError **error)
{
  g_return_val_if_fail (op != NULL && prox != NULL && data != NULL, NULL);
  g_autofree double *normal = ts_operator_normal_fourier (op);
  if (normal == NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "the %s operator is not diagonal in the Fourier domain", op->name);
      return NULL;
    }
  return smooth_fourier (op, prox, data, normal, error);
}

TsImage *
ts_smooth_iterative (const TsOperator *op, const TsRegulariser *prox, const float *data,
                     const TsSolveOptions *options, const gint *cancel, GError **error)
{
  g_return_val_if_fail (op != NULL && prox != NULL && data != NULL && options != NULL, NULL);
  g_autoptr (TsRegulariser) free_only = ts_regulariser_new_lambda (prox, SMOOTH_LAMBDA, error);
  if (free_only == NULL)
    return NULL;
  TsSolution *solution = ts_solve (op, free_only, data, options, NULL, NULL, NULL, cancel, NULL,
                                   error);
  if (solution == NULL)
    return NULL;
  TsImage *x = solution->x;
  solution->x = NULL;
  ts_solution_free (solution);
  return x;
}

TsDecomposition *
ts_decompose (const TsOperator *op, const TsRegulariser *prox, const float *data,
              const TsSolveOptions *options, const TsSolution *solution, const gint *cancel,
              GError **error)
{
  g_return_val_if_fail (solution != NULL && solution->x != NULL, NULL);
  g_return_val_if_fail (op != NULL && prox != NULL && data != NULL && options != NULL, NULL);
  g_autofree double *normal = ts_operator_normal_fourier (op);
  TsImage *smooth = normal != NULL ? smooth_fourier (op, prox, data, normal, error)
                                   : ts_smooth_iterative (op, prox, data, options, cancel, error);
  if (smooth == NULL)
    return NULL;

  TsDecomposition *dec = g_new0 (TsDecomposition, 1);
  dec->smooth = smooth;
  dec->sparse = ts_image_copy (solution->x);
  gsize n = (gsize) smooth->width * smooth->height;
  for (gsize i = 0; i < n; i++)
    dec->sparse->data[i] -= smooth->data[i];

  dec->cost = ts_image_new (smooth->width, smooth->height, 1, error);
  if (dec->cost == NULL)
    {
      ts_decomposition_free (dec);
      return NULL;
    }
  ts_prox_cost_map (prox->prox, solution->c, smooth->width, smooth->height, dec->cost->data);
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
