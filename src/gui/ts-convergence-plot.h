/* The convergence plot: relative change (log scale, left axis) and PSNR (right axis)
 * against iteration, drawn with Cairo. */
#pragma once
#include <gtk/gtk.h>
#include "ts-job.h"

G_BEGIN_DECLS

#define TS_TYPE_CONVERGENCE_PLOT (ts_convergence_plot_get_type ())
G_DECLARE_FINAL_TYPE (TsConvergencePlot, ts_convergence_plot, TS, CONVERGENCE_PLOT, GtkWidget)

GtkWidget *ts_convergence_plot_new    (void);
void       ts_convergence_plot_clear  (TsConvergencePlot *self);
void       ts_convergence_plot_append (TsConvergencePlot *self, const TsPlotPoint *points, guint n);
/* The tolerance drawn as a dashed line (0 for none). */
void       ts_convergence_plot_set_tolerance (TsConvergencePlot *self, double tol);

G_END_DECLS
