/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* All I/O of the virtual files: host /proc reads and cgroup reads for one reader. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fileio.h"
#include "loaders.h"
#include "parse-util.h"

int host_proc_read(const struct reader_env *env, const char *name, char **ret_text)
{
	/* fs/proc/meminfo.c, stat.c, uptime.c: single_open(); cpuinfo, diskstats: a record each */
	bool single = streq(name, "meminfo") || streq(name, "stat") || streq(name, "uptime");

	/* the views take only slow-moving lines from these (cpuinfo: model, flags, MHz; meminfo:
	 * the host-wide lines; stat: intr, ctxt, btime, processes): a copy up to HOST_TEXT_AGE_NS
	 * (cpuinfo: HOST_CPUINFO_AGE_NS) old serves them; the per-container numbers come from
	 * the cgroup files, read afresh every time */
	uint64_t age = streq(name, "cpuinfo") ? HOST_CPUINFO_AGE_NS : HOST_TEXT_AGE_NS;

	return fdcache_read_aged(env->fdcache, env->proc_fd, name, false,
				 single ? FDCACHE_SINGLE_RECORD : FDCACHE_MULTI_RECORD,
				 HOST_FILE_MAX, age, ret_text, NULL);
}

static int read_u64(const struct cg_hierarchy *h, const char *path, const char *name, uint64_t *ret)
{
	_cleanup_free_ char *text = NULL;
	int r = cg_read(h, path, name, &text);

	if (r < 0)
		return r;
	return cg_parse_limit(text, ret);
}

int load_meminfo(const struct reader_env *env, struct reader *rd, bool swap_disabled,
		 struct meminfo_inputs *ret, char **ret_host)
{
	_cleanup_free_ char *path = NULL, *stat_text = NULL, *host = NULL;
	const struct cg_hierarchy *h;
	struct meminfo_inputs in = {};
	int r;

	r = reader_cgroup(env, rd, "memory", &h, &path);
	if (r < 0)
		return r;
	if (streq(path, "/"))
		return -ENOENT;	/* the root cgroup is the whole machine: the host's file is right */
	in.version = h->version;
	r = cg_read(h, path, "memory.stat", &stat_text);
	if (r < 0)
		return r;
	r = memstat_parse(stat_text, h->version, &in.stat);
	if (r < 0)
		return r;

	if (h->version == CG_V1) {
		/* memory.stat's hierarchical_* keys already hold the minimum over the ancestors */
		if (in.stat.has_hierarchical_memory_limit)
			in.limit = in.stat.hierarchical_memory_limit;
		else {
			r = cg_read_limit_min(h, path, "memory.limit_in_bytes", &in.limit);
			if (r < 0)
				return r;
		}
		r = read_u64(h, path, "memory.usage_in_bytes", &in.usage);
		if (r < 0)
			return r;
		if (!swap_disabled && in.stat.has_swap && in.stat.has_hierarchical_memsw_limit) {
			in.swap_wanted = true;
			in.swap_limit = in.stat.hierarchical_memsw_limit;
			/* swap in use, from the same snapshot as the other counters: subtracting
			 * usage_in_bytes from memsw.usage_in_bytes races and invents swap */
			in.swap_usage = in.stat.swap;
			_cleanup_free_ char *sw = NULL;

			/* a tunable, not a limit: a change shows within CG_TUNABLE_AGE_NS */
			if (cg_read_aged(h, path, "memory.swappiness", CG_TUNABLE_AGE_NS, &sw) == 0 &&
			    cg_parse_limit(sw, &in.swappiness) == 0)
				in.has_swappiness = true;
		}
	} else {
		r = cg_read_limit_min(h, path, "memory.max", &in.limit);
		if (r < 0)
			return r;
		r = read_u64(h, path, "memory.current", &in.usage);
		if (r < 0)
			return r;
		if (!swap_disabled && read_u64(h, path, "memory.swap.current", &in.swap_usage) == 0 &&
		    cg_read_limit_min(h, path, "memory.swap.max", &in.swap_limit) == 0)
			in.swap_wanted = true;
	}
	r = host_proc_read(env, "meminfo", &host);
	if (r < 0)
		return r;
	in.host_meminfo = host;
	*ret = in;
	*ret_host = TAKE_PTR(host);
	return 0;
}

