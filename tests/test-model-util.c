#include "test-model-util.h"
#include <math.h>

double
ts_test_uniform (guint64 *state)
{
  *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double) (*state >> 11) / 9007199254740992.0;
}

double
ts_test_normal (guint64 *state)
{
  double u = ts_test_uniform (state), v = ts_test_uniform (state);
  return sqrt (-2.0 * log (u + 1e-300)) * cos (2.0 * G_PI * v);
}

TsModel *
ts_test_random_model (TsProxType type, int groupsize, guint64 seed)
{
  TsModel *model = ts_model_new (200, 120, 13);
  guint64 state = seed;
  for (int i = 0; i < 200 * 169; i++)
    model->atoms[i] = (float) ts_test_normal (&state);
  for (int i = 0; i < 120 * 169; i++)
    model->free_atoms[i] = (float) ts_test_normal (&state);
  for (int i = 0; i < 200; i++)
    model->lambda_scaling[i] = (float) (0.3 * ts_test_normal (&state));
  model->prox_type = type;
  model->groupsize = groupsize;
  model->order = 1.8;
  model->beta = 1.5;
  model->lambda = type == TS_PROX_NCPR ? 0.0125 : 0.002;
  model->sigma = 25;
  return model;
}

float *
ts_test_picture (int width, int height, double sigma, guint64 seed)
{
  float *x = g_new (float, (gsize) width * height);
  guint64 state = seed;
  for (int r = 0; r < height; r++)
    for (int c = 0; c < width; c++)
      {
        double v = 0.5 + 0.3 * sin (0.2 * c) * cos (0.15 * r) + (c > width / 2 ? 0.2 : -0.1);
        x[r * width + c] = (float) (v + sigma * ts_test_normal (&state));
      }
  return x;
}

TsSolution *
ts_test_solve (const TsModel *model, const TsOperator *op, const float *data,
               const TsSolveOptions *options, const TsSolution *warm, TsProgressFunc progress,
               gpointer user_data, const gint *cancel, TsSolveStats *stats, GError **error)
{
  TsSolveOptions defaults;
  if (options == NULL)
    {
      ts_solve_options_init (&defaults);
      options = &defaults;
    }
  ts_blas_set_threads (ts_solve_blas_threads (options));
  g_autoptr (TsRegulariser) prox = ts_regulariser_new (model, op, options->beta, options->lambda,
                                                       error);
  if (prox == NULL)
    return NULL;
  return ts_solve (op, prox, data, options, warm, progress, user_data, cancel, stats, error);
}
