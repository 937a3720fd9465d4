/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Caller -> reference process resolution. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "log.h"
#include "proc.h"
#include "reader.h"

#define PROC_FILE_MAX (1u << 20)

int proc_read_pid(const struct reader_env *env, pid_t pid, const char *name, char **ret_text)
{
	char path[64];
	int r, n;

	if (pid <= 0)
		return -ESRCH;
	n = snprintf(path, sizeof(path), "%d/%s", (int) pid, name);
	if (n < 0 || (size_t) n >= sizeof(path))
		return -EINVAL;
	r = read_full_at(env->proc_fd, path, PROC_FILE_MAX, ret_text, NULL);
	return r == -ENOENT ? -ESRCH : r;
}

static int pid_ns_of(const struct reader_env *env, pid_t pid, struct stat *ret)
{
	char path[64];

	(void) snprintf(path, sizeof(path), "%d/ns/pid", (int) pid);
	if (fstatat(env->proc_fd, path, ret, 0) < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	return 0;
}

/* Is @pid the init (pid 1) of the namespace (@dev, @ino)? 1 yes, 0 no, with its parent. */
static int is_ns_init(const struct reader_env *env, pid_t pid, dev_t dev, ino_t ino,
		      pid_t *ret_ppid)
{
	_cleanup_free_ char *status = NULL;
	pid_t ppid, last;
	unsigned levels;
	struct stat st;
	int r;

	r = pid_ns_of(env, pid, &st);
	if (r < 0)
		return r;
	if (st.st_dev != dev || st.st_ino != ino)
		return -EXDEV;	/* walked out of the namespace */
	r = proc_read_pid(env, pid, "status", &status);
	if (r < 0)
		return r;
	r = proc_status_parse(status, &ppid, &last, &levels);
	if (r < 0)
		return r;
	*ret_ppid = ppid;
	return last == 1;
}

static int find_ns_init(const struct reader_env *env, pid_t pid, dev_t dev, ino_t ino,
			pid_t *ret)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	pid_t p = pid;
	int fd;

	/* Usually the init is an ancestor of the caller: walk up the parents. */
	for (int i = 0; i < 256 && p > 0; i++) {
		pid_t ppid;
		int r = is_ns_init(env, p, dev, ino, &ppid);

		if (r == 1) {
			*ret = p;
			return 0;
		}
		if (r < 0)
			break;
		p = ppid;
	}
	/* Entered with setns() (lxc-attach): the parent chain leaves the namespace before
	 * reaching its init. Scan all processes for the one that is pid 1 there. */
	fd = openat(env->proc_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		(void) close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		char *end;
		long v = strtol(de->d_name, &end, 10);
		pid_t ppid;

		if (*end || v <= 0 || v > INT32_MAX)
			continue;
		if (is_ns_init(env, (pid_t) v, dev, ino, &ppid) == 1) {
			*ret = (pid_t) v;
			return 0;
		}
	}
	return -ESRCH;
}

static uint64_t now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec;
}

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL	/* linux/pidfd.h, 6.9: a pidfd for any thread, not only leaders */
#endif

/* A pidfd for thread @tid (FUSE passes the requesting thread's id) and its identity. */
static int pidfd_identity(pid_t tid, int *ret_fd, uint64_t *ret_id)
{
	struct stat st;
	int fd = (int) syscall(SYS_pidfd_open, tid, PIDFD_THREAD);

	if (fd < 0)
		return errno == EINVAL || errno == ESRCH ? -ESRCH : -errno;
	if (fstat(fd, &st) < 0) {
		(void) close(fd);
		return -errno;
	}
	*ret_fd = fd;
	*ret_id = (uint64_t) st.st_ino;
	return 0;
}

static bool pidfd_alive(int fd)
{
	return syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0) == 0;
}

bool reader_env_use_pidcache(struct reader_env *env, struct pidcache *c)
{
	uint64_t a = 0, b = 0;
	int fa = -EBADF, fb = -EBADF;

	env->pidcache = NULL;
	/* pidfs: two processes' pidfds have different inode numbers (anon_inode: the same) */
	if (pidfd_identity(getpid(), &fa, &a) == 0 && pidfd_identity(1, &fb, &b) == 0 &&
	    a != b && a != 0 && b != 0)
		env->pidcache = c;
	if (fa >= 0)
		(void) close(fa);
	if (fb >= 0)
		(void) close(fb);
	return env->pidcache != NULL;
}

/* The pid namespace of @caller, through the cache when there is one; *ret_pidfd stays open
 * for the request (-EBADF without the cache). */
