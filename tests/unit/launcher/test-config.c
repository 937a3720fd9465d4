/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of launcher/lib/lxcconf.c: controller versions from /proc/cgroups text, subordinate
 * id ranges, and the LXC items for invented v1, v2 and incomplete hosts. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "cleanup.h"
#include "lxcconf.h"
#include "parse-util.h"

/* this machine's layout: everything on v1, hugetlb alone on the unified hierarchy */
static const char hybrid_cgroups[] =
	"#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
	"cpuset\t3\t7\t1\ncpu\t1\t5\t1\ncpuacct\t2\t5\t1\nblkio\t7\t2\t1\nmemory\t4\t25\t1\n"
	"devices\t5\t2\t1\nfreezer\t6\t2\t1\nnet_cls\t0\t2\t1\nhugetlb\t0\t2\t1\npids\t8\t2\t1\n";
static const char pure_v2_cgroups[] =
	"#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
	"cpuset\t0\t7\t1\ncpu\t0\t5\t1\nblkio\t0\t2\t1\nmemory\t0\t25\t1\npids\t0\t2\t1\n";

static const struct {
	const char *cgroups, *unified, *v1, *v2;
	enum lxl_cg_version want;
} version_cases[] = {
	{ hybrid_cgroups, "hugetlb\n", "memory", "memory", LXL_CG_V1 },
	{ hybrid_cgroups, "hugetlb\n", "cpuset", "cpuset", LXL_CG_V1 },
	{ hybrid_cgroups, "hugetlb\n", "hugetlb", "hugetlb", LXL_CG_V2 },
	{ hybrid_cgroups, "hugetlb\n", "net_cls", "net_cls", LXL_CG_MISSING },
	{ hybrid_cgroups, NULL, "hugetlb", "hugetlb", LXL_CG_MISSING },
	{ hybrid_cgroups, "hugetlb\n", "rdma", "rdma", LXL_CG_MISSING },
	{ hybrid_cgroups, "hugetlb\n", "cpu", "cpu", LXL_CG_V1 },	/* not "cpuset" or "cpuacct" */
	{ pure_v2_cgroups, "cpuset cpu io memory pids\n", "blkio", "io", LXL_CG_V2 },
	{ pure_v2_cgroups, "cpuset cpu io memory pids\n", "memory", "memory", LXL_CG_V2 },
	{ pure_v2_cgroups, "cpuset io memory pids\n", "cpu", "cpu", LXL_CG_MISSING },	/* "cpuset" is not "cpu" */
	{ "", "", "memory", "memory", LXL_CG_MISSING },
};

START_TEST(version_table)
{
	ck_assert_int_eq(lxl_cg_version_parse(version_cases[_i].cgroups, version_cases[_i].unified,
					      version_cases[_i].v1, version_cases[_i].v2),
			 version_cases[_i].want);
}
END_TEST

static const struct {
	const char *text, *user;
	int r;
	uint64_t start, count;
} subid_cases[] = {
	{ "root:100000:65536\n", "root", 1, 100000, 65536 },
	{ "alice:1:2\nroot:200000:1000\nroot:1:1\n", "root", 1, 200000, 1000 },
	{ "rootx:1:2\n", "root", 0, 0, 0 },
	{ "", "root", 0, 0, 0 },
	{ "root:100000\n", "root", -EINVAL, 0, 0 },
	{ "root:a:1\n", "root", -EINVAL, 0, 0 },
	{ "root:1:0\n", "root", -EINVAL, 0, 0 },
	{ "root:1:-5\n", "root", -EINVAL, 0, 0 },
	{ "root:1:5", "root", 1, 1, 5 },	/* no final newline */
};

START_TEST(subid_table)
{
	uint64_t s = 42, c = 42;
	int r = lxl_subid_parse(subid_cases[_i].text, subid_cases[_i].user, &s, &c);

	ck_assert_int_eq(r, subid_cases[_i].r);
	ck_assert_uint_eq(s, r == 1 ? subid_cases[_i].start : 42);
	ck_assert_uint_eq(c, r == 1 ? subid_cases[_i].count : 42);
}
END_TEST

