/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure meminfo/swaps renderer: no I/O, no clocks, no globals. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cleanup.h"
#include "meminfo.h"
#include "parse-util.h"
#include "proc.h"

#define KB(x) ((x) / 1024)

void meminfo_swap_kb(const struct meminfo_inputs *in, uint64_t host_swap_kb, uint64_t *ret_total,
		     uint64_t *ret_used)
{
	uint64_t total, used;

	if (!in->swap_wanted || host_swap_kb == 0) {
		*ret_total = *ret_used = 0;
		return;
	}
	used = KB(in->swap_usage);
	/* v2 memory.swap.max limits swap alone. v1 memsw limits RAM+swap together: the kernel
	 * may swap any page, so the device the container can fill is the memsw limit itself
	 * (LXCFS's documented rule). Either way the limit is the device size. */
	total = in->swap_limit == CG_LIMIT_MAX ? UINT64_MAX : KB(in->swap_limit);
	if (in->has_swappiness && in->swappiness == 0)
		total = used;	/* no new swapping: show only what is already out */
	total = MIN(total, host_swap_kb);
	*ret_total = total;
	*ret_used = MIN(used, total);
}

struct mi_line {
	const char *label;	/* without the colon */
	uint64_t kb;
};

static int put_kb(struct strbuf *out, const char *label, uint64_t kb)
{
	char l[64];
	int n = snprintf(l, sizeof(l), "%s:", label);

	if (n < 0 || (size_t) n >= sizeof(l))
		return -EINVAL;
	return strbuf_appendf(out, "%-16s%8" PRIu64 " kB\n", l, kb);
}

int meminfo_render(const struct meminfo_inputs *in, struct strbuf *out)
{
	const struct memstat *st = &in->stat;
	uint64_t host_total, host_swap = 0, lim, use, free_kb, avail, swap_total, swap_used;
	int r;

	r = meminfo_get_kb(in->host_meminfo, "MemTotal", &host_total);
	if (r < 0)
		return -EBADMSG;
	(void) meminfo_get_kb(in->host_meminfo, "SwapTotal", &host_swap);

	lim = in->limit == CG_LIMIT_MAX ? UINT64_MAX : KB(in->limit);
	if (lim == 0)
		lim = host_total;	/* a 0 limit means "unset" (LXCFS compatible) */
	lim = MIN(lim, host_total);
	use = KB(in->usage);
	free_kb = sub_sat(lim, use);
	/* file LRU and reclaimable slab can be dropped; shmem/tmpfs lives on the anon LRU and
	 * is not counted here */
	avail = MIN(add_sat(free_kb, KB(st->active_file + st->inactive_file + st->slab_reclaimable)), lim);
	meminfo_swap_kb(in, host_swap, &swap_total, &swap_used);

	const struct mi_line lines[] = {
		{ "MemTotal", lim },
		{ "MemFree", free_kb },
		{ "MemAvailable", avail },
		{ "Buffers", 0 },
		{ "Cached", MIN(KB(st->cache), lim) },
		{ "SwapCached", 0 },
		{ "Active", KB(st->active_anon + st->active_file) },
		{ "Inactive", KB(st->inactive_anon + st->inactive_file) },
		{ "Active(anon)", KB(st->active_anon) },
		{ "Inactive(anon)", KB(st->inactive_anon) },
		{ "Active(file)", KB(st->active_file) },
		{ "Inactive(file)", KB(st->inactive_file) },
		{ "Unevictable", KB(st->unevictable) },
		{ "SwapTotal", swap_total },
		{ "SwapFree", sub_sat(swap_total, swap_used) },
		{ "Zswap", KB(st->zswap) },
		{ "Zswapped", KB(st->zswapped) },
		{ "Dirty", KB(st->dirty) },
		{ "Writeback", KB(st->writeback) },
		{ "AnonPages", KB(sub_sat(st->active_anon + st->inactive_anon, st->shmem)) },
		{ "Mapped", KB(st->mapped) },
		{ "Shmem", KB(st->shmem) },
		{ "Slab", KB(st->slab) },
		{ "SReclaimable", KB(st->slab_reclaimable) },
		{ "SUnreclaim", KB(st->slab_unreclaimable) },
		/* the cgroup's reclaimable kernel memory it can see is its reclaimable slab */
		{ "KReclaimable", KB(st->slab_reclaimable) },
		{ "AnonHugePages", KB(st->rss_huge) },
		{ "ShmemHugePages", 0 },
		{ "ShmemPmdMapped", 0 },
	};

	for (const char *l = in->host_meminfo; l && *l; l = next_line(l)) {
		const char *colon = strchr(l, ':'), *eol = strchrnul(l, '\n');
		bool replaced = false;

		if (colon && colon < eol) {
			size_t n = (size_t) (colon - l);

			for (size_t i = 0; i < ELEMENTSOF(lines); i++)
				if (strlen(lines[i].label) == n && strncmp(lines[i].label, l, n) == 0) {
					r = put_kb(out, lines[i].label, lines[i].kb);
					if (r < 0)
						return r;
					replaced = true;
					break;
				}
		}
		if (!replaced) {
			r = strbuf_append(out, l, (size_t) (eol - l));
			if (r < 0)
				return r;
			r = strbuf_append(out, "\n", 1);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int swaps_render(const struct meminfo_inputs *in, struct strbuf *out)
{
	uint64_t host_swap = 0, total, used;
	int r;

	(void) meminfo_get_kb(in->host_meminfo, "SwapTotal", &host_swap);
	meminfo_swap_kb(in, host_swap, &total, &used);
	r = strbuf_appends(out, "Filename\t\t\t\tType\t\tSize\tUsed\tPriority\n");
	if (r < 0 || total == 0)
		return r;
	return strbuf_appendf(out, "%-40s%s\t\t%" PRIu64 "\t%" PRIu64 "\t0\n", "none", "virtual",
			      total, used);
}
