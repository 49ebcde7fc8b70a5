/* JPEG through libjpeg(-turbo). Input: gray and RGB (YCbCr), 8-bit, with the EXIF orientation
 * applied. Output: baseline 8-bit gray or YCbCr, the ICC profile in APP2 segments. libjpeg reports fatal errors through error_exit, which must not return: ours
 * longjmps back to the loader, so a corrupt or truncated file is a GError, never exit(). */
#include "ts-io-jpeg.h"
#include "ts-icc.h"
#include "ts-atomic-file.h"
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

/* Everything the longjmp path touches lives here, on the heap: no non-volatile local is
 * modified between setjmp and longjmp. */
typedef struct {
  struct jpeg_error_mgr pub;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  int code;              /* libjpeg's message code of the fatal error */
  struct jpeg_decompress_struct cinfo;
  gboolean created;
  int channels;          /* of the output: 1 (gray) or 3 (RGB) */
  int orientation;       /* EXIF, 1 to 8 */
  TsImage *image;
  JSAMPLE *row;
  GBytes *icc;
} JpegContext;

static void
jpeg_error_exit_cb (j_common_ptr cinfo)
{
  JpegContext *ctx = (JpegContext *) cinfo->err;
  cinfo->err->format_message (cinfo, ctx->message);
  ctx->code = cinfo->err->msg_code;
  longjmp (ctx->jump, 1);
}

static void
jpeg_emit_message_cb (j_common_ptr cinfo, int msg_level)
{
  JpegContext *ctx = (JpegContext *) cinfo->err;
  /* Warnings (msg_level -1) about damaged entropy data are survivable and common in camera
   * files, but running out of data means the picture is incomplete: libjpeg would pad it
   * with gray. That is an error for us. Trace messages (>= 0) are dropped. */
  if (msg_level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF)
    {
      g_strlcpy (ctx->message, "the file is truncated (premature end of JPEG data)",
                 sizeof ctx->message);
      longjmp (ctx->jump, 1);
    }
  if (msg_level < 0)
    cinfo->err->num_warnings++;
}

static void
jpeg_output_message_cb (j_common_ptr cinfo)
{
  /* Never print to stderr from the library. */
  (void) cinfo;
}

/* --- EXIF orientation ---------------------------------------------------------------- */

static guint
read_u16 (const guint8 *p, gboolean big_endian)
{
  return big_endian ? ((guint) p[0] << 8) | p[1] : ((guint) p[1] << 8) | p[0];
}

static guint32
read_u32 (const guint8 *p, gboolean big_endian)
{
  return big_endian ? ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3]
                    : ((guint32) p[3] << 24) | ((guint32) p[2] << 16) | ((guint32) p[1] << 8) | p[0];
}

/* The orientation tag (0x0112) of IFD0 in an APP1 "Exif\0\0" payload; 1 when absent or
 * malformed (every offset is checked against the segment's length). */
static int
exif_orientation (const guint8 *data, gsize len)
{
  if (len < 6 + 8 || memcmp (data, "Exif\0\0", 6) != 0)
    return 1;
  const guint8 *tiff = data + 6;
  gsize n = len - 6;
  gboolean big_endian;
  if (tiff[0] == 'I' && tiff[1] == 'I')
    big_endian = FALSE;
  else if (tiff[0] == 'M' && tiff[1] == 'M')
    big_endian = TRUE;
  else
    return 1;
  if (read_u16 (tiff + 2, big_endian) != 42)
    return 1;
  guint32 ifd = read_u32 (tiff + 4, big_endian);
  if (ifd < 8 || (gsize) ifd + 2 > n)
    return 1;
  guint count = read_u16 (tiff + ifd, big_endian);
  for (guint i = 0; i < count; i++)
    {
      gsize entry = (gsize) ifd + 2 + (gsize) i * 12;
      if (entry + 12 > n)
        return 1;
      const guint8 *e = tiff + entry;
      if (read_u16 (e, big_endian) != 0x0112)
        continue;
      guint type = read_u16 (e + 2, big_endian);
      guint value;
      if (type == 3)         /* SHORT: left-justified in the value field */
        value = read_u16 (e + 8, big_endian);
      else if (type == 4)    /* LONG, seen in the wild */
        value = read_u32 (e + 8, big_endian);
      else
        return 1;
      return value >= 1 && value <= 8 ? (int) value : 1;
    }
  return 1;
}

