/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of launcher/lib/spec.c: every parser as a table, outputs untouched on failure,
 * lxl_spec_set() messages naming the bad value, cross-field validation. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "cleanup.h"
#include "spec.h"

static const struct {
	const char *in;
	int r;
	uint64_t v;
} size_cases[] = {
	{ "0", 0, 0 },
	{ "4096", 0, 4096 },
	{ "512k", 0, 512 * 1024 },
	{ "512K", 0, 512 * 1024 },
	{ "256M", 0, 256ULL << 20 },
	{ "256m", 0, 256ULL << 20 },
	{ "1G", 0, 1ULL << 30 },
	{ "2GB", 0, 2ULL << 30 },
	{ "1t", 0, 1ULL << 40 },
	{ "16777215T", 0, 16777215ULL << 40 },
	{ "16777216T", -ERANGE, 0 },
	{ "18446744073709551615", 0, UINT64_MAX },
	{ "18446744073709551616", -ERANGE, 0 },
	{ "-1", -EINVAL, 0 },
	{ "-256M", -EINVAL, 0 },
	{ "+1", -EINVAL, 0 },
	{ "", -EINVAL, 0 },
	{ " 1", -EINVAL, 0 },
	{ "1 ", -EINVAL, 0 },
	{ "1.5G", -EINVAL, 0 },
	{ "256X", -EINVAL, 0 },
	{ "256MM", -EINVAL, 0 },
	{ "256Mb", 0, 256ULL << 20 },
	{ "M", -EINVAL, 0 },
	{ "0x10", -EINVAL, 0 },
};

START_TEST(size_table)
{
	uint64_t v = 4242;
	int r = lxl_parse_size(size_cases[_i].in, &v);

	ck_assert_msg(r == size_cases[_i].r, "'%s': r=%d want %d", size_cases[_i].in, r, size_cases[_i].r);
	ck_assert_uint_eq(v, r == 0 ? size_cases[_i].v : 4242);
}
END_TEST

static const struct {
	const char *in;
	int r;
	uint64_t quota;
} cpus_cases[] = {
	{ "1", 0, 100000 },
	{ "1.5", 0, 150000 },
	{ "0.5", 0, 50000 },
	{ "0.25", 0, 25000 },
	{ "0.001", 0, 100 },
	{ "2.000", 0, 200000 },
	{ "64", 0, 6400000 },
	{ "100000", 0, 10000000000ULL },
	{ "100001", -ERANGE, 0 },
	{ "99999999999999999999999", -ERANGE, 0 },
	{ "0", -EINVAL, 0 },
	{ "0.0", -EINVAL, 0 },
	{ "0.0001", -EINVAL, 0 },
	{ "-1", -EINVAL, 0 },
	{ "-0.5", -EINVAL, 0 },
	{ "", -EINVAL, 0 },
	{ "1.", -EINVAL, 0 },
	{ ".5", -EINVAL, 0 },
	{ "1.5x", -EINVAL, 0 },
	{ "one", -EINVAL, 0 },
	{ "1,5", -EINVAL, 0 },
};

START_TEST(cpus_table)
{
	uint64_t q = 4242;
	int r = lxl_parse_cpus(cpus_cases[_i].in, &q);

	ck_assert_msg(r == cpus_cases[_i].r, "'%s': r=%d want %d", cpus_cases[_i].in, r, cpus_cases[_i].r);
	ck_assert_uint_eq(q, r == 0 ? cpus_cases[_i].quota : 4242);
}
END_TEST

static const struct {
	const char *in;
	int r;
	const char *canon;
} cpuset_cases[] = {
	{ "0", 0, "0" },
	{ "0-1", 0, "0-1" },
	{ "3,0-1", 0, "0-1,3" },
	{ "0,1,2", 0, "0-2" },
	{ "", -EINVAL, NULL },
	{ "a", -EINVAL, NULL },
	{ "1-0", -EINVAL, NULL },
	{ "-1", -EINVAL, NULL },
	{ "99999", -ERANGE, NULL },
};

START_TEST(cpuset_table)
{
	_cleanup_free_ char *c = NULL;
	int r = lxl_parse_cpuset(cpuset_cases[_i].in, &c);

	ck_assert_msg(r == cpuset_cases[_i].r, "'%s': r=%d", cpuset_cases[_i].in, r);
	if (r == 0)
		ck_assert_str_eq(c, cpuset_cases[_i].canon);
	else
		ck_assert_ptr_null(c);
}
END_TEST

