/* tessera-cli eval: the paper's protocols over a folder of test data, with per-image and
 * mean PSNR / SSIM (data/README.md "Protocols"). */
#include "cli-common.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define SR_NOISE 0.01
#define SR_BORDER 40

static const char *const image_suffixes[] = { ".png", ".tif", ".tiff", ".jpg", ".jpeg", NULL };
static const char *const input_suffixes[] = { ".png", ".tif", ".tiff", ".npy", ".jpg", ".jpeg", NULL };

typedef struct {
  char *name;
  int width, height;
  double psnr, ssim;
  double input_psnr;       /* noisy input (denoising) or zero-filled image (MRI) */
  int iterations;
  double seconds;
  gboolean converged;
} EvalResult;

static void
eval_result_clear (gpointer data)
{
  EvalResult *r = data;
  g_free (r->name);
}

typedef struct {
  CliTask task;
  CliSolveArgs args;
  char *dataset;
  char *clean_dir;
  char *save_dir;
  int limit;
  int seed;
  gboolean as_json;
  TsModel *model;
  double sigma;            /* denoising noise level in use, 0-255 */
  char *colour_name;       /* --colour */
  TsColourMode colour;     /* RGB images: opponent basis or per channel */
  TsSolveOptions options;  /* options of the last image (MRI defaults depend on the slice) */
  GArray *results;
  CliProgress progress;
} Eval;

/* --- compact MRI slices ---------------------------------------------------------------- */

gboolean
cli_path_is_fat_suppressed (const char *path)
{
  g_auto (GStrv) parts = g_strsplit (path, G_DIR_SEPARATOR_S, -1);

  for (int i = 0; parts[i] != NULL; i++)
    if (g_ascii_strcasecmp (parts[i], "pdfs") == 0)
      return TRUE;
  return FALSE;
}

TsKspace *
cli_kspace_load_compact (const char *dir, int *acceleration, GError **error)
{
  g_autofree char *meta_path = g_build_filename (dir, "meta.json", NULL);
  g_autofree char *columns_path = g_build_filename (dir, "columns.npy", NULL);
  g_autofree char *values_path = g_build_filename (dir, "kspace_cols.npy", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (TsNpyArray) columns = NULL;
  g_autoptr (TsNpyArray) values = NULL;
  g_autoptr (TsKspace) kspace = NULL;
  JsonObject *meta;
  JsonArray *shape;
  gint64 height, width, n_cols;

  if (!json_parser_load_from_file (parser, meta_path, error))
    return NULL;
  if (json_parser_get_root (parser) == NULL || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    goto bad_meta;
  meta = json_node_get_object (json_parser_get_root (parser));
  if (!json_object_has_member (meta, "shape")
      || !JSON_NODE_HOLDS_ARRAY (json_object_get_member (meta, "shape")))
    goto bad_meta;
  shape = json_object_get_array_member (meta, "shape");
  if (json_array_get_length (shape) != 2)
    goto bad_meta;
  height = json_array_get_int_element (shape, 0);
  width = json_array_get_int_element (shape, 1);
  if (!ts_limits_check (meta_path, width, height, 2, error))
    return NULL;
  *acceleration = 8;
  if (json_object_has_member (meta, "acceleration"))
    *acceleration = (int) json_object_get_int_member (meta, "acceleration");

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
  n_cols = columns->shape[0];
  if (values->complex_values == NULL || values->ndim != 2 || values->shape[0] != height
      || values->shape[1] != n_cols)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: expected a complex %" G_GINT64_FORMAT " x %" G_GINT64_FORMAT " array",
                   values_path, height, n_cols);
      return NULL;
    }

  kspace = ts_kspace_new ((int) width, (int) height, error);
  if (kspace == NULL)
    return NULL;
  memset (kspace->data, 0, sizeof (float) * 2 * (gsize) width * height);
  memset (kspace->mask, 0, sizeof (float) * (gsize) width * height);
  for (gint64 j = 0; j < n_cols; j++)
    {
      double col = columns->values[j];
      if (!(col >= 0 && col < width) || col != floor (col))
        {
          g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: column index %g outside 0..%"
                       G_GINT64_FORMAT, columns_path, col, width - 1);
          return NULL;
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
              return NULL;
            }
          kspace->data[2 * dst] = re;
          kspace->data[2 * dst + 1] = im;
          kspace->mask[dst] = 1.0f;
        }
    }
  return g_steal_pointer (&kspace);

