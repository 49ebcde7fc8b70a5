/* Tuning beta and lambda on validation data (see ts-tune.h). */
#include "ts-tune.h"
#include "ts-io.h"
#include "ts-metrics.h"
#include "ts-noise.h"
#include "ts-simulate.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

/* The search stays inside these decades: wide of every value the paper found (RESULTS.md). */
#define LOG_BETA_MIN -7.0
#define LOG_BETA_MAX 2.0
#define LOG_LAMBDA_MIN -8.0
#define LOG_LAMBDA_MAX 0.0
/* 1 / golden ratio, and its complement. */
#define GOLD 0.6180339887498949
#define GOLD_C 0.3819660112501051
/* Steps smaller than this (decades) no longer change a result worth writing down. */
#define MIN_STEP 0.01

static void
tune_item_free (gpointer data)
{
  TsTuneItem *item = data;
  g_free (item->name);
  g_clear_pointer (&item->lowres, ts_image_free);
  g_clear_pointer (&item->kspace, ts_kspace_free);
  g_clear_pointer (&item->truth, ts_image_free);
  g_free (item);
}

TsTuneSet *
ts_tune_set_new (TsTask task)
{
  TsTuneSet *set = g_new0 (TsTuneSet, 1);
  set->task = task;
  set->items = g_ptr_array_new_with_free_func (tune_item_free);
  return set;
}

void
ts_tune_set_free (TsTuneSet *set)
{
  if (set == NULL)
    return;
  g_ptr_array_unref (set->items);
  g_free (set);
}

void
ts_tune_set_add (TsTuneSet *set, const char *name, gpointer data, TsImage *truth)
{
  g_return_if_fail (set != NULL && data != NULL && truth != NULL);
  TsTuneItem *item = g_new0 (TsTuneItem, 1);
  item->name = g_strdup (name != NULL ? name : "");
  if (set->task == TS_TASK_MRI)
    item->kspace = data;
  else
    item->lowres = data;
  item->truth = truth;
  g_ptr_array_add (set->items, item);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* The entries of `dir` (sorted by name, as Python's sorted()): image files, or slice folders
 * (meta.json). */
static GPtrArray *
list_entries (const char *dir, gboolean slices, GError **error)
{
  static const char *const suffixes[] = { ".png", ".tif", ".tiff", ".jpg", ".jpeg", NULL };
  g_autoptr (GDir) handle = g_dir_open (dir, 0, error);
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (handle == NULL)
    return NULL;
  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      gboolean wanted = FALSE;
      if (name[0] == '.')
        continue;
      if (slices)
        {
          g_autofree char *meta = g_build_filename (path, "meta.json", NULL);
          wanted = g_file_test (meta, G_FILE_TEST_IS_REGULAR);
        }
      else if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        {
          g_autofree char *lower = g_ascii_strdown (name, -1);
          for (int i = 0; suffixes[i] != NULL && !wanted; i++)
            wanted = g_str_has_suffix (lower, suffixes[i]);
        }
      if (wanted)
        g_ptr_array_add (paths, g_steal_pointer (&path));
    }
  g_ptr_array_sort (paths, compare_strings);
  return g_steal_pointer (&paths);
}

static gboolean
add_sr_item (TsTuneSet *set, const char *path, guint64 seed, GError **error)
{
  g_autoptr (TsImage) clean = ts_image_load (path, error);
  TsImage *truth = NULL;
  if (clean == NULL)
    return FALSE;
  TsImage *lowres = ts_simulate_sr (clean, &truth, error);
  if (lowres == NULL)
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  ts_noise_add_gaussian (lowres, TS_TUNE_SR_NOISE, seed + set->items->len);
  g_autofree char *name = g_path_get_basename (path);
  ts_tune_set_add (set, name, lowres, truth);
  return TRUE;
}

static gboolean
add_mri_item (TsTuneSet *set, const char *dir, GError **error)
{
  g_autofree char *target_path = g_build_filename (dir, "target.npy", NULL);
  int acceleration = 0;
  g_autoptr (TsKspace) kspace = ts_kspace_load_compact (dir, &acceleration, error);
  if (kspace == NULL)
    return FALSE;
  g_autoptr (TsImage) target = ts_image_load (target_path, error);
  if (target == NULL)
    return FALSE;
  if (target->width > kspace->width || target->height > kspace->height || target->channels != 1)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "%s: larger than the %d x %d image",
                   target_path, kspace->width, kspace->height);
      return FALSE;
    }
  if (set->items->len > 0 && acceleration != set->acceleration)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "%s: acceleration %d, but the slices before it have %d: tune one "
                   "acceleration at a time", dir, acceleration, set->acceleration);
      return FALSE;
    }
  set->acceleration = acceleration;
  g_autofree char *name = g_path_get_basename (dir);
  ts_tune_set_add (set, name, g_steal_pointer (&kspace), g_steal_pointer (&target));
  return TRUE;
}

