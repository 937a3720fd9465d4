/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure translation of an instance spec plus probed host facts into LXC configuration items
 * (key, value pairs for set_config_item()). No I/O: lxc.c probes the host and applies the
 * items, the unit tests feed invented hosts (v1, v2, hybrid). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spec.h"

enum lxl_cg_version {
	LXL_CG_MISSING,		/* the kernel has no such controller, or it is not mounted */
	LXL_CG_V1,		/* a v1 hierarchy: lxc.cgroup.* keys */
	LXL_CG_V2,		/* the unified hierarchy: lxc.cgroup2.* keys */
	LXL_CG_VERSION_MAX,
};

enum lxl_controller {
	LXL_CTRL_MEMORY,
	LXL_CTRL_CPU,
	LXL_CTRL_CPUSET,
	LXL_CTRL_PIDS,
	LXL_CTRL_IO,		/* "blkio" on v1, "io" on v2 */
	LXL_CTRL_MAX,
};

/* What lxc.c found out about the host; everything the translation depends on. */
struct lxl_host {
	enum lxl_cg_version cg[LXL_CTRL_MAX];
	bool memsw;			/* v1 memory.memsw.* exists (swap accounting on) */
	const char *io_weight_file;	/* "blkio.weight", "blkio.bfq.weight", "io.weight",
					 * "io.bfq.weight"; NULL when none exists */
	bool lxcfs;			/* the lxcfs dir serves proc/meminfo */
	const char *hookdir;		/* where lxc.mount.hook is installed */
	bool apparmor;			/* the kernel has AppArmor enabled */
	bool selinux;			/* the kernel has SELinux enabled */
	uint64_t subuid_start, subuid_count;	/* root's first /etc/subuid range; count 0: none */
	uint64_t subgid_start, subgid_count;
};

/* A growing list of key/value items. */
struct lxl_items {
	char **kv;		/* key0, value0, key1, value1, ..., NULL */
	size_t n;		/* number of pairs */
};
void lxl_items_done(struct lxl_items *items);
int lxl_items_add(struct lxl_items *items, const char *key, const char *value);
/* The value of the last item with @key, or NULL. */
const char *lxl_items_get(const struct lxl_items *items, const char *key);

/* Which version a controller is on from the text of /proc/cgroups (hierarchy column non-zero:
 * v1) and of the unified hierarchy's cgroup.controllers (@unified_controllers, NULL when there
 * is no unified mount). @v1_name is the /proc/cgroups name, @v2_name the cgroup.controllers one.
 * Pure. */
enum lxl_cg_version lxl_cg_version_parse(const char *proc_cgroups, const char *unified_controllers,
					 const char *v1_name, const char *v2_name);

/* Parses /etc/subuid or /etc/subgid text: the first "USER:START:COUNT" line for @user.
 * Returns 1 and sets *ret_start / *ret_count when found, 0 when @user has no range, -EINVAL on a
 * malformed line for @user. */
int lxl_subid_parse(const char *text, const char *user, uint64_t *ret_start, uint64_t *ret_count);

/* Appends the LXC items for @spec on @host to @items (limits, network, idmap, LSM, hook).
 * Capabilities and seccomp come from launcher/security (lxc.c adds them).
 * Returns 0, or -EOPNOTSUPP (the host lacks what a setting needs: a controller, swap
 * accounting, an io weight file, AppArmor, SELinux), -EPERM (userns without subordinate ids
 * for root), -ENOMEM; with a message in @err. */
int lxl_config_items(const struct lxl_spec *spec, const struct lxl_host *host, struct lxl_items *items,
		     struct lxl_error *err);
