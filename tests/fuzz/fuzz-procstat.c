/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: /proc/stat (lxcfs/parse/proc.c procstat_parse_cpu_line(), each line), cpuacct
 * usage files (cpuacct_parse(), both layouts) and the /proc/stat renderer
 * (lxcfs/render/cpu.c stat_render()). Input: the host /proc/stat, optionally followed by a NUL
 * and a cpuacct.usage_all (or usage_percpu) text and another NUL and a CPU list. */
#include "cpu.h"
#include "cpuset.h"
#include "fuzz.h"
#include "proc.h"

#define N_USAGE 64

/* The rendered cpuN lines (the block at the top; the host's lines after its own cpu block are
 * copied as they are): no more than the container's CPUs; with a CFS cap numbered below it */
static void check_cpus(const char *out, const struct cpuset *set, unsigned max_cpus)
{
	unsigned n = 0;

	for (const char *l = out; *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t) (nl - l) : strlen(l);
		char *line = strndup(l, len);
		uint64_t f[PROCSTAT_FIELDS];
		unsigned cpu;

		if (!line)
			abort();
		if (procstat_parse_cpu_line(line, &cpu, f) == 1) {
			n++;
			FUZZ_ASSERT(max_cpus ? cpu < max_cpus : cpuset_contains(set, cpu));
		} else if (l != out) {
			free(line);
			break;
		}
		free(line);
		l += len;
		if (*l)
			l++;
	}
	FUZZ_ASSERT(n <= cpuset_count(set));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cpuacct_usage usage[N_USAGE];
	size_t n_usage = 0;
	struct cpuset set;
	char *part[3];
	int r;

	if (size > FUZZ_INPUT_MAX)
		return 0;
	fuzz_split(data, size, part, 3);

	for (const char *l = part[0]; *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t) (nl - l) : strlen(l);
		char *line = strndup(l, len);
		uint64_t f[PROCSTAT_FIELDS];
		unsigned cpu;

		if (!line)
			abort();
		r = procstat_parse_cpu_line(line, &cpu, f);
		FUZZ_ASSERT(r == 0 || r == 1 || r == -EBADMSG);
		free(line);
		l += len;
		if (*l)
			l++;
	}

	r = cpuacct_parse(part[1], false, usage, N_USAGE, &n_usage);
	FUZZ_ASSERT(r == 0 || r == -EBADMSG || r == -ERANGE || r == -ENOMEM);
	if (r < 0) {
		r = cpuacct_parse(part[1], true, usage, N_USAGE, &n_usage);
		FUZZ_ASSERT(r == 0 || r == -EBADMSG || r == -ERANGE || r == -ENOMEM);
	}
	if (r < 0)
		n_usage = 0;
	FUZZ_ASSERT(n_usage <= N_USAGE);

	if (!*part[2] || cpuset_parse(part[2], &set) < 0)
		FUZZ_ASSERT(cpuset_parse("0-1,3", &set) == 0);

	for (unsigned max_cpus = 0; max_cpus <= 2; max_cpus++) {
		struct stat_inputs in = {
			.host_stat = part[0],
			.cpuset = &set,
			.usage = n_usage ? usage : NULL,
			.n_usage = n_usage,
			.clk_tck = 100,
			.max_cpus = max_cpus,
		};
		struct strbuf a = STRBUF_INIT(FUZZ_OUTPUT_MAX), b = STRBUF_INIT(FUZZ_OUTPUT_MAX);
		int r2;

		r = stat_render(&in, &a);
		fuzz_check_strbuf(&a);
		r2 = stat_render(&in, &b);
		FUZZ_ASSERT(r == r2);
		FUZZ_ASSERT(r == 0 || r == -EBADMSG || r == -EFBIG || r == -ENOMEM || r == -ERANGE);
		if (r == 0) {
			FUZZ_ASSERT(a.len == b.len && (a.len == 0 || memcmp(a.buf, b.buf, a.len) == 0));
			check_cpus(a.buf ? a.buf : "", &set, max_cpus);
		}
		strbuf_done(&a);
		strbuf_done(&b);
	}
	free(part[0]);
	return 0;
}
