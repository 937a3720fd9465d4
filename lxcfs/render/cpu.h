/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure renderers of the CPU views: /proc/cpuinfo, /proc/stat and
 * /sys/devices/system/cpu/{online,offline,cpuN/online} (lxcfs-behaviour.md 4.3-4.5, 4.11;
 * Documentation/filesystems/proc.rst, Documentation/admin-guide/cputopology.rst). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpuset.h"
#include "proc.h"
#include "strbuf.h"

/* Number of CPUs the CFS quota allows (the --enable-cfs view): ceil(quota/period), capped by
 * the host's online CPUs and by the cpuset size. @quota_us == CG_LIMIT_MAX or @period_us == 0
 * means no quota, then the cpuset size. Returns 0 only when @cpuset_cpus is 0 and no quota. */
unsigned cpuview_max_cpus(uint64_t quota_us, uint64_t period_us, unsigned cpuset_cpus,
			  unsigned host_online);

/* The set of CPU numbers the container sees online: the cpuset itself, or with a CFS cap
 * (@max_cpus > 0) the renumbered set 0..max_cpus-1. */
void cpu_visible_set(const struct cpuset *cpuset, unsigned max_cpus, struct cpuset *ret);

/* The physical CPU behind visible CPU @k: @k itself without a CFS cap, else the k-th CPU of
 * @cpuset (the cap renumbers CPUs from 0). Returns 0, or -ENOENT when @k is not visible. */
int cpu_view_physical(const struct cpuset *cpuset, unsigned max_cpus, unsigned k, unsigned *ret);

/* /proc/cpuinfo: keeps the processor blocks of CPUs in @cpuset (at most @max_cpus when > 0)
 * and renumbers their "processor" lines 0..n-1; everything else in a kept block is the host's.
 * s390's "processor N:" lines are handled the same way. */
int cpuinfo_render(const char *host_cpuinfo, const struct cpuset *cpuset, unsigned max_cpus,
		   struct strbuf *out);

struct stat_inputs {
	const char *host_stat;			/* verbatim host /proc/stat */
	const struct cpuset *cpuset;		/* CPUs of the container */
	const struct cpuacct_usage *usage;	/* per-CPU cgroup CPU time (ns), NULL if unknown */
	size_t n_usage;
	uint64_t clk_tck;			/* USER_HZ, sysconf(_SC_CLK_TCK) */
	unsigned max_cpus;			/* CFS view cap (0 = none); renumbers CPUs 0.. */
};

/* /proc/stat: one "cpuN" line per host CPU in the cpuset (at most max_cpus, renumbered when
 * capped), with user/system from the cgroup's cpuacct usage and idle = host idle + the time
 * other cgroups kept the CPU busy; an aggregate "cpu  " line of their sums first; all other
 * host lines (intr, ctxt, btime, processes, ...) copied. Values in USER_HZ ticks. When the CFS
 * cap hides some of the cpuset's CPUs, the cgroup's user and system time on all of them is
 * shared out over the visible CPUs (each share monotonic), so the view loses no CPU time.
 * Returns 0, -EBADMSG on a malformed host cpu line, or a strbuf error. */
int stat_render(const struct stat_inputs *in, struct strbuf *out);

/* /proc/uptime: "up idle\n" in seconds with 2 decimals, where up = @now_boot_ns (CLOCK_BOOTTIME,
 * ns) - @start_ticks / @clk_tck (the container init's starttime) and idle = up - @busy_ns
 * (cgroup CPU time, ns) when that is not negative, else up. Returns -ERANGE when the start
 * lies in the future (never renders a negative uptime). */
int uptime_render(uint64_t now_boot_ns, uint64_t start_ticks, uint64_t clk_tck, uint64_t busy_ns,
		  struct strbuf *out);

/* sys/devices/system/cpu/online and offline: @visible (from cpu_visible_set()) as a CPU list,
 * and @present minus @visible; each followed by "\n". */
int cpu_online_render(const struct cpuset *visible, struct strbuf *out);
int cpu_offline_render(const struct cpuset *present, const struct cpuset *visible,
		       struct strbuf *out);
/* sys/devices/system/cpu/cpuN/online: "1\n" when @cpu is visible, else "0\n". */
int cpu_n_online_render(const struct cpuset *visible, unsigned cpu, struct strbuf *out);
