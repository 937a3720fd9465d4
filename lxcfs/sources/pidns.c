/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pid translation between the host and a pid namespace; see pidns.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "parse-util.h"
#include "pidns.h"
#include "proc.h"

#define STATUS_MAX (64u << 10)
#define NSPID_MAX 33	/* the kernel nests at most 32 pid namespaces below the host's */

/* The NSpid line of task @rel ("PID" or "PID/task/TID") */
static int task_nspids(int proc_fd, const char *rel, pid_t *ret, size_t *ret_n)
{
	_cleanup_free_ char *status = NULL;
	char path[64];
	int r;

	r = snprintf(path, sizeof(path), "%s/status", rel);
	if (r < 0 || (size_t) r >= sizeof(path))
		return -EINVAL;
	r = read_full_at(proc_fd, path, STATUS_MAX, &status, NULL);
	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;
	return proc_status_nspids(status, ret, NSPID_MAX, ret_n);
}

int pidns_of(int proc_fd, pid_t pid, struct pidns_id *ret)
{
	pid_t nspids[NSPID_MAX];
	char rel[32];
	struct stat st;
	size_t n;
	int r;

	if (pid <= 0)
		return -ESRCH;
	(void) snprintf(rel, sizeof(rel), "%d", (int) pid);
	r = task_nspids(proc_fd, rel, nspids, &n);
	if (r < 0)
		return r;
	(void) snprintf(rel, sizeof(rel), "%d/ns/pid", (int) pid);
	if (fstatat(proc_fd, rel, &st, 0) < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	*ret = (struct pidns_id) { .dev = st.st_dev, .ino = st.st_ino, .level = (unsigned) n - 1 };
	return 0;
}

/* Is the pid namespace of task @rel, @levels deep, below or equal to @ns? 1 yes, 0 no. */
static int task_in_ns(int proc_fd, const char *rel, size_t levels, const struct pidns_id *ns)
{
	_cleanup_close_ int fd = -EBADF;
	char path[64];
	struct stat st;
	int r;

	if (levels < ns->level + 1)
		return 0;
	r = snprintf(path, sizeof(path), "%s/ns/pid", rel);
	if (r < 0 || (size_t) r >= sizeof(path))
		return -EINVAL;
	fd = openat(proc_fd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	for (size_t up = levels - 1 - ns->level; up > 0; up--) {
		int parent = ioctl(fd, NS_GET_PARENT);

		if (parent < 0)
			return errno == EPERM ? 0 : -errno;
		(void) close(fd);
		fd = parent;
	}
	if (fstat(fd, &st) < 0)
		return -errno;
	return st.st_dev == ns->dev && st.st_ino == ns->ino;
}

int pidns_from_host(int proc_fd, const struct pidns_id *ns, pid_t host, pid_t *ret)
{
	pid_t nspids[NSPID_MAX];
	char rel[32];
	size_t n;
	int r;

	*ret = 0;
	if (host <= 0)
		return 0;
	(void) snprintf(rel, sizeof(rel), "%d", (int) host);
	r = task_nspids(proc_fd, rel, nspids, &n);
	if (r == -ESRCH)
		return 0;
	if (r < 0)
		return r;
	r = task_in_ns(proc_fd, rel, n, ns);
	if (r == -ESRCH || r == 0)
		return 0;
	if (r < 0)
		return r;
	*ret = nspids[ns->level];
	return 0;
}

/* The index in @pids of the pid task @rel has in @ns, if still unresolved (@ret[i] == 0):
 * >= 0, -1 when none, or -errno */
static int task_match(int proc_fd, const char *rel, const struct pidns_id *ns, const pid_t *pids,
		      size_t n, const pid_t *ret)
{
	pid_t nspids[NSPID_MAX];
	size_t levels;
	int r;

	r = task_nspids(proc_fd, rel, nspids, &levels);
	if (r == -ESRCH || r == -EBADMSG)
		return -1;
	if (r < 0)
		return r;
	if (levels < ns->level + 1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (ret[i] != 0 || pids[i] != nspids[ns->level])
			continue;
		r = task_in_ns(proc_fd, rel, levels, ns);
		if (r == -ESRCH || r == 0)
			return -1;
		return r < 0 ? r : (int) i;
	}
	return -1;
}

/* Scans the numeric entries of @dir ("." for /proc itself, "PID/task"); with @threads also the
 * task directory of every process. Returns how many pids are still unresolved, or -errno. */
static int scan_dir(int proc_fd, const char *dir, const struct pidns_id *ns, const pid_t *pids,
		    size_t n, bool threads, pid_t *ret, size_t left)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd, r;

	fd = openat(proc_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? (int) left : -errno;
	d = fdopendir(fd);
	if (!d) {
		(void) close(fd);
		return -errno;
	}
	while (left > 0 && (de = readdir(d))) {
		char rel[64];
		char *end;
		long v = strtol(de->d_name, &end, 10);

		if (*end || v <= 0 || v > INT32_MAX)
			continue;
		if (streq(dir, "."))
			(void) snprintf(rel, sizeof(rel), "%ld", v);
		else
			(void) snprintf(rel, sizeof(rel), "%s/%ld", dir, v);
		r = task_match(proc_fd, rel, ns, pids, n, ret);
		if (r < 0 && r != -1)
			return r;
		for (size_t i = r >= 0 ? (size_t) r : n; i < n; i++)
			if (ret[i] == 0 && pids[i] == pids[r]) {
				ret[i] = (pid_t) v;	/* a pid listed twice resolves twice */
				left--;
			}
		if (threads && left > 0) {
			char tdir[64];

			(void) snprintf(tdir, sizeof(tdir), "%ld/task", v);
			r = scan_dir(proc_fd, tdir, ns, pids, n, false, ret, left);
			if (r < 0)
				return r;
			left = (size_t) r;
		}
	}
	return (int) left;
}

int pidns_to_host(int proc_fd, const struct pidns_id *ns, const pid_t *pids, size_t n,
		  bool threads, pid_t *ret)
{
	size_t left = n;
	int r;

	for (size_t i = 0; i < n; i++)
		ret[i] = 0;
	for (size_t i = 0; i < n; i++)
		if (pids[i] <= 0)
			left--;		/* never a pid: stays 0 */
	/* processes first: one pass over /proc; threads only for what is still missing */
	r = scan_dir(proc_fd, ".", ns, pids, n, false, ret, left);
	if (r > 0 && threads)
		r = scan_dir(proc_fd, ".", ns, pids, n, true, ret, (size_t) r);
	return r < 0 ? r : 0;
}
