/* fileno, fdopen, fsync, O_CLOEXEC under -std=c11 (meson also passes -D_GNU_SOURCE). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "ts-npy.h"
#include "ts-atomic-file.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
/* NumPy itself refuses headers over 10000 bytes by default; be a little more lenient
 * but never let a hostile length make us allocate much. */
#define NPY_MAX_HEADER_LEN (1 << 20)
#define NPY_CHUNK_ELEMENTS 65536

const char *
ts_npy_dtype_name (TsNpyDtype dtype)
{
  switch (dtype)
    {
    case TS_NPY_FLOAT32: return "float32";
    case TS_NPY_FLOAT64: return "float64";
    case TS_NPY_UINT8: return "uint8";
    case TS_NPY_BOOL: return "bool";
    case TS_NPY_INT32: return "int32";
    case TS_NPY_INT64: return "int64";
    case TS_NPY_COMPLEX64: return "complex64";
    }
  return "unknown";
}

static gsize
dtype_size (TsNpyDtype dtype)
{
  switch (dtype)
    {
    case TS_NPY_UINT8:
    case TS_NPY_BOOL: return 1;
    case TS_NPY_FLOAT32:
    case TS_NPY_INT32: return 4;
    case TS_NPY_FLOAT64:
    case TS_NPY_INT64:
    case TS_NPY_COMPLEX64: return 8;
    }
  return 1;
}

void
ts_npy_free (TsNpyArray *array)
{
  if (array == NULL)
    return;
  g_free (array->values);
  g_free (array->complex_values);
  g_free (array);
}

/* ---- header parsing: a Python dict literal such as
 * {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), } */

typedef struct {
  const char *p;
  const char *end;
} Cursor;

static void
skip_space (Cursor *c)
{
  while (c->p < c->end && g_ascii_isspace (*c->p))
    c->p++;
}

static gboolean
expect_char (Cursor *c, char ch)
{
  skip_space (c);
  if (c->p < c->end && *c->p == ch)
    {
      c->p++;
      return TRUE;
    }
  return FALSE;
}

/* A quoted Python string without escapes (none occur in valid npy headers). */
static char *
parse_string (Cursor *c)
{
  skip_space (c);
  if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
    return NULL;
  char quote = *c->p++;
  const char *start = c->p;
  while (c->p < c->end && *c->p != quote)
    {
      if (*c->p == '\\')
        return NULL;
      c->p++;
    }
  if (c->p >= c->end)
    return NULL;
  char *s = g_strndup (start, c->p - start);
  c->p++;
  return s;
}

static gboolean
parse_word (Cursor *c, const char *word)
{
  skip_space (c);
  gsize n = strlen (word);
  if ((gsize) (c->end - c->p) >= n && strncmp (c->p, word, n) == 0)
    {
      c->p += n;
      return TRUE;
    }
  return FALSE;
}

static gboolean
parse_int (Cursor *c, gint64 *out)
{
  skip_space (c);
  const char *start = c->p;
  gint64 v = 0;
  while (c->p < c->end && g_ascii_isdigit (*c->p))
    {
      if (v > (G_MAXINT64 - 9) / 10)
        return FALSE;
      v = v * 10 + (*c->p - '0');
      c->p++;
    }
  /* Python 2 era files may write "3L". */
  if (c->p < c->end && *c->p == 'L')
    c->p++;
  *out = v;
  return c->p > start;
}

/* Text from the file, fit for an error message: at most `max` bytes, printable ASCII only
 * (anything else, which could be invalid UTF-8 or a terminal escape, becomes '?'), trailing
 * padding removed, "..." when cut. */
static char *
printable_excerpt (const char *text, gsize len, gsize max)
{
  GString *out = g_string_new (NULL);
  for (gsize i = 0; i < len && i < max; i++)
    {
      unsigned char ch = (unsigned char) text[i];
      g_string_append_c (out, ch >= 0x20 && ch < 0x7f ? (char) ch : ch == '\n' ? ' ' : '?');
    }
  while (out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);
  if (len > max)
    g_string_append (out, "...");
  return g_string_free (out, FALSE);
}

