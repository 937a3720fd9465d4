/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of launcher/sysinfo: the pure sysinfo(2) view against lxcfs's meminfo renderer
 * (same inputs, same numbers), uptime and load arithmetic, and the loader on captured cgroup
 * and /proc trees in tests/fixtures/sysinfo (no root needed). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-file.h"
#include "check-main.h"
#include "cleanup.h"
#include "fileio.h"
#include "fixture-meminfo.h"
#include "fixture.h"
#include "loadavg.h"
#include "meminfo.h"
#include "memstat.h"
#include "parse-util.h"
#include "proc.h"
#include "proxy-msg.h"
#include "responder.h"
#include "strbuf.h"
#include "sysinfo-load.h"
#include "sysinfo-view.h"
#include "tasks.h"

#define NS UINT64_C(1000000000)

/* as lxcfs's load_meminfo() decides, from a meminfo fixture case (tests/lib) */
static void load_meminfo_fixture(const char *dir, struct meminfo_inputs *in, char **host)
{
	ck_assert_int_eq(fixture_load_meminfo(dir, in, host), 0);
}

static uint64_t kb(const char *text, const char *key)
{
	uint64_t v;

	ck_assert_int_eq(meminfo_get_kb(text, key, &v), 0);
	return v;
}

/* A host sysinfo with recognisable values; mem_unit 4096 so rescaling shows. */
static struct sysinfo host_si(void)
{
	return (struct sysinfo) {
		.uptime = 99999, .loads = { 5 << 16, 4 << 16, 3 << 16 },
		.totalram = 1000000, .freeram = 500000, .sharedram = 1000, .bufferram = 2000,
		.totalswap = 3000, .freeswap = 2500, .procs = 777, .mem_unit = 4096,
	};
}

/* Every meminfo case: sysinfo's memory fields equal the rendered meminfo's, times 1024. */
static const char *const meminfo_cases[] = {
	"meminfo/v1-limit-256m-memsw-384m",
	"meminfo/v1-usage-over-limit",
	"meminfo/v1-host-swap-512m",
	"meminfo/v1-swappiness-0-no-host-swap",
	"meminfo/v1-no-limit",
	"meminfo/v2-doc-keys",
	"meminfo/v2-max",
};

START_TEST(memory_matches_meminfo)
{
	_cleanup_(strbuf_done) struct strbuf out = STRBUF_INIT(1 << 20);
	_cleanup_free_ char *host = NULL;
	struct meminfo_inputs in;
	struct sysinfo h = host_si(), si;
	struct sysinfo_inputs sin;

	load_meminfo_fixture(meminfo_cases[_i], &in, &host);
	ck_assert_int_eq(meminfo_render(&in, &out), 0);
	sin = (struct sysinfo_inputs) { .host = &h, .mem = &in };
	ck_assert_int_eq(sysinfo_view_compute(&sin, &si), 0);
	ck_assert_uint_eq(si.mem_unit, 1);
	ck_assert_uint_eq(si.totalram, kb(out.buf, "MemTotal") * 1024);
	ck_assert_uint_eq(si.freeram, kb(out.buf, "MemFree") * 1024);
	ck_assert_uint_eq(si.sharedram, kb(out.buf, "Shmem") * 1024);
	ck_assert_uint_eq(si.bufferram, kb(out.buf, "Buffers") * 1024);
	ck_assert_uint_eq(si.totalswap, kb(out.buf, "SwapTotal") * 1024);
	ck_assert_uint_eq(si.freeswap, kb(out.buf, "SwapFree") * 1024);
	ck_assert_uint_eq(si.totalhigh, 0);
	ck_assert_uint_eq(si.freehigh, 0);
	/* no clock, load or process inputs: the host's, unchanged */
	ck_assert_int_eq(si.uptime, 99999);
	ck_assert_uint_eq(si.loads[0], 5 << 16);
	ck_assert_uint_eq(si.procs, 777);
}
END_TEST

