/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /1.0/instances... (spec manager-api.md §4): containers whose root volume is on a pool,
 * their state, exec, logs and snapshots. Every change is validated before its first side
 * effect; the work runs as an operation that records the rows as 'pending' (or 'deleting')
 * first, does each step between mgr_step() and mgr_step_done() with its undo on a revert
 * stack, and marks the rows 'created' (or deletes them) at the end; instances_reconcile()
 * undoes what a crash interrupted. The container runtime is instance-rt.c. */
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "autostart.h"
#include "db/storage-db.h"
#include "handlers/storage-common.h"
#include "instance-config.h"
#include "instance-db.h"
#include "instance-rt.h"
#include "instances.h"
#include "log.h"
#include "mgr.h"
#include "vm-disk.h"
#include "vm.h"
#include "netdev.h"
#include "ops/ops.h"
#include "parse-util.h"
#include "storage/storage.h"
#include "storage/volumes.h"
#include "util/names.h"
#include "util/revert.h"
#include "util/run.h"
#include "util/size.h"

#define ZERO_TIME "0001-01-01T00:00:00Z"
#define STOP_TIMEOUT_DEFAULT 30

/* ---- validation ---------------------------------------------------------------------- */

static const char *const instance_fields[] = {
	"name", "type", "source", "config", "devices", "ephemeral", "profiles", "description",
	/* read-only fields GET shows, ignored on PUT/PATCH (GET-edit-PUT works) */
	"status", "status_code", "status_reason", "expanded_config", "expanded_devices", "stateful",
	"created_at", "last_used_at", "architecture", "location", "restore", "state", "snapshots",
	NULL,
};

/* Checks the config keys of §4.4 and fills @limits (may be NULL). 400 naming the key. */
static int config_validate(GHashTable *config, struct inst_limits *limits, struct api_resp *ret)
{
	g_autofree char *err = NULL;
	uint64_t ram = (uint64_t) sysconf(_SC_PHYS_PAGES) * (uint64_t) sysconf(_SC_PAGESIZE);

	if (instance_config_check(config, g_get_num_processors(), ram, limits, &err) < 0)
		return api_errorf(ret, 400, "%s", err);
	return 0;
}

/* Checks the devices map: every device an object of strings with a known type, a root disk
 * (path "/", a pool) required. *ret_pool gets the root pool, *ret_json the canonical text. */
static int devices_validate(JsonObject *o, const char **ret_pool, char **ret_json,
			    struct api_resp *ret)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
	g_autoptr(GList) names = NULL;
	const char *pool = NULL;

	if (!o)
		return api_errorf(ret, 400, "a root disk device is required: \"devices\": {\"root\": "
				  "{\"type\": \"disk\", \"path\": \"/\", \"pool\": \"POOL\"}}");
	names = json_object_get_members(o);
	for (GList *l = names; l; l = l->next) {
		const char *dname = l->data, *type = NULL, *path = NULL;
		JsonNode *dn = json_object_get_member(o, dname);
		JsonObject *d;
		g_autoptr(GList) keys = NULL;

		if (!name_object_valid(dname))
			return api_errorf(ret, 400, "invalid device name '%s'", dname);
		if (!JSON_NODE_HOLDS_OBJECT(dn))
			return api_errorf(ret, 400, "device '%s' must be an object", dname);
		d = json_node_get_object(dn);
		keys = json_object_get_members(d);
		for (GList *k = keys; k; k = k->next) {
			JsonNode *v = json_object_get_member(d, k->data);

			if (!JSON_NODE_HOLDS_VALUE(v) || json_node_get_value_type(v) != G_TYPE_STRING)
				return api_errorf(ret, 400, "device '%s': key '%s' must be a string", dname,
						  (const char *) k->data);
		}
		if (json_object_has_member(d, "type"))
			type = json_object_get_string_member(d, "type");
		if (!type)
			return api_errorf(ret, 400, "device '%s' has no type", dname);
		if (streq(type, "nic")) {
			g_autofree char *err = NULL;

			/* spec §4.1: the parent is checked at start (§7), not here */
			if (nic_device_check(dname, d, &err) < 0)
				return api_errorf(ret, 400, "%s", err);
			continue;
		}
		if (!streq(type, "disk")) {
			if (streq(type, "usb") || streq(type, "unix-char") ||
			    streq(type, "unix-block"))
				return api_errorf(ret, 400, "device '%s': type '%s' cannot be given at "
						  "instance creation here: add it with the devices API", dname, type);
			return api_errorf(ret, 400, "device '%s': unknown device type '%s'", dname, type);
		}
		if (json_object_has_member(d, "path"))
			path = json_object_get_string_member(d, "path");
		if (!path)
			return api_errorf(ret, 400, "device '%s': key 'path' is required", dname);
		if (!streq(path, "/"))
			return api_errorf(ret, 400, "device '%s': only the root disk (path '/') can be "
					  "given at instance creation here", dname);
		for (GList *k = keys; k; k = k->next)
			if (!streq(k->data, "type") && !streq(k->data, "path") && !streq(k->data, "pool"))
				return api_errorf(ret, 400, "device '%s': key '%s' does not apply to a "
						  "container's root disk", dname, (const char *) k->data);
		if (pool)
			return api_errorf(ret, 400, "device '%s': a second root disk", dname);
		if (!json_object_has_member(d, "pool"))
			return api_errorf(ret, 400, "device '%s': the root disk needs a 'pool'", dname);
		pool = json_object_get_string_member(d, "pool");
		if (!name_object_valid(pool))
			return api_errorf(ret, 400, "device '%s': invalid pool name '%s'", dname, pool);
	}
	if (!pool)
		return api_errorf(ret, 400, "a root disk device is required: \"devices\": {\"root\": "
				  "{\"type\": \"disk\", \"path\": \"/\", \"pool\": \"POOL\"}}");
	json_node_set_object(node, o);
	json_generator_set_root(gen, node);
	*ret_pool = pool;
	*ret_json = json_generator_to_data(gen, NULL);
	return 0;
}

static void limits_done(struct inst_limits *l)
{
	g_clear_pointer(&l->cpuset, g_free);
}

/* ---- objects ------------------------------------------------------------------------- */

static JsonNode *devices_node(const char *text)
{
	g_autoptr(JsonParser) p = json_parser_new();

	if (text && json_parser_load_from_data(p, text, -1, NULL) &&
	    JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)))
		return json_node_copy(json_parser_get_root(p));
	return json_node_init_object(json_node_alloc(), json_object_new());
}

static char *instance_url(const char *name)
{
	return g_strdup_printf("/1.0/instances/%s", name);
}

/* The runtime status of a created instance; on failure Error with the reason */
static enum inst_status status_of(struct mgr *m, const struct instance_row *row, pid_t *ret_pid,
				  char **ret_reason)
{
	g_autofree char *err = NULL;
	enum inst_status st;
	pid_t pid = 0;

	if (inst_rt_state(m, row->name, &st, &pid, &err) < 0) {
		if (ret_reason)
			*ret_reason = g_steal_pointer(&err);
		return INST_STATUS_INVALID;
	}
	if (ret_pid)
		*ret_pid = pid;
	if (ret_reason)
		*ret_reason = g_strdup(st == INST_STOPPED ? row->status_reason : "");
	return st;
}

static void add_str(JsonBuilder *b, const char *k, const char *v)
{
	json_builder_set_member_name(b, k);
	json_builder_add_string_value(b, v ? v : "");
}

static JsonNode *state_json(struct mgr *m, const struct instance_row *row)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autofree char *reason = NULL;
	pid_t pid = 0;
	enum inst_status st = status_of(m, row, &pid, &reason);
	g_auto(GStrv) waiting_for = autostart_waiting_for(m, row->name);
	const char *autostart = g_hash_table_lookup(row->config, "boot.autostart");
	const char *prio = g_hash_table_lookup(row->config, "boot.autostart.priority");
	const char *delay = g_hash_table_lookup(row->config, "boot.autostart.delay");
	unsigned procs = 0;
	guint64 mem = 0;

	st = autostart_status(m, row, st, &reason);
	inst_rt_usage(pid, &procs, &mem);
	json_builder_begin_object(b);
	add_str(b, "status", inst_status_to_string(st));
	json_builder_set_member_name(b, "status_code");
	json_builder_add_int_value(b, inst_status_code(st));
	add_str(b, "status_reason", reason);
	json_builder_set_member_name(b, "pid");
	json_builder_add_int_value(b, pid);
	json_builder_set_member_name(b, "processes");
	json_builder_add_int_value(b, pid > 0 ? (gint64) procs : 0);
	json_builder_set_member_name(b, "memory");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "usage");
	json_builder_add_int_value(b, (gint64) mem);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "autostart");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "enabled");
	json_builder_add_boolean_value(b, autostart && streq(autostart, "true"));
	json_builder_set_member_name(b, "priority");
	json_builder_add_int_value(b, prio ? g_ascii_strtoll(prio, NULL, 10) : 0);
	json_builder_set_member_name(b, "delay");
	json_builder_add_int_value(b, delay ? g_ascii_strtoll(delay, NULL, 10) : 0);
	json_builder_set_member_name(b, "waiting_for");
	json_builder_begin_array(b);
	for (size_t i = 0; waiting_for[i]; i++)
		json_builder_add_string_value(b, waiting_for[i]);
	json_builder_end_array(b);
	json_builder_end_object(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

static JsonNode *instance_json(struct mgr *m, const struct instance_row *row, bool with_state)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autofree char *reason = NULL;
	enum inst_status st = status_of(m, row, NULL, &reason);

	st = autostart_status(m, row, st, &reason);
	json_builder_begin_object(b);
	add_str(b, "name", row->name);
	add_str(b, "type", row->type);
	add_str(b, "status", inst_status_to_string(st));
	json_builder_set_member_name(b, "status_code");
	json_builder_add_int_value(b, inst_status_code(st));
	add_str(b, "status_reason", reason);
	json_builder_set_member_name(b, "config");
	json_builder_add_value(b, api_json_string_map(row->config));
	json_builder_set_member_name(b, "devices");
	json_builder_add_value(b, devices_node(row->devices));
	json_builder_set_member_name(b, "expanded_config");
	json_builder_add_value(b, api_json_string_map(row->config));
	json_builder_set_member_name(b, "expanded_devices");
	json_builder_add_value(b, devices_node(row->devices));
	json_builder_set_member_name(b, "ephemeral");
	json_builder_add_boolean_value(b, row->ephemeral);
	json_builder_set_member_name(b, "stateful");
	json_builder_add_boolean_value(b, false);
	add_str(b, "description", row->description);
	add_str(b, "created_at", row->created_at);
	add_str(b, "last_used_at", row->last_used_at);
	json_builder_set_member_name(b, "profiles");
	json_builder_begin_array(b);
	json_builder_end_array(b);
	add_str(b, "architecture", "x86_64");
	add_str(b, "location", "none");
	if (with_state) {
		json_builder_set_member_name(b, "state");
		json_builder_add_value(b, state_json(m, row));
	}
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

static char *instance_etag(const struct instance_row *row)
{
	g_autofree char *cfg = config_to_json(row->config);
	g_autofree char *s = g_strdup_printf("%s\n%s\n%s\n%d", row->description, cfg, row->devices,
					     row->ephemeral);
	g_autofree char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, s, -1);

	return g_strdup_printf("\"%s\"", sum);
}

/* ---- lookups ------------------------------------------------------------------------- */

/* The created instance named by the {name} parameter: 400 invalid name, 404 */
static int instance_lookup(struct mgr *m, const struct api_req *req, struct instance_row **ret_row,
			   struct api_resp *ret)
{
	const char *name = api_req_param(req, "name");
	g_autoptr(instance_row_t) row = NULL;

