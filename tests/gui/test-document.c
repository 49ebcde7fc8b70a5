/* The GUI's document loader (src/gui/ts-document.c) without a display: an image (its noise
 * read once, for the noise model chosen, and more when asked), complex
 * .npy k-space with its mask found beside it or given, a complex .npy without a mask (the
 * window then asks for one), fastMRI .h5 files (the middle slice, a chosen one, refusals), a
 * file that is neither, and the demo image. Each load runs on
 * GTask's thread and completes on the main loop, as in the window. */
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include "ts-document.h"
#include "test-hdf5-util.h"

#define W 32
#define H 24

static char *tmpdir;

typedef struct {
  gboolean done;
  gboolean ok;
  GError *error;
} Load;

static void
on_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Load *load = user_data;

  load->ok = ts_document_load_finish (TS_DOCUMENT (source), result, &load->error);
  load->done = TRUE;
}

/* Loads `path` (with `mask`, a .h5 at `slice`, its noise read for `model`) and waits; the
 * document, or NULL with `error` set. */
static TsDocument *
load_full (const char *path, const char *mask, int slice, TsNoiseModel model, GError **error)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (TsDocument) document = ts_document_new (file);
  Load state = { 0 };

  ts_document_set_slice (document, slice);
  ts_document_set_noise_model (document, model);
  ts_document_load_async (document, mask, NULL, on_loaded, &state);
  while (!state.done)
    g_main_context_iteration (NULL, TRUE);
  if (!state.ok)
    {
      g_propagate_error (error, state.error);
      return NULL;
    }
  return g_steal_pointer (&document);
}

static TsDocument *
load_slice (const char *path, const char *mask, int slice, GError **error)
{
  return load_full (path, mask, slice, TS_NOISE_MODEL_AUTO, error);
}

static TsDocument *
load (const char *path, const char *mask, GError **error)
{
  return load_slice (path, mask, TS_FASTMRI_MIDDLE_SLICE, error);
}

static char *
write_kspace (const char *name)
{
  g_autofree float *data = g_new0 (float, 2 * W * H);
  gint64 shape[2] = { H, W };
  char *path = g_build_filename (tmpdir, name, NULL);
  g_autoptr (GError) error = NULL;

  for (int i = 0; i < W * H; i++)
    data[2 * i] = (float) (i % 7) - 3.0f;
  g_assert_true (ts_npy_save_complex64 (path, data, 2, shape, &error));
  g_assert_no_error (error);
  return path;
}

/* Every other column sampled: half of the k-space. */
static char *
write_mask (const char *name)
{
  g_autofree float *mask = g_new0 (float, W * H);
  gint64 shape[2] = { H, W };
  char *path = g_build_filename (tmpdir, name, NULL);
  g_autoptr (GError) error = NULL;

  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x += 2)
      mask[y * W + x] = 1.0f;
  g_assert_true (ts_npy_save_float32 (path, mask, 2, shape, &error));
  g_assert_no_error (error);
  return path;
}

static void
test_image (void)
{
  g_autoptr (TsImage) image = ts_demo_image_new (W, H);
  g_autofree char *path = g_build_filename (tmpdir, "image.npy", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsDocument) document = NULL;
  g_autofree char *summary = NULL;
  int width = 0, height = 0;

  g_assert_true (ts_image_save (image, path, 32, &error));
  document = load (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ts_document_get_image (document));
  g_assert_null (ts_document_get_kspace (document));
  g_assert_cmpint (ts_document_get_image (document)->width, ==, W);
  ts_document_get_view_size (document, &width, &height);
  g_assert_cmpint (width, ==, W);
  g_assert_cmpint (height, ==, H);
  g_assert_nonnull (ts_document_get_view_pyramid (document));
  g_assert_cmpstr (ts_document_get_display_name (document), ==, "image.npy");
  summary = ts_document_dup_summary (document);
  g_assert_nonnull (strstr (summary, "image.npy"));
  g_assert_true (ts_document_get_noise_estimate (document) >= 0.0);
}

/* Each noise model's plan from `reading` (at strength 1.5 and chroma strength 2) is the
 * core's plan from `image`. */
