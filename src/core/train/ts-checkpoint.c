/* Training checkpoints (docs/checkpoint-format.md): the container of the .tsm model file
 * (ts-container.c) with magic "TESSCKPT", a JSON header holding the training
 * configuration, the progress and the model's scalars, and five arrays: the model's
 * atoms, free_atoms and lambda_scaling (<f4) and the Adam moments adam_m, adam_v (<f8).
 * Every value is stored exactly (arrays as raw little-endian bits, doubles in the
 * shortest form that reads back to the same value, 64-bit integers as decimal strings), so
 * resuming continues bit for bit. */
#include "ts-checkpoint.h"
#include "ts-container.h"
#include <math.h>
#include <string.h>

static const TsContainerFormat checkpoint_format = {
  .magic = "TESSCKPT",
  .version = TS_CHECKPOINT_VERSION,
  .kind = "checkpoint",
  .description = "Tessera training checkpoint",
  .data_name = "array data",
  .data_section = "the array data",
  .allow_f8 = TRUE,
};

#define N_ARRAYS 5
/* What determines the arrays' shapes, for "inconsistent header" messages. */
#define SHAPES_FROM "the configuration's n_atoms, n_free and atom_size"

/* ---------------------------------------------------------------------------------------
 * Consistency of a state (checked before saving and after loading) */

static gboolean
check_values (const double *values, gsize n, gboolean non_negative, const char *path,
              const char *name, GError **error)
{
  for (gsize i = 0; i < n; i++)
    {
      if (!isfinite (values[i]))
        {
          g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                       "%s: invalid checkpoint: array '%s' holds %s at index %" G_GSIZE_FORMAT,
                       path, name, isnan (values[i]) ? "NaN" : "Inf", i);
          return FALSE;
        }
      if (non_negative && values[i] < 0.0)
        {
          g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                       "%s: invalid checkpoint: array '%s' holds a negative value (%g) at index %"
                       G_GSIZE_FORMAT, path, name, values[i], i);
          return FALSE;
        }
    }
  return TRUE;
}

/* Everything a loader checks once the header has been read: the configuration's ranges,
 * the model against the configuration, finiteness, the progress fields. */
static gboolean
check_state (const TsTrainState *state, const char *path, GError **error)
{
  const TsTrainConfig *c = &state->config;
  const TsModel *m = state->model;

  if (!ts_train_config_validate (c, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  if (m == NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "%s: invalid checkpoint: no model", path);
      return FALSE;
    }
  const struct {
    const char *name;
    int model, config;
  } sizes[] = {
    { "prox", (int) m->prox_type, (int) c->prox_type },
    { "groupsize", m->groupsize, c->groupsize },
    { "n_atoms", m->n_atoms, c->n_atoms },
    { "n_free", m->n_free, c->n_free },
    { "atom_size", m->atom_size, c->atom_size },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    if (sizes[i].model != sizes[i].config)
      {
        if (i == 0)
          g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                       "%s: inconsistent checkpoint: the model is %s, the configuration %s",
                       path, ts_prox_type_name (m->prox_type), ts_prox_type_name (c->prox_type));
        else
          g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                       "%s: inconsistent checkpoint: model.%s = %d, but config.%s = %d", path,
                       sizes[i].name, sizes[i].model, sizes[i].name, sizes[i].config);
        return FALSE;
      }
  if (!ts_model_validate (m, path, error))
    return FALSE;
  if (!isfinite (m->order) || !isfinite (m->tol) || !isfinite (m->sigma))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "%s: invalid checkpoint: the model's order, tolerance or noise level is not "
                   "finite", path);
      return FALSE;
    }
  if (state->n_params != ts_train_state_param_count (c) || state->adam_m == NULL
      || state->adam_v == NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "%s: inconsistent checkpoint: %" G_GSIZE_FORMAT " Adam moments, the "
                   "configuration needs %" G_GSIZE_FORMAT, path, state->n_params,
                   ts_train_state_param_count (c));
      return FALSE;
    }
  if (!check_values (state->adam_m, state->n_params, FALSE, path, "adam_m", error)
      || !check_values (state->adam_v, state->n_params, TRUE, path, "adam_v", error))
    return FALSE;
  if (state->step < 0 || (c->steps > 0 && state->step > c->steps))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "%s: invalid checkpoint: step = %d is outside [0, steps = %d]", path,
                   state->step, c->steps);
      return FALSE;
    }
  if (!(isfinite (state->elapsed_seconds) && state->elapsed_seconds >= 0.0))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "%s: invalid checkpoint: elapsed_seconds = %g is not a non-negative number",
                   path, state->elapsed_seconds);
      return FALSE;
    }
  if (isinf (state->last_val_psnr))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "%s: invalid checkpoint: last_val_psnr is infinite", path);
      return FALSE;
    }
  return TRUE;
}

