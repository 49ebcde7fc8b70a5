/* The Tessera model file (.tsm) and the importer from the reference layout.
 *
 * Layout (docs/model-format.md is the normative description):
 *
 *   0   8 bytes   magic "TESSMODL"
 *   8   uint32 LE format version (TS_MODEL_FILE_VERSION)
 *   12  uint32 LE header length H (bytes of JSON, including padding)
 *   16  uint64 LE data length N (bytes of the parameter data section)
 *   24  H bytes   UTF-8 JSON header, padded with white space
 *   24 + H        N bytes of parameter data (little-endian float32 arrays)
 *   24 + H + N    32 bytes: SHA-256 of all preceding bytes
 *
 * The container itself (lengths, checksum, atomic write, the array table) is
 * ts-container.c, shared with the training checkpoint; this file gives the header its
 * meaning. */
#include "ts-model-file.h"
#include "ts-container.h"
#include "ts-npy.h"
#include <math.h>
#include <string.h>
#include <json-glib/json-glib.h>


/* Per-dimension bounds for the sizes in a header or a reference folder; the precise
 * ranges are ts_model_validate's business, these only keep the arithmetic small. The
 * largest model ts_model_validate accepts (4096 atoms of 31 x 31, 959 free atoms) needs
 * about 19 MB, well inside the container's 256 MB data limit. */
#define TSM_MAX_ATOMS 65536
#define TSM_MAX_ATOM_SIZE 255

static const TsContainerFormat tsm_format = {
  .magic = "TESSMODL",
  .version = TS_MODEL_FILE_VERSION,
  .kind = "model",
  .description = "Tessera model file",
  .data_name = "parameters",
  .data_section = "the parameter data",
  .allow_f8 = FALSE,
};

/* ---------------------------------------------------------------------------------------
 * Saving */

/* "presets": { "<name>": { "beta": B, "lambda": L[, "tol": T][, "max_iter": N][, "note": S] }, ... }
 * (only when the model has presets: an older reader sees no new member). */
static void
append_presets (GString *out, const TsModel *model)
{
  if (model->presets->len == 0)
    return;
  ts_json_append_member (out, "presets");
  g_string_append (out, "{\n");
  for (guint i = 0; i < model->presets->len; i++)
    {
      const TsPreset *p = g_ptr_array_index (model->presets, i);
      g_string_append (out, "  ");
      ts_json_append_member (out, p->name);
      g_string_append (out, "{\"beta\": ");
      ts_json_append_double (out, p->beta);
      g_string_append (out, ", \"lambda\": ");
      ts_json_append_double (out, p->lambda);
      if (!isnan (p->tol))
        {
          g_string_append (out, ", \"tol\": ");
          ts_json_append_double (out, p->tol);
        }
      if (p->max_iter > 0)
        g_string_append_printf (out, ", \"max_iter\": %d", p->max_iter);
      if (p->note != NULL && p->note[0] != '\0')
        {
          g_string_append (out, ", \"note\": ");
          ts_json_append_string (out, p->note);
        }
      g_string_append (out, i + 1 < model->presets->len ? "},\n" : "}\n");
    }
  g_string_append (out, "  },\n");
}

