/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Load average store and its sampler thread; the only lock here is s->lock (a leaf lock). */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../render/loadavg.h"
#include "cleanup.h"
#include "loadavg.h"
#include "log.h"
#include "parse-util.h"
#include "strbuf.h"
#include "tasks.h"

struct loadavg_entry {
	struct loadavg_entry *next;
	uint64_t id;			/* unique for the store's lifetime: a re-created key differs */
	unsigned fails;			/* consecutive failed samples */
	struct loadavg_state st;
	size_t key_len;
	char key[];
};

/* The (id, key) pairs of one round, copied under the lock. */
struct key_list {
	uint64_t *ids;
	char **keys;			/* point into ->blob */
	char *blob;
	size_t n;
};

static void key_list_done(struct key_list *l)
{
	free(l->ids);
	free(l->keys);
	free(l->blob);
	*l = (struct key_list) {};
}

/* FNV-1a */
static size_t bucket_of(const char *key)
{
	uint64_t h = UINT64_C(14695981039346656037);

	for (const unsigned char *p = (const unsigned char *) key; *p; p++)
		h = (h ^ *p) * UINT64_C(1099511628211);
	return (size_t) (h % LOADAVG_BUCKETS);
}

/* Caller holds s->lock. Returns the link pointing at the entry for @key, or NULL. */
static struct loadavg_entry **find_locked(struct loadavg_store *s, const char *key)
{
	for (struct loadavg_entry **pp = &s->buckets[bucket_of(key)]; *pp; pp = &(*pp)->next)
		if (streq((*pp)->key, key))
			return pp;
	return NULL;
}

struct loadavg_store *loadavg_store_new(loadavg_sample_t sample, void *userdata)
{
	struct loadavg_store *s = calloc(1, sizeof(*s));
	pthread_condattr_t attr;

	if (!s)
		return NULL;
	if (pthread_condattr_init(&attr) != 0) {
		free(s);
		return NULL;
	}
	/* timed waits against CLOCK_MONOTONIC: a clock step cannot stall or hurry the sampler */
	(void) pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (pthread_cond_init(&s->wake, &attr) != 0) {
		pthread_condattr_destroy(&attr);
		free(s);
		return NULL;
	}
	pthread_condattr_destroy(&attr);
	pthread_mutex_init(&s->lock, NULL);
	atomic_init(&s->cancel, false);
	s->sample = sample;
	s->userdata = userdata;
	s->interval_ms = LOADAVG_INTERVAL_MS;
	return s;
}

