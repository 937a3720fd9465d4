/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The sysinfo(2) seccomp notify proxy: socket, serving loop, load sampler. */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "loadavg.h"
#include "log.h"
#include "proxy-msg.h"
#include "responder.h"
#include "sysinfo-load.h"
#include "sysinfo-view.h"
#include "tasks.h"

/* The audit arch of a native sysinfo call: a compat (32-bit) caller has another struct
 * layout, so its calls are passed on (CONTINUE). */
#if defined(__x86_64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#define NATIVE_AUDIT_ARCH 0u	/* unknown: never answer, always CONTINUE */
#endif

#define CONNS_MAX 16		/* monitors (containers) served at once */
#define WATCH_MAX 64		/* containers whose load is sampled */
#define SAMPLE_PERIOD_NS (UINT64_C(5) * 1000000000)	/* the period LOADAVG_EXP_* assume */
#define PROXY_FDS_MAX 3		/* LXC sends /proc/PID dirfd, /proc/PID/mem, the listener */

struct watched {
	pid_t init_pid;			/* 0: free slot */
	struct loadavg_state load;
	unsigned samples;		/* steps taken */
};

struct sysinfo_responder {
	char *path;			/* socket file, unlinked on free */
	int listen_fd;
	int stop_fd;			/* eventfd: stop the serving loop */
	struct sysinfo_source src;	/* read-only after new() */
	int conns[CONNS_MAX];		/* serving thread only */
	pthread_t thread;
	bool thread_started;		/* written by start()/free() only */

	pthread_mutex_t lock;		/* protects the fields below */
	struct sysinfo_responder_stats stats;
	struct watched watched[WATCH_MAX];
};

static uint64_t now_ns(clockid_t clock)
{
	struct timespec ts;

	(void) clock_gettime(clock, &ts);
	return (uint64_t) ts.tv_sec * UINT64_C(1000000000) + (uint64_t) ts.tv_nsec;
}

int sysinfo_responder_new(const char *path, struct sysinfo_responder **ret)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct sysinfo_responder *r;
	struct stat st;
	int e;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->listen_fd = r->stop_fd = -EBADF;
	for (size_t i = 0; i < CONNS_MAX; i++)
		r->conns[i] = -EBADF;
	r->src = (struct sysinfo_source) { .proc_fd = -EBADF, .memory_fd = -EBADF, .pids_fd = -EBADF };
	pthread_mutex_init(&r->lock, NULL);
	r->path = strdup(path);
	if (!r->path) {
		e = -ENOMEM;
		goto fail;
	}
	e = sysinfo_source_open(&r->src);
	if (e < 0)
		goto fail;
	r->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->stop_fd < 0) {
		e = -errno;
		goto fail;
	}
	r->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (r->listen_fd < 0) {
		e = -errno;
		goto fail;
	}
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		(void) unlink(path);	/* a stale socket of an earlier run */
	if (bind(r->listen_fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || chmod(path, 0600) < 0 ||
	    listen(r->listen_fd, CONNS_MAX) < 0) {
		e = -errno;
		(void) unlink(path);
		goto fail;
	}
	*ret = r;
	return 0;
fail:
	free(r->path);
	r->path = NULL;		/* nothing to unlink */
	sysinfo_responder_free(r);
	return e;
}

/* Registers @init_pid for load sampling (once). Called with ->lock held. */
static struct watched *watch_locked(struct sysinfo_responder *r, pid_t init_pid)
{
	struct watched *free_slot = NULL;

	for (size_t i = 0; i < WATCH_MAX; i++) {
		if (r->watched[i].init_pid == init_pid)
			return &r->watched[i];
		if (!free_slot && r->watched[i].init_pid == 0)
			free_slot = &r->watched[i];
	}
	if (free_slot) {
		*free_slot = (struct watched) { .init_pid = init_pid };
		loadavg_state_init(init_pid, &free_slot->load);
	}
	return free_slot;
}

/* One 5 s load step for every watched container: the counting (I/O) runs unlocked on a copy
 * of the pid list; containers whose init is gone are dropped. */
static void sample_loads(struct sysinfo_responder *r)
{
	pid_t pids[WATCH_MAX];
	struct tasks_count counts[WATCH_MAX];
	int res[WATCH_MAX];

	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; i < WATCH_MAX; i++)
		pids[i] = r->watched[i].init_pid;
	pthread_mutex_unlock(&r->lock);

	for (size_t i = 0; i < WATCH_MAX; i++)
		res[i] = pids[i] > 0 ? sysinfo_load_tasks(&r->src, pids[i], &counts[i]) : -ENOENT;

	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; i < WATCH_MAX; i++) {
		struct watched *w = &r->watched[i];

		if (pids[i] <= 0 || w->init_pid != pids[i])
			continue;
		if (res[i] == -ESRCH) {
			w->init_pid = 0;	/* the container stopped */
			continue;
		}
		if (res[i] < 0)
			continue;
		loadavg_step(&w->load, &counts[i], &w->load);
		w->samples++;
	}
	pthread_mutex_unlock(&r->lock);
}

