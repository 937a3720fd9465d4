/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The lxcfs views for a cgroup directory: a reader whose cgroup text names that cgroup in every
 * hierarchy, handed to lxcfs's own loaders (lxcfs/sources/loaders.c, load-diskstats.c,
 * cgroup-tasks.c) and renderers; glue only, no parsing or formatting here. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-tasks.h"
#include "cgroups.h"
#include "cleanup.h"
#include "cpu.h"
#include "fileio.h"
#include "load-diskstats.h"
#include "render/loadavg.h"
#include "loaders.h"
#include "lxkit-views.h"
#include "meminfo.h"
#include "parse-util.h"
#include "reader.h"
#include "strbuf.h"

#define VIEW_MAX (16u << 20)	/* bytes one view may hold (as lxcfs's VFS_RENDER_MAX) */

struct view_ctx {
	struct reader_env env;
	struct cg_layout layout;
	struct reader rd;
	bool root;		/* the cgroup is a hierarchy root: the host's file */
};

static void view_ctx_done(struct view_ctx *c)
{
	reader_done(&c->rd);
	cg_layout_done(&c->layout);
	if (c->env.proc_fd >= 0)
		(void) close(c->env.proc_fd);
	c->env.proc_fd = -EBADF;
}

static int view_ctx_init(struct view_ctx *c)
{
	_cleanup_free_ char *mountinfo = NULL;
	int r;

	*c = (struct view_ctx) { .env.proc_fd = -EBADF };
	c->env.proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->env.proc_fd < 0)
		return -errno;
	r = read_full_at(c->env.proc_fd, "self/mountinfo", 4u << 20, &mountinfo, NULL);
	if (r < 0)
		return r;
	r = cg_layout_discover(mountinfo, &c->layout);
	if (r < 0)
		return r;
	c->env.layout = &c->layout;
	c->rd.caller = c->rd.ref = getpid();
	return 0;
}

/* The path of @cgroup below the mountpoint of the hierarchy that holds it ("/X"); -EINVAL when
 * no cgroup hierarchy holds it, -ENOENT when it is not a directory. */
