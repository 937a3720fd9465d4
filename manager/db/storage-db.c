/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "storage-db.h"

void pool_row_free(struct pool_row *r)
{
	if (!r)
		return;
	g_free(r->name);
	g_free(r->driver);
	g_free(r->description);
	g_free(r->state);
	g_free(r->created_at);
	if (r->config)
		g_hash_table_unref(r->config);
	g_free(r);
}

void volume_row_free(struct volume_row *r)
{
	if (!r)
		return;
	g_free(r->name);
	g_free(r->type);
	g_free(r->content_type);
	g_free(r->description);
	g_free(r->state);
	g_free(r->created_at);
	if (r->config)
		g_hash_table_unref(r->config);
	g_free(r);
}

void snapshot_row_free(struct snapshot_row *r)
{
	if (!r)
		return;
	g_free(r->name);
	g_free(r->description);
	g_free(r->state);
	g_free(r->created_at);
	g_free(r);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

char *config_to_json(GHashTable *config)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = NULL;

	json_builder_begin_object(b);
	if (config) {
		guint n;
		g_autofree gpointer *keys = g_hash_table_get_keys_as_array(config, &n);

		qsort(keys, n, sizeof(*keys), cmp_str);
		for (guint i = 0; i < n; i++) {
			json_builder_set_member_name(b, keys[i]);
			json_builder_add_string_value(b, g_hash_table_lookup(config, keys[i]));
		}
	}
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	return json_generator_to_data(gen, NULL);
}

GHashTable *config_from_json(const char *text)
{
	GHashTable *cfg = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(JsonParser) p = json_parser_new();
	g_autoptr(GList) members = NULL;
	JsonObject *o;

	if (!text || !json_parser_load_from_data(p, text, -1, NULL) ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)))
		return cfg;
	o = json_node_get_object(json_parser_get_root(p));
	members = json_object_get_members(o);
	for (GList *l = members; l; l = l->next) {
		JsonNode *v = json_object_get_member(o, l->data);

		if (JSON_NODE_HOLDS_VALUE(v) && json_node_get_value_type(v) == G_TYPE_STRING)
			g_hash_table_insert(cfg, g_strdup(l->data), g_strdup(json_node_get_string(v)));
	}
	return cfg;
}

/* --- generic query plumbing --- */

struct q {
	const char *sql;
	const char *args[10];		/* text args, NULL-terminated */
	int64_t id_args[3];
	int n_id;			/* id args bound after the text args */
	void *(*row)(sqlite3_stmt *st);
	GDestroyNotify free_row;
	GPtrArray *out;
	int64_t last_id;
};

static int q_bind(sqlite3_stmt *st, struct q *q)
{
	int i = 1;

	for (int k = 0; k < q->n_id; k++)
		sqlite3_bind_int64(st, i++, q->id_args[k]);
	for (size_t k = 0; q->args[k]; k++)
		sqlite3_bind_text(st, i++, q->args[k], -1, SQLITE_TRANSIENT);
	return 0;
}

static int q_run(sqlite3 *s, void *data)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	struct q *q = data;
	int r;

	r = db_prepare(s, q->sql, &st);
	if (r < 0)
		return r;
	q_bind(st, q);
	while ((r = db_step(st)) == 1)
		if (q->row)
			g_ptr_array_add(q->out, q->row(st));
	if (r < 0)
		return r;
	q->last_id = sqlite3_last_insert_rowid(s);
	return sqlite3_changes(s);
}

static int q_select(struct db *db, struct q *q, GPtrArray **ret)
{
	int r;

	q->out = g_ptr_array_new_with_free_func(q->free_row);
	r = db_read(db, q_run, q);
	if (r < 0) {
		g_ptr_array_unref(q->out);
		return r;
	}
	*ret = q->out;
	return 0;
}

static int q_one(struct db *db, struct q *q, void **ret)
{
	GPtrArray *a;
	int r = q_select(db, q, &a);

	if (r < 0)
		return r;
	if (a->len == 0) {
		g_ptr_array_unref(a);
		return -ENOENT;
	}
	*ret = g_ptr_array_steal_index(a, 0);
	g_ptr_array_unref(a);
	return 0;
}

static int q_change(struct db *db, struct q *q)
{
	int r = db_tx(db, q_run, q);

	if (r < 0)
		return r;
	return r == 0 ? -ENOENT : 0;
}

/* --- pools --- */

