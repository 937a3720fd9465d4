/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loader of the sysinfo(2) answers: all I/O, no formatting. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fileio.h"
#include "memstat.h"
#include "parse-util.h"
#include "proc.h"
#include "sysinfo-load.h"
#include "tasks.h"

/* Does the comma-separated list @list hold @item as a whole element? */
static bool list_has(const char *list, const char *item)
{
	size_t n = strlen(item);

	for (const char *p = list; p && *p;) {
		const char *comma = strchrnul(p, ',');

		if ((size_t) (comma - p) == n && strncmp(p, item, n) == 0)
			return true;
		p = *comma ? comma + 1 : NULL;
	}
	return false;
}

static int open_dir(const char *path)
{
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* The hierarchy root for @controller: its v1 mount, else the cgroup2 mount. */
static void find_hierarchy(const struct cgroup_mount *m, size_t n, const char *controller,
			   int *ret_fd, enum cg_version *ret_version)
{
	const char *unified = NULL;

	*ret_fd = -EBADF;
	for (size_t i = 0; i < n; i++) {
		if (m[i].unified) {
			unified = unified ? unified : m[i].mountpoint;
			continue;
		}
		if (m[i].controllers && list_has(m[i].controllers, controller)) {
			*ret_fd = open_dir(m[i].mountpoint);
			*ret_version = CG_V1;
			if (*ret_fd >= 0)
				return;
		}
	}
	if (unified) {
		*ret_fd = open_dir(unified);
		*ret_version = CG_V2;
	}
}

int sysinfo_source_open(struct sysinfo_source *ret)
{
	_cleanup_free_ char *mountinfo = NULL;
	_cleanup_close_ int proc_fd = -EBADF;
	struct sysinfo_source s = { .proc_fd = -EBADF, .memory_fd = -EBADF, .pids_fd = -EBADF };
	struct cgroup_mount *m = NULL;
	size_t n = 0;
	int r;

	proc_fd = open_dir("/proc");
	if (proc_fd < 0)
		return proc_fd;
	r = read_full_at(proc_fd, "self/mountinfo", SYSINFO_FILE_MAX, &mountinfo, NULL);
	if (r < 0)
		return r;
	r = mountinfo_parse_cgroups(mountinfo, &m, &n);
	if (r < 0)
		return r;
	find_hierarchy(m, n, "memory", &s.memory_fd, &s.memory_version);
	find_hierarchy(m, n, "pids", &s.pids_fd, &s.pids_version);
	cgroup_mounts_free(m, n);
	s.proc_fd = TAKE_FD(proc_fd);
	*ret = s;
	return 0;
}

void sysinfo_source_done(struct sysinfo_source *s)
{
	closep(&s->proc_fd);
	closep(&s->memory_fd);
	closep(&s->pids_fd);
	s->proc_fd = s->memory_fd = s->pids_fd = -EBADF;
}

void sysinfo_loaded_done(struct sysinfo_loaded *l)
{
	free(l->host_meminfo);
	free(l->memory_path);
	*l = (struct sysinfo_loaded) {};
}

/* Reads @file of cgroup @path (absolute in the hierarchy at @root_fd, "/" for the root). The
 * path comes from the container's /proc/PID/cgroup: the open stays beneath @root_fd. */
static int cg_read(int root_fd, const char *path, const char *file, char **ret)
{
	_cleanup_free_ char *rel = NULL;

	if (streq(path, "/"))
		return read_full_beneath(root_fd, file, SYSINFO_FILE_MAX, ret, NULL);
	if (asprintf(&rel, "%s/%s", path + 1, file) < 0)
		return -ENOMEM;
	return read_full_beneath(root_fd, rel, SYSINFO_FILE_MAX, ret, NULL);
}

static int cg_read_u64(int root_fd, const char *path, const char *file, uint64_t *ret)
{
	_cleanup_free_ char *text = NULL;
	int r = cg_read(root_fd, path, file, &text);

	if (r < 0)
		return r;
	return cg_parse_limit(text, ret);
}

/* Minimum of limit file @file over @path and its ancestors; levels without the file (the
 * root) are skipped. Returns 0 (CG_LIMIT_MAX when no level limits), -ENOENT when no level has
 * the file, or a read/parse error. */
static int cg_limit_min(int root_fd, const char *path, const char *file, uint64_t *ret)
{
	_cleanup_free_ char *p = strdup(path);
	uint64_t best = CG_LIMIT_MAX;
	bool found = false;

	if (!p)
		return -ENOMEM;
	for (;;) {
		uint64_t v;
		int r = cg_read_u64(root_fd, p, file, &v);
		char *slash;

		if (r == 0) {
			found = true;
			best = MIN(best, v);
		} else if (r != -ENOENT)
			return r;
		if (streq(p, "/"))
			break;
		slash = strrchr(p, '/');
		if (slash == p)
			p[1] = '\0';
		else
			*slash = '\0';
	}
	if (!found)
		return -ENOENT;
	*ret = best;
	return 0;
}

/* The cgroup of @pid for a controller on a @version hierarchy. */
static int pid_cgroup(const char *cgroup_text, const char *controller, enum cg_version version,
		      char **ret)
{
	return proc_cgroup_find(cgroup_text, version == CG_V1 ? controller : NULL, ret);
}

/* The decisions of lxcfs's load_meminfo() (lxcfs/sources/loaders.c), swap not disabled. */
static int load_memory(const struct sysinfo_source *src, const char *path, struct meminfo_inputs *in)
{
	_cleanup_free_ char *stat_text = NULL;
	int fd = src->memory_fd;
	int r;

	*in = (struct meminfo_inputs) { .version = src->memory_version };
	r = cg_read(fd, path, "memory.stat", &stat_text);
	if (r < 0)
		return r;
	r = memstat_parse(stat_text, in->version, &in->stat);
	if (r < 0)
		return r;
	if (in->version == CG_V1) {
		if (in->stat.has_hierarchical_memory_limit)
			in->limit = in->stat.hierarchical_memory_limit;
		else {
			r = cg_limit_min(fd, path, "memory.limit_in_bytes", &in->limit);
			if (r < 0)
				return r;
		}
		r = cg_read_u64(fd, path, "memory.usage_in_bytes", &in->usage);
		if (r < 0)
			return r;
		if (in->stat.has_swap && in->stat.has_hierarchical_memsw_limit) {
			in->swap_wanted = true;
			in->swap_limit = in->stat.hierarchical_memsw_limit;
			in->swap_usage = in->stat.swap;
			if (cg_read_u64(fd, path, "memory.swappiness", &in->swappiness) == 0)
				in->has_swappiness = true;
		}
	} else {
		r = cg_limit_min(fd, path, "memory.max", &in->limit);
		if (r < 0)
			return r;
		r = cg_read_u64(fd, path, "memory.current", &in->usage);
		if (r < 0)
			return r;
		if (cg_read_u64(fd, path, "memory.swap.current", &in->swap_usage) == 0 &&
		    cg_limit_min(fd, path, "memory.swap.max", &in->swap_limit) == 0)
			in->swap_wanted = true;
	}
	return 0;
}

int sysinfo_load(const struct sysinfo_source *src, pid_t init_pid, struct sysinfo_loaded *ret)
{
	_cleanup_free_ char *cgroup_text = NULL, *stat_text = NULL, *path = NULL, *host = NULL;
	struct sysinfo_loaded l = {};
	char name[64];
	int r;

	r = snprintf(name, sizeof(name), "%d/stat", (int) init_pid);
	if (r < 0 || (size_t) r >= sizeof(name) || init_pid <= 0)
		return -EINVAL;
	r = read_full_at(src->proc_fd, name, SYSINFO_FILE_MAX, &stat_text, NULL);
	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;
	r = proc_stat_starttime(stat_text, &l.start_ticks);
	if (r < 0)
		return r;
	(void) snprintf(name, sizeof(name), "%d/cgroup", (int) init_pid);
	r = read_full_at(src->proc_fd, name, SYSINFO_FILE_MAX, &cgroup_text, NULL);
	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;

	if (src->memory_fd >= 0 &&
	    pid_cgroup(cgroup_text, "memory", src->memory_version, &path) == 0 && !streq(path, "/")) {
		r = load_memory(src, path, &l.mem);
		if (r < 0)
			return r;
		r = read_full_at(src->proc_fd, "meminfo", SYSINFO_FILE_MAX, &host, NULL);
		if (r < 0)
			return r;
		l.mem.host_meminfo = host;
		l.has_mem = true;
	}
	if (src->pids_fd >= 0) {
		_cleanup_free_ char *pids_path = NULL;

		if (pid_cgroup(cgroup_text, "pids", src->pids_version, &pids_path) == 0 &&
		    !streq(pids_path, "/") &&
		    cg_read_u64(src->pids_fd, pids_path, "pids.current", &l.procs) == 0)
			l.has_procs = true;
	}
	l.host_meminfo = TAKE_PTR(host);
	l.memory_path = l.has_mem ? TAKE_PTR(path) : NULL;
	*ret = l;
	return 0;
}

/* Adds the threads of process @pid (its /proc/PID/task entries) to @c. A process or thread
 * that exits meanwhile is skipped. */
static void count_process(int proc_fd, pid_t pid, struct tasks_count *c)
{
	_cleanup_closedir_ DIR *d = NULL;
	char name[64];
	int fd, r;

	r = snprintf(name, sizeof(name), "%d/task", (int) pid);
	if (r < 0 || (size_t) r >= sizeof(name))
		return;
	fd = openat(proc_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		(void) close(fd);
		return;
	}
	for (struct dirent *de; (de = readdir(d)) && c->total < SYSINFO_TASKS_MAX;) {
		_cleanup_free_ char *stat = NULL;
		pid_t tid;

		if (tasks_parse_pid(de->d_name, strlen(de->d_name), &tid) < 0)
			continue;
		r = snprintf(name, sizeof(name), "%d/task/%d/stat", (int) pid, (int) tid);
		if (r < 0 || (size_t) r >= sizeof(name))
			continue;
		if (read_full_at(proc_fd, name, SYSINFO_FILE_MAX, &stat, NULL) < 0)
			continue;
		(void) tasks_count_add(c, tid, stat);
	}
}

/* Counts the processes of cgroup directory @dir_fd and, down to @depth more levels, of its
 * child directories. */
static int count_cgroup(int proc_fd, int dir_fd, unsigned depth, struct tasks_count *c)
{
	_cleanup_free_ char *procs = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	const char *pos;
	pid_t pid;
	int fd, r;

	r = read_full_at(dir_fd, "cgroup.procs", SYSINFO_FILE_MAX, &procs, NULL);
	if (r < 0)
		return r;
	c->cgroups++;
	pos = procs;
	while (c->total < SYSINFO_TASKS_MAX && (r = tasks_next_pid(&pos, &pid)) > 0)
		count_process(proc_fd, pid, c);
	if (r < 0)
		return r;
	if (depth == 0)
		return 0;
	fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	d = fdopendir(fd);
	if (!d) {
		(void) close(fd);
		return 0;
	}
	for (struct dirent *de; (de = readdir(d));) {
		_cleanup_close_ int sub = -EBADF;

		if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		sub = openat(dirfd(d), de->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			(void) count_cgroup(proc_fd, sub, depth - 1, c);	/* may vanish: skip */
	}
	return 0;
}

int sysinfo_load_tasks(const struct sysinfo_source *src, pid_t init_pid, struct tasks_count *ret)
{
	_cleanup_free_ char *cgroup_text = NULL, *path = NULL;
	_cleanup_close_ int dir_fd = -EBADF;
	struct tasks_count c = {};
	int root_fd = src->memory_fd;
	enum cg_version version = src->memory_version;
	const char *controller = "memory";
	char name[64];
	int r;

	if (root_fd < 0) {
		root_fd = src->pids_fd;
		version = src->pids_version;
		controller = "pids";
	}
	if (root_fd < 0 || init_pid <= 0)
		return -ENOENT;
	r = snprintf(name, sizeof(name), "%d/cgroup", (int) init_pid);
	if (r < 0 || (size_t) r >= sizeof(name))
		return -EINVAL;
	r = read_full_at(src->proc_fd, name, SYSINFO_FILE_MAX, &cgroup_text, NULL);
	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;
	r = pid_cgroup(cgroup_text, controller, version, &path);
	if (r < 0)
		return r;
	if (streq(path, "/"))
		return -ENOENT;
	dir_fd = open_beneath(root_fd, path + 1, O_PATH | O_DIRECTORY);
	if (dir_fd < 0)
		return dir_fd;
	r = count_cgroup(src->proc_fd, dir_fd, SYSINFO_TASKS_DEPTH, &c);
	if (r < 0)
		return r;
	*ret = c;
	return 0;
}