int load_cpuset(const struct reader_env *env, struct reader *rd, struct cpuset *ret)
{
	static const char *const names_v1[] = { "cpuset.effective_cpus", "cpuset.cpus" };
	static const char *const names_v2[] = { "cpuset.cpus.effective", "cpuset.cpus" };
	_cleanup_free_ char *path = NULL;
	const struct cg_hierarchy *h;
	int r;

	r = reader_cgroup(env, rd, "cpuset", &h, &path);
	if (r < 0)
		return r;
	for (int depth = 0; depth < 1000; depth++) {
		const char *const *names = h->version == CG_V1 ? names_v1 : names_v2;

		for (int i = 0; i < 2; i++) {
			_cleanup_free_ char *text = NULL;
			struct cpuset set;

			r = cg_read(h, path, names[i], &text);
			if (r == -ENOENT)
				continue;
			if (r < 0)
				return r;
			r = cpuset_parse(text, &set);
			if (r < 0)
				return r;
			if (!cpuset_is_empty(&set)) {
				*ret = set;
				return 0;
			}
		}
		if (!cg_path_parent(path))
			break;
	}
	return -ENOENT;
}

int load_cpu_quota(const struct reader_env *env, struct reader *rd, uint64_t *ret_quota_us,
		   uint64_t *ret_period_us)
{
	_cleanup_free_ char *path = NULL;
	uint64_t best_q = CG_LIMIT_MAX, best_p = 0;
	const struct cg_hierarchy *h;
	int r;

	r = reader_cgroup(env, rd, "cpu", &h, &path);
	if (r < 0)
		return r;
	for (int depth = 0; depth < 1000 && !streq(path, "/"); depth++) {
		uint64_t q = CG_LIMIT_MAX, p = 0;

		if (h->version == CG_V1) {
			_cleanup_free_ char *qt = NULL;
			int64_t qs;

			r = cg_read(h, path, "cpu.cfs_quota_us", &qt);
			if (r >= 0 && safe_atoi64(qt, &qs) == 0 && qs > 0 &&
			    read_u64(h, path, "cpu.cfs_period_us", &p) == 0)
				q = (uint64_t) qs;
		} else {
			_cleanup_free_ char *t = NULL;

			if (cg_read(h, path, "cpu.max", &t) == 0 && cg_parse_cpu_max(t, &q, &p) < 0)
				q = CG_LIMIT_MAX;
		}
		/* q/p < best_q/best_p, compared without division */
		if (q != CG_LIMIT_MAX && p > 0 &&
		    (best_q == CG_LIMIT_MAX ||
		     (unsigned __int128) q * best_p < (unsigned __int128) best_q * p)) {
			best_q = q;
			best_p = p;
		}
		if (!cg_path_parent(path))
			break;
	}
	*ret_quota_us = best_q;
	*ret_period_us = best_p;
	return 0;
}

int load_cpuacct(const struct reader_env *env, struct reader *rd, size_t n_max,
		 struct cpuacct_usage **ret, size_t *ret_n)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	_cleanup_free_ struct cpuacct_usage *u = NULL;
	const struct cg_hierarchy *h;
	bool percpu = false;
	size_t n;
	int r;

	r = reader_cgroup(env, rd, "cpuacct", &h, &path);
	if (r < 0)
		return r;
	if (h->version != CG_V1)
		return -ENOENT;	/* cgroup2 has no per-CPU usage */
	r = cg_read(h, path, "cpuacct.usage_all", &text);
	if (r == -ENOENT) {
		percpu = true;
		r = cg_read(h, path, "cpuacct.usage_percpu", &text);
	}
	if (r < 0)
		return r;
	u = calloc(n_max, sizeof(*u));
	if (!u)
		return -ENOMEM;
	r = cpuacct_parse(text, percpu, u, n_max, &n);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(u);
	*ret_n = n;
	return 0;
}

int load_uptime(const struct reader_env *env, struct reader *rd, uint64_t *ret_start_ticks,
		uint64_t *ret_busy_ns)
{
	_cleanup_free_ char *stat = NULL, *path = NULL, *text = NULL;
	const struct cg_hierarchy *h;
	uint64_t start, busy = 0;
	int r;

	start = rd->ref_start;
	if (start == 0) {
		r = proc_read_pid(env, rd->ref, "stat", &stat);
		if (r < 0)
			return r;
		r = proc_stat_starttime(stat, &start);
		if (r < 0)
			return r;
		reader_set_ref_start(env, rd, start);
	}
	if (reader_cgroup(env, rd, "cpuacct", &h, &path) == 0 && h->version == CG_V1) {
		if (cg_read(h, path, "cpuacct.usage", &text) == 0 && safe_atou64(text, &busy) < 0)
			busy = 0;
	} else if ((free(path), path = NULL, reader_cgroup(env, rd, "cpu", &h, &path) == 0) &&
		   h->version == CG_V2) {
		uint64_t usec;

		if (cg_read(h, path, "cpu.stat", &text) == 0 && cg_keyed_get(text, "usage_usec", &usec) == 0)
			busy = usec * 1000;
	}
	*ret_start_ticks = start;
	*ret_busy_ns = busy;
	return 0;
}
