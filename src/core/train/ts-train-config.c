/* Training configuration defaults and checks, and the resumable training state. */
#include "ts-train-config.h"
#include <math.h>
#include <string.h>

/* The configurations the four reference models were trained with (their config.json in
 * reference/models/<name>/): lambda_init, order and groupsize are model parameters the
 * shipped weights use at inference, so a model trained for the same prox type and noise
 * level starts from the same values; beta_init and lr_decay are taken from the same files. */
typedef struct {
  TsProxType prox_type;
  double sigma;
  double lambda, order, beta_init, lr_decay;
  int groupsize;
} ReferenceConfig;

static const ReferenceConfig reference_configs[] = {
  { TS_PROX_NCPR, 25.0, 0.0125, 1.8, 2.0, 0.9, 1 },   /* sigma25-ncpr */
  { TS_PROX_NCPR, 5.0, 0.003, 2.0, 1.0, 0.9, 1 },     /* sigma5-ncpr */
  { TS_PROX_CPR, 25.0, 0.002, 1.8, 2.0, 0.75, 2 },    /* sigma25-cpr */
  { TS_PROX_CPR, 5.0, 0.002, 1.8, 0.5, 0.75, 2 },     /* sigma5-cpr */
};

void
ts_train_config_init (TsTrainConfig *config, TsProxType prox_type, double sigma)
{
  g_return_if_fail (config != NULL);
  memset (config, 0, sizeof *config);
  config->sigma = sigma;
  config->prox_type = prox_type;

  /* MODEL.md "Training" for any other noise level: lambda scaled with the noise level
   * from the sigma-25 NCPR value (lambda_scaling, learned, adapts it per atom), beta 0.5,
   * learning-rate decay 0.9 (NCPR) / 0.75 (CPR, as both reference CPR models). CPR keeps
   * the reference CPR models' lambda 0.002 (used at both sigma 5 and 25) and group size 2. */
  config->groupsize = prox_type == TS_PROX_CPR ? 2 : 1;
  config->order = 1.8;
  config->lambda = prox_type == TS_PROX_CPR ? 0.002 : 0.0125 * sigma / 25.0;
  config->beta_init = 0.5;
  config->lr_decay = prox_type == TS_PROX_CPR ? 0.75 : 0.9;
  for (gsize i = 0; i < G_N_ELEMENTS (reference_configs); i++)
    {
      const ReferenceConfig *r = &reference_configs[i];
      if (r->prox_type == prox_type && r->sigma == sigma)
        {
          config->lambda = r->lambda;
          config->order = r->order;
          config->beta_init = r->beta_init;
          config->lr_decay = r->lr_decay;
          config->groupsize = r->groupsize;
        }
    }

  config->n_atoms = 200;
  config->n_free = 120;
  config->atom_size = 13;
  config->init_scale = 1.0 / 3000.0;
  config->crop = 40;
  config->batch = 16;
  config->steps = 0;              /* derived by the trainer: two epochs */
  config->steps_per_epoch = 0;    /* derived by the trainer from the data */
  config->decays_per_epoch = 10;
  config->lr_atoms = 2e-4;
  config->lr_hyper = 1e-3;
  config->seed = 1;
  config->colour_form = TS_COLOUR_FORM_PLANES;
  config->chroma_weight_init = 1.0;
  config->tol = 1e-4;
  config->max_iter = 10000;
  config->adjoint_tol = 1e-6;
  config->adjoint_max_iter = 20;   /* the adjoint stagnates near 2e-3 on NCPR; see docs/training.md */
  config->threads = 2;
}

static gboolean
bad_int (GError **error, const char *field, int value, const char *range)
{
  g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
               "training configuration: %s = %d is out of range (%s)", field, value, range);
  return FALSE;
}

static gboolean
bad_double (GError **error, const char *field, double value, const char *range)
{
  g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
               "training configuration: %s = %g is out of range (%s)", field, value, range);
  return FALSE;
}

