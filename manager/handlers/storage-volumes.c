/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /1.0/storage-pools/P/volumes... (spec §3, §3.2, §4.6): custom volumes and their snapshots.
 * Every change: validate everything first, record the row as 'pending' (or 'deleting'), do
 * the storage work between mgr_step() and mgr_step_done(), then mark the row 'created' (or
 * delete it); a failure undoes the completed steps, a crash is undone by reconcile (§8). */
#include <errno.h>
#include <string.h>

#include "api/api.h"
#include "db/storage-db.h"
#include "log.h"
#include "mgr.h"
#include "ops/ops.h"
#include "parse-util.h"
#include "storage-common.h"
#include "storage/storage.h"
#include "storage/volumes.h"
#include "util/names.h"
#include "util/revert.h"
#include "util/size.h"

static const char *const volume_fields[] = {
	"name", "type", "content_type", "config", "description", "source",
	/* read-only fields GET shows, ignored on PUT/PATCH */
	"used_by", "location", "created_at", "restore", NULL,
};

static JsonNode *volume_json(const char *pool, const struct volume_row *v)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "name");
	json_builder_add_string_value(b, v->name);
	json_builder_set_member_name(b, "type");
	json_builder_add_string_value(b, v->type);
	json_builder_set_member_name(b, "content_type");
	json_builder_add_string_value(b, v->content_type);
	json_builder_set_member_name(b, "config");
	json_builder_add_value(b, api_json_string_map(v->config));
	json_builder_set_member_name(b, "description");
	json_builder_add_string_value(b, v->description);
	json_builder_set_member_name(b, "used_by");
	json_builder_begin_array(b);
	if (!streq(v->type, "custom")) {
		g_autofree char *u = g_strdup_printf("/1.0/instances/%s", v->name);

		json_builder_add_string_value(b, u);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "location");
	json_builder_add_string_value(b, "none");
	json_builder_set_member_name(b, "created_at");
	json_builder_add_string_value(b, v->created_at);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

static JsonNode *snapshot_json(const struct volume_row *v, const struct snapshot_row *s)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "name");
	json_builder_add_string_value(b, s->name);
	json_builder_set_member_name(b, "description");
	json_builder_add_string_value(b, s->description);
	json_builder_set_member_name(b, "config");
	json_builder_add_value(b, api_json_string_map(v->config));
	json_builder_set_member_name(b, "content_type");
	json_builder_add_string_value(b, v->content_type);
	json_builder_set_member_name(b, "created_at");
	json_builder_add_string_value(b, s->created_at);
	json_builder_set_member_name(b, "expires_at");
	json_builder_add_string_value(b, "0001-01-01T00:00:00Z");
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

/* Type segment of the path: 400 for instance types on changing methods, 404 unknown. */
static int check_type(const char *type, bool change, struct api_resp *ret)
{
	if (!volume_type_dir(type))
		return api_errorf(ret, 404, "unknown storage volume type '%s' (custom, container, "
				  "virtual-machine)", type);
	if (change && !streq(type, "custom"))
		return api_errorf(ret, 400, "%s volumes are managed through /1.0/instances", type);
	return 0;
}

/* Pool + volume lookup: 400 bad names, 404 missing (pending/deleting rows count as
 * missing), 503 unavailable pool when @need_available. */
static int volume_lookup(struct mgr *m, const struct api_req *req, const char *type,
			 bool need_available, struct pool_row **ret_prow, struct pool **ret_pool,
			 struct volume_row **ret_vrow, struct api_resp *ret)
{
	const char *name = api_req_param(req, "volume");
	g_autoptr(pool_row_t) prow = NULL;
	g_autoptr(volume_row_t) vrow = NULL;
	g_autoptr(struct_pool) p = NULL;
	int r;

	if (!streq(type, "custom") ? !name_instance_valid(name) : !name_object_valid(name))
		return api_errorf(ret, 400, "invalid storage volume name '%s'", name);
	r = storage_pool_lookup(m, api_req_param(req, "pool"), false, &prow, &p, ret);
	if (r < 0)
		return r;
	r = db_volume_get(m->db, prow->id, type, name, &vrow);
	if (r == -ENOENT || (r >= 0 && !streq(vrow->state, "created")))
		return api_errorf(ret, 404, "storage volume '%s' not found in pool '%s'", name,
				  prow->name);
	if (r < 0)
		return api_errorf(ret, 500, "cannot read storage volume '%s'", name);
	if (need_available) {
		g_autofree char *reason = NULL;

		if (mgr_pool_status(m, prow->name, &reason) == POOL_UNAVAILABLE)
			return api_errorf(ret, 503, "storage pool '%s' is unavailable: %s",
					  prow->name, reason);
	}
	if (ret_prow)
		*ret_prow = g_steal_pointer(&prow);
	if (ret_pool)
		*ret_pool = g_steal_pointer(&p);
	if (ret_vrow)
		*ret_vrow = g_steal_pointer(&vrow);
	return 0;
}

