/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Volume and snapshot storage, the same for every driver, built from the driver's path
 * primitives (storage.h). No rows, no steps, no events here: callers (the handlers, the
 * instance code) own those. Every function is safe to repeat after a crash. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "storage.h"

#define VOLUME_BLOCK_FILE "root.img"
#define VOLUME_BLOCK_DEFAULT_SIZE (1ULL << 30)

/* "custom" -> "custom", "container" -> "containers", "virtual-machine" -> "virtual-machines";
 * NULL for an unknown type. */
const char *volume_type_dir(const char *type);
/* <pool>/<typedir>/<name>; <pool>/<typedir>-snapshots/<name>[/<snap>]. Caller g_free()s. */
char *volume_path(const struct pool *p, const char *type, const char *name);
char *volume_snapshot_path(const struct pool *p, const char *type, const char *name,
			   const char *snap);

/* Makes an empty volume; a block volume holds a sparse root.img of @size bytes, a filesystem
 * volume gets a quota of @size bytes when @size > 0 (drivers with fs_size only). On failure
 * nothing is left. */
int volume_storage_create(struct pool *p, const char *type, const char *name,
			  bool block, uint64_t size, char **ret_err);
/* Removes the volume, its snapshots and its temporary entries; absent parts are fine. */
int volume_storage_delete(struct pool *p, const char *type, const char *name, char **ret_err);
/* New size: a block volume grows only (-EINVAL when @size is smaller, *ret_err says so);
 * a filesystem volume's quota is set (0 removes it). */
int volume_storage_resize(struct pool *p, const char *type, const char *name, bool block,
			  uint64_t size, char **ret_err);
/* Copies volume @sname of @sp into a new volume @dname of @dp (same pool: the driver's
 * snapshot/reflink copy; else a reflink-where-possible file copy). Leaves nothing on failure. */
int volume_storage_copy(struct pool *sp, const char *stype, const char *sname,
			struct pool *dp, const char *dtype, const char *dname, char **ret_err);
int volume_storage_rename(struct pool *p, const char *type, const char *from, const char *to,
			  char **ret_err);

int snapshot_storage_create(struct pool *p, const char *type, const char *name,
			    const char *snap, char **ret_err);
int snapshot_storage_delete(struct pool *p, const char *type, const char *name,
			    const char *snap, char **ret_err);
/* Replaces the volume's content by the snapshot's, crash-safe: the snapshot is copied to
 * .restore-<name>, the volume renamed to .old-<name>, the copy renamed into place, the old
 * content removed. volume_storage_recover() finishes or rolls back an interrupted one.
 * @quota (> 0) is set again on the new content. */
int snapshot_storage_restore(struct pool *p, const char *type, const char *name,
			     const char *snap, uint64_t quota, char **ret_err);
/* Start-up: resolves .old-* and .restore-* entries under the type's directory. */
void volume_storage_recover(struct pool *p, const char *type);