START_TEST(memory_values)
{
	_cleanup_free_ char *host = NULL, *host2 = NULL;
	struct meminfo_inputs in;
	struct sysinfo h = host_si(), si;
	struct sysinfo_inputs sin = { .host = &h, .mem = &in };

	/* LX-23: a 256 MiB container sees 256 MiB */
	load_meminfo_fixture("meminfo/v1-limit-256m-memsw-384m", &in, &host);
	ck_assert_int_eq(sysinfo_view_compute(&sin, &si), 0);
	ck_assert_uint_eq(si.totalram, 268435456);
	ck_assert_uint_eq(si.freeram, (268435456 - 61296640) / 1024 * 1024);
	ck_assert_uint_eq(si.totalswap, 0);	/* the host has no swap */

	/* usage above the limit: free is 0, never a wrapped huge number */
	load_meminfo_fixture("meminfo/v1-usage-over-limit", &in, &host2);
	ck_assert_int_eq(sysinfo_view_compute(&sin, &si), 0);
	ck_assert_uint_eq(si.freeram, 0);
}
END_TEST

START_TEST(memory_host_fallback)
{
	struct sysinfo h = host_si(), si;
	struct sysinfo_inputs sin = { .host = &h };

	/* root cgroup: the host's memory, rescaled from mem_unit 4096 to bytes */
	ck_assert_int_eq(sysinfo_view_compute(&sin, &si), 0);
	ck_assert_uint_eq(si.mem_unit, 1);
	ck_assert_uint_eq(si.totalram, UINT64_C(1000000) * 4096);
	ck_assert_uint_eq(si.freeram, UINT64_C(500000) * 4096);
	ck_assert_uint_eq(si.bufferram, UINT64_C(2000) * 4096);
	ck_assert_uint_eq(si.totalswap, UINT64_C(3000) * 4096);
}
END_TEST

START_TEST(memory_bad_host_meminfo)
{
	struct meminfo_inputs in = { .host_meminfo = "SwapTotal: 0 kB\n", .limit = 1 << 20 };
	struct sysinfo h = host_si(), si = { .uptime = 42 };
	struct sysinfo_inputs sin = { .host = &h, .mem = &in };

	ck_assert_int_eq(sysinfo_view_compute(&sin, &si), -EBADMSG);
	ck_assert_int_eq(si.uptime, 42);	/* untouched on error */
}
END_TEST

static const struct uptime_case {
	uint64_t now_ns, start_ticks, clk_tck;
	int r;
	long uptime;
} uptime_cases[] = {
	{ 1600 * NS, 150000, 100, 0, 100 },		/* started 1500 s after boot */
	{ 1600 * NS + NS - 1, 150000, 100, 0, 100 },	/* rounded down, as proc/uptime's integer part */
	{ 1500 * NS, 150000, 100, 0, 0 },		/* just started */
	{ 10 * NS, 3, 3, 0, 9 },			/* an odd USER_HZ */
	{ 10 * NS + NS / 3, 4, 3, 0, 9 },		/* start 1.333 s: ticks remainder counted */
	{ 1 * NS, 150000, 100, -ERANGE, 7 },		/* a start in the future: error, untouched */
	{ 1500 * NS + 5 * NS / 1000, 150001, 100, -ERANGE, 7 },	/* 1500.01 s > now 1500.005 s */
	{ 1000000000 * NS, 100, 100, 0, 999999999 },	/* 31 years up: no overflow */
};

START_TEST(uptime_table)
{
	const struct uptime_case *c = &uptime_cases[_i];
	struct sysinfo h = host_si(), si = { .uptime = 7 };
	struct sysinfo_inputs sin = {
		.host = &h, .now_boot_ns = c->now_ns, .start_ticks = c->start_ticks, .clk_tck = c->clk_tck,
	};

	ck_assert_int_eq(sysinfo_view_compute(&sin, &si), c->r);
	ck_assert_int_eq(si.uptime, c->uptime);
}
END_TEST

START_TEST(loads_and_procs)
{
	struct sysinfo h = host_si(), si;
	struct sysinfo_inputs sin = {
		.host = &h, .has_loads = true,
		.avenrun = { LOADAVG_FIXED_1, LOADAVG_FIXED_1 / 2, 0 },
		.has_procs = true, .procs = 12,
	};
	struct loadavg_state st;
	struct tasks_count two = { .running = 2, .total = 3, .last_pid = 9 };

	ck_assert_int_eq(sysinfo_view_compute(&sin, &si), 0);
	ck_assert_uint_eq(si.loads[0], 65536);	/* 1.0 in sysinfo's 16-bit fixed point */
	ck_assert_uint_eq(si.loads[1], 32768);
	ck_assert_uint_eq(si.loads[2], 0);
	ck_assert_uint_eq(si.procs, 12);

	/* the loadavg renderer's state after one step towards 2 running: the same numbers
	 * proc/loadavg prints, only with 5 more bits of fraction */
	loadavg_state_init(1, &st);
	loadavg_step(&st, &two, &st);
	memcpy(sin.avenrun, st.avenrun, sizeof(sin.avenrun));
	ck_assert_int_eq(sysinfo_view_compute(&sin, &si), 0);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(si.loads[i], st.avenrun[i] << 5);

	sin.procs = 1000000;	/* more than procs can hold: clamped */
	ck_assert_int_eq(sysinfo_view_compute(&sin, &si), 0);
	ck_assert_uint_eq(si.procs, 65535);
}
END_TEST

