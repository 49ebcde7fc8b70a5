/* tessera-cli train: the training and validation images, as grayscale (as RGB for the joint
 * colour form), and the validation images held out of --data when there is no --val. */
#include "cli-train-private.h"

#define HOLDOUT_MAX 10
/* Without --val, at most one image in HOLDOUT_SHARE is held out for validation. */
#define HOLDOUT_SHARE 5

static const char *const image_suffixes[] = { ".png", ".tif", ".tiff", ".jpg", ".jpeg", NULL };

/* The luminance of colour training images (ts_colour_luminance); gray ones as they are. */
static TsImage *
to_gray (TsImage *image)
{
  if (image->channels == 1)
    return image;
  TsImage *gray = ts_colour_luminance (image);
  ts_image_free (image);
  return gray;
}

/* RGB of a colour image (alpha dropped), for the joint colour form; NULL with an error for a
 * gray one. Takes `image`. */
static TsImage *
to_rgb (TsImage *image, const char *path, GError **error)
{
  g_autoptr (TsImage) owned = image;
  if (image->channels < 3)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                   "%s: a grayscale image; --colour joint trains on colour (RGB) images", path);
      return NULL;
    }
  if (image->channels == 3)
    return g_steal_pointer (&owned);
  TsImage *rgb = ts_image_new (image->width, image->height, 3, error);
  if (rgb == NULL)
    return NULL;
  for (int c = 0; c < 3; c++)
    {
      g_autoptr (TsImage) plane = ts_image_extract_channel (image, c);
      ts_image_set_channel (rgb, c, plane);
    }
  return rgb;
}

/* All images of `dir`, sorted by name, as grayscale, or as RGB when `rgb`. */
static gboolean
load_folder (const char *dir, gboolean rgb, GPtrArray **images_out, GPtrArray **names_out,
             int *n_colour, GError **error)
{
  g_autoptr (GPtrArray) paths = cli_list_dir (dir, image_suffixes, FALSE, error);
  if (paths == NULL)
    return FALSE;
  if (paths->len == 0)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_IO,
                   "%s: no images (.png, .tif, .tiff, .jpg or .jpeg)", dir);
      return FALSE;
    }
  g_autoptr (GPtrArray) images = g_ptr_array_new_with_free_func ((GDestroyNotify) ts_image_free);
  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      TsImage *image = ts_image_load (path, error);
      if (image == NULL)
        return FALSE;
      if (!ts_image_check_finite (image, path, error))
        {
          ts_image_free (image);
          return FALSE;
        }
      if (image->channels >= 3)
        (*n_colour)++;   /* gray + alpha just loses the alpha */
      if (rgb && (image = to_rgb (image, path, error)) == NULL)
        return FALSE;
      g_ptr_array_add (images, rgb ? image : to_gray (image));
      if (cli_cancelled ())
        {
          g_set_error (error, TS_ERROR, TS_ERROR_CANCELLED, "cancelled");
          return FALSE;
        }
    }
  *images_out = g_steal_pointer (&images);
  *names_out = g_steal_pointer (&paths);
  return TRUE;
}

/* Groupsize-2 CPR models work on 2x2 blocks: validation images (whole pictures) are
 * cropped to even sides, top-left, like `denoise` does. */
static void
even_crop (GPtrArray *images)
{
  for (guint i = 0; i < images->len; i++)
    {
      TsImage *im = g_ptr_array_index (images, i);
      int w = im->width / 2 * 2, h = im->height / 2 * 2;
      if ((w != im->width || h != im->height) && w > 0 && h > 0)
        {
          TsImage *cropped = ts_image_crop (im, 0, 0, w, h);
          g_ptr_array_index (images, i) = cropped;
          ts_image_free (im);
        }
    }
}

/* Holds out k images spread evenly over the sorted list for validation: the middle of
 * each of k equal runs (every n/k-th image). Takes the images of `all`. */
