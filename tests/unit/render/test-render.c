/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of lxcfs/render: golden outputs from raw kernel text in tests/fixtures, loaded
 * through the real parsers. UPDATE_GOLDEN=1 rewrites the expected-* files. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-file.h"
#include "check-main.h"
#include "cleanup.h"
#include "cpu.h"
#include "fixture-meminfo.h"
#include "fixture.h"
#include "meminfo.h"
#include "memstat.h"
#include "parse-util.h"
#include "proc.h"

/* as lxcfs's load_meminfo() decides, from a meminfo fixture case (tests/lib) */
static void load_meminfo_fixture(const char *dir, struct meminfo_inputs *in, char **host)
{
	ck_assert_int_eq(fixture_load_meminfo(dir, in, host), 0);
}

static const char *const meminfo_cases[] = {
	"meminfo/v1-limit-256m-memsw-384m",
	"meminfo/v1-usage-over-limit",
	"meminfo/v1-host-swap-512m",
	"meminfo/v1-swappiness-0-no-host-swap",
	"meminfo/v1-no-limit",
	"meminfo/v2-doc-keys",
	"meminfo/v2-max",
};

static uint64_t field(const char *text, const char *key)
{
	uint64_t v;

	ck_assert_int_eq(meminfo_get_kb(text, key, &v), 0);
	return v;
}

START_TEST(meminfo_golden)
{
	_cleanup_(strbuf_done) struct strbuf out = STRBUF_INIT(1 << 20), sw = STRBUF_INIT(1 << 20);
	_cleanup_free_ char *host = NULL;
	struct meminfo_inputs in;
	uint64_t total, mfree, avail, host_total;

	load_meminfo_fixture(meminfo_cases[_i], &in, &host);
	ck_assert_int_eq(meminfo_render(&in, &out), 0);
	ck_assert_int_eq(fixture_golden(meminfo_cases[_i], "expected-meminfo", out.buf), 0);
	ck_assert_int_eq(swaps_render(&in, &sw), 0);
	ck_assert_int_eq(fixture_golden(meminfo_cases[_i], "expected-swaps", sw.buf), 0);

	/* invariants that hold for every input */
	total = field(out.buf, "MemTotal");
	mfree = field(out.buf, "MemFree");
	avail = field(out.buf, "MemAvailable");
	host_total = field(host, "MemTotal");
	ck_assert_uint_le(mfree, avail);
	ck_assert_uint_le(avail, total);
	ck_assert_uint_le(total, host_total);
	ck_assert_uint_le(field(out.buf, "SwapFree"), field(out.buf, "SwapTotal"));
	ck_assert_uint_le(field(out.buf, "SwapTotal"), field(host, "SwapTotal"));
	/* every host line is still there, in order */
	ck_assert_uint_eq(strlen(out.buf) > 0, 1);
}
END_TEST