static int volumes_list(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	static const char *const q[] = { "recursion", NULL };
	const char *type = api_req_param(req, "type");
	g_autoptr(pool_row_t) prow = NULL;
	g_autoptr(GPtrArray) rows = NULL;
	JsonArray *a;
	JsonNode *n;
	int level, r;

	r = api_query_check(req, q, ret);
	if (r >= 0)
		r = api_query_recursion(req, 1, &level, ret);
	if (r >= 0 && type)
		r = check_type(type, false, ret);
	if (r >= 0)
		r = storage_pool_lookup(m, api_req_param(req, "pool"), false, &prow, NULL, ret);
	if (r < 0)
		return r;
	if (db_volume_list(m->db, prow->id, type, &rows) < 0)
		return api_errorf(ret, 500, "cannot read the volumes of pool '%s'", prow->name);
	a = json_array_new();
	for (guint i = 0; i < rows->len; i++) {
		struct volume_row *v = rows->pdata[i];

		if (!streq(v->state, "created"))
			continue;
		if (level > 0)
			json_array_add_element(a, volume_json(prow->name, v));
		else
			api_json_array_add_printf(a,
				"/1.0/storage-pools/%s/volumes/%s/%s", prow->name, v->type, v->name);
	}
	n = json_node_new(JSON_NODE_ARRAY);
	json_node_take_array(n, a);
	return api_sync(ret, n);
}

/* Validates a volume config (create or update): only size and user.*; size parses;
 * filesystem size needs a driver with quotas. Sets *ret_size (0 when absent). */
static int check_volume_config(const struct pool_row *prow, GHashTable *config, bool block,
			       uint64_t *ret_size, struct api_resp *ret)
{
	const struct storage_driver *d = storage_driver_find(prow->driver);
	GHashTableIter it;
	gpointer k, v;
	uint64_t size = 0;

	g_hash_table_iter_init(&it, config);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		if (startswith(k, "user."))
			continue;
		if (!streq(k, "size"))
			return api_errorf(ret, 400, "unknown volume config key '%s'", (char *) k);
		if (size_parse(v, &size) < 0)
			return api_errorf(ret, 400, "config 'size' has an invalid size '%s' (a "
					  "positive integer with an optional unit kB MB GB TB PB "
					  "KiB MiB GiB TiB PiB)", (char *) v);
		if (!block && !d->fs_size)
			return api_errorf(ret, 400, "driver '%s' cannot limit the size of a "
					  "filesystem volume (config 'size')", prow->driver);
	}
	*ret_size = size;
	return 0;
}

struct vol_undo {
	struct mgr *m;
	struct pool *p;		/* borrowed */
	int64_t row_id;
	char *type, *name;
};

static void vol_undo_free(void *data)
{
	struct vol_undo *u = data;

	g_free(u->type);
	g_free(u->name);
	g_free(u);
}

static void undo_row(void *data)
{
	struct vol_undo *u = data;

	if (db_volume_delete(u->m->db, u->row_id) < 0)
		log_error("Failed to remove the row of volume '%s' while undoing", u->name);
}

static void undo_storage(void *data)
{
	struct vol_undo *u = data;
	g_autofree char *err = NULL;

	if (volume_storage_delete(u->p, u->type, u->name, &err) < 0)
		log_error("Failed to remove volume '%s' while undoing: %s", u->name, err);
}

static struct vol_undo *vol_undo_new(struct mgr *m, struct pool *p, int64_t id, const char *type,
				     const char *name)
{
	struct vol_undo *u = g_new0(struct vol_undo, 1);

	u->m = m;
	u->p = p;
	u->row_id = id;
	u->type = g_strdup(type);
	u->name = g_strdup(name);
	return u;
}

