/* fileno, fdopen, fsync, O_CLOEXEC under -std=c11 (meson also passes -D_GNU_SOURCE). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "ts-io-tiff.h"
#include "ts-icc.h"
#include "ts-atomic-file.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <tiffio.h>
#include <unistd.h>

/* libtiff reports through global handlers that print to stderr by default. We replace them
 * once with handlers that keep the first error of the current thread, so that it can go
 * into a GError; warnings are dropped. */
static _Thread_local char tiff_message[512];
static _Thread_local int tiff_errno;

static void
tiff_error_handler (const char *module, const char *fmt, va_list ap)
{
  int saved = errno;
  if (tiff_message[0] != '\0')
    return;
  vsnprintf (tiff_message, sizeof tiff_message, fmt, ap);
  tiff_errno = saved;
}

static void
tiff_warning_handler (const char *module, const char *fmt, va_list ap)
{
}

static void
tiff_begin (void)
{
  static gsize installed = 0;
  if (g_once_init_enter (&installed))
    {
      TIFFSetErrorHandler (tiff_error_handler);
      TIFFSetWarningHandler (tiff_warning_handler);
      g_once_init_leave (&installed, 1);
    }
  tiff_message[0] = '\0';
  tiff_errno = 0;
}

static const char *
tiff_last_error (void)
{
  return tiff_message[0] != '\0' ? tiff_message : "unknown libtiff error";
}

static float
sample_value (const guint8 *p, int bps)
{
  if (bps == 8)
    return p[0] / 255.0f;
  if (bps == 16)
    {
      guint16 v;
      memcpy (&v, p, 2);
      return v / 65535.0f;
    }
  float f;
  memcpy (&f, p, 4);
  return f;
}

/* Copies `rows` x `cols` pixels of decoded data (row stride `stride` bytes, `nsp` samples per
 * pixel in the buffer) to the image at (x0, y0), starting at image channel `first`. */
static void
copy_block (TsImage *image, const guint8 *buf, gsize stride, int nsp, int bps, int first,
            guint32 x0, guint32 y0, guint32 cols, guint32 rows, gboolean invert)
{
  int bs = bps / 8;
  /* MINISWHITE inverts the colour samples, not alpha. */
  int colour = image->channels == 2 || image->channels == 4 ? image->channels - 1 : image->channels;
  for (guint32 r = 0; r < rows; r++)
    {
      const guint8 *src = buf + r * stride;
      float *dst = image->data + ((gsize) (y0 + r) * image->width + x0) * image->channels + first;
      for (guint32 x = 0; x < cols; x++)
        for (int s = 0; s < nsp; s++)
          {
            float v = sample_value (src + ((gsize) x * nsp + s) * bs, bps);
            if (invert && first + s < colour)
              v = 1.0f - v;
            dst[(gsize) x * image->channels + s] = v;
          }
    }
}

/* Checks the first bytes so that "not a TIFF" and "cannot open" get their own messages. */
static gboolean
check_tiff_magic (const char *path, GError **error)
{
  FILE *f = fopen (path, "rb");
  if (f == NULL)
    {
      int saved = errno;
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: cannot open: %s", path, g_strerror (saved));
      return FALSE;
    }
  guint8 magic[8];
  gsize n = fread (magic, 1, sizeof magic, f);
  fclose (f);
  if (n < 4 || !(memcmp (magic, "II*\0", 4) == 0 || memcmp (magic, "MM\0*", 4) == 0
                 || memcmp (magic, "II+\0", 4) == 0 || memcmp (magic, "MM\0+", 4) == 0))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: not a TIFF file (bad signature)", path);
      return FALSE;
    }
  if (n < 8)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: truncated TIFF header", path);
      return FALSE;
    }
  return TRUE;
}

/* The header fields the loader needs, with libtiff's defaults for those absent. */
typedef struct {
  guint32 width, height;
  guint16 bps, spp, sfmt, planar, photometric, compression;
} TiffLayout;

