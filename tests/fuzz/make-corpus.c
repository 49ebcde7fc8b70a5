/* Writes the seed corpora for the fuzz harnesses (tests/fuzz/corpus/<name>/) with the
 * project's own savers: small valid files of every layout the loaders accept.
 * Usage: fuzz-make-corpus CORPUS_DIR */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <jpeglib.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "tessera.h"
#include "test-hdf5-util.h"

static const char *out_dir;
static char *tmp_dir;

G_NORETURN static void
die (GError *error)
{
  g_printerr ("make-corpus: %s\n", error ? error->message : "failed");
  exit (1);
}

static TsImage *
pattern (int w, int h, int c)
{
  TsImage *image = ts_image_new (w, h, c, NULL);
  for (gsize i = 0; i < ts_image_n_values (image); i++)
    image->data[i] = (float) ((i * 37) % 101) / 100.0f;
  return image;
}

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

/* Copies a file from the scratch folder into the corpus, with `prefix` bytes before it
 * and `drop_tail` bytes removed from its end. */
static void
to_corpus (const char *sub, const char *name, const char *src, const void *prefix,
           gsize prefix_len, gsize drop_tail)
{
  char *contents;
  gsize len;
  GError *error = NULL;
  if (!g_file_get_contents (src, &contents, &len, &error))
    die (error);
  g_autofree char *dir = g_build_filename (out_dir, sub, NULL);
  g_mkdir_with_parents (dir, 0755);
  g_autofree char *dst = g_build_filename (dir, name, NULL);
  GByteArray *bytes = g_byte_array_new ();
  if (prefix_len > 0)
    g_byte_array_append (bytes, prefix, prefix_len);
  g_byte_array_append (bytes, (const guint8 *) contents, len - MIN (len, drop_tail));
  if (!g_file_set_contents (dst, (const char *) bytes->data, bytes->len, &error))
    die (error);
  g_byte_array_unref (bytes);
  g_free (contents);
}

static void
image_seed (const char *sub, const char *name, int w, int h, int c, int depth)
{
  g_autoptr (TsImage) image = pattern (w, h, c);
  g_autofree char *path = tmp_path (name);
  GError *error = NULL;
  if (!ts_image_save (image, path, depth, &error))
    die (error);
  to_corpus (sub, name, path, NULL, 0, 0);
}

/* A hand-written .npy 1.0 file (dtypes and orders the savers do not produce). */
static void
npy_seed (const char *name, const char *dict, const void *data, gsize data_len)
{
  g_autoptr (GString) header = g_string_new (dict);
  while ((10 + header->len + 1) % 64 != 0)
    g_string_append_c (header, ' ');
  g_string_append_c (header, '\n');
  guint8 pre[10] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, header->len & 0xff, header->len >> 8 };
  g_autofree char *path = tmp_path (name);
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  g_byte_array_append (bytes, pre, 10);
  g_byte_array_append (bytes, (const guint8 *) header->str, header->len);
  g_byte_array_append (bytes, data, data_len);
  GError *error = NULL;
  if (!g_file_set_contents (path, (const char *) bytes->data, bytes->len, &error))
    die (error);
  to_corpus ("npy", name, path, NULL, 0, 0);
}

static void
cfl_seed (const char *name, int w, int h)
{
  g_autofree float *data = g_new (float, 2 * w * h);
  for (int i = 0; i < 2 * w * h; i++)
    data[i] = (i % 3 == 0) ? 0.0f : (float) (i % 7) - 3.0f;
  g_autofree char *base = tmp_path (name);
  GError *error = NULL;
  if (!ts_kspace_save_cfl (base, data, w, h, &error))
    die (error);
  /* hdr text, NUL, cfl data. */
  g_autofree char *hdr_path = g_strconcat (base, ".hdr", NULL);
  g_autofree char *cfl_path = g_strconcat (base, ".cfl", NULL);
  char *hdr, *cfl;
  gsize hdr_len, cfl_len;
  if (!g_file_get_contents (hdr_path, &hdr, &hdr_len, &error)
      || !g_file_get_contents (cfl_path, &cfl, &cfl_len, &error))
    die (error);
  g_autofree char *joined = g_malloc (hdr_len + 1 + cfl_len);
  memcpy (joined, hdr, hdr_len);
  joined[hdr_len] = '\0';
  memcpy (joined + hdr_len + 1, cfl, cfl_len);
  g_autofree char *dir = g_build_filename (out_dir, "cfl", NULL);
  g_mkdir_with_parents (dir, 0755);
  g_autofree char *dst = g_build_filename (dir, name, NULL);
  if (!g_file_set_contents (dst, joined, hdr_len + 1 + cfl_len, &error))
    die (error);
  g_free (hdr);
  g_free (cfl);
}

