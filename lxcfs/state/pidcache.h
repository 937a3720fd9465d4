/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the daemon learned about a requesting process, kept between requests: its pid namespace
 * and its /proc/PID/cgroup text (Documentation/admin-guide/cgroup-v2.rst "Processes"). An entry
 * is keyed by the pid and the process's identity, the inode number of a pidfd for it on pidfs
 * (unique for the boot on 64-bit kernels >= 6.9), so a reused pid never hits a dead process's
 * entry. Bounds:
 *   - the pid namespace of a process never changes: kept while the entry lives;
 *   - the cgroup text is used for at most PIDCACHE_CGROUP_NS after it was read, so a process
 *     moved to another cgroup (cgroup.procs) shows the new cgroup's view within that time;
 *   - entries unused for PIDCACHE_IDLE_NS are dropped by pidcache_prune(); at most
 *     PIDCACHE_MAX entries exist (a full cache stores nothing new until pruned).
 * Thread-safe (one mutex, never held across other locks or system calls). */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define PIDCACHE_BUCKETS 1024
#define PIDCACHE_MAX 4096
#define PIDCACHE_CGROUP_NS (1000ull * 1000 * 1000)	/* 1 s */
#define PIDCACHE_IDLE_NS (10ull * 1000 * 1000 * 1000)	/* 10 s */

struct pidcache_entry;

struct pidcache {
	pthread_mutex_t lock;
	size_t n;
	struct pidcache_entry *buckets[PIDCACHE_BUCKETS];
};

void pidcache_init(struct pidcache *c);
/* Frees every entry. */
void pidcache_clear(struct pidcache *c);

/* Looks up (@pid, @id) at CLOCK_MONOTONIC @now_ns. Returns 0 when its pid namespace is known
 * (*ret_ns_dev, *ret_ns_ino), else -ENOENT. @ret_cgroup, when not NULL, receives a copy of the
 * cgroup text when one younger than PIDCACHE_CGROUP_NS is kept (caller frees), else NULL;
 * -ENOMEM when that copy fails. */
int pidcache_get(struct pidcache *c, pid_t pid, uint64_t id, uint64_t now_ns, dev_t *ret_ns_dev,
		 ino_t *ret_ns_ino, char **ret_cgroup);

/* Records the pid namespace of (@pid, @id). Returns 0 or -ENOMEM; -ENOSPC when full. */
int pidcache_put_ns(struct pidcache *c, pid_t pid, uint64_t id, dev_t ns_dev, ino_t ns_ino,
		    uint64_t now_ns);

/* Records a copy of the cgroup text of (@pid, @id) read at @now_ns. Returns 0, -ENOMEM or
 * -ENOSPC. */
int pidcache_put_cgroup(struct pidcache *c, pid_t pid, uint64_t id, const char *text,
			uint64_t now_ns);

/* Drops entries unused for PIDCACHE_IDLE_NS at @now_ns. Returns the number dropped. */
size_t pidcache_prune(struct pidcache *c, uint64_t now_ns);
