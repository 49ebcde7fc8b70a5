/* Installed models by name and the model for a noise level (ts-model-catalog.c). */
#include "tessera.h"
#include "test-model-util.h"
#include "test-util.h"
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

static char *
install_model (const char *dir, const char *name, TsProxType prox, double lambda)
{
  g_autoptr (TsModel) m = ts_test_random_model (prox, prox == TS_PROX_CPR ? 2 : 1, 3);
  m->lambda = lambda;
  g_autofree char *file = g_strconcat (name, ".tsm", NULL);
  char *path = g_build_filename (dir, file, NULL);
  g_assert_true (ts_model_save (m, path, NULL));
  return path;
}

static void
test_catalog_and_noise (void)
{
  g_autofree char *dir = ts_test_tmp_path ("models-catalog");
  g_mkdir_with_parents (dir, 0755);
  g_autofree char *a = install_model (dir, "ncpr-sigma7", TS_PROX_NCPR, 0.004);
  g_autofree char *b = install_model (dir, "ncpr-sigma70", TS_PROX_NCPR, 0.03);
  /* A model trained for an iteration budget: listed, chosen by name, never by "auto". */
  g_autofree char *fast = install_model (dir, "ncpr-sigma7.5-fast", TS_PROX_NCPR, 0.5);
  g_autofree char *junk = g_build_filename (dir, "notes-sigma3.tsm", NULL);
  ts_test_write_bytes (junk, "x", 1);   /* not a <prox>-sigma<S> name: ignored */
  g_setenv ("TESSERA_MODEL_PATH", dir, TRUE);

  g_autoptr (GPtrArray) catalog = ts_model_catalog ();
  gboolean found7 = FALSE, found70 = FALSE, found_fast = FALSE;
  for (guint i = 0; i < catalog->len; i++)
    {
      const TsModelEntry *e = catalog->pdata[i];
      g_assert_false (g_str_has_prefix (e->name, "notes"));
      if (g_strcmp0 (e->name, "ncpr-sigma7") == 0)
        found7 = e->sigma == 7.0 && e->prox_type == TS_PROX_NCPR && g_strcmp0 (e->path, a) == 0;
      if (g_strcmp0 (e->name, "ncpr-sigma70") == 0)
        found70 = e->sigma == 70.0 && !e->fast;
      if (g_strcmp0 (e->name, "ncpr-sigma7.5-fast") == 0)
        found_fast = e->sigma == 7.5 && e->fast;
    }
  g_assert_true (found7 && found70 && found_fast);

  g_autoptr (GError) error = NULL;
  /* Exactly a trained level: the model as it is. */
  g_autoptr (TsModel) m7 = ts_model_for_noise (TS_PROX_NCPR, 7.0, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (m7->lambda, 0.004, 1e-12);
  /* Near a trained level: its threshold scaled by sigma / S. */
  g_autoptr (TsModel) m75 = ts_model_for_noise (TS_PROX_NCPR, 7.5, &error);
  g_assert_cmpfloat_with_epsilon (m75->lambda, 0.004 * 7.5 / 7.0, 1e-12);
  g_assert_cmpfloat (m75->sigma, ==, 7.5);
  g_autoptr (TsModel) m65 = ts_model_for_noise (TS_PROX_NCPR, 65.0, &error);
  g_assert_cmpfloat_with_epsilon (m65->lambda, 0.03 * 65.0 / 70.0, 1e-12);
  /* "auto" is the same through the --model resolver. */
  g_autoptr (TsModel) viaauto = ts_model_resolve ("auto", 7.5, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (viaauto->lambda, ==, m75->lambda);
  /* An installed name. */
  g_autoptr (TsModel) byname = ts_model_resolve ("ncpr-sigma70", 25, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (byname->lambda, ==, (double) 0.03);
  /* Bad levels. */
  g_autoptr (TsModel) bad = ts_model_for_noise (TS_PROX_NCPR, 0.0, &error);
  g_assert_null (bad);
  g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);

  g_unsetenv ("TESSERA_MODEL_PATH");
  g_unlink (a);
  g_unlink (b);
  g_unlink (junk);
  g_rmdir (dir);
}

/* Chroma-plane models (`<prox>-chroma-sigma<S>`): listed as such, never the automatic model
 * of a gray picture or the luminance, the chroma planes' when trained at least as near the
 * level as the luminance's; ts_restore uses them for the opponent chroma planes of a colour
 * picture beside an automatic luminance model, and "luminance" turns that off. */
static void
test_chroma_models (void)
{
  g_autofree char *dir = ts_test_tmp_path ("models-chroma");
  g_mkdir_with_parents (dir, 0755);
  g_autofree char *lum7 = install_model (dir, "ncpr-sigma7", TS_PROX_NCPR, 0.004);
  g_autofree char *lum70 = install_model (dir, "ncpr-sigma70", TS_PROX_NCPR, 0.03);
  g_autofree char *chroma7 = install_model (dir, "ncpr-chroma-sigma7", TS_PROX_NCPR, 0.0021);
  g_setenv ("TESSERA_MODEL_PATH", dir, TRUE);
  g_autoptr (GError) error = NULL;

  g_autoptr (GPtrArray) catalog = ts_model_catalog ();
  gboolean listed = FALSE;
  for (guint i = 0; i < catalog->len; i++)
    {
      const TsModelEntry *e = catalog->pdata[i];
      if (g_strcmp0 (e->name, "ncpr-chroma-sigma7") == 0)
        listed = e->chroma && !e->fast && e->sigma == 7.0 && e->prox_type == TS_PROX_NCPR;
      else if (g_strcmp0 (e->name, "ncpr-sigma7") == 0)
        g_assert_false (e->chroma);
    }
  g_assert_true (listed);

  /* The luminance rule never picks it. */
  g_autoptr (TsModel) lum = ts_model_for_noise (TS_PROX_NCPR, 7.0, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (lum->lambda, ==, 0.004);
  /* The chroma rule: at its level (a tie with the luminance's: the chroma model), adapted
   * near it, and not where a luminance model was trained nearer. */
  g_autoptr (TsModel) c7 = ts_model_for_chroma_noise (TS_PROX_NCPR, 7.0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (c7);
  g_assert_cmpfloat (c7->lambda, ==, 0.0021);
  g_autoptr (TsModel) c8 = ts_model_for_chroma_noise (TS_PROX_NCPR, 8.0, &error);
  g_assert_nonnull (c8);
  g_assert_cmpfloat_with_epsilon (c8->lambda, 0.0021 * 8.0 / 7.0, 1e-12);
  g_autoptr (TsModel) c70 = ts_model_for_chroma_noise (TS_PROX_NCPR, 70.0, &error);
  g_assert_no_error (error);
  g_assert_null (c70);
  g_autoptr (TsModel) cpr = ts_model_for_chroma_noise (TS_PROX_CPR, 7.0, &error);
  g_assert_no_error (error);
  g_assert_null (cpr);

  /* Through the restore layer: an RGB picture at sigma 7. */
  int w = 24, h = 20;
  g_autoptr (TsImage) rgb = ts_image_new (w, h, 3, &error);
  g_assert_no_error (error);
  for (int c = 0; c < 3; c++)
    {
      g_autofree float *plane = ts_test_picture (w, h, 0.03, 11 + c);
      for (int i = 0; i < w * h; i++)
        rgb->data[i * 3 + c] = plane[i];
    }
  struct { const char *model, *chroma; double lambda; gboolean own; double chroma_lambda; } cases[] = {
    { "auto", NULL, NAN, TRUE, 0.0021 },          /* automatic: the chroma model */
    { "auto", "luminance", NAN, FALSE, NAN },     /* the luminance's, as before */
    { "ncpr-sigma7", NULL, NAN, FALSE, NAN },     /* a named luminance model: no automatic chroma */
    { "ncpr-sigma7", "ncpr-chroma-sigma7", NAN, TRUE, 0.0021 },  /* named */
    { "auto", NULL, 0.01, TRUE, 0.0021 },         /* a given threshold is the luminance's */
  };
  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      TsRestoreRequest request;
      ts_restore_request_init (&request);
      request.image = rgb;
      request.sigma = 7.0;
      request.model_spec = cases[k].model;
      request.chroma_model_spec = cases[k].chroma;
      request.lambda = cases[k].lambda;
      request.max_iter = 3;
      request.threads = 1;
      g_autoptr (TsRestoreResult) result = ts_restore (&request, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (result->chroma_own_model, ==, cases[k].own);
      g_assert_true ((result->chroma_model != NULL) == cases[k].own);
      double lum_lambda = isnan (cases[k].lambda) ? 0.004 : cases[k].lambda;
      g_assert_cmpfloat_with_epsilon (result->noise.plane_lambda[0], lum_lambda, 1e-9);
      double chroma_lambda = cases[k].own ? 0.0021 : lum_lambda;
      for (int p = 1; p < 3; p++)
        g_assert_cmpfloat_with_epsilon (result->noise.plane_lambda[p], chroma_lambda, 1e-9);
      /* The chroma planes' own model changes their solution, not the luminance's. */
      TsRestoreRequest same = request;
      same.chroma_model_spec = "luminance";
      g_autoptr (TsRestoreResult) base = ts_restore (&same, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (memcmp (result->image->data, base->image->data,
                               sizeof (float) * w * h * 3) == 0, ==, !cases[k].own);
    }
  /* A gray picture never takes it; an unknown chroma model fails naming it. */
  g_autoptr (TsImage) gray = ts_image_new (w, h, 1, &error);
  memcpy (gray->data, rgb->data, sizeof (float) * w * h);
  TsRestoreRequest request;
  ts_restore_request_init (&request);
  request.image = gray;
  request.sigma = 7.0;
  request.max_iter = 3;
  g_autoptr (TsRestoreResult) gray_result = ts_restore (&request, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (gray_result->chroma_model);
  request.image = rgb;
  request.chroma_model_spec = "ncpr-chroma-sigma99";
  g_autoptr (TsRestoreResult) missing = ts_restore (&request, NULL, NULL, NULL, &error);
  g_assert_null (missing);
  g_assert_error (error, TS_ERROR, TS_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "ncpr-chroma-sigma99"));

  g_unsetenv ("TESSERA_MODEL_PATH");
  g_unlink (lum7);
  g_unlink (lum70);
  g_unlink (chroma7);
  g_rmdir (dir);
}

/* Denoising an image scaled by a with thresholds scaled by a gives a times the result
 * (the exactness behind the any-noise-level rule), up to float rounding. */
static void
test_threshold_scaling_is_image_scaling (void)
{
  g_autoptr (TsModel) m = ts_test_random_model (TS_PROX_NCPR, 1, 5);
  int w = 40, h = 36;
  g_autofree float *y = ts_test_picture (w, h, 0.1, 9);
  double a = 1.7;
  g_autofree float *ya = g_new (float, w * h);
  for (int i = 0; i < w * h; i++)
    ya[i] = (float) (a * y[i]);
  g_autoptr (TsOperator) op = ts_operator_identity_new (w, h);
  TsSolveOptions o;
  ts_solve_options_init (&o);
  o.tol = 0;
  o.max_iter = 40;
  g_autoptr (TsSolution) s1 = ts_test_solve (m, op, y, &o, NULL, NULL, NULL, NULL, NULL, NULL);
  o.lambda = m->lambda * a;
  g_autoptr (TsSolution) s2 = ts_test_solve (m, op, ya, &o, NULL, NULL, NULL, NULL, NULL, NULL);
  double maxdiff = 0.0;
  for (int i = 0; i < w * h; i++)
    maxdiff = MAX (maxdiff, fabs (s2->x->data[i] - a * s1->x->data[i]));
  g_assert_cmpfloat (maxdiff, <, 1e-4);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/model-catalog/catalog-and-noise", test_catalog_and_noise);
  g_test_add_func ("/model-catalog/chroma-models", test_chroma_models);
  g_test_add_func ("/model-catalog/threshold-scaling", test_threshold_scaling_is_image_scaling);
  return g_test_run ();
}
