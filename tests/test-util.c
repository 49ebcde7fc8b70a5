#include "test-util.h"
#include <glib/gstdio.h>
#include <stdlib.h>

static char *tmpdir;

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  if (dir != NULL)
    {
      const char *name;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          if (g_file_test (child, G_FILE_TEST_IS_DIR))
            remove_tree (child);
          else
            g_unlink (child);
        }
      g_dir_close (dir);
    }
  g_rmdir (path);
}

static void
cleanup_tmpdir (void)
{
  if (tmpdir != NULL)
    remove_tree (tmpdir);
}

const char *
ts_test_tmpdir (void)
{
  if (tmpdir == NULL)
    {
      g_autoptr (GError) error = NULL;
      tmpdir = g_dir_make_tmp ("tessera-test-XXXXXX", &error);
      g_assert_no_error (error);
      atexit (cleanup_tmpdir);
    }
  return tmpdir;
}

char *
ts_test_tmp_path (const char *name)
{
  return g_build_filename (ts_test_tmpdir (), name, NULL);
}

const char *
ts_test_shared_dir (void)
{
  static char *dir;
  if (dir == NULL)
    {
      const char *env = g_getenv ("TESSERA_SHARED_DIR");
      if (env == NULL || !g_file_test (env, G_FILE_TEST_IS_DIR))
        return NULL;
      g_autofree char *ref = g_build_filename (env, "reference", NULL);
      if (!g_file_test (ref, G_FILE_TEST_IS_DIR))
        return NULL;
      dir = g_strdup (env);
    }
  return dir;
}

void
ts_test_write_bytes (const char *path, const void *bytes, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_file_set_contents (path, bytes, (gssize) len, &error);
  g_assert_no_error (error);
}
