/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Who is reading: the caller's pid -> the host pid whose cgroups its views show (the init of
 * the caller's pid namespace, or the caller itself in the daemon's pid namespace), and that
 * process's cgroup per controller (/proc/PID/cgroup, Documentation/admin-guide/cgroup-v2.rst
 * "Processes"). */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "cgroups.h"
#include "nscache.h"

struct reader_env {
	int proc_fd;			/* O_PATH fd of the host's /proc */
	dev_t self_ns_dev;		/* the daemon's own pid namespace */
	ino_t self_ns_ino;
	struct nscache *nscache;
	const struct cg_layout *layout;
};

struct reader {
	pid_t caller;		/* host pid of the requesting thread */
	pid_t ref;		/* host pid whose cgroups are used */
	bool host;		/* the caller shares the daemon's pid namespace (ref == caller) */
	char *cgroup_text;	/* /proc/<ref>/cgroup, loaded on first use */
};

/* Resolves @caller. Returns 0, -ESRCH when the caller is 0 or gone or its namespace init cannot
 * be found, or another -errno. Fills *ret only on success. */
int reader_resolve(const struct reader_env *env, pid_t caller, struct reader *ret);
void reader_done(struct reader *r);

/* The hierarchy and absolute cgroup path of @controller for the reader's reference process.
 * Returns 0 with *ret_h and *ret_path (caller frees), -ENOENT when the controller is not
 * mounted or the process is not in it, -ESRCH when the process vanished, -EBADMSG. */
int reader_cgroup(const struct reader_env *env, struct reader *r, const char *controller,
		  const struct cg_hierarchy **ret_h, char **ret_path);

/* Reads /proc/<pid>/<name> of the host. Returns 0 and *ret_text or -errno (-ESRCH when the
 * process is gone). */
int proc_read_pid(const struct reader_env *env, pid_t pid, const char *name, char **ret_text);