static void
model_seed (const char *name, TsProxType prox, int K, int M, int p)
{
  g_autoptr (TsModel) model = ts_model_new (K, M, p);
  model->prox_type = prox;
  model->groupsize = 1;
  model->order = 1.8;
  model->lambda = 0.0125;
  model->sigma = 25;
  model->tol = 1e-4;
  model->beta = 0.5;
  gsize s = (gsize) p * p;
  for (gsize i = 0; i < (gsize) K * s; i++)
    model->atoms[i] = (float) ((i * 13) % 17) / 17.0f - 0.5f;
  for (gsize i = 0; i < (gsize) M * s; i++)
    model->free_atoms[i] = (float) ((i * 7) % 11) / 11.0f - 0.5f;
  for (int i = 0; i < K; i++)
    model->lambda_scaling[i] = 0.1f * i;
  g_free (model->name);
  model->name = g_strdup (name);
  g_free (model->provenance);
  model->provenance = g_strdup ("fuzz seed");
  g_autofree char *path = tmp_path (name);
  GError *error = NULL;
  if (!ts_model_save (model, path, &error))
    die (error);
  /* Mode byte 0: the file as is; mode byte 1: without its checksum (the harness adds it). */
  g_autofree char *raw = g_strconcat (name, "-raw", NULL);
  g_autofree char *fixed = g_strconcat (name, "-fixed", NULL);
  to_corpus ("model", raw, path, "\0", 1, 0);
  to_corpus ("model", fixed, path, "\1", 1, 32);
}

/* A checkpoint of a small state (every field set, Adam moments non-zero). */
static void
checkpoint_seed (const char *name, TsProxType prox, int K, int M, int p, gboolean validated)
{
  TsTrainConfig config;
  ts_train_config_init (&config, prox, prox == TS_PROX_CPR ? 5.0 : 25.0);
  config.n_atoms = K;
  config.n_free = M;
  config.atom_size = p;
  config.crop = 2 * p;
  config.batch = 2;
  config.steps = 20;
  config.steps_per_epoch = 10;
  g_autoptr (TsTrainState) state = ts_train_state_new (&config, NULL);
  TsModel *model = state->model;
  gsize s = (gsize) p * p;
  for (gsize i = 0; i < (gsize) K * s; i++)
    model->atoms[i] = (float) ((i * 13) % 17) / 17.0f - 0.5f;
  for (gsize i = 0; i < (gsize) M * s; i++)
    model->free_atoms[i] = (float) ((i * 7) % 11) / 11.0f - 0.5f;
  for (int i = 0; i < K; i++)
    model->lambda_scaling[i] = 0.1f * i;
  g_free (model->name);
  model->name = g_strdup (name);
  g_free (model->provenance);
  model->provenance = g_strdup ("fuzz seed");
  for (gsize i = 0; i < state->n_params; i++)
    {
      state->adam_m[i] = ((double) (i % 7) - 3.0) * 1e-4;
      state->adam_v[i] = (double) (i % 5) * 1e-9;
    }
  state->step = 7;
  for (int i = 0; i < 4; i++)
    state->rng[i] = G_GUINT64_CONSTANT (0x9e3779b97f4a7c15) * (guint64) (i + 1);
  state->data_fingerprint = G_GUINT64_CONSTANT (0xcbf29ce484222325);
  state->last_val_psnr = validated ? 27.5 : NAN;
  state->elapsed_seconds = 12.25;
  g_autofree char *path = tmp_path (name);
  GError *error = NULL;
  if (!ts_checkpoint_save (state, path, &error))
    die (error);
  /* Mode byte 0: the file as is; mode byte 1: without its checksum (the harness adds it). */
  g_autofree char *raw = g_strconcat (name, "-raw", NULL);
  g_autofree char *fixed = g_strconcat (name, "-fixed", NULL);
  to_corpus ("checkpoint", raw, path, "\0", 1, 0);
  to_corpus ("checkpoint", fixed, path, "\1", 1, 32);
}

