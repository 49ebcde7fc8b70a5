/* The signed container of .tsm model files and training checkpoints (ts-container.h).
 *
 * Both lengths sit in the fixed part so that the expected file size is known before any
 * JSON is parsed: a truncated file is reported as truncated (with where it ends) and any
 * other damage as a checksum mismatch, instead of as whatever the parser trips over. */
#include "ts-container.h"
#include "ts-atomic-file.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

/* ---------------------------------------------------------------------------------------
 * JSON field access */

JsonNode *
ts_json_member (JsonObject *obj, const char *member)
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

gboolean
ts_json_get_int (JsonObject *obj, const char *what, const char *section, const char *member,
                 gboolean required, gint64 fallback, gint64 min, gint64 max, gint64 *out,
                 GError **error)
{
  JsonNode *node = ts_json_member (obj, member);
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

gboolean
ts_json_get_double (JsonObject *obj, const char *what, const char *section, const char *member,
                    gboolean required, double fallback, double *out, GError **error)
{
  JsonNode *node = ts_json_member (obj, member);
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

const char *
ts_json_get_string (JsonObject *obj, const char *what, const char *section, const char *member,
                    gboolean required, gboolean *ok, GError **error)
{
  JsonNode *node = ts_json_member (obj, member);
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

JsonObject *
ts_json_get_object (JsonObject *obj, const char *what, const char *member, GError **error)
{
  JsonNode *node = ts_json_member (obj, member);
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

char *
ts_json_shown_string (const char *value)
{
  g_autofree char *escaped = g_strescape (value, NULL);
  if (strlen (escaped) <= 64)
    return g_steal_pointer (&escaped);
  return g_strdup_printf ("%.64s...", escaped);
}

/* ---------------------------------------------------------------------------------------
 * Writing */

static guint64
align_up (guint64 value)
{
  return (value + TS_CONTAINER_ALIGN - 1) / TS_CONTAINER_ALIGN * TS_CONTAINER_ALIGN;
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
  static const guint8 zeros[TS_CONTAINER_ALIGN] = { 0 };
  while (n > 0)
    {
      gsize k = MIN (n, sizeof zeros);
      g_byte_array_append (buf, zeros, (guint) k);
      n -= k;
    }
}

/* Raw bit patterns, so that every value (NaN payloads and -0 included) round-trips. */
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

static void
append_doubles_le (GByteArray *buf, const double *values, gsize n)
{
  for (gsize i = 0; i < n; i++)
    {
      guint64 bits;
      memcpy (&bits, &values[i], 8);
      append_le64 (buf, bits);
    }
}

/* The header is written by hand rather than with JsonGenerator: json-glib 1.6 prints a
 * double such as 1e-300 as "1e-300.0", which is not JSON, and always uses 17 digits. Here
 * every double gets the shortest form that reads back to the same value (exact round
 * trip, and "lambda": 0.0125 stays readable). */
void
ts_json_append_double (GString *out, double value)
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
void
ts_json_append_string (GString *out, const char *value)
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

void
ts_json_append_member (GString *out, const char *name)
{
  g_string_append_printf (out, "  \"%s\": ", name);
}

guint64
ts_container_layout (TsContainerArray *arrays, int n_arrays)
{
  guint64 offset = 0;
  for (int i = 0; i < n_arrays; i++)
    {
      guint64 n = 1;
      for (int d = 0; d < arrays[i].ndim; d++)
        n *= (guint64) arrays[i].shape[d];
      arrays[i].offset = offset;
      arrays[i].nbytes = n * (arrays[i].f8 ? 8 : 4);
      offset = align_up (offset + arrays[i].nbytes);
    }
  return offset;
}

void
ts_container_append_arrays (GString *out, const TsContainerArray *arrays, int n_arrays)
{
  ts_json_append_member (out, "arrays");
  g_string_append (out, "[\n");
  for (int i = 0; i < n_arrays; i++)
    {
      g_string_append_printf (out, "    {\"name\": \"%s\", \"dtype\": \"%s\", \"shape\": [",
                              arrays[i].name, arrays[i].f8 ? "<f8" : "<f4");
      for (int d = 0; d < arrays[i].ndim; d++)
        g_string_append_printf (out, "%s%" G_GINT64_FORMAT, d ? ", " : "", arrays[i].shape[d]);
      g_string_append_printf (out, "], \"offset\": %" G_GUINT64_FORMAT ", \"nbytes\": %"
                              G_GUINT64_FORMAT "}%s\n", arrays[i].offset, arrays[i].nbytes,
                              i + 1 < n_arrays ? "," : "");
    }
  g_string_append (out, "  ]\n");
}

gboolean
ts_container_write (const TsContainerFormat *format, const char *path, const char *json,
                    const TsContainerArray *arrays, int n_arrays, guint64 data_len,
                    GError **error)
{
  gsize json_len = strlen (json);
  /* Pad with spaces and a final newline so that the data section starts aligned. */
  guint64 header_len = align_up (TS_CONTAINER_FIXED_LEN + json_len + 1) - TS_CONTAINER_FIXED_LEN;
  if (header_len > TS_CONTAINER_MAX_HEADER_LEN)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "%s: %s header would be %" G_GUINT64_FORMAT " bytes, over the %u-byte limit "
                   "(is the provenance text huge?)", path, format->kind, header_len,
                   TS_CONTAINER_MAX_HEADER_LEN);
      return FALSE;
    }
  if (data_len > TS_CONTAINER_MAX_DATA_LEN)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "%s: %s data would be %" G_GUINT64_FORMAT " bytes, over the %" G_GUINT64_FORMAT
                   "-byte limit", path, format->kind, data_len, TS_CONTAINER_MAX_DATA_LEN);
      return FALSE;
    }

  g_autoptr (GByteArray) buf = g_byte_array_sized_new (
      (guint) (TS_CONTAINER_FIXED_LEN + header_len + data_len + TS_CONTAINER_CHECKSUM_LEN));
  g_byte_array_append (buf, (const guint8 *) format->magic, TS_CONTAINER_MAGIC_LEN);
  append_le32 (buf, format->version);
  append_le32 (buf, (guint32) header_len);
  append_le64 (buf, data_len);
  g_byte_array_append (buf, (const guint8 *) json, (guint) json_len);
  for (gsize i = json_len; i + 1 < header_len; i++)
    g_byte_array_append (buf, (const guint8 *) " ", 1);
  g_byte_array_append (buf, (const guint8 *) "\n", 1);

  gsize data_start = buf->len;
  for (int i = 0; i < n_arrays; i++)
    {
      append_zeros (buf, data_start + arrays[i].offset - buf->len);
      if (arrays[i].f8)
        append_doubles_le (buf, arrays[i].data, arrays[i].nbytes / 8);
      else
        append_floats_le (buf, arrays[i].data, arrays[i].nbytes / 4);
    }
  append_zeros (buf, data_start + data_len - buf->len);

  guint8 digest[TS_CONTAINER_CHECKSUM_LEN];
  gsize digest_len = sizeof digest;
  g_autoptr (GChecksum) sha = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sha, buf->data, buf->len);
  g_checksum_get_digest (sha, digest, &digest_len);
  g_byte_array_append (buf, digest, TS_CONTAINER_CHECKSUM_LEN);

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
 * Reading */

