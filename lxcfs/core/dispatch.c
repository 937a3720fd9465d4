/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The binary's libfuse operations: each request runs in one generation of liblxcfs.so.
 *
 * Requests on an inode go to the current generation, which is held for the request's duration
 * (a reload waits for nothing: the old copy finishes its requests and is unloaded after).
 * Requests on an open handle (read, write, poll, release, readdir, releasedir) go to the
 * generation that opened it: fi->fh is a struct core_fh wrapping the library's handle. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "library.h"

struct core_fh {
	struct lib_gen *gen;	/* holds a reference until release */
	uint64_t fh;		/* the library's own handle */
	struct core_fh *prev, *next;	/* in open_fhs; protected by open_lock */
};

/* Every handle from its open reply to its release. No RELEASE follows an unmount, so the
 * handles still open when the daemon exits stay listed here (reachable, as the library
 * generations that own them stay in the generation list) and go with the process. */
static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;
static struct core_fh *open_fhs;	/* protected by open_lock */

static void fh_link(struct core_fh *h)
{
	pthread_mutex_lock(&open_lock);
	h->prev = NULL;
	h->next = open_fhs;
	if (open_fhs)
		open_fhs->prev = h;
	open_fhs = h;
	pthread_mutex_unlock(&open_lock);
}

static void fh_unlink(struct core_fh *h)
{
	pthread_mutex_lock(&open_lock);
	if (h->prev)
		h->prev->next = h->next;
	else
		open_fhs = h->next;
	if (h->next)
		h->next->prev = h->prev;
	pthread_mutex_unlock(&open_lock);
}

/* The generation of the request this thread is running (for core_reply_open()) */
static __thread struct lib_gen *tls_gen;

#define LIB(g) ((g)->lib->ops)

/* Runs @call in the current generation; replies EIO when no library is loaded. */
#define IN_CURRENT(req, call)                                    \
	do {                                                     \
		struct lib_gen *g_ = core_gen_get();             \
		if (!g_) {                                       \
			fuse_reply_err((req), EIO);              \
			break;                                   \
		}                                                \
		tls_gen = g_;                                    \
		call;                                            \
		tls_gen = NULL;                                  \
		core_gen_put(g_);                                \
	} while (0)

int core_reply_open(fuse_req_t req, const struct fuse_file_info *fi)
{
	struct core_fh *h = malloc(sizeof(*h));
	struct fuse_file_info wrapped = *fi;
	int r;

	if (!h)
		return fuse_reply_err(req, ENOMEM) < 0 ? -ENOMEM : -ENOENT;
	*h = (struct core_fh) { .gen = tls_gen, .fh = fi->fh };
	core_gen_ref(h->gen);
	wrapped.fh = (uintptr_t) h;
	fh_link(h);	/* before the reply: its RELEASE may run on another thread at once */
	r = fuse_reply_open(req, &wrapped);
	if (r == -ENOENT) {	/* interrupted: no RELEASE will come */
		fh_unlink(h);
		core_gen_put(h->gen);
		free(h);
	}
	return r;
}

/* The library's view of @fi: its own handle in a copy */
static struct lib_gen *unwrap(const struct fuse_file_info *fi, struct fuse_file_info *ret)
{
	struct core_fh *h = (struct core_fh *) (uintptr_t) fi->fh;

	*ret = *fi;
	ret->fh = h->fh;
	return h->gen;
}

static void d_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	IN_CURRENT(req, LIB(g_)->lookup(req, parent, name));
}

static void d_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	struct lib_gen *g = core_gen_get();

	if (!g)
		return fuse_reply_none(req);
	LIB(g)->forget(req, ino, nlookup);
	core_gen_put(g);
}

static void d_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	struct lib_gen *g = core_gen_get();

	if (!g)
		return fuse_reply_none(req);
	LIB(g)->forget_multi(req, count, forgets);
	core_gen_put(g);
}

static void d_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	IN_CURRENT(req, LIB(g_)->getattr(req, ino, NULL));	/* attributes come from the inode */
}

static void d_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		      struct fuse_file_info *fi)
{
	IN_CURRENT(req, LIB(g_)->setattr(req, ino, attr, to_set, NULL));
}

static void d_readlink(fuse_req_t req, fuse_ino_t ino)
{
	IN_CURRENT(req, LIB(g_)->readlink(req, ino));
}

static void d_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	IN_CURRENT(req, LIB(g_)->mkdir(req, parent, name, mode));
}

static void d_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	IN_CURRENT(req, LIB(g_)->rmdir(req, parent, name));
}

static void d_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	IN_CURRENT(req, LIB(g_)->link(req, ino, newparent, newname));
}

static void d_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		     struct fuse_file_info *fi)
{
	IN_CURRENT(req, LIB(g_)->create(req, parent, name, mode, fi));
}

