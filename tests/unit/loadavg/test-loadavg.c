/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of proc/loadavg: the pure fixed-point step and formatting (render/loadavg), the
 * pid-list and task-state parsers (parse/tasks), the task-count loader on /proc and cgroup
 * trees captured from a live system (sources/cgroup-tasks, tests/fixtures/loadavg), and the
 * locked store with its sampler thread driven by fake samplers (state/loadavg). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check-main.h"
#include "cleanup.h"
#include "fixture.h"
#include "parse-util.h"
#include "render/loadavg.h"
#include "sources/cgroup-tasks.h"
#include "state/loadavg.h"
#include "strbuf.h"
#include "tasks.h"

/* ---- render: the kernel's calc_load() -------------------------------------------------- */

/* Worked by hand from (load * exp + active * (2048 - exp) + (active >= load ? 2047 : 0)) / 2048 */
static const struct {
	uint64_t load, exp, active, want;
} calc_cases[] = {
	{ 0, LOADAVG_EXP_1, 2 * 2048, 328 },	/* (4096 * 164 + 2047) / 2048 = 673791 / 2048 */
	{ 2048, LOADAVG_EXP_1, 0, 1884 },	/* falling: no rounding term */
	{ 2048, LOADAVG_EXP_1, 2048, 2048 },	/* (2048 * 2048 + 2047) / 2048: a fixed point */
	{ 0, LOADAVG_EXP_15, 2048, 11 },	/* (2048 * 11 + 2047) / 2048 */
	{ 1000, LOADAVG_EXP_5, 3 * 2048, 1086 }, /* (2014000 + 208896 + 2047) / 2048 = 1086.4 */
	{ 0, LOADAVG_EXP_1, 0, 0 },		/* (0 + 0 + 2047) / 2048: idle stays 0 */
	{ 1, LOADAVG_EXP_1, 0, 0 },		/* 1884 / 2048 */
};

START_TEST(calc_load_hand)
{
	ck_assert_uint_eq(loadavg_calc_load(calc_cases[_i].load, calc_cases[_i].exp, calc_cases[_i].active),
			  calc_cases[_i].want);
}
END_TEST

static void step_n(struct loadavg_state *st, uint64_t running, uint64_t total, pid_t last, int n)
{
	struct tasks_count c = { .running = running, .total = total, .last_pid = last };

	for (int i = 0; i < n; i++)
		loadavg_step(st, &c, st);	/* in place: ret_next may alias prev */
}

static double load_of(uint64_t fixed)
{
	return (double) fixed / (double) LOADAVG_FIXED_1;
}

/* LX-16: 2 runnable tasks for 30 s (6 samples) from 0: 2 * (1 - e^(-30/60)) = 0.787 */
START_TEST(step_two_runnable_30s)
{
	_cleanup_(strbuf_done) struct strbuf out = STRBUF_INIT(4096);
	struct loadavg_state st;

	loadavg_state_init(4242, &st);
	step_n(&st, 2, 6, 5000, 6);
	ck_assert_double_eq_tol(load_of(st.avenrun[0]), 2 * (1 - exp(-30.0 / 60)), 0.05);
	ck_assert_double_eq_tol(load_of(st.avenrun[1]), 2 * (1 - exp(-30.0 / 300)), 0.05);
	ck_assert_double_eq_tol(load_of(st.avenrun[2]), 2 * (1 - exp(-30.0 / 900)), 0.05);
	ck_assert_int_eq(loadavg_render(&st, &out), 0);
	/* what LXCFS 5.0.3 printed in the LX-16 reproduction */
	ck_assert_str_eq(out.buf, "0.79 0.19 0.06 2/6 5000\n");
}
END_TEST

