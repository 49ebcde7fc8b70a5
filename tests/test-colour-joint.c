/* The joint colour form outside training: the model file's colour form, the joint solve
 * (ts-solver-joint.h) against the single-plane solver and the double step's fixed point, its
 * progress and cancellation, and RGB denoising through ts_restore. Small models (p = 5). */
#include "tessera.h"
#include "ts-palm-joint.h"
#include "test-model-util.h"
#include "test-util.h"
#include <math.h>
#include <string.h>

#define SIDE 24
#define NPIX (SIDE * SIDE)

static TsModel *
small_joint_model (TsProxType type, guint64 seed)
{
  int K = 12, M = 6, p = 5, s = p * p;
  TsModel *m = ts_model_new (K, M, p);
  guint64 st = seed;
  for (int i = 0; i < K * s; i++)
    m->atoms[i] = (float) ts_test_normal (&st);
  for (int i = 0; i < M * s; i++)
    m->free_atoms[i] = (float) ts_test_normal (&st);
  for (int i = 0; i < K; i++)
    m->lambda_scaling[i] = (float) (0.25 * ts_test_normal (&st));
  m->prox_type = type;
  m->beta = 0.75;
  m->lambda = type == TS_PROX_NCPR ? 0.08 : 0.03;
  m->sigma = 25;
  m->colour_form = TS_COLOUR_FORM_JOINT;
  m->chroma_weight = 0.7;
  return m;
}

/* Noisy opponent planes: a picture in the luminance, weaker ones in the chroma. */
static void
noisy_planes (float *planes, gboolean zero_chroma, guint64 seed)
{
  guint64 st = seed;
  for (int q = 0; q < 3; q++)
    {
      g_autofree float *pic = ts_test_picture (SIDE, SIDE, 0.1, seed + q);
      for (int i = 0; i < NPIX; i++)
        planes[q * NPIX + i] = q == 0 ? pic[i]
                               : zero_chroma ? 0.0f
                               : (float) (0.3 * (pic[i] - 0.5) + 0.1 * ts_test_normal (&st));
    }
}

static gboolean
solve_joint (const TsModel *m, const float *planes, const TsSolveOptions *o,
             TsJointProgressFunc progress, gpointer data, const gint *cancel,
             TsSolution *out[3], GError **error)
{
  g_autoptr (TsOperator) op = ts_operator_identity_new (SIDE, SIDE);
  ts_blas_set_threads (1);
  g_autoptr (TsRegulariser) reg = ts_regulariser_new (m, op, NAN, NAN, error);
  g_assert_nonnull (reg);
  const float *data_planes[3] = { planes, planes + NPIX, planes + 2 * NPIX };
  return ts_solve_joint (op, reg, data_planes, o, NULL, progress, data, cancel, NULL, out, error);
}

/* A gray picture (zero chroma) is solved as the grayscale model solves its luminance, and
 * its chroma stays zero. */
static void
check_gray_equivalence (TsProxType type)
{
  g_autoptr (TsModel) m = small_joint_model (type, 3);
  g_autofree float *planes = g_new (float, 3 * NPIX);
  noisy_planes (planes, TRUE, 10);
  TsSolveOptions o;
  ts_solve_options_init (&o);
  o.tol = 1e-6;
  o.threads = 1;
  TsSolution *joint[3];
  g_autoptr (GError) error = NULL;
  g_assert_true (solve_joint (m, planes, &o, NULL, NULL, NULL, joint, &error));
  g_autoptr (TsOperator) op = ts_operator_identity_new (SIDE, SIDE);
  g_autoptr (TsSolution) gray = ts_test_solve (m, op, planes, &o, NULL, NULL, NULL, NULL, NULL,
                                               &error);
  g_assert_no_error (error);
  double worst = 0.0;
  for (int i = 0; i < NPIX; i++)
    {
      worst = MAX (worst, fabs (joint[0]->x->data[i] - gray->x->data[i]));
      g_assert_cmpfloat (joint[1]->x->data[i], ==, 0.0f);
      g_assert_cmpfloat (joint[2]->x->data[i], ==, 0.0f);
    }
  if (g_test_verbose ())
    g_printerr ("largest difference to the grayscale solve: %.3g\n", worst);
  g_assert_cmpfloat (worst, <, 1e-4);
  for (int q = 0; q < 3; q++)
    ts_solution_free (joint[q]);
}

