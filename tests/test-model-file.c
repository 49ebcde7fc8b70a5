/* The .tsm model file, the reference-layout importer and --model resolution. */
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>
#include "ts-model-file.h"
#include "ts-model-catalog.h"
#include "ts-npy.h"
#include "test-util.h"

/* Layout constants of format version 1 (docs/model-format.md). */
#define FIXED_LEN 24
#define CHECKSUM_LEN 32

/* Deterministic, non-trivial parameter values (an LCG in [-0.5, 0.5)). */
static void
fill (float *values, gsize n, guint64 seed)
{
  guint64 state = seed;
  for (gsize i = 0; i < n; i++)
    {
      state = state * G_GUINT64_CONSTANT (6364136223846793005)
              + G_GUINT64_CONSTANT (1442695040888963407);
      values[i] = (float) ((double) (state >> 11) / 9007199254740992.0 - 0.5);
    }
}

static TsModel *
make_model (int K, int M, int p)
{
  TsModel *model = ts_model_new (K, M, p);
  gsize s = (gsize) p * p;
  fill (model->atoms, (gsize) K * s, 1);
  fill (model->free_atoms, (gsize) M * s, 2);
  fill (model->lambda_scaling, K, 3);
  model->prox_type = TS_PROX_CPR;
  model->groupsize = 2;
  model->order = 1.7;
  model->lambda = 0.0125;
  model->sigma = 25.0;
  model->tol = 3e-5;
  model->beta = -0.25;   /* raw beta may be negative; the model uses max(beta, 0) */
  g_free (model->name);
  model->name = g_strdup ("test \"model\" \u00e9");
  g_free (model->provenance);
  model->provenance = g_strdup ("made by test-model-file\nline two\\");
  return model;
}

static void
assert_models_equal (const TsModel *a, const TsModel *b)
{
  g_assert_cmpstr (a->name, ==, b->name);
  g_assert_cmpstr (a->provenance, ==, b->provenance);
  g_assert_cmpint (a->prox_type, ==, b->prox_type);
  g_assert_cmpint (a->groupsize, ==, b->groupsize);
  /* Exact: the header stores doubles with 17 significant digits. */
  g_assert_true (a->order == b->order);
  g_assert_true (a->lambda == b->lambda);
  g_assert_true (a->sigma == b->sigma);
  g_assert_true (a->tol == b->tol);
  g_assert_true (a->beta == b->beta);
  g_assert_cmpint (a->iterations, ==, b->iterations);
  g_assert_cmpint (a->n_atoms, ==, b->n_atoms);
  g_assert_cmpint (a->n_free, ==, b->n_free);
  g_assert_cmpint (a->atom_size, ==, b->atom_size);
  gsize s = (gsize) a->atom_size * a->atom_size;
  g_assert_cmpmem (a->atoms, sizeof (float) * a->n_atoms * s, b->atoms,
                   sizeof (float) * b->n_atoms * s);
  g_assert_cmpmem (a->free_atoms, sizeof (float) * a->n_free * s, b->free_atoms,
                   sizeof (float) * b->n_free * s);
  g_assert_cmpmem (a->lambda_scaling, sizeof (float) * a->n_atoms, b->lambda_scaling,
                   sizeof (float) * b->n_atoms);
  g_assert_cmpuint (a->presets->len, ==, b->presets->len);
  for (guint i = 0; i < a->presets->len; i++)
    {
      const TsPreset *pa = g_ptr_array_index (a->presets, i);
      const TsPreset *pb = g_ptr_array_index (b->presets, i);
      g_assert_cmpstr (pa->name, ==, pb->name);
      g_assert_true (pa->beta == pb->beta);
      g_assert_true (pa->lambda == pb->lambda);
      g_assert_true ((isnan (pa->tol) && isnan (pb->tol)) || pa->tol == pb->tol);
      g_assert_cmpint (pa->max_iter, ==, pb->max_iter);
      g_assert_cmpstr (pa->note, ==, pb->note);
    }
}

/* Saves a model of the reference size and returns the file's bytes. */
static char *
save_reference_sized (const char *name, GBytes **contents)
{
  g_autoptr (TsModel) model = make_model (200, 120, 13);
  char *path = ts_test_tmp_path (name);
  g_autoptr (GError) error = NULL;
  g_assert_true (ts_model_save (model, path, &error));
  g_assert_no_error (error);
  if (contents != NULL)
    {
      char *data = NULL;
      gsize len = 0;
      g_assert_true (g_file_get_contents (path, &data, &len, NULL));
      *contents = g_bytes_new_take (data, len);
    }
  return path;
}

static guint32
le32_at (const guint8 *p)
{
  guint32 v;
  memcpy (&v, p, 4);
  return GUINT32_FROM_LE (v);
}

/* Loads `path`, expecting failure with `code` and a message containing the path and each
 * of the NULL-terminated fragments. */
