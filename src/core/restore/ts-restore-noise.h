/* The noise a denoising assumes and the level each plane is solved at: one rule for tessera-cli
 * and the window (issue 20).
 *
 *   - A given level (sigma) is a white Gaussian level: the noise model is Gaussian, whatever
 *     `auto` would say, and poisson-gaussian with a given level is an error.
 *   - Without one the image is read: the blind level (ts_noise_level_estimate: white noise,
 *     or the correlated noise of camera JPEGs) raised to at least 0.5 (ts_restore_sigma_from_level)
 *     and, for poisson-gaussian and auto, the Poisson-Gaussian reading (ts_noise_model_estimate);
 *     auto takes the model ts_noise_model_choose picks.
 *   - Poisson-Gaussian: each colour channel goes through its generalised Anscombe transform
 *     (ts-anscombe.h), which makes its noise white at one common level s (the square root of
 *     the mean over the channels of a m + b, m the channel's mean intensity: the level the
 *     noise has at the picture's mean, so that the transformed picture keeps about its
 *     contrast), is denoised at s like Gaussian noise, and comes back by the exact unbiased
 *     inverse. A reading that has no smooth part to read falls back to Gaussian (`note` says
 *     so).
 *   - strength k: the planes are solved at k times the level. A model chosen by the level
 *     ("auto", "auto-cpr", "dct") is chosen at that level; any other model (a file, an
 *     installed name, a model handed over in the request) has its threshold scaled by k,
 *     which is how ts_model_for_noise adapts a model to k times the level it was made for;
 *     a base threshold given in the request is scaled by k too.
 *   - chroma strength c: with colour in the opponent basis the chroma planes O1 and O2 are
 *     solved at k c times the level, the luminance at k times it, by the same rule (a second
 *     model, or a second threshold). It does nothing for gray pictures; with colour handled
 *     per R, G, B there are no chroma planes, and c other than 1 is an error. */
#pragma once
#include "ts-colour.h"
#include "ts-image.h"
#include "ts-noise-level.h"
#include "ts-noise-model.h"

G_BEGIN_DECLS

/* What a denoising assumed about the noise and solved at. Levels in 0-255 units. */
typedef struct {
  TsNoiseModel requested;      /* as asked (may be AUTO) */
  TsNoiseModel model;          /* as used: GAUSSIAN or POISSON_GAUSSIAN */
  gboolean estimated;          /* read from the image (no level given) */
  /* The level before strength. Gaussian: the given level, or the blind estimate raised to at
   * least 0.5; Poisson-Gaussian: the white level s the transform makes the noise. */
  double sigma;
  double sigma_estimate;       /* estimated: the blind estimate before it was raised; else NAN */
  TsNoiseLevel level;          /* estimated: the blind reading (kind, per-plane white levels) */
  gboolean has_reading;        /* pg holds a Poisson-Gaussian reading (poisson-gaussian, auto) */
  TsNoiseModelEstimate pg;
  /* Poisson-Gaussian: the variance per colour channel (R, G, B; gray: [0]) the transforms
   * were made for: the reading, a variance that is 0 at some intensity raised to a floor. */
  int n_channels;
  TsPoissonGaussian channel[3];
  double strength, chroma_strength;
  /* The planes solved and their levels: Y, O1, O2 (opponent colour), R, G, B (per channel)
   * or the gray plane. */
  int n_planes;
  gboolean opponent;
  double plane_sigma[3];
  /* Filled by ts_restore: the base threshold each plane was solved with (the model's, adapted
   * to the plane's level, or the request's, times the strength). NAN before. */
  double plane_lambda[3];
  const char *note;            /* a fallback to say (static), or NULL */
} TsRestoreNoise;

/* The noise of a denoising of `image` (gray, gray + alpha, RGB, RGBA) asked as `model` with
 * level `sigma` (0-255; NAN: read from the image), `strength` and `chroma_strength` (> 0,
 * finite) and colour handled as `colour`. FALSE with TS_ERROR_INVALID for values out of range,
 * poisson-gaussian with a given level, or a chroma strength other than 1 with colour per
 * channel. Deterministic: ts_restore_noise_read, then ts_restore_noise_plan_from_reading. */
gboolean    ts_restore_noise_plan (const TsImage *image, TsColourMode colour, TsNoiseModel model,
                                   double sigma, double strength, double chroma_strength,
                                   TsRestoreNoise *noise, GError **error);

/* What a plan without a given level reads from the image, kept to plan again without reading
 * it (a front end reads an opened picture once, then plans for every noise model, strength and
 * chroma strength the user tries, and hands the reading to the run). Each part is read at most
 * once: the blind level for every model, the Poisson-Gaussian reading (with the channels' mean
 * intensities its transforms are made for) for poisson-gaussian and auto. */
typedef struct {
  int width, height, channels; /* the image read */
  gboolean has_level;          /* level holds ts_noise_level_estimate's reading */
  TsNoiseLevel level;
  gboolean has_pg;             /* pg and mean hold the Poisson-Gaussian reading */
  TsNoiseModelEstimate pg;
  double mean[3];              /* channel c's mean finite intensity in [0, 1], c < pg.n_channels */
} TsNoiseReading;

/* A reading of `image` with nothing read yet: enough to plan a given level. */
void        ts_restore_noise_reading_init (TsNoiseReading *reading, const TsImage *image);
/* Reads into `reading` (of `image`: same size and channels) what a plan of `model` without a
 * given level needs and it does not hold yet; reads nothing when it holds it all. */
void        ts_restore_noise_read (const TsImage *image, TsNoiseModel model,
                                   TsNoiseReading *reading);
/* Whether `reading` holds what a plan of `model` without a given level needs. */
gboolean    ts_restore_noise_reading_covers (const TsNoiseReading *reading, TsNoiseModel model);
/* ts_restore_noise_plan of the image `reading` was read from, without reading it: the same
 * plan, bit for bit. A plan without a given level needs a reading that covers `model`
 * (TS_ERROR_INVALID otherwise); a given level needs only the image's channels. */
gboolean    ts_restore_noise_plan_from_reading (const TsNoiseReading *reading, TsColourMode colour,
                                                TsNoiseModel model, double sigma, double strength,
                                                double chroma_strength, TsRestoreNoise *noise,
                                                GError **error);
/* The name of plane p (0 .. n_planes - 1): "Y", "O1", "O2", "R", "G", "B" or "gray". */
const char *ts_restore_noise_plane_name (const TsRestoreNoise *noise, int plane);
/* The name of colour channel c of a Poisson-Gaussian reading: "R", "G", "B" or "gray". */
const char *ts_restore_noise_channel_name (const TsRestoreNoise *noise, int channel);
/* The factor on the level of plane p: strength, times chroma strength for O1 and O2. */
double      ts_restore_noise_plane_factor (const TsRestoreNoise *noise, int plane);

G_END_DECLS
