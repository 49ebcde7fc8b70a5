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
 * Both lengths sit in the fixed part so that the expected file size is known before any
 * JSON is parsed: a truncated file is reported as truncated (with where it ends) and any
 * other damage as a checksum mismatch, instead of as whatever the parser trips over. */
#include "ts-model-file.h"
#include "ts-atomic-file.h"
#include "ts-npy.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#ifndef TESSERA_DATADIR
#define TESSERA_DATADIR "/usr/local/share/tessera"
#endif

#define TSM_MAGIC "TESSMODL"
#define TSM_MAGIC_LEN 8
#define TSM_FIXED_LEN 24
#define TSM_CHECKSUM_LEN 32
/* The data section starts (and each array within it) on this boundary, so that the file
 * can be memory-mapped and read as float arrays directly. */
#define TSM_ALIGN 16
/* Sanity bounds against hostile or corrupt headers. The largest model ts_model_validate
 * accepts (4096 atoms of 31 x 31, 959 free atoms) needs about 19 MB; a JSON header is a
 * few hundred bytes plus the provenance text. */
#define TSM_MAX_HEADER_LEN (1u << 20)
#define TSM_MAX_DATA_LEN ((guint64) 256 << 20)
/* Per-dimension bounds for the sizes in a header or a reference folder; the precise
 * ranges are ts_model_validate's business, these only keep the arithmetic small. */
#define TSM_MAX_ATOMS 65536
#define TSM_MAX_ATOM_SIZE 255

/* ---------------------------------------------------------------------------------------
 * JSON helpers shared by the .tsm header and config.json. `what` prefixes messages (the
 * file name, plus "header" for .tsm files); `section` names the enclosing object for
 * nested members ("prox_params"), or NULL. */

static JsonNode *
json_member (JsonObject *obj, const char *member)
{
  return obj != NULL && json_object_has_member (obj, member)
           ? json_object_get_member (obj, member) : NULL;
}

static gboolean
json_missing (const char *what, const char *section, const char *member, GError **error)
{
  g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: field '%s%s%s' is missing", what,
               section ? section : "", section ? "." : "", member);
  return FALSE;
}

static gboolean
json_get_int (JsonObject *obj, const char *what, const char *section, const char *member,
              gboolean required, gint64 fallback, gint64 min, gint64 max, gint64 *out,
              GError **error)
{
  JsonNode *node = json_member (obj, member);
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        return json_missing (what, section, member, error);
      *out = fallback;
      return TRUE;
    }
  gint64 value;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
    value = json_node_get_int (node);
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_DOUBLE
           && json_node_get_double (node) == floor (json_node_get_double (node))
           && fabs (json_node_get_double (node)) < 1e15)
    /* Python writes 13.0 for a float that holds an integer; accept it. */
    value = (gint64) json_node_get_double (node);
  else
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: field '%s%s%s' is not an integer",
                   what, section ? section : "", section ? "." : "", member);
      return FALSE;
    }
  if (value < min || value > max)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: field '%s%s%s' = %" G_GINT64_FORMAT " is out of range [%" G_GINT64_FORMAT
                   ", %" G_GINT64_FORMAT "]",
                   what, section ? section : "", section ? "." : "", member, value, min, max);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

static gboolean
json_get_double (JsonObject *obj, const char *what, const char *section, const char *member,
                 gboolean required, double fallback, double *out, GError **error)
{
  JsonNode *node = json_member (obj, member);
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        return json_missing (what, section, member, error);
      *out = fallback;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node)
      || (json_node_get_value_type (node) != G_TYPE_DOUBLE
          && json_node_get_value_type (node) != G_TYPE_INT64))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: field '%s%s%s' is not a number", what,
                   section ? section : "", section ? "." : "", member);
      return FALSE;
    }
  *out = json_node_get_double (node);   /* converts integers too */
  return TRUE;
}

/* Returns a borrowed string, or NULL (with `error` set unless the field is optional and
 * absent, in which case `*ok` stays TRUE). */
static const char *
json_get_string (JsonObject *obj, const char *what, const char *section, const char *member,
                 gboolean required, gboolean *ok, GError **error)
{
  JsonNode *node = json_member (obj, member);
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        *ok = json_missing (what, section, member, error);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: field '%s%s%s' is not a string", what,
                   section ? section : "", section ? "." : "", member);
      *ok = FALSE;
      return NULL;
    }
  return json_node_get_string (node);
}

static JsonObject *
json_get_object (JsonObject *obj, const char *what, const char *member, GError **error)
{
  JsonNode *node = json_member (obj, member);
  if (node == NULL)
    {
      json_missing (what, NULL, member, error);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: field '%s' is not an object", what,
                   member);
      return NULL;
    }
  return json_node_get_object (node);
}

