/* ts_gemm (the solver's own kernel) against a double-precision loop: both layouts of A, row
 * counts that are not multiples of 8, column counts that are not multiples of 32 or 16, and
 * strided B and C as in the solver's channel planes. */
#include "ts-gemm.h"
#include <glib.h>
#include <math.h>

static void
check_shape_mode (int M, int N, int K, gboolean transposed, gboolean add)
{
  size_t ldb = (size_t) N + 13, ldc = (size_t) N + 7;
  float *A = g_new (float, (size_t) M * K), *B = g_new (float, (size_t) K * ldb);
  float *C = g_new (float, (size_t) M * ldc);
  GRand *rand = g_rand_new_with_seed ((guint32) (M * 1000 + N * 10 + K));
  for (size_t i = 0; i < (size_t) M * K; i++)
    A[i] = (float) g_rand_double_range (rand, -1.0, 1.0);
  for (size_t i = 0; i < (size_t) K * ldb; i++)
    B[i] = (float) g_rand_double_range (rand, -1.0, 1.0);
  for (size_t i = 0; i < (size_t) M * ldc; i++)
    C[i] = 12345.0f;   /* sentinels beyond column N must survive */
  float *C0 = g_memdup2 (C, sizeof (float) * M * ldc);
  if (add)
    for (int i = 0; i < M; i++)
      for (int j = 0; j < N; j++)
        C[(size_t) i * ldc + j] = C0[(size_t) i * ldc + j] = (float) g_rand_double_range (rand, -1.0, 1.0);
  /* transposed: A is stored K x M (the transpose of a row-major K x M matrix). */
  int a_row = transposed ? 1 : K, a_col = transposed ? M : 1;
  float alpha = -0.75f;
  if (add)
    ts_gemm_add (M, N, K, alpha, A, a_row, a_col, B, ldb, C, ldc);
  else
    ts_gemm (M, N, K, alpha, A, a_row, a_col, B, ldb, C, ldc);
  double worst = 0.0;
  for (int i = 0; i < M; i++)
    {
      for (int j = 0; j < N; j++)
        {
          double t = 0.0;
          for (int k = 0; k < K; k++)
            t += (double) A[(size_t) i * a_row + (size_t) k * a_col] * B[(size_t) k * ldb + j];
          double expect = alpha * t + (add ? C0[(size_t) i * ldc + j] : 0.0);
          worst = fmax (worst, fabs (expect - C[(size_t) i * ldc + j]));
        }
      for (size_t j = (size_t) N; j < ldc; j++)
        g_assert_cmpfloat (C[(size_t) i * ldc + j], ==, 12345.0f);
    }
  g_test_message ("%d x %d x %d%s%s: max abs error %.3g", M, N, K, transposed ? " (A^T)" : "",
                  add ? " (C +=)" : "", worst);
  g_assert_cmpfloat (worst, <, 1e-5 * K);
  g_rand_free (rand);
  g_free (C0);
  g_free (A);
  g_free (B);
  g_free (C);
}

static void
check_shape (int M, int N, int K, gboolean transposed)
{
  check_shape_mode (M, N, K, transposed, FALSE);
  check_shape_mode (M, N, K, transposed, TRUE);
}

static void
test_solver_shapes (void)
{
  check_shape (200, 962, 48, FALSE);   /* -b B f */
  check_shape (48, 962, 200, TRUE);    /* B^T c */
  check_shape (169, 1443, 48, FALSE);  /* U f */
  check_shape (48, 1443, 169, TRUE);   /* U^T P x */
}

static void
test_odd_shapes (void)
{
  const int sizes[][3] = { { 1, 1, 1 }, { 7, 15, 3 }, { 8, 16, 1 }, { 9, 17, 5 }, { 15, 31, 2 },
                           { 16, 32, 8 }, { 17, 33, 9 }, { 3, 100, 40 }, { 25, 47, 1 } };
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    for (int t = 0; t < 2; t++)
      check_shape (sizes[i][0], sizes[i][1], sizes[i][2], t);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gemm/solver-shapes", test_solver_shapes);
  g_test_add_func ("/gemm/odd-shapes", test_odd_shapes);
  return g_test_run ();
}
