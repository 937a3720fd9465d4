/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Adaptive FUSE request loop (loop.h). Locks: l->lock only, never held across a read(2),
 * poll(2) or a request. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/fuse.h>

#include "cleanup.h"
#include "log.h"
#include "loop.h"

#define LOOP_WAKE_SIGNAL (SIGRTMIN + 3)
#define WATCHDOG_TICK_NS (LOOP_STUCK_NS / 2)
#define BACKLOG_CHECK_EVERY 4	/* the listener polls the queue every 4th request */
#define WATCHDOG_IDLE_TICKS 200		/* ticks without a request before it sleeps (0.5 s) */

struct helper {
	pthread_t thread;
	bool started;
};

struct loop {
	struct fuse_session *se;
	int fd;
	pthread_mutex_t lock;
	pthread_cond_t kick;		/* helpers wait here for work */
	pthread_cond_t watch;		/* the watchdog sleeps here while no request arrives */
	unsigned kicks;			/* helper wake-ups not yet taken (lock) */
	unsigned parked;		/* helpers waiting on kick (lock) */
	unsigned n_helpers, max_helpers;	/* (lock) */
	unsigned max_busy_helpers;	/* helpers a queue alone may keep serving (CPUs / 2 - 1) */
	struct helper *helpers;
	bool exiting;			/* (lock) */
	bool watchdog_asleep;		/* (lock) */
	bool watchdog_started;
	pthread_t watchdog;
	/* the listener's progress, read by the watchdog without the lock */
	atomic_uint_fast64_t served;	/* requests the listener started */
	atomic_bool busy;		/* the listener is serving one */
};

static void on_wake_signal(int sig)
{
	(void) sig;	/* only interrupts a read(2) */
}

static void block_signals_but_wake(void)
{
	sigset_t set;

	sigfillset(&set);
	sigdelset(&set, LOOP_WAKE_SIGNAL);
	pthread_sigmask(SIG_SETMASK, &set, NULL);
}

/* Requests that take no time to serve (include/uapi/linux/fuse.h): a reader's close(2) queues
 * RELEASE and returns, so its next open(2) is usually queued behind it; that is no reason for
 * a second thread. */
static bool request_is_quick(const struct fuse_buf *buf)
{
	const struct fuse_in_header *in = buf->mem;

	if ((buf->flags & FUSE_BUF_IS_FD) || !in || buf->size < sizeof(*in))
		return false;
	switch (in->opcode) {
	case FUSE_FORGET:
	case FUSE_BATCH_FORGET:
	case FUSE_RELEASE:
	case FUSE_RELEASEDIR:
	case FUSE_FLUSH:
	case FUSE_INTERRUPT:
		return true;
	default:
		return false;
	}
}

/* Another request waits in the kernel's queue right now. */
static bool backlog(struct loop *l)
{
	struct pollfd p = { .fd = l->fd, .events = POLLIN };

	return poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}

static void *helper_main(void *userdata);

/* CPUs this process may run on (sched_getaffinity(2)), at least 1 */
static unsigned online_cpus(void)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return 1;
	n = CPU_COUNT(&set);
	return n > 0 ? (unsigned) n : 1;
}

/* Wakes a parked helper or starts one (up to max_helpers); l->lock held. @stuck: the watchdog
 * saw the listener stuck on one request. A queue alone brings in helpers only while fewer
 * than max_busy_helpers serve, so that at most half the CPUs serve requests: a reader spends
 * about as much CPU time in the kernel per read as this daemon does, and more serving
 * threads only take it from the readers (tests/bench, 2 CPUs, 16 readers on one of them:
 * p99 3.2-6.8 ms with the listener alone against 9.5-15 ms with up to 16 threads, at the
 * same reads/s). A stuck listener always gets one more, up to max_helpers. */
