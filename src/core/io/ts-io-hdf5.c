/* fastMRI HDF5 files through the HDF5 C API. The library's automatic error printing is turned
 * off and its error stack turned into a GError naming the file; every size is checked against
 * the limits before anything is allocated, and only the chosen slice of k-space is read. The
 * reading runs in a reader process (ts-subprocess-read.h); the centred k-space is turned into
 * Tessera's layout by ts-kspace-centre.h. */
#include "ts-io-hdf5.h"
#include "ts-fftw-lock.h"
#include "ts-io.h"
#include "ts-kspace-centre.h"
#include "ts-subprocess-read.h"
#include <errno.h>
#include <fftw3.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Debian's serial libhdf5 is not built thread-safe: the GUI's loader thread and any other
 * caller take turns. */
static GMutex hdf5_lock;

static const guint8 hdf5_signature[8] = { 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n' };

/* The GT crop of the paper's protocol (data/README.md): the central 320 x 320. */
#define FASTMRI_CROP 320

gboolean
ts_hdf5_name_matches (const char *path)
{
  g_return_val_if_fail (path != NULL, FALSE);
  g_autofree char *lower = g_ascii_strdown (path, -1);
  return g_str_has_suffix (lower, ".h5") || g_str_has_suffix (lower, ".hdf5");
}

/* Reads the first bytes (for the "looks like" message) and looks for the signature at 0, 512,
 * 1024, ...; FALSE with an error when the file cannot be opened or is not HDF5. */
static gboolean
check_signature (const char *path, GError **error)
{
  FILE *f = fopen (path, "rb");
  if (f == NULL)
    {
      int saved = errno;
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: cannot open: %s", path, g_strerror (saved));
      return FALSE;
    }
  guint8 head[16];
  gsize n_head = fread (head, 1, sizeof head, f);
  gboolean found = n_head >= 8 && memcmp (head, hdf5_signature, 8) == 0;
  for (long offset = 512; !found && offset <= (1L << 30); offset *= 2)
    {
      guint8 b[8];
      if (fseek (f, offset, SEEK_SET) != 0 || fread (b, 1, 8, f) != 8)
        break;
      found = memcmp (b, hdf5_signature, 8) == 0;
    }
  fclose (f);
  if (!found && n_head > 0 && n_head < 8 && memcmp (head, hdf5_signature, n_head) == 0)
    g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: not an HDF5 file (truncated in the "
                 "signature)", path);
  else if (!found)
    g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: not an HDF5 file: %s", path,
                 ts_io_describe_content (head, n_head));
  return found;
}

gboolean
ts_hdf5_file_has_signature (const char *path)
{
  g_return_val_if_fail (path != NULL, FALSE);
  return check_signature (path, NULL);
}

/* --- errors ------------------------------------------------------------------------------- */

/* Text from the library or the file, fit for a message: printable ASCII, at most 160 bytes. */
static char *
shown (const char *text)
{
  GString *s = g_string_new (NULL);
  for (const char *p = text; *p != '\0' && s->len < 160; p++)
    g_string_append_c (s, *p >= 0x20 && *p < 0x7f ? *p : '?');
  return g_string_free (s, FALSE);
}

/* The most specific entry of the HDF5 error stack (walking upward starts there). */
static herr_t
first_error (unsigned n, const H5E_error2_t *entry, void *data)
{
  char **message = data;
  if (*message == NULL && entry->desc != NULL && entry->desc[0] != '\0')
    *message = shown (entry->desc);
  return 0;
}

/* Sets `error` to "<path>: <what>: <HDF5's reason>" and clears the library's stack. */
static void
set_hdf5_error (GError **error, TsErrorCode code, const char *path, const char *what)
{
  char *reason = NULL;
  H5Ewalk2 (H5E_DEFAULT, H5E_WALK_UPWARD, first_error, &reason);
  H5Eclear2 (H5E_DEFAULT);
  g_set_error (error, TS_ERROR, code, "%s: %s: %s", path, what,
               reason != NULL ? reason : "unknown HDF5 error");
  g_free (reason);
}

static void
close_id (hid_t *id, herr_t (*close) (hid_t))
{
  if (*id >= 0)
    close (*id);
  *id = -1;
}

/* "float32", "int16", "compound {a, b}", "string", ...: what a dataset holds, for messages. */
static char *
describe_type (hid_t type)
{
  gsize size = H5Tget_size (type);
  switch (H5Tget_class (type))
    {
    case H5T_INTEGER:
      return g_strdup_printf ("%s%" G_GSIZE_FORMAT, H5Tget_sign (type) == H5T_SGN_NONE ? "uint"
                              : "int", 8 * size);
    case H5T_FLOAT:
      return g_strdup_printf ("float%" G_GSIZE_FORMAT, 8 * size);
    case H5T_STRING:
      return g_strdup ("strings");
    case H5T_ENUM:
      return g_strdup ("an enumeration");
    case H5T_COMPOUND:
      {
        GString *s = g_string_new ("a compound {");
        int n = H5Tget_nmembers (type);
        for (int i = 0; i < n && i < 8; i++)
          {
            char *name = H5Tget_member_name (type, (unsigned) i);
            g_autofree char *safe = shown (name != NULL ? name : "?");
            g_string_append_printf (s, "%s%s", i > 0 ? ", " : "", safe);
            H5free_memory (name);
          }
        g_string_append (s, n > 8 ? ", ...}" : "}");
        return g_string_free (s, FALSE);
      }
    default:
      return g_strdup ("an unsupported HDF5 type");
    }
}

