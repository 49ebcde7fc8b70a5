/* iPALM for the joint colour form (TS_COLOUR_FORM_JOINT): the three opponent planes of a
 * picture, each with the energy of MODEL.md, solved together because the prox codes an atom's
 * three coefficients at a pixel as one group (ts-prox-joint.h):
 *   E = sum_p [1/2 ||H x_p - y_p||^2 + b/2 sum_k ||C P_k x_p - D^T c_p,k||^2]
 *       + sum_k sum_j phi_j (||(c_Y,kj, c_O1,kj, c_O2,kj)||_w)
 * Every step is the single-plane solver's (ts-solver.h) per plane, in the subspace
 * formulation, except the code step's prox, which acts on the three planes at once. The
 * stopping rule measures the change of the whole picture: sum_p ||x_p,new - x_p||^2 over
 * sum_p ||x_p||^2. */
#pragma once
#include "ts-prox-joint.h"
#include "ts-solver.h"

G_BEGIN_DECLS

/* Called after every iteration with the three planes' current estimates (single-channel,
 * the operator's size). Return FALSE to stop (treated as cancellation). May be NULL. */
typedef gboolean (*TsJointProgressFunc) (int iteration, double change,
                                         const TsImage *const estimates[TS_JOINT_PLANES],
                                         gpointer user_data);

/* Solves the three planes `data` (each in op's data domain) with the regulariser of a
 * joint-form model (reg's model: colour_form TS_COLOUR_FORM_JOINT, its chroma weight).
 * Options as ts_solve's, except: the subspace formulation and the gradient image step only,
 * no nonnegativity (the chroma planes are signed), `coefficients` unused; `threads` is not
 * used either (one thread; training runs one solve per thread). `warm` (may be NULL, or hold
 * NULLs) starts a plane from an earlier solution of the same size. On success `out` receives
 * the three solutions; FALSE with an error on cancellation, divergence or bad input. */
gboolean ts_solve_joint (const TsOperator *op, const TsRegulariser *reg,
                         const float *const data[TS_JOINT_PLANES], const TsSolveOptions *options,
                         const TsSolution *const *warm, TsJointProgressFunc progress,
                         gpointer user_data, const gint *cancel, TsSolveStats *stats,
                         TsSolution *out[TS_JOINT_PLANES], GError **error);

/* Peak bytes of a joint solve of width x height (for the memory check). */
gsize ts_solve_joint_memory_estimate (const TsModel *model, int width, int height);

G_END_DECLS
