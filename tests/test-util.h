/* Helpers shared by the test programs. */
#pragma once
#include <glib.h>

/* A fresh temporary directory for this test program, removed at exit. */
const char *ts_test_tmpdir (void);
/* Path inside ts_test_tmpdir (); g_free the result. */
char *ts_test_tmp_path (const char *name);
/* ../shared (from $TESSERA_SHARED_DIR) or NULL when absent. */
const char *ts_test_shared_dir (void);
/* Writes `len` bytes to `path`, aborting the test on failure. */
void ts_test_write_bytes (const char *path, const void *bytes, gsize len);