static gboolean
parse_descr (const char *path, const char *descr, TsNpyDtype *dtype, gboolean *big_endian,
             GError **error)
{
  static const struct {
    const char *code;
    TsNpyDtype dtype;
  } table[] = {
    { "f4", TS_NPY_FLOAT32 }, { "f8", TS_NPY_FLOAT64 }, { "u1", TS_NPY_UINT8 },
    { "b1", TS_NPY_BOOL },    { "i4", TS_NPY_INT32 },   { "i8", TS_NPY_INT64 },
    { "c8", TS_NPY_COMPLEX64 },
  };
  char order = descr[0];
  if ((order == '<' || order == '>' || order == '|' || order == '=') && strlen (descr) == 3)
    {
      for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
        {
          if (strcmp (descr + 1, table[i].code) != 0)
            continue;
          /* '|' (not applicable) is only valid for one-byte types. */
          if (order == '|' && dtype_size (table[i].dtype) != 1)
            break;
          *dtype = table[i].dtype;
          *big_endian = order == '>' || (order == '=' && G_BYTE_ORDER == G_BIG_ENDIAN);
          return TRUE;
        }
    }
  g_autofree char *shown = printable_excerpt (descr, strlen (descr), 32);
  g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
               "%s: unsupported dtype '%s' (supported: float32, float64, uint8, bool, int32, "
               "int64, complex64)", path, shown);
  return FALSE;
}

static gboolean
parse_header (const char *path, const char *text, gsize len, TsNpyArray *array,
              gboolean *big_endian, gboolean *fortran_order, GError **error)
{
  Cursor c = { text, text + len };
  gboolean have_descr = FALSE, have_order = FALSE, have_shape = FALSE;

  if (!expect_char (&c, '{'))
    goto bad;
  for (;;)
    {
      if (expect_char (&c, '}'))
        break;
      g_autofree char *key = parse_string (&c);
      if (key == NULL || !expect_char (&c, ':'))
        goto bad;
      if (strcmp (key, "descr") == 0)
        {
          skip_space (&c);
          if (c.p < c.end && *c.p == '[')
            {
              g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                           "%s: structured dtypes are not supported", path);
              return FALSE;
            }
          g_autofree char *descr = parse_string (&c);
          if (descr == NULL)
            goto bad;
          if (!parse_descr (path, descr, &array->dtype, big_endian, error))
            return FALSE;
          have_descr = TRUE;
        }
      else if (strcmp (key, "fortran_order") == 0)
        {
          if (parse_word (&c, "True"))
            *fortran_order = TRUE;
          else if (parse_word (&c, "False"))
            *fortran_order = FALSE;
          else
            goto bad;
          have_order = TRUE;
        }
      else if (strcmp (key, "shape") == 0)
        {
          if (!expect_char (&c, '('))
            goto bad;
          int ndim = 0;
          for (;;)
            {
              if (expect_char (&c, ')'))
                break;
              gint64 dim;
              if (!parse_int (&c, &dim))
                goto bad;
              if (ndim == TS_NPY_MAX_DIMS)
                {
                  g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                               "%s: arrays with more than %d dimensions are not supported",
                               path, TS_NPY_MAX_DIMS);
                  return FALSE;
                }
              array->shape[ndim++] = dim;
              if (!expect_char (&c, ',') )
                {
                  if (!expect_char (&c, ')'))
                    goto bad;
                  break;
                }
            }
          array->ndim = ndim;
          have_shape = TRUE;
        }
      else
        goto bad;
      if (!expect_char (&c, ','))
        {
          if (!expect_char (&c, '}'))
            goto bad;
          break;
        }
    }
  if (!have_descr || !have_order || !have_shape)
    goto bad;
  return TRUE;

bad:
  {
    g_autofree char *shown = printable_excerpt (text, len, 200);
    g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: malformed .npy header: %s", path, shown);
  }
  return FALSE;
}

static void
swap_bytes (guint8 *data, gsize n_elements, gsize size)
{
  for (gsize i = 0; i < n_elements; i++, data += size)
    for (gsize a = 0, b = size - 1; a < b; a++, b--)
      {
        guint8 t = data[a];
        data[a] = data[b];
        data[b] = t;
      }
}

static void
convert_chunk (TsNpyArray *array, const guint8 *raw, gsize start, gsize count)
{
  switch (array->dtype)
    {
    case TS_NPY_FLOAT32:
      for (gsize i = 0; i < count; i++)
        {
          float v;
          memcpy (&v, raw + 4 * i, 4);
          array->values[start + i] = v;
        }
      break;
    case TS_NPY_FLOAT64:
      memcpy (array->values + start, raw, 8 * count);
      break;
    case TS_NPY_UINT8:
      for (gsize i = 0; i < count; i++)
        array->values[start + i] = raw[i];
      break;
    case TS_NPY_BOOL:
      for (gsize i = 0; i < count; i++)
        array->values[start + i] = raw[i] != 0 ? 1.0 : 0.0;
      break;
    case TS_NPY_INT32:
      for (gsize i = 0; i < count; i++)
        {
          gint32 v;
          memcpy (&v, raw + 4 * i, 4);
          array->values[start + i] = v;
        }
      break;
    case TS_NPY_INT64:
      for (gsize i = 0; i < count; i++)
        {
          gint64 v;
          memcpy (&v, raw + 8 * i, 8);
          array->values[start + i] = (double) v;
        }
      break;
    case TS_NPY_COMPLEX64:
      memcpy (array->complex_values + 2 * start, raw, 8 * count);
      break;
    }
}

