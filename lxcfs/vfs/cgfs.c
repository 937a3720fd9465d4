/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The virtual cgroupfs: I/O glue around the pure policy (cgfs-policy.h); see cgfs.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgfs.h"
#include "cleanup.h"
#include "fileio.h"
#include "log.h"
#include "parse-util.h"
#include "proc.h"
#include "reader.h"

/* The caller of one request, resolved for one hierarchy */
struct cgfs_who {
	char *cg;		/* cgroup of its pid namespace's init (its own on the host) */
	struct cgfs_idmap map;	/* the caller's uid map */
	struct cgfs_idmap gmap;	/* and gid map */
	struct cgfs_caller c;
};

static void who_done(struct cgfs_who *w)
{
	free(w->cg);
	w->cg = NULL;
}

/* A real object below a hierarchy root */
struct cgfs_obj {
	char *cg;		/* the cgroup it is or lives in, "/..." */
	const char *file;	/* its name when a regular file (points into the node path) */
	struct stat st;
};

static void obj_done(struct cgfs_obj *o)
{
	free(o->cg);
	o->cg = NULL;
}

/* The name a hierarchy has under cgroup/: "unified" for cgroup2, else its mount directory's */
static const char *hier_name(const struct cg_hierarchy *h)
{
	const char *s;

	if (h->version == CG_V2)
		return "unified";
	s = strrchr(h->mountpoint, '/');
	return s ? s + 1 : h->mountpoint;
}

/* The first hierarchy named @name (@len bytes); names are unique in listings by this rule */
static const struct cg_hierarchy *hier_find(const struct vfs_fs *fs, const char *name, size_t len)
{
	for (size_t i = 0; i < fs->layout.n; i++) {
		const char *n = hier_name(&fs->layout.h[i]);

		if (strlen(n) == len && memcmp(n, name, len) == 0)
			return &fs->layout.h[i];
	}
	return NULL;
}

static bool hier_listed(const struct vfs_fs *fs, size_t i)
{
	const char *n = hier_name(&fs->layout.h[i]);

	return *n && hier_find(fs, n, strlen(n)) == &fs->layout.h[i];
}

struct cgfs_node {
	const struct cg_hierarchy *h;	/* NULL for "cgroup" itself */
	const char *rest;		/* below the hierarchy root, "" for the root */
};

static int node_parse(const struct vfs_fs *fs, const char *path, struct cgfs_node *ret)
{
	const char *hier, *rest;
	size_t len;
	int r;

	if (!fs->cgroup)
		return -ENOENT;
	r = cgfs_path_split(path, &hier, &len, &rest);
	if (r < 0)
		return r;
	ret->h = NULL;
	ret->rest = rest;
	if (len == 0)
		return 0;
	ret->h = hier_find(fs, hier, len);
	return ret->h ? 0 : -ENOENT;
}

/* The controller to look up in /proc/PID/cgroup for @h: its first (v1), none (cgroup2) */
static int who_resolve(struct vfs_fs *fs, const struct cg_hierarchy *h, const struct vfs_cred *cr,
		       struct cgfs_who *w)
{
	_cleanup_(reader_done) struct reader rd = {};
	_cleanup_free_ char *text = NULL, *map = NULL, *gmap = NULL, *ctrl = NULL;
	int r;

