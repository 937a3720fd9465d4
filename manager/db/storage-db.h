/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Rows of storage_pools, storage_volumes and storage_volume_snapshots. Every function is
 * one statement, or one transaction where it changes several rows; all are thread-safe. */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "db.h"

struct pool_row {
	int64_t id;
	char *name, *driver, *description, *state, *created_at;
	GHashTable *config;	/* string -> string */
};

struct volume_row {
	int64_t id, pool_id;
	char *name, *type, *content_type, *description, *state, *created_at;
	GHashTable *config;
};

struct snapshot_row {
	int64_t id, volume_id;
	char *name, *description, *state, *created_at;
};

void pool_row_free(struct pool_row *r);
void volume_row_free(struct volume_row *r);
void snapshot_row_free(struct snapshot_row *r);
/* typedefs only for g_autoptr() (glib needs a type name) */
typedef struct pool_row pool_row_t;
typedef struct volume_row volume_row_t;
typedef struct snapshot_row snapshot_row_t;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(pool_row_t, pool_row_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(volume_row_t, volume_row_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(snapshot_row_t, snapshot_row_free)

/* config <-> JSON text ({"k":"v"}, sorted keys). */
char *config_to_json(GHashTable *config);
GHashTable *config_from_json(const char *text);

/* Get: 0 and *ret, -ENOENT, -EIO. Lists: a GPtrArray of rows (free func set), ordered by
 * name. @state NULL means any state. */
int db_pool_get(struct db *db, const char *name, struct pool_row **ret);
int db_pool_list(struct db *db, GPtrArray **ret);
/* Inserts with state @state; sets row->id. -EEXIST when the name is taken. */
int db_pool_insert(struct db *db, struct pool_row *row);
int db_pool_set_state(struct db *db, int64_t id, const char *state);
int db_pool_update(struct db *db, int64_t id, const char *description, GHashTable *config);
/* Deletes the pool row (its volumes must be gone). */
int db_pool_delete(struct db *db, int64_t id);

int db_volume_get(struct db *db, int64_t pool_id, const char *type, const char *name,
		  struct volume_row **ret);
/* @type NULL: every type. */
int db_volume_list(struct db *db, int64_t pool_id, const char *type, GPtrArray **ret);
int db_volume_insert(struct db *db, struct volume_row *row);
int db_volume_set_state(struct db *db, int64_t id, const char *state);
int db_volume_update(struct db *db, int64_t id, const char *description, GHashTable *config);
int db_volume_rename(struct db *db, int64_t id, const char *name);
/* Deletes the volume row and its snapshot rows in one transaction. */
int db_volume_delete(struct db *db, int64_t id);

int db_snapshot_get(struct db *db, int64_t volume_id, const char *name,
		    struct snapshot_row **ret);
int db_snapshot_list(struct db *db, int64_t volume_id, GPtrArray **ret);
int db_snapshot_insert(struct db *db, struct snapshot_row *row);
int db_snapshot_set_state(struct db *db, int64_t id, const char *state);
int db_snapshot_delete(struct db *db, int64_t id);