/* The image as displayed: `orientation` says how the stored image must be flipped/rotated
 * (EXIF 2.3, tag 0x0112): 1 as is, 2 mirrored, 3 rotated 180, 4 flipped vertically,
 * 5 transposed, 6 rotated 90 degrees clockwise, 7 transversed, 8 rotated 90 counter-clockwise.
 * Returns `image` itself for 1. */
static TsImage *
apply_orientation (TsImage *image, int orientation, GError **error)
{
  if (orientation <= 1 || orientation > 8)
    return image;
  int w = image->width, h = image->height, c = image->channels;
  gboolean swap = orientation >= 5;
  TsImage *out = ts_image_new (swap ? h : w, swap ? w : h, c, error);
  if (out == NULL)
    return NULL;
  for (int Y = 0; Y < out->height; Y++)
    for (int X = 0; X < out->width; X++)
      {
        int x, y;
        switch (orientation)
          {
          case 2: x = w - 1 - X; y = Y; break;
          case 3: x = w - 1 - X; y = h - 1 - Y; break;
          case 4: x = X; y = h - 1 - Y; break;
          case 5: x = Y; y = X; break;
          case 6: x = Y; y = h - 1 - X; break;
          case 7: x = w - 1 - Y; y = h - 1 - X; break;
          default: x = w - 1 - Y; y = X; break;   /* 8 */
          }
        memcpy (out->data + ((gsize) Y * out->width + X) * c,
                image->data + ((gsize) y * w + x) * c, sizeof (float) * c);
      }
  return out;
}

/* --- ICC profile ----------------------------------------------------------------------- */

/* The profile carried by APP2 segments "ICC_PROFILE\0" + sequence number (1-based) + count
 * + data (ICC.1 annex B.4), concatenated in sequence order. NULL when there is none, or when
 * the segments do not make one profile: a sequence number of 0 or over the count, counts
 * that disagree, a part missing or given twice, a segment cut short, or a result that
 * ts_icc_profile_new refuses. */
static GBytes *
icc_from_markers (jpeg_saved_marker_ptr list)
{
  static const char signature[12] = "ICC_PROFILE";   /* with its NUL */
  jpeg_saved_marker_ptr parts[256] = { NULL };
  int count = 0;
  gsize total = 0;

  for (jpeg_saved_marker_ptr m = list; m != NULL; m = m->next)
    {
      if (m->marker != JPEG_APP0 + 2 || m->data_length < 14
          || memcmp (m->data, signature, sizeof signature) != 0)
        continue;
      int seq = m->data[12], n = m->data[13];
      if (m->data_length != m->original_length || n == 0 || seq == 0 || seq > n
          || (count != 0 && n != count) || parts[seq] != NULL)
        return NULL;
      count = n;
      parts[seq] = m;
      total += m->data_length - 14;
    }
  if (count == 0 || total > TS_ICC_MAX_SIZE)
    return NULL;
  for (int i = 1; i <= count; i++)
    if (parts[i] == NULL)
      return NULL;
  g_autofree guint8 *profile = g_try_malloc (MAX (total, 1));
  if (profile == NULL)
    return NULL;
  gsize at = 0;
  for (int i = 1; i <= count; i++)
    {
      memcpy (profile + at, parts[i]->data + 14, parts[i]->data_length - 14);
      at += parts[i]->data_length - 14;
    }
  return ts_icc_profile_new (profile, total);
}

/* --- loader ---------------------------------------------------------------------------- */

static void
context_free (JpegContext *ctx)
{
  if (ctx->created)
    jpeg_destroy_decompress (&ctx->cinfo);
  ts_image_free (ctx->image);
  g_clear_pointer (&ctx->icc, g_bytes_unref);
  g_free (ctx->row);
  g_free (ctx);
}

static JpegContext *
context_new (void)
{
  JpegContext *ctx = g_new0 (JpegContext, 1);
  ctx->cinfo.err = jpeg_std_error (&ctx->pub);
  ctx->pub.error_exit = jpeg_error_exit_cb;
  ctx->pub.emit_message = jpeg_emit_message_cb;
  ctx->pub.output_message = jpeg_output_message_cb;
  return ctx;
}

