/* Issue 25: the model menu's entries (src/gui/ts-model-list.c) in words, in order: automatic,
 * the built-in DCT, then the installed learned models by noise level, the fast ones after
 * those run to convergence, then kind, each with
 * its technical name as the subtitle. TESSERA_MODEL_PATH is the source tree's data/models. */
#include <locale.h>

#include "ts-model-list.h"

static void
test_order_and_labels (void)
{
  static const struct { const char *title, *subtitle, *spec; } expected[] = {
    { "Automatic (nearest trained model)", NULL, "auto" },
    { "Built-in DCT", NULL, "dct" },
    { "Learned, noise level 5 (NCPR)", "ncpr-sigma5", "ncpr-sigma5" },
    { "Learned, noise level 5 (CPR)", "cpr-sigma5", "cpr-sigma5" },
    { "Learned, noise level 15 (NCPR)", "ncpr-sigma15", "ncpr-sigma15" },
    { "Learned, noise level 25 (NCPR)", "ncpr-sigma25", "ncpr-sigma25" },
    { "Learned, noise level 25 (CPR)", "cpr-sigma25", "cpr-sigma25" },
    { "Fast, noise level 25 (fewer iterations)", "ncpr-sigma25-fast", "ncpr-sigma25-fast" },
    { "Learned, noise level 50 (NCPR)", "ncpr-sigma50", "ncpr-sigma50" },
  };
  g_autoptr (GPtrArray) list = ts_model_list_new ();

  g_assert_cmpuint (list->len, >=, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      const TsModelListEntry *entry = list->pdata[i];
      g_assert_cmpstr (entry->title, ==, expected[i].title);
      g_assert_cmpstr (entry->spec, ==, expected[i].spec);
      g_assert_nonnull (entry->subtitle);
      if (expected[i].subtitle != NULL)
        g_assert_cmpstr (entry->subtitle, ==, expected[i].subtitle);
    }
  /* Every spec once. */
  for (guint i = 0; i < list->len; i++)
    for (guint j = i + 1; j < list->len; j++)
      g_assert_cmpstr (((TsModelListEntry *) list->pdata[i])->spec, !=,
                       ((TsModelListEntry *) list->pdata[j])->spec);
}

/* Issue 20: the model row names the model a spec chosen by the level picks, at the level it
 * picks it at; any other spec's row is its title alone, and so is one whose model is not
 * known. */
static void
test_describe (void)
{
  g_autoptr (GPtrArray) list = ts_model_list_new ();
  const TsModelListEntry *automatic = list->pdata[0], *dct = list->pdata[1];
  const TsModelListEntry *named = list->pdata[2];
  g_autoptr (GError) error = NULL;
  g_autoptr (TsModel) model = ts_restore_resolve_model ("auto", 29.8, NULL, &error);
  g_autoptr (TsModel) dct_model = ts_model_new_dct (47.86);
  g_autofree char *text = NULL, *dct_text = NULL, *named_text = NULL, *unknown = NULL;

  g_assert_no_error (error);
  text = ts_model_list_describe (automatic, model, 29.8, NULL);
  g_assert_cmpstr (text, ==, "Automatic (nearest trained model): ncpr-sigma25 at noise level 29.8");
  dct_text = ts_model_list_describe (dct, dct_model, 47.86, NULL);
  g_assert_cmpstr (dct_text, ==, "Built-in DCT: dct-sigma47.86 at noise level 47.9");
  named_text = ts_model_list_describe (named, model, 29.8, NULL);
  g_assert_cmpstr (named_text, ==, named->title);
  unknown = ts_model_list_describe (automatic, NULL, 29.8, NULL);
  g_assert_cmpstr (unknown, ==, automatic->title);
  /* A colour picture whose chroma planes have their own model says so. */
  g_autoptr (TsModel) chroma = ts_model_copy (model);
  g_free (chroma->name);
  chroma->name = g_strdup ("ncpr-chroma-sigma25");
  g_autofree char *colour_text = ts_model_list_describe (automatic, model, 29.8, chroma);
  g_assert_cmpstr (colour_text, ==, "Automatic (nearest trained model): ncpr-sigma25 at noise "
                                    "level 29.8; colour: ncpr-chroma-sigma25");
}

int
main (int argc, char **argv)
{
  /* The untranslated labels. */
  g_setenv ("LANGUAGE", "C", TRUE);
  setlocale (LC_ALL, "C");
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/model-list/order-and-labels", test_order_and_labels);
  g_test_add_func ("/model-list/describe", test_describe);
  return g_test_run ();
}