/* A Fortran-order array of shape (d0, ..., dn-1) is stored with axis 0 varying fastest:
 * element (i0, ..., in-1) sits at i0 + d0 * (i1 + d1 * (i2 + ...)). Reorders `data`
 * (n elements of `width` items of `item_size` bytes each) into C order, last axis fastest,
 * walking the C-order indices with an odometer so that no division is needed. */
static gboolean
fortran_to_c_order (void *data, gsize item_size, gsize width, int ndim, const gint64 *shape,
                    gsize n)
{
  int axes = 0;
  for (int i = 0; i < ndim; i++)
    if (shape[i] > 1)
      axes++;
  /* With at most one axis longer than 1, both orders coincide. */
  if (n == 0 || axes <= 1)
    return TRUE;

  gsize elem = item_size * width;
  guint8 *out = g_try_malloc (n * elem);
  if (out == NULL)
    return FALSE;
  const guint8 *in = data;
  gsize stride[TS_NPY_MAX_DIMS], idx[TS_NPY_MAX_DIMS] = { 0 };
  gsize s = 1;
  for (int k = 0; k < ndim; k++)
    {
      stride[k] = s;
      s *= (gsize) shape[k];
    }
  gsize off = 0;
  for (gsize c = 0; c < n; c++)
    {
      memcpy (out + c * elem, in + off * elem, elem);
      for (int k = ndim - 1; k >= 0; k--)
        {
          off += stride[k];
          if (++idx[k] < (gsize) shape[k])
            break;
          off -= stride[k] * (gsize) shape[k];
          idx[k] = 0;
        }
    }
  memcpy (data, out, n * elem);
  g_free (out);
  return TRUE;
}

static guint32
read_le (const guint8 *p, int n)
{
  guint32 v = 0;
  for (int i = n - 1; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

static gboolean
read_exact (FILE *f, void *buf, gsize n)
{
  return fread (buf, 1, n, f) == n;
}

/* Reads the magic, the version, the header length and the header dict into `array`
 * (shape and dtype); *data_offset is where the data starts. */
static gboolean
read_npy_header (FILE *f, const char *path, const struct stat *st, TsNpyArray *array,
                 gboolean *big_endian, gboolean *fortran_order, gsize *data_offset,
                 GError **error)
{
  guint8 preamble[12];
  gsize got = fread (preamble, 1, 10, f);
  if (got < 8 || memcmp (preamble, NPY_MAGIC, NPY_MAGIC_LEN) != 0)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: not a NumPy .npy file (the \\x93NUMPY signature is missing)", path);
      return FALSE;
    }
  int major = preamble[6], minor = preamble[7];
  if (major < 1 || major > 3)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: unsupported .npy format version %d.%d", path, major, minor);
      return FALSE;
    }
  gsize len_bytes = major == 1 ? 2 : 4;
  if (got < 10 || (len_bytes == 4 && !read_exact (f, preamble + 10, 2)))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: truncated .npy header", path);
      return FALSE;
    }
  gsize header_len = read_le (preamble + 8, (int) len_bytes);
  *data_offset = 8 + len_bytes + header_len;
  if (header_len > NPY_MAX_HEADER_LEN)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: .npy header length %" G_GSIZE_FORMAT " is implausibly large", path,
                   header_len);
      return FALSE;
    }
  g_autofree char *header = g_malloc (header_len + 1);
  if (!read_exact (f, header, header_len))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: truncated .npy header (expected %" G_GSIZE_FORMAT " bytes, file has %"
                   G_GINT64_FORMAT ")", path, *data_offset, (gint64) st->st_size);
      return FALSE;
    }
  header[header_len] = '\0';
  return parse_header (path, header, header_len, array, big_endian, fortran_order, error);
}

/* Sets array->n_elements from the shape, refusing counts over the limit (checked step by
 * step so that the product cannot overflow). */