/* --- reading ------------------------------------------------------------------------------ */

typedef struct {
  const char *path;
  hid_t file;
  hid_t dset, space, type, memtype, memspace;
} Reader;

static void
reader_close_dataset (Reader *r)
{
  close_id (&r->memspace, H5Sclose);
  close_id (&r->memtype, H5Tclose);
  close_id (&r->type, H5Tclose);
  close_id (&r->space, H5Sclose);
  close_id (&r->dset, H5Dclose);
}

/* Opens dataset `name` with its space and type; *exists FALSE (and TRUE returned) when the
 * file has no such link. */
static gboolean
open_dataset (Reader *r, const char *name, gboolean *exists, int *rank, hsize_t dims[4],
              GError **error)
{
  reader_close_dataset (r);
  htri_t has = H5Lexists (r->file, name, H5P_DEFAULT);
  if (has < 0)
    {
      set_hdf5_error (error, TS_ERROR_FORMAT, r->path, "corrupt HDF5 file");
      return FALSE;
    }
  *exists = has > 0;
  if (!*exists)
    return TRUE;
  r->dset = H5Dopen2 (r->file, name, H5P_DEFAULT);
  if (r->dset < 0)
    {
      g_autofree char *what = g_strdup_printf ("cannot open '%s' as a dataset", name);
      set_hdf5_error (error, TS_ERROR_FORMAT, r->path, what);
      return FALSE;
    }
  r->space = H5Dget_space (r->dset);
  r->type = H5Dget_type (r->dset);
  if (r->space < 0 || r->type < 0)
    {
      set_hdf5_error (error, TS_ERROR_FORMAT, r->path, "corrupt HDF5 dataset");
      return FALSE;
    }
  *rank = H5Sget_simple_extent_ndims (r->space);
  if (*rank < 0 || *rank > 4)
    {
      if (*rank < 0)
        set_hdf5_error (error, TS_ERROR_FORMAT, r->path, "corrupt HDF5 dataspace");
      else
        g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                     "%s: '%s' has %d dimensions; at most 4 are expected", r->path, name, *rank);
      return FALSE;
    }
  if (H5Sget_simple_extent_dims (r->space, dims, NULL) < 0)
    {
      set_hdf5_error (error, TS_ERROR_FORMAT, r->path, "corrupt HDF5 dataspace");
      return FALSE;
    }
  return TRUE;
}

/* Reads the block of `count` (leading dimensions 1) at `start` of the open dataset, as
 * `memtype`, into `out`. */
static gboolean
read_block (Reader *r, const char *name, int rank, const hsize_t start[4], const hsize_t count[4],
            hid_t memtype, void *out, GError **error)
{
  hsize_t n = 1;
  for (int i = 0; i < rank; i++)
    n *= count[i];
  close_id (&r->memspace, H5Sclose);
  r->memspace = H5Screate_simple (1, &n, NULL);
  if (r->memspace < 0
      || H5Sselect_hyperslab (r->space, H5S_SELECT_SET, start, NULL, count, NULL) < 0
      || H5Dread (r->dset, memtype, r->memspace, r->space, H5P_DEFAULT, out) < 0)
    {
      g_autofree char *what = g_strdup_printf ("cannot read '%s' (corrupt or truncated file?)",
                                               name);
      set_hdf5_error (error, TS_ERROR_FORMAT, r->path, what);
      return FALSE;
    }
  return TRUE;
}

static char *
shape_text (int rank, const hsize_t dims[4])
{
  GString *s = g_string_new (NULL);
  for (int i = 0; i < rank; i++)
    g_string_append_printf (s, "%s%llu", i > 0 ? " x " : "", (unsigned long long) dims[i]);
  if (rank == 0)
    g_string_append (s, "a scalar");
  return g_string_free (s, FALSE);
}

/* HDF5 trusts a file's type descriptions: a damaged one (a compound member's offset past
 * the end, a float with impossible fields) sends the conversion routines out of bounds. Only
 * the standard types, which h5py and every fastMRI file use, are accepted for conversion. */
static gboolean
is_standard_float (hid_t t)
{
  return H5Tequal (t, H5T_IEEE_F32LE) > 0 || H5Tequal (t, H5T_IEEE_F32BE) > 0
         || H5Tequal (t, H5T_IEEE_F64LE) > 0 || H5Tequal (t, H5T_IEEE_F64BE) > 0;
}

static gboolean
is_standard_integer (hid_t t)
{
  const hid_t types[] = { H5T_STD_I8LE, H5T_STD_I8BE, H5T_STD_U8LE, H5T_STD_U8BE,
                          H5T_STD_I16LE, H5T_STD_I16BE, H5T_STD_U16LE, H5T_STD_U16BE,
                          H5T_STD_I32LE, H5T_STD_I32BE, H5T_STD_U32LE, H5T_STD_U32BE,
                          H5T_STD_I64LE, H5T_STD_I64BE, H5T_STD_U64LE, H5T_STD_U64BE };
  for (gsize i = 0; i < G_N_ELEMENTS (types); i++)
    if (H5Tequal (t, types[i]) > 0)
      return TRUE;
  return FALSE;
}

