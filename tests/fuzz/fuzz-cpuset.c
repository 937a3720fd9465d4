/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: CPU lists (cpuset.cpus, /sys/devices/system/cpu/online; lxcfs/parse/cpuset.c)
 * and the CPU renderers (online, offline, cpuN/online, the --enable-cfs view). Round trip: the
 * canonical form parses back to the same set and is its own canonical form. */
#include "cpu.h"
#include "cpuset.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cpuset set, again, visible, off;
	struct strbuf sb = STRBUF_INIT(FUZZ_OUTPUT_MAX), sb2 = STRBUF_INIT(FUZZ_OUTPUT_MAX);
	unsigned count, max_cpus;
	char *text;
	int r;

	if (size > FUZZ_INPUT_MAX)
		return 0;
	text = fuzz_text(data, size);
	r = cpuset_parse(text, &set);
	FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ERANGE);
	if (r < 0)
		goto out;

	count = cpuset_count(&set);
	FUZZ_ASSERT(cpuset_is_empty(&set) == (count == 0));
	FUZZ_ASSERT(cpuset_format(&set, &sb) == 0);
	fuzz_check_strbuf(&sb);
	FUZZ_ASSERT(cpuset_parse(sb.buf ? sb.buf : "", &again) == 0);
	FUZZ_ASSERT(memcmp(&again, &set, sizeof(set)) == 0);
	FUZZ_ASSERT(cpuset_format(&again, &sb2) == 0);
	FUZZ_ASSERT(sb.len == sb2.len && (sb.len == 0 || memcmp(sb.buf, sb2.buf, sb.len) == 0));
	strbuf_reset(&sb);

	/* the CFS cap: a small number from the input's length (a cap applies to a non-empty
	 * cpuset only: the kernel never gives a cgroup an empty effective cpuset) */
	max_cpus = cpuview_max_cpus(size * 25000, 100000, count, 64);
	FUZZ_ASSERT(max_cpus <= count || count == 0);
	for (unsigned m = 0; m <= (count ? 1 : 0); m++) {
		unsigned cap = m ? max_cpus : 0;

		cpu_visible_set(&set, cap, &visible);
		FUZZ_ASSERT(cpuset_count(&visible) <= count);
		FUZZ_ASSERT(cpu_online_render(&visible, &sb) == 0);
		FUZZ_ASSERT(cpu_offline_render(&set, &visible, &sb) == 0);
		fuzz_check_strbuf(&sb);
		cpuset_subtract(&set, &visible, &off);
		FUZZ_ASSERT(cpuset_count(&off) + cpuset_count(&visible) >= count);
		for (unsigned k = 0; k < 70; k++) {
			unsigned phys;

			FUZZ_ASSERT(cpu_n_online_render(&visible, k, &sb) == 0);
			if (cpu_view_physical(&set, cap, k, &phys) == 0)
				FUZZ_ASSERT(cpuset_contains(&set, phys));
		}
		fuzz_check_strbuf(&sb);
		strbuf_reset(&sb);
	}
out:
	strbuf_done(&sb);
	strbuf_done(&sb2);
	free(text);
	return 0;
}
