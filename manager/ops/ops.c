/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Operation registry: long work runs in a thread pool; clients poll or /wait. */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "api/api.h"
#include "api/server.h"
#include "log.h"
#include "mgr.h"
#include "ops.h"
#include "parse-util.h"

#define OP_KEEP_US (300 * G_USEC_PER_SEC)	/* finished operations stay readable 5 min */

enum op_status { OP_RUNNING, OP_SUCCESS, OP_FAILURE, OP_CANCELLED };

struct op {
	/* immutable after op_start() */
	char *id;
	char *description;
	char *created_at;
	char *res_kind;
	char *res_url;
	op_work_t work;
	void *data;
	GDestroyNotify free_data;
	/* protected by mgr->lock */
	enum op_status status;
	char *updated_at;
	char *err;
	JsonNode *metadata;
	gint64 finished_us;	/* monotonic time it finished, 0 while running */
	GCond done;		/* signalled (with mgr->lock) when it finishes */
};

static void op_free(gpointer p)
{
	struct op *op = p;

	g_free(op->id);
	g_free(op->description);
	g_free(op->created_at);
	g_free(op->res_kind);
	g_free(op->res_url);
	g_free(op->updated_at);
	g_free(op->err);
	if (op->metadata)
		json_node_unref(op->metadata);
	g_cond_clear(&op->done);
	g_free(op);
}

static const char *status_name(enum op_status s, int *ret_code)
{
	switch (s) {
	case OP_RUNNING: *ret_code = 103; return "Running";
	case OP_SUCCESS: *ret_code = 200; return "Success";
	case OP_FAILURE: *ret_code = 400; return "Failure";
	default: *ret_code = 401; return "Cancelled";
	}
}

/* with mgr->lock held */
static JsonNode *op_json_locked(struct op *op)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	int code;
	const char *st = status_name(op->status, &code);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "id");
	json_builder_add_string_value(b, op->id);
	json_builder_set_member_name(b, "class");
	json_builder_add_string_value(b, "task");
	json_builder_set_member_name(b, "description");
	json_builder_add_string_value(b, op->description);
	json_builder_set_member_name(b, "created_at");
	json_builder_add_string_value(b, op->created_at);
	json_builder_set_member_name(b, "updated_at");
	json_builder_add_string_value(b, op->updated_at);
	json_builder_set_member_name(b, "status");
	json_builder_add_string_value(b, st);
	json_builder_set_member_name(b, "status_code");
	json_builder_add_int_value(b, code);
	json_builder_set_member_name(b, "resources");
	json_builder_begin_object(b);
	if (op->res_kind) {
		json_builder_set_member_name(b, op->res_kind);
		json_builder_begin_array(b);
		json_builder_add_string_value(b, op->res_url);
		json_builder_end_array(b);
	}
	json_builder_end_object(b);
	json_builder_set_member_name(b, "metadata");
	if (op->metadata)
		json_builder_add_value(b, json_node_copy(op->metadata));
	else {
		json_builder_begin_object(b);
		json_builder_end_object(b);
	}
	json_builder_set_member_name(b, "may_cancel");
	json_builder_add_boolean_value(b, FALSE);
	json_builder_set_member_name(b, "err");
	json_builder_add_string_value(b, op->err ? op->err : "");
	json_builder_set_member_name(b, "location");
	json_builder_add_string_value(b, "none");
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

static void emit_op(struct mgr *m, JsonNode *opj)
{
	api_server_broadcast_event(m->server, EVENT_OPERATION, opj);
}

static void op_thread(gpointer data, gpointer user_data)
{
	struct mgr *m = user_data;
	struct op *op = data;
	g_autofree char *err = NULL;
	JsonNode *j;
	int r;

	g_mutex_lock(&m->change_lock);
	r = op->work(m, op, op->data, &err);
	g_mutex_unlock(&m->change_lock);
	if (op->free_data)
		op->free_data(op->data);
	op->data = NULL;

	g_mutex_lock(&m->lock);
	op->status = r < 0 ? OP_FAILURE : OP_SUCCESS;
	if (r < 0)
		op->err = g_steal_pointer(&err);
	if (r < 0 && !op->err)
		op->err = g_strdup(g_strerror(-r));
	g_free(op->updated_at);
	op->updated_at = mgr_now_rfc3339();
	op->finished_us = g_get_monotonic_time();
	g_cond_broadcast(&op->done);
	j = op_json_locked(op);
	g_mutex_unlock(&m->lock);
	if (r < 0)
		log_warning("Operation %s (%s) failed: %s", op->id, op->description, op->err);
	emit_op(m, j);
	json_node_unref(j);
}

void op_registry_init(struct mgr *m)
{
	m->ops = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, op_free);
	m->op_pool = g_thread_pool_new(op_thread, m, 4, FALSE, NULL);
}

void op_registry_done(struct mgr *m)
{
	/* running work is abandoned: the process exits and reconcile cleans up at next start */
	if (m->ops)
		g_hash_table_destroy(m->ops);
	m->ops = NULL;
}