static gboolean
is_standard_number (hid_t t)
{
  gboolean ok = is_standard_float (t) || is_standard_integer (t);
  H5Eclear2 (H5E_DEFAULT);
  return ok;
}

/* h5py's complex: a compound of exactly r and i, each a standard float of one size, inside
 * the compound and not overlapping. */
static gboolean
is_h5py_complex (hid_t type)
{
  if (H5Tget_class (type) != H5T_COMPOUND || H5Tget_nmembers (type) != 2)
    return FALSE;
  gsize total = H5Tget_size (type), offsets[2] = { 0, 0 }, sizes[2] = { 0, 0 };
  gboolean ok = TRUE, seen_r = FALSE, seen_i = FALSE;
  for (unsigned i = 0; ok && i < 2; i++)
    {
      char *name = H5Tget_member_name (type, i);
      hid_t member = H5Tget_member_type (type, i);
      ok = name != NULL && member >= 0 && is_standard_float (member);
      if (ok)
        {
          seen_r |= strcmp (name, "r") == 0;
          seen_i |= strcmp (name, "i") == 0;
          offsets[i] = H5Tget_member_offset (type, i);
          sizes[i] = H5Tget_size (member);
        }
      if (member >= 0)
        H5Tclose (member);
      H5free_memory (name);
    }
  ok = ok && seen_r && seen_i && sizes[0] == sizes[1] && offsets[0] <= total
       && offsets[1] <= total && sizes[0] <= total - offsets[0] && sizes[1] <= total - offsets[1]
       && (offsets[0] >= offsets[1] + sizes[1] || offsets[1] >= offsets[0] + sizes[0]);
  H5Eclear2 (H5E_DEFAULT);
  return ok;
}

/* The memory type for h5py's complex numbers: {float r, float i}, converted from float32 or
 * float64 members. NULL error and -1 when the file's type is something else. */
static hid_t
complex_memtype (Reader *r, GError **error)
{
  gboolean ok = is_h5py_complex (r->type);
  if (!ok)
    {
      g_autofree char *what = describe_type (r->type);
      H5Eclear2 (H5E_DEFAULT);
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: kspace holds %s; expected complex values (h5py's complex64: a compound "
                   "of float members r and i)", r->path, what);
      return -1;
    }
  hid_t t = H5Tcreate (H5T_COMPOUND, 2 * sizeof (float));
  H5Tinsert (t, "r", 0, H5T_NATIVE_FLOAT);
  H5Tinsert (t, "i", sizeof (float), H5T_NATIVE_FLOAT);
  return t;
}

/* A scalar numeric attribute of the root group; FALSE when absent or not a number. */
static gboolean
read_number_attribute (hid_t file, const char *name, double *value)
{
  if (H5Aexists (file, name) <= 0)
    return FALSE;
  gboolean ok = FALSE;
  hid_t attr = H5Aopen (file, name, H5P_DEFAULT);
  hid_t type = attr >= 0 ? H5Aget_type (attr) : -1;
  hid_t space = attr >= 0 ? H5Aget_space (attr) : -1;
  if (type >= 0 && space >= 0 && H5Sget_simple_extent_npoints (space) == 1
      && is_standard_number (type))
    ok = H5Aread (attr, H5T_NATIVE_DOUBLE, value) >= 0 && isfinite (*value);
  close_id (&space, H5Sclose);
  close_id (&type, H5Tclose);
  close_id (&attr, H5Aclose);
  H5Eclear2 (H5E_DEFAULT);
  return ok;
}

/* A scalar string attribute of the root group (fixed or variable length), or NULL. */
static char *
read_string_attribute (hid_t file, const char *name)
{
  if (H5Aexists (file, name) <= 0)
    return NULL;
  char *result = NULL;
  hid_t attr = H5Aopen (file, name, H5P_DEFAULT);
  hid_t type = attr >= 0 ? H5Aget_type (attr) : -1;
  hid_t space = attr >= 0 ? H5Aget_space (attr) : -1;
  if (type >= 0 && space >= 0 && H5Tget_class (type) == H5T_STRING
      && H5Sget_simple_extent_npoints (space) == 1)
    {
      if (H5Tis_variable_str (type) > 0)
        {
          hid_t mem = H5Tcopy (H5T_C_S1);
          char *text = NULL;
          H5Tset_size (mem, H5T_VARIABLE);
          /* h5py writes UTF-8; HDF5 converts no string between character sets. */
          H5Tset_cset (mem, H5Tget_cset (type));
          if (H5Aread (attr, mem, &text) >= 0 && text != NULL)
            result = shown (text);
          H5free_memory (text);
          H5Tclose (mem);
        }
      else
        {
          gsize size = H5Tget_size (type);
          if (size > 0 && size < 4096)
            {
              g_autofree char *text = g_malloc0 (size + 1);
              if (H5Aread (attr, type, text) >= 0)
                result = shown (text);
            }
        }
    }
  close_id (&space, H5Sclose);
  close_id (&type, H5Tclose);
  close_id (&attr, H5Aclose);
  H5Eclear2 (H5E_DEFAULT);
  return result;
}

