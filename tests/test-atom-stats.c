/* The atoms as the model uses them, their localisation (energy in the best 7 x 7 window)
 * and orientation (structure tensor): issue 24. */
#include "tessera.h"
#include "test-model-util.h"
#include <math.h>

#define P 13

/* A delta, anywhere (even in a corner), has all its energy in one window; so has any atom
 * whose support fits in 7 x 7, and an atom spread over the patch has less. */
static void
test_delta (void)
{
  float atom[P * P] = { 0 };
  const int places[][2] = { { 6, 6 }, { 0, 0 }, { 12, 3 }, { 12, 12 } };

  for (guint i = 0; i < G_N_ELEMENTS (places); i++)
    {
      for (int j = 0; j < P * P; j++)
        atom[j] = 0.0f;
      atom[places[i][0] * P + places[i][1]] = -2.5f;
      g_assert_cmpfloat_with_epsilon (ts_atom_localisation (atom, P, TS_ATOM_WINDOW), 1.0, 1e-12);
    }
  for (int j = 0; j < P * P; j++)
    atom[j] = 0.0f;
  for (int y = 5; y < 12; y++)
    for (int x = 1; x < 8; x++)
      atom[y * P + x] = (float) ((x * 7 + y * 3) % 5) - 2.0f;
  g_assert_cmpfloat_with_epsilon (ts_atom_localisation (atom, P, TS_ATOM_WINDOW), 1.0, 1e-12);
  /* Two deltas in opposite corners: half the energy at best. */
  atom[0] = 1.0f;
  for (int j = 1; j < P * P; j++)
    atom[j] = 0.0f;
  atom[P * P - 1] = 1.0f;
  g_assert_cmpfloat_with_epsilon (ts_atom_localisation (atom, P, TS_ATOM_WINDOW), 0.5, 1e-12);
  for (int j = 0; j < P * P; j++)
    atom[j] = 0.0f;
  g_assert_cmpfloat (ts_atom_localisation (atom, P, TS_ATOM_WINDOW), ==, 0.0);
}

/* White Gaussian atoms: the median is about 0.376 (numpy, 2000 atoms); projected out of a
 * random 120-atom free subspace and the constant, as the model does, about 0.379. */
static void
test_white_noise (void)
{
  guint64 state = 24;
  int n = 1001;
  g_autofree double *loc = g_new (double, n);
  g_autofree float *atom = g_new (float, P * P);
  g_autoptr (TsModel) model = ts_test_random_model (TS_PROX_NCPR, 1, 2024);
  g_autoptr (TsAtomStats) stats = NULL;
  g_autoptr (GError) error = NULL;
  double median;

  for (int i = 0; i < n; i++)
    {
      for (int j = 0; j < P * P; j++)
        atom[j] = (float) ts_test_normal (&state);
      loc[i] = ts_atom_localisation (atom, P, TS_ATOM_WINDOW);
    }
  median = ts_atom_stats_median (loc, n);
  g_test_message ("white noise: median localisation %.4f", median);
  g_assert_cmpfloat (median, >, 0.36);
  g_assert_cmpfloat (median, <, 0.395);

  stats = ts_atom_stats_new (model, &error);
  g_assert_no_error (error);
  g_test_message ("random model (projected): median localisation %.4f", stats->median_localisation);
  g_assert_cmpint (stats->n_atoms, ==, model->n_atoms);
  g_assert_cmpfloat (stats->median_localisation, >, 0.35);
  g_assert_cmpfloat (stats->median_localisation, <, 0.41);
}

static double
angle_error (double a, double b)
{
  double d = fmod (fabs (a - b), 180.0);
  return MIN (d, 180.0 - d);
}

/* Edges and lines at known angles (anticlockwise from the horizontal as shown, rows going
 * down): the structure tensor recovers them within a degree (Scharr: 0.2), strongly coherent. */