bad_meta:
  g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: expected {\"shape\": [H, W], ...}",
               meta_path);
  return NULL;
}

/* --- output --------------------------------------------------------------------------- */

static void
print_header (const Eval *eval)
{
  if (eval->as_json)
    return;
  printf ("%-24s %9s %8s %9s %8s %9s\n", "image", "PSNR", "SSIM",
          eval->task == CLI_TASK_MRI ? "zf PSNR" : eval->task == CLI_TASK_DENOISE ? "in PSNR" : "",
          "iters", "seconds");
  fflush (stdout);
}

static void
print_row (const Eval *eval, const EvalResult *r)
{
  if (eval->as_json)
    return;
  if (eval->task == CLI_TASK_SR)
    printf ("%-24s %9.4f %8.4f %9s %8d %9.2f\n", r->name, r->psnr, r->ssim, "",
            r->iterations, r->seconds);
  else
    printf ("%-24s %9.4f %8.4f %9.4f %8d %9.2f\n", r->name, r->psnr, r->ssim, r->input_psnr,
            r->iterations, r->seconds);
  fflush (stdout);
}

static void
compute_mean (const Eval *eval, EvalResult *mean)
{
  guint n = eval->results->len;

  memset (mean, 0, sizeof *mean);
  for (guint i = 0; i < n; i++)
    {
      const EvalResult *r = &g_array_index (eval->results, EvalResult, i);
      mean->psnr += r->psnr / n;
      mean->ssim += r->ssim / n;
      mean->input_psnr += r->input_psnr / n;
      mean->seconds += r->seconds / n;
      mean->iterations += r->iterations;
    }
}

static void
add_result_members (JsonBuilder *builder, const Eval *eval, const EvalResult *r,
                    double mean_iterations)
{
  cli_json_add_double (builder, "psnr", r->psnr);
  cli_json_add_double (builder, "ssim", r->ssim);
  if (eval->task == CLI_TASK_DENOISE)
    cli_json_add_double (builder, "input_psnr", r->input_psnr);
  else if (eval->task == CLI_TASK_MRI)
    cli_json_add_double (builder, "zero_filled_psnr", r->input_psnr);
  if (isnan (mean_iterations))
    {
      json_builder_set_member_name (builder, "iterations");
      json_builder_add_int_value (builder, r->iterations);
    }
  else
    cli_json_add_double (builder, "iterations", mean_iterations);
  cli_json_add_double (builder, "seconds", r->seconds);
}

static void
print_json (const Eval *eval, const EvalResult *mean)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;
  const char *task_name = eval->task == CLI_TASK_DENOISE ? "denoise"
                          : eval->task == CLI_TASK_SR ? "sr" : "mri";

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "task");
  json_builder_add_string_value (builder, task_name);
  json_builder_set_member_name (builder, "dataset");
  json_builder_add_string_value (builder, eval->dataset);
  cli_json_add_options (builder, eval->model, &eval->options);
  if (eval->task == CLI_TASK_DENOISE)
    cli_json_add_double (builder, "sigma", eval->sigma);
  if (eval->task == CLI_TASK_SR)
    cli_json_add_double (builder, "noise", SR_NOISE);
  if (eval->clean_dir == NULL && eval->task != CLI_TASK_MRI)
    {
      json_builder_set_member_name (builder, "seed");
      json_builder_add_int_value (builder, eval->seed);
    }
  json_builder_set_member_name (builder, "count");
  json_builder_add_int_value (builder, eval->results->len);
  json_builder_set_member_name (builder, "images");
  json_builder_begin_array (builder);
  for (guint i = 0; i < eval->results->len; i++)
    {
      const EvalResult *r = &g_array_index (eval->results, EvalResult, i);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, r->name);
      json_builder_set_member_name (builder, "width");
      json_builder_add_int_value (builder, r->width);
      json_builder_set_member_name (builder, "height");
      json_builder_add_int_value (builder, r->height);
      add_result_members (builder, eval, r, NAN);
      json_builder_set_member_name (builder, "converged");
      json_builder_add_boolean_value (builder, r->converged);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "mean");
  json_builder_begin_object (builder);
  add_result_members (builder, eval, mean, (double) mean->iterations / MAX (eval->results->len, 1));
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = cli_json_to_string (root, TRUE);
  printf ("%s\n", text);
}