static void
assert_plans_of (const TsNoiseReading *reading, const TsImage *image)
{
  const TsNoiseModel models[] = { TS_NOISE_MODEL_GAUSSIAN, TS_NOISE_MODEL_POISSON_GAUSSIAN,
                                  TS_NOISE_MODEL_AUTO };

  for (gsize m = 0; m < G_N_ELEMENTS (models); m++)
    {
      TsRestoreNoise plan, expected;
      g_assert_true (ts_restore_noise_plan_from_reading (reading, TS_COLOUR_OPPONENT, models[m],
                                                         NAN, 1.5, 2.0, &plan, NULL));
      g_assert_true (ts_restore_noise_plan (image, TS_COLOUR_OPPONENT, models[m], NAN, 1.5, 2.0,
                                            &expected, NULL));
      g_assert_cmpint (plan.model, ==, expected.model);
      g_assert_cmpfloat (plan.sigma, ==, expected.sigma);
      g_assert_cmpfloat (plan.sigma_estimate, ==, expected.sigma_estimate);
      g_assert_cmpmem (plan.plane_sigma, sizeof plan.plane_sigma, expected.plane_sigma,
                       sizeof expected.plane_sigma);
      g_assert_cmpint (plan.n_channels, ==, expected.n_channels);
      g_assert_cmpmem (plan.channel, sizeof plan.channel, expected.channel,
                       sizeof expected.channel);
    }
}

/* Issue 25: an opened picture's noise level is estimated on the loader's thread, in 0-255
 * units. */
static void
test_noise_estimate (void)
{
  g_autoptr (TsImage) image = ts_demo_image_new (128, 128);
  g_autofree char *path = g_build_filename (tmpdir, "noisy.npy", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsDocument) document = NULL;
  double estimate;

  ts_noise_add_gaussian (image, 20.0 / 255.0, 3);
  g_assert_true (ts_image_save (image, path, 32, &error));
  document = load (path, NULL, &error);
  g_assert_no_error (error);
  estimate = ts_document_get_noise_estimate (document);
  g_assert_cmpfloat (estimate, >, 18.0);
  g_assert_cmpfloat (estimate, <, 22.0);

  /* Issue 20: the noise as a denoising reads it, read once on the loader's thread for the
   * window's noise model ("auto" by default: the blind level and the Poisson-Gaussian
   * reading); every model's plan from it is the core's plan from the picture. */
  const TsNoiseReading *reading = ts_document_get_noise_reading (document);
  g_assert_nonnull (reading);
  g_assert_true (ts_restore_noise_reading_covers (reading, TS_NOISE_MODEL_AUTO));
  assert_plans_of (reading, image);
  TsRestoreNoise automatic;
  g_assert_true (ts_restore_noise_plan_from_reading (reading, TS_COLOUR_OPPONENT,
                                                     TS_NOISE_MODEL_AUTO, NAN, 1.0, 1.0,
                                                     &automatic, &error));
  /* White noise: "auto" chooses Gaussian, at the estimate. */
  g_assert_cmpint (automatic.model, ==, TS_NOISE_MODEL_GAUSSIAN);
  g_assert_cmpfloat (automatic.sigma_estimate, ==, estimate);
}

typedef struct {
  gboolean done;
  gboolean ok;
} Read;

static void
on_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Read *read = user_data;

  read->ok = ts_document_read_noise_finish (TS_DOCUMENT (source), result, NULL);
  read->done = TRUE;
}

/* Issue 20: opened for Gaussian noise, the loader reads the blind level alone; the
 * Poisson-Gaussian reading comes when asked, on a thread, and then every model plans as from
 * the picture. */
