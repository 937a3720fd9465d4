/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Crash recovery: a stale lxcfs mount left by a killed daemon is detached before mounting, and
 * (--remount-containers) the new views are bound again into the mount namespaces whose binds
 * still point at a dead lxcfs, so running containers get working files without a restart. */
#pragma once

/* One line of /proc/PID/mountinfo (proc(5)); the strings point into the parsed line. */
struct mountinfo_entry {
	unsigned major, minor;	/* st_dev of the mounted file system */
	const char *root;	/* path inside that file system that is mounted ("/proc/meminfo") */
	const char *mountpoint;	/* where, relative to the reader's root */
	const char *fstype;	/* "fuse.lxcfs", "proc", ... */
};

/* Parses one mountinfo line (without its newline) in place: fields are NUL-terminated and the
 * kernel's octal escapes (\040 for a space, \011, \012, \134) are decoded, so @line is modified
 * and must outlive *ret_entry. Pure: no I/O, no allocation, no logging. Returns 0, or -EBADMSG
 * for a malformed line (*ret_entry untouched, @line possibly modified). */
int recovery_mountinfo_parse(char *line, struct mountinfo_entry *ret_entry);

/* Makes @mountpoint usable again after a daemon was killed: while stat() on it fails with
 * ENOTCONN ("Transport endpoint is not connected") and /proc/self/mountinfo shows a FUSE mount
 * there, the topmost mount is detached with umount2(MNT_DETACH) (containers that still bind its
 * files keep them until recovery_remount_containers() replaces them). Each detach is logged at
 * info level, and the devices detached are remembered for recovery_remount_containers().
 * Call it from main() before mounting; no other thread may call it.
 * Returns the number of stale mounts detached (0: nothing stale there; also when statx(2) fails
 * with anything but ENOTCONN, e.g. ENOENT: the mount that follows reports that), -EINVAL for a
 * NULL or empty @mountpoint, -ENOTCONN when the stale file system is not a FUSE one or is not
 * in /proc/self/mountinfo (left alone), -ELOOP when more than 16 stale mounts are stacked
 * there, -ENOMEM, or -errno of realpath(3) on its directory, of reading /proc/self/mountinfo
 * or of umount2(2). Not thread-safe. */
int recovery_detach_stale(const char *mountpoint);

/* --remount-containers: starts a worker process that waits until the lxcfs just mounted on
 * @mountpoint answers, then visits every mount namespace of the host but our own (one process
 * per namespace found under /proc/PID/ns/mnt) and replaces each of its fuse.lxcfs binds whose
 * daemon is gone with a bind of the same path (the mountinfo "root" field, e.g. /proc/meminfo)
 * of the new mount: a detached clone is taken with open_tree(OPEN_TREE_CLONE) before setns()
 * into the namespace, the dead bind is detached and the clone moved onto its place. When
 * recovery_detach_stale() detached a mount in this process, only binds of those devices are
 * replaced; otherwise every bind that answers ENOTCONN. Binds of a live lxcfs are never
 * touched. A namespace gets 10 s; one that fails or hangs never stops the others, and the
 * daemon does not wait: the worker is detached (double fork), logs one line per bind and a
 * summary ("Remount of containers done: ..."), and exits.
 * Call it right after the mount. The worker is a plain fork of the (possibly multi-threaded)
 * daemon: it only uses malloc (which glibc keeps usable in such a child), its own log lines
 * (one write(2) each) and syscalls, never a lock of the daemon. Returns 0 when the worker was
 * started, -EINVAL for a NULL or empty
 * @mountpoint, -errno of fork(2), or -ECHILD when the intermediate process failed. */
int recovery_remount_containers(const char *mountpoint);
