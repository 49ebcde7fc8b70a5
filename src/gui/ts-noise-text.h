/* The noise of a denoising (TsRestoreNoise, ts-restore-noise.h) in words a photographer reads:
 * what was read from the picture and the levels the planes were solved at, for the window's
 * noise rows and its run summary. Plain C on libtessera, no GTK (the tests call it). Levels
 * in 0-255 units, as the noise level control has them. */
#pragma once
#include <glib.h>
#include "tessera.h"

G_BEGIN_DECLS

/* "Gaussian" / "Poisson-Gaussian" / "Automatic", translated. */
const char *ts_noise_text_model_name (TsNoiseModel model);
/* The reading of `noise` (estimated) as `model` (GAUSSIAN or POISSON_GAUSSIAN) sees it.
 * Gaussian: the blind level per plane, "Luminance 6.2 · Colour 2.1 / 1.9, white noise" (gray:
 * "6.2, camera noise"). Poisson-Gaussian: the noise at mid-grey per colour channel, "Grows with
 * brightness: R 3.1 · G 2.8 · B 3.5 at mid-grey", the variance the run uses when `noise` is
 * Poisson-Gaussian, else the reading. NULL when there is nothing to say (no reading). */
char       *ts_noise_text_reading (const TsRestoreNoise *noise, TsNoiseModel model);
/* The tooltip of that reading: for Poisson-Gaussian a and b per channel, for Gaussian what
 * the kind of noise means. */
char       *ts_noise_text_reading_tooltip (const TsRestoreNoise *noise, TsNoiseModel model);
/* The levels the planes are solved at: "Solved at luminance 6.2 · colour 12.4 / 12.4" (gray:
 * "Solved at 6.2"; per R, G, B: "Solved at R 6.2 · G 6.2 · B 6.2"). */
char       *ts_noise_text_solved (const TsRestoreNoise *noise);
/* The model used, for the run's summary: "Gaussian noise", "Poisson-Gaussian noise", with
 * "(automatic)" when it was chosen automatically. */
char       *ts_noise_text_used (const TsRestoreNoise *noise);

G_END_DECLS