TsTuneSet *
ts_tune_set_load (TsTask task, const char *folder, int limit, guint64 seed, GError **error)
{
  g_return_val_if_fail (folder != NULL, NULL);
  g_return_val_if_fail (task == TS_TASK_SR || task == TS_TASK_MRI, NULL);
  g_autoptr (TsTuneSet) set = ts_tune_set_new (task);
  g_autoptr (GPtrArray) entries = NULL;
  g_autofree char *meta = g_build_filename (folder, "meta.json", NULL);

  if (!g_file_test (folder, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: not a folder", folder);
      return NULL;
    }
  if (task == TS_TASK_MRI && g_file_test (meta, G_FILE_TEST_IS_REGULAR))
    {
      entries = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (entries, g_strdup (folder));
    }
  else if ((entries = list_entries (folder, task == TS_TASK_MRI, error)) == NULL)
    return NULL;
  if (entries->len == 0)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: nothing to tune on (%s)", folder,
                   task == TS_TASK_MRI ? "no slice folders with meta.json"
                                       : "no .png, .tif or .jpg images");
      return NULL;
    }
  if (limit > 0 && (guint) limit < entries->len)
    g_ptr_array_set_size (entries, limit);
  set->fat_suppressed = task == TS_TASK_MRI && ts_kspace_path_is_fat_suppressed (folder);
  for (guint i = 0; i < entries->len; i++)
    {
      const char *path = g_ptr_array_index (entries, i);
      if (!(task == TS_TASK_SR ? add_sr_item (set, path, seed, error)
                               : add_mri_item (set, path, error)))
        return NULL;
    }
  return g_steal_pointer (&set);
}

void
ts_tune_options_init (TsTuneOptions *options)
{
  g_return_if_fail (options != NULL);
  memset (options, 0, sizeof *options);
  options->max_evaluations = 16;
  options->max_iter = 150;
  options->tol = TS_RECONSTRUCT_TOL;
  options->beta = options->lambda = NAN;
  options->step = 0.5;
}

/* --- scoring a point -------------------------------------------------------------------- */

typedef struct {
  double x[2];                 /* log10 beta, log10 lambda */
  double psnr;
} Point;

typedef struct {
  const TsModel *model;
  const TsTuneSet *set;
  const TsTuneOptions *options;
  TsTuneProgressFunc func;
  gpointer user_data;
  const gint *cancel;
  GArray *scored;              /* Point: every point scored, to score none twice */
  Point best;
  TsTuneProgress progress;
  gboolean stopped;            /* cancelled, or the callback said stop */
  GError *error;               /* the first failure (not a cancellation) */
} Search;

static double
item_psnr (const TsTuneSet *set, const TsTuneItem *item, const TsImage *estimate)
{
  if (set->task == TS_TASK_MRI)
    {
      const TsImage *t = item->truth;
      g_autoptr (TsImage) crop = ts_image_crop (estimate, (estimate->width - t->width) / 2,
                                                (estimate->height - t->height) / 2, t->width,
                                                t->height);
      return ts_psnr (crop, t, 0);
    }
  g_autoptr (TsImage) truth = NULL;
  const TsImage *t = item->truth;
  if (t->width != estimate->width || t->height != estimate->height)
    t = truth = ts_image_crop (item->truth, 0, 0, estimate->width, estimate->height);
  int border = 2 * TS_TUNE_SR_BORDER < MIN (estimate->width, estimate->height)
                 ? TS_TUNE_SR_BORDER : 0;
  return ts_psnr (estimate, t, border);
}