static const struct {
	const char *in;
	bool ok;
} name_cases[] = {
	{ "a", true },
	{ "lxkit-test-123-c1", true },
	{ "A.b_c-9", true },
	{ "0abc", true },
	{ "", false },
	{ "-a", false },
	{ ".a", false },
	{ "_a", false },
	{ "a/b", false },
	{ "a b", false },
	{ "..", false },
	{ "caf\xc3\xa9", false },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", true },	/* 64 */
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false },	/* 65 */
};

START_TEST(name_table)
{
	ck_assert_msg(lxl_name_is_valid(name_cases[_i].in) == name_cases[_i].ok, "'%s'", name_cases[_i].in);
}
END_TEST

static const struct {
	const char *in;
	int r;
	enum lxl_network_mode mode;
	const char *bridge;
} net_cases[] = {
	{ "none", 0, LXL_NET_NONE, NULL },
	{ "host", 0, LXL_NET_HOST, NULL },
	{ "bridge=br0", 0, LXL_NET_BRIDGE, "br0" },
	{ "bridge=lxkit-test-br1", 0, LXL_NET_BRIDGE, "lxkit-test-br1" },
	{ "bridge=0123456789abcdef", -EINVAL, 0, NULL },	/* 16 > IFNAMSIZ - 1 */
	{ "bridge=", -EINVAL, 0, NULL },
	{ "bridge=a/b", -EINVAL, 0, NULL },
	{ "bridge=a b", -EINVAL, 0, NULL },
	{ "bridge", -EINVAL, 0, NULL },
	{ "bridge:br0", -EINVAL, 0, NULL },
	{ "Host", -EINVAL, 0, NULL },
	{ "", -EINVAL, 0, NULL },
	{ "veth", -EINVAL, 0, NULL },
};

START_TEST(network_table)
{
	enum lxl_network_mode m = LXL_NET_MAX;
	_cleanup_free_ char *br = (char *) 0x1;	/* must stay untouched on failure */
	int r = lxl_parse_network(net_cases[_i].in, &m, &br);

	ck_assert_msg(r == net_cases[_i].r, "'%s': r=%d", net_cases[_i].in, r);
	if (r == 0) {
		ck_assert_int_eq(m, net_cases[_i].mode);
		if (net_cases[_i].bridge)
			ck_assert_str_eq(br, net_cases[_i].bridge);
		else
			ck_assert_ptr_null(br);
	} else {
		ck_assert_int_eq(m, LXL_NET_MAX);
		ck_assert_ptr_eq(br, (char *) 0x1);
		br = NULL;
	}
}
END_TEST

static const struct {
	const char *in;
	int r;
	const char *joined;	/* names joined with ' ' */
} cap_cases[] = {
	{ "sys_time", 0, "sys_time" },
	{ "SYS_TIME,cap_net_raw", 0, "sys_time net_raw" },
	{ "CAP_SYS_ADMIN", 0, "sys_admin" },
	{ "a,b,c", 0, "a b c" },
	{ "", -EINVAL, NULL },
	{ ",", -EINVAL, NULL },
	{ "sys_time,", -EINVAL, NULL },
	{ "cap_", -EINVAL, NULL },
	{ "sys time", -EINVAL, NULL },
	{ "sys-time", -EINVAL, NULL },
	{ "net_raw1", -EINVAL, NULL },
};

START_TEST(cap_table)
{
	char **l = NULL;
	int r = lxl_parse_cap_list(cap_cases[_i].in, &l);
	char buf[256] = "";

	ck_assert_msg(r == cap_cases[_i].r, "'%s': r=%d", cap_cases[_i].in, r);
	if (r < 0) {
		ck_assert_ptr_null(l);
		return;
	}
	for (char **p = l; *p; p++) {
		if (p != l)
			strcat(buf, " ");
		strcat(buf, *p);
	}
	ck_assert_str_eq(buf, cap_cases[_i].joined);
	lxl_strv_free(l);
}
END_TEST