/* --- one image ---------------------------------------------------------------------- */

static gboolean
save_estimate (const Eval *eval, const char *name, const TsImage *estimate, GError **error)
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

static void
set_progress_label (Eval *eval, guint index, guint count, const char *name)
{
  g_autofree char *label = g_strdup_printf ("[%u/%u] %s", index + 1, count, name);
  cli_progress_set_label (&eval->progress, label);
}

/* The clean image matching `input_path` in --clean DIR: same stem, an image suffix. */
static char *
find_clean (const Eval *eval, const char *input_path, GError **error)
{
  g_autofree char *base = g_path_get_basename (input_path);
  const char *dot = strrchr (base, '.');
  g_autofree char *stem = dot != NULL ? g_strndup (base, dot - base) : g_strdup (base);

  for (int i = 0; input_suffixes[i] != NULL; i++)
    {
      g_autofree char *file = g_strconcat (stem, input_suffixes[i], NULL);
      g_autofree char *path = g_build_filename (eval->clean_dir, file, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR) && g_strcmp0 (path, input_path) != 0)
        return g_steal_pointer (&path);
    }
  g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: no clean image %s.png (or .tif, .npy) in %s",
               input_path, stem, eval->clean_dir);
  return NULL;
}

/* Top-left crop of both images to their common size (and to even sides if needed). */
static gboolean
pair_crop (const Eval *eval, TsImage **a, TsImage **b, GError **error)
{
  int g = cli_model_group (eval->model);
  int w = MIN ((*a)->width, (*b)->width) / g * g;
  int h = MIN ((*a)->height, (*b)->height) / g * g;

  if ((*a)->channels != (*b)->channels || w == 0 || h == 0)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "input and clean image differ in channels or are too small");
      return FALSE;
    }
  if ((*a)->width != w || (*a)->height != h)
    {
      TsImage *c = ts_image_crop (*a, 0, 0, w, h);
      ts_image_free (*a);
      *a = c;
    }
  if ((*b)->width != w || (*b)->height != h)
    {
      TsImage *c = ts_image_crop (*b, 0, 0, w, h);
      ts_image_free (*b);
      *b = c;
    }
  return TRUE;
}

static gboolean
eval_denoise_one (Eval *eval, const char *path, guint index, EvalResult *r, GError **error)
{
  g_autoptr (TsImage) clean = NULL;
  g_autoptr (TsImage) noisy = NULL;
  g_autoptr (TsImage) estimate = NULL;
  CliSolveSummary summary;

  if (eval->clean_dir != NULL)
    {
      /* Paired mode: fixed noisy inputs (e.g. bsd68-noisy) against clean images. */
      g_autofree char *clean_path = find_clean (eval, path, error);
      if (clean_path == NULL)
        return FALSE;
      noisy = ts_image_load (path, error);
      if (noisy == NULL || !ts_image_check_finite (noisy, path, error))
        return FALSE;
      clean = ts_image_load (clean_path, error);
      if (clean == NULL || !pair_crop (eval, &noisy, &clean, error))
        return FALSE;
    }
  else
    {
      g_autoptr (TsImage) loaded = ts_image_load (path, error);
      gboolean cropped;
      if (loaded == NULL)
        return FALSE;
      clean = cli_crop_for_model (eval->model, loaded, &cropped);
      if (clean == NULL)
        {
          g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "%s: too small", path);
          return FALSE;
        }
      noisy = ts_image_copy (clean);
      ts_noise_add_gaussian (noisy, eval->sigma / 255.0, (guint64) eval->seed + index);
    }

  estimate = cli_denoise_image_colour (eval->model, noisy, &eval->options, NULL, eval->colour,
                                       &eval->progress, &summary, error);
  if (estimate == NULL)
    return FALSE;
  r->width = estimate->width;
  r->height = estimate->height;
  r->psnr = ts_psnr (estimate, clean, 0);
  r->ssim = ts_ssim (estimate, clean, 0);
  r->input_psnr = ts_psnr (noisy, clean, 0);
  r->iterations = summary.iterations;
  r->seconds = summary.seconds;
  r->converged = summary.converged;
  return save_estimate (eval, r->name, estimate, error);
}

