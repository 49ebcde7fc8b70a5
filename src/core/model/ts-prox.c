/* Proximal maps and regulariser values (MODEL.md "Proximal maps", "cost map"). */
#include "ts-prox.h"
#include "ts-vmath.h"
#include <math.h>
#include <string.h>

#define PHI_TABLE_LEN 6000
#define PHI_TABLE_WMIN 1e-6
#define PHI_TABLE_WMAX 1e5

/* NCPR with m = 1: u = w |w|^g / (1 + |w|^g); phi_1' (u) = w - u. Integrate
 * phi_1(u(W)) = int_0^W (w - u(w)) u'(w) dw by the trapezoid rule on a log grid. The
 * general case follows by scaling: phi_m(u) = m^2 phi_1(u / m). */
static void
build_phi_table (TsProx *prox)
{
  int n = PHI_TABLE_LEN;
  double g = prox->order;
  prox->phi_table_len = n;
  prox->phi_table_u = g_new (double, n);
  prox->phi_table_phi = g_new (double, n);
  double w_prev = 0.0, u_prev = 0.0, phi = 0.0;
  prox->phi_table_u[0] = 0.0;
  prox->phi_table_phi[0] = 0.0;
  double ratio = pow (PHI_TABLE_WMAX / PHI_TABLE_WMIN, 1.0 / (n - 2));
  double w = PHI_TABLE_WMIN;
  for (int i = 1; i < n; i++, w *= ratio)
    {
      double wg = pow (w, g);
      double u = w * wg / (1.0 + wg);
      phi += 0.5 * ((w_prev - u_prev) + (w - u)) * (u - u_prev);
      prox->phi_table_u[i] = u;
      prox->phi_table_phi[i] = phi;
      w_prev = w;
      u_prev = u;
    }
}

static double
phi_unit (const TsProx *prox, double u)
{
  const double *tu = prox->phi_table_u, *tp = prox->phi_table_phi;
  int n = prox->phi_table_len;
  if (u >= tu[n - 1])
    {
      /* Beyond the table, u ~ w and phi' = w - u ~ w^(1 - g): continue with the last slope. */
      double slope = (tp[n - 1] - tp[n - 2]) / (tu[n - 1] - tu[n - 2]);
      return tp[n - 1] + slope * (u - tu[n - 1]);
    }
  int lo = 0, hi = n - 1;
  while (hi - lo > 1)
    {
      int mid = (lo + hi) / 2;
      if (tu[mid] <= u)
        lo = mid;
      else
        hi = mid;
    }
  double f = (u - tu[lo]) / (tu[hi] - tu[lo]);
  return tp[lo] + f * (tp[hi] - tp[lo]);
}

TsProx *
ts_prox_new (const TsModel *model, const TsDerived *derived)
{
  TsProx *prox = g_new0 (TsProx, 1);
  int K = derived->K;
  prox->type = model->prox_type;
  prox->groupsize = model->prox_type == TS_PROX_CPR ? model->groupsize : 1;
  prox->order = model->order;
  prox->K = K;
  prox->lambda = derived->lambda;
  prox->t = g_new (float, K);
  prox->threshold = g_new (float, K);
  prox->m_pow = g_new (float, K);
  for (int j = 0; j < K; j++)
    {
      float t = derived->threshold_scale[j];
      prox->t[j] = t;
      if (prox->type == TS_PROX_NCPR)
        {
          float m = (float) (t * derived->lambda);
          prox->threshold[j] = m;
          prox->m_pow[j] = (float) pow (m, model->order);
        }
      else
        {
          prox->threshold[j] = (float) (derived->lambda / t);
          prox->m_pow[j] = 0.0f;
        }
    }
  if (prox->type == TS_PROX_NCPR)
    build_phi_table (prox);
  return prox;
}

void
ts_prox_free (TsProx *prox)
{
  if (prox == NULL)
    return;
  g_free (prox->t);
  g_free (prox->threshold);
  g_free (prox->m_pow);
  g_free (prox->phi_table_u);
  g_free (prox->phi_table_phi);
  g_free (prox);
}

static inline void
prefetch_line (const float *base, gsize i)
{
  if (base != NULL)
    __builtin_prefetch (base + i, 0, 3);
}

