/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Crash recovery: detach a stale lxcfs mount before mounting, and bind the new views again into
 * the mount namespaces whose binds still point at a dead lxcfs (--remount-containers). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "log.h"
#include "parse-util.h"
#include "recovery.h"

#define STALE_DETACH_MAX 16			/* stacked stale mounts detached at most */
#define MOUNTINFO_MAX (16u << 20)		/* bytes of one /proc/PID/mountinfo */
#define REMOUNT_TARGETS_MAX 64			/* dead binds handled per mount namespace */
#define REMOUNT_NS_TIMEOUT_MS 10000		/* per namespace, then its helper is killed */
#define LXCFS_FSTYPE "fuse.lxcfs"

struct devnum {
	unsigned major, minor;
};

/* Devices recovery_detach_stale() detached. Only main() writes them (before the mount) and only
 * the remount worker, a fork made after that, reads its own copy: no lock. */
static struct devnum detached[STALE_DETACH_MAX];
static size_t n_detached;

/* ----------------------------------------------------------------------------- mountinfo */

/* Cuts the next space-separated field off *@p; NULL when there is none. */
static char *field_next(char **p)
{
	char *s = *p, *e;

	if (!*s)
		return NULL;
	e = strchr(s, ' ');
	if (e) {
		*e = 0;
		*p = e + 1;
	} else {
		*p = s + strlen(s);
	}
	return s;
}

/* Decodes the kernel's "\ooo" escapes in place; -EBADMSG for an escaped NUL. */
static int unescape_octal(char *s)
{
	char *w = s;

	for (const char *p = s; *p;) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
		    p[3] >= '0' && p[3] <= '7') {
			char c = (char) (((p[1] - '0') << 6) | ((p[2] - '0') << 3) | (p[3] - '0'));

			if (c == 0)
				return -EBADMSG;
			*w++ = c;
			p += 4;
		} else {
			*w++ = *p++;
		}
	}
	*w = 0;
	return 0;
}

/* "MAJOR:MINOR" -> numbers; @s is modified. */
static int parse_devnum(char *s, struct devnum *ret)
{
	char *colon = strchr(s, ':');
	uint64_t major, minor;

	if (!colon || colon == s || !colon[1])
		return -EBADMSG;
	*colon = 0;
	if (safe_atou64(s, &major) < 0 || safe_atou64(colon + 1, &minor) < 0 ||
	    major > UINT32_MAX || minor > UINT32_MAX)
		return -EBADMSG;
	ret->major = (unsigned) major;
	ret->minor = (unsigned) minor;
	return 0;
}

int recovery_mountinfo_parse(char *line, struct mountinfo_entry *ret_entry)
{
	char *p = line, *id, *parent, *dev, *root, *mountpoint, *opts, *tok, *fstype;
	struct devnum d;

	id = field_next(&p);
	parent = field_next(&p);
	dev = field_next(&p);
	root = field_next(&p);
	mountpoint = field_next(&p);
	opts = field_next(&p);
	if (!id || !parent || !dev || !root || !mountpoint || !opts)
		return -EBADMSG;
	/* optional fields ("shared:N", "master:N", ...) up to the "-" separator */
	do {
		tok = field_next(&p);
		if (!tok)
			return -EBADMSG;
	} while (!streq(tok, "-"));
	fstype = field_next(&p);
	if (!fstype || parse_devnum(dev, &d) < 0)
		return -EBADMSG;
	if (unescape_octal(root) < 0 || unescape_octal(mountpoint) < 0 ||
	    unescape_octal(fstype) < 0)
		return -EBADMSG;
	if (mountpoint[0] != '/')
		return -EBADMSG;

	*ret_entry = (struct mountinfo_entry) {
		.major = d.major,
		.minor = d.minor,
		.root = root,
		.mountpoint = mountpoint,
		.fstype = fstype,
	};
	return 0;
}

/* ---------------------------------------------------------------- stale mount on our path */

/* The absolute path of @path without resolving its last component, which may be a dead FUSE
 * mount (stat() fails on it): realpath() of the directory above plus the name. Returns 0,
 * -EINVAL when the last component is "." or "..", -ENOMEM, or -errno of realpath(). */
