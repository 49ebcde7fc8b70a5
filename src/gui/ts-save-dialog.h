/* Where to save a panel and with which bit depth: the file chooser with the formats (PNG,
 * TIFF, JPEG, NumPy), the depth and JPEG quality choices, a name after the opened file, and
 * a confirmation before the opened file itself is replaced. */
#pragma once
#include <adwaita.h>
#include "ts-document.h"

G_BEGIN_DECLS

#define TS_TYPE_SAVE_DIALOG (ts_save_dialog_get_type ())
G_DECLARE_FINAL_TYPE (TsSaveDialog, ts_save_dialog, TS, SAVE_DIALOG, GObject)

/* `panel`: "input", "result", "smooth", "sparse" or "cost", or NULL for the atoms grid (no
 * depth choice). `document` (may be NULL) names the file and offers the folder, and for the
 * input and the result the depth it was read with. */
TsSaveDialog *ts_save_dialog_new          (GtkWindow *parent, const char *panel,
                                           TsDocument *document);
const char   *ts_save_dialog_get_panel    (TsSaveDialog *self);
/* The JPEG quality offered first (1 to 100; TS_JPEG_DEFAULT_QUALITY unless set), and after
 * the dialog the one chosen. */
void          ts_save_dialog_set_jpeg_quality (TsSaveDialog *self, int quality);
int           ts_save_dialog_get_jpeg_quality (TsSaveDialog *self);
/* Shows the dialog; the callback gets the dialog as its source object. */
void          ts_save_dialog_choose       (TsSaveDialog *self, GAsyncReadyCallback callback,
                                           gpointer user_data);
/* The local path chosen and the bit depth for its format (0: the format's default; 8 for
 * JPEG), or
 * NULL: G_IO_ERROR_CANCELLED when dismissed or the replacement declined, otherwise an error
 * whose message is for the user (not a local file, not a known extension). */
char         *ts_save_dialog_choose_finish (TsSaveDialog *self, GAsyncResult *result,
                                            int *bit_depth, GError **error);

G_END_DECLS