static const struct lxl_host host_v1 = {
	.cg = { LXL_CG_V1, LXL_CG_V1, LXL_CG_V1, LXL_CG_V1, LXL_CG_V1 },
	.memsw = true,
	.io_weight_file = "blkio.weight",
	.lxcfs = true,
	.hookdir = "/usr/share/lxcfs",
};
static const struct lxl_host host_v2 = {
	.cg = { LXL_CG_V2, LXL_CG_V2, LXL_CG_V2, LXL_CG_V2, LXL_CG_V2 },
	.io_weight_file = "io.weight",
	.subuid_start = 100000, .subuid_count = 65536,
	.subgid_start = 200000, .subgid_count = 65536,
	.hookdir = "/h",
};
static const struct lxl_host host_bare = {
	.hookdir = "/h",
};

static const struct {
	const struct lxl_host *host;
	const char *kv[16];		/* spec settings: key, value, ..., NULL */
	const char *want[16];		/* items that must be there: key, value, ..., NULL */
	const char *absent[4];		/* keys that must not be there */
	int r;
	const char *msg_part;
} item_cases[] = {
	{ &host_v1, { "memory", "256M", "memory-swap", "512M", "cpus", "1.5", "cpuset", "0",
		      "pids", "100", "io-weight", "10000", NULL },
	  { "lxc.cgroup.memory.limit_in_bytes", "268435456",
	    "lxc.cgroup.memory.memsw.limit_in_bytes", "536870912",
	    "lxc.cgroup.cpu.cfs_quota_us", "150000", "lxc.cgroup.cpu.cfs_period_us", "100000",
	    "lxc.cgroup.cpuset.cpus", "0", "lxc.cgroup.pids.max", "100",
	    "lxc.cgroup.blkio.weight", "1000", NULL },
	  { "lxc.cgroup2.memory.max", NULL }, 0, NULL },
	{ &host_v2, { "memory", "256M", "memory-swap", "512M", "cpus", "0.5", "cpuset", "0-1",
		      "pids", "7", "io-weight", "100", NULL },
	  { "lxc.cgroup2.memory.max", "268435456", "lxc.cgroup2.memory.swap.max", "268435456",
	    "lxc.cgroup2.cpu.max", "50000 100000", "lxc.cgroup2.cpuset.cpus", "0-1",
	    "lxc.cgroup2.pids.max", "7", "lxc.cgroup2.io.weight", "100", NULL },
	  { "lxc.cgroup.memory.limit_in_bytes", "lxc.hook.mount", NULL }, 0, NULL },
	{ &host_v1, { "io-weight", "1", NULL }, { "lxc.cgroup.blkio.weight", "10", NULL }, { NULL }, 0, NULL },
	{ &host_v1, { NULL }, { "lxc.net.0.type", "empty", "lxc.apparmor.profile", "unconfined",
			       "lxc.hook.mount", "/usr/share/lxcfs/lxc.mount.hook", NULL },
	  { "lxc.cgroup.memory.limit_in_bytes", "lxc.idmap", NULL }, 0, NULL },
	{ &host_v1, { "no-lxcfs", "", NULL }, { NULL }, { "lxc.hook.mount", NULL }, 0, NULL },
	{ &host_v1, { "network", "host", NULL }, { "lxc.net.0.type", "none", NULL }, { "lxc.net.0.link", NULL }, 0, NULL },
	{ &host_v1, { "network", "bridge=br0", NULL },
	  { "lxc.net.0.type", "veth", "lxc.net.0.link", "br0", "lxc.net.0.flags", "up", NULL }, { NULL }, 0, NULL },
	{ &host_v2, { "userns", "", NULL }, { "lxc.idmap", "g 0 200000 65536", NULL }, { NULL }, 0, NULL },
	{ &host_v1, { "userns", "", NULL }, { NULL }, { NULL }, -EPERM, "/etc/subuid" },
	{ &host_bare, { "memory", "1G", NULL }, { NULL }, { NULL }, -EOPNOTSUPP, "'memory' cgroup controller" },
	{ &host_bare, { "pids", "5", NULL }, { NULL }, { NULL }, -EOPNOTSUPP, "--pids" },
	{ &host_v2, { "memory", "1G", "memory-swap", "2G", NULL }, { "lxc.cgroup2.memory.swap.max", "1073741824", NULL },
	  { NULL }, 0, NULL },
	{ &host_bare, { "apparmor", "myprofile", NULL }, { NULL }, { NULL }, -EOPNOTSUPP, "no AppArmor" },
	{ &host_bare, { "apparmor", "unconfined", NULL }, { "lxc.apparmor.profile", "unconfined", NULL },
	  { NULL }, 0, NULL },
	{ &host_bare, { "selinux", "system_u:system_r:container_t:s0", NULL }, { NULL }, { NULL },
	  -EOPNOTSUPP, "no SELinux" },
};

