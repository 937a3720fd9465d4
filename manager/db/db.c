/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SQLite access: schema migrations and transactions. */
#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <string.h>

#include "db.h"
#include "log.h"

struct db {
	sqlite3 *s;
	GMutex lock;	/* one user of ->s at a time, for a whole transaction */
};

/* Migrations: index i brings the schema from version i to i + 1. Append only; never edit a
 * released entry. Run in one transaction each, with the new version recorded in it. */
static const char *const db_migrations[] = {
	/* 1: storage pools, volumes and volume snapshots. state: 'pending' while being made,
	 * 'created', 'deleting' while being removed; reconcile (§8) finishes or undoes the
	 * other two at start. config is a JSON object of strings. */
	"CREATE TABLE storage_pools ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  driver TEXT NOT NULL,"
	"  description TEXT NOT NULL DEFAULT '',"
	"  config TEXT NOT NULL DEFAULT '{}',"
	"  state TEXT NOT NULL DEFAULT 'created',"
	"  created_at TEXT NOT NULL);"
	"CREATE TABLE storage_volumes ("
	"  id INTEGER PRIMARY KEY,"
	"  pool_id INTEGER NOT NULL REFERENCES storage_pools(id),"
	"  name TEXT NOT NULL,"
	"  type TEXT NOT NULL,"
	"  content_type TEXT NOT NULL DEFAULT 'filesystem',"
	"  description TEXT NOT NULL DEFAULT '',"
	"  config TEXT NOT NULL DEFAULT '{}',"
	"  state TEXT NOT NULL DEFAULT 'created',"
	"  created_at TEXT NOT NULL,"
	"  UNIQUE (pool_id, type, name));"
	"CREATE TABLE storage_volume_snapshots ("
	"  id INTEGER PRIMARY KEY,"
	"  volume_id INTEGER NOT NULL REFERENCES storage_volumes(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  description TEXT NOT NULL DEFAULT '',"
	"  state TEXT NOT NULL DEFAULT 'created',"
	"  created_at TEXT NOT NULL,"
	"  UNIQUE (volume_id, name));",
	/* 2: instances (manager/instance-db.c); the root volume is a storage_volumes row of
	 * type 'container' with the instance's name, its snapshots that volume's snapshots */
	"CREATE TABLE instances ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  type TEXT NOT NULL DEFAULT 'container',"
	"  description TEXT NOT NULL DEFAULT '',"
	"  config TEXT NOT NULL DEFAULT '{}',"
	"  devices TEXT NOT NULL DEFAULT '{}',"
	"  ephemeral INTEGER NOT NULL DEFAULT 0,"
	"  pool TEXT NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'pending',"
	"  created_at TEXT NOT NULL,"
	"  last_used_at TEXT NOT NULL DEFAULT '0001-01-01T00:00:00Z',"
	"  status_reason TEXT NOT NULL DEFAULT '');",
};

#define DB_SCHEMA_VERSION ((int) (sizeof(db_migrations) / sizeof(db_migrations[0])))

int db_prepare(sqlite3 *s, const char *sql, sqlite3_stmt **ret_stmt)
{
	if (sqlite3_prepare_v2(s, sql, -1, ret_stmt, NULL) != SQLITE_OK) {
		log_error("Failed to prepare SQL '%s': %s", sql, sqlite3_errmsg(s));
		return -EIO;
	}
	return 0;
}

int db_step(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return -EEXIST;
	log_error("SQL step failed: %s", sqlite3_errmsg(sqlite3_db_handle(st)));
	return -EIO;
}

char *db_col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return g_strdup(t ? (const char *) t : "");
}

int db_exec(sqlite3 *s, const char *sql, ...)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	const char *arg;
	va_list ap;
	int r, i = 1;

	r = db_prepare(s, sql, &st);
	if (r < 0)
		return r;
	va_start(ap, sql);
	while ((arg = va_arg(ap, const char *)))
		sqlite3_bind_text(st, i++, arg, -1, SQLITE_TRANSIENT);
	va_end(ap);
	while ((r = db_step(st)) == 1)
		;
	if (r < 0)
		return r;
	return sqlite3_changes(s);
}