static gboolean
parse_array_entry (JsonNode *node, const char *what, gint64 data_len, gboolean allow_f8,
                   char **name_out, TsContainerEntry *entry, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: 'arrays' holds a non-object", what);
      return FALSE;
    }
  JsonObject *obj = json_node_get_object (node);
  gboolean ok = TRUE;
  const char *name = ts_json_get_string (obj, what, "arrays[]", "name", TRUE, &ok, error);
  if (!ok)
    return FALSE;
  g_autofree char *shown = ts_json_shown_string (name);
  g_autofree char *section = g_strdup_printf ("arrays['%s']", shown);
  const char *dtype = ts_json_get_string (obj, what, section, "dtype", TRUE, &ok, error);
  if (!ok)
    return FALSE;
  if (strcmp (dtype, "<f4") == 0)
    entry->f8 = FALSE;
  else if (allow_f8 && strcmp (dtype, "<f8") == 0)
    entry->f8 = TRUE;
  else
    {
      g_autofree char *shown_dtype = ts_json_shown_string (dtype);
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: array '%s' has dtype '%s'; only little-endian float32 ('<f4')%s "
                   "supported", what, shown, shown_dtype,
                   allow_f8 ? " and float64 ('<f8') are" : " is");
      return FALSE;
    }
  JsonNode *shape = ts_json_member (obj, "shape");
  if (shape == NULL || !JSON_NODE_HOLDS_ARRAY (shape)
      || json_array_get_length (json_node_get_array (shape)) > TS_CONTAINER_MAX_DIMS)
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
          || json_node_get_int (dim) < 0
          || json_node_get_int (dim) > (gint64) TS_CONTAINER_MAX_DATA_LEN)
        {
          g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                       "%s: array '%s' has an invalid dimension in its shape", what, shown);
          return FALSE;
        }
      entry->shape[d] = json_node_get_int (dim);
    }
  if (!ts_json_get_int (obj, what, section, "offset", TRUE, 0, 0, data_len, &entry->offset, error)
      || !ts_json_get_int (obj, what, section, "nbytes", TRUE, 0, 0, data_len, &entry->nbytes,
                           error))
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
  gint64 element = entry->f8 ? 8 : 4;
  if (count * element != entry->nbytes)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: array '%s' declares %" G_GINT64_FORMAT " bytes, but its shape needs %"
                   G_GINT64_FORMAT, what, shown, entry->nbytes, count * element);
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

