/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loader of the task counts of proc/loadavg: the threads of every process in a cgroup and its
 * descendants (cgroup.procs, then /proc/PID/task/TID/stat). lxcfs-behaviour.md 4.8. */
#pragma once

#include <stdatomic.h>
#include <stdint.h>

#include "tasks.h"

#define CGTASKS_DEPTH 3			/* levels below the cgroup that are read (the last is not descended) */
#define CGTASKS_CGROUPS_MAX 1024u	/* cgroup directories read per sample, the cgroup included */
#define CGTASKS_THREADS_MAX (1u << 18)	/* threads counted per sample; beyond, counting stops */
#define CGTASKS_PROCS_MAX (4u << 20)	/* bytes read at most from one cgroup.procs */

/* Counts the threads of all processes listed in cgroup.procs of cgroup @path (absolute within
 * the hierarchy, "/lxc.payload.c1"; not "/") of the hierarchy whose root directory is @cg_fd,
 * and of its descendants down to CGTASKS_DEPTH levels below it: every thread under
 * /proc/PID/task of the procfs at @proc_fd adds to total, R/D ones to running, and the highest
 * tid is last_pid. Processes and threads that exit meanwhile, and unreadable descendants, are
 * skipped; past CGTASKS_CGROUPS_MAX directories or CGTASKS_THREADS_MAX threads the counts
 * are those found so far. Checks @cancel between processes.
 * Returns 0 and *ret (total 0 when the subtree holds no task), -ENOENT when the cgroup itself
 * is gone, -ECANCELED when @cancel was set, -EINVAL for "/" or an empty path, or another
 * -errno from reading the cgroup itself. Does I/O; thread-safe (no shared state). */
int load_cgroup_tasks(int cg_fd, int proc_fd, const char *path, const atomic_bool *cancel,
		      struct tasks_count *ret);