/* ---------------------------------------------------------------------------------------
 * Saving */

typedef struct {
  const char *name;
  const float *data;
  gint64 shape[3];
  int ndim;
  guint64 offset;   /* within the data section */
  guint64 nbytes;
} ArrayDesc;

static guint64
align_up (guint64 value)
{
  return (value + TSM_ALIGN - 1) / TSM_ALIGN * TSM_ALIGN;
}

static void
append_le32 (GByteArray *buf, guint32 value)
{
  guint32 le = GUINT32_TO_LE (value);
  g_byte_array_append (buf, (const guint8 *) &le, 4);
}

static void
append_le64 (GByteArray *buf, guint64 value)
{
  guint64 le = GUINT64_TO_LE (value);
  g_byte_array_append (buf, (const guint8 *) &le, 8);
}

static void
append_zeros (GByteArray *buf, gsize n)
{
  static const guint8 zeros[TSM_ALIGN] = { 0 };
  while (n > 0)
    {
      gsize k = MIN (n, sizeof zeros);
      g_byte_array_append (buf, zeros, (guint) k);
      n -= k;
    }
}

static void
append_floats_le (GByteArray *buf, const float *values, gsize n)
{
  for (gsize i = 0; i < n; i++)
    {
      guint32 bits;
      memcpy (&bits, &values[i], 4);
      append_le32 (buf, bits);
    }
}

/* The header is written by hand rather than with JsonGenerator: json-glib 1.6 prints a
 * double such as 1e-300 as "1e-300.0", which is not JSON, and always uses 17 digits. Here
 * every double gets the shortest form that reads back to the same value (exact round
 * trip, and "lambda": 0.0125 stays readable). */
static void
append_json_double (GString *out, double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  for (int digits = 15; digits <= 17; digits++)
    {
      char format[8];
      g_snprintf (format, sizeof format, "%%.%dg", digits);
      g_ascii_formatd (buf, sizeof buf, format, value);
      if (g_ascii_strtod (buf, NULL) == value)
        break;
    }
  g_string_append (out, buf);
}

/* JSON strings must be valid UTF-8 (a model name taken from a file name need not be);
 * quotes, backslashes and control characters are escaped. */
static void
append_json_string (GString *out, const char *value)
{
  g_autofree char *valid = g_utf8_make_valid (value != NULL ? value : "", -1);
  g_string_append_c (out, '"');
  for (const unsigned char *c = (const unsigned char *) valid; *c != '\0'; c++)
    {
      if (*c == '"' || *c == '\\')
        g_string_append_printf (out, "\\%c", *c);
      else if (*c == '\n')
        g_string_append (out, "\\n");
      else if (*c < 0x20 || *c == 0x7f)
        g_string_append_printf (out, "\\u%04x", *c);
      else
        g_string_append_c (out, (char) *c);
    }
  g_string_append_c (out, '"');
}

static void
append_member (GString *out, const char *name)
{
  g_string_append_printf (out, "  \"%s\": ", name);
}

static char *
build_header_json (const TsModel *model, const ArrayDesc *arrays, int n_arrays)
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
  append_member (out, "name");
  append_json_string (out, model->name);
  g_string_append (out, ",\n");
  append_member (out, "prox");
  append_json_string (out, ts_prox_type_name (model->prox_type));
  g_string_append (out, ",\n");
  append_member (out, "groupsize");
  g_string_append_printf (out, "%d,\n", model->groupsize);
  for (gsize i = 0; i < G_N_ELEMENTS (numbers); i++)
    {
      append_member (out, numbers[i].name);
      append_json_double (out, numbers[i].value);
      g_string_append (out, ",\n");
    }
  g_string_append_printf (out, "  \"n_atoms\": %d,\n  \"n_free\": %d,\n  \"atom_size\": %d,\n",
                          model->n_atoms, model->n_free, model->atom_size);
  append_member (out, "provenance");
  append_json_string (out, model->provenance);
  g_string_append (out, ",\n");
  append_member (out, "created");
  append_json_string (out, created);
  g_string_append (out, ",\n");
  append_member (out, "arrays");
  g_string_append (out, "[\n");
  for (int i = 0; i < n_arrays; i++)
    {
      g_string_append_printf (out, "    {\"name\": \"%s\", \"dtype\": \"<f4\", \"shape\": [",
                              arrays[i].name);
      for (int d = 0; d < arrays[i].ndim; d++)
        g_string_append_printf (out, "%s%" G_GINT64_FORMAT, d ? ", " : "", arrays[i].shape[d]);
      g_string_append_printf (out, "], \"offset\": %" G_GUINT64_FORMAT ", \"nbytes\": %"
                              G_GUINT64_FORMAT "}%s\n", arrays[i].offset, arrays[i].nbytes,
                              i + 1 < n_arrays ? "," : "");
    }
  g_string_append (out, "  ]\n}");
  return g_string_free (out, FALSE);
}