static gboolean
count_npy_elements (const char *path, TsNpyArray *array, GError **error)
{
  guint64 max_elements = (guint64) ts_limits_get_max_pixels () * TS_NPY_MAX_DIMS;
  guint64 n = 1;
  for (int i = 0; i < array->ndim; i++)
    {
      if (array->shape[i] != 0 && n > max_elements / (guint64) array->shape[i])
        {
          g_autoptr (GString) shape = g_string_new (NULL);
          for (int j = 0; j < array->ndim; j++)
            g_string_append_printf (shape, "%s%" G_GINT64_FORMAT, j ? " x " : "", array->shape[j]);
          g_set_error (error, TS_ERROR, TS_ERROR_LIMIT,
                       "%s: array of shape %s has more than %" G_GUINT64_FORMAT
                       " elements, over the limit", path, shape->str, max_elements);
          return FALSE;
        }
      n *= (guint64) array->shape[i];
    }
  array->n_elements = n;
  return TRUE;
}

/* Checks that a regular file holds all the data, then allocates the values. */
static gboolean
allocate_npy_values (const char *path, const struct stat *st, gsize data_offset,
                     TsNpyArray *array, GError **error)
{
  guint64 n = array->n_elements;
  guint64 expected = (guint64) n * dtype_size (array->dtype);
  guint64 actual = st->st_size > (off_t) data_offset ? (guint64) st->st_size - data_offset : 0;
  if (S_ISREG (st->st_mode) && actual < expected)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: truncated data: expected %" G_GUINT64_FORMAT " bytes of %s, found %"
                   G_GUINT64_FORMAT, path, expected, ts_npy_dtype_name (array->dtype), actual);
      return FALSE;
    }

  /* +1 keeps the pointer non-NULL for empty arrays, so "values == NULL" still means complex. */
  if (array->dtype == TS_NPY_COMPLEX64)
    array->complex_values = g_try_new (float, 2 * n + 1);
  else
    array->values = g_try_new (double, n + 1);
  if (array->values == NULL && array->complex_values == NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_NOMEM, "%s: out of memory for %" G_GUINT64_FORMAT
                   " elements", path, n);
      return FALSE;
    }
  return TRUE;
}

/* Reads the data in chunks, swapping bytes from the other endianness, into the values. */
static gboolean
read_npy_data (FILE *f, const char *path, TsNpyArray *array, gboolean big_endian,
               GError **error)
{
  guint64 n = array->n_elements;
  gsize esize = dtype_size (array->dtype);
  guint64 expected = (guint64) n * esize;
  g_autofree guint8 *chunk = g_malloc (NPY_CHUNK_ELEMENTS * esize);
  for (gsize start = 0; start < n; start += NPY_CHUNK_ELEMENTS)
    {
      gsize count = MIN (NPY_CHUNK_ELEMENTS, n - start);
      gsize read = fread (chunk, esize, count, f);
      if (read != count)
        {
          if (ferror (f))
            g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: read error: %s", path,
                         g_strerror (errno));
          else
            g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                         "%s: truncated data: expected %" G_GUINT64_FORMAT " bytes, found %"
                         G_GUINT64_FORMAT, path, expected, (guint64) (start + read) * esize);
          return FALSE;
        }
      if (big_endian != (G_BYTE_ORDER == G_BIG_ENDIAN) && esize > 1)
        /* complex64 swaps each float32 half separately. */
        swap_bytes (chunk, array->dtype == TS_NPY_COMPLEX64 ? 2 * count : count,
                    array->dtype == TS_NPY_COMPLEX64 ? 4 : esize);
      convert_chunk (array, chunk, start, count);
    }
  return TRUE;
}

static gboolean
npy_to_c_order (const char *path, TsNpyArray *array, GError **error)
{
  guint64 n = array->n_elements;
  gboolean moved = array->complex_values != NULL
      ? fortran_to_c_order (array->complex_values, sizeof (float), 2, array->ndim,
                            array->shape, n)
      : fortran_to_c_order (array->values, sizeof (double), 1, array->ndim, array->shape, n);
  if (!moved)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_NOMEM,
                   "%s: out of memory reordering %" G_GUINT64_FORMAT
                   " Fortran-order elements", path, n);
      return FALSE;
    }
  return TRUE;
}

static FILE *
open_npy (const char *path, struct stat *st, GError **error)
{
  FILE *f = fopen (path, "rb");
  int saved;

  if (f == NULL)
    {
      saved = errno;
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: cannot open: %s", path,
                   g_strerror (saved));
      return NULL;
    }
  if (fstat (fileno (f), st) != 0)
    {
      saved = errno;
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: cannot stat: %s", path, g_strerror (saved));
      fclose (f);
      return NULL;
    }
  return f;
}