void loadavg_store_free(struct loadavg_store *s)
{
	if (!s)
		return;
	loadavg_store_stop(s);
	for (size_t i = 0; i < LOADAVG_BUCKETS; i++) {
		struct loadavg_entry *e = s->buckets[i];

		while (e) {
			struct loadavg_entry *n = e->next;

			free(e);
			e = n;
		}
	}
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int loadavg_store_get(struct loadavg_store *s, const char *key, pid_t ref,
		      struct loadavg_state *ret)
{
	_cleanup_free_ struct loadavg_entry *fresh = NULL;
	size_t len = strlen(key);
	struct loadavg_entry **pp;
	struct loadavg_state st;
	bool found;
	int r;

	if (len == 0)
		return -EINVAL;
	if (len > LOADAVG_KEY_MAX)
		return -ENAMETOOLONG;

	pthread_mutex_lock(&s->lock);
	pp = find_locked(s, key);
	found = pp;
	if (found)
		st = (*pp)->st;
	pthread_mutex_unlock(&s->lock);
	if (found) {
		*ret = st;
		return 0;
	}

	/* a new key: allocate without the lock, then insert unless another reader was faster */
	fresh = malloc(sizeof(*fresh) + len + 1);
	if (!fresh)
		return -ENOMEM;
	*fresh = (struct loadavg_entry) { .key_len = len };
	memcpy(fresh->key, key, len + 1);
	loadavg_state_init(ref, &fresh->st);

	pthread_mutex_lock(&s->lock);
	pp = find_locked(s, key);
	if (pp) {
		st = (*pp)->st;
		r = 0;
	} else if (s->n_entries >= LOADAVG_ENTRIES_MAX)
		r = -ENOSPC;
	else {
		size_t b = bucket_of(key);

		fresh->id = ++s->next_id;
		fresh->next = s->buckets[b];
		st = fresh->st;
		s->buckets[b] = TAKE_PTR(fresh);
		s->n_entries++;
		s->key_bytes += len + 1;
		r = 1;
	}
	pthread_mutex_unlock(&s->lock);
	if (r >= 0)
		*ret = st;
	return r;
}

/* Copies (id, key) of every entry. The allocations happen under the lock, but they are two
 * arrays and one blob of at most LOADAVG_ENTRIES_MAX * (LOADAVG_KEY_MAX + 1) bytes. */
static int keys_copy(struct loadavg_store *s, struct key_list *ret)
{
	struct key_list l = {};
	char *p;
	int r = 0;

	pthread_mutex_lock(&s->lock);
	if (s->n_entries > 0) {
		l.ids = malloc(s->n_entries * sizeof(*l.ids));
		l.keys = malloc(s->n_entries * sizeof(*l.keys));
		l.blob = malloc(s->key_bytes);
		if (!l.ids || !l.keys || !l.blob)
			r = -ENOMEM;
	}
	p = l.blob;
	for (size_t i = 0; r == 0 && i < LOADAVG_BUCKETS; i++)
		for (struct loadavg_entry *e = s->buckets[i]; e; e = e->next) {
			memcpy(p, e->key, e->key_len + 1);
			l.ids[l.n] = e->id;
			l.keys[l.n++] = p;
			p += e->key_len + 1;
		}
	pthread_mutex_unlock(&s->lock);
	if (r < 0) {
		key_list_done(&l);
		return r;
	}
	*ret = l;
	return 0;
}

/* Writes the result @r/@c of sampling key @key (entry @id) back: one pure step, or deletion. */
static void entry_update(struct loadavg_store *s, uint64_t id, const char *key, int r,
			 const struct tasks_count *c)
{
	_cleanup_free_ struct loadavg_entry *dead = NULL;
	struct loadavg_entry **pp;

	pthread_mutex_lock(&s->lock);
	pp = find_locked(s, key);
	if (pp && (*pp)->id == id) {
		struct loadavg_entry *e = *pp;

		if (r >= 0 && c->total > 0) {
			struct loadavg_state next;

			loadavg_step(&e->st, c, &next);		/* copy out, pure step, copy back */
			e->st = next;
			e->fails = 0;
		} else if (r >= 0 || r == -ENOENT || ++e->fails >= LOADAVG_FAILS_MAX) {
			*pp = e->next;				/* empty, gone, or failing: forget it */
			s->n_entries--;
			s->key_bytes -= e->key_len + 1;
			dead = e;				/* freed after the unlock */
		}
	}
	pthread_mutex_unlock(&s->lock);
}

int loadavg_store_round(struct loadavg_store *s, size_t *resume)
{
	_cleanup_(key_list_done) struct key_list keys = {};
	uint64_t threads = 0;
	size_t start, done = 0;
	int r;

	r = keys_copy(s, &keys);
	if (r < 0)
		return r;
	start = keys.n ? *resume % keys.n : 0;
	*resume = 0;
	for (size_t k = 0; k < keys.n; k++) {
		size_t i = (start + k) % keys.n;
		struct tasks_count c = {};

		if (threads >= LOADAVG_ROUND_THREADS) {
			*resume = i;	/* the rest first next time; their values wait a round */
			break;
		}
		if (atomic_load(&s->cancel))
			return -ECANCELED;
		r = s->sample(s->userdata, keys.keys[i], &s->cancel, &c);	/* no lock held */
		if (r == -ECANCELED)
			return r;
		if (r < 0)
			log_debug_errno(r, "Failed to sample the tasks of cpu cgroup '%s': %m", keys.keys[i]);
		entry_update(s, keys.ids[i], keys.keys[i], r, &c);
		/* the work done: threads plus cgroups read (at least one, even for a failure) */
		threads += (r >= 0 ? c.total + c.cgroups : 0) + 1;
		done++;
	}
	pthread_mutex_lock(&s->lock);
	s->rounds++;
	pthread_mutex_unlock(&s->lock);
	return (int) done;
}

static void timespec_add_ms(struct timespec *ts, unsigned ms)
{
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long) (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void *sampler_main(void *arg)
{
	struct loadavg_store *s = arg;
	size_t resume = 0;

	for (;;) {
		struct timespec deadline;
		bool stop;
		int r;

		(void) clock_gettime(CLOCK_MONOTONIC, &deadline);
		timespec_add_ms(&deadline, s->interval_ms);
		r = loadavg_store_round(s, &resume);
		if (r < 0 && r != -ECANCELED)
			log_debug_errno(r, "Load average round failed, retrying in %u ms: %m", s->interval_ms);

		/* a timed wait, not sleep(): loadavg_store_stop() wakes it at once */
		pthread_mutex_lock(&s->lock);
		while (!s->stop && pthread_cond_timedwait(&s->wake, &s->lock, &deadline) != ETIMEDOUT)
			;
		stop = s->stop;
		pthread_mutex_unlock(&s->lock);
		if (stop)
			return NULL;
	}
}

int loadavg_store_start(struct loadavg_store *s, unsigned interval_ms)
{
	sigset_t all, old;
	int r;

	if (s->started)
		return -EALREADY;
	s->interval_ms = interval_ms;
	/* process-directed signals (SIGTERM for the FUSE loop, SIGUSR1/2) must reach the other
	 * threads: the sampler starts with every signal blocked */
	sigfillset(&all);
	r = pthread_sigmask(SIG_SETMASK, &all, &old);
	if (r != 0)
		return -r;
	r = pthread_create(&s->thread, NULL, sampler_main, s);
	(void) pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0)
		return -r;
	s->started = true;
	return 0;
}

void loadavg_store_stop(struct loadavg_store *s)
{
	if (!s->started)
		return;
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	atomic_store(&s->cancel, true);
	pthread_cond_broadcast(&s->wake);
	pthread_mutex_unlock(&s->lock);
	(void) pthread_join(s->thread, NULL);
	s->started = false;
}

size_t loadavg_store_size(struct loadavg_store *s)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = s->n_entries;
	pthread_mutex_unlock(&s->lock);
	return n;
}