static gboolean
emit (Search *s, TsTuneEvent event)
{
  s->progress.event = event;
  if (s->func != NULL && !s->func (&s->progress, s->user_data))
    s->stopped = TRUE;
  return !s->stopped;
}

/* The mean PSNR at x (-INFINITY for a point that cannot be solved, such as a NaN estimate);
 * NAN when the search has to stop (budget, cancellation, failure). */
static double
score (Search *s, const double x[2], const char *phase)
{
  for (guint i = 0; i < s->scored->len; i++)
    {
      const Point *p = &g_array_index (s->scored, Point, i);
      if (fabs (p->x[0] - x[0]) < 1e-9 && fabs (p->x[1] - x[1]) < 1e-9)
        return p->psnr;
    }
  if (s->stopped || s->error != NULL || (int) s->scored->len >= s->options->max_evaluations)
    return NAN;

  const TsTuneSet *set = s->set;
  double sum = 0.0;
  s->progress.evaluation = s->scored->len + 1;
  s->progress.phase = phase;
  s->progress.beta = pow (10.0, x[0]);
  s->progress.lambda = pow (10.0, x[1]);
  s->progress.n_items = set->items->len;
  for (guint i = 0; i < set->items->len; i++)
    {
      const TsTuneItem *item = g_ptr_array_index (set->items, i);
      TsRestoreRequest request;
      GError *local = NULL;

      if (s->cancel != NULL && g_atomic_int_get (s->cancel))
        {
          s->stopped = TRUE;
          return NAN;
        }
      ts_restore_request_init (&request);
      request.task = set->task;
      request.model = s->model;
      request.image = item->lowres;
      request.kspace = item->kspace;
      request.beta = s->progress.beta;
      request.lambda = s->progress.lambda;
      request.tol = s->options->tol;
      request.max_iter = s->options->max_iter;
      request.threads = s->options->threads;
      request.preset = TS_PRESET_NONE;
      request.mri_acceleration = set->acceleration;
      request.fat_suppressed = set->fat_suppressed;
      g_autoptr (TsRestoreResult) result = ts_restore (&request, NULL, NULL, s->cancel, &local);
      if (result == NULL)
        {
          if (g_error_matches (local, TS_ERROR, TS_ERROR_CANCELLED))
            {
              s->stopped = TRUE;
              g_error_free (local);
            }
          else
            {
              g_prefix_error (&local, "%s: ", item->name);
              s->error = local;
            }
          return NAN;
        }
      double psnr = item_psnr (set, item, result->image);
      sum += isfinite (psnr) ? psnr : (isinf (psnr) && psnr > 0 ? 100.0 : -INFINITY);
      s->progress.item = i;
      s->progress.item_psnr = psnr;
      if (!emit (s, TS_TUNE_ITEM))
        return NAN;
    }

  Point p = { { x[0], x[1] }, sum / set->items->len };
  if (isnan (p.psnr))
    p.psnr = -INFINITY;
  g_array_append_val (s->scored, p);
  if (s->scored->len == 1 || p.psnr > s->best.psnr)
    s->best = p;
  s->progress.psnr = p.psnr;
  s->progress.best_beta = pow (10.0, s->best.x[0]);
  s->progress.best_lambda = pow (10.0, s->best.x[1]);
  s->progress.best_psnr = s->best.psnr;
  if (!emit (s, TS_TUNE_EVALUATION))
    return NAN;
  return p.psnr;
}

/* --- the search ------------------------------------------------------------------------- */

