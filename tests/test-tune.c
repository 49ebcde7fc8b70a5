/* Tuning beta and lambda (ts-tune.h) on tiny synthetic validation sets made here: the search
 * never ends below its start, keeps to its budget, reports progress, stops on cancellation
 * with the best so far, and its result written as a preset loads back; the folder reader's
 * simulation and errors. */
#include <math.h>
#include <string.h>

#include "tessera.h"
#include "test-model-util.h"
#include "test-util.h"

#define SIDE 48

static TsImage *
picture (int w, int h, guint64 seed)
{
  TsImage *image = ts_image_new (w, h, 1, NULL);
  g_autofree float *data = ts_test_picture (w, h, 0.0, seed);
  memcpy (image->data, data, sizeof (float) * w * h);
  return image;
}

/* Two 48 x 48 pictures, degraded by the SR protocol. */
static TsTuneSet *
sr_set (void)
{
  TsTuneSet *set = ts_tune_set_new (TS_TASK_SR);
  for (int i = 0; i < 2; i++)
    {
      g_autoptr (TsImage) clean = picture (SIDE, SIDE, 7 + i);
      g_autoptr (GError) error = NULL;
      TsImage *truth = NULL;
      TsImage *lowres = ts_simulate_sr (clean, &truth, &error);
      g_assert_no_error (error);
      ts_noise_add_gaussian (lowres, TS_TUNE_SR_NOISE, 3 + i);
      g_autofree char *name = g_strdup_printf ("img%d", i);
      ts_tune_set_add (set, name, lowres, truth);
    }
  return set;
}

typedef struct {
  int items, evaluations;
  double last_best;
  gboolean monotone;
  int stop_after;              /* > 0: FALSE at this evaluation */
} Seen;

static gboolean
on_progress (const TsTuneProgress *p, gpointer user_data)
{
  Seen *seen = user_data;
  if (p->event == TS_TUNE_ITEM)
    {
      seen->items++;
      g_assert_cmpint (p->n_items, ==, 2);
      return TRUE;
    }
  seen->evaluations++;
  g_assert_cmpint (p->evaluation, ==, seen->evaluations);
  g_assert_true (p->best_psnr >= p->psnr);
  if (seen->evaluations > 1 && p->best_psnr < seen->last_best)
    seen->monotone = FALSE;
  seen->last_best = p->best_psnr;
  return seen->stop_after <= 0 || p->evaluation < seen->stop_after;
}

