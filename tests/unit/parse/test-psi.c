/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of lxcfs/parse/psi: pressure files (tests/fixtures/psi, kernel 6.18), PSI trigger
 * writes as monitors make them (Documentation/accounting/psi.rst), CapEff. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "cleanup.h"
#include "fixture.h"
#include "psi.h"

/* A trigger write: @len bytes of @buf (-1: strlen), as unprivileged or privileged opener. */
static const struct {
	const char *buf;
	int len;
	bool privileged;
	int want;		/* 0 or -errno */
	enum psi_line line;
	uint32_t threshold_us, window_us;
} trigger_cases[] = {
	/* the psi.rst example, with its NUL, by a privileged monitor */
	{ "some 150000 1000000", 20, true, 0, PSI_SOME, 150000, 1000000 },
	/* without a NUL (write(fd, s, strlen(s))), or echo's newline, or both */
	{ "some 150000 1000000", -1, true, 0, PSI_SOME, 150000, 1000000 },
	{ "some 150000 1000000\n", -1, true, 0, PSI_SOME, 150000, 1000000 },
	{ "full 50000 2000000\n", 20, false, 0, PSI_FULL, 50000, 2000000 },
	/* what follows the first NUL is ignored, as by the kernel's sscanf() */
	{ "some 1 2000000\0junk", 19, false, 0, PSI_SOME, 1, 2000000 },
	/* LXCFS cut the last byte and rewrote windows to 2 s: here the kernel's limits */
	{ "some 1 500000", -1, true, 0, PSI_SOME, 1, 500000 },
	{ "some 10000000 10000000", -1, true, 0, PSI_SOME, 10000000, 10000000 },
	{ "some 1 499999", -1, true, -EINVAL },
	{ "some 1 10000001", -1, true, -EINVAL },
	{ "some 0 1000000", -1, true, -EINVAL },
	{ "some 1000001 1000000", -1, true, -EINVAL },
	/* unprivileged openers: windows must be multiples of 2 s */
	{ "some 150000 1000000", -1, false, -EINVAL },
	{ "some 150000 3000000", -1, false, -EINVAL },
	{ "some 150000 4000000", -1, false, 0, PSI_SOME, 150000, 4000000 },
	{ "some 150000 10000000", -1, false, 0, PSI_SOME, 150000, 10000000 },
	/* malformed */
	{ "bogus", -1, true, -EINVAL },
	{ "", 0, true, -EINVAL },
	{ "\0", 1, true, -EINVAL },
	{ "\n", 1, true, -EINVAL },
	{ "some", -1, true, -EINVAL },
	{ "some ", -1, true, -EINVAL },
	{ "some 150000", -1, true, -EINVAL },
	{ "some 150000 ", -1, true, -EINVAL },
	{ "some  150000 1000000", -1, true, -EINVAL },
	{ " some 150000 1000000", -1, true, -EINVAL },
	{ "some +150000 1000000", -1, true, -EINVAL },
	{ "some -1 1000000", -1, true, -EINVAL },
	{ "some 150000 1000000 x", -1, true, -EINVAL },
	{ "some 150000 1000000\n\n", -1, true, -EINVAL },
	{ "some\t150000 1000000", -1, true, -EINVAL },
	{ "Some 150000 1000000", -1, true, -EINVAL },
	{ "someone 150000 1000000", -1, true, -EINVAL },
	{ "some 0x10 1000000", -1, true, -EINVAL },
	{ "some 99999999999999999999 1000000", -1, true, -EINVAL },
	{ "some 4294967296 1000000", -1, true, -EINVAL },
	{ "some 150000 4294967297", -1, true, -EINVAL },
};

START_TEST(trigger_parse)
{
	const char *buf = trigger_cases[_i].buf;
	size_t len = trigger_cases[_i].len < 0 ? strlen(buf) : (size_t) trigger_cases[_i].len;
	struct psi_trigger t = { .line = PSI_FULL, .threshold_us = 7, .window_us = 7 };
	int r;

	r = psi_trigger_parse(buf, len, trigger_cases[_i].privileged, &t);
	ck_assert_msg(r == trigger_cases[_i].want, "'%s' (%zu bytes): got %d want %d", buf, len, r,
		      trigger_cases[_i].want);
	if (r < 0) {
		/* untouched on error */
		ck_assert_int_eq(t.line, PSI_FULL);
		ck_assert_uint_eq(t.threshold_us, 7);
		ck_assert_uint_eq(t.window_us, 7);
		return;
	}
	ck_assert_int_eq(t.line, trigger_cases[_i].line);
	ck_assert_uint_eq(t.threshold_us, trigger_cases[_i].threshold_us);
	ck_assert_uint_eq(t.window_us, trigger_cases[_i].window_us);
}
END_TEST

