/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pid namespace init cache; the only lock here is c->lock, never held across other locks. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nscache.h"

struct nscache_entry {
	dev_t dev;
	ino_t ino;
	pid_t init;
	int pidfd;
	uint64_t last_used_sec;
	struct nscache_entry *next;
};

static size_t bucket_of(ino_t ino)
{
	return (size_t) ((uint64_t) ino * 0x9E3779B97F4A7C15ull >> 56) % NSCACHE_BUCKETS;
}

static void entry_free(struct nscache_entry *e)
{
	if (e->pidfd >= 0)
		(void) close(e->pidfd);
	free(e);
}

static bool entry_alive(const struct nscache_entry *e)
{
	return syscall(SYS_pidfd_send_signal, e->pidfd, 0, NULL, 0) == 0;
}

void nscache_init(struct nscache *c)
{
	*c = (struct nscache) {};
	pthread_mutex_init(&c->lock, NULL);
}

void nscache_clear(struct nscache *c)
{
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < NSCACHE_BUCKETS; i++) {
		struct nscache_entry *e = c->buckets[i];

		while (e) {
			struct nscache_entry *n = e->next;

			entry_free(e);
			e = n;
		}
		c->buckets[i] = NULL;
	}
	pthread_mutex_unlock(&c->lock);
}

static void prune_locked(struct nscache *c, uint64_t now_sec, bool dead_too)
{
	if (!dead_too && now_sec < c->last_prune_sec + NSCACHE_PRUNE_SEC)
		return;
	c->last_prune_sec = now_sec;
	for (size_t i = 0; i < NSCACHE_BUCKETS; i++) {
		struct nscache_entry **pp = &c->buckets[i];

		while (*pp) {
			struct nscache_entry *e = *pp;

			if (e->last_used_sec + NSCACHE_TTL_SEC < now_sec || (dead_too && !entry_alive(e))) {
				*pp = e->next;
				entry_free(e);
			} else
				pp = &e->next;
		}
	}
}

int nscache_get(struct nscache *c, dev_t dev, ino_t ino, uint64_t now_sec, pid_t *ret_init)
{
	struct nscache_entry **pp;
	int r = -ENOENT;

	pthread_mutex_lock(&c->lock);
	for (pp = &c->buckets[bucket_of(ino)]; *pp; pp = &(*pp)->next) {
		struct nscache_entry *e = *pp;

		if (e->ino != ino || e->dev != dev)
			continue;
		if (!entry_alive(e)) {
			*pp = e->next;
			entry_free(e);
			break;
		}
		e->last_used_sec = now_sec;
		*ret_init = e->init;
		r = 0;
		break;
	}
	prune_locked(c, now_sec, false);
	pthread_mutex_unlock(&c->lock);
	return r;
}

int nscache_put(struct nscache *c, dev_t dev, ino_t ino, pid_t init, int pidfd, uint64_t now_sec)
{
	struct nscache_entry *e = calloc(1, sizeof(*e)), **pp;

	if (!e) {
		(void) close(pidfd);
		return -ENOMEM;
	}
	*e = (struct nscache_entry) { .dev = dev, .ino = ino, .init = init, .pidfd = pidfd,
				      .last_used_sec = now_sec };
	pthread_mutex_lock(&c->lock);
	for (pp = &c->buckets[bucket_of(ino)]; *pp; pp = &(*pp)->next)
		if ((*pp)->ino == ino && (*pp)->dev == dev) {
			struct nscache_entry *old = *pp;

			*pp = old->next;
			entry_free(old);
			break;
		}
	e->next = c->buckets[bucket_of(ino)];
	c->buckets[bucket_of(ino)] = e;
	pthread_mutex_unlock(&c->lock);
	return 0;
}

void nscache_prune(struct nscache *c, uint64_t now_sec)
{
	pthread_mutex_lock(&c->lock);
	prune_locked(c, now_sec, true);
	pthread_mutex_unlock(&c->lock);
}