/* The whole file, which must start with an SOI marker and another marker. */
static char *
read_jpeg_file (const char *path, gsize *length, GError **error)
{
  g_autoptr (GError) read_error = NULL;
  g_autofree char *contents = NULL;
  if (!g_file_get_contents (path, &contents, length, &read_error))
    {
      g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: cannot read: %s", path, read_error->message);
      return NULL;
    }
  if (*length < 3 || (guint8) contents[0] != 0xff || (guint8) contents[1] != 0xd8
      || (guint8) contents[2] != 0xff)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: not a JPEG file", path);
      return NULL;
    }
  return g_steal_pointer (&contents);
}

/* The first EXIF orientation other than 1 among the saved APP1 markers, else 1. */
static int
orientation_from_markers (jpeg_saved_marker_ptr list)
{
  for (jpeg_saved_marker_ptr m = list; m != NULL; m = m->next)
    if (m->marker == JPEG_APP0 + 1)
      {
        int orientation = exif_orientation (m->data, m->data_length);
        if (orientation != 1)
          return orientation;
      }
  return 1;
}

/* Sets the output colour space for the file's: gray stays gray, YCbCr (or three
 * components of another kind) becomes RGB; CMYK and other counts are refused. */
static gboolean
choose_output_space (JpegContext *ctx, const char *path, GError **error)
{
  switch (ctx->cinfo.jpeg_color_space)
    {
    case JCS_GRAYSCALE:
      ctx->cinfo.out_color_space = JCS_GRAYSCALE;
      ctx->channels = 1;
      return TRUE;
    case JCS_CMYK:
    case JCS_YCCK:
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: CMYK JPEG images are not supported (convert it to RGB first)", path);
      return FALSE;
    default:
      if (ctx->cinfo.num_components != 3)
        {
          g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                       "%s: JPEG with %d colour components is not supported", path,
                       ctx->cinfo.num_components);
          return FALSE;
        }
      ctx->cinfo.out_color_space = JCS_RGB;
      ctx->channels = 3;
      return TRUE;
    }
}

/* Decompresses the scanlines into ctx->image. May longjmp. */
static gboolean
read_jpeg_pixels (JpegContext *ctx, const char *path, GError **error)
{
  int channels = ctx->channels;
  jpeg_start_decompress (&ctx->cinfo);
  if ((int) ctx->cinfo.output_components != channels)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: unexpected JPEG colour conversion (%d components)", path,
                   ctx->cinfo.output_components);
      return FALSE;
    }
  int w = (int) ctx->cinfo.output_width, h = (int) ctx->cinfo.output_height;
  ctx->image = ts_image_new (w, h, channels, error);
  if (ctx->image == NULL)
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  ctx->row = g_new (JSAMPLE, (gsize) w * channels);
  while (ctx->cinfo.output_scanline < ctx->cinfo.output_height)
    {
      int y = (int) ctx->cinfo.output_scanline;
      JSAMPROW rows[1] = { ctx->row };
      if (jpeg_read_scanlines (&ctx->cinfo, rows, 1) != 1)
        {
          g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: corrupt JPEG: could not decode row %d",
                       path, y);
          return FALSE;
        }
      float *dst = ctx->image->data + (gsize) y * w * channels;
      for (gsize i = 0; i < (gsize) w * channels; i++)
        dst[i] = ctx->row[i] * (1.0f / 255.0f);
    }
  jpeg_finish_decompress (&ctx->cinfo);
  return TRUE;
}

/* Decodes `contents` into ctx->image, ctx->icc and ctx->orientation. The only function
 * with a setjmp: every libjpeg call runs below it, and no local of this function changes
 * after the setjmp (the state lives in `ctx`). */