/* Reads the layout of the current directory and refuses what the loader cannot decode. */
static gboolean
read_tiff_layout (TIFF *tif, const char *path, TiffLayout *l, GError **error)
{
  *l = (TiffLayout) { .bps = 1, .spp = 1, .sfmt = SAMPLEFORMAT_UINT,
                      .planar = PLANARCONFIG_CONTIG, .compression = COMPRESSION_NONE };
  if (!TIFFGetField (tif, TIFFTAG_IMAGEWIDTH, &l->width)
      || !TIFFGetField (tif, TIFFTAG_IMAGELENGTH, &l->height))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: TIFF without image dimensions", path);
      return FALSE;
    }
  TIFFGetFieldDefaulted (tif, TIFFTAG_BITSPERSAMPLE, &l->bps);
  TIFFGetFieldDefaulted (tif, TIFFTAG_SAMPLESPERPIXEL, &l->spp);
  TIFFGetFieldDefaulted (tif, TIFFTAG_SAMPLEFORMAT, &l->sfmt);
  TIFFGetFieldDefaulted (tif, TIFFTAG_PLANARCONFIG, &l->planar);
  TIFFGetFieldDefaulted (tif, TIFFTAG_COMPRESSION, &l->compression);
  if (!TIFFGetField (tif, TIFFTAG_PHOTOMETRIC, &l->photometric))
    l->photometric = l->spp >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;

  if (l->spp < 1 || l->spp > 4)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: TIFF with %u samples per pixel (supported: 1 to 4)", path, l->spp);
      return FALSE;
    }
  if (!((l->bps == 8 || l->bps == 16) && l->sfmt == SAMPLEFORMAT_UINT)
      && !(l->bps == 32 && l->sfmt == SAMPLEFORMAT_IEEEFP))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: TIFF with %u-bit %s samples (supported: 8/16-bit unsigned, 32-bit float)",
                   path, l->bps,
                   l->sfmt == SAMPLEFORMAT_INT ? "signed" : l->sfmt == SAMPLEFORMAT_IEEEFP ? "float"
                   : l->sfmt == SAMPLEFORMAT_UINT ? "unsigned" : "other");
      return FALSE;
    }
  if (l->photometric != PHOTOMETRIC_MINISBLACK && l->photometric != PHOTOMETRIC_MINISWHITE
      && l->photometric != PHOTOMETRIC_RGB)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: TIFF photometric interpretation %u is not supported (only gray and RGB)",
                   path, l->photometric);
      return FALSE;
    }
  if (!TIFFIsCODECConfigured (l->compression))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: TIFF compression scheme %u is not supported by this libtiff", path,
                   l->compression);
      return FALSE;
    }
  if (l->planar != PLANARCONFIG_CONTIG && l->planar != PLANARCONFIG_SEPARATE)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: invalid TIFF planar configuration %u",
                   path, l->planar);
      return FALSE;
    }
  return ts_limits_check (path, l->width, l->height, l->spp, error);
}

/* How the decoded strips or tiles are laid out: a separate plane per sample, or all the
 * samples of a pixel together. */
typedef struct {
  int nsp;           /* samples per pixel in a decoded strip/tile */
  int n_planes;
  int bs;            /* bytes per sample */
  gboolean invert;   /* MINISWHITE */
} TiffBlocks;

static TiffBlocks
tiff_blocks (const TiffLayout *l)
{
  gboolean separate = l->planar == PLANARCONFIG_SEPARATE && l->spp > 1;
  return (TiffBlocks) { .nsp = separate ? 1 : l->spp, .n_planes = separate ? l->spp : 1,
                        .bs = l->bps / 8, .invert = l->photometric == PHOTOMETRIC_MINISWHITE };
}

static gboolean
read_tiff_tiles (TIFF *tif, const char *path, const TiffLayout *l, TsImage *image,
                 GError **error)
{
  TiffBlocks b = tiff_blocks (l);
  guint32 tw = 0, th = 0;
  TIFFGetField (tif, TIFFTAG_TILEWIDTH, &tw);
  TIFFGetField (tif, TIFFTAG_TILELENGTH, &th);
  guint64 row_size = (guint64) tw * b.nsp * b.bs;
  guint64 tile_size = row_size * th;
  /* A hostile header may declare huge tiles; bound them by the image limits. */
  if (tw == 0 || th == 0 || tw > (guint32) ts_limits_get_max_side ()
      || th > (guint32) ts_limits_get_max_side ()
      || (guint64) tw * th > ts_limits_get_max_pixels ()
      || (guint64) TIFFTileSize64 (tif) != tile_size)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: invalid TIFF tile size %u x %u",
                   path, tw, th);
      return FALSE;
    }
  g_autofree guint8 *buf = g_try_malloc (tile_size);
  if (buf == NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_NOMEM, "%s: out of memory for a TIFF tile", path);
      return FALSE;
    }
  for (int plane = 0; plane < b.n_planes; plane++)
    for (guint32 ty = 0; ty < l->height; ty += th)
      for (guint32 tx = 0; tx < l->width; tx += tw)
        {
          guint32 tile = TIFFComputeTile (tif, tx, ty, 0, plane);
          tmsize_t got = TIFFReadEncodedTile (tif, tile, buf, (tmsize_t) tile_size);
          if (got < 0 || (guint64) got < tile_size)
            {
              g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                           "%s: corrupt or truncated TIFF (tile %u): %s", path, tile,
                           tiff_last_error ());
              return FALSE;
            }
          copy_block (image, buf, row_size, b.nsp, l->bps, plane, tx, ty,
                      MIN (tw, l->width - tx), MIN (th, l->height - ty), b.invert);
        }
  return TRUE;
}

