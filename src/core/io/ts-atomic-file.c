/* fileno, fdopen, fsync, O_CLOEXEC under -std=c11 (meson also passes -D_GNU_SOURCE). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "ts-atomic-file.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

struct TsAtomicFile {
  char *path;       /* destination, as given */
  char *temp_path;  /* "<dir>/.<name>.XXXXXX" */
  FILE *stream;
};

static void
atomic_file_free (TsAtomicFile *file)
{
  g_free (file->path);
  g_free (file->temp_path);
  g_free (file);
}

TsAtomicFile *
ts_atomic_file_open (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *name = g_path_get_basename (path);
  g_autofree char *hidden = g_strdup_printf (".%s.XXXXXX", name);
  /* Same folder as the destination so that rename() stays on one file system. */
  g_autofree char *temp_path = g_build_filename (dir, hidden, NULL);

  /* Mode 0666 (minus the umask) rather than mkstemp's 0600: the result is an ordinary
   * output file. */
  int fd = g_mkstemp_full (temp_path, O_RDWR | O_CLOEXEC, 0666);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: cannot create a temporary file in %s: %s",
                   path, dir, g_strerror (saved));
      return NULL;
    }
  FILE *stream = fdopen (fd, "wb");
  if (stream == NULL)
    {
      int saved = errno;
      close (fd);
      g_unlink (temp_path);
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: cannot open a temporary file: %s", path,
                   g_strerror (saved));
      return NULL;
    }
  TsAtomicFile *file = g_new0 (TsAtomicFile, 1);
  file->path = g_strdup (path);
  file->temp_path = g_steal_pointer (&temp_path);
  file->stream = stream;
  return file;
}

FILE *
ts_atomic_file_stream (TsAtomicFile *file)
{
  g_return_val_if_fail (file != NULL, NULL);
  return file->stream;
}

const char *
ts_atomic_file_temp_path (TsAtomicFile *file)
{
  g_return_val_if_fail (file != NULL, NULL);
  return file->temp_path;
}

gboolean
ts_atomic_file_commit (TsAtomicFile *file, GError **error)
{
  g_return_val_if_fail (file != NULL, FALSE);
  int saved = 0;
  const char *step = NULL;

  /* A stream error flag means an earlier fwrite failed even if the caller did not check. */
  if (ferror (file->stream))
    {
      saved = errno != 0 ? errno : EIO;
      step = "write error";
    }
  if (step == NULL && fflush (file->stream) != 0)
    {
      saved = errno;
      step = "cannot write";
    }
  if (step == NULL && fsync (fileno (file->stream)) != 0 && errno != EINVAL && errno != EROFS)
    {
      /* EINVAL/EROFS: the file system does not support fsync (e.g. some FUSE mounts). */
      saved = errno;
      step = "cannot sync";
    }
  int close_result = fclose (file->stream);
  file->stream = NULL;
  if (step == NULL && close_result != 0)
    {
      saved = errno;
      step = "cannot close";
    }
  if (step == NULL)
    {
      if (g_rename (file->temp_path, file->path) != 0)
        {
          saved = errno;
          step = "cannot rename the temporary file into place";
        }
    }
  if (step != NULL)
    {
      g_unlink (file->temp_path);
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: %s: %s", file->path, step,
                   g_strerror (saved));
      atomic_file_free (file);
      return FALSE;
    }
  atomic_file_free (file);
  return TRUE;
}

void
ts_atomic_file_abort (TsAtomicFile *file)
{
  if (file == NULL)
    return;
  if (file->stream != NULL)
    fclose (file->stream);
  g_unlink (file->temp_path);
  atomic_file_free (file);
}