/* lxl_spec_set(): errno, a message that quotes the bad value, the spec unchanged */
static const struct {
	const char *key, *value;
	int r;
	const char *msg_part;	/* must occur in the message */
} set_bad_cases[] = {
	{ "memory", "256X", -EINVAL, "Invalid --memory value '256X'" },
	{ "memory", "-1", -EINVAL, "'-1'" },
	{ "memory", "1", -EINVAL, "minimum" },
	{ "memory", "99999999999T", -ERANGE, "too large" },
	{ "memory-swap", "lots", -EINVAL, "--memory-swap value 'lots'" },
	{ "cpus", "0", -EINVAL, "Invalid --cpus value '0'" },
	{ "cpus", "abc", -EINVAL, "'abc'" },
	{ "cpus", "200000", -ERANGE, "more than" },
	{ "cpuset", "x", -EINVAL, "Invalid --cpuset value 'x'" },
	{ "pids", "0", -EINVAL, "Invalid --pids value '0'" },
	{ "pids", "-5", -EINVAL, "'-5'" },
	{ "io-weight", "0", -EINVAL, "--io-weight" },
	{ "io-weight", "10001", -ERANGE, "1 to 10000" },
	{ "network", "wifi", -EINVAL, "Invalid --network value 'wifi'" },
	{ "name", "bad/name", -EINVAL, "Invalid container name 'bad/name'" },
	{ "template", "debian", -EINVAL, "'debian'" },
	{ "rootfs", "relative", -EINVAL, "absolute" },
	{ "cap-drop", "sys-time", -EINVAL, "'sys-time'" },
	{ "seccomp", "", -EINVAL, "--seccomp" },
	{ "lxcfs", "x", -EINVAL, "--lxcfs" },
	{ "frobnicate", "1", -ENOENT, "'frobnicate'" },
	{ "memory", NULL, -EINVAL, "needs a value" },
};

START_TEST(set_bad_table)
{
	struct lxl_spec spec;
	struct lxl_error err = {};
	int r;

	lxl_spec_init(&spec);
	r = lxl_spec_set(&spec, set_bad_cases[_i].key, set_bad_cases[_i].value, &err);
	ck_assert_msg(r == set_bad_cases[_i].r, "%s=%s: r=%d", set_bad_cases[_i].key,
		      set_bad_cases[_i].value, r);
	ck_assert_int_eq(err.r, r);
	ck_assert_msg(strstr(err.msg, set_bad_cases[_i].msg_part), "message '%s' lacks '%s'", err.msg,
		      set_bad_cases[_i].msg_part);
	ck_assert_msg(!strchr(err.msg, '\n'), "one line");
	ck_assert_uint_eq(spec.memory, 0);
	ck_assert_uint_eq(spec.cpu_quota_us, 0);
	ck_assert_ptr_null(spec.name);
	lxl_spec_done(&spec);
}
END_TEST

START_TEST(set_good)
{
	struct lxl_spec spec;
	struct lxl_error err = {};

	lxl_spec_init(&spec);
	ck_assert_int_eq(lxl_spec_set(&spec, "name", "lxkit-test-1-a", &err), 0);
	ck_assert_int_eq(lxl_spec_set(&spec, "memory", "256M", &err), 0);
	ck_assert_int_eq(lxl_spec_set(&spec, "memory-swap", "512M", &err), 0);
	ck_assert_int_eq(lxl_spec_set(&spec, "cpus", "1.5", &err), 0);
	ck_assert_int_eq(lxl_spec_set(&spec, "cpuset", "1,0", &err), 0);
	ck_assert_int_eq(lxl_spec_set(&spec, "pids", "100", &err), 0);
	ck_assert_int_eq(lxl_spec_set(&spec, "io-weight", "500", &err), 0);
	ck_assert_int_eq(lxl_spec_set(&spec, "network", "bridge=br0", &err), 0);
	ck_assert_int_eq(lxl_spec_set(&spec, "userns", NULL, &err), 0);
	ck_assert_int_eq(lxl_spec_set(&spec, "cap-drop", "sys_time,net_raw", &err), 0);
	ck_assert_int_eq(lxl_spec_set(&spec, "seccomp", "/etc/p.seccomp", &err), 0);
	ck_assert_int_eq(lxl_spec_set(&spec, "lxcfs", "/tmp/x", &err), 0);
	ck_assert_int_eq(lxl_spec_validate(&spec, true, &err), 0);
	ck_assert_str_eq(spec.name, "lxkit-test-1-a");
	ck_assert_str_eq(spec.template_name, "busybox");
	ck_assert_uint_eq(spec.memory, 256ULL << 20);
	ck_assert_uint_eq(spec.memory_swap, 512ULL << 20);
	ck_assert_uint_eq(spec.cpu_quota_us, 150000);
	ck_assert_uint_eq(spec.cpu_period_us, 100000);
	ck_assert_str_eq(spec.cpuset, "0-1");
	ck_assert_uint_eq(spec.pids, 100);
	ck_assert_uint_eq(spec.io_weight, 500);
	ck_assert_int_eq(spec.network, LXL_NET_BRIDGE);
	ck_assert_str_eq(spec.bridge, "br0");
	ck_assert(spec.userns);
	ck_assert_uint_eq(lxl_strv_length(spec.cap_drop), 2);
	ck_assert_int_eq(lxl_spec_set(&spec, "cap-drop", "CAP_SYSLOG", &err), 0);	/* adds up */
	ck_assert_uint_eq(lxl_strv_length(spec.cap_drop), 3);
	ck_assert_str_eq(spec.cap_drop[0], "sys_time");
	ck_assert_str_eq(spec.cap_drop[2], "syslog");
	ck_assert_ptr_null(spec.cap_drop[3]);
	ck_assert_int_eq(spec.seccomp, LXL_SECCOMP_PROFILE);
	ck_assert_str_eq(spec.seccomp_profile, "/etc/p.seccomp");
	ck_assert_int_eq(lxl_spec_set(&spec, "seccomp", "unconfined", &err), 0);
	ck_assert_int_eq(spec.seccomp, LXL_SECCOMP_UNCONFINED);
	ck_assert_ptr_null(spec.seccomp_profile);
	lxl_spec_done(&spec);
	lxl_spec_done(&spec);	/* twice is fine */
}
END_TEST