	*w = (struct cgfs_who) {};
	r = reader_resolve(&fs->env, cr->pid, &rd);
	if (r < 0)
		return log_debug_errno(r, "cgroupfs: cannot resolve caller %d, hiding the tree: %m",
				       (int) cr->pid), -ENOENT;
	r = proc_read_pid(&fs->env, rd.ref, "cgroup", &text);
	if (r < 0)
		return -ENOENT;
	if (h->version == CG_V1) {
		ctrl = strndup(h->controllers, strcspn(h->controllers, ","));
		if (!ctrl)
			return -ENOMEM;
	}
	r = proc_cgroup_find(text, ctrl, &w->cg);
	if (r < 0)
		return r == -ENOMEM ? r : -ENOENT;
	r = proc_read_pid(&fs->env, cr->pid, "uid_map", &map);
	if (r >= 0)
		r = cgfs_idmap_parse(map, &w->map);
	if (r >= 0)
		r = proc_read_pid(&fs->env, cr->pid, "gid_map", &gmap);
	if (r >= 0)
		r = cgfs_idmap_parse(gmap, &w->gmap);
	if (r < 0) {
		who_done(w);
		return r == -ENOMEM ? r : -ENOENT;
	}
	w->c = (struct cgfs_caller) { .cg = w->cg, .uid = cr->uid, .gid = cr->gid,
				      .uid_map = &w->map, .gid_map = &w->gmap };
	return 0;
}

static int real_stat(const struct cg_hierarchy *h, const char *rest, struct stat *ret)
{
	_cleanup_close_ int fd = open_beneath(h->fd, rest, O_PATH);

	if (fd < 0)
		return fd == -ELOOP || fd == -EXDEV ? -ENOENT : fd;
	if (fstat(fd, ret) < 0)
		return -errno;
	return 0;
}

static int obj_resolve(const struct cg_hierarchy *h, const char *rest, struct cgfs_obj *o)
{
	const char *slash;
	int r;

	*o = (struct cgfs_obj) {};
	r = real_stat(h, rest, &o->st);
	if (r < 0)
		return r;
	if (S_ISDIR(o->st.st_mode)) {
		if (asprintf(&o->cg, "/%s", rest) < 0)
			return (o->cg = NULL), -ENOMEM;
		return 0;
	}
	if (!S_ISREG(o->st.st_mode))
		return -ENOENT;	/* cgroupfs holds directories and regular files only */
	slash = strrchr(rest, '/');
	o->file = slash ? slash + 1 : rest;
	if (asprintf(&o->cg, "/%.*s", slash ? (int) (slash - rest) : 0, rest) < 0)
		return (o->cg = NULL), -ENOMEM;
	return 0;
}

static struct cgfs_attr attr_of(const struct stat *st)
{
	return (struct cgfs_attr) { .uid = st->st_uid, .gid = st->st_gid,
				    .mode = st->st_mode & 07777 };
}

static void stat_dir(struct stat *st, mode_t mode)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	*st = (struct stat) { .st_mode = S_IFDIR | mode, .st_nlink = 2 };
	st->st_atim = st->st_mtim = st->st_ctim = now;
}

int cgfs_getattr(struct vfs_fs *fs, const char *path, const struct vfs_cred *cr, struct stat *ret)
{
	_cleanup_(who_done) struct cgfs_who w = {};
	_cleanup_(obj_done) struct cgfs_obj o = {};
	struct cgfs_request rq;
	struct stat st;
	struct cgfs_node nd;
	int r;

	r = node_parse(fs, path, &nd);
	if (r < 0)
		return r;
	if (!nd.h || !*nd.rest) {
		stat_dir(ret, 0755);	/* cgroup/ and cgroup/<hierarchy>: spec 4.12 */
		return 0;
	}
	r = who_resolve(fs, nd.h, cr, &w);
	if (r < 0)
		return r;
	r = obj_resolve(nd.h, nd.rest, &o);
	if (r < 0)
		return r;
	rq = (struct cgfs_request) { .op = CGFS_OP_LOOKUP, .cg = o.cg, .file = o.file,
				     .obj = attr_of(&o.st) };
	r = cgfs_policy_check(&w.c, &rq);
	if (r < 0)
		return r;
	if (!o.file && cgfs_path_relation(w.cg, o.cg) == CGFS_REL_ANCESTOR) {
		stat_dir(ret, 0555);	/* on the way down: a bare root-owned directory */
		return 0;
	}
	st = (struct stat) { .st_mode = o.st.st_mode, .st_uid = o.st.st_uid, .st_gid = o.st.st_gid,
			     .st_nlink = o.file ? 1 : 2, .st_size = o.file ? 4096 : 0,
			     .st_atim = o.st.st_atim, .st_mtim = o.st.st_mtim,
			     .st_ctim = o.st.st_ctim };
	*ret = st;
	return 0;
}