	if (!name || !name_instance_valid(name))
		return api_errorf(ret, 400, "invalid instance name '%s': 1-63 characters of A-Z a-z 0-9 "
				  "-, starting with a letter, not ending with '-'", name ? name : "");
	if (inst_db_get(m->db, name, &row) < 0 || !streq(row->state, "created"))
		return api_errorf(ret, 404, "instance '%s' not found", name);
	*ret_row = g_steal_pointer(&row);
	return 0;
}

/* The instance's pool (503 when Unavailable with @need_available) and root volume row */
static int instance_storage(struct mgr *m, const struct instance_row *row, bool need_available,
			    struct pool_row **ret_prow, struct pool **ret_pool,
			    struct volume_row **ret_vol, struct api_resp *ret)
{
	g_autoptr(pool_row_t) prow = NULL;
	g_autoptr(volume_row_t) v = NULL;
	int r;

	r = storage_pool_lookup(m, row->pool, need_available, &prow, ret_pool, ret);
	if (r < 0)
		return r;
	if (db_volume_get(m->db, prow->id, "container", row->name, &v) < 0)
		return api_errorf(ret, 500, "instance '%s' has no root volume record in pool '%s'",
				  row->name, row->pool);
	if (ret_vol)
		*ret_vol = g_steal_pointer(&v);
	if (ret_prow)
		*ret_prow = g_steal_pointer(&prow);
	return 0;
}

/* ---- jobs ---------------------------------------------------------------------------- */

struct inst_job {
	struct mgr *m;
	char *name, *pool_name, *template_name, *description, *devices, *snap, *action;
	char *exec_id;
	char **argv;
	char *src_name, *src_snap;	/* copy: the source instance and snapshot (NULL: none) */
	struct pool *src_pool;
	bool instance_only, src_was_running;
	bool limits_changed;		/* update: limits.* differ from the stored config */
	bool devices_given;		/* update: the request set the devices */
	bool vm;			/* a virtual machine (create: a copy of one) */
	char **restart_keys;		/* update of a running VM: keys taken at its next start */
	bool ephemeral, force, record;
	int timeout;
	int64_t pool_id, volume_id, snap_id;
	struct pool *p;
	GHashTable *config;
	struct inst_limits limits;
};

static void inst_job_free(gpointer data)
{
	struct inst_job *j = data;

	g_free(j->name);
	g_free(j->pool_name);
	g_free(j->template_name);
	g_free(j->description);
	g_free(j->devices);
	g_free(j->snap);
	g_free(j->action);
	g_free(j->exec_id);
	g_strfreev(j->argv);
	g_strfreev(j->restart_keys);
	g_free(j->src_name);
	g_free(j->src_snap);
	pool_free(j->src_pool);
	pool_free(j->p);
	if (j->config)
		g_hash_table_unref(j->config);
	limits_done(&j->limits);
	g_free(j);
}

static void undo_rows(void *data)
{
	struct inst_job *j = data;

	if (inst_db_delete(j->m->db, j->name) < 0)
		log_error("Failed to remove the rows of instance '%s' while undoing", j->name);
}

static void undo_volume(void *data)
{
	struct inst_job *j = data;
	g_autofree char *err = NULL;

	if (volume_storage_delete(j->p, "container", j->name, &err) < 0)
		log_error("Failed to remove the root volume of '%s' while undoing: %s", j->name, err);
}

static void undo_container(void *data)
{
	struct inst_job *j = data;
	g_autofree char *err = NULL;

	if (inst_rt_destroy(j->m, j->name, &err) < 0)
		log_error("Failed to remove the LXC container '%s' while undoing: %s", j->name, err);
}

/* The manager's own freezes (snapshot, copy) leave a marker in <runtime-dir>/frozen/ while
 * they last, so that a manager killed meanwhile thaws the container at its next start
 * (instances_reconcile()) instead of leaving it frozen for good. A user's freeze has none. */
static char *freeze_marker(struct mgr *m, const char *name)
{
	return g_build_filename(m->runtime_dir, "frozen", name, NULL);
}

static int internal_freeze(struct mgr *m, const char *name, char **ret_err)
{
	g_autofree char *marker = freeze_marker(m, name), *dir = g_path_get_dirname(marker);
	g_autoptr(GError) gerr = NULL;
	int r;

	if (g_mkdir_with_parents(dir, 0700) < 0 || !g_file_set_contents(marker, "", 0, &gerr)) {
		*ret_err = g_strdup_printf("cannot write the freeze marker '%s': %s", marker,
					   gerr ? gerr->message : g_strerror(errno));
		return -EIO;
	}
	r = inst_rt_freeze(m, name, ret_err);
	if (r < 0)
		(void) g_unlink(marker);
	return r;
}

static int internal_thaw(struct mgr *m, const char *name, char **ret_err)
{
	g_autofree char *marker = freeze_marker(m, name);
	int r;

	r = inst_rt_unfreeze(m, name, ret_err);
	if (r >= 0)
		(void) g_unlink(marker);
	return r;
}

static void undo_unfreeze(void *data)
{
	struct inst_job *j = data;
	g_autofree char *err = NULL;

	if (internal_thaw(j->m, j->name, &err) < 0)
		log_error("Failed to thaw '%s': %s", j->name, err);
}

/* ---- create -------------------------------------------------------------------------- */

/* Whether the request body @o asks for a copy (source.type "copy") */
static bool source_is_copy(JsonObject *o)
{
	JsonNode *n = json_object_get_member(o, "source");
	JsonNode *t;

	if (!n || !JSON_NODE_HOLDS_OBJECT(n))
		return false;
	t = json_object_get_member(json_node_get_object(n), "type");
	return t && JSON_NODE_HOLDS_VALUE(t) && json_node_get_value_type(t) == G_TYPE_STRING &&
	       streq(json_node_get_string(t), "copy");
}

/* A new reference-free copy of the string map @h (consumed) */
static GHashTable *vm_config_dup(GHashTable *h)
{
	GHashTable *c = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, h);
	while (g_hash_table_iter_next(&it, &k, &v))
		g_hash_table_insert(c, g_strdup(k), g_strdup(v));
	g_hash_table_unref(h);
	return c;
}

/* Removes the volatile.* keys (a nic's MAC: the manager's own) from @config, a table owning its
 * keys and values. */
static void config_drop_volatile(GHashTable *config)
{
	GHashTableIter it;
	gpointer k;

	g_hash_table_iter_init(&it, config);
	while (g_hash_table_iter_next(&it, &k, NULL))
		if (g_str_has_prefix(k, "volatile."))
			g_hash_table_iter_remove(&it);
}

/* The LXC config lines of the template, kept in the root volume beside rootfs/ (spec §1.2:
 * "rootfs/ plus manager metadata"), so that copies and restores carry them along */
#define TEMPLATE_ITEMS_FILE "lxc-template.conf"

/* Copies the directory tree @src of pool @sp to the new volume or snapshot @dst of @dp: the
 * driver's copy (btrfs snapshot, reflink) within a pool, else cp -a with reflink where
 * possible. Leaves nothing at @dst on failure. */
static int copy_tree(struct pool *sp, const char *src, struct pool *dp, const char *dst,
		     bool readonly, char **ret_err)
{
	const struct storage_driver *d = storage_driver_find(dp->driver);
	g_autofree char *ignored = NULL;
	int r;

	if (!d) {
		*ret_err = g_strdup_printf("pool '%s' has the unknown driver '%s'", dp->name, dp->driver);
		return -EINVAL;
	}
	if (streq(sp->name, dp->name)) {
		r = d->vol_copy(dp, src, dst, readonly, ret_err);
	} else {
		g_autofree char *src_dot = g_build_filename(src, ".", NULL);
		const char *argv[] = { "cp", "-a", "--reflink=auto", "--", src_dot, dst, NULL };

		r = d->vol_create(dp, dst, ret_err);
		if (r >= 0)
			r = run_tool(argv, NULL, ret_err) < 0 ? -EIO : 0;
	}
	if (r < 0)
		(void) d->vol_delete(dp, dst, &ignored);
	return r;
}

/* Copy: the root volume from the source instance (frozen while running) or its snapshot,
 * then, unless instance_only, the source's snapshots with their rows */
static int copy_volume(struct mgr *m, struct inst_job *j, char **ret_err)
{
	g_autofree char *src = NULL, *dst = volume_path(j->p, "container", j->name);
	g_autofree char *e2 = NULL;
	enum inst_status st = INST_STOPPED;
	int r;

	if (j->src_snap) {
		src = volume_snapshot_path(j->src_pool, "container", j->src_name, j->src_snap);
	} else {
		src = volume_path(j->src_pool, "container", j->src_name);
		r = inst_rt_state(m, j->src_name, &st, NULL, ret_err);
		if (r < 0)
			return r;
		if (st == INST_RUNNING) {
			r = internal_freeze(m, j->src_name, ret_err);
			if (r < 0)
				return r;
		}
	}
	r = copy_tree(j->src_pool, src, j->p, dst, false, ret_err);
	if (st == INST_RUNNING && internal_thaw(m, j->src_name, &e2) < 0)
		log_error("Failed to thaw '%s' after copying it: %s", j->src_name, e2);
	if (r < 0 || j->instance_only || j->src_snap)
		return r;
	{
		g_autoptr(pool_row_t) sprow = NULL;
		g_autoptr(pool_row_t) dprow = NULL;
		g_autoptr(volume_row_t) sv = NULL, dv = NULL;
		g_autoptr(GPtrArray) snaps = NULL;
		g_autofree char *dir = volume_snapshot_path(j->p, "container", j->name, NULL);

		if (db_pool_get(m->db, j->src_pool->name, &sprow) < 0 ||
		    db_pool_get(m->db, j->p->name, &dprow) < 0 ||
		    db_volume_get(m->db, sprow->id, "container", j->src_name, &sv) < 0 ||
		    db_volume_get(m->db, dprow->id, "container", j->name, &dv) < 0 ||
		    db_snapshot_list(m->db, sv->id, &snaps) < 0) {
			*ret_err = g_strdup_printf("cannot read the snapshots of '%s'", j->src_name);
			return -EIO;
		}
		if (snaps->len > 0 && g_mkdir_with_parents(dir, 0711) < 0) {
			*ret_err = g_strdup_printf("cannot create '%s': %s", dir, g_strerror(errno));
			return -EIO;
		}
		for (guint i = 0; i < snaps->len; i++) {
			struct snapshot_row *s = snaps->pdata[i];
			g_autofree char *ss = NULL, *ds = NULL;
			struct snapshot_row row = { .volume_id = dv->id, .name = s->name,
						    .description = s->description, .state = "created",
						    .created_at = s->created_at };

			if (!streq(s->state, "created"))
				continue;
			ss = volume_snapshot_path(j->src_pool, "container", j->src_name, s->name);
			ds = volume_snapshot_path(j->p, "container", j->name, s->name);
			r = copy_tree(j->src_pool, ss, j->p, ds, true, ret_err);
			if (r < 0)
				return r;
			r = db_snapshot_insert(m->db, &row);
			if (r < 0) {
				*ret_err = g_strdup_printf("cannot record snapshot '%s' of '%s'", s->name, j->name);
				return r;
			}
		}
	}
	return 0;
}