START_TEST(step_converges_and_decays)
{
	_cleanup_(strbuf_done) struct strbuf out = STRBUF_INIT(4096);
	struct loadavg_state st;

	loadavg_state_init(1, &st);
	step_n(&st, 2, 2, 77, 2000);	/* about 2.8 h: the rounding term lets it reach 2.00 */
	ck_assert_uint_eq(st.avenrun[0], 2 * LOADAVG_FIXED_1);
	ck_assert_uint_eq(st.avenrun[2], 2 * LOADAVG_FIXED_1);
	ck_assert_int_eq(loadavg_render(&st, &out), 0);
	ck_assert_str_eq(out.buf, "2.00 2.00 2.00 2/2 77\n");

	/* idle for 60 s (12 samples): 2 * e^-1 = 0.74 */
	step_n(&st, 0, 3, 80, 12);
	ck_assert_double_eq_tol(load_of(st.avenrun[0]), 2 * exp(-1.0), 0.05);
	ck_assert_double_eq_tol(load_of(st.avenrun[1]), 2 * exp(-60.0 / 300), 0.05);
	/* and for long: back to exactly 0 */
	step_n(&st, 0, 3, 80, 2000);
	ck_assert_uint_eq(st.avenrun[0], 0);
	ck_assert_uint_eq(st.avenrun[1], 0);
	ck_assert_uint_eq(st.avenrun[2], 0);
	ck_assert_uint_eq(st.running, 0);
	ck_assert_uint_eq(st.total, 3);
	ck_assert_int_eq(st.last_pid, 80);
}
END_TEST

START_TEST(step_clamps_running)
{
	struct loadavg_state st;

	loadavg_state_init(1, &st);
	step_n(&st, UINT64_MAX, UINT64_MAX, 9, 3000);	/* no overflow: clamped to 2^32 tasks */
	ck_assert_uint_eq(st.avenrun[0], LOADAVG_RUNNING_MAX * LOADAVG_FIXED_1);
	ck_assert_uint_eq(st.running, UINT64_MAX);	/* the count itself is shown as sampled */
}
END_TEST

/* ---- render: formatting ---------------------------------------------------------------- */

static const struct {
	uint64_t avenrun;
	const char *want;
} fmt_cases[] = {
	{ 0, "0.00" },
	{ 10, "0.00" },		/* + 10 = 20, 20 * 100 >> 11 = 0 */
	{ 11, "0.01" },		/* + 10 = 21, 2100 >> 11 = 1: the FIXED_1/200 rounding */
	{ 1024, "0.50" },
	{ 2037, "0.99" },	/* 2047 * 100 >> 11 = 99 */
	{ 2038, "1.00" },	/* + 10 = 2048 */
	{ 2048, "1.00" },
	{ 1615, "0.79" },
	{ 100 * 2048, "100.00" },
};

START_TEST(render_fractions)
{
	_cleanup_(strbuf_done) struct strbuf out = STRBUF_INIT(4096);
	struct loadavg_state st = { .avenrun = { fmt_cases[_i].avenrun, 0, fmt_cases[_i].avenrun },
				    .running = 3, .total = 12, .last_pid = 99 };
	char want[128];

	(void) snprintf(want, sizeof(want), "%s 0.00 %s 3/12 99\n", fmt_cases[_i].want, fmt_cases[_i].want);
	ck_assert_int_eq(loadavg_render(&st, &out), 0);
	ck_assert_str_eq(out.buf, want);
}
END_TEST

START_TEST(render_first_read_and_cap)
{
	_cleanup_(strbuf_done) struct strbuf out = STRBUF_INIT(4096), tiny = STRBUF_INIT(8);
	struct loadavg_state st;

	loadavg_state_init(20167, &st);
	ck_assert_int_eq(loadavg_render(&st, &out), 0);
	ck_assert_str_eq(out.buf, "0.00 0.00 0.00 0/1 20167\n");	/* spec 4.8 [OBS] */
	ck_assert_int_eq(loadavg_render(&st, &tiny), -EFBIG);		/* never truncated */
	ck_assert_uint_eq(tiny.len, 0);
}
END_TEST

/* ---- parse: pids and task states ------------------------------------------------------- */

