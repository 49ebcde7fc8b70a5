/* Error domain shared by every part of libtessera. */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

#define TS_ERROR (ts_error_quark ())
GQuark ts_error_quark (void);

typedef enum {
  TS_ERROR_IO,           /* the file could not be opened, read or written */
  TS_ERROR_FORMAT,       /* the file is not what it claims: bad magic, truncated, corrupt */
  TS_ERROR_UNSUPPORTED,  /* a valid file of a kind we do not handle (dtype, bit depth, version) */
  TS_ERROR_LIMIT,        /* declared sizes over the configured limits */
  TS_ERROR_INVALID,      /* bad values: NaN/Inf, mismatched shapes, bad parameters */
  TS_ERROR_DIVERGED,     /* the solver produced NaN/Inf */
  TS_ERROR_CANCELLED,    /* the caller raised the cancellation flag */
  TS_ERROR_NOMEM,        /* an allocation failed */
} TsErrorCode;

/* Limits that protect against hostile headers; configurable at run time. */
#define TS_DEFAULT_MAX_PIXELS ((gsize) 100 * 1000 * 1000)
#define TS_DEFAULT_MAX_SIDE 65536
gsize ts_limits_get_max_pixels (void);
void  ts_limits_set_max_pixels (gsize max_pixels);
int   ts_limits_get_max_side (void);
/* TRUE if width x height x channels fits the limits; otherwise sets a TS_ERROR_LIMIT
 * error that names `what` (usually the file name). */
gboolean ts_limits_check (const char *what, gint64 width, gint64 height, gint64 channels, GError **error);

G_END_DECLS