/* The steps of a create (plain or copy); used by the sync handler and the copy operation. */
static int volume_create_steps(struct mgr *m, struct pool *p, const struct pool_row *prow,
			       const char *name, const char *content_type, const char *description,
			       GHashTable *config, uint64_t size, struct pool *src_pool,
			       const char *src_name, char **ret_err)
{
	_cleanup_revert_ struct revert_stack rs = {};
	g_autofree char *now = mgr_now_rfc3339();
	bool block = streq(content_type, "block");
	struct volume_row row = { .pool_id = prow->id, .name = (char *) name, .type = "custom",
				  .content_type = (char *) content_type,
				  .description = (char *) description, .config = config,
				  .state = "pending", .created_at = now };
	int r;

	r = db_volume_insert(m->db, &row);
	if (r == -EEXIST) {
		*ret_err = g_strdup_printf("storage volume '%s' already exists in pool '%s'", name,
					   prow->name);
		return -EEXIST;
	}
	if (r < 0) {
		*ret_err = g_strdup_printf("cannot record storage volume '%s'", name);
		return r;
	}
	revert_push_full(&rs, undo_row, vol_undo_new(m, p, row.id, "custom", name), vol_undo_free);

	r = mgr_step(m, "volume-create/storage", ret_err);
	if (r < 0)
		return r;
	if (src_pool)
		r = volume_storage_copy(src_pool, "custom", src_name, p, "custom", name, ret_err);
	else
		r = volume_storage_create(p, "custom", name, block,
					  block && !size ? VOLUME_BLOCK_DEFAULT_SIZE : size, ret_err);
	if (r < 0)
		return r;
	revert_push_full(&rs, undo_storage, vol_undo_new(m, p, row.id, "custom", name),
			 vol_undo_free);
	if (src_pool && size > 0) {
		r = volume_storage_resize(p, "custom", name, block, size, ret_err);
		if (r < 0)
			return r;
	}
	mgr_step_done(m, "volume-create/storage");

	r = db_volume_set_state(m->db, row.id, "created");
	if (r < 0) {
		*ret_err = g_strdup_printf("cannot record storage volume '%s' as created", name);
		return r;
	}
	revert_disarm(&rs);
	log_info("Created storage volume '%s' in pool '%s'", name, prow->name);
	{
		g_autofree char *url = g_strdup_printf("/1.0/storage-pools/%s/volumes/custom/%s",
						       prow->name, name);

		events_lifecycle(m, "storage-volume-created", url, NULL);
	}
	return 0;
}

struct copy_job {
	struct pool *p, *src_pool;
	struct pool_row *prow;
	char *name, *content_type, *description, *src_name;
	GHashTable *config;
	uint64_t size;
};

static void copy_job_free(gpointer data)
{
	struct copy_job *j = data;

	pool_free(j->p);
	pool_free(j->src_pool);
	pool_row_free(j->prow);
	g_free(j->name);
	g_free(j->content_type);
	g_free(j->description);
	g_free(j->src_name);
	g_hash_table_unref(j->config);
	g_free(j);
}

static int copy_work(struct mgr *m, struct op *op, void *data, char **ret_err)
{
	struct copy_job *j = data;

	return volume_create_steps(m, j->p, j->prow, j->name, j->content_type, j->description,
				   j->config, j->size, j->src_pool, j->src_name, ret_err);
}

