/* The reader process: fork, a pipe, a timeout, a memory cap, and a crash turned into a GError.
 *
 * The answer on the pipe is a header (magic, status) and then either the read function's
 * bytes (status 0) or its error (status 1: code, domain name, message). The child ends with
 * _exit, so no atexit handler of the parent runs twice. */
#include "ts-subprocess-read.h"
#include "ts-error.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define TS_SUBPROCESS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TS_SUBPROCESS_ASAN 1
#endif
#endif
#ifdef TS_SUBPROCESS_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

#define ANSWER_MAGIC 0x50525354u   /* "TSRP" */

/* Caps the child's address space at what it has mapped plus `extra`: a damaged size field
 * makes a trusting library allocate (and touch) tens of gigabytes, which would wake the OOM
 * killer on a shared machine. Under AddressSanitizer the shadow memory and the allocator's
 * space are mapped already (counted in VmSize), so the cap holds there too. */
static void
limit_child_memory (guint64 extra)
{
  FILE *f = fopen ("/proc/self/statm", "r");
  unsigned long long pages = 0;
  if (f == NULL)
    return;
  if (fscanf (f, "%llu", &pages) != 1)
    pages = 0;
  fclose (f);
  long page_size = sysconf (_SC_PAGESIZE);
  if (pages == 0 || page_size <= 0)
    return;
  struct rlimit limit;
  limit.rlim_cur = limit.rlim_max = (rlim_t) (pages * (guint64) page_size + extra);
  setrlimit (RLIMIT_AS, &limit);
}

static void
put_i32 (GByteArray *b, gint32 v)
{
  g_byte_array_append (b, (const guint8 *) &v, sizeof v);
}

static void
put_text (GByteArray *b, const char *text)
{
  put_i32 (b, (gint32) strlen (text));
  g_byte_array_append (b, (const guint8 *) text, (guint) strlen (text));
}

static gboolean
write_all_fd (int fd, const guint8 *data, gsize len)
{
  while (len > 0)
    {
      ssize_t w = write (fd, data, len);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return FALSE;
      data += w;
      len -= (gsize) w;
    }
  return TRUE;
}

G_NORETURN static void
child_main (int fd, const TsSubprocessRead *spec, TsSubprocessReadFunc func, gpointer user_data)
{
  /* A crash must end this process, not run the parent's crash handlers (sanitizers,
   * libFuzzer) in it. */
  const int deadly[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS };
  for (gsize i = 0; i < G_N_ELEMENTS (deadly); i++)
    signal (deadly[i], SIG_DFL);
  signal (SIGPIPE, SIG_DFL);
#ifdef TS_SUBPROCESS_ASAN
  /* A sanitizer's report about an uninstrumented library (whose memcpy is intercepted) ends
   * this process like a crash; it must not run the parent's death callback (libFuzzer would
   * save the input as a crash of the harness). */
  __sanitizer_set_death_callback (NULL);
#endif
  limit_child_memory (spec->extra_memory);
  GError *error = NULL;
  GBytes *bytes = func (user_data, &error);
  GByteArray *header = g_byte_array_new ();
  put_i32 (header, (gint32) ANSWER_MAGIC);
  put_i32 (header, bytes != NULL ? 0 : 1);
  if (bytes == NULL)
    {
      /* g_quark_to_string takes no lock. */
      put_i32 (header, error != NULL ? error->code : TS_ERROR_FORMAT);
      put_text (header, error != NULL ? g_quark_to_string (error->domain)
                                      : g_quark_to_string (TS_ERROR));
      put_text (header, error != NULL ? error->message : "unknown error");
    }
  gsize size = 0;
  const guint8 *data = bytes != NULL ? g_bytes_get_data (bytes, &size) : NULL;
  gboolean ok = write_all_fd (fd, header->data, header->len)
                && (size == 0 || write_all_fd (fd, data, size));
  _exit (ok ? 0 : 3);
}

void
ts_subprocess_read_set_incomplete (const TsSubprocessRead *spec, GError **error)
{
  g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: the %s reader process sent an incomplete "
               "answer", spec->path, spec->format);
}

typedef struct {
  const guint8 *p;
  gsize left;
} Cursor;