static void
describe_model_arrays (const TsModel *model, ArrayDesc arrays[3])
{
  gint64 K = model->n_atoms, M = model->n_free, p = model->atom_size;
  arrays[0] = (ArrayDesc) { "atoms", model->atoms, { K, p, p }, 3, 0, 0 };
  arrays[1] = (ArrayDesc) { "free_atoms", model->free_atoms, { M, p, p }, 3, 0, 0 };
  arrays[2] = (ArrayDesc) { "lambda_scaling", model->lambda_scaling, { K, 0, 0 }, 1, 0, 0 };
  guint64 offset = 0;
  for (int i = 0; i < 3; i++)
    {
      guint64 n = 1;
      for (int d = 0; d < arrays[i].ndim; d++)
        n *= (guint64) arrays[i].shape[d];
      arrays[i].offset = offset;
      arrays[i].nbytes = n * 4;
      offset = align_up (offset + arrays[i].nbytes);
    }
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

  ArrayDesc arrays[3];
  describe_model_arrays (model, arrays);
  guint64 data_len = align_up (arrays[2].offset + arrays[2].nbytes);

  g_autofree char *json = build_header_json (model, arrays, 3);
  gsize json_len = strlen (json);
  /* Pad with spaces and a final newline so that the data section starts aligned. */
  guint64 header_len = align_up (TSM_FIXED_LEN + json_len + 1) - TSM_FIXED_LEN;
  if (header_len > TSM_MAX_HEADER_LEN)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "%s: model header would be %" G_GUINT64_FORMAT " bytes, over the %u-byte limit "
                   "(is the provenance text huge?)", path, header_len, TSM_MAX_HEADER_LEN);
      return FALSE;
    }

  g_autoptr (GByteArray) buf = g_byte_array_sized_new (
      (guint) (TSM_FIXED_LEN + header_len + data_len + TSM_CHECKSUM_LEN));
  g_byte_array_append (buf, (const guint8 *) TSM_MAGIC, TSM_MAGIC_LEN);
  append_le32 (buf, TS_MODEL_FILE_VERSION);
  append_le32 (buf, (guint32) header_len);
  append_le64 (buf, data_len);
  g_byte_array_append (buf, (const guint8 *) json, (guint) json_len);
  for (gsize i = json_len; i + 1 < header_len; i++)
    g_byte_array_append (buf, (const guint8 *) " ", 1);
  g_byte_array_append (buf, (const guint8 *) "\n", 1);

  gsize data_start = buf->len;
  for (int i = 0; i < 3; i++)
    {
      append_zeros (buf, data_start + arrays[i].offset - buf->len);
      append_floats_le (buf, arrays[i].data, arrays[i].nbytes / 4);
    }
  append_zeros (buf, data_start + data_len - buf->len);

  guint8 digest[TSM_CHECKSUM_LEN];
  gsize digest_len = sizeof digest;
  g_autoptr (GChecksum) sha = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sha, buf->data, buf->len);
  g_checksum_get_digest (sha, digest, &digest_len);
  g_byte_array_append (buf, digest, TSM_CHECKSUM_LEN);

  TsAtomicFile *file = ts_atomic_file_open (path, error);
  if (file == NULL)
    return FALSE;
  if (fwrite (buf->data, 1, buf->len, ts_atomic_file_stream (file)) != buf->len)
    {
      int saved = errno;
      ts_atomic_file_abort (file);
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: write error: %s", path,
                   g_strerror (saved));
      return FALSE;
    }
  return ts_atomic_file_commit (file, error);
}

/* ---------------------------------------------------------------------------------------
 * Loading */

/* The arrays of a parsed header, looked up by name. */
typedef struct {
  gint64 shape[TS_NPY_MAX_DIMS];
  int ndim;
  gint64 offset, nbytes;
} ArrayEntry;

/* A string from the file, fit for an error message: escaped (control characters and
 * non-ASCII bytes as \ooo, so no terminal escapes) and cut to 64 bytes. */
static char *
shown_string (const char *value)
{
  g_autofree char *escaped = g_strescape (value, NULL);
  if (strlen (escaped) <= 64)
    return g_steal_pointer (&escaped);
  return g_strdup_printf ("%.64s...", escaped);
}