START_TEST(parse_pid)
{
	pid_t p = 7;

	ck_assert_int_eq(tasks_parse_pid("1", 1, &p), 0);
	ck_assert_int_eq(p, 1);
	ck_assert_int_eq(tasks_parse_pid("2147483647", 10, &p), 0);
	ck_assert_int_eq(p, 2147483647);
	p = 7;
	ck_assert_int_eq(tasks_parse_pid("2147483648", 10, &p), -EINVAL);
	ck_assert_int_eq(tasks_parse_pid("0", 1, &p), -EINVAL);
	ck_assert_int_eq(tasks_parse_pid("", 0, &p), -EINVAL);
	ck_assert_int_eq(tasks_parse_pid(".", 1, &p), -EINVAL);
	ck_assert_int_eq(tasks_parse_pid("..", 2, &p), -EINVAL);
	ck_assert_int_eq(tasks_parse_pid("-1", 2, &p), -EINVAL);
	ck_assert_int_eq(tasks_parse_pid(" 12", 3, &p), -EINVAL);
	ck_assert_int_eq(tasks_parse_pid("12a", 3, &p), -EINVAL);
	ck_assert_int_eq(tasks_parse_pid("12345678901", 11, &p), -EINVAL);
	ck_assert_int_eq(p, 7);		/* untouched on error */
	ck_assert_int_eq(tasks_parse_pid("123", 2, &p), 0);	/* only @len bytes */
	ck_assert_int_eq(p, 12);
}
END_TEST

START_TEST(parse_pid_list)
{
	_cleanup_free_ char *text = NULL;
	const char *pos;
	pid_t pid = 0, want[] = { 30372, 30373, 30374, 30375, 30377 };
	size_t n = 0;
	int r;

	ck_assert_int_eq(fixture_read("loadavg/busy-2-sleeping-2/cgroup/box", "cgroup.procs", &text), 0);
	for (pos = text; (r = tasks_next_pid(&pos, &pid)) > 0; n++) {
		ck_assert_uint_lt(n, ELEMENTSOF(want));
		ck_assert_int_eq(pid, want[n]);
	}
	ck_assert_int_eq(r, 0);
	ck_assert_uint_eq(n, ELEMENTSOF(want));

	pos = "";
	ck_assert_int_eq(tasks_next_pid(&pos, &pid), 0);
	pos = "\n\n5\n\n6";		/* empty lines skipped, no final newline */
	ck_assert_int_eq(tasks_next_pid(&pos, &pid), 1);
	ck_assert_int_eq(pid, 5);
	ck_assert_int_eq(tasks_next_pid(&pos, &pid), 1);
	ck_assert_int_eq(pid, 6);
	ck_assert_int_eq(tasks_next_pid(&pos, &pid), 0);

	text[0] = 'x';
	pos = text;
	pid = 3;
	ck_assert_int_eq(tasks_next_pid(&pos, &pid), -EBADMSG);
	ck_assert_ptr_eq(pos, text);	/* outputs untouched */
	ck_assert_int_eq(pid, 3);
	pos = "1 2\n";
	ck_assert_int_eq(tasks_next_pid(&pos, &pid), -EBADMSG);
}
END_TEST

/* real stat files from the fixtures: (file, state) */
static const struct {
	const char *dir;
	char state;
} stat_cases[] = {
	{ "loadavg/busy-2-sleeping-2/proc/30373/task/30373", 'R' },	/* busy loop */
	{ "loadavg/busy-2-sleeping-2/proc/30372/task/30372", 'S' },	/* waiting shell */
	{ "loadavg/vfork-d-state/proc/30588/task/30588", 'D' },		/* vfork parent */
	{ "loadavg/threads-python/proc/30502/task/30519", 'R' },	/* spinning thread */
	{ "loadavg/comm-parens/proc/30756/task/30756", 'R' },		/* comm "z) S (z" */
};

START_TEST(parse_stat_state)
{
	_cleanup_free_ char *text = NULL;
	char state = 0;

	ck_assert_int_eq(fixture_read(stat_cases[_i].dir, "stat", &text), 0);
	ck_assert_int_eq(tasks_stat_state(text, &state), 0);
	ck_assert_int_eq(state, stat_cases[_i].state);
}
END_TEST

