/* Training checkpoints (docs/checkpoint-format.md): a signed container like the .tsm
 * model file, written atomically. */
#pragma once
#include "ts-train-config.h"

G_BEGIN_DECLS

#define TS_CHECKPOINT_VERSION 1

gboolean      ts_checkpoint_save (const TsTrainState *state, const char *path, GError **error);
/* Validates everything (sizes, finiteness, config ranges, checksum); the message names the
 * file and the problem. */
TsTrainState *ts_checkpoint_load (const char *path, GError **error);
/* The same from memory (fuzzing); `what` names the source in messages. */
TsTrainState *ts_checkpoint_load_from_bytes (const guint8 *bytes, gsize len, const char *what,
                                            GError **error);

G_END_DECLS