static gboolean
parse_array_entry (JsonNode *node, const char *what, gint64 data_len, char **name_out,
                   ArrayEntry *entry, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: 'arrays' holds a non-object", what);
      return FALSE;
    }
  JsonObject *obj = json_node_get_object (node);
  gboolean ok = TRUE;
  const char *name = json_get_string (obj, what, "arrays[]", "name", TRUE, &ok, error);
  if (!ok)
    return FALSE;
  g_autofree char *shown = shown_string (name);
  g_autofree char *section = g_strdup_printf ("arrays['%s']", shown);
  const char *dtype = json_get_string (obj, what, section, "dtype", TRUE, &ok, error);
  if (!ok)
    return FALSE;
  if (strcmp (dtype, "<f4") != 0)
    {
      g_autofree char *shown_dtype = shown_string (dtype);
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: array '%s' has dtype '%s'; only little-endian float32 ('<f4') is "
                   "supported", what, shown, shown_dtype);
      return FALSE;
    }
  JsonNode *shape = json_member (obj, "shape");
  if (shape == NULL || !JSON_NODE_HOLDS_ARRAY (shape)
      || json_array_get_length (json_node_get_array (shape)) > TS_NPY_MAX_DIMS)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: array '%s' has a missing or invalid shape", what, shown);
      return FALSE;
    }
  JsonArray *dims = json_node_get_array (shape);
  entry->ndim = (int) json_array_get_length (dims);
  for (int d = 0; d < entry->ndim; d++)
    {
      JsonNode *dim = json_array_get_element (dims, d);
      if (!JSON_NODE_HOLDS_VALUE (dim) || json_node_get_value_type (dim) != G_TYPE_INT64
          || json_node_get_int (dim) < 0 || json_node_get_int (dim) > (gint64) TSM_MAX_DATA_LEN)
        {
          g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                       "%s: array '%s' has an invalid dimension in its shape", what, shown);
          return FALSE;
        }
      entry->shape[d] = json_node_get_int (dim);
    }
  if (!json_get_int (obj, what, section, "offset", TRUE, 0, 0, data_len, &entry->offset, error)
      || !json_get_int (obj, what, section, "nbytes", TRUE, 0, 0, data_len, &entry->nbytes, error))
    return FALSE;
  if (entry->offset + entry->nbytes > data_len)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: array '%s' (bytes %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT
                   ") extends past the %" G_GINT64_FORMAT "-byte data section",
                   what, shown, entry->offset, entry->offset + entry->nbytes, data_len);
      return FALSE;
    }
  /* Each dimension is bounded by data_len < 2^29, but the product of four could still
   * overflow: stop as soon as it exceeds what the section can hold. */
  gint64 count = 1;
  for (int d = 0; d < entry->ndim; d++)
    if (entry->shape[d] == 0)
      count = 0;
  for (int d = 0; d < entry->ndim && count > 0; d++)
    {
      count *= entry->shape[d];
      if (count > data_len)
        break;
    }
  if (count > data_len)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: array '%s' declares %" G_GINT64_FORMAT " bytes, but its shape needs more "
                   "than the whole data section", what, shown, entry->nbytes);
      return FALSE;
    }
  if (count * 4 != entry->nbytes)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: array '%s' declares %" G_GINT64_FORMAT " bytes, but its shape needs %"
                   G_GINT64_FORMAT, what, shown, entry->nbytes, count * 4);
      return FALSE;
    }
  *name_out = g_strdup (name);
  return TRUE;
}

static JsonObject *
parse_header (JsonParser *parser, const guint8 *bytes, gsize len, const char *what,
              GError **error)
{
  g_autoptr (GError) local = NULL;
  if (!g_utf8_validate ((const char *) bytes, (gssize) len, NULL)
      || !json_parser_load_from_data (parser, (const char *) bytes, (gssize) len, &local))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: not valid UTF-8 JSON%s%s", what,
                   local ? ": " : "", local ? local->message : "");
      return NULL;
    }
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: not a JSON object", what);
      return NULL;
    }
  return json_node_get_object (root);
}

/* All arrays of the header, by name (values: ArrayEntry). */
static GHashTable *
parse_array_table (JsonObject *header, const char *what, gint64 data_len, GError **error)
{
  JsonNode *node = json_member (header, "arrays");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: field 'arrays' is missing or not a "
                   "list", what);
      return NULL;
    }
  g_autoptr (GHashTable) table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  JsonArray *list = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      g_autofree ArrayEntry *entry = g_new0 (ArrayEntry, 1);
      char *name = NULL;
      if (!parse_array_entry (json_array_get_element (list, i), what, data_len, &name, entry,
                              error))
        return NULL;
      if (g_hash_table_contains (table, name))
        {
          g_autofree char *shown = shown_string (name);
          g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: array '%s' is listed twice", what,
                       shown);
          g_free (name);
          return NULL;
        }
      g_hash_table_insert (table, name, g_steal_pointer (&entry));
    }
  return g_steal_pointer (&table);
}

