/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Seccomp profiles in LXC's version 2 text format, built and compiled with libseccomp in the
 * parent, so a profile that cannot load fails before any container exists (STYLE.md 3.10).
 * LXC parses the text again and loads the filter during container setup. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <seccomp.h>

#include "cleanup.h"
#include "fileio.h"
#include "log.h"
#include "parse-util.h"
#include "security.h"
#include "strbuf.h"

#define PROFILE_FILE_MAX (1024 * 1024)
#define PROFILE_LINE_ARGS_MAX 6
/* The kernel refuses a classic BPF program longer than BPF_MAXINSNS (4096) instructions. */
#define BPF_INSNS_MAX 4096
#define BPF_INSN_SIZE 8

/*
 * Default deny list: each call fails with EPERM ("errno 1"), which programs treat as "not
 * allowed" rather than "not implemented". LXC's own default profile denies kexec_load,
 * open_by_handle_at, init_module, finit_module and delete_module; the rest follow Docker's default
 * profile where the call acts on the whole host and is not namespaced:
 *   kexec_load, kexec_file_load       load and boot a new host kernel
 *   open_by_handle_at                 opens files by handle, escaping the mount namespace
 *                                     ("shocker"); name_to_handle_at stays, it is harmless alone
 *   init_module, finit_module,        kernel modules (CAP_SYS_MODULE is dropped too: defence in
 *   delete_module                     depth if a user --cap-add's it back)
 *   bpf                               eBPF programs can trace and attach host-wide
 *   perf_event_open                   host-wide tracing and side channels
 *   userfaultfd                       a favourite primitive of kernel exploits; only CRIU and
 *                                     post-copy live migration need it
 *   acct                              host process accounting
 *   swapon, swapoff                   host swap
 *   iopl, ioperm                      x86 I/O ports (CAP_SYS_RAWIO is dropped too); on other
 *                                     architectures libseccomp resolves them to pseudo numbers
 *                                     and the rules are no-ops
 * Left out on purpose: keyctl, add_key, request_key (keyrings are per user namespace since
 * Linux 5.2 and systemd inside a container uses them), mount/umount2 and unshare (containers run
 * init systems; namespaces and dropped capabilities confine them), reboot (LXC maps it to the
 * container's init in a pid namespace).
 */
static const char *const default_deny[] = {
	"kexec_load", "kexec_file_load", "open_by_handle_at",
	"init_module", "finit_module", "delete_module",
	"bpf", "perf_event_open", "userfaultfd",
	"acct", "swapon", "swapoff", "iopl", "ioperm",
	NULL,
};

const char *const *seccomp_default_deny(void)
{
	return default_deny;
}

static void seccomp_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

/* LXC's section names (its seccomp.c accepts them lowercase or uppercase) -> libseccomp's. */
static const struct {
	const char *lxc, *scmp;
} arch_sections[] = {
	{ "x86", "x86" },	  { "x32", "x32" },	      { "x86_64", "x86_64" },
	{ "arm", "arm" },	  { "arm64", "aarch64" },     { "ppc", "ppc" },
	{ "ppc64", "ppc64" },	  { "ppc64le", "ppc64le" },   { "mips", "mips" },
	{ "mipsel", "mipsel" },	  { "mips64", "mips64" },     { "mipsel64", "mipsel64" },
	{ "mips64n32", "mips64n32" }, { "mipsel64n32", "mipsel64n32" },
	{ "s390", "s390" },	  { "s390x", "s390x" },	      { "riscv64", "riscv64" },
};

/* Returns 0 for "[all]" and the native architecture (rules are compiled), a libseccomp arch
 * token for another known architecture (names are only resolved), or -EINVAL. */
