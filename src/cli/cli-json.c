/* JSON output of tessera-cli: statistics files and `eval --json`. */
#include "cli-common.h"
#include "ts-blas.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>

void
cli_json_add_double (JsonBuilder *builder, const char *name, double value)
{
  json_builder_set_member_name (builder, name);
  if (isfinite (value))
    json_builder_add_double_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

char *
cli_json_to_string (JsonNode *root, gboolean pretty)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();

  json_generator_set_pretty (generator, pretty);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

gboolean
cli_json_write_file (const char *path, JsonNode *root, GError **error)
{
  g_autofree char *text = cli_json_to_string (root, TRUE);
  TsAtomicFile *file = ts_atomic_file_open (path, error);
  FILE *stream;

  if (file == NULL)
    return FALSE;
  stream = ts_atomic_file_stream (file);
  if (fputs (text, stream) == EOF || fputc ('\n', stream) == EOF)
    {
      int saved = errno;
      ts_atomic_file_abort (file);
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: could not write: %s", path,
                   g_strerror (saved));
      return FALSE;
    }
  return ts_atomic_file_commit (file, error);
}

void
cli_json_add_summary (JsonBuilder *builder, const TsRestoreStats *summary)
{
  json_builder_set_member_name (builder, "iterations");
  json_builder_add_int_value (builder, summary->iterations);
  cli_json_add_double (builder, "solve_seconds", summary->seconds);
  cli_json_add_double (builder, "final_change", summary->final_change);
  json_builder_set_member_name (builder, "converged");
  json_builder_add_boolean_value (builder, summary->converged);
  if (summary->gemm_seconds > 0.0)
    {
      cli_json_add_double (builder, "gemm_gflops", summary->gemm_gflop / summary->gemm_seconds);
      cli_json_add_double (builder, "gemm_share", summary->gemm_seconds / summary->seconds);
    }
  json_builder_set_member_name (builder, "blas_kernel");
  json_builder_add_string_value (builder, ts_blas_kernel_name ());
  if (summary->n_solves > 1)
    {
      json_builder_set_member_name (builder, "total_iterations");
      json_builder_add_int_value (builder, summary->total_iterations);
      json_builder_set_member_name (builder, "channels_solved");
      json_builder_begin_array (builder);
      for (int i = 0; i < MIN (summary->n_solves, (int) G_N_ELEMENTS (summary->per_channel)); i++)
        {
          const TsSolveStats *s = &summary->per_channel[i];
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "iterations");
          json_builder_add_int_value (builder, s->iterations);
          cli_json_add_double (builder, "solve_seconds", s->seconds);
          cli_json_add_double (builder, "final_change", s->final_change);
          json_builder_set_member_name (builder, "converged");
          json_builder_add_boolean_value (builder, s->converged);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
    }
}

void
cli_json_add_options (JsonBuilder *builder, const TsModel *model, const TsSolveOptions *options,
                      CliTask task)
{
  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, model->name != NULL ? model->name : "");
  json_builder_set_member_name (builder, "prox");
  json_builder_add_string_value (builder, ts_prox_type_name (model->prox_type));
  cli_json_add_double (builder, "beta", isnan (options->beta) ? model->beta : options->beta);
  cli_json_add_double (builder, "lambda",
                       isnan (options->lambda) ? model->lambda : options->lambda);
  cli_json_add_double (builder, "tol", options->tol);
  json_builder_set_member_name (builder, "max_iter");
  json_builder_add_int_value (builder, options->max_iter);
  json_builder_set_member_name (builder, "variant");
  json_builder_add_string_value (builder, ts_restore_variant_name ((TsTask) task));
}