/* ---------------------------------------------------------------------------------------
 * Saving */

/* ts_json_append_double, but -0 keeps its sign (written "-0.0", which JSON readers take as
 * a double; "-0" would read back as the integer 0). */
static void
append_double (GString *out, double value)
{
  if (value == 0.0 && signbit (value))
    g_string_append (out, "-0.0");
  else
    ts_json_append_double (out, value);
}

static void
member (GString *out, const char *name)
{
  g_string_append_printf (out, "    \"%s\": ", name);
}

static void
member_double (GString *out, const char *name, double value, gboolean last)
{
  member (out, name);
  append_double (out, value);
  g_string_append (out, last ? "\n" : ",\n");
}

static void
member_int (GString *out, const char *name, gint64 value, gboolean last)
{
  member (out, name);
  g_string_append_printf (out, "%" G_GINT64_FORMAT "%s", value, last ? "\n" : ",\n");
}

static void
member_string (GString *out, const char *name, const char *value, gboolean last)
{
  member (out, name);
  ts_json_append_string (out, value);
  g_string_append (out, last ? "\n" : ",\n");
}

static char *
build_header_json (const TsTrainState *state, const TsContainerArray *arrays, int n_arrays)
{
  const TsTrainConfig *c = &state->config;
  const TsModel *m = state->model;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *created = g_date_time_format_iso8601 (now);
  g_autofree char *seed = g_strdup_printf ("%" G_GUINT64_FORMAT, c->seed);
  GString *out = g_string_new ("{\n");

  ts_json_append_member (out, "config");
  g_string_append (out, "{\n");
  member_double (out, "sigma", c->sigma, FALSE);
  member_string (out, "prox", ts_prox_type_name (c->prox_type), FALSE);
  member_int (out, "groupsize", c->groupsize, FALSE);
  member_double (out, "order", c->order, FALSE);
  member_double (out, "lambda", c->lambda, FALSE);
  member_int (out, "n_atoms", c->n_atoms, FALSE);
  member_int (out, "n_free", c->n_free, FALSE);
  member_int (out, "atom_size", c->atom_size, FALSE);
  member_double (out, "beta_init", c->beta_init, FALSE);
  member_double (out, "init_scale", c->init_scale, FALSE);
  member_int (out, "crop", c->crop, FALSE);
  member_int (out, "batch", c->batch, FALSE);
  member_int (out, "steps", c->steps, FALSE);
  member_int (out, "steps_per_epoch", c->steps_per_epoch, FALSE);
  member_int (out, "decays_per_epoch", c->decays_per_epoch, FALSE);
  member_double (out, "lr_atoms", c->lr_atoms, FALSE);
  member_double (out, "lr_hyper", c->lr_hyper, FALSE);
  member_double (out, "lr_decay", c->lr_decay, FALSE);
  member_string (out, "seed", seed, FALSE);
  member_double (out, "tol", c->tol, FALSE);
  member_int (out, "max_iter", c->max_iter, FALSE);
  member_int (out, "iterations", c->iterations, FALSE);
  member_int (out, "exact_image_step", c->exact_image_step ? 1 : 0, FALSE);
  member_double (out, "adjoint_tol", c->adjoint_tol, FALSE);
  member_int (out, "adjoint_max_iter", c->adjoint_max_iter, FALSE);
  /* Only joint-form runs name their form: other checkpoints are written as before. */
  if (c->colour_form != TS_COLOUR_FORM_PLANES)
    {
      member_string (out, "colour_form", ts_colour_form_name (c->colour_form), FALSE);
      member_double (out, "chroma_weight_init", c->chroma_weight_init, FALSE);
    }
  member_int (out, "threads", c->threads, TRUE);
  g_string_append (out, "  },\n");

  ts_json_append_member (out, "step");
  g_string_append_printf (out, "%d,\n", state->step);
  ts_json_append_member (out, "rng");
  g_string_append_printf (out, "[\"%" G_GUINT64_FORMAT "\", \"%" G_GUINT64_FORMAT "\", \"%"
                          G_GUINT64_FORMAT "\", \"%" G_GUINT64_FORMAT "\"],\n", state->rng[0],
                          state->rng[1], state->rng[2], state->rng[3]);
  ts_json_append_member (out, "data_fingerprint");
  g_string_append_printf (out, "\"%" G_GUINT64_FORMAT "\",\n", state->data_fingerprint);
  ts_json_append_member (out, "last_val_psnr");
  if (isnan (state->last_val_psnr))
    g_string_append (out, "null");
  else
    append_double (out, state->last_val_psnr);
  g_string_append (out, ",\n");
  ts_json_append_member (out, "elapsed_seconds");
  append_double (out, state->elapsed_seconds);
  g_string_append (out, ",\n");

  ts_json_append_member (out, "model");
  g_string_append (out, "{\n");
  member_string (out, "name", m->name, FALSE);
  member_string (out, "prox", ts_prox_type_name (m->prox_type), FALSE);
  member_int (out, "groupsize", m->groupsize, FALSE);
  member_double (out, "order", m->order, FALSE);
  member_double (out, "lambda", m->lambda, FALSE);
  member_double (out, "sigma", m->sigma, FALSE);
  member_double (out, "tol", m->tol, FALSE);
  member_double (out, "beta", m->beta, FALSE);
  member_double (out, "step_scale", m->step_scale, FALSE);
  if (m->colour_form != TS_COLOUR_FORM_PLANES)
    {
      member_string (out, "colour_form", ts_colour_form_name (m->colour_form), FALSE);
      member_double (out, "chroma_weight", m->chroma_weight, FALSE);
    }
  member_int (out, "n_atoms", m->n_atoms, FALSE);
  member_int (out, "n_free", m->n_free, FALSE);
  member_int (out, "atom_size", m->atom_size, FALSE);
  member_string (out, "provenance", m->provenance, TRUE);
  g_string_append (out, "  },\n");

  ts_json_append_member (out, "created");
  ts_json_append_string (out, created);
  g_string_append (out, ",\n");
  ts_container_append_arrays (out, arrays, n_arrays);
  g_string_append (out, "}");
  return g_string_free (out, FALSE);
}