static void
hold_out (CliTrain *t, GPtrArray *all, GPtrArray *all_names)
{
  guint n = all->len, k = MIN (HOLDOUT_MAX, n / HOLDOUT_SHARE);
  g_autofree gboolean *held = g_new0 (gboolean, n);
  for (guint j = 0; j < k; j++)
    held[(guint) (((guint64) 2 * j + 1) * n / (2 * k))] = TRUE;
  t->train = g_ptr_array_new_with_free_func ((GDestroyNotify) ts_image_free);
  t->train_names = g_ptr_array_new_with_free_func (g_free);
  t->val = g_ptr_array_new_with_free_func ((GDestroyNotify) ts_image_free);
  t->val_names = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < n; i++)
    {
      TsImage *im = g_ptr_array_index (all, i);
      g_ptr_array_index (all, i) = NULL;
      g_ptr_array_add (held[i] ? t->val : t->train, im);
      g_ptr_array_add (held[i] ? t->val_names : t->train_names,
                       g_strdup (g_ptr_array_index (all_names, i)));
    }
  t->holdout = TRUE;
}

/* Every training image must hold a crop. */
static gboolean
check_training_images (const CliTrain *t, const TsTrainConfig *config, GError **error)
{
  for (guint i = 0; i < t->train->len; i++)
    {
      const TsImage *im = g_ptr_array_index (t->train, i);
      if (im->width < config->crop || im->height < config->crop)
        {
          g_set_error (error, TS_ERROR, TS_ERROR_INVALID,
                       "%s: %d x %d is smaller than the %d x %d training crops (--crop)",
                       (const char *) g_ptr_array_index (t->train_names, i), im->width,
                       im->height, config->crop, config->crop);
          return FALSE;
        }
    }
  if (t->train->len == 0)
    {
      g_set_error (error, TS_ERROR, TS_ERROR_INVALID, "%s: no training images left", t->data_dir);
      return FALSE;
    }
  return TRUE;
}

static void
say_images (CliTrain *t)
{
  if (t->holdout && t->val->len > 0)
    {
      GString *names = g_string_new (NULL);
      for (guint i = 0; i < t->val_names->len; i++)
        {
          g_autofree char *base = g_path_get_basename (g_ptr_array_index (t->val_names, i));
          g_string_append_printf (names, "%s%s", i ? ", " : "", base);
        }
      cli_train_say (t, "%u training image%s from %s; %u held out for validation (not trained "
                     "on): %s", t->train->len, cli_train_plural (t->train->len), t->data_dir,
                     t->val->len, names->str);
      g_string_free (names, TRUE);
    }
  else if (t->holdout)
    cli_train_say (t, "%u training image%s from %s; too few to hold out validation images (at "
                   "least %d needed): no validation; give --val DIR", t->train->len,
                   cli_train_plural (t->train->len), t->data_dir, HOLDOUT_SHARE);
  else
    cli_train_say (t, "%u training image%s from %s; %u validation image%s from %s",
                   t->train->len, cli_train_plural (t->train->len), t->data_dir, t->val->len,
                   cli_train_plural (t->val->len), t->val_dir);
}

gboolean
cli_train_load_images (CliTrain *t, const TsTrainConfig *config, GError **error)
{
  g_autoptr (GPtrArray) all = NULL, all_names = NULL;
  int n_colour = 0;
  gboolean rgb = config->colour_form == TS_COLOUR_FORM_JOINT;
  if (!load_folder (t->data_dir, rgb, &all, &all_names, &n_colour, error))
    return FALSE;

  if (t->val_dir != NULL)
    {
      int val_colour = 0;
      if (!load_folder (t->val_dir, rgb, &t->val, &t->val_names, &val_colour, error))
        return FALSE;
      n_colour += val_colour;
      t->train = g_steal_pointer (&all);
      t->train_names = g_steal_pointer (&all_names);
    }
  else
    hold_out (t, all, all_names);
  if (n_colour > 0 && !rgb)
    cli_train_say (t, "note: %d colour image%s converted to luminance (0.299 R + 0.587 G + "
                   "0.114 B)", n_colour, cli_train_plural ((guint) n_colour));

  if (!check_training_images (t, config, error))
    return FALSE;
  if (config->prox_type == TS_PROX_CPR && config->groupsize == 2)
    even_crop (t->val);
  say_images (t);
  if (t->val != NULL && t->val->len == 0)
    g_clear_pointer (&t->val, g_ptr_array_unref);
  return TRUE;
}
