/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The virtual cgroupfs (MOUNT/cgroup/<hierarchy>/...): each caller sees the path down to its
 * container's cgroup and the real subtree below it, and changes only that subtree
 * (lxcfs-behaviour.md 4.12, issue 6). This file is the I/O glue around the pure policy of
 * cgfs-policy.h: it resolves the caller (its pid namespace's init, that process's cgroup, the
 * caller's uid map), stats and opens the real objects below one directory fd per hierarchy
 * (openat2 RESOLVE_BENEATH, no symlinks) and asks the policy before every access.
 *
 * Paths are node paths relative to the mountpoint ("cgroup/memory/lxc.payload.c1/tasks").
 * Every function returns 0 or a negative errno and is thread-safe. */
#pragma once

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "cgfs-policy.h"
#include "pidns.h"
#include "strbuf.h"
#include "vfs.h"

/* Who sends a request: the FUSE request context (host ids) */
struct vfs_cred {
	pid_t pid;
	uid_t uid;
	gid_t gid;
};

#define CGFS_PIDS_MAX 1024	/* pids one write() to cgroup.procs/tasks may move */

/* An open cgroup file: what a write needs, fixed at open as the kernel fixes the opener's
 * credentials (cgroup: use open-time credentials for migration checks, Linux 5.16) */
struct cgfs_file {
	int fd;				/* the real file, O_WRONLY (-EBADF: read-only) */
	bool moves_tasks;		/* cgroup.procs, tasks, cgroup.threads */
	bool threads;			/* tasks, cgroup.threads: the ids are thread ids */
	struct pidns_id ns;		/* the opener's pid namespace */
	bool ns_known;			/* ns is valid (the opener could be resolved) */
	uid_t uid;			/* the opener's host ids */
	gid_t gid;
	struct cgfs_idmap *uid_map;	/* the opener's uid map */
	struct cgfs_idmap *gid_map;	/* and gid map */
	char *caller_cg;		/* the opener's cgroup in this file's hierarchy */
	const struct cg_hierarchy *h;	/* its hierarchy (in this library copy's layout) */
};

/* Attributes of @path for @cr: "cgroup" and "cgroup/<hierarchy>" are root-owned 0755
 * directories; a directory on the way down to the caller's cgroup is a root-owned 0555 one;
 * the caller's subtree has the real owners and modes (files: size 4096). -ENOENT for anything
 * hidden, and for everything with the tree switched off (--disable-cgroup). */
int cgfs_getattr(struct vfs_fs *fs, const char *path, const struct vfs_cred *cr, struct stat *ret);

/* Lists directory @path for @cr: the hierarchy names under "cgroup"; in the caller's subtree
 * the regular files of the cgroup, then its child cgroups; on the way down only the next
 * component towards the caller. Returns what @add returns when it stops, or -errno. */
int cgfs_readdir(struct vfs_fs *fs, const char *path, const struct vfs_cred *cr,
		 vfs_add_entry_t add, void *userdata);

/* Opens file @path for @cr with open(2) @flags (O_ACCMODE and O_TRUNC are looked at; truncation
 * is a no-op, as on cgroupfs). When readable, its content goes to @out: a copy of the real file
 * (0 bytes for an empty one); cgroup.procs and tasks translated into the caller's pid namespace,
 * tasks it cannot see shown as 0. When writable, *ret gets a cgfs_file (free with
 * cgfs_file_free()); NULL otherwise. Returns 0, -ENOENT (hidden), -EACCES, -EISDIR, -errno. */
int cgfs_open(struct vfs_fs *fs, const char *path, const struct vfs_cred *cr, int flags,
	      struct strbuf *out, struct cgfs_file **ret);

/* Writes @size bytes of @buf to an open file, as one write(2) of the real file; for cgroup.procs,
 * tasks and cgroup.threads each pid of the text (whitespace separated) is translated from the
 * opener's pid namespace and moved with its own write, in order. Returns the bytes taken
 * (@size), -EPERM for a pid the opener cannot see or may not move (earlier pids stay moved),
 * -EINVAL for a malformed pid list, -E2BIG above CGFS_PIDS_MAX pids, or the kernel's -errno. */
ssize_t cgfs_write(struct vfs_fs *fs, struct cgfs_file *f, const char *buf, size_t size);

void cgfs_file_free(struct cgfs_file *f);

/* Creates cgroup @name in directory @ppath for @cr (mode 0755; owned by the caller's uid:gid,
 * with every file in it, when the caller is not host root). Returns 0, the policy's -errno
 * (cgfs_policy_check() CGFS_OP_MKDIR), -EPERM directly under "cgroup", or the kernel's. */
int cgfs_mkdir(struct vfs_fs *fs, const char *ppath, const char *name, const struct vfs_cred *cr);

/* Removes cgroup @name of directory @ppath for @cr (one cgroup: the kernel refuses one with
 * children or tasks, -EBUSY). Returns 0 or -errno (cgfs_policy_check() CGFS_OP_RMDIR). */
int cgfs_rmdir(struct vfs_fs *fs, const char *ppath, const char *name, const struct vfs_cred *cr);

/* setattr: with @set_mode chmod to @mode & 07777, with @set_uid / @set_gid chown (a directory's
 * tasks and cgroup.procs follow it); a size change and time updates are accepted and do
 * nothing, as on cgroupfs. Returns 0 or -errno (cgfs_policy_check() CHMOD/CHOWN). */
int cgfs_setattr(struct vfs_fs *fs, const char *path, const struct vfs_cred *cr, bool set_mode,
		 mode_t mode, bool set_uid, uid_t uid, bool set_gid, gid_t gid);

/* access(2) of @path with @mask (F_OK, R_OK, W_OK, X_OK) for @cr. Returns 0, -ENOENT, -EACCES. */
int cgfs_access(struct vfs_fs *fs, const char *path, const struct vfs_cred *cr, int mask);
