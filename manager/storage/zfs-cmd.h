/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure argv builders for ZFS (zpool-create(8), zfs-create(8), zfs-snapshot(8), zfs-clone(8),
 * zfs-rollback(8), zfs-destroy(8), zfsprops(7)). Each returns a new NULL-terminated argv
 * (g_strfreev()); sizes are plain byte counts, which zfs accepts. */
#pragma once

#include <glib.h>
#include <stdint.h>

/* "<zpool>/<type>/<vol>" */
char *zfs_dataset(const char *zpool, const char *type, const char *vol);

char **zfs_cmd_zpool_create(const char *zpool, const char *vdev);
char **zfs_cmd_zpool_destroy(const char *zpool);
char **zfs_cmd_create_fs(const char *dataset, const char *mountpoint);
char **zfs_cmd_create_block(const char *dataset, uint64_t bytes);
/* refquota on a filesystem dataset; 0 means none */
char **zfs_cmd_set_quota(const char *dataset, uint64_t bytes);
char **zfs_cmd_set_volsize(const char *dataset, uint64_t bytes);
char **zfs_cmd_snapshot(const char *dataset, const char *snap);
char **zfs_cmd_rollback(const char *dataset, const char *snap);
char **zfs_cmd_clone(const char *dataset, const char *snap, const char *target);
char **zfs_cmd_destroy(const char *dataset, gboolean recursive);