static int volume_create(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	static const char *const src_fields[] = { "type", "pool", "name", NULL };
	const char *type = api_req_param(req, "type");
	g_autoptr(pool_row_t) prow = NULL;
	g_autoptr(volume_row_t) existing = NULL;
	g_autoptr(struct_pool) p = NULL, src_pool = NULL;
	g_autoptr(GHashTable) config = NULL;
	g_autofree char *err = NULL;
	const char *name = NULL, *content_type = "filesystem", *description = "", *vtype = NULL;
	const char *src_type = NULL, *src_pool_name = NULL, *src_name = NULL;
	JsonObject *o, *src = NULL;
	uint64_t size = 0;
	int r;

	r = api_query_check(req, NULL, ret);
	if (r >= 0 && type)
		r = check_type(type, true, ret);
	if (r >= 0)
		r = api_body_object(req, volume_fields, false, &o, ret);
	if (r < 0)
		return r;
	if ((r = api_obj_string(o, "name", &name, ret)) < 0 ||
	    (r = api_obj_string(o, "type", &vtype, ret)) < 0 ||
	    (r = api_obj_string(o, "content_type", &content_type, ret)) < 0 ||
	    (r = api_obj_string(o, "description", &description, ret)) < 0 ||
	    (r = api_obj_config(o, "config", &config, ret)) < 0 ||
	    (r = api_obj_object(o, "source", src_fields, &src, ret)) < 0)
		return r;
	if (vtype && !streq(vtype, "custom"))
		return api_errorf(ret, 400, "field 'type' must be 'custom' here, not '%s'", vtype);
	if (!name)
		return api_errorf(ret, 400, "field 'name' is required");
	if (!name_object_valid(name))
		return api_errorf(ret, 400, "invalid storage volume name '%s': 1-63 characters of "
				  "A-Z a-z 0-9 . _ -, not starting with '.' or '-'", name);
	if (!streq(content_type, "filesystem") && !streq(content_type, "block"))
		return api_errorf(ret, 400, "field 'content_type' must be 'filesystem' or 'block', "
				  "not '%s'", content_type);
	if (src) {
		if ((r = api_obj_string(src, "type", &src_type, ret)) < 0 ||
		    (r = api_obj_string(src, "pool", &src_pool_name, ret)) < 0 ||
		    (r = api_obj_string(src, "name", &src_name, ret)) < 0)
			return r;
		if (!src_type || !streq(src_type, "copy"))
			return api_errorf(ret, 400, "field 'source.type' must be 'copy'");
		if (!src_name || !name_object_valid(src_name))
			return api_errorf(ret, 400, "field 'source.name' must be a volume name");
	}
	r = storage_pool_lookup(m, api_req_param(req, "pool"), true, &prow, &p, ret);
	if (r < 0)
		return r;
	r = check_volume_config(prow, config, streq(content_type, "block"), &size, ret);
	if (r < 0)
		return r;
	if (streq(content_type, "block")) {
		uint64_t used, total, want = size ? size : VOLUME_BLOCK_DEFAULT_SIZE;

		if (pool_usage(p, &used, &total) >= 0 && want > total - used)
			return api_errorf(ret, 507, "not enough space in storage pool '%s' for a "
					  "block volume of %" G_GUINT64_FORMAT " bytes (%"
					  G_GUINT64_FORMAT " free)", prow->name, want, total - used);
	}
	if (db_volume_get(m->db, prow->id, "custom", name, &existing) >= 0)
		return api_errorf(ret, 409, "storage volume '%s' already exists in pool '%s'", name,
				  prow->name);
	{
		g_autofree char *path = volume_path(p, "custom", name);

		/* storage without a row (reconcile reported it): never taken over or removed */
		if (g_file_test(path, G_FILE_TEST_EXISTS))
			return api_errorf(ret, 409, "'%s' already exists in pool '%s' without a "
					  "record; remove it or choose another name", path, prow->name);
	}
	if (src) {
		g_autoptr(pool_row_t) sprow = NULL;
		g_autoptr(volume_row_t) svrow = NULL;
		struct copy_job *j;

		r = storage_pool_lookup(m, src_pool_name ? src_pool_name : prow->name, true,
					&sprow, &src_pool, ret);
		if (r < 0)
			return r;
		r = db_volume_get(m->db, sprow->id, "custom", src_name, &svrow);
		if (r < 0 || !streq(svrow->state, "created"))
			return api_errorf(ret, 404, "source storage volume '%s' not found in pool "
					  "'%s'", src_name, sprow->name);
		if (!streq(svrow->content_type, content_type))
			return api_errorf(ret, 400, "source volume '%s' is a %s volume, not %s",
					  src_name, svrow->content_type, content_type);
		if (!g_hash_table_contains(config, "size") &&
		    g_hash_table_contains(svrow->config, "size"))
			g_hash_table_insert(config, g_strdup("size"),
					    g_strdup(g_hash_table_lookup(svrow->config, "size")));
		r = check_volume_config(prow, config, streq(content_type, "block"), &size, ret);
		if (r < 0)
			return r;
		j = g_new0(struct copy_job, 1);
		j->p = g_steal_pointer(&p);
		j->src_pool = g_steal_pointer(&src_pool);
		j->prow = g_steal_pointer(&prow);
		j->name = g_strdup(name);
		j->content_type = g_strdup(content_type);
		j->description = g_strdup(description);
		j->src_name = g_strdup(src_name);
		j->config = g_hash_table_ref(config);
		j->size = size;
		{
			g_autofree char *url = g_strdup_printf(
				"/1.0/storage-pools/%s/volumes/custom/%s", j->prow->name, name);

			return op_start(m, "Copying storage volume", "storage_volumes", url,
					copy_work, j, copy_job_free, ret);
		}
	}
	r = volume_create_steps(m, p, prow, name, content_type, description, config, size, NULL,
				NULL, &err);
	if (r < 0 && err && strstr(err, "No space left on device"))
		r = -ENOSPC;
	if (r < 0)
		return api_errorf(ret, r == -EEXIST ? 409 : r == -ENOSPC || r == -EDQUOT ? 507 : 500,
				  "creating storage volume '%s' failed: %s", name,
				  err ? err : g_strerror(-r));
	{
		g_autoptr(volume_row_t) fresh = NULL;

		if (db_volume_get(m->db, prow->id, "custom", name, &fresh) < 0)
			return api_errorf(ret, 500, "cannot read back storage volume '%s'", name);
		return api_created(ret, volume_json(prow->name, fresh),
				   "/1.0/storage-pools/%s/volumes/custom/%s", prow->name, name);
	}
}

static int volume_get(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	const char *type = api_req_param(req, "type");
	g_autoptr(pool_row_t) prow = NULL;
	g_autoptr(volume_row_t) v = NULL;
	int r;

	type = type ? type : "custom";
	r = api_query_check(req, NULL, ret);
	if (r >= 0)
		r = check_type(type, false, ret);
	if (r >= 0)
		r = volume_lookup(m, req, type, false, &prow, NULL, &v, ret);
	if (r < 0)
		return r;
	api_sync(ret, volume_json(prow->name, v));
	ret->etag = storage_etag(v->description, v->config);
	return 0;
}

static int volume_restore(struct mgr *m, struct pool_row *prow, struct pool *p,
			  struct volume_row *v, const char *snap, struct api_resp *ret)
{
	g_autoptr(snapshot_row_t) s = NULL;
	g_autofree char *err = NULL, *url = NULL;
	const char *size_s = g_hash_table_lookup(v->config, "size");
	uint64_t quota = 0;
	int r;

