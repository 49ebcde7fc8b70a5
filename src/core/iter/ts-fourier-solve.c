/* (H^T H + b k_P*)^-1 by real FFTs: see ts-fourier-solve.h. */
#include "ts-fourier-solve.h"
#include "ts-error.h"
#include "ts-fftw-lock.h"
#include <fftw3.h>
#include <math.h>
#include <string.h>


struct TsFourierSolve {
  int width, height;
  float *image;            /* width x height */
  fftwf_complex *spectrum; /* height x (width / 2 + 1) */
  float *inverse;          /* 1 / ((normal + b k^) n) on the half spectrum */
  fftwf_plan forward, backward;
};

TsFourierSolve *
ts_fourier_solve_new (const TsOperator *op, const TsDerived *derived, GError **error)
{
  g_return_val_if_fail (op != NULL && derived != NULL, NULL);
  g_autofree double *normal = ts_operator_normal_fourier (op);
  if (normal == NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "the %s operator is not diagonal in the Fourier domain", op->name);
      return NULL;
    }
  int w = op->width, h = op->height, half = w / 2 + 1;
  gsize n = (gsize) w * h;
  g_autofree double *kernel = g_try_new (double, n);
  TsFourierSolve *fs = g_new0 (TsFourierSolve, 1);
  fs->width = w;
  fs->height = h;
  fs->image = fftwf_alloc_real (n);
  fs->spectrum = fftwf_alloc_complex ((gsize) h * half);
  fs->inverse = g_try_new (float, (gsize) h * half);
  if (kernel == NULL || fs->image == NULL || fs->spectrum == NULL || fs->inverse == NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_NOMEM,
                   "out of memory for the Fourier image step (%d x %d)", w, h);
      ts_fourier_solve_free (fs);
      return NULL;
    }
  ts_derived_kernel_dft (derived, w, h, kernel);
  for (int r = 0; r < h; r++)
    for (int c = 0; c < half; c++)
      {
        gsize i = (gsize) r * w + c;
        double denom = normal[i] + derived->b * kernel[i];
        /* A frequency seen by neither term is undetermined: take the minimum-norm 0. */
        fs->inverse[(gsize) r * half + c] = fabs (denom) > 1e-12 ? (float) (1.0 / (denom * n)) : 0.0f;
      }
  ts_fftw_planner_lock ();
  fs->forward = fftwf_plan_dft_r2c_2d (h, w, fs->image, fs->spectrum, FFTW_ESTIMATE);
  fs->backward = fftwf_plan_dft_c2r_2d (h, w, fs->spectrum, fs->image, FFTW_ESTIMATE);
  ts_fftw_planner_unlock ();
  return fs;
}

void
ts_fourier_solve_free (TsFourierSolve *fs)
{
  if (fs == NULL)
    return;
  ts_fftw_planner_lock ();
  if (fs->forward != NULL)
    fftwf_destroy_plan (fs->forward);
  if (fs->backward != NULL)
    fftwf_destroy_plan (fs->backward);
  ts_fftw_planner_unlock ();
  fftwf_free (fs->image);
  fftwf_free (fs->spectrum);
  g_free (fs->inverse);
  g_free (fs);
}

void
ts_fourier_solve_apply (TsFourierSolve *fs, const float *rhs, float *out)
{
  gsize n = (gsize) fs->width * fs->height, m = (gsize) fs->height * (fs->width / 2 + 1);
  memcpy (fs->image, rhs, sizeof (float) * n);
  fftwf_execute (fs->forward);
  for (gsize i = 0; i < m; i++)
    {
      fs->spectrum[i][0] *= fs->inverse[i];
      fs->spectrum[i][1] *= fs->inverse[i];
    }
  /* c2r overwrites its input; the spectrum is not needed afterwards. */
  fftwf_execute (fs->backward);
  memcpy (out, fs->image, sizeof (float) * n);
}
