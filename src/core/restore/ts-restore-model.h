/* The model a restoration uses: one rule for "auto", shared by tessera-cli and the window. */
#pragma once
#include "ts-image.h"
#include "ts-model.h"
#include "ts-noise-level.h"
#include "ts-task.h"

G_BEGIN_DECLS

/* The installed model the paper's task parameters (ts_task_paper_defaults) were tuned for. */
#define TS_RESTORE_PAPER_MODEL "ncpr-sigma25"

/* The model spec of a task when none is chosen: "auto" for denoising (the trained model for
 * the noise level), TS_RESTORE_PAPER_MODEL for super-resolution and MRI. */
const char *ts_restore_default_model (TsTask task);

/* TRUE when `spec` picks or builds its model from the noise level: NULL (which means
 * "auto"), "auto", "auto-cpr" and "dct". Such a spec needs a noise level; tessera-cli
 * denoise estimates one when none is given (ts_restore_estimate_sigma). */
gboolean ts_restore_model_uses_sigma (const char *spec);

/* The model for `spec` at noise level `sigma` (0-255 units; NAN counts as none), validated.
 *
 * NULL, "auto", "auto-cpr": the installed NCPR (CPR) model nearest to sigma, its threshold
 * adapted (ts_model_for_noise). When none is installed, or the installed one cannot be used
 * (unreadable, or it fails validation), the built-in DCT model at sigma stands in: "auto"
 * always gives a model for a valid noise level, so neither front end refuses to work on a
 * broken installation. The fallback is not silent: *note (may be NULL; NULL when there was
 * nothing to say) receives why, for the front end to show. A noise level outside (0, 255]
 * is an error.
 *
 * Anything else is what the user named (ts_model_resolve: a .tsm file, a reference folder,
 * "dct", "dct-sigma<S>" or an installed name), and any failure to load or validate it is an
 * error. */
TsModel *ts_restore_resolve_model (const char *spec, double sigma, char **note, GError **error);

/* The noise level of `image` for a restoration without one: the blind estimate
 * (ts_noise_level_estimate: white noise, or the correlated noise of camera JPEGs) in 0-255
 * units, raised to at least 0.5 (a model for no noise is not a denoiser) and at most 255. *estimate (may be NULL) receives the estimate before that. */
double ts_restore_estimate_sigma (const TsImage *image, double *estimate);
/* The same from the blind reading `level` of the image (ts_noise_level_estimate), without
 * reading it again. */
double ts_restore_sigma_from_level (const TsNoiseLevel *level, double *estimate);

G_END_DECLS
