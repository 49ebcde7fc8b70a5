/* Simulated degradations (see ts-simulate.h). */
#include "ts-simulate.h"
#include "ts-colour.h"
#include "ts-noise.h"
#include "ts-operator.h"
#include "ts-task.h"

#include <glib/gi18n-lib.h>
#include <math.h>

TsImage *
ts_simulate_crop_to_groups (const TsModel *model, const TsImage *image, int max_width,
                            int max_height)
{
  g_return_val_if_fail (model != NULL && image != NULL, NULL);
  int g = ts_model_group_size (model);
  int w = MIN (image->width, max_width) / g * g, h = MIN (image->height, max_height) / g * g;

  if (w <= 0 || h <= 0)
    return NULL;
  if (w == image->width && h == image->height)
    return ts_image_copy (image);
  return ts_image_crop (image, 0, 0, w, h);
}

TsImage *
ts_simulate_noise_per_channel (const TsImage *clean, double sigma, guint64 seed)
{
  g_return_val_if_fail (clean != NULL, NULL);
  TsImage *noisy = ts_image_copy (clean);

  for (int c = 0; noisy != NULL && c < ts_colour_channels (noisy); c++)
    {
      g_autoptr (TsImage) plane = ts_image_extract_channel (noisy, c);
      ts_noise_add_gaussian (plane, sigma, seed + c);
      ts_image_set_channel (noisy, c, plane);
    }
  return noisy;
}

TsImage *
ts_simulate_sr (const TsImage *clean, TsImage **truth, GError **error)
{
  g_return_val_if_fail (clean != NULL && truth != NULL, NULL);
  int k = TS_SR_DEFAULT_KERNEL, s = TS_SR_DEFAULT_STRIDE;
  int nw = (clean->width - k) / s + 1, nh = (clean->height - k) / s + 1;
  g_autoptr (TsOperator) op = NULL;
  g_autoptr (TsImage) crop = NULL;
  g_autoptr (TsImage) lowres = NULL;

  if (clean->width < k + 4 * s || clean->height < k + 4 * s)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   _("The image is %d × %d pixels: too small to simulate super-resolution"),
                   clean->width, clean->height);
      return NULL;
    }
  op = ts_operator_sr_new (nw, nh, k, TS_SR_DEFAULT_STD, s, error);
  if (op == NULL)
    return NULL;
  crop = ts_image_crop (clean, 0, 0, op->width, op->height);
  lowres = ts_image_new (nw, nh, clean->channels, error);
  if (crop == NULL || lowres == NULL)
    return NULL;
  for (int c = 0; c < crop->channels; c++)
    {
      g_autoptr (TsImage) plane = ts_image_extract_channel (crop, c);
      g_autoptr (TsImage) low = ts_image_new (nw, nh, 1, error);
      if (low == NULL)
        return NULL;
      ts_operator_apply (op, plane->data, low->data);
      ts_image_set_channel (lowres, c, low);
    }
  *truth = g_steal_pointer (&crop);
  return g_steal_pointer (&lowres);
}

/* The column mask for the unshifted DFT: a column's frequency is min(c, width - c); the
 * lowest (both ends of the row) are all taken, the others at random so that about
 * width / acceleration columns are sampled in all. */
static void
fill_column_mask (float *mask, int width, int height, int acceleration, guint32 seed)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  double centre_fraction = acceleration >= 8 ? 0.04 : 0.08;
  int n_centre = MAX (2, (int) lrint (width * centre_fraction));
  double p = (width / (double) acceleration - n_centre) / MAX (1, width - n_centre);

  for (int c = 0; c < width; c++)
    {
      int freq = MIN (c, width - c);
      gboolean take = 2 * freq < n_centre || g_rand_double (rand) < p;
      for (int r = 0; r < height; r++)
        mask[(gsize) r * width + c] = take ? 1.0f : 0.0f;
    }
}

TsKspace *
ts_simulate_mri (const TsImage *clean, const TsModel *model, int acceleration, guint32 seed,
                 TsImage **truth, GError **error)
{
  g_return_val_if_fail (clean != NULL && model != NULL && truth != NULL, NULL);
  g_autoptr (TsImage) gray = ts_colour_luminance (clean);
  g_autoptr (TsImage) crop = NULL;
  g_autoptr (TsKspace) kspace = NULL;
  g_autoptr (TsOperator) op = NULL;

  if (gray == NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_NOMEM, _("Out of memory"));
      return NULL;
    }
  crop = ts_simulate_crop_to_groups (model, gray, gray->width, gray->height);
  if (crop == NULL)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "a %d x %d picture is too small to simulate MRI", clean->width, clean->height);
      return NULL;
    }
  kspace = ts_kspace_new (crop->width, crop->height, error);
  if (kspace == NULL)
    return NULL;
  fill_column_mask (kspace->mask, crop->width, crop->height, MAX (2, acceleration), seed);
  op = ts_operator_mri_new (crop->width, crop->height, kspace->mask, error);
  if (op == NULL)
    return NULL;
  ts_operator_apply (op, crop->data, kspace->data);
  *truth = g_steal_pointer (&crop);
  return g_steal_pointer (&kspace);
}