START_TEST(meminfo_values)
{
	_cleanup_(strbuf_done) struct strbuf out = STRBUF_INIT(1 << 20), sw = STRBUF_INIT(1 << 20);
	_cleanup_free_ char *host = NULL, *host2 = NULL, *host3 = NULL, *host4 = NULL;
	struct meminfo_inputs in;

	load_meminfo_fixture("meminfo/v1-limit-256m-memsw-384m", &in, &host);
	ck_assert_int_eq(meminfo_render(&in, &out), 0);
	ck_assert(strncmp(out.buf, "MemTotal:         262144 kB\n", 28) == 0);

	strbuf_reset(&out);
	load_meminfo_fixture("meminfo/v1-usage-over-limit", &in, &host2);
	ck_assert_int_eq(meminfo_render(&in, &out), 0);
	ck_assert_uint_eq(field(out.buf, "MemFree"), 0);	/* clamped, no unsigned wrap */

	strbuf_reset(&out);
	load_meminfo_fixture("meminfo/v1-host-swap-512m", &in, &host3);	/* LX-05 */
	ck_assert_int_eq(meminfo_render(&in, &out), 0);
	ck_assert_uint_eq(field(out.buf, "SwapTotal"), 393216);
	ck_assert_uint_eq(field(out.buf, "SwapFree"), 393216 - 8192);
	ck_assert_int_eq(swaps_render(&in, &sw), 0);
	ck_assert_str_eq(sw.buf, "Filename\t\t\t\tType\t\tSize\tUsed\tPriority\n"
				 "none                                    virtual\t\t393216\t8192\t0\n");

	strbuf_reset(&out);
	strbuf_reset(&sw);
	in.swap_wanted = false;		/* -u / --disable-swap: no swap at all, even with host swap */
	ck_assert_int_eq(meminfo_render(&in, &out), 0);
	ck_assert_uint_eq(field(out.buf, "SwapTotal"), 0);
	ck_assert_uint_eq(field(out.buf, "SwapFree"), 0);
	ck_assert_int_eq(swaps_render(&in, &sw), 0);
	ck_assert_str_eq(sw.buf, "Filename\t\t\t\tType\t\tSize\tUsed\tPriority\n");

	strbuf_reset(&out);
	strbuf_reset(&sw);
	load_meminfo_fixture("meminfo/v1-swappiness-0-no-host-swap", &in, &host4);	/* LX-04 */
	ck_assert_int_eq(meminfo_render(&in, &out), 0);
	ck_assert_uint_eq(field(out.buf, "SwapTotal"), 0);
	ck_assert_int_eq(swaps_render(&in, &sw), 0);
	ck_assert_str_eq(sw.buf, "Filename\t\t\t\tType\t\tSize\tUsed\tPriority\n");
}
END_TEST

START_TEST(meminfo_v2_values)
{
	_cleanup_(strbuf_done) struct strbuf out = STRBUF_INIT(1 << 20);
	_cleanup_free_ char *host = NULL, *host2 = NULL;
	struct meminfo_inputs in;

	load_meminfo_fixture("meminfo/v2-doc-keys", &in, &host);
	ck_assert_int_eq(meminfo_render(&in, &out), 0);
	ck_assert_uint_eq(field(out.buf, "MemTotal"), 524288);
	ck_assert_uint_eq(field(out.buf, "Cached"), 204800);
	ck_assert_uint_eq(field(out.buf, "Mapped"), 20480);
	/* page cache is available, shmem is not: free + file LRU + reclaimable slab */
	ck_assert_uint_eq(field(out.buf, "MemAvailable"), 262144 + (104857600 + 94371840 + 3145728) / 1024);
	strbuf_reset(&out);
	load_meminfo_fixture("meminfo/v2-max", &in, &host2);	/* LX-06 (a) */
	ck_assert_int_eq(meminfo_render(&in, &out), 0);
	ck_assert_uint_eq(field(out.buf, "MemTotal"), field(host2, "MemTotal"));
}
END_TEST

struct cpu_case {
	const char *dir;
	bool cfs;
};

static const struct cpu_case cpu_cases[] = {
	{ "cpu/x86-2cpu-cpuset-1", false },
	{ "cpu/x86-2cpu-cpuset-0-1", false },
	{ "cpu/x86-2cpu-cfs-half", true },
};

