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

/* A synthetic, well-formed ICC profile of exactly `size` bytes (a multiple of 4, at least
 * 148): version 2.1 display class, colour space 'RGB ' or 'GRAY', PCS XYZ with the D50
 * illuminant, and one private tag covering the rest, filled with a pattern from `seed`. */
GBytes *ts_test_icc_profile (gboolean rgb, gsize size, guint seed);
/* The APP2 payloads ("ICC_PROFILE\0", sequence number, count, data) that carry `profile` in
 * parts of at most `part` bytes (65519 for the largest segments), as GBytes in order. */
GPtrArray *ts_test_icc_segments (GBytes *profile, gsize part);
/* JPEG bytes (quality 95) of a smooth w x h picture with 1 or 3 channels; the GBytes of
 * `app2` (may be NULL) are written as APP2 segments, in order, after the JFIF header. */
guint8 *ts_test_encode_jpeg (int w, int h, int channels, GPtrArray *app2, gsize *len);