static void
expect_load_error (const char *path, int code, ...)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TsModel) model = ts_model_load (path, &error);
  g_assert_null (model);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_error (error, TS_ERROR, code);
  g_assert_nonnull (strstr (error->message, path));
  va_list args;
  va_start (args, code);
  const char *fragment;
  while ((fragment = va_arg (args, const char *)) != NULL)
    if (strstr (error->message, fragment) == NULL)
      g_error ("message \"%s\" does not contain \"%s\"", error->message, fragment);
  va_end (args);
}

static void
test_round_trip (void)
{
  /* Reference size, and a small model with no free atoms (an edge of the layout). */
  const int sizes[][3] = { { 200, 120, 13 }, { 3, 0, 3 } };
  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr (TsModel) model = make_model (sizes[i][0], sizes[i][1], sizes[i][2]);
      if (i == 1)
        {
          model->prox_type = TS_PROX_NCPR;
          model->groupsize = 1;
          model->sigma = 0.0;
          model->beta = 1e-300;
          model->iterations = 20;   /* a model trained for a budget */
        }
      g_autofree char *path = ts_test_tmp_path ("round-trip.tsm");
      g_autoptr (GError) error = NULL;
      /* Twice: the second save replaces the first file (atomically). */
      g_assert_true (ts_model_save (model, path, &error));
      g_assert_true (ts_model_save (model, path, &error));
      g_assert_no_error (error);
      g_autoptr (TsModel) loaded = ts_model_load (path, &error);
      g_assert_no_error (error);
      g_assert_nonnull (loaded);
      assert_models_equal (model, loaded);

      /* The layout: magic, version, and a size that the fixed header accounts for. */
      g_autofree char *data = NULL;
      gsize len = 0;
      g_assert_true (g_file_get_contents (path, &data, &len, NULL));
      g_assert_cmpmem (data, 8, "TESSMODL", 8);
      g_assert_cmpuint (le32_at ((const guint8 *) data + 8), ==, TS_MODEL_FILE_VERSION);
      guint32 header_len = le32_at ((const guint8 *) data + 12);
      g_assert_cmpuint ((FIXED_LEN + header_len) % 16, ==, 0);
      gsize s = (gsize) model->atom_size * model->atom_size;
      gsize floats = (model->n_atoms + model->n_free) * s + model->n_atoms;
      g_assert_cmpuint (len, >=, FIXED_LEN + header_len + 4 * floats + CHECKSUM_LEN);
      g_assert_cmpuint (len, <, FIXED_LEN + header_len + 4 * floats + CHECKSUM_LEN + 48);
      /* The header is plain JSON a person can read. */
      g_autofree char *header = g_strndup (data + FIXED_LEN, header_len);
      g_assert_nonnull (strstr (header, i == 0 ? "\"prox\": \"cpr\"" : "\"prox\": \"ncpr\""));
      g_assert_nonnull (strstr (header, i == 0 ? "\"lambda\": 0.0125," : "\"beta\": 1e-300,"));
      /* Only a budget model names its budget (older readers never see the member). */
      g_assert_true ((strstr (header, "\"iterations\": 20,") != NULL) == (i == 1));
      g_assert_nonnull (strstr (header, "\"created\": \""));
      g_assert_nonnull (strstr (header, "\"<f4\""));
    }

  /* Nothing but the model file is left behind (no temporary files). */
  g_autoptr (GDir) dir = g_dir_open (ts_test_tmpdir (), 0, NULL);
  const char *entry;
  while ((entry = g_dir_read_name (dir)) != NULL)
    g_assert_false (g_str_has_prefix (entry, ".round-trip"));
}

