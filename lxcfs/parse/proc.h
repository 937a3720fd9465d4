/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure parsers for procfs text: /proc/PID/cgroup, /proc/PID/stat, /proc/PID/status,
 * /proc/meminfo, /proc/stat cpu lines (Documentation/filesystems/proc.rst, man 5 proc). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* /proc/PID/cgroup: finds the cgroup path of v1 @controller (a name such as "memory" or
 * "name=systemd" that must equal one comma-separated item of the second field), or, with
 * @controller NULL, the cgroup2 line "0::PATH". A trailing "/init.scope" is removed ("/" stays).
 * Returns 0 and *ret_path (absolute, malloc'd), -ENOENT when absent, -ENOTUNIQ when the
 * controller appears on two lines (a cgroup name with an embedded newline), -EBADMSG on a
 * malformed line, -ENOMEM. */
int proc_cgroup_find(const char *text, const char *controller, char **ret_path);

/* /proc/PID/stat: field 22, starttime, in clock ticks (USER_HZ) since boot. The comm field may
 * hold spaces and ')': fields are counted after the last ')'. Returns 0, -EBADMSG. */
int proc_stat_starttime(const char *text, uint64_t *ret_ticks);

/* /proc/PID/status: PPid and the NSpid line. *ret_nspid_last is the pid in the innermost pid
 * namespace, *ret_nspid_levels the number of namespace levels. Returns 0, -EBADMSG. */
int proc_status_parse(const char *text, pid_t *ret_ppid, pid_t *ret_nspid_last,
		      unsigned *ret_nspid_levels);

/* /proc/PID/status: the pids of the NSpid line, outermost (host) first, at most @max of them
 * into @ret (proc(5), Linux >= 4.1). Returns 0 and *ret_n, -EBADMSG without a well-formed
 * NSpid line, -E2BIG when it lists more than @max. Outputs untouched on error. */
int proc_status_nspids(const char *text, pid_t *ret, size_t max, size_t *ret_n);

/* /proc/meminfo: value of "@key:" in kB (exact label match). Returns 0, -ENOENT, -EBADMSG. */
int meminfo_get_kb(const char *text, const char *key, uint64_t *ret_kb);

/* One /proc/stat line "cpuN f1 f2 ...": *ret_cpu = N, up to PROCSTAT_FIELDS values in USER_HZ
 * ticks (user nice system idle iowait irq softirq steal guest guest_nice), missing trailing
 * fields are 0. Returns 1 for a cpuN line, 0 for any other line (including the aggregate
 * "cpu " line), -EBADMSG for a malformed cpuN line. */
#define PROCSTAT_FIELDS 10
int procstat_parse_cpu_line(const char *line, unsigned *ret_cpu, uint64_t ret_fields[PROCSTAT_FIELDS]);

/* cpuacct.usage_all ("cpu user system" header, then "N user_ns system_ns") or, with @percpu,
 * cpuacct.usage_percpu (space separated ns per CPU, reported here as user time with system 0,
 * instead of counting the same time twice). Fills @ret[0..n_max) indexed by CPU, *ret_n = 1 +
 * highest CPU seen. Returns 0, -EBADMSG, -ERANGE when a CPU >= @n_max. Times in nanoseconds. */
struct cpuacct_usage {
	uint64_t user_ns, system_ns;
};
int cpuacct_parse(const char *text, bool percpu, struct cpuacct_usage *ret, size_t n_max,
		  size_t *ret_n);

/* /proc/self/mountinfo: every "cgroup" (v1) and "cgroup2" mount whose root is "/".
 * controllers: v1 controller list from the super options ("cpu,cpuacct", "name=systemd"),
 * NULL for cgroup2. Mountpoints are unescaped (\040 etc.). */
struct cgroup_mount {
	char *mountpoint;
	char *controllers;
	bool unified;
};
int mountinfo_parse_cgroups(const char *text, struct cgroup_mount **ret, size_t *ret_n);
void cgroup_mounts_free(struct cgroup_mount *m, size_t n);