static void kick_helper_locked(struct loop *l, bool stuck)
{
	struct helper *h;

	if (!stuck && l->n_helpers - l->parked + l->kicks >= l->max_busy_helpers)
		return;
	if (l->parked > l->kicks) {
		l->kicks++;
		pthread_cond_signal(&l->kick);
		return;
	}
	if (l->n_helpers >= l->max_helpers)
		return;		/* all busy: they take the queue as they finish */
	h = &l->helpers[l->n_helpers];
	if (pthread_create(&h->thread, NULL, helper_main, l) != 0)
		return;
	h->started = true;
	l->n_helpers++;
}

static void kick_helper(struct loop *l, bool stuck)
{
	pthread_mutex_lock(&l->lock);
	if (!l->exiting)
		kick_helper_locked(l, stuck);
	pthread_mutex_unlock(&l->lock);
}

/* Reads one request into @buf. Returns 1, 0 at the end of the session, -EINTR, or -errno. */
static int receive(struct loop *l, struct fuse_buf *buf)
{
	int r = fuse_session_receive_buf(l->se, buf);

	if (fuse_session_exited(l->se))
		return 0;
	if (r == -EINTR || r == -EAGAIN)
		return -EINTR;
	if (r < 0)
		return r;
	return r == 0 ? 0 : 1;
}