static void d_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	IN_CURRENT(req, LIB(g_)->mknod(req, parent, name, mode, rdev));
}

static void d_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	IN_CURRENT(req, LIB(g_)->symlink(req, link, parent, name));
}

static void d_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	IN_CURRENT(req, LIB(g_)->unlink(req, parent, name));
}

static void d_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		     const char *newname, unsigned int flags)
{
	IN_CURRENT(req, LIB(g_)->rename(req, parent, name, newparent, newname, flags));
}

static void d_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	IN_CURRENT(req, LIB(g_)->open(req, ino, fi));
}

static void d_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	IN_CURRENT(req, LIB(g_)->opendir(req, ino, fi));
}

static void d_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
	IN_CURRENT(req, LIB(g_)->access(req, ino, mask));
}

static void d_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	IN_CURRENT(req, LIB(g_)->getxattr(req, ino, name, size));
}

static void d_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	IN_CURRENT(req, LIB(g_)->listxattr(req, ino, size));
}

/* Runs @call (which sees the library's handle as f_) in the generation that opened @fi, with a
 * reference of its own: once @call has replied, the kernel may send this handle's RELEASE, and
 * another thread may drop the handle's reference (unloading an old library copy) while @call
 * is still returning into that copy's code. */
#define IN_OPENER(fi, call)                                      \
	do {                                                     \
		struct fuse_file_info f_;                        \
		struct lib_gen *g_ = unwrap((fi), &f_);          \
		core_gen_ref(g_);                                \
		tls_gen = g_;                                    \
		call;                                            \
		tls_gen = NULL;                                  \
		core_gen_put(g_);                                \
	} while (0)

static void d_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	IN_OPENER(fi, LIB(g_)->read(req, ino, size, off, &f_));
}

static void d_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	IN_OPENER(fi, LIB(g_)->write(req, ino, buf, size, off, &f_));
}

static void d_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct fuse_pollhandle *ph)
{
	IN_OPENER(fi, LIB(g_)->poll(req, ino, &f_, ph));
}

static void d_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	IN_OPENER(fi, LIB(g_)->readdir(req, ino, size, off, &f_));
}

/* release and releasedir: the library frees its handle, then the wrapper goes and with it
 * the generation's reference (possibly the last: an old library is unloaded here) */
static void release_any(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, bool dir)
{
	struct core_fh *h = (struct core_fh *) (uintptr_t) fi->fh;
	struct lib_gen *g = h->gen;

	IN_OPENER(fi, (dir ? LIB(g_)->releasedir : LIB(g_)->release)(req, ino, &f_));
	fh_unlink(h);
	free(h);
	core_gen_put(g);
}

static void d_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	release_any(req, ino, fi, false);
}

static void d_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	release_any(req, ino, fi, true);
}

/* FUSE_INIT (Documentation/filesystems/fuse.rst): two connection limits, both for memory.
 * - max_write, the largest FUSE_WRITE the kernel sends: libfuse gives every worker a receive
 *   buffer of max_write plus a header, 1 MiB + 4 KiB by default. Only cgroupfs files and PSI
 *   triggers take writes, and the kernel's cgroupfs takes at most a page per write(2), so
 *   64 KiB splits nothing a cgroup file would accept whole.
 * - max_background, the background requests (RELEASE of a closed file) in flight, 12 by
 *   default: with hundreds of readers, closes waited in the kernel's background queue behind
 *   every open and read, each keeping its file's rendered text alive in this daemon. */
#define CORE_MAX_WRITE (64u << 10)		/* bytes */
#define CORE_MAX_BACKGROUND 256u		/* requests */

static void d_init(void *userdata, struct fuse_conn_info *conn)
{
	(void) userdata;
	conn->max_write = CORE_MAX_WRITE;
	conn->max_background = CORE_MAX_BACKGROUND;
	conn->congestion_threshold = CORE_MAX_BACKGROUND * 3 / 4;
}

const struct fuse_lowlevel_ops core_dispatch_ops = {
	.init = d_init,
	.lookup = d_lookup,
	.forget = d_forget,
	.forget_multi = d_forget_multi,
	.getattr = d_getattr,
	.setattr = d_setattr,
	.readlink = d_readlink,
	.mkdir = d_mkdir,
	.rmdir = d_rmdir,
	.link = d_link,
	.create = d_create,
	.mknod = d_mknod,
	.symlink = d_symlink,
	.unlink = d_unlink,
	.rename = d_rename,
	.open = d_open,
	.read = d_read,
	.write = d_write,
	.release = d_release,
	.poll = d_poll,
	.opendir = d_opendir,
	.readdir = d_readdir,
	.releasedir = d_releasedir,
	.access = d_access,
	.getxattr = d_getxattr,
	.listxattr = d_listxattr,
};
