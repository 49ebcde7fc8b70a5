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
