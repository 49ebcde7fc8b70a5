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

G_END_DECLS
