/* tessera-cli: command-line front end of libtessera. Dispatches to one function per
 * command; each lives in its own file (cli-model.c, cli-restore.c, cli-eval.c, cli-demo.c,
 * cli-noise.c, cli-train.c). */
#include "cli-common.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#ifndef TESSERA_VERSION
#define TESSERA_VERSION "0.1.0"
#endif

typedef struct {
  const char *name;
  int (*run) (int argc, char **argv);
  const char *synopsis;
} Command;

static const Command commands[] = {
  { "model", cli_cmd_model, "model import REF_DIR -o MODEL.tsm | model info MODEL" },
  { "denoise", cli_cmd_denoise, "denoise IN [-o OUT] [--model MODEL] [--sigma S] [--colour opponent|rgb]" },
  { "sr", cli_cmd_sr, "sr IN_LOWRES [-o OUT] [--model MODEL] [--beta B] [--lambda L]" },
  { "mri", cli_cmd_mri, "mri KSPACE.npy --mask MASK.npy | SCAN.h5 [--slice N] [-o OUT] [--model MODEL]" },
  { "eval", cli_cmd_eval, "eval --task denoise|sr|mri --dataset DIR [--model MODEL]" },
  { "estimate-noise", cli_cmd_estimate_noise, "estimate-noise IMAGE" },
  { "tune", cli_cmd_tune, "tune --task sr|mri --data VALFOLDER -o OUT.tsm [--model MODEL] [--preset NAME]" },
  { "train", cli_cmd_train, "train --data DIR --sigma S --prox ncpr|cpr -o MODEL.tsm [--resume CKPT]" },
  { "demo", cli_cmd_demo, "demo [-o DIR] [--model MODEL] [--sigma S] [--size N]" },
};

static void
print_usage (FILE *stream)
{
  fprintf (stream,
           "Usage:\n"
           "  %s [--quiet] COMMAND [OPTION...]\n"
           "\n"
           "Image restoration with learned smooth-plus-sparse patch models.\n"
           "\n"
           "Commands:\n", CLI_PROGRAM);
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (stream, "  %s\n", commands[i].synopsis);
  fprintf (stream,
           "\n"
           "Options:\n"
           "  -h, --help     Show this help\n"
           "  --version      Show the version\n"
           "  -q, --quiet    Print nothing but errors\n"
           "\n"
           "'%s COMMAND --help' describes a command. MODEL is a .tsm file, a reference\n"
           "model folder, 'dct' (with --sigma) or the name of an installed model.\n",
           CLI_PROGRAM);
}

int
main (int argc, char **argv)
{
  int first = 1;

  setlocale (LC_ALL, "");
  /* Numbers in files and option values are always written with a '.'. */
  setlocale (LC_NUMERIC, "C");
  /* Tiled solves free and allocate large buffers per tile (ts-alloc.h). */
  ts_alloc_reuse_large_blocks ();

  /* Global options before the command. */
  while (first < argc && argv[first][0] == '-')
    {
      const char *arg = argv[first];
      if (strcmp (arg, "--help") == 0 || strcmp (arg, "-h") == 0 || strcmp (arg, "-?") == 0)
        {
          print_usage (stdout);
          return CLI_EXIT_OK;
        }
      else if (strcmp (arg, "--version") == 0)
        {
          printf ("%s %s\n", CLI_PROGRAM, TESSERA_VERSION);
          return CLI_EXIT_OK;
        }
      else if (strcmp (arg, "--quiet") == 0 || strcmp (arg, "-q") == 0)
        cli_quiet = TRUE;
      else
        return cli_usage_error (NULL, "unknown option %s", arg);
      first++;
    }
  if (first >= argc)
    {
      fprintf (stderr, "%s: no command given\n\n", CLI_PROGRAM);
      print_usage (stderr);
      return CLI_EXIT_USAGE;
    }
  if (strcmp (argv[first], "help") == 0)
    {
      print_usage (stdout);
      return CLI_EXIT_OK;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (strcmp (argv[first], commands[i].name) == 0)
        {
          cli_install_signal_handlers ();
          /* The command sees its own name as argv[0]. */
          return commands[i].run (argc - first, argv + first);
        }
    }
  return cli_usage_error (NULL, "unknown command '%s'", argv[first]);
}