/* The file's "mask" dataset (W or H x W, 0/1) into `out` (H x W, centred layout); *present
 * FALSE when the file has none. */
static gboolean
read_mask (Reader *r, int width, int height, float *out, gboolean *present, GError **error)
{
  int rank = 0;
  hsize_t dims[4] = { 0 };
  if (!open_dataset (r, "mask", present, &rank, dims, error))
    return FALSE;
  if (!*present)
    return TRUE;
  gboolean column = rank == 1 && dims[0] == (hsize_t) width;
  if (!column && !(rank == 2 && dims[0] == (hsize_t) height && dims[1] == (hsize_t) width))
    {
      g_autofree char *shape = shape_text (rank, dims);
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "%s: mask is %s but kspace is %d x %d (expected a mask of %d columns, or "
                   "%d x %d)", r->path, shape, height, width, width, height, width);
      return FALSE;
    }
  gsize n = column ? (gsize) width : (gsize) width * height;
  g_autofree double *values = g_new (double, n);
  H5T_class_t cls = H5Tget_class (r->type);
  hsize_t start[4] = { 0 }, count[4] = { dims[0], dims[1], 0, 0 };
  if ((cls == H5T_INTEGER || cls == H5T_FLOAT) && is_standard_number (r->type))
    {
      if (!read_block (r, "mask", rank, start, count, H5T_NATIVE_DOUBLE, values, error))
        return FALSE;
    }
  else if (cls == H5T_ENUM)
    {
      /* h5py's bool is an enumeration {FALSE = 0, TRUE = 1} over int8: read the raw
       * integers of its base type. */
      hid_t base = H5Tget_super (r->type);
      gsize size = base >= 0 && is_standard_number (base) && H5Tget_class (base) == H5T_INTEGER
                   && H5Tget_nmembers (r->type) >= 1 && H5Tget_nmembers (r->type) <= 256
                   ? H5Tget_size (base) : 0;
      gboolean is_signed = base >= 0 && H5Tget_sign (base) != H5T_SGN_NONE;
      if (base >= 0)
        H5Tclose (base);
      if (size != 1 && size != 2 && size != 4 && size != 8)
        {
          H5Eclear2 (H5E_DEFAULT);
          g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                       "%s: mask is an enumeration of %" G_GSIZE_FORMAT "-byte values; expected "
                       "0/1 numbers or booleans", r->path, size);
          return FALSE;
        }
      r->memtype = H5Tget_native_type (r->type, H5T_DIR_ASCEND);
      g_autofree guint8 *raw = g_malloc (n * size);
      if (r->memtype < 0 || H5Tget_size (r->memtype) != size
          || !read_block (r, "mask", rank, start, count, r->memtype, raw, error))
        {
          if (error != NULL && *error == NULL)
            set_hdf5_error (error, TS_ERROR_FORMAT, r->path, "cannot read 'mask'");
          return FALSE;
        }
      for (gsize i = 0; i < n; i++)
        {
          const guint8 *p = raw + i * size;
          gint64 v;
          if (size == 1)
            v = is_signed ? (gint8) p[0] : p[0];
          else if (size == 2)
            {
              gint16 x;
              memcpy (&x, p, 2);
              v = is_signed ? (gint64) x : (gint64) (guint16) x;
            }
          else if (size == 4)
            {
              gint32 x;
              memcpy (&x, p, 4);
              v = is_signed ? (gint64) x : (gint64) (guint32) x;
            }
          else
            memcpy (&v, p, 8);
          values[i] = (double) v;
        }
    }
  else
    {
      g_autofree char *what = describe_type (r->type);
      H5Eclear2 (H5E_DEFAULT);
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: mask holds %s; expected 0/1 numbers or booleans", r->path, what);
      return FALSE;
    }
  for (gsize i = 0; i < n; i++)
    if (values[i] != 0.0 && values[i] != 1.0)
      {
        g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                     "%s: mask value %g at index %" G_GSIZE_FORMAT " is not 0 or 1", r->path,
                     values[i], i);
        return FALSE;
      }
  for (gsize i = 0; i < (gsize) width * height; i++)
    out[i] = (float) values[column ? i % width : i];
  return TRUE;
}

/* The ground truth of `slice` (reconstruction_esc, else _rss): its image and, when
 * `volume_max` is not NULL, the largest value over every slice. */
