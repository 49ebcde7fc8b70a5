/* Achieved GFLOP/s inside the solver's products (subspace formulation: B f, B^T c, U f and
 * U^T P x, timed by the solver itself, TsSolveStats.gemm_gflops) next to a plain large square
 * OpenBLAS sgemm on both cores, in the same run.
 * Usage: bench-gemm [MODEL [NOISY]] (default: the paper's sigma 25 NCPR weights and BSD68
 * test001 at sigma 25 from ../shared, or the installed ncpr-sigma25 model on the demo picture
 * with noise when ../shared is absent). */
#include "tessera.h"
#include <cblas.h>
#include <stdio.h>

static float *
filled (gsize n)
{
  float *p = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    p[i] = (float) ((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
  return p;
}

static double
square_sgemm (int n, int reps)
{
  float *a = filled ((gsize) n * n), *b = filled ((gsize) n * n), *c = filled ((gsize) n * n);
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
  gint64 t0 = g_get_monotonic_time ();
  for (int r = 0; r < reps; r++)
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
  double s = (g_get_monotonic_time () - t0) / 1e6;
  g_free (a);
  g_free (b);
  g_free (c);
  return 2.0 * n * (double) n * n * reps / s / 1e9;
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  const char *shared = g_getenv ("TESSERA_SHARED_DIR");
  g_autofree char *ref_model = g_build_filename (shared ? shared : "../shared", "reference", "models",
                                                 "sigma25-ncpr", NULL);
  g_autofree char *ref_noisy = g_build_filename (shared ? shared : "../shared", "data", "bsd68-noisy",
                                                 "sigma25", "test001.npy", NULL);
  gboolean have_shared = g_file_test (ref_model, G_FILE_TEST_IS_DIR)
                         && g_file_test (ref_noisy, G_FILE_TEST_EXISTS);
  const char *model_name = argc > 1 ? argv[1] : have_shared ? ref_model : "ncpr-sigma25";
  TsModel *model = ts_model_resolve (model_name, 25.0, &error);
  TsImage *noisy = NULL;
  if (model != NULL && (argc > 2 || have_shared))
    noisy = ts_image_load (argc > 2 ? argv[2] : ref_noisy, &error);
  else if (model != NULL)
    {
      noisy = ts_demo_image_new (481, 321);
      ts_noise_add_gaussian (noisy, 25.0 / 255.0, 1);
    }
  if (model == NULL || noisy == NULL)
    {
      fprintf (stderr, "bench-gemm: %s\n", error->message);
      return 1;
    }

  ts_blas_set_threads (2);
  double plain = MAX (square_sgemm (2048, 8), square_sgemm (2048, 8));
  printf ("OpenBLAS kernels: %s\n", ts_blas_kernel_name ());
  printf ("plain sgemm 2048^3, 2 OpenBLAS threads: %.1f GFLOP/s\n", plain);

  TsOperator *op = ts_operator_identity_new (noisy->width, noisy->height);
  TsSolveOptions options;
  ts_solve_options_init (&options);
  options.tol = 0.0;
  options.max_iter = 40;
  TsSolveStats stats;
  ts_blas_set_threads (ts_solve_blas_threads (&options));
  TsRegulariser *prox = ts_regulariser_new (model, op, options.beta, options.lambda, &error);
  TsSolution *solution = prox != NULL ? ts_solve (op, prox, noisy->data, &options, NULL, NULL, NULL,
                                                  NULL, &stats, &error)
                                      : NULL;
  ts_regulariser_free (prox);
  if (solution == NULL)
    {
      fprintf (stderr, "bench-gemm: %s\n", error->message);
      return 1;
    }
  printf ("solver products (ts_gemm, 2 workers), %s, %d x %d, %d iterations: %.1f GFLOP/s "
          "(%.0f%% of plain), %.0f%% of the solve's time\n",
          model->name, noisy->width, noisy->height, stats.iterations, stats.gemm_gflops,
          100.0 * stats.gemm_gflops / plain, 100.0 * stats.gemm_share);
  ts_solution_free (solution);
  ts_operator_free (op);
  ts_image_free (noisy);
  ts_model_free (model);
  return 0;
}
