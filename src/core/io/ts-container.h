/* The signed file container shared by the model file (.tsm, docs/model-format.md) and the
 * training checkpoint (docs/checkpoint-format.md):
 *
 *   0   8 bytes   magic (e.g. "TESSMODL")
 *   8   uint32 LE format version
 *   12  uint32 LE header length H (bytes of JSON, including padding)
 *   16  uint64 LE data length N (bytes of the data section)
 *   24  H bytes   UTF-8 JSON header, padded with white space
 *   24 + H        N bytes of little-endian arrays, at the offsets the header's "arrays" gives
 *   24 + H + N    32 bytes: SHA-256 of all preceding bytes
 *
 * This module does the generic part: writing (layout, padding, checksum, atomic file) and
 * reading (fixed part, version, plausible lengths, size, checksum, JSON, the array table),
 * with messages that name the file. What the header means is the caller's business.
 * Internal to libtessera. */
#pragma once
#include <glib.h>
#include <json-glib/json-glib.h>
#include "ts-error.h"

G_BEGIN_DECLS

#define TS_CONTAINER_MAGIC_LEN 8
#define TS_CONTAINER_FIXED_LEN 24
#define TS_CONTAINER_CHECKSUM_LEN 32
/* The data section starts (and each array within it) on this boundary. */
#define TS_CONTAINER_ALIGN 16
/* Sanity bounds against hostile or corrupt headers. */
#define TS_CONTAINER_MAX_HEADER_LEN (1u << 20)
#define TS_CONTAINER_MAX_DATA_LEN ((guint64) 256 << 20)
#define TS_CONTAINER_MAX_DIMS 4

/* One kind of file: the words its messages use. */
typedef struct {
  const char *magic;          /* TS_CONTAINER_MAGIC_LEN ASCII bytes */
  guint32 version;            /* the version written, and the newest one read */
  const char *kind;           /* "model": "model format version 7 is newer ..." */
  const char *description;    /* "Tessera model file": "not a Tessera model file" */
  const char *data_name;      /* "parameters": "declares N bytes of parameters" */
  const char *data_section;   /* "the parameter data": "it ends inside the parameter data" */
  gboolean allow_f8;          /* arrays may be '<f8' as well as '<f4' */
} TsContainerFormat;

/* --- writing ------------------------------------------------------------------------- */

typedef struct {
  const char *name;
  gboolean f8;                /* '<f8' (data: doubles), else '<f4' (data: floats) */
  const void *data;
  gint64 shape[TS_CONTAINER_MAX_DIMS];
  int ndim;
  guint64 offset;             /* within the data section (set by ts_container_layout) */
  guint64 nbytes;
} TsContainerArray;

/* Sets each array's offset and size (aligned, in order); returns the data length. */
guint64  ts_container_layout (TsContainerArray *arrays, int n_arrays);
/* Appends the header member `  "arrays": [ ... ]` and a newline. */
void     ts_container_append_arrays (GString *json, const TsContainerArray *arrays, int n_arrays);
/* Writes the file atomically: fixed part, `json` padded to alignment, the arrays, SHA-256. */
gboolean ts_container_write (const TsContainerFormat *format, const char *path, const char *json,
                             const TsContainerArray *arrays, int n_arrays, guint64 data_len,
                             GError **error);

/* JSON text helpers: the shortest form of a double that reads back to the same value; a
 * UTF-8 string with escapes; `  "name": ` (two spaces of indentation). */
void ts_json_append_double (GString *out, double value);
void ts_json_append_string (GString *out, const char *value);
void ts_json_append_member (GString *out, const char *name);

/* --- reading ------------------------------------------------------------------------- */

typedef struct {
  const TsContainerFormat *format;
  char *path;                 /* as given (the `what` of ts_container_read_bytes) */
  char *what;                 /* "<path>: header", the prefix of header field messages */
  guint32 version;
  guint32 header_len;
  JsonParser *parser;
  JsonObject *header;         /* owned by parser */
  const guint8 *data;         /* the data section */
  gint64 data_len;
  guint8 *bytes;              /* the file's bytes when read from a file */
} TsContainer;

/* Opens and checks everything generic, up to a parsed JSON object header. */
TsContainer *ts_container_read_file (const TsContainerFormat *format, const char *path,
                                     GError **error);
/* The same from memory (borrowed: `bytes` must outlive the result); `what` stands for the
 * file name in messages. */
TsContainer *ts_container_read_bytes (const TsContainerFormat *format, const guint8 *bytes,
                                      gsize len, const char *what, GError **error);
void         ts_container_free (TsContainer *container);

typedef struct {
  gint64 shape[TS_CONTAINER_MAX_DIMS];
  int ndim;
  gboolean f8;
  gint64 offset, nbytes;
} TsContainerEntry;

/* The header's "arrays", by name (values: TsContainerEntry), each checked to lie inside the
 * data section with a size that matches its shape and dtype. */
GHashTable *ts_container_array_table (TsContainer *container, GError **error);
/* Looks up a required array and checks its dtype and shape; `required_by` names what
 * determines the shape ("n_atoms, n_free and atom_size"). Messages start with `path`. */
gboolean    ts_container_check_array (GHashTable *table, const char *path, const char *name,
                                      gboolean f8, int ndim, const gint64 *shape,
                                      const char *required_by, const TsContainerEntry **out,
                                      GError **error);
void        ts_container_read_floats (const guint8 *src, float *dst, gsize n);
void        ts_container_read_doubles (const guint8 *src, double *dst, gsize n);

/* JSON field access with messages "<what>: field '<section>.<member>' is ...". `section`
 * names the enclosing object for nested members, or NULL. */
JsonNode   *ts_json_member (JsonObject *obj, const char *member);
gboolean    ts_json_get_int (JsonObject *obj, const char *what, const char *section,
                             const char *member, gboolean required, gint64 fallback, gint64 min,
                             gint64 max, gint64 *out, GError **error);
gboolean    ts_json_get_double (JsonObject *obj, const char *what, const char *section,
                                const char *member, gboolean required, double fallback,
                                double *out, GError **error);
/* A borrowed string, or NULL (with `error` set unless the field is optional and absent, in
 * which case `*ok` stays TRUE). */
const char *ts_json_get_string (JsonObject *obj, const char *what, const char *section,
                                const char *member, gboolean required, gboolean *ok,
                                GError **error);
JsonObject *ts_json_get_object (JsonObject *obj, const char *what, const char *member,
                                GError **error);
/* A string from a file, fit for an error message: escaped (control characters and
 * non-ASCII bytes as \ooo, so no terminal escapes) and cut to 64 bytes. */
char       *ts_json_shown_string (const char *value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsContainer, ts_container_free)

G_END_DECLS