static void
test_save_invalid (void)
{
  g_autoptr (TsModel) model = make_model (4, 2, 5);
  model->atoms[3] = NAN;
  g_autofree char *path = ts_test_tmp_path ("invalid.tsm");
  g_autoptr (GError) error = NULL;
  g_assert_false (ts_model_save (model, path, &error));
  g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static void
test_truncated (void)
{
  g_autoptr (GBytes) contents = NULL;
  g_autofree char *path = save_reference_sized ("full.tsm", &contents);
  gsize len;
  const guint8 *data = g_bytes_get_data (contents, &len);
  gsize data_start = FIXED_LEN + le32_at (data + 12);
  struct {
    gsize at;
    const char *where;
  } cuts[] = {
    { 0, "0 bytes" },
    { 5, "5 bytes" },
    { 8, "fixed header" },
    { 23, "fixed header" },
    { 24, "JSON header" },
    { 100, "JSON header" },
    { data_start, "array 'atoms' (at byte 0 of 135200)" },
    { data_start + 1000, "array 'atoms' (at byte 1000 of 135200)" },
    { data_start + 135200 + 50, "array 'free_atoms'" },
    { len - CHECKSUM_LEN - 3, "array 'lambda_scaling'" },
    { len - CHECKSUM_LEN, "checksum trailer" },
    { len - 1, "checksum trailer" },
  };
  g_autofree char *cut_path = ts_test_tmp_path ("cut.tsm");
  for (gsize i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      ts_test_write_bytes (cut_path, data, cuts[i].at);
      expect_load_error (cut_path, TS_ERROR_FORMAT, "truncated", cuts[i].where, NULL);
    }

  /* Extra bytes after the checksum are damage too. */
  g_autofree guint8 *longer = g_malloc (len + 7);
  memcpy (longer, data, len);
  memset (longer + len, 'x', 7);
  ts_test_write_bytes (cut_path, longer, len + 7);
  expect_load_error (cut_path, TS_ERROR_FORMAT, "corrupt", "7 unexpected bytes", NULL);
}

static void
test_checksum (void)
{
  g_autoptr (GBytes) contents = NULL;
  g_autofree char *path = save_reference_sized ("good.tsm", &contents);
  gsize len;
  const guint8 *data = g_bytes_get_data (contents, &len);
  gsize data_start = FIXED_LEN + le32_at (data + 12);
  g_autofree guint8 *copy = g_memdup2 (data, len);
  g_autofree char *bad_path = ts_test_tmp_path ("flipped.tsm");

  /* One bit in the parameters, in the JSON header, in the checksum itself. */
  const gsize positions[] = { data_start + 4321, 40, len - 5 };
  for (gsize i = 0; i < G_N_ELEMENTS (positions); i++)
    {
      memcpy (copy, data, len);
      copy[positions[i]] ^= 0x10;
      ts_test_write_bytes (bad_path, copy, len);
      expect_load_error (bad_path, TS_ERROR_FORMAT, "corrupt: checksum mismatch", NULL);
    }
}

static void
test_wrong_magic (void)
{
  g_autofree char *path = ts_test_tmp_path ("not-a-model.tsm");
  const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0";
  ts_test_write_bytes (path, png, sizeof png);
  expect_load_error (path, TS_ERROR_FORMAT, "not a Tessera model file", NULL);
  ts_test_write_bytes (path, "TESS", 4);   /* a prefix of the magic: truncated instead */
  expect_load_error (path, TS_ERROR_FORMAT, "truncated", NULL);
  ts_test_write_bytes (path, "TESX", 4);
  expect_load_error (path, TS_ERROR_FORMAT, "not a Tessera model file", NULL);

  g_autoptr (GError) error = NULL;
  g_autoptr (TsModel) model = ts_model_load ("/nonexistent/model.tsm", &error);
  g_assert_null (model);
  g_assert_error (error, TS_ERROR, TS_ERROR_IO);
}

static void
test_future_version (void)
{
  g_autoptr (GBytes) contents = NULL;
  g_autofree char *path = save_reference_sized ("v1.tsm", &contents);
  gsize len;
  const guint8 *data = g_bytes_get_data (contents, &len);
  g_autofree guint8 *copy = g_memdup2 (data, len);
  /* Only the version changes, so the checksum no longer matches: the version must be
   * reported all the same, because a newer format may checksum differently. */
  guint32 v = GUINT32_TO_LE (7);
  memcpy (copy + 8, &v, 4);
  g_autofree char *future = ts_test_tmp_path ("v7.tsm");
  ts_test_write_bytes (future, copy, len);
  expect_load_error (future, TS_ERROR_UNSUPPORTED,
                     "model format version 7 is newer than this Tessera supports (1)", NULL);

  v = 0;
  memcpy (copy + 8, &v, 4);
  ts_test_write_bytes (future, copy, len);
  expect_load_error (future, TS_ERROR_FORMAT, "version 0", NULL);
}

/* Writes a well-formed version-1 container (correct lengths and checksum) around an
 * arbitrary header and data section, to reach the checks behind the checksum. */
static void
write_container (const char *path, const char *json, const void *data, gsize data_len,
                 guint64 declared_data_len)
{
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  guint32 version = GUINT32_TO_LE (1), header_len = GUINT32_TO_LE ((guint32) strlen (json));
  guint64 dl = GUINT64_TO_LE (declared_data_len);
  g_byte_array_append (buf, (const guint8 *) "TESSMODL", 8);
  g_byte_array_append (buf, (const guint8 *) &version, 4);
  g_byte_array_append (buf, (const guint8 *) &header_len, 4);
  g_byte_array_append (buf, (const guint8 *) &dl, 8);
  g_byte_array_append (buf, (const guint8 *) json, (guint) strlen (json));
  if (data_len > 0)
    g_byte_array_append (buf, data, (guint) data_len);
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  g_autoptr (GChecksum) sha = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sha, buf->data, buf->len);
  g_checksum_get_digest (sha, digest, &digest_len);
  g_byte_array_append (buf, digest, 32);
  ts_test_write_bytes (path, buf->data, buf->len);
}