static gboolean
read_target (Reader *r, int n_slices, int kspace_rank, int slice, TsImage **target,
             const char **target_name, double *volume_max, GError **error)
{
  static const char *const names[] = { "reconstruction_esc", "reconstruction_rss" };
  int rank = 0;
  hsize_t dims[4] = { 0 };
  gboolean present = FALSE;
  const char *name = NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (names) && !present; i++)
    {
      if (!open_dataset (r, names[i], &present, &rank, dims, error))
        return FALSE;
      name = names[i];
    }
  if (!present)
    return TRUE;
  gboolean sliced = rank == 3;
  if (!(sliced || (rank == 2 && kspace_rank == 2)) || (sliced && dims[0] != (hsize_t) n_slices))
    {
      g_autofree char *shape = shape_text (rank, dims);
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "%s: %s is %s; expected %d slices of height x width, as kspace", r->path, name,
                   shape, n_slices);
      return FALSE;
    }
  gint64 h = (gint64) dims[sliced], w = (gint64) dims[sliced + 1];
  g_autofree char *what = g_strdup_printf ("%s: %s", r->path, name);
  if (!ts_limits_check (what, w, h, 1, error))
    return FALSE;
  if (!is_standard_number (r->type))
    {
      g_autofree char *type = describe_type (r->type);
      H5Eclear2 (H5E_DEFAULT);
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED, "%s: %s holds %s; expected real numbers",
                   r->path, name, type);
      return FALSE;
    }
  g_autoptr (TsImage) image = ts_image_new ((int) w, (int) h, 1, error);
  if (image == NULL)
    return FALSE;
  g_autofree float *buffer = g_new (float, (gsize) w * h);
  double max = 0.0;
  for (int s = 0; s < n_slices; s++)
    {
      if (s != slice && volume_max == NULL)
        continue;
      hsize_t start[4] = { (hsize_t) s, 0, 0, 0 };
      hsize_t count[4] = { 1, (hsize_t) h, (hsize_t) w, 0 };
      if (!sliced)
        {
          start[0] = 0;
          count[0] = (hsize_t) h;
          count[1] = (hsize_t) w;
        }
      float *dst = s == slice ? image->data : buffer;
      if (!read_block (r, name, rank, start, count, H5T_NATIVE_FLOAT, dst, error))
        return FALSE;
      for (gsize i = 0; i < (gsize) w * h; i++)
        {
          if (!isfinite (dst[i]))
            {
              g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                           "%s: %s holds a non-finite value (%s) in slice %d", r->path, name,
                           isnan (dst[i]) ? "NaN" : "Inf", s);
              return FALSE;
            }
          max = MAX (max, dst[i]);
        }
    }
  if (volume_max != NULL)
    *volume_max = max;
  *target = g_steal_pointer (&image);
  *target_name = name;
  return TRUE;
}

/* The largest magnitude of the zero-filled image (orthonormal inverse DFT) in its central
 * 320 x 320 (or the whole image when smaller). */
static double
zero_filled_max (const float *data, int width, int height)
{
  gsize n = (gsize) width * height;
  fftwf_complex *buffer = fftwf_alloc_complex (n);
  if (buffer == NULL)
    return 0.0;
  memcpy (buffer, data, n * sizeof (fftwf_complex));
  ts_fftw_planner_lock ();
  fftwf_plan plan = fftwf_plan_dft_2d (height, width, buffer, buffer, FFTW_BACKWARD, FFTW_ESTIMATE);
  ts_fftw_planner_unlock ();
  fftwf_execute (plan);
  ts_fftw_planner_lock ();
  fftwf_destroy_plan (plan);
  ts_fftw_planner_unlock ();
  /* The image is centred already (ts_kspace_from_centred moved its origin), so crop the middle. */
  int ch = MIN (height, FASTMRI_CROP), cw = MIN (width, FASTMRI_CROP);
  int r0 = (height - ch) / 2, c0 = (width - cw) / 2;
  double max = 0.0;
  for (int r = r0; r < r0 + ch; r++)
    for (int c = c0; c < c0 + cw; c++)
      {
        const float *v = buffer[(gsize) r * width + c];
        max = MAX (max, hypot (v[0], v[1]));
      }
  fftwf_free (buffer);
  return max / sqrt ((double) n);
}

const char *
ts_fastmri_scale_name (TsFastmriScale scale)
{
  switch (scale)
    {
    case TS_FASTMRI_SCALE_NONE: return "none";
    case TS_FASTMRI_SCALE_TARGET_MAX: return "ground-truth maximum";
    case TS_FASTMRI_SCALE_MAX_ATTR: return "the file's max attribute";
    case TS_FASTMRI_SCALE_ZERO_FILLED: return "zero-filled maximum";
    }
  return "unknown";
}

const char *
ts_fastmri_mask_source_name (TsFastmriMaskSource source)
{
  switch (source)
    {
    case TS_FASTMRI_MASK_FILE: return "file";
    case TS_FASTMRI_MASK_GIVEN: return "given";
    case TS_FASTMRI_MASK_DERIVED: return "derived";
    }
  return "unknown";
}

void
ts_fastmri_slice_free (TsFastmriSlice *slice)
{
  if (slice == NULL)
    return;
  ts_kspace_free (slice->kspace);
  ts_image_free (slice->target);
  g_free (slice);
}

/* The slice as stored (not scaled), the ground truth's largest value over the volume
 * (*volume_max, 0 when none) and the "max" attribute (*attr_max, 0 when none). */