static void
test_sr_improves_and_writes (void)
{
  g_autoptr (TsModel) model = ts_model_new_dct (25);
  g_autoptr (TsTuneSet) set = sr_set ();
  g_autoptr (GError) error = NULL;
  TsTuneOptions options;
  TsTuneResult result;
  Seen seen = { .monotone = TRUE };

  ts_tune_options_init (&options);
  options.max_evaluations = 8;
  options.max_iter = 15;
  g_assert_true (ts_tune (model, set, NULL, &options, on_progress, &seen, NULL, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (result.preset, ==, "sr-x4");
  /* The DCT model has neither a preset nor the paper's values: its own. */
  g_assert_cmpint (result.start_from, ==, TS_PARAM_FROM_MODEL);
  g_assert_cmpfloat (result.start_beta, ==, model->beta);
  g_assert_cmpint (result.evaluations, <=, 8);
  g_assert_cmpint (result.evaluations, ==, seen.evaluations);
  g_assert_cmpint (seen.items, ==, 2 * seen.evaluations);
  g_assert_true (seen.monotone);
  g_assert_true (isfinite (result.psnr) && isfinite (result.start_psnr));
  g_assert_cmpfloat (result.psnr, >=, result.start_psnr);
  g_test_message ("start %.4f dB -> %.4f dB at beta %g, lambda %g", result.start_psnr,
                  result.psnr, result.beta, result.lambda);

  /* Restoring with the result gives the score it reported (the search's own objective). */
  double sum = 0.0;
  for (guint i = 0; i < set->items->len; i++)
    {
      const TsTuneItem *item = g_ptr_array_index (set->items, i);
      TsRestoreRequest request;
      ts_restore_request_init (&request);
      request.task = TS_TASK_SR;
      request.model = model;
      request.image = item->lowres;
      request.beta = result.beta;
      request.lambda = result.lambda;
      request.max_iter = options.max_iter;
      g_autoptr (TsRestoreResult) r = ts_restore (&request, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      sum += ts_psnr (r->image, item->truth, 0);
    }
  g_assert_cmpfloat_with_epsilon (sum / set->items->len, result.psnr, 1e-9);

  /* Written as the task's preset, the model loads with it and sr uses it. */
  g_autofree char *note = ts_tune_describe (&result, set, "synthetic", &options);
  g_assert_nonnull (strstr (note, "tuned on synthetic (2 images)"));
  g_assert_true (ts_model_set_preset (model, result.preset, result.beta, result.lambda, NAN, 0,
                                      note, &error));
  g_autofree char *path = ts_test_tmp_path ("tuned.tsm");
  g_assert_true (ts_model_save (model, path, &error));
  g_autoptr (TsModel) loaded = ts_model_load (path, &error);
  g_assert_no_error (error);
  const TsPreset *preset = ts_model_get_preset (loaded, "sr-x4");
  g_assert_nonnull (preset);
  g_assert_cmpfloat (preset->beta, ==, result.beta);
  g_assert_cmpstr (preset->note, ==, note);

  /* Tuning again starts from the preset, and never ends below it. */
  TsTuneResult again;
  options.max_evaluations = 3;
  g_assert_true (ts_tune (loaded, set, NULL, &options, NULL, NULL, NULL, &again, &error));
  g_assert_cmpint (again.start_from, ==, TS_PARAM_FROM_PRESET);
  g_assert_cmpfloat (again.start_beta, ==, result.beta);
  g_assert_cmpfloat_with_epsilon (again.start_psnr, result.psnr, 1e-9);
  g_assert_cmpfloat (again.psnr, >=, again.start_psnr);
}

/* A budget of one scores the start only; cancellation keeps the best so far. */
static void
test_budget_and_cancel (void)
{
  g_autoptr (TsModel) model = ts_model_new_dct (25);
  g_autoptr (TsTuneSet) set = sr_set ();
  g_autoptr (GError) error = NULL;
  TsTuneOptions options;
  TsTuneResult result;
  Seen seen = { .monotone = TRUE, .stop_after = 2 };

  ts_tune_options_init (&options);
  options.max_evaluations = 1;
  options.max_iter = 5;
  options.beta = 0.01;
  options.lambda = 0.002;
  g_assert_true (ts_tune (model, set, "my-sr", &options, NULL, NULL, NULL, &result, &error));
  g_assert_cmpint (result.evaluations, ==, 1);
  g_assert_cmpstr (result.preset, ==, "my-sr");
  g_assert_cmpint (result.start_from, ==, TS_PARAM_FROM_REQUEST);
  g_assert_cmpfloat (result.beta, ==, 0.01);
  g_assert_cmpfloat (result.lambda, ==, 0.002);
  g_assert_cmpfloat (result.psnr, ==, result.start_psnr);

  options.max_evaluations = 10;
  g_assert_false (ts_tune (model, set, NULL, &options, on_progress, &seen, NULL, &result, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpint (result.evaluations, ==, 2);
  g_assert_true (isfinite (result.psnr) && result.psnr >= result.start_psnr);

  gint cancel = 1;
  g_assert_false (ts_tune (model, set, NULL, &options, NULL, NULL, &cancel, &result, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpint (result.evaluations, ==, 0);

  /* Bad requests. */
  g_assert_false (ts_tune (model, set, "mri-acc8-pd", &options, NULL, NULL, NULL, &result, &error));
  g_assert_nonnull (strstr (error->message, "is for MRI, not super-resolution"));
  g_clear_error (&error);
  g_assert_false (ts_tune (model, set, "Bad", &options, NULL, NULL, NULL, &result, &error));
  g_assert_nonnull (strstr (error->message, "invalid preset name"));
  g_clear_error (&error);
  options.max_iter = 0;
  g_assert_false (ts_tune (model, set, NULL, &options, NULL, NULL, NULL, &result, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
}

/* MRI: the set's acceleration and contrast choose the preset; a simulated slice tunes. */
static void
test_mri (void)
{
  g_autoptr (TsModel) model = ts_model_new_dct (25);
  g_autoptr (TsTuneSet) set = ts_tune_set_new (TS_TASK_MRI);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsImage) clean = picture (SIDE, SIDE, 11);
  TsImage *truth = NULL;
  TsKspace *kspace = ts_simulate_mri (clean, model, 4, 5, &truth, &error);
  TsTuneOptions options;
  TsTuneResult result;

  g_assert_no_error (error);
  ts_tune_set_add (set, "slice", kspace, truth);
  set->acceleration = 16;
  set->fat_suppressed = TRUE;
  ts_tune_options_init (&options);
  options.max_evaluations = 4;
  options.max_iter = 10;
  g_assert_true (ts_tune (model, set, NULL, &options, NULL, NULL, NULL, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (result.preset, ==, "mri-acc16-pdfs");
  g_assert_cmpfloat (result.psnr, >=, result.start_psnr);
}

/* The folder reader: images sorted by name, simulated as eval does, --limit; errors. */
static void
test_set_load (void)
{
  g_autofree char *dir = ts_test_tmp_path ("val");
  g_autofree char *empty = ts_test_tmp_path ("empty");
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (empty, 0755), ==, 0);
  for (int i = 0; i < 3; i++)
    {
      g_autoptr (TsImage) image = picture (SIDE, SIDE + 8, 20 + i);
      g_autofree char *name = g_strdup_printf ("%c.png", "bca"[i]);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_assert_true (ts_image_save (image, path, 16, &error));
      g_assert_no_error (error);
    }
  g_autofree char *text = g_build_filename (dir, "notes.txt", NULL);
  g_assert_true (g_file_set_contents (text, "not an image", -1, NULL));

  g_autoptr (TsTuneSet) set = ts_tune_set_load (TS_TASK_SR, dir, 2, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (set->items->len, ==, 2);
  const TsTuneItem *first = g_ptr_array_index (set->items, 0);
  g_assert_cmpstr (first->name, ==, "a.png");
  g_assert_cmpint (first->lowres->width, ==, 9);
  g_assert_cmpint (first->truth->width, ==, 48);
  g_assert_null (first->kspace);

  g_assert_null (ts_tune_set_load (TS_TASK_SR, empty, 0, 0, &error));
  g_assert_nonnull (strstr (error->message, "nothing to tune on"));
  g_clear_error (&error);
  g_assert_null (ts_tune_set_load (TS_TASK_MRI, dir, 0, 0, &error));
  g_assert_nonnull (strstr (error->message, "no slice folders"));
  g_clear_error (&error);
  g_autofree char *missing = ts_test_tmp_path ("missing");
  g_assert_null (ts_tune_set_load (TS_TASK_SR, missing, 0, 0, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_IO);
}

/* The shared validation slices, when present: the reader takes the acceleration and the
 * contrast from them (no solving: the machine is shared). */
static void
test_shared_val (void)
{
  const char *shared = ts_test_shared_dir ();
  if (shared == NULL)
    {
      g_test_skip ("no shared data ($TESSERA_SHARED_DIR)");
      return;
    }
  g_autofree char *dir = g_build_filename (shared, "data", "mri", "acc16", "pdfs", "val", NULL);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("no data/mri/acc16/pdfs/val");
      return;
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (TsTuneSet) set = ts_tune_set_load (TS_TASK_MRI, dir, 2, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (set->items->len, ==, 2);
  g_assert_cmpint (set->acceleration, ==, 16);
  g_assert_true (set->fat_suppressed);
  g_assert_cmpstr (ts_task_preset_name (set->task, set->acceleration, set->fat_suppressed), ==,
                   "mri-acc16-pdfs");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tune/sr-improves-and-writes", test_sr_improves_and_writes);
  g_test_add_func ("/tune/budget-and-cancel", test_budget_and_cancel);
  g_test_add_func ("/tune/mri", test_mri);
  g_test_add_func ("/tune/set-load", test_set_load);
  g_test_add_func ("/tune/shared-val", test_shared_val);
  return g_test_run ();
}