	if (!name_object_valid(snap))
		return api_errorf(ret, 400, "invalid snapshot name '%s'", snap);
	r = db_snapshot_get(m->db, v->id, snap, &s);
	if (r < 0 || !streq(s->state, "created"))
		return api_errorf(ret, 404, "snapshot '%s' of storage volume '%s' not found", snap,
				  v->name);
	if (size_s && streq(v->content_type, "filesystem"))
		(void) size_parse(size_s, &quota);
	r = mgr_step(m, "volume-restore/storage", &err);
	if (r >= 0)
		r = snapshot_storage_restore(p, v->type, v->name, snap, quota, &err);
	if (r < 0)
		return api_errorf(ret, 500, "restoring storage volume '%s' from snapshot '%s' "
				  "failed: %s", v->name, snap, err);
	mgr_step_done(m, "volume-restore/storage");
	log_info("Restored storage volume '%s' from snapshot '%s'", v->name, snap);
	url = g_strdup_printf("/1.0/storage-pools/%s/volumes/custom/%s", prow->name, v->name);
	events_lifecycle(m, "storage-volume-restored", url, NULL);
	api_sync(ret, volume_json(prow->name, v));
	ret->etag = storage_etag(v->description, v->config);
	return 0;
}

static int volume_update(struct mgr *m, const struct api_req *req, struct api_resp *ret,
			 bool patch)
{
	const char *type = api_req_param(req, "type");
	g_autoptr(pool_row_t) prow = NULL;
	g_autoptr(volume_row_t) v = NULL;
	g_autoptr(struct_pool) p = NULL;
	g_autoptr(GHashTable) config = NULL, newcfg = NULL;
	g_autofree char *etag = NULL, *err = NULL;
	const char *description = NULL, *restore = NULL, *old_size, *new_size;
	bool block;
	uint64_t size = 0;
	JsonObject *o;
	GHashTableIter it;
	gpointer k, val;
	int r;

	type = type ? type : "custom";
	r = api_query_check(req, NULL, ret);
	if (r >= 0)
		r = check_type(type, true, ret);
	if (r >= 0)
		r = volume_lookup(m, req, type, true, &prow, &p, &v, ret);
	if (r >= 0)
		r = api_body_object(req, volume_fields, false, &o, ret);
	if (r < 0)
		return r;
	etag = storage_etag(v->description, v->config);
	if ((r = storage_check_if_match(req, etag, ret)) < 0 ||
	    (r = api_obj_string(o, "restore", &restore, ret)) < 0 ||
	    (r = api_obj_string(o, "description", &description, ret)) < 0 ||
	    (r = api_obj_config(o, "config", &config, ret)) < 0)
		return r;
	if (restore) {
		if (patch)
			return api_errorf(ret, 400, "field 'restore' is only accepted by PUT");
		return volume_restore(m, prow, p, v, restore, ret);
	}
	block = streq(v->content_type, "block");
	newcfg = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	if (patch || !json_object_has_member(o, "config")) {
		g_hash_table_iter_init(&it, v->config);
		while (g_hash_table_iter_next(&it, &k, &val))
			g_hash_table_insert(newcfg, g_strdup(k), g_strdup(val));
	}
	g_hash_table_iter_init(&it, config);
	while (g_hash_table_iter_next(&it, &k, &val))
		g_hash_table_replace(newcfg, g_strdup(k), g_strdup(val));
	r = check_volume_config(prow, newcfg, block, &size, ret);
	if (r < 0)
		return r;
	old_size = g_hash_table_lookup(v->config, "size");
	new_size = g_hash_table_lookup(newcfg, "size");
	if (block && !new_size && old_size)
		return api_errorf(ret, 400, "config 'size' of block volume '%s' cannot be removed",
				  v->name);
	if ((new_size || old_size) && (!new_size || !old_size || !streq(new_size, old_size))) {
		if (block) {
			uint64_t ob = VOLUME_BLOCK_DEFAULT_SIZE;

			if (old_size)
				(void) size_parse(old_size, &ob);
			if (size < ob)
				return api_errorf(ret, 400, "block volume '%s' cannot shrink from "
						  "'%s' to '%s'", v->name, old_size ? old_size : "1GiB",
						  new_size);
		}
		r = volume_storage_resize(p, v->type, v->name, block, new_size ? size : 0, &err);
		if (r == -EINVAL)
			return api_errorf(ret, 400, "%s", err);
		if (r < 0)
			return api_errorf(ret, 500, "resizing storage volume '%s' failed: %s",
					  v->name, err);
	}
	r = db_volume_update(m->db, v->id, description ? description
					   : (patch ? v->description : ""), newcfg);
	if (r < 0)
		return api_errorf(ret, 500, "cannot update storage volume '%s'", v->name);
	{
		g_autoptr(volume_row_t) fresh = NULL;

		if (db_volume_get(m->db, prow->id, v->type, v->name, &fresh) < 0)
			return api_errorf(ret, 500, "cannot read back storage volume '%s'", v->name);
		api_sync(ret, volume_json(prow->name, fresh));
		ret->etag = storage_etag(fresh->description, fresh->config);
	}
	return 0;
}