static void
test_noise_read_for_model (void)
{
  g_autoptr (TsImage) image = ts_demo_image_new (128, 128);
  g_autofree char *path = g_build_filename (tmpdir, "noisy-gaussian.npy", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsDocument) document = NULL;
  Read state = { 0 };

  ts_noise_add_poisson_gaussian (image, 0.01, 0.0, 4);
  g_assert_true (ts_image_save (image, path, 32, &error));
  document = load_full (path, NULL, TS_FASTMRI_MIDDLE_SLICE, TS_NOISE_MODEL_GAUSSIAN, &error);
  g_assert_no_error (error);
  const TsNoiseReading *reading = ts_document_get_noise_reading (document);
  g_assert_true (ts_restore_noise_reading_covers (reading, TS_NOISE_MODEL_GAUSSIAN));
  g_assert_false (reading->has_pg);
  TsNoiseLevel level = reading->level;

  ts_document_read_noise_async (document, TS_NOISE_MODEL_POISSON_GAUSSIAN, NULL, on_read, &state);
  while (!state.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (state.ok);
  reading = ts_document_get_noise_reading (document);
  g_assert_true (ts_restore_noise_reading_covers (reading, TS_NOISE_MODEL_AUTO));
  g_assert_cmpmem (&reading->level.white, sizeof level.white, &level.white, sizeof level.white);
  assert_plans_of (reading, image);
}

static void
test_kspace_mask_beside (void)
{
  g_autofree char *kspace = write_kspace ("scan.npy");
  g_autofree char *mask = write_mask ("scan_mask.npy");
  g_autoptr (GError) error = NULL;
  g_autoptr (TsDocument) document = load (kspace, NULL, &error);
  g_autofree char *summary = NULL;
  const TsKspace *k;

  g_assert_no_error (error);
  g_assert_null (ts_document_get_image (document));
  k = ts_document_get_kspace (document);
  g_assert_nonnull (k);
  g_assert_cmpint (k->width, ==, W);
  g_assert_cmpint (k->height, ==, H);
  g_assert_cmpfloat (k->mask[0], ==, 1.0f);
  g_assert_cmpfloat (k->mask[1], ==, 0.0f);
  g_assert_nonnull (ts_document_get_view_pyramid (document));
  g_assert_true (isnan (ts_document_get_noise_estimate (document)));
  g_assert_null (ts_document_get_noise_reading (document));
  summary = ts_document_dup_summary (document);
  g_assert_nonnull (strstr (summary, "50"));
  g_remove (mask);
}

static void
test_kspace_needs_mask (void)
{
  g_autofree char *kspace = write_kspace ("alone.npy");
  g_autofree char *mask = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (TsDocument) document = load (kspace, NULL, &error);

  /* No <stem>_mask.npy, <stem>-mask.npy or mask.npy beside it. */
  g_assert_null (document);
  g_assert_error (error, TS_DOCUMENT_ERROR, TS_DOCUMENT_ERROR_NEEDS_MASK);
  g_clear_error (&error);

  /* The mask the window then asks for. */
  mask = write_mask ("chosen.npy");
  document = load (kspace, mask, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ts_document_get_kspace (document));
  g_remove (mask);
}

static void
test_refusals (void)
{
  g_autofree char *bad = g_build_filename (tmpdir, "bad.npy", NULL);
  g_autofree char *missing = g_build_filename (tmpdir, "missing.png", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsDocument) document = NULL;

  g_assert_true (g_file_set_contents (bad, "not an array", -1, NULL));
  document = load (bad, NULL, &error);
  g_assert_null (document);
  g_assert_error (error, TS_ERROR, TS_ERROR_FORMAT);
  g_clear_error (&error);
  document = load (missing, NULL, &error);
  g_assert_null (document);
  g_assert_nonnull (error);
}

static void
test_fastmri (void)
{
  g_autofree char *scan = g_build_filename (tmpdir, "scan.h5", NULL);
  g_autofree char *multi = g_build_filename (tmpdir, "multicoil.h5", NULL);
  g_autoptr (GError) error = NULL;
  int acceleration = 0, width = 0, height = 0;
  gboolean fat = TRUE;

  g_assert_true (ts_test_write_fastmri_scan (scan, 3, 0, 32, 24, TRUE, &error));
  g_assert_true (ts_test_write_fastmri_scan (multi, 2, 4, 16, 12, FALSE, &error));
  /* The middle slice, with the file's mask. */
  g_autoptr (TsDocument) document = load (scan, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ts_document_get_kspace (document));
  g_assert_null (ts_document_get_image (document));
  g_assert_cmpint (ts_document_get_n_slices (document), ==, 3);
  g_assert_cmpint (ts_document_get_slice (document), ==, 1);
  ts_document_get_scan_info (document, &acceleration, &fat);
  g_assert_cmpint (acceleration, ==, 3);  /* 8 of 24 columns */
  g_assert_false (fat);
  ts_document_get_view_size (document, &width, &height);
  g_assert_cmpint (width, ==, 24);
  g_assert_cmpint (height, ==, 32);
  g_autofree char *summary = ts_document_dup_summary (document);
  g_assert_nonnull (strstr (summary, "slice 1 of 0–2"));
  /* Its ground truth, kept for PSNR: the central 12 x 16 of the 24 x 32 image, as read. */
  const char *truth_name = NULL;
  const TsImage *truth = ts_document_get_truth (document, &truth_name);
  g_assert_nonnull (truth);
  g_assert_cmpint (truth->width, ==, 12);
  g_assert_cmpint (truth->height, ==, 16);
  g_assert_cmpstr (truth_name, ==, "reconstruction_esc");
  g_assert_nonnull (strstr (summary, "ground truth reconstruction_esc"));
  {
    g_autoptr (TsFastmriSlice) fs = ts_fastmri_load (scan, TS_FASTMRI_MIDDLE_SLICE, NULL,
                                                     TS_FASTMRI_LOAD_DEFAULT, &error);
    g_assert_no_error (error);
    g_assert_cmpmem (truth->data, ts_image_n_values (truth) * sizeof (float), fs->target->data,
                     ts_image_n_values (fs->target) * sizeof (float));
  }
  /* Another slice, as the Slice row asks for it. */
  g_autoptr (TsDocument) last = load_slice (scan, NULL, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ts_document_get_slice (last), ==, 2);
  g_assert_cmpint (ts_document_get_n_slices (last), ==, 3);
  /* Out of range, multi-coil: refused with the loader's message. */
  g_assert_null (load_slice (scan, NULL, 3, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (load (multi, NULL, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "multi-coil"));
  g_clear_error (&error);
  /* Without ground truth: none, and the summary says nothing of it. */
  g_assert_true (ts_test_write_fastmri_scan (multi, 3, 0, 32, 24, FALSE, &error));
  g_autoptr (TsDocument) bare = load (multi, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (ts_document_get_truth (bare, NULL));
  g_autofree char *bare_summary = ts_document_dup_summary (bare);
  g_assert_null (strstr (bare_summary, "ground truth"));
  g_remove (scan);
  g_remove (multi);
}

static void
test_demo (void)
{
  g_autoptr (TsDocument) document = ts_document_new_demo (64);

  g_assert_nonnull (document);
  g_assert_null (ts_document_get_file (document));
  g_assert_nonnull (ts_document_get_image (document));
  g_assert_nonnull (ts_document_get_view_pyramid (document));
  g_assert_true (isnan (ts_document_get_noise_estimate (document)));
  /* Nothing read (the demo's noise is simulated), but a level given is planned from it. */
  const TsNoiseReading *reading = ts_document_get_noise_reading (document);
  g_assert_nonnull (reading);
  g_assert_false (ts_restore_noise_reading_covers (reading, TS_NOISE_MODEL_GAUSSIAN));
  g_assert_cmpint (reading->channels, ==, ts_document_get_image (document)->channels);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("tessera-document-XXXXXX", &error);
  g_assert_no_error (error);
  g_test_add_func ("/document/image", test_image);
  g_test_add_func ("/document/noise-estimate", test_noise_estimate);
  g_test_add_func ("/document/noise-read-for-model", test_noise_read_for_model);
  g_test_add_func ("/document/kspace-mask-beside", test_kspace_mask_beside);
  g_test_add_func ("/document/kspace-needs-mask", test_kspace_needs_mask);
  g_test_add_func ("/document/refusals", test_refusals);
  g_test_add_func ("/document/fastmri", test_fastmri);
  g_test_add_func ("/document/demo", test_demo);
  status = g_test_run ();
  {
    g_autoptr (GDir) dir = g_dir_open (tmpdir, 0, NULL);
    const char *name;
    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *path = g_build_filename (tmpdir, name, NULL);
        g_remove (path);
      }
  }
  g_rmdir (tmpdir);
  g_free (tmpdir);
  return status;
}
