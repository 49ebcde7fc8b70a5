/* tessera-cli demo: the built-in picture, noised, denoised and decomposed, as PNGs. */
#include "cli-common.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define DEMO_DEFAULT_DIR "tessera-demo"
#define DEMO_DEFAULT_SIZE 256
#define DEMO_DEFAULT_SIGMA 25.0
#define DEMO_MIN_SIZE 32
#define DEMO_MAX_SIZE 8192
#define DEMO_SEED 0

/* The model to use and a few words on where it came from: --model, else the model for the
 * noise level (ts_restore_resolve_model's "auto"). */
static TsModel *
demo_model (const char *requested, double sigma, char **source, GError **error)
{
  g_autofree char *note = NULL;
  TsModel *model;

  if (requested != NULL)
    {
      model = cli_load_model (requested, sigma, error);
      if (model != NULL)
        *source = g_strdup_printf ("--model %s", requested);
      return model;
    }
  model = ts_restore_resolve_model (NULL, sigma, &note, error);
  if (model == NULL)
    return NULL;
  if (note != NULL)
    *source = g_strdup_printf ("built-in DCT model at sigma %g: %s", sigma, note);
  else if (g_str_has_prefix (model->name, "dct-sigma"))
    *source = g_strdup_printf ("built-in DCT model at sigma %g (no trained model installed)", sigma);
  else
    *source = g_strdup_printf ("installed model %s%s", model->name,
                               strstr (model->provenance, "adapted from sigma") != NULL
                                 ? " (threshold adapted to the noise level)" : "");
  return model;
}

/* The output folder, created if missing; FALSE (and the exit code) when it cannot be. */
static gboolean
make_folder (const char *dir, int *code)
{
  if (g_mkdir_with_parents (dir, 0777) != 0)
    {
      int saved = errno;
      *code = cli_error ("%s: cannot create the output folder: %s", dir, g_strerror (saved));
      return FALSE;
    }
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      *code = cli_error ("%s: not a folder", dir);
      return FALSE;
    }
  return TRUE;
}

/* The clean picture, cut to the model's groups (the noise is added to what is scored). */
static TsImage *
demo_picture (const TsModel *model, int size, GError **error)
{
  g_autoptr (TsImage) picture = ts_demo_image_new (size, size);
  TsImage *clean;

  if (picture == NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_LIMIT, "a %d x %d picture is over the pixel limit",
                   size, size);
      return NULL;
    }
  clean = ts_simulate_crop_to_groups (model, picture, size, size);
  if (clean != NULL && (clean->width != size || clean->height != size))
    cli_note ("note: model %s works on 2x2 groups: cropped the picture to %d x %d", model->name,
              clean->width, clean->height);
  return clean;
}

static gboolean
save_png (const TsImage *image, const char *dir, const char *name, GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  return ts_image_save (image, path, 8, error);
}

/* The six PNGs: the sparse part shifted by +0.5, the cost scaled to its maximum. */
static gboolean
save_pngs (const char *dir, const TsImage *clean, const TsImage *noisy,
           const TsRestoreResult *result, float *cost_max, GError **error)
{
  g_autoptr (TsImage) sparse_view = ts_image_copy (result->sparse);
  g_autoptr (TsImage) cost_view = ts_image_copy (result->cost);

  for (gsize i = 0; i < ts_image_n_values (sparse_view); i++)
    sparse_view->data[i] += 0.5f;
  *cost_max = 0.0f;
  for (gsize i = 0; i < ts_image_n_values (cost_view); i++)
    *cost_max = MAX (*cost_max, cost_view->data[i]);
  for (gsize i = 0; i < ts_image_n_values (cost_view); i++)
    cost_view->data[i] = *cost_max > 0.0f ? cost_view->data[i] / *cost_max : 0.0f;
  return save_png (clean, dir, "clean.png", error)
         && save_png (noisy, dir, "noisy.png", error)
         && save_png (result->image, dir, "denoised.png", error)
         && save_png (result->smooth, dir, "smooth.png", error)
         && save_png (sparse_view, dir, "sparse.png", error)
         && save_png (cost_view, dir, "cost.png", error);
}

