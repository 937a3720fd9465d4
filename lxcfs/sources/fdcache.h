/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Open files of cgroupfs and procfs kept for reuse: a whole-file read becomes one pread(2) at
 * offset 0 instead of open + read + read + close. A seq_file (fs/seq_file.c) regenerates its
 * content on every read from offset 0, so a reused fd never serves old data: a limit written
 * to a cgroup is seen by the very next read. Bounds on what is kept:
 *   - an fd is reused for at most FDCACHE_REUSE_NS after its open, then reopened: a cgroup v1
 *     directory renamed and another one created under the old name is seen within that time
 *     (cgroup2 cannot rename cgroups);
 *   - a read that fails with ENODEV (the kernfs node was removed with its cgroup) drops the fd
 *     and opens the path again, so a cgroup re-created under the same path is read at once;
 *   - fds idle for FDCACHE_IDLE_NS are closed by fdcache_prune(), and at most max entries
 *     exist (the least recently used idle one is closed for a new one).
 * All functions are thread-safe; a read of one entry holds that entry's lock, so concurrent
 * readers of one file take turns (the kernel's seq_file lock would serialize them anyway). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FDCACHE_REUSE_NS (1000ull * 1000 * 1000)	/* 1 s */
#define FDCACHE_IDLE_NS (2000ull * 1000 * 1000)		/* 2 s */
#define FDCACHE_MAX_DEFAULT 4096

/* How a file's content is produced, which decides when a read is complete. */
enum fdcache_kind {
	/* single_open() and kernfs files without seq_start (every cgroup control file the
	 * views read, /proc/meminfo, /proc/stat, /proc/uptime): one read(2) into a buffer
	 * larger than the content returns all of it, so a short read is the end */
	FDCACHE_SINGLE_RECORD,
	/* seq_files of many records (/proc/cpuinfo, /proc/diskstats): a read stops at a page
	 * boundary; read on until read(2) returns 0 */
	FDCACHE_MULTI_RECORD,
};

struct fdcache;

/* A cache of at most @max open files (0: FDCACHE_MAX_DEFAULT). Returns 0 or -ENOMEM. */
int fdcache_new(size_t max, struct fdcache **ret);
/* Closes every fd and frees @c; no read may be running. NULL is a no-op. */
void fdcache_free(struct fdcache *c);

/* Reads all of file @path relative to directory fd @dirfd through a cached fd. @beneath opens
 * with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS) (for paths that
 * come from containers), else openat(O_NOFOLLOW). @c may be NULL: a plain open/read/close.
 * Returns 0 with *ret_text (NUL-terminated, caller frees) and *ret_len (bytes without the NUL;
 * may be NULL), or -ENOENT (no such file), -EFBIG (more than @max bytes), -EBADMSG (a NUL
 * byte in the data), -ENOMEM, or another -errno of openat2(2)/pread(2). */
int fdcache_read(struct fdcache *c, int dirfd, const char *path, bool beneath,
		 enum fdcache_kind kind, size_t max, char **ret_text, size_t *ret_len);

/* fdcache_read(), except that the content of the last read is kept and returned again while
 * it is younger than @max_age_ns (nanoseconds; 0: always read) without any system call: for
 * host files whose staleness no reader can tell within that time. */
int fdcache_read_aged(struct fdcache *c, int dirfd, const char *path, bool beneath,
		      enum fdcache_kind kind, size_t max, uint64_t max_age_ns, char **ret_text,
		      size_t *ret_len);

/* Closes fds idle for FDCACHE_IDLE_NS at CLOCK_MONOTONIC time @now_ns (nanoseconds).
 * Returns the number closed. */
size_t fdcache_prune(struct fdcache *c, uint64_t now_ns);

/* Entries (open fds) held now. */
size_t fdcache_size(struct fdcache *c);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t fdcache_now_ns(void);