gboolean
ts_npy_read_header (const char *path, TsNpyHeader *header, GError **error)
{
  TsNpyArray array = { 0 };
  gboolean big_endian = FALSE, fortran_order = FALSE, ok;
  gsize data_offset = 0;
  struct stat st;
  FILE *f;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (header != NULL, FALSE);
  f = open_npy (path, &st, error);
  if (f == NULL)
    return FALSE;
  ok = read_npy_header (f, path, &st, &array, &big_endian, &fortran_order, &data_offset, error);
  fclose (f);
  if (!ok)
    return FALSE;
  *header = (TsNpyHeader) { .ndim = array.ndim, .dtype = array.dtype, .fortran_order = fortran_order };
  memcpy (header->shape, array.shape, sizeof header->shape);
  return TRUE;
}

TsNpyArray *
ts_npy_load (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  struct stat st;
  FILE *f = open_npy (path, &st, error);
  if (f == NULL)
    return NULL;
  g_autoptr (TsNpyArray) array = g_new0 (TsNpyArray, 1);
  gboolean big_endian = FALSE, fortran_order = FALSE;
  gsize data_offset = 0;
  gboolean ok = read_npy_header (f, path, &st, array, &big_endian, &fortran_order, &data_offset, error)
                && count_npy_elements (path, array, error)
                && allocate_npy_values (path, &st, data_offset, array, error)
                && read_npy_data (f, path, array, big_endian, error)
                && (!fortran_order || npy_to_c_order (path, array, error));
  fclose (f);
  return ok ? g_steal_pointer (&array) : NULL;
}

/* ---- saving */

static gboolean
npy_save (const char *path, const char *descr, const float *data, gsize floats_per_element,
          int ndim, const gint64 *shape, GError **error)
{
  g_return_val_if_fail (path != NULL, FALSE);
  if (ndim < 0 || ndim > TS_NPY_MAX_DIMS)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "%s: cannot save a %d-dimensional array",
                   path, ndim);
      return FALSE;
    }
  g_autoptr (GString) dict = g_string_new (NULL);
  g_string_append_printf (dict, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
  gsize n = 1;
  for (int i = 0; i < ndim; i++)
    {
      if (shape[i] < 0)
        {
          g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "%s: negative array dimension", path);
          return FALSE;
        }
      n *= (gsize) shape[i];
      g_string_append_printf (dict, "%s%" G_GINT64_FORMAT, i ? ", " : "", shape[i]);
    }
  /* A one-element tuple needs its trailing comma in Python. */
  g_string_append (dict, ndim == 1 ? ",), }" : "), }");
  /* Version 1.0: 10-byte preamble + dict, space padded so data starts on a 64-byte boundary. */
  gsize total = 10 + dict->len + 1;
  while (total % 64 != 0)
    {
      g_string_append_c (dict, ' ');
      total++;
    }
  g_string_append_c (dict, '\n');
  g_return_val_if_fail (dict->len <= G_MAXUINT16, FALSE);

  guint8 preamble[10];
  memcpy (preamble, NPY_MAGIC, NPY_MAGIC_LEN);
  preamble[6] = 1;
  preamble[7] = 0;
  preamble[8] = dict->len & 0xff;
  preamble[9] = (dict->len >> 8) & 0xff;

  TsAtomicFile *file = ts_atomic_file_open (path, error);
  if (file == NULL)
    return FALSE;
  FILE *f = ts_atomic_file_stream (file);
  gboolean ok = fwrite (preamble, 1, sizeof preamble, f) == sizeof preamble
                && fwrite (dict->str, 1, dict->len, f) == dict->len;
  gsize n_floats = n * floats_per_element;
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  if (ok && n_floats > 0)
    ok = fwrite (data, sizeof (float), n_floats, f) == n_floats;
#else
  for (gsize i = 0; ok && i < n_floats; i++)
    {
      guint32 v;
      memcpy (&v, data + i, 4);
      v = GUINT32_TO_LE (v);
      ok = fwrite (&v, 4, 1, f) == 1;
    }
#endif
  if (!ok)
    {
      int saved = errno;
      ts_atomic_file_abort (file);
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: write error: %s", path,
                   g_strerror (saved));
      return FALSE;
    }
  return ts_atomic_file_commit (file, error);
}

gboolean
ts_npy_save_float32 (const char *path, const float *data, int ndim, const gint64 *shape,
                     GError **error)
{
  return npy_save (path, "<f4", data, 1, ndim, shape, error);
}

gboolean
ts_npy_save_complex64 (const char *path, const float *data, int ndim, const gint64 *shape,
                       GError **error)
{
  return npy_save (path, "<c8", data, 2, ndim, shape, error);
}
