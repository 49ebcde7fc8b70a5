/* The model menu's entries. */
#include "ts-model-list.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "tessera.h"

TsModelListEntry *
ts_model_list_entry_new (const char *title, const char *subtitle, const char *spec)
{
  TsModelListEntry *entry = g_new0 (TsModelListEntry, 1);

  entry->title = g_strdup (title);
  entry->subtitle = g_strdup (subtitle);
  entry->spec = g_strdup (spec);
  return entry;
}

void
ts_model_list_entry_free (TsModelListEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->title);
  g_free (entry->subtitle);
  g_free (entry->spec);
  g_free (entry);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

static gboolean
has_spec (GPtrArray *list, const char *spec)
{
  for (guint i = 0; i < list->len; i++)
    if (g_strcmp0 (((TsModelListEntry *) list->pdata[i])->spec, spec) == 0)
      return TRUE;
  return FALSE;
}

/* By noise level, then the models run to convergence before the fast ones, then kind: NCPR
 * (the automatic choice's family) before CPR. */
static int
compare_catalog (gconstpointer a, gconstpointer b)
{
  const TsModelEntry *ea = *(TsModelEntry **) a, *eb = *(TsModelEntry **) b;
  int kind_a = ea->prox_type == TS_PROX_NCPR ? 0 : 1;
  int kind_b = eb->prox_type == TS_PROX_NCPR ? 0 : 1;

  if (ea->sigma != eb->sigma)
    return ea->sigma < eb->sigma ? -1 : 1;
  if (ea->fast != eb->fast)
    return ea->fast ? 1 : -1;
  return kind_a - kind_b;
}

static char *
learned_title (const TsModelEntry *entry)
{
  g_autofree char *level = g_strdup_printf ("%g", entry->sigma);

  if (entry->fast)
    /* Translators: %s is the noise level (0-255); a model trained to finish in a few
     * iterations, several times faster and a little less exact. */
    return g_strdup_printf (_("Fast, noise level %s (fewer iterations)"), level);
  if (entry->prox_type == TS_PROX_NCPR)
    /* Translators: %s is the noise level (0-255) the model was trained for. */
    return g_strdup_printf (_("Learned, noise level %s (NCPR)"), level);
  /* Translators: %s is the noise level (0-255) the model was trained for. */
  return g_strdup_printf (_("Learned, noise level %s (CPR)"), level);
}

TsModelListEntry *
ts_model_list_user_entry_new (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *stem = g_str_has_suffix (base, ".tsm") ? g_strndup (base, strlen (base) - 4)
                                                          : g_strdup (base);
  /* Translators: %s is the name of a model file the user saved (a tuned model, say). */
  g_autofree char *title = g_strdup_printf (_("Your model: %s"), stem);

  return ts_model_list_entry_new (title, path, path);
}

char *
ts_model_list_describe (const TsModelListEntry *entry, const TsModel *model, double level,
                        const TsModel *chroma_model)
{
  g_return_val_if_fail (entry != NULL, NULL);
  if (model == NULL || !ts_restore_model_uses_sigma (entry->spec) || !isfinite (level))
    return g_strdup (entry->title);
  /* Translators: the model row when the model is chosen by the noise level: the entry's title
   * ("Automatic (nearest trained model)"), the model it picks ("ncpr-sigma25") and the noise
   * level (0-255) the picture's brightness is solved at, strength included. */
  g_autofree char *text = g_strdup_printf (_("%s: %s at noise level %.1f"), entry->title,
                                           model->name, level);
  if (chroma_model == NULL)
    return g_steal_pointer (&text);
  /* Translators: appended to the model row for a colour picture whose colour (chroma) planes
   * have a model of their own; %s is its name ("ncpr-chroma-sigma25"). */
  g_autofree char *colour = g_strdup_printf (_("colour: %s"), chroma_model->name);
  return g_strdup_printf ("%s; %s", text, colour);
}

/* The user's folder, sorted by name (a GDir is in no order). */
static void
add_user_models (GPtrArray *list)
{
  g_autofree char *folder = ts_model_user_dir ();
  g_autoptr (GDir) dir = g_dir_open (folder, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".tsm"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (folder, names->pdata[i], NULL);
      if (!has_spec (list, path))
        g_ptr_array_add (list, ts_model_list_user_entry_new (path));
    }
}

GPtrArray *
ts_model_list_new (void)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) ts_model_list_entry_free);
  g_autoptr (GPtrArray) catalog = ts_model_catalog ();
  g_autoptr (GPtrArray) dirs = ts_model_search_dirs ();
  g_autoptr (GHashTable) chroma_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                               NULL);

  g_ptr_array_add (list, ts_model_list_entry_new (_("Automatic (nearest trained model)"),
                                                  _("The learned model nearest the noise level"),
                                                  "auto"));
  g_ptr_array_add (list, ts_model_list_entry_new (_("Built-in DCT"),
                                                  _("Analytic, no training (dct)"), "dct"));

  g_ptr_array_sort (catalog, compare_catalog);
  for (guint i = 0; i < catalog->len; i++)
    {
      const TsModelEntry *entry = catalog->pdata[i];
      /* Chroma-plane models go with "Automatic" on colour pictures; never a picture's model. */
      if (entry->chroma)
        {
          g_hash_table_add (chroma_names, g_strdup (entry->name));
          continue;
        }
      g_autofree char *title = learned_title (entry);
      g_ptr_array_add (list, ts_model_list_entry_new (title, entry->name, entry->name));
    }

  /* Installed files outside the `<prox>-sigma<S>` naming: listed by name after the rest. */
  for (guint i = 0; i < dirs->len; i++)
    {
      g_autoptr (GDir) dir = g_dir_open (dirs->pdata[i], 0, NULL);
      const char *name;
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *stem = NULL;
          g_autofree char *title = NULL;
          if (!g_str_has_suffix (name, ".tsm"))
            continue;
          stem = g_strndup (name, strlen (name) - 4);
          if (has_spec (list, stem) || g_hash_table_contains (chroma_names, stem))
            continue;
          title = g_strdup_printf (_("Installed: %s"), stem);
          g_ptr_array_add (list, ts_model_list_entry_new (title, stem, stem));
        }
    }
  add_user_models (list);
  return list;
}
