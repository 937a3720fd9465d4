/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reused open files of cgroupfs and procfs (fdcache.h). The only locks: c->lock (the table)
 * and e->lock (one file's reads); e->lock is never taken with c->lock held. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fdcache.h"
#include "fileio.h"

#define FDCACHE_BUCKETS 1024

struct fdcache_entry {
	struct fdcache_entry *next;	/* bucket chain; protected by c->lock */
	unsigned refs;			/* readers holding it; protected by c->lock */
	bool dead;			/* unlinked: the last reader frees it; c->lock */
	uint64_t opened_ns;		/* immutable */
	uint64_t used_ns;		/* c->lock */
	pthread_mutex_t lock;		/* serializes reads of fd */
	size_t hint;			/* bytes of the last read (e->lock) */
	char *text;			/* the last read's content, when kept (e->lock) */
	uint64_t text_ns;		/* when it was read (e->lock) */
	int fd;				/* immutable */
	int dirfd;			/* immutable */
	bool beneath;			/* immutable */
	size_t hash;			/* immutable */
	char path[];			/* immutable */
};

struct fdcache {
	pthread_mutex_t lock;
	size_t n, max;
	struct fdcache_entry *buckets[FDCACHE_BUCKETS];
};

uint64_t fdcache_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static size_t key_hash(int dirfd, const char *path)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t) (unsigned) dirfd;

	for (const unsigned char *p = (const unsigned char *) path; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return (size_t) h;
}

