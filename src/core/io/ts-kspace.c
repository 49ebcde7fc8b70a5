/* fileno, fdopen, fsync, O_CLOEXEC under -std=c11 (meson also passes -D_GNU_SOURCE). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "ts-kspace.h"
#include "ts-atomic-file.h"
#include "ts-npy.h"
#include <errno.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define CFL_MAX_DIMS 16

TsKspace *
ts_kspace_new (int width, int height, GError **error)
{
  if (!ts_limits_check ("k-space", width, height, 2, error))
    return NULL;
  gsize n = (gsize) width * height;
  float *data = g_try_new0 (float, 2 * n);
  float *mask = g_try_new0 (float, n);
  if (data == NULL || mask == NULL)
    {
      g_free (data);
      g_free (mask);
      g_set_error (error, TS_ERROR, TS_ERROR_NOMEM, "out of memory for %d x %d k-space", width,
                   height);
      return NULL;
    }
  TsKspace *k = g_new0 (TsKspace, 1);
  k->width = width;
  k->height = height;
  k->data = data;
  k->mask = mask;
  return k;
}

void
ts_kspace_free (TsKspace *kspace)
{
  if (kspace == NULL)
    return;
  g_free (kspace->data);
  g_free (kspace->mask);
  g_free (kspace);
}

static gboolean
has_suffix_ci (const char *path, const char *suffix)
{
  gsize n = strlen (path), m = strlen (suffix);
  return n >= m && g_ascii_strcasecmp (path + n - m, suffix) == 0;
}

static gboolean
check_finite (const char *path, const float *data, int width, int height, GError **error)
{
  gsize n = (gsize) width * height * 2;
  for (gsize i = 0; i < n; i++)
    if (!isfinite (data[i]))
      {
        gsize e = i / 2;
        g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                     "%s: non-finite k-space value (%s) at row %" G_GSIZE_FORMAT ", column %"
                     G_GSIZE_FORMAT, path, isnan (data[i]) ? "NaN" : "Inf", e / width, e % width);
        return FALSE;
      }
  return TRUE;
}

/* Mask values must be exactly 0 or 1 (NaN fails both tests). */
static gboolean
check_binary (const char *path, const float *mask, int width, gsize n, GError **error)
{
  for (gsize i = 0; i < n; i++)
    if (mask[i] != 0.0f && mask[i] != 1.0f)
      {
        g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                     "%s: mask value %g at row %" G_GSIZE_FORMAT ", column %" G_GSIZE_FORMAT
                     " is not 0 or 1", path, mask[i], i / width, i % width);
        return FALSE;
      }
  return TRUE;
}

/* ---- BART .cfl/.hdr */

static void
cfl_paths (const char *base, char **hdr, char **cfl)
{
  g_autofree char *stem = NULL;
  if (has_suffix_ci (base, ".cfl") || has_suffix_ci (base, ".hdr"))
    stem = g_strndup (base, strlen (base) - 4);
  else
    stem = g_strdup (base);
  *hdr = g_strconcat (stem, ".hdr", NULL);
  *cfl = g_strconcat (stem, ".cfl", NULL);
}

/* The .hdr text; small, so a hostile size is refused rather than read. */
static char *
read_header (const char *hdr, GError **error)
{
  FILE *f = fopen (hdr, "rb");
  if (f == NULL)
    {
      int saved = errno;
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: cannot open the BART header: %s", hdr,
                   g_strerror (saved));
      return NULL;
    }
  enum { MAX_HDR = 65536 };
  char *text = g_malloc (MAX_HDR + 1);
  gsize n = fread (text, 1, MAX_HDR + 1, f);
  gboolean failed = ferror (f);
  int saved = errno;
  fclose (f);
  if (failed || n > MAX_HDR)
    {
      g_free (text);
      if (failed)
        g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: cannot read: %s", hdr, g_strerror (saved));
      else
        g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: not a BART header (too large)", hdr);
      return NULL;
    }
  text[n] = '\0';
  return text;
}