static int path_absolute_keep_last(const char *path, char **ret)
{
	_cleanup_free_ char *copy = strdup(path), *dir = NULL;
	char *slash, *base, *out;
	size_t n;

	if (!copy)
		return -ENOMEM;
	n = strlen(copy);
	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = 0;
	if (streq(copy, "/")) {
		*ret = TAKE_PTR(copy);
		return 0;
	}
	slash = strrchr(copy, '/');
	if (slash) {
		*slash = 0;
		base = slash + 1;
		dir = realpath(slash == copy ? "/" : copy, NULL);
	} else {
		base = copy;
		dir = realpath(".", NULL);
	}
	if (!dir)
		return -errno;
	if (streq(base, ".") || streq(base, ".."))
		return -EINVAL;
	if (asprintf(&out, "%s/%s", streq(dir, "/") ? "" : dir, base) < 0)
		return -ENOMEM;
	*ret = out;
	return 0;
}

/* The topmost mount on @path (absolute, canonical) in /proc/self/mountinfo. Returns 1 and
 * fills the outputs (*ret_fstype: caller frees), 0 when nothing is mounted there, -errno. */
static int mountinfo_find_top(const char *path, struct devnum *ret_dev, char **ret_fstype)
{
	_cleanup_free_ char *text = NULL;
	struct mountinfo_entry top = {};
	bool found = false;
	char *fstype;
	int r;

	r = read_full_at(AT_FDCWD, "/proc/self/mountinfo", MOUNTINFO_MAX, &text, NULL);
	if (r < 0)
		return r;
	for (char *line = text, *next; line && *line; line = next) {
		struct mountinfo_entry e;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		/* later lines are mounted later, so the last match is the top of the stack */
		if (recovery_mountinfo_parse(line, &e) == 0 && streq(e.mountpoint, path)) {
			top = e;
			found = true;
		}
	}
	if (!found)
		return 0;
	fstype = strdup(top.fstype);
	if (!fstype)
		return -ENOMEM;
	*ret_dev = (struct devnum) { top.major, top.minor };
	*ret_fstype = fstype;
	return 1;
}

int recovery_detach_stale(const char *mountpoint)
{
	_cleanup_free_ char *canon = NULL;
	int r;

	if (!mountpoint || !*mountpoint)
		return -EINVAL;
	for (int n = 0;; n++) {
		_cleanup_free_ char *fstype = NULL;
		struct statx sx;
		struct devnum d;

		/* FORCE_SYNC: a cached attribute must not hide a dead connection */
		if (statx(AT_FDCWD, mountpoint, AT_STATX_FORCE_SYNC, STATX_TYPE, &sx) == 0)
			return n;
		if (errno != ENOTCONN)
			return n;	/* not stale; any other problem is the mount's to report */
		if (n >= STALE_DETACH_MAX)
			return -ELOOP;
		if (!canon) {
			r = path_absolute_keep_last(mountpoint, &canon);
			if (r < 0)
				return r;
		}
		r = mountinfo_find_top(canon, &d, &fstype);
		if (r < 0)
			return r;
		if (r == 0 || !(streq(fstype, "fuse") || startswith(fstype, "fuse.")))
			return -ENOTCONN;	/* not a FUSE mount of ours to clean up */
		if (umount2(mountpoint, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
			return -errno;
		if (n_detached < STALE_DETACH_MAX)
			detached[n_detached++] = d;
		log_info("Detached a stale %s mount (device %u:%u, its daemon is gone) from '%s'",
			 fstype, d.major, d.minor, mountpoint);
	}
}

/* ------------------------------------------------------------------- remount containers */

/* One dead bind in a namespace. All strings are made before the helper forks. */
struct remount_target {
	char *source;		/* the same path in the new mount (mountpoint + root) */
	char *where;		/* the bind's mountpoint in the namespace, as mountinfo shows it */
	char *dir;		/* its directory ... */
	char *base;		/* ... and name */
	struct devnum dev;	/* the dead mount's device */
};

enum remount_stage {
	STAGE_CLONE,		/* open_tree(OPEN_TREE_CLONE) of the new path */
	STAGE_SETNS,
	STAGE_CHROOT,		/* into the root of the process we took the mountinfo from */
	STAGE_OPEN_DIR,		/* openat2(RESOLVE_NO_SYMLINKS) of the bind's directory */
	STAGE_STAT,
	STAGE_UMOUNT,
	STAGE_MOVE,
	STAGE_DONE,		/* re-bound */
	STAGE_LIVE,		/* the bind answers: its lxcfs is alive, left alone */
	STAGE_CURRENT,		/* already a bind of the new mount */
	STAGE_MAX,
};

static const char *const stage_names[STAGE_MAX] = {
	[STAGE_CLONE] = "open_tree(OPEN_TREE_CLONE)",
	[STAGE_SETNS] = "setns(CLONE_NEWNS)",
	[STAGE_CHROOT] = "chroot",
	[STAGE_OPEN_DIR] = "openat2",
	[STAGE_STAT] = "statx",
	[STAGE_UMOUNT] = "umount2(MNT_DETACH)",
	[STAGE_MOVE] = "move_mount",
	[STAGE_DONE] = "done",
	[STAGE_LIVE] = "live",
	[STAGE_CURRENT] = "current",
};

/* What the helper reports per target through its pipe (12 bytes: one atomic write). */
struct remount_result {
	uint32_t index;
	int32_t error;		/* 0 or -errno */
	uint32_t stage;		/* enum remount_stage */
};

struct remount_stats {
	unsigned namespaces, rebound, failed, live;
};

static void remount_target_done(struct remount_target *t)
{
	free(t->source);
	free(t->where);
	free(t->dir);
	free(t->base);
	*t = (struct remount_target) {};
}

static void report(int fd, size_t i, int error, enum remount_stage stage)
{
	struct remount_result res = { .index = (uint32_t) i, .error = error, .stage = stage };

	(void) !write(fd, &res, sizeof(res));
}

static int openat2_dir_nosymlinks(const char *path)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};

	return (int) syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
}

