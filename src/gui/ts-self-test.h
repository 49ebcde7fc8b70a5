/* The self-test the GUI tests drive (tessera --self-test FILE, tests/gui): one run (or two,
 * or one stopped, or one with Escape pressed) in the real window, checked for live previews,
 * PSNR, warm start, tiles, frame gaps and memory, the result saved as JPEG and decoded; a
 * screenshot; then the application quits with the verdict. */
#pragma once
#include <adwaita.h>
#include "ts-window.h"

G_BEGIN_DECLS

#define TS_TYPE_SELF_TEST (ts_self_test_get_type ())
G_DECLARE_FINAL_TYPE (TsSelfTest, ts_self_test, TS, SELF_TEST, GObject)

/* Adds the self-test's (hidden) command-line options to the application's. */
void        ts_self_test_add_option_entries (GApplication *application);
/* The self-test the parsed options ask for, or NULL without --self-test. */
TsSelfTest *ts_self_test_new_from_options   (GVariantDict *options);
/* Before `window` is shown: its size, when the self-test asks for one (--window-size, for
 * screenshots that show the whole sidebar). */
void        ts_self_test_prepare_window     (TsSelfTest *self, TsWindow *window);
/* Runs it in `window` once the window has drawn its first frames; with
 * `wait_for_document`, once the file being opened (on a thread) is the document. Quits
 * `application` at the end. */
void        ts_self_test_start              (TsSelfTest *self, GApplication *application,
                                             TsWindow *window, gboolean wait_for_document);
/* 0 passed, 1 failed, -1 not finished. */
int         ts_self_test_get_status         (TsSelfTest *self);

G_END_DECLS