static gboolean
take_i32 (Cursor *c, gint32 *v)
{
  if (sizeof *v > c->left)
    return FALSE;
  memcpy (v, c->p, sizeof *v);
  c->p += sizeof *v;
  c->left -= sizeof *v;
  return TRUE;
}

static char *
take_text (Cursor *c)
{
  gint32 len = 0;
  if (!take_i32 (c, &len) || len < 0 || (gsize) len > c->left)
    return NULL;
  char *text = g_strndup ((const char *) c->p, (gsize) len);
  c->p += len;
  c->left -= (gsize) len;
  return text;
}

/* The child's answer (taken): its bytes (after the header), or its error. */
static GBytes *
parse_answer (const TsSubprocessRead *spec, GByteArray *answer_taken, GError **error)
{
  g_autoptr (GByteArray) answer = answer_taken;
  Cursor c = { answer->data, answer->len };
  gint32 magic = 0, status = 0;
  if (!take_i32 (&c, &magic) || (guint32) magic != ANSWER_MAGIC || !take_i32 (&c, &status))
    {
      ts_subprocess_read_set_incomplete (spec, error);
      return NULL;
    }
  if (status == 0)
    {
      gsize offset = answer->len - c.left, size = c.left;
      g_autoptr (GBytes) all = g_byte_array_free_to_bytes (g_steal_pointer (&answer));
      return g_bytes_new_from_bytes (all, offset, size);
    }
  gint32 code = 0;
  g_autofree char *domain = NULL;
  g_autofree char *message = NULL;
  if (!take_i32 (&c, &code) || (domain = take_text (&c)) == NULL
      || (message = take_text (&c)) == NULL || domain[0] == '\0')
    {
      ts_subprocess_read_set_incomplete (spec, error);
      return NULL;
    }
  g_set_error_literal (error, g_quark_from_string (domain), code, message);
  return NULL;
}

GBytes *
ts_subprocess_read (const TsSubprocessRead *spec, TsSubprocessReadFunc func, gpointer user_data,
                    GError **error)
{
  g_return_val_if_fail (spec != NULL && spec->path != NULL && spec->format != NULL, NULL);
  g_return_val_if_fail (spec->timeout_ms > 0, NULL);
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  int fds[2];
  /* Quarks are made here, before the fork, so the child takes no GLib lock for them. */
  (void) ts_error_quark ();
  if (pipe2 (fds, O_CLOEXEC) != 0)
    {
      int saved = errno;
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: cannot start the %s reader: %s",
                   spec->path, spec->format, g_strerror (saved));
      return NULL;
    }
  pid_t pid = fork ();
  if (pid < 0)
    {
      int saved = errno;
      close (fds[0]);
      close (fds[1]);
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: cannot start the %s reader: %s",
                   spec->path, spec->format, g_strerror (saved));
      return NULL;
    }
  if (pid == 0)
    {
      close (fds[0]);
      child_main (fds[1], spec, func, user_data);
    }
  close (fds[1]);

  g_autoptr (GByteArray) answer = g_byte_array_new ();
  gboolean timed_out = FALSE;
  for (;;)
    {
      struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
      int ready = poll (&pfd, 1, spec->timeout_ms);
      if (ready < 0 && errno == EINTR)
        continue;
      if (ready == 0)
        {
          timed_out = TRUE;
          kill (pid, SIGKILL);
          break;
        }
      guint8 buffer[65536];
      ssize_t got = read (fds[0], buffer, sizeof buffer);
      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0)
        break;
      g_byte_array_append (answer, buffer, (guint) got);
    }
  close (fds[0]);
  int status = 0;
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (timed_out)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: corrupt %s file: the %s library did not finish reading it in %g s",
                   spec->path, spec->format, spec->format, spec->timeout_ms / 1000.0);
      return NULL;
    }
  if (WIFSIGNALED (status))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: corrupt %s file: the %s library crashed reading it (%s)", spec->path,
                   spec->format, spec->format, g_strsignal (WTERMSIG (status)));
      return NULL;
    }
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                   "%s: corrupt %s file: the %s reader process failed (exit status %d)",
                   spec->path, spec->format, spec->format,
                   WIFEXITED (status) ? WEXITSTATUS (status) : -1);
      return NULL;
    }
  return parse_answer (spec, g_steal_pointer (&answer), error);
}