static TsFastmriSlice *
load_locked (Reader *r, int slice, const char *mask_path, TsFastmriLoadFlags flags,
             double *volume_max, double *attr_max, GError **error)
{
  const char *path = r->path;
  g_autoptr (TsFastmriSlice) out = g_new0 (TsFastmriSlice, 1);
  int rank = 0;
  hsize_t dims[4] = { 0 };
  gboolean present = FALSE;

  r->file = H5Fopen (path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (r->file < 0)
    {
      set_hdf5_error (error, TS_ERROR_FORMAT, path, "corrupt or truncated HDF5 file");
      return NULL;
    }
  if (!open_dataset (r, "kspace", &present, &rank, dims, error))
    return NULL;
  if (!present)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: no 'kspace' dataset: not a fastMRI file (expected kspace: slices x height "
                   "x width, complex)", path);
      return NULL;
    }
  g_autofree char *shape = shape_text (rank, dims);
  if (rank == 4 && dims[1] != 1)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: multi-coil k-space (kspace is %s: slices x coils x height x width) is not "
                   "supported; only single-coil files are (kspace: slices x height x width, as "
                   "fastMRI's singlecoil_* sets)", path, shape);
      return NULL;
    }
  if (rank != 2 && rank != 3 && rank != 4)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: kspace is %s; expected single-coil k-space: slices x height x width", path,
                   shape);
      return NULL;
    }
  /* The last two dimensions are the image's; the first, if any, the slices. */
  gint64 height = (gint64) dims[rank - 2], width = (gint64) dims[rank - 1];
  gint64 n_slices = rank == 2 ? 1 : (gint64) dims[0];
  if (n_slices < 1)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "%s: kspace is %s: it has no slices", path,
                   shape);
      return NULL;
    }
  if (!ts_limits_check (path, width, height, 2, error))
    return NULL;
  if (n_slices > G_MAXINT)
    n_slices = G_MAXINT;
  if (slice == TS_FASTMRI_MIDDLE_SLICE)
    slice = (int) (n_slices / 2);
  if (slice < 0 || slice >= n_slices)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "%s: slice %d is out of range: the file has %" G_GINT64_FORMAT " slices (0 to %"
                   G_GINT64_FORMAT ")", path, slice, n_slices, n_slices - 1);
      return NULL;
    }
  r->memtype = complex_memtype (r, error);
  if (r->memtype < 0)
    return NULL;

  int w = (int) width, h = (int) height;
  gsize n = (gsize) w * h;
  g_autofree float *stored = g_try_new (float, 2 * n);
  g_autoptr (TsKspace) kspace = ts_kspace_new (w, h, error);
  if (kspace == NULL)
    return NULL;
  if (stored == NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_NOMEM, "%s: out of memory", path);
      return NULL;
    }
  hsize_t start[4] = { (hsize_t) slice, 0, 0, 0 }, count[4] = { 1, 1, 1, 1 };
  if (rank == 2)
    start[0] = 0;
  count[rank - 2] = (hsize_t) h;
  count[rank - 1] = (hsize_t) w;
  if (!read_block (r, "kspace", rank, start, count, r->memtype, stored, error))
    return NULL;
  for (gsize i = 0; i < 2 * n; i++)
    if (!isfinite (stored[i]))
      {
        gsize e = i / 2;
        g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                     "%s: non-finite k-space value (%s) in slice %d at row %" G_GSIZE_FORMAT
                     ", column %" G_GSIZE_FORMAT, path, isnan (stored[i]) ? "NaN" : "Inf", slice,
                     e / w, e % w);
        return NULL;
      }
  ts_kspace_from_centred (stored, kspace->data, w, h);

  /* The mask, in the file's layout: given, the file's, or none (derived below). */
  g_autofree float *mask = g_new (float, n);
  if (mask_path != NULL)
    {
      if (!ts_kspace_mask_load (mask_path, path, w, h, mask, error))
        return NULL;
      out->mask_source = TS_FASTMRI_MASK_GIVEN;
    }
  else
    {
      if (!read_mask (r, w, h, mask, &present, error))
        return NULL;
      out->mask_source = present ? TS_FASTMRI_MASK_FILE : TS_FASTMRI_MASK_DERIVED;
    }
  if (out->mask_source != TS_FASTMRI_MASK_DERIVED)
    {
      ts_kspace_mask_from_centred (mask, kspace->mask, w, h);
      for (gsize i = 0; i < n; i++)
        if (kspace->mask[i] == 0.0f)
          kspace->data[2 * i] = kspace->data[2 * i + 1] = 0.0f;
    }
  else
    for (int c = 0; c < w; c++)
      {
        gboolean sampled = FALSE;
        for (int rr = 0; rr < h && !sampled; rr++)
          {
            const float *v = kspace->data + 2 * ((gsize) rr * w + c);
            sampled = v[0] != 0.0f || v[1] != 0.0f;
          }
        for (int rr = 0; rr < h; rr++)
          kspace->mask[(gsize) rr * w + c] = sampled ? 1.0f : 0.0f;
      }

  gboolean scaled = (flags & TS_FASTMRI_LOAD_RAW) == 0;
  if (!read_target (r, (int) n_slices, rank, slice, &out->target, &out->target_name,
                    scaled ? volume_max : NULL, error))
    return NULL;
  if (!read_number_attribute (r->file, "max", attr_max) || !(*attr_max > 0.0))
    *attr_max = 0.0;

  double acceleration = 0.0;
  if (read_number_attribute (r->file, "acceleration", &acceleration) && acceleration >= 1.0
      && acceleration <= 1000.0)
    out->acceleration = (int) lround (acceleration);
  else
    {
      int sampled = 0;
      for (int c = 0; c < w; c++)
        sampled += kspace->mask[c] != 0.0f;
      out->acceleration = sampled > 0 ? (int) lround ((double) w / sampled) : 1;
    }
  g_autofree char *acquisition = read_string_attribute (r->file, "acquisition");
  out->fat_suppressed = acquisition != NULL && strstr (acquisition, "PDFS") != NULL;
  out->kspace = g_steal_pointer (&kspace);
  out->n_slices = (int) n_slices;
  out->slice = slice;
  return g_steal_pointer (&out);
}

