/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Task counts of a cgroup subtree for proc/loadavg: all the reads, none of the arithmetic. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroup-tasks.h"
#include "cleanup.h"
#include "fileio.h"
#include "log.h"
#include "parse-util.h"

#define TASK_STAT_MAX 4096u	/* a stat line is about 300 bytes; comm is at most 64 */

struct walk {
	int proc_fd;
	const atomic_bool *cancel;
	struct tasks_count count;	/* .cgroups: directories read so far */
};

static bool walk_full(const struct walk *w)
{
	return w->count.total >= CGTASKS_THREADS_MAX;
}

/* Adds the threads of process @pid. A process that exited is no error. */
static int count_process(struct walk *w, pid_t pid)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	char name[32];
	int fd, n;

	n = snprintf(name, sizeof(name), "%d/task", (int) pid);
	if (n < 0 || (size_t) n >= sizeof(name))
		return -EINVAL;
	fd = openat(w->proc_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT || errno == ESRCH ? 0 : -errno;
	d = fdopendir(fd);
	if (!d) {
		int r = -errno;

		(void) close(fd);
		return r;
	}
	for (;;) {
		_cleanup_free_ char *stat = NULL;
		pid_t tid;
		int r;

		if (walk_full(w))
			return 0;
		errno = 0;
		de = readdir(d);
		if (!de) {
			/* the task directory of an exiting process can fail with ENOENT: done */
			return errno && errno != ENOENT && errno != ESRCH ? -errno : 0;
		}
		if (tasks_parse_pid(de->d_name, strlen(de->d_name), &tid) < 0)
			continue;	/* "." and ".." */
		n = snprintf(name, sizeof(name), "%d/stat", (int) tid);
		if (n < 0 || (size_t) n >= sizeof(name))
			return -EINVAL;
		r = read_full_at(dirfd(d), name, TASK_STAT_MAX, &stat, NULL);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			continue;	/* the thread exited after readdir() (ENOENT, ESRCH) */
		if (tasks_count_add(&w->count, tid, stat) < 0)
			log_debug("Malformed stat of thread %d, ignoring", (int) tid);
	}
}

/* Reads cgroup.procs of the directory @dfd (a cgroup @depth levels below the sampled one)
 * and, above CGTASKS_DEPTH, its child cgroups. Takes ownership of @dfd. */
static int walk_cgroup(struct walk *w, int dfd, unsigned depth)
{
	_cleanup_close_ int fd = dfd;
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_free_ char *procs = NULL;
	const char *pos;
	struct dirent *de;
	pid_t pid;
	int r, sub;

	if (atomic_load(w->cancel))
		return -ECANCELED;
	w->count.cgroups++;
	r = read_full_at(fd, "cgroup.procs", CGTASKS_PROCS_MAX, &procs, NULL);
	if (r < 0)
		return r;
	pos = procs;
	while (!walk_full(w) && (r = tasks_next_pid(&pos, &pid)) > 0) {
		if (atomic_load(w->cancel))
			return -ECANCELED;
		r = count_process(w, pid);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	if (depth >= CGTASKS_DEPTH || walk_full(w))
		return 0;

	sub = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (sub < 0)
		return -errno;
	d = fdopendir(sub);
	if (!d) {
		r = -errno;
		(void) close(sub);
		return r;
	}
	while (!walk_full(w) && w->count.cgroups < CGTASKS_CGROUPS_MAX && (de = readdir(d))) {
		int child;

		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		/* one component from readdir(), never "..": cannot leave the hierarchy */
		child = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (child < 0)
			continue;	/* removed meanwhile, or not a directory */
		r = walk_cgroup(w, child, depth + 1);
		if (r == -ECANCELED || r == -ENOMEM)
			return r;
		/* a descendant removed or unreadable mid-walk: its tasks are simply not counted */
	}
	return 0;
}

int load_cgroup_tasks(int cg_fd, int proc_fd, const char *path, const atomic_bool *cancel,
		      struct tasks_count *ret)
{
	struct walk w = { .proc_fd = proc_fd, .cancel = cancel };
	int fd, r;

	while (*path == '/')
		path++;
	if (!*path)
		return -EINVAL;	/* the root cgroup is the whole machine */
	fd = open_beneath(cg_fd, path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd;
	r = walk_cgroup(&w, fd, 0);
	if (r < 0)
		return r;
	*ret = w.count;
	return 0;
}