/* The NCPR prox v |v|^g / (m + |v|^g) of v = (1 + a) c - a c_prev + g (c_prev and g may be
 * NULL: v = c). With AVX-512 all elements, the tail included, take the same vector path, so
 * a result does not depend on where a block starts. Elsewhere the loop is GCC's
 * auto-vectorisation of v (1 - m / (m + |v|^g)), the reference's arrangement. */
static void
prox_ncpr_extrapolated (const float *c, const float *c_prev, float a, const float *g, float *out,
                        gsize n, float m_pow, float order, const float *next_c,
                        const float *next_c_prev)
{
  float a1 = 1.0f + a;
#ifdef TS_VMATH_AVX512
  __m512 va1 = _mm512_set1_ps (a1), va = _mm512_set1_ps (a), vm = _mm512_set1_ps (m_pow);
  __m512 vg = _mm512_set1_ps (order);
  for (gsize i = 0; i < n; i += 16)
    {
      __mmask16 k = ts_vmath_tail_mask (n - i);
      prefetch_line (next_c, i);
      prefetch_line (next_c_prev, i);
      __m512 v = _mm512_maskz_loadu_ps (k, c + i);
      if (c_prev != NULL)
        v = _mm512_fnmadd_ps (va, _mm512_maskz_loadu_ps (k, c_prev + i), _mm512_mul_ps (va1, v));
      if (g != NULL)
        v = _mm512_add_ps (v, _mm512_maskz_loadu_ps (k, g + i));
      __m512 p = order == 2.0f ? _mm512_mul_ps (v, v) : ts_vmath_pow_abs16 (v, vg);
      /* p capped at 2^100 keeps m + p in the reciprocal's range; the shrink factor p / (m + p)
       * is 1 there for any threshold a model has (m_pow < 2^80 even at lambda = 1e12). */
      p = _mm512_min_ps (p, _mm512_set1_ps (0x1p100f));
      __m512 shrink = _mm512_mul_ps (p, ts_vmath_reciprocal16 (_mm512_add_ps (vm, p)));
      _mm512_mask_storeu_ps (out + i, k, _mm512_mul_ps (v, shrink));
    }
#else
  /* Lines of 16 floats: the inner loop still vectorises. */
  for (gsize i0 = 0; i0 < n; i0 += 16)
    {
      prefetch_line (next_c, i0);
      prefetch_line (next_c_prev, i0);
      for (gsize i = i0; i < MIN (i0 + 16, n); i++)
        {
          float v = c[i];
          if (c_prev != NULL)
            v = a1 * v - a * c_prev[i];
          if (g != NULL)
            v += g[i];
          float p = order == 2.0f ? v * v : ts_vmath_pow_abs (v, order);
          out[i] = v * (1.0f - m_pow / (m_pow + p));
        }
    }
#endif
}

static void
prox_ncpr_channel (float *c, gsize n, float m_pow, float order)
{
  prox_ncpr_extrapolated (c, NULL, 0.0f, NULL, c, n, m_pow, order, NULL, NULL);
}

/* softshrink(v t, lambda) / t, as the reference computes it. */
static void
prox_cpr_channel (float *c, gsize n, float t, float lambda)
{
  for (gsize i = 0; i < n; i++)
    {
      float vt = c[i] * t;
      float s = vt > lambda ? vt - lambda : (vt < -lambda ? vt + lambda : 0.0f);
      c[i] = s / t;
    }
}

/* Groups of 2 x 2 pixels: v / (n + 1e-8) * softshrink(n t, lambda) / t. */
static void
prox_cpr_group_channel (float *c, int width, int height, float t, float lambda)
{
  for (int y = 0; y + 1 < height; y += 2)
    for (int x = 0; x + 1 < width; x += 2)
      {
        float *a = c + (gsize) y * width + x, *b = a + width;
        float n = sqrtf (a[0] * a[0] + a[1] * a[1] + b[0] * b[0] + b[1] * b[1]);
        float nt = n * t;
        float s = nt > lambda ? nt - lambda : 0.0f;
        float f = 1.0f / (n + 1e-8f);
        float shrink = s / t;
        a[0] = a[0] * f * shrink;
        a[1] = a[1] * f * shrink;
        b[0] = b[0] * f * shrink;
        b[1] = b[1] * f * shrink;
      }
}

