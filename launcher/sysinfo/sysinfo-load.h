/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* I/O for the sysinfo(2) answers: the cgroups and /proc/PID/stat of one container's init,
 * read on the host with common/ fileio and parsed by the pure lxcfs parsers (launcher/ must
 * not use lxcfs/sources, STYLE.md 1). Every read of the sysinfo responder happens here. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup-file.h"
#include "meminfo.h"

#define SYSINFO_FILE_MAX (1u << 20)	/* bytes read at most from one cgroup or proc file */

/* Handles opened once per responder: the host's /proc and the roots of the hierarchies
 * holding the memory and pids controllers (-EBADF when absent). Read-only after open. */
struct sysinfo_source {
	int proc_fd;
	int memory_fd;
	enum cg_version memory_version;
	int pids_fd;
	enum cg_version pids_version;
};

/* Opens /proc and finds the memory and pids hierarchies in /proc/self/mountinfo (a v1 mount
 * whose options name the controller, else the cgroup2 mount). Returns 0, or -errno when /proc
 * or mountinfo cannot be read (a missing controller is not an error). */
int sysinfo_source_open(struct sysinfo_source *ret);
void sysinfo_source_done(struct sysinfo_source *s);

/* What sysinfo_view_compute() needs beyond the host's sysinfo and the clock. */
struct sysinfo_loaded {
	bool has_mem;			/* false: init is in the root memory cgroup (the host) */
	struct meminfo_inputs mem;	/* mem.host_meminfo points into host_meminfo */
	char *host_meminfo;		/* owned */
	uint64_t start_ticks;		/* init's starttime (USER_HZ ticks since boot) */
	bool has_procs;
	uint64_t procs;			/* pids.current of init's pids cgroup (tasks) */
	char *memory_path;		/* init's memory cgroup ("/lxc.payload.c1"), owned; NULL
					 * when has_mem is false */
};

/* Reads everything for the container whose init is host pid @init_pid: the memory inputs
 * with the decisions of lxcfs's meminfo loader (v1: memory.stat hierarchical limits, usage,
 * memsw swap; v2: memory.max/memory.swap.max minimum over the ancestors, memory.current,
 * memory.swap.current), the host's /proc/meminfo, init's starttime and its pids.current.
 * Returns 0 and *ret (free with sysinfo_loaded_done()), or -errno (-ESRCH when init is
 * gone, a read or parse error). Thread-safe: no shared state. */
int sysinfo_load(const struct sysinfo_source *src, pid_t init_pid, struct sysinfo_loaded *ret);
void sysinfo_loaded_done(struct sysinfo_loaded *l);

struct tasks_count;

/* One load sample of the container whose init is host pid @init_pid: every thread of every
 * process in init's memory cgroup (or, without a memory hierarchy, its pids cgroup) and its
 * descendants down to SYSINFO_TASKS_DEPTH levels, counted with tasks_count_add(). At most
 * SYSINFO_TASKS_MAX threads are counted. Returns 0 and *ret, -ESRCH when init is gone,
 * -ENOENT when it sits in a root cgroup, or another -errno. Thread-safe. */
#define SYSINFO_TASKS_DEPTH 3
#define SYSINFO_TASKS_MAX (1u << 16)
int sysinfo_load_tasks(const struct sysinfo_source *src, pid_t init_pid, struct tasks_count *ret);