static char *
build_header_json (const TsModel *model, const TsContainerArray *arrays, int n_arrays)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *created = g_date_time_format_iso8601 (now);
  const struct {
    const char *name;
    double value;
  } numbers[] = {
    { "order", model->order }, { "lambda", model->lambda }, { "sigma", model->sigma },
    { "tol", model->tol }, { "beta", model->beta },
  };

  GString *out = g_string_new ("{\n");
  ts_json_append_member (out, "name");
  ts_json_append_string (out, model->name);
  g_string_append (out, ",\n");
  ts_json_append_member (out, "prox");
  ts_json_append_string (out, ts_prox_type_name (model->prox_type));
  g_string_append (out, ",\n");
  ts_json_append_member (out, "groupsize");
  g_string_append_printf (out, "%d,\n", model->groupsize);
  for (gsize i = 0; i < G_N_ELEMENTS (numbers); i++)
    {
      ts_json_append_member (out, numbers[i].name);
      ts_json_append_double (out, numbers[i].value);
      g_string_append (out, ",\n");
    }
  g_string_append_printf (out, "  \"n_atoms\": %d,\n  \"n_free\": %d,\n  \"atom_size\": %d,\n",
                          model->n_atoms, model->n_free, model->atom_size);
  /* Only models trained for a budget carry it: older readers see no new member. */
  if (model->iterations > 0)
    g_string_append_printf (out, "  \"iterations\": %d,\n", model->iterations);
  if (model->exact_image_step)
    g_string_append (out, "  \"image_step\": \"exact\",\n");
  if (model->step_scale != 1.0)
    {
      ts_json_append_member (out, "step_scale");
      ts_json_append_double (out, model->step_scale);
      g_string_append (out, ",\n");
    }
  /* Only joint-form models carry their form: a grayscale model's header is as before. */
  if (model->colour_form != TS_COLOUR_FORM_PLANES)
    {
      ts_json_append_member (out, "colour_form");
      ts_json_append_string (out, ts_colour_form_name (model->colour_form));
      g_string_append (out, ",\n");
      ts_json_append_member (out, "chroma_weight");
      ts_json_append_double (out, model->chroma_weight);
      g_string_append (out, ",\n");
    }
  append_presets (out, model);
  ts_json_append_member (out, "provenance");
  ts_json_append_string (out, model->provenance);
  g_string_append (out, ",\n");
  ts_json_append_member (out, "created");
  ts_json_append_string (out, created);
  g_string_append (out, ",\n");
  ts_container_append_arrays (out, arrays, n_arrays);
  g_string_append (out, "}");
  return g_string_free (out, FALSE);
}

gboolean
ts_model_save (const TsModel *model, const char *path, GError **error)
{
  g_return_val_if_fail (model != NULL && path != NULL, FALSE);
  /* Never write a file that loading would refuse. JSON cannot hold NaN or Inf, and
   * ts_model_validate does not look at every scalar (the order of a CPR model, tol). */
  if (!ts_model_validate (model, path, error))
    return FALSE;
  if (!isfinite (model->order) || !isfinite (model->tol) || !isfinite (model->sigma))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "%s: cannot save a model with a non-finite order, tolerance or noise level",
                   path);
      return FALSE;
    }

  gint64 K = model->n_atoms, M = model->n_free, p = model->atom_size;
  TsContainerArray arrays[3] = {
    { "atoms", FALSE, model->atoms, { K, p, p }, 3, 0, 0 },
    { "free_atoms", FALSE, model->free_atoms, { M, p, p }, 3, 0, 0 },
    { "lambda_scaling", FALSE, model->lambda_scaling, { K }, 1, 0, 0 },
  };
  guint64 data_len = ts_container_layout (arrays, 3);
  g_autofree char *json = build_header_json (model, arrays, 3);
  return ts_container_write (&tsm_format, path, json, arrays, 3, data_len, error);
}

/* ---------------------------------------------------------------------------------------
 * Loading */

/* The optional "presets" object. Entries whose names this version does not accept are
 * skipped (a later version may name presets differently); an entry's unknown members are
 * ignored; its known ones must have the right types. */
static gboolean
read_presets (JsonObject *header, const char *what, TsModel *model, GError **error)
{
  JsonNode *node = ts_json_member (header, "presets");
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: field 'presets' is not an object", what);
      return FALSE;
    }
  JsonObject *presets = json_node_get_object (node);
  g_autoptr (GList) names = json_object_get_members (presets);
  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *name = l->data;
      g_autofree char *section = NULL;
      double beta, lambda, tol;
      gint64 max_iter;
      gboolean ok = TRUE;

      if (!ts_preset_name_is_valid (name))
        continue;
      section = g_strconcat ("presets.", name, NULL);
      JsonNode *entry = json_object_get_member (presets, name);
      if (!JSON_NODE_HOLDS_OBJECT (entry))
        {
          g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: field '%s' is not an object", what,
                       section);
          return FALSE;
        }
      JsonObject *p = json_node_get_object (entry);
      if (!ts_json_get_double (p, what, section, "beta", TRUE, 0, &beta, error)
          || !ts_json_get_double (p, what, section, "lambda", TRUE, 0, &lambda, error)
          || !ts_json_get_double (p, what, section, "tol", FALSE, NAN, &tol, error)
          || !ts_json_get_int (p, what, section, "max_iter", FALSE, 0, 0, 1000000, &max_iter,
                               error))
        return FALSE;
      const char *note = ts_json_get_string (p, what, section, "note", FALSE, &ok, error);
      if (!ok)
        return FALSE;
      if (!ts_model_set_preset (model, name, beta, lambda, tol, (int) max_iter, note, error))
        {
          g_prefix_error (error, "%s: ", what);
          return FALSE;
        }
    }
  return TRUE;
}

