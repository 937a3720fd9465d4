/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The live PSI triggers of the daemon and the one epoll thread that watches them.
 *
 * A trigger written to proc/pressure/<res> through the mount is a real trigger on the reader's
 * cgroup pressure file; its fd (a "watch" here) belongs to one FUSE file handle. The kernel
 * reports a crossed threshold as POLLPRI on that fd, and *consumes* the event in the same poll
 * call (psi_trigger_poll() clears t->event). The epoll thread therefore records an event it
 * sees in ->pending, and psi_store_poll() reports it (and the fd's own current events) to the
 * next FUSE poll on the handle, clearing it as the kernel would. When a FUSE poll asked to be
 * notified, its waiter (a fuse_pollhandle, opaque here) is kept and handed to ->notify by the
 * epoll thread on the next event, once.
 *
 * Locking: ->lock is a leaf lock, taken after the FUSE handle's own lock, never held across
 * ->notify or ->discard. The epoll thread never dereferences a watch it found in an epoll event
 * without the lock: epoll data carries the watch id, looked up in ->slots under the lock, so a
 * watch removed (and freed) by RELEASE while the thread holds stale events is simply not found.
 * Ids are (generation << 32 | slot) and never reused while the daemon runs. */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PSI_WATCHES_MAX 1024u	/* live triggers per daemon: each holds an fd */

struct psi_watch;

/* Called with a waiter the callee now owns. */
typedef void (*psi_waiter_fn)(void *waiter);

struct psi_store {
	pthread_mutex_t lock;
	struct psi_watch **slots;	/* protected by ->lock: live watches by slot */
	size_t n_live;			/* protected by ->lock: watches plus reservations */
	uint32_t generation;		/* protected by ->lock */
	/* written by psi_store_start() before the thread starts, read-only until stopped */
	size_t n_slots;
	int epoll_fd;
	int wake_fd;			/* eventfd: psi_store_stop() ends the thread with it */
	psi_waiter_fn notify;		/* epoll thread: wakes the poller, then frees the waiter */
	psi_waiter_fn discard;		/* frees a waiter that is not notified */
	bool running;			/* written by start/stop; read by the request threads only
					 * between them (FUSE init and destroy) */
	pthread_t thread;
};

/* Sets up @st (zeroed by the caller) for at most @max live watches (capped at
 * PSI_WATCHES_MAX) and starts the epoll thread, with all signals blocked. Returns 0 or -errno;
 * on error @st stays unusable and every psi_store_reserve() fails with -EOPNOTSUPP. */
int psi_store_start(struct psi_store *st, size_t max, psi_waiter_fn notify, psi_waiter_fn discard);

/* Stops and joins the thread; idempotent, and a no-op on a zeroed store that was never started.
 * Call it before the FUSE session's /dev/fuse fd is closed (the thread writes notifications to
 * it). Watches still registered are left to the process exit (no FUSE request runs any more). */
void psi_store_stop(struct psi_store *st);

/* Reserves room for one watch before a trigger is created, so a full daemon refuses without
 * touching the kernel. Returns 0, -EAGAIN when PSI_WATCHES_MAX (or the fd-limit derived bound)
 * watches are live, -EOPNOTSUPP when the store is not running. Thread-safe. */
int psi_store_reserve(struct psi_store *st);
/* Gives back a reservation that psi_store_add() will not consume. Thread-safe. */
void psi_store_unreserve(struct psi_store *st);

/* Adds trigger fd @fd under a reservation (consumed whatever the result) and starts watching
 * it for POLLPRI. On success the store owns @fd and *ret is the caller's until
 * psi_store_remove(); on error @fd is still the caller's. Returns 0, -ENOMEM or the epoll_ctl()
 * -errno. Thread-safe. */
int psi_store_add(struct psi_store *st, int fd, struct psi_watch **ret);

/* Stops watching @w, closes its fd, discards its waiter and frees it. @w must not be used by
 * any other request (FUSE RELEASE). Thread-safe against the epoll thread. */
void psi_store_remove(struct psi_store *st, struct psi_watch *w);

/* The events of @w for a FUSE poll: the real fd's current events (poll(2) with timeout 0)
 * plus POLLPRI when the epoll thread saw an event since the last report. Takes ownership of
 * @waiter (may be NULL): it replaces (and discards) a waiter kept earlier. The caller must
 * keep @w alive (hold the handle's lock). Returns 0 and *ret_revents or -errno. */
int psi_store_poll(struct psi_store *st, struct psi_watch *w, void *waiter, unsigned *ret_revents);
