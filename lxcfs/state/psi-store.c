/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Live PSI triggers and their epoll thread; see psi-store.h for the locking and lifetime rules. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "psi-store.h"

#define PSI_WAKE_ID 0	/* epoll data of the eventfd; watch ids have a generation >= 1 */

struct psi_watch {
	uint64_t id;		/* written before it is published in ->slots, then constant */
	int fd;			/* the real trigger fd, owned */
	bool pending;		/* protected by store ->lock: an event no poll has reported yet */
	bool armed;		/* protected by store ->lock: registered with epoll */
	void *waiter;		/* protected by store ->lock: notified once on the next event */
};

static void waiter_drop(struct psi_store *st, void *waiter)
{
	if (waiter)
		st->discard(waiter);
}

/* Handles one epoll event; returns the waiter to notify (now owned by the caller) or NULL. */
static void *store_event(struct psi_store *st, uint64_t id, uint32_t events)
{
	size_t slot = (size_t) (id & UINT32_MAX);
	struct psi_watch *w;
	void *waiter = NULL;

	pthread_mutex_lock(&st->lock);
	w = slot < st->n_slots ? st->slots[slot] : NULL;
	if (w && w->id == id) {	/* else removed after epoll_wait() returned: stale */
		if (events & EPOLLPRI)
			w->pending = true;
		if (events & (EPOLLERR | EPOLLHUP)) {
			/* the cgroup went away (kernfs then reports ERR|PRI at every poll): stop
			 * watching, or level-triggered epoll would spin; poll(2) on the fd reports
			 * the error to the FUSE poller from now on */
			(void) epoll_ctl(st->epoll_fd, EPOLL_CTL_DEL, w->fd, NULL);
			w->armed = false;
		}
		waiter = w->waiter;
		w->waiter = NULL;
	}
	pthread_mutex_unlock(&st->lock);
	return waiter;
}

static void *store_thread(void *userdata)
{
	struct psi_store *st = userdata;
	struct epoll_event ev[32];

	for (;;) {
		int n = epoll_wait(st->epoll_fd, ev, (int) ELEMENTSOF(ev), -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_error_errno(-errno, "PSI trigger thread: epoll_wait() failed, triggers no longer notify: %m");
			return NULL;
		}
		for (int i = 0; i < n; i++) {
			void *waiter;

			if (ev[i].data.u64 == PSI_WAKE_ID)
				return NULL;	/* psi_store_stop() */
			waiter = store_event(st, ev[i].data.u64, ev[i].events);
			if (waiter)
				st->notify(waiter);	/* outside the lock: it writes to /dev/fuse */
		}
	}
}

int psi_store_start(struct psi_store *st, size_t max, psi_waiter_fn notify, psi_waiter_fn discard)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = PSI_WAKE_ID };
	sigset_t all, old;
	int r;

	st->epoll_fd = st->wake_fd = -EBADF;
	st->notify = notify;	/* from here on psi_store_stop() may run */
	st->discard = discard;
	pthread_mutex_init(&st->lock, NULL);
	st->n_slots = MIN(max, (size_t) PSI_WATCHES_MAX);
	st->slots = calloc(st->n_slots ? st->n_slots : 1, sizeof(*st->slots));
	if (!st->slots)
		return -ENOMEM;
	st->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (st->epoll_fd < 0)
		return -errno;
	st->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (st->wake_fd < 0)
		return -errno;
	if (epoll_ctl(st->epoll_fd, EPOLL_CTL_ADD, st->wake_fd, &ev) < 0)
		return -errno;
	/* signals belong to the main thread (libfuse's handlers, SIGUSR1/2) */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = -pthread_create(&st->thread, NULL, store_thread, st);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0)
		return r;
	st->running = true;
	return 0;
}