static int volume_put(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	return volume_update(m, req, ret, false);
}

static int volume_patch(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	return volume_update(m, req, ret, true);
}

static int volume_rename(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	static const char *const fields[] = { "name", NULL };
	const char *type = api_req_param(req, "type");
	g_autoptr(pool_row_t) prow = NULL;
	g_autoptr(volume_row_t) v = NULL, other = NULL;
	g_autoptr(struct_pool) p = NULL;
	g_autofree char *err = NULL;
	const char *name = NULL;
	JsonObject *o;
	int r;

	type = type ? type : "custom";
	r = api_query_check(req, NULL, ret);
	if (r >= 0)
		r = check_type(type, true, ret);
	if (r >= 0)
		r = volume_lookup(m, req, type, true, &prow, &p, &v, ret);
	if (r >= 0)
		r = api_body_object(req, fields, false, &o, ret);
	if (r >= 0)
		r = api_obj_string(o, "name", &name, ret);
	if (r < 0)
		return r;
	if (!name || !name_object_valid(name))
		return api_errorf(ret, 400, "invalid new storage volume name '%s'",
				  name ? name : "");
	if (db_volume_get(m->db, prow->id, "custom", name, &other) >= 0)
		return api_errorf(ret, 409, "storage volume '%s' already exists in pool '%s'", name,
				  prow->name);
	r = volume_storage_rename(p, "custom", v->name, name, &err);
	if (r < 0)
		return api_errorf(ret, 500, "renaming storage volume '%s' failed: %s", v->name, err);
	r = db_volume_rename(m->db, v->id, name);
	if (r < 0) {
		g_autofree char *e2 = NULL;

		(void) volume_storage_rename(p, "custom", name, v->name, &e2);
		return api_errorf(ret, r == -EEXIST ? 409 : 500, "cannot record the new name '%s'",
				  name);
	}
	g_free(v->name);
	v->name = g_strdup(name);
	/* sync 200 (not a create), with the new URL in Location */
	api_sync(ret, volume_json(prow->name, v));
	ret->location = g_strdup_printf("/1.0/storage-pools/%s/volumes/custom/%s", prow->name,
					name);
	return 0;
}

static int volume_delete(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	const char *type = api_req_param(req, "type");
	g_autoptr(pool_row_t) prow = NULL;
	g_autoptr(volume_row_t) v = NULL;
	g_autoptr(struct_pool) p = NULL;
	g_autofree char *err = NULL, *url = NULL;
	bool unavailable;
	int r;

	type = type ? type : "custom";
	r = api_query_check(req, NULL, ret);
	if (r >= 0)
		r = check_type(type, true, ret);
	if (r >= 0)
		r = volume_lookup(m, req, type, false, &prow, &p, &v, ret);
	if (r < 0)
		return r;
	unavailable = mgr_pool_status(m, prow->name, NULL) == POOL_UNAVAILABLE;
	r = db_volume_set_state(m->db, v->id, "deleting");
	if (r < 0)
		return api_errorf(ret, 500, "cannot record the deletion of volume '%s'", v->name);
	r = mgr_step(m, "volume-delete/storage", &err);
	/* an unavailable pool's storage is gone or unreachable: only the row goes (MG-13) */
	if (r >= 0 && !unavailable)
		r = volume_storage_delete(p, v->type, v->name, &err);
	if (r < 0) {
		(void) db_volume_set_state(m->db, v->id, "created");
		return api_errorf(ret, 500, "deleting storage volume '%s' failed: %s", v->name, err);
	}
	mgr_step_done(m, "volume-delete/storage");
	r = db_volume_delete(m->db, v->id);
	if (r < 0)
		return api_errorf(ret, 500, "storage of volume '%s' removed but its row could not "
				  "be deleted (it is at the next start)", v->name);
	if (unavailable)
		log_warning("Deleted volume '%s' of unavailable pool '%s' from the database only",
			    v->name, prow->name);
	log_info("Deleted storage volume '%s' in pool '%s'", v->name, prow->name);
	url = g_strdup_printf("/1.0/storage-pools/%s/volumes/custom/%s", prow->name, v->name);
	events_lifecycle(m, "storage-volume-deleted", url, NULL);
	return api_sync(ret, NULL);
}