/* The arrays of a state with `config`'s sizes (data from `state`, which may be NULL). */
static void
describe_arrays (const TsTrainConfig *config, const TsTrainState *state,
                 TsContainerArray arrays[N_ARRAYS])
{
  const TsModel *m = state != NULL ? state->model : NULL;
  gint64 K = config->n_atoms, M = config->n_free, p = config->atom_size;
  gint64 n = (gint64) ts_train_state_param_count (config);
  arrays[0] = (TsContainerArray) { "atoms", FALSE, m ? m->atoms : NULL, { K, p, p }, 3, 0, 0 };
  arrays[1] = (TsContainerArray) { "free_atoms", FALSE, m ? m->free_atoms : NULL, { M, p, p }, 3,
                                   0, 0 };
  arrays[2] = (TsContainerArray) { "lambda_scaling", FALSE, m ? m->lambda_scaling : NULL, { K },
                                   1, 0, 0 };
  arrays[3] = (TsContainerArray) { "adam_m", TRUE, state ? state->adam_m : NULL, { n }, 1, 0, 0 };
  arrays[4] = (TsContainerArray) { "adam_v", TRUE, state ? state->adam_v : NULL, { n }, 1, 0, 0 };
}

gboolean
ts_checkpoint_save (const TsTrainState *state, const char *path, GError **error)
{
  g_return_val_if_fail (state != NULL && path != NULL, FALSE);
  /* Never write a file that loading would refuse. */
  if (!check_state (state, path, error))
    return FALSE;
  TsContainerArray arrays[N_ARRAYS];
  describe_arrays (&state->config, state, arrays);
  guint64 data_len = ts_container_layout (arrays, N_ARRAYS);
  g_autofree char *json = build_header_json (state, arrays, N_ARRAYS);
  return ts_container_write (&checkpoint_format, path, json, arrays, N_ARRAYS, data_len, error);
}