/* Writes @si into the caller's memory at @addr: through LXC's /proc/PID/mem fd (opened and
 * then checked with SECCOMP_IOCTL_NOTIF_ID_VALID by the monitor, so it is the caller's
 * memory), else process_vm_writev() checked with ID_VALID on the listener, when LXC sent
 * it. Returns 0 or -errno. */
static int write_answer(const struct seccomp_notif *req, int mem_fd, int listener_fd,
			const struct sysinfo *si)
{
	uint64_t addr = req->data.args[0];
	ssize_t n;

	if (addr == 0)
		return -EFAULT;
	if (mem_fd >= 0) {
		n = pwrite(mem_fd, si, sizeof(*si), (off_t) addr);
		if (n < 0)
			return -errno;
		return (size_t) n == sizeof(*si) ? 0 : -EIO;
	}
	if (listener_fd >= 0) {
		struct iovec local = { .iov_base = (void *) si, .iov_len = sizeof(*si) };
		struct iovec remote = { .iov_base = (void *) (uintptr_t) addr, .iov_len = sizeof(*si) };
		uint64_t id = req->id;

		/* the pid may have been reused unless the notification is still pending */
		if (ioctl(listener_fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0)
			return -errno;
		n = process_vm_writev((pid_t) req->pid, &local, 1, &remote, 1, 0);
		if (n < 0)
			return -errno;
		if (ioctl(listener_fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0)
			return -errno;
		return (size_t) n == sizeof(*si) ? 0 : -EIO;
	}
	return -EBADF;
}

/* Computes and writes the container view for sysinfo call @req of the container whose init
 * is @init_pid. Returns 0 when the caller's struct holds the answer, -errno otherwise. */
static int answer_sysinfo(struct sysinfo_responder *r, pid_t init_pid,
			  const struct seccomp_notif *req, int mem_fd, int listener_fd)
{
	_cleanup_(sysinfo_loaded_done) struct sysinfo_loaded l = {};
	struct sysinfo host, si;
	struct sysinfo_inputs in;
	struct watched *w;
	int e;

	if (req->data.nr != SYS_sysinfo || req->data.arch != NATIVE_AUDIT_ARCH ||
	    NATIVE_AUDIT_ARCH == 0)
		return -ENOSYS;
	e = sysinfo_load(&r->src, init_pid, &l);
	if (e < 0)
		return e;
	if (sysinfo(&host) < 0)
		return -errno;
	in = (struct sysinfo_inputs) {
		.host = &host,
		.mem = l.has_mem ? &l.mem : NULL,
		.now_boot_ns = now_ns(CLOCK_BOOTTIME),
		.start_ticks = l.start_ticks,
		.clk_tck = (uint64_t) sysconf(_SC_CLK_TCK),
		.has_procs = l.has_procs,
		.procs = l.procs,
	};
	pthread_mutex_lock(&r->lock);
	w = watch_locked(r, init_pid);
	if (w) {	/* 0.00 until the first 5 s sample, as lxcfs's proc/loadavg */
		in.has_loads = true;
		memcpy(in.avenrun, w->load.avenrun, sizeof(in.avenrun));
	}
	pthread_mutex_unlock(&r->lock);
	e = sysinfo_view_compute(&in, &si);
	if (e < 0)
		return e;
	return write_answer(req, mem_fd, listener_fd, &si);
}

static void count(struct sysinfo_responder *r, uint64_t *counter)
{
	pthread_mutex_lock(&r->lock);
	(*counter)++;
	pthread_mutex_unlock(&r->lock);
}

/* Receives one proxy message on @fd and replies. Returns 0, or -errno when the connection
 * should be closed (EOF, a malformed message, a send failure). */
static int handle_message(struct sysinfo_responder *r, int fd)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * PROXY_FDS_MAX)];
	} cbuf;
	_Alignas(8) uint8_t buf[PROXY_MSG_MAX];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf.buf, .msg_controllen = sizeof(cbuf.buf),
	};
	int fds[PROXY_FDS_MAX] = { -EBADF, -EBADF, -EBADF };
	struct seccomp_notif req = {};
	struct seccomp_notif_resp resp = {};
	struct proxy_msg hdr;
	size_t nfds = 0, base;
	ssize_t n;
	int e;

	n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int *p = (int *) CMSG_DATA(c);

		for (size_t i = 0; i < k; i++) {
			int got;

			memcpy(&got, p + i, sizeof(got));
			if (nfds < PROXY_FDS_MAX)
				fds[nfds++] = got;
			else
				(void) close(got);
		}
	}
	if (n == 0) {
		e = -ECONNRESET;	/* the monitor went away */
		goto out;
	}
	e = -EBADMSG;
	if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    proxy_msg_parse(buf, (size_t) n, &hdr, &req, &base) < 0)
		goto bad;

	e = answer_sysinfo(r, hdr.init_pid, &req, fds[1], fds[2]);
	resp.id = req.id;
	if (e == 0) {
		resp.val = 0;	/* sysinfo() returns 0; the struct is in place */
		resp.error = 0;
		count(r, &r->stats.answered);
	} else {
		/* any failure: let the kernel run the real syscall (the host's numbers) */
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		count(r, &r->stats.continued);
		if (e != -ENOSYS)
			log_debug_errno(e, "Failed to answer sysinfo of pid %u, continuing: %m", req.pid);
	}
	proxy_msg_set_resp(buf, &hdr, &resp);
	n = send(fd, buf, base, MSG_NOSIGNAL);
	e = n == (ssize_t) base ? 0 : (n < 0 ? -errno : -EIO);
	goto out;
