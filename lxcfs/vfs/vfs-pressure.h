/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* proc/pressure/{cpu,io,memory} beyond reading: the file mode, and the target of triggers a
 * monitor writes through the mount (Documentation/accounting/psi.rst). */
#pragma once

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "vfs.h"

static inline bool vfs_kind_is_pressure(enum vfs_kind k)
{
	return k >= VFS_PROC_PRESSURE_CPU && k <= VFS_PROC_PRESSURE_MEMORY;
}

/* Permission bits of pressure node @kind: those of the host's /proc/pressure/<res> (0666 on
 * kernels that take unprivileged triggers, 0644 before), or 0444 when it cannot be stat'ed. */
mode_t vfs_pressure_mode(struct vfs_fs *fs, enum vfs_kind kind);

/* Where the triggers of one open file go, fixed at open() as the kernel fixes a file's cgroup:
 * the reader's cgroup pressure file when reads are served from it, else the host's
 * /proc/pressure/<res> (reader in the root cgroup, unresolvable, non-virtualized mode). */
struct vfs_psi_target;

/* Resolves the target for @caller opening pressure node @kind for writing, and whether the
 * caller holds CAP_SYS_RESOURCE (checked by the kernel on a pressure file's opener).
 * Returns 0 and *ret (free with vfs_psi_target_free()) or -ENOMEM. */
int vfs_psi_target_new(struct vfs_fs *fs, enum vfs_kind kind, pid_t caller,
		       struct vfs_psi_target **ret);
void vfs_psi_target_free(struct vfs_psi_target *t);

/* Validates the @size bytes written at @off (offset 0, "some|full <threshold_us> <window_us>",
 * kernel limits, 2 s windows for unprivileged callers), then opens the target O_RDWR and writes
 * the trigger there. Returns the real fd (caller owns it) or -errno: -EINVAL for a bad write,
 * else the kernel's error for the real file. */
int vfs_psi_trigger_open(const struct vfs_psi_target *t, const char *buf, size_t size, off_t off);