static GHashTable *
parse_array_table (JsonObject *header, const char *what, gint64 data_len, gboolean allow_f8,
                   GError **error)
{
  JsonNode *node = ts_json_member (header, "arrays");
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
      g_autofree TsContainerEntry *entry = g_new0 (TsContainerEntry, 1);
      char *name = NULL;
      if (!parse_array_entry (json_array_get_element (list, i), what, data_len, allow_f8, &name,
                              entry, error))
        return NULL;
      if (g_hash_table_contains (table, name))
        {
          g_autofree char *shown = ts_json_shown_string (name);
          g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: array '%s' is listed twice", what,
                       shown);
          g_free (name);
          return NULL;
        }
      g_hash_table_insert (table, name, g_steal_pointer (&entry));
    }
  return g_steal_pointer (&table);
}

GHashTable *
ts_container_array_table (TsContainer *container, GError **error)
{
  return parse_array_table (container->header, container->what, container->data_len,
                            container->format->allow_f8, error);
}

/* For the truncation message: which part of the file contains byte `at`. */
static char *
describe_position (const TsContainerFormat *format, gint64 at, gint64 header_len,
                   gint64 data_len, const guint8 *bytes)
{
  gint64 data_start = TS_CONTAINER_FIXED_LEN + header_len;
  if (at < TS_CONTAINER_FIXED_LEN)
    return g_strdup ("the fixed header");
  if (at < data_start)
    return g_strdup ("the JSON header");
  if (at >= data_start + data_len)
    return g_strdup ("the checksum trailer");

  /* The header is complete: name the array, if the header can be read. */
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *header = parse_header (parser, bytes + TS_CONTAINER_FIXED_LEN, (gsize) header_len,
                                     "", NULL);
  g_autoptr (GHashTable) table = header ? parse_array_table (header, "", data_len,
                                                             format->allow_f8, NULL) : NULL;
  if (table != NULL)
    {
      GHashTableIter iter;
      gpointer key, value;
      g_hash_table_iter_init (&iter, table);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          const TsContainerEntry *e = value;
          if (at - data_start >= e->offset && at - data_start < e->offset + e->nbytes)
            return g_strdup_printf ("array '%s' (at byte %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                                    ")", (const char *) key, at - data_start - e->offset,
                                    e->nbytes);
        }
    }
  return g_strdup_printf ("%s (byte %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT ")",
                          format->data_section, at - data_start, data_len);
}

gboolean
ts_container_check_array (GHashTable *table, const char *path, const char *name, gboolean f8,
                          int ndim, const gint64 *shape, const char *required_by,
                          const TsContainerEntry **out, GError **error)
{
  const TsContainerEntry *e = g_hash_table_lookup (table, name);
  if (e == NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: inconsistent header: array '%s' is "
                   "missing", path, name);
      return FALSE;
    }
  if (e->f8 != f8)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: inconsistent header: array '%s' has "
                   "dtype '%s', expected '%s'", path, name, e->f8 ? "<f8" : "<f4",
                   f8 ? "<f8" : "<f4");
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
                   "%s: inconsistent header: array '%s' has shape %s, but %s require %s", path,
                   name, got->len ? got->str : "()", required_by, want->str);
      return FALSE;
    }
  *out = e;
  return TRUE;
}