/* ---------------------------------------------------------------------------------------
 * Loading */

/* A 64-bit unsigned integer stored as a decimal string. */
static gboolean
parse_u64 (JsonNode *node, const char *what, const char *field, guint64 *out, GError **error)
{
  if (node == NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: field '%s' is missing", what, field);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING
      || !g_ascii_string_to_unsigned (json_node_get_string (node), 10, 0, G_MAXUINT64, out, NULL))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: field '%s' is not an unsigned 64-bit integer in a decimal string", what,
                   field);
      return FALSE;
    }
  return TRUE;
}

static gboolean
get_int (JsonObject *obj, const char *what, const char *section, const char *name, int *out,
         GError **error)
{
  gint64 value;
  if (!ts_json_get_int (obj, what, section, name, TRUE, 0, G_MININT, G_MAXINT, &value, error))
    return FALSE;
  *out = (int) value;
  return TRUE;
}

static gboolean
get_prox (JsonObject *obj, const char *what, const char *section, TsProxType *out,
          GError **error)
{
  gboolean ok = TRUE;
  const char *prox = ts_json_get_string (obj, what, section, "prox", TRUE, &ok, error);
  if (!ok)
    return FALSE;
  if (strcmp (prox, "cpr") == 0)
    *out = TS_PROX_CPR;
  else if (strcmp (prox, "ncpr") == 0)
    *out = TS_PROX_NCPR;
  else
    {
      g_autofree char *shown = ts_json_shown_string (prox);
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: field '%s.prox' is '%s' (expected cpr or ncpr)", what, section, shown);
      return FALSE;
    }
  return TRUE;
}

/* An absent colour form is the planes form (every checkpoint from before it). */
static gboolean
get_colour_form (JsonObject *obj, const char *what, const char *section, TsColourForm *out,
                 GError **error)
{
  gboolean ok = TRUE;
  const char *form = ts_json_get_string (obj, what, section, "colour_form", FALSE, &ok, error);
  if (!ok)
    return FALSE;
  *out = TS_COLOUR_FORM_PLANES;
  if (form != NULL && !ts_colour_form_from_name (form, out))
    {
      g_autofree char *shown = ts_json_shown_string (form);
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: field '%s.colour_form' is '%s' (expected planes or joint)", what,
                   section, shown);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_config (JsonObject *header, const char *what, TsTrainConfig *c, GError **error)
{
  JsonObject *obj = ts_json_get_object (header, what, "config", error);
  if (obj == NULL)
    return FALSE;
  const char *sec = "config";
  memset (c, 0, sizeof *c);
  struct {
    const char *name;
    double *value;
  } doubles[] = {
    { "sigma", &c->sigma }, { "order", &c->order }, { "lambda", &c->lambda },
    { "beta_init", &c->beta_init }, { "init_scale", &c->init_scale },
    { "lr_atoms", &c->lr_atoms }, { "lr_hyper", &c->lr_hyper }, { "lr_decay", &c->lr_decay },
    { "tol", &c->tol }, { "adjoint_tol", &c->adjoint_tol },
  };
  struct {
    const char *name;
    int *value;
  } ints[] = {
    { "groupsize", &c->groupsize }, { "n_atoms", &c->n_atoms }, { "n_free", &c->n_free },
    { "atom_size", &c->atom_size }, { "crop", &c->crop }, { "batch", &c->batch },
    { "steps", &c->steps }, { "steps_per_epoch", &c->steps_per_epoch },
    { "decays_per_epoch", &c->decays_per_epoch }, { "max_iter", &c->max_iter },
    { "adjoint_max_iter", &c->adjoint_max_iter }, { "threads", &c->threads },
  };
  if (!get_prox (obj, what, sec, &c->prox_type, error))
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (doubles); i++)
    if (!ts_json_get_double (obj, what, sec, doubles[i].name, TRUE, 0, doubles[i].value, error))
      return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (ints); i++)
    if (!get_int (obj, what, sec, ints[i].name, ints[i].value, error))
      return FALSE;
  /* Checkpoints from before budgets trained at the fixed point. */
  gint64 iterations;
  if (!ts_json_get_int (obj, what, sec, "iterations", FALSE, 0, 0, 1000, &iterations, error))
    return FALSE;
  c->iterations = (int) iterations;
  gint64 exact;
  if (!ts_json_get_int (obj, what, sec, "exact_image_step", FALSE, 0, 0, 1, &exact, error))
    return FALSE;
  c->exact_image_step = exact != 0;
  if (!get_colour_form (obj, what, sec, &c->colour_form, error)
      || !ts_json_get_double (obj, what, sec, "chroma_weight_init", FALSE, 1.0,
                              &c->chroma_weight_init, error))
    return FALSE;
  return parse_u64 (ts_json_member (obj, "seed"), what, "config.seed", &c->seed, error);
}