static const struct {
	const char *kv[6];	/* key, value pairs; NULL key ends */
	bool need_name;
	const char *msg_part;	/* NULL: valid */
} validate_cases[] = {
	{ { NULL }, true, "No container name" },
	{ { NULL }, false, NULL },
	{ { "template", "busybox", "rootfs", "/r", NULL }, false, "exclude each other" },
	{ { "memory-swap", "1G", NULL }, false, "needs --memory" },
	{ { "memory", "1G", "memory-swap", "512M", NULL }, false, "must not be below" },
	{ { "cap-add", "net_raw", "cap-drop", "net_raw", NULL }, false, "'net_raw'" },
	{ { "lxcfs", "/x", "no-lxcfs", "", NULL }, false, "exclude each other" },
	{ { "rootfs", "/r", NULL }, false, NULL },
};

START_TEST(validate_table)
{
	struct lxl_spec spec;
	struct lxl_error err = {};
	int r;

	lxl_spec_init(&spec);
	for (size_t k = 0; validate_cases[_i].kv[k]; k += 2)
		ck_assert_int_eq(lxl_spec_set(&spec, validate_cases[_i].kv[k],
					      validate_cases[_i].kv[k + 1], &err), 0);
	r = lxl_spec_validate(&spec, validate_cases[_i].need_name, &err);
	if (!validate_cases[_i].msg_part) {
		ck_assert_int_eq(r, 0);
		ck_assert(spec.template_name || spec.rootfs);
	} else {
		ck_assert_int_eq(r, -EINVAL);
		ck_assert_msg(strstr(err.msg, validate_cases[_i].msg_part), "'%s'", err.msg);
	}
	lxl_spec_done(&spec);
}
END_TEST

static Suite *spec_suite(void)
{
	Suite *s = suite_create("launcher-spec");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, size_table, 0, ELEMENTSOF(size_cases));
	tcase_add_loop_test(tc, cpus_table, 0, ELEMENTSOF(cpus_cases));
	tcase_add_loop_test(tc, cpuset_table, 0, ELEMENTSOF(cpuset_cases));
	tcase_add_loop_test(tc, name_table, 0, ELEMENTSOF(name_cases));
	tcase_add_loop_test(tc, network_table, 0, ELEMENTSOF(net_cases));
	tcase_add_loop_test(tc, cap_table, 0, ELEMENTSOF(cap_cases));
	tcase_add_loop_test(tc, set_bad_table, 0, ELEMENTSOF(set_bad_cases));
	tcase_add_test(tc, set_good);
	tcase_add_loop_test(tc, validate_table, 0, ELEMENTSOF(validate_cases));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(spec_suite());
}
