/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* FUSE glue: requests -> vfs calls -> replies. Positive errno only at fuse_reply_err(). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgfs.h"
#include "cleanup.h"
#include "log.h"
#include "ops.h"
#include "vfs-pressure.h"

/* Lock order: lxcfs_fh->lock, then psi_store->lock (state/psi-store.h). */
struct lxcfs_fh {
	pthread_mutex_t lock;
	enum vfs_kind kind;
	char *path;
	struct strbuf text;	/* protected by ->lock: the snapshot served to read() */
	bool served;		/* protected by ->lock: a read happened since the last render */
	struct vfs_psi_target *psi;	/* pressure node opened for writing; set at open */
	struct psi_watch *watch;	/* protected by ->lock: its trigger, once written */
	struct cgfs_file *cg;		/* cgroupfs file opened for writing; set at open */
};

/* poll(2) on a file of a filesystem that does not implement poll (what the kernel assumed
 * before this daemon answered FUSE_POLL): readable and writable */
#define POLL_DEFAULT (POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM)

/* d_ino for readdir entries: glibc's readdir() skips d_ino == 0, and the real inode number
 * is only known after a lookup (libfuse >= 3.16 names this DIRENT_UNKNOWN_INO). */
#define DIRENT_UNKNOWN_INO 0xffffffffu

struct dir_entry {
	char *name;
	mode_t type;
};

struct dir_handle {
	struct dir_entry *e;
	size_t n;
};

static struct lxcfs_session *session_of(fuse_req_t req)
{
	return &lxcfs_lib_session;
}

static struct vfs_cred cred_of(fuse_req_t req)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);

	return (struct vfs_cred) { .pid = ctx->pid, .uid = ctx->uid, .gid = ctx->gid };
}

/* The watch must have been removed (op_release) or never added. */
static void file_handle_free(struct lxcfs_fh *h)
{
	if (!h)
		return;
	vfs_psi_target_free(h->psi);
	cgfs_file_free(h->cg);
	pthread_mutex_destroy(&h->lock);
	strbuf_done(&h->text);
	free(h->path);
	free(h);
}

static void file_handle_freep(struct lxcfs_fh **h)
{
	file_handle_free(*h);
}

static void dir_handle_free(struct dir_handle *d)
{
	for (size_t i = 0; d && i < d->n; i++)
		free(d->e[i].name);
	if (d)
		free(d->e);
	free(d);
}

static void dir_handle_freep(struct dir_handle **d)
{
	dir_handle_free(*d);
}

