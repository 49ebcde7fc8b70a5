/* One reference case of ../shared/reference/outputs/oracle.jsonl, end to end through
 * tessera-cli: import the reference model, run the command on the prepared input, and
 * compare with the oracle (RESULTS.md): fixed-iteration outputs pixel by pixel (max abs
 * difference < 5e-4) and by PSNR (0.02 dB); converged cases by PSNR (0.02 dB) and
 * iteration count (2%). PSNR is computed as the oracle does (skimage, float64): estimate
 * clipped to [0, 1], against the clean crop, border removed for SR, central crop for MRI.
 * Exits 77 (skip) when ../shared is absent. */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tessera.h"

#define EXIT_SKIP 77
#define MAX_ABS_DIFF 5e-4
#define PSNR_TOLERANCE 0.02
#define ITERATION_TOLERANCE 0.02

typedef struct {
  char *name;
  char *cli;
  char *task;
  char *model;
  char *input;
  char *mask;
  char *clean;
  char *clean_crop;
  char *shared;
  double tol;
  double beta;
  double lambda;
  int iters;
  int border;
  gboolean center_crop;
  gboolean keep;
} Case;

typedef struct {
  int iterations;
  double psnr;
  double seconds;
  gint64 shape[2];
} Oracle;

/* A 2-D float64 view of an array or image: rows x cols. */
typedef struct {
  int rows, cols;
  double *v;
} Grid;

static void
grid_free (Grid *g)
{
  if (g != NULL)
    g_free (g->v);
  g_free (g);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Grid, grid_free)

static Grid *
grid_crop (const Grid *g, int r0, int c0, int rows, int cols)
{
  Grid *out;

  if (r0 < 0 || c0 < 0 || rows <= 0 || cols <= 0 || r0 + rows > g->rows || c0 + cols > g->cols)
    return NULL;
  out = g_new0 (Grid, 1);
  out->rows = rows;
  out->cols = cols;
  out->v = g_new (double, (gsize) rows * cols);
  for (int r = 0; r < rows; r++)
    memcpy (out->v + (gsize) r * cols, g->v + (gsize) (r0 + r) * g->cols + c0,
            sizeof (double) * cols);
  return out;
}

/* .npy (2-D real) or any image ts_image_load reads (single channel). */
static Grid *
grid_load (const char *path, GError **error)
{
  Grid *g;

  if (g_str_has_suffix (path, ".npy"))
    {
      g_autoptr (TsNpyArray) a = ts_npy_load (path, error);
      if (a == NULL)
        return NULL;
      if (a->ndim != 2 || a->values == NULL)
        {
          g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: expected a real 2-D array", path);
          return NULL;
        }
      g = g_new0 (Grid, 1);
      g->rows = (int) a->shape[0];
      g->cols = (int) a->shape[1];
      g->v = g_steal_pointer (&a->values);
      return g;
    }
  else
    {
      g_autoptr (TsImage) image = ts_image_load (path, error);
      if (image == NULL)
        return NULL;
      if (image->channels != 1)
        {
          g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: expected a gray image", path);
          return NULL;
        }
      g = g_new0 (Grid, 1);
      g->rows = image->height;
      g->cols = image->width;
      g->v = g_new (double, (gsize) g->rows * g->cols);
      for (gsize i = 0; i < (gsize) g->rows * g->cols; i++)
        g->v[i] = image->data[i];
      return g;
    }
}

/* skimage.metrics.peak_signal_noise_ratio(clean, clip(estimate, 0, 1), data_range=1). */
static double
oracle_psnr (const Grid *estimate, const Grid *clean)
{
  double sum = 0.0;
  gsize n = (gsize) clean->rows * clean->cols;

  for (gsize i = 0; i < n; i++)
    {
      /* The oracle clips in float32. */
      float e = (float) estimate->v[i];
      double d;
      e = e < 0.0f ? 0.0f : e > 1.0f ? 1.0f : e;
      d = clean->v[i] - (double) e;
      sum += d * d;
    }
  return 10.0 * log10 (1.0 / (sum / n));
}