gboolean
ts_train_config_validate (const TsTrainConfig *config, GError **error)
{
  g_return_val_if_fail (config != NULL, FALSE);
  const TsTrainConfig *c = config;

  if (!(c->sigma > 0.0 && c->sigma <= 255.0))
    return bad_double (error, "sigma", c->sigma, "must be in (0, 255]");
  if (c->prox_type != TS_PROX_CPR && c->prox_type != TS_PROX_NCPR)
    return bad_int (error, "prox_type", (int) c->prox_type, "must be cpr or ncpr");
  if (c->prox_type == TS_PROX_CPR && c->groupsize != 1 && c->groupsize != 2)
    return bad_int (error, "groupsize", c->groupsize, "must be 1 or 2 for cpr");
  if (c->prox_type == TS_PROX_NCPR && c->groupsize != 1)
    return bad_int (error, "groupsize", c->groupsize, "must be 1 for ncpr");
  if (!(c->order > 0.0 && c->order <= 8.0))
    return bad_double (error, "order", c->order, "must be in (0, 8]");
  if (!(c->lambda > 0.0 && c->lambda <= 1e3))
    return bad_double (error, "lambda", c->lambda, "must be in (0, 1000]");
  if (c->atom_size < 3 || c->atom_size > 31 || c->atom_size % 2 == 0)
    return bad_int (error, "atom_size", c->atom_size, "must be odd, 3 to 31");
  if (c->n_atoms < 1 || c->n_atoms > 4096)
    return bad_int (error, "n_atoms", c->n_atoms, "must be 1 to 4096");
  if (c->n_free < 0 || c->n_free + 1 >= c->atom_size * c->atom_size)
    {
      g_autofree char *range = g_strdup_printf ("must be 0 to %d for atom_size %d, leaving a "
                                                "penalised subspace",
                                                c->atom_size * c->atom_size - 2, c->atom_size);
      return bad_int (error, "n_free", c->n_free, range);
    }
  if (!(c->beta_init >= 0.0 && c->beta_init <= 1e3))
    return bad_double (error, "beta_init", c->beta_init, "must be in [0, 1000]");
  if (!(c->init_scale > 0.0 && c->init_scale <= 1.0))
    return bad_double (error, "init_scale", c->init_scale, "must be in (0, 1]");
  if (c->crop < c->atom_size || c->crop > 4096)
    {
      g_autofree char *range = g_strdup_printf ("must be %d (atom_size) to 4096", c->atom_size);
      return bad_int (error, "crop", c->crop, range);
    }
  if (c->prox_type == TS_PROX_CPR && c->crop % c->groupsize != 0)
    return bad_int (error, "crop", c->crop, "must be even for groupsize 2");
  if (c->batch < 1 || c->batch > 4096)
    return bad_int (error, "batch", c->batch, "must be 1 to 4096");
  if (c->steps < 0)
    return bad_int (error, "steps", c->steps, "must be 0 (derive) or more");
  if (c->steps_per_epoch < 0)
    return bad_int (error, "steps_per_epoch", c->steps_per_epoch, "must be 0 (derive) or more");
  if (c->decays_per_epoch < 0 || c->decays_per_epoch > 1000000)
    return bad_int (error, "decays_per_epoch", c->decays_per_epoch, "must be 0 to 1000000");
  if (!(c->lr_atoms > 0.0 && c->lr_atoms <= 1.0))
    return bad_double (error, "lr_atoms", c->lr_atoms, "must be in (0, 1]");
  if (!(c->lr_hyper > 0.0 && c->lr_hyper <= 1.0))
    return bad_double (error, "lr_hyper", c->lr_hyper, "must be in (0, 1]");
  if (!(c->lr_decay > 0.0 && c->lr_decay <= 1.0))
    return bad_double (error, "lr_decay", c->lr_decay, "must be in (0, 1]");
  if (!(c->tol >= 0.0 && c->tol < 1.0))
    return bad_double (error, "tol", c->tol, "must be in [0, 1)");
  if (c->iterations < 0 || c->iterations > 1000)
    return bad_int (error, "iterations", c->iterations, "must be 0 (fixed point) to 1000");
  if (c->exact_image_step && c->iterations == 0)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "training configuration: the exact image step needs an iteration budget (it "
                   "has the reference iteration's fixed points)");
      return FALSE;
    }
  if (c->colour_form != TS_COLOUR_FORM_PLANES && c->colour_form != TS_COLOUR_FORM_JOINT)
    return bad_int (error, "colour_form", (int) c->colour_form, "must be planes or joint");
  if (!(c->chroma_weight_init >= TS_CHROMA_WEIGHT_MIN && c->chroma_weight_init <= TS_CHROMA_WEIGHT_MAX))
    return bad_double (error, "chroma_weight", c->chroma_weight_init, "must be in [0.001, 1000]");
  if (c->colour_form == TS_COLOUR_FORM_JOINT && (c->iterations > 0 || c->exact_image_step))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "training configuration: the joint colour form trains at the fixed point "
                   "(no iteration budget)");
      return FALSE;
    }
  if (c->colour_form == TS_COLOUR_FORM_JOINT && c->prox_type == TS_PROX_CPR && c->groupsize != 1)
    return bad_int (error, "groupsize", c->groupsize,
                    "must be 1 in the joint colour form (the group is the three planes)");
  if (c->max_iter < 1 || c->max_iter > 1000000)
    return bad_int (error, "max_iter", c->max_iter, "must be 1 to 1000000");
  if (!(c->adjoint_tol >= 0.0 && c->adjoint_tol < 1.0))
    return bad_double (error, "adjoint_tol", c->adjoint_tol, "must be in [0, 1)");
  if (c->adjoint_max_iter < 1 || c->adjoint_max_iter > 100000)
    return bad_int (error, "adjoint_max_iter", c->adjoint_max_iter, "must be 1 to 100000");
  if (c->threads < 0 || c->threads > 256)
    return bad_int (error, "threads", c->threads, "must be 0 (default) to 256");
  return TRUE;
}

