/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* liblxkit-views: the container views lxcfs serves (/proc/meminfo, cpuinfo, stat, uptime,
 * diskstats, loadavg), computed for a cgroup directory without a FUSE mount, by lxcfs's own
 * loaders (lxcfs/sources) and pure renderers (lxcfs/render). The exported C API of the language
 * bindings (bindings/python); pkg-config name "lxkit-views".
 *
 * @cgroup is a directory of a mounted cgroup hierarchy ("/sys/fs/cgroup/memory/X" on cgroup v1,
 * "/sys/fs/cgroup/X" on cgroup v2). Its path relative to that hierarchy's mountpoint ("/X") is
 * used in every hierarchy, as for a process whose /proc/PID/cgroup lists "/X" for every
 * controller (what LXC sets up for a container), so "/sys/fs/cgroup/cpuset/X" and
 * "/sys/fs/cgroup/memory/X" name the same view. The root of a hierarchy gives the host's file,
 * as lxcfs serves it to a process in the root cgroup.
 *
 * The views equal what lxcfs (without --enable-cfs, -u) renders for a reader whose pid namespace
 * init sits in that cgroup. Every function returns 0 and *ret_text (NUL-terminated, caller
 * frees), or a negative errno: -EINVAL (@cgroup not absolute, or under no cgroup mount),
 * -ENOENT (the cgroup or a file it needs does not exist), -ESRCH (@pid gone), -EBADMSG (a
 * kernel file did not parse), -ENOMEM, or the -errno of a failed read. Thread-safe: no shared
 * state. */
#pragma once

#include <sys/types.h>

/* /proc/meminfo: kB values in the kernel's layout */
int lxkit_view_meminfo(const char *cgroup, char **ret_text);
/* /proc/cpuinfo: the host blocks of the cgroup's cpuset, renumbered from 0 */
int lxkit_view_cpuinfo(const char *cgroup, char **ret_text);
/* /proc/stat: cpu lines in USER_HZ ticks from the cgroup's CPU time (cgroup v1 cpuacct) */
int lxkit_view_stat(const char *cgroup, char **ret_text);
/* /proc/diskstats: the disks the cgroup did IO on; -ENOENT/-ENODATA when no accounting */
int lxkit_view_diskstats(const char *cgroup, char **ret_text);
/* /proc/loadavg of one sample: the averages after one 5 s step from 0 (lxcfs -l keeps them
 * over time; a one-shot caller has no history), the running/total thread counts of the cgroup
 * subtree and its highest thread id, as of now */
int lxkit_view_loadavg(const char *cgroup, char **ret_text);
/* /proc/uptime for a container whose init is host pid @pid: seconds since @pid started and the
 * idle seconds (uptime minus its cgroup's CPU time), 2 decimals */
int lxkit_view_uptime(pid_t pid, char **ret_text);
