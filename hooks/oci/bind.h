/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Privileged part of the OCI hook: binds the lxcfs views into a container's mount namespace. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

struct oci_bind_opts {
	const char *lxcfs_dir;	/* lxcfs mountpoint, absolute, in the hook's (runtime) namespace */
	const char *rootfs;	/* container rootfs (config.json root.path made absolute), same ns */
	pid_t pid;		/* container init, from the OCI state */
	bool verbose;		/* log every bind at info level */
};

/* Binds the views lxcfs serves under @opts->lxcfs_dir over the same paths in the container whose
 * init is @opts->pid: every proc/NAME that the container's /proc also has (file over file,
 * directory over directory), sys/devices/system/cpu (whole directory when lxcfs serves the full
 * tree, marked by "uevent", else entry by entry), and the lxcfs tree itself at its own path when
 * the container has a directory there (nesting). The same set as hooks/lxc.mount.hook.
 *
 * Works before or after the runtime's pivot_root: the rootfs is found in the container's mount
 * namespace by comparing device and inode with @opts->rootfs. Targets are resolved inside the
 * rootfs (openat2 RESOLVE_IN_ROOT), so symlinks in the image cannot point a bind at a host path.
 * The binds exist only in the container's mount namespace; a process in the hook's own mount
 * namespace is refused.
 *
 * Returns the number of binds made (0 when nothing is mounted at @opts->lxcfs_dir, which is
 * logged as a warning: the container still starts), or -errno: -ESRCH when the process is gone,
 * -EINVAL when it shares the hook's mount namespace, -ENOENT when its rootfs cannot be found,
 * or the error of open_tree(2), setns(2) or move_mount(2). Every failure is logged once, here.
 * Calls setns(): the caller must be single-threaded and stays in the container's namespace. */
int oci_bind_views(const struct oci_bind_opts *opts);