START_TEST(parse_stat_state_bad)
{
	char state = '?';

	ck_assert_int_eq(tasks_stat_state("", &state), -EBADMSG);
	ck_assert_int_eq(tasks_stat_state("1 (x", &state), -EBADMSG);
	ck_assert_int_eq(tasks_stat_state("1 (x)", &state), -EBADMSG);
	ck_assert_int_eq(tasks_stat_state("1 (x) ", &state), -EBADMSG);
	ck_assert_int_eq(tasks_stat_state("1 (x)R 0", &state), -EBADMSG);
	ck_assert_int_eq(tasks_stat_state("1 (x) RS 0", &state), -EBADMSG);
	ck_assert_int_eq(tasks_stat_state("1 (x) 5 0", &state), -EBADMSG);
	ck_assert_int_eq(state, '?');
	ck_assert_int_eq(tasks_stat_state("1 (x) I\n", &state), 0);
	ck_assert_int_eq(state, 'I');
	ck_assert(!tasks_state_is_active('I'));	/* idle kernel threads add no load */
	ck_assert(!tasks_state_is_active('S'));
	ck_assert(!tasks_state_is_active('Z'));
	ck_assert(tasks_state_is_active('R'));
	ck_assert(tasks_state_is_active('D'));
}
END_TEST

START_TEST(count_add)
{
	struct tasks_count c = {};

	ck_assert_int_eq(tasks_count_add(&c, 40, "40 (a) R 1"), 0);
	ck_assert_int_eq(tasks_count_add(&c, 12, "12 (b) S 1"), 0);
	ck_assert_int_eq(tasks_count_add(&c, 41, "41 (c) D 1"), 0);
	ck_assert_int_eq(tasks_count_add(&c, 99, "garbage"), -EBADMSG);
	ck_assert_uint_eq(c.running, 2);
	ck_assert_uint_eq(c.total, 3);
	ck_assert_int_eq(c.last_pid, 41);
}
END_TEST

/* ---- sources: the loader on captured trees --------------------------------------------- */

static const char *const tree_cases[] = {
	"loadavg/busy-2-sleeping-2",
	"loadavg/nested-depth",
	"loadavg/threads-python",
	"loadavg/vfork-d-state",
	"loadavg/comm-parens",
	"loadavg/empty",
};

static int fixture_open(const char *dir, const char *name)
{
	char path[4096];
	int fd;

	ck_assert_int_lt(snprintf(path, sizeof(path), "%s/%s/%s", FIXTURE_DIR, dir, name), (int) sizeof(path));
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	return fd;
}

START_TEST(loader_tree)
{
	_cleanup_close_ int cg = fixture_open(tree_cases[_i], "cgroup");
	_cleanup_close_ int proc = -EBADF;
	_cleanup_free_ char *want = NULL;
	_cleanup_(strbuf_done) struct strbuf got = STRBUF_INIT(4096);
	struct tasks_count c = { .running = 99 };
	atomic_bool cancel = false;

	/* "empty" has no proc/ directory (git keeps no empty directories): use the cgroup one */
	proc = faccessat(cg, "../proc", F_OK, 0) == 0 ? fixture_open(tree_cases[_i], "proc")
						       : fixture_open(tree_cases[_i], "cgroup");
	ck_assert_int_eq(load_cgroup_tasks(cg, proc, "/box", &cancel, &c), 0);
	ck_assert_int_eq(strbuf_appendf(&got, "%ju %ju %d %u\n", (uintmax_t) c.running, (uintmax_t) c.total,
					(int) c.last_pid, c.cgroups), 0);
	ck_assert_int_eq(fixture_read(tree_cases[_i], "expected-count", &want), 0);
	ck_assert_str_eq(got.buf, want);
}
END_TEST

START_TEST(loader_errors)
{
	_cleanup_close_ int cg = fixture_open("loadavg/busy-2-sleeping-2", "cgroup");
	_cleanup_close_ int proc = fixture_open("loadavg/busy-2-sleeping-2", "proc");
	struct tasks_count c = { .total = 42 };
	atomic_bool cancel = false;

	ck_assert_int_eq(load_cgroup_tasks(cg, proc, "/gone", &cancel, &c), -ENOENT);
	ck_assert_int_eq(load_cgroup_tasks(cg, proc, "/", &cancel, &c), -EINVAL);
	ck_assert_int_eq(load_cgroup_tasks(cg, proc, "", &cancel, &c), -EINVAL);
	ck_assert_int_eq(load_cgroup_tasks(cg, proc, "/box/../..", &cancel, &c), -EXDEV);
	atomic_store(&cancel, true);
	ck_assert_int_eq(load_cgroup_tasks(cg, proc, "/box", &cancel, &c), -ECANCELED);
	ck_assert_uint_eq(c.total, 42);	/* untouched on error */
}
END_TEST