START_TEST(cpu_golden)
{
	_cleanup_(strbuf_done) struct strbuf ci = STRBUF_INIT(1 << 20), st = STRBUF_INIT(1 << 20),
					     on = STRBUF_INIT(4096), off = STRBUF_INIT(4096);
	_cleanup_free_ char *cpuinfo = NULL, *stat = NULL, *acct = NULL, *cs = NULL, *pr = NULL,
			    *cmax = NULL;
	_cleanup_free_ struct cpuacct_usage *u = calloc(CPUSET_MAX, sizeof(*u));
	const char *d = cpu_cases[_i].dir;
	struct cpuset set, present, visible;
	uint64_t q = CG_LIMIT_MAX, p = 0;
	unsigned max = 0;
	size_t n;

	ck_assert_int_eq(fixture_read(d, "cpuinfo", &cpuinfo), 0);
	ck_assert_int_eq(fixture_read(d, "stat", &stat), 0);
	ck_assert_int_eq(fixture_read(d, "cpuacct.usage_all", &acct), 0);
	ck_assert_int_eq(fixture_read(d, "cpuset.cpus", &cs), 0);
	ck_assert_int_eq(fixture_read(d, "present", &pr), 0);
	ck_assert_int_eq(cpuset_parse(cs, &set), 0);
	ck_assert_int_eq(cpuset_parse(pr, &present), 0);
	ck_assert_int_eq(cpuacct_parse(acct, false, u, CPUSET_MAX, &n), 0);
	if (cpu_cases[_i].cfs) {
		ck_assert_int_eq(fixture_read(d, "cpu.max", &cmax), 0);
		ck_assert_int_eq(cg_parse_cpu_max(cmax, &q, &p), 0);
		max = cpuview_max_cpus(q, p, cpuset_count(&set), 2);
	}
	cpu_visible_set(&set, max, &visible);

	ck_assert_int_eq(cpuinfo_render(cpuinfo, &set, max, &ci), 0);
	ck_assert_int_eq(fixture_golden(d, "expected-cpuinfo", ci.buf), 0);
	struct stat_inputs in = { .host_stat = stat, .cpuset = &set, .usage = u, .n_usage = n,
				  .clk_tck = 100, .max_cpus = max };
	ck_assert_int_eq(stat_render(&in, &st), 0);
	ck_assert_int_eq(fixture_golden(d, "expected-stat", st.buf), 0);
	ck_assert_int_eq(cpu_online_render(&visible, &on), 0);
	ck_assert_int_eq(fixture_golden(d, "expected-online", on.buf), 0);
	ck_assert_int_eq(cpu_offline_render(&present, &visible, &off), 0);
	ck_assert_int_eq(fixture_golden(d, "expected-offline", off.buf), 0);

	/* the counts agree everywhere (LX-07, LX-08) */
	{
		unsigned nproc = 0, ncpu = 0;

		for (const char *l = ci.buf; l && *l; l = next_line(l))
			nproc += startswith(l, "processor") != NULL;
		for (const char *l = st.buf; l && *l; l = next_line(l))
			ncpu += startswith(l, "cpu") && l[3] >= '0' && l[3] <= '9';
		ck_assert_uint_eq(nproc, cpuset_count(&visible));
		ck_assert_uint_eq(ncpu, cpuset_count(&visible));
	}
}
END_TEST