static void
test_gray_equivalence_ncpr (void)
{
  check_gray_equivalence (TS_PROX_NCPR);
}

static void
test_gray_equivalence_cpr (void)
{
  check_gray_equivalence (TS_PROX_CPR);
}

/* The float joint solve ends at a fixed point of the double joint step (ts-palm-joint.h):
 * one step from it moves the picture by about the tolerance only, and the chroma planes are
 * coded (not left at zero). */
static void
test_fixed_point (void)
{
  g_autoptr (TsModel) m = small_joint_model (TS_PROX_NCPR, 5);
  g_autofree float *planes = g_new (float, 3 * NPIX);
  noisy_planes (planes, FALSE, 20);
  TsSolveOptions o;
  ts_solve_options_init (&o);
  o.tol = 1e-6;
  TsSolution *sol[3];
  g_autoptr (GError) error = NULL;
  g_assert_true (solve_joint (m, planes, &o, NULL, NULL, NULL, sol, &error));

  g_autoptr (TsDerived) d = ts_derived_new (m, NAN, NAN, TS_FORWARD_BETA_FLOOR, NULL);
  int K = d->K, s = d->s, r = d->rank, kp = 2 * d->p - 1;
  g_autofree double *D = g_new (double, K * s), *U = g_new (double, s * r);
  g_autofree double *B = g_new0 (double, K * r), *kernel = g_new (double, kp * kp);
  g_autofree double *t = g_new (double, K);
  for (int i = 0; i < K * s; i++)
    D[i] = d->D[i];
  for (int i = 0; i < s * r; i++)
    U[i] = d->U[i];
  for (int k = 0; k < K; k++)
    for (int j = 0; j < r; j++)
      for (int a = 0; a < s; a++)
        B[k * r + j] += D[k * s + a] * U[a * r + j];
  for (int i = 0; i < kp * kp; i++)
    kernel[i] = d->kernel[i];
  for (int k = 0; k < K; k++)
    t[k] = d->threshold_scale[k];
  TsPalmParams P;
  memset (&P, 0, sizeof P);
  P.width = P.height = SIDE;
  P.K = K;
  P.s = s;
  P.p = d->p;
  P.rank = r;
  P.b = d->b;
  P.L = 1.01 * d->b * ts_derived_kernel_dft_max (d, SIDE, SIDE);
  P.lambda = m->lambda;
  P.prox_type = m->prox_type;
  P.groupsize = 1;
  P.order = m->order;
  P.D = D;
  P.U = U;
  P.B = B;
  P.kernel = kernel;
  P.t = t;
  P.eta = 1.0;
  gsize N3 = 3 * NPIX, KN3 = (gsize) K * N3;
  g_autofree double *y = g_new (double, N3), *x = g_new (double, N3), *c = g_new (double, KN3);
  g_autofree double *x1 = g_new (double, N3), *c1 = g_new (double, KN3);
  double chroma_code = 0.0;
  for (int q = 0; q < 3; q++)
    {
      for (int i = 0; i < NPIX; i++)
        {
          y[q * NPIX + i] = planes[q * NPIX + i];
          x[q * NPIX + i] = sol[q]->x->data[i];
        }
      for (gsize i = 0; i < (gsize) K * NPIX; i++)
        {
          c[q * (gsize) K * NPIX + i] = sol[q]->c[i];
          if (q > 0)
            chroma_code += fabs (sol[q]->c[i]);
        }
      ts_solution_free (sol[q]);
    }
  ts_palm_joint_step (&P, m->chroma_weight, y, x, c, x, x1, c1, NULL);
  double diff = 0.0, norm = 0.0;
  for (gsize i = 0; i < N3; i++)
    {
      diff += (x1[i] - x[i]) * (x1[i] - x[i]);
      norm += x[i] * x[i];
    }
  if (g_test_verbose ())
    g_printerr ("relative move of one double step: %.3g\n", sqrt (diff / norm));
  g_assert_cmpfloat (sqrt (diff / norm), <, 1e-4);
  g_assert_cmpfloat (chroma_code, >, 0.0);
}

