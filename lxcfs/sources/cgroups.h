/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup hierarchy discovery (v1, hybrid, pure v2) and confined reads of cgroup files
 * relative to one directory fd per hierarchy root (Documentation/admin-guide/cgroup-v1/,
 * cgroup-v2.rst). */
#pragma once

struct fdcache;

#include <stdbool.h>
#include <stdint.h>

#include "cgroup-file.h"

#define CG_FILE_MAX (1u << 20)	/* bytes read at most from one cgroup file */

struct cg_hierarchy {
	char *mountpoint;
	char *controllers;	/* v1: "cpu,cpuacct", "name=systemd"; cgroup2: its cgroup.controllers */
	int fd;			/* O_PATH directory fd of the hierarchy root */
	enum cg_version version;
	struct fdcache *fdcache;	/* cg_read() keeps files open here; NULL: never */
};

struct cg_layout {
	struct cg_hierarchy *h;
	size_t n;
	bool pure_v2;	/* /sys/fs/cgroup itself is the cgroup2 mount */
};

/* Builds the layout from /proc/self/mountinfo text: every v1 hierarchy (first mount of each
 * controller set wins) and the first cgroup2 mount. Returns 0, -ENOENT when no cgroup
 * hierarchy is mounted, -EBADMSG, -ENOMEM. */
int cg_layout_discover(const char *mountinfo, struct cg_layout *ret);
void cg_layout_done(struct cg_layout *l);

/* The hierarchy serving @controller ("memory", "cpuset", "name=systemd"): a v1 hierarchy
 * listing it, else the cgroup2 hierarchy when its cgroup.controllers lists it. NULL if none. */
const struct cg_hierarchy *cg_layout_find(const struct cg_layout *l, const char *controller);

/* Reads file @name of cgroup @path (absolute within the hierarchy, e.g. "/lxc.payload.c1") of
 * hierarchy @h, through h->fdcache (fdcache.h: fresh content, a reused fd). Only for control
 * files of one record (every file but cgroup.procs, tasks, cgroup.threads). The open cannot
 * leave the hierarchy (symlinks, "..", magic links refused).
 * Returns 0 and *ret_text (caller frees), or -errno (-ENOENT: file or cgroup gone). */
int cg_read(const struct cg_hierarchy *h, const char *path, const char *name, char **ret_text);
/* cg_read() of a tunable that is not a limit (memory.swappiness): a copy up to @max_age_ns
 * (nanoseconds) old may be returned without a read. */
int cg_read_aged(const struct cg_hierarchy *h, const char *path, const char *name,
		 uint64_t max_age_ns, char **ret_text);

/* Reads a limit file in @path and every ancestor up to the root and returns the minimum.
 * cgroup2: the root has no limit files; a missing, empty or "max" file is "no limit" there.
 * Returns 0 and *ret (CG_LIMIT_MAX when nothing limits), or -errno from the cgroup itself. */
int cg_read_limit_min(const struct cg_hierarchy *h, const char *path, const char *name,
		      uint64_t *ret);

/* "/a/b" -> "/a"; "/a" -> "/". Returns false at the root. Edits @path in place. */
bool cg_path_parent(char *path);