static gboolean
eval_sr_one (Eval *eval, const char *path, guint index, EvalResult *r, GError **error)
{
  g_autoptr (TsImage) clean = NULL;
  g_autoptr (TsImage) lowres = NULL;
  g_autoptr (TsImage) estimate = NULL;
  CliSolveSummary summary;
  int border;

  if (eval->clean_dir != NULL)
    {
      /* Paired mode: fixed low-resolution inputs (e.g. sr-lowres) against clean images. */
      g_autofree char *clean_path = find_clean (eval, path, error);
      if (clean_path == NULL)
        return FALSE;
      lowres = ts_image_load (path, error);
      if (lowres == NULL || !ts_image_check_finite (lowres, path, error))
        return FALSE;
      clean = ts_image_load (clean_path, error);
      if (clean == NULL)
        return FALSE;
    }
  else
    {
      g_autoptr (TsOperator) op = NULL;
      int lw, lh;

      clean = ts_image_load (path, error);
      if (clean == NULL)
        return FALSE;
      if (clean->width < TS_SR_DEFAULT_KERNEL || clean->height < TS_SR_DEFAULT_KERNEL)
        {
          g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "%s: smaller than the %d-pixel kernel",
                       path, TS_SR_DEFAULT_KERNEL);
          return FALSE;
        }
      /* y = conv2d(x, k, stride 4) of the largest estimate-sized top-left crop, + noise. */
      lw = (clean->width - TS_SR_DEFAULT_KERNEL) / TS_SR_DEFAULT_STRIDE + 1;
      lh = (clean->height - TS_SR_DEFAULT_KERNEL) / TS_SR_DEFAULT_STRIDE + 1;
      op = ts_operator_sr_new (lw, lh, TS_SR_DEFAULT_KERNEL, TS_SR_DEFAULT_STD,
                               TS_SR_DEFAULT_STRIDE, error);
      if (op == NULL)
        return FALSE;
      if (op->width != clean->width || op->height != clean->height)
        {
          TsImage *c = ts_image_crop (clean, 0, 0, op->width, op->height);
          ts_image_free (clean);
          clean = c;
        }
      lowres = ts_image_new (lw, lh, clean->channels, error);
      if (lowres == NULL)
        return FALSE;
      for (int c = 0; c < clean->channels; c++)
        {
          g_autoptr (TsImage) plane = ts_image_extract_channel (clean, c);
          g_autoptr (TsImage) low = ts_image_new (lw, lh, 1, error);
          if (low == NULL)
            return FALSE;
          ts_operator_apply (op, plane->data, low->data);
          ts_image_set_channel (lowres, c, low);
        }
      ts_noise_add_gaussian (lowres, SR_NOISE, (guint64) eval->seed + index);
    }

  estimate = cli_sr_image (eval->model, lowres, &eval->options, &eval->progress, &summary, error);
  if (estimate == NULL)
    return FALSE;
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
  border = 2 * SR_BORDER < MIN (estimate->width, estimate->height) ? SR_BORDER : 0;
  r->width = estimate->width;
  r->height = estimate->height;
  r->psnr = ts_psnr (estimate, clean, border);
  r->ssim = ts_ssim (estimate, clean, border);
  r->input_psnr = NAN;
  r->iterations = summary.iterations;
  r->seconds = summary.seconds;
  r->converged = summary.converged;
  return save_estimate (eval, r->name, estimate, error);
}

static TsImage *
central_crop (const TsImage *image, int width, int height)
{
  return ts_image_crop (image, (image->width - width) / 2, (image->height - height) / 2,
                        width, height);
}