bad:
	count(r, &r->stats.bad_messages);
out:
	for (size_t i = 0; i < PROXY_FDS_MAX; i++)
		closep(&fds[i]);
	return e;
}

static void accept_conn(struct sysinfo_responder *r)
{
	int fd = accept4(r->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	for (size_t i = 0; i < CONNS_MAX; i++)
		if (r->conns[i] < 0) {
			r->conns[i] = fd;
			return;
		}
	log_warning("Too many seccomp proxy connections, refusing one");
	(void) close(fd);
}

int sysinfo_responder_serve(struct sysinfo_responder *r)
{
	uint64_t next_sample = now_ns(CLOCK_MONOTONIC) + SAMPLE_PERIOD_NS;

	for (;;) {
		struct pollfd pfd[2 + CONNS_MAX];
		size_t map[2 + CONNS_MAX];
		size_t n = 0;
		uint64_t now;
		int timeout_ms, k;

		pfd[n++] = (struct pollfd) { .fd = r->stop_fd, .events = POLLIN };
		pfd[n++] = (struct pollfd) { .fd = r->listen_fd, .events = POLLIN };
		for (size_t i = 0; i < CONNS_MAX; i++)
			if (r->conns[i] >= 0) {
				map[n] = i;
				pfd[n++] = (struct pollfd) { .fd = r->conns[i], .events = POLLIN };
			}
		now = now_ns(CLOCK_MONOTONIC);
		timeout_ms = next_sample > now ? (int) ((next_sample - now) / 1000000) + 1 : 0;
		k = poll(pfd, n, timeout_ms);
		if (k < 0 && errno != EINTR)
			return -errno;
		if (k > 0 && pfd[0].revents)
			return 0;
		if (k > 0 && (pfd[1].revents & POLLIN))
			accept_conn(r);
		for (size_t j = 2; k > 0 && j < n; j++) {
			size_t i = map[j];

			bool drop = false;

			if (pfd[j].revents & POLLIN)
				drop = handle_message(r, r->conns[i]) < 0;
			else if (pfd[j].revents & (POLLHUP | POLLERR | POLLNVAL))
				drop = true;
			if (drop) {
				closep(&r->conns[i]);
				r->conns[i] = -EBADF;
			}
		}
		now = now_ns(CLOCK_MONOTONIC);
		if (now >= next_sample) {
			sample_loads(r);
			/* keep the 5 s grid; after a long stall, restart it rather than catch up */
			next_sample += SAMPLE_PERIOD_NS;
			if (next_sample <= now)
				next_sample = now + SAMPLE_PERIOD_NS;
		}
	}
}

static void *serve_thread(void *arg)
{
	int e = sysinfo_responder_serve(arg);

	if (e < 0)
		log_error_errno(e, "Seccomp proxy for sysinfo stopped: %m");
	return NULL;
}

int sysinfo_responder_start(struct sysinfo_responder *r)
{
	sigset_t all, old;
	int e;

	/* the thread takes no signals: they stay with the caller's thread (its handlers, and
	 * LXC's signalfd in a process that becomes a container's monitor) */
	sigfillset(&all);
	(void) pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&r->thread, NULL, serve_thread, r);
	(void) pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0)
		return -e;
	r->thread_started = true;
	return 0;
}

int sysinfo_responder_watch(struct sysinfo_responder *r, pid_t init_pid)
{
	struct watched *w;

	if (init_pid <= 0)
		return -EINVAL;
	pthread_mutex_lock(&r->lock);
	w = watch_locked(r, init_pid);
	pthread_mutex_unlock(&r->lock);
	return w ? 0 : -ENOSPC;
}

void sysinfo_responder_stop(struct sysinfo_responder *r)
{
	uint64_t one = 1;

	(void) !write(r->stop_fd, &one, sizeof(one));
}

void sysinfo_responder_get_stats(struct sysinfo_responder *r, struct sysinfo_responder_stats *ret)
{
	pthread_mutex_lock(&r->lock);
	*ret = r->stats;
	pthread_mutex_unlock(&r->lock);
}

void sysinfo_responder_free(struct sysinfo_responder *r)
{
	if (!r)
		return;
	if (r->thread_started) {
		sysinfo_responder_stop(r);
		(void) pthread_join(r->thread, NULL);
	}
	for (size_t i = 0; i < CONNS_MAX; i++)
		closep(&r->conns[i]);
	closep(&r->listen_fd);
	closep(&r->stop_fd);
	if (r->path)
		(void) unlink(r->path);
	sysinfo_source_done(&r->src);
	pthread_mutex_destroy(&r->lock);
	free(r->path);
	free(r);
}