START_TEST(items_table)
{
	struct lxl_spec spec;
	struct lxl_error err = {};
	struct lxl_items items = {};
	struct lxl_host host = *item_cases[_i].host;
	int r;

	lxl_spec_init(&spec);
	for (size_t k = 0; item_cases[_i].kv[k]; k += 2)
		ck_assert_int_eq(lxl_spec_set(&spec, item_cases[_i].kv[k], item_cases[_i].kv[k + 1], &err), 0);
	ck_assert_int_eq(lxl_spec_validate(&spec, false, &err), 0);
	if (_i == 0)
		host.memsw = true;
	r = lxl_config_items(&spec, &host, &items, &err);
	ck_assert_msg(r == item_cases[_i].r, "case %d: r=%d (%s)", _i, r, err.msg);
	if (r < 0) {
		ck_assert_msg(strstr(err.msg, item_cases[_i].msg_part), "'%s' lacks '%s'", err.msg,
			      item_cases[_i].msg_part);
	} else {
		for (size_t k = 0; item_cases[_i].want[k]; k += 2) {
			const char *v = lxl_items_get(&items, item_cases[_i].want[k]);

			ck_assert_msg(v, "case %d: no %s", _i, item_cases[_i].want[k]);
			ck_assert_str_eq(v, item_cases[_i].want[k + 1]);
		}
		for (size_t k = 0; item_cases[_i].absent[k]; k++)
			ck_assert_msg(!lxl_items_get(&items, item_cases[_i].absent[k]), "case %d: has %s", _i,
				      item_cases[_i].absent[k]);
	}
	lxl_items_done(&items);
	lxl_spec_done(&spec);
}
END_TEST

START_TEST(v1_period_before_quota)
{
	struct lxl_spec spec;
	struct lxl_items items = {};
	size_t period = 0, quota = 0;

	lxl_spec_init(&spec);
	ck_assert_int_eq(lxl_spec_set(&spec, "cpus", "2", NULL), 0);
	ck_assert_int_eq(lxl_config_items(&spec, &host_v1, &items, NULL), 0);
	for (size_t i = 0; i < items.n; i++) {
		if (streq(items.kv[2 * i], "lxc.cgroup.cpu.cfs_period_us"))
			period = i + 1;
		if (streq(items.kv[2 * i], "lxc.cgroup.cpu.cfs_quota_us"))
			quota = i + 1;
	}
	ck_assert(period && quota && period < quota);
	lxl_items_done(&items);
	lxl_spec_done(&spec);
}
END_TEST

START_TEST(v1_swap_without_accounting)
{
	struct lxl_spec spec;
	struct lxl_items items = {};
	struct lxl_error err = {};
	struct lxl_host h = host_v1;

	h.memsw = false;
	lxl_spec_init(&spec);
	ck_assert_int_eq(lxl_spec_set(&spec, "memory", "1G", NULL), 0);
	ck_assert_int_eq(lxl_spec_set(&spec, "memory-swap", "2G", NULL), 0);
	ck_assert_int_eq(lxl_config_items(&spec, &h, &items, &err), -EOPNOTSUPP);
	ck_assert_ptr_nonnull(strstr(err.msg, "swap accounting"));
	lxl_items_done(&items);
	lxl_spec_done(&spec);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("launcher-config");
	TCase *tc = tcase_create("config");

	tcase_add_loop_test(tc, version_table, 0, ELEMENTSOF(version_cases));
	tcase_add_loop_test(tc, subid_table, 0, ELEMENTSOF(subid_cases));
	tcase_add_loop_test(tc, items_table, 0, ELEMENTSOF(item_cases));
	tcase_add_test(tc, v1_period_before_quota);
	tcase_add_test(tc, v1_swap_without_accounting);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(config_suite());
}
