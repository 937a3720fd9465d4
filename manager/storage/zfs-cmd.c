/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib.h>

#include "zfs-cmd.h"

static char **argv_new(const char *first, ...) G_GNUC_NULL_TERMINATED;

static char **argv_new(const char *first, ...)
{
	GPtrArray *a = g_ptr_array_new();
	const char *s;
	va_list ap;

	g_ptr_array_add(a, g_strdup(first));
	va_start(ap, first);
	while ((s = va_arg(ap, const char *)))
		g_ptr_array_add(a, g_strdup(s));
	va_end(ap);
	g_ptr_array_add(a, NULL);
	return (char **) g_ptr_array_free(a, FALSE);
}

char *zfs_dataset(const char *zpool, const char *type, const char *vol)
{
	return g_strdup_printf("%s/%s/%s", zpool, type, vol);
}

char **zfs_cmd_zpool_create(const char *zpool, const char *vdev)
{
	/* -m none: the pool's root dataset is not mounted; volumes get their own mountpoints */
	return argv_new("zpool", "create", "-f", "-m", "none", "-O", "compression=on", zpool,
			vdev, NULL);
}

char **zfs_cmd_zpool_destroy(const char *zpool)
{
	return argv_new("zpool", "destroy", zpool, NULL);
}

char **zfs_cmd_create_fs(const char *dataset, const char *mountpoint)
{
	g_autofree char *mp = g_strdup_printf("mountpoint=%s", mountpoint);

	return argv_new("zfs", "create", "-p", "-o", mp, dataset, NULL);
}

char **zfs_cmd_create_block(const char *dataset, uint64_t bytes)
{
	g_autofree char *size = g_strdup_printf("%" G_GUINT64_FORMAT, bytes);

	return argv_new("zfs", "create", "-p", "-V", size, dataset, NULL);
}

char **zfs_cmd_set_quota(const char *dataset, uint64_t bytes)
{
	g_autofree char *prop = bytes ? g_strdup_printf("refquota=%" G_GUINT64_FORMAT, bytes)
				      : g_strdup("refquota=none");

	return argv_new("zfs", "set", prop, dataset, NULL);
}

char **zfs_cmd_set_volsize(const char *dataset, uint64_t bytes)
{
	g_autofree char *prop = g_strdup_printf("volsize=%" G_GUINT64_FORMAT, bytes);

	return argv_new("zfs", "set", prop, dataset, NULL);
}

char **zfs_cmd_snapshot(const char *dataset, const char *snap)
{
	g_autofree char *s = g_strdup_printf("%s@%s", dataset, snap);

	return argv_new("zfs", "snapshot", s, NULL);
}

char **zfs_cmd_rollback(const char *dataset, const char *snap)
{
	/* no -r: rolling back past newer snapshots is refused by zfs instead of destroying
	 * them (spec §4.6: newer snapshots are kept) */
	g_autofree char *s = g_strdup_printf("%s@%s", dataset, snap);

	return argv_new("zfs", "rollback", s, NULL);
}

char **zfs_cmd_clone(const char *dataset, const char *snap, const char *target)
{
	g_autofree char *s = g_strdup_printf("%s@%s", dataset, snap);

	return argv_new("zfs", "clone", "-p", s, target, NULL);
}

char **zfs_cmd_destroy(const char *dataset, gboolean recursive)
{
	return recursive ? argv_new("zfs", "destroy", "-r", dataset, NULL)
			 : argv_new("zfs", "destroy", dataset, NULL);
}