/* The first occurrence of `needle` in the `len` bytes at `hay` (which hold NULs), or NULL. */
static char *
find_bytes (char *hay, gsize len, const char *needle)
{
  gsize n = strlen (needle);
  for (gsize i = 0; i + n <= len; i++)
    if (memcmp (hay + i, needle, n) == 0)
      return hay + i;
  return NULL;
}

typedef struct {
  int calls, stop_at;
  gboolean planes_ok;
} ProgressLog;

static gboolean
on_progress (int iteration, double change, const TsImage *const estimates[3], gpointer data)
{
  ProgressLog *log = data;
  log->calls++;
  for (int q = 0; q < 3; q++)
    log->planes_ok &= estimates[q] != NULL && estimates[q]->width == SIDE
                      && estimates[q]->channels == 1;
  g_assert_cmpint (iteration, ==, log->calls);
  g_assert_true (change >= 0.0);
  return log->stop_at == 0 || iteration < log->stop_at;
}

/* Progress every iteration with the three planes; FALSE from it, or the cancel flag, stops the
 * solve with TS_ERROR_CANCELLED; a model of the planes form is refused. */
static void
test_progress_cancel (void)
{
  g_autoptr (TsModel) m = small_joint_model (TS_PROX_NCPR, 7);
  g_autofree float *planes = g_new (float, 3 * NPIX);
  noisy_planes (planes, FALSE, 30);
  TsSolveOptions o;
  ts_solve_options_init (&o);
  o.tol = 0.0;
  o.max_iter = 6;
  TsSolution *sol[3];
  g_autoptr (GError) error = NULL;
  ProgressLog log = { 0, 0, TRUE };
  g_assert_true (solve_joint (m, planes, &o, on_progress, &log, NULL, sol, &error));
  g_assert_cmpint (log.calls, ==, 6);
  g_assert_true (log.planes_ok);
  for (int q = 0; q < 3; q++)
    ts_solution_free (sol[q]);
  log = (ProgressLog) { 0, 3, TRUE };
  g_assert_false (solve_joint (m, planes, &o, on_progress, &log, NULL, sol, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_CANCELLED);
  g_assert_null (sol[0]);
  g_clear_error (&error);
  gint cancel = 1;
  g_assert_false (solve_joint (m, planes, &o, NULL, NULL, &cancel, sol, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_CANCELLED);
  g_clear_error (&error);
  m->colour_form = TS_COLOUR_FORM_PLANES;
  g_autoptr (TsOperator) op = ts_operator_identity_new (SIDE, SIDE);
  g_autoptr (TsRegulariser) reg = ts_regulariser_new (m, op, NAN, NAN, &error);
  const float *data_planes[3] = { planes, planes + NPIX, planes + 2 * NPIX };
  g_assert_false (ts_solve_joint (op, reg, data_planes, &o, NULL, NULL, NULL, NULL, NULL, sol,
                                  &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
}

/* The form and weight survive a save and load; a grayscale model's header does not mention
 * them (older readers see the same file); an unknown form is refused naming the file. */
static void
test_model_file (void)
{
  g_autoptr (TsModel) m = small_joint_model (TS_PROX_NCPR, 9);
  m->chroma_weight = 0.3125;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = ts_test_tmp_path ("joint.tsm");
  g_assert_true (ts_model_save (m, path, &error));
  g_autoptr (TsModel) back = ts_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->colour_form, ==, TS_COLOUR_FORM_JOINT);
  g_assert_cmpfloat (back->chroma_weight, ==, 0.3125);

  m->colour_form = TS_COLOUR_FORM_PLANES;
  m->chroma_weight = 1.0;
  g_autofree char *gray_path = ts_test_tmp_path ("gray.tsm");
  g_assert_true (ts_model_save (m, gray_path, &error));
  g_autofree char *gray_bytes = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (gray_path, &gray_bytes, &len, NULL));
  g_assert_null (find_bytes (gray_bytes, len, "colour_form"));
  g_assert_null (find_bytes (gray_bytes, len, "chroma_weight"));
  g_autoptr (TsModel) gray = ts_model_load (gray_path, &error);
  g_assert_cmpint (gray->colour_form, ==, TS_COLOUR_FORM_PLANES);

  /* "joint" -> "swirl" (same length), checksum recomputed: only the form is wrong. */
  g_autofree char *bytes = NULL;
  g_assert_true (g_file_get_contents (path, &bytes, &len, NULL));
  char *at = find_bytes (bytes, len, "\"joint\"");
  g_assert_nonnull (at);
  memcpy (at, "\"swirl\"", 7);
  g_autoptr (GChecksum) sha = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sha, (const guchar *) bytes, len - 32);
  gsize digest_len = 32;
  g_checksum_get_digest (sha, (guint8 *) bytes + len - 32, &digest_len);
  g_autofree char *bad_path = ts_test_tmp_path ("swirl.tsm");
  ts_test_write_bytes (bad_path, bytes, len);
  g_autoptr (TsModel) bad = ts_model_load (bad_path, &error);
  g_assert_null (bad);
  g_assert_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, bad_path));
  g_assert_nonnull (strstr (error->message, "swirl"));
  g_assert_nonnull (strstr (error->message, "colour form"));
}