/* The model's scalars into `m` (whose arrays are already allocated). */
static gboolean
parse_model (JsonObject *header, const char *path, const char *what, TsModel *m, GError **error)
{
  JsonObject *obj = ts_json_get_object (header, what, "model", error);
  if (obj == NULL)
    return FALSE;
  const char *sec = "model";
  gboolean ok = TRUE;
  int n_atoms, n_free, atom_size;
  if (!get_prox (obj, what, sec, &m->prox_type, error)
      || !get_int (obj, what, sec, "groupsize", &m->groupsize, error)
      || !get_int (obj, what, sec, "n_atoms", &n_atoms, error)
      || !get_int (obj, what, sec, "n_free", &n_free, error)
      || !get_int (obj, what, sec, "atom_size", &atom_size, error)
      || !ts_json_get_double (obj, what, sec, "order", TRUE, 0, &m->order, error)
      || !ts_json_get_double (obj, what, sec, "lambda", TRUE, 0, &m->lambda, error)
      || !ts_json_get_double (obj, what, sec, "sigma", TRUE, 0, &m->sigma, error)
      || !ts_json_get_double (obj, what, sec, "tol", TRUE, 0, &m->tol, error)
      || !ts_json_get_double (obj, what, sec, "beta", TRUE, 0, &m->beta, error)
      || !ts_json_get_double (obj, what, sec, "step_scale", FALSE, 1.0, &m->step_scale, error)
      || !get_colour_form (obj, what, sec, &m->colour_form, error)
      || !ts_json_get_double (obj, what, sec, "chroma_weight", FALSE, 1.0, &m->chroma_weight,
                              error))
    return FALSE;
  /* The arrays were allocated for the configuration's sizes; the model's own must agree. */
  const struct {
    const char *name;
    int model, config;
  } sizes[] = {
    { "n_atoms", n_atoms, m->n_atoms },
    { "n_free", n_free, m->n_free },
    { "atom_size", atom_size, m->atom_size },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    if (sizes[i].model != sizes[i].config)
      {
        g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                     "%s: inconsistent checkpoint: model.%s = %d, but config.%s = %d",
                     path, sizes[i].name, sizes[i].model, sizes[i].name, sizes[i].config);
        return FALSE;
      }
  const char *name = ts_json_get_string (obj, what, sec, "name", TRUE, &ok, error);
  if (!ok)
    return FALSE;
  const char *provenance = ts_json_get_string (obj, what, sec, "provenance", FALSE, &ok, error);
  if (!ok)
    return FALSE;
  g_free (m->name);
  m->name = g_strdup (name);
  g_free (m->provenance);
  m->provenance = g_strdup (provenance != NULL ? provenance : "");
  return TRUE;
}

