/* fileno, fdopen, fsync, O_CLOEXEC under -std=c11 (meson also passes -D_GNU_SOURCE). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "ts-io-png.h"
#include "ts-icc.h"
#include "ts-atomic-file.h"
#include <errno.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <string.h>

/* State shared with the libpng callbacks; heap-allocated so that nothing the callbacks or
 * the longjmp path touch is a non-volatile local modified after setjmp. */
typedef struct {
  const char *path;
  char message[256];
  FILE *stream;
  int write_errno;      /* errno of the first failed fwrite, for a useful message */
  int bit_depth;        /* for saving */
  TsImage *image;
  GBytes *icc;          /* loading: the iCCP profile, if one was accepted */
  guint8 *pixels;
  png_bytep *rows;
} PngContext;

static void
png_error_cb (png_structp png, png_const_charp msg)
{
  PngContext *ctx = png_get_error_ptr (png);
  g_strlcpy (ctx->message, msg, sizeof ctx->message);
  png_longjmp (png, 1);
}

static void
png_warning_cb (png_structp png, png_const_charp msg)
{
  /* Warnings (bad ancillary chunks, gamma oddities) do not stop us; keep stderr clean. */
  (void) png;
  (void) msg;
}

static void
png_read_cb (png_structp png, png_bytep data, size_t length)
{
  PngContext *ctx = png_get_io_ptr (png);
  if (fread (data, 1, length, ctx->stream) != length)
    {
      /* libpng's own reader says only "Read Error"; tell truncation from I/O failure. */
      if (ferror (ctx->stream))
        png_error (png, g_strerror (errno));
      png_error (png, "unexpected end of file");
    }
}

static void
png_write_cb (png_structp png, png_bytep data, size_t length)
{
  PngContext *ctx = png_get_io_ptr (png);
  if (fwrite (data, 1, length, ctx->stream) != length)
    {
      ctx->write_errno = errno != 0 ? errno : EIO;
      png_error (png, "write failed");
    }
}

static void
png_flush_cb (png_structp png)
{
  PngContext *ctx = png_get_io_ptr (png);
  if (fflush (ctx->stream) != 0)
    {
      ctx->write_errno = errno;
      png_error (png, "write failed");
    }
}

/* Opens `path` and checks the 8-byte signature, which stays consumed. */
static FILE *
open_png (const char *path, GError **error)
{
  FILE *f = fopen (path, "rb");
  if (f == NULL)
    {
      int saved = errno;
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: cannot open: %s", path, g_strerror (saved));
      return NULL;
    }
  guint8 sig[8];
  gsize n_sig = fread (sig, 1, sizeof sig, f);
  if (n_sig < sizeof sig || png_sig_cmp (sig, 0, sizeof sig) != 0)
    {
      fclose (f);
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: not a PNG file (%s)", path,
                   n_sig < sizeof sig && png_sig_cmp (sig, 0, n_sig) == 0
                     ? "truncated in the signature" : "bad signature");
      return NULL;
    }
  return f;
}

/* Reads the chunks before the image data, keeps the ICC profile, and sets the transforms
 * to 8- or 16-bit gray, gray + alpha, RGB or RGBA in host byte order. May longjmp. */
static void
read_png_header (png_structp png, png_infop info, PngContext *ctx)
{
  png_set_read_fn (png, ctx, png_read_cb);
  png_set_sig_bytes (png, 8);
  /* Our own limit check below gives the better message; this just keeps libpng from
   * allocating for absurd headers first. */
  png_set_user_limits (png, 0x7fffffff, 0x7fffffff);
  /* A damaged ancillary chunk (an iCCP that does not inflate, a profile libpng finds
   * invalid or over the chunk limit) is skipped with a warning, not an error. The limit
   * (libpng's default is 8 MB) is raised to let every profile ts_icc_profile_new accepts
   * through; an ancillary chunk still never costs more memory than that. */
  png_set_benign_errors (png, 1);
  png_set_chunk_malloc_max (png, TS_ICC_MAX_SIZE + 4096);
  png_read_info (png, info);

  if (png_get_valid (png, info, PNG_INFO_iCCP))
    {
      png_charp name = NULL;
      png_bytep profile = NULL;
      png_uint_32 profile_len = 0;
      int compression = 0;
      if (png_get_iCCP (png, info, &name, &compression, &profile, &profile_len) != 0)
        ctx->icc = ts_icc_profile_new (profile, profile_len);
    }

  png_uint_32 width, height;
  int bit_depth, color_type, interlace;
  png_get_IHDR (png, info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);

  if (color_type == PNG_COLOR_TYPE_PALETTE)
    png_set_palette_to_rgb (png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8)
    png_set_expand_gray_1_2_4_to_8 (png);
  if (png_get_valid (png, info, PNG_INFO_tRNS))
    png_set_tRNS_to_alpha (png);
  if (bit_depth == 16 && G_BYTE_ORDER == G_LITTLE_ENDIAN)
    png_set_swap (png);
  png_set_interlace_handling (png);
  png_read_update_info (png, info);
}