START_TEST(stat_idle_accounting)
{
	_cleanup_(strbuf_done) struct strbuf st = STRBUF_INIT(4096);
	struct cpuacct_usage u[2] = { { 0, 0 }, { 3000000000u, 1000000000u } };
	struct cpuset set;
	struct stat_inputs in = {
		.host_stat = "cpu  1 1 1 1 0 0 0 0 0 0\ncpu0 1 1 1 1 0 0 0 0 0 0\n"
			     "cpu1 500 0 200 1000 10 0 0 0 0 0\nintr 5\nctxt 9\n",
		.cpuset = &set, .usage = u, .n_usage = 2, .clk_tck = 100,
	};

	ck_assert_int_eq(cpuset_parse("1", &set), 0);
	ck_assert_int_eq(stat_render(&in, &st), 0);
	/* cgroup busy 400 ticks of the host's 710: idle = 1000 + 310 */
	ck_assert_str_eq(st.buf, "cpu  300 0 100 1310 0 0 0 0 0 0\n"
				 "cpu1 300 0 100 1310 0 0 0 0 0 0\nintr 5\nctxt 9\n");
	strbuf_reset(&st);
	in.usage = NULL;	/* cgroup v2: no per-CPU usage, host line of that CPU */
	ck_assert_int_eq(stat_render(&in, &st), 0);
	ck_assert_str_eq(st.buf, "cpu  500 0 200 1000 10 0 0 0 0 0\n"
				 "cpu1 500 0 200 1000 10 0 0 0 0 0\nintr 5\nctxt 9\n");
	/* CFS view of 1 CPU over cpuset 0-1: the time on the hidden cpu1 is not lost */
	strbuf_reset(&st);
	ck_assert_int_eq(cpuset_parse("0-1", &set), 0);
	in.usage = u;
	in.max_cpus = 1;
	ck_assert_int_eq(stat_render(&in, &st), 0);
	ck_assert_str_eq(st.buf, "cpu  300 0 100 4 0 0 0 0 0 0\n"
				 "cpu0 300 0 100 4 0 0 0 0 0 0\nintr 5\nctxt 9\n");
	in.max_cpus = 0;
	strbuf_reset(&st);
	in.host_stat = "cpu  1\ncpu0 x\n";
	ck_assert_int_eq(stat_render(&in, &st), -EBADMSG);
	/* a CPU listed twice (tests/fuzz/corpus/procstat/crash-*): refused, not shown twice */
	strbuf_reset(&st);
	in.host_stat = "cpu  2 0 2 2\ncpu0 1 0 1 1\ncpu0 1 0 1 1\nintr 5\n";
	ck_assert_int_eq(stat_render(&in, &st), -EBADMSG);
	/* sums saturate instead of wrapping */
	strbuf_reset(&st);
	in.usage = NULL;
	in.host_stat = "cpu  1\ncpu0 18446744073709551615 0 0 0\ncpu1 5 0 0 0\n";
	ck_assert_int_eq(stat_render(&in, &st), 0);
	ck_assert_str_eq(st.buf, "cpu  18446744073709551615 0 0 0 0 0 0 0 0 0\n"
				 "cpu0 18446744073709551615 0 0 0 0 0 0 0 0 0\n"
				 "cpu1 5 0 0 0 0 0 0 0 0 0\n");
}
END_TEST

static const struct {
	uint64_t now_ns, start_ticks, busy_ns;
	int r;
	const char *want;
} uptime_cases[] = {
	{ 100000000000ull, 5000, 0, 0, "50.00 50.00\n" },
	{ 100000000000ull, 5000, 20000000000ull, 0, "50.00 30.00\n" },
	{ 100000000000ull, 5000, 90000000000ull, 0, "50.00 50.00\n" },	/* busy > up */
	{ 1010000000ull, 0, 0, 0, "1.01 1.01\n" },
	{ 1000000000ull, 200, 0, -ERANGE, NULL },	/* start in the future: never negative */
};

START_TEST(uptime_table)
{
	_cleanup_(strbuf_done) struct strbuf out = STRBUF_INIT(4096);
	int r = uptime_render(uptime_cases[_i].now_ns, uptime_cases[_i].start_ticks, 100,
			      uptime_cases[_i].busy_ns, &out);

	ck_assert_int_eq(r, uptime_cases[_i].r);
	if (r == 0)
		ck_assert_str_eq(out.buf, uptime_cases[_i].want);
}
END_TEST

/* LX-08: visible CPUs = ceil(quota/period), capped by host CPUs and the cpuset */
static const struct {
	uint64_t quota, period;
	unsigned cpuset, host, want;
} cfs_cases[] = {
	{ 150000, 100000, 2, 2, 2 },
	{ 200000, 100000, 2, 2, 2 },
	{ 50000, 100000, 2, 2, 1 },
	{ 10000, 100000, 2, 2, 1 },
	{ 200000, 100000, 1, 2, 1 },
	{ 800000, 100000, 4, 2, 2 },
	{ CG_LIMIT_MAX, 100000, 2, 2, 2 },
};

