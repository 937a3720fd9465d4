/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by fuzz-memstat.c and fuzz-meminfo.c: renders /proc/meminfo and /proc/swaps for a
 * parsed memory.stat under several limit settings and checks the output. */
#pragma once

#include <errno.h>

#include "cgroup-file.h"
#include "fuzz.h"
#include "meminfo.h"
#include "memstat.h"
#include "proc.h"

/* A short host /proc/meminfo in the kernel's layout (values from tests/fixtures/proc) */
static const char fuzz_host_meminfo[] =
	"MemTotal:       24401432 kB\n"
	"MemFree:        19203468 kB\n"
	"MemAvailable:   22781672 kB\n"
	"Buffers:          212468 kB\n"
	"Cached:          3420320 kB\n"
	"SwapCached:            0 kB\n"
	"Active:          2401740 kB\n"
	"Inactive:        1998496 kB\n"
	"Active(anon):     829612 kB\n"
	"Inactive(anon):        0 kB\n"
	"Active(file):    1572128 kB\n"
	"Inactive(file):  1998496 kB\n"
	"Unevictable:        3072 kB\n"
	"SwapTotal:       1048572 kB\n"
	"SwapFree:        1048572 kB\n"
	"Dirty:               256 kB\n"
	"Shmem:             20508 kB\n"
	"Slab:             305376 kB\n"
	"SReclaimable:     198176 kB\n"
	"SUnreclaim:       107200 kB\n"
	"AnonHugePages:         0 kB\n";

/* Checks that a rendered meminfo is self-consistent (free never above total) and never shows
 * more memory or swap than the host has. */
static inline void fuzz_meminfo_check(const char *host, const char *out)
{
	uint64_t total, free_kb, host_kb;

	if (meminfo_get_kb(host, "MemTotal", &host_kb) == 0 &&
	    meminfo_get_kb(out, "MemTotal", &total) == 0)
		FUZZ_ASSERT(total <= host_kb);
	if (meminfo_get_kb(host, "SwapTotal", &host_kb) == 0 &&
	    meminfo_get_kb(out, "SwapTotal", &total) == 0)
		FUZZ_ASSERT(total <= host_kb);

	if (meminfo_get_kb(out, "MemTotal", &total) == 0 &&
	    meminfo_get_kb(out, "MemFree", &free_kb) == 0)
		FUZZ_ASSERT(free_kb <= total);
	if (meminfo_get_kb(out, "MemTotal", &total) == 0 &&
	    meminfo_get_kb(out, "MemAvailable", &free_kb) == 0)
		FUZZ_ASSERT(free_kb <= total);
	if (meminfo_get_kb(out, "SwapTotal", &total) == 0 &&
	    meminfo_get_kb(out, "SwapFree", &free_kb) == 0)
		FUZZ_ASSERT(free_kb <= total);
}

static inline void fuzz_meminfo_render_all(const char *host, int version, const struct memstat *st)
{
	static const struct {
		uint64_t limit, usage, swap_limit, swap_usage, swappiness;
		bool swap_wanted, has_swappiness;
	} cfg[] = {
		{ 256u << 20, 300u << 20, 384u << 20, 10u << 20, 60, true, true },
		{ CG_LIMIT_MAX, 1u << 30, CG_LIMIT_MAX, 0, 0, true, true },
		{ 0, 0, 0, 0, 0, false, false },
		{ 64u << 20, 1u << 20, 32u << 20, UINT64_MAX, 0, true, false },
	};

	for (size_t i = 0; i < sizeof(cfg) / sizeof(cfg[0]); i++) {
		struct meminfo_inputs in = {
			.host_meminfo = host,
			.version = version,
			.limit = cfg[i].limit,
			.usage = cfg[i].usage,
			.stat = *st,
			.swap_wanted = cfg[i].swap_wanted,
			.swap_limit = cfg[i].swap_limit,
			.swap_usage = cfg[i].swap_usage,
			.has_swappiness = cfg[i].has_swappiness,
			.swappiness = cfg[i].swappiness,
		};
		struct strbuf a = STRBUF_INIT(FUZZ_OUTPUT_MAX), b = STRBUF_INIT(FUZZ_OUTPUT_MAX);
		uint64_t total, used;
		int r, r2;

		r = meminfo_render(&in, &a);
		fuzz_check_strbuf(&a);
		r2 = meminfo_render(&in, &b);
		FUZZ_ASSERT(r == r2);	/* deterministic */
		if (r == 0) {
			FUZZ_ASSERT(a.len == b.len && (a.len == 0 || memcmp(a.buf, b.buf, a.len) == 0));
			fuzz_meminfo_check(host, a.buf ? a.buf : "");
		}
		strbuf_done(&a);
		strbuf_done(&b);

		r = swaps_render(&in, &a);
		fuzz_check_strbuf(&a);
		strbuf_done(&a);

		meminfo_swap_kb(&in, 1048572, &total, &used);
		FUZZ_ASSERT(used <= total && total <= 1048572);
	}
}
