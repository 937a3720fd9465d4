/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure parsers for the task counts of proc/loadavg: pid lists (cgroup.procs, one pid per line;
 * Documentation/admin-guide/cgroup-v1/cgroups.rst, cgroup-v2.rst) and the state field of
 * /proc/PID/task/TID/stat (Documentation/filesystems/proc.rst table 1-4, man 5 proc). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* What one sample of a cgroup subtree found. */
struct tasks_count {
	uint64_t running;	/* threads in state R or D */
	uint64_t total;		/* threads seen */
	pid_t last_pid;		/* highest thread id seen (host numbering), 0 when none */
	unsigned cgroups;	/* cgroup directories read for it (a measure of the work done) */
};

/* A pid as the kernel prints it (a /proc directory name, a cgroup.procs line): decimal digits
 * only, 1..INT32_MAX. Returns 0 and *ret_pid, or -EINVAL (*ret_pid untouched). */
int tasks_parse_pid(const char *s, size_t len, pid_t *ret_pid);

/* Iterates over a cgroup.procs (or tasks) text: parses the line at *@pos and moves *@pos past
 * it. Empty lines are skipped. Returns 1 and *ret_pid, 0 at the end of the text, -EBADMSG on a
 * malformed line (*@pos and *ret_pid untouched). */
int tasks_next_pid(const char **pos, pid_t *ret_pid);

/* Field 3 (state) of /proc/PID/stat or /proc/PID/task/TID/stat: the letter after the last ')'
 * and one space (comm may hold spaces and parentheses). Returns 0 and *ret_state, -EBADMSG. */
int tasks_stat_state(const char *text, char *ret_state);

/* Does a thread in @state add to the load? R (running or runnable) and D (uninterruptible), as
 * the kernel's nr_running + nr_uninterruptible; I (idle kernel threads) does not. */
bool tasks_state_is_active(char state);

/* Adds thread @tid, whose stat file holds @stat_text, to @c: total + 1, running + 1 when
 * active, last_pid = max. Returns 0, or -EBADMSG with @c untouched. */
int tasks_count_add(struct tasks_count *c, pid_t tid, const char *stat_text);
