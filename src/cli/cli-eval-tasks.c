/* tessera-cli eval: one item of each task, as the protocols say (data/README.md
 * "Protocols"): the degradation simulated or read, the core's restoration (ts-restore.h),
 * the scores. */
#include "cli-eval.h"

#include <math.h>
#include <string.h>

static gboolean
save_estimate (const CliEval *eval, const char *name, const TsImage *estimate, GError **error)
{
  g_autofree char *stem = NULL;
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;
  const char *dot;

  if (eval->save_dir == NULL)
    return TRUE;
  dot = strrchr (name, '.');
  stem = dot != NULL ? g_strndup (name, dot - name) : g_strdup (name);
  file = g_strconcat (stem, ".npy", NULL);
  path = g_build_filename (eval->save_dir, file, NULL);
  return ts_image_save (estimate, path, 0, error);
}

/* The clean image matching `input_path` in --clean DIR: same stem, an image suffix. */
static char *
find_clean (const CliEval *eval, const char *input_path, GError **error)
{
  g_autofree char *base = g_path_get_basename (input_path);
  const char *dot = strrchr (base, '.');
  g_autofree char *stem = dot != NULL ? g_strndup (base, dot - base) : g_strdup (base);

  for (int i = 0; cli_eval_input_suffixes[i] != NULL; i++)
    {
      g_autofree char *file = g_strconcat (stem, cli_eval_input_suffixes[i], NULL);
      g_autofree char *path = g_build_filename (eval->clean_dir, file, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR) && g_strcmp0 (path, input_path) != 0)
        return g_steal_pointer (&path);
    }
  g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: no clean image %s.png (or .tif, .npy) in %s",
               input_path, stem, eval->clean_dir);
  return NULL;
}

/* Top-left crop of both images to their common size, ground truth cropped to the model's
 * groups (ts_simulate_crop_to_groups). */
static gboolean
pair_crop (const CliEval *eval, TsImage **a, TsImage **b, GError **error)
{
  g_autoptr (TsImage) ca = NULL;
  g_autoptr (TsImage) cb = NULL;

  if ((*a)->channels == (*b)->channels)
    {
      ca = ts_simulate_crop_to_groups (eval->model, *a, (*b)->width, (*b)->height);
      cb = ts_simulate_crop_to_groups (eval->model, *b, (*a)->width, (*a)->height);
    }
  if (ca == NULL || cb == NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "input and clean image differ in channels or are too small");
      return FALSE;
    }
  ts_image_free (*a);
  ts_image_free (*b);
  *a = g_steal_pointer (&ca);
  *b = g_steal_pointer (&cb);
  return TRUE;
}

/* The restoration of one item with the command's options and model. */
static TsRestoreResult *
restore (CliEval *eval, TsRestoreRequest *request, GError **error)
{
  TsRestoreResult *result;

  request->model = eval->model;
  /* A chroma model chosen by the level goes with a luminance model chosen by it, as in
   * tessera-cli denoise (the model is loaded here once, so the request does not see "auto"). */
  if (request->chroma_model_spec == NULL && eval->task == CLI_TASK_DENOISE
      && (eval->args.model == NULL || g_strcmp0 (eval->args.model, "auto") == 0)
      && !isnan (eval->args.sigma))
    request->chroma_model_spec = "auto";
  result = cli_restore (request, cli_task_name (eval->task), &eval->progress, error);
  if (result != NULL)
    {
      eval->options = result->options;
      eval->params = result->params;
      if (result->chroma_own_model && eval->chroma_model_name == NULL)
        eval->chroma_model_name = g_strdup (result->chroma_model->name);
    }
  return result;
}

static void
take_stats (CliEvalResult *r, const TsRestoreResult *result)
{
  r->width = result->image->width;
  r->height = result->image->height;
  r->iterations = result->stats.iterations;
  r->seconds = result->stats.seconds;
  r->converged = result->stats.converged;
}

/* The noisy input and its clean image: read (paired mode) or simulated, noise sigma / 255
 * from seed + index over all values. */
static gboolean
denoise_pair (CliEval *eval, const char *path, guint index, TsImage **noisy, TsImage **clean,
              GError **error)
{
  if (eval->clean_dir != NULL)
    {
      /* Paired mode: fixed noisy inputs (e.g. bsd68-noisy) against clean images. */
      g_autofree char *clean_path = find_clean (eval, path, error);
      if (clean_path == NULL)
        return FALSE;
      *noisy = ts_image_load (path, error);
      if (*noisy == NULL || !ts_image_check_finite (*noisy, path, error))
        return FALSE;
      *clean = ts_image_load (clean_path, error);
      return *clean != NULL && pair_crop (eval, noisy, clean, error);
    }
  g_autoptr (TsImage) loaded = ts_image_load (path, error);
  if (loaded == NULL)
    return FALSE;
  *clean = ts_simulate_crop_to_groups (eval->model, loaded, loaded->width, loaded->height);
  if (*clean == NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "%s: too small", path);
      return FALSE;
    }
  *noisy = ts_image_copy (*clean);
  ts_noise_add_gaussian (*noisy, eval->sigma / 255.0, (guint64) eval->seed + index);
  return TRUE;
}

gboolean
cli_eval_denoise_one (CliEval *eval, const char *path, guint index, CliEvalResult *r,
                      GError **error)
{
  g_autoptr (TsImage) clean = NULL;
  g_autoptr (TsImage) noisy = NULL;
  g_autoptr (TsRestoreResult) result = NULL;
  TsRestoreRequest request;

  if (!denoise_pair (eval, path, index, &noisy, &clean, error))
    return FALSE;
  cli_solve_args_to_request (&eval->args, CLI_TASK_DENOISE, &request);
  /* The noise evaluated is white Gaussian (simulated, or the paired sets'). */
  request.noise = TS_NOISE_MODEL_GAUSSIAN;
  request.image = noisy;
  request.colour = eval->colour;
  result = restore (eval, &request, error);
  if (result == NULL)
    return FALSE;
  take_stats (r, result);
  r->psnr = ts_psnr (result->image, clean, 0);
  r->ssim = ts_ssim (result->image, clean, 0);
  r->input_psnr = ts_psnr (noisy, clean, 0);
  return save_estimate (eval, r->name, result->image, error);
}

