/* fastMRI-layout HDF5 files for the tests (test-hdf5-util.h). */
#include "test-hdf5-util.h"
#include <hdf5.h>
#include <math.h>
#include <string.h>
#include "ts-operator.h"

static gboolean
fail (GError **error, const char *path, const char *what)
{
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: cannot write %s", path, what);
  return FALSE;
}

static herr_t
write_dataset (hid_t file, const char *name, hid_t file_type, hid_t mem_type, int rank,
               const hsize_t *dims, const void *data)
{
  hid_t space = H5Screate_simple (rank, dims, NULL);
  hid_t dset = H5Dcreate2 (file, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  herr_t status = dset < 0 ? -1 : H5Dwrite (dset, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
  if (dset >= 0)
    H5Dclose (dset);
  H5Sclose (space);
  return status;
}

static herr_t
write_attribute (hid_t file, const char *name, hid_t type, const void *value)
{
  hid_t space = H5Screate (H5S_SCALAR);
  hid_t attr = H5Acreate2 (file, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  herr_t status = attr < 0 ? -1 : H5Awrite (attr, type, value);
  if (attr >= 0)
    H5Aclose (attr);
  H5Sclose (space);
  return status;
}

gboolean
ts_test_write_fastmri (const char *path, const TsTestFastmri *spec, GError **error)
{
  gboolean ok = FALSE;
  int rank = spec->n_coils > 0 ? 4 : 3;
  hsize_t dims[4];
  gsize n = (gsize) spec->n_slices * MAX (spec->n_coils, 1) * spec->height * spec->width;
  hid_t file, mem_c, file_c;

  if (spec->n_coils > 0)
    {
      hsize_t d[4] = { spec->n_slices, spec->n_coils, spec->height, spec->width };
      memcpy (dims, d, sizeof d);
    }
  else
    {
      hsize_t d[3] = { spec->n_slices, spec->height, spec->width };
      memcpy (dims, d, sizeof d);
    }
  file = H5Fcreate (path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (file < 0)
    return fail (error, path, "the file");

  /* h5py's complex64: a compound {r, i} of two float32 (float64 for complex128). */
  mem_c = H5Tcreate (H5T_COMPOUND, 2 * sizeof (float));
  H5Tinsert (mem_c, "r", 0, H5T_NATIVE_FLOAT);
  H5Tinsert (mem_c, "i", sizeof (float), H5T_NATIVE_FLOAT);
  gsize member = spec->complex128 ? 8 : 4;
  file_c = H5Tcreate (H5T_COMPOUND, 2 * member);
  H5Tinsert (file_c, "r", 0, spec->complex128 ? H5T_IEEE_F64LE : H5T_IEEE_F32LE);
  H5Tinsert (file_c, "i", member, spec->complex128 ? H5T_IEEE_F64LE : H5T_IEEE_F32LE);
  if (spec->real_kspace)
    {
      g_autofree float *re = g_new (float, n);
      for (gsize i = 0; i < n; i++)
        re[i] = spec->kspace[2 * i];
      if (write_dataset (file, "kspace", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, rank, dims, re) < 0)
        goto out;
    }
  else if (write_dataset (file, "kspace", file_c, mem_c, rank, dims, spec->kspace) < 0)
    goto out;

  if (spec->mask != NULL)
    {
      hsize_t mdims[1] = { spec->width };
      const char *type = spec->mask_type != NULL ? spec->mask_type : "bool";
      herr_t status;
      if (strcmp (type, "float32") == 0)
        status = write_dataset (file, "mask", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 1, mdims,
                                spec->mask);
      else
        {
          g_autofree guint8 *bytes = g_new (guint8, spec->width);
          for (int i = 0; i < spec->width; i++)
            bytes[i] = (guint8) spec->mask[i];
          if (strcmp (type, "uint8") == 0)
            status = write_dataset (file, "mask", H5T_STD_U8LE, H5T_NATIVE_UINT8, 1, mdims, bytes);
          else
            {
              hid_t e = H5Tenum_create (H5T_NATIVE_INT8);
              gint8 no = 0, yes = 1;
              H5Tenum_insert (e, "FALSE", &no);
              H5Tenum_insert (e, "TRUE", &yes);
              status = write_dataset (file, "mask", e, e, 1, mdims, bytes);
              H5Tclose (e);
            }
        }
      if (status < 0)
        goto out;
    }
  if (spec->target != NULL)
    {
      hsize_t tdims[3] = { spec->n_slices, spec->target_height, spec->target_width };
      if (write_dataset (file, spec->target_name != NULL ? spec->target_name : "reconstruction_esc",
                         H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 3, tdims, spec->target) < 0)
        goto out;
    }
  if (spec->max_attr > 0 && write_attribute (file, "max", H5T_NATIVE_DOUBLE, &spec->max_attr) < 0)
    goto out;
  if (spec->acceleration_attr > 0
      && write_attribute (file, "acceleration", H5T_NATIVE_INT, &spec->acceleration_attr) < 0)
    goto out;
  if (spec->acquisition != NULL)
    {
      hid_t s = H5Tcopy (H5T_C_S1);
      H5Tset_size (s, H5T_VARIABLE);
      H5Tset_cset (s, H5T_CSET_UTF8);
      herr_t status = write_attribute (file, "acquisition", s, &spec->acquisition);
      H5Tclose (s);
      if (status < 0)
        goto out;
    }
  ok = TRUE;
out:
  H5Tclose (mem_c);
  H5Tclose (file_c);
  if (H5Fclose (file) < 0)
    ok = FALSE;
  return ok ? TRUE : fail (error, path, "a dataset");
}

void
ts_test_centre_kspace (const float *k, float *centred, int width, int height)
{
  for (int r = 0; r < height; r++)
    for (int c = 0; c < width; c++)
      {
        gsize src = (gsize) r * width + c;
        gsize dst = (gsize) ((r + height / 2) % height) * width + (c + width / 2) % width;
        float sign = (r + c) % 2 ? -1.0f : 1.0f;
        centred[2 * dst] = sign * k[2 * src];
        centred[2 * dst + 1] = sign * k[2 * src + 1];
      }
}

gboolean
ts_test_write_fastmri_scan (const char *path, int n_slices, int n_coils, int height, int width,
                            gboolean with_target, GError **error)
{
  gsize n = (gsize) width * height;
  int coils = MAX (n_coils, 1), th = height / 2, tw = width / 2;
  g_autofree float *ones = g_new (float, n);
  g_autofree float *x = g_new (float, n);
  g_autofree float *k = g_new (float, 2 * n);
  g_autofree float *kf = g_new (float, 2 * n * n_slices * coils);
  g_autofree float *target = g_new (float, (gsize) n_slices * th * tw);
  g_autofree float *mask = g_new (float, width);
  for (gsize i = 0; i < n; i++)
    ones[i] = 1.0f;
  for (int c = 0; c < width; c++)
    mask[c] = (c >= width / 2 - 2 && c < width / 2 + 2) || c % 4 == 0 ? 1.0f : 0.0f;
  g_autoptr (TsOperator) op = ts_operator_mri_new (width, height, ones, error);
  if (op == NULL)
    return FALSE;
  for (int s = 0; s < n_slices; s++)
    {
      /* An ellipse with two inner blobs, brighter in later slices; in [0, 1]. */
      for (int r = 0; r < height; r++)
        for (int c = 0; c < width; c++)
          {
            double u = (r - height / 2.0) / (0.4 * height), v = (c - width / 2.0) / (0.35 * width);
            double e = u * u + v * v < 1.0 ? 0.5 : 0.05;
            double b1 = exp (-(pow (r - 0.4 * height, 2) + pow (c - 0.4 * width, 2)) / 20.0);
            double b2 = exp (-(pow (r - 0.6 * height, 2) + pow (c - 0.6 * width, 2)) / 12.0);
            x[(gsize) r * width + c] = (float) ((e + 0.3 * b1 + 0.2 * b2) * (0.8 + 0.1 * s));
          }
      ts_operator_apply (op, x, k);
      for (int coil = 0; coil < coils; coil++)
        ts_test_centre_kspace (k, kf + 2 * n * ((gsize) s * coils + coil), width, height);
      for (int r = 0; r < th; r++)
        for (int c = 0; c < tw; c++)
          target[((gsize) s * th + r) * tw + c] = x[(gsize) (r + (height - th) / 2) * width
                                                    + c + (width - tw) / 2];
    }
  for (gsize i = 0; i < n * n_slices * coils; i++)
    if (mask[i % width] == 0.0f)
      kf[2 * i] = kf[2 * i + 1] = 0.0f;
  TsTestFastmri spec = { .n_slices = n_slices, .n_coils = n_coils, .height = height,
                         .width = width, .kspace = kf, .mask = mask,
                         .target = with_target ? target : NULL, .target_height = th,
                         .target_width = tw, .acquisition = "CORPD_FBK" };
  return ts_test_write_fastmri (path, &spec, error);
}
