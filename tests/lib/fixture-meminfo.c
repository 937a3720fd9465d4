/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>

#include "cgroup-file.h"
#include "cleanup.h"
#include "fixture-meminfo.h"
#include "fixture.h"
#include "memstat.h"
#include "parse-util.h"

static int read_u64(const char *dir, const char *name, uint64_t *ret)
{
	_cleanup_free_ char *t = NULL;
	int r = fixture_read(dir, name, &t);

	return r < 0 ? r : cg_parse_limit(t, ret);
}

int fixture_load_meminfo(const char *dir, struct meminfo_inputs *ret, char **ret_host)
{
	_cleanup_free_ char *stat = NULL, *swp = NULL, *host = NULL;
	struct meminfo_inputs in = {};
	uint64_t version;
	int r;

	r = read_u64(dir, "version", &version);
	if (r < 0)
		return r;
	in.version = (enum cg_version) version;
	r = fixture_read(dir, "meminfo", &host);
	if (r >= 0)
		r = fixture_read(dir, "memory.stat", &stat);
	if (r >= 0)
		r = memstat_parse(stat, in.version, &in.stat);
	if (r < 0)
		return r;
	if (in.version == CG_V1) {
		in.limit = in.stat.hierarchical_memory_limit;
		r = read_u64(dir, "memory.usage_in_bytes", &in.usage);
		in.swap_wanted = in.stat.has_swap && in.stat.has_hierarchical_memsw_limit;
		in.swap_limit = in.stat.hierarchical_memsw_limit;
		in.swap_usage = in.stat.swap;
		if (r >= 0 && fixture_read(dir, "memory.swappiness", &swp) == 0) {
			in.has_swappiness = true;
			r = safe_atou64(swp, &in.swappiness);
		}
	} else {
		in.swap_wanted = true;
		r = read_u64(dir, "memory.max", &in.limit);
		if (r >= 0)
			r = read_u64(dir, "memory.current", &in.usage);
		if (r >= 0)
			r = read_u64(dir, "memory.swap.max", &in.swap_limit);
		if (r >= 0)
			r = read_u64(dir, "memory.swap.current", &in.swap_usage);
	}
	if (r < 0)
		return r;
	in.host_meminfo = host;
	*ret = in;
	*ret_host = TAKE_PTR(host);
	return 0;
}