void
cli_json_add_noise (JsonBuilder *builder, const TsRestoreNoise *noise)
{
  static const char *const opponent[] = { "Y", "O1", "O2" };

  json_builder_set_member_name (builder, "noise");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, ts_noise_model_name (noise->model));
  json_builder_set_member_name (builder, "requested");
  json_builder_add_string_value (builder, ts_noise_model_name (noise->requested));
  json_builder_set_member_name (builder, "estimated");
  json_builder_add_boolean_value (builder, noise->estimated);
  cli_json_add_double (builder, "sigma", noise->sigma);
  cli_json_add_double (builder, "strength", noise->strength);
  cli_json_add_double (builder, "chroma_strength", noise->chroma_strength);
  if (noise->estimated)
    {
      json_builder_set_member_name (builder, "blind");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "kind");
      json_builder_add_string_value (builder, ts_noise_kind_name (noise->level.kind));
      cli_json_add_double (builder, "estimate", noise->sigma_estimate);
      json_builder_set_member_name (builder, "planes");
      json_builder_begin_array (builder);
      for (int p = 0; p < noise->level.n_planes; p++)
        {
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "plane");
          json_builder_add_string_value (builder, noise->level.n_planes == 1 ? "gray" : opponent[p]);
          cli_json_add_double (builder, "white", 255.0 * noise->level.white[p]);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  if (noise->has_reading && noise->pg.n_channels > 0)
    {
      const TsNoiseModelEstimate *pg = &noise->pg;
      json_builder_set_member_name (builder, "poisson_gaussian");
      json_builder_begin_object (builder);
      cli_json_add_double (builder, "spread", pg->spread);
      json_builder_set_member_name (builder, "channels");
      json_builder_begin_array (builder);
      for (int c = 0; c < pg->n_channels; c++)
        {
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "channel");
          json_builder_add_string_value (builder, pg->n_channels == 1 ? "gray"
                                                  : (const char *[]) { "R", "G", "B" }[c]);
          /* What the transform used (a floor under a variance that reaches 0), else the
           * reading. */
          const TsPoissonGaussian *used = noise->model == TS_NOISE_MODEL_POISSON_GAUSSIAN
                                          ? &noise->channel[c] : &pg->channel[c];
          cli_json_add_double (builder, "a", used->a);
          cli_json_add_double (builder, "b", used->b);
          cli_json_add_double (builder, "a_error", pg->a_error[c]);
          cli_json_add_double (builder, "y_low", pg->y_low[c]);
          cli_json_add_double (builder, "y_high", pg->y_high[c]);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_set_member_name (builder, "planes");
  json_builder_begin_array (builder);
  for (int p = 0; p < noise->n_planes; p++)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "plane");
      json_builder_add_string_value (builder, ts_restore_noise_plane_name (noise, p));
      cli_json_add_double (builder, "sigma", noise->plane_sigma[p]);
      cli_json_add_double (builder, "lambda", noise->plane_lambda[p]);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  if (noise->note != NULL)
    {
      json_builder_set_member_name (builder, "note");
      json_builder_add_string_value (builder, noise->note);
    }
  json_builder_end_object (builder);
}

void
cli_json_add_params (JsonBuilder *builder, const TsTaskParams *params)
{
  json_builder_set_member_name (builder, "preset");
  json_builder_add_string_value (builder, params->preset[0] != '\0' ? params->preset : "none");
  json_builder_set_member_name (builder, "beta_from");
  json_builder_add_string_value (builder, ts_param_source_name (params->beta_from));
  json_builder_set_member_name (builder, "lambda_from");
  json_builder_add_string_value (builder, ts_param_source_name (params->lambda_from));
}

char *
cli_describe_params (const TsModel *model, const TsTaskParams *params)
{
  g_autoptr (GString) out = g_string_new (NULL);
  double beta = isnan (params->beta) ? model->beta : params->beta;
  double lambda = isnan (params->lambda) ? model->lambda : params->lambda;
  TsParamSource rest = params->beta_from == TS_PARAM_FROM_REQUEST ? params->lambda_from
                                                                  : params->beta_from;

  if (params->preset[0] != '\0')
    g_string_append_printf (out, "preset %s of %s", params->preset, model->name);
  else if (params->preset_missing)
    g_string_append_printf (out, "no preset (%s has no %s)", model->name, params->task_preset);
  else
    g_string_append (out, "no preset");
  if (params->beta_from == TS_PARAM_FROM_REQUEST && params->lambda_from == TS_PARAM_FROM_REQUEST)
    g_string_append (out, ": beta and lambda as given");
  else if (rest == TS_PARAM_FROM_PAPER)
    g_string_append (out, ": the paper's values");
  else if (rest == TS_PARAM_FROM_MODEL)
    g_string_append (out, ": the model's own values");
  g_string_append_printf (out, " (beta %g%s, lambda %g%s)", beta,
                          params->beta_from == TS_PARAM_FROM_REQUEST ? " given" : "", lambda,
                          params->lambda_from == TS_PARAM_FROM_REQUEST ? " given" : "");
  return g_string_free (g_steal_pointer (&out), FALSE);
}
