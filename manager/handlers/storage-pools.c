/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /1.0/storage-pools (spec §3, §3.2). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "db/storage-db.h"
#include "log.h"
#include "mgr.h"
#include "ops/ops.h"
#include "parse-util.h"
#include "storage-common.h"
#include "storage/storage.h"
#include "util/names.h"
#include "util/revert.h"
#include "util/run.h"
#include "util/size.h"

int storage_pool_lookup(struct mgr *m, const char *name, bool need_available,
			struct pool_row **ret_row, struct pool **ret_pool, struct api_resp *ret)
{
	g_autoptr(pool_row_t) row = NULL;
	g_autofree char *reason = NULL;
	int r;

	if (!name_object_valid(name))
		return api_errorf(ret, 400, "invalid storage pool name '%s'", name);
	r = db_pool_get(m->db, name, &row);
	if (r == -ENOENT || (r >= 0 && streq(row->state, "deleting")))
		return api_errorf(ret, 404, "storage pool '%s' not found", name);
	if (r < 0)
		return api_errorf(ret, 500, "cannot read storage pool '%s' from the database", name);
	/* a pool being made is shown (status Pending) but not used */
	if (need_available && streq(row->state, "pending"))
		return api_errorf(ret, 503, "storage pool '%s' is being created", name);
	if (need_available &&
	    mgr_pool_status(m, name, &reason) == POOL_UNAVAILABLE)
		return api_errorf(ret, 503, "storage pool '%s' is unavailable: %s", name, reason);
	if (ret_pool)
		*ret_pool = pool_new(m, row->name, row->driver, row->config);
	if (ret_row)
		*ret_row = g_steal_pointer(&row);
	return 0;
}

GPtrArray *storage_pool_used_by(struct mgr *m, const struct pool_row *row)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) vols = NULL;

	if (db_volume_list(m->db, row->id, NULL, &vols) < 0)
		return a;
	for (guint i = 0; i < vols->len; i++) {
		struct volume_row *v = vols->pdata[i];

		if (streq(v->type, "custom"))
			g_ptr_array_add(a, g_strdup_printf("/1.0/storage-pools/%s/volumes/custom/%s",
							   row->name, v->name));
		else
			g_ptr_array_add(a, g_strdup_printf("/1.0/instances/%s", v->name));
	}
	return a;
}

char *storage_etag(const char *description, GHashTable *config)
{
	g_autofree char *cfg = config_to_json(config);
	g_autofree char *s = g_strdup_printf("%s\n%s", description ? description : "", cfg);
	g_autofree char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, s, -1);

	return g_strdup_printf("\"%s\"", sum);
}

int storage_check_if_match(const struct api_req *req, const char *etag, struct api_resp *ret)
{
	if (!req->if_match || streq(req->if_match, "*"))
		return 0;
	if (!streq(req->if_match, etag))
		return api_errorf(ret, 412, "If-Match %s does not match the current ETag %s",
				  req->if_match, etag);
	return 0;
}

