/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* zfs driver (datasets, snapshots, clones). This host has neither the zfs tools nor the
 * module, so the probe refuses pool creation naming what is missing; the commands are built
 * by the pure zfs-cmd.c, which the unit tests check against the documented CLI. */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "log.h"
#include "mgr.h"
#include "parse-util.h"
#include "storage.h"
#include "util/run.h"
#include "util/size.h"
#include "zfs-cmd.h"

static int zfs_probe(char **ret_reason, char **ret_version)
{
	g_autoptr(GString) why = g_string_new(NULL);

	if (!run_tool_exists("zpool"))
		g_string_append(why, "zpool not found in PATH");
	if (!run_tool_exists("zfs"))
		g_string_append_printf(why, "%szfs not found in PATH", why->len ? "; " : "");
	if (!g_file_test("/sys/module/zfs", G_FILE_TEST_IS_DIR))
		g_string_append_printf(why, "%szfs kernel module not loaded", why->len ? "; " : "");
	if (why->len) {
		if (ret_reason)
			*ret_reason = g_string_free(g_steal_pointer(&why), FALSE);
		return -EOPNOTSUPP;
	}
	if (ret_version) {
		g_autofree char *v = NULL;

		*ret_version = g_file_get_contents("/sys/module/zfs/version", &v, NULL, NULL) ?
			g_strstrip(g_steal_pointer(&v)) : g_strdup("unknown");
	}
	return 0;
}

static int zfs_validate(struct mgr *m, const char *name, GHashTable *config, char **ret_err)
{
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, config);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		uint64_t b;

		if (startswith(k, "user."))
			continue;	/* free [LXD] */
		if (streq(k, "size") && size_parse(v, &b) < 0) {
			*ret_err = g_strdup_printf("config 'size' has an invalid size '%s'", (char *) v);
			return -EINVAL;
		}
		if (!streq(k, "size") && !streq(k, "source") && !streq(k, "zfs.pool_name")) {
			*ret_err = g_strdup_printf("unknown config key '%s' for driver 'zfs'", (char *) k);
			return -EINVAL;
		}
	}
	return 0;
}

static int run_argv(char **argv, char **ret_err)
{
	int r = run_tool((const char *const *) argv, NULL, ret_err);

	g_strfreev(argv);
	return r < 0 ? -EIO : 0;
}

static int zfs_create(struct pool *p, struct revert_stack *rs, char **ret_err)
{
	const char *source = g_hash_table_lookup(p->config, "source");
	const char *zpool = g_hash_table_lookup(p->config, "zfs.pool_name");

	if (!source) {
		*ret_err = g_strdup("a zfs pool needs config 'source' (a block device) here");
		return -EINVAL;
	}
	return run_argv(zfs_cmd_zpool_create(zpool ? zpool : p->name, source), ret_err);
}

static int zfs_unsupported(struct pool *p, char **ret_err)
{
	*ret_err = g_strdup("zfs not available on this host");
	return -ENODEV;
}

static int zfs_delete(struct pool *p, char **ret_err)
{
	const char *zpool = g_hash_table_lookup(p->config, "zfs.pool_name");

	return run_argv(zfs_cmd_zpool_destroy(zpool ? zpool : p->name), ret_err);
}

static int zfs_vol_unsupported(struct pool *p, const char *path, char **ret_err)
{
	*ret_err = g_strdup("zfs volumes are not available on this host");
	return -EOPNOTSUPP;
}

static int zfs_vol_copy(struct pool *p, const char *src, const char *dst, bool ro, char **ret_err)
{
	return zfs_vol_unsupported(p, src, ret_err);
}

const struct storage_driver storage_driver_zfs = {
	.name = "zfs",
	.fs_size = true,
	.probe = zfs_probe,
	.pool_validate = zfs_validate,
	.pool_create = zfs_create,
	.pool_mount = zfs_unsupported,
	.pool_delete = zfs_delete,
	.vol_create = zfs_vol_unsupported,
	.vol_delete = zfs_vol_unsupported,
	.vol_copy = zfs_vol_copy,
};