/* Reads a .cfl/.hdr pair holding a 2-D complex array; returns interleaved data. */
static float *
cfl_read (const char *base, int *width, int *height, char **cfl_out, GError **error)
{
  g_autofree char *hdr = NULL, *cfl = NULL;
  cfl_paths (base, &hdr, &cfl);
  g_autofree char *text = read_header (hdr, error);
  if (text == NULL)
    return NULL;
  /* First non-comment line holds the dimensions, dims[0] fastest. */
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  const char *dims_line = NULL;
  for (int i = 0; lines[i] != NULL; i++)
    {
      const char *l = lines[i];
      while (g_ascii_isspace (*l))
        l++;
      if (*l != '\0' && *l != '#')
        {
          dims_line = l;
          break;
        }
    }
  gint64 dims[CFL_MAX_DIMS];
  int ndims = 0;
  if (dims_line != NULL)
    {
      const char *p = dims_line;
      for (;;)
        {
          while (*p == ' ' || *p == '\t' || *p == '\r')
            p++;
          if (*p == '\0')
            break;
          char *end;
          gint64 v = g_ascii_strtoll (p, &end, 10);
          if (end == p || ndims == CFL_MAX_DIMS || v < 1)
            {
              ndims = -1;
              break;
            }
          dims[ndims++] = v;
          p = end;
        }
    }
  if (ndims < 1)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: malformed BART header (expected \"# Dimensions\" and a line of up to %d "
                   "positive integers)", hdr, CFL_MAX_DIMS);
      return NULL;
    }
  if (ndims == 1)
    dims[ndims++] = 1;
  for (int i = 2; i < ndims; i++)
    if (dims[i] != 1)
      {
        g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                     "%s: BART dimension %d is %" G_GINT64_FORMAT "; only single-coil 2-D k-space "
                     "(all dimensions after the first two equal to 1) is supported", hdr, i,
                     dims[i]);
        return NULL;
      }
  if (!ts_limits_check (hdr, dims[0], dims[1], 2, error))
    return NULL;

  FILE *f = fopen (cfl, "rb");
  if (f == NULL)
    {
      int saved = errno;
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: cannot open: %s", cfl, g_strerror (saved));
      return NULL;
    }
  gsize n = (gsize) dims[0] * dims[1];
  guint64 expected = (guint64) n * 8;
  struct stat st;
  if (fstat (fileno (f), &st) != 0 || (guint64) st.st_size != expected)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: file has %" G_GINT64_FORMAT " bytes but %s declares %" G_GINT64_FORMAT
                   " x %" G_GINT64_FORMAT " complex values (%" G_GUINT64_FORMAT " bytes)",
                   cfl, (gint64) st.st_size, hdr, dims[0], dims[1], expected);
      fclose (f);
      return NULL;
    }
  float *data = g_try_new (float, 2 * n);
  if (data == NULL)
    {
      fclose (f);
      g_set_error (error, TS_ERROR, TS_ERROR_NOMEM, "%s: out of memory", cfl);
      return NULL;
    }
  gsize got = fread (data, sizeof (float), 2 * n, f);
  fclose (f);
  if (got != 2 * n)
    {
      g_free (data);
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: truncated: expected %" G_GUINT64_FORMAT
                   " bytes, read %" G_GSIZE_FORMAT, cfl, expected, got * sizeof (float));
      return NULL;
    }
#if G_BYTE_ORDER == G_BIG_ENDIAN
  for (gsize i = 0; i < 2 * n; i++)
    {
      guint32 v;
      memcpy (&v, data + i, 4);
      v = GUINT32_FROM_LE (v);
      memcpy (data + i, &v, 4);
    }
#endif
  /* Column-major with dims[0] fastest is exactly our row-major layout with
   * width = dims[0], height = dims[1]: no reordering needed. */
  *width = (int) dims[0];
  *height = (int) dims[1];
  if (cfl_out != NULL)
    *cfl_out = g_steal_pointer (&cfl);
  return data;
}

static gboolean
write_all (TsAtomicFile *file, const char *path, const void *data, gsize len, GError **error)
{
  if (fwrite (data, 1, len, ts_atomic_file_stream (file)) != len)
    {
      int saved = errno;
      ts_atomic_file_abort (file);
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: write error: %s", path, g_strerror (saved));
      return FALSE;
    }
  return ts_atomic_file_commit (file, error);
}

gboolean
ts_kspace_save_cfl (const char *base, const float *complex_data, int width, int height,
                    GError **error)
{
  g_return_val_if_fail (base != NULL && complex_data != NULL, FALSE);
  g_autofree char *hdr = NULL, *cfl = NULL;
  cfl_paths (base, &hdr, &cfl);
  if (width <= 0 || height <= 0)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "%s: invalid size %d x %d", cfl, width,
                   height);
      return FALSE;
    }
  gsize n = (gsize) width * height;
  TsAtomicFile *file = ts_atomic_file_open (cfl, error);
  if (file == NULL)
    return FALSE;
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  if (!write_all (file, cfl, complex_data, 2 * n * sizeof (float), error))
    return FALSE;