gsize
ts_train_state_param_count (const TsTrainConfig *config)
{
  g_return_val_if_fail (config != NULL, 0);
  gsize s = (gsize) config->atom_size * config->atom_size;
  /* atoms, free atoms, lambda scalings, beta, with the exact image step the step scale, in
   * the joint colour form the chroma weight's log */
  return (gsize) config->n_atoms * s + (gsize) config->n_free * s + (gsize) config->n_atoms + 1
         + (config->exact_image_step ? 1 : 0)
         + (config->colour_form == TS_COLOUR_FORM_JOINT ? 1 : 0);
}

TsTrainState *
ts_train_state_new (const TsTrainConfig *config, const TsModel *model)
{
  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (model == NULL || (model->n_atoms == config->n_atoms
                                          && model->n_free == config->n_free
                                          && model->atom_size == config->atom_size), NULL);
  TsTrainState *state = g_new0 (TsTrainState, 1);
  state->config = *config;
  if (model != NULL)
    state->model = ts_model_copy (model);
  else
    {
      /* Zero parameters with the configuration's scalars: the caller fills them in. */
      state->model = ts_model_new (config->n_atoms, config->n_free, config->atom_size);
      state->model->prox_type = config->prox_type;
      state->model->groupsize = config->groupsize;
      state->model->order = config->order;
      state->model->lambda = config->lambda;
      state->model->sigma = config->sigma;
      state->model->tol = config->tol;
      state->model->iterations = config->iterations;
      state->model->exact_image_step = config->exact_image_step;
      state->model->colour_form = config->colour_form;
      state->model->chroma_weight = config->chroma_weight_init;
      state->model->beta = config->beta_init;
    }
  state->step = 0;
  memset (state->rng, 0, sizeof state->rng);
  state->n_params = ts_train_state_param_count (config);
  state->adam_m = g_new0 (double, state->n_params);
  state->adam_v = g_new0 (double, state->n_params);
  state->data_fingerprint = 0;
  state->last_val_psnr = NAN;
  state->elapsed_seconds = 0.0;
  return state;
}

void
ts_train_state_free (TsTrainState *state)
{
  if (state == NULL)
    return;
  ts_model_free (state->model);
  g_free (state->adam_m);
  g_free (state->adam_v);
  g_free (state);
}
