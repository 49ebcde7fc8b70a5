/* Installed models by name and the model for a noise level (ts-model-catalog.c). */
#include "tessera.h"
#include "test-model-util.h"
#include "test-util.h"
#include <glib/gstdio.h>
#include <math.h>

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
  g_test_add_func ("/model-catalog/threshold-scaling", test_threshold_scaling_is_image_scaling);
  return g_test_run ();
}