/* ---- state: the store ------------------------------------------------------------------ */

/* A fake sampler: results by key, "/gone*" -> -ENOENT, "/empty*" -> total 0, "/fail*" -> -EIO,
 * "/big*" -> 2^19 threads, else 1 running of 3; counts its calls. */
struct fake {
	atomic_uint calls;
	struct loadavg_store *store;	/* when set, the callback reads from the store (no lock held) */
	unsigned sleep_ms;		/* per call, in 1 ms steps, stopping early when cancelled */
};

static int fake_sample(void *userdata, const char *key, const atomic_bool *cancel, struct tasks_count *ret)
{
	struct fake *f = userdata;
	struct loadavg_state st;

	atomic_fetch_add(&f->calls, 1);
	if (f->store)
		/* would deadlock if the sampler held the store lock during a sample */
		ck_assert_int_ge(loadavg_store_get(f->store, key, 1, &st), 0);
	for (unsigned i = 0; i < f->sleep_ms; i++) {
		if (atomic_load(cancel))
			return -ECANCELED;
		(void) usleep(1000);
	}
	if (startswith(key, "/gone"))
		return -ENOENT;
	if (startswith(key, "/fail"))
		return -EIO;
	if (startswith(key, "/empty")) {
		*ret = (struct tasks_count) {};
		return 0;
	}
	if (startswith(key, "/big")) {
		*ret = (struct tasks_count) { .running = 1, .total = 1u << 19, .last_pid = 9 };
		return 0;
	}
	*ret = (struct tasks_count) { .running = 1, .total = 3, .last_pid = 500 };
	return 0;
}

static void store_freep(struct loadavg_store **s)
{
	loadavg_store_free(*s);
}

static bool store_has(struct loadavg_store *s, const char *key, struct loadavg_state *ret)
{
	/* a lookup that creates: report whether it existed, then it does */
	return loadavg_store_get(s, key, 1, ret) == 0;
}

START_TEST(store_get_creates)
{
	struct fake f = {};
	_cleanup_(store_freep) struct loadavg_store *s = loadavg_store_new(fake_sample, &f);
	_cleanup_(strbuf_done) struct strbuf out = STRBUF_INIT(4096);
	struct loadavg_state st, st2;
	char long_key[LOADAVG_KEY_MAX + 2];

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(loadavg_store_get(s, "/a", 1234, &st), 1);
	ck_assert_int_eq(loadavg_render(&st, &out), 0);
	ck_assert_str_eq(out.buf, "0.00 0.00 0.00 0/1 1234\n");
	ck_assert_int_eq(loadavg_store_get(s, "/a", 999, &st2), 0);	/* existing: ref ignored */
	ck_assert_int_eq(st2.last_pid, 1234);
	ck_assert_uint_eq(loadavg_store_size(s), 1);

	memset(long_key, 'k', sizeof(long_key) - 1);
	long_key[sizeof(long_key) - 1] = 0;
	st2.last_pid = 5;
	ck_assert_int_eq(loadavg_store_get(s, long_key, 1, &st2), -ENAMETOOLONG);
	ck_assert_int_eq(loadavg_store_get(s, "", 1, &st2), -EINVAL);
	ck_assert_int_eq(st2.last_pid, 5);
	long_key[LOADAVG_KEY_MAX] = 0;		/* exactly the maximum is fine */
	ck_assert_int_eq(loadavg_store_get(s, long_key, 1, &st2), 1);
}
END_TEST

