/* Installed models and the model for a noise level (see ts-model-catalog.h). */
#include "ts-model-catalog.h"
#include "ts-error.h"
#include "ts-model-file.h"
#include <math.h>
#include <string.h>

#ifndef TESSERA_DATADIR
#define TESSERA_DATADIR "/usr/local/share/tessera"
#endif

GPtrArray *
ts_model_search_dirs (void)
{
  GPtrArray *dirs = g_ptr_array_new_with_free_func (g_free);
  const char *env = g_getenv ("TESSERA_MODEL_PATH");
  if (env != NULL)
    {
      g_auto (GStrv) parts = g_strsplit (env, G_SEARCHPATH_SEPARATOR_S, -1);
      for (char **part = parts; *part != NULL; part++)
        if (**part != '\0')   /* "a::b" and a trailing ':' add nothing */
          g_ptr_array_add (dirs, g_strdup (*part));
    }
  g_ptr_array_add (dirs, g_build_filename (TESSERA_DATADIR, "models", NULL));
#ifdef TESSERA_SOURCE_MODELDIR
  g_ptr_array_add (dirs, g_strdup (TESSERA_SOURCE_MODELDIR));
#endif
  return dirs;
}

static void
entry_free (TsModelEntry *e)
{
  g_free (e->name);
  g_free (e->path);
  g_free (e);
}

/* "<prox>-sigma<S>" -> prox, S. */
static gboolean
parse_name (const char *name, TsProxType *prox, double *sigma)
{
  const char *rest;
  if (g_str_has_prefix (name, "ncpr-sigma"))
    {
      *prox = TS_PROX_NCPR;
      rest = name + strlen ("ncpr-sigma");
    }
  else if (g_str_has_prefix (name, "cpr-sigma"))
    {
      *prox = TS_PROX_CPR;
      rest = name + strlen ("cpr-sigma");
    }
  else
    return FALSE;
  char *end = NULL;
  *sigma = g_ascii_strtod (rest, &end);
  return end != rest && *end == '\0' && *sigma > 0.0 && *sigma <= 255.0;
}

static int
compare_entries (gconstpointer a, gconstpointer b)
{
  const TsModelEntry *x = *(TsModelEntry *const *) a, *y = *(TsModelEntry *const *) b;
  if (x->prox_type != y->prox_type)
    return x->prox_type < y->prox_type ? -1 : 1;
  return x->sigma < y->sigma ? -1 : x->sigma > y->sigma;
}

GPtrArray *
ts_model_catalog (void)
{
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GPtrArray) dirs = ts_model_search_dirs ();
  for (guint i = 0; i < dirs->len; i++)
    {
      g_autoptr (GDir) dir = g_dir_open (dirs->pdata[i], 0, NULL);
      if (dir == NULL)
        continue;
      const char *file;
      while ((file = g_dir_read_name (dir)) != NULL)
        {
          if (!g_str_has_suffix (file, ".tsm"))
            continue;
          g_autofree char *name = g_strndup (file, strlen (file) - 4);
          TsProxType prox;
          double sigma;
          if (!parse_name (name, &prox, &sigma) || g_hash_table_contains (seen, name))
            continue;
          TsModelEntry *e = g_new0 (TsModelEntry, 1);
          e->name = g_strdup (name);
          e->path = g_build_filename (dirs->pdata[i], file, NULL);
          e->prox_type = prox;
          e->sigma = sigma;
          g_hash_table_add (seen, g_steal_pointer (&name));
          g_ptr_array_add (entries, e);
        }
    }
  g_ptr_array_sort (entries, compare_entries);
  return entries;
}

TsModel *
ts_model_for_noise (TsProxType prox_type, double sigma, GError **error)
{
  if (!(sigma > 0.0 && sigma <= 255.0))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "the noise level must be in (0, 255] to pick a model (got %g)", sigma);
      return NULL;
    }
  g_autoptr (GPtrArray) catalog = ts_model_catalog ();
  const TsModelEntry *best = NULL;
  for (guint i = 0; i < catalog->len; i++)
    {
      const TsModelEntry *e = catalog->pdata[i];
      if (e->prox_type != prox_type)
        continue;
      if (best == NULL || fabs (log (e->sigma / sigma)) < fabs (log (best->sigma / sigma)))
        best = e;
    }
  if (best == NULL)
    return ts_model_new_dct (sigma);
  g_autoptr (GError) local = NULL;
  TsModel *model = ts_model_load (best->path, &local);
  if (model == NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local), "installed model %s: ",
                                  best->name);
      return NULL;
    }
  if (sigma != best->sigma)
    {
      model->lambda *= sigma / best->sigma;
      model->sigma = sigma;
      g_autofree char *provenance = model->provenance;
      model->provenance = g_strdup_printf ("%s; adapted from sigma %g to %g (threshold x %.4g)",
                                           provenance, best->sigma, sigma, sigma / best->sigma);
    }
  return model;
}