/* A header for K = 2 atoms of 3 x 3 and M = 1 free atom: 18 + 9 + 2 floats, 116 bytes.
 * %s slots: n_atoms, the atoms array's shape, its nbytes, the dtype, the extra array. */
static char *
small_header (const char *n_atoms, const char *atoms_shape, const char *atoms_nbytes,
              const char *dtype, const char *extra)
{
  return g_strdup_printf (
      "{\"name\": \"small\", \"prox\": \"ncpr\", \"groupsize\": 1, \"order\": 1.8, "
      "\"lambda\": 0.01, \"sigma\": 25, \"tol\": 1e-4, \"beta\": 1.0, \"n_atoms\": %s, "
      "\"n_free\": 1, \"atom_size\": 3, \"provenance\": \"hand-made\", \"arrays\": ["
      "{\"name\": \"atoms\", \"dtype\": \"%s\", \"shape\": %s, \"offset\": 0, \"nbytes\": %s}, "
      "{\"name\": \"free_atoms\", \"dtype\": \"<f4\", \"shape\": [1, 3, 3], \"offset\": 72, "
      "\"nbytes\": 36}, "
      "{\"name\": \"lambda_scaling\", \"dtype\": \"<f4\", \"shape\": [2], \"offset\": 108, "
      "\"nbytes\": 8}%s]}",
      n_atoms, dtype, atoms_shape, atoms_nbytes, extra);
}

