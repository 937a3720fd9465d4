/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The request handlers of liblxcfs.so (libfuse include/fuse_lowlevel.h), called through the
 * core's table (lxcfs/core/dispatch.c). */
#pragma once

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>
#include <stdatomic.h>

#include "lib-api.h"
#include "psi-store.h"
#include "vfs.h"

/* Everything a request needs; one per loaded copy of liblxcfs.so (lxcfs_lib_session). */
struct lxcfs_session {
	struct vfs_fs fs;
	struct psi_store psi;		/* PSI triggers: started at library init, stopped at fini */
	const struct lxcfs_core *core;	/* the binary's inode table and reply helper */
};

extern struct lxcfs_session lxcfs_lib_session;

/* Starts the PSI trigger thread of @s (a failure is logged: trigger writes then fail).
 * Returns 0. */
int lxcfs_ops_start(struct lxcfs_session *s);
/* Stops it; no request may run in @s any more. */
void lxcfs_ops_stop(struct lxcfs_session *s);

extern const struct fuse_lowlevel_ops lxcfs_ops;

/* Kernel cache lifetime of entries and attributes, seconds (LXCFS: 0.5; the reboot hook
 * sleeps this long). */
#define LXCFS_CACHE_TIMEOUT 0.5
