/* ICC profiles as opaque bytes: enough of a check that a profile read from a file is one,
 * and that it may go into an output of a given number of channels. No colour management. */
#include "ts-icc.h"
#include <string.h>

static guint32
be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

GBytes *
ts_icc_profile_new (const guint8 *data, gsize len)
{
  /* The 128-byte header, then the tag count and `count` 12-byte entries (ICC.1 7.2, 7.3). */
  if (data == NULL || len < 132 || len > TS_ICC_MAX_SIZE)
    return NULL;
  if (be32 (data) != len || memcmp (data + 36, "acsp", 4) != 0)
    return NULL;
  guint32 count = be32 (data + 128);
  if (count > (len - 132) / 12)
    return NULL;
  for (guint32 i = 0; i < count; i++)
    {
      const guint8 *tag = data + 132 + (gsize) i * 12;
      guint32 offset = be32 (tag + 4), size = be32 (tag + 8);
      if (offset > len || size > len - offset)
        return NULL;
    }
  return g_bytes_new (data, len);
}

gboolean
ts_icc_profile_suits (GBytes *profile, int channels)
{
  gsize len = 0;
  const guint8 *data = profile != NULL ? g_bytes_get_data (profile, &len) : NULL;
  if (data == NULL || len < 132)
    return FALSE;
  if (channels == 1 || channels == 2)
    return memcmp (data + 16, "GRAY", 4) == 0;
  if (channels == 3 || channels == 4)
    return memcmp (data + 16, "RGB ", 4) == 0;
  return FALSE;
}