static char *child_path(const char *parent, const char *name)
{
	char *p;

	if (!*parent)
		return strdup(name);
	if (asprintf(&p, "%s/%s", parent, name) < 0)
		return NULL;
	return p;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct lxcfs_session *s = session_of(req);
	_cleanup_free_ char *ppath = NULL, *path = NULL;
	struct fuse_entry_param e = {};
	enum vfs_kind pkind, kind;
	uint64_t ino;
	int r;

	r = s->core->inode_get(s->core->inodes, parent, &ppath, &pkind);
	if (r < 0)
		return (void) fuse_reply_err(req, -r);
	path = child_path(ppath, name);
	if (!path)
		return (void) fuse_reply_err(req, ENOMEM);
	kind = vfs_classify(path);
	if (kind == VFS_KIND_INVALID)
		return (void) fuse_reply_err(req, ENOENT);
	r = vfs_getattr(&s->fs, kind, path, fuse_req_ctx(req)->pid, &e.attr);
	if (r < 0)
		return (void) fuse_reply_err(req, -r);
	r = s->core->inode_ref(s->core->inodes, path, kind, &ino);
	if (r < 0)
		return (void) fuse_reply_err(req, -r);
	e.ino = ino;
	e.attr.st_ino = ino;
	e.attr_timeout = e.entry_timeout = vfs_path_is_per_reader(path) ? 0 : LXCFS_CACHE_TIMEOUT;
	if (fuse_reply_entry(req, &e) < 0)
		s->core->inode_forget(s->core->inodes, ino, 1);	/* interrupted: the kernel holds no reference */
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	struct lxcfs_session *s = session_of(req);

	s->core->inode_forget(s->core->inodes, ino, nlookup);
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	struct lxcfs_session *s = session_of(req);

	for (size_t i = 0; i < count; i++)
		s->core->inode_forget(s->core->inodes, forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct lxcfs_session *s = session_of(req);
	_cleanup_free_ char *path = NULL;
	enum vfs_kind kind;
	struct stat st;
	int r;

	r = s->core->inode_get(s->core->inodes, ino, &path, &kind);
	if (r >= 0)
		r = vfs_getattr(&s->fs, kind, path, fuse_req_ctx(req)->pid, &st);
	if (r < 0)
		return (void) fuse_reply_err(req, -r);
	st.st_ino = ino;
	fuse_reply_attr(req, &st, vfs_path_is_per_reader(path) ? 0 : LXCFS_CACHE_TIMEOUT);
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		       struct fuse_file_info *fi)
{
	struct lxcfs_session *s = session_of(req);
	struct vfs_cred cr = cred_of(req);
	_cleanup_free_ char *path = NULL;
	enum vfs_kind kind;
	struct stat st;
	int r;

	r = s->core->inode_get(s->core->inodes, ino, &path, &kind);
	if (r < 0)
		return (void) fuse_reply_err(req, -r);
	/* truncate, chmod, chown, utimens: only cgroupfs objects can be changed */
	if (!vfs_kind_is_cgfs(kind))
		return (void) fuse_reply_err(req, EPERM);
	/* a size or time change does nothing on cgroupfs, but truncate(2) and touch still need
	 * write access there first (test-security: uid 65534 could "truncate" release_agent) */
	if ((to_set & (FUSE_SET_ATTR_SIZE | FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME |
		       FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW)) &&
	    (r = cgfs_access(&s->fs, path, &cr, W_OK)) < 0)
		return (void) fuse_reply_err(req, -r);
	r = cgfs_setattr(&s->fs, path, &cr, to_set & FUSE_SET_ATTR_MODE, attr->st_mode,
			 to_set & FUSE_SET_ATTR_UID, attr->st_uid, to_set & FUSE_SET_ATTR_GID,
			 attr->st_gid);
	if (r >= 0)
		r = cgfs_getattr(&s->fs, path, &cr, &st);
	if (r < 0)
		return (void) fuse_reply_err(req, -r);
	st.st_ino = ino;
	fuse_reply_attr(req, &st, 0);
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct lxcfs_session *s = session_of(req);
	_cleanup_free_ char *path = NULL, *target = NULL;
	enum vfs_kind kind;
	int r;

	r = s->core->inode_get(s->core->inodes, ino, &path, &kind);
	if (r >= 0)
		r = vfs_readlink(&s->fs, kind, path, fuse_req_ctx(req)->pid, &target);
	if (r < 0)
		return (void) fuse_reply_err(req, -r);
	fuse_reply_readlink(req, target);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	struct lxcfs_session *s = session_of(req);
	struct vfs_cred cr = cred_of(req);
	_cleanup_free_ char *ppath = NULL, *path = NULL;
	struct fuse_entry_param e = {};
	enum vfs_kind pkind;
	uint64_t ino;
	int r;

	r = s->core->inode_get(s->core->inodes, parent, &ppath, &pkind);
	if (r < 0)
		return (void) fuse_reply_err(req, -r);
	/* only cgroups can be created, by cgroupfs rules (mode: 0755, as cgroupfs ignores it) */
	if (!vfs_kind_is_cgfs(pkind))
		return (void) fuse_reply_err(req, EPERM);
	r = cgfs_mkdir(&s->fs, ppath, name, &cr);
	if (r < 0)
		return (void) fuse_reply_err(req, -r);
	path = child_path(ppath, name);
	if (!path)
		return (void) fuse_reply_err(req, ENOMEM);
	r = cgfs_getattr(&s->fs, path, &cr, &e.attr);
	if (r < 0)
		return (void) fuse_reply_err(req, -r);
	r = s->core->inode_ref(s->core->inodes, path, VFS_CGFS, &ino);
	if (r < 0)
		return (void) fuse_reply_err(req, -r);
	e.ino = ino;
	e.attr.st_ino = ino;
	if (fuse_reply_entry(req, &e) < 0)
		s->core->inode_forget(s->core->inodes, ino, 1);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct lxcfs_session *s = session_of(req);
	struct vfs_cred cr = cred_of(req);
	_cleanup_free_ char *ppath = NULL;
	enum vfs_kind pkind;
	int r;

	r = s->core->inode_get(s->core->inodes, parent, &ppath, &pkind);
	if (r >= 0)
		r = vfs_kind_is_cgfs(pkind) ? cgfs_rmdir(&s->fs, ppath, name, &cr) : -EPERM;
	fuse_reply_err(req, r < 0 ? -r : 0);
}

static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	fuse_reply_err(req, EPERM);
}

/* No directory here is writable (modes 0555/0755 owned by root, and nothing is writable
 * through lxcfs): creating, removing or renaming entries is refused as a permission problem,
 * not as a missing feature (LXCFS says ENOSYS, which tools such as systemd's sandbox probes
 * misread, case LX-14). */
