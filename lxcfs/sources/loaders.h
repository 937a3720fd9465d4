/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loaders: every read a view needs happens here, filling the pure renderers' input structs. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpuset.h"
#include "meminfo.h"
#include "proc.h"
#include "reader.h"

#define HOST_FILE_MAX (4u << 20)	/* bytes read at most from one host /proc or /sys file */
#define HOST_TEXT_AGE_NS (100ull * 1000 * 1000)		/* host meminfo, stat, diskstats: 100 ms */
#define HOST_CPUINFO_AGE_NS (1000ull * 1000 * 1000)	/* host cpuinfo: 1 s */
#define CG_TUNABLE_AGE_NS (1000ull * 1000 * 1000)	/* memory.swappiness: 1 s */

/* Reads host /proc/@name (e.g. "meminfo"): a copy at most HOST_TEXT_AGE_NS old
 * (HOST_CPUINFO_AGE_NS for cpuinfo). Returns 0 and *ret_text (caller frees) or -errno. */
int host_proc_read(const struct reader_env *env, const char *name, char **ret_text);

/* Fills @ret for the reader's memory cgroup. @ret->host_meminfo points into *ret_host, which
 * the caller frees after rendering. Returns 0, -ENOENT when the reader is in the hierarchy root
 * or has no memory cgroup (callers serve the host file), -ESRCH, or the read/parse -errno. */
int load_meminfo(const struct reader_env *env, struct reader *rd, bool swap_disabled,
		 struct meminfo_inputs *ret, char **ret_host);

/* The reader's cpuset: cpuset.cpus.effective (v2) / cpuset.effective_cpus (v1), else
 * cpuset.cpus, walking up while empty. Returns 0, -ENOENT (no cpuset cgroup or no value),
 * -ESRCH, -EINVAL. */
int load_cpuset(const struct reader_env *env, struct reader *rd, struct cpuset *ret);

/* The smallest CFS bandwidth of the reader's cpu cgroup and its ancestors (not the root):
 * v1 cpu.cfs_quota_us/cpu.cfs_period_us, v2 cpu.max. *ret_quota_us = CG_LIMIT_MAX when none.
 * Microseconds. Returns 0 or -errno. */
int load_cpu_quota(const struct reader_env *env, struct reader *rd, uint64_t *ret_quota_us,
		   uint64_t *ret_period_us);

/* Per-CPU CPU time of the reader's cpuacct cgroup (v1 cpuacct.usage_all, else
 * cpuacct.usage_percpu), ns, for CPUs below @n_max (the host's configured CPUs). Returns 0 with *ret (caller frees) and *ret_n, -ENOENT when no
 * cpuacct hierarchy exists (cgroup v2), or -errno. */
int load_cpuacct(const struct reader_env *env, struct reader *rd, size_t n_max,
		 struct cpuacct_usage **ret, size_t *ret_n);

/* The reference process's start (USER_HZ ticks since boot) and its cgroup's CPU time in ns
 * (v1 cpuacct.usage, v2 cpu.stat usage_usec; 0 when neither exists). Returns 0 or -errno. */
int load_uptime(const struct reader_env *env, struct reader *rd, uint64_t *ret_start_ticks,
		uint64_t *ret_busy_ns);
