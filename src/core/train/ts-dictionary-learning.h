/* A start with structure for training (issue 24): the patch space split into a smooth
 * (free) subspace and a penalised one from the statistics of training patches, and a
 * dictionary learned in the penalised subspace by online dictionary learning (Mairal, Bach,
 * Ponce, Sapiro 2009: mini-batches, sparse codes by orthogonal matching pursuit, one
 * block-coordinate sweep of the dictionary per batch with unit-norm atoms). */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

/* Splits the patch space of p x p patches (s = p * p, row-major pixels), without the
 * constant, into
 * - `penalised` ((s - 1 - n_free) x s orthonormal rows): the leading eigenvectors of
 *   C0 W H S H^T W C0, the patches' detail (H = I - a Gaussian low-pass of std
 *   `lowpass_sigma` inside the patch, none when <= 0) seen through a Gaussian window of std
 *   `window_sigma` at the patch centre (none when <= 0), C0 removing the mean. The window
 *   is what makes the subspace hold localised patterns: the paper's weights have their
 *   penalised subspace concentrated in the central 7 x 7 pixels (MODEL.md: its dimension is
 *   48 = 7 * 7 - 1 for 120 free atoms);
 * - `free` (n_free x s orthonormal rows): the leading principal components of the patches
 *   with the mean and the penalised part removed, i.e. the rest of the space, ordered by
 *   the patches' variance.
 * `cov` is the s x s second-moment matrix S of centred patches. FALSE when an
 * eigen-decomposition fails or n_free is out of range. */
gboolean ts_dictionary_split_subspace (const double *cov, int p, int n_free,
                                       double lowpass_sigma, double window_sigma,
                                       double *free, double *penalised);

typedef struct {
  int n_atoms;     /* K */
  int sparsity;    /* non-zeros per code (OMP) */
  int batch;       /* samples per mini-batch */
  int passes;      /* passes over the samples */
  guint64 seed;    /* the initial atoms (distinct samples) and the replacements */
} TsDictionaryOptions;

/* Learns K unit-norm atoms (`atoms`, K x dim, row-major) for the n samples (n x dim) by
 * online dictionary learning. `objective` (passes + 1 values, may be NULL) receives the
 * mean of 1/2 ||z - D^T a||^2 with a the OMP code, over the first min(n, 4096) samples,
 * before the first pass and after each. An atom no code of a batch used, and little used
 * before, or an atom within |cos| 0.97 of an earlier one, is replaced by the batch's
 * worst-represented sample. Deterministic in the seed
 * (for a fixed BLAS thread count). FALSE (with nothing written) when n < K or an option is out of range. */
gboolean ts_dictionary_learn (const float *samples, int n, int dim,
                              const TsDictionaryOptions *options, float *atoms,
                              double *objective);

/* The OMP codes of n samples (n x dim) in the unit-norm atoms (K x dim): `codes` n x K,
 * at most `sparsity` non-zeros per row. Returns the mean of 1/2 ||z - D^T a||^2. */
double ts_dictionary_encode (const float *atoms, int K, int dim, const float *samples, int n,
                             int sparsity, float *codes);

G_END_DECLS