static void
test_orientation (void)
{
  const double angles[] = { 0, 15, 30, 45, 60, 75, 90, 105, 120, 135, 150, 165, 179 };
  float edge[P * P], line[P * P], flat[P * P];

  for (guint i = 0; i < G_N_ELEMENTS (angles); i++)
    {
      double t = angles[i] * G_PI / 180.0, a, c;
      for (int y = 0; y < P; y++)
        for (int x = 0; x < P; x++)
          {
            double u = x - 6.0, v = 6.0 - y;
            /* Signed distance from the line through the centre in direction (cos t, sin t). */
            double d = -sin (t) * u + cos (t) * v + 0.3;
            edge[y * P + x] = (float) tanh (d / 1.5);
            line[y * P + x] = (float) exp (-d * d / 2.0);
          }
      ts_atom_orientation (edge, P, &a, &c);
      g_test_message ("edge at %g: %.2f (coherence %.3f)", angles[i], a, c);
      g_assert_cmpfloat (a, >=, 0.0);
      g_assert_cmpfloat (a, <, 180.0);
      g_assert_cmpfloat (angle_error (a, angles[i]), <, 1.0);
      g_assert_cmpfloat (c, >, 0.9);
      ts_atom_orientation (line, P, &a, &c);
      g_test_message ("line at %g: %.2f (coherence %.3f)", angles[i], a, c);
      g_assert_cmpfloat (angle_error (a, angles[i]), <, 1.0);
      g_assert_cmpfloat (c, >, 0.9);
    }
  /* A rotationally symmetric blob has no direction. */
  for (int y = 0; y < P; y++)
    for (int x = 0; x < P; x++)
      flat[y * P + x] = (float) exp (-((x - 6.0) * (x - 6.0) + (y - 6.0) * (y - 6.0)) / 8.0);
  {
    double a, c;
    ts_atom_orientation (flat, P, &a, &c);
    g_assert_cmpfloat (c, <, 0.05);
  }
}

/* The atoms as the model uses them: zero mean, orthogonal to the free atoms' span, unit
 * norm; for the DCT model (its dictionary already orthogonal to its smooth part) the raw
 * atoms up to their norm. */
static void
test_projected (void)
{
  g_autoptr (TsModel) model = ts_test_random_model (TS_PROX_CPR, 1, 7);
  g_autoptr (TsModel) dct = ts_model_new_dct (25.0);
  g_autoptr (TsDerived) derived = NULL;
  g_autoptr (TsAtomStats) stats = NULL;
  g_autoptr (GError) error = NULL;
  int s = P * P;
  double worst = 0.0;

  derived = ts_derived_new (model, NAN, NAN, TS_FORWARD_BETA_FLOOR, &error);
  g_assert_no_error (error);
  stats = ts_atom_stats_new (model, &error);
  g_assert_no_error (error);
  for (int k = 0; k < stats->n_atoms; k++)
    {
      const float *a = stats->atoms + (gsize) k * s;
      double mean = 0.0, norm = 0.0;
      for (int j = 0; j < s; j++)
        {
          mean += a[j];
          norm += (double) a[j] * a[j];
        }
      worst = MAX (worst, fabs (mean / s));
      worst = MAX (worst, fabs (norm - 1.0));
      for (int m = 0; m < model->n_free; m++)
        {
          double dot = 0.0;
          for (int j = 0; j < s; j++)
            dot += a[j] * derived->Q[(gsize) m * s + j];
          worst = MAX (worst, fabs (dot));
        }
    }
  g_test_message ("random model: worst mean / norm / projection error %.3g", worst);
  g_assert_cmpfloat (worst, <, 1e-5);

  g_clear_pointer (&stats, ts_atom_stats_free);
  stats = ts_atom_stats_new (dct, &error);
  g_assert_no_error (error);
  worst = 0.0;
  for (int k = 0; k < dct->n_atoms; k++)
    {
      const float *raw = dct->atoms + (gsize) k * s, *a = stats->atoms + (gsize) k * s;
      double norm = 0.0;
      for (int j = 0; j < s; j++)
        norm += (double) raw[j] * raw[j];
      norm = sqrt (norm);
      for (int j = 0; j < s; j++)
        worst = MAX (worst, fabs (a[j] - raw[j] / norm));
    }
  g_test_message ("dct: largest difference from the raw atoms %.3g", worst);
  g_assert_cmpfloat (worst, <, 1e-5);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/atom-stats/delta", test_delta);
  g_test_add_func ("/atom-stats/white-noise", test_white_noise);
  g_test_add_func ("/atom-stats/orientation", test_orientation);
  g_test_add_func ("/atom-stats/projected", test_projected);
  return g_test_run ();
}
