/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the /proc/cpuinfo renderer (lxcfs/render/cpu.c cpuinfo_render()) over an
 * arbitrary host cpuinfo. Input: the host text, optionally followed by a NUL and the container's
 * cpuset as a CPU list (default "0,2-3"). Rendered with and without a CFS cap. */
#include "cpu.h"
#include "cpuset.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cpuset set;
	char *part[2];

	if (size > FUZZ_INPUT_MAX)
		return 0;
	fuzz_split(data, size, part, 2);
	if (!*part[1] || cpuset_parse(part[1], &set) < 0)
		FUZZ_ASSERT(cpuset_parse("0,2-3", &set) == 0);
	for (unsigned max_cpus = 0; max_cpus <= 2; max_cpus++) {
		struct strbuf a = STRBUF_INIT(FUZZ_OUTPUT_MAX), b = STRBUF_INIT(FUZZ_OUTPUT_MAX);
		int r = cpuinfo_render(part[0], &set, max_cpus, &a);
		int r2 = cpuinfo_render(part[0], &set, max_cpus, &b);

		fuzz_check_strbuf(&a);
		FUZZ_ASSERT(r == r2);
		if (r == 0)
			FUZZ_ASSERT(a.len == b.len && (a.len == 0 || memcmp(a.buf, b.buf, a.len) == 0));
		strbuf_done(&a);
		strbuf_done(&b);
	}
	free(part[0]);
	return 0;
}
