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

static bool pidfd_alive(int fd)
{
	return syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0) == 0;
}

bool reader_env_use_pidcache(struct reader_env *env, struct pidcache *c)
{
	int fd = (int) syscall(SYS_pidfd_open, gettid(), PIDFD_THREAD);

	env->pidcache = NULL;
	if (fd >= 0) {
		env->pidcache = c;
		(void) close(fd);
	}
	return env->pidcache != NULL;
}

/* @caller's pid namespace -> the reference process (@caller itself, or its namespace's init). */
static int resolve_ref(const struct reader_env *env, pid_t caller, bool *ret_host, pid_t *ret_ref)
{
	struct stat st;
	pid_t init;
	int r, pidfd;

	r = pid_ns_of(env, caller, &st);
	if (r < 0)
		return r;
	if (st.st_dev == env->self_ns_dev && st.st_ino == env->self_ns_ino) {
		*ret_host = true;
		*ret_ref = caller;
		return 0;
	}
	if (nscache_get(env->nscache, st.st_dev, st.st_ino, now_sec(), &init) < 0) {
		r = find_ns_init(env, caller, st.st_dev, st.st_ino, &init);
		if (r < 0)
			return log_debug_errno(r, "Failed to find init of pid %d's pid namespace: %m",
					       (int) caller);
		pidfd = (int) syscall(SYS_pidfd_open, init, 0);
		if (pidfd < 0)
			return -ESRCH;
		/* the pid may have been reused between the scan and pidfd_open: check again */
		if (is_ns_init(env, init, st.st_dev, st.st_ino, &(pid_t) { 0 }) != 1) {
			(void) close(pidfd);
			return -ESRCH;
		}
		r = nscache_put(env->nscache, st.st_dev, st.st_ino, init, pidfd, now_sec());
		if (r < 0)
			return r;
	}
	*ret_host = false;
	*ret_ref = init;
	return 0;
}

int reader_resolve(const struct reader_env *env, pid_t caller, struct reader *ret)
{
	_cleanup_free_ char *text = NULL;
	struct pidcache_view v = {};
	uint64_t now;
	bool host;
	pid_t ref;
	int r, pidfd;

	if (caller <= 0)
		return -ESRCH;	/* the caller's pid namespace is not visible from ours */
	if (!env->pidcache) {
		r = resolve_ref(env, caller, &host, &ref);
		if (r < 0)
			return r;
		*ret = (struct reader) { .caller = caller, .ref = ref, .host = host };
		return 0;
	}
	now = fdcache_now_ns();
	r = pidcache_get(env->pidcache, caller, now, &v);
	if (r == 0) {
		*ret = (struct reader) { .caller = caller, .ref = v.ref, .host = v.host,
					 .cgroup_text = v.cgroup, .ref_start = v.ref_start };
		return 0;
	}
	if (r == -ENOMEM)
		return r;

	/* first request of this thread, or its entry is older than PIDCACHE_TEXT_NS */
	pidfd = (int) syscall(SYS_pidfd_open, caller, PIDFD_THREAD);
	if (pidfd < 0)
		return -ESRCH;
	r = resolve_ref(env, caller, &host, &ref);
	if (r >= 0)
		r = proc_read_pid(env, ref, "cgroup", &text);
	/* still the thread the pidfd names (its pid was not reused meanwhile) and, for a
	 * container, still the same init: what was read belongs to them */
	if (r >= 0 && !pidfd_alive(pidfd))
		r = -ESRCH;
	if (r >= 0 && !host &&
	    (resolve_ref(env, caller, &(bool) { false }, &v.ref) < 0 || v.ref != ref))
		r = -ESRCH;
	if (r < 0) {
		(void) close(pidfd);
		return r;
	}
	v = (struct pidcache_view) { .host = host, .ref = ref, .cgroup = text };
	(void) pidcache_put(env->pidcache, caller, pidfd, &v, now);	/* takes pidfd */
	*ret = (struct reader) { .caller = caller, .ref = ref, .host = host,
				 .cgroup_text = TAKE_PTR(text) };
	return 0;
}

void reader_set_ref_start(const struct reader_env *env, struct reader *r, uint64_t start)
{
	r->ref_start = start;
	if (env->pidcache)
		pidcache_set_start(env->pidcache, r->caller, r->ref, start);
}

void reader_done(struct reader *r)
{
	free(r->cgroup_text);
	r->cgroup_text = NULL;
}

int reader_cgroup_text(const struct reader_env *env, struct reader *r)
{
	if (r->cgroup_text)
		return 0;
	return proc_read_pid(env, r->ref, "cgroup", &r->cgroup_text);
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
