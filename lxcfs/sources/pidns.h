/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pid translation between the host and a process's pid namespace, for the cgroup.procs and tasks
 * files of the virtual cgroupfs. Reads /proc/PID/status NSpid (proc(5)) and walks namespace
 * parents with the NS_GET_PARENT ioctl (ioctl_ns(2)); no helper processes. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct pidns_id {
	dev_t dev;		/* identity of the namespace: st_dev/st_ino of /proc/PID/ns/pid */
	ino_t ino;
	unsigned level;		/* nesting depth below the host's pid namespace (host: 0) */
};

/* The pid namespace of host task @pid, read through the procfs at @proc_fd.
 * Returns 0 and *ret, -ESRCH when the task is gone, or -errno. */
int pidns_of(int proc_fd, pid_t pid, struct pidns_id *ret);

/* The pid that host task @host has in namespace @ns: 0 when the task is not visible there
 * (outside the namespace, or gone). Returns 0 and *ret, or -errno for failures other than a
 * vanished task. */
int pidns_from_host(int proc_fd, const struct pidns_id *ns, pid_t host, pid_t *ret);

/* The host pids of the tasks that are @pids[0..@n) in namespace @ns, into @ret[0..@n): 0 for a
 * pid no task of @ns has (and for pids <= 0). Processes first, then with @threads also every
 * thread (tasks and cgroup.threads take thread ids). One scan of /proc for all @n pids: the cost
 * grows with the number of host tasks, not with @n. Returns 0, or -errno (then @ret holds what
 * was resolved so far). */
int pidns_to_host(int proc_fd, const struct pidns_id *ns, const pid_t *pids, size_t n,
		  bool threads, pid_t *ret);
