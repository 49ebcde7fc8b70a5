/* ICC profiles carried from input to output files: validation and colour-space checks. */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

/* ICC profiles (ts-icc.c). */
#define TS_ICC_MAX_SIZE (16 * 1024 * 1024)
/* A copy of `data` as a profile; NULL when it is not a plausible ICC profile: shorter than
 * the 128-byte header and the tag count, longer than TS_ICC_MAX_SIZE, a header whose size
 * field disagrees with `len` or that lacks the 'acsp' signature, or a tag table that does
 * not fit in the profile. */
GBytes  *ts_icc_profile_new (const guint8 *data, gsize len);
/* Whether the profile's colour space suits an image of `channels` channels: 'GRAY' for 1
 * and 2 (gray + alpha), 'RGB ' for 3 and 4. */
gboolean ts_icc_profile_suits (GBytes *profile, int channels);

G_END_DECLS