static void
test_inconsistent_header (void)
{
  g_autofree char *path = ts_test_tmp_path ("crafted.tsm");
  float data[29];
  fill (data, G_N_ELEMENTS (data), 5);
  g_autoptr (GError) error = NULL;

  /* The hand-made container itself is fine. */
  g_autofree char *good = small_header ("2", "[2, 3, 3]", "72", "<f4", "");
  write_container (path, good, data, sizeof data, sizeof data);
  g_autoptr (TsModel) model = ts_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (model->n_atoms, ==, 2);
  g_assert_cmpmem (model->atoms, 72, data, 72);
  g_assert_cmpmem (model->lambda_scaling, 8, data + 27, 8);

  struct {
    const char *n_atoms, *shape, *nbytes, *dtype, *extra;
    int code;
    const char *fragment;
  } cases[] = {
    { "3", "[2, 3, 3]", "72", "<f4", "", TS_ERROR_FORMAT, "array 'atoms' has shape 2 x 3 x 3" },
    { "2", "[2, 3, 3]", "68", "<f4", "", TS_ERROR_FORMAT,
      "declares 68 bytes, but its shape needs 72" },
    { "2", "[2, 3, 4]", "96", "<f4", "", TS_ERROR_FORMAT, "array 'atoms' has shape 2 x 3 x 4" },
    { "2", "[2, 3, 3]", "72", "<f8", "", TS_ERROR_UNSUPPORTED, "dtype '<f8'" },
    { "2", "[2, 3, 3]", "72", "<f4",
      ", {\"name\": \"atoms\", \"dtype\": \"<f4\", \"shape\": [1], \"offset\": 0, \"nbytes\": 4}",
      TS_ERROR_FORMAT, "listed twice" },
    /* Absurd sizes never reach an allocation. */
    { "1000000000", "[1000000000, 3, 3]", "72", "<f4", "", TS_ERROR_FORMAT, "out of range" },
    { "2", "[100000000, 100000000, 100000000, 100000000]", "72", "<f4", "", TS_ERROR_FORMAT,
      "more than the whole data section" },
    { "\"two\"", "[2, 3, 3]", "72", "<f4", "", TS_ERROR_FORMAT, "'n_atoms' is not an integer" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *json = small_header (cases[i].n_atoms, cases[i].shape, cases[i].nbytes,
                                            cases[i].dtype, cases[i].extra);
      write_container (path, json, data, sizeof data, sizeof data);
      expect_load_error (path, cases[i].code, cases[i].fragment, NULL);
    }

  /* An array that reaches past the data section. */
  g_autoptr (GString) past = g_string_new (good);
  g_assert_cmpuint (g_string_replace (past, "\"offset\": 108", "\"offset\": 112", 1), ==, 1);
  write_container (path, past->str, data, sizeof data, sizeof data);
  expect_load_error (path, TS_ERROR_FORMAT, "past the 116-byte data section", NULL);

  /* A missing array, a header that is not JSON, a header that is not an object. */
  g_autofree char *no_scaling = g_strdup (good);
  *strstr (no_scaling, "lambda_scaling") = 'X';
  write_container (path, no_scaling, data, sizeof data, sizeof data);
  expect_load_error (path, TS_ERROR_FORMAT, "array 'lambda_scaling' is missing", NULL);
  write_container (path, "{\"name\": ", data, sizeof data, sizeof data);
  expect_load_error (path, TS_ERROR_FORMAT, "JSON", NULL);
  write_container (path, "[1, 2]", data, sizeof data, sizeof data);
  expect_load_error (path, TS_ERROR_FORMAT, "not a JSON object", NULL);

  /* An absurd declared data length is refused before anything is read or allocated. */
  write_container (path, good, data, sizeof data, G_GUINT64_CONSTANT (1) << 50);
  expect_load_error (path, TS_ERROR_FORMAT, "more than any valid model", NULL);

  /* Values that are well-formed but invalid: ts_model_validate has the last word. */
  data[4] = NAN;
  write_container (path, good, data, sizeof data, sizeof data);
  expect_load_error (path, TS_ERROR_INVALID, "NaN", NULL);
}

/* ---- the reference layout */

static void
test_import_reference (void)
{
  const char *shared = ts_test_shared_dir ();
  if (shared == NULL)
    {
      g_test_skip ("no shared reference data ($TESSERA_SHARED_DIR)");
      return;
    }
  g_autofree char *dir = g_build_filename (shared, "reference", "models", "sigma25-ncpr", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (TsModel) model = ts_model_import_reference (dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (model);
  g_assert_cmpstr (model->name, ==, "sigma25-ncpr");
  g_assert_true (g_str_has_prefix (model->provenance, "imported from reference layout "));
  g_assert_cmpint (model->prox_type, ==, TS_PROX_NCPR);
  g_assert_cmpint (model->n_atoms, ==, 200);
  g_assert_cmpint (model->n_free, ==, 120);
  g_assert_cmpint (model->atom_size, ==, 13);
  g_assert_cmpint (model->groupsize, ==, 1);
  g_assert_cmpfloat (model->lambda, ==, 0.0125);
  g_assert_cmpfloat (model->order, ==, 1.8);
  g_assert_cmpfloat (model->sigma, ==, 25.0);
  g_assert_cmpfloat (model->tol, ==, 1e-4);
  /* First values, as printed by numpy (float32). */
  g_assert_cmpfloat (model->beta, ==, (double) 0.9779585f);
  g_assert_cmpfloat (model->atoms[0], ==, 0.0032122433f);
  g_assert_cmpfloat (model->free_atoms[0], ==, 0.0078921085f);
  g_assert_cmpfloat (model->lambda_scaling[0], ==, 0.30856213f);

  /* Imported, saved and loaded again: the same model. */
  g_autofree char *path = ts_test_tmp_path ("sigma25-ncpr.tsm");
  g_assert_true (ts_model_save (model, path, &error));
  g_assert_no_error (error);
  g_autoptr (TsModel) loaded = ts_model_load (path, &error);
  g_assert_no_error (error);
  assert_models_equal (model, loaded);

  /* A CPR model with 2 x 2 groups. */
  g_autofree char *cpr_dir = g_build_filename (shared, "reference", "models", "sigma25-cpr", NULL);
  g_autoptr (TsModel) cpr = ts_model_import_reference (cpr_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cpr->prox_type, ==, TS_PROX_CPR);
  g_assert_cmpint (cpr->groupsize, ==, 2);
  g_assert_cmpfloat (cpr->lambda, ==, 0.002);

  /* --model accepts the folder and the file. */
  g_autoptr (TsModel) by_dir = ts_model_resolve (dir, 0.0, &error);
  g_assert_no_error (error);
  assert_models_equal (model, by_dir);
  g_autoptr (TsModel) by_file = ts_model_resolve (path, 0.0, &error);
  g_assert_no_error (error);
  assert_models_equal (model, by_file);
}

/* A small reference-layout folder: K = 4 atoms of 5 x 5, M = 3 free atoms. */
static char *
make_reference_folder (const char *name, gint64 n_scaling, const char *config)
{
  g_autofree char *dir = ts_test_tmp_path (name);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_autoptr (GError) error = NULL;
  float values[100];
  fill (values, G_N_ELEMENTS (values), 11);
  const gint64 atoms_shape[] = { 4, 5, 5 }, free_shape[] = { 3, 5, 5 };
  const gint64 scaling_shape[] = { n_scaling, 1, 1 };   /* flattened by the importer */
  const struct {
    const char *file;
    int ndim;
    const gint64 *shape;
  } arrays[] = {
    { "atoms.npy", 3, atoms_shape },
    { "free_atoms.npy", 3, free_shape },
    { "beta.npy", 0, NULL },
    { "lambda_scaling.npy", 3, scaling_shape },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (arrays); i++)
    {
      g_autofree char *path = g_build_filename (dir, arrays[i].file, NULL);
      g_assert_true (ts_npy_save_float32 (path, values, arrays[i].ndim, arrays[i].shape, &error));
      g_assert_no_error (error);
    }
  g_autofree char *config_path = g_build_filename (dir, "config.json", NULL);
  ts_test_write_bytes (config_path, config, strlen (config));
  return g_steal_pointer (&dir);
}

static const char small_config[] =
  "{\"exp_name\": \"small\", \"sigma\": 15, \"dict_params\": {\"tol\": 0.001, \"atom_size\": 5},"
  " \"prox_params\": {\"prox_type\": \"l1norm\", \"groupsize\": 2, \"lambda_init\": 0.003}}";

static void
expect_import_error (const char *dir, int code, const char *fragment)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TsModel) model = ts_model_import_reference (dir, &error);
  g_assert_null (model);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_error (error, TS_ERROR, code);
  if (strstr (error->message, fragment) == NULL)
    g_error ("message \"%s\" does not contain \"%s\"", error->message, fragment);
}

static void
test_import_errors (void)
{
  g_autoptr (GError) error = NULL;

  /* The folder layout itself works (this is what the error cases below perturb). */
  g_autofree char *good = make_reference_folder ("ref-good", 4, small_config);
  g_autoptr (TsModel) model = ts_model_import_reference (good, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (model->name, ==, "ref-good");
  g_assert_cmpint (model->n_atoms, ==, 4);
  g_assert_cmpint (model->n_free, ==, 3);
  g_assert_cmpint (model->atom_size, ==, 5);
  g_assert_cmpint (model->prox_type, ==, TS_PROX_CPR);
  g_assert_cmpint (model->groupsize, ==, 2);
  g_assert_cmpfloat (model->lambda, ==, 0.003);
  g_assert_cmpfloat (model->sigma, ==, 15.0);
  g_assert_cmpfloat (model->tol, ==, 0.001);

  /* lambda_scaling with 3 values for 4 atoms. */
  g_autofree char *short_scaling = make_reference_folder ("ref-scaling", 3, small_config);
  expect_import_error (short_scaling, TS_ERROR_INVALID, "lambda_scaling.npy: has 3 values");

  g_autofree char *bad_prox = make_reference_folder (
      "ref-prox", 4, "{\"prox_params\": {\"prox_type\": \"l2norm\", \"lambda_init\": 0.1}}");
  expect_import_error (bad_prox, TS_ERROR_UNSUPPORTED, "prox_type 'l2norm'");

  g_autofree char *no_lambda = make_reference_folder (
      "ref-lambda", 4, "{\"prox_params\": {\"prox_type\": \"l0norm\", \"order\": 2}}");
  expect_import_error (no_lambda, TS_ERROR_FORMAT, "'prox_params.lambda_init' is missing");

  g_autofree char *wrong_size = make_reference_folder (
      "ref-size", 4, "{\"dict_params\": {\"nb_atoms\": 200}, \"prox_params\": "
      "{\"prox_type\": \"l0norm\", \"order\": 2, \"lambda_init\": 0.1}}");
  expect_import_error (wrong_size, TS_ERROR_INVALID, "dict_params.nb_atoms = 200");

  g_autofree char *not_json = make_reference_folder ("ref-json", 4, "{\"prox_params\": ");
  expect_import_error (not_json, TS_ERROR_FORMAT, "config.json: not valid JSON");

  /* A missing file is named. */
  g_autofree char *missing = make_reference_folder ("ref-missing", 4, small_config);
  g_autofree char *beta = g_build_filename (missing, "beta.npy", NULL);
  g_assert_cmpint (g_unlink (beta), ==, 0);
  expect_import_error (missing, TS_ERROR_IO, "beta.npy");

  /* Free atoms of another size than the atoms. */
  g_autofree char *mixed = make_reference_folder ("ref-mixed", 4, small_config);
  g_autofree char *free_path = g_build_filename (mixed, "free_atoms.npy", NULL);
  float values[27] = { 0 };
  const gint64 shape[] = { 3, 3, 3 };
  g_assert_true (ts_npy_save_float32 (free_path, values, 3, shape, &error));
  expect_import_error (mixed, TS_ERROR_INVALID, "free_atoms.npy: free atoms are 3 x 3");
}

/* ---- resolution of --model arguments */

static void
expect_resolve_error (const char *arg, double sigma, int code, const char *fragment)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TsModel) model = ts_model_resolve (arg, sigma, &error);
  g_assert_null (model);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_error (error, TS_ERROR, code);
  if (strstr (error->message, fragment) == NULL)
    g_error ("message \"%s\" does not contain \"%s\"", error->message, fragment);
}