static TsModel *
model_from_header (TsContainer *c, GError **error)
{
  const char *path = c->path, *what = c->what;
  JsonObject *header = c->header;
  gboolean ok = TRUE;
  gint64 n_atoms, n_free, atom_size, groupsize, iterations;
  double order, lambda, sigma, tol, beta, step_scale, chroma_weight;

  const char *prox = ts_json_get_string (header, what, NULL, "prox", TRUE, &ok, error);
  if (!ok)
    return NULL;
  TsProxType prox_type;
  if (strcmp (prox, "cpr") == 0)
    prox_type = TS_PROX_CPR;
  else if (strcmp (prox, "ncpr") == 0)
    prox_type = TS_PROX_NCPR;
  else
    {
      g_autofree char *shown = ts_json_shown_string (prox);
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: unknown prox type '%s' (expected cpr or ncpr)", path, shown);
      return NULL;
    }
  if (!ts_json_get_int (header, what, NULL, "n_atoms", TRUE, 0, 1, TSM_MAX_ATOMS, &n_atoms, error)
      || !ts_json_get_int (header, what, NULL, "n_free", TRUE, 0, 0, TSM_MAX_ATOMS, &n_free, error)
      || !ts_json_get_int (header, what, NULL, "atom_size", TRUE, 0, 1, TSM_MAX_ATOM_SIZE,
                           &atom_size, error)
      || !ts_json_get_int (header, what, NULL, "groupsize", TRUE, 0, 1, 64, &groupsize, error)
      || !ts_json_get_double (header, what, NULL, "order", TRUE, 0, &order, error)
      || !ts_json_get_double (header, what, NULL, "lambda", TRUE, 0, &lambda, error)
      || !ts_json_get_double (header, what, NULL, "sigma", TRUE, 0, &sigma, error)
      || !ts_json_get_double (header, what, NULL, "tol", TRUE, 0, &tol, error)
      || !ts_json_get_double (header, what, NULL, "beta", TRUE, 0, &beta, error)
      || !ts_json_get_int (header, what, NULL, "iterations", FALSE, 0, 0, 100000, &iterations,
                           error)
      || !ts_json_get_double (header, what, NULL, "step_scale", FALSE, 1.0, &step_scale, error)
      || !ts_json_get_double (header, what, NULL, "chroma_weight", FALSE, 1.0, &chroma_weight,
                              error))
    return NULL;
  const char *name = ts_json_get_string (header, what, NULL, "name", TRUE, &ok, error);
  if (!ok)
    return NULL;
  const char *provenance = ts_json_get_string (header, what, NULL, "provenance", FALSE, &ok,
                                               error);
  if (!ok)
    return NULL;
  const char *image_step = ts_json_get_string (header, what, NULL, "image_step", FALSE, &ok,
                                               error);
  if (!ok)
    return NULL;
  if (image_step != NULL && strcmp (image_step, "exact") != 0 && strcmp (image_step, "gradient") != 0)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: unknown image step '%s' (expected exact or gradient)", path, image_step);
      return NULL;
    }

  /* An unknown form is refused rather than ignored: the model would be solved as another. */
  const char *colour_form = ts_json_get_string (header, what, NULL, "colour_form", FALSE, &ok,
                                                error);
  if (!ok)
    return NULL;
  TsColourForm form = TS_COLOUR_FORM_PLANES;
  if (colour_form != NULL && !ts_colour_form_from_name (colour_form, &form))
    {
      g_autofree char *shown = ts_json_shown_string (colour_form);
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: unknown colour form '%s' (expected planes or joint)", path, shown);
      return NULL;
    }

  g_autoptr (GHashTable) table = ts_container_array_table (c, error);
  if (table == NULL)
    return NULL;
  const gint64 atoms_shape[3] = { n_atoms, atom_size, atom_size };
  const gint64 free_shape[3] = { n_free, atom_size, atom_size };
  const gint64 scaling_shape[1] = { n_atoms };
  const char *sizes = "n_atoms, n_free and atom_size";
  const TsContainerEntry *atoms, *free_atoms, *scaling;
  if (!ts_container_check_array (table, path, "atoms", FALSE, 3, atoms_shape, sizes, &atoms,
                                 error)
      || !ts_container_check_array (table, path, "free_atoms", FALSE, 3, free_shape, sizes,
                                    &free_atoms, error)
      || !ts_container_check_array (table, path, "lambda_scaling", FALSE, 1, scaling_shape, sizes,
                                    &scaling, error))
    return NULL;

  /* The array entries were checked against the data section, so the sizes are bounded
   * by the file size and the allocation below is safe. */
  g_autoptr (TsModel) model = ts_model_new ((int) n_atoms, (int) n_free, (int) atom_size);
  model->prox_type = prox_type;
  model->groupsize = (int) groupsize;
  model->order = order;
  model->lambda = lambda;
  model->sigma = sigma;
  model->tol = tol;
  model->iterations = (int) iterations;
  model->step_scale = step_scale;
  model->colour_form = form;
  model->chroma_weight = chroma_weight;
  model->exact_image_step = image_step != NULL && strcmp (image_step, "exact") == 0;
  model->beta = beta;
  g_free (model->name);
  model->name = g_strdup (name);
  g_free (model->provenance);
  model->provenance = g_strdup (provenance != NULL ? provenance : "");
  ts_container_read_floats (c->data + atoms->offset, model->atoms, (gsize) atoms->nbytes / 4);
  ts_container_read_floats (c->data + free_atoms->offset, model->free_atoms,
                            (gsize) free_atoms->nbytes / 4);
  ts_container_read_floats (c->data + scaling->offset, model->lambda_scaling,
                            (gsize) scaling->nbytes / 4);
  if (!read_presets (header, what, model, error))
    return NULL;
  return g_steal_pointer (&model);
}

