/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Bind-mounts lxcfs views into a container's mount namespace with the new mount API: each
 * source is cloned with open_tree(OPEN_TREE_CLONE) in the hook's namespace, where lxcfs is
 * mounted, and attached with move_mount() after setns() into the container's namespace. A
 * detached clone may be attached in any namespace, so this works even after pivot_root, when
 * the host path of the lxcfs mount no longer exists for the container. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bind.h"
#include "cleanup.h"
#include "log.h"

struct bind_pair {
	int src;    /* detached clone of the lxcfs view (open_tree) */
	int dst;    /* O_PATH fd of the target inside the container rootfs */
	char *what; /* "SRC over DST", for messages */
};

struct bind_list {
	struct bind_pair *pairs;
	size_t n, alloc;
};

static void bind_list_done(struct bind_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		closep(&l->pairs[i].src);
		closep(&l->pairs[i].dst);
		free(l->pairs[i].what);
	}
	free(l->pairs);
	*l = (struct bind_list){};
}

/* Opens @path below @rootfd as if @rootfd were "/": ".." and absolute symlinks stop at it. */
static int open_in_root(int rootfd, const char *path)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	fd = (int) syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

/* Queues a bind of @src_rel (below @lxcfs_fd; "" for the lxcfs root) over @dst_rel (below the
 * container's @rootfd) when the target exists with the same kind. Returns 1 when queued, 0 when
 * skipped, -errno on failure. */
