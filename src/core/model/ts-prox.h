/* Proximal maps of the regulariser (MODEL.md "Proximal maps") and its value (cost map). */
#pragma once
#include <glib.h>
#include "ts-derived.h"

G_BEGIN_DECLS

typedef struct {
  TsProxType type;
  int groupsize;
  double order;
  int K;
  float *threshold;   /* K, per channel: CPR lambda / t_j; NCPR m_j = t_j * lambda */
  float *m_pow;       /* NCPR: m_j^order */
  float *t;           /* K: t_j = exp(l_j) */
  double lambda;
  double *phi_table_u, *phi_table_phi; /* NCPR: phi_1 sampled as a function of u */
  int phi_table_len;
} TsProx;

TsProx *ts_prox_new (const TsModel *model, const TsDerived *derived);
void    ts_prox_free (TsProx *prox);
/* In place on coefficients laid out channel-major: c[j * n_pixels + pixel], for an image
 * of width x height (groups need the spatial layout). */
void    ts_prox_apply (const TsProx *prox, float *c, int width, int height);
/* The same on rows row0 <= r < row1 only (row0 even for 2x2 groups): for threads. */
void    ts_prox_apply_rows (const TsProx *prox, float *c, int width, int height, int row0, int row1);
/* Fused form for the solver's c-step on one channel (groupsize 1 only):
 * out = prox_channel((1 + a) c - a c_prev + g). `out` may alias `c_prev`. `next_c` and
 * `next_c_prev` (may be NULL) are the n values the caller reads next: they are prefetched
 * along the way, because the channels of a block lie far apart and the hardware prefetcher
 * would start afresh on each (half the pass's time on a BSD68 image). */
void    ts_prox_channel_extrapolated (const TsProx *prox, int channel, const float *c,
                                      const float *c_prev, float a, const float *g, float *out,
                                      gsize n, const float *next_c, const float *next_c_prev);
/* Scalar reference of one coefficient's prox (groupsize 1 only), in double. */
double  ts_prox_scalar (const TsProx *prox, int channel, double v);
/* phi_j(u): the regulariser's value for one coefficient (groupsize 1). */
double  ts_prox_cost_scalar (const TsProx *prox, int channel, double u);
/* Cost map: at every pixel, sum_j phi_j(c_j) (groups share their cost by energy). */
void    ts_prox_cost_map (const TsProx *prox, const float *c, int width, int height, float *out);

G_END_DECLS