START_TEST(trigger_size_bounds)
{
	char big[PSI_TRIGGER_WRITE_MAX + 1];
	struct psi_trigger t;

	/* a valid trigger padded with NULs up to the bound is taken, one byte more is not */
	memset(big, 0, sizeof(big));
	memcpy(big, "some 1 2000000", strlen("some 1 2000000"));
	ck_assert_int_eq(psi_trigger_parse(big, PSI_TRIGGER_WRITE_MAX, false, &t), 0);
	ck_assert_int_eq(psi_trigger_parse(big, PSI_TRIGGER_WRITE_MAX + 1, false, &t), -EINVAL);
	ck_assert_int_eq(psi_trigger_parse(NULL, 0, false, &t), -EINVAL);
}
END_TEST

START_TEST(trigger_format)
{
	struct psi_trigger t = { .line = PSI_FULL, .threshold_us = 10000000, .window_us = 10000000 };
	struct psi_trigger back;
	char buf[PSI_TRIGGER_TEXT_MAX], small[8];
	int n;

	n = psi_trigger_format(&t, buf, sizeof(buf));
	ck_assert_int_eq(n, (int) strlen("full 10000000 10000000") + 1);
	ck_assert_str_eq(buf, "full 10000000 10000000");
	ck_assert_int_eq(buf[n - 1], 0);
	/* what we write to the kernel is what we accept */
	ck_assert_int_eq(psi_trigger_parse(buf, (size_t) n, true, &back), 0);
	ck_assert_int_eq(memcmp(&back, &t, sizeof(t)), 0);
	ck_assert_int_eq(psi_trigger_format(&t, small, sizeof(small)), -ENOBUFS);
	t.line = PSI_LINE_MAX;
	ck_assert_int_eq(psi_trigger_format(&t, buf, sizeof(buf)), -EINVAL);
}
END_TEST

static const struct {
	const char *name;
	bool full;
	struct psi_values some, fullv;
} file_cases[] = {
	{ "cgroup-cpu-busy", true, { 4314, 908, 194, 5833480 }, { 2293, 484, 103, 3129655 } },
	{ "cgroup-io-idle", true, { 0, 0, 0, 0 }, { 0, 0, 0, 0 } },
	{ "cgroup-memory-idle", true, { 0, 0, 0, 0 }, { 0, 0, 0, 0 } },
	{ "host-cpu", true, { 6883, 5684, 3479, 1017784864 }, { 0, 0, 0, 0 } },
	{ "host-io", true, { 38, 65, 36, 18611370 }, { 11, 34, 18, 9633673 } },
	{ "host-memory", true, { 0, 0, 0, 626 }, { 0, 0, 0, 500 } },
	{ "host-cpu-some-only", false, { 6883, 5684, 3479, 1017784864 } },
};

static void assert_values(const struct psi_values *got, const struct psi_values *want)
{
	ck_assert_uint_eq(got->avg10, want->avg10);
	ck_assert_uint_eq(got->avg60, want->avg60);
	ck_assert_uint_eq(got->avg300, want->avg300);
	ck_assert_uint_eq(got->total_us, want->total_us);
}

START_TEST(file_fixtures)
{
	_cleanup_free_ char *text = NULL;
	struct psi_file f;

	ck_assert_int_eq(fixture_read("psi", file_cases[_i].name, &text), 0);
	ck_assert_int_eq(psi_file_parse(text, &f), 0);
	ck_assert_uint_eq(f.present, file_cases[_i].full ? 3u : 1u);
	assert_values(&f.line[PSI_SOME], &file_cases[_i].some);
	if (file_cases[_i].full)
		assert_values(&f.line[PSI_FULL], &file_cases[_i].fullv);
}
END_TEST