/* Checks the decoded layout and allocates the image (its source_bit_depth set), the pixel
 * buffer and the row pointers into it. */
static gboolean
allocate_png (png_structp png, png_infop info, PngContext *ctx, GError **error)
{
  png_uint_32 width = png_get_image_width (png, info), height = png_get_image_height (png, info);
  int channels = png_get_channels (png, info);
  int depth = png_get_bit_depth (png, info);
  if (!ts_limits_check (ctx->path, width, height, channels, error))
    return FALSE;
  if (depth != 8 && depth != 16)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED, "%s: unsupported PNG bit depth %d",
                   ctx->path, depth);
      return FALSE;
    }
  gsize rowbytes = png_get_rowbytes (png, info);
  if (rowbytes != (gsize) width * channels * (depth / 8))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: inconsistent PNG row size", ctx->path);
      return FALSE;
    }
  ctx->image = ts_image_new (width, height, channels, NULL);
  ctx->pixels = g_try_malloc ((gsize) height * rowbytes);
  ctx->rows = g_try_new (png_bytep, height);
  if (ctx->image == NULL || ctx->pixels == NULL || ctx->rows == NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_NOMEM, "%s: out of memory for a %u x %u image",
                   ctx->path, (unsigned) width, (unsigned) height);
      return FALSE;
    }
  ctx->image->source_bit_depth = depth;
  for (png_uint_32 y = 0; y < height; y++)
    ctx->rows[y] = ctx->pixels + (gsize) y * rowbytes;
  return TRUE;
}

/* The decoded samples of ctx->pixels as floats in [0, 1]. */
static void
convert_png_pixels (PngContext *ctx)
{
  TsImage *image = ctx->image;
  gsize n = (gsize) image->width * image->height * image->channels;
  float *out = image->data;
  if (image->source_bit_depth == 16)
    {
      const guint16 *src = (const guint16 *) ctx->pixels;
      for (gsize i = 0; i < n; i++)
        out[i] = src[i] / 65535.0f;
    }
  else
    {
      for (gsize i = 0; i < n; i++)
        out[i] = ctx->pixels[i] / 255.0f;
    }
}

/* Decodes the stream into ctx->image. The only function with a setjmp: every libpng call
 * that can fail runs below it, and no local of this function changes after the setjmp
 * (the state lives in `ctx`). */
static gboolean
decode_png (png_structp png, png_infop info, PngContext *ctx, GError **error)
{
  if (setjmp (png_jmpbuf (png)))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: corrupt or truncated PNG: %s",
                   ctx->path, ctx->message);
      return FALSE;
    }
  read_png_header (png, info, ctx);
  if (!allocate_png (png, info, ctx, error))
    return FALSE;
  png_read_image (png, ctx->rows);
  png_read_end (png, NULL);
  convert_png_pixels (ctx);
  return TRUE;
}

TsImage *
ts_image_load_png (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  FILE *f = open_png (path, error);
  if (f == NULL)
    return NULL;

  PngContext *ctx = g_new0 (PngContext, 1);
  ctx->path = path;
  ctx->stream = f;
  png_structp png = png_create_read_struct (PNG_LIBPNG_VER_STRING, ctx, png_error_cb,
                                            png_warning_cb);
  png_infop info = png != NULL ? png_create_info_struct (png) : NULL;
  TsImage *result = NULL;
  if (info == NULL)
    g_set_error (error, TS_ERROR, TS_ERROR_NOMEM, "%s: cannot initialise libpng", path);
  else if (decode_png (png, info, ctx, error))
    {
      result = g_steal_pointer (&ctx->image);
      result->icc_profile = g_steal_pointer (&ctx->icc);
    }
  png_destroy_read_struct (&png, info != NULL ? &info : NULL, NULL);
  fclose (f);
  ts_image_free (ctx->image);
  g_clear_pointer (&ctx->icc, g_bytes_unref);
  g_free (ctx->pixels);
  g_free (ctx->rows);
  g_free (ctx);
  return result;
}

