/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Node registry of the lxcfs tree: which path is which kind of node, its attributes, its
 * directory entries and its content for a given reader. No FUSE types here. */
#pragma once

#include <pthread.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "cgroups.h"
#include "cpuset.h"
#include "nscache.h"
#include "reader.h"
#include "strbuf.h"

enum vfs_kind {
	VFS_DIR_ROOT,
	VFS_DIR_PROC,
	VFS_DIR_PROC_PRESSURE,	/* proc/pressure */
	VFS_DIR_SYS,
	VFS_DIR_SYS_DEVICES,
	VFS_DIR_SYS_SYSTEM,
	VFS_PROC_CPUINFO,
	VFS_PROC_DISKSTATS,
	VFS_PROC_LOADAVG,
	VFS_PROC_MEMINFO,
	VFS_PROC_SLABINFO,
	VFS_PROC_STAT,
	VFS_PROC_SWAPS,
	VFS_PROC_UPTIME,
	VFS_PROC_PRESSURE_CPU,	/* proc/pressure/cpu */
	VFS_PROC_PRESSURE_IO,
	VFS_PROC_PRESSURE_MEMORY,
	VFS_SYS_CPU_ONLINE,	/* sys/devices/system/cpu/online */
	VFS_SYS_CPU_OFFLINE,	/* sys/devices/system/cpu/offline */
	VFS_SYS_CPU_PRESENT,	/* sys/devices/system/cpu/present */
	VFS_SYS_CPU_POSSIBLE,	/* sys/devices/system/cpu/possible */
	VFS_SYS_CPUN_ONLINE,	/* sys/devices/system/cpu/cpuN/online */
	VFS_SYS_HOST,		/* sys/devices/system/cpu and anything else below it: host sysfs */
	VFS_DIR_CGROUP,		/* cgroup: the virtual cgroupfs (lxcfs/vfs/cgfs.h) */
	VFS_CGFS,		/* cgroup/<hierarchy>/...: a cgroup directory or file */
	VFS_KIND_MAX,
	VFS_KIND_INVALID = -EINVAL,
};

#define VFS_RENDER_MAX (16u << 20)	/* bytes one rendered file may hold */

struct loadavg_store;

/* The filesystem's long-lived state (FUSE userdata). Written in main() before the session
 * starts, except the atomics and the nscache (which has its own lock). */
struct vfs_fs {
	struct reader_env env;
	struct cg_layout layout;
	struct nscache nscache;
	struct pidcache pidcache;
	struct fdcache *fdcache;	/* cgroup and host /proc files kept open (fdcache.h) */
	pthread_t janitor;		/* prunes the caches every second (vfs_cache_start()) */
	bool janitor_running;
	bool janitor_stop;		/* protected by janitor_lock */
	pthread_mutex_t janitor_lock;
	pthread_cond_t janitor_wake;
	int sys_cpu_fd;			/* O_PATH fd of host /sys/devices/system/cpu */
	unsigned host_online_cpus;
	unsigned host_conf_cpus;		/* configured CPUs: bound of per-CPU arrays */
	bool swap_disabled;		/* -u */
	bool cfs;			/* --enable-cfs */
	bool loadavg;			/* -l */
	struct loadavg_store *loadavg_store;	/* -l: per-container load averages (locks itself);
					 * set before the session loop, NULL otherwise */
	bool cgroup;			/* the cgroup/ tree is shown (no --disable-cgroup) */
	const atomic_bool *virtualize;	/* the core's flag, toggled by SIGUSR2 (set after init) */
	atomic_uint_fast64_t fallbacks;	/* views served as the host's file */
};

/* Sets up @fs: cgroup layout, /proc and sysfs fds, caches. Returns 0 or -errno. */
int vfs_fs_init(struct vfs_fs *fs);
void vfs_fs_done(struct vfs_fs *fs);

/* Starts the thread that closes idle cached files and drops idle per-process entries every
 * second (signals blocked). Returns 0 or -errno; without it the caches still work, bounded by
 * their sizes only. */
int vfs_cache_start(struct vfs_fs *fs);
/* Stops and joins it; no-op when not running. */
void vfs_cache_stop(struct vfs_fs *fs);

/* -l: creates fs->loadavg_store and starts its sampler thread (a round every 5 s, signals
 * blocked). Call after vfs_fs_init() and before the session loop. Returns 0 or -errno. */