/* Reports @error at @stage for every target still in play and ends the helper. */
static _Noreturn void remount_helper_fail(const int *clone_fd, size_t n, int error,
					  enum remount_stage stage, int out)
{
	for (size_t i = 0; i < n; i++)
		if (clone_fd[i] >= 0)
			report(out, i, error, stage);
	_exit(EXIT_FAILURE);
}

/* The helper, in a fresh fork of the worker: no allocation, no logging, one result per target
 * to @out. The clones are taken while we are still in the host's namespace (the new mount is
 * not visible in the container's), then we enter the container's namespace and the root of
 * the process whose mountinfo named the targets, so the paths mean what they meant there. */
static _Noreturn void remount_helper(const struct remount_target *t, size_t n, int nsfd,
				     int rootfd, struct devnum newdev, int out)
{
	int clone_fd[REMOUNT_TARGETS_MAX];

	for (size_t i = 0; i < n; i++) {
		clone_fd[i] = open_tree(AT_FDCWD, t[i].source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (clone_fd[i] < 0)
			report(out, i, -errno, STAGE_CLONE);
	}
	if (setns(nsfd, CLONE_NEWNS) < 0)
		remount_helper_fail(clone_fd, n, -errno, STAGE_SETNS, out);
	if (fchdir(rootfd) < 0 || chroot(".") < 0)
		remount_helper_fail(clone_fd, n, -errno, STAGE_CHROOT, out);
	for (size_t i = 0; i < n; i++) {
		struct statx sx;
		int dfd;

		if (clone_fd[i] < 0)
			continue;
		dfd = openat2_dir_nosymlinks(t[i].dir);
		if (dfd < 0) {
			report(out, i, -errno, STAGE_OPEN_DIR);
			continue;
		}
		if (statx(dfd, t[i].base, AT_SYMLINK_NOFOLLOW | AT_STATX_FORCE_SYNC, STATX_TYPE,
			  &sx) == 0) {
			bool current = sx.stx_dev_major == newdev.major &&
				       sx.stx_dev_minor == newdev.minor;

			report(out, i, 0, current ? STAGE_CURRENT : STAGE_LIVE);
		} else if (errno != ENOTCONN) {
			report(out, i, -errno, STAGE_STAT);
		} else if (fchdir(dfd) < 0 ||
			   umount2(t[i].base, MNT_DETACH | UMOUNT_NOFOLLOW) < 0) {
			report(out, i, -errno, STAGE_UMOUNT);
		} else if (move_mount(clone_fd[i], "", dfd, t[i].base,
				      MOVE_MOUNT_F_EMPTY_PATH) < 0) {
			report(out, i, -errno, STAGE_MOVE);
		} else {
			report(out, i, 0, STAGE_DONE);
		}
		(void) close(dfd);
	}
	_exit(EXIT_SUCCESS);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	(void) clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "pid 123 ('init')" for the log; @buf is sized by the caller. */
static const char *describe_pid(pid_t pid, char *buf, size_t size)
{
	_cleanup_free_ char *comm = NULL;
	char path[64];
	int n;

	n = snprintf(path, sizeof(path), "/proc/%d/comm", (int) pid);
	if (n < 0 || (size_t) n >= sizeof(path) ||
	    read_full_at(AT_FDCWD, path, 64, &comm, NULL) < 0)
		comm = NULL;
	else
		comm[strcspn(comm, "\n")] = 0;
	n = snprintf(buf, size, "pid %d ('%s')", (int) pid, comm ? comm : "?");
	if (n < 0 || (size_t) n >= size)
		(void) snprintf(buf, size, "pid %d", (int) pid);
	return buf;
}

/* Runs the helper for the @n targets of the namespace @ino of @pid and logs each result. */
static void remount_namespace(pid_t pid, ino_t ino, struct remount_target *t, size_t n,
			      struct devnum newdev, struct remount_stats *stats)
{
	_cleanup_close_ int nsfd = -EBADF, rootfd = -EBADF, rfd = -EBADF;
	enum remount_stage got[REMOUNT_TARGETS_MAX];
	int got_err[REMOUNT_TARGETS_MAX];
	char who[96], path[64];
	int64_t deadline;
	int pipefd[2], status, r;
	struct stat st;
	bool timed_out = false;
	pid_t child;

	describe_pid(pid, who, sizeof(who));
	stats->namespaces++;
	for (size_t i = 0; i < n; i++) {
		got[i] = STAGE_MAX;
		got_err[i] = 0;
	}

	r = snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int) pid);
	if (r > 0 && (size_t) r < sizeof(path))
		nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0 || fstat(nsfd, &st) < 0 || st.st_ino != ino) {
		log_warning("Mount namespace %ju of %s: the process is gone, ignoring",
			    (uintmax_t) ino, who);
		stats->failed += (unsigned) n;
		return;
	}
	r = snprintf(path, sizeof(path), "/proc/%d/root", (int) pid);
	if (r > 0 && (size_t) r < sizeof(path))
		rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		log_warning_errno(-errno, "Failed to open the root of %s: %m, ignoring", who);
		stats->failed += (unsigned) n;
		return;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		log_warning_errno(-errno, "Failed to create a pipe: %m, ignoring %s", who);
		stats->failed += (unsigned) n;
		return;
	}
	child = fork();
	if (child < 0) {
		log_warning_errno(-errno, "Failed to fork for %s: %m, ignoring", who);
		(void) close(pipefd[0]);
		(void) close(pipefd[1]);
		stats->failed += (unsigned) n;
		return;
	}
	if (child == 0) {
		(void) close(pipefd[0]);
		remount_helper(t, n, nsfd, rootfd, newdev, pipefd[1]);
	}
	(void) close(pipefd[1]);
	rfd = pipefd[0];

	deadline = now_ms() + REMOUNT_NS_TIMEOUT_MS;
	for (;;) {
		struct pollfd pfd = { .fd = rfd, .events = POLLIN };
		struct remount_result res;
		int64_t left = deadline - now_ms();
		ssize_t k;

		if (left <= 0) {
			timed_out = true;
			break;
		}
		r = poll(&pfd, 1, (int) left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			timed_out = r == 0;
			break;
		}
		k = read(rfd, &res, sizeof(res));
		if (k < 0 && errno == EINTR)
			continue;
		if (k != (ssize_t) sizeof(res))
			break;	/* EOF: the helper is done */
		if (res.index < n && res.stage < STAGE_MAX) {
			got[res.index] = (enum remount_stage) res.stage;
			got_err[res.index] = res.error;
		}
	}
	if (timed_out) {
		log_warning("The helper for %s did not finish within %d ms (a hung file system?), "
			    "killing it", who, REMOUNT_NS_TIMEOUT_MS);
		(void) kill(child, SIGKILL);
	}
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;

	for (size_t i = 0; i < n; i++) {
		switch (got[i]) {
		case STAGE_DONE:
			log_info("Re-bound '%s' in mount namespace %ju of %s: was a dead lxcfs bind "
				 "(device %u:%u), now '%s'", t[i].where, (uintmax_t) ino, who,
				 t[i].dev.major, t[i].dev.minor, t[i].source);
			stats->rebound++;
			break;
		case STAGE_LIVE:
			log_info("Left '%s' in mount namespace %ju of %s alone: its lxcfs answers",
				 t[i].where, (uintmax_t) ino, who);
			stats->live++;
			break;
		case STAGE_CURRENT:
			log_info("'%s' in mount namespace %ju of %s is already a bind of the new mount",
				 t[i].where, (uintmax_t) ino, who);
			break;
		case STAGE_MAX:
			log_warning("Failed to re-bind '%s' in mount namespace %ju of %s: the helper "
				    "gave no result (%s), ignoring", t[i].where, (uintmax_t) ino, who,
				    timed_out ? "timed out" : "it died");
			stats->failed++;
			break;
		default:
			log_warning_errno(got_err[i], "Failed to re-bind '%s' in mount namespace "
					  "%ju of %s at %s: %m, ignoring", t[i].where,
					  (uintmax_t) ino, who, stage_names[got[i]]);
			stats->failed++;
			break;
		}
	}
}