static gboolean
eval_mri_one (Eval *eval, const char *dir, EvalResult *r, GError **error)
{
  g_autofree char *target_path = g_build_filename (dir, "target.npy", NULL);
  g_autoptr (TsKspace) kspace = NULL;
  g_autoptr (TsImage) target = NULL;
  g_autoptr (TsImage) estimate = NULL;
  g_autoptr (TsImage) crop = NULL;
  g_autoptr (TsImage) zero_filled = NULL;
  g_autoptr (TsImage) zf_crop = NULL;
  g_autoptr (TsOperator) op = NULL;
  CliSolveSummary summary;
  int acceleration = 8;
  double beta = NAN, lambda = NAN;

  kspace = cli_kspace_load_compact (dir, &acceleration, error);
  if (kspace == NULL)
    return FALSE;
  target = ts_image_load (target_path, error);
  if (target == NULL)
    return FALSE;
  if (target->width > kspace->width || target->height > kspace->height || target->channels != 1)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "%s: larger than the %d x %d image",
                   target_path, kspace->width, kspace->height);
      return FALSE;
    }
  /* The paper's beta / lambda depend on the acceleration and the contrast. */
  cli_task_defaults (eval->model, CLI_TASK_MRI, acceleration, cli_path_is_fat_suppressed (dir),
                     &beta, &lambda);
  eval->options.beta = !isnan (eval->args.beta) ? eval->args.beta : beta;
  eval->options.lambda = !isnan (eval->args.lambda) ? eval->args.lambda : lambda;

  estimate = cli_mri_image (eval->model, kspace, &eval->options, &eval->progress, &summary, error);
  if (estimate == NULL)
    return FALSE;
  crop = central_crop (estimate, target->width, target->height);

  op = ts_operator_mri_new (kspace->width, kspace->height, kspace->mask, error);
  if (op == NULL)
    return FALSE;
  zero_filled = ts_image_new (kspace->width, kspace->height, 1, error);
  if (zero_filled == NULL)
    return FALSE;
  ts_operator_mri_zero_filled (op, kspace->data, zero_filled->data);
  zf_crop = central_crop (zero_filled, target->width, target->height);

  r->width = estimate->width;
  r->height = estimate->height;
  r->psnr = ts_psnr (crop, target, 0);
  r->ssim = ts_ssim (crop, target, 0);
  r->input_psnr = ts_psnr (zf_crop, target, 0);
  r->iterations = summary.iterations;
  r->seconds = summary.seconds;
  r->converged = summary.converged;
  return save_estimate (eval, r->name, estimate, error);
}

/* --- the command ---------------------------------------------------------------------- */

/* The items to evaluate: image files, or MRI slice folders. */
static GPtrArray *
list_items (Eval *eval, GError **error)
{
  g_autoptr (GPtrArray) items = NULL;

  if (eval->task == CLI_TASK_MRI)
    {
      g_autofree char *meta = g_build_filename (eval->dataset, "meta.json", NULL);
      if (g_file_test (meta, G_FILE_TEST_IS_REGULAR))
        {
          items = g_ptr_array_new_with_free_func (g_free);
          g_ptr_array_add (items, g_strdup (eval->dataset));
        }
      else
        {
          g_autoptr (GPtrArray) dirs = cli_list_dir (eval->dataset, NULL, TRUE, error);
          if (dirs == NULL)
            return NULL;
          items = g_ptr_array_new_with_free_func (g_free);
          for (guint i = 0; i < dirs->len; i++)
            {
              g_autofree char *m = g_build_filename (g_ptr_array_index (dirs, i), "meta.json", NULL);
              if (g_file_test (m, G_FILE_TEST_IS_REGULAR))
                g_ptr_array_add (items, g_strdup (g_ptr_array_index (dirs, i)));
            }
        }
    }
  else
    {
      items = cli_list_dir (eval->dataset, eval->clean_dir != NULL ? input_suffixes : image_suffixes,
                            FALSE, error);
      if (items == NULL)
        return NULL;
    }
  if (items->len == 0)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: nothing to evaluate (%s)", eval->dataset,
                   eval->task == CLI_TASK_MRI ? "no slice folders with meta.json"
                   : eval->clean_dir != NULL ? "no .png, .tif or .npy inputs"
                   : "no .png or .tif images; for noisy .npy inputs give --clean DIR");
      return NULL;
    }
  if (eval->limit > 0 && (guint) eval->limit < items->len)
    g_ptr_array_set_size (items, eval->limit);
  return g_steal_pointer (&items);
}

static void
eval_clear (Eval *eval)
{
  cli_solve_args_clear (&eval->args);
  g_free (eval->colour_name);
  g_clear_pointer (&eval->dataset, g_free);
  g_clear_pointer (&eval->clean_dir, g_free);
  g_clear_pointer (&eval->save_dir, g_free);
  g_clear_pointer (&eval->model, ts_model_free);
  g_clear_pointer (&eval->results, g_array_unref);
  cli_progress_finish (&eval->progress);
}

