/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lvm driver (thin pool; volumes are thin LVs, snapshots thin snapshots). This host has no
 * device-mapper, so the probe refuses pool creation naming what is missing; the commands
 * are built by the pure lvm-cmd.c, which the unit tests check against lvm's documented CLI. */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "log.h"
#include "mgr.h"
#include "parse-util.h"
#include "storage.h"
#include "lvm-cmd.h"
#include "util/run.h"
#include "util/size.h"

static int lvm_probe(char **ret_reason, char **ret_version)
{
	static const char *const tools[] = { "pvcreate", "vgcreate", "lvcreate", "lvremove", NULL };
	g_autoptr(GString) why = g_string_new(NULL);
	g_autofree char *misc = NULL;

	for (size_t i = 0; tools[i]; i++)
		if (!run_tool_exists(tools[i])) {
			g_string_append_printf(why, "lvm2 tools not found (%s not in PATH)", tools[i]);
			break;
		}
	if (!g_file_test("/dev/mapper/control", G_FILE_TEST_EXISTS) ||
	    !g_file_get_contents("/proc/misc", &misc, NULL, NULL) ||
	    !strstr(misc, "device-mapper"))
		g_string_append_printf(why, "%sdevice-mapper not available (/dev/mapper/control "
				       "missing or device-mapper not in /proc/misc)",
				       why->len ? "; " : "");
	if (why->len) {
		if (ret_reason)
			*ret_reason = g_string_free(g_steal_pointer(&why), FALSE);
		return -EOPNOTSUPP;
	}
	if (ret_version)
		*ret_version = g_strdup("2");
	return 0;
}

static int lvm_validate(struct mgr *m, const char *name, GHashTable *config, char **ret_err)
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
		if (!streq(k, "size") && !streq(k, "source") && !streq(k, "lvm.vg_name") &&
		    !streq(k, "lvm.thinpool_name")) {
			*ret_err = g_strdup_printf("unknown config key '%s' for driver 'lvm'", (char *) k);
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

static int lvm_create(struct pool *p, struct revert_stack *rs, char **ret_err)
{
	const char *source = g_hash_table_lookup(p->config, "source");
	const char *vg = g_hash_table_lookup(p->config, "lvm.vg_name");
	const char *tp = g_hash_table_lookup(p->config, "lvm.thinpool_name");
	int r;

	if (!source) {
		*ret_err = g_strdup("an lvm pool needs config 'source' (a block device) here");
		return -EINVAL;
	}
	vg = vg ? vg : p->name;
	tp = tp ? tp : "LXDThinPool";
	r = run_argv(lvm_cmd_pvcreate(source), ret_err);
	if (r >= 0)
		r = run_argv(lvm_cmd_vgcreate(vg, source), ret_err);
	if (r >= 0)
		r = run_argv(lvm_cmd_thinpool_create(vg, tp), ret_err);
	return r;
}

static int lvm_unsupported(struct pool *p, char **ret_err)
{
	*ret_err = g_strdup("device-mapper not available on this host");
	return -ENODEV;
}

static int lvm_delete(struct pool *p, char **ret_err)
{
	const char *vg = g_hash_table_lookup(p->config, "lvm.vg_name");

	return run_argv(lvm_cmd_vgremove(vg ? vg : p->name), ret_err);
}

static int lvm_vol_unsupported(struct pool *p, const char *path, char **ret_err)
{
	*ret_err = g_strdup("lvm volumes are not available on this host");
	return -EOPNOTSUPP;
}

static int lvm_vol_copy(struct pool *p, const char *src, const char *dst, bool ro, char **ret_err)
{
	return lvm_vol_unsupported(p, src, ret_err);
}

const struct storage_driver storage_driver_lvm = {
	.name = "lvm",
	.fs_size = true,
	.probe = lvm_probe,
	.pool_validate = lvm_validate,
	.pool_create = lvm_create,
	.pool_mount = lvm_unsupported,
	.pool_delete = lvm_delete,
	.vol_create = lvm_vol_unsupported,
	.vol_delete = lvm_vol_unsupported,
	.vol_copy = lvm_vol_copy,
};
