/* The GUI's worker logic (src/gui/ts-job.c) without a display: preparation of each task,
 * simulation, callbacks, decomposition, warm start, cancellation (the estimate kept) and the errors the window
 * shows. */
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "ts-job.h"
#include "test-hdf5-util.h"
#include "test-model-util.h"

#define SIZE 48

typedef struct {
  int n_input;
  int n_iterations;
  int last_iteration;
  gboolean had_truth;
  int cancel_at;       /* return FALSE at this iteration (0 = never) */
  gint *cancel_flag;   /* or raise this flag there */
  int input_width, input_height, preview_width, preview_height;
  int n_psnr;          /* plot points with a PSNR */
} Calls;

static void
on_input (const TsImage *input, const TsImage *truth, gpointer user_data)
{
  Calls *calls = user_data;

  calls->n_input++;
  calls->had_truth = truth != NULL;
  g_assert_nonnull (input);
  calls->input_width = input->width;
  calls->input_height = input->height;
}

static gboolean
on_iteration (const TsPlotPoint *point, int channel, int n_channels, TsJobPreview *preview,
              gpointer user_data)
{
  Calls *calls = user_data;

  calls->n_iterations++;
  g_assert_cmpint (point->iteration, >, calls->last_iteration);
  calls->last_iteration = point->iteration;
  calls->n_psnr += isfinite (point->psnr);
  g_assert_cmpint (channel, <, n_channels);
  g_assert_false (point->tile_done);
  g_assert_cmpint (point->n_tiles, ==, 0);
  {
    g_autoptr (TsImage) composite = ts_job_preview_render (preview);
    g_assert_nonnull (composite);
    calls->preview_width = composite->width;
    calls->preview_height = composite->height;
  }
  if (calls->cancel_at > 0 && calls->n_iterations == calls->cancel_at)
    {
      if (calls->cancel_flag != NULL)
        g_atomic_int_set (calls->cancel_flag, 1);
      else
        return FALSE;
    }
  return TRUE;
}

static const TsJobCallbacks callbacks = { on_input, on_iteration };

static TsJobParams *
params_new (TsTask task, TsImage *source, int max_iter)
{
  TsJobParams *params = g_new0 (TsJobParams, 1);

  params->task = task;
  params->sigma = 25.0;
  params->model_spec = g_strdup ("dct");
  params->beta = params->lambda = NAN;
  params->tol = 0.0;
  params->max_iter = max_iter;
  params->simulate = TRUE;
  params->acceleration = 4;
  params->source = source;
  return params;
}

