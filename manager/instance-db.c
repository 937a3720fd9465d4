/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Rows of the instances table and, in the same transactions, their root volume rows. */
#include <errno.h>
#include <string.h>

#include "db/storage-db.h"
#include "instance-db.h"
#include "log.h"

void instance_row_free(struct instance_row *r)
{
	if (!r)
		return;
	g_free(r->name);
	g_free(r->type);
	g_free(r->description);
	if (r->config)
		g_hash_table_unref(r->config);
	g_free(r->devices);
	g_free(r->pool);
	g_free(r->state);
	g_free(r->created_at);
	g_free(r->last_used_at);
	g_free(r->status_reason);
	g_free(r);
}

#define INST_COLS "id, name, type, description, config, devices, ephemeral, pool, state, " \
	"created_at, last_used_at, status_reason"

static struct instance_row *row_of(sqlite3_stmt *st)
{
	struct instance_row *r = g_new0(struct instance_row, 1);
	g_autofree char *cfg = db_col_dup(st, 4);

	r->id = sqlite3_column_int64(st, 0);
	r->name = db_col_dup(st, 1);
	r->type = db_col_dup(st, 2);
	r->description = db_col_dup(st, 3);
	r->config = config_from_json(cfg);
	r->devices = db_col_dup(st, 5);
	r->ephemeral = sqlite3_column_int(st, 6) != 0;
	r->pool = db_col_dup(st, 7);
	r->state = db_col_dup(st, 8);
	r->created_at = db_col_dup(st, 9);
	r->last_used_at = db_col_dup(st, 10);
	r->status_reason = db_col_dup(st, 11);
	return r;
}

struct sel {
	const char *name;	/* NULL: all */
	GPtrArray *out;
};

static int select_fn(sqlite3 *s, void *data)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	struct sel *q = data;
	int r;

	r = db_prepare(s, q->name ? "SELECT " INST_COLS " FROM instances WHERE name = ?"
				  : "SELECT " INST_COLS " FROM instances ORDER BY name", &st);
	if (r < 0)
		return r;
	if (q->name)
		sqlite3_bind_text(st, 1, q->name, -1, SQLITE_TRANSIENT);
	while ((r = db_step(st)) == 1)
		g_ptr_array_add(q->out, row_of(st));
	return r;
}

int inst_db_list(struct db *db, GPtrArray **ret)
{
	struct sel q = { NULL, NULL };
	int r;

	q.out = g_ptr_array_new_with_free_func((GDestroyNotify) instance_row_free);
	r = db_read(db, select_fn, &q);
	if (r < 0) {
		g_ptr_array_unref(q.out);
		return r;
	}
	*ret = q.out;
	return 0;
}

int inst_db_get(struct db *db, const char *name, struct instance_row **ret)
{
	struct sel q = { name, NULL };
	int r;

	q.out = g_ptr_array_new_with_free_func((GDestroyNotify) instance_row_free);
	r = db_read(db, select_fn, &q);
	if (r >= 0 && q.out->len == 0)
		r = -ENOENT;
	if (r >= 0)
		*ret = g_ptr_array_steal_index(q.out, 0);
	g_ptr_array_unref(q.out);
	return r < 0 ? r : 0;
}

struct ins {
	struct instance_row *row;
	int64_t pool_id;
};

static int insert_fn(sqlite3 *s, void *data)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL, *vst = NULL;
	struct ins *q = data;
	g_autofree char *cfg = config_to_json(q->row->config);
	int r;

	r = db_prepare(s, "INSERT INTO instances (name, type, description, config, devices, "
			  "ephemeral, pool, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
		       &st);
	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, q->row->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, q->row->type, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, q->row->description, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, cfg, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, q->row->devices, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 6, q->row->ephemeral);
	sqlite3_bind_text(st, 7, q->row->pool, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 8, q->row->created_at, -1, SQLITE_TRANSIENT);
	r = db_step(st);
	if (r < 0)
		return r;
	q->row->id = sqlite3_last_insert_rowid(s);

	r = db_prepare(s, "INSERT INTO storage_volumes (pool_id, name, type, content_type, "
			  "state, created_at) VALUES (?, ?, 'container', 'filesystem', 'pending', ?)",
		       &vst);
	if (r < 0)
		return r;
	sqlite3_bind_int64(vst, 1, q->pool_id);
	sqlite3_bind_text(vst, 2, q->row->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(vst, 3, q->row->created_at, -1, SQLITE_TRANSIENT);
	r = db_step(vst);
	return r < 0 ? r : 0;
}

int inst_db_insert(struct db *db, struct instance_row *row, int64_t pool_id)
{
	struct ins q = { row, pool_id };

	return db_tx(db, insert_fn, &q);
}

