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
	uint64_t ref_id;	/* pidfs inode of ref (pidcache key); 0: not cached */
	bool has_pidfd;		/* pidfd: the caller's pidfd, open while the request runs */
	int pidfd;
};

/* Sets up env->pidcache = @c when this kernel's pidfds have unique inode numbers (pidfs),
 * else leaves it NULL. Returns true when the cache is used. */
bool reader_env_use_pidcache(struct reader_env *env, struct pidcache *c);

/* Resolves @caller (the pid namespace and the init of its namespace are cached, see
 * pidcache.h and nscache.h). Returns 0, -ESRCH when the caller is 0 or gone or its namespace init cannot
 * be found, or another -errno. Fills *ret only on success. */
int reader_resolve(const struct reader_env *env, pid_t caller, struct reader *ret);
void reader_done(struct reader *r);

/* Loads r->cgroup_text (/proc/<ref>/cgroup) unless loaded: from the pid cache when it holds
 * a text younger than PIDCACHE_CGROUP_NS for ref's identity, else from /proc (then cached).
 * Returns 0, -ESRCH when the process vanished, -ENOMEM, or another -errno of the read. */
int reader_cgroup_text(const struct reader_env *env, struct reader *r);

/* The hierarchy and absolute cgroup path of @controller for the reader's reference process.
 * Returns 0 with *ret_h and *ret_path (caller frees), -ENOENT when the controller is not
 * mounted or the process is not in it, -ESRCH when the process vanished, -EBADMSG. */
int reader_cgroup(const struct reader_env *env, struct reader *r, const char *controller,
		  const struct cg_hierarchy **ret_h, char **ret_path);

/* Reads /proc/<pid>/<name> of the host. Returns 0 and *ret_text or -errno (-ESRCH when the
 * process is gone). */
int proc_read_pid(const struct reader_env *env, pid_t pid, const char *name, char **ret_text);