static int create_work(struct mgr *m, struct op *op, void *data, char **ret_err)
{
	struct inst_job *j = data;
	_cleanup_revert_ struct revert_stack rs = {};
	g_autofree char *now = mgr_now_rfc3339(), *vol = NULL, *rootfs = NULL, *work = NULL;
	g_autofree char *items = NULL, *url = instance_url(j->name), *items_path = NULL;
	struct instance_row row = { .name = j->name, .type = j->vm ? "virtual-machine" : "container",
				    .description = j->description,
				    .config = j->config, .devices = j->devices, .ephemeral = j->ephemeral,
				    .pool = j->pool_name, .created_at = now };
	int r;

	r = inst_db_insert(m->db, &row, j->pool_id);
	if (r == -EEXIST) {
		*ret_err = g_strdup_printf("instance '%s' already exists", j->name);
		return r;
	}
	if (r < 0) {
		*ret_err = g_strdup_printf("cannot record instance '%s'", j->name);
		return r;
	}
	revert_push(&rs, undo_rows, j);

	r = mgr_step(m, "instance-create/volume", ret_err);
	if (r < 0)
		return r;
	if (j->src_name)
		r = copy_volume(m, j, ret_err);
	else
		r = volume_storage_create(j->p, "container", j->name, false, 0, ret_err);
	/* a failed copy may have made some snapshots: the undo removes the whole volume */
	if (r < 0 && j->src_name)
		undo_volume(j);
	if (r < 0)
		return r;
	revert_push(&rs, undo_volume, j);
	mgr_step_done(m, "instance-create/volume");

	if (j->vm) {	/* a copy of a VM: its root disk is copied, QEMU needs nothing else */
		g_autofree char *e2 = NULL;

		r = vm_mark(m, j->name, j->p, ret_err);
		if (r >= 0 && (r = inst_db_set_state(m->db, j->name, "created")) < 0) {
			*ret_err = g_strdup_printf("cannot record instance '%s' as created", j->name);
			(void) vm_rt_destroy(m, j->name, &e2);
		}
		if (r < 0)
			return r;
		revert_disarm(&rs);
		log_info("Copied virtual machine '%s' to '%s' on pool '%s'", j->src_name, j->name,
			 j->pool_name);
		events_lifecycle(m, "instance-created", url, NULL);
		return 0;
	}

	r = mgr_step(m, "instance-create/rootfs", ret_err);
	if (r < 0)
		return r;
	vol = volume_path(j->p, "container", j->name);
	rootfs = g_build_filename(vol, "rootfs", NULL);
	items_path = g_build_filename(vol, TEMPLATE_ITEMS_FILE, NULL);
	if (j->src_name) {
		/* the copied volume has its rootfs and the template's items */
		g_autoptr(GError) gerr = NULL;

		if (!g_file_get_contents(items_path, &items, NULL, &gerr)) {
			*ret_err = g_strdup_printf("the copied volume of '%s' has no template items: %s",
						   j->src_name, gerr->message);
			return -EIO;
		}
	} else {
		g_autoptr(GError) gerr = NULL;

		work = g_build_filename(m->runtime_dir, "instance-create", j->name, NULL);
		(void) rm_rf(work);
		if (g_mkdir_with_parents(work, 0700) < 0) {
			*ret_err = g_strdup_printf("cannot create '%s': %s", work, g_strerror(errno));
			return -EIO;
		}
		r = inst_rt_template(j->template_name, j->name, rootfs, work, &items, ret_err);
		(void) rm_rf(work);
		if (r < 0)
			return r;
		if (!g_file_set_contents(items_path, items, -1, &gerr)) {
			*ret_err = g_strdup_printf("cannot write '%s': %s", items_path, gerr->message);
			return -EIO;
		}
	}
	mgr_step_done(m, "instance-create/rootfs");

	r = mgr_step(m, "instance-create/config", ret_err);
	if (r < 0)
		return r;
	r = inst_rt_create(m, j->name, rootfs, &j->limits, items, ret_err);
	if (r < 0)
		return r;
	revert_push(&rs, undo_container, j);
	mgr_step_done(m, "instance-create/config");

	r = inst_db_set_state(m->db, j->name, "created");
	if (r < 0) {
		*ret_err = g_strdup_printf("cannot record instance '%s' as created", j->name);
		return r;
	}
	revert_disarm(&rs);
	log_info("Created instance '%s' on pool '%s'", j->name, j->pool_name);
	events_lifecycle(m, "instance-created", url, NULL);
	return 0;
}

static int instances_create(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	static const char *const source_fields[] = { "type", "template", "source", "instance_only", NULL };
	g_autoptr(GHashTable) config = NULL;
	g_autoptr(instance_row_t) existing = NULL;
	g_autoptr(pool_row_t) prow = NULL;
	g_autoptr(volume_row_t) vexisting = NULL;
	g_autoptr(struct_pool) p = NULL;
	g_autofree char *devices = NULL, *lxcdir = NULL, *lxcpath = NULL, *url = NULL;
	const char *name = NULL, *type = "container", *description = "", *stype = NULL;
	const char *template_name = NULL, *pool = NULL, *copy_from = NULL;
	g_autoptr(instance_row_t) src_row = NULL;
	g_autoptr(struct_pool) src_pool = NULL;
	g_autoptr(volume_row_t) src_vol = NULL;
	g_autofree char *src_name = NULL, *src_snap = NULL;
	struct inst_limits limits = {};
	JsonObject *o, *src = NULL, *devs = NULL;
	bool ephemeral = false, instance_only = false, vm = false;
	struct inst_job *j;
	int r;

	r = api_query_check(req, NULL, ret);
	if (r >= 0)
		r = api_body_object(req, instance_fields, false, &o, ret);
	if (r >= 0)
		r = api_obj_string(o, "name", &name, ret);
	if (r >= 0)
		r = api_obj_string(o, "type", &type, ret);
	if (r >= 0)
		r = api_obj_string(o, "description", &description, ret);
	if (r >= 0)
		r = api_obj_bool(o, "ephemeral", &ephemeral, ret);
	if (r >= 0)
		r = api_obj_object(o, "source", source_fields, &src, ret);
	if (r >= 0)
		r = api_obj_object(o, "devices", NULL, &devs, ret);
	if (r >= 0)
		r = api_obj_config(o, "config", &config, ret);
	if (r < 0)
		return r;
	if (!name)
		return api_errorf(ret, 400, "field 'name' is required");
	if (!name_instance_valid(name))
		return api_errorf(ret, 400, "invalid instance name '%s': 1-63 characters of A-Z a-z 0-9 "
				  "-, starting with a letter, not ending with '-'", name);
	if (streq(type, "virtual-machine") && !source_is_copy(o))	/* issue 10: vm.c */
		return vm_instances_create(m, o, ret);
	if (!streq(type, "container") && !streq(type, "virtual-machine"))	/* VM: a copy */
		return api_errorf(ret, 400, "invalid instance type '%s': expected 'container' or "
				  "'virtual-machine'", type);
	if (json_object_has_member(o, "profiles")) {
		JsonNode *pn = json_object_get_member(o, "profiles");

		if (!JSON_NODE_HOLDS_NULL(pn) && (!JSON_NODE_HOLDS_ARRAY(pn) ||
						  json_array_get_length(json_node_get_array(pn)) > 0))
			return api_errorf(ret, 400, "field 'profiles' must be empty: there are no profiles");
	}
	if (!src)
		return api_errorf(ret, 400, "field 'source' is required: {\"type\": \"template\", "
				  "\"template\": \"busybox\"}");
	if ((r = api_obj_string(src, "type", &stype, ret)) < 0 ||
	    (r = api_obj_string(src, "template", &template_name, ret)) < 0 ||
	    (r = api_obj_string(src, "source", &copy_from, ret)) < 0 ||
	    (r = api_obj_bool(src, "instance_only", &instance_only, ret)) < 0)
		return r;
	if (stype && streq(stype, "copy")) {
		/* "NAME" or "NAME/SNAP": the source, its pool the default target */
		g_auto(GStrv) parts = copy_from ? g_strsplit(copy_from, "/", 3) : NULL;

		if (template_name)
			return api_errorf(ret, 400, "field 'source.template' does not apply to a copy");
		if (!parts || !parts[0] || (parts[1] && parts[2]) || !name_instance_valid(parts[0]) ||
		    (parts[1] && !name_object_valid(parts[1])))
			return api_errorf(ret, 400, "invalid copy source '%s': expected INSTANCE or "
					  "INSTANCE/SNAPSHOT", copy_from ? copy_from : "");
		if (inst_db_get(m->db, parts[0], &src_row) < 0 || !streq(src_row->state, "created"))
			return api_errorf(ret, 404, "source instance '%s' not found", parts[0]);
		r = instance_storage(m, src_row, true, NULL, &src_pool, &src_vol, ret);
		if (r < 0)
			return r;
		if (parts[1]) {
			g_autoptr(snapshot_row_t) ss = NULL;

			if (db_snapshot_get(m->db, src_vol->id, parts[1], &ss) < 0 ||
			    !streq(ss->state, "created"))
				return api_errorf(ret, 404, "snapshot '%s' of instance '%s' not found",
						  parts[1], parts[0]);
			src_snap = g_strdup(parts[1]);
		}
		src_name = g_strdup(parts[0]);
		vm = vm_is_vm(m, parts[0]);
		if (vm != streq(type, "virtual-machine") && json_object_has_member(o, "type"))
			return api_errorf(ret, 400, "source instance '%s' is a %s, not a %s", parts[0],
					  vm ? "virtual-machine" : "container", type);
		if (vm && (devs || ephemeral))
			return api_errorf(ret, 400, "a copy of virtual machine '%s' takes its devices "
					  "(change them later with the devices API) and cannot be "
					  "ephemeral", parts[0]);
		if (!json_object_has_member(o, "config")) {
			g_hash_table_unref(config);
			config = g_hash_table_ref(src_row->config);
		}
		if (!devs && !vm) {
			g_autoptr(JsonNode) dn = devices_node(src_row->devices);

			devs = json_node_get_object(dn);
			r = devices_validate(devs, &pool, &devices, ret);
			if (r < 0)
				return r;
			pool = src_row->pool;
			devs = NULL;
		}
	} else if (!stype || !streq(stype, "template")) {
		if (stype && streq(stype, "none"))
			return api_errorf(ret, 400, "source type 'none' is for virtual machines, which are "
					  "not available in this manager yet");
		return api_errorf(ret, 400, "invalid source type '%s': expected 'template', 'copy' or "
				  "'none'", stype ? stype : "");
	} else if (!template_name || !streq(template_name, "busybox")) {
		return api_errorf(ret, 400, "invalid template '%s': only 'busybox' is supported",
				  template_name ? template_name : "");
	}
	if (vm) {
		g_autofree char *err = NULL;

		/* volatile.* (a nic's MAC) is the source's own: the copy gets new ones */
		config = vm_config_dup(config);
		config_drop_volatile(config);
		if (vm_config_validate(config, NULL, false, &err) < 0)
			return api_errorf(ret, 400, "%s", err);
		g_free(devices);
		devices = g_strdup(src_row->devices);
		pool = src_row->pool;
	} else {
		if (src_name) {
			/* volatile.* (a nic's MAC) is the source's own: the copy gets new ones */
			config = vm_config_dup(config);
			config_drop_volatile(config);
		}
		r = config_validate(config, &limits, ret);
		if (r >= 0 && (devs || !src_name))
			r = devices_validate(devs, &pool, &devices, ret);
		if (r < 0) {
			limits_done(&limits);
			return r;
		}
	}
	if (inst_db_get(m->db, name, &existing) >= 0) {
		limits_done(&limits);
		return api_errorf(ret, 409, "instance '%s' already exists", name);
	}
	lxcpath = inst_rt_lxcpath(m);
	lxcdir = g_build_filename(lxcpath, name, NULL);
	if (access(lxcdir, F_OK) == 0) {
		limits_done(&limits);
		return api_errorf(ret, 409, "instance name '%s' is taken by an LXC container in '%s' "
				  "that has no record", name, lxcpath);
	}
	r = storage_pool_lookup(m, pool, true, &prow, &p, ret);
	if (r < 0) {
		limits_done(&limits);
		return r;
	}
	if (db_volume_get(m->db, prow->id, "container", name, &vexisting) >= 0) {
		limits_done(&limits);
		return api_errorf(ret, 409, "storage pool '%s' already has a container volume '%s'",
				  pool, name);
	}

	j = g_new0(struct inst_job, 1);
	j->m = m;
	j->name = g_strdup(name);
	j->pool_name = g_strdup(pool);
	j->pool_id = prow->id;
	j->p = g_steal_pointer(&p);
	j->template_name = g_strdup(template_name);
	j->description = g_strdup(description);
	j->devices = g_steal_pointer(&devices);
	j->ephemeral = ephemeral;
	j->config = g_steal_pointer(&config);
	j->limits = limits;
	j->src_name = g_steal_pointer(&src_name);
	j->src_snap = g_steal_pointer(&src_snap);
	j->src_pool = g_steal_pointer(&src_pool);
	j->instance_only = instance_only;
	j->vm = vm;
	url = instance_url(name);
	return op_start(m, "Creating instance", "instances", url, create_work, j, inst_job_free, ret);
}

