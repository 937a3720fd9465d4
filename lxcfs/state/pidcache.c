/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Per-thread facts cache (pidcache.h). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pidcache.h"

struct pidcache_entry {
	struct pidcache_entry *next;
	pid_t tid;
	int pidfd;
	struct pidcache_view v;		/* v.cgroup owned */
	uint64_t read_ns;		/* when v was learned */
	uint64_t used_ns;
};

static size_t bucket_of(pid_t pid)
{
	return (size_t) (((uint64_t) (uint32_t) pid * 0x9E3779B97F4A7C15ull) >> 54) % PIDCACHE_BUCKETS;
}

static pthread_mutex_t *lock_of(struct pidcache *c, size_t bucket)
{
	return &c->locks[bucket % PIDCACHE_LOCKS];
}

static void entry_free(struct pidcache_entry *e)
{
	if (e->pidfd >= 0)
		(void) close(e->pidfd);
	free(e->v.cgroup);
	free(e);
}

/* poll(2) on a pidfd: readable once the thread exited (kernel/pid.c pidfd_poll) */
static bool entry_alive(const struct pidcache_entry *e)
{
	struct pollfd p = { .fd = e->pidfd, .events = POLLIN };

	return poll(&p, 1, 0) == 0;
}

void pidcache_init(struct pidcache *c)
{
	*c = (struct pidcache) {};
	for (size_t i = 0; i < PIDCACHE_LOCKS; i++)
		pthread_mutex_init(&c->locks[i], NULL);
}

void pidcache_clear(struct pidcache *c)
{
	for (size_t i = 0; i < PIDCACHE_BUCKETS; i++) {
		pthread_mutex_lock(lock_of(c, i));
		while (c->buckets[i]) {
			struct pidcache_entry *e = c->buckets[i];

			c->buckets[i] = e->next;
			entry_free(e);
			atomic_fetch_sub(&c->n, 1);
		}
		pthread_mutex_unlock(lock_of(c, i));
	}
}

/* Unlinks the entry of @tid from bucket @b (its lock held) and returns it, or NULL. */
static struct pidcache_entry *unlink_locked(struct pidcache *c, size_t b, pid_t tid)
{
	for (struct pidcache_entry **pp = &c->buckets[b]; *pp; pp = &(*pp)->next)
		if ((*pp)->tid == tid) {
			struct pidcache_entry *e = *pp;

			*pp = e->next;
			atomic_fetch_sub(&c->n, 1);
			return e;
		}
	return NULL;
}

int pidcache_get(struct pidcache *c, pid_t tid, uint64_t now_ns, struct pidcache_view *ret)
{
	size_t b = bucket_of(tid);
	struct pidcache_entry *e, *dead = NULL;
	int r = -ENOENT;

	pthread_mutex_lock(lock_of(c, b));
	for (e = c->buckets[b]; e && e->tid != tid; e = e->next)
		;
	if (e && !entry_alive(e))
		dead = unlink_locked(c, b, tid);
	else if (e && (int64_t) (now_ns - e->read_ns) < (int64_t) PIDCACHE_TEXT_NS) {
		e->used_ns = now_ns;
		*ret = e->v;
		ret->cgroup = strdup(e->v.cgroup);
		r = ret->cgroup ? 0 : -ENOMEM;
	}
	pthread_mutex_unlock(lock_of(c, b));
	if (dead)
		entry_free(dead);
	return r;
}

int pidcache_put(struct pidcache *c, pid_t tid, int pidfd, const struct pidcache_view *v,
		 uint64_t now_ns)
{
	struct pidcache_entry *e, *old;
	size_t b = bucket_of(tid);

	e = calloc(1, sizeof(*e));
	if (!e) {
		(void) close(pidfd);
		return -ENOMEM;
	}
	*e = (struct pidcache_entry) { .tid = tid, .pidfd = pidfd, .v = *v, .read_ns = now_ns,
				       .used_ns = now_ns };
	e->v.cgroup = strdup(v->cgroup);
	if (!e->v.cgroup) {
		entry_free(e);
		return -ENOMEM;
	}
	pthread_mutex_lock(lock_of(c, b));
	old = unlink_locked(c, b, tid);
	if (atomic_load(&c->n) >= PIDCACHE_MAX) {
		pthread_mutex_unlock(lock_of(c, b));
		if (old)
			entry_free(old);
		entry_free(e);
		return -ENOSPC;
	}
	e->next = c->buckets[b];
	c->buckets[b] = e;
	atomic_fetch_add(&c->n, 1);
	pthread_mutex_unlock(lock_of(c, b));
	if (old)
		entry_free(old);
	return 0;
}

void pidcache_set_start(struct pidcache *c, pid_t tid, pid_t ref, uint64_t start)
{
	size_t b = bucket_of(tid);

	pthread_mutex_lock(lock_of(c, b));
	for (struct pidcache_entry *e = c->buckets[b]; e; e = e->next)
		if (e->tid == tid && e->v.ref == ref) {
			e->v.ref_start = start;
			break;
		}
	pthread_mutex_unlock(lock_of(c, b));
}

size_t pidcache_prune(struct pidcache *c, uint64_t now_ns)
{
	size_t n = 0;

	for (size_t i = 0; i < PIDCACHE_BUCKETS; i++) {
		struct pidcache_entry *drop = NULL;

		if (!__atomic_load_n(&c->buckets[i], __ATOMIC_RELAXED))
			continue;	/* unlocked peek: an entry missed waits for the next round */
		pthread_mutex_lock(lock_of(c, i));
		for (struct pidcache_entry **pp = &c->buckets[i]; *pp;) {
			struct pidcache_entry *e = *pp;

			if ((int64_t) (now_ns - e->used_ns) >= (int64_t) PIDCACHE_IDLE_NS ||
			    !entry_alive(e)) {
				*pp = e->next;
				atomic_fetch_sub(&c->n, 1);
				e->next = drop;
				drop = e;
			} else
				pp = &e->next;
		}
		pthread_mutex_unlock(lock_of(c, i));
		while (drop) {
			struct pidcache_entry *e = drop;

			drop = e->next;
			entry_free(e);
			n++;
		}
	}
	return n;
}
