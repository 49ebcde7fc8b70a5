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

char *
ts_model_user_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "tessera", "models", NULL);
}

static void
entry_free (TsModelEntry *e)
{
  g_free (e->name);
  g_free (e->path);
  g_free (e);
}

/* "<prox>-sigma<S>", "<prox>-sigma<S>-fast" or "<prox>-chroma-sigma<S>" -> prox, S, fast,
 * chroma. */
static gboolean
parse_name (const char *name, TsProxType *prox, double *sigma, gboolean *fast, gboolean *chroma)
{
  const char *rest;
  if (g_str_has_prefix (name, "ncpr-"))
    {
      *prox = TS_PROX_NCPR;
      rest = name + strlen ("ncpr-");
    }
  else if (g_str_has_prefix (name, "cpr-"))
    {
      *prox = TS_PROX_CPR;
      rest = name + strlen ("cpr-");
    }
  else
    return FALSE;
  *chroma = g_str_has_prefix (rest, "chroma-");
  if (*chroma)
    rest += strlen ("chroma-");
  if (!g_str_has_prefix (rest, "sigma"))
    return FALSE;
  rest += strlen ("sigma");
  char *end = NULL;
  *sigma = g_ascii_strtod (rest, &end);
  *fast = end != rest && strcmp (end, "-fast") == 0 && !*chroma;
  return end != rest && (*end == '\0' || *fast) && *sigma > 0.0 && *sigma <= 255.0;
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
          gboolean fast, chroma;
          if (!parse_name (name, &prox, &sigma, &fast, &chroma)
              || g_hash_table_contains (seen, name))
            continue;
          TsModelEntry *e = g_new0 (TsModelEntry, 1);
          e->name = g_strdup (name);
          e->path = g_build_filename (dirs->pdata[i], file, NULL);
          e->prox_type = prox;
          e->sigma = sigma;
          e->fast = fast;
          e->chroma = chroma;
          g_hash_table_add (seen, g_steal_pointer (&name));
          g_ptr_array_add (entries, e);
        }
    }
  g_ptr_array_sort (entries, compare_entries);
  return entries;
}

/* The installed model of the family and role (chroma or not; never a fast one) whose sigma
 * is nearest `sigma` on a log scale, NULL for none. */
static const TsModelEntry *
nearest_entry (const GPtrArray *catalog, TsProxType prox_type, gboolean chroma, double sigma)
{
  const TsModelEntry *best = NULL;
  for (guint i = 0; i < catalog->len; i++)
    {
      const TsModelEntry *e = catalog->pdata[i];
      if (e->prox_type != prox_type || e->fast || e->chroma != chroma)
        continue;
      if (best == NULL || fabs (log (e->sigma / sigma)) < fabs (log (best->sigma / sigma)))
        best = e;
    }
  return best;
}

static gboolean
check_level (double sigma, GError **error)
{
  if (sigma > 0.0 && sigma <= 255.0)
    return TRUE;
  g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
               "the noise level must be in (0, 255] to pick a model (got %g)", sigma);
  return FALSE;
}