static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		      struct fuse_file_info *fi)
{
	fuse_reply_err(req, EACCES);
}

static void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	fuse_reply_err(req, EACCES);
}

static void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	fuse_reply_err(req, EACCES);
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	fuse_reply_err(req, EACCES);
}

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		      const char *newname, unsigned int flags)
{
	fuse_reply_err(req, EACCES);
}

static int handle_render(struct lxcfs_session *s, struct lxcfs_fh *h, pid_t caller)
{
	strbuf_reset(&h->text);
	h->served = false;
	return vfs_render(&s->fs, h->kind, h->path, caller, &h->text);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct lxcfs_session *s = session_of(req);
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	_cleanup_(file_handle_freep) struct lxcfs_fh *h = NULL;
	bool writer = (fi->flags & O_ACCMODE) != O_RDONLY;
	int r, mask = R_OK;

	h = calloc(1, sizeof(*h));
	if (!h)
		return (void) fuse_reply_err(req, ENOMEM);
	pthread_mutex_init(&h->lock, NULL);
	h->text = STRBUF_INIT(VFS_RENDER_MAX);
	r = s->core->inode_get(s->core->inodes, ino, &h->path, &h->kind);
	if (r < 0)
		return (void) fuse_reply_err(req, -r);
	if (vfs_kind_is_cgfs(h->kind)) {
		struct vfs_cred cr = cred_of(req);

		/* O_TRUNC is a no-op, as on cgroupfs (the setattr that follows does nothing) */
		r = cgfs_open(&s->fs, h->path, &cr, fi->flags, &h->text, &h->cg);
		if (r < 0)
			return (void) fuse_reply_err(req, -r);
		h->served = false;
		goto reply;
	}
	if (vfs_kind_is_dir_static(h->kind))
		return (void) fuse_reply_err(req, EISDIR);
	/* read-only nodes refuse writers at open, as a read-only file would; only the pressure
	 * files take writes (PSI triggers), like the kernel's */
	if ((writer && !vfs_kind_is_pressure(h->kind)) || (fi->flags & O_TRUNC))
		return (void) fuse_reply_err(req, EACCES);
	if (writer)
		mask = (fi->flags & O_ACCMODE) == O_WRONLY ? W_OK : R_OK | W_OK;
	r = vfs_access(&s->fs, h->kind, h->path, ctx->pid, ctx->uid, ctx->gid, mask);
	if (r < 0)
		return (void) fuse_reply_err(req, -r);
	/* render now: small sequential reads then see one consistent snapshot */
	r = handle_render(s, h, ctx->pid);
	if (r < 0)
		return (void) fuse_reply_err(req, -r);
	if (writer) {
		/* the trigger target is fixed now, as the kernel fixes an open file's cgroup */
		r = vfs_psi_target_new(&s->fs, h->kind, ctx->pid, &h->psi);
		if (r < 0)
			return (void) fuse_reply_err(req, -r);
	}
reply:
	fi->direct_io = 1;	/* the size is known only after rendering */
	fi->keep_cache = 0;
	fi->fh = (uintptr_t) h;
	if (s->core->reply_open(req, fi) == -ENOENT)
		return;		/* interrupted: no RELEASE will follow, h is freed */
	h = NULL;		/* now released in op_release() */
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct lxcfs_session *s = session_of(req);
	struct lxcfs_fh *h = (struct lxcfs_fh *) (uintptr_t) fi->fh;
	_cleanup_free_ char *slice = NULL;
	int r = 0;

	pthread_mutex_lock(&h->lock);
	/* reading from offset 0 again (top, uptime and friends rewind an open fd) refreshes;
	 * a cgroupfs file keeps the copy taken at open */
	if (off == 0 && h->served && !vfs_kind_is_cgfs(h->kind))
		r = handle_render(s, h, fuse_req_ctx(req)->pid);
	if (r >= 0 && (off < 0 || (uint64_t) off > h->text.len))
		r = -EINVAL;	/* LXCFS: a read past the snapshot is EINVAL */
	if (r >= 0) {
		h->served = true;
		size = MIN(size, h->text.len - (size_t) off);
		/* copy out: once the reply is sent the reader may close the file and RELEASE may
		 * free h on another worker before we could unlock */
		slice = malloc(size ? size : 1);
		if (!slice)
			r = -ENOMEM;
		else if (size)
			memcpy(slice, h->text.buf + off, size);
	}
	pthread_mutex_unlock(&h->lock);
	if (r < 0)
		return (void) fuse_reply_err(req, -r);
	fuse_reply_buf(req, slice, size);
}