#else
  g_autofree float *le = g_memdup2 (complex_data, 2 * n * sizeof (float));
  for (gsize i = 0; i < 2 * n; i++)
    {
      guint32 v;
      memcpy (&v, le + i, 4);
      v = GUINT32_TO_LE (v);
      memcpy (le + i, &v, 4);
    }
  if (!write_all (file, cfl, le, 2 * n * sizeof (float), error))
    return FALSE;
#endif
  /* BART writes all 16 dimensions; dims[0] is the fastest (our width). */
  g_autoptr (GString) text = g_string_new ("# Dimensions\n");
  g_string_append_printf (text, "%d %d", width, height);
  for (int i = 2; i < CFL_MAX_DIMS; i++)
    g_string_append (text, " 1");
  g_string_append (text, " \n");
  file = ts_atomic_file_open (hdr, error);
  if (file == NULL)
    return FALSE;
  return write_all (file, hdr, text->str, text->len, error);
}

/* ---- masks */

gboolean
ts_kspace_mask_load (const char *mask_path, const char *kspace_path, int width, int height,
                     float *out, GError **error)
{
  g_return_val_if_fail (mask_path != NULL && kspace_path != NULL && out != NULL, FALSE);
  gsize n = (gsize) width * height;
  if (has_suffix_ci (mask_path, ".cfl") || has_suffix_ci (mask_path, ".hdr"))
    {
      int mw, mh;
      g_autofree char *cfl = NULL;
      g_autofree float *m = cfl_read (mask_path, &mw, &mh, &cfl, error);
      if (m == NULL)
        return FALSE;
      /* A 1-D BART array (W x 1) is a column mask. */
      if (!((mw == width && mh == height) || (mw == width && mh == 1)))
        {
          g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                       "%s: mask is %d x %d but k-space %s is %d x %d", cfl, mh, mw, kspace_path,
                       height, width);
          return FALSE;
        }
      for (gsize i = 0; i < (gsize) mw * mh; i++)
        if (m[2 * i + 1] != 0.0f)
          {
            g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                         "%s: mask has a nonzero imaginary part", cfl);
            return FALSE;
          }
      for (gsize i = 0; i < n; i++)
        out[i] = m[2 * (mh == 1 ? i % width : i)];
      return check_binary (cfl, out, width, n, error);
    }

  g_autoptr (TsNpyArray) m = ts_npy_load (mask_path, error);
  if (m == NULL)
    return FALSE;
  if (m->dtype == TS_NPY_COMPLEX64)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "%s: mask is complex; expected a real 0/1 array", mask_path);
      return FALSE;
    }
  gboolean column = FALSE;
  if (m->ndim == 2 && m->shape[0] == height && m->shape[1] == width)
    column = FALSE;
  else if ((m->ndim == 1 && m->shape[0] == width)
           || (m->ndim == 2 && m->shape[0] == 1 && m->shape[1] == width))
    column = TRUE;
  else
    {
      if (m->ndim == 2)
        g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                     "%s: mask is %" G_GINT64_FORMAT " x %" G_GINT64_FORMAT
                     " but k-space %s is %d x %d", mask_path, m->shape[0], m->shape[1],
                     kspace_path, height, width);
      else if (m->ndim == 1)
        g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                     "%s: column mask has length %" G_GINT64_FORMAT " but k-space %s is %d x %d "
                     "(width %d)", mask_path, m->shape[0], kspace_path, height, width, width);
      else
        g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                     "%s: mask has %d dimensions; expected H x W or a column mask of length W "
                     "for k-space %s (%d x %d)", mask_path, m->ndim, kspace_path, height, width);
      return FALSE;
    }
  for (gsize i = 0; i < n; i++)
    out[i] = (float) m->values[column ? i % width : i];
  for (gsize i = 0; i < (column ? (gsize) width : n); i++)
    if (m->values[i] != 0.0 && m->values[i] != 1.0)
      {
        g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                     "%s: mask value %g at row %" G_GSIZE_FORMAT ", column %" G_GSIZE_FORMAT
                     " is not 0 or 1", mask_path, m->values[i], column ? 0 : i / width,
                     i % width);
        return FALSE;
      }
  return TRUE;
}

