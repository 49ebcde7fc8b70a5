/* (I + b k_P*)^-1 by real FFTs in double: see ts-smooth-inverse.h. */
#include "ts-smooth-inverse.h"
#include "ts-derived.h"
#include "ts-fftw-lock.h"
#include <fftw3.h>
#include <string.h>

struct TsSmoothInverse {
  int width, height;
  double *scale;        /* 1 / ((1 + b k^) n) on the half spectrum, height x (width / 2 + 1) */
  fftw_plan forward, backward;
};

TsSmoothInverse *
ts_smooth_inverse_new (const double *kernel, int p, double b, int width, int height)
{
  g_return_val_if_fail (kernel != NULL && width > 0 && height > 0, NULL);
  int half = width / 2 + 1;
  gsize n = (gsize) width * height;
  TsSmoothInverse *inv = g_new0 (TsSmoothInverse, 1);
  inv->width = width;
  inv->height = height;
  inv->scale = g_new (double, (gsize) height * half);
  double *dft = g_new (double, n);
  ts_kernel_dft (kernel, p, width, height, dft);
  for (int r = 0; r < height; r++)
    for (int c = 0; c < half; c++)
      inv->scale[(gsize) r * half + c] = 1.0 / ((1.0 + b * dft[(gsize) r * width + c]) * n);
  g_free (dft);
  double *image = fftw_alloc_real (n);
  fftw_complex *spectrum = fftw_alloc_complex ((gsize) height * half);
  ts_fftw_planner_lock ();
  inv->forward = fftw_plan_dft_r2c_2d (height, width, image, spectrum, FFTW_ESTIMATE);
  inv->backward = fftw_plan_dft_c2r_2d (height, width, spectrum, image, FFTW_ESTIMATE);
  ts_fftw_planner_unlock ();
  fftw_free (image);
  fftw_free (spectrum);
  return inv;
}

void
ts_smooth_inverse_free (TsSmoothInverse *inv)
{
  if (inv == NULL)
    return;
  ts_fftw_planner_lock ();
  fftw_destroy_plan (inv->forward);
  fftw_destroy_plan (inv->backward);
  ts_fftw_planner_unlock ();
  g_free (inv->scale);
  g_free (inv);
}

void
ts_smooth_inverse_apply (const TsSmoothInverse *inv, const double *in, double *out)
{
  gsize n = (gsize) inv->width * inv->height, m = (gsize) inv->height * (inv->width / 2 + 1);
  /* fftw_alloc gives every buffer the alignment the plans were made for. */
  double *image = fftw_alloc_real (n);
  fftw_complex *spectrum = fftw_alloc_complex (m);
  memcpy (image, in, sizeof (double) * n);
  fftw_execute_dft_r2c (inv->forward, image, spectrum);
  for (gsize i = 0; i < m; i++)
    {
      spectrum[i][0] *= inv->scale[i];
      spectrum[i][1] *= inv->scale[i];
    }
  fftw_execute_dft_c2r (inv->backward, spectrum, image);
  memcpy (out, image, sizeof (double) * n);
  fftw_free (image);
  fftw_free (spectrum);
}
