/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Container runtime of the manager: every LXC action runs in a child process, so liblxc's
 * fork()s never happen in this threaded glib daemon (STYLE §1: no glib threads before
 * clone()). Create, start, stop, info, exec and delete go through 'lxlaunch --local'
 * (liblxlaunch: lxkit's limits, hooks, capability list and seccomp profile); freeze and
 * thaw through LXC's lxc-freeze/lxc-unfreeze; the rootfs comes from LXC's busybox template.
 * lxlaunch is $LXKIT_LXLAUNCH when set, else 'lxlaunch' in PATH. The lxcpath is
 * <state-dir>/containers (spec §1.2). Every function returns 0 or a negative errno with a
 * one-line *ret_err (caller g_free()s). */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

#include "instance-config.h"

struct mgr;

enum inst_status {
	INST_STOPPED,
	INST_RUNNING,
	INST_FROZEN,
	INST_WAITING,		/* stopped, autostart pending a dependency (autostart.h) */
	INST_STATUS_MAX,
	INST_STATUS_INVALID = -EINVAL,
};

/* "Stopped", "Running", "Frozen", "Waiting" and the API's status codes (102, 103, 110, 114). */
const char *inst_status_to_string(enum inst_status s);
int inst_status_code(enum inst_status s);

/* <state-dir>/containers; caller g_free()s. */
char *inst_rt_lxcpath(struct mgr *m);

/* Fills the empty directory @rootfs from LXC's template @template ("busybox") and writes the
 * template's LXC config lines (those lxlaunch does not set itself) to *ret_items, one per
 * line. @workdir is an empty scratch directory the template may write into. */
int inst_rt_template(const char *template_name, const char *name, const char *rootfs,
		     const char *workdir, char **ret_items, char **ret_err);

/* Defines container @name with rootfs @rootfs (not owned by LXC: never deleted by it) and
 * @limits, then appends @extra_items (may be NULL) to its config. -EEXIST when it is
 * defined already. */
int inst_rt_create(struct mgr *m, const char *name, const char *rootfs,
		   const struct inst_limits *limits, const char *extra_items, char **ret_err);
/* Replaces the LXC config of the defined container @name by a new definition with @rootfs,
 * @limits and @extra_items, made by lxlaunch in the scratch lxcpath @workdir and moved into
 * place (a running container keeps its settings until its next start; see
 * inst_rt_apply_limits()). On failure the old config stays. */
int inst_rt_redefine(struct mgr *m, const char *name, const char *rootfs,
		     const struct inst_limits *limits, const char *extra_items, const char *workdir,
		     char **ret_err);
/* Sets @limits on the running container (init @pid) now, through lxc-cgroup: memory limit,
 * cpuset and pids limit; an unset limit becomes unlimited (all online CPUs for the cpuset). */
int inst_rt_apply_limits(struct mgr *m, const char *name, pid_t pid,
			 const struct inst_limits *limits, char **ret_err);

/* Undefines the container (stops it first); its rootfs stays. Absent is fine. */
int inst_rt_destroy(struct mgr *m, const char *name, char **ret_err);

/* The container's status and init pid (0 unless running). -ENOENT when not defined. */
int inst_rt_state(struct mgr *m, const char *name, enum inst_status *ret_status, pid_t *ret_pid,
		  char **ret_err);
int inst_rt_start(struct mgr *m, const char *name, char **ret_err);
/* Clean shutdown, killed after @timeout_s seconds (0: at once). */
int inst_rt_stop(struct mgr *m, const char *name, int timeout_s, char **ret_err);
int inst_rt_freeze(struct mgr *m, const char *name, char **ret_err);
int inst_rt_unfreeze(struct mgr *m, const char *name, char **ret_err);

/* Runs @argv in the running container with its output in @stdout_path and @stderr_path;
 * *ret_status is the command's exit status (126/127 as a shell, 128 + N for signal N). */
int inst_rt_exec(struct mgr *m, const char *name, const char *const *argv,
		 const char *stdout_path, const char *stderr_path, int *ret_status, char **ret_err);

/* Process count and memory usage in bytes of the running container, 0 when unknown. */
void inst_rt_usage(pid_t init_pid, unsigned *ret_processes, guint64 *ret_memory);

/* Whether CRIU can checkpoint on this host: 0, or -EOPNOTSUPP with *ret_reason (the first
 * error of 'criu check', or "criu not found in PATH"). Probed once, then cached. */
int inst_rt_criu_usable(char **ret_reason);