static void entry_free(struct fdcache_entry *e)
{
	if (e->fd >= 0)
		(void) close(e->fd);
	free(e->text);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

int fdcache_new(size_t max, struct fdcache **ret)
{
	struct fdcache *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	pthread_mutex_init(&c->lock, NULL);
	c->max = max ? max : FDCACHE_MAX_DEFAULT;
	*ret = c;
	return 0;
}

void fdcache_free(struct fdcache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < FDCACHE_BUCKETS; i++)
		while (c->buckets[i]) {
			struct fdcache_entry *e = c->buckets[i];

			c->buckets[i] = e->next;
			entry_free(e);
		}
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* Unlinks @e from the table (c->lock held); it is freed now when nobody reads it, else by the
 * last release. Returns @e when the caller must free it (after dropping the lock). */
static struct fdcache_entry *unlink_locked(struct fdcache *c, struct fdcache_entry *e)
{
	for (struct fdcache_entry **pp = &c->buckets[e->hash % FDCACHE_BUCKETS]; *pp; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			c->n--;
			break;
		}
	e->dead = true;
	return e->refs == 0 ? e : NULL;
}

static struct fdcache_entry *find_locked(struct fdcache *c, size_t hash, int dirfd, const char *path,
					 bool beneath)
{
	for (struct fdcache_entry *e = c->buckets[hash % FDCACHE_BUCKETS]; e; e = e->next)
		if (e->hash == hash && e->dirfd == dirfd && e->beneath == beneath &&
		    strcmp(e->path, path) == 0)
			return e;
	return NULL;
}

/* The least recently used entry nobody reads (c->lock held), or NULL. */
static struct fdcache_entry *lru_idle_locked(struct fdcache *c)
{
	struct fdcache_entry *best = NULL;

	for (size_t i = 0; i < FDCACHE_BUCKETS; i++)
		for (struct fdcache_entry *e = c->buckets[i]; e; e = e->next)
			if (e->refs == 0 && (!best || e->used_ns < best->used_ns))
				best = e;
	return best;
}

static int open_file(int dirfd, const char *path, bool beneath)
{
	int fd;

	if (beneath)
		return open_beneath(dirfd, path, O_RDONLY);
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	return fd < 0 ? -errno : fd;
}

/* An entry for (@dirfd, @path) with a reference, opened now if needed; NULL and *ret_error
 * (the open's -errno, -ENOMEM) otherwise. */
static struct fdcache_entry *acquire(struct fdcache *c, int dirfd, const char *path, bool beneath,
				     uint64_t now, int *ret_error)
{
	size_t hash = key_hash(dirfd, path), len = strlen(path);
	struct fdcache_entry *e, *other, *drop = NULL, *evict = NULL;
	int fd;

	pthread_mutex_lock(&c->lock);
	e = find_locked(c, hash, dirfd, path, beneath);
	if (e && (int64_t) (now - e->opened_ns) < (int64_t) FDCACHE_REUSE_NS) {
		e->refs++;
		e->used_ns = now;
		pthread_mutex_unlock(&c->lock);
		return e;
	}
	if (e)
		drop = unlink_locked(c, e);	/* too old: reopen */
	pthread_mutex_unlock(&c->lock);
	if (drop)
		entry_free(drop);

	fd = open_file(dirfd, path, beneath);
	if (fd < 0) {
		*ret_error = fd;
		return NULL;
	}
	e = malloc(sizeof(*e) + len + 1);
	if (!e) {
		(void) close(fd);
		*ret_error = -ENOMEM;
		return NULL;
	}
	*e = (struct fdcache_entry) { .refs = 1, .opened_ns = now, .used_ns = now, .fd = fd,
				      .dirfd = dirfd, .beneath = beneath, .hash = hash };
	pthread_mutex_init(&e->lock, NULL);
	memcpy(e->path, path, len + 1);

	pthread_mutex_lock(&c->lock);
	other = find_locked(c, hash, dirfd, path, beneath);
	if (other) {
		/* another reader opened it meanwhile: one fd per file */
		other->refs++;
		other->used_ns = now;
		pthread_mutex_unlock(&c->lock);
		entry_free(e);
		return other;
	}
	if (c->n >= c->max) {
		struct fdcache_entry *old = lru_idle_locked(c);

		if (old)
			evict = unlink_locked(c, old);
	}
	if (c->n < c->max) {
		e->next = c->buckets[hash % FDCACHE_BUCKETS];
		c->buckets[hash % FDCACHE_BUCKETS] = e;
		c->n++;
	} else
		e->dead = true;		/* every entry is being read: use this fd once */
	pthread_mutex_unlock(&c->lock);
	if (evict)
		entry_free(evict);
	return e;
}

static void release(struct fdcache *c, struct fdcache_entry *e, bool kill)
{
	struct fdcache_entry *drop = NULL;

	pthread_mutex_lock(&c->lock);
	if (kill && !e->dead)
		(void) unlink_locked(c, e);
	if (--e->refs == 0 && e->dead)
		drop = e;
	pthread_mutex_unlock(&c->lock);
	if (drop)
		entry_free(drop);
}

static char *memdup_nul(const char *p, size_t len)
{
	char *d = malloc(len + 1);

	if (d) {
		memcpy(d, p, len);
		d[len] = 0;
	}
	return d;
}

/* Reads @fd from offset 0 to its end (see enum fdcache_kind); @hint: the expected size. */
static int pread_whole(int fd, enum fdcache_kind kind, size_t max, size_t hint, char **ret_text,
		       size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, alloc = 0, want = 4096;

	while (want < hint + 512 && want < max + 2)
		want *= 2;
	for (;;) {
		ssize_t n;

		if (alloc - len < 2) {
			size_t na = alloc ? alloc * 2 : want;
			char *p;

			if (na > max + 2)
				na = max + 2;
			if (na <= alloc)
				return -EFBIG;
			p = realloc(buf, na);
			if (!p)
				return -ENOMEM;
			buf = p;
			alloc = na;
		}
		n = pread(fd, buf + len, alloc - len - 1, (off_t) len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t) n;
		if (len > max)
			return -EFBIG;
		if (kind == FDCACHE_SINGLE_RECORD && len < alloc - 1)
			break;	/* the whole record fitted: that was all */
	}
	if (!buf) {
		buf = malloc(1);
		if (!buf)
			return -ENOMEM;
	}
	buf[len] = 0;
	if (memchr(buf, 0, len))
		return -EBADMSG;
	*ret_text = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = len;
	return 0;
}

int fdcache_read_aged(struct fdcache *c, int dirfd, const char *path, bool beneath,
		      enum fdcache_kind kind, size_t max, uint64_t max_age_ns, char **ret_text,
		      size_t *ret_len)
{
	uint64_t now;
	int r = -ENOENT;

	if (!c) {
		_cleanup_close_ int fd = open_file(dirfd, path, beneath);

		if (fd < 0)
			return fd;
		return pread_whole(fd, kind, max, 0, ret_text, ret_len);
	}
	now = fdcache_now_ns();
	/* twice at most: a cached fd of a removed cgroup fails with ENODEV, a fresh one is
	 * either the new cgroup of that path or ENOENT */
	for (int attempt = 0; attempt < 2; attempt++) {
		struct fdcache_entry *e = acquire(c, dirfd, path, beneath, now, &r);
		size_t len = 0;

		if (!e)
			return r;
		pthread_mutex_lock(&e->lock);
		if (max_age_ns && e->text && (int64_t) (now - e->text_ns) < (int64_t) max_age_ns) {
			len = e->hint;
			*ret_text = memdup_nul(e->text, len);
			r = *ret_text ? 0 : -ENOMEM;
		} else {
			r = pread_whole(e->fd, kind, max, e->hint, ret_text, &len);
			if (r == 0)
				e->hint = len;
			free(e->text);
			e->text = r == 0 && max_age_ns ? memdup_nul(*ret_text, len) : NULL;
			e->text_ns = now;
		}
		pthread_mutex_unlock(&e->lock);
		if (r == 0 && ret_len)
			*ret_len = len;
		release(c, e, r < 0 && r != -ENOMEM);
		if (r != -ENODEV)
			break;
	}
	return r == -ENODEV ? -ENOENT : r;
}

int fdcache_read(struct fdcache *c, int dirfd, const char *path, bool beneath,
		 enum fdcache_kind kind, size_t max, char **ret_text, size_t *ret_len)
{
	return fdcache_read_aged(c, dirfd, path, beneath, kind, max, 0, ret_text, ret_len);
}

size_t fdcache_prune(struct fdcache *c, uint64_t now_ns)
{
	struct fdcache_entry *closing = NULL;
	size_t n = 0;

	if (!c)
		return 0;
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < FDCACHE_BUCKETS; i++) {
		struct fdcache_entry **pp = &c->buckets[i];

		while (*pp) {
			struct fdcache_entry *e = *pp;

			if (e->refs == 0 && (int64_t) (now_ns - e->used_ns) >= (int64_t) FDCACHE_IDLE_NS) {
				*pp = e->next;
				c->n--;
				e->dead = true;
				e->next = closing;
				closing = e;
			} else
				pp = &e->next;
		}
	}
	pthread_mutex_unlock(&c->lock);
	while (closing) {
		struct fdcache_entry *e = closing;

		closing = e->next;
		entry_free(e);
		n++;
	}
	return n;
}

size_t fdcache_size(struct fdcache *c)
{
	size_t n;

	if (!c)
		return 0;
	pthread_mutex_lock(&c->lock);
	n = c->n;
	pthread_mutex_unlock(&c->lock);
	return n;
}
