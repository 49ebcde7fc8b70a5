/* The reader process (src/core/io/ts-subprocess-read.c) on its own: the child's bytes, its
 * error (domain, code, message), a crash, a loop past the timeout, a failed exit and the
 * memory cap, each as the message ts_fastmri_load gives for HDF5. */
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "tessera.h"

static const TsSubprocessRead spec = { .path = "scan.h5", .format = "HDF5", .timeout_ms = 5000,
                                       .extra_memory = (guint64) 1 << 30 };

static GBytes *
read_bytes (gpointer user_data, GError **error)
{
  const char *text = user_data;
  return g_bytes_new (text, strlen (text));
}

static GBytes *
read_error (gpointer user_data, GError **error)
{
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "scan.h5: %s", (const char *) user_data);
  return NULL;
}

static GBytes *
read_crash (gpointer user_data, GError **error)
{
  raise (SIGSEGV);
  return NULL;
}

static GBytes *
read_loop (gpointer user_data, GError **error)
{
  for (;;)
    pause ();
  return NULL;
}

static GBytes *
read_exit (gpointer user_data, GError **error)
{
  _exit (5);
}

/* Maps more than the cap allows: refused in the child (mmap itself, so that a sanitizer's
 * allocator, which would abort on a failed malloc, is not involved). */
static GBytes *
read_too_much (gpointer user_data, GError **error)
{
  gsize size = (gsize) 2 << 30;
  void *p = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  gboolean refused = p == MAP_FAILED;
  if (!refused)
    munmap (p, size);
  return g_bytes_new (refused ? "refused" : "allowed", 7);
}

static void
test_bytes (void)
{
  GError *error = NULL;
  g_autoptr (GBytes) bytes = ts_subprocess_read (&spec, read_bytes, "the slice", &error);
  g_assert_no_error (error);
  gsize size = 0;
  const char *data = g_bytes_get_data (bytes, &size);
  g_assert_cmpmem (data, size, "the slice", 9);
  /* No bytes at all is an answer too. */
  g_autoptr (GBytes) empty = ts_subprocess_read (&spec, read_bytes, "", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (empty), ==, 0);
}

static void
test_error (void)
{
  GError *error = NULL;
  g_assert_null (ts_subprocess_read (&spec, read_error, "no kspace", &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_cmpstr (error->message, ==, "scan.h5: no kspace");
  g_clear_error (&error);
}

static void
test_crash_loop_exit (void)
{
  GError *error = NULL;
  TsSubprocessRead quick = spec;

  g_assert_null (ts_subprocess_read (&spec, read_crash, NULL, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_FORMAT);
  g_assert_true (g_str_has_prefix (error->message, "scan.h5: corrupt HDF5 file: the HDF5 library "
                                   "crashed reading it ("));
  g_clear_error (&error);
  quick.timeout_ms = 200;
  g_assert_null (ts_subprocess_read (&quick, read_loop, NULL, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_FORMAT);
  g_assert_cmpstr (error->message, ==, "scan.h5: corrupt HDF5 file: the HDF5 library did not "
                   "finish reading it in 0.2 s");
  g_clear_error (&error);
  g_assert_null (ts_subprocess_read (&spec, read_exit, NULL, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_FORMAT);
  g_assert_cmpstr (error->message, ==, "scan.h5: corrupt HDF5 file: the HDF5 reader process "
                   "failed (exit status 5)");
  g_clear_error (&error);
}

/* The cap refuses a mapping that a larger one (and this process) allows. */
static void
test_memory_cap (void)
{
  GError *error = NULL;
  TsSubprocessRead capped = spec;

  g_autoptr (GBytes) here = read_too_much (NULL, NULL);
  if (memcmp (g_bytes_get_data (here, NULL), "allowed", 7) == 0)
    {
      TsSubprocessRead roomy = spec;
      roomy.extra_memory = (guint64) 8 << 30;
      g_autoptr (GBytes) allowed = ts_subprocess_read (&roomy, read_too_much, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (g_bytes_get_data (allowed, NULL), 7, "allowed", 7);
    }

  capped.extra_memory = (guint64) 256 << 20;
  g_autoptr (GBytes) bytes = ts_subprocess_read (&capped, read_too_much, NULL, &error);
  g_assert_no_error (error);
  gsize size = 0;
  const char *data = g_bytes_get_data (bytes, &size);
  g_assert_cmpmem (data, size, "refused", 7);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* Not "/subprocess...": GLib's test framework skips paths with that component. */
  g_test_add_func ("/reader-process/bytes", test_bytes);
  g_test_add_func ("/reader-process/error", test_error);
  g_test_add_func ("/reader-process/crash-loop-exit", test_crash_loop_exit);
  g_test_add_func ("/reader-process/memory-cap", test_memory_cap);
  return g_test_run ();
}