static TsFastmriSlice *
load_in_process (const char *path, int slice, const char *mask_path, TsFastmriLoadFlags flags,
                 double *volume_max, double *attr_max, GError **error)
{
  Reader r = { .path = path, .file = -1, .dset = -1, .space = -1, .type = -1, .memtype = -1,
               .memspace = -1 };
  g_mutex_lock (&hdf5_lock);
  /* No error stack on stderr: failures become GErrors (per thread in thread-safe builds,
   * so set every time). */
  H5Eset_auto2 (H5E_DEFAULT, NULL, NULL);
  *volume_max = *attr_max = 0.0;
  TsFastmriSlice *result = load_locked (&r, slice, mask_path, flags, volume_max, attr_max, error);
  reader_close_dataset (&r);
  close_id (&r.file, H5Fclose);
  H5Eclear2 (H5E_DEFAULT);
  g_mutex_unlock (&hdf5_lock);
  return result;
}

/* --- the reader process ------------------------------------------------------------------
 *
 * libhdf5 trusts a file's metadata: damaged object headers crash it inside H5Dopen (HDF5
 * 1.10.8, tests/test-hdf5.c's damage loop found several), before any of our checks can look.
 * So the file is read in a child process (ts-subprocess-read.h) that sends the slice back as
 * bytes; a crash there is a corrupt file, not a crashed application. The child uses only
 * HDF5, malloc and write. */

/* Memory the reader may take beyond what the parent had mapped when it forked: the largest
 * slice the pixel limit allows needs about 2 GB (stored, converted, mask, ground truth). */
#define CHILD_EXTRA_ADDRESS_SPACE ((guint64) 4 << 30)

static gint reader_timeout_ms = 20000;

void
ts_hdf5_set_reader_timeout (int milliseconds)
{
  g_return_if_fail (milliseconds > 0);
  g_atomic_int_set (&reader_timeout_ms, milliseconds);
}

static guint64 reader_extra_memory = CHILD_EXTRA_ADDRESS_SPACE;

void
ts_hdf5_set_reader_memory (guint64 bytes)
{
  g_return_if_fail (bytes > 0);
  reader_extra_memory = bytes;
}

static void
put (GByteArray *b, const void *data, gsize len)
{
  g_byte_array_append (b, data, (guint) len);
}

static void
put_i32 (GByteArray *b, gint32 v)
{
  put (b, &v, sizeof v);
}

static void
put_f64 (GByteArray *b, double v)
{
  put (b, &v, sizeof v);
}

/* The slice as the reader process sends it (read back by deserialise). */
static GBytes *
serialise (const TsFastmriSlice *fs, double volume_max, double attr_max)
{
  GByteArray *b = g_byte_array_new ();
  const TsKspace *k = fs->kspace;
  gsize n = (gsize) k->width * k->height;
  put_i32 (b, k->width);
  put_i32 (b, k->height);
  put_i32 (b, fs->n_slices);
  put_i32 (b, fs->slice);
  put_i32 (b, fs->mask_source);
  put_i32 (b, fs->acceleration);
  put_i32 (b, fs->fat_suppressed);
  put_f64 (b, volume_max);
  put_f64 (b, attr_max);
  put (b, k->data, 2 * n * sizeof (float));
  put (b, k->mask, n * sizeof (float));
  put_i32 (b, fs->target == NULL ? 0 : g_strcmp0 (fs->target_name, "reconstruction_rss") == 0 ? 2 : 1);
  if (fs->target != NULL)
    {
      put_i32 (b, fs->target->width);
      put_i32 (b, fs->target->height);
      put (b, fs->target->data, ts_image_n_values (fs->target) * sizeof (float));
    }
  return g_byte_array_free_to_bytes (b);
}

typedef struct {
  const guint8 *p;
  gsize left;
} Cursor;

static gboolean
take (Cursor *c, void *out, gsize len)
{
  if (len > c->left)
    return FALSE;
  memcpy (out, c->p, len);
  c->p += len;
  c->left -= len;
  return TRUE;
}

static gboolean
take_i32 (Cursor *c, gint32 *v)
{
  return take (c, v, sizeof *v);
}

