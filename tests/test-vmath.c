/* The vectorised |v|^g of the NCPR prox against powf over the range the solver uses. */
#include "ts-vmath.h"
#include <glib.h>
#include <math.h>

static void
test_pow_accuracy (void)
{
  const float orders[] = { 1.8f, 2.0f, 1.5f, 1.2f, 0.5f, 3.0f, 8.0f };
  for (guint k = 0; k < G_N_ELEMENTS (orders); k++)
    {
      float g = orders[k];
      double worst = 0.0, worst_at = 0.0;
      /* Steps of 2e-5 relative from 1e-12 to 1e6 (about 1 float in 170), both signs:
       * coefficients live well inside this range. */
      for (float v = 1e-12f; v < 1e6f; v = nextafterf (v, INFINITY) + v * 2e-5f)
        for (int sign = -1; sign <= 1; sign += 2)
          {
            float x = sign * v;
            double ref = pow (fabs ((double) x), (double) g);
            if (ref < 1e-37 || ref > 1e37)
              continue;
            double rel = fabs (ts_vmath_pow_abs (x, g) - ref) / ref;
            if (rel > worst)
              {
                worst = rel;
                worst_at = x;
              }
            /* powf itself, for the record of what float can do */
            g_assert_cmpfloat (fabs (powf (fabsf (x), g) - ref) / ref, <, 1e-6);
          }
      g_test_message ("g = %.1f: max relative error %.3g at %.6g", g, worst, worst_at);
      g_assert_cmpfloat (worst, <, 1e-6);
    }
}

#ifdef TS_VMATH_AVX512
/* The AVX-512 path the solver's NCPR prox takes, over the same grid, 16 values at a time. */
static void
test_pow16_accuracy (void)
{
  const float orders[] = { 1.8f, 2.0f, 1.5f, 1.2f, 0.5f, 3.0f, 8.0f };
  for (guint k = 0; k < G_N_ELEMENTS (orders); k++)
    {
      float g = orders[k], lanes[16], out[16];
      double worst = 0.0, worst_at = 0.0;
      int filled = 0;
      for (float v = 1e-12f; v < 1e6f; v = nextafterf (v, INFINITY) + v * 2e-5f)
        {
          lanes[filled] = (filled % 2 ? -1.0f : 1.0f) * v;
          filled++;
          if (filled < 16)
            continue;
          _mm512_storeu_ps (out, ts_vmath_pow_abs16 (_mm512_loadu_ps (lanes), _mm512_set1_ps (g)));
          for (int i = 0; i < 16; i++)
            {
              double ref = pow (fabs ((double) lanes[i]), (double) g);
              if (ref < 1e-37 || ref > 1e37)
                continue;
              double rel = fabs (out[i] - ref) / ref;
              if (rel > worst)
                {
                  worst = rel;
                  worst_at = lanes[i];
                }
            }
          filled = 0;
        }
      g_test_message ("g = %.1f (16 lanes): max relative error %.3g at %.6g", g, worst, worst_at);
      g_assert_cmpfloat (worst, <, 1e-6);
    }
  /* 0 gives (numerically) 0 in every lane. */
  float zero[16];
  _mm512_storeu_ps (zero, ts_vmath_pow_abs16 (_mm512_setzero_ps (), _mm512_set1_ps (1.8f)));
  for (int i = 0; i < 16; i++)
    g_assert_cmpfloat (zero[i], <, 1e-40);
}
#endif

static void
test_pow_special (void)
{
  /* 0 gives (numerically) 0, so the NCPR prox maps 0 to 0. */
  g_assert_cmpfloat (ts_vmath_pow_abs (0.0f, 1.8f), <, 1e-40);
  g_assert_cmpfloat (ts_vmath_pow_abs (-0.0f, 1.8f), <, 1e-40);
  g_assert_cmpfloat (fabs (ts_vmath_pow_abs (1.0f, 1.8f) - 1.0f), <, 1e-7);
  g_assert_cmpfloat (fabs (ts_vmath_pow_abs (-2.0f, 2.0f) - 4.0f), <, 4e-6);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vmath/pow-accuracy", test_pow_accuracy);
  g_test_add_func ("/vmath/pow-special", test_pow_special);
#ifdef TS_VMATH_AVX512
  g_test_add_func ("/vmath/pow16-accuracy", test_pow16_accuracy);
#endif
  return g_test_run ();
}