static gboolean
decode_jpeg (JpegContext *ctx, const char *path, const char *contents, gsize length,
             GError **error)
{
  if (setjmp (ctx->jump))
    {
      /* A valid file of a kind this libjpeg does not decode (12-bit, ...) is not corrupt. */
      if (ctx->code == JERR_BAD_PRECISION || ctx->code == JERR_NOT_COMPILED
          || ctx->code == JERR_CONVERSION_NOTIMPL)
        g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED, "%s: unsupported JPEG: %s", path,
                     ctx->message);
      else
        g_set_error (error, TS_ERROR, TS_ERROR_FORMAT, "%s: corrupt JPEG: %s", path, ctx->message);
      return FALSE;
    }
  jpeg_create_decompress (&ctx->cinfo);
  ctx->created = TRUE;
  jpeg_mem_src (&ctx->cinfo, (const unsigned char *) contents, (unsigned long) length);
  jpeg_save_markers (&ctx->cinfo, JPEG_APP0 + 1, 0xffff);
  jpeg_save_markers (&ctx->cinfo, JPEG_APP0 + 2, 0xffff);
  jpeg_read_header (&ctx->cinfo, TRUE);
  ctx->icc = icc_from_markers (ctx->cinfo.marker_list);
  ctx->orientation = orientation_from_markers (ctx->cinfo.marker_list);
  if (!choose_output_space (ctx, path, error)
      || !ts_limits_check (path, ctx->cinfo.image_width, ctx->cinfo.image_height, ctx->channels,
                           error))
    return FALSE;
  return read_jpeg_pixels (ctx, path, error);
}

TsImage *
ts_image_load_jpeg (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  gsize length = 0;
  g_autofree char *contents = read_jpeg_file (path, &length, error);
  if (contents == NULL)
    return NULL;

  JpegContext *ctx = context_new ();
  if (!decode_jpeg (ctx, path, contents, length, error))
    {
      context_free (ctx);
      return NULL;
    }
  TsImage *image = g_steal_pointer (&ctx->image);
  GBytes *icc = g_steal_pointer (&ctx->icc);
  int orientation = ctx->orientation;
  context_free (ctx);
  TsImage *oriented = apply_orientation (image, orientation, error);
  if (oriented != image)
    {
      ts_image_free (image);
      if (oriented == NULL)
        g_prefix_error (error, "%s: ", path);
    }
  if (oriented != NULL)
    {
      oriented->source_bit_depth = 8;
      oriented->icc_profile = g_steal_pointer (&icc);
    }
  g_clear_pointer (&icc, g_bytes_unref);
  return oriented;
}

/* --- writer ---------------------------------------------------------------------------- */

/* As JpegContext, for compression: the longjmp path frees what lives here. */
typedef struct {
  struct jpeg_error_mgr pub;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  int write_errno;       /* errno of a failed write to the file (JERR_FILE_WRITE), else 0 */
  struct jpeg_compress_struct cinfo;
  gboolean created;
  JSAMPLE *row;
} JpegWriteContext;

static void
jpeg_write_error_exit_cb (j_common_ptr cinfo)
{
  JpegWriteContext *ctx = (JpegWriteContext *) cinfo->err;
  int saved = errno;
  if (cinfo->err->msg_code == JERR_FILE_WRITE)
    ctx->write_errno = saved;
  cinfo->err->format_message (cinfo, ctx->message);
  longjmp (ctx->jump, 1);
}

/* The profile as APP2 "ICC_PROFILE\0" + sequence number + count + data (ICC.1 annex B.4),
 * in parts of at most TS_JPEG_ICC_CHUNK bytes. May longjmp. */
static void
write_icc_markers (j_compress_ptr cinfo, GBytes *icc)
{
  static const char signature[12] = "ICC_PROFILE";   /* with its NUL */
  gsize len = 0;
  const guint8 *profile = g_bytes_get_data (icc, &len);
  guint count = (guint) ((len + TS_JPEG_ICC_CHUNK - 1) / TS_JPEG_ICC_CHUNK);
  if (count == 0 || count > 255)
    return;
  for (guint i = 0; i < count; i++)
    {
      gsize at = (gsize) i * TS_JPEG_ICC_CHUNK;
      gsize n = MIN (len - at, (gsize) TS_JPEG_ICC_CHUNK);
      jpeg_write_m_header (cinfo, JPEG_APP0 + 2, (unsigned int) (n + 14));
      for (gsize k = 0; k < sizeof signature; k++)
        jpeg_write_m_byte (cinfo, signature[k]);
      jpeg_write_m_byte (cinfo, (int) i + 1);
      jpeg_write_m_byte (cinfo, (int) count);
      for (gsize k = 0; k < n; k++)
        jpeg_write_m_byte (cinfo, profile[at + k]);
    }
}

/* Compresses `image` into `stream`. The only function with a setjmp; no local of it changes
 * after the setjmp. */