/* ---- loader, on captured trees ---- */

static int open_fixture_dir(const char *rel)
{
	char p[4096];
	int n = snprintf(p, sizeof(p), "%s/%s", FIXTURE_DIR, rel);
	int fd;

	ck_assert(n > 0 && (size_t) n < sizeof(p));
	fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "cannot open %s", p);
	return fd;
}

START_TEST(loader_v1)
{
	_cleanup_(sysinfo_source_done) struct sysinfo_source src = {
		.proc_fd = open_fixture_dir("sysinfo/v1-container-256m/proc"),
		.memory_fd = open_fixture_dir("sysinfo/v1-container-256m/memory"),
		.memory_version = CG_V1,
		.pids_fd = open_fixture_dir("sysinfo/v1-container-256m/pids"),
		.pids_version = CG_V1,
	};
	_cleanup_(sysinfo_loaded_done) struct sysinfo_loaded l = {};
	_cleanup_(strbuf_done) struct strbuf out = STRBUF_INIT(1 << 20);
	struct sysinfo h = host_si(), si;
	struct tasks_count c;
	struct sysinfo_inputs sin;

	ck_assert_int_eq(sysinfo_load(&src, 4242, &l), 0);
	ck_assert(l.has_mem);
	ck_assert_str_eq(l.memory_path, "/lxc.payload.c1");
	ck_assert_uint_eq(l.start_ticks, 150000);
	ck_assert(l.has_procs);
	ck_assert_uint_eq(l.procs, 3);
	ck_assert_uint_eq(l.mem.limit, 268435456);
	ck_assert_uint_eq(l.mem.usage, 61296640);
	ck_assert(l.mem.has_swappiness);

	sin = (struct sysinfo_inputs) {
		.host = &h, .mem = &l.mem, .now_boot_ns = 1600 * NS, .start_ticks = l.start_ticks,
		.clk_tck = 100, .has_procs = l.has_procs, .procs = l.procs,
	};
	ck_assert_int_eq(sysinfo_view_compute(&sin, &si), 0);
	ck_assert_int_eq(si.uptime, 100);
	ck_assert_uint_eq(si.totalram, 268435456);
	ck_assert_uint_eq(si.procs, 3);
	ck_assert_int_eq(meminfo_render(&l.mem, &out), 0);
	ck_assert_uint_eq(si.freeram, kb(out.buf, "MemFree") * 1024);

	/* one load sample: init (S), the busy thread (R) and its sleeping sibling */
	ck_assert_int_eq(sysinfo_load_tasks(&src, 4242, &c), 0);
	ck_assert_uint_eq(c.running, 1);
	ck_assert_uint_eq(c.total, 3);
	ck_assert_int_eq(c.last_pid, 4250);

	/* init gone */
	ck_assert_int_eq(sysinfo_load(&src, 4299, &l), -ESRCH);
	ck_assert_int_eq(sysinfo_load_tasks(&src, 4299, &c), -ESRCH);
}
END_TEST