/* For the truncation message: which part of the file contains byte `at`. */
static char *
describe_position (gint64 at, gint64 header_len, gint64 data_len, const guint8 *bytes)
{
  gint64 data_start = TSM_FIXED_LEN + header_len;
  if (at < TSM_FIXED_LEN)
    return g_strdup ("the fixed header");
  if (at < data_start)
    return g_strdup ("the JSON header");
  if (at >= data_start + data_len)
    return g_strdup ("the checksum trailer");

  /* The header is complete: name the array, if the header can be read. */
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *header = parse_header (parser, bytes + TSM_FIXED_LEN, (gsize) header_len, "", NULL);
  g_autoptr (GHashTable) table = header ? parse_array_table (header, "", data_len, NULL) : NULL;
  if (table != NULL)
    {
      GHashTableIter iter;
      gpointer key, value;
      g_hash_table_iter_init (&iter, table);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          const ArrayEntry *e = value;
          if (at - data_start >= e->offset && at - data_start < e->offset + e->nbytes)
            return g_strdup_printf ("array '%s' (at byte %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                                    ")", (const char *) key, at - data_start - e->offset,
                                    e->nbytes);
        }
    }
  return g_strdup_printf ("the parameter data (byte %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT ")",
                          at - data_start, data_len);
}

static gboolean
check_array (GHashTable *table, const char *what, const char *name, int ndim,
             const gint64 *shape, const ArrayEntry **out, GError **error)
{
  const ArrayEntry *e = g_hash_table_lookup (table, name);
  if (e == NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: inconsistent header: array '%s' is "
                   "missing", what, name);
      return FALSE;
    }
  gboolean same = e->ndim == ndim;
  for (int d = 0; same && d < ndim; d++)
    same = e->shape[d] == shape[d];
  if (!same)
    {
      g_autoptr (GString) got = g_string_new (NULL), want = g_string_new (NULL);
      for (int d = 0; d < e->ndim; d++)
        g_string_append_printf (got, "%s%" G_GINT64_FORMAT, d ? " x " : "", e->shape[d]);
      for (int d = 0; d < ndim; d++)
        g_string_append_printf (want, "%s%" G_GINT64_FORMAT, d ? " x " : "", shape[d]);
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: inconsistent header: array '%s' has shape %s, but n_atoms, n_free and "
                   "atom_size require %s", what, name, got->len ? got->str : "()", want->str);
      return FALSE;
    }
  *out = e;
  return TRUE;
}

static void
read_floats_le (const guint8 *src, float *dst, gsize n)
{
  for (gsize i = 0; i < n; i++)
    {
      guint32 bits;
      memcpy (&bits, src + 4 * i, 4);
      bits = GUINT32_FROM_LE (bits);
      memcpy (&dst[i], &bits, 4);
    }
}

static guint32
read_le32 (const guint8 *p)
{
  guint32 v;
  memcpy (&v, p, 4);
  return GUINT32_FROM_LE (v);
}

static guint64
read_le64 (const guint8 *p)
{
  guint64 v;
  memcpy (&v, p, 8);
  return GUINT64_FROM_LE (v);
}

