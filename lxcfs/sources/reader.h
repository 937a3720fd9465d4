/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Who is reading: the caller's pid -> the host pid whose cgroups its views show (the init of
 * the caller's pid namespace, or the caller itself in the daemon's pid namespace), and that
 * process's cgroup per controller (/proc/PID/cgroup, Documentation/admin-guide/cgroup-v2.rst
 * "Processes"). */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include <stdint.h>

#include "cgroups.h"
#include "fdcache.h"
#include "nscache.h"
#include "pidcache.h"

struct reader_env {
	int proc_fd;			/* O_PATH fd of the host's /proc */
	dev_t self_ns_dev;		/* the daemon's own pid namespace */
	ino_t self_ns_ino;
	struct nscache *nscache;
	struct pidcache *pidcache;	/* NULL: no pidfs (kernel < 6.9), nothing kept per pid */
	struct fdcache *fdcache;	/* host /proc files kept open; NULL: open every time */
	const struct cg_layout *layout;
};

struct reader {
	pid_t caller;		/* host pid of the requesting thread */
	pid_t ref;		/* host pid whose cgroups are used */
	bool host;		/* the caller shares the daemon's pid namespace (ref == caller) */
	char *cgroup_text;	/* /proc/<ref>/cgroup, loaded on first use */
	uint64_t ref_start;	/* ref's start time in clock ticks after boot; 0: not known yet */
};

/* Sets up env->pidcache = @c when this kernel's pidfds can name any thread and be polled
 * (PIDFD_THREAD, Linux 6.9), else leaves it NULL. Returns true when the cache is used. */
bool reader_env_use_pidcache(struct reader_env *env, struct pidcache *c);

/* Records ref's start time (ticks) for the reader's later requests (pidcache.h). */
void reader_set_ref_start(const struct reader_env *env, struct reader *r, uint64_t start);

/* Resolves @caller: from the pid cache while it holds a live entry (pidcache.h: one poll(2)),
 * else through /proc (and then cached), the init of a namespace through nscache.h.
 * Returns 0, -ESRCH when the caller is 0 or gone or its namespace init cannot be found, or
 * another -errno. Fills *ret only on success; release it with reader_done(). */
int reader_resolve(const struct reader_env *env, pid_t caller, struct reader *ret);
void reader_done(struct reader *r);

/* Loads r->cgroup_text (/proc/<ref>/cgroup) unless reader_resolve() already took it from the
 * pid cache. Returns 0, -ESRCH when the process vanished, -ENOMEM, or another -errno. */
int reader_cgroup_text(const struct reader_env *env, struct reader *r);

/* The hierarchy and absolute cgroup path of @controller for the reader's reference process.
 * Returns 0 with *ret_h and *ret_path (caller frees), -ENOENT when the controller is not
 * mounted or the process is not in it, -ESRCH when the process vanished, -EBADMSG. */
int reader_cgroup(const struct reader_env *env, struct reader *r, const char *controller,
		  const struct cg_hierarchy **ret_h, char **ret_path);

/* Reads /proc/<pid>/<name> of the host. Returns 0 and *ret_text or -errno (-ESRCH when the
 * process is gone). */
int proc_read_pid(const struct reader_env *env, pid_t pid, const char *name, char **ret_text);
