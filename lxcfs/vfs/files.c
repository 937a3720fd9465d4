/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Glue from a node kind to loader + renderer; no parsing or formatting here. */
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "cpu.h"
#include "fill.h"
#include "fileio.h"
#include "loaders.h"
#include "log.h"
#include "meminfo.h"
#include "parse-util.h"
#include "vfs.h"

static int fill_meminfo(struct vfs_fs *fs, struct reader *rd, enum vfs_kind kind, struct strbuf *out)
{
	_cleanup_free_ char *host = NULL;
	struct meminfo_inputs in;
	int r;

	r = load_meminfo(&fs->env, rd, fs->swap_disabled, &in, &host);
	if (r < 0)
		return r;
	return kind == VFS_PROC_MEMINFO ? meminfo_render(&in, out) : swaps_render(&in, out);
}

/* CPUs the reader sees and, with --enable-cfs, how many (0 = no cap, physical numbers) */
static int load_cpu_view(struct vfs_fs *fs, struct reader *rd, struct cpuset *ret_set,
			 unsigned *ret_max)
{
	uint64_t quota = CG_LIMIT_MAX, period = 0;
	unsigned max = 0;
	int r;

	r = load_cpuset(&fs->env, rd, ret_set);
	if (r < 0)
		return r;
	if (fs->cfs) {
		r = load_cpu_quota(&fs->env, rd, &quota, &period);
		if (r < 0 && r != -ENOENT)
			return r;
		max = cpuview_max_cpus(quota, period, cpuset_count(ret_set), fs->host_online_cpus);
	}
	*ret_max = max;
	return 0;
}

int vfs_cpu_view(struct vfs_fs *fs, pid_t caller, struct cpuset *ret_cpuset, unsigned *ret_max)
{
	_cleanup_(reader_done) struct reader rd = {};
	_cleanup_free_ char *online = NULL;
	int r;

	if (atomic_load(fs->virtualize) && reader_resolve(&fs->env, caller, &rd) >= 0 &&
	    load_cpu_view(fs, &rd, ret_cpuset, ret_max) >= 0)
		return 0;
	/* the reader cannot be resolved: the host's CPUs, as its files fall back to the host's */
	r = read_full_at(fs->sys_cpu_fd, "online", 65536, &online, NULL);
	if (r < 0)
		return r;
	r = cpuset_parse(online, ret_cpuset);
	if (r < 0)
		return r;
	*ret_max = 0;
	return 0;
}

static int fill_cpuinfo(struct vfs_fs *fs, struct reader *rd, struct strbuf *out)
{
	_cleanup_free_ char *host = NULL;
	struct cpuset set;
	unsigned max;
	int r;

	r = load_cpu_view(fs, rd, &set, &max);
	if (r < 0)
		return r;
	r = host_proc_read(&fs->env, "cpuinfo", &host);
	if (r < 0)
		return r;
	return cpuinfo_render(host, &set, max, out);
}

static int fill_stat(struct vfs_fs *fs, struct reader *rd, struct strbuf *out)
{
	_cleanup_free_ struct cpuacct_usage *usage = NULL;
	_cleanup_free_ char *host = NULL;
	struct stat_inputs in = {};
	struct cpuset set;
	size_t n = 0;
	unsigned max;
	int r;

	r = load_cpu_view(fs, rd, &set, &max);
	if (r < 0)
		return r;
	r = load_cpuacct(&fs->env, rd, fs->host_conf_cpus, &usage, &n);
	if (r < 0 && r != -ENOENT)
		return r;
	r = host_proc_read(&fs->env, "stat", &host);
	if (r < 0)
		return r;
	in = (struct stat_inputs) {
		.host_stat = host, .cpuset = &set, .usage = usage, .n_usage = n,
		.clk_tck = (uint64_t) sysconf(_SC_CLK_TCK), .max_cpus = max,
	};
	return stat_render(&in, out);
}

static int fill_uptime(struct vfs_fs *fs, struct reader *rd, struct strbuf *out)
{
	uint64_t start, busy;
	struct timespec ts;
	int r;

	if (rd->host)
		return -ENOENT;	/* a host process sees the host's uptime */
	r = load_uptime(&fs->env, rd, &start, &busy);
	if (r < 0)
		return r;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return uptime_render((uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec, start,
			     (uint64_t) sysconf(_SC_CLK_TCK), busy, out);
}

/* proc/slabinfo: the v1 memory cgroup's memory.kmem.slabinfo when it has content (recent
 * kernels leave it empty), else the host's (spec 4.9). */
static int fill_slabinfo(struct vfs_fs *fs, struct reader *rd, struct strbuf *out)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	const struct cg_hierarchy *h;
	int r;

	r = reader_cgroup(&fs->env, rd, "memory", &h, &path);
	if (r < 0)
		return r;
	if (h->version != CG_V1 || streq(path, "/"))
		return -ENOENT;
	r = cg_read(h, path, "memory.kmem.slabinfo", &text);
	if (r < 0)
		return r;
	if (!*text)
		return -ENODATA;
	return strbuf_appends(out, text);
}