static bool devnum_was_detached(struct devnum d)
{
	for (size_t i = 0; i < n_detached; i++)
		if (detached[i].major == d.major && detached[i].minor == d.minor)
			return true;
	return false;
}

/* Fills @t with the fuse.lxcfs binds in @mountinfo (modified) that are candidates: another
 * device than @newdev and, when this process detached stale mounts, one of theirs. Returns the
 * number of targets (at most REMOUNT_TARGETS_MAX; more are logged and left), or -ENOMEM. */
static int collect_targets(char *mountinfo, const char *mountpoint, struct devnum newdev,
			   struct remount_target *t, const char *who)
{
	size_t n = 0;

	for (char *line = mountinfo, *next; line && *line; line = next) {
		struct mountinfo_entry e;
		struct remount_target x = {};
		const char *slash;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		if (recovery_mountinfo_parse(line, &e) < 0 || !streq(e.fstype, LXCFS_FSTYPE))
			continue;
		if (e.major == newdev.major && e.minor == newdev.minor)
			continue;
		if (n_detached > 0 && !devnum_was_detached((struct devnum) { e.major, e.minor }))
			continue;
		if (e.root[0] != '/' || streq(e.mountpoint, "/")) {
			log_warning("Cannot re-bind '%s' (root '%s') of %s, ignoring", e.mountpoint,
				    e.root, who);
			continue;
		}
		if (n == REMOUNT_TARGETS_MAX) {
			log_warning("More than %d lxcfs binds in the mount namespace of %s, "
				    "ignoring '%s'", REMOUNT_TARGETS_MAX, who, e.mountpoint);
			continue;
		}
		slash = strrchr(e.mountpoint, '/');
		x.dev = (struct devnum) { e.major, e.minor };
		x.where = strdup(e.mountpoint);
		x.base = strdup(slash + 1);
		x.dir = slash == e.mountpoint ? strdup("/")
					      : strndup(e.mountpoint, (size_t) (slash - e.mountpoint));
		if (asprintf(&x.source, "%s%s", mountpoint, streq(e.root, "/") ? "" : e.root) < 0)
			x.source = NULL;
		if (!x.where || !x.base || !x.dir || !x.source) {
			remount_target_done(&x);
			while (n > 0)
				remount_target_done(&t[--n]);
			return -ENOMEM;
		}
		t[n++] = x;
	}
	return (int) n;
}

