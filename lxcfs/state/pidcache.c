/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Per-process facts cache (pidcache.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pidcache.h"

struct pidcache_entry {
	struct pidcache_entry *next;
	pid_t pid;
	uint64_t id;
	bool has_ns;
	dev_t ns_dev;
	ino_t ns_ino;
	char *cgroup;		/* NULL: not read yet */
	uint64_t cgroup_ns;	/* when cgroup was read */
	uint64_t used_ns;
};

static size_t bucket_of(pid_t pid)
{
	return (size_t) (((uint64_t) (uint32_t) pid * 0x9E3779B97F4A7C15ull) >> 54) % PIDCACHE_BUCKETS;
}

static void entry_free(struct pidcache_entry *e)
{
	free(e->cgroup);
	free(e);
}

void pidcache_init(struct pidcache *c)
{
	*c = (struct pidcache) {};
	pthread_mutex_init(&c->lock, NULL);
}

void pidcache_clear(struct pidcache *c)
{
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < PIDCACHE_BUCKETS; i++)
		while (c->buckets[i]) {
			struct pidcache_entry *e = c->buckets[i];

			c->buckets[i] = e->next;
			entry_free(e);
		}
	c->n = 0;
	pthread_mutex_unlock(&c->lock);
}

/* The entry of @pid (c->lock held); one of another identity (a dead process whose pid was
 * reused) is dropped on the way. */
static struct pidcache_entry *find_locked(struct pidcache *c, pid_t pid, uint64_t id)
{
	for (struct pidcache_entry **pp = &c->buckets[bucket_of(pid)]; *pp; pp = &(*pp)->next) {
		struct pidcache_entry *e = *pp;

		if (e->pid != pid)
			continue;
		if (e->id == id)
			return e;
		*pp = e->next;
		c->n--;
		entry_free(e);
		return NULL;
	}
	return NULL;
}

static struct pidcache_entry *find_or_add_locked(struct pidcache *c, pid_t pid, uint64_t id,
						 uint64_t now_ns, int *ret_error)
{
	struct pidcache_entry *e = find_locked(c, pid, id);

	if (e)
		return e;
	if (c->n >= PIDCACHE_MAX) {
		*ret_error = -ENOSPC;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		*ret_error = -ENOMEM;
		return NULL;
	}
	e->pid = pid;
	e->id = id;
	e->used_ns = now_ns;
	e->next = c->buckets[bucket_of(pid)];
	c->buckets[bucket_of(pid)] = e;
	c->n++;
	return e;
}

int pidcache_get(struct pidcache *c, pid_t pid, uint64_t id, uint64_t now_ns, dev_t *ret_ns_dev,
		 ino_t *ret_ns_ino, char **ret_cgroup)
{
	struct pidcache_entry *e;
	int r = -ENOENT;

	if (ret_cgroup)
		*ret_cgroup = NULL;
	pthread_mutex_lock(&c->lock);
	e = find_locked(c, pid, id);
	if (e) {
		e->used_ns = now_ns;
		if (ret_cgroup && e->cgroup &&
		    (int64_t) (now_ns - e->cgroup_ns) < (int64_t) PIDCACHE_CGROUP_NS) {
			*ret_cgroup = strdup(e->cgroup);
			if (!*ret_cgroup) {
				pthread_mutex_unlock(&c->lock);
				return -ENOMEM;
			}
		}
		if (e->has_ns) {
			*ret_ns_dev = e->ns_dev;
			*ret_ns_ino = e->ns_ino;
			r = 0;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return r;
}

int pidcache_put_ns(struct pidcache *c, pid_t pid, uint64_t id, dev_t ns_dev, ino_t ns_ino,
		    uint64_t now_ns)
{
	struct pidcache_entry *e;
	int r = 0;

	pthread_mutex_lock(&c->lock);
	e = find_or_add_locked(c, pid, id, now_ns, &r);
	if (e) {
		e->has_ns = true;
		e->ns_dev = ns_dev;
		e->ns_ino = ns_ino;
	}
	pthread_mutex_unlock(&c->lock);
	return r;
}

int pidcache_put_cgroup(struct pidcache *c, pid_t pid, uint64_t id, const char *text,
			uint64_t now_ns)
{
	char *copy = strdup(text);
	struct pidcache_entry *e;
	int r = 0;

	if (!copy)
		return -ENOMEM;
	pthread_mutex_lock(&c->lock);
	e = find_or_add_locked(c, pid, id, now_ns, &r);
	if (e) {
		free(e->cgroup);
		e->cgroup = copy;
		e->cgroup_ns = now_ns;
		copy = NULL;
	}
	pthread_mutex_unlock(&c->lock);
	free(copy);
	return r;
}

size_t pidcache_prune(struct pidcache *c, uint64_t now_ns)
{
	struct pidcache_entry *drop = NULL;
	size_t n = 0;

	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < PIDCACHE_BUCKETS; i++) {
		struct pidcache_entry **pp = &c->buckets[i];

		while (*pp) {
			struct pidcache_entry *e = *pp;

			if ((int64_t) (now_ns - e->used_ns) >= (int64_t) PIDCACHE_IDLE_NS) {
				*pp = e->next;
				c->n--;
				e->next = drop;
				drop = e;
			} else
				pp = &e->next;
		}
	}
	pthread_mutex_unlock(&c->lock);
	while (drop) {
		struct pidcache_entry *e = drop;

		drop = e->next;
		entry_free(e);
		n++;
	}
	return n;
}
