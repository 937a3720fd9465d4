/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of lxcfs/parse: cgroup files, cpu lists, memory.stat, procfs text.
 * Fed raw kernel text from tests/fixtures (captured on kernel 6.18 unless a README says so). */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-file.h"
#include "check-main.h"
#include "cleanup.h"
#include "cpuset.h"
#include "fixture.h"
#include "memstat.h"
#include "proc.h"

/* the cases of LXCFS's tests/cpusetrange.c, restated */
static const struct {
	const char *list;
	unsigned cpu;
	bool in;
} cpuset_cases[] = {
	{ "1,2", 1, true }, { "1,2", 2, true }, { "1,2", 4, false },
	{ "1-3,5", 1, true }, { "1-3,5", 4, false }, { "1-3,5", 5, true },
	{ "1,4-5", 1, true }, { "1,4-5", 5, true }, { "1,4-5", 6, false },
	{ "", 6, false }, { "\n", 6, false }, { "0-1\n", 1, true },
};

START_TEST(cpuset_membership)
{
	struct cpuset s;

	ck_assert_int_eq(cpuset_parse(cpuset_cases[_i].list, &s), 0);
	ck_assert(cpuset_contains(&s, cpuset_cases[_i].cpu) == cpuset_cases[_i].in);
}
END_TEST

START_TEST(cpuset_format_and_errors)
{
	_cleanup_(strbuf_done) struct strbuf sb = STRBUF_INIT(4096);
	struct cpuset s, t, d;

	ck_assert_int_eq(cpuset_parse("0-3,5,7-8\n", &s), 0);
	ck_assert_uint_eq(cpuset_count(&s), 7);
	ck_assert_int_eq(cpuset_format(&s, &sb), 0);
	ck_assert_str_eq(sb.buf, "0-3,5,7-8");
	ck_assert_int_eq(cpuset_parse("3-1", &t), -EINVAL);
	ck_assert_int_eq(cpuset_parse("1,,2", &t), -EINVAL);
	ck_assert_int_eq(cpuset_parse("a", &t), -EINVAL);
	ck_assert_int_eq(cpuset_parse("99999", &t), -ERANGE);
	ck_assert_int_eq(cpuset_parse("0-1", &t), 0);
	cpuset_subtract(&s, &t, &d);
	strbuf_reset(&sb);
	ck_assert_int_eq(cpuset_format(&d, &sb), 0);
	ck_assert_str_eq(sb.buf, "2-3,5,7-8");
}
END_TEST

START_TEST(cgroup_values)
{
	uint64_t v = 7, q, p;

	ck_assert_int_eq(cg_parse_limit("max\n", &v), 0);
	ck_assert(v == CG_LIMIT_MAX);
	ck_assert_int_eq(cg_parse_limit("268435456\n", &v), 0);
	ck_assert_uint_eq(v, 268435456);
	ck_assert_int_eq(cg_parse_limit("\n", &v), -ENODATA);
	ck_assert_int_eq(cg_parse_limit("maxi", &v), -EINVAL);
	ck_assert_uint_eq(v, 268435456);
	ck_assert_int_eq(cg_parse_cpu_max("max 100000\n", &q, &p), 0);
	ck_assert(q == CG_LIMIT_MAX);
	ck_assert_uint_eq(p, 100000);
	ck_assert_int_eq(cg_parse_cpu_max("50000 100000\n", &q, &p), 0);
	ck_assert_uint_eq(q, 50000);
	ck_assert_int_eq(cg_parse_cpu_max("50000 0\n", &q, &p), -EINVAL);
	ck_assert_int_eq(cg_parse_cpu_max("50000\n", &q, &p), -EINVAL);
	/* exact keys: "file" must not match "file_mapped" and vice versa */
	ck_assert_int_eq(cg_keyed_get("file_mapped 5\nfile 7\n", "file", &v), 0);
	ck_assert_uint_eq(v, 7);
	ck_assert_int_eq(cg_keyed_get("file 7\n", "file_mapped", &v), -ENOENT);
	ck_assert_int_eq(cg_keyed_get("usage_usec x\n", "usage_usec", &v), -EBADMSG);
}
END_TEST

START_TEST(memstat_v1_capture)
{
	_cleanup_free_ char *t = NULL;
	struct memstat st;

	ck_assert_int_eq(fixture_read("meminfo/v1-limit-256m-memsw-384m", "memory.stat", &t), 0);
	ck_assert_int_eq(memstat_parse(t, CG_V1, &st), 0);
	ck_assert(st.has_hierarchical_memory_limit);
	ck_assert_uint_eq(st.hierarchical_memory_limit, 268435456);
	ck_assert_uint_eq(st.hierarchical_memsw_limit, 402653184);
	ck_assert(st.has_swap);
	ck_assert_uint_eq(st.cache, 21385216);		/* total_cache, not cache */
	ck_assert_uint_gt(st.active_anon + st.inactive_anon, 30u << 20);
}
END_TEST