typedef struct {
  int iterations, channels_seen;
  int n_channels;
} RestoreLog;

static gboolean
on_restore (const TsRestoreProgress *progress, gpointer data)
{
  RestoreLog *log = data;
  log->n_channels = progress->n_channels;
  if (progress->event == TS_RESTORE_ITERATION)
    log->iterations++;
  if (progress->event == TS_RESTORE_CHANNEL)
    log->channels_seen++;
  return TRUE;
}

/* An RGB picture through ts_restore with a joint-form model: one joint solve (one channel
 * event, progress every iteration), a result better than the input, the decomposition adding
 * up; asked for tiles, a clear refusal. */
static void
test_restore (void)
{
  g_autoptr (TsModel) m = small_joint_model (TS_PROX_NCPR, 11);
  int side = 32;
  g_autoptr (TsImage) clean = ts_image_new (side, side, 3, NULL);
  for (int c = 0; c < 3; c++)
    {
      g_autofree float *pic = ts_test_picture (side, side, 0.0, 50 + c);
      for (int i = 0; i < side * side; i++)
        clean->data[i * 3 + c] = CLAMP (0.6f * pic[i] + 0.2f, 0.0f, 1.0f);
    }
  g_autoptr (TsImage) noisy = ts_image_copy (clean);
  ts_noise_add_gaussian (noisy, 25 / 255.0, 3);
  TsRestoreRequest req;
  ts_restore_request_init (&req);
  req.task = TS_TASK_DENOISE;
  req.image = noisy;
  req.model = m;
  req.sigma = 25;
  req.decompose = TRUE;
  RestoreLog log = { 0, 0, 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (TsRestoreResult) res = ts_restore (&req, on_restore, &log, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (log.n_channels, ==, 1);
  g_assert_cmpint (log.channels_seen, ==, 1);
  g_assert_cmpint (log.iterations, ==, res->stats.iterations);
  g_assert_cmpint (res->image->channels, ==, 3);
  double before = ts_psnr (noisy, clean, 0), after = ts_psnr (res->image, clean, 0);
  if (g_test_verbose ())
    g_printerr ("PSNR %.2f -> %.2f dB in %d iterations\n", before, after, res->stats.iterations);
  g_assert_cmpfloat (after, >, before);
  for (gsize i = 0; i < ts_image_n_values (res->image); i++)
    g_assert_cmpfloat (fabs (res->smooth->data[i] + res->sparse->data[i] - res->image->data[i]),
                       <, 1e-4);
  for (int i = 0; i < side * side; i++)
    g_assert_cmpfloat (res->cost->data[i], >=, 0.0f);

  ts_restore_request_init (&req);
  req.task = TS_TASK_DENOISE;
  req.image = noisy;
  req.model = m;
  req.sigma = 25;
  req.tiling.mode = TS_RESTORE_TILES_ALWAYS;
  g_autoptr (TsRestoreResult) tiled = ts_restore (&req, NULL, NULL, NULL, &error);
  g_assert_null (tiled);
  g_assert_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "tiles"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/colour-joint/gray-equivalence-ncpr", test_gray_equivalence_ncpr);
  g_test_add_func ("/colour-joint/gray-equivalence-cpr", test_gray_equivalence_cpr);
  g_test_add_func ("/colour-joint/fixed-point", test_fixed_point);
  g_test_add_func ("/colour-joint/progress-cancel", test_progress_cancel);
  g_test_add_func ("/colour-joint/model-file", test_model_file);
  g_test_add_func ("/colour-joint/restore", test_restore);
  return g_test_run ();
}