/* JPEG has no saver in the project (input only): write seeds with libjpeg directly. */
static void
jpeg_seed (const char *name, int w, int h, int components, gboolean progressive,
           int orientation)
{
  g_autofree char *dir = g_build_filename (out_dir, "jpeg", NULL);
  g_mkdir_with_parents (dir, 0755);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  FILE *f = fopen (path, "wb");
  if (f == NULL)
    die (NULL);
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr jerr;
  cinfo.err = jpeg_std_error (&jerr);
  jpeg_create_compress (&cinfo);
  jpeg_stdio_dest (&cinfo, f);
  cinfo.image_width = w;
  cinfo.image_height = h;
  cinfo.input_components = components;
  cinfo.in_color_space = components == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults (&cinfo);
  jpeg_set_quality (&cinfo, 50, TRUE);
  if (progressive)
    jpeg_simple_progression (&cinfo);
  jpeg_start_compress (&cinfo, TRUE);
  if (orientation > 0)
    {
      /* APP1 "Exif\0\0" + little-endian TIFF with one IFD0 entry: Orientation (0x0112). */
      const JOCTET exif[] = { 'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0,
                              0x12, 0x01, 3, 0, 1, 0, 0, 0, (JOCTET) orientation, 0, 0, 0,
                              0, 0, 0, 0 };
      jpeg_write_marker (&cinfo, JPEG_APP0 + 1, exif, sizeof exif);
    }
  g_autofree JSAMPLE *row = g_new (JSAMPLE, (gsize) w * components);
  while (cinfo.next_scanline < cinfo.image_height)
    {
      for (int i = 0; i < w * components; i++)
        row[i] = (JSAMPLE) ((i * 37 + cinfo.next_scanline * 91) % 256);
      JSAMPROW rows[1] = { row };
      jpeg_write_scanlines (&cinfo, rows, 1);
    }
  jpeg_finish_compress (&cinfo);
  jpeg_destroy_compress (&cinfo);
  fclose (f);
}

/* fastMRI .h5 files (a mode byte, then the file; fuzz-hdf5.c): single-coil with a ground
 * truth and the file's mask, multi-coil, and one with a uint8 mask and complex128 values. */
static void
hdf5_seed (const char *name, guint8 mode, int n_slices, int n_coils, int h, int w,
           gboolean target, gboolean variant)
{
  GError *error = NULL;
  g_autofree char *src = tmp_path (name);
  if (!variant)
    {
      if (!ts_test_write_fastmri_scan (src, n_slices, n_coils, h, w, target, &error))
        die (error);
    }
  else
    {
      gsize n = (gsize) n_slices * h * w;
      g_autofree float *k = g_new (float, 2 * n);
      g_autofree float *mask = g_new (float, w);
      for (gsize i = 0; i < 2 * n; i++)
        k[i] = (float) ((i * 13) % 17) - 8.0f;
      for (int c = 0; c < w; c++)
        mask[c] = c % 2 == 0 || c == w / 2;
      TsTestFastmri spec = { .n_slices = n_slices, .height = h, .width = w, .kspace = k,
                             .mask = mask, .mask_type = "uint8", .complex128 = TRUE,
                             .max_attr = 3.0, .acceleration_attr = 2,
                             .acquisition = "CORPDFS_FBK" };
      if (!ts_test_write_fastmri (src, &spec, &error))
        die (error);
    }
  to_corpus ("hdf5", name, src, &mode, 1, 0);
}

