/* The restore layer (ts-restore.h): each decision it makes for both front ends, checked
 * against the solver called by hand: the colour planes, alpha, odd sides, tiles, the
 * operators of super-resolution and MRI, the defaults, the "auto" model rule, progress and
 * cancellation. */
#include <math.h>
#include <string.h>

#include "tessera.h"
#include "test-model-util.h"
#include "test-util.h"

#define SIDE 40
#define ITERS 6

static TsImage *
picture (int w, int h, int channels, guint64 seed)
{
  TsImage *image = ts_image_new (w, h, channels, NULL);

  for (int c = 0; c < channels; c++)
    {
      g_autofree float *data = ts_test_picture (w, h, 0.1, seed + c);
      for (int i = 0; i < w * h; i++)
        image->data[(gsize) i * channels + c] = data[i];
    }
  return image;
}

/* A request for `task` that runs exactly ITERS iterations. */
static void
request_init (TsRestoreRequest *request, TsTask task, const TsModel *model)
{
  ts_restore_request_init (request);
  request->task = task;
  request->model = model;
  request->tol = 0.0;
  request->max_iter = ITERS;
}

/* x of one whole solve of `data` with the options the request gets. */
static TsImage *
solve_by_hand (const TsRestoreRequest *request, const TsOperator *op, const float *data)
{
  TsSolveOptions options;
  g_autoptr (GError) error = NULL;

  ts_restore_solve_options (request, request->model, &options);
  g_autoptr (TsRegulariser) prox = ts_regulariser_new (request->model, op, options.beta,
                                                       options.lambda, &error);
  g_assert_no_error (error);
  g_autoptr (TsSolution) solution = ts_solve (op, prox, data, &options, NULL, NULL, NULL, NULL,
                                              NULL, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&solution->x);
}

static void
assert_same (const TsImage *a, const TsImage *b)
{
  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpint (a->height, ==, b->height);
  g_assert_cmpint (a->channels, ==, b->channels);
  g_assert_true (memcmp (a->data, b->data, sizeof (float) * ts_image_n_values (a)) == 0);
}