/* One UPDATE/DELETE on the instance plus an optional statement on its root volume row(s) */
struct chg {
	const char *sql;		/* on instances, ?1 = name, ?2.. = args */
	const char *vol_sql;		/* on storage_volumes/snapshots; ?1 = name; may be NULL */
	const char *args[4];
	int int_arg;			/* bound after args when >= 0 */
};

static int run_stmt(sqlite3 *s, const char *sql, const struct chg *q, bool with_args, int *ret_changes)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int i = 1, r;

	r = db_prepare(s, sql, &st);
	if (r < 0)
		return r;
	sqlite3_bind_text(st, i++, q->args[0], -1, SQLITE_TRANSIENT);
	if (with_args) {
		for (size_t k = 1; k < G_N_ELEMENTS(q->args) && q->args[k]; k++)
			sqlite3_bind_text(st, i++, q->args[k], -1, SQLITE_TRANSIENT);
		if (q->int_arg >= 0)
			sqlite3_bind_int(st, i++, q->int_arg);
	}
	r = db_step(st);
	if (r < 0)
		return r;
	if (ret_changes)
		*ret_changes = sqlite3_changes(s);
	return 0;
}

static int change_fn(sqlite3 *s, void *data)
{
	struct chg *q = data;
	int changes = 0, r;

	r = run_stmt(s, q->sql, q, true, &changes);
	if (r < 0)
		return r;
	if (changes == 0)
		return -ENOENT;
	if (q->vol_sql) {
		r = run_stmt(s, q->vol_sql, q, false, NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

static int change(struct db *db, struct chg *q)
{
	return db_tx(db, change_fn, q);
}

int inst_db_set_state(struct db *db, const char *name, const char *state)
{
	struct chg q = {
		.sql = "UPDATE instances SET state = ?2 WHERE name = ?1",
		.vol_sql = "UPDATE storage_volumes SET state = (SELECT state FROM instances WHERE name = ?1) "
			   "WHERE type = 'container' AND name = ?1",
		.args = { name, state }, .int_arg = -1,
	};

	return change(db, &q);
}

int inst_db_update(struct db *db, const char *name, const char *description, GHashTable *config,
		   const char *devices, bool ephemeral)
{
	g_autofree char *cfg = config_to_json(config);
	struct chg q = {
		.sql = "UPDATE instances SET description = ?2, config = ?3, devices = ?4, ephemeral = ?5 "
		       "WHERE name = ?1",
		.args = { name, description, cfg, devices }, .int_arg = ephemeral,
	};

	return change(db, &q);
}

static int rename_fn(sqlite3 *s, void *data)
{
	static const char *const sql[] = {
		"UPDATE storage_volumes SET name = ?2 WHERE type = 'container' AND name = ?1",
		"UPDATE instances SET name = ?2 WHERE name = ?1",
	};
	const char *const *names = data;
	int r = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(sql); i++) {
		_cleanup_stmt_ sqlite3_stmt *st = NULL;

		r = db_prepare(s, sql[i], &st);
		if (r < 0)
			return r;
		sqlite3_bind_text(st, 1, names[0], -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, names[1], -1, SQLITE_TRANSIENT);
		r = db_step(st);
		if (r < 0)
			return r;
	}
	return sqlite3_changes(s) == 0 ? -ENOENT : 0;	/* the instance row was not there */
}

int inst_db_rename(struct db *db, const char *from, const char *to)
{
	const char *names[] = { from, to };

	return db_tx(db, rename_fn, names);
}

int inst_db_set_last_used(struct db *db, const char *name, const char *when)
{
	struct chg q = { .sql = "UPDATE instances SET last_used_at = ?2 WHERE name = ?1",
			 .args = { name, when }, .int_arg = -1 };

	return change(db, &q);
}

int inst_db_set_status_reason(struct db *db, const char *name, const char *reason)
{
	struct chg q = { .sql = "UPDATE instances SET status_reason = ?2 WHERE name = ?1",
			 .args = { name, reason }, .int_arg = -1 };

	return change(db, &q);
}

static int delete_fn(sqlite3 *s, void *data)
{
	static const char *const sql[] = {
		"DELETE FROM storage_volume_snapshots WHERE volume_id IN "
		"(SELECT id FROM storage_volumes WHERE type = 'container' AND name = ?1)",
		"DELETE FROM storage_volumes WHERE type = 'container' AND name = ?1",
		"DELETE FROM instances WHERE name = ?1",
	};
	struct chg q = { .args = { data }, .int_arg = -1 };
	int changes = 0, r;

	for (size_t i = 0; i < G_N_ELEMENTS(sql); i++) {
		r = run_stmt(s, sql[i], &q, false, &changes);
		if (r < 0)
			return r;
	}
	return changes == 0 ? -ENOENT : 0;	/* the instance row was not there */
}

int inst_db_delete(struct db *db, const char *name)
{
	return db_tx(db, delete_fn, (void *) name);
}