static int bind_list_add(struct bind_list *l, const struct oci_bind_opts *opts, int lxcfs_fd,
			 const char *src_rel, int rootfd, const char *dst_rel)
{
	_cleanup_close_ int dst = -EBADF, src = -EBADF;
	_cleanup_free_ char *what = NULL;
	struct stat sst, dstst;

	if (fstatat(lxcfs_fd, src_rel, &sst, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
		log_warning_errno(-errno, "Cannot stat '%s/%s', ignoring: %m", opts->lxcfs_dir,
				  src_rel);
		return 0;
	}
	if (asprintf(&what, "'%s%s%s' over '%s/%s'", opts->lxcfs_dir, *src_rel ? "/" : "", src_rel,
		     opts->rootfs, dst_rel) < 0) {
		what = NULL;
		return -ENOMEM;
	}

	dst = open_in_root(rootfd, dst_rel);
	if (dst == -ENOENT || dst == -ENOTDIR) {
		log_debug("Skipping %s: no such target in the container", what);
		return 0;
	}
	if (dst < 0) {
		log_warning_errno(dst, "Cannot open the target of %s, ignoring: %m", what);
		return 0;
	}
	if (fstat(dst, &dstst) < 0)
		return log_error_errno(-errno, "Cannot stat the target of %s: %m", what);
	/* a bind of a file over a directory (or the reverse) fails: skip, as the LXC hook does */
	if (!((S_ISREG(sst.st_mode) && S_ISREG(dstst.st_mode)) ||
	      (S_ISDIR(sst.st_mode) && S_ISDIR(dstst.st_mode)))) {
		log_debug("Skipping %s: not the same kind of file", what);
		return 0;
	}

	src = open_tree(lxcfs_fd, src_rel, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (src < 0)
		return log_error_errno(-errno, "Cannot clone %s for a bind: %m", what);

	if (l->n == l->alloc) {
		size_t alloc = l->alloc ? 2 * l->alloc : 32;
		struct bind_pair *p = reallocarray(l->pairs, alloc, sizeof(*p));

		if (!p)
			return -ENOMEM;
		l->pairs = p;
		l->alloc = alloc;
	}
	l->pairs[l->n++] = (struct bind_pair){
		.src = TAKE_FD(src),
		.dst = TAKE_FD(dst),
		.what = TAKE_PTR(what),
	};
	return 1;
}

/* Queues every entry of the lxcfs directory @src_dir over @dst_dir/NAME. */
static int bind_list_add_entries(struct bind_list *l, const struct oci_bind_opts *opts,
				 int lxcfs_fd, const char *src_dir, int rootfd, const char *dst_dir)
{
	_cleanup_closedir_ DIR *d = NULL;
	int fd, r;

	fd = openat(lxcfs_fd, src_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return log_error_errno(-errno, "Cannot open '%s/%s': %m", opts->lxcfs_dir, src_dir);
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return log_error_errno(r, "Cannot read '%s/%s': %m", opts->lxcfs_dir, src_dir);
	}
	for (;;) {
		_cleanup_free_ char *src = NULL, *dst = NULL;
		struct dirent *de;

		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				return log_error_errno(-errno, "Cannot read '%s/%s': %m",
						       opts->lxcfs_dir, src_dir);
			return 0;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (asprintf(&src, "%s/%s", src_dir, de->d_name) < 0 ||
		    asprintf(&dst, "%s/%s", dst_dir, de->d_name) < 0) {
			src = dst = NULL;
			return -ENOMEM;
		}
		r = bind_list_add(l, opts, lxcfs_fd, src, rootfd, dst);
		if (r < 0)
			return r;
	}
}

static bool same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Finds the container rootfs in the mount namespace of the process whose root directory is
 * @procroot: the process's root itself once the runtime has pivoted, else the rootfs path
 * looked up from that root (runc runs prestart hooks before pivot_root). */
static int rootfs_find(const struct oci_bind_opts *opts, int procroot)
{
	struct stat want, st;
	int fd;

	if (stat(opts->rootfs, &want) < 0)
		return log_error_errno(-errno, "Cannot stat the container rootfs '%s': %m",
				       opts->rootfs);
	if (fstat(procroot, &st) < 0)
		return log_error_errno(-errno, "Cannot stat the root of process %d: %m", opts->pid);
	if (same_inode(&st, &want)) {
		fd = fcntl(procroot, F_DUPFD_CLOEXEC, 3);
		return fd < 0 ? -errno : fd;
	}

	/* not pivoted yet: the namespace still has the runtime's tree; the path is trusted (it
	 * comes from the runtime), the symlinks of the image are not in it */
	fd = openat(procroot, opts->rootfs[1] ? opts->rootfs + 1 : ".",
		    O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &st) == 0 && same_inode(&st, &want))
		return fd;
	if (fd >= 0)
		close(fd);
	return log_error_errno(-ENOENT,
			       "Cannot find the rootfs '%s' in the mount namespace of process %d",
			       opts->rootfs, opts->pid);
}

int oci_bind_views(const struct oci_bind_opts *opts)
{
	_cleanup_(bind_list_done) struct bind_list l = {};
	_cleanup_close_ int lxcfs_fd = -EBADF, pidfd = -EBADF, nsfd = -EBADF, procroot = -EBADF,
			    rootfd = -EBADF;
	_cleanup_free_ char *nspath = NULL, *rootpath = NULL;
	struct stat own, theirs, st;
	int r;

	/* 1. lxcfs: no proc directory means it is not running (or not mounted there). The
	 * container must still start, just without the views, as with the LXC hook. */
	lxcfs_fd = open(opts->lxcfs_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (lxcfs_fd < 0)
		r = -errno;
	else if (fstatat(lxcfs_fd, "proc", &st, 0) < 0)
		r = -errno; /* ENOENT: not mounted; ENOTCONN: a dead daemon's mount */
	else
		r = S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
	if (r < 0) {
		log_warning_errno(
			r, "No lxcfs views at '%s/proc' (%m), the container starts without them",
			opts->lxcfs_dir);
		return 0;
	}

	/* 2. the container's init: a pidfd first, so that after opening its /proc files we can
	 * tell it was still the same process (a pid is not reused while the pidfd's task lives) */
	pidfd = (int) syscall(SYS_pidfd_open, opts->pid, 0);
	if (pidfd < 0 && errno == ESRCH)
		return log_error_errno(-ESRCH, "Process %d does not exist", opts->pid);
	if (asprintf(&nspath, "/proc/%d/ns/mnt", opts->pid) < 0 ||
	    asprintf(&rootpath, "/proc/%d/root", opts->pid) < 0) {
		nspath = rootpath = NULL;
		return -ENOMEM;
	}
	nsfd = open(nspath, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return log_error_errno(errno == ENOENT ? -ESRCH : -errno,
				       "Cannot open the mount namespace of process %d: %m",
				       opts->pid);
	procroot = open(rootpath, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (procroot < 0)
		return log_error_errno(errno == ENOENT ? -ESRCH : -errno,
				       "Cannot open the root directory of process %d: %m",
				       opts->pid);
	if (pidfd >= 0 && syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
		return log_error_errno(-ESRCH, "Process %d exited while the hook ran", opts->pid);

	if (stat("/proc/self/ns/mnt", &own) < 0 || fstat(nsfd, &theirs) < 0)
		return log_error_errno(-errno, "Cannot stat mount namespaces: %m");
	if (same_inode(&own, &theirs))
		return log_error_errno(
			-EINVAL,
			"Process %d is in the hook's own mount namespace, refusing to "
			"mount over '%s'",
			opts->pid, opts->rootfs);

	rootfd = rootfs_find(opts, procroot);
	if (rootfd < 0)
		return rootfd;

	/* 3. everything is resolved and cloned in our namespace before we leave it */
	r = bind_list_add_entries(&l, opts, lxcfs_fd, "proc", rootfd, "proc");
	if (r < 0)
		return r;
	if (fstatat(lxcfs_fd, "sys/devices/system/cpu", &st, 0) == 0 && S_ISDIR(st.st_mode)) {
		/* full sys mode serves the whole host directory ("uevent" marks it): one bind */
		if (faccessat(lxcfs_fd, "sys/devices/system/cpu/uevent", F_OK,
			      AT_SYMLINK_NOFOLLOW) == 0)
			r = bind_list_add(&l, opts, lxcfs_fd, "sys/devices/system/cpu", rootfd,
					  "sys/devices/system/cpu");
		else
			r = bind_list_add_entries(&l, opts, lxcfs_fd, "sys/devices/system/cpu",
						  rootfd, "sys/devices/system/cpu");
		if (r < 0)
			return r;
	}
	/* nesting: a container with a directory at the lxcfs path gets the whole tree there */
	r = bind_list_add(&l, opts, lxcfs_fd, "", rootfd, opts->lxcfs_dir + 1);
	if (r < 0)
		return r;

	/* 4. attach the clones in the container's namespace */
	if (setns(nsfd, CLONE_NEWNS) < 0)
		return log_error_errno(-errno, "Cannot enter the mount namespace of process %d: %m",
				       opts->pid);
	for (size_t i = 0; i < l.n; i++) {
		if (move_mount(l.pairs[i].src, "", l.pairs[i].dst, "",
			       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
			return log_error_errno(-errno, "Cannot bind %s: %m", l.pairs[i].what);
		if (opts->verbose)
			log_info("Bound %s", l.pairs[i].what);
	}
	return (int) l.n;
}
