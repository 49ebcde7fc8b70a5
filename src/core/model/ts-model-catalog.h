/* Installed models (found by name, `<prox>-sigma<S>.tsm`, `<prox>-chroma-sigma<S>.tsm`) and
 * the model for a noise level. */
#pragma once
#include "ts-model.h"

G_BEGIN_DECLS

/* Where named models are looked for, in order: $TESSERA_MODEL_PATH (':'-separated), the
 * installed data folder, and the source tree's data/models (for a build that runs
 * uninstalled). */
GPtrArray *ts_model_search_dirs (void);

/* The user's own models (the window's tuned models are saved there):
 * $XDG_DATA_HOME/tessera/models. Not a search folder: a file there never shadows an installed
 * model of the same name, and is named by its path. */
char *ts_model_user_dir (void);

typedef struct {
  char *name;          /* "ncpr-sigma25" */
  char *path;
  TsProxType prox_type;
  double sigma;        /* 0-255 */
  /* `<prox>-sigma<S>-fast`: trained for an iteration budget (docs/training.md); chosen by
   * name only, never by the automatic rule, whose models run to convergence. */
  gboolean fast;
  /* `<prox>-chroma-sigma<S>`: trained on the opponent chroma planes of colour pictures
   * (issue 20); the automatic rule's model for those planes, never for a gray picture or the
   * luminance. */
  gboolean chroma;
} TsModelEntry;

/* Every `<prox>-sigma<S>.tsm`, `<prox>-sigma<S>-fast.tsm` and `<prox>-chroma-sigma<S>.tsm`
 * in the search folders (the first of a name wins), sorted by prox then sigma. Elements are
 * TsModelEntry *. */
GPtrArray *ts_model_catalog (void);

/* The model for denoising at noise level `sigma` (0-255): the installed model of that prox
 * family whose sigma is nearest on a log scale, with its base threshold scaled by
 * sigma / S. That scaling is exactly denoising the image scaled by S / sigma (noise S, what
 * the model was trained for) and scaling the result back: both regularisers are
 * homogeneous of degree 2 under (u, m) -> (a u, a m) (docs/training.md, "Any noise level").
 * Without an installed model of the family, the DCT baseline for sigma. */
TsModel *ts_model_for_noise (TsProxType prox_type, double sigma, GError **error);

/* The installed chroma-plane model of that family for noise level `sigma`, chosen and adapted
 * as ts_model_for_noise does; NULL without an error when none is installed or when a
 * luminance model of the family was trained nearer the level (the chroma planes then take
 * the luminance's model). */
TsModel *ts_model_for_chroma_noise (TsProxType prox_type, double sigma, GError **error);

/* Resolves a --model argument: a path to a .tsm file, a reference folder, "dct" (the
 * built-in analytic model for `sigma`), "auto" / "auto-cpr" (the installed NCPR / CPR model
 * for `sigma`, ts_model_for_noise), or the name of an installed model (`<prox>-sigma<S>`,
 * looked up in ts_model_search_dirs ()). */
TsModel *ts_model_resolve (const char *name_or_path, double sigma, GError **error);

G_END_DECLS