START_TEST(memstat_v2_exact_keys)
{
	_cleanup_free_ char *t = NULL;
	struct memstat st, untouched = { .cache = 1 };

	ck_assert_int_eq(fixture_read("meminfo/v2-doc-keys", "memory.stat", &t), 0);
	ck_assert_int_eq(memstat_parse(t, CG_V2, &st), 0);
	ck_assert_uint_eq(st.cache, 209715200);
	ck_assert_uint_eq(st.mapped, 20971520);	/* LXCFS lost this to the "file" prefix */
	ck_assert_uint_eq(st.rss_huge, 2097152);
	ck_assert_uint_eq(st.slab_reclaimable, 3145728);
	ck_assert_uint_eq(st.zswapped, 4194304);
	ck_assert(!st.has_swap);
	ck_assert_int_eq(memstat_parse("anon 1\nfile x\n", CG_V2, &untouched), -EBADMSG);
	ck_assert_uint_eq(untouched.cache, 1);
	ck_assert_int_eq(memstat_parse("total_rss_huge 4096\ntotal_rss 8192\n", CG_V1, &st), 0);
	ck_assert_uint_eq(st.rss_huge, 4096);		/* not swallowed by total_rss */
}
END_TEST

START_TEST(proc_cgroup_paths)
{
	_cleanup_free_ char *t = NULL, *p1 = NULL, *p2 = NULL, *p3 = NULL, *p4 = NULL;
	char *p = NULL;

	ck_assert_int_eq(fixture_read("proc", "pid-cgroup-hybrid", &t), 0);
	ck_assert_int_eq(proc_cgroup_find(t, "memory", &p1), 0);
	ck_assert_str_eq(p1, "/lxkit-fix-1186");
	ck_assert_int_eq(proc_cgroup_find(t, "name=systemd", &p2), 0);
	ck_assert_str_eq(p2, "/");
	ck_assert_int_eq(proc_cgroup_find(t, NULL, &p3), 0);
	ck_assert_str_eq(p3, "/");
	ck_assert_int_eq(proc_cgroup_find(t, "mem", &p), -ENOENT);
	ck_assert_int_eq(proc_cgroup_find("4:cpu,cpuacct:/lxc.payload.c1/init.scope\n", "cpuacct", &p4), 0);
	ck_assert_str_eq(p4, "/lxc.payload.c1");
	free(p4);
	ck_assert_int_eq(proc_cgroup_find("0::/init.scope\n", NULL, &p4), 0);
	ck_assert_str_eq(p4, "/");
	/* a cgroup name with a newline must not smuggle in a second line for a controller */
	ck_assert_int_eq(proc_cgroup_find("8:pids:/a\n4:memory:/\n4:memory:/c1\n", "memory", &p), -ENOTUNIQ);
	ck_assert_int_eq(proc_cgroup_find("garbage\n", "memory", &p), -EBADMSG);
	ck_assert_ptr_null(p);
}
END_TEST

START_TEST(proc_pid_files)
{
	_cleanup_free_ char *st = NULL, *status = NULL;
	pid_t ppid, last;
	unsigned levels;
	uint64_t start;

	ck_assert_int_eq(fixture_read("proc", "pid-stat", &st), 0);
	ck_assert_int_eq(proc_stat_starttime(st, &start), 0);
	ck_assert_uint_gt(start, 0);
	ck_assert_int_eq(proc_stat_starttime("1 (a) b) S 0 1 1 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 777 0 0\n",
					     &start), 0);
	ck_assert_uint_eq(start, 777);
	ck_assert_int_eq(proc_stat_starttime("1 (x) S 0\n", &start), -EBADMSG);
	ck_assert_int_eq(fixture_read("proc", "pid-status", &status), 0);
	ck_assert_int_eq(proc_status_parse(status, &ppid, &last, &levels), 0);
	ck_assert_uint_eq(levels, 1);
	ck_assert_int_gt(last, 1);
	ck_assert_int_eq(proc_status_parse("PPid:\t10\nNSpid:\t4242\t17\t1\n", &ppid, &last, &levels), 0);
	ck_assert_int_eq(ppid, 10);
	ck_assert_int_eq(last, 1);
	ck_assert_uint_eq(levels, 3);
	ck_assert_int_eq(proc_status_parse("PPid:\t10\n", &ppid, &last, &levels), -EBADMSG);
}
END_TEST