static double
clamp_coordinate (int c, double v)
{
  return c == 0 ? CLAMP (v, LOG_BETA_MIN, LOG_BETA_MAX) : CLAMP (v, LOG_LAMBDA_MIN, LOG_LAMBDA_MAX);
}

/* f along coordinate c through the best point, at t (an absolute coordinate value). */
static double
score_at (Search *s, int c, double t)
{
  double x[2] = { s->best.x[0], s->best.x[1] };
  x[c] = clamp_coordinate (c, t);
  return score (s, x, c == 0 ? "beta" : "lambda");
}

/* One line search along coordinate c from the best point with step h (decades): a step each
 * way, steps growing by the golden ratio while the score rises, then golden-section steps
 * inside the bracket found. The best point moves with every improvement (score() keeps it).
 * FALSE when the search has to stop. */
static gboolean
line_search (Search *s, int c, double h, int refinements)
{
  double b = s->best.x[c], fb = s->best.psnr;
  double a = b, d = b;         /* the bracket: a < b < d (or d < b < a), f(b) the largest */
  double up = score_at (s, c, b + h);
  if (isnan (up))
    return FALSE;
  int dir = 1;
  double first = up;
  if (!(up > fb))
    {
      double down = score_at (s, c, b - h);
      if (isnan (down))
        return FALSE;
      if (down > fb)
        dir = -1, first = down;
      else
        {
          dir = 0;
          a = clamp_coordinate (c, b - h), d = clamp_coordinate (c, b + h);
        }
    }
  if (dir != 0)
    {
      /* Expand: prev < cur < next in the direction, until the score falls or a bound. */
      double prev = b, cur = clamp_coordinate (c, b + dir * h), fcur = first, step = h;
      for (;;)
        {
          step /= GOLD;
          double next = clamp_coordinate (c, cur + dir * step);
          if (next == cur)
            return TRUE;        /* at the bound: the best point is there */
          double fnext = score_at (s, c, next);
          if (isnan (fnext))
            return FALSE;
          if (!(fnext > fcur))
            {
              a = prev, b = cur, fb = fcur, d = next;
              break;
            }
          prev = cur, cur = next, fcur = fnext;
        }
    }
  /* Golden-section steps: a point in the larger side of b, the bracket narrowed to keep the
   * best in its middle. */
  for (int k = 0; k < refinements; k++)
    {
      gboolean left = fabs (b - a) > fabs (d - b);
      double t = left ? b + GOLD_C * (a - b) : b + GOLD_C * (d - b);
      if (fabs (t - b) < MIN_STEP)
        break;
      double ft = score_at (s, c, t);
      if (isnan (ft))
        return FALSE;
      if (ft > fb)
        {
          if (left)
            d = b;
          else
            a = b;
          b = t, fb = ft;
        }
      else if (left)
        a = t;
      else
        d = t;
    }
  return TRUE;
}

