/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Per-container load averages (proc/loadavg with -l, lxcfs-behaviour.md 4.8): a table keyed
 * by cpu cgroup path, filled by readers and refreshed by one sampler thread every 5 s.
 *
 * Locking: ->lock is a leaf lock. It is held only to look up, insert, update or unlink
 * entries and to copy the key list; never across I/O, a sample callback, an allocation of a
 * reader's entry, or any other lock. Readers therefore wait at most for one table operation,
 * and no lock order exists that could invert (LXCFS issue 605 was an ABBA deadlock between
 * its per-bucket locks and the refresh thread).
 *
 * A round: copy (id, key) of every entry under the lock; sample each key without the lock;
 * write each result back under the lock, applying the pure loadavg_step() to the entry only
 * if an entry with that key and the same id still exists (an entry deleted, or deleted and
 * created again by a reader while the sample ran, is left alone). A key whose cgroup is gone
 * or holds no task is deleted. A SIGUSR1 reload (live upgrade) hands the table over to the new
 * library copy: loadavg_store_save() in the old, loadavg_store_restore() in the new. */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LOADAVG_INTERVAL_MS 5000u	/* sampling period; the decay factors assume 5 s */
#define LOADAVG_ENTRIES_MAX 10000u	/* keys in the table; further new keys get -ENOSPC */
#define LOADAVG_KEY_MAX 4095u		/* bytes of a key, NUL excluded */
#define LOADAVG_ROUND_THREADS (1u << 20) /* threads plus cgroups sampled per round before the
					  * remaining keys wait for the next round (which
					  * starts with them) */
#define LOADAVG_FAILS_MAX 3u		/* consecutive failed samples before a key is dropped */
#define LOADAVG_BUCKETS 1024u

struct loadavg_state;
struct tasks_count;
struct loadavg_entry;

/* Samples the tasks of cgroup @key (I/O, called without any lock held). Returns 0 and *ret
 * (total 0 = no task: the key is deleted), -ENOENT (cgroup gone: deleted), -ECANCELED when
 * @cancel became true, or another -errno (the key keeps its values; dropped after
 * LOADAVG_FAILS_MAX failures in a row). */
typedef int (*loadavg_sample_t)(void *userdata, const char *key, const atomic_bool *cancel,
				struct tasks_count *ret);

struct loadavg_store {
	pthread_mutex_t lock;
	pthread_cond_t wake;		/* CLOCK_MONOTONIC; waited on with ->lock, broadcast on stop */
	struct loadavg_entry *buckets[LOADAVG_BUCKETS];	/* protected by ->lock */
	size_t n_entries;		/* protected by ->lock */
	size_t key_bytes;		/* protected by ->lock: sum of key lengths plus NULs */
	uint64_t next_id;		/* protected by ->lock */
	uint64_t rounds;		/* protected by ->lock: completed sampling rounds */
	bool stop;			/* protected by ->lock */
	atomic_bool cancel;		/* set with ->stop; polled lock-free by sample callbacks */
	/* written before the sampler starts, read-only while it runs */
	loadavg_sample_t sample;
	void *userdata;
	unsigned interval_ms;
	/* used by the thread that starts and stops the sampler only */
	pthread_t thread;
	bool started;
};

/* A new empty store whose rounds call @sample(@userdata, ...). NULL on out-of-memory only. */
struct loadavg_store *loadavg_store_new(loadavg_sample_t sample, void *userdata);

/* Stops the sampler if it runs, frees every entry and @s. NULL is fine. Not thread-safe:
 * nobody may use @s any more. */
void loadavg_store_free(struct loadavg_store *s);

/* Starts the sampler thread: a round at once, then one every @interval_ms milliseconds
 * (measured start to start; a round that takes longer is followed by the next at once). The
 * thread runs with all signals blocked. Returns 0, -EALREADY, or -errno of pthread_create. */
int loadavg_store_start(struct loadavg_store *s, unsigned interval_ms);

/* Asks the sampler to stop, wakes it and joins it. A running sample is cancelled between two
 * processes, so this takes well under a second. No-op when not started. Call from the thread
 * that started it. */
void loadavg_store_stop(struct loadavg_store *s);

/* The view of @key (a cpu cgroup path) for a reader whose reference process is @ref: a copy
 * of the entry, created as "0.00 0.00 0.00 0/1 <ref>" if the key is new. Returns 0 (existing
 * entry), 1 (created), -EINVAL (empty key), -ENAMETOOLONG (above LOADAVG_KEY_MAX), -ENOSPC
 * (table full), -ENOMEM. *ret is written on success only. Thread-safe. */
int loadavg_store_get(struct loadavg_store *s, const char *key, pid_t ref,
		      struct loadavg_state *ret);

/* One sampling round as described above; @resume is the sampler's position (index into the
 * key list, 0 to start at the first) where a round cut short by LOADAVG_ROUND_THREADS goes on.
 * Returns the number of keys sampled, -ECANCELED when stopped, or -ENOMEM. Thread-safe with
 * readers; only one round may run at a time (the sampler's, or a test's without a sampler). */
int loadavg_store_round(struct loadavg_store *s, size_t *resume);

struct strbuf;

/* Appends one line per entry to @out: "loadavg A1 A5 A15 RUNNING TOTAL LAST_PID KEYLEN KEY\n"
 * (fixed-point averages as in struct loadavg_state; KEY is KEYLEN bytes, it may hold any byte
 * but NUL). Returns 0 or -ENOMEM. Thread-safe. */
int loadavg_store_save(struct loadavg_store *s, struct strbuf *out);

/* Inserts the entries of such text (lines of other kinds are skipped; an existing key gets
 * the saved values). Returns the number of entries read, or -EINVAL at the first malformed
 * "loadavg" line (the entries before it stay), -ENOMEM. Thread-safe. */
int loadavg_store_restore(struct loadavg_store *s, const char *text);

/* Number of entries, and of completed rounds. Thread-safe. */
size_t loadavg_store_size(struct loadavg_store *s);
uint64_t loadavg_store_rounds(struct loadavg_store *s);