/* The reader process's slice; an incomplete answer is refused with `spec`'s message. */
static TsFastmriSlice *
deserialise (const TsSubprocessRead *spec, GBytes *bytes, double *volume_max, double *attr_max,
             GError **error)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  Cursor c = { data, len };
  g_autoptr (TsFastmriSlice) fs = NULL;
  gint32 w, h, n_slices, slice, mask_source, acceleration, fat, target_kind;
  if (!take_i32 (&c, &w) || !take_i32 (&c, &h) || !take_i32 (&c, &n_slices)
      || !take_i32 (&c, &slice) || !take_i32 (&c, &mask_source) || !take_i32 (&c, &acceleration)
      || !take_i32 (&c, &fat) || !take (&c, volume_max, sizeof *volume_max)
      || !take (&c, attr_max, sizeof *attr_max))
    goto broken;
  fs = g_new0 (TsFastmriSlice, 1);
  fs->kspace = ts_kspace_new (w, h, error);
  if (fs->kspace == NULL)
    return NULL;
  gsize n = (gsize) w * h;
  if (!take (&c, fs->kspace->data, 2 * n * sizeof (float))
      || !take (&c, fs->kspace->mask, n * sizeof (float)) || !take_i32 (&c, &target_kind))
    goto broken;
  if (target_kind != 0)
    {
      gint32 tw, th;
      if (!take_i32 (&c, &tw) || !take_i32 (&c, &th))
        goto broken;
      fs->target = ts_image_new (tw, th, 1, error);
      if (fs->target == NULL)
        return NULL;
      if (!take (&c, fs->target->data, ts_image_n_values (fs->target) * sizeof (float)))
        goto broken;
      fs->target_name = target_kind == 2 ? "reconstruction_rss" : "reconstruction_esc";
    }
  if (c.left != 0)
    goto broken;
  fs->n_slices = n_slices;
  fs->slice = slice;
  fs->mask_source = (TsFastmriMaskSource) mask_source;
  fs->acceleration = acceleration;
  fs->fat_suppressed = fat != 0;
  return g_steal_pointer (&fs);

broken:
  ts_subprocess_read_set_incomplete (spec, error);
  return NULL;
}

typedef struct {
  const char *path;
  int slice;
  const char *mask_path;
  TsFastmriLoadFlags flags;
} ReadArgs;

/* Runs in the reader process. */
static GBytes *
read_in_child (gpointer user_data, GError **error)
{
  const ReadArgs *args = user_data;
  double volume_max = 0.0, attr_max = 0.0;
  TsFastmriSlice *fs = load_in_process (args->path, args->slice, args->mask_path, args->flags,
                                        &volume_max, &attr_max, error);
  return fs != NULL ? serialise (fs, volume_max, attr_max) : NULL;
}

static TsFastmriSlice *
load_isolated (const char *path, int slice, const char *mask_path, TsFastmriLoadFlags flags,
               double *volume_max, double *attr_max, GError **error)
{
  ReadArgs args = { path, slice, mask_path, flags };
  TsSubprocessRead spec = { .path = path, .format = "HDF5",
                            .timeout_ms = g_atomic_int_get (&reader_timeout_ms),
                            .extra_memory = reader_extra_memory };
  g_autoptr (GBytes) bytes = ts_subprocess_read (&spec, read_in_child, &args, error);
  if (bytes == NULL)
    return NULL;
  return deserialise (&spec, bytes, volume_max, attr_max, error);
}

/* Scales the slice (and its ground truth) so that the image is about [0, 1]. */
static gboolean
apply_scale (const char *path, TsFastmriSlice *fs, double volume_max, double attr_max,
             GError **error)
{
  TsKspace *k = fs->kspace;
  gsize n = (gsize) k->width * k->height;
  fs->scale = 1.0;
  fs->scale_source = TS_FASTMRI_SCALE_NONE;
  if (fs->target != NULL && volume_max > 0.0)
    {
      fs->scale = 1.0 / volume_max;
      fs->scale_source = TS_FASTMRI_SCALE_TARGET_MAX;
    }
  else if (attr_max > 0.0)
    {
      fs->scale = 1.0 / attr_max;
      fs->scale_source = TS_FASTMRI_SCALE_MAX_ATTR;
    }
  else
    {
      double m = zero_filled_max (k->data, k->width, k->height);
      if (m > 0.0)
        {
          fs->scale = 1.0 / m;
          fs->scale_source = TS_FASTMRI_SCALE_ZERO_FILLED;
        }
    }
  if (!isfinite (fs->scale) || !(fs->scale > 0.0))
    {
      fs->scale = 1.0;
      fs->scale_source = TS_FASTMRI_SCALE_NONE;
    }
  float s = (float) fs->scale;
  for (gsize i = 0; i < 2 * n; i++)
    k->data[i] *= s;
  if (fs->target != NULL)
    for (gsize i = 0; i < ts_image_n_values (fs->target); i++)
      fs->target->data[i] *= s;
  /* Scaling a huge value may overflow float: refuse rather than pass Inf on. */
  for (gsize i = 0; i < 2 * n; i++)
    if (!isfinite (k->data[i]))
      {
        g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                     "%s: k-space value out of range after scaling by %g", path, fs->scale);
        return FALSE;
      }
  return TRUE;
}

TsFastmriSlice *
ts_fastmri_load (const char *path, int slice, const char *mask_path, TsFastmriLoadFlags flags,
                 GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (!check_signature (path, error))
    return NULL;

  double volume_max = 0.0, attr_max = 0.0;
  g_autoptr (TsFastmriSlice) fs = NULL;
  if (flags & TS_FASTMRI_LOAD_IN_PROCESS)
    fs = load_in_process (path, slice, mask_path, flags, &volume_max, &attr_max, error);
  else
    fs = load_isolated (path, slice, mask_path, flags, &volume_max, &attr_max, error);
  if (fs == NULL)
    return NULL;
  fs->scale = 1.0;
  fs->scale_source = TS_FASTMRI_SCALE_NONE;
  if ((flags & TS_FASTMRI_LOAD_RAW) == 0 && !apply_scale (path, fs, volume_max, attr_max, error))
    return NULL;
  return g_steal_pointer (&fs);
}