gboolean
ts_tune (const TsModel *model, const TsTuneSet *set, const char *preset,
         const TsTuneOptions *options, TsTuneProgressFunc progress, gpointer user_data,
         const gint *cancel, TsTuneResult *result, GError **error)
{
  TsTuneOptions defaults;
  TsRestoreRequest request;
  TsTaskParams params;

  g_return_val_if_fail (model != NULL && set != NULL && result != NULL, FALSE);
  if (options == NULL)
    {
      ts_tune_options_init (&defaults);
      options = &defaults;
    }
  memset (result, 0, sizeof *result);
  result->beta = result->lambda = result->psnr = NAN;
  if (set->task != TS_TASK_SR && set->task != TS_TASK_MRI)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "only super-resolution and MRI are tuned");
      return FALSE;
    }
  if (set->items->len == 0 || options->max_evaluations < 1 || options->max_iter < 1
      || !(options->step > 0.0 && options->step <= 3.0))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "tuning needs items, at least one evaluation and one iteration, and a first "
                   "step in (0, 3] decades");
      return FALSE;
    }
  const char *name = preset != NULL ? preset
                     : ts_task_preset_name (set->task, set->acceleration, set->fat_suppressed);
  TsTask other;
  if (!ts_preset_name_is_valid (name))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "invalid preset name '%.80s' (1 to %d characters of a-z, 0-9, '-', '_', '.')",
                   name, TS_PRESET_NAME_MAX);
      return FALSE;
    }
  if (ts_task_of_preset (name, &other) && other != set->task)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "preset '%s' is for %s, not %s", name,
                   other == TS_TASK_SR ? "super-resolution" : "MRI",
                   set->task == TS_TASK_SR ? "super-resolution" : "MRI");
      return FALSE;
    }
  g_strlcpy (result->preset, name, sizeof result->preset);

  /* The start: given, else the preset being tuned, else the paper's, else the model's. */
  ts_restore_request_init (&request);
  request.task = set->task;
  request.mri_acceleration = set->acceleration;
  request.fat_suppressed = set->fat_suppressed;
  request.preset = ts_model_get_preset (model, name) != NULL ? name : TS_PRESET_NONE;
  request.beta = options->beta;
  request.lambda = options->lambda;
  if (!ts_restore_task_params (&request, model, &params, error))
    return FALSE;
  result->start_beta = isnan (params.beta) ? model->beta : params.beta;
  result->start_lambda = isnan (params.lambda) ? model->lambda : params.lambda;
  result->start_from = params.beta_from;
  /* Log scale needs positive values; a model's own beta may be 0 or negative (MODEL.md). */
  double x0[2] = {
    clamp_coordinate (0, log10 (MAX (result->start_beta, 1e-7))),
    clamp_coordinate (1, log10 (MAX (result->start_lambda, 1e-8))),
  };

  Search s = { .model = model, .set = set, .options = options, .func = progress,
               .user_data = user_data, .cancel = cancel };
  s.scored = g_array_new (FALSE, FALSE, sizeof (Point));
  s.progress.max_evaluations = options->max_evaluations;
  double f0 = score (&s, x0, "start");
  if (!isnan (f0))
    {
      result->start_psnr = f0;
      /* Rounds over both coordinates, the step halved each round, until the budget. */
      for (double h = options->step; h >= MIN_STEP; h /= 2.0)
        if (!line_search (&s, 0, h, 2) || !line_search (&s, 1, h, 2))
          break;
    }
  result->evaluations = s.scored->len;
  if (s.scored->len > 0)
    {
      /* The first point scored is the start, also when the search stopped at its report. */
      result->start_psnr = g_array_index (s.scored, Point, 0).psnr;
      result->beta = pow (10.0, s.best.x[0]);
      result->lambda = pow (10.0, s.best.x[1]);
      /* The start exactly as it was, not through log10 and back. */
      if (s.best.x[0] == x0[0] && s.best.x[1] == x0[1]
          && result->start_beta > 0 && result->start_lambda > 0)
        {
          result->beta = result->start_beta;
          result->lambda = result->start_lambda;
        }
      result->psnr = s.best.psnr;
    }
  g_array_unref (s.scored);
  if (s.error != NULL)
    {
      g_propagate_error (error, s.error);
      return FALSE;
    }
  if (s.stopped)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_CANCELLED, _("Cancelled"));
      return FALSE;
    }
  if (!isfinite (result->psnr))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "no point gave a finite PSNR (the model cannot restore these data)");
      return FALSE;
    }
  return TRUE;
}

char *
ts_tune_describe (const TsTuneResult *result, const TsTuneSet *set, const char *folder,
                  const TsTuneOptions *options)
{
  g_return_val_if_fail (result != NULL && set != NULL, NULL);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *date = g_date_time_format (now, "%Y-%m-%d");
  g_autofree char *base = folder != NULL ? g_strdup (folder) : g_strdup ("items given");
  return g_strdup_printf ("tuned on %s (%u %s), mean PSNR %.3f dB (start %.3f dB), %d "
                          "evaluations of at most %d iterations, %s",
                          base, set->items->len, set->task == TS_TASK_MRI ? "slices" : "images",
                          result->psnr, result->start_psnr, result->evaluations,
                          options != NULL ? options->max_iter : 0, date);
}