static int caller_ns(const struct reader_env *env, pid_t caller, uint64_t now, dev_t *ret_dev,
		     ino_t *ret_ino, int *ret_pidfd, uint64_t *ret_id)
{
	struct stat st;
	int r, fd;

	*ret_pidfd = -EBADF;
	*ret_id = 0;
	if (!env->pidcache) {
		r = pid_ns_of(env, caller, &st);
		if (r < 0)
			return r;
		*ret_dev = st.st_dev;
		*ret_ino = st.st_ino;
		return 0;
	}
	r = pidfd_identity(caller, &fd, ret_id);
	if (r < 0)
		return r;
	if (pidcache_get(env->pidcache, caller, *ret_id, now, ret_dev, ret_ino, NULL) < 0) {
		r = pid_ns_of(env, caller, &st);
		/* still the process the pidfd names: the pid was not reused meanwhile */
		if (r == 0 && !pidfd_alive(fd))
			r = -ESRCH;
		if (r < 0) {
			(void) close(fd);
			return r;
		}
		*ret_dev = st.st_dev;
		*ret_ino = st.st_ino;
		(void) pidcache_put_ns(env->pidcache, caller, *ret_id, st.st_dev, st.st_ino, now);
	}
	*ret_pidfd = fd;
	return 0;
}

int reader_resolve(const struct reader_env *env, pid_t caller, struct reader *ret)
{
	uint64_t now = fdcache_now_ns(), id, init_id = 0;
	dev_t dev;
	ino_t ino;
	pid_t init;
	int r, pidfd;

	if (caller <= 0)
		return -ESRCH;	/* the caller's pid namespace is not visible from ours */
	r = caller_ns(env, caller, now, &dev, &ino, &pidfd, &id);
	if (r < 0)
		return r;
	if (dev == env->self_ns_dev && ino == env->self_ns_ino) {
		*ret = (struct reader) { .caller = caller, .ref = caller, .host = true,
					 .ref_id = id, .has_pidfd = pidfd >= 0, .pidfd = pidfd };
		return 0;
	}
	if (pidfd >= 0)
		(void) close(pidfd);
	if (nscache_get(env->nscache, dev, ino, now_sec(), &init, &init_id) < 0) {
		r = find_ns_init(env, caller, dev, ino, &init);
		if (r < 0)
			return log_debug_errno(r, "Failed to find init of pid %d's pid namespace: %m",
					       (int) caller);
		pidfd = (int) syscall(SYS_pidfd_open, init, 0);
		if (pidfd < 0)
			return -ESRCH;
		/* the pid may have been reused between the scan and pidfd_open: check again */
		if (is_ns_init(env, init, dev, ino, &(pid_t) { 0 }) != 1) {
			(void) close(pidfd);
			return -ESRCH;
		}
		r = nscache_put(env->nscache, dev, ino, init, pidfd, now_sec());
		if (r < 0)
			return r;
		init_id = 0;	/* cgroup text cached from the next request on */
	}
	*ret = (struct reader) { .caller = caller, .ref = init, .host = false,
				 .ref_id = env->pidcache ? init_id : 0 };
	return 0;
}

void reader_done(struct reader *r)
{
	free(r->cgroup_text);
	r->cgroup_text = NULL;
	if (r->has_pidfd)
		(void) close(r->pidfd);
	r->has_pidfd = false;
}

int reader_cgroup_text(const struct reader_env *env, struct reader *r)
{
	uint64_t now;
	dev_t dev;
	ino_t ino;
	int ret;

	if (r->cgroup_text)
		return 0;
	if (!r->ref_id || !env->pidcache)
		return proc_read_pid(env, r->ref, "cgroup", &r->cgroup_text);
	now = fdcache_now_ns();
	ret = pidcache_get(env->pidcache, r->ref, r->ref_id, now, &dev, &ino, &r->cgroup_text);
	if (ret == -ENOMEM)
		return ret;
	if (r->cgroup_text)
		return 0;
	ret = proc_read_pid(env, r->ref, "cgroup", &r->cgroup_text);
	if (ret < 0)
		return ret;
	/* kept only when ref is still the process of that identity: its pidfd (a host reader)
	 * or the namespace cache's (an init) says it is alive after the read */
	if (r->has_pidfd ? pidfd_alive(r->pidfd) :
	    nscache_alive(env->nscache, r->ref, r->ref_id))
		(void) pidcache_put_cgroup(env->pidcache, r->ref, r->ref_id, r->cgroup_text, now);
	return 0;
}

int reader_cgroup(const struct reader_env *env, struct reader *r, const char *controller,
		  const struct cg_hierarchy **ret_h, char **ret_path)
{
	const struct cg_hierarchy *h = cg_layout_find(env->layout, controller);
	int ret;

	if (!h)
		return -ENOENT;
	ret = reader_cgroup_text(env, r);
	if (ret < 0)
		return ret;
	ret = proc_cgroup_find(r->cgroup_text, h->version == CG_V1 ? controller : NULL, ret_path);
	if (ret < 0)
		return ret;
	*ret_h = h;
	return 0;
}