/* Denoises `noisy` whole, with its decomposition, and writes and reports what happened. */
static int
denoise_and_report (const CliSolveArgs *args, const TsModel *model, const char *dir,
                    const TsImage *clean, TsImage *noisy)
{
  g_autoptr (TsRestoreResult) result = NULL;
  TsRestoreRequest request;
  CliProgress progress;
  GError *error = NULL;
  float cost_max;

  cli_solve_args_to_request (args, CLI_TASK_DENOISE, &request);
  /* The noise the demo adds is white Gaussian. */
  request.noise = TS_NOISE_MODEL_GAUSSIAN;
  request.image = noisy;
  request.model = model;
  request.decompose = TRUE;
  request.tiling.mode = TS_RESTORE_TILES_NEVER;
  cli_progress_init (&progress, "demo");
  result = cli_restore (&request, "demo", &progress, &error);
  cli_progress_finish (&progress);
  if (result == NULL || !save_pngs (dir, clean, noisy, result, &cost_max, &error))
    return cli_report_error (error);
  if (!cli_quiet)
    {
      const TsRestoreStats *stats = &result->stats;
      const char *converged = result->options.tol <= 0.0 || stats->converged ? "" : ", not converged";
      printf ("noisy:    PSNR %7.3f dB  SSIM %.4f\n", ts_psnr (noisy, clean, 0),
              ts_ssim (noisy, clean, 0));
      printf ("denoised: PSNR %7.3f dB  SSIM %.4f  (%d iterations%s, %.2f s)\n",
              ts_psnr (result->image, clean, 0), ts_ssim (result->image, clean, 0),
              stats->iterations, converged, stats->seconds);
      printf ("decomposition: %.2f s, largest pixel cost %.4g\n", stats->decompose_seconds,
              cost_max);
      printf ("wrote clean.png noisy.png denoised.png smooth.png sparse.png cost.png to %s\n",
              dir);
    }
  return CLI_EXIT_OK;
}

int
cli_cmd_demo (int argc, char **argv)
{
  CliSolveArgs args;
  g_auto (GStrv) positional = NULL;
  g_autoptr (TsImage) clean = NULL;
  g_autoptr (TsImage) noisy = NULL;
  g_autoptr (TsModel) model = NULL;
  g_autofree char *source = NULL;
  const char *dir;
  GError *error = NULL;
  int size = DEMO_DEFAULT_SIZE;
  int code = 0;

  cli_solve_args_init (&args);
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &args.output,
      "Folder for the PNGs (default ./" DEMO_DEFAULT_DIR "; created if missing)", "DIR" },
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &args.model,
      "Model: .tsm file, reference folder, 'dct' or installed name (default: the installed "
      "ncpr-sigma<S>, else 'dct')", "MODEL" },
    { "sigma", 's', 0, G_OPTION_ARG_DOUBLE, &args.sigma,
      "Noise level added, 0-255 units (default 25)", "S" },
    { "size", 0, 0, G_OPTION_ARG_INT, &size, "Side of the square picture (default 256)", "N" },
    { "tol", 0, 0, G_OPTION_ARG_DOUBLE, &args.tol,
      "Stopping tolerance (default: the model's); 0 runs --max-iter iterations", "T" },
    { "max-iter", 0, 0, G_OPTION_ARG_INT, &args.max_iter, "Iteration cap (default 10000)", "N" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &args.threads, "Solver threads (default 2)", "N" },
    G_OPTION_ENTRY_NULL
  };
  if (!cli_parse_options ("demo", "[-o DIR]",
                          "Denoises a built-in test picture and writes what happened as PNGs:\n"
                          "clean.png, noisy.png (Gaussian noise, seed 0), denoised.png, and the\n"
                          "decomposition of the estimate: smooth.png, sparse.png (shifted by\n"
                          "+0.5) and cost.png (the penalty per pixel, scaled to its maximum).",
                          NULL, entries, argc, argv, &positional, &code))
    goto out;
  if (g_strv_length (positional) != 0)
    {
      code = cli_usage_error ("demo", "unexpected argument '%s'", positional[0]);
      goto out;
    }
  if (size < DEMO_MIN_SIZE || size > DEMO_MAX_SIZE)
    {
      code = cli_usage_error ("demo", "--size must be between %d and %d", DEMO_MIN_SIZE,
                              DEMO_MAX_SIZE);
      goto out;
    }
  if (!cli_solve_args_check (&args, "demo", &code))
    goto out;
  if (isnan (args.sigma))
    args.sigma = DEMO_DEFAULT_SIGMA;
  dir = args.output != NULL ? args.output : DEMO_DEFAULT_DIR;

  model = demo_model (args.model, args.sigma, &source, &error);
  if (model == NULL)
    goto fail;
  if (args.model != NULL && model->sigma > 0.0 && fabs (args.sigma - model->sigma) > 1e-6
      && g_strcmp0 (args.model, "dct") != 0)
    cli_note ("note: model %s was trained for sigma %g, the noise here is sigma %g",
              model->name, model->sigma, args.sigma);
  /* Fail on the folder before the solve, not after it. */
  if (!make_folder (dir, &code))
    goto out;
  clean = demo_picture (model, size, &error);
  if (clean == NULL)
    goto fail;
  noisy = ts_image_copy (clean);
  ts_noise_add_gaussian (noisy, args.sigma / 255.0, DEMO_SEED);
  if (!cli_quiet)
    {
      printf ("model: %s (%s)\n", model->name, source);
      printf ("picture: %d x %d, Gaussian noise sigma %g (seed %d)\n", clean->width,
              clean->height, args.sigma, DEMO_SEED);
      fflush (stdout);
    }
  code = denoise_and_report (&args, model, dir, clean, noisy);
  goto out;

fail:
  code = cli_report_error (error);
out:
  cli_solve_args_clear (&args);
  return code;
}
