/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The interface between the lxcfs binary (the core: argv, pidfile, signals, the FUSE session and
 * the inode table) and liblxcfs.so (everything that finds cgroups and renders files), which
 * the core loads with dlopen() and replaces on SIGUSR1 without unmounting (live upgrade).
 *
 * Each dlopen() of the library is a separate copy with its own globals, so init() and fini()
 * take no context. Bump LXCFS_LIB_ABI whenever this header, struct inode_table or enum vfs_kind
 * (lxcfs/vfs/vfs.h) changes: the core refuses a library of another ABI and keeps the one it
 * runs. */
#pragma once

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "vfs.h"

#define LXCFS_LIB_ABI 3	/* 2: init() takes the state of the copy it replaces;
				 * 3: lxcfs_core.cgroup_disabled, the cgroup/ node kinds */
#define LXCFS_LIB_ENTRY "lxcfs_library_entry"
#define LXCFS_LIB_NAME "liblxcfs.so"

struct inode_table;

/* What the core lends a loaded library; valid until the library's fini() returns. */
struct lxcfs_core {
	unsigned abi;			/* LXCFS_LIB_ABI of the core */
	struct inode_table *inodes;	/* the session's inode table (lxcfs/fuse/inode.h) */
	int (*inode_get)(struct inode_table *t, uint64_t ino, char **ret_path, enum vfs_kind *ret_kind);
	int (*inode_ref)(struct inode_table *t, const char *path, enum vfs_kind kind, uint64_t *ret_ino);
	void (*inode_forget)(struct inode_table *t, uint64_t ino, uint64_t n);
	/* fuse_reply_open() for a library: the core wraps fi->fh so that later requests on the
	 * handle reach the library copy that opened it. Returns fuse_reply_open()'s value
	 * (-ENOENT: the request was interrupted, no RELEASE will follow). */
	int (*reply_open)(fuse_req_t req, const struct fuse_file_info *fi);
	const atomic_bool *virtualize;	/* false while SIGUSR2 has switched virtualization off */
	int log_level;			/* LOG_LEVEL_* of common/log.h */
	bool swap_disabled;		/* -u */
	bool cfs;			/* --enable-cfs */
	bool loadavg;			/* -l */
	bool cgroup_disabled;		/* --disable-cgroup: no cgroup/ tree (ABI 3) */
};

/* What a library offers; returned by its LXCFS_LIB_ENTRY function. */
struct lxcfs_library {
	unsigned abi;			/* LXCFS_LIB_ABI the library was built with */
	/* Sets the library up for @core (cgroup layout, caches, the PSI trigger thread, with -l
	 * the load average sampler) and logs its build id. @state: NULL, or what save_state()
	 * of the copy being replaced returned (measured data to carry on: the load averages);
	 * text the library does not understand is ignored with a warning. Returns 0 or -errno;
	 * on failure nothing is left running. */
	int (*init)(const struct lxcfs_core *core, const char *state);
	/* The state a new copy should take over, as text: a first line "lxcfs-state 1", then
	 * lines each store reads back (state/loadavg.h). malloc'd; NULL when out of memory or
	 * nothing to hand over. Called while requests run. */
	char *(*save_state)(void);
	/* Stops the library's threads and frees its state. No request runs in it any more. */
	void (*fini)(void);
	/* The library's GNU build id as hex (ELF note NT_GNU_BUILD_ID), "unknown" without one;
	 * valid after init() */
	const char *(*build_id)(void);
	/* Request handlers, called by the core's own ops table; init and destroy are unused */
	const struct fuse_lowlevel_ops *ops;
};

typedef const struct lxcfs_library *(*lxcfs_library_entry_fn)(void);
