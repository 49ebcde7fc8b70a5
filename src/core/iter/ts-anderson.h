/* Anderson acceleration of a fixed-point iteration g = F(g) (type II, Walker & Ni 2011):
 * the training's adjoint equation g = (df/dz)^T g + dloss/dz. */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

typedef void (*TsFixedPointMap) (const double *in, double *out, gpointer user_data);

typedef struct {
  int iterations;      /* applications of F */
  double residual;     /* ||F(g) - g|| / ||F(g)|| at the returned g */
  gboolean converged;
} TsAndersonStats;

/* Iterates from the start in `g` (length n) until the relative residual is <= tol or
 * max_iter applications of F; `memory` is the number of past differences kept. The best
 * iterate seen (smallest residual) is returned in `g`. */
void ts_anderson_solve (TsFixedPointMap map, gpointer user_data, double *g, gsize n, int memory,
                        double tol, int max_iter, TsAndersonStats *stats);

/* The same in float32 (inner products still in double): the trainer's adjoint. */
typedef void (*TsFixedPointMapF) (const float *in, float *out, gpointer user_data);
void ts_anderson_solve_f (TsFixedPointMapF map, gpointer user_data, float *g, gsize n,
                          int memory, double tol, int max_iter, TsAndersonStats *stats);

G_END_DECLS