static gboolean
read_tiff_strips (TIFF *tif, const char *path, const TiffLayout *l, TsImage *image,
                  GError **error)
{
  TiffBlocks b = tiff_blocks (l);
  guint32 rps = l->height;
  TIFFGetFieldDefaulted (tif, TIFFTAG_ROWSPERSTRIP, &rps);
  if (rps == 0 || rps > l->height)
    rps = l->height;
  guint64 scan = (guint64) l->width * b.nsp * b.bs;
  if ((guint64) TIFFScanlineSize64 (tif) != scan)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: inconsistent TIFF scanline size",
                   path);
      return FALSE;
    }
  g_autofree guint8 *buf = g_try_malloc (scan * rps);
  if (buf == NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_NOMEM, "%s: out of memory for a TIFF strip",
                   path);
      return FALSE;
    }
  for (int plane = 0; plane < b.n_planes; plane++)
    for (guint32 row = 0; row < l->height; row += rps)
      {
        guint32 rows = MIN (rps, l->height - row);
        guint32 strip = TIFFComputeStrip (tif, row, plane);
        tmsize_t want = (tmsize_t) (scan * rows);
        tmsize_t got = TIFFReadEncodedStrip (tif, strip, buf, want);
        if (got < want)
          {
            g_set_error (error, TS_ERROR, TS_ERROR_FORMAT,
                         "%s: corrupt or truncated TIFF (strip %u): %s", path, strip,
                         tiff_last_error ());
            return FALSE;
          }
        copy_block (image, buf, scan, b.nsp, l->bps, plane, 0, row, l->width, rows, b.invert);
      }
  return TRUE;
}

TsImage *
ts_image_load_tiff (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  if (!check_tiff_magic (path, error))
    return NULL;
  tiff_begin ();
  TIFF *tif = TIFFOpen (path, "r");
  if (tif == NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: corrupt or truncated TIFF: %s", path,
                   tiff_last_error ());
      return NULL;
    }
  TiffLayout layout;
  TsImage *image = NULL;
  if (!read_tiff_layout (tif, path, &layout, error))
    goto fail;
  image = ts_image_new (layout.width, layout.height, layout.spp, NULL);
  if (image == NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_NOMEM, "%s: out of memory for a %u x %u image", path,
                   layout.width, layout.height);
      goto fail;
    }
  if (TIFFIsTiled (tif) ? !read_tiff_tiles (tif, path, &layout, image, error)
                        : !read_tiff_strips (tif, path, &layout, image, error))
    goto fail;
  image->source_bit_depth = layout.bps;
  {
    guint32 icc_len = 0;
    const void *icc = NULL;
    /* libtiff skips a profile tag it cannot read (one pointing past the end of the file). */
    if (TIFFGetField (tif, TIFFTAG_ICCPROFILE, &icc_len, &icc) && icc != NULL)
      image->icc_profile = ts_icc_profile_new (icc, icc_len);
  }
  TIFFClose (tif);
  return image;

fail:
  ts_image_free (image);
  TIFFClose (tif);
  return NULL;
}

static inline guint16
quantise (float v, guint16 max)
{
  if (!(v > 0.0f))
    return 0;
  if (v >= 1.0f)
    return max;
  return (guint16) (v * (float) max + 0.5f);
}