/* Reads up to `max` bytes (fewer at end of file). */
static gboolean
read_prefix (FILE *f, const char *path, guint8 *buf, gsize max, gsize *got, GError **error)
{
  *got = fread (buf, 1, max, f);
  if (*got < max && ferror (f))
    {
      int saved = errno;
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: read error: %s", path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

static TsModel *
model_from_header (const char *path, JsonObject *header, const guint8 *data, gint64 data_len,
                   GError **error)
{
  g_autofree char *what = g_strdup_printf ("%s: header", path);
  gboolean ok = TRUE;
  gint64 n_atoms, n_free, atom_size, groupsize;
  double order, lambda, sigma, tol, beta;

  const char *prox = json_get_string (header, what, NULL, "prox", TRUE, &ok, error);
  if (!ok)
    return NULL;
  TsProxType prox_type;
  if (strcmp (prox, "cpr") == 0)
    prox_type = TS_PROX_CPR;
  else if (strcmp (prox, "ncpr") == 0)
    prox_type = TS_PROX_NCPR;
  else
    {
      g_autofree char *shown = shown_string (prox);
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: unknown prox type '%s' (expected cpr or ncpr)", path, shown);
      return NULL;
    }
  if (!json_get_int (header, what, NULL, "n_atoms", TRUE, 0, 1, TSM_MAX_ATOMS, &n_atoms, error)
      || !json_get_int (header, what, NULL, "n_free", TRUE, 0, 0, TSM_MAX_ATOMS, &n_free, error)
      || !json_get_int (header, what, NULL, "atom_size", TRUE, 0, 1, TSM_MAX_ATOM_SIZE,
                        &atom_size, error)
      || !json_get_int (header, what, NULL, "groupsize", TRUE, 0, 1, 64, &groupsize, error)
      || !json_get_double (header, what, NULL, "order", TRUE, 0, &order, error)
      || !json_get_double (header, what, NULL, "lambda", TRUE, 0, &lambda, error)
      || !json_get_double (header, what, NULL, "sigma", TRUE, 0, &sigma, error)
      || !json_get_double (header, what, NULL, "tol", TRUE, 0, &tol, error)
      || !json_get_double (header, what, NULL, "beta", TRUE, 0, &beta, error))
    return NULL;
  const char *name = json_get_string (header, what, NULL, "name", TRUE, &ok, error);
  if (!ok)
    return NULL;
  const char *provenance = json_get_string (header, what, NULL, "provenance", FALSE, &ok, error);
  if (!ok)
    return NULL;

  g_autoptr (GHashTable) table = parse_array_table (header, what, data_len, error);
  if (table == NULL)
    return NULL;
  const gint64 atoms_shape[3] = { n_atoms, atom_size, atom_size };
  const gint64 free_shape[3] = { n_free, atom_size, atom_size };
  const gint64 scaling_shape[1] = { n_atoms };
  const ArrayEntry *atoms, *free_atoms, *scaling;
  if (!check_array (table, path, "atoms", 3, atoms_shape, &atoms, error)
      || !check_array (table, path, "free_atoms", 3, free_shape, &free_atoms, error)
      || !check_array (table, path, "lambda_scaling", 1, scaling_shape, &scaling, error))
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
  model->beta = beta;
  g_free (model->name);
  model->name = g_strdup (name);
  g_free (model->provenance);
  model->provenance = g_strdup (provenance != NULL ? provenance : "");
  read_floats_le (data + atoms->offset, model->atoms, (gsize) atoms->nbytes / 4);
  read_floats_le (data + free_atoms->offset, model->free_atoms, (gsize) free_atoms->nbytes / 4);
  read_floats_le (data + scaling->offset, model->lambda_scaling, (gsize) scaling->nbytes / 4);
  return g_steal_pointer (&model);
}

/* The body of ts_model_load, separate so that every failure can simply return (the
 * caller owns and closes the stream). */
static TsModel *
load_stream (FILE *f, const char *path, GError **error)
{
  struct stat st;
  guint8 fixed[TSM_FIXED_LEN];
  gsize got = 0;

  if (fstat (fileno (f), &st) != 0)
    {
      int saved = errno;
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: cannot stat: %s", path, g_strerror (saved));
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: not a regular file", path);
      return NULL;
    }
  if (!read_prefix (f, path, fixed, TSM_FIXED_LEN, &got, error))
    return NULL;

  /* A short file that starts like a model file is a truncated one; anything else is not
   * ours at all. */
  if (memcmp (fixed, TSM_MAGIC, MIN (got, TSM_MAGIC_LEN)) != 0)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: not a Tessera model file (the TESSMODL signature is missing)", path);
      return NULL;
    }
  if (got < TSM_FIXED_LEN)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: truncated: the file is %" G_GSIZE_FORMAT " bytes, shorter than the %d-byte "
                   "fixed header", path, got, TSM_FIXED_LEN);
      return NULL;
    }

  /* The version comes before any other check (and before the checksum): a newer file may
   * lay out everything after the version differently, checksum included. */
  guint32 version = read_le32 (fixed + 8);
  if (version > TS_MODEL_FILE_VERSION)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: model format version %u is newer than this Tessera supports (%d)", path,
                   version, TS_MODEL_FILE_VERSION);
      return NULL;
    }
  if (version == 0)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: invalid model format version 0", path);
      return NULL;
    }

  guint32 header_len = read_le32 (fixed + 12);
  guint64 data_len = read_le64 (fixed + 16);
  if (header_len < 2 || header_len > TSM_MAX_HEADER_LEN)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: corrupt: implausible header length %u (limit %u)", path, header_len,
                   TSM_MAX_HEADER_LEN);
      return NULL;
    }
  if (data_len > TSM_MAX_DATA_LEN)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: corrupt: declares %" G_GUINT64_FORMAT " bytes of parameters, more than any "
                   "valid model (limit %" G_GUINT64_FORMAT ")", path, data_len, TSM_MAX_DATA_LEN);
      return NULL;
    }
  /* Both lengths are bounded, so this cannot overflow. */
  gint64 expected = TSM_FIXED_LEN + (gint64) header_len + (gint64) data_len + TSM_CHECKSUM_LEN;
  if ((gint64) st.st_size > expected)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: corrupt: %" G_GINT64_FORMAT " unexpected bytes after the end of the model "
                   "(the header declares %" G_GINT64_FORMAT " bytes)", path,
                   (gint64) st.st_size - expected, expected);
      return NULL;
    }

  /* Read what is there (at most `expected` bytes) and judge the size by what was read:
   * the file may have changed since fstat. The buffer is no larger than the file, so that
   * a 24-byte file declaring 256 MB of parameters does not cost a 256 MB allocation. */
  gsize capacity = (gsize) MIN (expected, MAX ((gint64) st.st_size, (gint64) TSM_FIXED_LEN));
  g_autofree guint8 *bytes = g_malloc (capacity);
  memcpy (bytes, fixed, TSM_FIXED_LEN);
  gsize rest = 0;
  if (!read_prefix (f, path, bytes + TSM_FIXED_LEN, capacity - TSM_FIXED_LEN, &rest, error))
    return NULL;
  gint64 have = TSM_FIXED_LEN + (gint64) rest;
  if (have < expected)
    {
      g_autofree char *where = describe_position (have, header_len, (gint64) data_len, bytes);
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: truncated: the file is %" G_GINT64_FORMAT " bytes, the header declares %"
                   G_GINT64_FORMAT "; it ends inside %s", path, have, expected, where);
      return NULL;
    }

  guint8 digest[TSM_CHECKSUM_LEN];
  gsize digest_len = sizeof digest;
  g_autoptr (GChecksum) sha = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sha, bytes, (gsize) (expected - TSM_CHECKSUM_LEN));
  g_checksum_get_digest (sha, digest, &digest_len);
  if (memcmp (digest, bytes + expected - TSM_CHECKSUM_LEN, TSM_CHECKSUM_LEN) != 0)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: corrupt: checksum mismatch (the file was damaged or modified)", path);
      return NULL;
    }

  g_autofree char *what = g_strdup_printf ("%s: header", path);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *header = parse_header (parser, bytes + TSM_FIXED_LEN, header_len, what, error);
  if (header == NULL)
    return NULL;
  g_autoptr (TsModel) model = model_from_header (path, header, bytes + TSM_FIXED_LEN + header_len,
                                                 (gint64) data_len, error);
  if (model == NULL || !ts_model_validate (model, path, error))
    return NULL;
  return g_steal_pointer (&model);
}