static double
max_abs_diff (const Grid *a, const Grid *b)
{
  double m = 0.0;

  for (gsize i = 0; i < (gsize) a->rows * a->cols; i++)
    m = MAX (m, fabs (a->v[i] - b->v[i]));
  return m;
}

static gboolean
read_oracle (const char *path, const char *name, Oracle *oracle, GError **error)
{
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;

  if (!g_file_get_contents (path, &contents, NULL, error))
    return FALSE;
  lines = g_strsplit (contents, "\n", -1);
  for (int i = 0; lines[i] != NULL; i++)
    {
      g_autoptr (JsonParser) parser = json_parser_new ();
      JsonObject *object, *result;
      JsonArray *shape;

      if (g_strstrip (lines[i])[0] == '\0')
        continue;
      if (!json_parser_load_from_data (parser, lines[i], -1, error))
        return FALSE;
      if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        continue;
      object = json_node_get_object (json_parser_get_root (parser));
      if (g_strcmp0 (json_object_get_string_member_with_default (object, "case", ""), name) != 0)
        continue;
      result = json_object_get_object_member (object, "result");
      if (result == NULL || !json_object_has_member (result, "psnr")
          || !json_object_has_member (result, "iterations"))
        break;
      oracle->iterations = (int) json_object_get_int_member (result, "iterations");
      oracle->psnr = json_object_get_double_member (result, "psnr");
      oracle->seconds = json_object_get_double_member_with_default (result, "seconds", NAN);
      shape = json_object_get_array_member (result, "shape");
      if (shape == NULL || json_array_get_length (shape) != 2)
        break;
      oracle->shape[0] = json_array_get_int_element (shape, 0);
      oracle->shape[1] = json_array_get_int_element (shape, 1);
      return TRUE;
    }
  g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: no usable entry for case %s", path, name);
  return FALSE;
}

static gboolean
read_stats (const char *path, int *iterations, double *seconds, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *object;

  if (!json_parser_load_from_file (parser, path, error))
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    goto bad;
  object = json_node_get_object (json_parser_get_root (parser));
  if (!json_object_has_member (object, "iterations") || !json_object_has_member (object, "solve_seconds")
      || !json_object_has_member (object, "final_change"))
    goto bad;
  *iterations = (int) json_object_get_int_member (object, "iterations");
  *seconds = json_object_get_double_member (object, "solve_seconds");
  return TRUE;

bad:
  g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
               "%s: expected an object with iterations, solve_seconds and final_change", path);
  return FALSE;
}

static gboolean
run (GPtrArray *argv, GError **error)
{
  g_autofree char *line = NULL;
  int status = 0;

  g_ptr_array_add (argv, NULL);
  line = g_strjoinv (" ", (char **) argv->pdata);
  printf ("$ %s\n", line);
  fflush (stdout);
  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_CHILD_INHERITS_STDIN, NULL, NULL,
                     NULL, NULL, &status, error))
    return FALSE;
  return g_spawn_check_wait_status (status, error);
}