#define POOL_COLS "id, name, driver, description, config, state, created_at"

static void *pool_row(sqlite3_stmt *st)
{
	struct pool_row *r = g_new0(struct pool_row, 1);
	g_autofree char *cfg = db_col_dup(st, 4);

	r->id = sqlite3_column_int64(st, 0);
	r->name = db_col_dup(st, 1);
	r->driver = db_col_dup(st, 2);
	r->description = db_col_dup(st, 3);
	r->config = config_from_json(cfg);
	r->state = db_col_dup(st, 5);
	r->created_at = db_col_dup(st, 6);
	return r;
}

int db_pool_get(struct db *db, const char *name, struct pool_row **ret)
{
	struct q q = { "SELECT " POOL_COLS " FROM storage_pools WHERE name = ?", { name },
		       .row = pool_row, .free_row = (GDestroyNotify) pool_row_free };

	return q_one(db, &q, (void **) ret);
}

int db_pool_list(struct db *db, GPtrArray **ret)
{
	struct q q = { "SELECT " POOL_COLS " FROM storage_pools ORDER BY name", { NULL },
		       .row = pool_row, .free_row = (GDestroyNotify) pool_row_free };

	return q_select(db, &q, ret);
}

int db_pool_insert(struct db *db, struct pool_row *row)
{
	g_autofree char *cfg = config_to_json(row->config);
	struct q q = { "INSERT INTO storage_pools (name, driver, description, config, state, "
		       "created_at) VALUES (?, ?, ?, ?, ?, ?)",
		       { row->name, row->driver, row->description ? row->description : "", cfg,
			 row->state, row->created_at } };
	int r = db_tx(db, q_run, &q);

	if (r < 0)
		return r;
	row->id = q.last_id;
	return 0;
}

int db_pool_set_state(struct db *db, int64_t id, const char *state)
{
	struct q q = { "UPDATE storage_pools SET state = ?2 WHERE id = ?1", { state }, { id }, 1 };

	return q_change(db, &q);
}

int db_pool_update(struct db *db, int64_t id, const char *description, GHashTable *config)
{
	g_autofree char *cfg = config_to_json(config);
	struct q q = { "UPDATE storage_pools SET description = ?2, config = ?3 WHERE id = ?1",
		       { description, cfg }, { id }, 1 };

	return q_change(db, &q);
}

int db_pool_delete(struct db *db, int64_t id)
{
	struct q q = { "DELETE FROM storage_pools WHERE id = ?1", { NULL }, { id }, 1 };

	return q_change(db, &q);
}

/* --- volumes --- */

#define VOL_COLS "id, pool_id, name, type, content_type, description, config, state, created_at"

static void *volume_row(sqlite3_stmt *st)
{
	struct volume_row *r = g_new0(struct volume_row, 1);
	g_autofree char *cfg = db_col_dup(st, 6);

	r->id = sqlite3_column_int64(st, 0);
	r->pool_id = sqlite3_column_int64(st, 1);
	r->name = db_col_dup(st, 2);
	r->type = db_col_dup(st, 3);
	r->content_type = db_col_dup(st, 4);
	r->description = db_col_dup(st, 5);
	r->config = config_from_json(cfg);
	r->state = db_col_dup(st, 7);
	r->created_at = db_col_dup(st, 8);
	return r;
}

int db_volume_get(struct db *db, int64_t pool_id, const char *type, const char *name,
		  struct volume_row **ret)
{
	struct q q = { "SELECT " VOL_COLS " FROM storage_volumes WHERE pool_id = ?1 AND "
		       "type = ?2 AND name = ?3", { type, name }, { pool_id }, 1,
		       .row = volume_row, .free_row = (GDestroyNotify) volume_row_free };

	return q_one(db, &q, (void **) ret);
}

int db_volume_list(struct db *db, int64_t pool_id, const char *type, GPtrArray **ret)
{
	struct q q = { "SELECT " VOL_COLS " FROM storage_volumes WHERE pool_id = ?1 "
		       "ORDER BY type, name", { NULL }, { pool_id }, 1,
		       .row = volume_row, .free_row = (GDestroyNotify) volume_row_free };

	if (type) {
		q.sql = "SELECT " VOL_COLS " FROM storage_volumes WHERE pool_id = ?1 AND "
			"type = ?2 ORDER BY name";
		q.args[0] = type;
	}
	return q_select(db, &q, ret);
}