/* Applies the mask (or derives it from the nonzero samples) and zeroes unsampled entries. */
static TsKspace *
finish (TsKspace *k, const char *kspace_path, const char *mask_path, GError **error)
{
  gsize n = (gsize) k->width * k->height;
  if (mask_path != NULL)
    {
      if (!ts_kspace_mask_load (mask_path, kspace_path, k->width, k->height, k->mask, error))
        {
          ts_kspace_free (k);
          return NULL;
        }
      for (gsize i = 0; i < n; i++)
        if (k->mask[i] == 0.0f)
          k->data[2 * i] = k->data[2 * i + 1] = 0.0f;
    }
  else
    for (gsize i = 0; i < n; i++)
      k->mask[i] = k->data[2 * i] != 0.0f || k->data[2 * i + 1] != 0.0f ? 1.0f : 0.0f;
  return k;
}

TsKspace *
ts_kspace_load_npy (const char *kspace_path, const char *mask_path, GError **error)
{
  g_return_val_if_fail (kspace_path != NULL, NULL);
  g_autoptr (TsNpyArray) a = ts_npy_load (kspace_path, error);
  if (a == NULL)
    return NULL;
  if (a->dtype != TS_NPY_COMPLEX64)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: k-space must be complex64, not %s", kspace_path,
                   ts_npy_dtype_name (a->dtype));
      return NULL;
    }
  /* H x W, or 1 x H x W (a single coil). */
  int off = a->ndim == 3 && a->shape[0] == 1 ? 1 : 0;
  if (a->ndim - off != 2)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: k-space has %d dimensions; expected H x W (single coil)", kspace_path,
                   a->ndim);
      return NULL;
    }
  gint64 h = a->shape[off], w = a->shape[off + 1];
  if (!ts_limits_check (kspace_path, w, h, 2, error))
    return NULL;
  if (!check_finite (kspace_path, a->complex_values, (int) w, (int) h, error))
    return NULL;
  TsKspace *k = g_new0 (TsKspace, 1);
  k->width = (int) w;
  k->height = (int) h;
  k->data = g_steal_pointer (&a->complex_values);
  k->mask = g_try_new0 (float, (gsize) w * h);
  if (k->mask == NULL)
    {
      ts_kspace_free (k);
      g_set_error (error, TS_ERROR, TS_ERROR_NOMEM, "%s: out of memory", kspace_path);
      return NULL;
    }
  return finish (k, kspace_path, mask_path, error);
}

TsKspace *
ts_kspace_load_cfl (const char *base, const char *mask_path, GError **error)
{
  g_return_val_if_fail (base != NULL, NULL);
  int w, h;
  g_autofree char *cfl = NULL;
  float *data = cfl_read (base, &w, &h, &cfl, error);
  if (data == NULL)
    return NULL;
  if (!check_finite (cfl, data, w, h, error))
    {
      g_free (data);
      return NULL;
    }
  TsKspace *k = g_new0 (TsKspace, 1);
  k->width = w;
  k->height = h;
  k->data = data;
  k->mask = g_try_new0 (float, (gsize) w * h);
  if (k->mask == NULL)
    {
      ts_kspace_free (k);
      g_set_error (error, TS_ERROR, TS_ERROR_NOMEM, "%s: out of memory", cfl);
      return NULL;
    }
  return finish (k, cfl, mask_path, error);
}

TsKspace *
ts_kspace_load (const char *kspace_path, const char *mask_path, GError **error)
{
  g_return_val_if_fail (kspace_path != NULL, NULL);
  if (has_suffix_ci (kspace_path, ".npy"))
    return ts_kspace_load_npy (kspace_path, mask_path, error);
  if (has_suffix_ci (kspace_path, ".cfl") || has_suffix_ci (kspace_path, ".hdr"))
    return ts_kspace_load_cfl (kspace_path, mask_path, error);
  /* BART tools name the pair by its base; accept that when the header exists. */
  g_autofree char *hdr = g_strconcat (kspace_path, ".hdr", NULL);
  if (g_file_test (hdr, G_FILE_TEST_IS_REGULAR))
    return ts_kspace_load_cfl (kspace_path, mask_path, error);
  g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
               "%s: unknown k-space format (use a complex64 .npy or a BART .cfl/.hdr pair)",
               kspace_path);
  return NULL;
}

/* --- compact slice folders -------------------------------------------------------------- */

gboolean
ts_kspace_path_is_fat_suppressed (const char *path)
{
  g_return_val_if_fail (path != NULL, FALSE);
  g_auto (GStrv) parts = g_strsplit (path, G_DIR_SEPARATOR_S, -1);

  for (int i = 0; parts[i] != NULL; i++)
    if (g_ascii_strcasecmp (parts[i], "pdfs") == 0)
      return TRUE;
  return FALSE;
}