START_TEST(loader_v2_nested)
{
	_cleanup_(sysinfo_source_done) struct sysinfo_source src = {
		.proc_fd = open_fixture_dir("sysinfo/v2-nested-limit/proc"),
		.memory_fd = open_fixture_dir("sysinfo/v2-nested-limit/unified"),
		.memory_version = CG_V2,
		.pids_fd = open_fixture_dir("sysinfo/v2-nested-limit/unified"),
		.pids_version = CG_V2,
	};
	_cleanup_(sysinfo_loaded_done) struct sysinfo_loaded l = {};
	struct sysinfo h = host_si(), si;
	struct sysinfo_inputs sin;

	ck_assert_int_eq(sysinfo_load(&src, 777, &l), 0);
	ck_assert_str_eq(l.memory_path, "/lxc.payload.c2/init");
	ck_assert_uint_eq(l.mem.limit, 536870912);	/* the parent's: min over ancestors */
	ck_assert(l.mem.swap_wanted);
	ck_assert_uint_eq(l.mem.swap_limit, 104857600);
	ck_assert_uint_eq(l.procs, 5);
	sin = (struct sysinfo_inputs) { .host = &h, .mem = &l.mem };
	ck_assert_int_eq(sysinfo_view_compute(&sin, &si), 0);
	ck_assert_uint_eq(si.totalram, 536870912);
	ck_assert_uint_eq(si.totalswap, 104857600);
	ck_assert_uint_eq(si.freeswap, 104857600);
}
END_TEST

/* ---- the proxy message codec ---- */

enum { MUT_NONE, MUT_RESERVED, MUT_NOTIF_SMALL, MUT_RESP_SMALL, MUT_NOTIF_HUGE, MUT_SHORT,
       MUT_LONG, MUT_COOKIE_HUGE, MUT_HEADER_ONLY };

static const struct codec_case {
	int mutation;
	int r;
} codec_cases[] = {
	{ MUT_NONE, 0 },
	{ MUT_RESERVED, -EBADMSG },	/* LXC checks it too: a proxy must not fill it */
	{ MUT_NOTIF_SMALL, -EBADMSG },	/* smaller than the struct we read */
	{ MUT_RESP_SMALL, -EBADMSG },
	{ MUT_NOTIF_HUGE, -EBADMSG },
	{ MUT_SHORT, -EBADMSG },	/* one byte of cookie missing */
	{ MUT_LONG, -EBADMSG },		/* one byte too many */
	{ MUT_COOKIE_HUGE, -EBADMSG },	/* a cookie_len that would wrap the sum */
	{ MUT_HEADER_ONLY, -EBADMSG },
};

START_TEST(codec_table)
{
	const struct codec_case *c = &codec_cases[_i];
	_Alignas(8) uint8_t buf[512] = {};
	struct proxy_msg h = {
		.init_pid = 4242,
		.sizes = { .seccomp_notif = sizeof(struct seccomp_notif) + 8,	/* a newer kernel's */
			   .seccomp_notif_resp = sizeof(struct seccomp_notif_resp),
			   .seccomp_data = sizeof(struct seccomp_data) },
		.cookie_len = 3,
	};
	struct seccomp_notif req = { .id = 99, .pid = 7, .data = { .nr = 99, .args = { 0x1000 } } };
	struct seccomp_notif got = { .id = 1 };
	struct seccomp_notif_resp resp = { .id = 99, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE };
	struct proxy_msg got_h = {};
	size_t n, reply = 12345;

	switch (c->mutation) {
	case MUT_RESERVED: h.reserved = 1; break;
	case MUT_NOTIF_SMALL: h.sizes.seccomp_notif = sizeof(struct seccomp_notif) - 1; break;
	case MUT_RESP_SMALL: h.sizes.seccomp_notif_resp = sizeof(struct seccomp_notif_resp) - 1; break;
	case MUT_NOTIF_HUGE: h.sizes.seccomp_notif = PROXY_SIZE_MAX + 1; break;
	}
	n = sizeof(h) + h.sizes.seccomp_notif + h.sizes.seccomp_notif_resp + 3;
	if (c->mutation == MUT_NOTIF_HUGE)
		n = sizeof(buf);
	if (c->mutation == MUT_COOKIE_HUGE)
		h.cookie_len = UINT64_MAX - 10;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), &req, sizeof(req));
	if (sizeof(h) + h.sizes.seccomp_notif + h.sizes.seccomp_notif_resp <= sizeof(buf))
		memset(buf + sizeof(h) + h.sizes.seccomp_notif, 0x55, h.sizes.seccomp_notif_resp);
	if (c->mutation == MUT_SHORT)
		n--;
	if (c->mutation == MUT_LONG)
		n++;
	if (c->mutation == MUT_HEADER_ONLY)
		n = sizeof(h) - 1;

	ck_assert_int_eq(proxy_msg_parse(buf, n, &got_h, &got, &reply), c->r);
	if (c->r < 0) {
		ck_assert_uint_eq(got.id, 1);		/* untouched */
		ck_assert_uint_eq(reply, 12345);
		return;
	}
	ck_assert_int_eq(got_h.init_pid, 4242);
	ck_assert_uint_eq(got.id, 99);
	ck_assert_int_eq(got.data.nr, 99);
	ck_assert_uint_eq(got.data.args[0], 0x1000);
	ck_assert_uint_eq(reply, n - 3);		/* the reply drops the cookie */

	proxy_msg_set_resp(buf, &got_h, &resp);
	ck_assert_mem_eq(buf + sizeof(h) + h.sizes.seccomp_notif, &resp, sizeof(resp));
	ck_assert_mem_eq(buf, &h, sizeof(h));		/* header and notif as received */
	ck_assert_mem_eq(buf + sizeof(h), &req, sizeof(req));
}
END_TEST