/* RGBA in the opponent basis: each opponent plane solved on its own, alpha untouched. */
static void
test_colour_opponent_is_per_plane (void)
{
  g_autoptr (TsModel) model = ts_model_new_dct (25);
  g_autoptr (TsImage) noisy = picture (SIDE, SIDE, 4, 7);
  g_autoptr (TsImage) opponent = ts_colour_rgb_to_opponent (noisy);
  g_autoptr (TsOperator) op = ts_operator_identity_new (SIDE, SIDE);
  g_autoptr (TsRestoreResult) result = NULL;
  g_autoptr (GError) error = NULL;
  TsRestoreRequest request;

  request_init (&request, TS_TASK_DENOISE, model);
  request.image = noisy;
  result = ts_restore (&request, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  for (int c = 0; c < 3; c++)
    {
      g_autoptr (TsImage) plane = ts_image_extract_channel (opponent, c);
      g_autoptr (TsImage) x = solve_by_hand (&request, op, plane->data);
      ts_image_set_channel (opponent, c, x);
    }
  g_autoptr (TsImage) expected = ts_colour_opponent_to_rgb (opponent);
  assert_same (result->image, expected);
  for (int i = 0; i < SIDE * SIDE; i++)
    g_assert_cmpfloat (result->image->data[4 * i + 3], ==, noisy->data[4 * i + 3]);
  g_assert_cmpint (result->stats.n_solves, ==, 3);
  g_assert_cmpint (result->stats.total_iterations, ==, 3 * ITERS);
  g_assert_false (result->tiled);
  g_assert_true (noisy != NULL && request.image == noisy);   /* borrowed, not freed */

  /* Per channel: R, G, B each solved as they are. */
  g_autoptr (TsRestoreResult) rgb = NULL;
  request.colour = TS_COLOUR_RGB;
  rgb = ts_restore (&request, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (TsImage) green = ts_image_extract_channel (noisy, 1);
  g_autoptr (TsImage) x = solve_by_hand (&request, op, green->data);
  g_autoptr (TsImage) got = ts_image_extract_channel (rgb->image, 1);
  assert_same (got, x);
}

/* Opponent colour to a tolerance: the chroma planes' change is measured against the solved
 * luminance (TS_PLANE_STOP_PICTURE, the default), so they stop sooner than against their own
 * small norm; the luminance is solved the same either way, and each chroma plane is exactly
 * the solver's with change_reference_mean_square = the luminance's mean square. */
static void
test_colour_plane_stop (void)
{
  g_autoptr (TsModel) model = ts_model_new_dct (25);
  g_autoptr (TsImage) noisy = picture (SIDE, SIDE, 3, 21);
  g_autofree float *grey = ts_test_picture (SIDE, SIDE, 0.1, 5);
  for (int i = 0; i < SIDE * SIDE; i++)   /* mostly grey, as photos are: small chroma */
    for (int c = 0; c < 3; c++)
      noisy->data[3 * i + c] = 0.9f * grey[i] + 0.1f * noisy->data[3 * i + c];
  g_autoptr (TsImage) opponent = ts_colour_rgb_to_opponent (noisy);
  g_autoptr (TsOperator) op = ts_operator_identity_new (SIDE, SIDE);
  g_autoptr (GError) error = NULL;
  TsRestoreRequest request;

  request_init (&request, TS_TASK_DENOISE, model);
  request.tol = 1e-4;
  request.max_iter = 3000;
  request.image = noisy;
  request.plane_stop = TS_PLANE_STOP_OWN;
  g_autoptr (TsRestoreResult) own = ts_restore (&request, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  request.plane_stop = TS_PLANE_STOP_PICTURE;
  g_autoptr (TsRestoreResult) pic = ts_restore (&request, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpint (own->stats.n_solves, ==, 3);
  g_assert_cmpint (pic->stats.n_solves, ==, 3);
  g_assert_cmpint (pic->stats.per_channel[0].iterations, ==, own->stats.per_channel[0].iterations);
  for (int c = 1; c < 3; c++)
    {
      g_test_message ("plane %d: %d iterations against itself, %d against the luminance", c,
                      own->stats.per_channel[c].iterations, pic->stats.per_channel[c].iterations);
      g_assert_cmpint (pic->stats.per_channel[c].iterations, <, own->stats.per_channel[c].iterations);
      g_assert_true (pic->stats.per_channel[c].converged);
    }

  TsSolveOptions options;
  ts_restore_solve_options (&request, model, &options);
  g_autoptr (TsRegulariser) prox = ts_regulariser_new (model, op, options.beta, options.lambda,
                                                       &error);
  g_assert_no_error (error);
  double luminance_mean_square = 0.0;
  for (int c = 0; c < 3; c++)
    {
      g_autoptr (TsImage) plane = ts_image_extract_channel (opponent, c);
      options.change_reference_mean_square = c > 0 ? luminance_mean_square : 0.0;
      g_autoptr (TsSolution) solution = ts_solve (op, prox, plane->data, &options, NULL, NULL,
                                                  NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      if (c == 0)
        for (int i = 0; i < SIDE * SIDE; i++)
          luminance_mean_square += (double) solution->x->data[i] * solution->x->data[i]
                                   / (SIDE * SIDE);
      ts_image_set_channel (opponent, c, solution->x);
    }
  g_autoptr (TsImage) expected = ts_colour_opponent_to_rgb (opponent);
  assert_same (pic->image, expected);
}

/* 2x2 groups: odd sides solved extended by the edge, the result cut back to the input. */
static void
test_odd_sides_extended (void)
{
  g_autoptr (TsModel) model = ts_test_random_model (TS_PROX_CPR, 2, 11);
  g_autoptr (TsImage) noisy = picture (37, 35, 1, 3);
  g_autoptr (TsImage) extended = ts_image_extend (noisy, 38, 36, NULL);
  g_autoptr (TsOperator) op = ts_operator_identity_new (38, 36);
  g_autoptr (TsRestoreResult) result = NULL;
  g_autoptr (GError) error = NULL;
  TsRestoreRequest request;
  int w, h;

  g_assert_true (ts_restore_extends (model, 37, 35, &w, &h));
  g_assert_cmpint (w, ==, 38);
  g_assert_cmpint (h, ==, 36);
  request_init (&request, TS_TASK_DENOISE, model);
  request.image = noisy;
  request.decompose = TRUE;
  result = ts_restore (&request, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (result->extended);
  g_autoptr (TsImage) x = solve_by_hand (&request, op, extended->data);
  g_autoptr (TsImage) expected = ts_image_crop (x, 0, 0, 37, 35);
  assert_same (result->image, expected);
  g_assert_cmpint (result->smooth->width, ==, 37);
  g_assert_cmpint (result->cost->height, ==, 35);

  /* Ground truth for a simulation is cropped instead. */
  g_autoptr (TsImage) crop = ts_simulate_crop_to_groups (model, noisy, 37, 35);
  g_assert_cmpint (crop->width, ==, 36);
  g_assert_cmpint (crop->height, ==, 34);
}

/* Forced tiles are ts_denoise_tiled's result, plane by plane, without decomposition. */
static void
test_tiled_matches_tiles (void)
{
  g_autoptr (TsModel) model = ts_model_new_dct (25);
  g_autoptr (TsImage) noisy = picture (96, 80, 1, 5);
  g_autoptr (TsRestoreResult) result = NULL;
  g_autoptr (TsRestoreResult) whole = NULL;
  g_autoptr (GError) error = NULL;
  TsRestoreRequest request;
  TsTileOptions tiles;
  TsSolveOptions options;

  request_init (&request, TS_TASK_DENOISE, model);
  request.image = noisy;
  request.decompose = TRUE;
  request.keep_solutions = TRUE;
  request.tiling.mode = TS_RESTORE_TILES_ALWAYS;
  request.tiling.size = 64;
  result = ts_restore (&request, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (result->tiled);
  g_assert_null (result->smooth);
  g_assert_null (result->solutions);
  ts_restore_tile_options (&request.tiling, &tiles);
  ts_restore_solve_options (&request, model, &options);
  g_autoptr (TsImage) expected = ts_denoise_tiled (model, noisy, &options, &tiles, NULL, NULL, NULL,
                                                   NULL, &error);
  g_assert_no_error (error);
  assert_same (result->image, expected);
  g_assert_cmpint (ts_restore_count_tiles (&request.tiling, &options, 96, 80), ==, 4);

  /* Untiled: the whole solve, with its decomposition and solution. */
  request.tiling.mode = TS_RESTORE_TILES_AUTO;
  whole = ts_restore (&request, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (whole->tiled);
  g_assert_nonnull (whole->smooth);
  g_assert_cmpuint (whole->solutions->len, ==, 1);
  g_autoptr (TsOperator) op = ts_operator_identity_new (96, 80);
  g_autoptr (TsImage) x = solve_by_hand (&request, op, noisy->data);
  assert_same (whole->image, x);
}

/* The memory rule: automatic tiles when a whole solve would not fit; a whole solve asked
 * for is refused with TS_ERROR_LIMIT; super-resolution too. */
static void
test_memory_rule (void)
{
  g_autoptr (TsModel) model = ts_model_new_dct (25);
  g_autoptr (TsImage) noisy = picture (SIDE, SIDE, 1, 9);
  g_autoptr (TsRestoreResult) result = NULL;
  g_autoptr (GError) error = NULL;
  TsRestoreRequest request;
  TsRestoreTiling tiling;

  ts_restore_tiling_init (&tiling);
  g_assert_false (ts_restore_wants_tiles (&tiling, model, SIDE, SIDE));
  /* 1200 MB: about 2.5 megapixels of the 148-atom DCT model. */
  g_assert_true (ts_restore_wants_tiles (&tiling, model, 2000, 2000));
  g_setenv ("TESSERA_MEMORY_LIMIT", "1000000", TRUE);
  g_assert_true (ts_restore_wants_tiles (&tiling, model, SIDE, SIDE));
  request_init (&request, TS_TASK_DENOISE, model);
  request.image = noisy;
  result = ts_restore (&request, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (result->tiled);

  request.tiling.mode = TS_RESTORE_TILES_NEVER;
  g_assert_null (ts_restore (&request, NULL, NULL, NULL, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_LIMIT);
  g_clear_error (&error);
  request.task = TS_TASK_SR;
  g_assert_null (ts_restore (&request, NULL, NULL, NULL, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_LIMIT);
  g_unsetenv ("TESSERA_MEMORY_LIMIT");
}

/* Super-resolution: the default operator, every channel; the input enlarged. */
static void
test_super_resolution (void)
{
  g_autoptr (TsModel) model = ts_model_new_dct (25);
  g_autoptr (TsImage) clean = picture (48, 48, 2, 13);
  g_autoptr (TsImage) truth = NULL;
  g_autoptr (TsRestoreResult) result = NULL;
  g_autoptr (GError) error = NULL;
  TsRestoreRequest request;
  TsImage *lowres = ts_simulate_sr (clean, &truth, &error);

  g_assert_no_error (error);
  g_assert_cmpint (lowres->width, ==, 9);
  g_assert_cmpint (truth->width, ==, 48);
  g_autoptr (TsOperator) op = ts_operator_sr_new (9, 9, TS_SR_DEFAULT_KERNEL, TS_SR_DEFAULT_STD,
                                                  TS_SR_DEFAULT_STRIDE, NULL);
  g_autoptr (TsImage) alpha = ts_image_extract_channel (lowres, 1);
  request_init (&request, TS_TASK_SR, model);
  request.image = lowres;
  request.take_image = TRUE;
  request.input_view = TRUE;
  g_autoptr (TsImage) x = solve_by_hand (&request, op, alpha->data);
  result = ts_restore (&request, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (request.image);   /* taken */
  g_assert_cmpint (result->image->width, ==, 48);
  g_assert_cmpint (result->image->channels, ==, 2);
  g_assert_cmpint (result->input->width, ==, 48);
  g_autoptr (TsImage) got = ts_image_extract_channel (result->image, 1);
  assert_same (got, x);

  /* Too small to simulate: under five low-resolution samples. */
  g_autoptr (TsImage) tiny = picture (31, 40, 1, 1);
  g_autoptr (TsImage) tiny_truth = NULL;
  g_assert_null (ts_simulate_sr (tiny, &tiny_truth, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
}

/* MRI: the operator of the k-space's mask; the zero-filled input. */
static void
test_mri (void)
{
  g_autoptr (TsModel) model = ts_model_new_dct (25);
  g_autoptr (TsImage) clean = picture (SIDE, 32, 3, 17);
  g_autoptr (TsImage) truth = NULL;
  g_autoptr (TsRestoreResult) result = NULL;
  g_autoptr (GError) error = NULL;
  TsRestoreRequest request;
  g_autoptr (TsKspace) kspace = ts_simulate_mri (clean, model, 4, 0, &truth, &error);

  g_assert_no_error (error);
  g_assert_cmpint (truth->channels, ==, 1);
  g_autoptr (TsOperator) op = ts_operator_mri_new (SIDE, 32, kspace->mask, NULL);
  g_autoptr (TsImage) zero_filled = ts_image_new (SIDE, 32, 1, NULL);
  ts_operator_mri_zero_filled (op, kspace->data, zero_filled->data);
  request_init (&request, TS_TASK_MRI, model);
  request.kspace = kspace;
  request.input_view = TRUE;
  result = ts_restore (&request, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (TsImage) x = solve_by_hand (&request, op, kspace->data);
  assert_same (result->image, x);
  assert_same (result->input, zero_filled);
}

/* One rule for the iteration defaults. */
static void
test_defaults (void)
{
  g_autoptr (TsModel) model = ts_model_new_dct (25);
  TsRestoreRequest request;
  TsSolveOptions options;

  ts_restore_request_init (&request);
  ts_restore_solve_options (&request, model, &options);
  g_assert_cmpfloat (options.tol, ==, model->tol);
  g_assert_cmpint (options.max_iter, ==, TS_RESTORE_DEFAULT_MAX_ITER);
  g_assert_cmpstr (ts_restore_variant_name (TS_TASK_DENOISE), ==, "forward");
  request.task = TS_TASK_MRI;
  ts_restore_solve_options (&request, model, &options);
  g_assert_cmpfloat (options.tol, ==, TS_RECONSTRUCT_TOL);
  g_assert_cmpstr (ts_restore_variant_name (TS_TASK_MRI), ==, "reconstruct");
  /* The DCT model is not one of the paper's: its own beta and lambda. */
  g_assert_true (isnan (options.beta) && isnan (options.lambda));
  request.beta = 0.5;
  ts_restore_solve_options (&request, model, &options);
  g_assert_cmpfloat (options.beta, ==, 0.5);
  g_assert_cmpstr (ts_restore_default_model (TS_TASK_DENOISE), ==, "auto");
  g_assert_cmpstr (ts_restore_default_model (TS_TASK_SR), ==, TS_RESTORE_PAPER_MODEL);
  g_assert_cmpfloat (ts_restore_progress_fraction (0, 1e-1, 1e-4, 100), ==, 0.0);
  g_assert_cmpfloat_with_epsilon (ts_restore_progress_fraction (1, 1e-2, 1e-4, 100), 1.0 / 3.0,
                                  1e-9);
  g_assert_cmpfloat (ts_restore_progress_fraction (3, 1e-5, 1e-4, 100), ==, 1.0);
  g_assert_cmpfloat (ts_restore_progress_fraction (50, NAN, 0.0, 100), ==, 0.5);
  /* One fraction over a three-plane tiled run: each tile's iterations, the tile done, the next
   * tile, the next plane; it never goes back and ends at 1. */
  double last = 0.0;
  for (int channel = 0; channel < 3; channel++)
    for (int tile = 0; tile < 4; tile++)
      for (int it = 0; it <= 10; it++)
        {
          double solve = it < 10 ? ts_restore_progress_fraction (it, NAN, 0.0, 10) : 0.0;
          int done = it < 10 ? tile : tile + 1;
          double f = ts_restore_overall_fraction (channel, 3, done, 4, solve);
          g_assert_cmpfloat (f, >=, last - 1e-12);
          last = f;
        }
  g_assert_cmpfloat (last, ==, 1.0);
  g_assert_cmpfloat_with_epsilon (ts_restore_overall_fraction (1, 3, 0, 0, 0.5), 0.5, 1e-12);

  /* A model trained for an iteration budget runs exactly its iterations by default
   * (denoising), and a tolerance or cap given by the caller wins. */
  model->iterations = 20;
  ts_restore_request_init (&request);
  ts_restore_solve_options (&request, model, &options);
  g_assert_cmpfloat (options.tol, ==, 0.0);
  g_assert_cmpint (options.max_iter, ==, 20);
  g_assert_cmpint (options.image_step, ==, TS_IMAGE_STEP_GRADIENT);
  g_assert_cmpfloat (options.step_scale, ==, 1.0);
  /* ... and the iteration it was trained with: the exact image step, its step multiplier. */
  model->exact_image_step = TRUE;
  model->step_scale = 1.25;
  ts_restore_solve_options (&request, model, &options);
  g_assert_cmpint (options.image_step, ==, TS_IMAGE_STEP_EXACT);
  g_assert_cmpfloat (options.step_scale, ==, 1.25);
  request.tol = 1e-3;
  ts_restore_solve_options (&request, model, &options);
  g_assert_cmpfloat (options.tol, ==, 1e-3);
  g_assert_cmpint (options.max_iter, ==, TS_RESTORE_DEFAULT_MAX_ITER);
  ts_restore_request_init (&request);
  request.max_iter = 7;
  ts_restore_solve_options (&request, model, &options);
  g_assert_cmpfloat (options.tol, ==, model->tol);
  g_assert_cmpint (options.max_iter, ==, 7);
  /* The window's cap, always set, is a cap: above the budget the budget runs. */
  g_assert_cmpint (ts_restore_cap_for_model (TS_TASK_DENOISE, model, NAN, 1000), ==, 0);
  g_assert_cmpint (ts_restore_cap_for_model (TS_TASK_DENOISE, model, NAN, 20), ==, 0);
  g_assert_cmpint (ts_restore_cap_for_model (TS_TASK_DENOISE, model, NAN, 19), ==, 19);
  g_assert_cmpint (ts_restore_cap_for_model (TS_TASK_DENOISE, model, 1e-4, 1000), ==, 1000);
  g_assert_cmpint (ts_restore_cap_for_model (TS_TASK_SR, model, NAN, 1000), ==, 1000);
  request.task = TS_TASK_SR;
  request.max_iter = 0;
  ts_restore_solve_options (&request, model, &options);
  g_assert_cmpfloat (options.tol, ==, TS_RECONSTRUCT_TOL);
}

/* Task presets: the task's preset by default (SR; MRI by acceleration and contrast), the
 * paper's values (or the model's) without one, explicit beta / lambda over a preset, a named
 * preset, "none", and clear errors for a preset the model lacks or of another task. */
static void
test_presets (void)
{
  /* Looks like the paper's model to ts_task_paper_defaults: 200 + 120 atoms, sigma 25. */
  g_autoptr (TsModel) model = ts_model_new (200, 120, 13);
  g_autoptr (GError) error = NULL;
  TsRestoreRequest request;
  TsSolveOptions options;
  TsTaskParams params;

  model->sigma = 25.0;
  g_free (model->name);
  model->name = g_strdup ("paper-like");
  g_assert_cmpstr (ts_task_preset_name (TS_TASK_SR, 0, TRUE), ==, "sr-x4");
  g_assert_cmpstr (ts_task_preset_name (TS_TASK_MRI, 0, FALSE), ==, "mri-acc8-pd");
  g_assert_cmpstr (ts_task_preset_name (TS_TASK_MRI, 8, TRUE), ==, "mri-acc8-pdfs");
  g_assert_cmpstr (ts_task_preset_name (TS_TASK_MRI, 16, FALSE), ==, "mri-acc16-pd");
  g_assert_cmpstr (ts_task_preset_name (TS_TASK_MRI, 13, TRUE), ==, "mri-acc16-pdfs");
  g_assert_null (ts_task_preset_name (TS_TASK_DENOISE, 0, FALSE));

  /* No presets: the paper's values for this model, and nothing used. */
  ts_restore_request_init (&request);
  request.task = TS_TASK_MRI;
  request.fat_suppressed = TRUE;
  g_assert_true (ts_restore_task_params (&request, model, &params, &error));
  g_assert_cmpstr (params.preset, ==, "");
  g_assert_cmpstr (params.task_preset, ==, "mri-acc8-pdfs");
  g_assert_true (params.preset_missing);
  g_assert_cmpint (params.beta_from, ==, TS_PARAM_FROM_PAPER);
  g_assert_cmpfloat (params.beta, ==, 0.011783);

  g_assert_true (ts_model_set_preset (model, "sr-x4", 0.004, 0.0009, NAN, 0, NULL, &error));
  g_assert_true (ts_model_set_preset (model, "mri-acc8-pd", 0.02, 0.0012, NAN, 0, NULL, &error));
  g_assert_true (ts_model_set_preset (model, "mri-acc8-pdfs", 0.012, 0.0011, 2e-5, 300, NULL,
                                      &error));
  g_assert_true (ts_model_set_preset (model, "mri-acc16-pd", 0.001, 0.0006, NAN, 0, NULL, &error));
  g_assert_true (ts_model_set_preset (model, "night", 0.5, 0.01, NAN, 0, NULL, &error));
  g_assert_no_error (error);

  /* The preset by task, acceleration and contrast. */
  const struct {
    TsTask task;
    int acceleration;
    gboolean fat_suppressed;
    const char *preset;
    double beta, lambda, tol;
    int max_iter;
  } cases[] = {
    { TS_TASK_SR, 0, FALSE, "sr-x4", 0.004, 0.0009, TS_RECONSTRUCT_TOL, TS_RESTORE_DEFAULT_MAX_ITER },
    { TS_TASK_MRI, 0, FALSE, "mri-acc8-pd", 0.02, 0.0012, TS_RECONSTRUCT_TOL,
      TS_RESTORE_DEFAULT_MAX_ITER },
    { TS_TASK_MRI, 8, TRUE, "mri-acc8-pdfs", 0.012, 0.0011, 2e-5, 300 },
    { TS_TASK_MRI, 16, FALSE, "mri-acc16-pd", 0.001, 0.0006, TS_RECONSTRUCT_TOL,
      TS_RESTORE_DEFAULT_MAX_ITER },
    /* Not in the model: the paper's values. */
    { TS_TASK_MRI, 16, TRUE, "", 0.015, 0.001, TS_RECONSTRUCT_TOL, TS_RESTORE_DEFAULT_MAX_ITER },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      ts_restore_request_init (&request);
      request.task = cases[i].task;
      request.mri_acceleration = cases[i].acceleration;
      request.fat_suppressed = cases[i].fat_suppressed;
      g_assert_true (ts_restore_task_params (&request, model, &params, &error));
      g_assert_cmpstr (params.preset, ==, cases[i].preset);
      g_assert_cmpint (params.beta_from, ==,
                       cases[i].preset[0] ? TS_PARAM_FROM_PRESET : TS_PARAM_FROM_PAPER);
      ts_restore_solve_options (&request, model, &options);
      g_assert_cmpfloat (options.beta, ==, cases[i].beta);
      g_assert_cmpfloat (options.lambda, ==, cases[i].lambda);
      g_assert_cmpfloat (options.tol, ==, cases[i].tol);
      g_assert_cmpint (options.max_iter, ==, cases[i].max_iter);
    }

  /* Denoising never takes a preset. */
  ts_restore_request_init (&request);
  request.preset = "night";
  g_assert_true (ts_restore_task_params (&request, model, &params, &error));
  g_assert_cmpstr (params.preset, ==, "");
  g_assert_cmpint (params.beta_from, ==, TS_PARAM_FROM_MODEL);

  /* Given beta wins over the preset; lambda still the preset's. */
  ts_restore_request_init (&request);
  request.task = TS_TASK_SR;
  request.beta = 0.25;
  g_assert_true (ts_restore_task_params (&request, model, &params, &error));
  g_assert_cmpstr (params.preset, ==, "sr-x4");
  g_assert_cmpint (params.beta_from, ==, TS_PARAM_FROM_REQUEST);
  g_assert_cmpint (params.lambda_from, ==, TS_PARAM_FROM_PRESET);
  /* Both given: the preset (without tol or cap) is not used. */
  request.lambda = 0.001;
  g_assert_true (ts_restore_task_params (&request, model, &params, &error));
  g_assert_cmpstr (params.preset, ==, "");
  g_assert_cmpstr (ts_param_source_name (params.lambda_from), ==, "given");

  /* A preset by name, and "none". */
  ts_restore_request_init (&request);
  request.task = TS_TASK_SR;
  request.preset = "night";
  ts_restore_solve_options (&request, model, &options);
  g_assert_cmpfloat (options.beta, ==, 0.5);
  request.preset = TS_PRESET_NONE;
  g_assert_true (ts_restore_task_params (&request, model, &params, &error));
  g_assert_cmpstr (params.preset, ==, "");
  g_assert_false (params.preset_missing);
  g_assert_cmpint (params.lambda_from, ==, TS_PARAM_FROM_PAPER);
  g_assert_cmpfloat (params.lambda, ==, 0.000929068);

  /* Errors: a name the model lacks (listing what it has), another task's preset; ts_restore
   * fails the same way before any work. */
  request.preset = "sr-x8";
  g_assert_false (ts_restore_task_params (&request, model, &params, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "has no preset 'sr-x8'"));
  g_assert_nonnull (strstr (error->message, "sr-x4, mri-acc8-pd, mri-acc8-pdfs, mri-acc16-pd, night"));
  g_clear_error (&error);
  request.preset = "mri-acc8-pd";
  g_assert_false (ts_restore_task_params (&request, model, &params, &error));
  g_assert_nonnull (strstr (error->message, "is for MRI, not super-resolution"));
  g_clear_error (&error);
  /* ... and ts_restore_solve_options falls back to none. */
  ts_restore_solve_options (&request, model, &options);
  g_assert_cmpfloat (options.beta, ==, 0.00258673);

  g_autoptr (TsModel) dct = ts_model_new_dct (25);
  g_autoptr (TsImage) lowres = picture (9, 9, 1, 3);
  request_init (&request, TS_TASK_SR, dct);
  request.image = lowres;
  request.preset = "sr-x4";
  g_autoptr (TsRestoreResult) failed = ts_restore (&request, NULL, NULL, NULL, &error);
  g_assert_null (failed);
  g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "it has no presets"));
  g_clear_error (&error);
  /* With the preset in the model, the result says it used it. */
  g_assert_true (ts_model_set_preset (dct, "sr-x4", 0.3, 0.002, NAN, 5, NULL, &error));
  request.preset = NULL;
  request.max_iter = 0;
  g_autoptr (TsRestoreResult) result = ts_restore (&request, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result->params.preset, ==, "sr-x4");
  g_assert_cmpfloat (result->options.beta, ==, 0.3);
  g_assert_cmpint (result->options.max_iter, ==, 5);
  g_assert_cmpint (result->stats.iterations, <=, 5);
}

/* "auto": an unusable installed model gives the DCT baseline and says why; a name given
 * is an error when it cannot be used; a noise level out of range is an error. */
static void
test_auto_model_rule (void)
{
  g_autofree char *dir = ts_test_tmp_path ("models");
  g_autofree char *broken = g_build_filename (dir, "ncpr-sigma25.tsm", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *note = NULL;

  g_mkdir_with_parents (dir, 0755);
  ts_test_write_bytes (broken, "not a model", 11);
  g_setenv ("TESSERA_MODEL_PATH", dir, TRUE);
  g_autoptr (TsModel) fallback = ts_restore_resolve_model ("auto", 25.0, &note, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fallback->name, ==, "dct-sigma25");
  g_assert_nonnull (note);
  g_assert_nonnull (strstr (note, "ncpr-sigma25"));
  g_autoptr (TsModel) by_default = ts_restore_resolve_model (NULL, 25.0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (by_default->name, ==, "dct-sigma25");
  g_assert_null (ts_restore_resolve_model ("ncpr-sigma25", 25.0, NULL, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_null (ts_restore_resolve_model ("auto", 0.0, NULL, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
  g_clear_error (&error);
  g_unsetenv ("TESSERA_MODEL_PATH");

  g_clear_pointer (&note, g_free);
  g_autoptr (TsModel) dct = ts_restore_resolve_model ("dct", 15.0, &note, &error);
  g_assert_no_error (error);
  g_assert_null (note);
  g_assert_cmpfloat (dct->sigma, ==, 15.0);
  g_assert_true (ts_restore_model_uses_sigma ("dct") && ts_restore_model_uses_sigma (NULL));
  g_assert_false (ts_restore_model_uses_sigma ("ncpr-sigma25"));
}

typedef struct {
  int iterations, channels, channels_done, ready;
  int stop_at;         /* return FALSE at this iteration */
  gint *raise_at_3;    /* or raise this flag at iteration 3 */
  int rendered_width;
} Log;

static gboolean
on_progress (const TsRestoreProgress *p, gpointer user_data)
{
  Log *log = user_data;

  switch (p->event)
    {
    case TS_RESTORE_READY:
      log->ready++;
      g_assert_nonnull (p->input);
      break;
    case TS_RESTORE_CHANNEL:
      g_assert_cmpint (p->channel, ==, log->channels);
      log->channels++;
      break;
    case TS_RESTORE_ITERATION:
      log->iterations++;
      {
        g_autoptr (TsImage) whole = ts_restore_render (p);
        log->rendered_width = whole->width;
      }
      if (log->raise_at_3 != NULL && log->iterations == 3)
        g_atomic_int_set (log->raise_at_3, 1);
      if (log->stop_at > 0 && log->iterations == log->stop_at)
        return FALSE;
      break;
    case TS_RESTORE_CHANNEL_DONE:
      log->channels_done++;
      break;
    default:
      break;
    }
  return TRUE;
}

/* Progress in order; a callback's FALSE and the cancel flag both stop the run, and an image
 * handed over is freed on the way out. */
static void
test_progress_and_cancel (void)
{
  g_autoptr (TsModel) model = ts_model_new_dct (25);
  g_autoptr (TsRestoreResult) result = NULL;
  g_autoptr (GError) error = NULL;
  TsRestoreRequest request;
  Log log = { 0 };
  gint cancel = 0;

  request_init (&request, TS_TASK_DENOISE, model);
  request.image = picture (37, SIDE, 3, 21);
  request.take_image = TRUE;
  request.input_view = TRUE;
  result = ts_restore (&request, on_progress, &log, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (log.ready, ==, 1);
  g_assert_cmpint (log.channels, ==, 3);
  g_assert_cmpint (log.channels_done, ==, 3);
  g_assert_cmpint (log.iterations, ==, 3 * ITERS);
  g_assert_cmpint (log.rendered_width, ==, 37);
  g_assert_nonnull (result->input);

  memset (&log, 0, sizeof log);
  log.stop_at = 2;
  request.image = picture (SIDE, SIDE, 1, 21);
  request.max_iter = 1000;
  g_assert_null (ts_restore (&request, on_progress, &log, NULL, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_CANCELLED);
  g_assert_null (request.image);
  g_clear_error (&error);

  memset (&log, 0, sizeof log);
  log.raise_at_3 = &cancel;
  request.image = picture (SIDE, SIDE, 1, 21);
  g_assert_null (ts_restore (&request, on_progress, &log, &cancel, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_CANCELLED);
  g_assert_cmpint (log.iterations, <, 10);
}

/* What a stopping callback saw last: the estimate (gray, even sides: the image so far), copied
 * rather than rendered, which would write it into the run's picture itself. */
typedef struct {
  int stop_at_iteration;       /* whole solves: stop after this iteration of the solve */
  int stop_at_tile;            /* tiled: stop when this many tiles are done */
  TsImage *seen;
} StopLog;

static gboolean
stop_and_record (const TsRestoreProgress *p, gpointer user_data)
{
  StopLog *log = user_data;

  if ((p->event == TS_RESTORE_ITERATION && !p->tiled && p->iteration == log->stop_at_iteration)
      || (p->event == TS_RESTORE_TILE_DONE && p->tiles_done == log->stop_at_tile))
    {
      g_clear_pointer (&log->seen, ts_image_free);
      log->seen = ts_image_copy (p->estimate);
      return FALSE;
    }
  return TRUE;
}

/* keep_stopped: a stopped run hands back the estimate it had (whole: the iterate at the
 * stop; tiled: the finished tiles blended, the input elsewhere), marked stopped, without a
 * decomposition; without it the run fails; and a run that finishes is the same either way. */
static void
test_stopped_keeps_estimate (void)
{
  g_autoptr (TsModel) model = ts_model_new_dct (25);
  g_autoptr (TsImage) noisy = picture (96, 80, 1, 9);
  g_autoptr (TsRestoreResult) finished = NULL;
  g_autoptr (TsRestoreResult) kept = NULL;
  g_autoptr (TsRestoreResult) stopped = NULL;
  g_autoptr (TsRestoreResult) tiled = NULL;
  g_autoptr (GError) error = NULL;
  TsRestoreRequest request;
  StopLog log = { .stop_at_iteration = 3 };

  request_init (&request, TS_TASK_DENOISE, model);
  request.image = noisy;
  request.decompose = TRUE;
  request.keep_solutions = TRUE;
  finished = ts_restore (&request, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  request.keep_stopped = TRUE;
  kept = ts_restore (&request, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (kept->stopped);
  assert_same (kept->image, finished->image);
  assert_same (kept->smooth, finished->smooth);
  assert_same (kept->sparse, finished->sparse);

  /* Whole: stopped at iteration 3 of 6, the result is that iterate, not the input. */
  stopped = ts_restore (&request, stop_and_record, &log, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (stopped);
  g_assert_true (stopped->stopped);
  g_assert_false (stopped->stats.converged);
  g_assert_cmpint (stopped->stats.total_iterations, ==, 3);
  g_assert_null (stopped->smooth);
  g_assert_null (stopped->sparse);
  g_assert_null (stopped->cost);
  assert_same (stopped->image, log.seen);
  g_assert_true (memcmp (stopped->image->data, noisy->data, sizeof (float) * 96 * 80) != 0);
  g_clear_pointer (&log.seen, ts_image_free);

  /* Tiled (four 48 x 40 tiles, one pass): stopped after two, both blended in, the other
   * tiles' cores still the input. */
  request.tiling.mode = TS_RESTORE_TILES_ALWAYS;
  request.tiling.size = 48;
  request.tiling.own_stop = TRUE;
  log = (StopLog) { .stop_at_tile = 2 };
  tiled = ts_restore (&request, stop_and_record, &log, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (tiled->tiled);
  g_assert_true (tiled->stopped);
  assert_same (tiled->image, log.seen);
  {
    int solved = 0, untouched = 0;
    for (gsize i = 0; i < 96 * 80; i++)
      {
        solved += tiled->image->data[i] != noisy->data[i];
        untouched += tiled->image->data[i] == noisy->data[i];
      }
    g_assert_cmpint (solved, >=, 2 * 48 * 40);
    g_assert_cmpint (untouched, >, 0);
  }
  g_clear_pointer (&log.seen, ts_image_free);

  /* Without keep_stopped the same stop is a failure. */
  request.keep_stopped = FALSE;
  log = (StopLog) { .stop_at_tile = 2 };
  g_assert_null (ts_restore (&request, stop_and_record, &log, NULL, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_CANCELLED);
  g_clear_pointer (&log.seen, ts_image_free);
}

/* The simulations: noise per colour channel with its own seed, alpha untouched. */
/* The decomposition during a run (ts_restore_render_decomposition): at each iteration of a
 * colour run, smooth + sparse is the image so far (ts_restore_render), the cost map finite
 * and nonnegative; at the last iteration of the last plane they are the result's parts; none
 * for a tiled run. */
typedef struct {
  int calls;
  gboolean tiled_refused;
  TsImage *smooth, *sparse, *cost;   /* the last ones */
} LiveLog;

static gboolean
on_live (const TsRestoreProgress *p, gpointer user_data)
{
  LiveLog *log = user_data;
  g_autoptr (TsImage) smooth = NULL;
  g_autoptr (TsImage) sparse = NULL;
  g_autoptr (TsImage) cost = NULL;
  g_autoptr (GError) error = NULL;

  if (p->event != TS_RESTORE_ITERATION)
    {
      g_assert_false (ts_restore_render_decomposition (p, &smooth, &sparse, &cost, NULL));
      return TRUE;
    }
  if (p->tiled)
    {
      log->tiled_refused = !ts_restore_render_decomposition (p, &smooth, &sparse, &cost, &error);
      g_assert_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED);
      return TRUE;
    }
  g_assert_true (ts_restore_render_decomposition (p, &smooth, &sparse, &cost, &error));
  g_assert_no_error (error);
  g_autoptr (TsImage) image = ts_restore_render (p);
  g_assert_cmpint (smooth->width, ==, image->width);
  g_assert_cmpint (smooth->channels, ==, image->channels);
  g_assert_cmpint (cost->channels, ==, 1);
  for (gsize i = 0; i < ts_image_n_values (image); i++)
    g_assert_cmpfloat (fabsf (smooth->data[i] + sparse->data[i] - image->data[i]), <, 1e-4f);
  for (gsize i = 0; i < ts_image_n_values (cost); i++)
    g_assert_true (isfinite (cost->data[i]) && cost->data[i] >= 0.0f);
  log->calls++;
  g_clear_pointer (&log->smooth, ts_image_free);
  g_clear_pointer (&log->sparse, ts_image_free);
  g_clear_pointer (&log->cost, ts_image_free);
  log->smooth = g_steal_pointer (&smooth);
  log->sparse = g_steal_pointer (&sparse);
  log->cost = g_steal_pointer (&cost);
  return TRUE;
}

static void
test_decomposition_during_run (void)
{
  g_autoptr (TsModel) model = ts_model_new_dct (25);
  g_autoptr (TsRestoreResult) result = NULL;
  g_autoptr (GError) error = NULL;
  TsRestoreRequest request;
  LiveLog log = { 0 };

  request_init (&request, TS_TASK_DENOISE, model);
  request.image = picture (SIDE, SIDE + 2, 3, 5);
  request.take_image = TRUE;
  request.decompose = TRUE;
  result = ts_restore (&request, on_live, &log, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (log.calls, ==, 3 * ITERS);
  /* The last iterate is the solution the result's parts come from. */
  for (gsize i = 0; i < ts_image_n_values (result->smooth); i++)
    {
      g_assert_cmpfloat (fabsf (log.smooth->data[i] - result->smooth->data[i]), <, 1e-5f);
      g_assert_cmpfloat (fabsf (log.sparse->data[i] - result->sparse->data[i]), <, 1e-5f);
    }
  for (gsize i = 0; i < ts_image_n_values (result->cost); i++)
    g_assert_cmpfloat (fabsf (log.cost->data[i] - result->cost->data[i]), <=,
                       1e-4f * MAX (1.0f, fabsf (result->cost->data[i])));
  g_clear_pointer (&log.smooth, ts_image_free);
  g_clear_pointer (&log.sparse, ts_image_free);
  g_clear_pointer (&log.cost, ts_image_free);

  /* In tiles there is none. */
  g_clear_pointer (&result, ts_restore_result_free);
  request_init (&request, TS_TASK_DENOISE, model);
  request.image = picture (2 * SIDE, SIDE, 1, 5);
  request.take_image = TRUE;
  request.decompose = TRUE;
  request.tiling.mode = TS_RESTORE_TILES_ALWAYS;
  request.tiling.size = 48;
  result = ts_restore (&request, on_live, &log, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (log.tiled_refused);
}

static void
test_simulated_noise (void)
{
  g_autoptr (TsImage) clean = picture (SIDE, SIDE, 4, 2);
  g_autoptr (TsImage) noisy = ts_simulate_noise_per_channel (clean, 0.1, 5);
  g_autoptr (TsImage) green = ts_image_extract_channel (clean, 1);

  ts_noise_add_gaussian (green, 0.1, 6);
  for (int i = 0; i < SIDE * SIDE; i++)
    {
      g_assert_cmpfloat (noisy->data[4 * i + 1], ==, green->data[i]);
      g_assert_cmpfloat (noisy->data[4 * i + 3], ==, clean->data[4 * i + 3]);
    }
}

typedef struct {
  int n_checked;
} RegionLog;

/* At every iteration, a region rendered alone is exactly that part of the whole render. */
static gboolean
on_progress_region (const TsRestoreProgress *p, gpointer user_data)
{
  RegionLog *log = user_data;
  if (p->event != TS_RESTORE_ITERATION)
    return TRUE;
  const TsRect rect = { 3, 5, 21, 17 };
  g_autoptr (TsImage) part = ts_restore_render_region (p, &rect);
  g_autoptr (TsImage) whole = ts_restore_render (p);
  g_assert_nonnull (part);
  g_assert_cmpint (part->channels, ==, whole->channels);
  for (int y = 0; y < rect.height; y++)
    for (int x = 0; x < rect.width; x++)
      for (int c = 0; c < whole->channels; c++)
        {
        g_assert_cmpfloat (part->data[((gsize) y * rect.width + x) * part->channels + c], ==,
                           whole->data[((gsize) (rect.y + y) * whole->width + rect.x + x)
                                       * whole->channels + c]);
        }
  log->n_checked++;
  return TRUE;
}

/* The large-picture previews (ts_restore_render_region) of a Poisson-Gaussian colour run, in
 * tiles and whole: back in the picture's units, as the whole render (they were left in the
 * transform's). */
static void
test_render_region_poisson_gaussian (void)
{
  g_autoptr (TsModel) model = ts_model_new_dct (25);

  for (int tiled = 0; tiled < 2; tiled++)
    {
      g_autoptr (TsRestoreResult) result = NULL;
      g_autoptr (GError) error = NULL;
      TsRestoreRequest request;
      RegionLog log = { 0 };

      request_init (&request, TS_TASK_DENOISE, model);
      request.image = picture (SIDE + 9, SIDE, 3, 31);
      ts_noise_add_poisson_gaussian (request.image, 0.02, 1e-5, 7);
      request.take_image = TRUE;
      request.noise = TS_NOISE_MODEL_POISSON_GAUSSIAN;
      request.max_iter = 2;
      if (tiled)
        {
          request.tiling.mode = TS_RESTORE_TILES_ALWAYS;
          request.tiling.size = 24;
        }
      result = ts_restore (&request, on_progress_region, &log, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (result->tiled, ==, tiled);
      g_assert_cmpint (log.n_checked, >=, 3 * 2);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_unsetenv ("TESSERA_MEMORY_LIMIT");
  g_test_add_func ("/restore/colour-opponent-is-per-plane", test_colour_opponent_is_per_plane);
  g_test_add_func ("/restore/colour-plane-stop", test_colour_plane_stop);
  g_test_add_func ("/restore/odd-sides-extended", test_odd_sides_extended);
  g_test_add_func ("/restore/tiled-matches-tiles", test_tiled_matches_tiles);
  g_test_add_func ("/restore/memory-rule", test_memory_rule);
  g_test_add_func ("/restore/super-resolution", test_super_resolution);
  g_test_add_func ("/restore/mri", test_mri);
  g_test_add_func ("/restore/defaults", test_defaults);
  g_test_add_func ("/restore/presets", test_presets);
  g_test_add_func ("/restore/auto-model-rule", test_auto_model_rule);
  g_test_add_func ("/restore/progress-and-cancel", test_progress_and_cancel);
  g_test_add_func ("/restore/simulated-noise", test_simulated_noise);
  g_test_add_func ("/restore/stopped-keeps-estimate", test_stopped_keeps_estimate);
  g_test_add_func ("/restore/decomposition-during-run", test_decomposition_during_run);
  g_test_add_func ("/restore/render-region-poisson-gaussian", test_render_region_poisson_gaussian);
  return g_test_run ();
}