JsonNode *storage_pool_json(struct mgr *m, const struct pool_row *row)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(GPtrArray) used = storage_pool_used_by(m, row);
	g_autofree char *reason = NULL;
	enum pool_status st = streq(row->state, "created") ? mgr_pool_status(m, row->name, &reason)
							   : POOL_PENDING;

	g_ptr_array_add(used, NULL);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "name");
	json_builder_add_string_value(b, row->name);
	json_builder_set_member_name(b, "driver");
	json_builder_add_string_value(b, row->driver);
	json_builder_set_member_name(b, "description");
	json_builder_add_string_value(b, row->description);
	json_builder_set_member_name(b, "config");
	json_builder_add_value(b, api_json_string_map(row->config));
	json_builder_set_member_name(b, "used_by");
	json_builder_add_value(b, api_json_strv((const char *const *) used->pdata));
	json_builder_set_member_name(b, "status");
	json_builder_add_string_value(b, pool_status_to_string(st));
	json_builder_set_member_name(b, "status_reason");
	json_builder_add_string_value(b, reason ? reason : "");
	json_builder_set_member_name(b, "locations");
	json_builder_begin_array(b);
	json_builder_add_string_value(b, "none");
	json_builder_end_array(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

static int pools_list(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	static const char *const q[] = { "recursion", NULL };
	g_autoptr(GPtrArray) rows = NULL;
	JsonArray *a = json_array_new();
	JsonNode *n = json_node_new(JSON_NODE_ARRAY);
	int level, r;

	json_node_take_array(n, a);
	r = api_query_check(req, q, ret);
	if (r >= 0)
		r = api_query_recursion(req, 1, &level, ret);
	if (r >= 0 && db_pool_list(m->db, &rows) < 0)
		r = api_errorf(ret, 500, "cannot read storage pools from the database");
	if (r < 0) {
		json_node_unref(n);
		return r;
	}
	for (guint i = 0; i < rows->len; i++) {
		struct pool_row *row = rows->pdata[i];

		if (streq(row->state, "deleting"))
			continue;
		if (level > 0)
			json_array_add_element(a, storage_pool_json(m, row));
		else
			api_json_array_add_printf(a, "/1.0/storage-pools/%s", row->name);
	}
	return api_sync(ret, n);
}

static void undo_pool_row(void *data)
{
	struct pool *p = data;

	g_autoptr(pool_row_t) row = NULL;

	if (db_pool_get(p->m->db, p->name, &row) >= 0 && db_pool_delete(p->m->db, row->id) < 0)
		log_error("Failed to remove the row of storage pool '%s' while undoing", p->name);
}

static int pool_create(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	static const char *const fields[] = { "name", "driver", "config", "description", NULL };
	g_autoptr(GHashTable) config = NULL;
	g_autoptr(struct_pool) p = NULL;
	g_autoptr(pool_row_t) existing = NULL;
	g_autofree char *reason = NULL, *err = NULL, *now = NULL;
	const char *name = NULL, *driver = NULL, *description = "";
	const struct storage_driver *d;
	struct pool_row row = {};
	JsonObject *o;
	/* declared after p: the undos use it, and cleanups run in reverse declaration order */
	_cleanup_revert_ struct revert_stack rs = {};
	int r;

	r = api_query_check(req, NULL, ret);
	if (r < 0)
		return r;
	r = api_body_object(req, fields, false, &o, ret);
	if (r < 0)
		return r;
	if ((r = api_obj_string(o, "name", &name, ret)) < 0 ||
	    (r = api_obj_string(o, "driver", &driver, ret)) < 0 ||
	    (r = api_obj_string(o, "description", &description, ret)) < 0 ||
	    (r = api_obj_config(o, "config", &config, ret)) < 0)
		return r;
	if (!name)
		return api_errorf(ret, 400, "field 'name' is required");
	if (!name_object_valid(name))
		return api_errorf(ret, 400, "invalid storage pool name '%s': 1-63 characters of "
				  "A-Z a-z 0-9 . _ -, not starting with '.' or '-'", name);
	if (!driver)
		return api_errorf(ret, 400, "field 'driver' is required");
	d = storage_driver_find(driver);
	if (!d)
		return api_errorf(ret, 400, "unknown storage driver '%s' (known: dir, btrfs, lvm, "
				  "zfs)", driver);
	if (d->probe(&reason, NULL) < 0)
		return api_errorf(ret, 400, "storage driver '%s' is not available on this host: %s",
				  driver, reason);
	r = d->pool_validate(m, name, config, &err);
	if (r < 0)
		return api_errorf(ret, r == -ENOSPC ? 507 : 400, "%s", err);
	r = db_pool_get(m->db, name, &existing);
	if (r >= 0)
		return api_errorf(ret, 409, "storage pool '%s' already exists", name);

	/* the row first, as 'pending': a crash from here on is undone by reconcile (§8) */
	now = mgr_now_rfc3339();
	row = (struct pool_row) { .name = (char *) name, .driver = (char *) driver,
				  .description = (char *) description, .config = config,
				  .state = "pending", .created_at = now };
	r = db_pool_insert(m->db, &row);
	if (r == -EEXIST)
		return api_errorf(ret, 409, "storage pool '%s' already exists", name);
	if (r < 0)
		return api_errorf(ret, 500, "cannot record storage pool '%s' in the database", name);
	p = pool_new(m, name, driver, config);
	revert_push(&rs, undo_pool_row, p);
	mgr_pool_set_status(m, name, POOL_PENDING, "");

	r = d->pool_create(p, &rs, &err);
	if (r < 0) {
		mgr_pool_forget(m, name);
		/* -EEXIST: storage of that name without a row (never taken over or removed) */
		return api_errorf(ret, r == -ENOSPC ? 507 : r == -EEXIST ? 409 : 500,
				  "storage pool '%s' creation failed: %s", name,
				  err ? err : g_strerror(-r));
	}
	r = db_pool_set_state(m->db, row.id, "created");
	if (r < 0) {
		mgr_pool_forget(m, name);
		return api_errorf(ret, 500, "cannot record storage pool '%s' as created", name);
	}
	revert_disarm(&rs);
	mgr_pool_set_status(m, name, POOL_CREATED, "");
	log_info("Created storage pool '%s' (driver %s)", name, driver);
	{
		g_autofree char *url = g_strdup_printf("/1.0/storage-pools/%s", name);
		g_autoptr(pool_row_t) fresh = NULL;

		events_lifecycle(m, "storage-pool-created", url, NULL);
		if (db_pool_get(m->db, name, &fresh) < 0)
			return api_errorf(ret, 500, "cannot read back storage pool '%s'", name);
		return api_created(ret, storage_pool_json(m, fresh), "%s", url);
	}
}

static int pool_get(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	g_autoptr(pool_row_t) row = NULL;
	int r;

	r = api_query_check(req, NULL, ret);
	if (r >= 0)
		r = storage_pool_lookup(m, api_req_param(req, "pool"), false, &row, NULL, ret);
	if (r < 0)
		return r;
	api_sync(ret, storage_pool_json(m, row));
	ret->etag = storage_etag(row->description, row->config);
	return 0;
}

/* Grows a loop-backed btrfs pool to @bytes: file, loop capacity, filesystem. */
static int pool_grow(struct mgr *m, struct pool *p, uint64_t bytes, char **ret_err)
{
	g_autofree char *base = g_strconcat(p->name, ".img", NULL);
	g_autofree char *file = mgr_path(m, "disks", base, NULL);
	g_autoptr(GPtrArray) devs = NULL;
	int fd;

	fd = open(file, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t) bytes) < 0) {
		*ret_err = g_strdup_printf("cannot grow loop file '%s': %m", file);
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	close(fd);
	devs = loop_devices_of(file);
	for (guint i = 0; i < devs->len; i++) {
		const char *argv[] = { "losetup", "--set-capacity", devs->pdata[i], NULL };

		if (run_tool(argv, NULL, ret_err) < 0)
			return -EIO;
	}
	{
		const char *argv[] = { "btrfs", "filesystem", "resize", "max", p->path, NULL };

		if (run_tool(argv, NULL, ret_err) < 0)
			return -EIO;
	}
	return 0;
}