/* meta.json: the full shape and the acceleration (8 when absent). */
static gboolean
read_compact_meta (const char *meta_path, gint64 *height, gint64 *width, int *acceleration,
                   GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonObject *meta;
  JsonArray *shape;

  if (!json_parser_load_from_file (parser, meta_path, error))
    return FALSE;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    goto bad_meta;
  meta = json_node_get_object (root);
  if (!json_object_has_member (meta, "shape")
      || !JSON_NODE_HOLDS_ARRAY (json_object_get_member (meta, "shape")))
    goto bad_meta;
  shape = json_object_get_array_member (meta, "shape");
  if (json_array_get_length (shape) != 2)
    goto bad_meta;
  *height = json_array_get_int_element (shape, 0);
  *width = json_array_get_int_element (shape, 1);
  if (!ts_limits_check (meta_path, *width, *height, 2, error))
    return FALSE;
  *acceleration = 8;
  if (json_object_has_member (meta, "acceleration"))
    *acceleration = (int) json_object_get_int_member (meta, "acceleration");
  return TRUE;

bad_meta:
  g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: expected {\"shape\": [H, W], ...}",
               meta_path);
  return FALSE;
}

/* Scatters the sampled columns into the full k-space and marks them in the mask. */
static gboolean
scatter_columns (TsKspace *kspace, const TsNpyArray *columns, const TsNpyArray *values,
                 const char *columns_path, const char *values_path, GError **error)
{
  gint64 width = kspace->width, height = kspace->height, n_cols = columns->shape[0];

  memset (kspace->data, 0, sizeof (float) * 2 * (gsize) width * height);
  memset (kspace->mask, 0, sizeof (float) * (gsize) width * height);
  for (gint64 j = 0; j < n_cols; j++)
    {
      double col = columns->values[j];
      if (!(col >= 0 && col < width) || col != floor (col))
        {
          g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: column index %g outside 0..%"
                       G_GINT64_FORMAT, columns_path, col, width - 1);
          return FALSE;
        }
      for (gint64 r = 0; r < height; r++)
        {
          gsize dst = (gsize) r * width + (gsize) col;
          gsize src = (gsize) r * n_cols + j;
          float re = values->complex_values[2 * src], im = values->complex_values[2 * src + 1];
          if (!isfinite (re) || !isfinite (im))
            {
              g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "%s: non-finite k-space value",
                           values_path);
              return FALSE;
            }
          kspace->data[2 * dst] = re;
          kspace->data[2 * dst + 1] = im;
          kspace->mask[dst] = 1.0f;
        }
    }
  return TRUE;
}

TsKspace *
ts_kspace_load_compact (const char *dir, int *acceleration, GError **error)
{
  g_return_val_if_fail (dir != NULL, NULL);
  g_autofree char *meta_path = g_build_filename (dir, "meta.json", NULL);
  g_autofree char *columns_path = g_build_filename (dir, "columns.npy", NULL);
  g_autofree char *values_path = g_build_filename (dir, "kspace_cols.npy", NULL);
  g_autoptr (TsNpyArray) columns = NULL;
  g_autoptr (TsNpyArray) values = NULL;
  g_autoptr (TsKspace) kspace = NULL;
  gint64 height, width;
  int meta_acceleration;

  if (!read_compact_meta (meta_path, &height, &width, &meta_acceleration, error))
    return NULL;
  columns = ts_npy_load (columns_path, error);
  if (columns == NULL)
    return NULL;
  values = ts_npy_load (values_path, error);
  if (values == NULL)
    return NULL;
  if (columns->values == NULL || columns->ndim != 1)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: expected a 1-D integer array",
                   columns_path);
      return NULL;
    }
  if (values->complex_values == NULL || values->ndim != 2 || values->shape[0] != height
      || values->shape[1] != columns->shape[0])
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: expected a complex %" G_GINT64_FORMAT " x %" G_GINT64_FORMAT " array",
                   values_path, height, columns->shape[0]);
      return NULL;
    }
  kspace = ts_kspace_new ((int) width, (int) height, error);
  if (kspace == NULL
      || !scatter_columns (kspace, columns, values, columns_path, values_path, error))
    return NULL;
  if (acceleration != NULL)
    *acceleration = meta_acceleration;
  return g_steal_pointer (&kspace);
}

int
ts_kspace_acceleration (const TsKspace *kspace)
{
  g_return_val_if_fail (kspace != NULL, 0);
  gsize n = (gsize) kspace->width * kspace->height, taken = 0;
  for (gsize i = 0; i < n; i++)
    taken += kspace->mask[i] != 0.0f;
  return taken > 0 ? (int) ((double) n / (double) taken + 0.5) : 0;
}