START_TEST(store_bounded)
{
	struct fake f = {};
	_cleanup_(store_freep) struct loadavg_store *s = loadavg_store_new(fake_sample, &f);
	struct loadavg_state st;
	char key[32];

	for (unsigned i = 0; i < LOADAVG_ENTRIES_MAX; i++) {
		(void) snprintf(key, sizeof(key), "/empty-%u", i);
		ck_assert_int_eq(loadavg_store_get(s, key, 1, &st), 1);
	}
	ck_assert_int_eq(loadavg_store_get(s, "/one-more", 1, &st), -ENOSPC);
	ck_assert_int_eq(loadavg_store_get(s, "/empty-17", 1, &st), 0);	/* existing keys still served */
	/* a round deletes the empty ones and makes room */
	ck_assert_int_eq(loadavg_store_round(s, &(size_t) { 0 }), (int) LOADAVG_ENTRIES_MAX);
	ck_assert_uint_eq(loadavg_store_size(s), 0);
	ck_assert_int_eq(loadavg_store_get(s, "/one-more", 1, &st), 1);
}
END_TEST

START_TEST(store_round_updates_and_deletes)
{
	struct fake f = {};
	_cleanup_(store_freep) struct loadavg_store *s = loadavg_store_new(fake_sample, &f);
	struct loadavg_state st;
	size_t resume = 0;

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(loadavg_store_round(s, &resume), 0);	/* empty store */
	for (const char *const *k = (const char *const[]) { "/live", "/gone", "/empty", "/fail", NULL }; *k; k++)
		ck_assert_int_eq(loadavg_store_get(s, *k, 1, &st), 1);
	f.store = s;	/* the callback reads the store: proves the lock is not held meanwhile */
	ck_assert_int_eq(loadavg_store_round(s, &resume), 4);
	ck_assert_uint_eq(atomic_load(&f.calls), 4);
	ck_assert_uint_eq(loadavg_store_size(s), 2);		/* /gone and /empty deleted */
	ck_assert(store_has(s, "/live", &st));
	ck_assert_uint_eq(st.avenrun[0], loadavg_calc_load(0, LOADAVG_EXP_1, LOADAVG_FIXED_1));
	ck_assert_uint_eq(st.running, 1);
	ck_assert_uint_eq(st.total, 3);
	ck_assert_int_eq(st.last_pid, 500);
	ck_assert(store_has(s, "/fail", &st));			/* one failure: kept, unchanged */
	ck_assert_int_eq(st.last_pid, 1);
	ck_assert_uint_eq(st.total, 1);
	ck_assert_int_eq(loadavg_store_round(s, &resume), 2);
	ck_assert(store_has(s, "/fail", &st));			/* two */
	ck_assert_int_eq(loadavg_store_round(s, &resume), 2);
	ck_assert_uint_eq(loadavg_store_size(s), 1);		/* three in a row: dropped */
	ck_assert(!store_has(s, "/fail", &st));			/* ... and re-created fresh */
	ck_assert_uint_eq(loadavg_store_rounds(s), 4);
}
END_TEST

START_TEST(store_round_budget)
{
	struct fake f = {};
	_cleanup_(store_freep) struct loadavg_store *s = loadavg_store_new(fake_sample, &f);
	struct loadavg_state st;
	size_t resume = 0;
	char key[16];

	for (int i = 0; i < 5; i++) {
		(void) snprintf(key, sizeof(key), "/big%d", i);
		ck_assert_int_eq(loadavg_store_get(s, key, 1, &st), 1);
	}
	/* 2^19 threads each: after two keys the round's 2^20 are used up */
	ck_assert_int_eq(loadavg_store_round(s, &resume), 2);
	ck_assert_uint_eq(resume, 2);
	ck_assert_int_eq(loadavg_store_round(s, &resume), 2);
	ck_assert_uint_eq(resume, 4);
	ck_assert_int_eq(loadavg_store_round(s, &resume), 2);	/* the last one, then the first */
	ck_assert_uint_eq(resume, 1);
	/* every key was sampled at least once by now */
	for (int i = 0; i < 5; i++) {
		(void) snprintf(key, sizeof(key), "/big%d", i);
		ck_assert_int_eq(loadavg_store_get(s, key, 1, &st), 0);
		ck_assert_int_eq(st.last_pid, 9);
	}
}
END_TEST

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

