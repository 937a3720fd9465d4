/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of proc/diskstats: parse/blkio.c (v1 blkio rwstat files, v2 io.stat) and
 * render/diskstats.c, fed raw kernel text from tests/fixtures/diskstats (captured on kernel
 * 6.18 unless a case's README says it was written by hand). UPDATE_GOLDEN=1 rewrites the
 * expected-diskstats files. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "blkio.h"
#include "check-main.h"
#include "cleanup.h"
#include "diskstats.h"
#include "fixture.h"
#include "parse-util.h"

static void blkio_files_done(struct blkio_rwstat (*files)[BLKIO_FILE_MAX])
{
	for (size_t f = 0; f < BLKIO_FILE_MAX; f++)
		blkio_rwstat_done(&(*files)[f]);
}

/* Same choices as sources/load-diskstats.c: the hierarchical file, else the cgroup-only one,
 * else absent; v2 reads io.stat. */
static void load_fixture(const char *dir, struct diskstats_inputs *in)
{
	_cleanup_free_ char *iostat_text = NULL;

	*in = (struct diskstats_inputs) {};
	ck_assert_int_eq(fixture_read(dir, "diskstats", &in->host_diskstats), 0);
	if (fixture_read(dir, "io.stat", &iostat_text) == 0) {
		_cleanup_(iostat_done) struct iostat s = {};

		ck_assert_int_eq(iostat_parse(iostat_text, &s), 0);
		ck_assert_int_eq(diskstats_from_iostat(&s, in), 0);
		return;
	}

	_cleanup_(blkio_files_done) struct blkio_rwstat files[BLKIO_FILE_MAX] = {};

	for (size_t f = 0; f < BLKIO_FILE_MAX; f++)
		for (size_t i = 0; i < 2; i++) {
			_cleanup_free_ char *text = NULL;
			int r = fixture_read(dir, blkio_file_names[f][i], &text);

			if (r == -ENOENT)
				continue;
			ck_assert_int_eq(r, 0);
			ck_assert_int_eq(blkio_rwstat_parse(text, &files[f]), 0);
			ck_assert(files[f].present);
			break;
		}
	ck_assert_int_eq(diskstats_from_blkio(files, in), 0);
}

static void render_fixture(const char *dir, struct strbuf *out)
{
	_cleanup_(diskstats_inputs_done) struct diskstats_inputs in = {};

	load_fixture(dir, &in);
	ck_assert_int_eq(diskstats_render(&in, out), 0);
}

static const char *const golden_cases[] = {
	"diskstats/v1-throttle-dd-direct",
	"diskstats/v1-recursive-wins",
	"diskstats/v1-idle",
	"diskstats/v1-bfq-only-loop",
	"diskstats/v1-throttle-and-bfq",
	"diskstats/v1-unknown-device",
	"diskstats/v1-cfq-legacy",
	"diskstats/v1-huge-counters",
	"diskstats/v2-doc-io-stat",
	"diskstats/v2-extra-keys",
};

/* Is "MAJ MIN NAME" of @line a line of @host, and after the line matched by *@pos? */
static bool host_has_device_after(const char *host, const char *line, const char **pos)
{
	char key[64];
	unsigned major, minor;
	char name[32];

	ck_assert_int_eq(sscanf(line, "%u %u %31s", &major, &minor, name), 3);
	snprintf(key, sizeof(key), "%4u %7u %s ", major, minor, name);
	for (const char *l = *pos; l && *l; l = next_line(l))
		if (strncmp(l, key, strlen(key)) == 0) {
			*pos = next_line(l);
			return true;
		}
	return false;
}

START_TEST(diskstats_golden)
{
	_cleanup_(strbuf_done) struct strbuf out = STRBUF_INIT(1 << 20);
	_cleanup_free_ char *host = NULL;
	const char *dir = golden_cases[_i], *pos;

	render_fixture(dir, &out);
	ck_assert_int_eq(fixture_golden(dir, "expected-diskstats", out.buf ? out.buf : ""), 0);

	/* invariants: 3 + 17 fields a line, host devices only, in the host's order */
	ck_assert_int_eq(fixture_read(dir, "diskstats", &host), 0);
	pos = host;
	for (const char *l = out.buf; l && *l; l = next_line(l)) {
		const char *e = strchr(l, '\n');
		unsigned fields = 0;

		ck_assert_ptr_nonnull(e);
		for (const char *p = l; p < e; p++)
			if (*p != ' ' && (p == l || p[-1] == ' '))
				fields++;
		ck_assert_uint_eq(fields, 20);
		ck_assert(host_has_device_after(host, l, &pos));
	}
}
END_TEST

/* The whole line of device @name in @text, without its newline ("" when absent). */
static void line_of(const char *text, const char *name, char *buf, size_t size)
{
	*buf = 0;
	for (const char *l = text; l && *l; l = next_line(l)) {
		char n[32];
		const char *e = strchr(l, '\n');

		if (sscanf(l, "%*u %*u %31s", n) == 1 && streq(n, name)) {
			size_t len = e ? (size_t) (e - l) : strlen(l);

			ck_assert_uint_lt(len, size);
			memcpy(buf, l, len);
			buf[len] = 0;
			return;
		}
	}
}

START_TEST(diskstats_values)
{
	_cleanup_(strbuf_done) struct strbuf a = STRBUF_INIT(1 << 20), b = STRBUF_INIT(1 << 20),
					     c = STRBUF_INIT(1 << 20);
	char line[512];

	/* 50 MiB O_DIRECT written = 102400 sectors; reads 10 MiB; unknown fields 0 */
	render_fixture("diskstats/v1-throttle-dd-direct", &a);
	ck_assert_str_eq(a.buf, " 254       0 vda 20 0 20480 0 100 0 102400 0 0 0 0 0 0 0 0 0 0\n");
	/* the parent's own files are zero, its recursive ones hold the child's IO */
	render_fixture("diskstats/v1-recursive-wins", &b);
	ck_assert_str_eq(b.buf, a.buf);
	/* no IO at all: nothing, not the host's lines */
	render_fixture("diskstats/v1-idle", &c);
	ck_assert_uint_eq(c.len, 0);

	strbuf_reset(&a);
	render_fixture("diskstats/v1-bfq-only-loop", &a);
	ck_assert_str_eq(a.buf, "   7       0 loop0 8 0 8192 0 16 0 16384 0 0 0 0 0 0 0 0 0 0\n");

	strbuf_reset(&a);
	render_fixture("diskstats/v1-cfq-legacy", &a);
	line_of(a.buf, "sda", line, sizeof(line));
	ck_assert_str_eq(line, "   8       0 sda 1200 40 96000 4000 300 12 24000 1200 "
			       "0 3400 5200 0 0 0 0 0 0");
	line_of(a.buf, "sda1", line, sizeof(line));
	ck_assert_str_eq(line, "");	/* blkio counts whole disks, never partitions */

	strbuf_reset(&a);
	render_fixture("diskstats/v1-unknown-device", &a);
	ck_assert_str_eq(a.buf, " 254       0 vda 20 0 20480 0 100 0 102400 0 0 0 0 0 0 0 0 0 0\n");

	strbuf_reset(&a);
	render_fixture("diskstats/v1-huge-counters", &a);
	/* u64 counts as they are; ms fields wrap at 32 bits as the kernel's (unsigned int) */
	ck_assert_str_eq(a.buf, " 254       0 vda 18446744073709551615 18446744073709551615 "
				"36028797018963967 4154504685 18446744073709551614 0 "
				"36028797018963967 0 0 4154504685 4154504685 18446744073709551615 0 "
				"36028797018963967 4294967295 0 0\n");

	strbuf_reset(&a);
	render_fixture("diskstats/v2-doc-io-stat", &a);
	ck_assert_str_eq(a.buf,
			 "   8       0 sda 8950 0 176622 0 1252 0 584000 0 0 0 0 3021 0 98304 0 0 0\n"
			 "   8      16 sdb 192 0 2850 0 353 0 614792 0 0 0 0 0 0 0 0 0 0\n");

	strbuf_reset(&a);
	render_fixture("diskstats/v2-extra-keys", &a);
	ck_assert_str_eq(a.buf,
			 "   8       0 sda 1 0 8 0 100 0 102400 0 0 0 0 0 0 0 0 0 0\n"
			 "   8      16 sdb 2 0 16 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
}
END_TEST

START_TEST(rwstat_parse_capture)
{
	_cleanup_(blkio_rwstat_done) struct blkio_rwstat s = {};
	_cleanup_free_ char *text = NULL;
	const struct blkio_dev_stat *d;

	ck_assert_int_eq(fixture_read("diskstats/v1-throttle-and-bfq",
				      "blkio.throttle.io_service_bytes_recursive", &text), 0);
	ck_assert_int_eq(blkio_rwstat_parse(text, &s), 0);
	ck_assert(s.present);
	ck_assert_uint_eq(s.n_dev, 2);
	ck_assert_uint_eq(s.total, 16797696);
	d = blkio_rwstat_find(&s, 7, 0);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(d->v[BLKIO_OP_READ], 4194304);
	ck_assert_uint_eq(d->v[BLKIO_OP_WRITE], 8388608);
	ck_assert_uint_eq(d->present, (1u << BLKIO_OP_MAX) - 1);
	d = blkio_rwstat_find(&s, 254, 0);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(d->v[BLKIO_OP_SYNC], 4214784);
	ck_assert_ptr_null(blkio_rwstat_find(&s, 8, 0));
	ck_assert(blkio_rwstat_has_devices(&s));
}
END_TEST

static const struct {
	const char *text;
	int r;
} rwstat_cases[] = {
	{ "Total 0\n", 0 },
	{ "", 0 },
	{ "\n\n", 0 },
	{ "254:0 Read 1\n254:0 Total 1\nTotal 1", 0 },		/* no final newline */
	{ "254:0 Read 1\n254:0 Flush 3\nTotal 1\n", 0 },	/* an op word from a future kernel */
	{ "254:0\tRead\t1 \n", 0 },
	{ "254:0 Read\n", -EBADMSG },
	{ "254:0 Read \n", -EBADMSG },
	{ "254:0 Read x\n", -EBADMSG },
	{ "254:0 Read 1 2\n", -EBADMSG },
	{ "254:0 Read -1\n", -EBADMSG },
	{ "254:0 Read 18446744073709551616\n", -EBADMSG },
	{ "254:0 Read 1\n254:0 Read 2\n", -EBADMSG },		/* same op twice */
	{ "254:0Read 1\n", -EBADMSG },
	{ "254 Read 1\n", -EBADMSG },
	{ ":0 Read 1\n", -EBADMSG },
	{ "254: Read 1\n", -EBADMSG },
	{ "4294967296:0 Read 1\n", -EBADMSG },
	{ " 254:0 Read 1\n", -EBADMSG },
	{ "Total\n", -EBADMSG },
	{ "Total x\n", -EBADMSG },
	{ "Totally 1\n", -EBADMSG },
	{ "garbage\n", -EBADMSG },
};

START_TEST(rwstat_parse_table)
{
	struct blkio_rwstat s = { .n_dev = 4242 };

	ck_assert_int_eq(blkio_rwstat_parse(rwstat_cases[_i].text, &s), rwstat_cases[_i].r);
	if (rwstat_cases[_i].r < 0)
		ck_assert_uint_eq(s.n_dev, 4242);	/* untouched on error */
	else {
		ck_assert(s.present);
		blkio_rwstat_done(&s);
	}
}
END_TEST

static const struct {
	const char *text;
	int r;
} iostat_cases[] = {
	{ "", 0 },
	{ "8:0\n", 0 },						/* a device, no keys */
	{ "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=5 dios=6", 0 },
	{ "8:0 rbytes=1 cost.vrate=99.87 depth=max\n", 0 },
	{ "8:0 rbytes=x\n", -EBADMSG },
	{ "8:0 rbytes=\n", -EBADMSG },
	{ "8:0 rbytes= wbytes=1\n", -EBADMSG },
	{ "8:0 rbytes\n", -EBADMSG },
	{ "8:0 =5\n", -EBADMSG },
	{ "8:0 rbytes=-1\n", -EBADMSG },
	{ "8:0 rbytes=1x\n", -EBADMSG },
	{ "8:0 rbytes=18446744073709551616\n", -EBADMSG },
	{ "8:0 rbytes=1 rbytes=2\n", -EBADMSG },
	{ "8:0 rbytes=1\n8:0 wbytes=2\n", -EBADMSG },		/* device twice */
	{ "8:0rbytes=1\n", -EBADMSG },
	{ "x:0 rbytes=1\n", -EBADMSG },
	{ "rbytes=1\n", -EBADMSG },
};

START_TEST(iostat_parse_table)
{
	struct iostat s = { .n_dev = 4242 };

	ck_assert_int_eq(iostat_parse(iostat_cases[_i].text, &s), iostat_cases[_i].r);
	if (iostat_cases[_i].r < 0)
		ck_assert_uint_eq(s.n_dev, 4242);
	else
		iostat_done(&s);
}
END_TEST

START_TEST(iostat_parse_values)
{
	_cleanup_(iostat_done) struct iostat s = {};

	ck_assert_int_eq(iostat_parse("8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=5 dios=6 "
				      "cost.usage=7\n8:16 wios=9\n", &s), 0);
	ck_assert_uint_eq(s.n_dev, 2);
	ck_assert_uint_eq(s.dev[0].major, 8);
	ck_assert_uint_eq(s.dev[0].minor, 0);
	ck_assert_uint_eq(s.dev[0].v[IOSTAT_RBYTES], 1);
	ck_assert_uint_eq(s.dev[0].v[IOSTAT_DIOS], 6);
	ck_assert_uint_eq(s.dev[0].present, (1u << IOSTAT_KEY_MAX) - 1);
	ck_assert_uint_eq(s.dev[1].minor, 16);
	ck_assert_uint_eq(s.dev[1].v[IOSTAT_WIOS], 9);
	ck_assert_uint_eq(s.dev[1].present, 1u << IOSTAT_WIOS);
}
END_TEST

START_TEST(devt_parse)
{
	unsigned major = 1, minor = 1;
	const char *end;

	ck_assert_int_eq(blkio_parse_devt("259:12 x", &major, &minor, &end), 0);
	ck_assert_uint_eq(major, 259);
	ck_assert_uint_eq(minor, 12);
	ck_assert_str_eq(end, " x");
	ck_assert_int_eq(blkio_parse_devt("4294967295:4294967295", &major, &minor, &end), 0);
	ck_assert_uint_eq(major, 4294967295u);
	major = minor = 7;
	ck_assert_int_eq(blkio_parse_devt("4294967296:0", &major, &minor, &end), -ERANGE);
	ck_assert_int_eq(blkio_parse_devt("8:", &major, &minor, &end), -EINVAL);
	ck_assert_int_eq(blkio_parse_devt("8-0", &major, &minor, &end), -EINVAL);
	ck_assert_int_eq(blkio_parse_devt("8:0x", &major, &minor, &end), -EINVAL);
	ck_assert_uint_eq(major, 7);	/* untouched on error */
	ck_assert_uint_eq(minor, 7);
}
END_TEST

START_TEST(render_errors_and_edges)
{
	_cleanup_(strbuf_done) struct strbuf out = STRBUF_INIT(1 << 20), tiny = STRBUF_INIT(16);
	struct diskstats_dev dev = { .major = 8, .minor = 0, .ios = { 1 } };
	struct diskstats_inputs in = { .dev = &dev, .n_dev = 1 };

	/* a host line without "major minor name" */
	in.host_diskstats = (char *) "garbage\n";
	ck_assert_int_eq(diskstats_render(&in, &out), -EBADMSG);
	in.host_diskstats = (char *) "   8       0\n";
	ck_assert_int_eq(diskstats_render(&in, &out), -EBADMSG);
	/* old 14-field host lines still name the device: the output has the current layout */
	strbuf_reset(&out);
	in.host_diskstats = (char *) "   8       0 sda 1 2 3 4 5 6 7 8 9 10 11\n\n";
	ck_assert_int_eq(diskstats_render(&in, &out), 0);
	ck_assert_str_eq(out.buf, "   8       0 sda 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
	/* an untouched device gives no line */
	strbuf_reset(&out);
	dev.ios[0] = 0;
	ck_assert(!diskstats_dev_touched(&dev));
	ck_assert_int_eq(diskstats_render(&in, &out), 0);
	ck_assert_uint_eq(out.len, 0);
	/* never truncated: the strbuf cap gives -EFBIG */
	dev.io_ns = 1;
	ck_assert(diskstats_dev_touched(&dev));
	ck_assert_int_eq(diskstats_render(&in, &tiny), -EFBIG);
	/* no host text at all: nothing to show */
	in.host_diskstats = NULL;
	strbuf_reset(&out);
	ck_assert_int_eq(diskstats_render(&in, &out), 0);
	ck_assert_uint_eq(out.len, 0);
}
END_TEST

/* Throttle counters win over BFQ when both are non-zero; BFQ fills in when throttle is zero. */
START_TEST(blkio_source_precedence)
{
	_cleanup_(blkio_files_done) struct blkio_rwstat files[BLKIO_FILE_MAX] = {};
	_cleanup_(diskstats_inputs_done) struct diskstats_inputs in = {};

	ck_assert_int_eq(blkio_rwstat_parse("8:0 Read 5\n8:0 Total 5\n8:16 Read 0\n8:16 Total 0\n"
					    "Total 5\n", &files[BLKIO_THROTTLE_SERVICED]), 0);
	ck_assert_int_eq(blkio_rwstat_parse("8:0 Read 5120\n8:0 Total 5120\nTotal 5120\n",
					    &files[BLKIO_THROTTLE_BYTES]), 0);
	ck_assert_int_eq(blkio_rwstat_parse("8:0 Read 2\n8:16 Write 3\nTotal 5\n",
					    &files[BLKIO_BFQ_SERVICED]), 0);
	ck_assert_int_eq(blkio_rwstat_parse("8:0 Read 1024\n8:16 Write 4096\nTotal 5120\n",
					    &files[BLKIO_BFQ_BYTES]), 0);
	ck_assert_int_eq(blkio_rwstat_parse("8:16 Write 7000000\n8:16 Total 7000000\n",
					    &files[BLKIO_BFQ_SERVICE_TIME]), 0);
	ck_assert_int_eq(diskstats_from_blkio(files, &in), 0);
	ck_assert_uint_eq(in.n_dev, 2);
	ck_assert_uint_eq(in.dev[0].major, 8);
	ck_assert_uint_eq(in.dev[0].minor, 0);
	ck_assert_uint_eq(in.dev[0].ios[DISKSTATS_READ], 5);
	ck_assert_uint_eq(in.dev[0].sectors[DISKSTATS_READ], 10);
	ck_assert_uint_eq(in.dev[1].minor, 16);
	ck_assert_uint_eq(in.dev[1].ios[DISKSTATS_WRITE], 3);
	ck_assert_uint_eq(in.dev[1].sectors[DISKSTATS_WRITE], 8);
	ck_assert_uint_eq(in.dev[1].ns[DISKSTATS_WRITE], 7000000);
	ck_assert_uint_eq(in.dev[1].io_ns, 7000000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("diskstats");
	TCase *tc = tcase_create("diskstats");

	tcase_add_loop_test(tc, diskstats_golden, 0, ELEMENTSOF(golden_cases));
	tcase_add_test(tc, diskstats_values);
	tcase_add_test(tc, rwstat_parse_capture);
	tcase_add_loop_test(tc, rwstat_parse_table, 0, ELEMENTSOF(rwstat_cases));
	tcase_add_loop_test(tc, iostat_parse_table, 0, ELEMENTSOF(iostat_cases));
	tcase_add_test(tc, iostat_parse_values);
	tcase_add_test(tc, devt_parse);
	tcase_add_test(tc, render_errors_and_edges);
	tcase_add_test(tc, blkio_source_precedence);
	suite_add_tcase(s, tc);
	return check_main(s);
}