/* ---- list, get, update ----------------------------------------------------------------- */

static int instances_list(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	static const char *const allowed[] = { "recursion", NULL };
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(GPtrArray) rows = NULL;
	int r, level = 0;

	r = api_query_check(req, allowed, ret);
	if (r >= 0)
		r = api_query_recursion(req, 2, &level, ret);
	if (r < 0)
		return r;
	if (inst_db_list(m->db, &rows) < 0)
		return api_errorf(ret, 500, "cannot read the instances");
	json_builder_begin_array(b);
	for (guint i = 0; i < rows->len; i++) {
		struct instance_row *row = rows->pdata[i];

		if (!streq(row->state, "created"))
			continue;
		if (level == 0) {
			g_autofree char *u = instance_url(row->name);

			json_builder_add_string_value(b, u);
		} else {
			json_builder_add_value(b, instance_json(m, row, level == 2));
		}
	}
	json_builder_end_array(b);
	return api_sync(ret, json_builder_get_root(b));
}

static int instance_get(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	g_autoptr(instance_row_t) row = NULL;
	int r;

	r = api_query_check(req, NULL, ret);
	if (r >= 0)
		r = instance_lookup(m, req, &row, ret);
	if (r < 0)
		return r;
	api_sync(ret, instance_json(m, row, false));
	ret->etag = instance_etag(row);
	return 0;
}

/* New limits: live on a running container, and in its LXC config for the next start */
static int update_limits(struct mgr *m, struct inst_job *j, char **ret_err)
{
	g_autofree char *vol = volume_path(j->p, "container", j->name);
	g_autofree char *rootfs = g_build_filename(vol, "rootfs", NULL);
	g_autofree char *items_path = g_build_filename(vol, TEMPLATE_ITEMS_FILE, NULL);
	g_autofree char *items = NULL, *work = NULL;
	g_autoptr(GError) gerr = NULL;
	enum inst_status st;
	pid_t pid = 0;
	int r;

	if (!g_file_get_contents(items_path, &items, NULL, &gerr)) {
		*ret_err = g_strdup_printf("cannot read the template items of '%s': %s", j->name,
					   gerr->message);
		return -EIO;
	}
	r = inst_rt_state(m, j->name, &st, &pid, ret_err);
	if (r < 0)
		return r;
	if (st != INST_STOPPED) {
		r = inst_rt_apply_limits(m, j->name, pid, &j->limits, ret_err);
		if (r < 0)
			return r;
	}
	work = g_build_filename(m->runtime_dir, "instance-update", NULL);
	(void) rm_rf(work);
	if (g_mkdir_with_parents(work, 0700) < 0) {
		*ret_err = g_strdup_printf("cannot create '%s': %s", work, g_strerror(errno));
		return -EIO;
	}
	r = inst_rt_redefine(m, j->name, rootfs, &j->limits, items, work, ret_err);
	(void) rm_rf(work);
	return r;
}

/* What operations queued before an update stored since its request (a nic hot-added, the MACs
 * a start generated) stays: the devices unless the request set them, and every nic's
 * volatile.DEV.hwaddr as it is now (the request can only send them back unchanged). */
static int update_refresh(struct mgr *m, struct inst_job *j, char **ret_err)
{
	g_autoptr(instance_row_t) now = NULL;
	GHashTableIter it;
	gpointer k, v;

	if (inst_db_get(m->db, j->name, &now) < 0) {
		*ret_err = g_strdup_printf("instance '%s' vanished before its update", j->name);
		return -ENOENT;
	}
	if (!j->devices_given) {
		g_free(j->devices);
		j->devices = g_strdup(now->devices);
	}
	config_drop_volatile(j->config);
	if (j->vm) {	/* a VM's volatile keys are all the manager's */
		g_hash_table_iter_init(&it, now->config);
		while (g_hash_table_iter_next(&it, &k, &v))
			if (g_str_has_prefix(k, "volatile."))
				g_hash_table_insert(j->config, g_strdup(k), g_strdup(v));
	} else {
		nic_volatile_carry(j->config, now->config, j->devices);
	}
	return 0;
}

static int update_work(struct mgr *m, struct op *op, void *data, char **ret_err)
{
	struct inst_job *j = data;
	g_autofree char *url = instance_url(j->name);
	int r;

	r = update_refresh(m, j, ret_err);
	if (r < 0)
		return r;
	if (j->limits_changed) {
		r = update_limits(m, j, ret_err);
		if (r < 0)
			return r;
	}

	r = inst_db_update(m->db, j->name, j->description, j->config, j->devices, j->ephemeral);
	if (r < 0) {
		*ret_err = g_strdup_printf("cannot record the new configuration of '%s'", j->name);
		return r;
	}
	if (j->restart_keys && j->restart_keys[0]) {
		/* a running VM: QEMU takes these at its next start (no balloon, no vCPU hotplug) */
		g_autoptr(JsonBuilder) b = json_builder_new();
		g_autofree char *keys = g_strjoinv(", ", j->restart_keys);

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "restart_required");
		json_builder_begin_array(b);
		for (char **k = j->restart_keys; *k; k++)
			json_builder_add_string_value(b, *k);
		json_builder_end_array(b);
		json_builder_set_member_name(b, "message");
		json_builder_add_string_value(b, "stored: the running virtual machine takes these "
					      "keys at its next start");
		json_builder_end_object(b);
		op_set_metadata(m, op, json_builder_get_root(b));
		log_info("VM '%s': %s stored, applied at its next start", j->name, keys);
	}
	events_lifecycle(m, "instance-updated", url, NULL);
	return 0;
}

/* ---- restore ------------------------------------------------------------------------- */

static int restore_work(struct mgr *m, struct op *op, void *data, char **ret_err)
{
	struct inst_job *j = data;
	g_autofree char *url = instance_url(j->name), *e2 = NULL;
	enum inst_status st;
	bool was_running;
	int r;

	r = inst_rt_state(m, j->name, &st, NULL, ret_err);
	if (r < 0)
		return r;
	was_running = st != INST_STOPPED;
	if (was_running) {
		/* a VM's disk is replaced by the snapshot's: QEMU is stopped at once, not shut
		 * down cleanly (which the guest may ignore for the whole timeout) */
		r = inst_rt_stop(m, j->name, vm_is_vm(m, j->name) ? 0 : STOP_TIMEOUT_DEFAULT,
				 ret_err);
		if (r < 0)
			return r;
	}
	r = mgr_step(m, "instance-restore/storage", ret_err);
	if (r >= 0)
		r = snapshot_storage_restore(j->p, "container", j->name, j->snap, 0, ret_err);
	if (r < 0) {
		/* nothing was replaced: the instance goes back to what it was */
		if (was_running && inst_rt_start(m, j->name, &e2) < 0)
			log_error("Failed to start '%s' again after a failed restore: %s", j->name, e2);
		return r;
	}
	mgr_step_done(m, "instance-restore/storage");
	log_info("Restored instance '%s' from snapshot '%s'", j->name, j->snap);
	events_lifecycle(m, "instance-restored", url, NULL);
	if (was_running) {
		r = inst_rt_start(m, j->name, ret_err);
		if (r < 0) {
			(void) inst_db_set_status_reason(m->db, j->name, *ret_err);
			return r;
		}
	}
	return 0;
}

static bool limits_differ(GHashTable *a, GHashTable *b)
{
	static const char *const keys[] = { "limits.memory", "limits.cpu", "limits.processes" };

	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
		if (g_strcmp0(g_hash_table_lookup(a, keys[i]), g_hash_table_lookup(b, keys[i])) != 0)
			return true;
	return false;
}

/* PUT/PATCH of a VM, after the common checks: @config is the new (merged) config. The
 * config keys of vm-disk.h; volatile.* keys the request leaves out stay; devices may come
 * back as they are (GET-edit-PUT) but change only through the devices API. On a running VM
 * the keys QEMU cannot change live are stored and the operation's metadata lists them
 * (restart_required). */
static int vm_update(struct mgr *m, const struct instance_row *row, const char *url,
		     const char *description, bool ephemeral, JsonObject *devs, GHashTable *config,
		     struct api_resp *ret)
{
	g_autofree char *err = NULL, *reason = NULL;
	g_autoptr(GHashTable) c = NULL;
	enum inst_status st;
	struct inst_job *j;
	GHashTableIter it;
	gpointer k, v;

	c = vm_config_dup(g_hash_table_ref(config));
	g_hash_table_iter_init(&it, row->config);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (g_str_has_prefix(k, "volatile.") && !g_hash_table_contains(c, k))
			g_hash_table_insert(c, g_strdup(k), g_strdup(v));
	if (vm_config_validate(c, row->config, false, &err) < 0)
		return api_errorf(ret, 400, "%s", err);
	if (ephemeral)
		return api_errorf(ret, 400, "virtual machines cannot be ephemeral");
	if (devs) {
		g_autoptr(JsonNode) now = devices_node(row->devices);
		g_autoptr(JsonNode) given = json_node_new(JSON_NODE_OBJECT);

		json_node_set_object(given, devs);
		if (!json_node_equal(now, given))
			return api_errorf(ret, 400, "the devices of virtual machine '%s' change through "
					  "/1.0/instances/%s/devices (lxlaunch device add|remove)",
					  row->name, row->name);
	}
	st = status_of(m, row, NULL, &reason);
	if (st < 0)
		return api_errorf(ret, 500, "cannot read the state of instance '%s': %s", row->name,
				  reason);
	j = g_new0(struct inst_job, 1);
	j->m = m;
	j->vm = true;
	j->name = g_strdup(row->name);
	j->description = g_strdup(description);
	j->devices = g_strdup(row->devices);
	j->config = g_steal_pointer(&c);
	if (st != INST_STOPPED)
		j->restart_keys = vm_config_restart_keys(row->config, j->config);
	return op_start(m, "Updating instance", "instances", url, update_work, j, inst_job_free, ret);
}