TsModel *
ts_model_load (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_autoptr (TsContainer) c = ts_container_read_file (&tsm_format, path, error);
  if (c == NULL)
    return NULL;
  g_autoptr (TsModel) model = model_from_header (c, error);
  if (model == NULL || !ts_model_validate (model, path, error))
    return NULL;
  return g_steal_pointer (&model);
}

/* ---------------------------------------------------------------------------------------
 * Import from the reference layout */

static char *
shape_string (const TsNpyArray *a)
{
  GString *s = g_string_new ("(");
  for (int d = 0; d < a->ndim; d++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, d ? ", " : "", a->shape[d]);
  g_string_append (s, a->ndim == 1 ? ",)" : ")");
  return g_string_free (s, FALSE);
}

static TsNpyArray *
load_real_npy (const char *dir, const char *file, char **path_out, GError **error)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autoptr (TsNpyArray) a = ts_npy_load (path, error);
  if (a == NULL)
    return NULL;
  if (a->values == NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: model parameters must be real, not %s", path, ts_npy_dtype_name (a->dtype));
      return NULL;
    }
  *path_out = g_steal_pointer (&path);
  return g_steal_pointer (&a);
}

/* Atom stacks are K x p x p, or K x 1 x p x p as PyTorch stores conv2d weights. */
static gboolean
atom_stack_shape (const TsNpyArray *a, const char *path, gint64 *count, gint64 *side,
                  GError **error)
{
  gboolean ok = FALSE;
  if (a->ndim == 3)
    ok = TRUE, *count = a->shape[0], *side = a->shape[1];
  else if (a->ndim == 4 && a->shape[1] == 1)
    ok = TRUE, *count = a->shape[0], *side = a->shape[2];
  ok = ok && a->shape[a->ndim - 1] == a->shape[a->ndim - 2];
  if (!ok)
    {
      g_autofree char *shape = shape_string (a);
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "%s: expected a stack of square atoms (N x p x p), got shape %s", path, shape);
      return FALSE;
    }
  if (*count > TSM_MAX_ATOMS || *side < 1 || *side > TSM_MAX_ATOM_SIZE)
    {
      g_autofree char *shape = shape_string (a);
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "%s: implausible atom stack shape %s", path,
                   shape);
      return FALSE;
    }
  return TRUE;
}

static void
copy_to_float (const TsNpyArray *a, float *dst)
{
  for (gsize i = 0; i < a->n_elements; i++)
    dst[i] = (float) a->values[i];
}

/* config.json may record the sizes it was trained with; when it does, they must agree with
 * the arrays, or the folder mixes files from different models. */