/* ---- the proxy protocol, with this test as LXC's monitor ---- */

/* LXC's struct seccomp_notify_proxy_msg layout (src/lxc/lxcseccomp.h), written out here on
 * purpose rather than shared with responder.c: the test checks the ABI, not the code. */
struct fake_proxy_msg {
	uint64_t reserved;
	int32_t monitor_pid, init_pid;
	uint16_t notif, resp, data;
	uint64_t cookie_len;
};

#define COOKIE "lxkit-cookie"

struct fake_monitor {
	int sock;
	int mem;	/* a memfd standing in for /proc/PID/mem */
	struct seccomp_notif_sizes sizes;
};

/* Sends one notification for syscall @nr with args[0] = @addr, as LXC's
 * seccomp_notify_handler() does (header, notif, resp, cookie; /proc/PID dirfd, mem fd and
 * listener fd as SCM_RIGHTS), and receives the reply. Returns the reply's length. */
static ssize_t fake_notify(struct fake_monitor *m, uint64_t id, int nr, uint64_t addr,
			   struct seccomp_notif_resp *ret_resp)
{
	_Alignas(8) uint8_t buf[4096] = {};
	struct fake_proxy_msg h = {
		.monitor_pid = getpid(), .init_pid = getpid(),
		.notif = m->sizes.seccomp_notif, .resp = m->sizes.seccomp_notif_resp,
		.data = m->sizes.seccomp_data, .cookie_len = strlen(COOKIE),
	};
	struct seccomp_notif req = {
		.id = id, .pid = (uint32_t) getpid(),
		.data = { .nr = nr, .arch = AUDIT_ARCH_X86_64, .args = { addr } },
	};
	size_t base = sizeof(h) + h.notif + h.resp;
	int fds[3] = { open("/proc/self", O_RDONLY | O_DIRECTORY | O_CLOEXEC), m->mem,
		       open("/dev/null", O_RDONLY | O_CLOEXEC) };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(fds))];
	} cbuf = {};
	struct iovec iov = { .iov_base = buf, .iov_len = base + h.cookie_len };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.buf,
		.msg_controllen = sizeof(cbuf.buf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	ssize_t n;

	ck_assert(fds[0] >= 0 && fds[2] >= 0);
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), &req, sizeof(req));
	memcpy(buf + base, COOKIE, strlen(COOKIE));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	ck_assert_int_eq(sendmsg(m->sock, &mh, 0), (ssize_t) (base + h.cookie_len));
	(void) close(fds[0]);
	(void) close(fds[2]);

	memset(buf, 0xaa, sizeof(buf));
	n = recv(m->sock, buf, sizeof(buf), 0);
	if (n > 0) {
		memcpy(&h, buf, sizeof(h));
		ck_assert_uint_eq(h.reserved, 0);
		memcpy(ret_resp, buf + sizeof(h) + h.notif, sizeof(*ret_resp));
	}
	return n;
}

