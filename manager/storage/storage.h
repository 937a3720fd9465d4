/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Storage drivers (spec §3.2). A driver implements the pool-level work and four volume
 * primitives on paths; volumes, snapshots, copies and restores are built from those in
 * storage/volumes.c, the same for every driver. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/revert.h"

struct mgr;

struct pool {
	struct mgr *m;
	char *name;
	char *driver;
	GHashTable *config;	/* string -> string, as stored */
	char *path;		/* <state-dir>/storage-pools/<name> (a symlink for dir with source) */
};

struct storage_driver {
	const char *name;
	bool fs_size;		/* a filesystem volume takes config.size (a quota) */
	/* Whether the driver works here: 0, or -EOPNOTSUPP with *ret_reason naming every missing
	 * piece ("zpool not found in PATH; zfs kernel module not loaded"). *ret_version (may be
	 * NULL) gets the tool version. No side effects. */
	int (*probe)(char **ret_reason, char **ret_version);
	/* Checks the pool config keys and values before anything is made: -EINVAL with
	 * *ret_err for the 400 message. */
	int (*pool_validate)(struct mgr *m, const char *name, GHashTable *config, char **ret_err);
	/* Makes and mounts the pool's storage, calling mgr_step()/mgr_step_done() around each
	 * step ("storage-pool-create/<step>") and pushing each step's undo onto @rs. */
	int (*pool_create)(struct pool *p, struct revert_stack *rs, char **ret_err);
	/* Makes the pool usable at start: -ENODEV with *ret_err = the Unavailable reason. */
	int (*pool_mount)(struct pool *p, char **ret_err);
	/* Removes everything the pool made (mount, loop device, loop file, directories). Works
	 * on a pool whose storage is gone (removes what is left). */
	int (*pool_delete)(struct pool *p, char **ret_err);
	/* Volume primitives on absolute paths inside the pool. */
	int (*vol_create)(struct pool *p, const char *path, char **ret_err);	/* empty dir */
	int (*vol_delete)(struct pool *p, const char *path, char **ret_err);	/* gone if absent */
	int (*vol_copy)(struct pool *p, const char *src, const char *dst, bool readonly,
			char **ret_err);
	/* Filesystem quota; only called when fs_size. */
	int (*vol_set_quota)(struct pool *p, const char *path, uint64_t bytes, char **ret_err);
};

/* The drivers the API offers, NULL-terminated: dir, btrfs, lvm, zfs (storage/mock.h has the
 * mock driver of the unit tests). */
extern const struct storage_driver *const storage_drivers[];
#define STORAGE_DRIVERS_MAX 8	/* entries of storage_drivers[], an upper bound */
extern const struct storage_driver storage_driver_dir, storage_driver_btrfs,
	storage_driver_lvm, storage_driver_zfs, storage_driver_mock;
const struct storage_driver *storage_driver_find(const char *name);

/* Fills a pool from its stored fields (config copied). Free with pool_free(). */
struct pool *pool_new(struct mgr *m, const char *name, const char *driver, GHashTable *config);
void pool_free(struct pool *p);
typedef struct pool struct_pool;	/* for g_autoptr() only */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(struct_pool, pool_free)

/* <pool>/<dir>/<name> for dir "custom", "custom-snapshots/<vol>", "containers" ... */
char *pool_subpath(const struct pool *p, const char *dir, const char *name);

/* The subdirectories every pool has (custom, custom-snapshots, containers, ...). */
extern const char *const pool_subdirs[];
/* Creates them (0711) in a mounted pool. */
int pool_make_subdirs(const struct pool *p, char **ret_err);

/* Used and total bytes of the filesystem holding the pool. */
int pool_usage(const struct pool *p, uint64_t *ret_used, uint64_t *ret_total);

/* Whether @path is a mount point in /proc/self/mountinfo (1), not (0), or -errno. */
int path_is_mountpoint(const char *path);
/* Loop devices backing @file ("/dev/loop3" ...), possibly empty. */
GPtrArray *loop_devices_of(const char *file);
/* Recursive removal of a plain directory tree (no tool); absent is fine. */
int rm_rf(const char *path);