static int snapshots_list(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	static const char *const q[] = { "recursion", NULL };
	g_autoptr(pool_row_t) prow = NULL;
	g_autoptr(volume_row_t) v = NULL;
	g_autoptr(GPtrArray) rows = NULL;
	JsonArray *a;
	JsonNode *n;
	int level, r;

	r = api_query_check(req, q, ret);
	if (r >= 0)
		r = api_query_recursion(req, 1, &level, ret);
	if (r >= 0)
		r = volume_lookup(m, req, "custom", false, &prow, NULL, &v, ret);
	if (r < 0)
		return r;
	if (db_snapshot_list(m->db, v->id, &rows) < 0)
		return api_errorf(ret, 500, "cannot read the snapshots of volume '%s'", v->name);
	a = json_array_new();
	for (guint i = 0; i < rows->len; i++) {
		struct snapshot_row *s = rows->pdata[i];

		if (!streq(s->state, "created"))
			continue;
		if (level > 0)
			json_array_add_element(a, snapshot_json(v, s));
		else
			api_json_array_add_printf(a,
				"/1.0/storage-pools/%s/volumes/custom/%s/snapshots/%s", prow->name,
				v->name, s->name);
	}
	n = json_node_new(JSON_NODE_ARRAY);
	json_node_take_array(n, a);
	return api_sync(ret, n);
}

struct snap_job {
	struct pool *p;
	char *pool_name, *vol, *snap, *description;
	int64_t volume_id;
};

static void snap_job_free(gpointer data)
{
	struct snap_job *j = data;

	pool_free(j->p);
	g_free(j->pool_name);
	g_free(j->vol);
	g_free(j->snap);
	g_free(j->description);
	g_free(j);
}

struct snap_undo {
	struct mgr *m;
	struct snap_job *j;
	int64_t id;
};

static void undo_snap_row(void *data)
{
	struct snap_undo *u = data;

	if (db_snapshot_delete(u->m->db, u->id) < 0)
		log_error("Failed to remove the row of snapshot '%s' while undoing", u->j->snap);
}

static void undo_snap_storage(void *data)
{
	struct snap_undo *u = data;
	g_autofree char *err = NULL;

	if (snapshot_storage_delete(u->j->p, "custom", u->j->vol, u->j->snap, &err) < 0)
		log_error("Failed to remove snapshot '%s' while undoing: %s", u->j->snap, err);
}

static int snapshot_work(struct mgr *m, struct op *op, void *data, char **ret_err)
{
	struct snap_job *j = data;
	_cleanup_revert_ struct revert_stack rs = {};
	g_autofree char *now = mgr_now_rfc3339(), *url = NULL;
	struct snapshot_row row = { .volume_id = j->volume_id, .name = j->snap,
				    .description = j->description, .state = "pending",
				    .created_at = now };
	struct snap_undo u = { m, j, 0 };
	int r;

	r = db_snapshot_insert(m->db, &row);
	if (r == -EEXIST) {
		*ret_err = g_strdup_printf("snapshot '%s' of volume '%s' already exists", j->snap,
					   j->vol);
		return r;
	}
	if (r < 0) {
		*ret_err = g_strdup_printf("cannot record snapshot '%s'", j->snap);
		return r;
	}
	u.id = row.id;
	revert_push(&rs, undo_snap_row, &u);
	r = mgr_step(m, "volume-snapshot-create/storage", ret_err);
	if (r < 0)
		return r;
	r = snapshot_storage_create(j->p, "custom", j->vol, j->snap, ret_err);
	if (r < 0)
		return r;
	revert_push(&rs, undo_snap_storage, &u);
	mgr_step_done(m, "volume-snapshot-create/storage");
	r = db_snapshot_set_state(m->db, row.id, "created");
	if (r < 0) {
		*ret_err = g_strdup_printf("cannot record snapshot '%s' as created", j->snap);
		return r;
	}
	revert_disarm(&rs);
	log_info("Created snapshot '%s' of storage volume '%s'", j->snap, j->vol);
	url = g_strdup_printf("/1.0/storage-pools/%s/volumes/custom/%s/snapshots/%s",
			      j->pool_name, j->vol, j->snap);
	events_lifecycle(m, "storage-volume-snapshot-created", url, NULL);
	return 0;
}

static int snapshot_create(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	static const char *const fields[] = { "name", "description", "expires_at", NULL };
	g_autoptr(pool_row_t) prow = NULL;
	g_autoptr(volume_row_t) v = NULL;
	g_autoptr(snapshot_row_t) existing = NULL;
	g_autoptr(struct_pool) p = NULL;
	const char *name = NULL, *description = "";
	struct snap_job *j;
	JsonObject *o;
	int r;

	r = api_query_check(req, NULL, ret);
	if (r >= 0)
		r = api_body_object(req, fields, false, &o, ret);
	if (r >= 0)
		r = api_obj_string(o, "name", &name, ret);
	if (r >= 0)
		r = api_obj_string(o, "description", &description, ret);
	if (r < 0)
		return r;
	if (!name)
		return api_errorf(ret, 400, "field 'name' is required");
	if (!name_object_valid(name))
		return api_errorf(ret, 400, "invalid snapshot name '%s': 1-63 characters of "
				  "A-Z a-z 0-9 . _ -, not starting with '.' or '-'", name);
	r = volume_lookup(m, req, "custom", true, &prow, &p, &v, ret);
	if (r < 0)
		return r;
	if (db_snapshot_get(m->db, v->id, name, &existing) >= 0)
		return api_errorf(ret, 409, "snapshot '%s' of storage volume '%s' already exists",
				  name, v->name);
	{
		g_autofree char *path = volume_snapshot_path(p, "custom", v->name, name);

		if (g_file_test(path, G_FILE_TEST_EXISTS))
			return api_errorf(ret, 409, "'%s' already exists in pool '%s' without a "
					  "record; remove it or choose another name", path, prow->name);
	}
	j = g_new0(struct snap_job, 1);
	j->p = g_steal_pointer(&p);
	j->pool_name = g_strdup(prow->name);
	j->vol = g_strdup(v->name);
	j->snap = g_strdup(name);
	j->description = g_strdup(description);
	j->volume_id = v->id;
	{
		g_autofree char *url = g_strdup_printf("/1.0/storage-pools/%s/volumes/custom/%s",
						       prow->name, v->name);

		return op_start(m, "Snapshotting storage volume", "storage_volumes", url,
				snapshot_work, j, snap_job_free, ret);
	}
}