static gboolean
encode_jpeg (JpegWriteContext *ctx, const TsImage *image, int quality, FILE *stream,
             const char *path, GError **error)
{
  if (setjmp (ctx->jump))
    {
      /* A full disk says so ("File too large", "No space left on device"), not libjpeg's
       * generic message. */
      if (ctx->write_errno != 0)
        g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: cannot write: %s", path,
                     g_strerror (ctx->write_errno));
      else
        g_set_error (error, TS_ERROR, TS_ERROR_IO, "%s: cannot write JPEG: %s", path,
                     ctx->message);
      return FALSE;
    }
  jpeg_create_compress (&ctx->cinfo);
  ctx->created = TRUE;
  jpeg_stdio_dest (&ctx->cinfo, stream);
  ctx->cinfo.image_width = (JDIMENSION) image->width;
  ctx->cinfo.image_height = (JDIMENSION) image->height;
  ctx->cinfo.input_components = image->channels;
  ctx->cinfo.in_color_space = image->channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults (&ctx->cinfo);
  jpeg_set_quality (&ctx->cinfo, quality, TRUE);
  /* Full-resolution chroma at high qualities: 4:2:0 would blur coloured edges that the
   * restoration has just sharpened. Huffman tables optimised; still baseline. */
  if (image->channels == 3 && quality >= 90)
    {
      ctx->cinfo.comp_info[0].h_samp_factor = 1;
      ctx->cinfo.comp_info[0].v_samp_factor = 1;
    }
  ctx->cinfo.optimize_coding = TRUE;
  jpeg_start_compress (&ctx->cinfo, TRUE);
  if (ts_icc_profile_suits (image->icc_profile, image->channels))
    write_icc_markers (&ctx->cinfo, image->icc_profile);
  gsize row_values = (gsize) image->width * image->channels;
  ctx->row = g_new (JSAMPLE, row_values);
  while (ctx->cinfo.next_scanline < ctx->cinfo.image_height)
    {
      const float *src = image->data + (gsize) ctx->cinfo.next_scanline * row_values;
      for (gsize i = 0; i < row_values; i++)
        {
          float v = src[i];
          /* NaN and values outside [0, 1] clip, as in the PNG writer. */
          ctx->row[i] = !(v > 0.0f) ? 0 : v >= 1.0f ? 255 : (JSAMPLE) (v * 255.0f + 0.5f);
        }
      JSAMPROW rows[1] = { ctx->row };
      jpeg_write_scanlines (&ctx->cinfo, rows, 1);
    }
  jpeg_finish_compress (&ctx->cinfo);
  return TRUE;
}

gboolean
ts_image_save_jpeg (const TsImage *image, const char *path, int quality, GError **error)
{
  g_return_val_if_fail (image != NULL && path != NULL, FALSE);
  if (quality < 1 || quality > 100)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "%s: JPEG quality must be 1 to 100, not %d", path, quality);
      return FALSE;
    }
  if (image->channels != 1 && image->channels != 3)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   image->channels == 2 || image->channels == 4
                     ? "%s: JPEG has no alpha channel: save this %d-channel image as .png or .tif"
                     : "%s: cannot save a %d-channel image as JPEG",
                   path, image->channels);
      return FALSE;
    }
  if (image->width < 1 || image->height < 1 || image->width > JPEG_MAX_DIMENSION
      || image->height > JPEG_MAX_DIMENSION)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_UNSUPPORTED,
                   "%s: JPEG sides are 1 to %d pixels, not %d x %d", path, (int) JPEG_MAX_DIMENSION,
                   image->width, image->height);
      return FALSE;
    }
  TsAtomicFile *file = ts_atomic_file_open (path, error);
  if (file == NULL)
    return FALSE;
  JpegWriteContext *ctx = g_new0 (JpegWriteContext, 1);
  ctx->cinfo.err = jpeg_std_error (&ctx->pub);
  ctx->pub.error_exit = jpeg_write_error_exit_cb;
  ctx->pub.output_message = jpeg_output_message_cb;
  gboolean ok = encode_jpeg (ctx, image, quality, ts_atomic_file_stream (file), path, error);
  if (ctx->created)
    jpeg_destroy_compress (&ctx->cinfo);
  g_free (ctx->row);
  g_free (ctx);
  if (!ok)
    {
      ts_atomic_file_abort (file);
      return FALSE;
    }
  return ts_atomic_file_commit (file, error);
}
