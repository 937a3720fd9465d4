/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <glib.h>
#include <unistd.h>

#include "db/storage-db.h"
#include "log.h"
#include "mgr.h"
#include "parse-util.h"
#include "reconcile.h"
#include "storage.h"
#include "volumes.h"

static void reconcile_volumes(struct mgr *m, struct pool *p, const struct pool_row *prow,
			      bool available, GString *report)
{
	g_autoptr(GPtrArray) vols = NULL;
	g_autoptr(GHashTable) known = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	if (db_volume_list(m->db, prow->id, NULL, &vols) < 0)
		return;
	if (available)
		for (const char *const *t = (const char *const[]) { "custom", "container",
				"virtual-machine", NULL }; *t; t++)
			volume_storage_recover(p, *t);
	for (guint i = 0; i < vols->len; i++) {
		struct volume_row *v = vols->pdata[i];
		g_autofree char *path = volume_path(p, v->type, v->name);
		g_autofree char *err = NULL;
		g_autoptr(GPtrArray) snaps = NULL;

		if (!streq(v->state, "created")) {
			/* a create or delete that did not finish: undo / complete it */
			log_warning("Reconcile: volume '%s' of pool '%s' was left %s, removing it",
				    v->name, prow->name, v->state);
			if (available && volume_storage_delete(p, v->type, v->name, &err) < 0) {
				log_error("Reconcile: cannot remove volume '%s': %s", v->name, err);
				g_string_append_printf(report, "%svolume '%s' half-%s",
						       report->len ? "; " : "", v->name,
						       streq(v->state, "pending") ? "created"
										   : "deleted");
				continue;
			}
			(void) db_volume_delete(m->db, v->id);
			continue;
		}
		g_hash_table_add(known, g_strdup_printf("%s/%s", volume_type_dir(v->type), v->name));
		if (!available)
			continue;
		if (access(path, F_OK) < 0) {
			log_error("Reconcile: volume '%s' of pool '%s' has a row but no storage at "
				  "'%s'", v->name, prow->name, path);
			g_string_append_printf(report, "%svolume '%s' has no storage",
					       report->len ? "; " : "", v->name);
		}
		if (db_snapshot_list(m->db, v->id, &snaps) < 0)
			continue;
		for (guint k = 0; k < snaps->len; k++) {
			struct snapshot_row *s = snaps->pdata[k];
			g_autofree char *e2 = NULL;

			if (streq(s->state, "created"))
				continue;
			log_warning("Reconcile: snapshot '%s' of volume '%s' was left %s, removing "
				    "it", s->name, v->name, s->state);
			if (snapshot_storage_delete(p, v->type, v->name, s->name, &e2) < 0) {
				log_error("Reconcile: cannot remove snapshot '%s': %s", s->name, e2);
				continue;
			}
			(void) db_snapshot_delete(m->db, s->id);
		}
	}
	if (!available)
		return;
	/* storage without a row: reported, never deleted (§8) */
	for (const char *const *t = (const char *const[]) { "custom", "containers",
			"virtual-machines", NULL }; *t; t++) {
		g_autofree char *dir = g_build_filename(p->path, *t, NULL);
		g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
		const char *e;

		while (d && (e = g_dir_read_name(d))) {
			g_autofree char *key = g_strdup_printf("%s/%s", *t, e);

			if (g_hash_table_contains(known, key))
				continue;
			log_warning("Reconcile: '%s' in pool '%s' has no record in the database, "
				    "keeping it", key, prow->name);
			g_string_append_printf(report, "%sstorage without a record: %s",
					       report->len ? "; " : "", key);
		}
	}
}

void storage_reconcile(struct mgr *m)
{
	g_autoptr(GPtrArray) pools = NULL;

	if (db_pool_list(m->db, &pools) < 0) {
		log_error("Reconcile: cannot read the storage pools");
		return;
	}
	for (guint i = 0; i < pools->len; i++) {
		struct pool_row *row = pools->pdata[i];
		const struct storage_driver *d = storage_driver_find(row->driver);
		g_autoptr(struct_pool) p = pool_new(m, row->name, row->driver, row->config);
		g_autoptr(GString) report = g_string_new(NULL);
		g_autofree char *err = NULL, *why = NULL;
		int r;

		if (!d) {
			mgr_pool_set_status(m, row->name, POOL_ERRORED, "unknown driver");
			continue;
		}
		if (!streq(row->state, "created")) {
			/* creation or deletion interrupted: remove what there is (a pending pool's
			 * row was written before its first side effect) */
			log_warning("Reconcile: storage pool '%s' was left %s, removing it",
				    row->name, row->state);
			r = d->pool_delete(p, &err);
			if (r < 0) {
				log_error("Reconcile: cannot remove storage pool '%s': %s", row->name,
					  err);
				if (streq(row->state, "deleting")) {
					(void) db_pool_set_state(m->db, row->id, "created");
					mgr_pool_set_status(m, row->name, POOL_ERRORED, err);
				}
				continue;
			}
			(void) db_pool_delete(m->db, row->id);
			continue;
		}
		if (d->probe(&why, NULL) < 0) {
			g_autofree char *reason = g_strdup_printf("driver %s unavailable: %s",
								  row->driver, why);

			log_error("Storage pool '%s' is unavailable: %s", row->name, reason);
			mgr_pool_set_status(m, row->name, POOL_UNAVAILABLE, reason);
			reconcile_volumes(m, p, row, false, report);
			continue;
		}
		r = d->pool_mount(p, &err);
		if (r < 0) {
			log_error("Storage pool '%s' is unavailable: %s", row->name, err);
			mgr_pool_set_status(m, row->name, POOL_UNAVAILABLE, err);
			reconcile_volumes(m, p, row, false, report);
			continue;
		}
		reconcile_volumes(m, p, row, true, report);
		mgr_pool_set_status(m, row->name, POOL_CREATED, report->str);
	}
}

int storage_pools_recheck(struct mgr *m)
{
	g_autoptr(GPtrArray) pools = NULL;
	int n = 0;

	g_mutex_lock(&m->change_lock);
	if (db_pool_list(m->db, &pools) < 0) {
		g_mutex_unlock(&m->change_lock);
		return 0;
	}
	for (guint i = 0; i < pools->len; i++) {
		struct pool_row *row = pools->pdata[i];
		const struct storage_driver *d = storage_driver_find(row->driver);
		g_autoptr(struct_pool) p = NULL;
		g_autoptr(GString) report = NULL;
		g_autofree char *err = NULL;

		if (!d || !streq(row->state, "created") ||
		    mgr_pool_status(m, row->name, NULL) != POOL_UNAVAILABLE)
			continue;
		if (d->probe(NULL, NULL) < 0)
			continue;
		p = pool_new(m, row->name, row->driver, row->config);
		if (d->pool_mount(p, &err) < 0) {
			log_debug("Storage pool '%s' is still unavailable: %s", row->name, err);
			mgr_pool_set_status(m, row->name, POOL_UNAVAILABLE, err);
			continue;
		}
		report = g_string_new(NULL);
		reconcile_volumes(m, p, row, true, report);
		mgr_pool_set_status(m, row->name, POOL_CREATED, report->str);
		log_info("Storage pool '%s' is available again", row->name);
		n++;
	}
	g_mutex_unlock(&m->change_lock);
	return n;
}