static int
color_type_for (int channels)
{
  switch (channels)
    {
    case 1: return PNG_COLOR_TYPE_GRAY;
    case 2: return PNG_COLOR_TYPE_GRAY_ALPHA;
    case 3: return PNG_COLOR_TYPE_RGB;
    default: return PNG_COLOR_TYPE_RGB_ALPHA;
    }
}

static inline guint32
quantise (float v, guint32 max)
{
  /* Clip to [0, 1] (NaN -> 0) and round to nearest. */
  if (!(v > 0.0f))
    return 0;
  if (v >= 1.0f)
    return max;
  return (guint32) (v * (float) max + 0.5f);
}

gboolean
ts_image_save_png (const TsImage *image, const char *path, int bit_depth, GError **error)
{
  g_return_val_if_fail (image != NULL && path != NULL, FALSE);
  if (bit_depth != 0 && bit_depth != 8 && bit_depth != 16)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: PNG bit depth must be 8 or 16, not %d", path, bit_depth);
      return FALSE;
    }
  if (image->channels < 1 || image->channels > 4)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: cannot save a %d-channel image as PNG", path, image->channels);
      return FALSE;
    }
  TsAtomicFile *file = ts_atomic_file_open (path, error);
  if (file == NULL)
    return FALSE;

  PngContext *ctx = g_new0 (PngContext, 1);
  ctx->path = path;
  ctx->stream = ts_atomic_file_stream (file);
  ctx->bit_depth = bit_depth == 0 ? ts_image_default_bit_depth (image, TS_FILE_FORMAT_PNG) : bit_depth;
  png_structp png = png_create_write_struct (PNG_LIBPNG_VER_STRING, ctx, png_error_cb,
                                             png_warning_cb);
  png_infop info = png != NULL ? png_create_info_struct (png) : NULL;
  if (info == NULL)
    {
      png_destroy_write_struct (&png, NULL);
      ts_atomic_file_abort (file);
      g_free (ctx);
      g_set_error (error, TS_ERROR, TS_ERROR_NOMEM, "%s: cannot initialise libpng", path);
      return FALSE;
    }
  ctx->pixels = g_malloc ((gsize) image->width * image->channels * (ctx->bit_depth / 8));
  if (setjmp (png_jmpbuf (png)))
    {
      if (ctx->write_errno != 0)
        g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: cannot write: %s", path,
                     g_strerror (ctx->write_errno));
      else
        g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: cannot write PNG: %s", path,
                     ctx->message);
      png_destroy_write_struct (&png, &info);
      ts_atomic_file_abort (file);
      g_free (ctx->pixels);
      g_free (ctx);
      return FALSE;
    }
  png_set_write_fn (png, ctx, png_write_cb, png_flush_cb);
  int bytes = ctx->bit_depth / 8;
  gsize row_values = (gsize) image->width * image->channels;
  png_set_IHDR (png, info, image->width, image->height, ctx->bit_depth, color_type_for (image->channels),
                PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (ts_icc_profile_suits (image->icc_profile, image->channels))
    {
      gsize profile_len = 0;
      const guint8 *profile = g_bytes_get_data (image->icc_profile, &profile_len);
      /* A profile libpng refuses is left out with a warning rather than failing the save. */
      png_set_benign_errors (png, 1);
      png_set_iCCP (png, info, "ICC profile", PNG_COMPRESSION_TYPE_BASE, profile,
                    (png_uint_32) profile_len);
    }
  png_write_info (png, info);
  guint32 max = ctx->bit_depth == 16 ? 65535 : 255;
  for (int y = 0; y < image->height; y++)
    {
      const float *src = image->data + (gsize) y * row_values;
      for (gsize i = 0; i < row_values; i++)
        {
          guint32 v = quantise (src[i], max);
          /* PNG stores 16-bit samples big-endian. */
          if (bytes == 2)
            {
              ctx->pixels[2 * i] = v >> 8;
              ctx->pixels[2 * i + 1] = v & 0xff;
            }
          else
            ctx->pixels[i] = v;
        }
      png_write_row (png, ctx->pixels);
    }
  png_write_end (png, info);
  png_destroy_write_struct (&png, &info);
  g_free (ctx->pixels);
  g_free (ctx);
  return ts_atomic_file_commit (file, error);
}
