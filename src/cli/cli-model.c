/* tessera-cli model import | info */
#include "cli-common.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void
print_model_usage (FILE *stream)
{
  fprintf (stream,
           "Usage:\n"
           "  %s model import REF_DIR -o MODEL.tsm   Convert a reference model folder\n"
           "  %s model info MODEL [--atoms]          Describe a model (--atoms: its localisation and atoms)\n"
           "\n"
           "'%s model SUBCOMMAND --help' lists the options of a subcommand.\n",
           CLI_PROGRAM, CLI_PROGRAM, CLI_PROGRAM);
}

static int
model_import (int argc, char **argv)
{
  g_autofree char *output = NULL;
  g_autofree char *name = NULL;
  g_autofree char *provenance = NULL;
  g_auto (GStrv) positional = NULL;
  g_autoptr (TsModel) model = NULL;
  g_autofree char *out_dir = NULL;
  GError *error = NULL;
  int code = 0;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Model file to write (.tsm)", "MODEL.tsm" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, "Name stored in the model (default: the folder's)", "NAME" },
    { "provenance", 0, 0, G_OPTION_ARG_STRING, &provenance, "Provenance text stored in the model", "TEXT" },
    G_OPTION_ENTRY_NULL
  };

  if (!cli_parse_options ("model import", "REF_DIR -o MODEL.tsm",
                          "Converts a reference model folder (atoms.npy, free_atoms.npy, beta.npy,\n"
                          "lambda_scaling.npy, config.json) to a Tessera model file.",
                          NULL, entries, argc, argv, &positional, &code))
    return code;
  if (g_strv_length (positional) != 1)
    return cli_usage_error ("model import", "expected one REF_DIR, got %u arguments",
                            g_strv_length (positional));
  if (output == NULL)
    return cli_usage_error ("model import", "missing -o MODEL.tsm");
  out_dir = g_path_get_dirname (output);
  if (!g_file_test (out_dir, G_FILE_TEST_IS_DIR))
    return cli_error ("%s: output folder %s does not exist", output, out_dir);

  model = ts_model_import_reference (positional[0], &error);
  if (model == NULL)
    return cli_report_error (error);
  if (name != NULL)
    {
      g_free (model->name);
      model->name = g_steal_pointer (&name);
    }
  if (provenance != NULL)
    {
      g_free (model->provenance);
      model->provenance = g_steal_pointer (&provenance);
    }
  if (!ts_model_validate (model, positional[0], &error) || !ts_model_save (model, output, &error))
    return cli_report_error (error);
  cli_note ("imported %s (%s, K = %d, M = %d, %dx%d atoms) to %s", model->name,
            ts_prox_type_name (model->prox_type), model->n_atoms, model->n_free,
            model->atom_size, model->atom_size, output);
  return CLI_EXIT_OK;
}

/* --atoms: the localisation figure and one line per atom, as the model uses them. */
static void
print_atoms_text (const TsModel *model, const TsAtomStats *stats)
{
  printf ("localisation: %.3f (median over the atoms of the energy in their best %d x %d window)\n",
          stats->median_localisation, TS_ATOM_WINDOW, TS_ATOM_WINDOW);
  printf ("%5s %12s %12s %9s %9s\n", "atom", "threshold", "localisation", "angle", "coherence");
  for (int k = 0; k < stats->n_atoms; k++)
    printf ("%5d %12.5g %12.4f %9.1f %9.3f\n", k, model->lambda * exp (model->lambda_scaling[k]),
            stats->localisation[k], stats->angle[k], stats->coherence[k]);
}

