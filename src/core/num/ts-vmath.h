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

/* Sixteen lanes of |v|^g = 2^(g log2 |v|) with AVX-512 and no division (the scalar version's
 * two divisions bound its throughput): |v| = m 2^e with m in [0.75, 1.5) by vgetmantps /
 * vgetexpps, log2 m = u P(u) with u = m - 1 and P of degree 9 (error 3e-9 in log2 m), g e split
 * exactly by an FMA (y_hi + y_err = g e), 2^f for |f| <= 1/2 by a degree-6 polynomial (error
 * 2e-9) and 2^n by vscalefps. Coefficients: weighted least squares towards minimax on
 * Chebyshev nodes. Relative error < 1e-6 over the solver's range (tests/test-vmath.c). n is not
 * clamped: vscalefps rounds results beyond float's range to 0 (through subnormals) or inf. */
static inline __m512
ts_vmath_pow_abs16 (__m512 v, __m512 g)
{
  __m512 a = _mm512_add_ps (_mm512_abs_ps (v), _mm512_set1_ps (1e-30f));
  __m512 m = _mm512_getmant_ps (a, _MM_MANT_NORM_p75_1p5, _MM_MANT_SIGN_zero);
  __m512 e = _mm512_getexp_ps (a);
  /* getexp is floor(log2 a), the exponent of a mantissa in [1, 2): one more below 1. */
  e = _mm512_mask_add_ps (e, _mm512_cmp_ps_mask (m, _mm512_set1_ps (1.0f), _CMP_LT_OQ), e,
                          _mm512_set1_ps (1.0f));
  __m512 u = _mm512_sub_ps (m, _mm512_set1_ps (1.0f));
  __m512 q = _mm512_fmadd_ps (u, _mm512_set1_ps (-6.613232824e-02f), _mm512_set1_ps (1.526790390e-01f));
  q = _mm512_fmadd_ps (u, q, _mm512_set1_ps (-1.907189029e-01f));
  q = _mm512_fmadd_ps (u, q, _mm512_set1_ps (2.088993616e-01f));
  q = _mm512_fmadd_ps (u, q, _mm512_set1_ps (-2.400771999e-01f));
  q = _mm512_fmadd_ps (u, q, _mm512_set1_ps (2.883895235e-01f));
  q = _mm512_fmadd_ps (u, q, _mm512_set1_ps (-3.606775872e-01f));
  q = _mm512_fmadd_ps (u, q, _mm512_set1_ps (4.809007321e-01f));
  q = _mm512_fmadd_ps (u, q, _mm512_set1_ps (-7.213475114e-01f));
  q = _mm512_fmadd_ps (u, q, _mm512_set1_ps (1.442695035e+00f));
  __m512 log2_m = _mm512_mul_ps (u, q);
  __m512 y_hi = _mm512_mul_ps (g, e);
  __m512 y_err = _mm512_fmsub_ps (g, e, y_hi);
  __m512 rest = _mm512_fmadd_ps (g, log2_m, y_err);
  __m512 n = _mm512_roundscale_ps (_mm512_add_ps (y_hi, rest), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 f = _mm512_add_ps (_mm512_sub_ps (y_hi, n), rest);
  __m512 p = _mm512_fmadd_ps (f, _mm512_set1_ps (1.547801776e-04f), _mm512_set1_ps (1.340043167e-03f));
  p = _mm512_fmadd_ps (f, p, _mm512_set1_ps (9.617994531e-03f));
  p = _mm512_fmadd_ps (f, p, _mm512_set1_ps (5.550327216e-02f));
  p = _mm512_fmadd_ps (f, p, _mm512_set1_ps (2.402265150e-01f));
  p = _mm512_fmadd_ps (f, p, _mm512_set1_ps (6.931472067e-01f));
  p = _mm512_fmadd_ps (f, p, _mm512_set1_ps (1.0f));
  return _mm512_scalef_ps (p, n);
}

/* 1 / d for d > 0 of moderate size (below 2^126): vrcp14ps and one Newton step, about
 * 1 ulp, a fraction of a division's cost. */
static inline __m512
ts_vmath_reciprocal16 (__m512 d)
{
  __m512 r = _mm512_rcp14_ps (d);
  return _mm512_mul_ps (r, _mm512_fnmadd_ps (d, r, _mm512_set1_ps (2.0f)));
}

/* Lanes [0, n) of 16, for loop tails. */
static inline __mmask16
ts_vmath_tail_mask (size_t n)
{
  return n >= 16 ? (__mmask16) 0xffff : (__mmask16) ((1u << n) - 1u);
}
#endif