void
ts_container_read_floats (const guint8 *src, float *dst, gsize n)
{
  for (gsize i = 0; i < n; i++)
    {
      guint32 bits;
      memcpy (&bits, src + 4 * i, 4);
      bits = GUINT32_FROM_LE (bits);
      memcpy (&dst[i], &bits, 4);
    }
}

void
ts_container_read_doubles (const guint8 *src, double *dst, gsize n)
{
  for (gsize i = 0; i < n; i++)
    {
      guint64 bits;
      memcpy (&bits, src + 8 * i, 8);
      bits = GUINT64_FROM_LE (bits);
      memcpy (&dst[i], &bits, 8);
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

/* The checks that need only the fixed part (`got` bytes of it) and the size of the whole:
 * magic, version, plausible lengths, no bytes after the end. Sets *expected to the size
 * the lengths declare. */
static gboolean
check_fixed (const TsContainerFormat *format, const char *path, const guint8 *fixed, gsize got,
             gint64 size, TsContainer *c, gint64 *expected, GError **error)
{
  /* A short file that starts like ours is a truncated one; anything else is not ours at
   * all. */
  if (got > 0 && memcmp (fixed, format->magic, MIN (got, TS_CONTAINER_MAGIC_LEN)) != 0)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: not a %s (the %.*s signature is missing)", path, format->description,
                   TS_CONTAINER_MAGIC_LEN, format->magic);
      return FALSE;
    }
  if (got < TS_CONTAINER_FIXED_LEN)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: truncated: the file is %" G_GSIZE_FORMAT " bytes, shorter than the %d-byte "
                   "fixed header", path, got, TS_CONTAINER_FIXED_LEN);
      return FALSE;
    }

  /* The version comes before any other check (and before the checksum): a newer file may
   * lay out everything after the version differently, checksum included. */
  guint32 version = read_le32 (fixed + 8);
  if (version > format->version)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: %s format version %u is newer than this Tessera supports (%u)", path,
                   format->kind, version, format->version);
      return FALSE;
    }
  if (version == 0)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: invalid %s format version 0", path,
                   format->kind);
      return FALSE;
    }

  guint32 header_len = read_le32 (fixed + 12);
  guint64 data_len = read_le64 (fixed + 16);
  if (header_len < 2 || header_len > TS_CONTAINER_MAX_HEADER_LEN)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: corrupt: implausible header length %u (limit %u)", path, header_len,
                   TS_CONTAINER_MAX_HEADER_LEN);
      return FALSE;
    }
  if (data_len > TS_CONTAINER_MAX_DATA_LEN)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: corrupt: declares %" G_GUINT64_FORMAT " bytes of %s, more than any "
                   "valid %s (limit %" G_GUINT64_FORMAT ")", path, data_len, format->data_name,
                   format->kind, TS_CONTAINER_MAX_DATA_LEN);
      return FALSE;
    }
  /* Both lengths are bounded, so this cannot overflow. */
  *expected = TS_CONTAINER_FIXED_LEN + (gint64) header_len + (gint64) data_len
              + TS_CONTAINER_CHECKSUM_LEN;
  if (size > *expected)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: corrupt: %" G_GINT64_FORMAT " unexpected bytes after the end of the %s "
                   "(the header declares %" G_GINT64_FORMAT " bytes)", path, size - *expected,
                   format->kind, *expected);
      return FALSE;
    }
  c->version = version;
  c->header_len = header_len;
  c->data_len = (gint64) data_len;
  return TRUE;
}

