/* C = alpha A B for the solver's shapes (MODEL.md "Consequence used for speed": B (200 x 48),
 * B^T, U (169 x 48), U^T against pixel panels). OpenBLAS's AVX2 kernels (what a process gets
 * under OPENBLAS_CORETYPE=Haswell, as on this project's machines) use half of an AVX-512
 * core, and for these small inner dimensions its packing is a sizeable extra. Here a strip of
 * 32 columns of B (K x 32 floats, at most 26 kB for K = 200) stays in L1 while every block of
 * 8 rows of A passes over it: 16 accumulators, per k two loads of B, eight broadcasts of A
 * and sixteen FMAs. */
#include "ts-gemm.h"
#include "ts-vmath.h"
#include <cblas.h>

#ifdef TS_VMATH_AVX512

#define ROWS 8

/* 8 rows of C, columns [j, j + 32) under the masks; the accumulators are only ever indexed
 * by constants, so they live in registers. */
static void
block_full (int K, float alpha, const float *A, int a_row, int a_col, const float *B, size_t ldb,
            float *C, size_t ldc, __mmask16 m0, __mmask16 m1, int add)
{
  __m512 acc0[ROWS], acc1[ROWS];
#pragma GCC unroll 8
  for (int r = 0; r < ROWS; r++)
    acc0[r] = acc1[r] = _mm512_setzero_ps ();
  for (int k = 0; k < K; k++)
    {
      const float *b = B + (size_t) k * ldb, *a = A + (size_t) k * a_col;
      __m512 b0 = _mm512_maskz_loadu_ps (m0, b), b1 = _mm512_maskz_loadu_ps (m1, b + 16);
#pragma GCC unroll 8
      for (int r = 0; r < ROWS; r++)
        {
          __m512 ar = _mm512_set1_ps (a[(size_t) r * a_row]);
          acc0[r] = _mm512_fmadd_ps (ar, b0, acc0[r]);
          acc1[r] = _mm512_fmadd_ps (ar, b1, acc1[r]);
        }
    }
  __m512 va = _mm512_set1_ps (alpha);
#pragma GCC unroll 8
  for (int r = 0; r < ROWS; r++)
    {
      float *c = C + (size_t) r * ldc;
      __m512 c0 = add ? _mm512_maskz_loadu_ps (m0, c) : _mm512_setzero_ps ();
      __m512 c1 = add ? _mm512_maskz_loadu_ps (m1, c + 16) : _mm512_setzero_ps ();
      _mm512_mask_storeu_ps (c, m0, _mm512_fmadd_ps (va, acc0[r], c0));
      _mm512_mask_storeu_ps (c + 16, m1, _mm512_fmadd_ps (va, acc1[r], c1));
    }
}

/* The last rows (fewer than 8), one at a time. */
static void
block_row (int K, float alpha, const float *A, int a_col, const float *B, size_t ldb, float *C,
           __mmask16 m0, __mmask16 m1, int add)
{
  __m512 acc0 = _mm512_setzero_ps (), acc1 = _mm512_setzero_ps ();
  for (int k = 0; k < K; k++)
    {
      const float *b = B + (size_t) k * ldb;
      __m512 ar = _mm512_set1_ps (A[(size_t) k * a_col]);
      acc0 = _mm512_fmadd_ps (ar, _mm512_maskz_loadu_ps (m0, b), acc0);
      acc1 = _mm512_fmadd_ps (ar, _mm512_maskz_loadu_ps (m1, b + 16), acc1);
    }
  __m512 va = _mm512_set1_ps (alpha);
  __m512 c0 = add ? _mm512_maskz_loadu_ps (m0, C) : _mm512_setzero_ps ();
  __m512 c1 = add ? _mm512_maskz_loadu_ps (m1, C + 16) : _mm512_setzero_ps ();
  _mm512_mask_storeu_ps (C, m0, _mm512_fmadd_ps (va, acc0, c0));
  _mm512_mask_storeu_ps (C + 16, m1, _mm512_fmadd_ps (va, acc1, c1));
}

static void
product (int M, int N, int K, float alpha, const float *A, int a_row, int a_col, const float *B,
         size_t ldb, float *C, size_t ldc, int add)
{
  for (int j = 0; j < N; j += 32)
    {
      int left = N - j;
      __mmask16 m0 = ts_vmath_tail_mask ((size_t) left);
      __mmask16 m1 = left > 16 ? ts_vmath_tail_mask ((size_t) (left - 16)) : 0;
      int i = 0;
      for (; i + ROWS <= M; i += ROWS)
        block_full (K, alpha, A + (size_t) i * a_row, a_row, a_col, B + j, ldb,
                    C + (size_t) i * ldc + j, ldc, m0, m1, add);
      for (; i < M; i++)
        block_row (K, alpha, A + (size_t) i * a_row, a_col, B + j, ldb, C + (size_t) i * ldc + j,
                   m0, m1, add);
    }
}

#else

static void
product (int M, int N, int K, float alpha, const float *A, int a_row, int a_col, const float *B,
         size_t ldb, float *C, size_t ldc, int add)
{
  /* Row-major A (a_col == 1) or the transpose of a row-major matrix (a_row == 1). */
  float beta = add ? 1.0f : 0.0f;
  if (a_col == 1)
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, alpha, A, a_row, B, (int) ldb,
                 beta, C, (int) ldc);
  else
    cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, M, N, K, alpha, A, a_col, B, (int) ldb,
                 beta, C, (int) ldc);
}

#endif

void
ts_gemm (int M, int N, int K, float alpha, const float *A, int a_row, int a_col, const float *B,
         size_t ldb, float *C, size_t ldc)
{
  product (M, N, K, alpha, A, a_row, a_col, B, ldb, C, ldc, 0);
}

void
ts_gemm_add (int M, int N, int K, float alpha, const float *A, int a_row, int a_col,
             const float *B, size_t ldb, float *C, size_t ldc)
{
  product (M, N, K, alpha, A, a_row, a_col, B, ldb, C, ldc, 1);
}