uint64_t loadavg_store_rounds(struct loadavg_store *s)
{
	uint64_t n;

	pthread_mutex_lock(&s->lock);
	n = s->rounds;
	pthread_mutex_unlock(&s->lock);
	return n;
}

int loadavg_store_save(struct loadavg_store *s, struct strbuf *out)
{
	int r = 0;

	pthread_mutex_lock(&s->lock);
	for (size_t b = 0; b < LOADAVG_BUCKETS && r >= 0; b++)
		for (struct loadavg_entry *e = s->buckets[b]; e && r >= 0; e = e->next)
			r = strbuf_appendf(out, "loadavg %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
					   " %" PRIu64 " %d %zu %s\n", e->st.avenrun[0], e->st.avenrun[1],
					   e->st.avenrun[2], e->st.running, e->st.total,
					   (int) e->st.last_pid, e->key_len, e->key);
	pthread_mutex_unlock(&s->lock);
	return r;
}

/* One "loadavg" line at *p (the prefix already checked); advances *p past its newline */
static int restore_line(struct loadavg_store *s, const char **p)
{
	struct loadavg_state st = {};
	uint64_t v[7];	/* avenrun x3, running, total, last_pid, key length */
	const char *q = *p + strlen("loadavg ");
	char *end;
	struct loadavg_entry **pp;
	struct loadavg_entry *e;

	for (size_t i = 0; i < ELEMENTSOF(v); i++) {
		if (*q < '0' || *q > '9')
			return -EINVAL;
		errno = 0;
		v[i] = strtoull(q, &end, 10);
		if (errno || *end != ' ')
			return -EINVAL;
		q = end + 1;
	}
	if (v[5] > INT32_MAX || v[6] == 0 || v[6] > LOADAVG_KEY_MAX || strnlen(q, v[6] + 1) < v[6] + 1 ||
	    q[v[6]] != '\n' || memchr(q, 0, v[6]))
		return -EINVAL;
	st = (struct loadavg_state) {
		.avenrun = { v[0], v[1], v[2] }, .running = v[3], .total = v[4], .last_pid = (pid_t) v[5],
	};
	e = malloc(sizeof(*e) + v[6] + 1);
	if (!e)
		return -ENOMEM;
	*e = (struct loadavg_entry) { .key_len = v[6], .st = st };
	memcpy(e->key, q, v[6]);
	e->key[v[6]] = 0;
	*p = q + v[6] + 1;

	pthread_mutex_lock(&s->lock);
	pp = find_locked(s, e->key);
	if (pp) {
		(*pp)->st = st;		/* a reader was first: the measured history wins */
		free(e);
	} else if (s->n_entries >= LOADAVG_ENTRIES_MAX) {
		free(e);
	} else {
		size_t b = bucket_of(e->key);

		e->id = ++s->next_id;
		e->next = s->buckets[b];
		s->buckets[b] = e;
		s->n_entries++;
		s->key_bytes += e->key_len + 1;
	}
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int loadavg_store_restore(struct loadavg_store *s, const char *text)
{
	const char *p = text;
	int n = 0;

	while (*p) {
		const char *nl = strchr(p, '\n');

		if (strncmp(p, "loadavg ", 8) == 0) {
			int r = restore_line(s, &p);

			if (r < 0)
				return r;
			n++;
			continue;
		}
		if (!nl)
			break;
		p = nl + 1;	/* lines of other kinds belong to other stores */
	}
	return n;
}