static int exec_plain(sqlite3 *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_error("SQL '%.60s' failed: %s", sql, msg ? msg : "?");
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

static int tx_locked(struct db *db, int (*fn)(sqlite3 *s, void *data), void *data)
{
	int r;

	if (exec_plain(db->s, "BEGIN IMMEDIATE") < 0)
		return -EIO;
	r = fn(db->s, data);
	if (r < 0) {
		(void) exec_plain(db->s, "ROLLBACK");
		return r;
	}
	if (exec_plain(db->s, "COMMIT") < 0) {
		(void) exec_plain(db->s, "ROLLBACK");
		return -EIO;
	}
	return r;
}

int db_tx(struct db *db, int (*fn)(sqlite3 *s, void *data), void *data)
{
	int r;

	g_mutex_lock(&db->lock);
	r = tx_locked(db, fn, data);
	g_mutex_unlock(&db->lock);
	return r;
}

int db_read(struct db *db, int (*fn)(sqlite3 *s, void *data), void *data)
{
	int r;

	g_mutex_lock(&db->lock);
	r = fn(db->s, data);
	g_mutex_unlock(&db->lock);
	return r;
}

static int read_version(sqlite3 *s, void *data)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int *ret = data, r;

	r = db_exec(s, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
		    NULL);
	if (r < 0)
		return r;
	r = db_prepare(s, "SELECT MAX(version) FROM schema_version", &st);
	if (r < 0)
		return r;
	r = db_step(st);
	if (r < 0)
		return r;
	*ret = r == 1 ? sqlite3_column_int(st, 0) : 0;
	return 0;
}

struct migrate_ctx {
	int to;
};

static int migrate_one(sqlite3 *s, void *data)
{
	struct migrate_ctx *c = data;
	g_autofree char *v = g_strdup_printf("%d", c->to);
	int r;

	r = exec_plain(s, db_migrations[c->to - 1]);
	if (r < 0)
		return r;
	r = db_exec(s, "INSERT INTO schema_version (version) VALUES (?)", v, NULL);
	return r < 0 ? r : 0;
}

int db_schema_version(struct db *db)
{
	int v = -1;

	(void) db_tx(db, read_version, &v);
	return v;
}

int db_open(const char *path, struct db **ret_db, char **ret_err)
{
	struct db *db = g_new0(struct db, 1);
	int version = 0, r;

	g_mutex_init(&db->lock);
	if (sqlite3_open_v2(path, &db->s, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		*ret_err = g_strdup_printf("cannot open database '%s': %s", path,
					   db->s ? sqlite3_errmsg(db->s) : "out of memory");
		db_close(db);
		return -EIO;
	}
	sqlite3_busy_timeout(db->s, 5000);
	/* WAL + synchronous=FULL: a commit survives kill -9 and power loss, and a crashed
	 * writer never leaves a half-written page behind */
	if (exec_plain(db->s, "PRAGMA journal_mode=WAL") < 0 ||
	    exec_plain(db->s, "PRAGMA synchronous=FULL") < 0 ||
	    exec_plain(db->s, "PRAGMA foreign_keys=ON") < 0) {
		*ret_err = g_strdup_printf("database '%s' is not usable: %s", path,
					   sqlite3_errmsg(db->s));
		db_close(db);
		return -EIO;
	}
	r = db_tx(db, read_version, &version);
	if (r < 0) {
		*ret_err = g_strdup_printf("cannot read the schema version of '%s': %s", path,
					   sqlite3_errmsg(db->s));
		db_close(db);
		return -EIO;
	}
	if (version > DB_SCHEMA_VERSION) {
		*ret_err = g_strdup_printf("database '%s' has schema version %d, newer than this "
					   "manager's %d", path, version, DB_SCHEMA_VERSION);
		db_close(db);
		return -EIO;
	}
	for (int v = version + 1; v <= DB_SCHEMA_VERSION; v++) {
		struct migrate_ctx c = { .to = v };

		r = db_tx(db, migrate_one, &c);
		if (r < 0) {
			*ret_err = g_strdup_printf("schema migration of '%s' to version %d failed",
						   path, v);
			db_close(db);
			return -EIO;
		}
		log_info("Database schema migrated to version %d", v);
	}
	*ret_db = db;
	return 0;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	if (db->s)
		sqlite3_close_v2(db->s);
	g_mutex_clear(&db->lock);
	g_free(db);
}