int vfs_loadavg_start(struct vfs_fs *fs);
/* Stops and joins the sampler (well under a second) and frees the store; no-op without one.
 * Call once no request is being served any more. */
void vfs_loadavg_stop(struct vfs_fs *fs);

/* Kind of the node at @path, relative to the mountpoint without a leading '/' ("" = root,
 * "proc/meminfo", "sys/devices/system/cpu/cpu1/online"). VFS_KIND_INVALID when no such node
 * can exist; host sysfs nodes still need vfs_getattr() to prove they exist. */
enum vfs_kind vfs_classify(const char *path);

/* Attributes of @path for @caller (sizes of per-reader files depend on the reader).
 * Returns 0, -ENOENT, or -errno. */
int vfs_getattr(struct vfs_fs *fs, enum vfs_kind kind, const char *path, pid_t caller,
		struct stat *ret);

/* Calls @add for each entry of directory @path ("." and ".." first, no duplicates).
 * @add returns 0 to go on or -errno to stop; vfs_readdir() returns that or its own -errno. */
typedef int (*vfs_add_entry_t)(void *userdata, const char *name, mode_t type);
int vfs_readdir(struct vfs_fs *fs, enum vfs_kind kind, const char *path, pid_t caller,
		vfs_add_entry_t add, void *userdata);

/* Renders the content of file @path for @caller into @out. Views fall back to the host's
 * file when the reader or its cgroup cannot be resolved (logged at debug level, counted).
 * Returns 0 or -errno (-EISDIR, -EACCES, -ENOMEM, ...). */
int vfs_render(struct vfs_fs *fs, enum vfs_kind kind, const char *path, pid_t caller,
	       struct strbuf *out);

/* Permission check for @mask (R_OK/W_OK/X_OK) by host credentials @uid/@gid against the node's
 * mode. Nothing is writable through lxcfs: W_OK gives -EACCES, except on the pressure files
 * (PSI triggers, by their mode). Returns 0 or -errno. */
int vfs_access(struct vfs_fs *fs, enum vfs_kind kind, const char *path, pid_t caller, uid_t uid,
	       gid_t gid, int mask);

/* Symlink target of a host sysfs node. Returns 0 and *ret (caller frees), -EINVAL for
 * non-symlinks, or -errno. */
int vfs_readlink(struct vfs_fs *fs, enum vfs_kind kind, const char *path, pid_t caller,
		 char **ret);

/* The CPUs @caller's container has: its cpuset and, with --enable-cfs, *ret_max (the CFS cap,
 * which renumbers visible CPUs from 0; 0 = no cap, physical numbers). A reader that cannot be
 * resolved gets the host's online CPUs. Returns 0 or -errno. */
int vfs_cpu_view(struct vfs_fs *fs, pid_t caller, struct cpuset *ret_cpuset, unsigned *ret_max);

/* Host path, relative to /sys/devices/system/cpu, of node @path for @caller: "cpuK/..." names
 * a visible CPU and maps to its physical CPU. Writes it to @buf ("" for the directory itself).
 * Returns 0, -ENOENT for CPUs the caller does not have, -ENAMETOOLONG. */
int vfs_sys_host_path(struct vfs_fs *fs, const char *path, pid_t caller, char *buf, size_t size);

/* Under sys/devices/system/cpu and cgroup/: what exists depends on the reader, so the kernel
 * must not cache entries or attributes of these nodes. */
bool vfs_path_is_per_reader(const char *path);

static inline bool vfs_kind_is_dir_static(enum vfs_kind k)
{
	return k >= VFS_DIR_ROOT && k <= VFS_DIR_SYS_SYSTEM;
}

/* A file under proc/ whose host counterpart is /proc/<same relative path>. */
static inline bool vfs_kind_is_proc_file(enum vfs_kind k)
{
	return k >= VFS_PROC_CPUINFO && k <= VFS_PROC_PRESSURE_MEMORY;
}

/* A per-reader file under sys/devices/system/cpu (its host counterpart has the same path). */
static inline bool vfs_kind_is_sys_cpu_view(enum vfs_kind k)
{
	return k >= VFS_SYS_CPU_ONLINE && k <= VFS_SYS_CPUN_ONLINE;
}

/* A node of the virtual cgroupfs (served by lxcfs/vfs/cgfs.h) */
static inline bool vfs_kind_is_cgfs(enum vfs_kind k)
{
	return k == VFS_DIR_CGROUP || k == VFS_CGFS;
}