/* `entry`'s model with its threshold adapted from the entry's level to `sigma`. */
static TsModel *
load_for_level (const TsModelEntry *best, double sigma, GError **error)
{
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

TsModel *
ts_model_for_noise (TsProxType prox_type, double sigma, GError **error)
{
  if (!check_level (sigma, error))
    return NULL;
  g_autoptr (GPtrArray) catalog = ts_model_catalog ();
  const TsModelEntry *best = nearest_entry (catalog, prox_type, FALSE, sigma);
  return best != NULL ? load_for_level (best, sigma, error) : ts_model_new_dct (sigma);
}

TsModel *
ts_model_for_chroma_noise (TsProxType prox_type, double sigma, GError **error)
{
  if (!check_level (sigma, error))
    return NULL;
  g_autoptr (GPtrArray) catalog = ts_model_catalog ();
  const TsModelEntry *best = nearest_entry (catalog, prox_type, TRUE, sigma);
  const TsModelEntry *luminance = nearest_entry (catalog, prox_type, FALSE, sigma);
  /* A luminance model trained nearer the level beats a chroma model adapted from afar. */
  if (best == NULL || (luminance != NULL && fabs (log (luminance->sigma / sigma))
                                            < fabs (log (best->sigma / sigma))))
    return NULL;
  return load_for_level (best, sigma, error);
}

/* "dct" or "dct-sigma<S>": the built-in analytic model. Returns FALSE if `name` is not of
 * that form; otherwise sets *sigma_out (NAN for a bare "dct"). */
static gboolean
parse_dct_name (const char *name, double *sigma_out)
{
  if (strcmp (name, "dct") == 0)
    {
      *sigma_out = NAN;
      return TRUE;
    }
  if (!g_str_has_prefix (name, "dct-sigma"))
    return FALSE;
  const char *num = name + strlen ("dct-sigma");
  char *end = NULL;
  double value = g_ascii_strtod (num, &end);
  if (end == num || *end != '\0')
    return FALSE;
  *sigma_out = value;
  return TRUE;
}

TsModel *
ts_model_resolve (const char *name_or_path, double sigma, GError **error)
{
  g_return_val_if_fail (name_or_path != NULL, NULL);
  const char *arg = name_or_path;

  if (g_file_test (arg, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *config = g_build_filename (arg, "config.json", NULL);
      if (!g_file_test (config, G_FILE_TEST_IS_REGULAR))
        {
          g_set_error (error, TS_ERROR, TS_ERROR_IO,
                       "%s: a folder but not a reference model (no config.json)", arg);
          return NULL;
        }
      return ts_model_import_reference (arg, error);
    }
  if (g_file_test (arg, G_FILE_TEST_EXISTS))
    return ts_model_load (arg, error);

  double dct_sigma;
  if (parse_dct_name (arg, &dct_sigma))
    {
      if (isnan (dct_sigma))
        dct_sigma = sigma;
      if (!(dct_sigma > 0.0 && dct_sigma <= 255.0))
        {
          g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                       "model '%s' needs a noise level in (0, 255] (give --sigma or use "
                       "dct-sigma<S>)", arg);
          return NULL;
        }
      return ts_model_new_dct (dct_sigma);
    }

  /* "auto" / "auto-cpr": the installed model nearest to the noise level, adapted to it. */
  if (strcmp (arg, "auto") == 0 || strcmp (arg, "auto-cpr") == 0)
    return ts_model_for_noise (strcmp (arg, "auto") == 0 ? TS_PROX_NCPR : TS_PROX_CPR, sigma,
                               error);

  /* Something with a directory part is a path, not a name: do not search for it. */
  if (strchr (arg, G_DIR_SEPARATOR) != NULL || strchr (arg, '/') != NULL || arg[0] == '\0')
    {
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: no such model file or folder", arg);
      return NULL;
    }

  g_autofree char *file = g_str_has_suffix (arg, ".tsm") ? g_strdup (arg)
                                                         : g_strconcat (arg, ".tsm", NULL);
  g_autoptr (GPtrArray) dirs = ts_model_search_dirs ();

  for (guint i = 0; i < dirs->len; i++)
    {
      g_autofree char *candidate = g_build_filename (dirs->pdata[i], file, NULL);
      if (g_file_test (candidate, G_FILE_TEST_EXISTS))
        return ts_model_load (candidate, error);
    }

  g_autoptr (GString) looked = g_string_new (NULL);
  for (guint i = 0; i < dirs->len; i++)
    g_string_append_printf (looked, "%s%s", i ? ", " : "", (const char *) dirs->pdata[i]);
  g_set_error (error, TS_ERROR, TS_ERROR_IO,
               "no model named %s (looked for %s in %s; a model can also be a .tsm file, a "
               "reference folder, or dct)", arg, file, looked->str);
  return NULL;
}
