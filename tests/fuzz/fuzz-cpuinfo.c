/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the /proc/cpuinfo renderer (lxcfs/render/cpu.c cpuinfo_render()) over an
 * arbitrary host cpuinfo. Input: the host text, optionally followed by a NUL and the container's
 * cpuset as a CPU list (default "0,2-3"). Rendered with and without a CFS cap. */
#include "cpu.h"
#include "cpuset.h"
#include "fuzz.h"

/* N of a line the renderer wrote, "processor\t: N\n" or s390's "processor N:...", else -1. A host
 * line is copied only when the renderer did not take it for a processor line, i.e. never in
 * these forms with N of 1 to 9 digits and no leading zero. */
static int processor_number(const char *l)
{
	const char *p = l + strlen("processor"), *q;
	bool s390;
	int64_t k = 0;

	if (strncmp(l, "processor", strlen("processor")) != 0)
		return -1;
	s390 = *p == ' ';
	if (s390)
		p++;
	else if (strncmp(p, "\t: ", 3) == 0)
		p += 3;
	else
		return -1;
	for (q = p; *q >= '0' && *q <= '9' && q - p < 10; q++)	/* 10 digits fit an int64 */
		k = k * 10 + (*q - '0');
	if (q == p || q - p > 9 || (*p == '0' && q - p > 1))
		return -1;
	if (s390 ? *q != ':' : *q != '\n')
		return -1;
	return (int) k;
}

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
		if (r == 0) {
			unsigned n = 0, count = cpuset_count(&set);

			FUZZ_ASSERT(a.len == b.len && (a.len == 0 || memcmp(a.buf, b.buf, a.len) == 0));
			/* never more processors than the container has, renumbered from 0 */
			for (const char *l = a.buf ? a.buf : ""; *l;) {
				int k = processor_number(l);

				if (k >= 0) {
					FUZZ_ASSERT((unsigned) k == n);
					n++;
				}
				l = strchrnul(l, '\n');
				if (*l)
					l++;
			}
			FUZZ_ASSERT(n <= count && (!max_cpus || n <= max_cpus));
		}
		strbuf_done(&a);
		strbuf_done(&b);
	}
	free(part[0]);
	return 0;
}