void psi_store_stop(struct psi_store *st)
{
	if (!st->notify)
		return;	/* never started */
	if (st->running) {
		(void) !write(st->wake_fd, &(uint64_t) { 1 }, sizeof(uint64_t));
		pthread_join(st->thread, NULL);
		st->running = false;
	}
	if (st->wake_fd >= 0)
		(void) close(st->wake_fd);
	if (st->epoll_fd >= 0)
		(void) close(st->epoll_fd);
	st->wake_fd = st->epoll_fd = -EBADF;
	/* With no watch left the slot array goes too: after a live upgrade the old library copy
	 * is unloaded and nothing would point at it any more. Live watches keep it (see above). */
	pthread_mutex_lock(&st->lock);
	if (st->n_live == 0) {
		free(st->slots);
		st->slots = NULL;
		st->n_slots = 0;
	}
	pthread_mutex_unlock(&st->lock);
}

int psi_store_reserve(struct psi_store *st)
{
	int r = 0;

	if (!st->running)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&st->lock);
	if (st->n_live >= st->n_slots)
		r = -EAGAIN;
	else
		st->n_live++;
	pthread_mutex_unlock(&st->lock);
	return r;
}

void psi_store_unreserve(struct psi_store *st)
{
	pthread_mutex_lock(&st->lock);
	st->n_live--;
	pthread_mutex_unlock(&st->lock);
}

int psi_store_add(struct psi_store *st, int fd, struct psi_watch **ret)
{
	struct epoll_event ev = { .events = EPOLLPRI };
	struct psi_watch *w = calloc(1, sizeof(*w));
	size_t slot;
	int r = 0;

	pthread_mutex_lock(&st->lock);
	if (!w) {
		r = -ENOMEM;
		goto fail;
	}
	/* a reservation guarantees a free slot */
	for (slot = 0; slot < st->n_slots && st->slots[slot]; slot++)
		;
	if (slot == st->n_slots) {
		r = -EAGAIN;
		goto fail;
	}
	if (++st->generation == 0)
		st->generation = 1;	/* after 2^32 triggers; ids stay nonzero */
	*w = (struct psi_watch) { .id = (uint64_t) st->generation << 32 | slot, .fd = fd };
	ev.data.u64 = w->id;
	/* published and registered under the lock: an event that fires at once is handled after
	 * we unlock, and finds the watch */
	if (epoll_ctl(st->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		r = -errno;
		goto fail;
	}
	w->armed = true;
	st->slots[slot] = w;
	pthread_mutex_unlock(&st->lock);
	*ret = w;
	return 0;
fail:
	st->n_live--;
	pthread_mutex_unlock(&st->lock);
	free(w);
	return r;
}

void psi_store_remove(struct psi_store *st, struct psi_watch *w)
{
	void *waiter;

	if (!w)
		return;
	pthread_mutex_lock(&st->lock);
	st->slots[(size_t) (w->id & UINT32_MAX)] = NULL;
	st->n_live--;
	if (w->armed)
		(void) epoll_ctl(st->epoll_fd, EPOLL_CTL_DEL, w->fd, NULL);
	waiter = w->waiter;
	pthread_mutex_unlock(&st->lock);
	waiter_drop(st, waiter);
	(void) close(w->fd);
	free(w);
}

int psi_store_poll(struct psi_store *st, struct psi_watch *w, void *waiter, unsigned *ret_revents)
{
	struct pollfd p = { .fd = w->fd, .events = POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLPRI };
	unsigned revents;
	void *old;

	/* no lock needed for the fd: only RELEASE closes it, and it cannot run concurrently with
	 * a poll of the same handle. This poll consumes a pending kernel event, reported now. */
	if (poll(&p, 1, 0) < 0) {
		waiter_drop(st, waiter);
		return -errno;
	}
	revents = (unsigned) p.revents;
	pthread_mutex_lock(&st->lock);
	if (w->pending)
		revents |= POLLPRI;
	w->pending = false;
	old = w->waiter;
	w->waiter = waiter;
	pthread_mutex_unlock(&st->lock);
	waiter_drop(st, old);
	*ret_revents = revents;
	return 0;
}