START_TEST(store_stop_is_quick)
{
	struct fake f = {}, slow = { .sleep_ms = 20000 };
	_cleanup_(store_freep) struct loadavg_store *s = loadavg_store_new(fake_sample, &f);
	_cleanup_(store_freep) struct loadavg_store *s2 = loadavg_store_new(fake_sample, &slow);
	struct loadavg_state st;
	double t;

	/* idle between rounds with the real 5 s interval */
	ck_assert_int_eq(loadavg_store_get(s, "/live", 1, &st), 1);
	ck_assert_int_eq(loadavg_store_start(s, LOADAVG_INTERVAL_MS), 0);
	ck_assert_int_eq(loadavg_store_start(s, LOADAVG_INTERVAL_MS), -EALREADY);
	(void) usleep(100 * 1000);
	t = now_sec();
	loadavg_store_stop(s);
	ck_assert_double_lt(now_sec() - t, 1.0);
	ck_assert_uint_eq(atomic_load(&f.calls), 1);	/* the round at start only */
	loadavg_store_stop(s);				/* idempotent */

	/* in the middle of a sample that would take 20 s */
	ck_assert_int_eq(loadavg_store_get(s2, "/live", 1, &st), 1);
	ck_assert_int_eq(loadavg_store_start(s2, LOADAVG_INTERVAL_MS), 0);
	(void) usleep(100 * 1000);
	t = now_sec();
	loadavg_store_stop(s2);
	ck_assert_double_lt(now_sec() - t, 1.0);
}
END_TEST

struct reader_arg {
	struct loadavg_store *s;
	unsigned seed;
	double until;
	unsigned reads, errors;
};

static const char *const pool_prefix[] = { "/live", "/gone", "/empty", "/fail" };

static void *reader_main(void *p)
{
	struct reader_arg *a = p;
	char key[32];

	while (now_sec() < a->until) {
		unsigned k = (unsigned) rand_r(&a->seed);
		struct loadavg_state st;
		int r;

		(void) snprintf(key, sizeof(key), "%s-%u", pool_prefix[k % 4], (k / 4) % 50);
		r = loadavg_store_get(a->s, key, 7, &st);
		if (r < 0 || st.running > st.total || st.avenrun[0] > 2 * LOADAVG_FIXED_1)
			a->errors++;
		a->reads++;
	}
	return NULL;
}

/* LX-17 in miniature: 8 readers create and read 200 keys while the sampler (1 ms interval)
 * updates, deletes and the fake callback itself reads the store. */