/* A PSI trigger (Documentation/accounting/psi.rst): one per open file, checked before the
 * text as the kernel does, so a second write fails with EBUSY whatever it says. Called with
 * h->lock held. */
static int handle_psi_write(struct lxcfs_session *s, struct lxcfs_fh *h, const char *buf,
			    size_t size, off_t off)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (h->watch)
		return -EBUSY;
	/* bounded: every live trigger holds an fd of this daemon */
	r = psi_store_reserve(&s->psi);
	if (r < 0)
		return r;
	fd = vfs_psi_trigger_open(h->psi, buf, size, off);
	if (fd < 0) {
		psi_store_unreserve(&s->psi);
		return fd;
	}
	r = psi_store_add(&s->psi, fd, &h->watch);
	if (r < 0)
		return r;
	TAKE_FD(fd);
	return 0;
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct lxcfs_session *s = session_of(req);
	struct lxcfs_fh *h = (struct lxcfs_fh *) (uintptr_t) fi->fh;
	ssize_t n;
	int r;

	if (h->cg) {
		/* no lock: the cgroupfs file is read-only after open, writes go to the kernel */
		/* each write stands alone, as on cgroupfs: the offset does not matter */
		n = cgfs_write(&s->fs, h->cg, buf, size);
		if (n < 0)
			return (void) fuse_reply_err(req, (int) -n);
		return (void) fuse_reply_write(req, (size_t) n);
	}
	/* only pressure and cgroupfs nodes can be opened for writing (op_open) */
	if (!h->psi)
		return (void) fuse_reply_err(req, EACCES);
	pthread_mutex_lock(&h->lock);
	r = handle_psi_write(s, h, buf, size, off);
	pthread_mutex_unlock(&h->lock);
	if (r < 0) {
		log_debug_errno(r, "PSI trigger write by pid %d to '%s' failed: %m",
				(int) fuse_req_ctx(req)->pid, h->path);
		return (void) fuse_reply_err(req, -r);
	}
	fuse_reply_write(req, size);
}

/* FUSE_POLL. Without this op the kernel would assume POLL_DEFAULT for every file of the mount
 * after the first ENOSYS. A pressure file behaves as the kernel's (psi_trigger_poll()):
 * without a trigger POLL_DEFAULT | POLLERR | POLLPRI, with one the real fd's events plus an
 * event the epoll thread saw. @ph, when the kernel wants a notification, is kept for the
 * epoll thread (replacing the previous one). */
static void op_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		    struct fuse_pollhandle *ph)
{
	struct lxcfs_session *s = session_of(req);
	struct lxcfs_fh *h = (struct lxcfs_fh *) (uintptr_t) fi->fh;
	unsigned revents = POLL_DEFAULT;
	int r = 0;

	if (!vfs_kind_is_pressure(h->kind)) {
		fuse_pollhandle_destroy(ph);	/* never changes: nothing to notify */
		return (void) fuse_reply_poll(req, revents);
	}
	pthread_mutex_lock(&h->lock);
	if (h->watch)
		r = psi_store_poll(&s->psi, h->watch, TAKE_PTR(ph), &revents);
	else
		revents |= POLLERR | POLLPRI;
	pthread_mutex_unlock(&h->lock);
	fuse_pollhandle_destroy(ph);
	if (r < 0)
		return (void) fuse_reply_err(req, -r);
	fuse_reply_poll(req, revents);
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct lxcfs_session *s = session_of(req);
	struct lxcfs_fh *h = (struct lxcfs_fh *) (uintptr_t) fi->fh;

	/* no other request uses h any more; the epoll thread finds the watch by id only, so
	 * after this it cannot reach it (state/psi-store.h) */
	psi_store_remove(&s->psi, h->watch);
	file_handle_free(h);
	fuse_reply_err(req, 0);
}

/* epoll thread: wake the pollers of the file (the handle is per file in the kernel) */
static void psi_waiter_notify(void *waiter)
{
	int r = fuse_lowlevel_notify_poll(waiter);

	if (r < 0 && r != -ENOENT)
		log_debug_errno(r, "Failed to send a poll notification, ignoring: %m");
	fuse_pollhandle_destroy(waiter);
}

static void psi_waiter_discard(void *waiter)
{
	fuse_pollhandle_destroy(waiter);
}

/* Library init, before any request: the PSI trigger thread. */
int lxcfs_ops_start(struct lxcfs_session *s)
{
	struct rlimit rl;
	size_t max = PSI_WATCHES_MAX;
	int r;

	/* triggers must leave at least half of the fd limit to the views */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		max = MIN(max, (size_t) rl.rlim_cur / 2);
	r = psi_store_start(&s->psi, max, psi_waiter_notify, psi_waiter_discard);
	if (r < 0)
		log_warning_errno(r, "Failed to start the PSI trigger thread, trigger writes will fail: %m");
	return 0;
}

