/* The preferences window: default model, tolerance, threads and preview rate, bound to
 * GSettings. */
#pragma once
#include <adwaita.h>

G_BEGIN_DECLS

#define TS_TYPE_PREFERENCES_WINDOW (ts_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (TsPreferencesWindow, ts_preferences_window, TS, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

GtkWidget *ts_preferences_window_new (GtkWindow *parent, GSettings *settings);

G_END_DECLS