int
cli_cmd_eval (int argc, char **argv)
{
  Eval eval = { 0 };
  g_autofree char *task = NULL;
  g_auto (GStrv) positional = NULL;
  g_autoptr (GPtrArray) items = NULL;
  g_autofree char *model_name = NULL;
  EvalResult mean;
  GError *error = NULL;
  int code = 0;

  cli_solve_args_init (&eval.args);
  eval.limit = CLI_UNSET_INT;
  eval.results = g_array_new (FALSE, TRUE, sizeof (EvalResult));
  g_array_set_clear_func (eval.results, eval_result_clear);
  const GOptionEntry entries[] = {
    { "task", 't', 0, G_OPTION_ARG_STRING, &task, "denoise, sr or mri", "TASK" },
    { "dataset", 'd', 0, G_OPTION_ARG_FILENAME, &eval.dataset,
      "denoise/sr: folder of clean images; mri: folder of slice folders", "DIR" },
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &eval.args.model,
      "Model (default: auto for --sigma S, else ncpr-sigma25)", "MODEL" },
    { "sigma", 's', 0, G_OPTION_ARG_DOUBLE, &eval.args.sigma,
      "Denoising noise level, 0-255 (default: the model's)", "S" },
    { "limit", 'n', 0, G_OPTION_ARG_INT, &eval.limit, "Only the first N items (sorted by name)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &eval.seed, "Noise seed; image i uses seed + i (default 0)", "SEED" },
    { "clean", 0, 0, G_OPTION_ARG_FILENAME, &eval.clean_dir,
      "denoise/sr: DIR holds fixed noisy / low-resolution inputs (.npy, .png); their clean "
      "images (same name) are in this folder", "CLEAN_DIR" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &eval.as_json, "Print one JSON object", NULL },
    { "save-dir", 0, 0, G_OPTION_ARG_FILENAME, &eval.save_dir,
      "Save every estimate as <name>.npy in this folder", "DIR" },
    { "tol", 0, 0, G_OPTION_ARG_DOUBLE, &eval.args.tol,
      "Stopping tolerance (default: model's for denoise, 1e-5 for sr/mri)", "T" },
    { "max-iter", 0, 0, G_OPTION_ARG_INT, &eval.args.max_iter, "Iteration cap (default 10000)", "N" },
    { "beta", 'b', 0, G_OPTION_ARG_DOUBLE, &eval.args.beta, "Coupling weight (sr, mri)", "B" },
    { "lambda", 'l', 0, G_OPTION_ARG_DOUBLE, &eval.args.lambda,
      "Base threshold (default: the model's; the paper's for sr, mri)", "L" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &eval.args.threads, "Solver threads (default 2)", "N" },
    { "formulation", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &eval.args.formulation,
      "Solver formulation: subspace (default) or plain", "NAME" },
    { "colour", 0, 0, G_OPTION_ARG_STRING, &eval.colour_name,
      "denoise, RGB images: opponent basis (default) or rgb (each channel)", "opponent|rgb" },
    G_OPTION_ENTRY_NULL
  };

  eval.colour = CLI_DEFAULT_COLOUR;
  if (!cli_parse_options ("eval", "--task denoise|sr|mri --dataset DIR",
                          "Runs a task over a data set and prints per-image and mean PSNR / SSIM.\n"
                          "  denoise: adds Gaussian noise sigma/255 (seed + image index) to clean\n"
                          "           images, denoises, PSNR on the whole image.\n"
                          "  sr:      simulates 4x low-resolution inputs (16x16 Gaussian, std 2,\n"
                          "           stride 4, noise 0.01), PSNR without a 40-pixel border.\n"
                          "  mri:     expands compact slice folders (meta.json, columns.npy,\n"
                          "           kspace_cols.npy), PSNR on the central crop vs target.npy.",
                          NULL, entries, argc, argv, &positional, &code))
    goto out;
  if (g_strv_length (positional) > 0)
    {
      code = cli_usage_error ("eval", "unexpected argument '%s'", positional[0]);
      goto out;
    }
  if (task == NULL)
    {
      code = cli_usage_error ("eval", "missing --task denoise|sr|mri");
      goto out;
    }
  if (g_strcmp0 (task, "denoise") == 0)
    eval.task = CLI_TASK_DENOISE;
  else if (g_strcmp0 (task, "sr") == 0)
    eval.task = CLI_TASK_SR;
  else if (g_strcmp0 (task, "mri") == 0)
    eval.task = CLI_TASK_MRI;
  else
    {
      code = cli_usage_error ("eval", "unknown task '%s' (denoise, sr or mri)", task);
      goto out;
    }
  if (eval.dataset == NULL)
    {
      code = cli_usage_error ("eval", "missing --dataset DIR");
      goto out;
    }
  if (eval.limit != CLI_UNSET_INT && eval.limit < 1)
    {
      code = cli_usage_error ("eval", "--limit must be at least 1");
      goto out;
    }
  if (eval.colour_name != NULL && !ts_colour_mode_from_name (eval.colour_name, &eval.colour))
    {
      code = cli_usage_error ("eval", "--colour must be opponent or rgb, not '%s'", eval.colour_name);
      goto out;
    }
  if (eval.seed < 0)
    {
      code = cli_usage_error ("eval", "--seed must be non-negative");
      goto out;
    }
  if (eval.clean_dir != NULL && eval.task == CLI_TASK_MRI)
    {
      code = cli_usage_error ("eval", "--clean is for denoise and sr; MRI slices hold target.npy");
      goto out;
    }
  if (!cli_solve_args_check (&eval.args, "eval", &code))
    goto out;
  if (!g_file_test (eval.dataset, G_FILE_TEST_IS_DIR))
    {
      code = cli_error ("%s: not a folder", eval.dataset);
      goto out;
    }
  if (eval.save_dir != NULL && !g_file_test (eval.save_dir, G_FILE_TEST_IS_DIR))
    {
      code = cli_error ("%s: output folder does not exist", eval.save_dir);
      goto out;
    }
  if (g_strcmp0 (eval.args.model, "dct") == 0 && isnan (eval.args.sigma))
    {
      code = cli_usage_error ("eval", "the 'dct' model needs --sigma S");
      goto out;
    }

  items = list_items (&eval, &error);
  if (items == NULL)
    goto fail;
  if (eval.args.model != NULL)
    model_name = g_strdup (eval.args.model);
  else if (eval.task == CLI_TASK_DENOISE && !isnan (eval.args.sigma))
    model_name = g_strdup ("auto");   /* the trained model for the noise level */
  else
    model_name = g_strdup ("ncpr-sigma25");
  eval.model = cli_load_model (model_name,
                               isnan (eval.args.sigma) ? 25.0 : eval.args.sigma, &error);
  if (eval.model == NULL)
    goto fail;
  if (eval.task == CLI_TASK_DENOISE)
    {
      eval.sigma = !isnan (eval.args.sigma) ? eval.args.sigma : eval.model->sigma;
      if (!(eval.sigma > 0.0))
        {
          code = cli_usage_error ("eval", "model %s has no trained noise level: give --sigma S",
                                  eval.model->name);
          goto out;
        }
    }

  cli_solve_args_to_options (&eval.args, eval.task, eval.model, &eval.options);
  cli_progress_init (&eval.progress, "eval", eval.options.tol, eval.options.max_iter);
  print_header (&eval);

  for (guint i = 0; i < items->len; i++)
    {
      const char *item = g_ptr_array_index (items, i);
      EvalResult r = { 0 };
      gboolean ok;

      r.name = g_path_get_basename (item);
      set_progress_label (&eval, i, items->len, r.name);
      if (eval.task == CLI_TASK_DENOISE)
        ok = eval_denoise_one (&eval, item, i, &r, &error);
      else if (eval.task == CLI_TASK_SR)
        ok = eval_sr_one (&eval, item, i, &r, &error);
      else
        ok = eval_mri_one (&eval, item, &r, &error);
      cli_progress_clear (&eval.progress);
      if (!ok)
        {
          g_free (r.name);
          goto fail;
        }
      g_array_append_val (eval.results, r);
      print_row (&eval, &r);
    }

  compute_mean (&eval, &mean);
  if (eval.as_json)
    print_json (&eval, &mean);
  else
    {
      mean.name = (char *) "mean";
      if (eval.task == CLI_TASK_SR)
        printf ("%-24s %9.4f %8.4f %9s %8.1f %9.2f\n", mean.name, mean.psnr, mean.ssim, "",
                (double) mean.iterations / eval.results->len, mean.seconds);
      else
        printf ("%-24s %9.4f %8.4f %9.4f %8.1f %9.2f\n", mean.name, mean.psnr, mean.ssim,
                mean.input_psnr, (double) mean.iterations / eval.results->len, mean.seconds);
    }
  goto out;

fail:
  code = cli_report_error (error);
out:
  eval_clear (&eval);
  return code;
}