/* Library fini: no request runs in this library copy any more. */
void lxcfs_ops_stop(struct lxcfs_session *s)
{
	psi_store_stop(&s->psi);
}

static int dir_add(void *userdata, const char *name, mode_t type)
{
	struct dir_handle *d = userdata;
	struct dir_entry *ne;

	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->e[i].name, name) == 0)
			return 0;	/* never list a name twice */
	ne = realloc(d->e, (d->n + 1) * sizeof(*d->e));
	if (!ne)
		return -ENOMEM;
	d->e = ne;
	d->e[d->n].name = strdup(name);
	if (!d->e[d->n].name)
		return -ENOMEM;
	d->e[d->n++].type = type;
	return 0;
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct lxcfs_session *s = session_of(req);
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	_cleanup_(dir_handle_freep) struct dir_handle *d = NULL;
	_cleanup_free_ char *path = NULL;
	enum vfs_kind kind;
	int r;

	r = s->core->inode_get(s->core->inodes, ino, &path, &kind);
	if (r < 0)
		return (void) fuse_reply_err(req, -r);
	if (!vfs_kind_is_cgfs(kind)) {
		r = vfs_access(&s->fs, kind, path, ctx->pid, ctx->uid, ctx->gid, R_OK);
		if (r < 0)
			return (void) fuse_reply_err(req, -r);
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return (void) fuse_reply_err(req, ENOMEM);
	/* the listing is a snapshot taken at opendir, so offsets stay stable */
	if (vfs_kind_is_cgfs(kind)) {
		struct vfs_cred cr = cred_of(req);

		r = cgfs_readdir(&s->fs, path, &cr, dir_add, d);
	} else
		r = vfs_readdir(&s->fs, kind, path, ctx->pid, dir_add, d);
	if (r < 0)
		return (void) fuse_reply_err(req, -r);
	fi->fh = (uintptr_t) d;
	if (s->core->reply_open(req, fi) == -ENOENT)
		return;
	d = NULL;
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct dir_handle *d = (struct dir_handle *) (uintptr_t) fi->fh;
	_cleanup_free_ char *buf = malloc(size ? size : 1);
	size_t used = 0;

	if (!buf)
		return (void) fuse_reply_err(req, ENOMEM);
	for (size_t i = (size_t) MAX(off, (off_t) 0); i < d->n; i++) {
		struct stat st = { .st_ino = DIRENT_UNKNOWN_INO, .st_mode = d->e[i].type };
		size_t n = fuse_add_direntry(req, buf + used, size - used, d->e[i].name, &st,
					     (off_t) i + 1);

		if (n > size - used)
			break;
		used += n;
	}
	fuse_reply_buf(req, buf, used);
}

static void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	dir_handle_free((struct dir_handle *) (uintptr_t) fi->fh);
	fuse_reply_err(req, 0);
}

static void op_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
	struct lxcfs_session *s = session_of(req);
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	_cleanup_free_ char *path = NULL;
	enum vfs_kind kind;
	int r;

	r = s->core->inode_get(s->core->inodes, ino, &path, &kind);
	if (r >= 0 && vfs_kind_is_cgfs(kind)) {
		struct vfs_cred cr = cred_of(req);

		r = cgfs_access(&s->fs, path, &cr, mask);
	} else if (r >= 0)
		r = vfs_access(&s->fs, kind, path, ctx->pid, ctx->uid, ctx->gid, mask);
	fuse_reply_err(req, r < 0 ? -r : 0);
}

static void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	fuse_reply_err(req, EOPNOTSUPP);
}

static void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	fuse_reply_err(req, EOPNOTSUPP);
}

const struct fuse_lowlevel_ops lxcfs_ops = {
	.lookup = op_lookup,
	.forget = op_forget,
	.forget_multi = op_forget_multi,
	.getattr = op_getattr,
	.setattr = op_setattr,
	.readlink = op_readlink,
	.mkdir = op_mkdir,
	.rmdir = op_rmdir,
	.link = op_link,
	.create = op_create,
	.mknod = op_mknod,
	.symlink = op_symlink,
	.unlink = op_unlink,
	.rename = op_rename,
	.open = op_open,
	.read = op_read,
	.write = op_write,
	.release = op_release,
	.poll = op_poll,
	.opendir = op_opendir,
	.readdir = op_readdir,
	.releasedir = op_releasedir,
	.access = op_access,
	.getxattr = op_getxattr,
	.listxattr = op_listxattr,
};
