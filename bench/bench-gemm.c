/* Achieved GFLOP/s of the solver's GEMM shapes (subspace formulation, one BSD68-sized image,
 * two threads each running single-threaded OpenBLAS on its half) next to a plain large
 * square sgemm on both cores, in the same run. */
#include <cblas.h>
#include <glib.h>
#include <stdio.h>

typedef struct {
  int m, n, k;
  gboolean trans_a;
  int reps;
  double seconds;
} Shape;

static float *
filled (gsize n)
{
  float *p = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    p[i] = (float) ((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
  return p;
}

static gpointer
run_shape (gpointer data)
{
  Shape *s = data;
  float *a = filled ((gsize) s->m * s->k), *b = filled ((gsize) s->k * s->n), *c = filled ((gsize) s->m * s->n);
  gint64 t0 = g_get_monotonic_time ();
  for (int r = 0; r < s->reps; r++)
    cblas_sgemm (CblasRowMajor, s->trans_a ? CblasTrans : CblasNoTrans, CblasNoTrans, s->m, s->n, s->k,
                 1.0f, a, s->trans_a ? s->m : s->k, b, s->n, 0.0f, c, s->n);
  s->seconds = (g_get_monotonic_time () - t0) / 1e6;
  g_free (a);
  g_free (b);
  g_free (c);
  return NULL;
}

/* Two threads, each with its own copy of the shape, as the solver's workers. */
static double
two_threads (Shape shape)
{
  Shape s[2] = { shape, shape };
  GThread *t = g_thread_new ("gemm", run_shape, &s[1]);
  run_shape (&s[0]);
  g_thread_join (t);
  double flops = 2.0 * 2.0 * shape.m * shape.n * shape.k * shape.reps;
  return flops / MAX (s[0].seconds, s[1].seconds) / 1e9;
}

int
main (void)
{
  openblas_set_num_threads (2);
  Shape square = { 2048, 2048, 2048, FALSE, 5, 0 };
  run_shape (&square);   /* warm-up */
  run_shape (&square);
  double plain = 2.0 * 2048.0 * 2048.0 * 2048.0 * square.reps / square.seconds / 1e9;
  printf ("plain sgemm 2048^3, 2 OpenBLAS threads: %.1f GFLOP/s\n", plain);

  openblas_set_num_threads (1);
  /* 154k pixels in c-step blocks of 1024 and im2col bands of ~3000, per worker half. */
  const Shape shapes[] = {
    { 200, 1024, 48, FALSE, 76, 0 },   /* c-step: -b B f       (K x block x r) */
    { 48, 1024, 200, TRUE, 76, 0 },    /* c-step: B^T c_new    (r x block x K) */
    { 169, 3200, 48, FALSE, 24, 0 },   /* x-step: U field      (s x band x r)  */
    { 48, 3200, 169, TRUE, 24, 0 },    /* x-step: U^T P x      (r x band x s)  */
  };
  const char *names[] = { "B f (c-step)", "B^T c (c-step)", "U f (x-step)", "U^T P x (x-step)" };
  double total_flops = 0.0, total_seconds = 0.0;
  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      double g = two_threads (shapes[i]);
      double flops = 2.0 * 2.0 * shapes[i].m * shapes[i].n * shapes[i].k * shapes[i].reps;
      total_flops += flops;
      total_seconds += flops / (g * 1e9);
      printf ("%-18s %4d x %5d x %4d: %6.1f GFLOP/s (%3.0f%% of plain)\n", names[i], shapes[i].m,
              shapes[i].n, shapes[i].k, g, 100.0 * g / plain);
    }
  double all = total_flops / total_seconds / 1e9;
  printf ("all GEMM phases: %.1f GFLOP/s (%.0f%% of plain)\n", all, 100.0 * all / plain);
  return 0;
}