static int cgroup_rel_path(const struct cg_layout *l, const char *cgroup, char **ret)
{
	const char *best = NULL;
	size_t best_len = 0;
	struct stat st;

	if (!cgroup || cgroup[0] != '/' || strchr(cgroup, '\n'))
		return -EINVAL;
	/* no "." or ".." component: the relative path must name the cgroup itself */
	for (const char *p = cgroup; (p = strchr(p, '/')); p++)
		if (p[1] == '.' && (p[2] == '/' || p[2] == '\0' ||
				    (p[2] == '.' && (p[3] == '/' || p[3] == '\0'))))
			return -EINVAL;
	for (size_t i = 0; i < l->n; i++) {
		const char *m = l->h[i].mountpoint;
		size_t n = strlen(m);

		while (n > 1 && m[n - 1] == '/')
			n--;
		if (strncmp(cgroup, m, n) == 0 && (cgroup[n] == '/' || cgroup[n] == '\0') &&
		    n > best_len) {
			best = cgroup + n;
			best_len = n;
		}
	}
	if (!best)
		return -EINVAL;
	if (stat(cgroup, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	{
		_cleanup_free_ char *p = strdup(*best ? best : "/");
		size_t n;

		if (!p)
			return -ENOMEM;
		n = strlen(p);
		while (n > 1 && p[n - 1] == '/')
			p[--n] = '\0';
		*ret = TAKE_PTR(p);
	}
	return 0;
}

/* The reader for @cgroup: /proc/PID/cgroup text listing its relative path for every hierarchy */
static int view_ctx_cgroup(struct view_ctx *c, const char *cgroup)
{
	_cleanup_(strbuf_done) struct strbuf text = STRBUF_INIT(1u << 20);
	_cleanup_free_ char *rel = NULL;
	unsigned id = 1;
	int r;

	r = cgroup_rel_path(&c->layout, cgroup, &rel);
	if (r < 0)
		return r;
	c->root = streq(rel, "/");
	for (size_t i = 0; i < c->layout.n; i++) {
		const struct cg_hierarchy *h = &c->layout.h[i];

		if (h->version == CG_V1)
			r = strbuf_appendf(&text, "%u:%s:%s\n", id++, h->controllers, rel);
		else
			r = strbuf_appendf(&text, "0::%s\n", rel);
		if (r < 0)
			return r;
	}
	c->rd.cgroup_text = strbuf_steal(&text, NULL);
	return c->rd.cgroup_text ? 0 : -ENOMEM;
}

static int host_file(const struct view_ctx *c, const char *name, char **ret_text)
{
	return read_full_at(c->env.proc_fd, name, VIEW_MAX, ret_text, NULL);
}

static int finish(struct strbuf *out, char **ret_text)
{
	char *t = strbuf_steal(out, NULL);

	if (!t)
		return -ENOMEM;
	*ret_text = t;
	return 0;
}

int lxkit_view_meminfo(const char *cgroup, char **ret_text)
{
	_cleanup_(view_ctx_done) struct view_ctx c = { .env.proc_fd = -EBADF };
	_cleanup_(strbuf_done) struct strbuf out = STRBUF_INIT(VIEW_MAX);
	_cleanup_free_ char *host = NULL;
	struct meminfo_inputs in;
	int r;

	r = view_ctx_init(&c);
	if (r < 0)
		return r;
	r = view_ctx_cgroup(&c, cgroup);
	if (r < 0)
		return r;
	if (c.root)
		return host_file(&c, "meminfo", ret_text);
	r = load_meminfo(&c.env, &c.rd, false, &in, &host);
	if (r < 0)
		return r;
	r = meminfo_render(&in, &out);
	if (r < 0)
		return r;
	return finish(&out, ret_text);
}

int lxkit_view_cpuinfo(const char *cgroup, char **ret_text)
{
	_cleanup_(view_ctx_done) struct view_ctx c = { .env.proc_fd = -EBADF };
	_cleanup_(strbuf_done) struct strbuf out = STRBUF_INIT(VIEW_MAX);
	_cleanup_free_ char *host = NULL;
	struct cpuset set;
	int r;

	r = view_ctx_init(&c);
	if (r < 0)
		return r;
	r = view_ctx_cgroup(&c, cgroup);
	if (r < 0)
		return r;
	r = load_cpuset(&c.env, &c.rd, &set);
	if (r < 0)
		return r;
	r = host_proc_read(&c.env, "cpuinfo", &host);
	if (r < 0)
		return r;
	r = cpuinfo_render(host, &set, 0, &out);
	if (r < 0)
		return r;
	return finish(&out, ret_text);
}

int lxkit_view_stat(const char *cgroup, char **ret_text)
{
	_cleanup_(view_ctx_done) struct view_ctx c = { .env.proc_fd = -EBADF };
	_cleanup_(strbuf_done) struct strbuf out = STRBUF_INIT(VIEW_MAX);
	_cleanup_free_ struct cpuacct_usage *usage = NULL;
	_cleanup_free_ char *host = NULL;
	struct stat_inputs in;
	struct cpuset set;
	long conf = sysconf(_SC_NPROCESSORS_CONF);
	size_t n = 0;
	int r;

	r = view_ctx_init(&c);
	if (r < 0)
		return r;
	r = view_ctx_cgroup(&c, cgroup);
	if (r < 0)
		return r;
	r = load_cpuset(&c.env, &c.rd, &set);
	if (r < 0)
		return r;
	r = load_cpuacct(&c.env, &c.rd, conf > 0 && conf < CPUSET_MAX ? (size_t) conf : CPUSET_MAX,
			 &usage, &n);
	if (r < 0 && r != -ENOENT)
		return r;
	r = host_proc_read(&c.env, "stat", &host);
	if (r < 0)
		return r;
	in = (struct stat_inputs) {
		.host_stat = host, .cpuset = &set, .usage = usage, .n_usage = n,
		.clk_tck = (uint64_t) sysconf(_SC_CLK_TCK), .max_cpus = 0,
	};
	r = stat_render(&in, &out);
	if (r < 0)
		return r;
	return finish(&out, ret_text);
}

int lxkit_view_diskstats(const char *cgroup, char **ret_text)
{
	_cleanup_(view_ctx_done) struct view_ctx c = { .env.proc_fd = -EBADF };
	_cleanup_(strbuf_done) struct strbuf out = STRBUF_INIT(VIEW_MAX);
	_cleanup_(diskstats_inputs_done) struct diskstats_inputs in = {};
	int r;

	r = view_ctx_init(&c);
	if (r < 0)
		return r;
	r = view_ctx_cgroup(&c, cgroup);
	if (r < 0)
		return r;
	if (c.root)
		return host_file(&c, "diskstats", ret_text);
	r = load_diskstats(&c.env, &c.rd, &in);
	if (r < 0)
		return r;
	r = diskstats_render(&in, &out);
	if (r < 0)
		return r;
	return finish(&out, ret_text);
}

int lxkit_view_loadavg(const char *cgroup, char **ret_text)
{
	_cleanup_(view_ctx_done) struct view_ctx c = { .env.proc_fd = -EBADF };
	_cleanup_(strbuf_done) struct strbuf out = STRBUF_INIT(4096);
	_cleanup_free_ char *path = NULL;
	const struct cg_hierarchy *h;
	struct loadavg_state st;
	struct tasks_count sample;
	atomic_bool cancel = false;
	int r;

	r = view_ctx_init(&c);
	if (r < 0)
		return r;
	r = view_ctx_cgroup(&c, cgroup);
	if (r < 0)
		return r;
	if (c.root)
		return host_file(&c, "loadavg", ret_text);
	r = reader_cgroup(&c.env, &c.rd, "cpu", &h, &path);
	if (r < 0)
		return r;
	r = load_cgroup_tasks(h->fd, c.env.proc_fd, path, &cancel, &sample);
	if (r < 0)
		return r;
	loadavg_state_init(c.rd.ref, &st);
	loadavg_step(&st, &sample, &st);
	r = loadavg_render(&st, &out);
	if (r < 0)
		return r;
	return finish(&out, ret_text);
}

int lxkit_view_uptime(pid_t pid, char **ret_text)
{
	_cleanup_(view_ctx_done) struct view_ctx c = { .env.proc_fd = -EBADF };
	_cleanup_(strbuf_done) struct strbuf out = STRBUF_INIT(4096);
	uint64_t start, busy;
	struct timespec ts;
	int r;

	if (pid <= 0)
		return -EINVAL;
	r = view_ctx_init(&c);
	if (r < 0)
		return r;
	c.rd.caller = c.rd.ref = pid;	/* cgroup text: /proc/<pid>/cgroup, on first use */
	r = load_uptime(&c.env, &c.rd, &start, &busy);
	if (r < 0)
		return r;
	if (clock_gettime(CLOCK_BOOTTIME, &ts) < 0)
		return -errno;
	r = uptime_render((uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec, start,
			  (uint64_t) sysconf(_SC_CLK_TCK), busy, &out);
	if (r < 0)
		return r;
	return finish(&out, ret_text);
}
