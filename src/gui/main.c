/* tessera: the GTK 4 application. */
#include <locale.h>
#include <string.h>
#include <glib/gi18n.h>

#include "ts-application.h"
#include "ts-alloc.h"

int
main (int argc, char **argv)
{
  g_autoptr (TsApplication) app = NULL;
  const char *localedir = g_getenv ("TESSERA_LOCALEDIR");
  GApplicationFlags flags = G_APPLICATION_DEFAULT_FLAGS;
  int status, self_test;

  setlocale (LC_ALL, "");
  /* Tiled solves free and allocate large buffers per tile (ts-alloc.h). */
  ts_alloc_reuse_large_blocks ();
  if (localedir == NULL)
    {
      /* Run from the build tree (the schema is not installed): its catalogues too. */
      GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
      g_autoptr (GSettingsSchema) schema = source != NULL
        ? g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE) : NULL;
      localedir = schema != NULL ? LOCALEDIR : BUILD_LOCALEDIR;
    }
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* A self-test must not hand its command line to a running instance. */
  for (int i = 1; i < argc; i++)
    if (g_str_has_prefix (argv[i], "--self-test"))
      flags |= G_APPLICATION_NON_UNIQUE;

  g_set_application_name (_("Tessera"));
  app = ts_application_new (flags);
  status = g_application_run (G_APPLICATION (app), argc, argv);
  self_test = ts_application_get_self_test_status (app);
  return self_test >= 0 ? self_test : status;
}
