/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure sysinfo(2) view: no I/O, no clocks, no globals. */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "cleanup.h"
#include "loadavg.h"
#include "parse-util.h"
#include "proc.h"
#include "sysinfo-view.h"

#define NSEC_PER_SEC UINT64_C(1000000000)
#define KB(x) ((x) / 1024)

/* MemTotal, MemFree and Shmem in kB, the same formulas as meminfo_render() (a test renders
 * meminfo from the same inputs and compares, so the two cannot drift apart unnoticed). */
static int mem_kb(const struct meminfo_inputs *m, uint64_t *ret_total, uint64_t *ret_free,
		  uint64_t *ret_shmem, uint64_t *ret_swap_total, uint64_t *ret_swap_free)
{
	uint64_t host_total, host_swap = 0, lim, swap_total, swap_used;

	if (meminfo_get_kb(m->host_meminfo, "MemTotal", &host_total) < 0)
		return -EBADMSG;
	(void) meminfo_get_kb(m->host_meminfo, "SwapTotal", &host_swap);
	lim = m->limit == CG_LIMIT_MAX ? UINT64_MAX : KB(m->limit);
	if (lim == 0)
		lim = host_total;	/* a 0 limit means "unset", as in the renderer */
	lim = MIN(lim, host_total);
	meminfo_swap_kb(m, host_swap, &swap_total, &swap_used);
	*ret_total = lim;
	*ret_free = sub_sat(lim, KB(m->usage));
	*ret_shmem = MIN(KB(m->stat.shmem), lim);
	*ret_swap_total = swap_total;
	*ret_swap_free = sub_sat(swap_total, swap_used);
	return 0;
}

int sysinfo_view_compute(const struct sysinfo_inputs *in, struct sysinfo *ret)
{
	struct sysinfo si = *in->host;
	uint64_t unit = si.mem_unit ? si.mem_unit : 1;
	int r;

	/* the host's memory fields are rescaled to mem_unit 1; x86_64 unsigned long is 64 bit */
	si.totalram *= unit;
	si.freeram *= unit;
	si.sharedram *= unit;
	si.bufferram *= unit;
	si.totalswap *= unit;
	si.freeswap *= unit;
	si.totalhigh *= unit;
	si.freehigh *= unit;
	si.mem_unit = 1;

	if (in->clk_tck > 0) {
		/* ticks -> ns without overflowing: whole seconds and the remainder apart */
		uint64_t start_ns = in->start_ticks / in->clk_tck * NSEC_PER_SEC +
				    in->start_ticks % in->clk_tck * NSEC_PER_SEC / in->clk_tck;

		if (start_ns > in->now_boot_ns)
			return -ERANGE;
		si.uptime = (long) ((in->now_boot_ns - start_ns) / NSEC_PER_SEC);
	}

	if (in->mem) {
		uint64_t total, free_kb, shmem, swap_total, swap_free;

		r = mem_kb(in->mem, &total, &free_kb, &shmem, &swap_total, &swap_free);
		if (r < 0)
			return r;
		si.totalram = total * 1024;
		si.freeram = free_kb * 1024;
		si.sharedram = shmem * 1024;
		si.bufferram = 0;	/* meminfo Buffers: 0 */
		si.totalswap = swap_total * 1024;
		si.freeswap = swap_free * 1024;
		si.totalhigh = si.freehigh = 0;
	}

	if (in->has_loads)
		for (size_t i = 0; i < ELEMENTSOF(si.loads); i++)
			si.loads[i] = in->avenrun[i] << (SYSINFO_LOAD_SHIFT - LOADAVG_FSHIFT);
	if (in->has_procs)
		si.procs = (unsigned short) MIN(in->procs, (uint64_t) USHRT_MAX);

	*ret = si;
	return 0;
}