static void
remove_tree (const char *dir)
{
  g_autoptr (GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

static char *
shared_path (const Case *c, const char *relative)
{
  return g_build_filename (c->shared, relative, NULL);
}

static int
check_case (Case *c)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *model_dir = NULL;
  g_autofree char *model_file = NULL;
  g_autofree char *out_file = NULL;
  g_autofree char *stats_file = NULL;
  g_autofree char *oracle_file = NULL;
  g_autofree char *reference_file = NULL;
  g_autofree char *input = NULL;
  g_autofree char *clean_path = NULL;
  g_autoptr (GPtrArray) argv = NULL;
  g_autoptr (Grid) out = NULL;
  g_autoptr (Grid) clean = NULL;
  g_autoptr (Grid) reference = NULL;
  g_autoptr (Grid) out_eval = NULL;
  g_autoptr (Grid) clean_eval = NULL;
  g_autoptr (GString) failures = g_string_new (NULL);
  Oracle oracle = { 0 };
  gboolean fixed = c->iters > 0;
  double diff = NAN, psnr, solve_seconds = NAN, wall;
  int iterations = -1;
  gint64 start;
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  oracle_file = shared_path (c, "reference/outputs/oracle.jsonl");
  if (!read_oracle (oracle_file, c->name, &oracle, &error))
    goto error;

  tmp = g_dir_make_tmp ("ts-ref-XXXXXX", &error);
  if (tmp == NULL)
    goto error;
  model_dir = g_build_filename (c->shared, "reference", "models", c->model, NULL);
  model_file = g_build_filename (tmp, "model.tsm", NULL);
  out_file = g_build_filename (tmp, "out.npy", NULL);
  stats_file = g_build_filename (tmp, "stats.json", NULL);
  input = shared_path (c, c->input);

  /* tessera-cli model import REF_DIR -o MODEL.tsm */
  argv = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (argv, g_strdup (c->cli));
  g_ptr_array_add (argv, g_strdup ("model"));
  g_ptr_array_add (argv, g_strdup ("import"));
  g_ptr_array_add (argv, g_strdup (model_dir));
  g_ptr_array_add (argv, g_strdup ("-o"));
  g_ptr_array_add (argv, g_strdup (model_file));
  if (!run (argv, &error))
    goto error;
  g_clear_pointer (&argv, g_ptr_array_unref);

  /* tessera-cli TASK INPUT [--mask MASK] -o OUT --model MODEL ... --stats STATS */
  argv = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (argv, g_strdup (c->cli));
  g_ptr_array_add (argv, g_strdup (c->task));
  g_ptr_array_add (argv, g_strdup (input));
  if (c->mask != NULL)
    {
      g_ptr_array_add (argv, g_strdup ("--mask"));
      g_ptr_array_add (argv, shared_path (c, c->mask));
    }
  g_ptr_array_add (argv, g_strdup ("-o"));
  g_ptr_array_add (argv, g_strdup (out_file));
  g_ptr_array_add (argv, g_strdup ("--model"));
  g_ptr_array_add (argv, g_strdup (model_file));
  if (fixed)
    {
      g_ptr_array_add (argv, g_strdup ("--tol"));
      g_ptr_array_add (argv, g_strdup ("0"));
      g_ptr_array_add (argv, g_strdup ("--max-iter"));
      g_ptr_array_add (argv, g_strdup_printf ("%d", c->iters));
    }
  else
    {
      g_ptr_array_add (argv, g_strdup ("--tol"));
      g_ptr_array_add (argv, g_strdup (g_ascii_dtostr (buf, sizeof buf, c->tol)));
    }
  if (!isnan (c->beta))
    {
      g_ptr_array_add (argv, g_strdup ("--beta"));
      g_ptr_array_add (argv, g_strdup (g_ascii_dtostr (buf, sizeof buf, c->beta)));
    }
  if (!isnan (c->lambda))
    {
      g_ptr_array_add (argv, g_strdup ("--lambda"));
      g_ptr_array_add (argv, g_strdup (g_ascii_dtostr (buf, sizeof buf, c->lambda)));
    }
  g_ptr_array_add (argv, g_strdup ("--stats"));
  g_ptr_array_add (argv, g_strdup (stats_file));
  start = g_get_monotonic_time ();
  if (!run (argv, &error))
    goto error;
  wall = (g_get_monotonic_time () - start) / 1e6;

  if (!read_stats (stats_file, &iterations, &solve_seconds, &error))
    goto error;
  out = grid_load (out_file, &error);
  if (out == NULL)
    goto error;
  if (out->rows != oracle.shape[0] || out->cols != oracle.shape[1])
    {
      g_set_error (&error, TS_ERROR, TS_ERROR_INVALID,
                   "output is %d x %d (rows x cols), the oracle's %" G_GINT64_FORMAT " x %"
                   G_GINT64_FORMAT, out->rows, out->cols, oracle.shape[0], oracle.shape[1]);
      goto error;
    }

  /* Pixel comparison with the oracle's saved output (informative for converged cases). */
  reference_file = g_strdup_printf ("%s/reference/outputs/%s.npy", c->shared, c->name);
  if (g_file_test (reference_file, G_FILE_TEST_IS_REGULAR))
    {
      reference = grid_load (reference_file, &error);
      if (reference == NULL)
        goto error;
      if (reference->rows != out->rows || reference->cols != out->cols)
        {
          g_set_error (&error, TS_ERROR, TS_ERROR_INVALID, "%s has another shape", reference_file);
          goto error;
        }
      diff = max_abs_diff (out, reference);
    }
  else if (fixed)
    {
      g_set_error (&error, TS_ERROR, TS_ERROR_IO, "%s: missing", reference_file);
      goto error;
    }

  /* The clean image, cropped as the oracle does. */
  clean_path = shared_path (c, c->clean);
  clean = grid_load (clean_path, &error);
  if (clean == NULL)
    goto error;
  if (c->clean_crop != NULL)
    {
      int y0, x0, h, w;
      Grid *cropped;
      if (sscanf (c->clean_crop, "%d,%d,%d,%d", &y0, &x0, &h, &w) != 4
          || (cropped = grid_crop (clean, y0, x0, h, w)) == NULL)
        {
          g_set_error (&error, TS_ERROR, TS_ERROR_INVALID, "bad --clean-crop %s", c->clean_crop);
          goto error;
        }
      grid_free (clean);
      clean = cropped;
    }
  if (c->center_crop)
    {
      /* MRI: the estimate's central crop of the target's size. */
      out_eval = grid_crop (out, (out->rows - clean->rows) / 2, (out->cols - clean->cols) / 2,
                            clean->rows, clean->cols);
      clean_eval = grid_crop (clean, 0, 0, clean->rows, clean->cols);
    }
  else
    {
      /* clean[:H, :W], then the border off both (SR). */
      g_autoptr (Grid) top_left = grid_crop (clean, 0, 0, out->rows, out->cols);
      if (top_left != NULL)
        {
          out_eval = grid_crop (out, c->border, c->border, out->rows - 2 * c->border,
                                out->cols - 2 * c->border);
          clean_eval = grid_crop (top_left, c->border, c->border, out->rows - 2 * c->border,
                                  out->cols - 2 * c->border);
        }
    }
  if (out_eval == NULL || clean_eval == NULL)
    {
      g_set_error (&error, TS_ERROR, TS_ERROR_INVALID, "clean image and output do not fit");
      goto error;
    }
  psnr = oracle_psnr (out_eval, clean_eval);

  /* Verdicts. */
  if (fixed && !(diff < MAX_ABS_DIFF))
    g_string_append_printf (failures, " max abs difference %.3g >= %.0e;", diff, MAX_ABS_DIFF);
  if (!(fabs (psnr - oracle.psnr) <= PSNR_TOLERANCE))
    g_string_append_printf (failures, " PSNR off by %.4f dB (> %.2f);", psnr - oracle.psnr,
                            PSNR_TOLERANCE);
  if (fixed && iterations != c->iters)
    g_string_append_printf (failures, " %d iterations instead of %d;", iterations, c->iters);
  if (!fixed && !(fabs ((double) iterations - oracle.iterations)
                  <= ITERATION_TOLERANCE * oracle.iterations))
    g_string_append_printf (failures, " %d iterations, oracle %d (more than %.0f%% apart);",
                            iterations, oracle.iterations, 100 * ITERATION_TOLERANCE);

  printf ("case %s\n", c->name);
  printf ("  max abs diff   %.3e%s\n", diff, fixed ? " (limit 5e-4)" : " (converged output; informative)");
  printf ("  PSNR           %.4f dB (oracle %.4f, diff %+.4f)\n", psnr, oracle.psnr,
          psnr - oracle.psnr);
  printf ("  iterations     %d (oracle %d)\n", iterations, oracle.iterations);
  printf ("  seconds        solve %.2f, wall %.2f (oracle PyTorch %.2f)\n", solve_seconds, wall,
          oracle.seconds);
  if (failures->len > 0)
    printf ("FAIL:%s\n", failures->str);
  else
    printf ("PASS\n");
  if (c->keep || failures->len > 0)
    printf ("  files kept in %s\n", tmp);
  else
    remove_tree (tmp);
  return failures->len > 0 ? EXIT_FAILURE : EXIT_SUCCESS;

error:
  printf ("case %s\nERROR: %s\n", c->name, error != NULL ? error->message : "unknown");
  if (tmp != NULL)
    printf ("  files kept in %s\n", tmp);
  return EXIT_FAILURE;
}

int
main (int argc, char **argv)
{
  Case c = { 0 };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  const char *shared_env = g_getenv ("TESSERA_SHARED_DIR");
  int code;
  const GOptionEntry entries[] = {
    { "case", 0, 0, G_OPTION_ARG_STRING, &c.name, "Case name in oracle.jsonl", "NAME" },
    { "cli", 0, 0, G_OPTION_ARG_FILENAME, &c.cli, "Path of tessera-cli", "PATH" },
    { "shared", 0, 0, G_OPTION_ARG_FILENAME, &c.shared, "Shared folder (default $TESSERA_SHARED_DIR)", "DIR" },
    { "task", 0, 0, G_OPTION_ARG_STRING, &c.task, "denoise, sr or mri", "TASK" },
    { "model", 0, 0, G_OPTION_ARG_STRING, &c.model, "Reference model folder name", "NAME" },
    { "input", 0, 0, G_OPTION_ARG_FILENAME, &c.input, "Input, relative to the shared folder", "PATH" },
    { "mask", 0, 0, G_OPTION_ARG_FILENAME, &c.mask, "MRI mask, relative to the shared folder", "PATH" },
    { "clean", 0, 0, G_OPTION_ARG_FILENAME, &c.clean, "Clean image / target, relative", "PATH" },
    { "clean-crop", 0, 0, G_OPTION_ARG_STRING, &c.clean_crop, "Crop of the clean image", "Y0,X0,H,W" },
    { "border", 0, 0, G_OPTION_ARG_INT, &c.border, "Border removed before PSNR", "N" },
    { "center-crop", 0, 0, G_OPTION_ARG_NONE, &c.center_crop, "Central crop of the estimate (MRI)", NULL },
    { "iters", 0, 0, G_OPTION_ARG_INT, &c.iters, "Fixed number of iterations", "N" },
    { "tol", 0, 0, G_OPTION_ARG_DOUBLE, &c.tol, "Tolerance of a converged case", "T" },
    { "beta", 0, 0, G_OPTION_ARG_DOUBLE, &c.beta, "Beta", "B" },
    { "lambda", 0, 0, G_OPTION_ARG_DOUBLE, &c.lambda, "Lambda", "L" },
    { "keep", 0, 0, G_OPTION_ARG_NONE, &c.keep, "Keep the temporary files", NULL },
    G_OPTION_ENTRY_NULL
  };

  c.tol = 1e-4;
  c.beta = NAN;
  c.lambda = NAN;
  context = g_option_context_new ("- check one reference case");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "ts-check-case: %s\n", error->message);
      return 2;
    }
  if (c.name == NULL || c.cli == NULL || c.task == NULL || c.model == NULL || c.input == NULL
      || c.clean == NULL)
    {
      fprintf (stderr, "ts-check-case: --case, --cli, --task, --model, --input and --clean are required\n");
      return 2;
    }
  if (c.shared == NULL && shared_env != NULL)
    c.shared = g_strdup (shared_env);
  if (c.shared == NULL || !g_file_test (c.shared, G_FILE_TEST_IS_DIR))
    {
      printf ("SKIP %s: the shared data folder (../shared, $TESSERA_SHARED_DIR = %s) is absent\n",
              c.name, shared_env != NULL ? shared_env : "unset");
      return EXIT_SKIP;
    }
  /* The solver's own threads; keep BLAS from adding more. */
  g_setenv ("OPENBLAS_NUM_THREADS", "1", FALSE);

  code = check_case (&c);
  g_free (c.name);
  g_free (c.cli);
  g_free (c.task);
  g_free (c.model);
  g_free (c.input);
  g_free (c.mask);
  g_free (c.clean);
  g_free (c.clean_crop);
  g_free (c.shared);
  return code;
}
