/* Centred k-space to Tessera's layout: a shift and a phase (ts-kspace-centre.h). */
#include "ts-kspace-centre.h"
#include <math.h>

void
ts_kspace_from_centred (const float *in, float *out, int width, int height)
{
  int hr = height / 2, hc = width / 2;
  g_autofree double *row_phase = g_new (double, 2 * (gsize) height);
  g_autofree double *col_phase = g_new (double, 2 * (gsize) width);
  for (int r = 0; r < height; r++)
    {
      double a = -2.0 * G_PI * (double) ((gint64) r * hr % height) / height;
      row_phase[2 * r] = height % 2 == 0 ? (r % 2 ? -1.0 : 1.0) : cos (a);
      row_phase[2 * r + 1] = height % 2 == 0 ? 0.0 : sin (a);
    }
  for (int c = 0; c < width; c++)
    {
      double a = -2.0 * G_PI * (double) ((gint64) c * hc % width) / width;
      col_phase[2 * c] = width % 2 == 0 ? (c % 2 ? -1.0 : 1.0) : cos (a);
      col_phase[2 * c + 1] = width % 2 == 0 ? 0.0 : sin (a);
    }
  gboolean even = height % 2 == 0 && width % 2 == 0;
  for (int r = 0; r < height; r++)
    for (int c = 0; c < width; c++)
      {
        gsize src = (gsize) ((r + hr) % height) * width + (gsize) ((c + hc) % width);
        gsize dst = (gsize) r * width + (gsize) c;
        float re = in[2 * src], im = in[2 * src + 1];
        if (even)
          {
            if ((r + c) % 2 != 0)
              re = -re, im = -im;
            out[2 * dst] = re;
            out[2 * dst + 1] = im;
            continue;
          }
        double pr = row_phase[2 * r] * col_phase[2 * c] - row_phase[2 * r + 1] * col_phase[2 * c + 1];
        double pi = row_phase[2 * r] * col_phase[2 * c + 1] + row_phase[2 * r + 1] * col_phase[2 * c];
        out[2 * dst] = (float) (re * pr - im * pi);
        out[2 * dst + 1] = (float) (re * pi + im * pr);
      }
}

void
ts_kspace_mask_from_centred (const float *in, float *out, int width, int height)
{
  int hr = height / 2, hc = width / 2;
  for (int r = 0; r < height; r++)
    for (int c = 0; c < width; c++)
      out[(gsize) r * width + c] = in[(gsize) ((r + hr) % height) * width + (c + hc) % width];
}