START_TEST(proxy_protocol)
{
	char dir[] = "/tmp/lxkit-test-sysinfo-XXXXXX", path[128];
	struct sysinfo_responder *r = NULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct fake_monitor m = {};
	struct seccomp_notif_resp resp;
	struct sysinfo si, zero = {};
	struct sysinfo_responder_stats st;
	_cleanup_free_ char *stat = NULL;
	uint64_t start_ticks;
	size_t base;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/proxy.sock", dir);
	ck_assert_int_eq(sysinfo_responder_new(path, &r), 0);
	ck_assert_int_eq(sysinfo_responder_start(r), 0);
	ck_assert_int_eq(syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &m.sizes), 0);
	base = sizeof(struct fake_proxy_msg) + m.sizes.seccomp_notif + m.sizes.seccomp_notif_resp;
	m.mem = memfd_create("fake-mem", MFD_CLOEXEC);
	ck_assert_int_ge(m.mem, 0);
	ck_assert_int_eq(ftruncate(m.mem, 4096), 0);
	m.sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	ck_assert_int_eq(connect(m.sock, (struct sockaddr *) &sa, sizeof(sa)), 0);

	/* sysinfo: answered, the struct written at args[0] through the mem fd */
	ck_assert_int_eq(fake_notify(&m, 77, SYS_sysinfo, 512, &resp), (ssize_t) base);
	ck_assert_uint_eq(resp.id, 77);
	ck_assert_uint_eq(resp.flags, 0);
	ck_assert_int_eq(resp.error, 0);
	ck_assert_int_eq(resp.val, 0);
	ck_assert_int_eq(pread(m.mem, &si, sizeof(si), 512), (ssize_t) sizeof(si));
	ck_assert_uint_eq(si.mem_unit, 1);
	ck_assert_uint_gt(si.totalram, 0);
	ck_assert_uint_le(si.freeram, si.totalram);
	/* "the container" is this test: its uptime is this process's age */
	ck_assert_int_eq(read_full_at(AT_FDCWD, "/proc/self/stat", 1 << 16, &stat, NULL), 0);
	ck_assert_int_eq(proc_stat_starttime(stat, &start_ticks), 0);
	{
		struct timespec ts;
		uint64_t hz = (uint64_t) sysconf(_SC_CLK_TCK);

		clock_gettime(CLOCK_BOOTTIME, &ts);
		ck_assert_int_le(si.uptime, (long) ((uint64_t) ts.tv_sec - start_ticks / hz) + 1);
	}

	/* another syscall: CONTINUE, memory untouched */
	ck_assert_int_eq(pwrite(m.mem, &zero, sizeof(zero), 1024), (ssize_t) sizeof(zero));
	ck_assert_int_eq(fake_notify(&m, 78, SYS_getpid, 1024, &resp), (ssize_t) base);
	ck_assert_uint_eq(resp.id, 78);
	ck_assert_uint_eq(resp.flags, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
	ck_assert_int_eq(resp.error, 0);
	ck_assert_int_eq(pread(m.mem, &si, sizeof(si), 1024), (ssize_t) sizeof(si));
	ck_assert_mem_eq(&si, &zero, sizeof(si));

	/* a sysinfo whose answer cannot be written (NULL buffer): CONTINUE, the kernel says EFAULT */
	ck_assert_int_eq(fake_notify(&m, 79, SYS_sysinfo, 0, &resp), (ssize_t) base);
	ck_assert_uint_eq(resp.flags, SECCOMP_USER_NOTIF_FLAG_CONTINUE);

	/* a malformed message: no answer, the connection is closed */
	ck_assert_int_eq(send(m.sock, "short", 5, 0), 5);
	{
		char b[64];

		ck_assert_int_eq(recv(m.sock, b, sizeof(b), 0), 0);
	}
	sysinfo_responder_get_stats(r, &st);
	ck_assert_uint_eq(st.answered, 1);
	ck_assert_uint_eq(st.continued, 2);
	ck_assert_uint_eq(st.bad_messages, 1);

	(void) close(m.sock);
	(void) close(m.mem);
	sysinfo_responder_free(r);
	ck_assert_int_eq(access(path, F_OK), -1);	/* the socket file is gone */
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sysinfo");
	TCase *tc = tcase_create("sysinfo");

	tcase_add_loop_test(tc, memory_matches_meminfo, 0, ELEMENTSOF(meminfo_cases));
	tcase_add_test(tc, memory_values);
	tcase_add_test(tc, memory_host_fallback);
	tcase_add_test(tc, memory_bad_host_meminfo);
	tcase_add_loop_test(tc, uptime_table, 0, ELEMENTSOF(uptime_cases));
	tcase_add_test(tc, loads_and_procs);
	tcase_add_test(tc, loader_v1);
	tcase_add_test(tc, loader_v2_nested);
	tcase_add_loop_test(tc, codec_table, 0, ELEMENTSOF(codec_cases));
	tcase_add_test(tc, proxy_protocol);
	suite_add_tcase(s, tc);
	return check_main(s);
}