static void
test_denoise (void)
{
  g_autoptr (TsJobParams) params = params_new (TS_TASK_DENOISE, ts_demo_image_new (SIZE, SIZE), 15);
  g_autoptr (TsJobResult) result = NULL;
  g_autoptr (GError) error = NULL;
  Calls calls = { 0 };

  result = ts_job_run (params, &callbacks, &calls, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_cmpint (calls.n_input, ==, 1);
  g_assert_true (calls.had_truth);
  g_assert_cmpint (calls.n_iterations, ==, 15);
  g_assert_cmpint (result->stats.iterations, ==, 15);
  g_assert_cmpint (result->result->width, ==, SIZE);
  g_assert_cmpfloat (result->psnr, >, result->input_psnr);
  g_assert_cmpfloat (result->ssim, >, result->input_ssim);
  g_assert_false (result->warm_started);
  g_assert_cmpuint (result->solutions->len, ==, 1);
  /* The decomposition: sparse = result - smooth (MODEL.md), cost non-negative. */
  for (gsize i = 0; i < ts_image_n_values (result->result); i++)
    {
      g_assert_cmpfloat_with_epsilon (result->smooth->data[i] + result->sparse->data[i],
                                      result->result->data[i], 1e-4);
      g_assert_cmpfloat (result->cost->data[i], >=, 0.0f);
    }
}

/* A model with 2x2 groups on a picture of odd sides: solved with the edge repeated, and
 * everything shown or returned has the picture's size (not one pixel less). */
static void
test_denoise_odd_sides_with_groups (void)
{
  g_autoptr (TsJobParams) params = params_new (TS_TASK_DENOISE, ts_demo_image_new (37, 35), 5);
  g_autoptr (TsJobResult) result = NULL;
  g_autoptr (GError) error = NULL;
  Calls calls = { 0 };

  params->model = ts_test_random_model (TS_PROX_CPR, 2, 11);
  result = ts_job_run (params, &callbacks, &calls, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (calls.input_width, ==, 37);
  g_assert_cmpint (calls.input_height, ==, 35);
  g_assert_cmpint (calls.preview_width, ==, 37);
  g_assert_cmpint (calls.preview_height, ==, 35);
  const TsImage *shown[] = { result->result, result->smooth, result->sparse, result->cost,
                             result->input, result->truth };
  for (gsize i = 0; i < G_N_ELEMENTS (shown); i++)
    {
      g_assert_nonnull (shown[i]);
      g_assert_cmpint (shown[i]->width, ==, 37);
      g_assert_cmpint (shown[i]->height, ==, 35);
    }
  g_assert_true (isfinite (result->psnr));
  for (gsize i = 0; i < ts_image_n_values (result->result); i++)
    g_assert_cmpfloat_with_epsilon (result->smooth->data[i] + result->sparse->data[i],
                                    result->result->data[i], 1e-4);
}

static void
test_denoise_colour_and_warm_start (void)
{
  g_autoptr (TsImage) gray = ts_demo_image_new (SIZE, SIZE);
  TsImage *rgba = ts_image_new (SIZE, SIZE, 4, NULL);
  g_autoptr (TsJobParams) params = NULL;
  g_autoptr (TsJobParams) again = NULL;
  g_autoptr (TsJobResult) first = NULL;
  g_autoptr (TsJobResult) second = NULL;
  g_autoptr (GError) error = NULL;
  Calls calls = { 0 };

  for (int i = 0; i < SIZE * SIZE; i++)
    {
      rgba->data[4 * i] = gray->data[i];
      rgba->data[4 * i + 1] = 1.0f - gray->data[i];
      rgba->data[4 * i + 2] = 0.5f;
      rgba->data[4 * i + 3] = 0.25f;
    }
  params = params_new (TS_TASK_DENOISE, ts_image_copy (rgba), 10);
  first = ts_job_run (params, &callbacks, &calls, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (first->result->channels, ==, 4);
  /* Three colour channels solved, alpha copied through. */
  g_assert_cmpuint (first->solutions->len, ==, 3);
  g_assert_cmpint (calls.n_iterations, ==, 30);
  for (int i = 0; i < SIZE * SIZE; i++)
    g_assert_cmpfloat (first->result->data[4 * i + 3], ==, 0.25f);

  again = params_new (TS_TASK_DENOISE, rgba, 10);
  again->warm = g_ptr_array_ref (first->solutions);
  second = ts_job_run (again, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (second->warm_started);
  /* Starting from the first run's estimate, ten more iterations get closer still. */
  g_assert_cmpfloat (second->psnr, >, first->psnr);
}

static void
test_super_resolution (void)
{
  g_autoptr (TsJobParams) params = params_new (TS_TASK_SR, ts_demo_image_new (64, 64), 5);
  g_autoptr (TsJobResult) result = NULL;
  g_autoptr (GError) error = NULL;
  Calls calls = { 0 };
  int n = (64 - TS_SR_DEFAULT_KERNEL) / TS_SR_DEFAULT_STRIDE + 1;
  int side = ts_operator_sr_highres_side (n, TS_SR_DEFAULT_KERNEL, TS_SR_DEFAULT_STRIDE);

  result = ts_job_run (params, &callbacks, &calls, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (result->result->width, ==, side);
  /* The input panel shows the low-resolution image enlarged onto the estimate's grid. */
  g_assert_cmpint (result->input->width, ==, side);
  g_assert_cmpint (result->truth->width, ==, side);
  g_assert_true (isfinite (result->psnr));
}

static void
test_mri_simulated (void)
{
  g_autoptr (TsJobParams) params = params_new (TS_TASK_MRI, ts_demo_image_new (SIZE, SIZE), 5);
  g_autoptr (TsJobResult) result = NULL;
  g_autoptr (GError) error = NULL;

  result = ts_job_run (params, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (result->result->channels, ==, 1);
  g_assert_cmpint (result->input->width, ==, SIZE);
  g_assert_true (isfinite (result->input_psnr));
}

static void
test_mri_needs_kspace (void)
{
  g_autoptr (TsJobParams) params = params_new (TS_TASK_MRI, ts_demo_image_new (SIZE, SIZE), 5);
  g_autoptr (TsJobResult) result = NULL;
  g_autoptr (GError) error = NULL;

  params->simulate = FALSE;
  result = ts_job_run (params, NULL, NULL, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "k-space"));
}

/* An opened fastMRI slice with its ground truth (reconstruction_esc, the central half of the
 * image here, 320 x 320 in fastMRI's sets): PSNR and SSIM are those of the result's centre,
 * exactly as ts_score_centred (and so tessera-cli) computes them, at every iteration too. */
static void
test_mri_fastmri_truth (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tessera-job-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "scan.h5", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsFastmriSlice) fs = NULL;
  g_autoptr (TsJobParams) params = params_new (TS_TASK_MRI, NULL, 8);
  g_autoptr (TsJobResult) result = NULL;
  g_autoptr (TsImage) crop = NULL;
  g_autoptr (TsImage) input_crop = NULL;
  Calls calls = { 0 };
  double psnr = NAN, ssim = NAN;

  g_assert_true (ts_test_write_fastmri_scan (path, 3, 0, SIZE, 40, TRUE, &error));
  g_assert_no_error (error);
  fs = ts_fastmri_load (path, TS_FASTMRI_MIDDLE_SLICE, NULL, TS_FASTMRI_LOAD_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fs->target);
  g_assert_cmpint (fs->target->width, ==, 20);
  g_assert_cmpint (fs->target->height, ==, SIZE / 2);
  /* As the window hands an opened file over (ts_window_run). */
  params->simulate = FALSE;
  params->kspace = g_steal_pointer (&fs->kspace);
  params->kspace_acceleration = fs->acceleration;
  params->truth = ts_image_copy (fs->target);
  params->truth_name = fs->target_name;
  result = ts_job_run (params, &callbacks, &calls, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_true (calls.had_truth);
  g_assert_cmpstr (result->truth_name, ==, "reconstruction_esc");
  g_assert_cmpint (result->result->width, ==, 40);
  g_assert_cmpint (result->result->height, ==, SIZE);
  /* Every iteration's plot point has its PSNR against the truth. */
  g_assert_cmpint (calls.n_psnr, ==, calls.n_iterations);
  g_assert_cmpint (calls.n_iterations, >, 0);

  /* The central 20 x 24 of the 40 x 48 result, by hand... */
  crop = ts_image_crop (result->result, 10, 12, 20, 24);
  input_crop = ts_image_crop (result->input, 10, 12, 20, 24);
  g_assert_true (isfinite (result->psnr));
  g_assert_cmpfloat (result->psnr, ==, ts_psnr (crop, fs->target, 0));
  g_assert_cmpfloat (result->ssim, ==, ts_ssim (crop, fs->target, 0));
  g_assert_cmpfloat (result->input_psnr, ==, ts_psnr (input_crop, fs->target, 0));
  g_assert_cmpfloat (result->input_ssim, ==, ts_ssim (input_crop, fs->target, 0));
  /* ... and as the core's helper, which the CLI uses, scores it. */
  g_assert_true (ts_score_centred (result->result, fs->target, NULL, 0, &psnr, &ssim, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (result->psnr, ==, psnr);
  g_assert_cmpfloat (result->ssim, ==, ssim);
  /* The restoration improves on the zero-filled image. */
  g_assert_cmpfloat (result->psnr, >, result->input_psnr);
  g_remove (path);
  g_rmdir (dir);
}

static void
test_too_small (void)
{
  g_autoptr (TsJobParams) params = params_new (TS_TASK_DENOISE, ts_demo_image_new (8, 8), 5);
  g_autoptr (TsJobResult) result = NULL;
  g_autoptr (GError) error = NULL;

  result = ts_job_run (params, NULL, NULL, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
}

static void
test_bad_model (void)
{
  g_autoptr (TsJobParams) params = params_new (TS_TASK_DENOISE, ts_demo_image_new (SIZE, SIZE), 5);
  g_autoptr (TsJobResult) result = NULL;
  g_autoptr (GError) error = NULL;

  g_free (params->model_spec);
  params->model_spec = g_strdup ("/nonexistent/model.tsm");
  result = ts_job_run (params, NULL, NULL, NULL, &error);
  g_assert_null (result);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "/nonexistent/model.tsm"));
}

static void
test_cancel (void)
{
  g_autoptr (TsJobParams) params = params_new (TS_TASK_DENOISE, ts_demo_image_new (SIZE, SIZE), 1000);
  g_autoptr (TsJobResult) result = NULL;
  g_autoptr (GError) error = NULL;
  gint cancel = 0;
  Calls calls = { 0 };

  /* The window's Cancel raises the atomic flag the solver reads every iteration. */
  calls.cancel_at = 3;
  calls.cancel_flag = &cancel;
  result = ts_job_run (params, &callbacks, &calls, &cancel, &error);
  g_assert_no_error (error);
  /* Nothing finished is lost: the estimate so far, marked stopped, without the parts. */
  g_assert_nonnull (result);
  g_assert_true (result->stopped);
  g_assert_false (result->stats.converged);
  g_assert_cmpint (result->stats.iterations, <, 10);
  g_assert_cmpint (calls.n_iterations, <, 10);
  g_assert_null (result->smooth);
  g_assert_cmpint (result->result->width, ==, SIZE);
  g_assert_true (memcmp (result->result->data, result->input->data,
                         sizeof (float) * ts_image_n_values (result->input)) != 0);
}

typedef struct {
  TsImage *kept;       /* the first preview, then updated only where the run says it changed */
  int n_tiled, n_regions;
} Kept;

static gboolean
on_iteration_kept (const TsPlotPoint *point, int channel, int n_channels, TsJobPreview *preview,
                   gpointer user_data)
{
  Kept *kept = user_data;
  g_autoptr (GArray) changes = ts_job_preview_take_changes (preview);
  g_autoptr (TsImage) whole = NULL;

  (void) channel;
  (void) n_channels;
  g_assert_cmpint (point->n_tiles, >, 0);
  kept->n_tiled++;
  if (kept->kept == NULL)
    {
      kept->kept = ts_job_preview_render (preview);
      return TRUE;
    }
  g_assert_cmpuint (changes->len, >, 0);
  for (guint i = 0; i < changes->len; i++)
    {
      const TsRect *rect = &g_array_index (changes, TsRect, i);
      g_autoptr (TsImage) part = ts_job_preview_render_region (preview, rect);
      g_assert_nonnull (part);
      g_assert_cmpint (part->width, ==, rect->width);
      g_assert_cmpint (part->height, ==, rect->height);
      for (int y = 0; y < rect->height; y++)
        memcpy (kept->kept->data + ((gsize) (rect->y + y) * kept->kept->width + rect->x) * 3,
                part->data + (gsize) y * rect->width * 3, sizeof (float) * rect->width * 3);
      kept->n_regions++;
    }
  /* The picture kept up to date from the changed parts alone is the whole render. */
  whole = ts_job_preview_render (preview);
  g_assert_cmpint (whole->width, ==, kept->kept->width);
  g_assert_cmpint (whole->height, ==, kept->kept->height);
  g_assert_true (memcmp (whole->data, kept->kept->data,
                         sizeof (float) * ts_image_n_values (whole)) == 0);
  return TRUE;
}

/* A colour picture of odd sides (extended for 2x2 groups) solved in tiles that wrap around
 * its edges: the parts ts_job_preview_take_changes names, rendered alone into the first
 * preview, give every later preview (the window's previews of a large picture). */
static void
test_tiled_changes (void)
{
  g_autoptr (TsImage) gray = ts_demo_image_new (601, 301);
  TsImage *colour = ts_image_new (601, 301, 3, NULL);
  g_autoptr (TsJobParams) params = NULL;
  g_autoptr (TsJobResult) result = NULL;
  g_autoptr (GError) error = NULL;
  static const TsJobCallbacks kept_callbacks = { NULL, on_iteration_kept };
  Kept kept = { 0 };

  for (gsize i = 0; i < (gsize) 601 * 301; i++)
    {
      colour->data[3 * i] = gray->data[i];
      colour->data[3 * i + 1] = 0.5f * gray->data[i] + 0.2f;
      colour->data[3 * i + 2] = 1.0f - gray->data[i];
    }
  params = params_new (TS_TASK_DENOISE, colour, 2);
  params->model = ts_test_random_model (TS_PROX_CPR, 2, 11);
  /* Too little memory for a whole solve: tiles. */
  g_setenv ("TESSERA_MEMORY_LIMIT", "1", TRUE);
  result = ts_job_run (params, &kept_callbacks, &kept, NULL, &error);
  g_unsetenv ("TESSERA_MEMORY_LIMIT");
  g_assert_no_error (error);
  g_assert_true (result->tiled);
  /* 3 x 2 tiles, three planes, two iterations and the end of each tile. */
  g_assert_cmpint (kept.n_tiled, ==, 3 * 6 * 3);
  g_assert_cmpint (kept.n_regions, >=, kept.n_tiled - 1);
  g_clear_pointer (&kept.kept, ts_image_free);
}

static void
test_auto_model (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TsModel) model = ts_job_resolve_model ("auto", 25.0, &error);

  /* Without an installed ncpr-sigma25 the built-in DCT model stands in. */
  g_assert_no_error (error);
  g_assert_nonnull (model);
  g_assert_cmpint (model->n_atoms, >, 0);
}

/* --- the noise controls (issue 20) ----------------------------------------------------------- */

/* The demo picture, in colour when `colour` (three different channels), with white Gaussian
 * noise of `sigma` (0-255) or, with a > 0, Poisson-Gaussian noise of variance a y + sigma^2. */
static TsImage *
noisy_picture (int size, gboolean colour, double sigma, double a)
{
  g_autoptr (TsImage) gray = ts_demo_image_new (size, size);
  TsImage *image;

  if (!colour)
    image = g_steal_pointer (&gray);
  else
    {
      image = ts_image_new (size, size, 3, NULL);
      for (gsize i = 0; i < (gsize) size * size; i++)
        {
          image->data[3 * i] = gray->data[i];
          image->data[3 * i + 1] = 0.6f * gray->data[i] + 0.2f;
          image->data[3 * i + 2] = 1.0f - 0.8f * gray->data[i];
        }
    }
  if (a > 0.0)
    ts_noise_add_poisson_gaussian (image, a, (sigma / 255.0) * (sigma / 255.0), 7);
  else
    ts_noise_add_gaussian (image, sigma / 255.0, 7);
  return image;
}

/* An opened picture (not simulated), as the window hands it over. */
static TsJobParams *
opened_params (TsImage *picture, const char *model_spec, int max_iter)
{
  TsJobParams *params = params_new (TS_TASK_DENOISE, picture, max_iter);

  params->simulate = FALSE;
  g_free (params->model_spec);
  params->model_spec = g_strdup (model_spec);
  return params;
}

static TsJobResult *
run_ok (TsJobParams *params)
{
  g_autoptr (GError) error = NULL;
  TsJobResult *result = ts_job_run (params, NULL, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_true (result->has_noise);
  return result;
}

static void
assert_same_image (const TsImage *a, const TsImage *b)
{
  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpint (a->height, ==, b->height);
  g_assert_cmpint (a->channels, ==, b->channels);
  g_assert_true (memcmp (a->data, b->data, sizeof (float) * ts_image_n_values (a)) == 0);
}

/* Strength 2 at a level of 10 is a level of 20: the same model (chosen by the level) and the
 * same result, bit for bit; read from the picture, strength 2 solves at twice the reading. */
static void
test_strength (void)
{
  g_autoptr (TsImage) picture = noisy_picture (64, FALSE, 20.0, 0.0);
  g_autoptr (TsJobParams) doubled = opened_params (ts_image_copy (picture), "dct", 8);
  g_autoptr (TsJobParams) level20 = opened_params (ts_image_copy (picture), "dct", 8);
  g_autoptr (TsJobParams) level10 = opened_params (ts_image_copy (picture), "dct", 8);
  g_autoptr (TsJobParams) read2 = opened_params (ts_image_copy (picture), "dct", 8);
  g_autoptr (TsJobParams) hand = opened_params (ts_image_copy (picture), "dct", 8);
  g_autoptr (TsJobResult) r_doubled = NULL, r_level20 = NULL, r_level10 = NULL, r_read2 = NULL;
  g_autoptr (TsJobResult) r_hand = NULL;

  doubled->sigma = 10.0;
  doubled->strength = 2.0;
  level20->sigma = 20.0;
  level10->sigma = 10.0;
  r_doubled = run_ok (doubled);
  r_level20 = run_ok (level20);
  r_level10 = run_ok (level10);
  g_assert_cmpfloat (r_doubled->noise.strength, ==, 2.0);
  g_assert_cmpfloat (r_doubled->noise.sigma, ==, 10.0);
  g_assert_cmpfloat (r_doubled->noise.plane_sigma[0], ==, 20.0);
  assert_same_image (r_doubled->result, r_level20->result);
  /* ... and not what the level alone gives. */
  g_assert_true (memcmp (r_doubled->result->data, r_level10->result->data,
                         sizeof (float) * ts_image_n_values (r_level10->result)) != 0);

  read2->estimate_noise = TRUE;
  read2->noise = TS_NOISE_MODEL_AUTO;
  read2->strength = 2.0;
  r_read2 = run_ok (read2);
  g_assert_true (r_read2->noise.estimated);
  g_assert_cmpint (r_read2->noise.model, ==, TS_NOISE_MODEL_GAUSSIAN);
  g_assert_cmpfloat (r_read2->noise.plane_sigma[0], ==, 2.0 * r_read2->noise.sigma);
  hand->sigma = 2.0 * r_read2->noise.sigma;
  r_hand = run_ok (hand);
  assert_same_image (r_read2->result, r_hand->result);
}

/* Chroma strength reaches the chroma planes alone: solved at twice the luminance's level,
 * the luminance the same as at chroma strength 1, the colour planes not. */
static void
test_chroma_strength (void)
{
  g_autoptr (TsImage) picture = noisy_picture (64, TRUE, 15.0, 0.0);
  g_autoptr (TsJobParams) plain = opened_params (ts_image_copy (picture), "dct", 8);
  g_autoptr (TsJobParams) chroma = opened_params (ts_image_copy (picture), "dct", 8);
  g_autoptr (TsJobResult) r_plain = NULL, r_chroma = NULL;
  g_autoptr (TsImage) o_plain = NULL, o_chroma = NULL;
  double y_diff = 0.0, o_diff = 0.0;

  plain->sigma = chroma->sigma = 15.0;
  chroma->chroma_strength = 2.0;
  r_plain = run_ok (plain);
  r_chroma = run_ok (chroma);
  g_assert_true (r_chroma->noise.opponent);
  g_assert_cmpfloat (r_chroma->noise.chroma_strength, ==, 2.0);
  g_assert_cmpfloat (r_chroma->noise.plane_sigma[0], ==, 15.0);
  g_assert_cmpfloat (r_chroma->noise.plane_sigma[1], ==, 30.0);
  g_assert_cmpfloat (r_chroma->noise.plane_sigma[2], ==, 30.0);
  g_assert_cmpfloat (r_plain->noise.plane_sigma[1], ==, 15.0);
  o_plain = ts_colour_rgb_to_opponent (r_plain->result);
  o_chroma = ts_colour_rgb_to_opponent (r_chroma->result);
  for (gsize i = 0; i < (gsize) 64 * 64; i++)
    {
      y_diff = MAX (y_diff, fabs (o_plain->data[3 * i] - o_chroma->data[3 * i]));
      o_diff += fabs (o_plain->data[3 * i + 1] - o_chroma->data[3 * i + 1])
                + fabs (o_plain->data[3 * i + 2] - o_chroma->data[3 * i + 2]);
    }
  g_assert_cmpfloat (y_diff, <, 1e-5);
  g_assert_cmpfloat (o_diff / (64 * 64), >, 1e-3);
}

/* Poisson-Gaussian when chosen, and when "auto" reads noise that grows with brightness; a
 * level set by hand is Gaussian whatever the menu says. */
static void
test_poisson_gaussian (void)
{
  g_autoptr (TsImage) picture = noisy_picture (128, TRUE, 3.0, 0.01);
  g_autoptr (TsJobParams) chosen = opened_params (ts_image_copy (picture), "dct", 5);
  g_autoptr (TsJobParams) automatic = opened_params (ts_image_copy (picture), "dct", 5);
  g_autoptr (TsJobParams) gaussian = opened_params (ts_image_copy (picture), "dct", 5);
  g_autoptr (TsJobParams) hand = opened_params (ts_image_copy (picture), "dct", 5);
  g_autoptr (TsJobResult) r_chosen = NULL, r_auto = NULL, r_gaussian = NULL, r_hand = NULL;

  chosen->estimate_noise = automatic->estimate_noise = gaussian->estimate_noise = TRUE;
  chosen->noise = TS_NOISE_MODEL_POISSON_GAUSSIAN;
  automatic->noise = TS_NOISE_MODEL_AUTO;
  gaussian->noise = TS_NOISE_MODEL_GAUSSIAN;
  hand->noise = TS_NOISE_MODEL_POISSON_GAUSSIAN;
  hand->sigma = 20.0;
  r_chosen = run_ok (chosen);
  r_auto = run_ok (automatic);
  r_gaussian = run_ok (gaussian);
  r_hand = run_ok (hand);

  g_assert_cmpint (r_chosen->noise.requested, ==, TS_NOISE_MODEL_POISSON_GAUSSIAN);
  g_assert_cmpint (r_chosen->noise.model, ==, TS_NOISE_MODEL_POISSON_GAUSSIAN);
  g_assert_cmpint (r_chosen->noise.n_channels, ==, 3);
  for (int c = 0; c < 3; c++)
    g_assert_cmpfloat (fabs (r_chosen->noise.channel[c].a - 0.01), <, 0.005);
  g_assert_cmpint (r_auto->noise.requested, ==, TS_NOISE_MODEL_AUTO);
  g_assert_cmpint (r_auto->noise.model, ==, TS_NOISE_MODEL_POISSON_GAUSSIAN);
  assert_same_image (r_auto->result, r_chosen->result);
  g_assert_cmpint (r_gaussian->noise.model, ==, TS_NOISE_MODEL_GAUSSIAN);
  g_assert_true (memcmp (r_gaussian->result->data, r_chosen->result->data,
                         sizeof (float) * ts_image_n_values (r_chosen->result)) != 0);
  g_assert_cmpint (r_hand->noise.model, ==, TS_NOISE_MODEL_GAUSSIAN);
  g_assert_false (r_hand->noise.estimated);
  g_assert_cmpfloat (r_hand->noise.plane_sigma[0], ==, 20.0);
}

/* The window's defaults (the level read, Automatic, strengths 1) on a white-noise colour
 * picture give, bit for bit, what the window ran before the noise controls: the blind level
 * read as the document did, the model resolved at it and handed over, Gaussian noise. */
static void
test_defaults_as_before (void)
{
  g_autoptr (TsImage) picture = noisy_picture (64, TRUE, 15.0, 0.0);
  g_autoptr (TsJobParams) before = opened_params (ts_image_copy (picture), "auto", 10);
  g_autoptr (TsJobParams) now = opened_params (ts_image_copy (picture), "auto", 10);
  g_autoptr (TsJobResult) r_before = NULL, r_now = NULL;
  TsNoiseLevel level;

  ts_noise_level_estimate (picture, &level);
  before->sigma = 255.0 * level.sigma;
  /* "auto" at the level given by hand, as the window runs it (the spec, not a model resolved
   * beforehand: a colour picture's chroma planes may then take their own model). */
  now->sigma = 25.0;   /* not used: the level is read */
  now->estimate_noise = TRUE;
  now->noise = TS_NOISE_MODEL_AUTO;
  now->strength = now->chroma_strength = 1.0;
  r_before = run_ok (before);
  r_now = run_ok (now);
  g_assert_cmpint (r_now->noise.model, ==, TS_NOISE_MODEL_GAUSSIAN);
  g_assert_true (r_now->noise.estimated);
  g_assert_cmpfloat (r_now->noise.sigma, ==, before->sigma);
  assert_same_image (r_now->result, r_before->result);
}

/* Issue 20: the model the window shows (ts_job_plan_noise from the picture's reading, then
 * ts_job_plane_model: the core's rule) is the one the run solves the luminance with, its
 * threshold included: "auto" and "dct" at the level the strength makes (at strength 4 not the
 * model of the level read), a named model with its threshold scaled by the strength; read from
 * the picture or set by hand. */
static void
test_shown_model (void)
{
  g_autoptr (TsImage) picture = noisy_picture (64, TRUE, 15.0, 0.0);
  const struct {
    const char *spec;
    double strength;
    gboolean estimate;
  } cases[] = {
    { "auto", 1.0, TRUE }, { "auto", 4.0, TRUE }, { "auto", 2.0, FALSE }, { "dct", 3.0, TRUE },
    { "ncpr-sigma25", 2.0, TRUE }, { "ncpr-sigma25", 0.5, FALSE },
  };
  TsNoiseReading reading;
  g_autofree char *auto_1 = NULL, *auto_4 = NULL;

  ts_restore_noise_reading_init (&reading, picture);
  ts_restore_noise_read (picture, TS_NOISE_MODEL_AUTO, &reading);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (TsJobParams) params = opened_params (ts_image_copy (picture), cases[i].spec, 2);
      g_autoptr (TsJobResult) result = NULL;
      g_autoptr (TsModel) shown = NULL, unscaled = NULL;
      g_autoptr (GError) error = NULL;
      TsRestoreNoise plan;

      params->sigma = 20.0;
      params->estimate_noise = cases[i].estimate;
      params->noise = TS_NOISE_MODEL_AUTO;
      params->strength = cases[i].strength;
      params->has_noise_reading = TRUE;
      params->noise_reading = reading;
      g_assert_true (ts_job_plan_noise (params, &reading, &plan, &error));
      g_assert_no_error (error);
      shown = ts_job_plane_model (cases[i].spec, NULL, &plan, 0, &error);
      g_assert_no_error (error);
      result = run_ok (params);
      g_test_message ("%s at strength %g: shows %s (threshold %g), the run used %s (%g)",
                      cases[i].spec, cases[i].strength, shown->name, shown->lambda,
                      result->model->name, result->model->lambda);
      g_assert_cmpfloat (plan.plane_sigma[0], ==, result->noise.plane_sigma[0]);
      g_assert_cmpstr (shown->name, ==, result->model->name);
      g_assert_cmpfloat (shown->lambda, ==, result->model->lambda);
      g_assert_cmpint (shown->n_atoms, ==, result->model->n_atoms);
      /* Off strength 1, the model for the level before the strength is another. */
      unscaled = ts_job_resolve_model (cases[i].spec, plan.sigma, &error);
      g_assert_no_error (error);
      if (cases[i].strength != 1.0)
        g_assert_cmpfloat (unscaled->lambda, !=, shown->lambda);
      if (g_str_equal (cases[i].spec, "ncpr-sigma25"))
        g_assert_cmpfloat (fabs (shown->lambda - cases[i].strength * unscaled->lambda), <,
                           1e-12 * unscaled->lambda);
      if (g_str_equal (cases[i].spec, "auto") && cases[i].estimate)
        {
          char **name = cases[i].strength == 1.0 ? &auto_1 : &auto_4;
          *name = g_strdup (shown->name);
        }
    }
  /* Four times a level of 15 picks another trained model. */
  g_assert_cmpstr (auto_1, !=, auto_4);
}

/* The picture's reading handed to the run is what the run plans from: given the reading of
 * another picture of the same size (white noise of 30 instead of 10), the run solves at that
 * reading's level. */
static void
test_reading_handed_over (void)
{
  g_autoptr (TsImage) picture = noisy_picture (64, TRUE, 10.0, 0.0);
  g_autoptr (TsImage) other = noisy_picture (64, TRUE, 30.0, 0.0);
  g_autoptr (TsJobParams) own = opened_params (ts_image_copy (picture), "dct", 2);
  g_autoptr (TsJobParams) handed = opened_params (ts_image_copy (picture), "dct", 2);
  g_autoptr (TsJobResult) r_own = NULL, r_handed = NULL;
  TsNoiseReading reading;

  ts_restore_noise_reading_init (&reading, other);
  ts_restore_noise_read (other, TS_NOISE_MODEL_GAUSSIAN, &reading);
  own->estimate_noise = handed->estimate_noise = TRUE;
  own->noise = handed->noise = TS_NOISE_MODEL_GAUSSIAN;
  handed->has_noise_reading = TRUE;
  handed->noise_reading = reading;
  r_own = run_ok (own);
  r_handed = run_ok (handed);
  g_assert_cmpfloat (fabs (r_own->noise.sigma - 10.0), <, 2.0);
  g_assert_cmpfloat (fabs (r_handed->noise.sigma - 30.0), <, 4.0);
  g_assert_cmpfloat (r_handed->noise.sigma, ==, 255.0 * reading.level.sigma);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gui/job/denoise", test_denoise);
  g_test_add_func ("/gui/job/denoise-odd-sides-with-groups", test_denoise_odd_sides_with_groups);
  g_test_add_func ("/gui/job/denoise-colour-warm-start", test_denoise_colour_and_warm_start);
  g_test_add_func ("/gui/job/super-resolution", test_super_resolution);
  g_test_add_func ("/gui/job/mri-simulated", test_mri_simulated);
  g_test_add_func ("/gui/job/mri-needs-kspace", test_mri_needs_kspace);
  g_test_add_func ("/gui/job/mri-fastmri-truth", test_mri_fastmri_truth);
  g_test_add_func ("/gui/job/too-small", test_too_small);
  g_test_add_func ("/gui/job/bad-model", test_bad_model);
  g_test_add_func ("/gui/job/cancel", test_cancel);
  g_test_add_func ("/gui/job/auto-model", test_auto_model);
  g_test_add_func ("/gui/job/tiled-changes", test_tiled_changes);
  g_test_add_func ("/gui/job/strength", test_strength);
  g_test_add_func ("/gui/job/chroma-strength", test_chroma_strength);
  g_test_add_func ("/gui/job/poisson-gaussian", test_poisson_gaussian);
  g_test_add_func ("/gui/job/defaults-as-before", test_defaults_as_before);
  g_test_add_func ("/gui/job/shown-model", test_shown_model);
  g_test_add_func ("/gui/job/reading-handed-over", test_reading_handed_over);
  return g_test_run ();
}
