/* The built-in analytic model: 2-D DCT-II atoms. The lowest frequencies span the free
 * (smooth) subspace, the remaining ones form the dictionary; no training needed. It is the
 * fallback default and the baseline that shows what learning adds. */
#include "ts-model.h"
#include <math.h>
#include <stdlib.h>

#define DCT_ATOM_SIZE 13
/* 20 free atoms (frequencies u + v <= 5), the rest penalised: chosen on a BSD68 crop
 * (test003, sigma 5/25/50) among 2, 20, 60 and 120; with 120 free atoms, as the learned
 * models, a fixed DCT leaves too much noise in the unpenalised part. */
#define DCT_FREE_ATOMS 20

typedef struct { int u, v; } Freq;

static int
compare_freq (const void *pa, const void *pb)
{
  const Freq *a = pa, *b = pb;
  int sa = a->u + a->v, sb = b->u + b->v;
  if (sa != sb)
    return sa - sb;
  int qa = a->u * a->u + a->v * a->v, qb = b->u * b->u + b->v * b->v;
  if (qa != qb)
    return qa - qb;
  return a->u - b->u;
}

static void
dct_atom (int p, int u, int v, float *out)
{
  double au = u == 0 ? sqrt (1.0 / p) : sqrt (2.0 / p);
  double av = v == 0 ? sqrt (1.0 / p) : sqrt (2.0 / p);
  for (int i = 0; i < p; i++)
    for (int j = 0; j < p; j++)
      out[i * p + j] = (float) (au * av * cos (G_PI * (2 * i + 1) * u / (2.0 * p))
                                * cos (G_PI * (2 * j + 1) * v / (2.0 * p)));
}

TsModel *
ts_model_new_dct (double sigma)
{
  int p = DCT_ATOM_SIZE, s = p * p, m = DCT_FREE_ATOMS, k = s - 1 - m;
  Freq *freqs = g_new (Freq, s - 1);
  int n = 0;
  for (int u = 0; u < p; u++)
    for (int v = 0; v < p; v++)
      if (u != 0 || v != 0)
        freqs[n++] = (Freq) { u, v };
  qsort (freqs, n, sizeof (Freq), compare_freq);

  TsModel *model = ts_model_new (k, m, p);
  for (int i = 0; i < m; i++)
    dct_atom (p, freqs[i].u, freqs[i].v, model->free_atoms + (gsize) i * s);
  for (int i = 0; i < k; i++)
    dct_atom (p, freqs[m + i].u, freqs[m + i].v, model->atoms + (gsize) i * s);
  g_free (freqs);

  if (!(sigma > 0.0))
    sigma = 25.0;
  /* Soft thresholds proportional to the noise level (white noise has the same standard
   * deviation in any orthonormal basis). The factor 0.01 and beta = 0.25 were the best of
   * a grid (lambda 0.002..1 sigma, beta 0.25..16) at sigma 5, 25 and 50: every pixel sits in
   * 169 patches, so the per-coefficient threshold is small next to sigma. */
  model->prox_type = TS_PROX_CPR;
  model->groupsize = 1;
  model->order = 1.0;
  model->beta = 0.25;
  model->lambda = 0.01 * sigma / 255.0;
  model->sigma = sigma;
  model->tol = 1e-4;
  g_free (model->name);
  model->name = g_strdup_printf ("dct-sigma%g", sigma);
  g_free (model->provenance);
  model->provenance = g_strdup ("built-in analytic model: 2-D DCT-II atoms, no training");
  return model;
}
