/* Single-coil Cartesian MRI: H x = mask .* DFT_ortho(x). FFTW plans are made once per
 * operator and reused with the new-array execute functions. */
#include "ts-operator.h"
#include <fftw3.h>
#include <math.h>
#include <string.h>

static const char mri_name[] = "mri";

static gboolean
is_mri (const TsOperator *op)
{
  return op != NULL && op->name == mri_name;
}

/* FFTW's planner is not thread-safe. */
G_LOCK_DEFINE_STATIC (fftw_planner);

typedef struct {
  float *mask;
  fftwf_complex *buffer;
  fftwf_plan forward, backward;
  float scale;     /* 1 / sqrt(W H): orthonormal DFT */
  GMutex lock;     /* the buffer is shared by apply/adjoint/normal */
} MriPriv;

static void
load_real (const TsOperator *op, const float *x)
{
  MriPriv *p = op->priv;
  gsize n = (gsize) op->width * op->height;
  for (gsize i = 0; i < n; i++)
    {
      p->buffer[i][0] = x[i];
      p->buffer[i][1] = 0.0f;
    }
}

static void
mri_apply (const TsOperator *op, const float *x, float *y)
{
  MriPriv *p = op->priv;
  gsize n = (gsize) op->width * op->height;
  g_mutex_lock (&p->lock);
  load_real (op, x);
  fftwf_execute (p->forward);
  for (gsize i = 0; i < n; i++)
    {
      float m = p->mask[i] * p->scale;
      y[2 * i] = p->buffer[i][0] * m;
      y[2 * i + 1] = p->buffer[i][1] * m;
    }
  g_mutex_unlock (&p->lock);
}

/* real(IDFT_ortho(mask .* y)); mask = NULL for the plain inverse. */
static void
inverse_real (const TsOperator *op, const float *y, const float *mask, float *x)
{
  MriPriv *p = op->priv;
  gsize n = (gsize) op->width * op->height;
  g_mutex_lock (&p->lock);
  for (gsize i = 0; i < n; i++)
    {
      float m = mask != NULL ? mask[i] : 1.0f;
      p->buffer[i][0] = y[2 * i] * m;
      p->buffer[i][1] = y[2 * i + 1] * m;
    }
  fftwf_execute (p->backward);
  for (gsize i = 0; i < n; i++)
    x[i] = p->buffer[i][0] * p->scale;
  g_mutex_unlock (&p->lock);
}

static void
mri_adjoint (const TsOperator *op, const float *y, float *x)
{
  MriPriv *p = op->priv;
  inverse_real (op, y, p->mask, x);
}

static void
mri_normal (const TsOperator *op, const float *x, float *out)
{
  MriPriv *p = op->priv;
  gsize n = (gsize) op->width * op->height;
  g_mutex_lock (&p->lock);
  load_real (op, x);
  fftwf_execute (p->forward);
  /* mask is 0/1 so mask^2 = mask; both orthonormal scalings combine to 1 / (W H). */
  float s = p->scale * p->scale;
  for (gsize i = 0; i < n; i++)
    {
      p->buffer[i][0] *= p->mask[i] * s;
      p->buffer[i][1] *= p->mask[i] * s;
    }
  fftwf_execute (p->backward);
  for (gsize i = 0; i < n; i++)
    out[i] = p->buffer[i][0];
  g_mutex_unlock (&p->lock);
}

/* H^T H = Re(F^-1 M F) acts on a real image as the real, symmetric multiplier
 * (M(k) + M(-k)) / 2. */
static void
mri_normal_fourier (const TsOperator *op, double *out)
{
  const MriPriv *p = op->priv;
  int w = op->width, h = op->height;
  for (int fy = 0; fy < h; fy++)
    for (int fx = 0; fx < w; fx++)
      {
        gsize i = (gsize) fy * w + fx;
        gsize j = (gsize) ((h - fy) % h) * w + (gsize) ((w - fx) % w);
        out[i] = 0.5 * (p->mask[i] + p->mask[j]);
      }
}

static void
mri_destroy (TsOperator *op)
{
  MriPriv *p = op->priv;
  G_LOCK (fftw_planner);
  fftwf_destroy_plan (p->forward);
  fftwf_destroy_plan (p->backward);
  G_UNLOCK (fftw_planner);
  fftwf_free (p->buffer);
  g_free (p->mask);
  g_mutex_clear (&p->lock);
  g_free (p);
}

TsOperator *
ts_operator_mri_new (int width, int height, const float *mask, GError **error)
{
  if (!ts_limits_check ("k-space", width, height, 2, error))
    return NULL;
  gsize n = (gsize) width * height;
  MriPriv *p = g_new0 (MriPriv, 1);
  p->mask = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    p->mask[i] = mask[i] != 0.0f ? 1.0f : 0.0f;
  p->buffer = fftwf_alloc_complex (n);
  if (p->buffer == NULL)
    {
      g_free (p->mask);
      g_free (p);
      g_set_error (error, TS_ERROR, TS_ERROR_NOMEM, "out of memory for a %d x %d FFT", width, height);
      return NULL;
    }
  g_mutex_init (&p->lock);
  G_LOCK (fftw_planner);
  p->forward = fftwf_plan_dft_2d (height, width, p->buffer, p->buffer, FFTW_FORWARD, FFTW_ESTIMATE);
  p->backward = fftwf_plan_dft_2d (height, width, p->buffer, p->buffer, FFTW_BACKWARD, FFTW_ESTIMATE);
  G_UNLOCK (fftw_planner);
  p->scale = (float) (1.0 / sqrt ((double) n));

  TsOperator *op = g_new0 (TsOperator, 1);
  op->name = mri_name;
  op->width = width;
  op->height = height;
  op->data_len = 2 * n;
  op->norm = 1.0;
  op->apply = mri_apply;
  op->adjoint = mri_adjoint;
  op->normal = mri_normal;
  op->normal_fourier = mri_normal_fourier;
  op->destroy = mri_destroy;
  op->priv = p;
  return op;
}

void
ts_operator_mri_zero_filled (const TsOperator *op, const float *kspace, float *x)
{
  g_return_if_fail (is_mri (op));
  inverse_real (op, kspace, NULL, x);
}

