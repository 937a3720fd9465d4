/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the daemon learned about a requesting thread, kept between its requests: whether it
 * shares the daemon's pid namespace, the host pid whose cgroups its views show (itself, or the
 * init of its pid namespace), that process's /proc/PID/cgroup text
 * (Documentation/admin-guide/cgroup-v2.rst "Processes") and start time. Each entry holds a
 * pidfd of the thread: a hit is used only while poll(2) on that pidfd says the thread has not
 * exited, so a pid reused by another process never hits a dead one's entry. Bounds:
 *   - the text and the start time are used for at most PIDCACHE_TEXT_NS after they were read:
 *     a process moved to another cgroup (cgroup.procs) shows the new cgroup's view within
 *     that time (limits are read afresh on every read, fdcache.h);
 *   - entries unused for PIDCACHE_IDLE_NS are dropped (and their pidfds closed) by
 *     pidcache_prune(); at most PIDCACHE_MAX entries exist (a full cache stores nothing new).
 * Thread-safe: a lock per group of buckets, held for one poll(2) at most. */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define PIDCACHE_BUCKETS 1024
#define PIDCACHE_LOCKS 64
#define PIDCACHE_MAX 2048
#define PIDCACHE_TEXT_NS (1000ull * 1000 * 1000)	/* 1 s */
#define PIDCACHE_IDLE_NS (2000ull * 1000 * 1000)	/* 2 s */

struct pidcache_entry;

struct pidcache {
	pthread_mutex_t locks[PIDCACHE_LOCKS];			/* bucket i: locks[i % LOCKS] */
	struct pidcache_entry *buckets[PIDCACHE_BUCKETS];
	atomic_size_t n;
};

/* What a hit gives. */
struct pidcache_view {
	bool host;		/* the thread shares the daemon's pid namespace */
	pid_t ref;		/* the host pid whose cgroups its views show */
	char *cgroup;		/* copy of ref's /proc/PID/cgroup text (caller frees) */
	uint64_t ref_start;	/* ref's start time, clock ticks after boot; 0: not known yet */
};

void pidcache_init(struct pidcache *c);
/* Frees every entry and closes its pidfd. */
void pidcache_clear(struct pidcache *c);

/* Looks up thread @tid at CLOCK_MONOTONIC @now_ns (nanoseconds). Returns 0 and *ret (the
 * caller frees ret->cgroup) when a live entry read less than PIDCACHE_TEXT_NS ago exists;
 * -ENOENT otherwise (an entry of an exited thread is dropped); -ENOMEM. */
int pidcache_get(struct pidcache *c, pid_t tid, uint64_t now_ns, struct pidcache_view *ret);

/* Stores what was learned about @tid at @now_ns, replacing any entry; takes ownership of
 * @pidfd (a pidfd of @tid) in every case; @v->cgroup is copied. Returns 0, -ENOMEM, or -ENOSPC
 * when PIDCACHE_MAX entries exist. */
int pidcache_put(struct pidcache *c, pid_t tid, int pidfd, const struct pidcache_view *v,
		 uint64_t now_ns);

/* Records ref's start time (clock ticks) in @tid's entry, when it still has @ref. */
void pidcache_set_start(struct pidcache *c, pid_t tid, pid_t ref, uint64_t start);

/* Drops entries unused for PIDCACHE_IDLE_NS at @now_ns or whose thread exited. Returns the
 * number dropped. */
size_t pidcache_prune(struct pidcache *c, uint64_t now_ns);