START_TEST(store_concurrent)
{
	struct fake f = {};
	_cleanup_(store_freep) struct loadavg_store *s = loadavg_store_new(fake_sample, &f);
	struct reader_arg args[8];
	pthread_t th[8];
	unsigned reads = 0, errors = 0;
	uint64_t rounds;
	double t;

	f.store = s;
	ck_assert_int_eq(loadavg_store_start(s, 1), 0);
	for (int i = 0; i < 8; i++) {
		args[i] = (struct reader_arg) { .s = s, .seed = (unsigned) i + 1, .until = now_sec() + 1.5 };
		ck_assert_int_eq(pthread_create(&th[i], NULL, reader_main, &args[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
		reads += args[i].reads;
		errors += args[i].errors;
	}
	ck_assert_uint_gt(reads, 1000);
	ck_assert_uint_eq(errors, 0);
	ck_assert_uint_gt(loadavg_store_rounds(s), 10);
	ck_assert_uint_le(loadavg_store_size(s), 200);
	/* without readers, a few more rounds leave only the live keys (the callback's own reads
	 * never re-create a key: each is read before its own write-back) */
	rounds = loadavg_store_rounds(s);
	while (loadavg_store_rounds(s) < rounds + 4)
		(void) usleep(1000);
	ck_assert_uint_le(loadavg_store_size(s), 50);
	ck_assert_uint_gt(loadavg_store_size(s), 0);
	t = now_sec();
	loadavg_store_stop(s);
	ck_assert_double_lt(now_sec() - t, 1.0);
}
END_TEST

/* live upgrade: the table goes to the new library copy as text and comes back the same */
START_TEST(store_save_restore)
{
	struct fake f = {};
	_cleanup_(store_freep) struct loadavg_store *a = loadavg_store_new(fake_sample, &f);
	_cleanup_(store_freep) struct loadavg_store *b = loadavg_store_new(fake_sample, &f);
	_cleanup_(strbuf_done) struct strbuf text = STRBUF_INIT(1 << 20);
	_cleanup_(strbuf_done) struct strbuf again = STRBUF_INIT(1 << 20);
	struct loadavg_state st, got;
	size_t resume = 0;
	char odd_key[] = "/with space\nand newline";

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(loadavg_store_get(a, "/busy", 77, &st), 1);
	ck_assert_int_eq(loadavg_store_get(a, odd_key, 78, &st), 1);
	for (int i = 0; i < 6; i++)
		ck_assert_int_ge(loadavg_store_round(a, &resume), 0);
	ck_assert_int_eq(loadavg_store_get(a, "/busy", 1, &st), 0);
	ck_assert_uint_gt(st.avenrun[0], 0);

	ck_assert_int_eq(loadavg_store_save(a, &text), 0);
	ck_assert_int_eq(loadavg_store_restore(b, text.buf), 2);
	ck_assert_uint_eq(loadavg_store_size(b), 2);
	ck_assert_int_eq(loadavg_store_get(b, "/busy", 1, &got), 0);	/* existed: restored */
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(got.avenrun[i], st.avenrun[i]);
	ck_assert_uint_eq(got.running, st.running);
	ck_assert_uint_eq(got.total, st.total);
	ck_assert_int_eq(got.last_pid, st.last_pid);
	ck_assert_int_eq(loadavg_store_get(b, odd_key, 1, &got), 0);
	ck_assert_int_eq(loadavg_store_save(b, &again), 0);
	ck_assert_uint_eq(again.len, text.len);		/* same entries, same values */

	/* other kinds of lines are skipped; malformed ones stop with -EINVAL */
	ck_assert_int_eq(loadavg_store_restore(b, "psi 1 2 3\nloadavg 1 2 3 1 3 9 2 /x\n"), 1);
	ck_assert_int_eq(loadavg_store_restore(b, "loadavg 1 2 3 1 3 9 5 /x\n"), -EINVAL);	/* short key */
	ck_assert_int_eq(loadavg_store_restore(b, "loadavg 1 2 x 1 3 9 2 /x\n"), -EINVAL);
	ck_assert_int_eq(loadavg_store_restore(b, "loadavg 1 2 3 1 3 9 0 \n"), -EINVAL);	/* empty key */
	ck_assert_int_eq(loadavg_store_restore(b, "loadavg 1 2 3 1 3 99999999999 2 /x\n"), -EINVAL);
	ck_assert_int_eq(loadavg_store_restore(b, ""), 0);
}
END_TEST

static Suite *loadavg_suite(void)
{
	Suite *s = suite_create("loadavg");
	TCase *tc = tcase_create("render");

	tcase_add_loop_test(tc, calc_load_hand, 0, ELEMENTSOF(calc_cases));
	tcase_add_test(tc, step_two_runnable_30s);
	tcase_add_test(tc, step_converges_and_decays);
	tcase_add_test(tc, step_clamps_running);
	tcase_add_loop_test(tc, render_fractions, 0, ELEMENTSOF(fmt_cases));
	tcase_add_test(tc, render_first_read_and_cap);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse");
	tcase_add_test(tc, parse_pid);
	tcase_add_test(tc, parse_pid_list);
	tcase_add_loop_test(tc, parse_stat_state, 0, ELEMENTSOF(stat_cases));
	tcase_add_test(tc, parse_stat_state_bad);
	tcase_add_test(tc, count_add);
	suite_add_tcase(s, tc);

	tc = tcase_create("loader");
	tcase_add_loop_test(tc, loader_tree, 0, ELEMENTSOF(tree_cases));
	tcase_add_test(tc, loader_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("store");
	tcase_set_timeout(tc, 30);	/* a deadlock shows up as a timeout */
	tcase_add_test(tc, store_get_creates);
	tcase_add_test(tc, store_bounded);
	tcase_add_test(tc, store_round_updates_and_deletes);
	tcase_add_test(tc, store_round_budget);
	tcase_add_test(tc, store_stop_is_quick);
	tcase_add_test(tc, store_concurrent);
	tcase_add_test(tc, store_save_restore);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(loadavg_suite());
}
