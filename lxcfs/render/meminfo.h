/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure renderers for the container's /proc/meminfo and /proc/swaps
 * (Documentation/filesystems/proc.rst "meminfo"; lxcfs-behaviour.md 4.1, 4.2). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "cgroup-file.h"
#include "memstat.h"
#include "strbuf.h"

struct meminfo_inputs {
	const char *host_meminfo;	/* verbatim host /proc/meminfo, NUL-terminated */
	enum cg_version version;	/* hierarchy of the memory controller */
	uint64_t limit;			/* bytes, minimum over the cgroup and its ancestors;
					 * CG_LIMIT_MAX or 0 = no limit */
	uint64_t usage;			/* bytes: v1 memory.usage_in_bytes, v2 memory.current */
	struct memstat stat;		/* parsed memory.stat of the cgroup */
	bool swap_wanted;		/* swap accounting present and not disabled with -u */
	uint64_t swap_limit;		/* bytes, min over ancestors: v1 memsw limit (RAM+swap),
					 * v2 memory.swap.max (swap only); CG_LIMIT_MAX = none */
	uint64_t swap_usage;		/* bytes of swap in use: v1 memory.stat total_swap,
					 * v2 memory.swap.current */
	bool has_swappiness;
	uint64_t swappiness;		/* v1 memory.swappiness */
};

/* Computes the swap device the container sees, in kB: *ret_total (never above the host's
 * SwapTotal; with swappiness 0 only what is already swapped) and *ret_used (<= total).
 * @host_swap_kb is the host's SwapTotal. */
void meminfo_swap_kb(const struct meminfo_inputs *in, uint64_t host_swap_kb, uint64_t *ret_total,
		     uint64_t *ret_used);

/* Appends the container view of /proc/meminfo to @out: the host file line by line, with the
 * memory and swap lines replaced by cgroup values in the kernel's "%-16s%8llu kB" layout.
 * Deterministic. Returns 0, -EBADMSG when the host text lacks MemTotal, or a strbuf error. */
int meminfo_render(const struct meminfo_inputs *in, struct strbuf *out);

/* Appends the container view of /proc/swaps: the header line and, when the container's
 * SwapTotal is above 0, one "none ... virtual" line with size and used in kB. */
int swaps_render(const struct meminfo_inputs *in, struct strbuf *out);