/* PUT (@replace) or PATCH: writable fields, or {"restore": "SNAP"} (PUT) */
static int instance_update(struct mgr *m, const struct api_req *req, struct api_resp *ret,
			   bool replace)
{
	g_autoptr(instance_row_t) row = NULL;
	g_autoptr(GHashTable) config = NULL;
	g_autofree char *etag = NULL, *devices = NULL, *url = NULL;
	const char *restore = NULL, *description = NULL, *pool = NULL;
	g_autoptr(struct_pool) p = NULL;
	struct inst_limits limits = {};
	bool ephemeral;
	JsonObject *o, *devs = NULL;
	struct inst_job *j;
	int r;

	r = api_query_check(req, NULL, ret);
	if (r >= 0)
		r = api_body_object(req, instance_fields, false, &o, ret);
	if (r >= 0)
		r = instance_lookup(m, req, &row, ret);
	if (r >= 0)
		r = api_obj_string(o, "restore", &restore, ret);
	if (r < 0)
		return r;
	url = instance_url(row->name);
	etag = instance_etag(row);
	if ((r = storage_check_if_match(req, etag, ret)) < 0)
		return r;

	if (restore && replace) {
		g_autoptr(pool_row_t) prow = NULL;
		g_autoptr(volume_row_t) v = NULL;
		g_autoptr(snapshot_row_t) s = NULL;
		g_autoptr(struct_pool) p = NULL;

		if (!name_object_valid(restore))
			return api_errorf(ret, 400, "invalid snapshot name '%s'", restore);
		r = instance_storage(m, row, true, &prow, &p, &v, ret);
		if (r < 0)
			return r;
		if (db_snapshot_get(m->db, v->id, restore, &s) < 0 || !streq(s->state, "created"))
			return api_errorf(ret, 404, "snapshot '%s' of instance '%s' not found", restore,
					  row->name);
		j = g_new0(struct inst_job, 1);
		j->m = m;
		j->name = g_strdup(row->name);
		j->snap = g_strdup(restore);
		j->p = g_steal_pointer(&p);
		return op_start(m, "Restoring instance", "instances", url, restore_work, j,
				inst_job_free, ret);
	}
	if (restore)
		return api_errorf(ret, 400, "field 'restore' is for PUT only");

	description = row->description;
	ephemeral = row->ephemeral;
	if ((r = api_obj_string(o, "description", &description, ret)) < 0 ||
	    (r = api_obj_bool(o, "ephemeral", &ephemeral, ret)) < 0 ||
	    (r = api_obj_object(o, "devices", NULL, &devs, ret)) < 0)
		return r;
	if (json_object_has_member(o, "config")) {
		r = api_obj_config(o, "config", &config, ret);
		if (r < 0)
			return r;
		if (!replace) {	/* PATCH: merged into the current config */
			GHashTableIter it;
			gpointer k, v;
			g_autoptr(GHashTable) merged = g_hash_table_new_full(g_str_hash, g_str_equal,
									     g_free, g_free);

			g_hash_table_iter_init(&it, row->config);
			while (g_hash_table_iter_next(&it, &k, &v))
				g_hash_table_insert(merged, g_strdup(k), g_strdup(v));
			g_hash_table_iter_init(&it, config);
			while (g_hash_table_iter_next(&it, &k, &v))
				g_hash_table_insert(merged, g_strdup(k), g_strdup(v));
			g_hash_table_unref(config);
			config = g_steal_pointer(&merged);
		}
	} else {
		config = g_hash_table_ref(row->config);
		if (replace)	/* PUT without config: an empty config, as LXD */
			config = (g_hash_table_unref(config),
				  g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free));
	}
	if (vm_is_vm(m, row->name))
		return vm_update(m, row, url, description, ephemeral, devs, config, ret);
	{
		GHashTableIter it;
		gpointer k, v;

		/* volatile.* are the manager's (a nic's MAC): a GET-edit-PUT may send them back
		 * unchanged; they are checked apart and carried over below */
		config = vm_config_dup(config);
		g_hash_table_iter_init(&it, config);
		while (g_hash_table_iter_next(&it, &k, &v)) {
			const char *was = g_hash_table_lookup(row->config, k);

			if (!g_str_has_prefix(k, "volatile."))
				continue;
			if (!was || !streq(was, v))
				return api_errorf(ret, 400, "config key '%s' is written by the manager "
						  "only", (const char *) k);
			g_hash_table_iter_remove(&it);
		}
	}
	r = config_validate(config, &limits, ret);
	if (r < 0) {
		limits_done(&limits);
		return r;
	}
	if (devs) {
		r = devices_validate(devs, &pool, &devices, ret);
		if (r >= 0 && !streq(pool, row->pool))
			r = api_errorf(ret, 400, "the root disk of '%s' is on pool '%s': moving it to "
				       "'%s' is not supported", row->name, row->pool, pool);
		if (r < 0) {
			limits_done(&limits);
			return r;
		}
	} else {
		devices = g_strdup(row->devices);
	}
	if (limits_differ(row->config, config)) {
		g_autoptr(pool_row_t) prow = NULL;

		/* limits change the LXC config: the pool holding the rootfs must be there */
		r = instance_storage(m, row, true, &prow, &p, NULL, ret);
		if (r < 0) {
			limits_done(&limits);
			return r;
		}
	}
	/* the MACs of the nics that stay (a removed nic's goes) */
	nic_volatile_carry(config, row->config, devices);
	j = g_new0(struct inst_job, 1);
	j->limits = limits;
	j->limits_changed = p != NULL;
	j->p = g_steal_pointer(&p);
	j->m = m;
	j->name = g_strdup(row->name);
	j->description = g_strdup(description);
	j->devices = g_steal_pointer(&devices);
	j->devices_given = devs != NULL;
	j->ephemeral = ephemeral;
	j->config = g_steal_pointer(&config);
	return op_start(m, "Updating instance", "instances", url, update_work, j, inst_job_free, ret);
}

static int instance_put(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	return instance_update(m, req, ret, true);
}

static int instance_patch(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	return instance_update(m, req, ret, false);
}

/* ---- rename -------------------------------------------------------------------------- */

static void undo_vol_rename(void *data)
{
	struct inst_job *j = data;
	g_autofree char *err = NULL;

	if (volume_storage_rename(j->p, "container", j->snap, j->name, &err) < 0)
		log_error("Failed to rename the root volume '%s' back to '%s': %s", j->snap, j->name, err);
}

static void undo_new_definition(void *data)
{
	struct inst_job *j = data;
	g_autofree char *err = NULL;

	if (inst_rt_destroy(j->m, j->snap, &err) < 0)
		log_error("Failed to remove the LXC container '%s' while undoing: %s", j->snap, err);
}

/* j->name: the old name, j->snap: the new one. The volume is renamed, the container defined
 * under the new name, the rows renamed, then the old definition removed. */
static int rename_work(struct mgr *m, struct op *op, void *data, char **ret_err)
{
	struct inst_job *j = data;
	_cleanup_revert_ struct revert_stack rs = {};
	g_autofree char *vol = NULL, *rootfs = NULL, *items_path = NULL, *items = NULL;
	g_autofree char *e2 = NULL, *logs_old = NULL, *logs_new = NULL, *url = NULL;
	g_autoptr(instance_row_t) row = NULL;
	g_autoptr(GError) gerr = NULL;
	struct inst_limits limits = {};
	struct api_resp scratch = {};
	int r;

	if (inst_db_get(m->db, j->name, &row) < 0) {
		*ret_err = g_strdup_printf("instance '%s' not found", j->name);
		return -ENOENT;
	}
	r = config_validate(row->config, &limits, &scratch);
	api_resp_clear(&scratch);
	if (r < 0) {
		*ret_err = g_strdup_printf("the stored config of '%s' is not valid", j->name);
		return -EINVAL;
	}
	j->limits = limits;
	r = mgr_step(m, "instance-rename/storage", ret_err);
	if (r >= 0)
		r = volume_storage_rename(j->p, "container", j->name, j->snap, ret_err);
	if (r < 0)
		return r;
	revert_push(&rs, undo_vol_rename, j);
	mgr_step_done(m, "instance-rename/storage");

	vol = volume_path(j->p, "container", j->snap);
	rootfs = g_build_filename(vol, "rootfs", NULL);
	items_path = g_build_filename(vol, TEMPLATE_ITEMS_FILE, NULL);
	if (!g_file_get_contents(items_path, &items, NULL, &gerr)) {
		*ret_err = g_strdup_printf("cannot read '%s': %s", items_path, gerr->message);
		return -EIO;
	}
	r = mgr_step(m, "instance-rename/config", ret_err);
	if (r >= 0)
		r = inst_rt_create(m, j->snap, rootfs, &j->limits, items, ret_err);
	if (r < 0)
		return r;
	revert_push(&rs, undo_new_definition, j);
	mgr_step_done(m, "instance-rename/config");

	r = inst_db_rename(m->db, j->name, j->snap);
	if (r < 0) {
		*ret_err = g_strdup_printf(r == -EEXIST ? "instance '%s' already exists"
							: "cannot record the new name '%s'", j->snap);
		return r;
	}
	revert_disarm(&rs);
	/* the rename is recorded: what is left of the old name is only logged */
	if (inst_rt_destroy(m, j->name, &e2) < 0)
		log_error("Failed to remove the old LXC definition '%s' after the rename: %s", j->name, e2);
	logs_old = mgr_path(m, "logs", j->name, NULL);
	logs_new = mgr_path(m, "logs", j->snap, NULL);
	if (rename(logs_old, logs_new) < 0 && errno != ENOENT)
		log_warning("Failed to move the logs of '%s' to '%s': %m, ignoring", j->name, j->snap);
	log_info("Renamed instance '%s' to '%s'", j->name, j->snap);
	url = instance_url(j->snap);
	events_lifecycle(m, "instance-updated", url, NULL);
	return 0;
}

static int instance_rename(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	static const char *const fields[] = { "name", "migration", "live", NULL };
	g_autoptr(instance_row_t) row = NULL, existing = NULL;
	g_autoptr(pool_row_t) prow = NULL;
	g_autoptr(struct_pool) p = NULL;
	g_autofree char *reason = NULL, *url = NULL, *lxcdir = NULL, *lxcpath = NULL;
	const char *to = NULL;
	bool migration = false, live = false;
	enum inst_status st;
	struct inst_job *j;
	JsonObject *o;
	int r;

	r = api_query_check(req, NULL, ret);
	if (r >= 0)
		r = api_body_object(req, fields, false, &o, ret);
	if (r >= 0)
		r = api_obj_string(o, "name", &to, ret);
	if (r >= 0)
		r = api_obj_bool(o, "migration", &migration, ret);
	if (r >= 0)
		r = api_obj_bool(o, "live", &live, ret);
	if (r < 0)
		return r;
	if (migration || live)
		return api_errorf(ret, 400, "migration is not offered: only {\"name\": NEW}");
	if (!to)
		return api_errorf(ret, 400, "field 'name' is required");
	if (!name_instance_valid(to))
		return api_errorf(ret, 400, "invalid instance name '%s': 1-63 characters of A-Z a-z 0-9 "
				  "-, starting with a letter, not ending with '-'", to);
	r = instance_lookup(m, req, &row, ret);
	if (r >= 0)
		r = instance_storage(m, row, true, &prow, &p, NULL, ret);
	if (r < 0)
		return r;
	if (streq(to, row->name))
		return api_errorf(ret, 409, "instance '%s' already has that name", to);
	if (vm_is_vm(m, row->name))
		return api_errorf(ret, 400, "renaming a virtual machine is not supported: copy it "
				  "under the new name and delete it");
	if (inst_db_get(m->db, to, &existing) >= 0)
		return api_errorf(ret, 409, "instance '%s' already exists", to);
	lxcpath = inst_rt_lxcpath(m);
	lxcdir = g_build_filename(lxcpath, to, NULL);
	if (access(lxcdir, F_OK) == 0)
		return api_errorf(ret, 409, "instance name '%s' is taken by an LXC container in '%s' "
				  "that has no record", to, lxcpath);
	st = status_of(m, row, NULL, &reason);
	if (st < 0)
		return api_errorf(ret, 500, "cannot read the state of instance '%s': %s", row->name, reason);
	if (st != INST_STOPPED)
		return api_errorf(ret, 409, "instance '%s' is %s: stop it first", row->name,
				  st == INST_FROZEN ? "frozen" : "running");
	j = g_new0(struct inst_job, 1);
	j->m = m;
	j->name = g_strdup(row->name);
	j->snap = g_strdup(to);
	j->p = g_steal_pointer(&p);
	url = instance_url(row->name);
	return op_start(m, "Renaming instance", "instances", url, rename_work, j, inst_job_free, ret);
}