static int list_ancestor(const struct cgfs_node *nd, const struct cgfs_who *w,
			 const struct cgfs_obj *o, vfs_add_entry_t add, void *userdata)
{
	_cleanup_free_ char *child = NULL;
	const char *next;
	struct stat st;
	size_t n;
	int r;

	r = cgfs_next_component(w->cg, o->cg, &next, &n);
	if (r < 0)
		return r;
	if (asprintf(&child, "%s%s%.*s", nd->rest, *nd->rest ? "/" : "", (int) n, next) < 0)
		return -ENOMEM;
	if (real_stat(nd->h, child, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;	/* gone meanwhile */
	return add(userdata, child + strlen(child) - n, S_IFDIR);
}

int cgfs_readdir(struct vfs_fs *fs, const char *path, const struct vfs_cred *cr,
		 vfs_add_entry_t add, void *userdata)
{
	_cleanup_(who_done) struct cgfs_who w = {};
	_cleanup_(obj_done) struct cgfs_obj o = {};
	_cleanup_closedir_ DIR *d = NULL;
	struct cgfs_request rq;
	struct cgfs_node nd;
	struct dirent *de;
	int r, fd;

	r = node_parse(fs, path, &nd);
	if (r < 0)
		return r;
	r = add(userdata, ".", S_IFDIR);
	if (r >= 0)
		r = add(userdata, "..", S_IFDIR);
	if (r < 0)
		return r;
	if (!nd.h) {
		for (size_t i = 0; i < fs->layout.n; i++) {
			if (!hier_listed(fs, i))
				continue;
			r = add(userdata, hier_name(&fs->layout.h[i]), S_IFDIR);
			if (r < 0)
				return r;
		}
		return 0;
	}
	r = who_resolve(fs, nd.h, cr, &w);
	if (r < 0)
		return *nd.rest ? r : 0;	/* an unknown caller sees empty hierarchies */
	r = obj_resolve(nd.h, nd.rest, &o);
	if (r < 0)
		return r;
	if (o.file)
		return -ENOTDIR;
	rq = (struct cgfs_request) { .op = CGFS_OP_READDIR, .cg = o.cg, .obj = attr_of(&o.st) };
	r = cgfs_policy_check(&w.c, &rq);
	if (r < 0)
		return r;
	if (cgfs_path_relation(w.cg, o.cg) == CGFS_REL_ANCESTOR)
		return list_ancestor(&nd, &w, &o, add, userdata);
	fd = open_beneath(nd.h->fd, nd.rest, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		(void) close(fd);
		return r;
	}
	/* files first, then child cgroups (spec 4.12) */
	for (int pass = 0; pass < 2; pass++) {
		rewinddir(d);
		while ((errno = 0, de = readdir(d))) {
			bool dir = de->d_type == DT_DIR;

			if (streq(de->d_name, ".") || streq(de->d_name, ".."))
				continue;
			if ((pass == 0) == dir || (de->d_type != DT_DIR && de->d_type != DT_REG))
				continue;
			r = add(userdata, de->d_name, dir ? S_IFDIR : S_IFREG);
			if (r < 0)
				return r;
		}
		if (errno)
			return -errno;
	}
	return 0;
}

/* cgroup.procs/tasks content for a caller in pid namespace @ns: one pid per line, translated;
 * tasks the caller cannot see are 0 (spec 4.12) */
static int render_pids(struct vfs_fs *fs, const struct pidns_id *ns, const char *text,
		       struct strbuf *out)
{
	for (const char *l = text; l && *l; l = next_line(l)) {
		uint64_t v;
		pid_t p;
		int r;

		if (*l == '\n')
			continue;
		if (parse_u64_token(l, &v, NULL) < 0 || v > INT32_MAX)
			return -EBADMSG;
		r = pidns_from_host(fs->env.proc_fd, ns, (pid_t) v, &p);
		if (r < 0)
			return r;
		r = strbuf_appendf(out, "%d\n", (int) p);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool ns_is_host(const struct vfs_fs *fs, const struct pidns_id *ns)
{
	return ns->dev == fs->env.self_ns_dev && ns->ino == fs->env.self_ns_ino;
}

void cgfs_file_free(struct cgfs_file *f)
{
	if (!f)
		return;
	if (f->fd >= 0)
		(void) close(f->fd);
	free(f->uid_map);
	free(f->gid_map);
	free(f->caller_cg);
	free(f);
}

static void cgfs_file_freep(struct cgfs_file **f)
{
	cgfs_file_free(*f);
}

int cgfs_open(struct vfs_fs *fs, const char *path, const struct vfs_cred *cr, int flags,
	      struct strbuf *out, struct cgfs_file **ret)
{
	_cleanup_(who_done) struct cgfs_who w = {};
	_cleanup_(obj_done) struct cgfs_obj o = {};
	_cleanup_(cgfs_file_freep) struct cgfs_file *f = NULL;
	int acc = flags & O_ACCMODE;
	struct cgfs_request rq;
	struct cgfs_node nd;
	int r;

	r = node_parse(fs, path, &nd);
	if (r < 0)
		return r;
	if (!nd.h || !*nd.rest)
		return -EISDIR;
	r = who_resolve(fs, nd.h, cr, &w);
	if (r < 0)
		return r;
	r = obj_resolve(nd.h, nd.rest, &o);
	if (r < 0)
		return r;
	if (!o.file)
		return -EISDIR;
	rq = (struct cgfs_request) { .cg = o.cg, .file = o.file, .obj = attr_of(&o.st) };
	if (acc == O_RDONLY || acc == O_RDWR) {
		rq.op = CGFS_OP_READ;
		r = cgfs_policy_check(&w.c, &rq);
		if (r < 0)
			return r;
	}
	if (acc == O_WRONLY || acc == O_RDWR) {
		rq.op = CGFS_OP_WRITE;
		r = cgfs_policy_check(&w.c, &rq);
		if (r < 0)
			return r;
	}
	if (acc == O_RDONLY || acc == O_RDWR) {
		_cleanup_free_ char *text = NULL;
		struct pidns_id ns;
		size_t len;

		r = read_full_beneath(nd.h->fd, nd.rest, CG_FILE_MAX, &text, &len);
		if (r < 0)
			return r;
		if (cgfs_file_moves_tasks(o.file) &&
		    (r = pidns_of(fs->env.proc_fd, cr->pid, &ns)) >= 0 && !ns_is_host(fs, &ns))
			r = render_pids(fs, &ns, text, out);
		else if (r >= 0)
			r = strbuf_append(out, text, len);	/* empty file: 0 bytes */
		if (r < 0)
			return r;
	}
	*ret = NULL;
	if (acc == O_RDONLY)
		return 0;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->fd = open_beneath(nd.h->fd, nd.rest, O_WRONLY);
	if (f->fd < 0)
		return f->fd;
	f->moves_tasks = cgfs_file_moves_tasks(o.file);
	f->threads = !streq(o.file, "cgroup.procs");
	f->uid = cr->uid;
	f->gid = cr->gid;
	f->h = nd.h;
	f->ns_known = pidns_of(fs->env.proc_fd, cr->pid, &f->ns) >= 0;
	f->caller_cg = TAKE_PTR(w.cg);
	f->uid_map = malloc(sizeof(*f->uid_map));
	f->gid_map = malloc(sizeof(*f->gid_map));
	if (!f->uid_map || !f->gid_map)
		return -ENOMEM;
	*f->uid_map = w.map;
	*f->gid_map = w.gmap;
	*ret = TAKE_PTR(f);
	return 0;
}

/* The cgroup of host task @pid in hierarchy @h and its owner */
static int task_cgroup(struct vfs_fs *fs, const struct cg_hierarchy *h, pid_t pid, char **ret_cg,
		       uid_t *ret_uid)
{
	_cleanup_free_ char *text = NULL, *ctrl = NULL;
	char rel[32];
	struct stat st;
	int r;

	(void) snprintf(rel, sizeof(rel), "%d", (int) pid);
	if (fstatat(fs->env.proc_fd, rel, &st, 0) < 0)
		return -ESRCH;
	r = proc_read_pid(&fs->env, pid, "cgroup", &text);
	if (r < 0)
		return r;
	if (h->version == CG_V1) {
		ctrl = strndup(h->controllers, strcspn(h->controllers, ","));
		if (!ctrl)
			return -ENOMEM;
	}
	r = proc_cgroup_find(text, ctrl, ret_cg);
	if (r < 0)
		return r;
	*ret_uid = st.st_uid;
	return 0;
}

static ssize_t write_pids(struct vfs_fs *fs, struct cgfs_file *f, const char *buf, size_t size)
{
	_cleanup_free_ pid_t *pids = calloc(CGFS_PIDS_MAX, sizeof(pid_t));
	_cleanup_free_ pid_t *hosts = calloc(CGFS_PIDS_MAX, sizeof(pid_t));
	struct cgfs_caller c = { .cg = f->caller_cg, .uid = f->uid, .gid = f->gid,
				 .uid_map = f->uid_map, .gid_map = f->gid_map };
	size_t n;
	int r;

	if (!pids || !hosts)
		return -ENOMEM;
	if (!f->ns_known)
		return -EPERM;
	r = cgfs_pids_parse(buf, size, pids, CGFS_PIDS_MAX, &n);
	if (r < 0)
		return r;
	if (ns_is_host(fs, &f->ns))
		memcpy(hosts, pids, n * sizeof(*pids));
	else {
		r = pidns_to_host(fs->env.proc_fd, &f->ns, pids, n, f->threads, hosts);
		if (r < 0)
			return r;
	}
	/* every pid is translated and checked before the first one moves */
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *cg = NULL;
		uid_t owner;

		if (hosts[i] == 0)
			return log_debug_errno(-EPERM,
					       "cgroupfs: pid %d not in the pid namespace",
					       (int) pids[i]);
		r = task_cgroup(fs, f->h, hosts[i], &cg, &owner);
		if (r < 0)
			return -EPERM;	/* gone, or invisible: the caller may not name it */
		r = cgfs_policy_move(&c, cg, owner);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < n; i++) {
		char num[16];
		int len = snprintf(num, sizeof(num), "%d", (int) hosts[i]);

		if (write(f->fd, num, (size_t) len) < 0)
			return -errno;
	}
	return (ssize_t) size;
}

ssize_t cgfs_write(struct vfs_fs *fs, struct cgfs_file *f, const char *buf, size_t size)
{
	ssize_t n;

	if (!f || f->fd < 0)
		return -EBADF;
	if (size > CG_FILE_MAX)
		return -EFBIG;
	if (f->moves_tasks)
		return write_pids(fs, f, buf, size);
	n = write(f->fd, buf, size);
	if (n < 0)
		return -errno;
	return (ssize_t) size;
}

/* Opens the directory @rest below @h (O_RDONLY) */
static int dir_open(const struct cg_hierarchy *h, const char *rest)
{
	return open_beneath(h->fd, rest, O_RDONLY | O_DIRECTORY);
}

static int chown_tree(int dfd, const char *name, uid_t uid, gid_t gid)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd;

	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fchown(fd, uid, gid) < 0) {
		(void) close(fd);
		return -errno;
	}
	d = fdopendir(fd);
	if (!d) {
		(void) close(fd);
		return -errno;
	}
	while ((de = readdir(d)))
		if (de->d_type == DT_REG &&
		    fchownat(dirfd(d), de->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
	return 0;
}

int cgfs_mkdir(struct vfs_fs *fs, const char *ppath, const char *name, const struct vfs_cred *cr)
{
	_cleanup_(who_done) struct cgfs_who w = {};
	_cleanup_(obj_done) struct cgfs_obj o = {};
	_cleanup_close_ int dfd = -EBADF;
	struct cgfs_request rq;
	struct cgfs_node nd;
	int r;

	r = node_parse(fs, ppath, &nd);
	if (r < 0)
		return r;
	if (!nd.h)
		return -EPERM;	/* the hierarchies are fixed */
	r = who_resolve(fs, nd.h, cr, &w);
	if (r < 0)
		return r;
	r = obj_resolve(nd.h, nd.rest, &o);
	if (r < 0)
		return r;
	if (o.file)
		return -ENOTDIR;
	rq = (struct cgfs_request) { .op = CGFS_OP_MKDIR, .cg = o.cg, .name = name,
				     .obj = attr_of(&o.st) };
	r = cgfs_policy_check(&w.c, &rq);
	if (r < 0)
		return r;
	dfd = dir_open(nd.h, nd.rest);
	if (dfd < 0)
		return dfd;
	if (mkdirat(dfd, name, 0755) < 0)
		return -errno;
	if (cr->uid != 0 || cr->gid != 0) {
		r = chown_tree(dfd, name, cr->uid, cr->gid);
		if (r < 0) {
			(void) unlinkat(dfd, name, AT_REMOVEDIR);
			return r;
		}
	}
	log_debug("cgroupfs: pid %d created cgroup '%s/%s'", (int) cr->pid, o.cg, name);
	return 0;
}

int cgfs_rmdir(struct vfs_fs *fs, const char *ppath, const char *name, const struct vfs_cred *cr)
{
	_cleanup_(who_done) struct cgfs_who w = {};
	_cleanup_(obj_done) struct cgfs_obj o = {};
	_cleanup_free_ char *cg = NULL, *rest = NULL;
	_cleanup_close_ int dfd = -EBADF;
	struct cgfs_request rq;
	struct cgfs_node nd;
	struct stat st;
	int r;

	r = node_parse(fs, ppath, &nd);
	if (r < 0)
		return r;
	if (!nd.h || !cgfs_name_valid(name))
		return -EPERM;
	r = who_resolve(fs, nd.h, cr, &w);
	if (r < 0)
		return r;
	r = obj_resolve(nd.h, nd.rest, &o);
	if (r < 0)
		return r;
	if (o.file)
		return -ENOTDIR;
	if (asprintf(&cg, "%s%s%s", o.cg, streq(o.cg, "/") ? "" : "/", name) < 0)
		return (cg = NULL), -ENOMEM;
	rq = (struct cgfs_request) { .op = CGFS_OP_RMDIR, .cg = cg, .obj = attr_of(&o.st) };
	r = cgfs_policy_check(&w.c, &rq);
	if (r < 0)
		return r;
	if (asprintf(&rest, "%s", cg + 1) < 0)
		return (rest = NULL), -ENOMEM;
	r = real_stat(nd.h, rest, &st);
	if (r < 0)
		return r;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	dfd = dir_open(nd.h, nd.rest);
	if (dfd < 0)
		return dfd;
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0)
		return -errno;
	return 0;
}

int cgfs_setattr(struct vfs_fs *fs, const char *path, const struct vfs_cred *cr, bool set_mode,
		 mode_t mode, bool set_uid, uid_t uid, bool set_gid, gid_t gid)
{
	_cleanup_(who_done) struct cgfs_who w = {};
	_cleanup_(obj_done) struct cgfs_obj o = {};
	_cleanup_free_ char *parent = NULL;
	_cleanup_close_ int dfd = -EBADF;
	struct cgfs_request rq;
	struct cgfs_node nd;
	const char *base;
	int r;

	r = node_parse(fs, path, &nd);
	if (r < 0)
		return r;
	if (!set_mode && !set_uid && !set_gid)
		return 0;	/* size and times: nothing to do, as on cgroupfs */
	if (!nd.h || !*nd.rest)
		return -EPERM;
	r = who_resolve(fs, nd.h, cr, &w);
	if (r < 0)
		return r;
	r = obj_resolve(nd.h, nd.rest, &o);
	if (r < 0)
		return r;
	rq = (struct cgfs_request) { .cg = o.cg, .file = o.file, .obj = attr_of(&o.st),
				     .new_uid = set_uid ? uid : (uid_t) -1 };
	if (set_mode) {
		rq.op = CGFS_OP_CHMOD;
		r = cgfs_policy_check(&w.c, &rq);
		if (r < 0)
			return r;
	}
	if (set_uid || set_gid) {
		rq.op = CGFS_OP_CHOWN;
		r = cgfs_policy_check(&w.c, &rq);
		if (r < 0)
			return r;
	}
	base = strrchr(nd.rest, '/');
	parent = strndup(nd.rest, base ? (size_t) (base - nd.rest) : 0);
	if (!parent)
		return -ENOMEM;
	base = base ? base + 1 : nd.rest;
	dfd = open_beneath(nd.h->fd, parent, O_PATH | O_DIRECTORY);
	if (dfd < 0)
		return dfd;
	if (set_mode && fchmodat(dfd, base, mode & 07777, 0) < 0)
		return -errno;
	if (set_uid || set_gid) {
		uid_t u = set_uid ? uid : (uid_t) -1;
		gid_t g = set_gid ? gid : (gid_t) -1;

		if (fchownat(dfd, base, u, g, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
		if (!o.file) {
			/* a cgroup's owner also owns its task files (spec 4.12 chown) */
			int flags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
			_cleanup_close_ int cfd = openat(dfd, base, flags);

			if (cfd < 0)
				return -errno;
			(void) fchownat(cfd, "tasks", u, g, AT_SYMLINK_NOFOLLOW);
			(void) fchownat(cfd, "cgroup.procs", u, g, AT_SYMLINK_NOFOLLOW);
		}
	}
	return 0;
}

int cgfs_access(struct vfs_fs *fs, const char *path, const struct vfs_cred *cr, int mask)
{
	_cleanup_(who_done) struct cgfs_who w = {};
	_cleanup_(obj_done) struct cgfs_obj o = {};
	struct cgfs_request rq;
	struct cgfs_node nd;
	struct stat st;
	int r;

	r = cgfs_getattr(fs, path, cr, &st);
	if (r < 0 || mask == F_OK)
		return r;
	r = node_parse(fs, path, &nd);
	if (r < 0)
		return r;
	if (!nd.h || !*nd.rest)
		return mask & W_OK ? -EACCES : 0;
	r = who_resolve(fs, nd.h, cr, &w);
	if (r >= 0)
		r = obj_resolve(nd.h, nd.rest, &o);
	if (r < 0)
		return r;
	if (!o.file) {
		struct cgfs_attr a = attr_of(&st);

		return cgfs_may_access(&w.c, &a, mask & (R_OK | W_OK)) ? 0 : -EACCES;
	}
	if ((mask & X_OK) && !(st.st_mode & 0111))
		return -EACCES;
	rq = (struct cgfs_request) { .cg = o.cg, .file = o.file, .obj = attr_of(&o.st) };
	if (mask & R_OK) {
		rq.op = CGFS_OP_READ;
		r = cgfs_policy_check(&w.c, &rq);
		if (r < 0)
			return r;
	}
	if (mask & W_OK) {
		rq.op = CGFS_OP_WRITE;
		r = cgfs_policy_check(&w.c, &rq);
	}
	return r;
}
