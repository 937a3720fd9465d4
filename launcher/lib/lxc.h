/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* liblxlaunch's container operations on top of liblxc. This header does not expose liblxc
 * types; lxc.c is the only file that includes <lxc/lxccontainer.h>.
 *
 * Every function returns 0 (or the documented value) on success and a negative errno on
 * failure, with one line for the user in @err (which may be NULL):
 *   -EINVAL   bad spec value             -ENOENT   container, rootfs or profile not found
 *   -EEXIST   container name taken       -ENODEV   bridge missing
 *   -EPERM    not root, no subordinate ids  -EOPNOTSUPP  host lacks a feature
 *   -EIO      liblxc reported a failure (details in its log)
 * Not thread-safe: lxl_start() sets LXCFS_MOUNT in the process environment. */
#pragma once

#include <stdbool.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "lxcconf.h"
#include "spec.h"

#define LXL_DEFAULT_LXCPATH "/var/lib/lxc"
/* An lxcfs dir for lxl_start() that disables the views: the hook finds no proc/ there */
#define LXL_LXCFS_NONE "/nonexistent/lxlaunch-no-lxcfs"

/* Probes the host (cgroup controllers, swap accounting, io weight, lxcfs in @spec->lxcfs_dir
 * or the default mountpoint, LSMs, root's subordinate ids) into *ret. Strings point to
 * static storage. */
int lxl_host_probe(const struct lxl_spec *spec, struct lxl_host *ret);

/* Creates the container from @spec under @lxcpath (template or rootfs, then the config items,
 * the capability list and the seccomp profile from launcher/security). @sysinfo_proxy: a unix
 * socket path where a sysinfo responder (launcher/sysinfo) will listen from before the start
 * for as long as the container runs: the profile gets "sysinfo notify" and
 * lxc.seccomp.notify.proxy points there (ignored with --seccomp unconfined); NULL: no
 * interception. Fails with -EEXIST when the name is taken, -ENOENT when --rootfs is missing,
 * -ENODEV when the bridge does not exist. On failure nothing of the container is left. */
int lxl_create(const struct lxl_spec *spec, const char *lxcpath, const char *sysinfo_proxy,
	       struct lxl_error *err);

/* The host pid of the running container's init; -ESRCH when it does not run. */
int lxl_init_pid(const char *lxcpath, const char *name, pid_t *ret_pid, struct lxl_error *err);

/* Starts a created container in the background and waits until it runs. @lxcfs_dir: the lxcfs
 * mount the mount hook binds from (exported as LXCFS_MOUNT; NULL: the hook's default). On
 * failure the container is stopped and its leftover lxc.monitor.NAME / lxc.payload.NAME
 * cgroups are removed; the container itself stays defined. */
int lxl_start(const char *lxcpath, const char *name, const char *lxcfs_dir, struct lxl_error *err);

/* Asks init to shut down, waits up to @timeout_s seconds, then kills it. 0 when stopped (also
 * when it was not running). */
int lxl_stop(const char *lxcpath, const char *name, int timeout_s, struct lxl_error *err);

/* Stops (kills) if running, destroys the container (its config and, unless it was created with
 * --rootfs, its rootfs) and removes its leftover cgroups. */
int lxl_destroy(const char *lxcpath, const char *name, struct lxl_error *err);

/* Runs @argv in the running container (clean environment with a standard PATH, the caller's
 * stdio) and waits. *ret_status is the command's exit status, 128 + N when killed by signal N,
 * 126 not executable, 127 not found. @forward_signal (may be NULL): a flag the caller's signal
 * handler (installed without SA_RESTART) sets to the signal number; the command gets that
 * signal once. */
int lxl_exec(const char *lxcpath, const char *name, char * const argv[],
	     const volatile sig_atomic_t *forward_signal, int *ret_status, struct lxl_error *err);

/* Called once with the container's init pid (in the caller's pid namespace) as soon as it runs */
typedef void (*lxl_running_fn)(pid_t init_pid, void *userdata);

/* Starts the stopped container with @argv as its command (LXC's execute mode: LXC's init is
 * pid 1, runs @argv with a standard PATH and the caller's stdio, passes signals on to it and
 * reaps orphans) and waits until it exits. No attach: the seccomp notify listener of a
 * container started this way reaches the proxy at start, free of LXC 5.0.2's attach race that
 * loses it or hangs. LXC's monitor runs in a forked child, so the caller may have threads (a
 * sysinfo responder). @lxcfs_dir as for lxl_start(). @forward_signal as for lxl_exec(): the
 * monitor gets the signal and passes it to init, init to the command. @on_running (may be
 * NULL) is called from this thread when the container runs.
 * *ret_status: the command's exit status, 128 + N when killed by signal N; before any start,
 * 127 (-ENOENT) when @argv[0] is not in the rootfs along PATH and 126 (-EACCES) when it is not
 * an executable file (looked up in the rootfs directory; mounts added by the config are not
 * seen). Returns 0 when the command ran; -EALREADY, -ENODEV, -EIO (start failed; leftover
 * cgroups removed) otherwise. The container stays defined. */
int lxl_execute(const char *lxcpath, const char *name, const char *lxcfs_dir, char * const argv[],
		const volatile sig_atomic_t *forward_signal, lxl_running_fn on_running, void *userdata,
		int *ret_status, struct lxl_error *err);

struct lxl_info {
	char *name;
	char *state;		/* "RUNNING", "STOPPED", ... */
	pid_t init_pid;		/* 0 unless running */
	char *memory;		/* configured limits as in the config; NULL when unset */
	char *memory_swap;
	char *cpu;		/* "QUOTA PERIOD" (v2 cpu.max or v1 cfs quota/period) */
	char *cpuset;
	char *pids;
	char *network;		/* lxc.net.0.type (+ link) */
};
void lxl_info_done(struct lxl_info *info);

/* Fills *ret for one container; -ENOENT when it is not defined. */
int lxl_info_get(const char *lxcpath, const char *name, struct lxl_info *ret, struct lxl_error *err);

/* All containers defined under @lxcpath, sorted by name; *ret_infos (caller frees each with
 * lxl_info_done() and the array with free()) and *ret_n. */
int lxl_list(const char *lxcpath, struct lxl_info **ret_infos, size_t *ret_n, struct lxl_error *err);

/* Removes the lxc.monitor.NAME and lxc.payload.NAME cgroups (and LXC's NAME-N retries) below
 * every mounted cgroup hierarchy, children first, waiting up to 5 s for them to empty (the
 * monitor leaves its cgroup as it exits). Returns 0, -EBUSY when some are still in use. */
int lxl_cgroups_cleanup(const char *name);

/* Sends liblxc's log to @file at @level ("ERROR", "INFO", "DEBUG", ...; NULL: INFO), quiet on
 * stderr. Call once, before any other function. */
int lxl_log_open(const char *file, const char *level, const char *name, const char *lxcpath);
