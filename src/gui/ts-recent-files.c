/* The recent files menu. */
#include "ts-recent-files.h"

#include <glib/gi18n.h>

#define MAX_RECENT 8

struct _TsRecentFiles {
  GObject parent_instance;
  GMenu *menu;
  GtkRecentManager *manager;
};

G_DEFINE_FINAL_TYPE (TsRecentFiles, ts_recent_files, G_TYPE_OBJECT)

/* The name items are recorded and filtered under. gtk_recent_manager_add_item records the
 * application name (g_set_application_name: "Tessera", translated), which is not the program
 * name; one stable name for both, or the menu never lists what was opened. */
static const char *
recent_app_name (void)
{
  return g_get_prgname ();
}

void
ts_recent_files_add (GFile *file)
{
  g_autofree char *uri = NULL;
  g_autofree char *base = NULL;
  g_autofree char *content_type = NULL;
  g_autofree char *mime_type = NULL;
  g_autofree char *exec = NULL;
  GtkRecentData data = { 0 };

  g_return_if_fail (G_IS_FILE (file));
  uri = g_file_get_uri (file);
  base = g_file_get_basename (file);
  content_type = g_content_type_guess (base, NULL, 0, NULL);
  mime_type = g_content_type_get_mime_type (content_type);
  exec = g_strdup_printf ("%s %%u", g_get_prgname ());
  data.mime_type = mime_type != NULL ? mime_type : (char *) "application/octet-stream";
  data.app_name = (char *) recent_app_name ();
  data.app_exec = exec;
  gtk_recent_manager_add_full (gtk_recent_manager_get_default (), uri, &data);
}

gboolean
ts_recent_files_contains (TsRecentFiles *self, GFile *file)
{
  g_autofree char *uri = NULL;
  int n;

  g_return_val_if_fail (TS_IS_RECENT_FILES (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);
  uri = g_file_get_uri (file);
  n = g_menu_model_get_n_items (G_MENU_MODEL (self->menu));
  for (int i = 0; i < n; i++)
    {
      g_autoptr (GVariant) target = g_menu_model_get_item_attribute_value (
        G_MENU_MODEL (self->menu), i, G_MENU_ATTRIBUTE_TARGET, G_VARIANT_TYPE_STRING);
      if (target != NULL && g_strcmp0 (g_variant_get_string (target, NULL), uri) == 0)
        return TRUE;
    }
  return FALSE;
}

static int
compare_recent (gconstpointer a, gconstpointer b)
{
  GtkRecentInfo *ia = *(GtkRecentInfo **) a, *ib = *(GtkRecentInfo **) b;
  GDateTime *ta = gtk_recent_info_get_modified (ia), *tb = gtk_recent_info_get_modified (ib);

  return g_date_time_compare (tb, ta);
}

static void
rebuild (TsRecentFiles *self)
{
  GList *items = gtk_recent_manager_get_items (self->manager);
  g_autoptr (GPtrArray) mine = g_ptr_array_new_with_free_func ((GDestroyNotify) gtk_recent_info_unref);

  for (GList *l = items; l != NULL; l = l->next)
    {
      GtkRecentInfo *info = l->data;
      if (gtk_recent_info_has_application (info, recent_app_name ()) && gtk_recent_info_is_local (info)
          && gtk_recent_info_exists (info))
        g_ptr_array_add (mine, gtk_recent_info_ref (info));
    }
  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
  g_ptr_array_sort (mine, compare_recent);

  g_menu_remove_all (self->menu);
  for (guint i = 0; i < MIN (mine->len, MAX_RECENT); i++)
    {
      GtkRecentInfo *info = mine->pdata[i];
      g_autoptr (GMenuItem) item = g_menu_item_new (gtk_recent_info_get_display_name (info), NULL);
      g_menu_item_set_action_and_target_value (item, "win.open-recent",
                                               g_variant_new_string (gtk_recent_info_get_uri (info)));
      g_menu_append_item (self->menu, item);
    }
  if (mine->len == 0)
    {
      g_autoptr (GMenuItem) item = g_menu_item_new (_("No recent files"), "win.no-recent");
      g_menu_append_item (self->menu, item);
    }
}

TsRecentFiles *
ts_recent_files_new (GMenu *menu)
{
  TsRecentFiles *self;

  g_return_val_if_fail (G_IS_MENU (menu), NULL);
  self = g_object_new (TS_TYPE_RECENT_FILES, NULL);
  self->menu = g_object_ref (menu);
  self->manager = g_object_ref (gtk_recent_manager_get_default ());
  g_signal_connect_swapped (self->manager, "changed", G_CALLBACK (rebuild), self);
  rebuild (self);
  return self;
}

static void
ts_recent_files_dispose (GObject *object)
{
  TsRecentFiles *self = TS_RECENT_FILES (object);

  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  g_clear_object (&self->manager);
  g_clear_object (&self->menu);
  G_OBJECT_CLASS (ts_recent_files_parent_class)->dispose (object);
}

static void
ts_recent_files_class_init (TsRecentFilesClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ts_recent_files_dispose;
}

static void
ts_recent_files_init (TsRecentFiles *self)
{
}