/* with mgr->lock held */
static void prune_locked(struct mgr *m)
{
	GHashTableIter it;
	gpointer k, v;
	gint64 now = g_get_monotonic_time();

	g_hash_table_iter_init(&it, m->ops);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct op *op = v;

		if (op->finished_us && now - op->finished_us > OP_KEEP_US)
			g_hash_table_iter_remove(&it);
	}
}

int op_start(struct mgr *m, const char *description, const char *resources_kind,
	     const char *resource_url, op_work_t work, void *data, GDestroyNotify free_data,
	     struct api_resp *ret)
{
	struct op *op = g_new0(struct op, 1);
	JsonNode *j;

	op->id = g_uuid_string_random();
	op->description = g_strdup(description);
	op->created_at = mgr_now_rfc3339();
	op->updated_at = g_strdup(op->created_at);
	op->res_kind = g_strdup(resources_kind);
	op->res_url = g_strdup(resource_url);
	op->work = work;
	op->data = data;
	op->free_data = free_data;
	op->status = OP_RUNNING;
	g_cond_init(&op->done);

	g_mutex_lock(&m->lock);
	prune_locked(m);
	g_hash_table_insert(m->ops, op->id, op);
	j = op_json_locked(op);
	g_mutex_unlock(&m->lock);

	api_resp_clear(ret);
	ret->type = API_RESP_ASYNC;
	ret->status = 202;
	ret->operation = g_strdup_printf("/1.0/operations/%s", op->id);
	ret->location = g_strdup(ret->operation);
	ret->metadata = json_node_copy(j);
	emit_op(m, j);
	json_node_unref(j);
	g_thread_pool_push(m->op_pool, op, NULL);
	return 0;
}

void op_set_metadata(struct mgr *m, struct op *op, JsonNode *metadata)
{
	g_mutex_lock(&m->lock);
	if (op->metadata)
		json_node_unref(op->metadata);
	op->metadata = metadata;
	g_mutex_unlock(&m->lock);
}

JsonNode *op_lookup_json(struct mgr *m, const char *id, double wait_s)
{
	JsonNode *j = NULL;
	struct op *op;
	gint64 end = wait_s > 0 ? g_get_monotonic_time() + (gint64) (wait_s * G_USEC_PER_SEC) : 0;

	g_mutex_lock(&m->lock);
	op = g_hash_table_lookup(m->ops, id);
	while (op && op->status == OP_RUNNING && wait_s != 0) {
		if (wait_s < 0)
			g_cond_wait(&op->done, &m->lock);
		else if (!g_cond_wait_until(&op->done, &m->lock, end))
			break;
		op = g_hash_table_lookup(m->ops, id);	/* pruned meanwhile? */
	}
	if (op)
		j = op_json_locked(op);
	g_mutex_unlock(&m->lock);
	return j;
}

JsonNode *op_list_json(struct mgr *m, bool recursion)
{
	JsonObject *o = json_object_new();
	JsonNode *n = json_node_new(JSON_NODE_OBJECT);
	GHashTableIter it;
	gpointer k, v;

	g_mutex_lock(&m->lock);
	g_hash_table_iter_init(&it, m->ops);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct op *op = v;
		int code;
		g_autofree char *key = g_ascii_strdown(status_name(op->status, &code), -1);
		JsonArray *a;

		if (!json_object_has_member(o, key))
			json_object_set_array_member(o, key, json_array_new());
		a = json_object_get_array_member(o, key);
		if (recursion)
			json_array_add_element(a, op_json_locked(op));
		else
			api_json_array_add_printf(a, "/1.0/operations/%s", op->id);
	}
	g_mutex_unlock(&m->lock);
	json_node_take_object(n, o);
	return n;
}

int op_cancel(struct mgr *m, const char *id)
{
	int r;

	g_mutex_lock(&m->lock);
	r = g_hash_table_lookup(m->ops, id) ? -EBUSY : -ENOENT;	/* nothing is cancellable */
	g_mutex_unlock(&m->lock);
	return r;
}

int events_parse_types(const char *s, unsigned *ret_mask)
{
	static const char *const names[EVENT_TYPE_MAX] = { "lifecycle", "operation", "logging" };
	g_auto(GStrv) parts = NULL;
	unsigned mask = 0;

	if (!s || !*s) {
		*ret_mask = (1u << EVENT_TYPE_MAX) - 1;
		return 0;
	}
	parts = g_strsplit(s, ",", -1);
	for (size_t i = 0; parts[i]; i++) {
		int t;

		for (t = 0; t < EVENT_TYPE_MAX; t++)
			if (streq(parts[i], names[t]))
				break;
		if (t == EVENT_TYPE_MAX)
			return -EINVAL;
		mask |= 1u << t;
	}
	*ret_mask = mask;
	return 0;
}

void events_lifecycle(struct mgr *m, const char *action, const char *source, JsonNode *context)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) md = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "action");
	json_builder_add_string_value(b, action);
	json_builder_set_member_name(b, "source");
	json_builder_add_string_value(b, source);
	json_builder_set_member_name(b, "context");
	if (context)
		json_builder_add_value(b, context);
	else {
		json_builder_begin_object(b);
		json_builder_end_object(b);
	}
	json_builder_end_object(b);
	md = json_builder_get_root(b);
	api_server_broadcast_event(m->server, EVENT_LIFECYCLE, md);
}