static int pool_update(struct mgr *m, const struct api_req *req, struct api_resp *ret,
		       bool patch)
{
	static const char *const fields[] = { "name", "driver", "config", "description",
					      "used_by", "status", "status_reason", "locations",
					      NULL };
	g_autoptr(pool_row_t) row = NULL;
	g_autoptr(struct_pool) p = NULL;
	g_autoptr(GHashTable) config = NULL, newcfg = NULL;
	g_autofree char *etag = NULL, *err = NULL;
	const char *description = NULL, *old_size, *new_size;
	JsonObject *o;
	GHashTableIter it;
	gpointer k, v;
	int r;

	r = api_query_check(req, NULL, ret);
	if (r >= 0)
		r = storage_pool_lookup(m, api_req_param(req, "pool"), false, &row, &p, ret);
	if (r >= 0)
		r = api_body_object(req, fields, false, &o, ret);
	if (r < 0)
		return r;
	if (!streq(row->state, "created"))
		return api_errorf(ret, 409, "storage pool '%s' is being created", row->name);
	etag = storage_etag(row->description, row->config);
	if ((r = storage_check_if_match(req, etag, ret)) < 0 ||
	    (r = api_obj_string(o, "description", &description, ret)) < 0 ||
	    (r = api_obj_config(o, "config", &config, ret)) < 0)
		return r;
	/* PUT replaces config (a key left out is a key removed); PATCH merges */
	newcfg = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	if (patch || !json_object_has_member(o, "config")) {
		g_hash_table_iter_init(&it, row->config);
		while (g_hash_table_iter_next(&it, &k, &v))
			g_hash_table_insert(newcfg, g_strdup(k), g_strdup(v));
	}
	g_hash_table_iter_init(&it, config);
	while (g_hash_table_iter_next(&it, &k, &v))
		g_hash_table_replace(newcfg, g_strdup(k), g_strdup(v));
	/* only size (grow only) and the free user.* keys may change */
	g_hash_table_iter_init(&it, newcfg);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		const char *old = g_hash_table_lookup(row->config, k);

		if (!streq(k, "size") && !startswith(k, "user.") && (!old || !streq(old, v)))
			return api_errorf(ret, 400, "config key '%s' of storage pool '%s' cannot be "
					  "changed", (char *) k, row->name);
	}
	g_hash_table_iter_init(&it, row->config);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (!streq(k, "size") && !startswith(k, "user.") && !g_hash_table_contains(newcfg, k))
			return api_errorf(ret, 400, "config key '%s' of storage pool '%s' cannot be "
					  "removed", (char *) k, row->name);
	old_size = g_hash_table_lookup(row->config, "size");
	new_size = g_hash_table_lookup(newcfg, "size");
	if (new_size && (!old_size || !streq(old_size, new_size))) {
		uint64_t nb, ob = 0;

		if (!streq(row->driver, "btrfs") || g_hash_table_contains(row->config, "source"))
			return api_errorf(ret, 400, "config 'size' can only change on a loop-backed "
					  "btrfs pool");
		if (size_parse(new_size, &nb) < 0)
			return api_errorf(ret, 400, "config 'size' has an invalid size '%s'",
					  new_size);
		(void) size_parse(old_size ? old_size : "5GiB", &ob);
		if (nb < ob)
			return api_errorf(ret, 400, "storage pool '%s' cannot shrink from '%s' to "
					  "'%s'", row->name, old_size ? old_size : "5GiB", new_size);
		if (mgr_pool_status(m, row->name, NULL) == POOL_UNAVAILABLE)
			return api_errorf(ret, 503, "storage pool '%s' is unavailable", row->name);
		r = pool_grow(m, p, nb, &err);
		if (r < 0)
			return api_errorf(ret, 500, "growing storage pool '%s' failed: %s",
					  row->name, err);
	} else if (!new_size && old_size)
		return api_errorf(ret, 400, "config key 'size' of storage pool '%s' cannot be "
				  "removed", row->name);
	r = db_pool_update(m->db, row->id, description ? description : (patch ? row->description
									       : ""), newcfg);
	if (r < 0)
		return api_errorf(ret, 500, "cannot update storage pool '%s'", row->name);
	{
		g_autoptr(pool_row_t) fresh = NULL;

		if (db_pool_get(m->db, row->name, &fresh) < 0)
			return api_errorf(ret, 500, "cannot read back storage pool '%s'", row->name);
		api_sync(ret, storage_pool_json(m, fresh));
		ret->etag = storage_etag(fresh->description, fresh->config);
	}
	return 0;
}