/* The low-resolution input and its clean image: read (paired mode) or simulated from the
 * clean image, noise CLI_EVAL_SR_NOISE from seed + index. */
static gboolean
sr_pair (CliEval *eval, const char *path, guint index, TsImage **lowres, TsImage **clean,
         GError **error)
{
  if (eval->clean_dir != NULL)
    {
      /* Paired mode: fixed low-resolution inputs (e.g. sr-lowres) against clean images. */
      g_autofree char *clean_path = find_clean (eval, path, error);
      if (clean_path == NULL)
        return FALSE;
      *lowres = ts_image_load (path, error);
      if (*lowres == NULL || !ts_image_check_finite (*lowres, path, error))
        return FALSE;
      *clean = ts_image_load (clean_path, error);
      return *clean != NULL;
    }
  g_autoptr (TsImage) loaded = ts_image_load (path, error);
  if (loaded == NULL)
    return FALSE;
  *lowres = ts_simulate_sr (loaded, clean, error);
  if (*lowres == NULL)
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  ts_noise_add_gaussian (*lowres, CLI_EVAL_SR_NOISE, (guint64) eval->seed + index);
  return TRUE;
}

gboolean
cli_eval_sr_one (CliEval *eval, const char *path, guint index, CliEvalResult *r, GError **error)
{
  g_autoptr (TsImage) clean = NULL;
  g_autoptr (TsImage) lowres = NULL;
  g_autoptr (TsRestoreResult) result = NULL;
  TsRestoreRequest request;
  const TsImage *estimate;
  int border;

  if (!sr_pair (eval, path, index, &lowres, &clean, error))
    return FALSE;
  cli_solve_args_to_request (&eval->args, CLI_TASK_SR, &request);
  request.image = lowres;
  result = restore (eval, &request, error);
  if (result == NULL)
    return FALSE;
  estimate = result->image;
  if (clean->channels != estimate->channels || clean->width < estimate->width
      || clean->height < estimate->height)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "%s: clean image does not cover the %d x %d estimate",
                   path, estimate->width, estimate->height);
      return FALSE;
    }
  if (clean->width != estimate->width || clean->height != estimate->height)
    {
      TsImage *c = ts_image_crop (clean, 0, 0, estimate->width, estimate->height);
      ts_image_free (clean);
      clean = c;
    }
  border = 2 * CLI_EVAL_SR_BORDER < MIN (estimate->width, estimate->height) ? CLI_EVAL_SR_BORDER : 0;
  take_stats (r, result);
  r->psnr = ts_psnr (estimate, clean, border);
  r->ssim = ts_ssim (estimate, clean, border);
  r->input_psnr = NAN;
  return save_estimate (eval, r->name, estimate, error);
}

gboolean
cli_eval_mri_one (CliEval *eval, const char *dir, CliEvalResult *r, GError **error)
{
  g_autofree char *target_path = g_build_filename (dir, "target.npy", NULL);
  g_autoptr (TsKspace) kspace = NULL;
  g_autoptr (TsImage) target = NULL;
  g_autoptr (TsRestoreResult) result = NULL;
  TsRestoreRequest request;

  cli_solve_args_to_request (&eval->args, CLI_TASK_MRI, &request);
  request.fat_suppressed = ts_kspace_path_is_fat_suppressed (dir);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      /* A fastMRI file: its middle slice, scored against the file's ground truth. */
      g_autoptr (TsFastmriSlice) fs = ts_fastmri_load (dir, TS_FASTMRI_MIDDLE_SLICE, NULL,
                                                       TS_FASTMRI_LOAD_DEFAULT, error);
      if (fs == NULL)
        return FALSE;
      if (fs->target == NULL)
        {
          g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                       "%s: no ground truth (reconstruction_esc or reconstruction_rss) to score "
                       "against", dir);
          return FALSE;
        }
      request.mri_acceleration = fs->acceleration;
      request.fat_suppressed |= fs->fat_suppressed;
      kspace = g_steal_pointer (&fs->kspace);
      target = g_steal_pointer (&fs->target);
      g_free (target_path);
      target_path = g_strdup_printf ("%s (%s)", dir, fs->target_name);
    }
  else
    {
      kspace = ts_kspace_load_compact (dir, &request.mri_acceleration, error);
      if (kspace == NULL)
        return FALSE;
      target = ts_image_load (target_path, error);
      if (target == NULL)
        return FALSE;
    }
  if (target->width > kspace->width || target->height > kspace->height || target->channels != 1)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "%s: larger than the %d x %d image",
                   target_path, kspace->width, kspace->height);
      return FALSE;
    }
  /* The paper's beta / lambda depend on the acceleration and the contrast (set above). */
  request.kspace = kspace;
  /* The zero-filled image is the baseline the scores compare with. */
  request.input_view = TRUE;
  result = restore (eval, &request, error);
  if (result == NULL)
    return FALSE;
  take_stats (r, result);
  /* The central crop of the target's size, as the GUI and `mri` score it. */
  if (!ts_score_centred (result->image, target, target_path, 0, &r->psnr, &r->ssim, error)
      || !ts_score_centred (result->input, target, target_path, 0, &r->input_psnr, NULL, error))
    return FALSE;
  return save_estimate (eval, r->name, result->image, error);
}