static void
print_info_text (const TsModel *model)
{
  printf ("name:        %s\n", model->name != NULL ? model->name : "");
  if (model->prox_type == TS_PROX_NCPR)
    printf ("prox:        ncpr (non-convex, order %g)\n", model->order);
  else
    printf ("prox:        cpr (convex l1, groupsize %d)\n", model->groupsize);
  printf ("groupsize:   %d\n", model->groupsize);
  printf ("order:       %g\n", model->order);
  printf ("lambda:      %g\n", model->lambda);
  printf ("beta:        %g%s\n", model->beta, model->beta < 0.0 ? " (used as 0)" : "");
  if (model->sigma > 0.0)
    printf ("sigma:       %g\n", model->sigma);
  else
    printf ("sigma:       none (not trained for one noise level)\n");
  printf ("tol:         %g\n", model->tol);
  printf ("atoms (K):   %d\n", model->n_atoms);
  printf ("free (M):    %d\n", model->n_free);
  printf ("atom size:   %d x %d\n", model->atom_size, model->atom_size);
  if (model->colour_form == TS_COLOUR_FORM_JOINT)
    printf ("colour form: joint (the opponent planes coded together, chroma weight %g)\n",
            model->chroma_weight);
  else
    printf ("colour form: planes (each opponent plane on its own)\n");
  printf ("provenance:  %s\n", model->provenance != NULL && model->provenance[0] != '\0'
                               ? model->provenance : "(none)");
  if (model->presets->len == 0)
    printf ("presets:     none (sr and mri use the paper's values for its sigma 25 models, else the model's)\n");
  for (guint i = 0; i < model->presets->len; i++)
    {
      const TsPreset *p = g_ptr_array_index (model->presets, i);
      printf ("%-13s%s: beta %g, lambda %g", i == 0 ? "presets:" : "", p->name, p->beta, p->lambda);
      if (!isnan (p->tol))
        printf (", tol %g", p->tol);
      if (p->max_iter > 0)
        printf (", max_iter %d", p->max_iter);
      printf ("%s%s\n", p->note[0] != '\0' ? "; " : "", p->note);
    }
}

