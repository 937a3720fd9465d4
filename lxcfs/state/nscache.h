/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Cache of pid namespace -> host pid of that namespace's init, shared by all FUSE worker
 * threads. Entries hold a pidfd so a dead init (and a reused pid) is detected on every hit. */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define NSCACHE_BUCKETS 256
#define NSCACHE_TTL_SEC 10	/* entries unused this long are pruned */
#define NSCACHE_PRUNE_SEC 5	/* at most one prune pass per this interval */

struct nscache_entry;

struct nscache {
	pthread_mutex_t lock;
	struct nscache_entry *buckets[NSCACHE_BUCKETS];	/* protected by ->lock */
	uint64_t last_prune_sec;			/* protected by ->lock */
};

void nscache_init(struct nscache *c);
/* Frees every entry and closes their pidfds. Thread-safe. */
void nscache_clear(struct nscache *c);

/* Looks up the init of the pid namespace (@dev, @ino) at monotonic time @now_sec.
 * Returns 0 and *ret_init when a live entry exists, -ENOENT otherwise (a dead one is dropped).
 * Prunes stale entries at most every NSCACHE_PRUNE_SEC. Thread-safe. */
int nscache_get(struct nscache *c, dev_t dev, ino_t ino, uint64_t now_sec, pid_t *ret_init);

/* Inserts (or replaces) an entry; takes ownership of @pidfd in every case.
 * Returns 0 or -ENOMEM. Thread-safe. */
int nscache_put(struct nscache *c, dev_t dev, ino_t ino, pid_t init, int pidfd, uint64_t now_sec);

/* Drops the entries whose init has exited (a container that stopped) and those unused for
 * NSCACHE_TTL_SEC, closing their pidfds. Thread-safe; the cache janitor calls it every second. */
void nscache_prune(struct nscache *c, uint64_t now_sec);
