/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The libfuse low-level operations table of lxcfs (libfuse include/fuse_lowlevel.h). */
#pragma once

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>
#include <stdatomic.h>

#include "inode.h"
#include "psi-store.h"
#include "vfs.h"

/* FUSE userdata: everything a request needs. */
struct lxcfs_session {
	struct vfs_fs fs;
	struct inode_table inodes;
	struct psi_store psi;		/* PSI triggers: started at FUSE init, stopped at destroy */
	atomic_bool reload_requested;	/* set by SIGUSR1, consumed by the next request */
};

extern const struct fuse_lowlevel_ops lxcfs_ops;

/* Kernel cache lifetime of entries and attributes, seconds (LXCFS: 0.5; the reboot hook
 * sleeps this long). */
#define LXCFS_CACHE_TIMEOUT 0.5