int db_volume_insert(struct db *db, struct volume_row *row)
{
	g_autofree char *cfg = config_to_json(row->config);
	struct q q = { "INSERT INTO storage_volumes (pool_id, name, type, content_type, "
		       "description, config, state, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
		       "?7, ?8)",
		       { row->name, row->type, row->content_type,
			 row->description ? row->description : "", cfg, row->state,
			 row->created_at },
		       { row->pool_id }, 1 };
	int r = db_tx(db, q_run, &q);

	if (r < 0)
		return r;
	row->id = q.last_id;
	return 0;
}

int db_volume_set_state(struct db *db, int64_t id, const char *state)
{
	struct q q = { "UPDATE storage_volumes SET state = ?2 WHERE id = ?1", { state }, { id },
		       1 };

	return q_change(db, &q);
}

int db_volume_update(struct db *db, int64_t id, const char *description, GHashTable *config)
{
	g_autofree char *cfg = config_to_json(config);
	struct q q = { "UPDATE storage_volumes SET description = ?2, config = ?3 WHERE id = ?1",
		       { description, cfg }, { id }, 1 };

	return q_change(db, &q);
}

int db_volume_rename(struct db *db, int64_t id, const char *name)
{
	struct q q = { "UPDATE storage_volumes SET name = ?2 WHERE id = ?1", { name }, { id }, 1 };

	return q_change(db, &q);
}

static int volume_delete_tx(sqlite3 *s, void *data)
{
	int64_t id = *(int64_t *) data;
	g_autofree char *ids = g_strdup_printf("%" G_GINT64_FORMAT, id);
	int r;

	r = db_exec(s, "DELETE FROM storage_volume_snapshots WHERE volume_id = ?", ids, NULL);
	if (r < 0)
		return r;
	r = db_exec(s, "DELETE FROM storage_volumes WHERE id = ?", ids, NULL);
	if (r < 0)
		return r;
	return r == 0 ? -ENOENT : 0;
}

int db_volume_delete(struct db *db, int64_t id)
{
	return db_tx(db, volume_delete_tx, &id);
}

/* --- volume snapshots --- */

#define SNAP_COLS "id, volume_id, name, description, state, created_at"

static void *snapshot_row(sqlite3_stmt *st)
{
	struct snapshot_row *r = g_new0(struct snapshot_row, 1);

	r->id = sqlite3_column_int64(st, 0);
	r->volume_id = sqlite3_column_int64(st, 1);
	r->name = db_col_dup(st, 2);
	r->description = db_col_dup(st, 3);
	r->state = db_col_dup(st, 4);
	r->created_at = db_col_dup(st, 5);
	return r;
}

int db_snapshot_get(struct db *db, int64_t volume_id, const char *name,
		    struct snapshot_row **ret)
{
	struct q q = { "SELECT " SNAP_COLS " FROM storage_volume_snapshots WHERE volume_id = ?1 "
		       "AND name = ?2", { name }, { volume_id }, 1,
		       .row = snapshot_row, .free_row = (GDestroyNotify) snapshot_row_free };

	return q_one(db, &q, (void **) ret);
}

int db_snapshot_list(struct db *db, int64_t volume_id, GPtrArray **ret)
{
	struct q q = { "SELECT " SNAP_COLS " FROM storage_volume_snapshots WHERE volume_id = ?1 "
		       "ORDER BY created_at, name", { NULL }, { volume_id }, 1,
		       .row = snapshot_row, .free_row = (GDestroyNotify) snapshot_row_free };

	return q_select(db, &q, ret);
}

int db_snapshot_insert(struct db *db, struct snapshot_row *row)
{
	struct q q = { "INSERT INTO storage_volume_snapshots (volume_id, name, description, "
		       "state, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
		       { row->name, row->description ? row->description : "", row->state,
			 row->created_at }, { row->volume_id }, 1 };
	int r = db_tx(db, q_run, &q);

	if (r < 0)
		return r;
	row->id = q.last_id;
	return 0;
}

int db_snapshot_set_state(struct db *db, int64_t id, const char *state)
{
	struct q q = { "UPDATE storage_volume_snapshots SET state = ?2 WHERE id = ?1", { state },
		       { id }, 1 };

	return q_change(db, &q);
}

int db_snapshot_delete(struct db *db, int64_t id)
{
	struct q q = { "DELETE FROM storage_volume_snapshots WHERE id = ?1", { NULL }, { id }, 1 };

	return q_change(db, &q);
}