/* The checks on the whole file (`have` bytes, of the `expected`): size, checksum, JSON. */
static gboolean
check_body (TsContainer *c, const guint8 *bytes, gint64 have, gint64 expected, GError **error)
{
  if (have < expected)
    {
      g_autofree char *where = describe_position (c->format, have, c->header_len, c->data_len,
                                                  bytes);
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: truncated: the file is %" G_GINT64_FORMAT " bytes, the header declares %"
                   G_GINT64_FORMAT "; it ends inside %s", c->path, have, expected, where);
      return FALSE;
    }

  guint8 digest[TS_CONTAINER_CHECKSUM_LEN];
  gsize digest_len = sizeof digest;
  g_autoptr (GChecksum) sha = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sha, bytes, (gsize) (expected - TS_CONTAINER_CHECKSUM_LEN));
  g_checksum_get_digest (sha, digest, &digest_len);
  if (memcmp (digest, bytes + expected - TS_CONTAINER_CHECKSUM_LEN, TS_CONTAINER_CHECKSUM_LEN)
      != 0)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: corrupt: checksum mismatch (the file was damaged or modified)", c->path);
      return FALSE;
    }

  c->parser = json_parser_new ();
  c->header = parse_header (c->parser, bytes + TS_CONTAINER_FIXED_LEN, c->header_len, c->what,
                            error);
  if (c->header == NULL)
    return FALSE;
  c->data = bytes + TS_CONTAINER_FIXED_LEN + c->header_len;
  return TRUE;
}

static TsContainer *
container_new (const TsContainerFormat *format, const char *path)
{
  TsContainer *c = g_new0 (TsContainer, 1);
  c->format = format;
  c->path = g_strdup (path);
  c->what = g_strdup_printf ("%s: header", path);
  return c;
}

void
ts_container_free (TsContainer *container)
{
  if (container == NULL)
    return;
  g_free (container->path);
  g_free (container->what);
  g_clear_object (&container->parser);
  g_free (container->bytes);
  g_free (container);
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

/* The body of ts_container_read_file, separate so that every failure can simply return
 * (the caller owns and closes the stream). */
static TsContainer *
read_stream (const TsContainerFormat *format, FILE *f, const char *path, GError **error)
{
  struct stat st;
  guint8 fixed[TS_CONTAINER_FIXED_LEN];
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
  if (!read_prefix (f, path, fixed, TS_CONTAINER_FIXED_LEN, &got, error))
    return NULL;

  g_autoptr (TsContainer) c = container_new (format, path);
  gint64 expected = 0;
  if (!check_fixed (format, path, fixed, got, (gint64) st.st_size, c, &expected, error))
    return NULL;

  /* Read what is there (at most `expected` bytes) and judge the size by what was read:
   * the file may have changed since fstat. The buffer is no larger than the file, so that
   * a 24-byte file declaring 256 MB of data does not cost a 256 MB allocation. */
  gsize capacity = (gsize) MIN (expected, MAX ((gint64) st.st_size,
                                               (gint64) TS_CONTAINER_FIXED_LEN));
  c->bytes = g_malloc (capacity);
  memcpy (c->bytes, fixed, TS_CONTAINER_FIXED_LEN);
  gsize rest = 0;
  if (!read_prefix (f, path, c->bytes + TS_CONTAINER_FIXED_LEN,
                    capacity - TS_CONTAINER_FIXED_LEN, &rest, error))
    return NULL;
  if (!check_body (c, c->bytes, TS_CONTAINER_FIXED_LEN + (gint64) rest, expected, error))
    return NULL;
  return g_steal_pointer (&c);
}

TsContainer *
ts_container_read_file (const TsContainerFormat *format, const char *path, GError **error)
{
  g_return_val_if_fail (format != NULL && path != NULL, NULL);
  FILE *f = g_fopen (path, "rb");
  if (f == NULL)
    {
      int saved = errno;
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: cannot open: %s", path, g_strerror (saved));
      return NULL;
    }
  TsContainer *c = read_stream (format, f, path, error);
  fclose (f);
  return c;
}

TsContainer *
ts_container_read_bytes (const TsContainerFormat *format, const guint8 *bytes, gsize len,
                         const char *what, GError **error)
{
  g_return_val_if_fail (format != NULL && (bytes != NULL || len == 0) && what != NULL, NULL);
  g_autoptr (TsContainer) c = container_new (format, what);
  gint64 expected = 0;
  if (!check_fixed (format, what, bytes, MIN (len, TS_CONTAINER_FIXED_LEN), (gint64) len, c,
                    &expected, error)
      || !check_body (c, bytes, (gint64) len, expected, error))
    return NULL;
  return g_steal_pointer (&c);
}