static int snapshot_lookup(struct mgr *m, const struct api_req *req, bool need_available,
			   struct pool_row **ret_prow, struct pool **ret_pool,
			   struct volume_row **ret_v, struct snapshot_row **ret_s,
			   struct api_resp *ret)
{
	const char *snap = api_req_param(req, "snapshot");
	g_autoptr(snapshot_row_t) s = NULL;
	int r;

	if (!name_object_valid(snap))
		return api_errorf(ret, 400, "invalid snapshot name '%s'", snap);
	r = volume_lookup(m, req, "custom", need_available, ret_prow, ret_pool, ret_v, ret);
	if (r < 0)
		return r;
	r = db_snapshot_get(m->db, (*ret_v)->id, snap, &s);
	if (r < 0 || !streq(s->state, "created"))
		return api_errorf(ret, 404, "snapshot '%s' of storage volume '%s' not found", snap,
				  (*ret_v)->name);
	*ret_s = g_steal_pointer(&s);
	return 0;
}

static int snapshot_get(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	g_autoptr(pool_row_t) prow = NULL;
	g_autoptr(volume_row_t) v = NULL;
	g_autoptr(snapshot_row_t) s = NULL;
	int r;

	r = api_query_check(req, NULL, ret);
	if (r >= 0)
		r = snapshot_lookup(m, req, false, &prow, NULL, &v, &s, ret);
	if (r < 0)
		return r;
	return api_sync(ret, snapshot_json(v, s));
}

static int snapshot_delete(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	g_autoptr(pool_row_t) prow = NULL;
	g_autoptr(volume_row_t) v = NULL;
	g_autoptr(snapshot_row_t) s = NULL;
	g_autoptr(struct_pool) p = NULL;
	g_autofree char *err = NULL, *url = NULL;
	int r;

	r = api_query_check(req, NULL, ret);
	if (r >= 0)
		r = snapshot_lookup(m, req, true, &prow, &p, &v, &s, ret);
	if (r < 0)
		return r;
	r = db_snapshot_set_state(m->db, s->id, "deleting");
	if (r >= 0)
		r = snapshot_storage_delete(p, "custom", v->name, s->name, &err);
	if (r < 0) {
		(void) db_snapshot_set_state(m->db, s->id, "created");
		return api_errorf(ret, 500, "deleting snapshot '%s' failed: %s", s->name,
				  err ? err : g_strerror(-r));
	}
	r = db_snapshot_delete(m->db, s->id);
	if (r < 0)
		return api_errorf(ret, 500, "cannot delete the row of snapshot '%s'", s->name);
	url = g_strdup_printf("/1.0/storage-pools/%s/volumes/custom/%s/snapshots/%s", prow->name,
			      v->name, s->name);
	events_lifecycle(m, "storage-volume-snapshot-deleted", url, NULL);
	return api_sync(ret, NULL);
}

const struct api_route api_routes_storage_volumes[] = {
	{ "/1.0/storage-pools/{pool}/volumes", { [API_GET] = volumes_list } },
	{ "/1.0/storage-pools/{pool}/volumes/{type}", { [API_GET] = volumes_list,
							[API_POST] = volume_create } },
	{ "/1.0/storage-pools/{pool}/volumes/{type}/{volume}",
	  { [API_GET] = volume_get, [API_PUT] = volume_put, [API_PATCH] = volume_patch,
	    [API_POST] = volume_rename, [API_DELETE] = volume_delete } },
	{ "/1.0/storage-pools/{pool}/volumes/custom/{volume}/snapshots",
	  { [API_GET] = snapshots_list, [API_POST] = snapshot_create } },
	{ "/1.0/storage-pools/{pool}/volumes/custom/{volume}/snapshots/{snapshot}",
	  { [API_GET] = snapshot_get, [API_DELETE] = snapshot_delete } },
	{ NULL },
};
