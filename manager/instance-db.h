/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Rows of the instances table (spec manager-api.md §4). An instance's root volume is a
 * storage_volumes row of type 'container' named like the instance, on the pool of its root
 * disk; instance snapshots are that volume's storage_volume_snapshots rows. The functions
 * that change an instance and its volume row do both in one transaction. Thread-safe. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

struct instance_row {
	int64_t id;
	char *name;
	char *type;		/* "container" */
	char *description;
	GHashTable *config;	/* string -> string, as given */
	char *devices;		/* JSON object text: name -> device (string map) */
	bool ephemeral;
	char *pool;		/* pool of the root disk */
	char *state;		/* 'pending' (being created), 'created', 'deleting' */
	char *created_at;
	char *last_used_at;	/* "0001-01-01T00:00:00Z" until the first start */
	char *status_reason;	/* "" or the last start failure */
};
void instance_row_free(struct instance_row *r);
typedef struct instance_row instance_row_t;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(instance_row_t, instance_row_free)

/* 0 and *ret, -ENOENT, -EIO. */
int inst_db_get(struct db *db, const char *name, struct instance_row **ret);
/* Every instance, by name; a GPtrArray of rows (free func set). */
int inst_db_list(struct db *db, GPtrArray **ret);
/* Inserts @row (state 'pending') and its root volume row (type 'container', state 'pending')
 * on pool @pool_id in one transaction; sets row->id. -EEXIST when the name is taken. */
int inst_db_insert(struct db *db, struct instance_row *row, int64_t pool_id);
/* Sets the state of the instance and of its root volume row. */
int inst_db_set_state(struct db *db, const char *name, const char *state);
/* Writable fields (PUT/PATCH). */
int inst_db_update(struct db *db, const char *name, const char *description, GHashTable *config,
		   const char *devices, bool ephemeral);
int inst_db_set_last_used(struct db *db, const char *name, const char *when);
int inst_db_set_status_reason(struct db *db, const char *name, const char *reason);
/* Renames the instance and its root volume row; -EEXIST when @to is taken, -ENOENT. */
int inst_db_rename(struct db *db, const char *from, const char *to);
/* Deletes the instance row, its root volume row and that volume's snapshot rows. */
int inst_db_delete(struct db *db, const char *name);