static int64_t section_arch(const char *name)
{
	char lower[32];
	size_t n = strlen(name);
	bool all_lower = true, all_upper = true;
	uint32_t token;

	if (n == 0 || n >= sizeof(lower))
		return -EINVAL;
	for (size_t i = 0; i <= n; i++) {
		if (islower((unsigned char) name[i]))
			all_upper = false;
		if (isupper((unsigned char) name[i]))
			all_lower = false;
		lower[i] = (char) tolower((unsigned char) name[i]);
	}
	if (!all_lower && !all_upper)	/* LXC compares "[x86_64]" and "[X86_64]" only */
		return -EINVAL;
	if (streq(lower, "all"))
		return 0;
	for (size_t i = 0; i < ELEMENTSOF(arch_sections); i++) {
		if (!streq(lower, arch_sections[i].lxc))
			continue;
		token = seccomp_arch_resolve_name(arch_sections[i].scmp);
		if (token == 0)
			return -EINVAL;
		return token == seccomp_arch_native() ? 0 : (int64_t) token;
	}
	return -EINVAL;
}

/* Number in decimal, 0x hex or 0 octal, no sign, whole token. */
static int parse_u64_any(const char *s, uint64_t *ret)
{
	char *end = NULL;
	unsigned long long v;

	if (!isdigit((unsigned char) *s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno == ERANGE)
		return -ERANGE;
	if (errno != 0 || !end || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* Parses an action at tok[0] (and its parameter at tok[1]); returns how many tokens it used,
 * 0 when tok[0] is not an action word, -EINVAL for a bad parameter. Only the actions LXC 5.0's
 * parser knows (get_v2_default_action(): kill, errno N, allow, trap, notify): a profile we
 * accept must also load in LXC, so "log" and "trace" are refused here. */
static int parse_action(char **tok, size_t n, uint32_t *ret)
{
	uint64_t v;

	if (n == 0)
		return 0;
	if (streq(tok[0], "kill")) {
		*ret = SCMP_ACT_KILL;
		return 1;
	}
	if (streq(tok[0], "allow")) {
		*ret = SCMP_ACT_ALLOW;
		return 1;
	}
	if (streq(tok[0], "trap")) {
		*ret = SCMP_ACT_TRAP;
		return 1;
	}
	if (streq(tok[0], "notify")) {
		*ret = SCMP_ACT_NOTIFY;
		return 1;
	}
	if (streq(tok[0], "errno")) {
		/* the kernel keeps 16 bits, but errno values above MAX_ERRNO are not errors */
		if (n < 2 || safe_atou64(tok[1], &v) < 0 || v > 4095)
			return -EINVAL;
		*ret = SCMP_ACT_ERRNO((uint16_t) v);
		return 2;
	}
	return 0;
}

static const struct {
	const char *name;
	enum scmp_compare op;
} cmp_ops[] = {
	{ "SCMP_CMP_NE", SCMP_CMP_NE }, { "SCMP_CMP_LT", SCMP_CMP_LT },
	{ "SCMP_CMP_LE", SCMP_CMP_LE }, { "SCMP_CMP_EQ", SCMP_CMP_EQ },
	{ "SCMP_CMP_GE", SCMP_CMP_GE }, { "SCMP_CMP_GT", SCMP_CMP_GT },
	{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
	{ "!=", SCMP_CMP_NE }, { "<", SCMP_CMP_LT }, { "<=", SCMP_CMP_LE }, { "==", SCMP_CMP_EQ },
	{ ">=", SCMP_CMP_GE }, { ">", SCMP_CMP_GT }, { "&=", SCMP_CMP_MASKED_EQ },
};

/* "[index,value,op]" or "[index,value,op,mask]", as LXC reads them. LXC defaults a missing
 * mask to 0, which makes SCMP_CMP_MASKED_EQ match only value 0: we ask for the mask instead. */
static int parse_arg_cmp(char *tok, struct scmp_arg_cmp *ret)
{
	char *f[4] = {}, *save = NULL, *p;
	size_t n = 0, len = strlen(tok);
	struct scmp_arg_cmp c = {};
	uint64_t v;

	if (len < 2 || tok[0] != '[' || tok[len - 1] != ']')
		return -EINVAL;
	tok[len - 1] = '\0';
	for (p = strtok_r(tok + 1, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (n >= ELEMENTSOF(f))
			return -EINVAL;
		f[n++] = p;
	}
	if (n < 3)
		return -EINVAL;
	if (safe_atou64(f[0], &v) < 0 || v >= PROFILE_LINE_ARGS_MAX)
		return -EINVAL;
	c.arg = (unsigned) v;
	if (parse_u64_any(f[1], &c.datum_a) < 0)
		return -EINVAL;
	c.op = 0;
	for (size_t i = 0; i < ELEMENTSOF(cmp_ops); i++)
		if (streq(f[2], cmp_ops[i].name))
			c.op = cmp_ops[i].op;
	if (c.op == 0)
		return -EINVAL;
	if (n == 4 && parse_u64_any(f[3], &c.datum_b) < 0)
		return -EINVAL;
	if (c.op == SCMP_CMP_MASKED_EQ) {
		uint64_t value = c.datum_a;

		if (n != 4)
			return -EINVAL;
		/* libseccomp: (arg & datum_a) == datum_b, so the mask goes first */
		c.datum_a = c.datum_b;
		c.datum_b = value;
	}
	*ret = c;
	return 0;
}

struct check_result {
	unsigned line;		/* 1-based line at fault, 0 for the whole text */
	char reason[160];	/* why, for the caller's message */
	bool has_sysinfo;	/* a native or [all] rule names sysinfo */
};

#define FAIL(res, ln, ...)                                                              \
	({                                                                              \
		(res)->line = (ln);                                                     \
		(void) snprintf((res)->reason, sizeof((res)->reason), __VA_ARGS__);     \
		-EINVAL;                                                                \
	})

/* Splits @line in place at blanks; returns the count (at most @max, -E2BIG beyond). */
static int split_blanks(char *line, char **tok, size_t max)
{
	char *save = NULL;
	size_t n = 0;

	for (char *p = strtok_r(line, " \t\r", &save); p; p = strtok_r(NULL, " \t\r", &save)) {
		if (n >= max)
			return -E2BIG;
		tok[n++] = p;
	}
	return (int) n;
}

/* Parses and compiles @text; with @ret_fd, hands on the memfd holding the BPF program. */
static int profile_compile(const char *text, struct check_result *res, int *ret_fd)
{
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
	_cleanup_free_ char *copy = strdup(text);
	_cleanup_close_ int fd = -EBADF;
	uint32_t def_action = SCMP_ACT_ALLOW, rule_action = SCMP_ACT_KILL;
	int64_t arch = 0;	/* current section: 0 = compiled here */
	char *line, *next;
	unsigned ln = 0;
	off_t size;
	int r;

	if (!copy)
		return -ENOMEM;
	*res = (struct check_result) {};

	for (line = copy; line; line = next) {
		char *tok[2 + 2 + PROFILE_LINE_ARGS_MAX + 1] = {};
		struct scmp_arg_cmp args[PROFILE_LINE_ARGS_MAX];
		size_t n_args = 0;
		uint32_t action;
		int n, used, nr;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else if (!*line)
			break;	/* the text ended with a newline */
		ln++;

		if (ln > 2 && (line[0] == '#' || line[strspn(line, " \t\r")] == '\0'))
			continue;
		n = split_blanks(line, tok, ELEMENTSOF(tok));
		if (n == -E2BIG)
			return FAIL(res, ln, "too many fields");

		if (ln == 1) {
			if (n == 1 && streq(tok[0], "1"))
				return FAIL(res, ln, "version 1 profiles are not supported, use version 2");
			if (n != 1 || !streq(tok[0], "2"))
				return FAIL(res, ln, "expected the format version '2'");
			continue;
		}
		if (ln == 2) {
			bool deny;

			if (n >= 1 && (streq(tok[0], "denylist") || streq(tok[0], "blacklist")))
				deny = true;
			else if (n >= 1 && (streq(tok[0], "allowlist") || streq(tok[0], "whitelist")))
				deny = false;
			else
				return FAIL(res, ln, "expected 'denylist' or 'allowlist'");
			def_action = deny ? SCMP_ACT_ALLOW : SCMP_ACT_KILL;
			rule_action = deny ? SCMP_ACT_KILL : SCMP_ACT_ALLOW;
			if (n > 1) {
				used = parse_action(tok + 1, (size_t) n - 1, &def_action);
				if (used <= 0 || 1 + used != n)
					return FAIL(res, ln, "bad default action");
			}
			ctx = seccomp_init(def_action);
			if (!ctx)
				return FAIL(res, ln, "libseccomp refused the default action");
			continue;
		}

		if (tok[0][0] == '[') {
			size_t len = strlen(tok[0]);

			if (n != 1 || len < 3 || tok[0][len - 1] != ']')
				return FAIL(res, ln, "bad architecture section");
			tok[0][len - 1] = '\0';
			arch = section_arch(tok[0] + 1);
			if (arch < 0)
				return FAIL(res, ln, "unknown architecture '%s'", tok[0] + 1);
			continue;
		}
		if (streq(tok[0], "reject_force_umount")) {
			/* LXC adds umount2(MNT_FORCE) -> EACCES itself */
			continue;
		}

		if (arch != 0)
			nr = seccomp_syscall_resolve_name_arch((uint32_t) arch, tok[0]);
		else
			nr = seccomp_syscall_resolve_name(tok[0]);
		if (nr == __NR_SCMP_ERROR)
			return FAIL(res, ln, "unknown system call '%s'", tok[0]);

		/* LXC ignores the rest of a rule line from a '#' on */
		for (int i = 1; i < n; i++)
			if (tok[i][0] == '#') {
				n = i;
				break;
			}
		action = rule_action;
		used = parse_action(tok + 1, (size_t) n - 1, &action);
		if (used < 0)
			return FAIL(res, ln, "bad parameter of action '%s'", tok[1]);
		for (int i = 1 + used; i < n; i++) {
			if (n_args >= ELEMENTSOF(args) || parse_arg_cmp(tok[i], &args[n_args]) < 0)
				return FAIL(res, ln, "unknown action or argument '%s'", tok[i]);
			n_args++;
		}
		if (arch != 0)
			continue;	/* another architecture's rule: names checked, not compiled */
		if (streq(tok[0], "sysinfo"))
			res->has_sysinfo = true;
		r = seccomp_rule_add_array(ctx, action, nr, (unsigned) n_args, args);
		if (r == -EACCES)
			continue;	/* the action is the default action: the rule is redundant */
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return FAIL(res, ln, "libseccomp refused the rule: %s", strerror(-r));
	}
	if (!ctx)
		return FAIL(res, ln == 0 ? 1 : ln + 1,
			    ln == 0 ? "empty profile" : "missing 'denylist' or 'allowlist'");

	/* Compile to BPF: this is what the kernel would be given. A memfd needs no filesystem;
	 * /dev/null still runs the compiler when memfds are unavailable. */
	fd = memfd_create("lxkit-seccomp", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0 && !ret_fd)
		fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = seccomp_export_bpf(ctx, fd);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return FAIL(res, 0, "libseccomp could not compile the filter: %s", strerror(-r));
	size = lseek(fd, 0, SEEK_CUR);
	if (size > 0 && size / BPF_INSN_SIZE > BPF_INSNS_MAX)
		return FAIL(res, 0, "the compiled filter has %lld instructions, the kernel takes %d",
			    (long long) (size / BPF_INSN_SIZE), BPF_INSNS_MAX);
	if (ret_fd) {
		if (lseek(fd, 0, SEEK_SET) < 0)
			return -errno;
		/* the artefact that crosses into setup must not change after validation */
		if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) < 0)
			return -errno;
		*ret_fd = TAKE_FD(fd);
	}
	return 0;
}

int seccomp_profile_bpf(const char *text, int *ret_fd)
{
	struct check_result res;

	return profile_compile(text, &res, ret_fd);
}

int seccomp_profile_check(const char *text, unsigned *ret_line)
{
	struct check_result res;
	int r;

	r = profile_compile(text, &res, NULL);
	if (r == -EINVAL && ret_line)
		*ret_line = res.line;
	return r;
}

static int profile_default(bool notify, char **ret)
{
	_cleanup_(strbuf_done) struct strbuf sb = STRBUF_INIT(64 * 1024);
	int r;

	r = strbuf_appends(&sb, "2\ndenylist\n");
	for (size_t i = 0; r >= 0 && default_deny[i]; i++)
		r = strbuf_appendf(&sb, "%s errno 1\n", default_deny[i]);
	if (r >= 0 && notify)
		r = strbuf_appends(&sb, "sysinfo notify\n");
	if (r < 0)
		return r;
	*ret = strbuf_steal(&sb, NULL);
	return *ret ? 0 : -ENOMEM;
}

static int profile_read(const char *path, char **ret)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	/* A user-given path: symlinks are fine here, unlike in container-controlled trees. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return log_error_errno(-errno, "Failed to open seccomp profile '%s': %m", path);
	r = read_full_fd(fd, PROFILE_FILE_MAX, ret, NULL);
	if (r == -EBADMSG || r == -EFBIG)
		return log_error_errno(-EINVAL, "Seccomp profile '%s' is not a text file of at most %d bytes",
				       path, PROFILE_FILE_MAX);
	if (r < 0)
		return log_error_errno(r, "Failed to read seccomp profile '%s': %m", path);
	return 0;
}

int seccomp_profile_build(const struct seccomp_opts *o, char **ret_profile)
{
	_cleanup_free_ char *text = NULL;
	const char *what = "built-in seccomp profile";
	struct check_result res;
	int r;

	switch (o->kind) {
	case SECCOMP_PROFILE_UNCONFINED:
		if (o->notify_sysinfo)
			return log_error_errno(-EINVAL, "Intercepting sysinfo needs a seccomp filter, not 'unconfined'");
		*ret_profile = NULL;
		return 0;
	case SECCOMP_PROFILE_DEFAULT:
		r = profile_default(o->notify_sysinfo, &text);
		if (r < 0)
			return r;
		break;
	case SECCOMP_PROFILE_FILE:
		if (!o->path || !*o->path)
			return -EINVAL;
		what = o->path;
		r = profile_read(o->path, &text);
		if (r < 0)
			return r;
		if (!o->notify_sysinfo)
			break;
		r = profile_compile(text, &res, NULL);
		if (r == -EINVAL)
			return log_error_errno(r, "%s:%u: %s", what, res.line, res.reason);
		if (r < 0)
			return r;
		if (res.has_sysinfo)
			return log_error_errno(-EINVAL, "%s: the profile has a rule for sysinfo, which the sysinfo interception replaces",
					       what);
		{
			_cleanup_(strbuf_done) struct strbuf sb = STRBUF_INIT(PROFILE_FILE_MAX + 64);
			size_t len = strlen(text);

			r = strbuf_appends(&sb, text);
			if (r >= 0 && len > 0 && text[len - 1] != '\n')
				r = strbuf_appends(&sb, "\n");
			if (r >= 0)
				r = strbuf_appends(&sb, "[all]\nsysinfo notify\n");
			if (r < 0)
				return r;
			free(text);
			text = strbuf_steal(&sb, NULL);
			if (!text)
				return -ENOMEM;
		}
		break;
	default:
		return -EINVAL;
	}

	r = profile_compile(text, &res, NULL);
	if (r == -EINVAL)
		return log_error_errno(r, "%s:%u: %s", what, res.line, res.reason);
	if (r < 0)
		return log_error_errno(r, "Failed to compile the %s: %m", what);
	*ret_profile = TAKE_PTR(text);
	return 0;
}

int seccomp_profile_write_at(int dirfd, const char *name, const char *text)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -EBADF;
	size_t len = strlen(text), done = 0;
	int r;

	if (!*name || strchr(name, '/'))
		return -EINVAL;
	if (asprintf(&tmp, ".%s.tmp", name) < 0)
		return -ENOMEM;
	/* a stale temp file from a crashed run; the directory is the launcher's own */
	(void) unlinkat(dirfd, tmp, 0);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			(void) unlinkat(dirfd, tmp, 0);
			return r;
		}
		done += (size_t) n;
	}
	/* rename: LXC never sees a half-written profile, and a symlink at @name is replaced,
	 * not followed */
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		r = -errno;
		(void) unlinkat(dirfd, tmp, 0);
		return r;
	}
	return 0;
}