static void *helper_main(void *userdata)
{
	struct loop *l = userdata;
	struct fuse_buf buf = {};

	block_signals_but_wake();
	for (;;) {
		int r;

		/* kicked: serve requests while they queue up, then park */
		for (;;) {
			r = receive(l, &buf);
			if (r != 1)
				break;
			fuse_session_process_buf(l->se, &buf);
			if (!backlog(l))
				break;
		}
		if (r == 0 || fuse_session_exited(l->se))
			break;
		if (r < 0 && r != -EINTR) {
			log_error_errno(r, "Failed to read a FUSE request: %m");
			fuse_session_exit(l->se);
			break;
		}
		pthread_mutex_lock(&l->lock);
		l->parked++;
		while (!l->exiting && l->kicks == 0)
			pthread_cond_wait(&l->kick, &l->lock);
		l->parked--;
		if (l->exiting) {
			pthread_mutex_unlock(&l->lock);
			break;
		}
		l->kicks--;
		pthread_mutex_unlock(&l->lock);
	}
	free(buf.mem);
	return NULL;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static void *watchdog_main(void *userdata)
{
	struct loop *l = userdata;
	uint64_t last = atomic_load(&l->served), stuck_since = 0;
	unsigned idle = 0;

	block_signals_but_wake();
	for (;;) {
		struct timespec tick = { .tv_nsec = (long) WATCHDOG_TICK_NS };
		uint64_t cur;

		(void) nanosleep(&tick, NULL);
		pthread_mutex_lock(&l->lock);
		if (l->exiting) {
			pthread_mutex_unlock(&l->lock);
			break;
		}
		cur = atomic_load(&l->served);
		if (cur == last && !atomic_load(&l->busy) && ++idle >= WATCHDOG_IDLE_TICKS) {
			/* nothing for a while: sleep until the listener sees a request */
			l->watchdog_asleep = true;
			while (l->watchdog_asleep && !l->exiting)
				pthread_cond_wait(&l->watch, &l->lock);
			idle = 0;
			stuck_since = 0;
			cur = atomic_load(&l->served);
		} else if (cur != last)
			idle = 0;
		pthread_mutex_unlock(&l->lock);

		if (cur == last && atomic_load(&l->busy)) {
			uint64_t now = now_ns();

			if (!stuck_since)
				stuck_since = now;
			else if (now - stuck_since >= LOOP_STUCK_NS && backlog(l)) {
				kick_helper(l, true);
				stuck_since = now;	/* one more per LOOP_STUCK_NS at most */
			}
		} else
			stuck_since = 0;
		last = cur;
	}
	return NULL;
}

int loop_run(struct fuse_session *se, unsigned max_threads)
{
	struct sigaction sa = { .sa_handler = on_wake_signal };
	struct loop l = { .se = se, .fd = fuse_session_fd(se) };
	struct fuse_buf buf = {};
	unsigned since_check = 0;
	bool init_done = false;
	sigset_t all, old;
	int r = 0;

	if (max_threads == 0)
		max_threads = LOOP_MAX_THREADS_DEFAULT;
	l.max_helpers = max_threads - 1;
	/* threads serving a queue at once: half the CPUs (the listener at least) */
	l.max_busy_helpers = MIN(l.max_helpers, MAX(online_cpus() / 2, 1u) - 1);
	l.helpers = calloc(l.max_helpers ? l.max_helpers : 1, sizeof(*l.helpers));
	if (!l.helpers)
		return -ENOMEM;
	pthread_mutex_init(&l.lock, NULL);
	pthread_cond_init(&l.kick, NULL);
	pthread_cond_init(&l.watch, NULL);
	sigemptyset(&sa.sa_mask);
	(void) sigaction(LOOP_WAKE_SIGNAL, &sa, NULL);	/* no SA_RESTART: read(2) returns EINTR */

	if (l.max_helpers > 0) {
		/* threads inherit the mask: create them with every signal blocked */
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		l.watchdog_started = pthread_create(&l.watchdog, NULL, watchdog_main, &l) == 0;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (!l.watchdog_started)
			log_warning("Failed to start the FUSE loop's watchdog, ignoring");
	}

	while (!fuse_session_exited(se)) {
		r = receive(&l, &buf);
		if (r == -EINTR) {
			r = 0;
			continue;
		}
		if (r <= 0)
			break;
		atomic_fetch_add(&l.served, 1);
		atomic_store(&l.busy, true);
		if (l.watchdog_asleep) {	/* racy peek; confirmed under the lock */
			pthread_mutex_lock(&l.lock);
			l.watchdog_asleep = false;
			pthread_cond_signal(&l.watch);
			pthread_mutex_unlock(&l.lock);
		}
		/* the queue is looked at for every BACKLOG_CHECK_EVERY-th request only: with one
		 * reader it is always empty, and a poll(2) per request would cost more than it
		 * finds; with many, a backlog is seen within a few requests */
		if (l.max_helpers > 0 && !request_is_quick(&buf) &&
		    ++since_check >= BACKLOG_CHECK_EVERY) {
			since_check = 0;
			if (backlog(&l)) {
				/* more than one reader at a time: a helper, before serving */
				sigfillset(&all);
				pthread_sigmask(SIG_BLOCK, &all, &old);
				kick_helper(&l, false);
				pthread_sigmask(SIG_SETMASK, &old, NULL);
			}
		}
		fuse_session_process_buf(se, &buf);
		atomic_store(&l.busy, false);
		if (!init_done) {
			/* the buffer INIT came in was sized before INIT set max_write (1 MiB by
			 * default): the next receive allocates one of the negotiated size */
			init_done = true;
			free(buf.mem);
			buf.mem = NULL;
		}
		r = 0;
	}
	if (r < 0)
		log_error_errno(r, "Failed to read a FUSE request: %m");

	pthread_mutex_lock(&l.lock);
	l.exiting = true;
	pthread_cond_broadcast(&l.kick);
	pthread_cond_broadcast(&l.watch);
	pthread_mutex_unlock(&l.lock);
	fuse_session_exit(se);
	for (unsigned i = 0; i < l.n_helpers; i++) {
		if (!l.helpers[i].started)
			continue;
		/* interrupt its read(2), again until it is gone: a signal that came just
		 * before it entered read(2) did not stop it */
		for (;;) {
			struct timespec ts;

			(void) pthread_kill(l.helpers[i].thread, LOOP_WAKE_SIGNAL);
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 50 * 1000 * 1000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			if (pthread_timedjoin_np(l.helpers[i].thread, NULL, &ts) == 0)
				break;
		}
	}
	if (l.watchdog_started)
		pthread_join(l.watchdog, NULL);
	free(l.helpers);
	free(buf.mem);
	fuse_session_reset(se);
	return r;
}
