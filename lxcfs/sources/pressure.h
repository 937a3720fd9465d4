/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* I/O adapters for pressure stall information: where a reader's cpu/io/memory.pressure lives
 * (always the cgroup2 hierarchy: cgroup v1 has no PSI files, so on a hybrid host it is the
 * "0::" cgroup under /sys/fs/cgroup/unified whatever v1 hierarchy serves the controller),
 * reading it, and registering a trigger on it (Documentation/accounting/psi.rst). */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "psi.h"
#include "reader.h"

#define PRESSURE_FILE_MAX 4096u	/* bytes read at most from one pressure file (about 120 used) */

/* A pressure file: @path relative to @dirfd, which is borrowed (a hierarchy root fd of the
 * layout or the host /proc fd: both live as long as the daemon). */
struct pressure_file {
	int dirfd;
	char *path;
};

void pressure_file_done(struct pressure_file *f);

/* The reader's cgroup2 <@res>.pressure (@res "cpu", "io" or "memory"). Does not check that it
 * exists. Returns 0 and *ret, -ENOENT when there is no cgroup2 hierarchy or the reader is in
 * its root (the root's files are the host's /proc/pressure), -ESRCH when the reader vanished,
 * -EBADMSG, -ENAMETOOLONG, -ENOMEM. */
int pressure_cgroup_locate(const struct reader_env *env, struct reader *rd, const char *res,
			   struct pressure_file *ret);

/* The host's /proc/pressure/<@res>. Returns 0 and *ret, or -ENOMEM. */
int pressure_host_locate(const struct reader_env *env, const char *res, struct pressure_file *ret);

/* Reads @f whole (open confined below its dirfd). Returns 0 and *ret_text (caller frees) or
 * -errno (-ENOENT: file or cgroup gone, -EOPNOTSUPP: PSI disabled for the cgroup). */
int pressure_file_read(const struct pressure_file *f, char **ret_text);

/* Opens @f O_RDWR|O_NONBLOCK|O_CLOEXEC below its dirfd and writes trigger @t to it: from then
 * on the fd reports POLLPRI when the threshold is crossed, and closing it removes the trigger.
 * The kernel checks the daemon's own CAP_SYS_RESOURCE: without it, windows that are not a
 * multiple of 2 s fail with -EINVAL here. Returns the fd (caller closes) or -errno. */
int pressure_trigger_open(const struct pressure_file *f, const struct psi_trigger *t);

/* Does thread @pid hold CAP_SYS_RESOURCE in its effective set (what the kernel checks on the
 * opener of a pressure file)? Returns 0 and *ret, -ESRCH when it is gone, -EBADMSG. */
int pressure_caller_privileged(const struct reader_env *env, pid_t pid, bool *ret);