/* The detached worker: scan, one helper per namespace with candidates, summary. */
static void remount_worker(const char *mountpoint)
{
	_cleanup_free_ char *canon = NULL;
	_cleanup_free_ ino_t *seen = NULL;
	_cleanup_closedir_ DIR *proc = NULL;
	struct remount_stats stats = {};
	size_t n_seen = 0, alloc_seen = 0;
	struct statx sx;
	struct devnum newdev;
	struct stat self;
	struct dirent *de;

	/* the daemon's fds (/dev/fuse above all: holding it would keep a dead connection
	 * alive) are not ours; stdin/out/err stay for the log */
	(void) close_range(3, ~0U, 0);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void) signal(sig, SIG_DFL);
	(void) prctl(PR_SET_NAME, "lxcfs-remount");

	/* blocks until the daemon's request loop runs and answers; fails when it went away */
	if (statx(AT_FDCWD, mountpoint, AT_STATX_FORCE_SYNC, STATX_TYPE, &sx) < 0) {
		log_error_errno(-errno, "Remount of containers: '%s' does not answer: %m",
				mountpoint);
		return;
	}
	newdev = (struct devnum) { sx.stx_dev_major, sx.stx_dev_minor };
	if (path_absolute_keep_last(mountpoint, &canon) < 0 ||
	    stat("/proc/self/ns/mnt", &self) < 0) {
		log_error("Remount of containers: cannot resolve '%s' or our mount namespace",
			  mountpoint);
		return;
	}
	if (n_detached > 0)
		log_info("Remount of containers: looking for binds of the %zu detached mount(s) "
			 "(first: device %u:%u); new mount is device %u:%u", n_detached,
			 detached[0].major, detached[0].minor, newdev.major, newdev.minor);
	else
		log_info("Remount of containers: looking for dead lxcfs binds; new mount is "
			 "device %u:%u", newdev.major, newdev.minor);

	proc = opendir("/proc");
	if (!proc) {
		log_error_errno(-errno, "Remount of containers: cannot list /proc: %m");
		return;
	}
	while ((de = readdir(proc))) {
		struct remount_target t[REMOUNT_TARGETS_MAX];
		_cleanup_free_ char *text = NULL;
		char path[64], who[96];
		uint64_t pid;
		struct stat ns;
		bool dup = false;
		int n, k;

		if (safe_atou64(de->d_name, &pid) < 0 || pid == 0 || pid > INT32_MAX)
			continue;
		k = snprintf(path, sizeof(path), "/proc/%s/ns/mnt", de->d_name);
		if (k < 0 || (size_t) k >= sizeof(path) || stat(path, &ns) < 0)
			continue;	/* gone, or a kernel thread without one */
		if (ns.st_ino == self.st_ino && ns.st_dev == self.st_dev)
			continue;
		for (size_t i = 0; i < n_seen && !dup; i++)
			dup = seen[i] == ns.st_ino;
		if (dup)
			continue;
		k = snprintf(path, sizeof(path), "/proc/%s/mountinfo", de->d_name);
		if (k < 0 || (size_t) k >= sizeof(path) ||
		    read_full_at(AT_FDCWD, path, MOUNTINFO_MAX, &text, NULL) < 0)
			continue;	/* gone: another process of the namespace may show it */
		if (n_seen == alloc_seen) {
			size_t na = alloc_seen ? alloc_seen * 2 : 64;
			ino_t *p = reallocarray(seen, na, sizeof(*seen));

			if (!p) {
				log_error("Remount of containers: out of memory");
				return;
			}
			seen = p;
			alloc_seen = na;
		}
		seen[n_seen++] = ns.st_ino;

		describe_pid((pid_t) pid, who, sizeof(who));
		n = collect_targets(text, canon, newdev, t, who);
		if (n < 0) {
			log_error("Remount of containers: out of memory");
			return;
		}
		if (n > 0)
			remount_namespace((pid_t) pid, ns.st_ino, t, (size_t) n, newdev, &stats);
		for (int i = 0; i < n; i++)
			remount_target_done(&t[i]);
	}
	log_info("Remount of containers done: %u bind(s) re-bound in %u mount namespace(s), "
		 "%u failed, %u of a live lxcfs left alone", stats.rebound, stats.namespaces,
		 stats.failed, stats.live);
}

int recovery_remount_containers(const char *mountpoint)
{
	pid_t pid;
	int status;

	if (!mountpoint || !*mountpoint)
		return -EINVAL;
	/* Double fork: the worker is reparented to init (or the service manager), so the daemon
	 * never has to reap it, and it can take its time (10 s per hung namespace) while the
	 * daemon already serves the requests the worker makes (open_tree() of the new mount). */
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		pid_t worker = fork();

		if (worker < 0) {
			log_error_errno(-errno, "Failed to fork the remount worker: %m");
			_exit(EXIT_FAILURE);
		}
		if (worker == 0) {
			remount_worker(mountpoint);
			_exit(EXIT_SUCCESS);
		}
		log_info("Started the remount worker (pid %d)", (int) worker);
		_exit(EXIT_SUCCESS);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != EXIT_SUCCESS)
		return -ECHILD;
	return 0;
}
