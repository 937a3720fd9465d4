/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The manager's SQLite database (<state-dir>/manager.db): open, schema migration, and the
 * locking rule: one connection, one lock; every change runs in db_tx(). */
#pragma once

#include <sqlite3.h>

struct db;

/* Opens (creating) @path and migrates the schema to the newest version, each migration in
 * its own transaction. Returns 0 and *ret_db, -EIO when the file is not a usable database
 * (*ret_err says why; caller g_free()s), -ENOMEM. */
int db_open(const char *path, struct db **ret_db, char **ret_err);
void db_close(struct db *db);
/* Schema version after migration (tests). */
int db_schema_version(struct db *db);

/* Runs @fn(sqlite, @data) between BEGIN IMMEDIATE and COMMIT with the db lock held; ROLLBACK
 * when @fn returns < 0 or the commit fails. Returns @fn's result, or -EIO for a failed BEGIN or
 * COMMIT. @fn must not call db_tx() or db_read() itself. Thread-safe. */
int db_tx(struct db *db, int (*fn)(sqlite3 *s, void *data), void *data);
/* Runs @fn with the lock held and no transaction (reads). Returns @fn's result. */
int db_read(struct db *db, int (*fn)(sqlite3 *s, void *data), void *data);

/* Prepares @sql, binds the text arguments (NULL-terminated varargs of const char *; use
 * db_exec_stmt() for other types), steps to the end. Returns changed rows (>= 0) or -EIO
 * (-EEXIST for a UNIQUE violation). Call inside db_tx(). */
int db_exec(sqlite3 *s, const char *sql, ...) __attribute__((sentinel));
/* Prepares @sql into *ret_stmt; -EIO with the message logged. */
int db_prepare(sqlite3 *s, const char *sql, sqlite3_stmt **ret_stmt);
/* sqlite3_step() result -> 1 (row), 0 (done), -EEXIST (constraint), -EIO. */
int db_step(sqlite3_stmt *st);
/* Text of column @i as a new string ("" for NULL); caller g_free()s. */
char *db_col_dup(sqlite3_stmt *st, int i);

static inline void db_finalizep(sqlite3_stmt **st)
{
	if (*st)
		sqlite3_finalize(*st);
}
#define _cleanup_stmt_ __attribute__((cleanup(db_finalizep)))