static int pool_put(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	return pool_update(m, req, ret, false);
}

static int pool_patch(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	return pool_update(m, req, ret, true);
}

static int pool_delete(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	const struct storage_driver *d;
	g_autoptr(pool_row_t) row = NULL;
	g_autoptr(struct_pool) p = NULL;
	g_autoptr(GPtrArray) used = NULL;
	g_autofree char *err = NULL, *url = NULL;
	int r;

	r = api_query_check(req, NULL, ret);
	if (r >= 0)
		r = storage_pool_lookup(m, api_req_param(req, "pool"), false, &row, &p, ret);
	if (r < 0)
		return r;
	if (!streq(row->state, "created"))
		return api_errorf(ret, 409, "storage pool '%s' is being created", row->name);
	used = storage_pool_used_by(m, row);
	if (used->len > 0) {
		g_autoptr(GString) list = g_string_new(NULL);
		JsonNode *md;

		/* in the manager's words: "custom volume 'v1', instance 'c1'" */
		for (guint i = 0; i < used->len; i++) {
			const char *u = used->pdata[i], *v = startswith(u, "/1.0/instances/");

			if (list->len)
				g_string_append(list, ", ");
			if (v)
				g_string_append_printf(list, "instance '%s'", v);
			else
				g_string_append_printf(list, "custom volume '%s'", strrchr(u, '/') + 1);
		}
		g_ptr_array_add(used, NULL);
		md = json_node_new(JSON_NODE_OBJECT);
		json_node_take_object(md, json_object_new());
		json_object_set_member(json_node_get_object(md), "used_by",
				       api_json_strv((const char *const *) used->pdata));
		return api_errorf_md(ret, 409, md, "storage pool '%s' is in use by %s",
				     row->name, list->str);
	}
	r = db_pool_set_state(m->db, row->id, "deleting");
	if (r < 0)
		return api_errorf(ret, 500, "cannot record the deletion of storage pool '%s'",
				  row->name);
	d = storage_driver_find(row->driver);
	r = mgr_step(m, "storage-pool-delete/storage", &err);
	if (r < 0) {
		(void) db_pool_set_state(m->db, row->id, "created");
		return api_errorf(ret, 500, "storage pool '%s' cannot be deleted: %s", row->name, err);
	}
	if (d->probe(NULL, NULL) < 0) {
		/* a pool from a host that had the driver (MG-12): its storage cannot be reached
		 * from here, so only the record goes */
		log_warning("Storage pool '%s': driver %s is unavailable here, deleting its record "
			    "only", row->name, row->driver);
		r = 0;
	} else
		r = d->pool_delete(p, &err);
	if (r < 0) {
		(void) db_pool_set_state(m->db, row->id, "created");
		return api_errorf(ret, r == -ENOTEMPTY || r == -EBUSY ? 409 : 500,
				  "storage pool '%s' cannot be deleted: %s", row->name,
				  err ? err : g_strerror(-r));
	}
	mgr_step_done(m, "storage-pool-delete/storage");
	r = db_pool_delete(m->db, row->id);
	if (r < 0)
		return api_errorf(ret, 500, "storage of pool '%s' removed but its row could not "
				  "be deleted", row->name);
	mgr_pool_forget(m, row->name);
	log_info("Deleted storage pool '%s'", row->name);
	url = g_strdup_printf("/1.0/storage-pools/%s", row->name);
	events_lifecycle(m, "storage-pool-deleted", url, NULL);
	return api_sync(ret, NULL);
}