static void
test_resolve (void)
{
  g_autoptr (GError) error = NULL;

  /* The built-in model, with the noise level from the argument or from the name. */
  g_autoptr (TsModel) dct = ts_model_resolve ("dct", 15.0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (dct);
  g_autoptr (TsModel) dct25 = ts_model_resolve ("dct-sigma25", 0.0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (dct25);
  expect_resolve_error ("dct", 0.0, TS_ERROR_INVALID, "noise level");

  /* Installed models are found along $TESSERA_MODEL_PATH. */
  g_autofree char *models = ts_test_tmp_path ("installed");
  g_assert_cmpint (g_mkdir_with_parents (models, 0755), ==, 0);
  g_autoptr (TsModel) model = make_model (6, 4, 5);
  g_autofree char *path = g_build_filename (models, "cpr-sigma15.tsm", NULL);
  g_assert_true (ts_model_save (model, path, &error));
  g_assert_no_error (error);
  g_autofree char *search = g_strdup_printf ("/nonexistent/tessera::%s", models);
  g_setenv ("TESSERA_MODEL_PATH", search, TRUE);

  g_autoptr (TsModel) by_name = ts_model_resolve ("cpr-sigma15", 0.0, &error);
  g_assert_no_error (error);
  assert_models_equal (model, by_name);
  g_autoptr (TsModel) by_file_name = ts_model_resolve ("cpr-sigma15.tsm", 0.0, &error);
  g_assert_no_error (error);
  assert_models_equal (model, by_file_name);

  expect_resolve_error ("ncpr-sigma99", 25.0, TS_ERROR_IO, "no model named ncpr-sigma99");
  expect_resolve_error ("ncpr-sigma99", 25.0, TS_ERROR_IO, models);
  expect_resolve_error ("ncpr-sigma99", 25.0, TS_ERROR_IO, "/nonexistent/tessera");
  expect_resolve_error ("no/such/model.tsm", 25.0, TS_ERROR_IO, "no/such/model.tsm");

  /* A folder that is not a reference model. */
  expect_resolve_error (models, 25.0, TS_ERROR_IO, "no config.json");
  g_unsetenv ("TESSERA_MODEL_PATH");
}

/* Task presets: round trip (in order, exact values, optional members), replacement, copies,
 * and refusal of bad names and values. */
static void
test_presets_round_trip (void)
{
  g_autoptr (TsModel) model = make_model (3, 1, 3);
  g_autoptr (GError) error = NULL;
  g_autofree char *path = ts_test_tmp_path ("presets.tsm");

  g_assert_null (ts_model_get_preset (model, "sr-x4"));
  g_assert_true (ts_model_set_preset (model, "sr-x4", 0.00258673, 0.000929068, NAN, 0, NULL, &error));
  g_assert_true (ts_model_set_preset (model, "mri-acc8-pdfs", 0.011783, 0.00110485, 1e-5, 800,
                                      "tuned on \"val\"\n10 slices", &error));
  g_assert_true (ts_model_set_preset (model, "my.own_preset-2", 1.5, 0.0, NAN, 0, "", &error));
  /* Replacing keeps the place. */
  g_assert_true (ts_model_set_preset (model, "sr-x4", 0.003, 0.001, NAN, 0, "retuned", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (model->presets->len, ==, 3);
  g_autofree const char **names = ts_model_list_presets (model);
  g_assert_cmpstr (names[0], ==, "sr-x4");
  g_assert_cmpstr (names[1], ==, "mri-acc8-pdfs");
  g_assert_cmpstr (names[2], ==, "my.own_preset-2");
  g_assert_null (names[3]);

  g_assert_true (ts_model_save (model, path, &error));
  g_assert_no_error (error);
  g_autoptr (TsModel) loaded = ts_model_load (path, &error);
  g_assert_no_error (error);
  assert_models_equal (model, loaded);
  const TsPreset *sr = ts_model_get_preset (loaded, "sr-x4");
  g_assert_nonnull (sr);
  g_assert_true (sr->beta == 0.003 && sr->lambda == 0.001);
  g_assert_true (isnan (sr->tol));
  g_assert_cmpstr (sr->note, ==, "retuned");
  const TsPreset *mri = ts_model_get_preset (loaded, "mri-acc8-pdfs");
  g_assert_true (mri->tol == 1e-5);
  g_assert_cmpint (mri->max_iter, ==, 800);

  /* A copy has its own presets. */
  g_autoptr (TsModel) copy = ts_model_copy (loaded);
  assert_models_equal (loaded, copy);
  g_assert_true (ts_model_set_preset (copy, "sr-x4", 1.0, 1.0, NAN, 0, NULL, &error));
  g_assert_true (ts_model_get_preset (loaded, "sr-x4")->beta == 0.003);

  /* Bad names and values are refused with a message that says what is wrong. */
  const char *bad_names[] = { "", "SR-X4", "sr x4", "sr/x4",
                              "a-name-that-is-far-too-long-for-a-preset-0123456789012345678901234" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad_names); i++)
    {
      g_clear_error (&error);
      g_assert_false (ts_model_set_preset (model, bad_names[i], 1.0, 1.0, NAN, 0, NULL, &error));
      g_assert_error (error, TS_ERROR, TS_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "invalid preset name"));
    }
  g_clear_error (&error);
  g_assert_false (ts_model_set_preset (model, "sr-x4", NAN, 1.0, NAN, 0, NULL, &error));
  g_assert_nonnull (strstr (error->message, "preset sr-x4"));
  g_clear_error (&error);
  g_assert_false (ts_model_set_preset (model, "sr-x4", 1.0, -1.0, NAN, 0, NULL, &error));
  g_clear_error (&error);
  g_assert_false (ts_model_set_preset (model, "sr-x4", 1.0, 1.0, -1.0, 0, NULL, &error));
  g_clear_error (&error);
  g_assert_true (ts_model_get_preset (model, "sr-x4")->beta == 0.003);
}

/* A file without presets (every file before them) loads with none, and writing it again
 * adds no member; presets with names this version does not accept are skipped, other
 * unknown names kept; wrong types are format errors. */
static void
test_presets_old_and_odd_files (void)
{
  g_autofree char *path = ts_test_tmp_path ("crafted-presets.tsm");
  float data[29];
  fill (data, G_N_ELEMENTS (data), 5);
  g_autoptr (GError) error = NULL;

  g_autofree char *old = small_header ("2", "[2, 3, 3]", "72", "<f4", "");
  write_container (path, old, data, sizeof data, sizeof data);
  g_autoptr (TsModel) model = ts_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (model->presets->len, ==, 0);
  g_assert_true (ts_model_save (model, path, &error));
  g_autofree char *bytes = NULL;
  g_assert_true (g_file_get_contents (path, &bytes, NULL, NULL));
  g_assert_null (strstr (bytes + FIXED_LEN, "presets"));

  /* "presets" placed before "arrays": small_header's text ends with "arrays": [...]}. */
  struct {
    const char *presets;
    int code;                   /* 0: loads */
    const char *fragment;       /* the error, or the names kept, comma-separated */
  } cases[] = {
    { "{\"sr-x4\": {\"beta\": 0.5, \"lambda\": 2e-3, \"future\": [1]}, "
      "\"Weird Name\": {\"beta\": 1}, \"denoise-night\": {\"beta\": 1, \"lambda\": 0, "
      "\"max_iter\": 40}}", 0, "sr-x4,denoise-night" },
    { "{}", 0, "" },
    { "null", 0, "" },
    { "[1]", TS_ERROR_FORMAT, "'presets' is not an object" },
    { "{\"sr-x4\": 3}", TS_ERROR_FORMAT, "'presets.sr-x4' is not an object" },
    { "{\"sr-x4\": {\"beta\": 1}}", TS_ERROR_FORMAT, "'presets.sr-x4.lambda' is missing" },
    { "{\"sr-x4\": {\"beta\": \"1\", \"lambda\": 1}}", TS_ERROR_FORMAT, "is not a number" },
    { "{\"sr-x4\": {\"beta\": 1, \"lambda\": -1}}", TS_ERROR_INVALID, "lambda non-negative" },
    { "{\"sr-x4\": {\"beta\": 1, \"lambda\": 1, \"max_iter\": -3}}", TS_ERROR_FORMAT, "max_iter" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GString) json = g_string_new (old);
      g_autofree char *member = g_strdup_printf ("\"presets\": %s, \"arrays\"", cases[i].presets);
      g_assert_cmpuint (g_string_replace (json, "\"arrays\"", member, 1), ==, 1);
      write_container (path, json->str, data, sizeof data, sizeof data);
      if (cases[i].code != 0)
        {
          expect_load_error (path, cases[i].code, cases[i].fragment, NULL);
          continue;
        }
      g_clear_error (&error);
      g_autoptr (TsModel) m = ts_model_load (path, &error);
      g_assert_no_error (error);
      g_autofree const char **names = ts_model_list_presets (m);
      g_autofree char *joined = g_strjoinv (",", (char **) names);
      g_assert_cmpstr (joined, ==, cases[i].fragment);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/model-file/round-trip", test_round_trip);
  g_test_add_func ("/model-file/save-invalid", test_save_invalid);
  g_test_add_func ("/model-file/truncated", test_truncated);
  g_test_add_func ("/model-file/checksum", test_checksum);
  g_test_add_func ("/model-file/wrong-magic", test_wrong_magic);
  g_test_add_func ("/model-file/future-version", test_future_version);
  g_test_add_func ("/model-file/inconsistent-header", test_inconsistent_header);
  g_test_add_func ("/model-file/import-reference", test_import_reference);
  g_test_add_func ("/model-file/import-errors", test_import_errors);
  g_test_add_func ("/model-file/resolve", test_resolve);
  g_test_add_func ("/model-file/presets-round-trip", test_presets_round_trip);
  g_test_add_func ("/model-file/presets-old-and-odd-files", test_presets_old_and_odd_files);
  return g_test_run ();
}
