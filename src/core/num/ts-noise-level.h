/* The noise level to give the denoiser when the user gives none: white Gaussian noise read as
 * it is, and the spatially correlated noise of camera JPEGs (issue 20) read on coarser scales.
 *
 * Demosaicing and JPEG remove the finest-scale part of camera noise, so the white-noise
 * estimator (ts-noise-estimate.h) reads 0.0-0.9 (0-255 units) on in-camera JPEGs whose
 * luminance noise std is 4-8, and a denoiser given that level does nearly nothing. Read on
 * 2 x 2 block means, correlated noise remains, but so does the texture of a clean picture;
 * what tells them apart is that noise covers the picture evenly, flat parts included, while a
 * clean picture's detail sits at edges and texture. (The chroma planes do not help: the
 * cameras' own noise reduction leaves next to no chroma noise at these scales.) The mapping
 * from the readings to the level was fitted on camera-like noise made from CBSD432
 * (tools/fit-camera-noise.py); docs/benchmarks.md ("Real camera noise") has the study and the
 * development figures. Strong camera noise without noise reduction (high ISO, the camera-like
 * benchmark of bench/bench-camera.py), which the fine scale reads at a fraction of its level,
 * is told from white noise by its chroma reading well below the luminance's and its coarse
 * reading well above it (ts-noise-level.c). */
#pragma once
#include "ts-image.h"

G_BEGIN_DECLS

/* Which noise the estimate assumes. */
typedef enum {
  TS_NOISE_WHITE,    /* white Gaussian: the fine-scale reading is the level */
  TS_NOISE_CAMERA,   /* correlated (demosaiced, noise-reduced, compressed): the coarse reading */
} TsNoiseKind;

/* The reading of one image. Levels are standard deviations in the image's units ([0, 1]
 * images: times 255 for 0-255 units). Planes: Y, O1, O2 of the orthonormal opponent basis
 * (ts-colour.h) for colour, the gray plane alone for gray. */
typedef struct {
  int         n_planes;     /* 3 (colour) or 1 (gray); 0 for an image too small to read */
  double      white[3];     /* patch-PCA, weak-texture patches, per plane (ts_noise_estimate_plane) */
  double      coarse;       /* the same on 2 x 2 block means of Y (gray), times 2: equals white[0]
                             * for white noise, more for correlated noise and for texture */
  double      evenness;     /* how evenly fine detail covers Y at 2 x 2: about 0.5 for noise,
                             * near 0 for a clean picture's edges and texture */
  double      camera_probability; /* camera noise rather than a clean picture, from the two above */
  TsNoiseKind kind;
  double      sigma;        /* the level for the denoiser (>= 0, finite) */
} TsNoiseLevel;

/* Reads `image` (gray, gray + alpha, RGB or RGBA; alpha ignored) into *level. Pictures larger
 * than 512 x 512 are read on their centre 512 x 512 (the noise is taken to be the same
 * everywhere; a 12 MP photo then takes a fraction of a second). Deterministic; never negative
 * or NaN, also for non-finite or tiny input (sigma 0 below 3 x 3). */
void        ts_noise_level_estimate (const TsImage *image, TsNoiseLevel *level);
/* "white" / "camera". */
const char *ts_noise_kind_name (TsNoiseKind kind);

G_END_DECLS
