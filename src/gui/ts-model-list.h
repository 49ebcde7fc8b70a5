/* The entries of the model menu, in words a user understands: automatic, the built-in DCT
 * model, then the installed learned models by noise level, then kind (NCPR before CPR), then
 * any other installed .tsm file. No GTK: the unit tests check the order and the labels. */
#pragma once
#include <glib.h>
#include "tessera.h"

G_BEGIN_DECLS

typedef struct {
  char *title;      /* "Learned, noise level 15 (NCPR)" */
  char *subtitle;   /* the technical name: "ncpr-sigma15" */
  char *spec;       /* what ts_job_resolve_model takes: "auto", "dct", a name or a path */
} TsModelListEntry;

void       ts_model_list_entry_free (TsModelListEntry *entry);
/* A new entry (copies the strings). */
TsModelListEntry *ts_model_list_entry_new (const char *title, const char *subtitle,
                                           const char *spec);
/* The built-in entries, the installed models (ts_model_search_dirs), then the user's own
 * models (ts_model_user_dir, by path: tuned in the window, for instance); elements are
 * TsModelListEntry *. */
GPtrArray *ts_model_list_new (void);
/* The entry of a model file in the user's folder (its spec is `path`). */
TsModelListEntry *ts_model_list_user_entry_new (const char *path);
/* The model row's words for `entry` chosen: its title and, for a spec that picks its model by
 * the noise level ("auto", "dct": ts_restore_model_uses_sigma) when `model` (may be NULL) is
 * known, the model it picks and the level it picks it at (the run's luminance level), and
 * the colour planes' own model `chroma_model` when there is one (may be NULL). */
char      *ts_model_list_describe (const TsModelListEntry *entry, const TsModel *model,
                                   double level, const TsModel *chroma_model);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsModelListEntry, ts_model_list_entry_free)

G_END_DECLS
