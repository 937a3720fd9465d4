/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: single-value and keyed cgroup files (lxcfs/parse/cgroup-file.c): limits
 * (memory.max), cpu.max, keyed lookups (cpu.stat, memory.events). Round trip: a parsed limit or
 * cpu.max printed the way the kernel prints it parses back to the same values. */
#include <inttypes.h>

#include "cgroup-file.h"
#include "fuzz.h"

static const char *const keys[] = { "usage_usec", "nr_throttled", "throttled_usec", "file",
				    "oom_kill", "max", "" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, again[64];
	uint64_t v, q, p;
	int r;

	if (size > FUZZ_INPUT_MAX)
		return 0;
	text = fuzz_text(data, size);

	r = cg_parse_limit(text, &v);
	if (r >= 0) {
		uint64_t w;

		if (v == CG_LIMIT_MAX)
			snprintf(again, sizeof(again), "max\n");
		else
			snprintf(again, sizeof(again), "%" PRIu64 "\n", v);
		FUZZ_ASSERT(cg_parse_limit(again, &w) == 0 && w == v);
	}

	r = cg_parse_cpu_max(text, &q, &p);
	if (r >= 0) {
		uint64_t q2, p2;

		if (q == CG_LIMIT_MAX)
			snprintf(again, sizeof(again), "max %" PRIu64 "\n", p);
		else
			snprintf(again, sizeof(again), "%" PRIu64 " %" PRIu64 "\n", q, p);
		FUZZ_ASSERT(cg_parse_cpu_max(again, &q2, &p2) == 0 && q2 == q && p2 == p);
	}

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		r = cg_keyed_get(text, keys[i], &v);
		FUZZ_ASSERT(r == 0 || r == -ENOENT || r == -EBADMSG || r == -EINVAL || r == -ERANGE);
	}
	free(text);
	return 0;
}