static gboolean
parse_progress (JsonObject *header, const char *what, TsTrainState *state, GError **error)
{
  gint64 step;
  if (!ts_json_get_int (header, what, NULL, "step", TRUE, 0, 0, G_MAXINT, &step, error))
    return FALSE;
  state->step = (int) step;

  JsonNode *rng = ts_json_member (header, "rng");
  if (rng == NULL || !JSON_NODE_HOLDS_ARRAY (rng)
      || json_array_get_length (json_node_get_array (rng)) != 4)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: field 'rng' is missing or not a list of 4 decimal strings", what);
      return FALSE;
    }
  for (guint i = 0; i < 4; i++)
    {
      char field[16];
      g_snprintf (field, sizeof field, "rng[%u]", i);
      if (!parse_u64 (json_array_get_element (json_node_get_array (rng), i), what, field,
                      &state->rng[i], error))
        return FALSE;
    }
  if (!parse_u64 (ts_json_member (header, "data_fingerprint"), what, "data_fingerprint",
                  &state->data_fingerprint, error))
    return FALSE;

  /* null (never validated) is the one non-number allowed. */
  if (!ts_json_get_double (header, what, NULL, "last_val_psnr", FALSE, NAN,
                           &state->last_val_psnr, error))
    return FALSE;
  if (ts_json_member (header, "last_val_psnr") == NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: field 'last_val_psnr' is missing (null if never validated)", what);
      return FALSE;
    }
  return ts_json_get_double (header, what, NULL, "elapsed_seconds", TRUE, 0,
                             &state->elapsed_seconds, error);
}

static TsTrainState *
state_from_container (TsContainer *c, GError **error)
{
  TsTrainConfig config;
  if (!parse_config (c->header, c->what, &config, error))
    return NULL;
  /* The ranges first: they bound the sizes the arrays are checked (and allocated) with. */
  if (!ts_train_config_validate (&config, error))
    {
      g_prefix_error (error, "%s: ", c->path);
      return NULL;
    }

  /* The arrays before any allocation: their entries lie inside the data section, so once
   * they have the configuration's shapes, the state costs no more memory than the file. */
  g_autoptr (GHashTable) table = ts_container_array_table (c, error);
  if (table == NULL)
    return NULL;
  TsContainerArray expect[N_ARRAYS];
  describe_arrays (&config, NULL, expect);
  const TsContainerEntry *entries[N_ARRAYS];
  for (int i = 0; i < N_ARRAYS; i++)
    if (!ts_container_check_array (table, c->path, expect[i].name, expect[i].f8, expect[i].ndim,
                                   expect[i].shape, SHAPES_FROM, &entries[i], error))
      return NULL;

  g_autoptr (TsTrainState) state = ts_train_state_new (&config, NULL);
  if (!parse_model (c->header, c->path, c->what, state->model, error)
      || !parse_progress (c->header, c->what, state, error))
    return NULL;
  void *dest[N_ARRAYS] = { state->model->atoms, state->model->free_atoms,
                           state->model->lambda_scaling, state->adam_m, state->adam_v };
  for (int i = 0; i < N_ARRAYS; i++)
    {
      const guint8 *src = c->data + entries[i]->offset;
      if (expect[i].f8)
        ts_container_read_doubles (src, dest[i], (gsize) entries[i]->nbytes / 8);
      else
        ts_container_read_floats (src, dest[i], (gsize) entries[i]->nbytes / 4);
    }

  if (!check_state (state, c->path, error))
    return NULL;
  return g_steal_pointer (&state);
}

TsTrainState *
ts_checkpoint_load (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_autoptr (TsContainer) c = ts_container_read_file (&checkpoint_format, path, error);
  if (c == NULL)
    return NULL;
  return state_from_container (c, error);
}

TsTrainState *
ts_checkpoint_load_from_bytes (const guint8 *bytes, gsize len, const char *what, GError **error)
{
  g_return_val_if_fail (bytes != NULL || len == 0, NULL);
  g_autoptr (TsContainer) c = ts_container_read_bytes (&checkpoint_format, bytes, len,
                                                       what != NULL ? what : "checkpoint", error);
  if (c == NULL)
    return NULL;
  return state_from_container (c, error);
}
