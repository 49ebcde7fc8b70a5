/* Vectorisable element-wise maths for the hot loops. Written branch-free on plain floats
 * and 32-bit integers so that GCC auto-vectorises the calling loops (AVX2 / AVX-512 with
 * -march=native). */
#pragma once
#include <stdint.h>
#include <string.h>

/* |v|^g as exp2(g log2 |v|), relative error < 1e-6 for |v| in [1e-30, 1e30], g in (0, 8].
 * log2 |v| = e + log2 m with m in [sqrt(1/2), sqrt(2)) (atanh series). The product g e
 * would lose bits in float, so g is split into g_hi (12 significant bits, g_hi e exact)
 * and g_lo; the integer part n of the exponent is taken from the exact g_hi e and the
 * fraction f = (g_hi e - n) + rest is formed without cancellation. 2^f, |f| <= 1/2 (plus
 * rounding slack), by a degree-7 Taylor polynomial of e^(f ln 2). Below 2^-126 it returns
 * 2^-126 scaled by 2^f (tiny, harmless where it is used: m / (m + |v|^g)). */
static inline float
ts_vmath_pow_abs (float v, float g)
{
  /* Adding 1e-30 keeps log2 finite at 0 without a branch (below float resolution for
   * |v| > 1e-22). */
  float a = __builtin_fabsf (v) + 1e-30f;
  uint32_t bits;
  memcpy (&bits, &a, sizeof bits);
  int32_t e = (int32_t) ((bits >> 23) & 0xff) - 127;
  uint32_t mbits = (bits & 0x7fffffu) | 0x3f800000u;
  float m;
  memcpy (&m, &mbits, sizeof m);
  int32_t big = m > 1.41421356f;
  m *= 1.0f - 0.5f * (float) big;
  e += big;
  float t = (m - 1.0f) / (m + 1.0f), t2 = t * t;
  float ln_m = t * (2.0f + t2 * (0.666666667f + t2 * (0.4f + t2 * (0.285714286f + t2 * 0.222222222f))));
  uint32_t gbits;
  memcpy (&gbits, &g, sizeof gbits);
  gbits &= 0xfffff000u;
  float g_hi;
  memcpy (&g_hi, &gbits, sizeof g_hi);
  float g_lo = g - g_hi;
  float fe = (float) e;
  float y_hi = g_hi * fe;                              /* exact */
  float rest = g_lo * fe + g * ln_m * 1.44269504f;
  float n = __builtin_rintf (y_hi + rest);
  n = n > -126.0f ? n : -126.0f;
  n = n < 127.0f ? n : 127.0f;
  float f = ((y_hi - n) + rest) * 0.693147181f;
  float p = 1.0f + f * (1.0f + f * (0.5f + f * (0.166666667f + f * (0.0416666667f + f * (0.00833333333f + f * (0.00138888889f + f * 0.000198412698f))))));
  int32_t ni = (int32_t) n;
  uint32_t sbits = (uint32_t) (ni + 127) << 23;
  float scale;
  memcpy (&scale, &sbits, sizeof scale);
  return p * scale;
}

#if defined(__AVX512F__)
#include <immintrin.h>
#define TS_VMATH_AVX512 1

/* Sixteen lanes of ts_vmath_pow_abs with AVX-512 (the same series and polynomial; GCC's
 * auto-vectorised scalar version spends about 40 % more instructions on the split of g and
 * the clamped scale). g e is split exactly with an FMA (y_hi + y_err = g e), and the scale
 * 2^n is applied by vscalefps. */
static inline __m512
ts_vmath_pow_abs16 (__m512 v, __m512 g)
{
  __m512 one = _mm512_set1_ps (1.0f);
  __m512 a = _mm512_add_ps (_mm512_abs_ps (v), _mm512_set1_ps (1e-30f));
  __m512i bits = _mm512_castps_si512 (a);
  __m512i e = _mm512_sub_epi32 (_mm512_srli_epi32 (bits, 23), _mm512_set1_epi32 (127));
  __m512 m = _mm512_castsi512_ps (_mm512_or_si512 (_mm512_and_si512 (bits, _mm512_set1_epi32 (0x7fffff)),
                                                   _mm512_set1_epi32 (0x3f800000)));
  __mmask16 big = _mm512_cmp_ps_mask (m, _mm512_set1_ps (1.41421356f), _CMP_GT_OQ);
  m = _mm512_mask_mul_ps (m, big, m, _mm512_set1_ps (0.5f));
  e = _mm512_mask_add_epi32 (e, big, e, _mm512_set1_epi32 (1));
  __m512 t = _mm512_div_ps (_mm512_sub_ps (m, one), _mm512_add_ps (m, one));
  __m512 t2 = _mm512_mul_ps (t, t);
  __m512 q = _mm512_fmadd_ps (t2, _mm512_set1_ps (0.222222222f), _mm512_set1_ps (0.285714286f));
  q = _mm512_fmadd_ps (t2, q, _mm512_set1_ps (0.4f));
  q = _mm512_fmadd_ps (t2, q, _mm512_set1_ps (0.666666667f));
  q = _mm512_fmadd_ps (t2, q, _mm512_set1_ps (2.0f));
  __m512 ln_m = _mm512_mul_ps (t, q);
  __m512 fe = _mm512_cvtepi32_ps (e);
  __m512 y_hi = _mm512_mul_ps (g, fe);
  __m512 y_err = _mm512_fmsub_ps (g, fe, y_hi);
  __m512 rest = _mm512_fmadd_ps (_mm512_mul_ps (g, _mm512_set1_ps (1.44269504f)), ln_m, y_err);
  __m512 n = _mm512_roundscale_ps (_mm512_add_ps (y_hi, rest), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  n = _mm512_min_ps (_mm512_max_ps (n, _mm512_set1_ps (-126.0f)), _mm512_set1_ps (127.0f));
  __m512 f = _mm512_mul_ps (_mm512_add_ps (_mm512_sub_ps (y_hi, n), rest), _mm512_set1_ps (0.693147181f));
  __m512 p = _mm512_fmadd_ps (f, _mm512_set1_ps (0.000198412698f), _mm512_set1_ps (0.00138888889f));
  p = _mm512_fmadd_ps (f, p, _mm512_set1_ps (0.00833333333f));
  p = _mm512_fmadd_ps (f, p, _mm512_set1_ps (0.0416666667f));
  p = _mm512_fmadd_ps (f, p, _mm512_set1_ps (0.166666667f));
  p = _mm512_fmadd_ps (f, p, _mm512_set1_ps (0.5f));
  p = _mm512_fmadd_ps (f, p, one);
  p = _mm512_fmadd_ps (f, p, one);
  return _mm512_scalef_ps (p, n);
}

/* Lanes [0, n) of 16, for loop tails. */
static inline __mmask16
ts_vmath_tail_mask (size_t n)
{
  return n >= 16 ? (__mmask16) 0xffff : (__mmask16) ((1u << n) - 1u);
}
#endif
