/* The Tessera model file (.tsm, docs/model-format.md) and the importer from the
 * reference layout (a folder with atoms.npy, free_atoms.npy, beta.npy,
 * lambda_scaling.npy, config.json). */
#pragma once
#include "ts-model.h"

G_BEGIN_DECLS

#define TS_MODEL_FILE_VERSION 1

TsModel *ts_model_load (const char *path, GError **error);
gboolean ts_model_save (const TsModel *model, const char *path, GError **error);
TsModel *ts_model_import_reference (const char *dir, GError **error);
/* Resolves a --model argument: a path to a .tsm file, a reference folder, "dct" (the
 * built-in analytic model for `sigma`), "auto" / "auto-cpr" (the installed NCPR / CPR model
 * for `sigma`, ts_model_for_noise), or the name of an installed model (`<prox>-sigma<S>`,
 * looked up in ts_model_search_dirs ()). */
TsModel *ts_model_resolve (const char *name_or_path, double sigma, GError **error);

G_END_DECLS
