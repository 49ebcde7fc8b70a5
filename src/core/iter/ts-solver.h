/* iPALM for E(x, c) = 1/2 ||Hx - y||^2 + b/2 sum_k ||C P_k x - D^T c_k||^2 + sum phi(c)
 * (MODEL.md "Inner solver"). The solver sees only an operator (ts-operator.h) and a prox
 * object, the regulariser (ts-regulariser.h): it never knows which task it solves. It starts
 * from x = H^T y, c = 0; its step is L = 1.01 (b L_P + ||H||^2), or 1.01 b L_P for an
 * operator in the reference's forward variant (H = I, TsOperator's forward_variant). */
#pragma once
#include <math.h>

#include "ts-image.h"
#include "ts-model.h"
#include "ts-operator.h"
#include "ts-regulariser.h"

G_BEGIN_DECLS

typedef enum {
  TS_FORMULATION_SUBSPACE, /* MODEL.md "Consequence used for speed": exact, ~71 kFLOP/pixel */
  TS_FORMULATION_PLAIN,    /* the formulation as written: correlations with D, Gram X */
} TsFormulation;

typedef enum {
  TS_ACCELERATION_NONE,     /* the reference: a_k = (k - 1) / (k + 2) throughout */
  TS_ACCELERATION_RESTART,  /* the same, restarted (a = 0) when the extrapolation points
                               against the step: <x_t - x_new, x_new - x> > 0 */
} TsAcceleration;

typedef enum {
  TS_IMAGE_STEP_GRADIENT,   /* the reference: one gradient step on x with step 1/L */
  TS_IMAGE_STEP_EXACT,      /* x = argmin over x for the new code, solved per frequency
                               (ts-fourier-solve.h): the iteration becomes accelerated proximal
                               gradient on the code alone, with the same fixed points; needs an
                               operator with normal_fourier and no nonnegativity */
} TsImageStep;

typedef struct {
  double tol;              /* stop when ||x_new - x|| / ||x|| <= tol; 0 = never */
  int max_iter;            /* iteration cap (exactly this many when tol = 0) */
  /* The regulariser's beta and lambda (NAN = the model's), for the callers that make it
   * (ts_regulariser_new); ts_solve itself takes them from its regulariser. */
  double beta;
  double lambda;
  gboolean nonnegative;    /* constraint x >= 0: each x-step is clipped at 0 (SR, MRI) */
  TsFormulation formulation;
  TsAcceleration acceleration;
  TsImageStep image_step;  /* subspace formulation only */
  double step_scale;       /* multiplier of the coefficient step (1: MODEL.md; TsModel's) */
  int restart_interval;    /* > 0: also restart the momentum every this many iterations */
  /* The stopping rule's relative change is measured on this rectangle only (width 0 = the
   * whole image; subspace formulation): tiles measure their core, not the halo. */
  int measure_x, measure_y, measure_width, measure_height;
  /* > 0: the stopping rule's ||x||^2 is at least this mean square times the measured pixels,
   * so that a near-zero plane (a colour picture's chroma) is measured against the picture
   * (its luminance) rather than against itself; 0 = against x alone (the reference). */
  double change_reference_mean_square;
  int threads;             /* 0 = default (2) */
  /* Optional: every iteration appends a TsChangeSample (the stopping rule's sums), so that
   * tiles can be stopped by the rule of the whole image (ts-tiles.c). */
  GArray *trace;
  /* Optional: during each progress call *coefficients is the current c (K x (width *
   * height), channel-major, as TsSolution's), NULL otherwise: for a decomposition of the
   * estimate so far (ts_restore_render_decomposition). */
  const float **coefficients;
} TsSolveOptions;

/* change = sqrt (diff / norm): diff = ||x_new - x||^2, norm = ||x||^2 on the measured pixels. */
typedef struct {
  double diff, norm;
} TsChangeSample;

/* The stopping rule's relative change from its two sums: infinite when x is zero but moved. */
static inline double
ts_change_relative (double diff, double norm)
{
  return norm > 0.0 ? sqrt (diff / norm) : (diff > 0.0 ? INFINITY : 0.0);
}

/* The same with the norm floored at reference_mean_square x pixels (TsSolveOptions'
 * change_reference_mean_square; 0 = no floor). */
static inline double
ts_change_relative_floored (double diff, double norm, double reference_mean_square,
                            double pixels)
{
  double floor_norm = reference_mean_square * pixels;
  return ts_change_relative (diff, norm > floor_norm ? norm : floor_norm);
}

void ts_solve_options_init (TsSolveOptions *options);

/* The OpenBLAS thread count a solve with these options is made for: 1 in the subspace
 * formulation, whose own workers split the rows, else `threads` (default 2) for the plain
 * formulation's products. ts_solve does not set this process-wide count: the front end does
 * (ts_blas_set_threads), before it makes the regulariser (whose derived quantities are
 * products too), so that a result does not depend on what ran before. */
int ts_solve_blas_threads (const TsSolveOptions *options);

/* Peak bytes the solver needs for a width x height solve with the model's atoms, for a
 * memory check before starting. */
gsize ts_solve_memory_estimate (const TsModel *model, int width, int height);

typedef struct {
  int iterations;
  double final_change;
  double seconds;
  gboolean converged;
  /* Subspace formulation: achieved GFLOP/s inside the products (ts_gemm) and the share of
   * the solve's time spent there; 0 for the plain formulation. */
  double gemm_gflops;
  double gemm_share;
} TsSolveStats;

/* Called after every iteration; `estimate` is the current x (single channel). Return FALSE
 * to stop early (treated as cancellation). May be NULL. */
typedef gboolean (*TsProgressFunc) (int iteration, double change, const TsImage *estimate,
                                    gpointer user_data);

typedef struct {
  TsImage *x;          /* the reconstruction (single channel) */
  float *c;            /* K x (width * height) coefficients, channel-major */
  int K;
} TsSolution;

void ts_solution_free (TsSolution *solution);

/* Solves for a single-channel image min_x,c 1/2 ||H x - y||^2 + R(x, c) with H = `op` and R =
 * `prox` (made for op's variant: ts_regulariser_check). `data` is y in the operator's data
 * domain. `cancel` (may be NULL) is read atomically every iteration. `warm` (may be NULL)
 * gives a starting point (x and c) from a previous solve of the same size. */
TsSolution *ts_solve (const TsOperator *op, const TsRegulariser *prox, const float *data,
                      const TsSolveOptions *options, const TsSolution *warm,
                      TsProgressFunc progress, gpointer user_data, const gint *cancel,
                      TsSolveStats *stats, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TsSolution, ts_solution_free)

G_END_DECLS