int
main (int argc, char **argv)
{
  if (argc != 2)
    {
      g_printerr ("usage: %s CORPUS_DIR\n", argv[0]);
      return 2;
    }
  out_dir = argv[1];
  GError *error = NULL;
  tmp_dir = g_dir_make_tmp ("tessera-corpus-XXXXXX", &error);
  if (tmp_dir == NULL)
    die (error);

  image_seed ("png", "gray8.png", 8, 6, 1, 8);
  image_seed ("png", "gray16.png", 5, 4, 1, 16);
  image_seed ("png", "graya8.png", 4, 4, 2, 8);
  image_seed ("png", "rgb8.png", 6, 5, 3, 8);
  image_seed ("png", "rgba16.png", 3, 3, 4, 16);
  image_seed ("tiff", "gray16.tif", 8, 6, 1, 16);
  image_seed ("tiff", "gray32f.tif", 5, 4, 1, 32);
  image_seed ("tiff", "rgb16.tif", 4, 4, 3, 16);
  image_seed ("tiff", "rgba32f.tif", 3, 3, 4, 32);
  image_seed ("npy", "gray-f4.npy", 6, 5, 1, 0);
  image_seed ("npy", "rgb-f4.npy", 3, 3, 3, 0);

  const double f8[6] = { 0, 0.25, 0.5, 0.75, 1, -1 };
  npy_seed ("f8-fortran.npy", "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", f8,
            sizeof f8);
  const guint8 u1[12] = { 0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 255 };
  npy_seed ("u1.npy", "{'descr': '|u1', 'fortran_order': False, 'shape': (3, 4), }", u1,
            sizeof u1);
  npy_seed ("bool.npy", "{'descr': '|b1', 'fortran_order': False, 'shape': (12,), }", u1,
            sizeof u1);
  const guint8 be4[8] = { 0x3f, 0x80, 0, 0, 0x3f, 0, 0, 0 };
  npy_seed ("f4-big.npy", "{'descr': '>f4', 'fortran_order': False, 'shape': (1, 2), }", be4,
            sizeof be4);
  const gint32 i4[4] = { 1, -2, 3, 4 };
  npy_seed ("i4.npy", "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }", i4,
            sizeof i4);
  const gint64 i8[2] = { 7, -7 };
  npy_seed ("i8-scalar.npy", "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", i8,
            sizeof i8);
  const float c8[8] = { 1, 0, 0, 1, -1, 0.5f, 0, 0 };
  npy_seed ("c8.npy", "{'descr': '<c8', 'fortran_order': False, 'shape': (2, 2), }", c8,
            sizeof c8);

  jpeg_seed ("gray.jpg", 8, 8, 1, FALSE, 0);
  jpeg_seed ("rgb.jpg", 16, 8, 3, FALSE, 0);
  jpeg_seed ("rgb-progressive.jpg", 8, 16, 3, TRUE, 0);
  jpeg_seed ("rgb-rotated.jpg", 12, 8, 3, FALSE, 6);

  cfl_seed ("k-4x3", 4, 3);
  cfl_seed ("k-8x8", 8, 8);

  model_seed ("cpr-3", TS_PROX_CPR, 4, 2, 3);
  model_seed ("ncpr-5", TS_PROX_NCPR, 3, 4, 5);

  checkpoint_seed ("ckpt-ncpr-3", TS_PROX_NCPR, 2, 1, 3, TRUE);
  checkpoint_seed ("ckpt-cpr-5", TS_PROX_CPR, 3, 4, 5, FALSE);

  hdf5_seed ("scan-3x8x6.h5", 0, 3, 0, 8, 6, TRUE, FALSE);
  hdf5_seed ("scan-raw-2x4x4.h5", 5, 2, 0, 4, 4, FALSE, FALSE);
  hdf5_seed ("multicoil-2x2x4x4.h5", 0, 2, 2, 4, 4, FALSE, FALSE);
  hdf5_seed ("complex128-uint8-mask.h5", 2, 2, 0, 4, 6, FALSE, TRUE);

  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmp_dir);
  if (system (cmd) != 0)
    g_printerr ("make-corpus: could not remove %s\n", tmp_dir);
  return 0;
}