/* ---- delete -------------------------------------------------------------------------- */

static int delete_work(struct mgr *m, struct op *op, void *data, char **ret_err)
{
	struct inst_job *j = data;
	g_autofree char *url = instance_url(j->name), *logs = NULL;
	int r;

	r = inst_db_set_state(m->db, j->name, "deleting");
	if (r < 0) {
		*ret_err = g_strdup_printf("cannot record instance '%s' as being deleted", j->name);
		return r;
	}
	r = mgr_step(m, "instance-delete/container", ret_err);
	if (r >= 0)
		r = inst_rt_destroy(m, j->name, ret_err);
	if (r < 0) {
		(void) inst_db_set_state(m->db, j->name, "created");
		return r;
	}
	mgr_step_done(m, "instance-delete/container");
	/* from here on the delete only goes forward: reconcile completes it after a crash */
	r = mgr_step(m, "instance-delete/storage", ret_err);
	if (r >= 0)
		r = volume_storage_delete(j->p, "container", j->name, ret_err);
	if (r < 0)
		return r;
	mgr_step_done(m, "instance-delete/storage");
	r = inst_db_delete(m->db, j->name);
	if (r < 0) {
		*ret_err = g_strdup_printf("cannot delete the rows of instance '%s'", j->name);
		return r;
	}
	logs = mgr_path(m, "logs", j->name, NULL);
	(void) rm_rf(logs);
	log_info("Deleted instance '%s'", j->name);
	events_lifecycle(m, "instance-deleted", url, NULL);
	return 0;
}

static int instance_delete(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	g_autoptr(instance_row_t) row = NULL;
	g_autoptr(pool_row_t) prow = NULL;
	g_autoptr(struct_pool) p = NULL;
	g_autofree char *reason = NULL, *url = NULL;
	enum inst_status st;
	struct inst_job *j;
	int r;

	r = api_query_check(req, NULL, ret);
	if (r >= 0)
		r = instance_lookup(m, req, &row, ret);
	if (r >= 0)
		r = instance_storage(m, row, true, &prow, &p, NULL, ret);
	if (r < 0)
		return r;
	st = status_of(m, row, NULL, &reason);
	if (st < 0)
		return api_errorf(ret, 500, "cannot read the state of instance '%s': %s", row->name, reason);
	if (st != INST_STOPPED)
		return api_errorf(ret, 409, "instance '%s' is %s: stop it first", row->name,
				  st == INST_FROZEN ? "frozen" : "running");
	j = g_new0(struct inst_job, 1);
	j->m = m;
	j->name = g_strdup(row->name);
	j->p = g_steal_pointer(&p);
	url = instance_url(row->name);
	return op_start(m, "Deleting instance", "instances", url, delete_work, j, inst_job_free, ret);
}

/* ---- state --------------------------------------------------------------------------- */

static int state_get(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	g_autoptr(instance_row_t) row = NULL;
	int r;

	r = api_query_check(req, NULL, ret);
	if (r >= 0)
		r = instance_lookup(m, req, &row, ret);
	if (r < 0)
		return r;
	return api_sync(ret, state_json(m, row));
}

static int do_start(struct mgr *m, struct inst_job *j, char **ret_err)
{
	g_autofree char *now = NULL;
	int r;

	/* the nic devices become LXC's network lines; a missing parent fails here (spec §7) */
	r = autostart_prepare_start(m, j->name, ret_err);
	if (r >= 0)
		r = inst_rt_start(m, j->name, ret_err);
	if (r < 0) {
		(void) inst_db_set_status_reason(m->db, j->name, *ret_err);
		return r;
	}
	now = mgr_now_rfc3339();
	(void) inst_db_set_last_used(m->db, j->name, now);
	(void) inst_db_set_status_reason(m->db, j->name, "");
	return 0;
}

static int state_work(struct mgr *m, struct op *op, void *data, char **ret_err)
{
	struct inst_job *j = data;
	g_autofree char *url = instance_url(j->name);
	const char *event = NULL;
	int r;

	if (streq(j->action, "start")) {
		r = do_start(m, j, ret_err);
		event = "instance-started";
	} else if (streq(j->action, "stop")) {
		r = inst_rt_stop(m, j->name, j->force ? 0 : j->timeout, ret_err);
		if (r >= 0)	/* boot.autostart unset: not started at the next manager start */
			autostart_note_stopped(m, j->name);
		event = "instance-stopped";
		if (r >= 0 && j->ephemeral) {
			/* an ephemeral instance goes when it is stopped [LXD] (a restore's stop is
			 * not this path: restore_work stops through the runtime) */
			events_lifecycle(m, event, url, NULL);
			log_info("Instance '%s' is ephemeral: deleting it after its stop", j->name);
			return delete_work(m, op, j, ret_err);
		}
	} else if (streq(j->action, "restart")) {
		r = inst_rt_stop(m, j->name, j->force ? 0 : j->timeout, ret_err);
		if (r >= 0)
			r = do_start(m, j, ret_err);
		event = "instance-restarted";
	} else if (streq(j->action, "freeze")) {
		r = inst_rt_freeze(m, j->name, ret_err);
	} else {
		r = inst_rt_unfreeze(m, j->name, ret_err);
	}
	if (r < 0)
		return r;
	log_info("Instance '%s': %s done", j->name, j->action);
	if (event)
		events_lifecycle(m, event, url, NULL);
	return 0;
}

static int state_put(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	static const char *const fields[] = { "action", "timeout", "force", "stateful", NULL };
	g_autoptr(instance_row_t) row = NULL;
	g_autofree char *reason = NULL, *url = NULL;
	const char *action = NULL;
	g_autoptr(struct_pool) p = NULL;
	bool force = false, stateful = false;
	gint64 timeout = STOP_TIMEOUT_DEFAULT;
	enum inst_status st;
	struct inst_job *j;
	JsonObject *o;
	int r;

	r = api_query_check(req, NULL, ret);
	if (r >= 0)
		r = api_body_object(req, fields, false, &o, ret);
	if (r >= 0)
		r = api_obj_string(o, "action", &action, ret);
	if (r >= 0)
		r = api_obj_bool(o, "force", &force, ret);
	if (r >= 0)
		r = api_obj_bool(o, "stateful", &stateful, ret);
	if (r < 0)
		return r;
	if (json_object_has_member(o, "timeout")) {
		JsonNode *t = json_object_get_member(o, "timeout");

		if (!JSON_NODE_HOLDS_VALUE(t) || json_node_get_value_type(t) != G_TYPE_INT64)
			return api_errorf(ret, 400, "field 'timeout' must be an integer");
		timeout = json_node_get_int(t);
		if (timeout < -1 || timeout > 3600)
			return api_errorf(ret, 400, "field 'timeout' must be -1 to 3600 seconds, not %"
					  G_GINT64_FORMAT, timeout);
		if (timeout < 0)
			timeout = 3600;
	}
	if (!action)
		return api_errorf(ret, 400, "field 'action' is required");
	if (!streq(action, "start") && !streq(action, "stop") && !streq(action, "restart") &&
	    !streq(action, "freeze") && !streq(action, "unfreeze"))
		return api_errorf(ret, 400, "invalid action '%s': expected start, stop, restart, "
				  "freeze or unfreeze", action);
	r = instance_lookup(m, req, &row, ret);
	if (r < 0)
		return r;
	if (stateful) {
		g_autofree char *why = NULL;

		if (inst_rt_criu_usable(&why) < 0)
			return api_errorf(ret, 501, "stateful %s needs CRIU, which does not work here: %s",
					  action, why);
		return api_errorf(ret, 501, "stateful %s is not implemented by this manager", action);
	}
	if (streq(action, "start") || streq(action, "restart") ||
	    (streq(action, "stop") && row->ephemeral)) {
		g_autoptr(pool_row_t) prow = NULL;

		/* a start needs its rootfs; an ephemeral stop deletes the root volume */
		r = instance_storage(m, row, true, &prow, &p, NULL, ret);
		if (r < 0)
			return r;
	}
	st = status_of(m, row, NULL, &reason);
	if (st < 0)
		return api_errorf(ret, 500, "cannot read the state of instance '%s': %s", row->name, reason);
	if (streq(action, "start") && st != INST_STOPPED)
		return api_errorf(ret, 409, "instance '%s' is already %s", row->name,
				  st == INST_FROZEN ? "running (frozen)" : "running");
	if (streq(action, "start") || streq(action, "restart")) {
		/* spec §7: a manual start never waits, and a pending autostart stays pending */
		g_autofree char *missing = autostart_missing_parents(row);

		if (missing)
			return api_errorf(ret, 409, "cannot start instance '%s': network device %s "
					  "missing", row->name, missing);
	}
	if (streq(action, "stop") && st == INST_STOPPED && autostart_cancel(m, row->name))
		return api_sync(ret, json_node_new(JSON_NODE_NULL));	/* Waiting -> Stopped */
	if ((streq(action, "stop") || streq(action, "restart")) && st == INST_STOPPED)
		return api_errorf(ret, 409, "instance '%s' is not running", row->name);
	if (streq(action, "freeze") && st != INST_RUNNING)
		return api_errorf(ret, 409, "instance '%s' is %s, not running", row->name,
				  st == INST_FROZEN ? "frozen already" : "stopped");
	if (streq(action, "unfreeze") && st != INST_FROZEN)
		return api_errorf(ret, 409, "instance '%s' is not frozen", row->name);
	j = g_new0(struct inst_job, 1);
	j->m = m;
	j->name = g_strdup(row->name);
	j->action = g_strdup(action);
	j->force = force;
	j->timeout = (int) timeout;
	j->ephemeral = row->ephemeral;
	j->p = g_steal_pointer(&p);
	url = instance_url(row->name);
	return op_start(m, "Changing instance state", "instances", url, state_work, j, inst_job_free, ret);
}

/* ---- exec, logs, console ----------------------------------------------------------------- */

static int exec_work(struct mgr *m, struct op *op, void *data, char **ret_err)
{
	struct inst_job *j = data;
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autofree char *dir = mgr_path(m, "logs", j->name, NULL);
	g_autofree char *fo = g_strdup_printf("exec_%s.stdout", j->exec_id);
	g_autofree char *fe = g_strdup_printf("exec_%s.stderr", j->exec_id);
	g_autofree char *po = g_build_filename(dir, fo, NULL), *pe = g_build_filename(dir, fe, NULL);
	int r, status = 0;

	if (g_mkdir_with_parents(dir, 0700) < 0) {
		*ret_err = g_strdup_printf("cannot create '%s': %s", dir, g_strerror(errno));
		return -EIO;
	}
	r = inst_rt_exec(m, j->name, (const char *const *) j->argv, po, pe, &status, ret_err);
	if (r < 0) {
		(void) g_unlink(po);
		(void) g_unlink(pe);
		return r;
	}
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "return");
	json_builder_add_int_value(b, status);
	json_builder_set_member_name(b, "output");
	json_builder_begin_object(b);
	if (j->record) {
		g_autofree char *uo = g_strdup_printf("/1.0/instances/%s/logs/%s", j->name, fo);
		g_autofree char *ue = g_strdup_printf("/1.0/instances/%s/logs/%s", j->name, fe);

		json_builder_set_member_name(b, "1");
		json_builder_add_string_value(b, uo);
		json_builder_set_member_name(b, "2");
		json_builder_add_string_value(b, ue);
	} else {
		(void) g_unlink(po);
		(void) g_unlink(pe);
	}
	json_builder_end_object(b);
	json_builder_end_object(b);
	op_set_metadata(m, op, json_builder_get_root(b));
	return 0;
}