static gboolean
check_config_size (JsonObject *dict, const char *config_path, const char *member, gint64 actual,
                   const char *array_path, GError **error)
{
  gint64 value;
  if (!ts_json_get_int (dict, config_path, "dict_params", member, FALSE, actual, 0, G_MAXINT32,
                        &value, error))
    return FALSE;
  if (value != actual)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "%s: dict_params.%s = %" G_GINT64_FORMAT ", but %s has %" G_GINT64_FORMAT,
                   config_path, member, value, array_path, actual);
      return FALSE;
    }
  return TRUE;
}

/* What config.json says about the model. `dict` (dict_params, NULL when absent) belongs to
 * `parser`. */
typedef struct {
  char *path;
  JsonParser *parser;
  JsonObject *dict;
  TsProxType prox_type;
  gint64 groupsize;
  double order, lambda, tol, sigma;
} RefConfig;

static void
ref_config_clear (RefConfig *c)
{
  g_free (c->path);
  g_clear_object (&c->parser);
}

/* The root object of config.json. */
static JsonObject *
load_config_object (const char *config_path, JsonParser *parser, GError **error)
{
  g_autoptr (GError) local = NULL;
  if (!json_parser_load_from_file (parser, config_path, &local))
    {
      gboolean io = local->domain == G_FILE_ERROR;
      g_set_error (error, TS_ERROR, io ? TS_ERROR_IO : TS_ERROR_FORMAT, "%s: %s%s", config_path,
                   io ? "" : "not valid JSON: ", local->message);
      return NULL;
    }
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: not a JSON object", config_path);
      return NULL;
    }
  return json_node_get_object (root);
}

/* prox_params.prox_type: l1norm is the convex prox, l0norm the non-convex one. */
static gboolean
read_prox_type (JsonObject *prox, const char *config_path, TsProxType *prox_type,
                GError **error)
{
  gboolean ok = TRUE;
  const char *prox_name = ts_json_get_string (prox, config_path, "prox_params", "prox_type", TRUE,
                                              &ok, error);
  if (!ok)
    return FALSE;
  if (strcmp (prox_name, "l1norm") == 0)
    *prox_type = TS_PROX_CPR;
  else if (strcmp (prox_name, "l0norm") == 0)
    *prox_type = TS_PROX_NCPR;
  else
    {
      g_autofree char *shown = ts_json_shown_string (prox_name);
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: unknown prox_params.prox_type '%s' (expected l1norm or l0norm)",
                   config_path, shown);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_reference_config (const char *dir, RefConfig *c, GError **error)
{
  c->path = g_build_filename (dir, "config.json", NULL);
  c->parser = json_parser_new ();
  JsonObject *config = load_config_object (c->path, c->parser, error);
  if (config == NULL)
    return FALSE;
  JsonObject *prox = ts_json_get_object (config, c->path, "prox_params", error);
  if (prox == NULL || !read_prox_type (prox, c->path, &c->prox_type, error))
    return FALSE;
  /* lambda is essential, and so is the order of the non-convex prox; the rest have the
   * values every reference model uses. */
  if (!ts_json_get_int (prox, c->path, "prox_params", "groupsize", FALSE, 1, 1, 64,
                        &c->groupsize, error)
      || !ts_json_get_double (prox, c->path, "prox_params", "order",
                              c->prox_type == TS_PROX_NCPR, 1.8, &c->order, error)
      || !ts_json_get_double (prox, c->path, "prox_params", "lambda_init", TRUE, 0, &c->lambda,
                              error)
      || !ts_json_get_double (config, c->path, NULL, "sigma", FALSE, 0, &c->sigma, error))
    return FALSE;
  JsonNode *dict_node = ts_json_member (config, "dict_params");
  c->dict = dict_node && JSON_NODE_HOLDS_OBJECT (dict_node)
              ? json_node_get_object (dict_node) : NULL;
  return ts_json_get_double (c->dict, c->path, "dict_params", "tol", FALSE, 1e-4, &c->tol,
                             error);
}

/* The parameter arrays of a reference folder, with their paths (for messages) and the
 * sizes read from their shapes: K atoms and M free atoms of p x p. */
typedef struct {
  TsNpyArray *atoms, *free_atoms, *beta, *scaling;
  char *atoms_path, *free_path, *beta_path, *scaling_path;
  gint64 K, M, p;
} RefArrays;

static void
ref_arrays_clear (RefArrays *a)
{
  g_clear_pointer (&a->atoms, ts_npy_free);
  g_clear_pointer (&a->free_atoms, ts_npy_free);
  g_clear_pointer (&a->beta, ts_npy_free);
  g_clear_pointer (&a->scaling, ts_npy_free);
  g_free (a->atoms_path);
  g_free (a->free_path);
  g_free (a->beta_path);
  g_free (a->scaling_path);
}

static gboolean
load_reference_arrays (const char *dir, RefArrays *a, GError **error)
{
  return (a->atoms = load_real_npy (dir, "atoms.npy", &a->atoms_path, error)) != NULL
         && (a->free_atoms = load_real_npy (dir, "free_atoms.npy", &a->free_path, error)) != NULL
         && (a->beta = load_real_npy (dir, "beta.npy", &a->beta_path, error)) != NULL
         && (a->scaling = load_real_npy (dir, "lambda_scaling.npy", &a->scaling_path,
                                         error)) != NULL;
}

/* The arrays' shapes against each other and against the sizes config.json records. */
static gboolean
check_reference_arrays (RefArrays *a, const RefConfig *c, GError **error)
{
  gint64 p_free;
  if (!atom_stack_shape (a->atoms, a->atoms_path, &a->K, &a->p, error)
      || !atom_stack_shape (a->free_atoms, a->free_path, &a->M, &p_free, error))
    return FALSE;
  if (a->K < 1)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "%s: holds no atoms", a->atoms_path);
      return FALSE;
    }
  if (p_free != a->p)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "%s: free atoms are %" G_GINT64_FORMAT " x %" G_GINT64_FORMAT
                   ", but the atoms in %s are %" G_GINT64_FORMAT " x %" G_GINT64_FORMAT,
                   a->free_path, p_free, p_free, a->atoms_path, a->p, a->p);
      return FALSE;
    }
  if (a->beta->n_elements != 1)
    {
      g_autofree char *shape = shape_string (a->beta);
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "%s: expected a single value, got shape %s", a->beta_path, shape);
      return FALSE;
    }
  /* The reference stores lambda_scaling as (K,), sometimes (K, 1, 1): only the count
   * matters. */
  if (a->scaling->n_elements != (gsize) a->K)
    {
      g_autofree char *shape = shape_string (a->scaling);
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "%s: has %" G_GSIZE_FORMAT " values (shape %s), expected %" G_GINT64_FORMAT
                   " (one per atom in %s)",
                   a->scaling_path, a->scaling->n_elements, shape, a->K, a->atoms_path);
      return FALSE;
    }
  return check_config_size (c->dict, c->path, "nb_atoms", a->K, a->atoms_path, error)
         && check_config_size (c->dict, c->path, "nb_free_atoms", a->M, a->free_path, error)
         && check_config_size (c->dict, c->path, "atom_size", a->p, a->atoms_path, error);
}