static int pool_resources(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	g_autoptr(struct_pool) p = NULL;
	g_autoptr(JsonBuilder) b = json_builder_new();
	uint64_t used, total;
	int r;

	r = api_query_check(req, NULL, ret);
	if (r >= 0)
		r = storage_pool_lookup(m, api_req_param(req, "pool"), true, NULL, &p, ret);
	if (r < 0)
		return r;
	r = pool_usage(p, &used, &total);
	if (r < 0)
		return api_errorf(ret, 500, "cannot read the usage of storage pool '%s': %s",
				  p->name, g_strerror(-r));
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "space");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "used");
	json_builder_add_int_value(b, (gint64) used);
	json_builder_set_member_name(b, "total");
	json_builder_add_int_value(b, (gint64) total);
	json_builder_end_object(b);
	json_builder_end_object(b);
	return api_sync(ret, json_builder_get_root(b));
}

/* the volume routes are in storage-volumes.c (api_routes_storage_volumes) */
const struct api_route api_routes_storage[] = {
	{ "/1.0/storage-pools", { [API_GET] = pools_list, [API_POST] = pool_create } },
	{ "/1.0/storage-pools/{pool}", { [API_GET] = pool_get, [API_PUT] = pool_put,
					 [API_PATCH] = pool_patch, [API_DELETE] = pool_delete } },
	{ "/1.0/storage-pools/{pool}/resources", { [API_GET] = pool_resources } },
	{ NULL },
};