static int exec_post(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	static const char *const fields[] = { "command", "environment", "wait-for-websocket",
		"interactive", "record-output", "cwd", "user", "group", "width", "height", NULL };
	g_autoptr(instance_row_t) row = NULL;
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *reason = NULL, *url = NULL;
	bool ws = false, interactive = false, record = true;
	const char *cwd = "/";
	JsonObject *o, *env = NULL;
	JsonArray *cmd;
	JsonNode *cn;
	struct inst_job *j;
	enum inst_status st;
	int r;

	r = api_query_check(req, NULL, ret);
	if (r >= 0)
		r = api_body_object(req, fields, false, &o, ret);
	if (r >= 0)
		r = api_obj_bool(o, "wait-for-websocket", &ws, ret);
	if (r >= 0)
		r = api_obj_bool(o, "interactive", &interactive, ret);
	if (r >= 0)
		r = api_obj_bool(o, "record-output", &record, ret);
	if (r >= 0)
		r = api_obj_string(o, "cwd", &cwd, ret);
	if (r >= 0)
		r = api_obj_object(o, "environment", NULL, &env, ret);
	if (r < 0)
		return r;
	if (ws || interactive)
		return api_errorf(ret, 400, "WebSocket exec is not offered: set 'wait-for-websocket' and "
				  "'interactive' to false and read the recorded output");
	for (const char *const *k = (const char *const[]) { "user", "group", NULL }; *k; k++)
		if (json_object_has_member(o, *k)) {
			JsonNode *n = json_object_get_member(o, *k);

			if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
				return api_errorf(ret, 400, "field '%s' must be an integer", *k);
			if (json_node_get_int(n) != 0)
				return api_errorf(ret, 400, "field '%s': only 0 (root) is supported", *k);
		}
	cn = json_object_has_member(o, "command") ? json_object_get_member(o, "command") : NULL;
	if (!cn || !JSON_NODE_HOLDS_ARRAY(cn) || json_array_get_length(json_node_get_array(cn)) == 0)
		return api_errorf(ret, 400, "field 'command' must be a non-empty array of strings");
	cmd = json_node_get_array(cn);
	/* environment: through env(1) in the container; cwd: through sh */
	if (env && json_object_get_size(env) > 0) {
		g_autoptr(GList) keys = json_object_get_members(env);

		g_ptr_array_add(argv, g_strdup("env"));
		for (GList *l = keys; l; l = l->next) {
			JsonNode *v = json_object_get_member(env, l->data);

			if (!JSON_NODE_HOLDS_VALUE(v) || json_node_get_value_type(v) != G_TYPE_STRING)
				return api_errorf(ret, 400, "environment variable '%s' must be a string",
						  (const char *) l->data);
			if (!*(const char *) l->data || strchr(l->data, '='))
				return api_errorf(ret, 400, "invalid environment variable name '%s'",
						  (const char *) l->data);
			g_ptr_array_add(argv, g_strdup_printf("%s=%s", (const char *) l->data,
							      json_node_get_string(v)));
		}
	}
	if (!streq(cwd, "/")) {
		if (cwd[0] != '/')
			return api_errorf(ret, 400, "field 'cwd' must be an absolute path, not '%s'", cwd);
		g_ptr_array_add(argv, g_strdup("sh"));
		g_ptr_array_add(argv, g_strdup("-c"));
		g_ptr_array_add(argv, g_strdup("cd \"$0\" && exec \"$@\""));
		g_ptr_array_add(argv, g_strdup(cwd));
	}
	for (guint i = 0; i < json_array_get_length(cmd); i++) {
		JsonNode *e = json_array_get_element(cmd, i);

		if (!JSON_NODE_HOLDS_VALUE(e) || json_node_get_value_type(e) != G_TYPE_STRING)
			return api_errorf(ret, 400, "field 'command' must be a non-empty array of strings");
		g_ptr_array_add(argv, g_strdup(json_node_get_string(e)));
	}
	g_ptr_array_add(argv, NULL);
	r = instance_lookup(m, req, &row, ret);
	if (r < 0)
		return r;
	st = status_of(m, row, NULL, &reason);
	if (st != INST_RUNNING)
		return api_errorf(ret, 409, "instance '%s' is %s: exec needs a running instance", row->name,
				  st == INST_FROZEN ? "frozen" : st == INST_STOPPED ? "stopped" : "in error");
	j = g_new0(struct inst_job, 1);
	j->m = m;
	j->name = g_strdup(row->name);
	j->argv = (char **) g_ptr_array_free(g_steal_pointer(&argv), FALSE);
	j->record = record;
	j->exec_id = g_uuid_string_random();
	url = instance_url(row->name);
	return op_start(m, "Executing command", "instances", url, exec_work, j, inst_job_free, ret);
}