static TsModel *
model_from_reference (const char *dir, const RefConfig *c, const RefArrays *a)
{
  TsModel *model = ts_model_new ((int) a->K, (int) a->M, (int) a->p);
  model->prox_type = c->prox_type;
  model->groupsize = (int) c->groupsize;
  model->order = c->order;
  model->lambda = c->lambda;
  model->sigma = c->sigma;
  model->tol = c->tol;
  model->beta = a->beta->values[0];
  copy_to_float (a->atoms, model->atoms);
  copy_to_float (a->free_atoms, model->free_atoms);
  copy_to_float (a->scaling, model->lambda_scaling);
  g_free (model->name);
  model->name = g_path_get_basename (dir);
  g_free (model->provenance);
  model->provenance = g_strdup_printf ("imported from reference layout %s", dir);
  return model;
}

TsModel *
ts_model_import_reference (const char *dir, GError **error)
{
  g_return_val_if_fail (dir != NULL, NULL);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: not a folder", dir);
      return NULL;
    }

  /* config.json first: it is the cheapest file and the one most likely to be wrong. */
  RefConfig config = { 0 };
  RefArrays arrays = { 0 };
  TsModel *model = NULL;
  if (read_reference_config (dir, &config, error) && load_reference_arrays (dir, &arrays, error)
      && check_reference_arrays (&arrays, &config, error))
    {
      model = model_from_reference (dir, &config, &arrays);
      if (!ts_model_validate (model, dir, error))
        g_clear_pointer (&model, ts_model_free);
    }
  ref_arrays_clear (&arrays);
  ref_config_clear (&config);
  return model;
}

/* ---------------------------------------------------------------------------------------
 * Resolving --model arguments */
