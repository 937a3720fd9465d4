/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of common/: strbuf, strict number parsing, whole-file reads. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check-main.h"
#include "cleanup.h"
#include "fileio.h"
#include "parse-util.h"
#include "strbuf.h"

START_TEST(strbuf_cap_never_truncates)
{
	_cleanup_(strbuf_done) struct strbuf sb = STRBUF_INIT(8);

	ck_assert_int_eq(strbuf_appends(&sb, "1234"), 0);
	ck_assert_int_eq(strbuf_appendf(&sb, "%s", "56789"), -EFBIG);
	ck_assert_str_eq(sb.buf, "1234");	/* unchanged after the refusal */
	ck_assert_int_eq(strbuf_appendf(&sb, "%d", 5678), 0);
	ck_assert_str_eq(sb.buf, "12345678");
	ck_assert_uint_eq(sb.len, 8);
	strbuf_reset(&sb);
	ck_assert_str_eq(sb.buf, "");
}
END_TEST

static const struct {
	const char *in;
	int r;
	uint64_t v;
} u64_cases[] = {
	{ "0", 0, 0 },
	{ "42\n", 0, 42 },
	{ " 7 ", 0, 7 },
	{ "18446744073709551615", 0, UINT64_MAX },
	{ "18446744073709551616", -ERANGE, 0 },
	{ "-1", -EINVAL, 0 },
	{ "", -EINVAL, 0 },
	{ "12x", -EINVAL, 0 },
	{ "max", -EINVAL, 0 },
};

START_TEST(u64_table)
{
	uint64_t v = 4242;
	int r = safe_atou64(u64_cases[_i].in, &v);

	ck_assert_int_eq(r, u64_cases[_i].r);
	ck_assert_uint_eq(v, r == 0 ? u64_cases[_i].v : 4242);	/* untouched on failure */
}
END_TEST

START_TEST(i64_parse)
{
	int64_t v = 5;

	ck_assert_int_eq(safe_atoi64("-1\n", &v), 0);
	ck_assert_int_eq(v, -1);
	ck_assert_int_eq(safe_atoi64("9223372036854775808", &v), -ERANGE);
	ck_assert_int_eq(v, -1);
	ck_assert_int_eq(safe_atoi64("-9223372036854775808", &v), 0);
	ck_assert(v == INT64_MIN);
}
END_TEST

START_TEST(helpers)
{
	ck_assert_ptr_null(startswith("cpu", "cpu0"));
	ck_assert_str_eq(startswith("cpu12 3", "cpu"), "12 3");
	ck_assert_uint_eq(sub_sat(3, 5), 0);
	ck_assert_uint_eq(sub_sat(5, 3), 2);
	ck_assert_uint_eq(add_sat(UINT64_MAX, 1), UINT64_MAX);
}
END_TEST

static int pipe_with(const char *data, size_t n)
{
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(write(p[1], data, n), (ssize_t) n);
	close(p[1]);
	return p[0];
}

START_TEST(read_full_limits)
{
	_cleanup_free_ char *t = NULL;
	char *untouched = (char *) "x";
	size_t len = 99;
	int fd;

	fd = pipe_with("hello\n", 6);
	ck_assert_int_eq(read_full_fd(fd, 100, &t, &len), 0);
	close(fd);
	ck_assert_str_eq(t, "hello\n");
	ck_assert_uint_eq(len, 6);

	fd = pipe_with("0123456789", 10);
	ck_assert_int_eq(read_full_fd(fd, 4, &untouched, NULL), -EFBIG);
	close(fd);
	ck_assert_str_eq(untouched, "x");

	fd = pipe_with("a\0b", 3);
	ck_assert_int_eq(read_full_fd(fd, 100, &untouched, NULL), -EBADMSG);
	close(fd);

	fd = pipe_with("", 0);
	free(t);
	t = NULL;
	ck_assert_int_eq(read_full_fd(fd, 100, &t, &len), 0);
	close(fd);
	ck_assert_str_eq(t, "");
	ck_assert_uint_eq(len, 0);
}
END_TEST

/* A FIFO (or another non-regular file) put where a cgroup file was expected: the confined open
 * and read return at once instead of blocking the caller for good (test-faults.sh
 * malformed-memory-fifo hung a FUSE worker and its unkillable reader before). */
START_TEST(beneath_fifo_never_blocks)
{
	char dir[] = "/tmp/lxkit-unit-fifo-XXXXXX";
	_cleanup_free_ char *t = NULL;
	_cleanup_close_ int dfd = -EBADF, fd = -EBADF, rfd = -EBADF;
	char path[64];
	int r;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	(void) snprintf(path, sizeof(path), "%s/memory.stat", dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(dfd, 0);
	alarm(10);	/* a regression blocks: SIGALRM ends the test as a failure */
	/* no writer: an empty file */
	r = read_full_beneath(dfd, "memory.stat", 100, &t, NULL);
	ck_assert_int_eq(r, 0);
	ck_assert_str_eq(t, "");
	/* a writer that never writes (opened behind a reader of our own): EAGAIN, not a wait */
	rfd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ck_assert_int_ge(rfd, 0);
	fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read_full_beneath(dfd, "memory.stat", 100, &t, NULL), -EAGAIN);
	close(TAKE_FD(fd));
	close(TAKE_FD(rfd));
	/* a write-only open with no reader: ENXIO, not a wait */
	ck_assert_int_eq(open_beneath(dfd, "memory.stat", O_WRONLY), -ENXIO);
	alarm(0);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("common");
	TCase *tc = tcase_create("common");

	tcase_add_test(tc, strbuf_cap_never_truncates);
	tcase_add_loop_test(tc, u64_table, 0, sizeof(u64_cases) / sizeof(u64_cases[0]));
	tcase_add_test(tc, i64_parse);
	tcase_add_test(tc, helpers);
	tcase_add_test(tc, read_full_limits);
	tcase_add_test(tc, beneath_fifo_never_blocks);
	suite_add_tcase(s, tc);
	return check_main(s);
}
