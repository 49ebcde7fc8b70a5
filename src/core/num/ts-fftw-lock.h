/* One lock around FFTW's planners (double and float): creating and destroying plans is not
 * thread-safe in FFTW, executing them is. Every module that plans takes this lock. */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

void ts_fftw_planner_lock (void);
void ts_fftw_planner_unlock (void);

G_END_DECLS