static const struct {
	const char *text;
	int want;
} file_bad_cases[] = {
	{ "", -ENODATA },
	{ "\n", -ENODATA },
	{ "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", -EBADMSG },	/* no some */
	{ "some avg10=0.00 avg60=0.00 avg300=0.00\n", -EBADMSG },		/* no total */
	{ "some avg10=0.0 avg60=0.00 avg300=0.00 total=0\n", -EBADMSG },
	{ "some avg10=.00 avg60=0.00 avg300=0.00 total=0\n", -EBADMSG },
	{ "some avg10=1.000 avg60=0.00 avg300=0.00 total=0\n", -EBADMSG },
	{ "some avg10=-1.00 avg60=0.00 avg300=0.00 total=0\n", -EBADMSG },
	{ "some avg10=0.00 avg60=0.00 avg300=0.00 total=\n", -EBADMSG },
	{ "some avg10=0.00 avg60=0.00 avg300=0.00 total=1x\n", -EBADMSG },
	{ "some avg10=0.00 avg60=0.00 avg300=0.00 total=99999999999999999999\n", -EBADMSG },
	{ "some avg10=0.00 avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", -EBADMSG },
	{ "some avg10=0.00  avg60=0.00 avg300=0.00 total=0\n", -EBADMSG },
	{ "some avg10=0.00 avg60=0.00 avg300=0.00 total=0 \n", -EBADMSG },
	{ "some avg10 avg60=0.00 avg300=0.00 total=0\n", -EBADMSG },
	{ "some\n", -EBADMSG },
	{ "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
	  "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", -EBADMSG },
	/* tolerated: unknown fields and lines a newer kernel might add, no final newline */
	{ "some avg10=1.25 avg60=0.00 avg300=0.00 total=5 avg1=3.00\nnew x=1\n", 0 },
	{ "some avg10=1.25 avg60=0.00 avg300=0.00 total=5", 0 },
};

START_TEST(file_malformed)
{
	struct psi_file f = { .present = 42 };
	int r = psi_file_parse(file_bad_cases[_i].text, &f);

	ck_assert_msg(r == file_bad_cases[_i].want, "'%s': got %d want %d", file_bad_cases[_i].text,
		      r, file_bad_cases[_i].want);
	if (r < 0) {
		ck_assert_uint_eq(f.present, 42);
		return;
	}
	ck_assert_uint_eq(f.present, 1);
	ck_assert_uint_eq(f.line[PSI_SOME].avg10, 125);
	ck_assert_uint_eq(f.line[PSI_SOME].total_us, 5);
}
END_TEST

START_TEST(status_caps)
{
	_cleanup_free_ char *with = NULL, *without = NULL;
	bool p = true;

	ck_assert_int_eq(fixture_read("psi", "status-cap-sys-resource", &with), 0);
	ck_assert_int_eq(fixture_read("psi", "status-no-cap-sys-resource", &without), 0);
	ck_assert_int_eq(psi_status_privileged(without, &p), 0);
	ck_assert(!p);
	ck_assert_int_eq(psi_status_privileged(with, &p), 0);
	ck_assert(p);
	/* exact key: CapEffX or a CapEff inside another line does not count */
	ck_assert_int_eq(psi_status_privileged("CapPrm:\t0000000001000000\n", &p), -ENOENT);
	ck_assert_int_eq(psi_status_privileged("XCapEff:\t1000000\n", &p), -ENOENT);
	ck_assert_int_eq(psi_status_privileged("CapEff:\t1000000\n", &p), 0);
	ck_assert(p);
	ck_assert_int_eq(psi_status_privileged("CapEff:\t0ffffff\n", &p), 0);
	ck_assert(!p);
	p = true;
	ck_assert_int_eq(psi_status_privileged("CapEff:\t\n", &p), -EBADMSG);
	ck_assert_int_eq(psi_status_privileged("CapEff:\t00000000010000000\n", &p), -EBADMSG);
	ck_assert_int_eq(psi_status_privileged("CapEff:\t1000000 x\n", &p), -EBADMSG);
	ck_assert_int_eq(psi_status_privileged("CapEff:\tzz\n", &p), -EBADMSG);
	ck_assert(p);	/* untouched on error */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("psi");
	TCase *tc = tcase_create("psi");

	tcase_add_loop_test(tc, trigger_parse, 0, ELEMENTSOF(trigger_cases));
	tcase_add_test(tc, trigger_size_bounds);
	tcase_add_test(tc, trigger_format);
	tcase_add_loop_test(tc, file_fixtures, 0, ELEMENTSOF(file_cases));
	tcase_add_loop_test(tc, file_malformed, 0, ELEMENTSOF(file_bad_cases));
	tcase_add_test(tc, status_caps);
	suite_add_tcase(s, tc);
	return check_main(s);
}
