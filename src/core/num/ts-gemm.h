/* The solver's products C = alpha A B with a small A (at most a few hundred rows and columns)
 * and a long B (the pixel dimension), row-major, C overwritten. */
#pragma once
#include <stddef.h>

/* A is M x K with element (i, k) at A[i * a_row + k * a_col] (so A^T of a row-major matrix is
 * a_row = 1, a_col = its row length), B is K x N with row stride ldb, C is M x N with row
 * stride ldc. With AVX-512 this is Tessera's own register-blocked kernel (8 rows x 32
 * columns of C in registers); elsewhere it is cblas_sgemm. */
void ts_gemm (int M, int N, int K, float alpha, const float *A, int a_row, int a_col,
              const float *B, size_t ldb, float *C, size_t ldc);

/* The same, adding to C: C += alpha A B. */
void ts_gemm_add (int M, int N, int K, float alpha, const float *A, int a_row, int a_col,
                  const float *B, size_t ldb, float *C, size_t ldc);
