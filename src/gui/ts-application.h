/* The application: actions, accelerators and the command line; the self-test that the GUI
 * tests drive is ts-self-test.c. */
#pragma once
#include <adwaita.h>

G_BEGIN_DECLS

#define TS_TYPE_APPLICATION (ts_application_get_type ())
G_DECLARE_FINAL_TYPE (TsApplication, ts_application, TS, APPLICATION, AdwApplication)

TsApplication *ts_application_new             (GApplicationFlags extra_flags);
GSettings     *ts_application_get_settings    (TsApplication *self);
/* The self-test's verdict (0 passed, 1 failed), or -1 when no self-test ran. */
int            ts_application_get_self_test_status (TsApplication *self);

G_END_DECLS