void
ts_prox_channel_extrapolated (const TsProx *prox, int channel, const float *c, const float *c_prev,
                              float a, const float *g, float *out, gsize n,
                              const float *next_c, const float *next_c_prev)
{
  float a1 = 1.0f + a;
  if (prox->type == TS_PROX_NCPR)
    prox_ncpr_extrapolated (c, c_prev, a, g, out, n, prox->m_pow[channel], (float) prox->order,
                            next_c, next_c_prev);
  else
    {
      g_return_if_fail (prox->groupsize == 1);
      float t = prox->t[channel], lambda = (float) prox->lambda;
      for (gsize i0 = 0; i0 < n; i0 += 16)
        {
          prefetch_line (next_c, i0);
          prefetch_line (next_c_prev, i0);
          for (gsize i = i0; i < MIN (i0 + 16, n); i++)
            {
              float vt = (a1 * c[i] - a * c_prev[i] + g[i]) * t;
              float sh = vt > lambda ? vt - lambda : (vt < -lambda ? vt + lambda : 0.0f);
              out[i] = sh / t;
            }
        }
    }
}

void
ts_prox_apply_rows (const TsProx *prox, float *c, int width, int height, int row0, int row1)
{
  gsize n = (gsize) width * height, offset = (gsize) row0 * width;
  gsize count = (gsize) (row1 - row0) * width;
  float lambda = (float) prox->lambda;
  for (int j = 0; j < prox->K; j++)
    {
      float *channel = c + (gsize) j * n;
      if (prox->type == TS_PROX_NCPR)
        prox_ncpr_channel (channel + offset, count, prox->m_pow[j], (float) prox->order);
      else if (prox->groupsize == 2)
        prox_cpr_group_channel (channel + offset, width, row1 - row0, prox->t[j], lambda);
      else
        prox_cpr_channel (channel + offset, count, prox->t[j], lambda);
    }
}

void
ts_prox_apply (const TsProx *prox, float *c, int width, int height)
{
  ts_prox_apply_rows (prox, c, width, height, 0, height);
}

double
ts_prox_scalar (const TsProx *prox, int channel, double v)
{
  if (prox->type == TS_PROX_NCPR)
    {
      double m = pow ((double) prox->threshold[channel], prox->order);
      double vg = pow (fabs (v), prox->order);
      return v * vg / (m + vg);
    }
  double thr = prox->lambda / prox->t[channel];
  return v > thr ? v - thr : (v < -thr ? v + thr : 0.0);
}

double
ts_prox_cost_scalar (const TsProx *prox, int channel, double u)
{
  if (prox->type == TS_PROX_NCPR)
    {
      double m = prox->threshold[channel];
      if (m <= 0.0)
        return 0.0;
      return m * m * phi_unit (prox, fabs (u) / m);
    }
  return prox->lambda / prox->t[channel] * fabs (u);
}

void
ts_prox_cost_map (const TsProx *prox, const float *c, int width, int height, float *out)
{
  gsize n = (gsize) width * height;
  memset (out, 0, sizeof (float) * n);
  for (int j = 0; j < prox->K; j++)
    {
      const float *channel = c + (gsize) j * n;
      if (prox->type == TS_PROX_CPR && prox->groupsize == 2)
        {
          /* A block's cost (lambda / t) n is shared by its pixels in proportion to c^2. */
          double w = prox->lambda / prox->t[j];
          for (int y = 0; y + 1 < height; y += 2)
            for (int x = 0; x + 1 < width; x += 2)
              {
                gsize i0 = (gsize) y * width + x, i1 = i0 + width;
                double e = (double) channel[i0] * channel[i0] + (double) channel[i0 + 1] * channel[i0 + 1]
                           + (double) channel[i1] * channel[i1] + (double) channel[i1 + 1] * channel[i1 + 1];
                if (e <= 0.0)
                  continue;
                double f = w / sqrt (e);
                out[i0] += (float) (f * channel[i0] * channel[i0]);
                out[i0 + 1] += (float) (f * channel[i0 + 1] * channel[i0 + 1]);
                out[i1] += (float) (f * channel[i1] * channel[i1]);
                out[i1 + 1] += (float) (f * channel[i1 + 1] * channel[i1 + 1]);
              }
        }
      else
        for (gsize i = 0; i < n; i++)
          if (channel[i] != 0.0f)
            out[i] += (float) ts_prox_cost_scalar (prox, j, channel[i]);
    }
}
