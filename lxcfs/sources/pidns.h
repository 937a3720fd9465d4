/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pid translation between the host and a process's pid namespace, for the cgroup.procs and tasks
 * files of the virtual cgroupfs. Reads /proc/PID/status NSpid (proc(5)) and walks namespace
 * parents with the NS_GET_PARENT ioctl (ioctl_ns(2)); no helper processes. */
#pragma once

#include <stdbool.h>
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

/* The host pid of the task that is @pid in namespace @ns: processes first, then with
 * @threads also every thread (tasks, cgroup.threads take thread ids). Scans /proc: cost grows
 * with the number of host processes. Returns 0 and *ret, -ESRCH when no task of @ns has that
 * pid, or -errno. */
int pidns_to_host(int proc_fd, const struct pidns_id *ns, pid_t pid, bool threads, pid_t *ret);