static int fill_sys_cpu(struct vfs_fs *fs, struct reader *rd, enum vfs_kind kind,
			const char *path, struct strbuf *out)
{
	struct cpuset set, visible;
	unsigned max;
	int r;

	r = load_cpu_view(fs, rd, &set, &max);
	if (r < 0)
		return r;
	cpu_visible_set(&set, max, &visible);
	switch (kind) {
	case VFS_SYS_CPU_ONLINE:
	case VFS_SYS_CPU_PRESENT:
	case VFS_SYS_CPU_POSSIBLE:
		/* the container's CPUs are all the CPUs it has: present and possible equal online,
		 * so _SC_NPROCESSORS_CONF (glibc reads "possible") matches _SC_NPROCESSORS_ONLN */
		return cpu_online_render(&visible, out);
	case VFS_SYS_CPU_OFFLINE:
		return cpu_offline_render(&visible, &visible, out);
	default: {
		const char *p = strrchr(path, '/');
		unsigned long cpu;

		/* ".../cpuN/online": N follows the previous '/' + "cpu" (vfs_classify checked) */
		while (p > path && p[-1] != '/')
			p--;
		cpu = strtoul(p + strlen("cpu"), NULL, 10);
		return cpu_n_online_render(&visible, (unsigned) cpu, out);
	}
	}
}

/* The host's own content of a node: /proc/<file> or the sysfs file behind @path for @caller. */
static int render_host(struct vfs_fs *fs, enum vfs_kind kind, const char *path, pid_t caller,
		       struct strbuf *out)
{
	_cleanup_free_ char *text = NULL;
	char rel[PATH_MAX];
	size_t len;
	int r, fd;

	strbuf_reset(out);
	if (vfs_kind_is_proc_file(kind))
		r = read_full_at(fs->env.proc_fd, strchr(path, '/') + 1, VFS_RENDER_MAX, &text, &len);
	else {
		r = vfs_sys_host_path(fs, path, caller, rel, sizeof(rel));
		if (r < 0)
			return r;
		fd = open_beneath(fs->sys_cpu_fd, rel, O_RDONLY);
		if (fd < 0)
			return fd;
		r = read_full_fd(fd, VFS_RENDER_MAX, &text, &len);
		(void) close(fd);
	}
	if (r < 0)
		return r;
	return strbuf_append(out, text, len);
}

int vfs_render(struct vfs_fs *fs, enum vfs_kind kind, const char *path, pid_t caller,
	       struct strbuf *out)
{
	_cleanup_(reader_done) struct reader rd = {};
	int r;

	if (kind == VFS_SYS_HOST)
		return render_host(fs, kind, path, caller, out);
	if (!vfs_kind_is_proc_file(kind) && !vfs_kind_is_sys_cpu_view(kind))
		return -EISDIR;
	if (kind == VFS_PROC_LOADAVG && !fs->loadavg)
		return render_host(fs, kind, path, caller, out);	/* per-container only with -l */
	if (!atomic_load(fs->virtualize))
		return render_host(fs, kind, path, caller, out);

	r = reader_resolve(&fs->env, caller, &rd);
	if (r >= 0) {
		switch (kind) {
		case VFS_PROC_MEMINFO:
		case VFS_PROC_SWAPS:
			r = fill_meminfo(fs, &rd, kind, out);
			break;
		case VFS_PROC_CPUINFO:
			r = fill_cpuinfo(fs, &rd, out);
			break;
		case VFS_PROC_STAT:
			r = fill_stat(fs, &rd, out);
			break;
		case VFS_PROC_UPTIME:
			r = fill_uptime(fs, &rd, out);
			break;
		case VFS_PROC_DISKSTATS:
			r = fill_diskstats(fs, &rd, out);
			break;
		case VFS_PROC_LOADAVG:
			r = fill_loadavg(fs, &rd, out);
			break;
		case VFS_PROC_SLABINFO:
			r = fill_slabinfo(fs, &rd, out);
			break;
		case VFS_PROC_PRESSURE_CPU ... VFS_PROC_PRESSURE_MEMORY:
			r = fill_pressure(fs, &rd, kind, out);
			break;
		default:
			r = fill_sys_cpu(fs, &rd, kind, path, out);
			break;
		}
	}
	if (r >= 0)
		return 0;
	if (r == -ENOMEM || r == -EFBIG)
		return r;
	/* The reader vanished, sits in the root cgroup, or its cgroup files are odd: the host's
	 * file is the honest answer. Counted, and logged at debug level only (one per read). */
	atomic_fetch_add(&fs->fallbacks, 1);
	log_debug_errno(r, "Serving host '%s' to pid %d: %m", path, (int) caller);
	return render_host(fs, kind, path, caller, out);
}