static void
print_info_json (const TsModel *model, const TsAtomStats *stats)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, model->name != NULL ? model->name : "");
  json_builder_set_member_name (builder, "prox");
  json_builder_add_string_value (builder, ts_prox_type_name (model->prox_type));
  json_builder_set_member_name (builder, "groupsize");
  json_builder_add_int_value (builder, model->groupsize);
  cli_json_add_double (builder, "order", model->order);
  cli_json_add_double (builder, "lambda", model->lambda);
  cli_json_add_double (builder, "beta", model->beta);
  cli_json_add_double (builder, "sigma", model->sigma);
  cli_json_add_double (builder, "tol", model->tol);
  json_builder_set_member_name (builder, "n_atoms");
  json_builder_add_int_value (builder, model->n_atoms);
  json_builder_set_member_name (builder, "n_free");
  json_builder_add_int_value (builder, model->n_free);
  json_builder_set_member_name (builder, "atom_size");
  json_builder_add_int_value (builder, model->atom_size);
  json_builder_set_member_name (builder, "colour_form");
  json_builder_add_string_value (builder, ts_colour_form_name (model->colour_form));
  if (model->colour_form == TS_COLOUR_FORM_JOINT)
    cli_json_add_double (builder, "chroma_weight", model->chroma_weight);
  json_builder_set_member_name (builder, "provenance");
  json_builder_add_string_value (builder, model->provenance != NULL ? model->provenance : "");
  json_builder_set_member_name (builder, "presets");
  json_builder_begin_object (builder);
  for (guint i = 0; i < model->presets->len; i++)
    {
      const TsPreset *p = g_ptr_array_index (model->presets, i);
      json_builder_set_member_name (builder, p->name);
      json_builder_begin_object (builder);
      cli_json_add_double (builder, "beta", p->beta);
      cli_json_add_double (builder, "lambda", p->lambda);
      if (!isnan (p->tol))
        cli_json_add_double (builder, "tol", p->tol);
      if (p->max_iter > 0)
        {
          json_builder_set_member_name (builder, "max_iter");
          json_builder_add_int_value (builder, p->max_iter);
        }
      json_builder_set_member_name (builder, "note");
      json_builder_add_string_value (builder, p->note);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
  if (stats != NULL)
    {
      cli_json_add_double (builder, "localisation", stats->median_localisation);
      json_builder_set_member_name (builder, "atoms");
      json_builder_begin_array (builder);
      for (int k = 0; k < stats->n_atoms; k++)
        {
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "index");
          json_builder_add_int_value (builder, k);
          cli_json_add_double (builder, "threshold", model->lambda * exp (model->lambda_scaling[k]));
          cli_json_add_double (builder, "localisation", stats->localisation[k]);
          cli_json_add_double (builder, "angle", stats->angle[k]);
          cli_json_add_double (builder, "coherence", stats->coherence[k]);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = cli_json_to_string (root, TRUE);
  printf ("%s\n", text);
}

static int
model_info (int argc, char **argv)
{
  double sigma = NAN;
  gboolean as_json = FALSE, atoms = FALSE;
  g_auto (GStrv) positional = NULL;
  g_autoptr (TsAtomStats) stats = NULL;
  g_autoptr (TsModel) model = NULL;
  GError *error = NULL;
  int code = 0;
  const GOptionEntry entries[] = {
    { "sigma", 0, 0, G_OPTION_ARG_DOUBLE, &sigma, "Noise level for the 'dct' model (0-255)", "S" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, "Print one JSON object", NULL },
    { "atoms", 0, 0, G_OPTION_ARG_NONE, &atoms,
      "Also the localisation figure and each atom's threshold, localisation and orientation", NULL },
    G_OPTION_ENTRY_NULL
  };

  if (!cli_parse_options ("model info", "MODEL",
                          "Prints a model's name, prox type, group size / order, lambda, beta,\n"
                          "sigma, tolerance, sizes, colour form and provenance; with --atoms,\n"
                          "the atoms as the model uses them (without their smooth part and mean,\n"
                          "MODEL.md): the\n"
                          "localisation figure (the median over the atoms of the fraction of an\n"
                          "atom's energy inside its best 7 x 7 window) and, per atom, its\n"
                          "threshold, localisation and orientation (structure tensor: angle in\n"
                          "degrees anticlockwise from the horizontal, coherence 0-1).",
                          NULL, entries, argc, argv, &positional, &code))
    return code;
  if (g_strv_length (positional) != 1)
    return cli_usage_error ("model info", "expected one MODEL, got %u arguments",
                            g_strv_length (positional));
  if (!isnan (sigma) && !(sigma > 0.0 && sigma <= 255.0))
    return cli_usage_error ("model info", "--sigma must be in (0, 255]");
  if (g_strcmp0 (positional[0], "dct") == 0 && isnan (sigma))
    return cli_usage_error ("model info", "the 'dct' model needs --sigma");

  model = cli_load_model (positional[0], sigma, &error);
  if (model == NULL)
    return cli_report_error (error);
  if (atoms)
    {
      stats = ts_atom_stats_new (model, &error);
      if (stats == NULL)
        return cli_report_error (error);
    }
  /* The description is the command's output: --quiet does not hide it. */
  if (as_json)
    print_info_json (model, stats);
  else
    {
      print_info_text (model);
      if (stats != NULL)
        print_atoms_text (model, stats);
    }
  return CLI_EXIT_OK;
}

int
cli_cmd_model (int argc, char **argv)
{
  if (argc < 2)
    {
      fprintf (stderr, "%s: model: missing subcommand\n\n", CLI_PROGRAM);
      print_model_usage (stderr);
      return CLI_EXIT_USAGE;
    }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0
      || strcmp (argv[1], "help") == 0)
    {
      print_model_usage (stdout);
      return CLI_EXIT_OK;
    }
  if (strcmp (argv[1], "import") == 0)
    return model_import (argc - 1, argv + 1);
  if (strcmp (argv[1], "info") == 0)
    return model_info (argc - 1, argv + 1);
  return cli_usage_error ("model", "unknown subcommand '%s' (import or info)", argv[1]);
}