START_TEST(proc_meminfo_and_stat)
{
	_cleanup_free_ char *mi = NULL, *st = NULL;
	uint64_t kb, f[PROCSTAT_FIELDS];
	unsigned cpu;

	ck_assert_int_eq(fixture_read("proc", "meminfo-6.18-24g-noswap", &mi), 0);
	ck_assert_int_eq(meminfo_get_kb(mi, "MemTotal", &kb), 0);
	ck_assert_uint_gt(kb, 20u << 20);
	ck_assert_int_eq(meminfo_get_kb(mi, "SwapTotal", &kb), 0);
	ck_assert_uint_eq(kb, 0);
	ck_assert_int_eq(meminfo_get_kb(mi, "Mem", &kb), -ENOENT);
	ck_assert_int_eq(fixture_read("proc", "stat-2cpu", &st), 0);
	ck_assert_int_eq(procstat_parse_cpu_line(st, &cpu, f), 0);	/* the aggregate line */
	ck_assert_int_eq(procstat_parse_cpu_line(strchr(st, '\n') + 1, &cpu, f), 1);
	ck_assert_uint_eq(cpu, 0);
	ck_assert_int_eq(procstat_parse_cpu_line("cpu3 1 2 3 4\n", &cpu, f), 1);
	ck_assert_uint_eq(cpu, 3);
	ck_assert_uint_eq(f[3], 4);
	ck_assert_uint_eq(f[9], 0);
	ck_assert_int_eq(procstat_parse_cpu_line("cpu3 1 x\n", &cpu, f), -EBADMSG);
}
END_TEST

START_TEST(cpuacct_files)
{
	_cleanup_free_ char *all = NULL, *percpu = NULL;
	struct cpuacct_usage u[4];
	size_t n;

	ck_assert_int_eq(fixture_read("cpuacct", "usage_all-2cpu", &all), 0);
	ck_assert_int_eq(cpuacct_parse(all, false, u, 4, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(u[0].user_ns, 252000000);
	ck_assert_uint_eq(u[0].system_ns, 328000000);
	ck_assert_int_eq(cpuacct_parse(all, false, u, 1, &n), -ERANGE);
	ck_assert_int_eq(fixture_read("cpuacct", "usage_percpu-2cpu", &percpu), 0);
	ck_assert_int_eq(cpuacct_parse(percpu, true, u, 4, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(u[1].system_ns, 0);	/* not double counted as system time */
	ck_assert_int_eq(cpuacct_parse("cpu user\n0 1\n", false, u, 4, &n), -EBADMSG);
}
END_TEST

START_TEST(mountinfo_hybrid)
{
	_cleanup_free_ char *t = NULL;
	struct cgroup_mount *m = NULL;
	size_t n = 0, v2 = 0;
	bool cpu = false, systemd = false;

	ck_assert_int_eq(fixture_read("proc", "mountinfo-hybrid", &t), 0);
	ck_assert_int_eq(mountinfo_parse_cgroups(t, &m, &n), 0);
	ck_assert_uint_eq(n, 10);
	for (size_t i = 0; i < n; i++) {
		if (m[i].unified) {
			v2++;
			ck_assert_str_eq(m[i].mountpoint, "/sys/fs/cgroup/unified");
		} else if (strcmp(m[i].controllers, "cpu") == 0)
			cpu = strcmp(m[i].mountpoint, "/sys/fs/cgroup/cpu") == 0;
		else if (strcmp(m[i].controllers, "name=systemd") == 0)
			systemd = true;
	}
	ck_assert_uint_eq(v2, 1);
	ck_assert(cpu && systemd);
	cgroup_mounts_free(m, n);
	ck_assert_int_eq(mountinfo_parse_cgroups(
		"30 1 0:26 / /sys/fs/cgroup/my\\040dir rw - cgroup cgroup rw,xattr,cpu,cpuacct\n", &m, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(m[0].mountpoint, "/sys/fs/cgroup/my dir");
	ck_assert_str_eq(m[0].controllers, "cpu,cpuacct");
	cgroup_mounts_free(m, n);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, cpuset_membership, 0, sizeof(cpuset_cases) / sizeof(cpuset_cases[0]));
	tcase_add_test(tc, cpuset_format_and_errors);
	tcase_add_test(tc, cgroup_values);
	tcase_add_test(tc, memstat_v1_capture);
	tcase_add_test(tc, memstat_v2_exact_keys);
	tcase_add_test(tc, proc_cgroup_paths);
	tcase_add_test(tc, proc_pid_files);
	tcase_add_test(tc, proc_meminfo_and_stat);
	tcase_add_test(tc, cpuacct_files);
	tcase_add_test(tc, mountinfo_hybrid);
	suite_add_tcase(s, tc);
	return check_main(s);
}
