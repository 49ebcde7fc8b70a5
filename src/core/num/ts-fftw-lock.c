/* See ts-fftw-lock.h. */
#include "ts-fftw-lock.h"

static GMutex planner_mutex;

void
ts_fftw_planner_lock (void)
{
  g_mutex_lock (&planner_mutex);
}

void
ts_fftw_planner_unlock (void)
{
  g_mutex_unlock (&planner_mutex);
}
