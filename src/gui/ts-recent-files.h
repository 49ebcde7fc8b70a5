/* The Open button's menu of recent files: this application's local files that still exist,
 * newest first, kept up to date with GtkRecentManager. */
#pragma once
#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TS_TYPE_RECENT_FILES (ts_recent_files_get_type ())
G_DECLARE_FINAL_TYPE (TsRecentFiles, ts_recent_files, TS, RECENT_FILES, GObject)

/* Fills `menu` with "win.open-recent" items (the URI as target) while the object lives. */
TsRecentFiles *ts_recent_files_new (GMenu *menu);
/* Records an opened or saved file with the recent manager. */
void           ts_recent_files_add (GFile *file);
/* TRUE when the menu lists `file`. */
gboolean       ts_recent_files_contains (TsRecentFiles *self, GFile *file);

G_END_DECLS
