/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of launcher/security: capability names and drop lists, CapEff parsing, seccomp
 * profiles (built, parsed and compiled with libseccomp), LSM lookups and the error paths of a
 * kernel without AppArmor or SELinux. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check-main.h"
#include "cleanup.h"
#include "fileio.h"
#include "fixture.h"
#include "parse-util.h"
#include "security.h"

/* ---- stderr capture: the launcher's messages are part of the contract ---- */

struct capture {
	int saved, fd;
};

static struct capture capture_begin(void)
{
	struct capture c = { .saved = dup(STDERR_FILENO), .fd = memfd_create("stderr", 0) };

	ck_assert_int_ge(c.saved, 0);
	ck_assert_int_ge(c.fd, 0);
	ck_assert_int_ge(dup2(c.fd, STDERR_FILENO), 0);
	return c;
}

/* Restores stderr and returns what was written (caller frees). */
static char *capture_end(struct capture *c)
{
	char *text = NULL;

	ck_assert_int_ge(dup2(c->saved, STDERR_FILENO), 0);
	close(c->saved);
	ck_assert_int_eq(lseek(c->fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(read_full_fd(c->fd, 1 << 20, &text, NULL), 0);
	close(c->fd);
	return text;
}

/* ---- capabilities ---- */

static const struct {
	const char *name;
	int r, cap;
} cap_name_cases[] = {
	{ "sys_admin", 0, 21 },
	{ "SYS_ADMIN", 0, 21 },
	{ "CAP_SYS_ADMIN", 0, 21 },
	{ "cap_sys_admin", 0, 21 },
	{ "Cap_Net_Raw", 0, 13 },
	{ "chown", 0, 0 },
	{ "checkpoint_restore", 0, 40 },
	{ "sys_admn", -EINVAL, 0 },
	{ "", -EINVAL, 0 },
	{ "21", -EINVAL, 0 },		/* libcap takes numbers; the CLI does not */
	{ "cap_", -EINVAL, 0 },
	{ "sys-admin", -EINVAL, 0 },
	{ "sys admin", -EINVAL, 0 },
	{ "all", -EINVAL, 0 },		/* only meaningful in a list */
	{ "cap_cap_chown", -EINVAL, 0 },
};

START_TEST(cap_names)
{
	int cap = 4242;

	ck_assert_int_eq(caps_from_name(cap_name_cases[_i].name, &cap), cap_name_cases[_i].r);
	ck_assert_int_eq(cap, cap_name_cases[_i].r == 0 ? cap_name_cases[_i].cap : 4242);
}
END_TEST

#define DEFAULT_DROP "sys_module sys_rawio sys_time mac_override mac_admin syslog"

static const char *const l_net_raw[] = { "net_raw", NULL };
static const char *const l_sys_time[] = { "SYS_TIME", NULL };
static const char *const l_mixed[] = { "CAP_NET_ADMIN,sys_chroot", NULL };
static const char *const l_mac[] = { "mac_admin mac_override", "cap_syslog", NULL };
static const char *const l_net_admin[] = { "net_admin", NULL };
static const char *const l_all_defaults[] = { "sys_module,sys_rawio,sys_time", "mac_override",
					      "mac_admin", "syslog", NULL };
static const char *const l_empty[] = { "", " , ", NULL };

static const struct {
	const char *const *drop, *const *add;
	const char *want;
} drop_cases[] = {
	{ NULL, NULL, DEFAULT_DROP },
	{ l_empty, l_empty, DEFAULT_DROP },
	{ l_net_raw, NULL, "net_raw sys_module sys_rawio sys_time mac_override mac_admin syslog" },
	{ NULL, l_sys_time, "sys_module sys_rawio mac_override mac_admin syslog" },
	{ l_mixed, l_mac, "net_admin sys_module sys_rawio sys_chroot sys_time" },
	{ NULL, l_net_admin, DEFAULT_DROP },		/* adding what is not dropped: no effect */
	{ l_net_raw, l_net_raw, DEFAULT_DROP },		/* --cap-add wins over --cap-drop */
	{ l_all_defaults, NULL, DEFAULT_DROP },		/* duplicates collapse */
	{ NULL, l_all_defaults, "" },
};

START_TEST(cap_drop_lists)
{
	_cleanup_free_ char *text = NULL;

	ck_assert_int_eq(caps_drop_list(drop_cases[_i].drop, drop_cases[_i].add, &text), 0);
	ck_assert_str_eq(text, drop_cases[_i].want);
}
END_TEST

START_TEST(cap_default_list)
{
	const char *const *d = caps_default_drop();
	static const char *const lxc[] = { "sys_module", "mac_admin", "mac_override", "sys_time",
					   "sys_rawio" };
	size_t n = 0;

	for (; d[n]; n++) {
		int cap;

		ck_assert_int_eq(caps_from_name(d[n], &cap), 0);
	}
	ck_assert_uint_eq(n, 6);
	for (size_t i = 0; i < ELEMENTSOF(lxc); i++) {
		bool found = false;

		for (size_t j = 0; d[j]; j++)
			found |= streq(d[j], lxc[i]);
		ck_assert_msg(found, "LXC default '%s' missing", lxc[i]);
	}
}
END_TEST

START_TEST(cap_drop_all)
{
	static const char *const all[] = { "ALL", NULL };
	static const char *const keep[] = { "chown,setuid,setgid", NULL };
	_cleanup_free_ char *text = NULL;

	ck_assert_int_eq(caps_drop_list(all, keep, &text), 0);
	ck_assert_ptr_null(strstr(text, "chown"));
	ck_assert_ptr_null(strstr(text, "setuid"));
	ck_assert_ptr_nonnull(strstr(text, "dac_override"));
	ck_assert_ptr_nonnull(strstr(text, "sys_admin"));
	ck_assert_ptr_nonnull(strstr(text, "syslog"));
	ck_assert_ptr_null(strstr(text, "cap_"));

	/* --cap-add all keeps everything, whatever was dropped */
	free(text);
	text = NULL;
	ck_assert_int_eq(caps_drop_list(keep, all, &text), 0);
	ck_assert_str_eq(text, "");
}
END_TEST

START_TEST(cap_unknown)
{
	static const char *const bad_drop[] = { "net_raw", "sys_admin,sys_bogus", NULL };
	static const char *const bad_add[] = { "CAP_NOPE", NULL };
	_cleanup_free_ char *unknown = NULL, *unknown2 = NULL, *msg = NULL;
	char *text = (char *) "untouched";
	struct capture c;

	ck_assert_int_eq(caps_drop_list_full(bad_drop, NULL, &text, &unknown), -EINVAL);
	ck_assert_str_eq(unknown, "sys_bogus");
	ck_assert_str_eq(text, "untouched");
	ck_assert_int_eq(caps_drop_list_full(NULL, bad_add, &text, &unknown2), -EINVAL);
	ck_assert_str_eq(unknown2, "CAP_NOPE");

	c = capture_begin();
	ck_assert_int_eq(caps_drop_list(bad_drop, NULL, &text), -EINVAL);
	msg = capture_end(&c);
	ck_assert_ptr_nonnull(strstr(msg, "Unknown capability 'sys_bogus'"));
	ck_assert_str_eq(text, "untouched");
}
END_TEST

static const struct {
	const char *fixture, *cap;
	int r;
	bool has;
} capeff_cases[] = {
	{ "status-root", "sys_admin", 0, true },
	{ "status-root", "CAP_CHOWN", 0, true },
	{ "status-root", "checkpoint_restore", 0, true },
	{ "status-root", "sys_resource", 0, false },	/* bit 24, not in this VM's set */
	{ "status-dropped", "sys_module", 0, false },
	{ "status-dropped", "sys_rawio", 0, false },
	{ "status-dropped", "sys_time", 0, false },
	{ "status-dropped", "mac_override", 0, false },
	{ "status-dropped", "mac_admin", 0, false },
	{ "status-dropped", "syslog", 0, false },
	{ "status-dropped", "net_admin", 0, true },
	{ "status-dropped", "sys_admin", 0, true },
	{ "status-root", "sys_bogus", -EINVAL, false },
};

START_TEST(capeff_fixture)
{
	_cleanup_free_ char *text = NULL;
	bool has = !capeff_cases[_i].has;

	ck_assert_int_eq(fixture_read("security", capeff_cases[_i].fixture, &text), 0);
	ck_assert_int_eq(caps_effective_has(text, capeff_cases[_i].cap, &has), capeff_cases[_i].r);
	if (capeff_cases[_i].r == 0)
		ck_assert_int_eq(has, capeff_cases[_i].has);
}
END_TEST

static const struct {
	const char *text;
	int r;
	bool has;
} capeff_text_cases[] = {
	{ "Name:\tsh\nCapEff:\t0000000000200000\n", 0, true },	/* bit 21 = sys_admin */
	{ "CapEff:\t0000000000000000\n", 0, false },
	{ "CapEff:\t200000", 0, true },				/* no newline at the end */
	{ "CapEffective:\t0000000000200000\nCapEff:\t0\n", 0, false },	/* whole key only */
	{ "CapPrm:\t0000000000200000\n", -EBADMSG, false },
	{ "CapEff:\t00000000002zz000\n", -EBADMSG, false },
	{ "CapEff:\t\n", -EBADMSG, false },
	{ "CapEff:\t00000000000000000200000\n", -EBADMSG, false },	/* more than 64 bits */
	{ "", -EBADMSG, false },
};

START_TEST(capeff_text)
{
	bool has = !capeff_text_cases[_i].has;

	ck_assert_int_eq(caps_effective_has(capeff_text_cases[_i].text, "sys_admin", &has),
			 capeff_text_cases[_i].r);
	/* untouched on error */
	ck_assert_int_eq(has, capeff_text_cases[_i].r == 0 ? capeff_text_cases[_i].has
							   : !capeff_text_cases[_i].has);
}
END_TEST

/* ---- seccomp ---- */

static bool have_seccomp(void)
{
	return seccomp_default_deny()[0] != NULL;
}

START_TEST(seccomp_default_profile)
{
	struct seccomp_opts o = { .kind = SECCOMP_PROFILE_DEFAULT };
	_cleanup_free_ char *text = NULL, *notify = NULL;
	unsigned line = 0;

	if (!have_seccomp()) {
		ck_assert_int_eq(seccomp_profile_build(&o, &text), -EOPNOTSUPP);
		return;
	}
	ck_assert_int_eq(seccomp_profile_build(&o, &text), 0);
	ck_assert_str_eq(text, "2\n"
			       "denylist\n"
			       "kexec_load errno 1\n"
			       "kexec_file_load errno 1\n"
			       "open_by_handle_at errno 1\n"
			       "init_module errno 1\n"
			       "finit_module errno 1\n"
			       "delete_module errno 1\n"
			       "bpf errno 1\n"
			       "perf_event_open errno 1\n"
			       "userfaultfd errno 1\n"
			       "acct errno 1\n"
			       "swapon errno 1\n"
			       "swapoff errno 1\n"
			       "iopl errno 1\n"
			       "ioperm errno 1\n");
	ck_assert_int_eq(seccomp_profile_check(text, &line), 0);

	o.notify_sysinfo = true;
	ck_assert_int_eq(seccomp_profile_build(&o, &notify), 0);
	ck_assert_uint_eq(strlen(notify), strlen(text) + strlen("sysinfo notify\n"));
	ck_assert_int_eq(strncmp(notify, text, strlen(text)), 0);
	ck_assert_str_eq(notify + strlen(text), "sysinfo notify\n");
	ck_assert_int_eq(seccomp_profile_check(notify, &line), 0);
}
END_TEST

START_TEST(seccomp_unconfined)
{
	struct seccomp_opts o = { .kind = SECCOMP_PROFILE_UNCONFINED };
	char *text = (char *) "untouched";
	_cleanup_free_ char *msg = NULL;
	struct capture c;

	ck_assert_int_eq(seccomp_profile_build(&o, &text), 0);
	ck_assert_ptr_null(text);

	/* interception needs a filter to carry the notify rule */
	o.notify_sysinfo = true;
	text = (char *) "untouched";
	c = capture_begin();
	ck_assert_int_lt(seccomp_profile_build(&o, &text), 0);
	msg = capture_end(&c);
	ck_assert_str_eq(text, "untouched");
	ck_assert_msg(strstr(msg, "ysinfo") || strstr(msg, "without libseccomp"), "message '%s'", msg);
}
END_TEST

START_TEST(seccomp_opts_arg)
{
	struct seccomp_opts o = { .notify_sysinfo = true };

	ck_assert_int_eq(seccomp_opts_from_arg(NULL, &o), 0);
	ck_assert_int_eq(o.kind, SECCOMP_PROFILE_DEFAULT);
	ck_assert(!o.notify_sysinfo);
	ck_assert_int_eq(seccomp_opts_from_arg("default", &o), 0);
	ck_assert_int_eq(o.kind, SECCOMP_PROFILE_DEFAULT);
	ck_assert_int_eq(seccomp_opts_from_arg("unconfined", &o), 0);
	ck_assert_int_eq(o.kind, SECCOMP_PROFILE_UNCONFINED);
	ck_assert_int_eq(seccomp_opts_from_arg("/etc/my.seccomp", &o), 0);
	ck_assert_int_eq(o.kind, SECCOMP_PROFILE_FILE);
	ck_assert_str_eq(o.path, "/etc/my.seccomp");
	ck_assert_int_eq(seccomp_opts_from_arg("", &o), -EINVAL);
	ck_assert_int_eq(o.kind, SECCOMP_PROFILE_FILE);	/* untouched */
}
END_TEST

static const struct {
	const char *name;
	int r;
	unsigned line;
	const char *msg;
} profile_cases[] = {
	{ "denylist-ok", 0, 0, NULL },
	{ "arch-and-args-ok", 0, 0, NULL },
	{ "allowlist-ok", 0, 0, NULL },
	{ "no-final-newline", 0, 0, NULL },
	{ "bad-syscall", -EINVAL, 4, "bad-syscall:4: unknown system call 'not_a_syscall'" },
	{ "bad-action", -EINVAL, 4, "bad-action:4: unknown action or argument 'explode'" },
	{ "bad-errno", -EINVAL, 3, "bad-errno:3: bad parameter of action 'errno'" },
	{ "version-1", -EINVAL, 1, "version-1:1: version 1 profiles are not supported" },
	{ "missing-policy", -EINVAL, 2, "missing-policy:2: expected 'denylist' or 'allowlist'" },
	{ "bad-arch", -EINVAL, 3, "bad-arch:3: unknown architecture 'vax'" },
};

START_TEST(seccomp_profile_files)
{
	_cleanup_free_ char *path = NULL, *raw = NULL, *text = NULL, *msg = NULL;
	struct seccomp_opts o = { .kind = SECCOMP_PROFILE_FILE };
	unsigned line = 999;
	struct capture c;
	int r;

	if (!have_seccomp())
		return;
	ck_assert_int_ge(asprintf(&path, "%s/security/seccomp/%s", FIXTURE_DIR,
				  profile_cases[_i].name), 0);
	ck_assert_int_eq(fixture_read("security/seccomp", profile_cases[_i].name, &raw), 0);

	r = seccomp_profile_check(raw, &line);
	ck_assert_int_eq(r, profile_cases[_i].r);
	ck_assert_uint_eq(line, r == 0 ? 999 : profile_cases[_i].line);

	o.path = path;
	c = capture_begin();
	r = seccomp_profile_build(&o, &text);
	msg = capture_end(&c);
	ck_assert_int_eq(r, profile_cases[_i].r);
	if (r == 0) {
		ck_assert_str_eq(text, raw);	/* the user's profile is handed on verbatim */
		ck_assert_str_eq(msg, "");
	} else {
		ck_assert_ptr_null(text);
		ck_assert_msg(strstr(msg, profile_cases[_i].msg), "message '%s'", msg);
	}
}
END_TEST

START_TEST(seccomp_file_notify)
{
	_cleanup_free_ char *path = NULL, *path2 = NULL, *text = NULL, *text2 = NULL, *msg = NULL;
	struct seccomp_opts o = { .kind = SECCOMP_PROFILE_FILE, .notify_sysinfo = true };
	struct capture c;

	if (!have_seccomp())
		return;
	ck_assert_int_ge(asprintf(&path, "%s/security/seccomp/no-final-newline", FIXTURE_DIR), 0);
	o.path = path;
	ck_assert_int_eq(seccomp_profile_build(&o, &text), 0);
	ck_assert_str_eq(text, "2\ndenylist\nkexec_load errno 1\n[all]\nsysinfo notify\n");

	ck_assert_int_ge(asprintf(&path2, "%s/security/seccomp/has-sysinfo", FIXTURE_DIR), 0);
	o.path = path2;
	c = capture_begin();
	ck_assert_int_eq(seccomp_profile_build(&o, &text2), -EINVAL);
	msg = capture_end(&c);
	ck_assert_ptr_null(text2);
	ck_assert_ptr_nonnull(strstr(msg, "has a rule for sysinfo"));

	/* without interception the same profile is fine */
	o.notify_sysinfo = false;
	ck_assert_int_eq(seccomp_profile_build(&o, &text2), 0);
}
END_TEST

START_TEST(seccomp_missing_file)
{
	struct seccomp_opts o = { .kind = SECCOMP_PROFILE_FILE, .path = "/nonexistent/x.seccomp" };
	_cleanup_free_ char *msg = NULL;
	char *text = NULL;
	struct capture c;

	if (!have_seccomp())
		return;
	c = capture_begin();
	ck_assert_int_eq(seccomp_profile_build(&o, &text), -ENOENT);
	msg = capture_end(&c);
	ck_assert_ptr_nonnull(strstr(msg, "'/nonexistent/x.seccomp'"));
}
END_TEST

static const struct {
	const char *text;
	unsigned line;
} profile_text_cases[] = {
	{ "", 1 },
	{ "2\n", 2 },
	{ "2\ndenylist kill\n\n\nnope\n", 5 },
	{ "2\ndenylist\nread errno\n", 3 },
	{ "2\ndenylist\nread errno 1 [9,1,SCMP_CMP_EQ]\n", 3 },	/* argument index > 5 */
	{ "2\ndenylist\nread errno 1 [0,1,LIKE]\n", 3 },
	{ "2\ndenylist\nread errno 1 [0,1,SCMP_CMP_MASKED_EQ]\n", 3 },	/* needs the mask */
	{ "2\ndenylist\n[x86_64\nread errno 1\n", 3 },
	{ "2\ndenylist\n[X86_64]\nread errno 1\n[X86_64\n", 5 },
	{ "2\ndenylist\n[x86_64]\nnot_a_call\n", 4 },
	{ "3\ndenylist\n", 1 },
	{ "2\ndenylist\nread log\n", 3 },		/* libseccomp knows it, LXC 5.0 does not */
	{ "2\ndenylist\nread trace 1\n", 3 },
	{ "2\ndenylist\nread errno 4096\n", 3 },
};

static const char *const profile_good_texts[] = {
	"2\ndenylist\nread errno 1 # a comment LXC ignores\n",
	"2\ndenylist\nread # default rule action\n",
	"2\nwhitelist\nread\nwrite allow\nexit_group\n",
	"2\ndenylist errno 38\nread allow\n",		/* rule equal to the default: redundant */
	"2\ndenylist\nsysinfo notify\n",
	"2\ndenylist\n\n\n# only comments\n",
};

START_TEST(seccomp_good_texts)
{
	unsigned line = 999;

	if (!have_seccomp())
		return;
	ck_assert_int_eq(seccomp_profile_check(profile_good_texts[_i], &line), 0);
	ck_assert_uint_eq(line, 999);
}
END_TEST

/* The compiled default filter, loaded in a child: the denied calls fail with EPERM before the
 * kernel looks at their arguments, the rest behave as before. */
START_TEST(seccomp_bpf_loads)
{
	struct seccomp_opts o = { .kind = SECCOMP_PROFILE_DEFAULT };
	_cleanup_free_ char *text = NULL;
	struct stat st;
	int fd = -1, status;
	pid_t pid;

	if (!have_seccomp()) {
		ck_assert_int_eq(seccomp_profile_bpf("2\ndenylist\n", &fd), -EOPNOTSUPP);
		return;
	}
	ck_assert_int_eq(seccomp_profile_build(&o, &text), 0);
	ck_assert_int_eq(seccomp_profile_bpf(text, &fd), 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_gt(st.st_size, 0);
	ck_assert_int_eq(st.st_size % sizeof(struct sock_filter), 0);
	ck_assert_int_lt(write(fd, "x", 1), 0);		/* sealed */
	ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct sock_filter insns[4096];
		struct sock_fprog prog = { .filter = insns };
		ssize_t n = pread(fd, insns, sizeof(insns), 0);

		if (n != st.st_size)
			_exit(10);
		prog.len = (unsigned short) (n / sizeof(struct sock_filter));
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
			_exit(11);
		/* bad fds: without the filter these fail with EBADF */
		if (syscall(SYS_kexec_file_load, -1, -1, 0, NULL, 0UL) != -1 || errno != EPERM)
			_exit(12);
		if (syscall(SYS_finit_module, -1, "", 0) != -1 || errno != EPERM)
			_exit(13);
		if (syscall(SYS_open_by_handle_at, -1, NULL, 0) != -1 || errno != EPERM)
			_exit(14);
		if (syscall(SYS_bpf, -1, NULL, 0) != -1 || errno != EPERM)
			_exit(15);
		/* not denied */
		if (syscall(SYS_getpid) != getpid() || close(-1) != -1 || errno != EBADF)
			_exit(16);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	close(fd);
}
END_TEST

START_TEST(seccomp_bad_texts)
{
	unsigned line = 999;

	if (!have_seccomp())
		return;
	ck_assert_int_eq(seccomp_profile_check(profile_text_cases[_i].text, &line), -EINVAL);
	ck_assert_uint_eq(line, profile_text_cases[_i].line);
}
END_TEST

START_TEST(seccomp_write_file)
{
	struct seccomp_opts o = { .kind = SECCOMP_PROFILE_DEFAULT };
	_cleanup_free_ char *text = NULL, *back = NULL;
	char dir[] = "/tmp/lxkit-test-seccomp-XXXXXX";
	_cleanup_close_ int dfd = -EBADF;
	struct stat st;

	if (!have_seccomp()) {
		ck_assert_int_eq(seccomp_profile_write_at(AT_FDCWD, "x", "2\n"), -EOPNOTSUPP);
		return;
	}
	ck_assert_int_eq(seccomp_profile_build(&o, &text), 0);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	dfd = open(dir, O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(dfd, 0);
	ck_assert_int_eq(symlinkat("/etc/passwd", dfd, "seccomp"), 0);	/* replaced, not followed */
	ck_assert_int_eq(seccomp_profile_write_at(dfd, "seccomp", text), 0);
	ck_assert_int_eq(fstatat(dfd, "seccomp", &st, AT_SYMLINK_NOFOLLOW), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0777, 0644 & ~umask(022));
	ck_assert_int_eq(read_full_at(dfd, "seccomp", 1 << 20, &back, NULL), 0);
	ck_assert_str_eq(back, text);
	ck_assert_int_eq(faccessat(dfd, ".seccomp.tmp", F_OK, AT_SYMLINK_NOFOLLOW), -1);
	ck_assert_int_eq(seccomp_profile_write_at(dfd, "a/b", text), -EINVAL);
	ck_assert_int_eq(unlinkat(dfd, "seccomp", 0), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* ---- LSM ---- */

START_TEST(lsm_lookup)
{
	ck_assert_str_eq(lsm_get("apparmor")->name, "apparmor");
	ck_assert_str_eq(lsm_get("selinux")->name, "selinux");
	ck_assert_str_eq(lsm_get("nop")->name, "nop");
	ck_assert_ptr_null(lsm_get("smack"));
	ck_assert_ptr_null(lsm_get(NULL));
	ck_assert_ptr_nonnull(lsm_detect());
	ck_assert_ptr_nonnull(lsm_detect()->validate_label);
	ck_assert_ptr_nonnull(lsm_detect()->enabled);
}
END_TEST

static bool no_lsm_kernel(void)
{
	return lsm_get("apparmor")->enabled() == 0 && lsm_get("selinux")->enabled() == 0;
}

START_TEST(lsm_detect_nop)
{
	if (!no_lsm_kernel())
		return;	/* a host with an LSM: covered by integration tests */
	ck_assert_str_eq(lsm_detect()->name, "nop");
	ck_assert_int_eq(lsm_detect()->enabled(), 0);
}
END_TEST

static const struct {
	const char *lsm, *label;
	int r;
	const char *msg;	/* with libapparmor/libselinux on this kernel */
	const char *msg_stub;	/* built without the library */
} label_cases[] = {
	{ "apparmor", "unconfined", 0, NULL, NULL },
	{ "apparmor", "generated", 0, NULL, NULL },
	{ "apparmor", "lxc-container-default-cgns", -EOPNOTSUPP,
	  "Cannot apply AppArmor profile 'lxc-container-default-cgns': AppArmor is not enabled in this kernel (/sys/module/apparmor missing or disabled)",
	  "built without libapparmor" },
	{ "apparmor", "has space", -EINVAL, "Invalid AppArmor profile name 'has space'",
	  "Invalid AppArmor profile name 'has space'" },
	{ "apparmor", "", -EINVAL, "Invalid AppArmor profile name ''",
	  "Invalid AppArmor profile name ''" },
	{ "selinux", "system_u:system_r:container_t:s0", -EOPNOTSUPP,
	  "Cannot apply SELinux context 'system_u:system_r:container_t:s0': SELinux is not enabled in this kernel",
	  "built without libselinux" },
	{ "selinux", "system_u:system_r:container_t:s0:c1,c2", -EOPNOTSUPP,
	  "SELinux is not enabled in this kernel", "built without libselinux" },
	{ "selinux", "user_u:role_r:type_t", -EOPNOTSUPP, "SELinux is not enabled in this kernel",
	  "built without libselinux" },
	{ "selinux", "container_t", -EINVAL, "Invalid SELinux context 'container_t'",
	  "Invalid SELinux context 'container_t'" },
	{ "selinux", "u:r:", -EINVAL, "Invalid SELinux context", "Invalid SELinux context" },
	{ "selinux", "u::t", -EINVAL, "Invalid SELinux context", "Invalid SELinux context" },
	{ "selinux", "u:r:t:", -EINVAL, "Invalid SELinux context", "Invalid SELinux context" },
	{ "nop", "unconfined", 0, NULL, NULL },
	{ "nop", "some-profile", -EOPNOTSUPP, "No Linux security module is active",
	  "No Linux security module is active" },
};

START_TEST(lsm_labels_without_lsm)
{
	const struct lsm_ops *ops = lsm_get(label_cases[_i].lsm);
	_cleanup_free_ char *msg = NULL;
	struct capture c;
	int r;

	if (!no_lsm_kernel())
		return;
	ck_assert_ptr_nonnull(ops);
	c = capture_begin();
	r = ops->validate_label(label_cases[_i].label);
	msg = capture_end(&c);
	ck_assert_int_eq(r, label_cases[_i].r);
	if (!label_cases[_i].msg)
		ck_assert_str_eq(msg, "");
	else
		ck_assert_msg(strstr(msg, label_cases[_i].msg) || strstr(msg, label_cases[_i].msg_stub),
			      "message '%s'", msg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("security");
	TCase *tc = tcase_create("security");

	tcase_add_loop_test(tc, cap_names, 0, ELEMENTSOF(cap_name_cases));
	tcase_add_loop_test(tc, cap_drop_lists, 0, ELEMENTSOF(drop_cases));
	tcase_add_test(tc, cap_default_list);
	tcase_add_test(tc, cap_drop_all);
	tcase_add_test(tc, cap_unknown);
	tcase_add_loop_test(tc, capeff_fixture, 0, ELEMENTSOF(capeff_cases));
	tcase_add_loop_test(tc, capeff_text, 0, ELEMENTSOF(capeff_text_cases));
	tcase_add_test(tc, seccomp_default_profile);
	tcase_add_test(tc, seccomp_unconfined);
	tcase_add_test(tc, seccomp_opts_arg);
	tcase_add_loop_test(tc, seccomp_profile_files, 0, ELEMENTSOF(profile_cases));
	tcase_add_test(tc, seccomp_file_notify);
	tcase_add_test(tc, seccomp_missing_file);
	tcase_add_loop_test(tc, seccomp_bad_texts, 0, ELEMENTSOF(profile_text_cases));
	tcase_add_loop_test(tc, seccomp_good_texts, 0, ELEMENTSOF(profile_good_texts));
	tcase_add_test(tc, seccomp_bpf_loads);
	tcase_add_test(tc, seccomp_write_file);
	tcase_add_test(tc, lsm_lookup);
	tcase_add_test(tc, lsm_detect_nop);
	tcase_add_loop_test(tc, lsm_labels_without_lsm, 0, ELEMENTSOF(label_cases));
	suite_add_tcase(s, tc);
	return check_main(s);
}