static int raw_file(struct api_resp *ret, const char *path, bool missing_ok)
{
	g_autoptr(GError) gerr = NULL;
	char *text = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, &text, &len, &gerr)) {
		if (!missing_ok || !g_error_matches(gerr, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return api_errorf(ret, g_error_matches(gerr, G_FILE_ERROR, G_FILE_ERROR_NOENT) ? 404 : 500,
					  "cannot read '%s': %s", path, gerr->message);
		text = g_strdup("");
	}
	ret->type = API_RESP_RAW;
	ret->raw = text;
	ret->raw_len = len;
	ret->content_type = "text/plain";
	return 0;
}

static int log_get(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	g_autoptr(instance_row_t) row = NULL;
	const char *file = api_req_param(req, "file");
	g_autofree char *path = NULL;
	int r;

	r = api_query_check(req, NULL, ret);
	if (r >= 0)
		r = instance_lookup(m, req, &row, ret);
	if (r < 0)
		return r;
	if (!file || !name_object_valid(file))
		return api_errorf(ret, 400, "invalid log file name '%s'", file ? file : "");
	path = mgr_path(m, "logs", row->name, file, NULL);
	if (access(path, F_OK) < 0)
		return api_errorf(ret, 404, "log file '%s' of instance '%s' not found", file, row->name);
	return raw_file(ret, path, false);
}

/* DELETE of an exec log once the client read it [LXD]: the logs do not pile up */
static int log_delete(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	g_autoptr(instance_row_t) row = NULL;
	const char *file = api_req_param(req, "file");
	g_autofree char *path = NULL;
	int r;

	r = api_query_check(req, NULL, ret);
	if (r >= 0)
		r = instance_lookup(m, req, &row, ret);
	if (r < 0)
		return r;
	if (!file || !name_object_valid(file))
		return api_errorf(ret, 400, "invalid log file name '%s'", file ? file : "");
	if (!startswith(file, "exec_"))
		return api_errorf(ret, 400, "only exec output logs can be deleted, not '%s'", file);
	path = mgr_path(m, "logs", row->name, file, NULL);
	if (g_unlink(path) < 0) {
		if (errno == ENOENT)
			return api_errorf(ret, 404, "log file '%s' of instance '%s' not found", file, row->name);
		return api_errorf(ret, 500, "cannot delete '%s': %s", path, g_strerror(errno));
	}
	return api_sync(ret, NULL);
}

static int console_get(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	g_autoptr(instance_row_t) row = NULL;
	g_autofree char *path = NULL;
	int r;

	r = api_query_check(req, NULL, ret);
	if (r >= 0)
		r = instance_lookup(m, req, &row, ret);
	if (r < 0)
		return r;
	path = mgr_path(m, "logs", row->name, "console.log", NULL);
	return raw_file(ret, path, true);
}

/* ---- snapshots ------------------------------------------------------------------------- */

static JsonNode *isnap_json(const struct instance_row *row, const struct snapshot_row *s)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	add_str(b, "name", s->name);
	add_str(b, "description", s->description);
	json_builder_set_member_name(b, "config");
	json_builder_add_value(b, api_json_string_map(row->config));
	json_builder_set_member_name(b, "devices");
	json_builder_add_value(b, devices_node(row->devices));
	json_builder_set_member_name(b, "ephemeral");
	json_builder_add_boolean_value(b, row->ephemeral);
	json_builder_set_member_name(b, "stateful");
	json_builder_add_boolean_value(b, false);
	add_str(b, "content_type", "filesystem");
	add_str(b, "created_at", s->created_at);
	add_str(b, "expires_at", ZERO_TIME);
	add_str(b, "last_used_at", ZERO_TIME);
	add_str(b, "architecture", "x86_64");
	json_builder_set_member_name(b, "profiles");
	json_builder_begin_array(b);
	json_builder_end_array(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

static int snapshots_list(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	static const char *const allowed[] = { "recursion", NULL };
	g_autoptr(instance_row_t) row = NULL;
	g_autoptr(pool_row_t) prow = NULL;
	g_autoptr(volume_row_t) v = NULL;
	g_autoptr(GPtrArray) snaps = NULL;
	g_autoptr(JsonBuilder) b = json_builder_new();
	int r, level = 0;

	r = api_query_check(req, allowed, ret);
	if (r >= 0)
		r = api_query_recursion(req, 1, &level, ret);
	if (r >= 0)
		r = instance_lookup(m, req, &row, ret);
	if (r >= 0)
		r = instance_storage(m, row, false, &prow, NULL, &v, ret);
	if (r < 0)
		return r;
	if (db_snapshot_list(m->db, v->id, &snaps) < 0)
		return api_errorf(ret, 500, "cannot read the snapshots of '%s'", row->name);
	json_builder_begin_array(b);
	for (guint i = 0; i < snaps->len; i++) {
		struct snapshot_row *s = snaps->pdata[i];

		if (!streq(s->state, "created"))
			continue;
		if (level == 0) {
			g_autofree char *u = g_strdup_printf("/1.0/instances/%s/snapshots/%s", row->name,
							     s->name);

			json_builder_add_string_value(b, u);
		} else {
			json_builder_add_value(b, isnap_json(row, s));
		}
	}
	json_builder_end_array(b);
	return api_sync(ret, json_builder_get_root(b));
}

static void undo_snap_row(void *data)
{
	struct inst_job *j = data;

	if (db_snapshot_delete(j->m->db, j->snap_id) < 0)
		log_error("Failed to remove the row of snapshot '%s' while undoing", j->snap);
}

static void undo_snap_storage(void *data)
{
	struct inst_job *j = data;
	g_autofree char *err = NULL;

	if (snapshot_storage_delete(j->p, "container", j->name, j->snap, &err) < 0)
		log_error("Failed to remove snapshot '%s' while undoing: %s", j->snap, err);
}

static int snapshot_work(struct mgr *m, struct op *op, void *data, char **ret_err)
{
	struct inst_job *j = data;
	_cleanup_revert_ struct revert_stack rs = {};
	g_autofree char *now = mgr_now_rfc3339(), *url = NULL, *e2 = NULL;
	struct snapshot_row row = { .volume_id = j->volume_id, .name = j->snap,
				    .description = j->description ? j->description : "",
				    .state = "pending", .created_at = now };
	enum inst_status st;
	int r;

	r = db_snapshot_insert(m->db, &row);
	if (r == -EEXIST) {
		*ret_err = g_strdup_printf("snapshot '%s' of instance '%s' already exists", j->snap, j->name);
		return r;
	}
	if (r < 0) {
		*ret_err = g_strdup_printf("cannot record snapshot '%s'", j->snap);
		return r;
	}
	j->snap_id = row.id;
	revert_push(&rs, undo_snap_row, j);

	/* a running container is frozen while its root volume is copied (MG-09: no torn files) */
	r = mgr_step(m, "instance-snapshot-create/freeze", ret_err);
	if (r < 0)
		return r;
	r = inst_rt_state(m, j->name, &st, NULL, ret_err);
	if (r < 0)
		return r;
	if (st == INST_RUNNING) {
		r = internal_freeze(m, j->name, ret_err);
		if (r < 0)
			return r;
		revert_push(&rs, undo_unfreeze, j);
	}
	mgr_step_done(m, "instance-snapshot-create/freeze");

	r = mgr_step(m, "instance-snapshot-create/storage", ret_err);
	if (r < 0)
		return r;
	r = snapshot_storage_create(j->p, "container", j->name, j->snap, ret_err);
	if (r < 0)
		return r;
	revert_push(&rs, undo_snap_storage, j);
	mgr_step_done(m, "instance-snapshot-create/storage");

	r = db_snapshot_set_state(m->db, row.id, "created");
	if (r < 0) {
		*ret_err = g_strdup_printf("cannot record snapshot '%s' as created", j->snap);
		return r;
	}
	/* keep the snapshot; only the thaw of the stack still runs */
	revert_disarm(&rs);
	if (st == INST_RUNNING && internal_thaw(m, j->name, &e2) < 0) {
		log_error("Failed to thaw '%s' after its snapshot: %s", j->name, e2);
		*ret_err = g_strdup_printf("snapshot '%s' was taken but thawing '%s' failed: %s",
					   j->snap, j->name, e2);
		return -EIO;
	}
	log_info("Created snapshot '%s' of instance '%s'", j->snap, j->name);
	url = g_strdup_printf("/1.0/instances/%s/snapshots/%s", j->name, j->snap);
	events_lifecycle(m, "instance-snapshot-created", url, NULL);
	return 0;
}

/* The next free "snapN" name */
static char *snapshot_auto_name(struct mgr *m, int64_t volume_id)
{
	for (unsigned i = 0;; i++) {
		g_autofree char *n = g_strdup_printf("snap%u", i);
		g_autoptr(snapshot_row_t) s = NULL;

		if (db_snapshot_get(m->db, volume_id, n, &s) < 0)
			return g_steal_pointer(&n);
	}
}

static int snapshot_create(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	static const char *const fields[] = { "name", "stateful", "description", "expires_at", NULL };
	g_autoptr(instance_row_t) row = NULL;
	g_autoptr(pool_row_t) prow = NULL;
	g_autoptr(volume_row_t) v = NULL;
	g_autoptr(snapshot_row_t) existing = NULL;
	g_autoptr(struct_pool) p = NULL;
	g_autofree char *url = NULL, *auto_name = NULL;
	const char *name = NULL, *description = "";
	bool stateful = false;
	struct inst_job *j;
	JsonObject *o;
	int r;

	r = api_query_check(req, NULL, ret);
	if (r >= 0)
		r = api_body_object(req, fields, true, &o, ret);
	if (r >= 0)
		r = api_obj_string(o, "name", &name, ret);
	if (r >= 0)
		r = api_obj_string(o, "description", &description, ret);
	if (r >= 0)
		r = api_obj_bool(o, "stateful", &stateful, ret);
	if (r < 0)
		return r;
	if (name && !name_object_valid(name))
		return api_errorf(ret, 400, "invalid snapshot name '%s': 1-63 characters of A-Z a-z 0-9 "
				  ". _ -, not starting with '.' or '-'", name);
	r = instance_lookup(m, req, &row, ret);
	if (r >= 0)
		r = instance_storage(m, row, true, &prow, &p, &v, ret);
	if (r < 0)
		return r;
	if (stateful) {
		g_autofree char *why = NULL;

		/* checked before anything is made (§2.4: 501) */
		if (inst_rt_criu_usable(&why) < 0)
			return api_errorf(ret, 501, "stateful snapshots need CRIU, which does not work "
					  "here: %s", why);
		return api_errorf(ret, 501, "stateful snapshots are not implemented by this manager");
	}
	if (!name)
		name = auto_name = snapshot_auto_name(m, v->id);
	if (db_snapshot_get(m->db, v->id, name, &existing) >= 0)
		return api_errorf(ret, 409, "snapshot '%s' of instance '%s' already exists", name, row->name);
	j = g_new0(struct inst_job, 1);
	j->m = m;
	j->name = g_strdup(row->name);
	j->snap = g_strdup(name);
	j->description = g_strdup(description);
	j->volume_id = v->id;
	j->p = g_steal_pointer(&p);
	url = instance_url(row->name);
	return op_start(m, "Snapshotting instance", "instances", url, snapshot_work, j, inst_job_free, ret);
}

static int snapshot_lookup(struct mgr *m, const struct api_req *req, bool need_available,
			   struct instance_row **ret_row, struct pool **ret_pool,
			   struct snapshot_row **ret_s, struct api_resp *ret)
{
	const char *snap = api_req_param(req, "snapshot");
	g_autoptr(pool_row_t) prow = NULL;
	g_autoptr(volume_row_t) v = NULL;
	g_autoptr(snapshot_row_t) s = NULL;
	int r;

	if (!snap || !name_object_valid(snap))
		return api_errorf(ret, 400, "invalid snapshot name '%s'", snap ? snap : "");
	r = instance_lookup(m, req, ret_row, ret);
	if (r >= 0)
		r = instance_storage(m, *ret_row, need_available, &prow, ret_pool, &v, ret);
	if (r < 0)
		return r;
	if (db_snapshot_get(m->db, v->id, snap, &s) < 0 || !streq(s->state, "created"))
		return api_errorf(ret, 404, "snapshot '%s' of instance '%s' not found", snap, (*ret_row)->name);
	*ret_s = g_steal_pointer(&s);
	return 0;
}

static int snapshot_get(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	g_autoptr(instance_row_t) row = NULL;
	g_autoptr(snapshot_row_t) s = NULL;
	int r;

	r = api_query_check(req, NULL, ret);
	if (r >= 0)
		r = snapshot_lookup(m, req, false, &row, NULL, &s, ret);
	if (r < 0)
		return r;
	return api_sync(ret, isnap_json(row, s));
}

static int snapshot_delete_work(struct mgr *m, struct op *op, void *data, char **ret_err)
{
	struct inst_job *j = data;
	g_autofree char *url = g_strdup_printf("/1.0/instances/%s/snapshots/%s", j->name, j->snap);
	int r;

	r = db_snapshot_set_state(m->db, j->snap_id, "deleting");
	if (r >= 0)
		r = snapshot_storage_delete(j->p, "container", j->name, j->snap, ret_err);
	if (r < 0) {
		(void) db_snapshot_set_state(m->db, j->snap_id, "created");
		return r;
	}
	r = db_snapshot_delete(m->db, j->snap_id);
	if (r < 0) {
		*ret_err = g_strdup_printf("cannot delete the row of snapshot '%s'", j->snap);
		return r;
	}
	events_lifecycle(m, "instance-snapshot-deleted", url, NULL);
	return 0;
}

static int snapshot_delete(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	g_autoptr(instance_row_t) row = NULL;
	g_autoptr(snapshot_row_t) s = NULL;
	g_autoptr(struct_pool) p = NULL;
	g_autofree char *url = NULL;
	struct inst_job *j;
	int r;

	r = api_query_check(req, NULL, ret);
	if (r >= 0)
		r = snapshot_lookup(m, req, true, &row, &p, &s, ret);
	if (r < 0)
		return r;
	j = g_new0(struct inst_job, 1);
	j->m = m;
	j->name = g_strdup(row->name);
	j->snap = g_strdup(s->name);
	j->snap_id = s->id;
	j->p = g_steal_pointer(&p);
	url = instance_url(row->name);
	return op_start(m, "Deleting instance snapshot", "instances", url, snapshot_delete_work, j,
			inst_job_free, ret);
}

/* ---- start-up ---------------------------------------------------------------------------- */

/* Thaws the containers a killed manager had frozen for a snapshot or copy */
static void reconcile_frozen(struct mgr *m)
{
	g_autofree char *dir = g_build_filename(m->runtime_dir, "frozen", NULL);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *e;

	while (d && (e = g_dir_read_name(d))) {
		g_autofree char *err = NULL, *marker = g_build_filename(dir, e, NULL);
		enum inst_status st;

		if (name_instance_valid(e) && inst_rt_state(m, e, &st, NULL, &err) >= 0 &&
		    st == INST_FROZEN) {
			log_warning("Reconcile: instance '%s' was left frozen by an interrupted snapshot "
				    "or copy, thawing it", e);
			if (inst_rt_unfreeze(m, e, &err) < 0) {
				log_error("Reconcile: cannot thaw '%s': %s", e, err);
				continue;
			}
		}
		(void) g_unlink(marker);
	}
}

void instances_reconcile(struct mgr *m)
{
	g_autoptr(GPtrArray) rows = NULL;

	reconcile_frozen(m);

	if (inst_db_list(m->db, &rows) < 0) {
		log_error("Reconcile: cannot read the instances");
		return;
	}
	for (guint i = 0; i < rows->len; i++) {
		struct instance_row *row = rows->pdata[i];
		g_autoptr(pool_row_t) prow = NULL;
		g_autoptr(struct_pool) p = NULL;
		g_autofree char *err = NULL;

		if (streq(row->state, "created"))
			continue;
		/* a create or delete that did not finish: remove what it made */
		log_warning("Reconcile: instance '%s' was left %s, removing it", row->name, row->state);
		if (inst_rt_destroy(m, row->name, &err) < 0) {
			log_error("Reconcile: cannot remove the LXC container '%s': %s", row->name, err);
			continue;
		}
		if (db_pool_get(m->db, row->pool, &prow) >= 0) {
			p = pool_new(m, prow->name, prow->driver, prow->config);
			g_clear_pointer(&err, g_free);
			if (mgr_pool_status(m, prow->name, NULL) == POOL_CREATED &&
			    volume_storage_delete(p, "container", row->name, &err) < 0) {
				log_error("Reconcile: cannot remove the root volume of '%s': %s", row->name, err);
				continue;
			}
		}
		if (inst_db_delete(m->db, row->name) < 0)
			log_error("Reconcile: cannot remove the rows of instance '%s'", row->name);
	}
	/* QEMUs that run on from the previous manager: their exit removes their macvtaps */
	for (guint i = 0; i < rows->len; i++) {
		const struct instance_row *row = rows->pdata[i];

		if (streq(row->state, "created") && vm_is_vm(m, row->name))
			vm_rt_watch(m, row->name);
	}
}

const struct api_route api_routes_instances[] = {
	{ "/1.0/instances", { [API_GET] = instances_list, [API_POST] = instances_create } },
	{ "/1.0/instances/{name}", { [API_GET] = instance_get, [API_PUT] = instance_put,
				     [API_PATCH] = instance_patch, [API_POST] = instance_rename,
				     [API_DELETE] = instance_delete } },
	{ "/1.0/instances/{name}/state", { [API_GET] = state_get, [API_PUT] = state_put } },
	{ "/1.0/instances/{name}/exec", { [API_POST] = exec_post } },
	{ "/1.0/instances/{name}/logs/{file}", { [API_GET] = log_get, [API_DELETE] = log_delete } },
	{ "/1.0/instances/{name}/console", { [API_GET] = console_get } },
	{ "/1.0/instances/{name}/snapshots", { [API_GET] = snapshots_list, [API_POST] = snapshot_create } },
	{ "/1.0/instances/{name}/snapshots/{snapshot}", { [API_GET] = snapshot_get,
							  [API_DELETE] = snapshot_delete } },
	{ NULL },
};