START_TEST(cfs_table)
{
	ck_assert_uint_eq(cpuview_max_cpus(cfs_cases[_i].quota, cfs_cases[_i].period,
					   cfs_cases[_i].cpuset, cfs_cases[_i].host),
			  cfs_cases[_i].want);
}
END_TEST

START_TEST(sysfs_cpu_files)
{
	_cleanup_(strbuf_done) struct strbuf out = STRBUF_INIT(4096);
	struct cpuset set, present, vis;

	ck_assert_int_eq(cpuset_parse("0", &set), 0);		/* LX-13 */
	ck_assert_int_eq(cpuset_parse("0-1", &present), 0);
	cpu_visible_set(&set, 0, &vis);
	ck_assert_int_eq(cpu_offline_render(&present, &vis, &out), 0);
	ck_assert_str_eq(out.buf, "1\n");
	strbuf_reset(&out);
	ck_assert_int_eq(cpu_n_online_render(&vis, 1, &out), 0);
	ck_assert_str_eq(out.buf, "0\n");
	strbuf_reset(&out);
	ck_assert_int_eq(cpu_offline_render(&present, &present, &out), 0);
	ck_assert_str_eq(out.buf, "\n");
}
END_TEST

START_TEST(cpu_view_mapping)
{
	struct cpuset set;
	unsigned p = 99;

	ck_assert_int_eq(cpuset_parse("1,3-4", &set), 0);
	ck_assert_int_eq(cpu_view_physical(&set, 0, 3, &p), 0);	/* no cap: names are physical */
	ck_assert_uint_eq(p, 3);
	ck_assert_int_eq(cpu_view_physical(&set, 0, 2, &p), -ENOENT);
	ck_assert_int_eq(cpu_view_physical(&set, 2, 0, &p), 0);	/* cap 2: cpu0 -> 1, cpu1 -> 3 */
	ck_assert_uint_eq(p, 1);
	ck_assert_int_eq(cpu_view_physical(&set, 2, 1, &p), 0);
	ck_assert_uint_eq(p, 3);
	ck_assert_int_eq(cpu_view_physical(&set, 2, 2, &p), -ENOENT);
	ck_assert_uint_eq(p, 3);	/* untouched on error */
}
END_TEST

/* a host cpuinfo listing a CPU twice (tests/fuzz/corpus/cpuinfo/crash-*): its second block is
 * dropped, so the container never sees more processors than its cpuset */
START_TEST(cpuinfo_repeated_cpu)
{
	_cleanup_(strbuf_done) struct strbuf out = STRBUF_INIT(4096);
	struct cpuset set;

	ck_assert_int_eq(cpuset_parse("0-1", &set), 0);
	ck_assert_int_eq(cpuinfo_render("processor\t: 0\na\t: x\n\nprocessor\t: 1\na\t: y\n\n"
					"processor\t: 1\na\t: z\n\n", &set, 0, &out), 0);
	ck_assert_str_eq(out.buf, "processor\t: 0\na\t: x\n\nprocessor\t: 1\na\t: y\n\n");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("render");
	TCase *tc = tcase_create("render");

	tcase_add_loop_test(tc, meminfo_golden, 0, sizeof(meminfo_cases) / sizeof(meminfo_cases[0]));
	tcase_add_test(tc, meminfo_values);
	tcase_add_test(tc, meminfo_v2_values);
	tcase_add_loop_test(tc, cpu_golden, 0, sizeof(cpu_cases) / sizeof(cpu_cases[0]));
	tcase_add_test(tc, stat_idle_accounting);
	tcase_add_loop_test(tc, uptime_table, 0, sizeof(uptime_cases) / sizeof(uptime_cases[0]));
	tcase_add_loop_test(tc, cfs_table, 0, sizeof(cfs_cases) / sizeof(cfs_cases[0]));
	tcase_add_test(tc, sysfs_cpu_files);
	tcase_add_test(tc, cpu_view_mapping);
	tcase_add_test(tc, cpuinfo_repeated_cpu);
	suite_add_tcase(s, tc);
	return check_main(s);
}