gboolean
ts_image_save_tiff (const TsImage *image, const char *path, int bit_depth, GError **error)
{
  g_return_val_if_fail (image != NULL && path != NULL, FALSE);
  if (bit_depth == 0)
    bit_depth = ts_image_default_bit_depth (image, TS_FILE_FORMAT_TIFF);
  if (bit_depth != 8 && bit_depth != 16 && bit_depth != 32)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: TIFF output is 8-bit, 16-bit or 32-bit float, not %d-bit", path, bit_depth);
      return FALSE;
    }
  if (image->channels < 1 || image->channels > 4)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: cannot save a %d-channel image as TIFF", path, image->channels);
      return FALSE;
    }
  TsAtomicFile *file = ts_atomic_file_open (path, error);
  if (file == NULL)
    return FALSE;
  tiff_begin ();
  /* libtiff gets its own descriptor for the temporary file; TIFFClose closes it, and the
   * atomic file's stream (never written to) then syncs and renames the same inode. */
  int fd = dup (fileno (ts_atomic_file_stream (file)));
  TIFF *tif = fd >= 0 ? TIFFFdOpen (fd, ts_atomic_file_temp_path (file), "w") : NULL;
  if (tif == NULL)
    {
      int saved = errno;
      if (fd >= 0)
        close (fd);
      ts_atomic_file_abort (file);
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: cannot create TIFF: %s", path,
                   fd >= 0 ? tiff_last_error () : g_strerror (saved));
      return FALSE;
    }
  int channels = image->channels;
  gboolean alpha = channels == 2 || channels == 4;
  TIFFSetField (tif, TIFFTAG_IMAGEWIDTH, (guint32) image->width);
  TIFFSetField (tif, TIFFTAG_IMAGELENGTH, (guint32) image->height);
  TIFFSetField (tif, TIFFTAG_SAMPLESPERPIXEL, (guint16) channels);
  TIFFSetField (tif, TIFFTAG_BITSPERSAMPLE, (guint16) bit_depth);
  TIFFSetField (tif, TIFFTAG_SAMPLEFORMAT, bit_depth == 32 ? SAMPLEFORMAT_IEEEFP : SAMPLEFORMAT_UINT);
  TIFFSetField (tif, TIFFTAG_PHOTOMETRIC, channels >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
  TIFFSetField (tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField (tif, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT);
  if (alpha)
    {
      guint16 extra = EXTRASAMPLE_UNASSALPHA;
      TIFFSetField (tif, TIFFTAG_EXTRASAMPLES, 1, &extra);
    }
  if (TIFFIsCODECConfigured (COMPRESSION_ADOBE_DEFLATE))
    {
      TIFFSetField (tif, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE);
      TIFFSetField (tif, TIFFTAG_PREDICTOR,
                    bit_depth == 32 ? PREDICTOR_FLOATINGPOINT : PREDICTOR_HORIZONTAL);
    }
  else
    TIFFSetField (tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
  TIFFSetField (tif, TIFFTAG_ROWSPERSTRIP, TIFFDefaultStripSize (tif, 0));
  if (ts_icc_profile_suits (image->icc_profile, channels))
    {
      gsize icc_len = 0;
      const void *icc = g_bytes_get_data (image->icc_profile, &icc_len);
      TIFFSetField (tif, TIFFTAG_ICCPROFILE, (guint32) icc_len, icc);
    }

  gsize row_values = (gsize) image->width * channels;
  g_autofree guint8 *row = g_malloc (row_values * (bit_depth / 8));
  gboolean ok = TRUE;
  for (int y = 0; ok && y < image->height; y++)
    {
      const float *src = image->data + (gsize) y * row_values;
      if (bit_depth == 32)
        memcpy (row, src, row_values * sizeof (float));
      else if (bit_depth == 16)
        for (gsize i = 0; i < row_values; i++)
          {
            guint16 v = quantise (src[i], 65535);
            memcpy (row + 2 * i, &v, 2);
          }
      else
        for (gsize i = 0; i < row_values; i++)
          row[i] = (guint8) quantise (src[i], 255);
      ok = TIFFWriteScanline (tif, row, y, 0) >= 0;
    }
  if (ok)
    ok = TIFFFlush (tif) == 1;
  TIFFClose (tif);
  if (!ok)
    {
      ts_atomic_file_abort (file);
      if (tiff_errno != 0)
        g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: cannot write TIFF: %s (%s)", path,
                     g_strerror (tiff_errno), tiff_last_error ());
      else
        g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: cannot write TIFF: %s", path,
                     tiff_last_error ());
      return FALSE;
    }
  return ts_atomic_file_commit (file, error);
}