TsModel *
ts_model_load (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  FILE *f = g_fopen (path, "rb");
  if (f == NULL)
    {
      int saved = errno;
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: cannot open: %s", path, g_strerror (saved));
      return NULL;
    }
  TsModel *model = load_stream (f, path, error);
  fclose (f);
  return model;
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
  if (!json_get_int (dict, config_path, "dict_params", member, FALSE, actual, 0, G_MAXINT32, &value,
                     error))
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
  g_autofree char *config_path = g_build_filename (dir, "config.json", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
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
  JsonObject *config = json_node_get_object (root);
  JsonObject *prox = json_get_object (config, config_path, "prox_params", error);
  if (prox == NULL)
    return NULL;
  gboolean ok = TRUE;
  const char *prox_name = json_get_string (prox, config_path, "prox_params", "prox_type", TRUE,
                                           &ok, error);
  if (!ok)
    return NULL;
  TsProxType prox_type;
  if (strcmp (prox_name, "l1norm") == 0)
    prox_type = TS_PROX_CPR;
  else if (strcmp (prox_name, "l0norm") == 0)
    prox_type = TS_PROX_NCPR;
  else
    {
      g_autofree char *shown = shown_string (prox_name);
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: unknown prox_params.prox_type '%s' (expected l1norm or l0norm)",
                   config_path, shown);
      return NULL;
    }
  gint64 groupsize;
  double order, lambda, tol, sigma;
  /* lambda is essential, and so is the order of the non-convex prox; the rest have the
   * values every reference model uses. */
  if (!json_get_int (prox, config_path, "prox_params", "groupsize", FALSE, 1, 1, 64, &groupsize,
                     error)
      || !json_get_double (prox, config_path, "prox_params", "order", prox_type == TS_PROX_NCPR,
                           1.8, &order, error)
      || !json_get_double (prox, config_path, "prox_params", "lambda_init", TRUE, 0, &lambda,
                           error)
      || !json_get_double (config, config_path, NULL, "sigma", FALSE, 0, &sigma, error))
    return NULL;
  JsonNode *dict_node = json_member (config, "dict_params");
  JsonObject *dict = dict_node && JSON_NODE_HOLDS_OBJECT (dict_node)
                       ? json_node_get_object (dict_node) : NULL;
  if (!json_get_double (dict, config_path, "dict_params", "tol", FALSE, 1e-4, &tol, error))
    return NULL;

  g_autofree char *atoms_path = NULL, *free_path = NULL, *beta_path = NULL, *scaling_path = NULL;
  g_autoptr (TsNpyArray) atoms = load_real_npy (dir, "atoms.npy", &atoms_path, error);
  if (atoms == NULL)
    return NULL;
  g_autoptr (TsNpyArray) free_atoms = load_real_npy (dir, "free_atoms.npy", &free_path, error);
  if (free_atoms == NULL)
    return NULL;
  g_autoptr (TsNpyArray) beta = load_real_npy (dir, "beta.npy", &beta_path, error);
  if (beta == NULL)
    return NULL;
  g_autoptr (TsNpyArray) scaling = load_real_npy (dir, "lambda_scaling.npy", &scaling_path, error);
  if (scaling == NULL)
    return NULL;

  gint64 K, p, M, p_free;
  if (!atom_stack_shape (atoms, atoms_path, &K, &p, error)
      || !atom_stack_shape (free_atoms, free_path, &M, &p_free, error))
    return NULL;
  if (K < 1)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "%s: holds no atoms", atoms_path);
      return NULL;
    }
  if (p_free != p)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "%s: free atoms are %" G_GINT64_FORMAT " x %" G_GINT64_FORMAT
                   ", but the atoms in %s are %" G_GINT64_FORMAT " x %" G_GINT64_FORMAT,
                   free_path, p_free, p_free, atoms_path, p, p);
      return NULL;
    }
  if (beta->n_elements != 1)
    {
      g_autofree char *shape = shape_string (beta);
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "%s: expected a single value, got shape %s", beta_path, shape);
      return NULL;
    }
  /* The reference stores lambda_scaling as (K,), sometimes (K, 1, 1): only the count
   * matters. */
  if (scaling->n_elements != (gsize) K)
    {
      g_autofree char *shape = shape_string (scaling);
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "%s: has %" G_GSIZE_FORMAT " values (shape %s), expected %" G_GINT64_FORMAT
                   " (one per atom in %s)",
                   scaling_path, scaling->n_elements, shape, K, atoms_path);
      return NULL;
    }
  if (!check_config_size (dict, config_path, "nb_atoms", K, atoms_path, error)
      || !check_config_size (dict, config_path, "nb_free_atoms", M, free_path, error)
      || !check_config_size (dict, config_path, "atom_size", p, atoms_path, error))
    return NULL;

  g_autoptr (TsModel) model = ts_model_new ((int) K, (int) M, (int) p);
  model->prox_type = prox_type;
  model->groupsize = (int) groupsize;
  model->order = order;
  model->lambda = lambda;
  model->sigma = sigma;
  model->tol = tol;
  model->beta = beta->values[0];
  copy_to_float (atoms, model->atoms);
  copy_to_float (free_atoms, model->free_atoms);
  copy_to_float (scaling, model->lambda_scaling);
  g_free (model->name);
  model->name = g_path_get_basename (dir);
  g_free (model->provenance);
  model->provenance = g_strdup_printf ("imported from reference layout %s", dir);

  if (!ts_model_validate (model, dir, error))
    return NULL;
  return g_steal_pointer (&model);
}

/* ---------------------------------------------------------------------------------------
 * Resolving --model arguments */

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

  /* Something with a directory part is a path, not a name: do not search for it. */
  if (strchr (arg, G_DIR_SEPARATOR) != NULL || strchr (arg, '/') != NULL || arg[0] == '\0')
    {
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: no such model file or folder", arg);
      return NULL;
    }

  g_autofree char *file = g_str_has_suffix (arg, ".tsm") ? g_strdup (arg)
                                                         : g_strconcat (arg, ".tsm", NULL);
  g_autoptr (GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);
  const char *env = g_getenv ("TESSERA_MODEL_PATH");
  if (env != NULL)
    {
      g_auto (GStrv) parts = g_strsplit (env, G_SEARCHPATH_SEPARATOR_S, -1);
      for (char **part = parts; *part != NULL; part++)
        if (**part != '\0')   /* "a::b" and a trailing ':' add nothing */
          g_ptr_array_add (dirs, g_strdup (*part));
    }
  g_ptr_array_add (dirs, g_build_filename (TESSERA_DATADIR, "models", NULL));

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
