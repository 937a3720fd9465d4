/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* write-probe: tries every way of changing a file tree that a caller without write permission
 * must be refused, on every entry below the given paths, and reports what was allowed.
 * Linked statically so it runs as root of a busybox container too (test-security.sh).
 *
 *   write-probe [-1] PATH...   walk each PATH (-1: the PATHs that follow only themselves)
 *   write-probe -r PATH...     read each PATH: "READ PATH ok N" or "READ PATH E<errno>"
 *
 * Files: open O_WRONLY, O_RDWR, O_WRONLY|O_TRUNC, O_WRONLY|O_APPEND, O_WRONLY|O_CREAT,
 * truncate(2), chmod, chown to the caller, utimensat (touch), setxattr user.*, unlink,
 * rename, link. Directories: create a file, mkdir, mknod (FIFO), symlink, rename, chmod,
 * chown, utimensat, setxattr, rmdir. Nothing is written through an fd that opened: it is
 * closed at once. Output: "ALLOWED OP PATH" for each success, then one line
 * "SUMMARY files=F dirs=D attempts=A refused=R allowed=N errnos=NAME:COUNT,...".
 * Exit status 0 (the caller judges the lines), 2 on usage errors. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

static unsigned long n_files, n_dirs, n_attempts, n_refused, n_allowed;
static unsigned long errno_count[256];

/* one attempt: @r is the syscall's return value (>= 0: it worked) */
static void judge(const char *op, const char *path, long r)
{
	n_attempts++;
	if (r >= 0) {
		n_allowed++;
		printf("ALLOWED %s %s\n", op, path);
		return;
	}
	n_refused++;
	if (errno > 0 && errno < 256)
		errno_count[errno]++;
}

static void try_open(const char *op, const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW, 0644);

	judge(op, path, fd);
	if (fd >= 0)
		close(fd);
}

/* a name beside @path: PATH.lxkit-probe (or DIR/lxkit-probe-WHAT inside a directory) */
static void sibling(char *buf, size_t size, const char *path, const char *what)
{
	(void) snprintf(buf, size, "%s%s", path, what);
}

static void probe_common(const char *path)
{
	char other[4096];

	judge("chmod", path, chmod(path, 0777));
	judge("chown", path, chown(path, getuid(), getgid()));
	judge("utimensat", path, utimensat(AT_FDCWD, path, NULL, AT_SYMLINK_NOFOLLOW));
	judge("setxattr", path, setxattr(path, "user.lxkit", "x", 1, 0));
	sibling(other, sizeof(other), path, ".lxkit-probe");
	if (rename(path, other) == 0) {
		judge("rename", path, 0);
		(void) rename(other, path);	/* undo what must not have worked */
	} else
		judge("rename", path, -1);
}

static void probe_file(const char *path)
{
	char other[4096];

	n_files++;
	try_open("open-wronly", path, O_WRONLY);
	try_open("open-rdwr", path, O_RDWR);
	try_open("open-trunc", path, O_WRONLY | O_TRUNC);
	try_open("open-append", path, O_WRONLY | O_APPEND);
	try_open("open-creat", path, O_WRONLY | O_CREAT);
	judge("truncate", path, truncate(path, 0));
	probe_common(path);
	sibling(other, sizeof(other), path, ".lxkit-link");
	judge("link", path, link(path, other));
	judge("unlink", path, unlink(path));
}

static void probe_dir(const char *path)
{
	char p[4096];

	n_dirs++;
	sibling(p, sizeof(p), path, "/lxkit-probe-file");
	try_open("create", p, O_WRONLY | O_CREAT | O_EXCL);
	sibling(p, sizeof(p), path, "/lxkit-probe-dir");
	judge("mkdir", p, mkdir(p, 0755));
	sibling(p, sizeof(p), path, "/lxkit-probe-fifo");
	judge("mknod", p, mknod(p, S_IFIFO | 0644, 0));
	sibling(p, sizeof(p), path, "/lxkit-probe-link");
	judge("symlink", p, symlink("/", p));
	probe_common(path);
	judge("rmdir", path, rmdir(path));
}

static int walk_cb(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void) st;
	(void) ftw;
	if (type == FTW_D || type == FTW_DP)
		probe_dir(path);
	else if (type == FTW_F)
		probe_file(path);
	return 0;	/* FTW_SL, FTW_DNR, FTW_NS: nothing to write to */
}

int main(int argc, char *argv[])
{
	bool only_self = false;
	char list[4096] = "";
	size_t used = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: write-probe [-1] PATH... | write-probe -r PATH...\n");
		return 2;
	}
	if (strcmp(argv[1], "-r") == 0) {
		for (int i = 2; i < argc; i++) {
			char buf[65536];
			int fd = open(argv[i], O_RDONLY | O_CLOEXEC | O_NONBLOCK);
			ssize_t n;

			if (fd < 0) {
				printf("READ %s E%s\n", argv[i], strerrorname_np(errno));
				continue;
			}
			n = read(fd, buf, sizeof(buf));
			if (n < 0)
				printf("READ %s E%s\n", argv[i], strerrorname_np(errno));
			else
				printf("READ %s ok %zd\n", argv[i], n);
			close(fd);
		}
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (strcmp(argv[i], "-1") == 0) {
			only_self = true;
			continue;
		}
		if (only_self) {
			if (lstat(argv[i], &st) < 0)
				printf("MISSING %s E%s\n", argv[i], strerrorname_np(errno));
			else if (S_ISDIR(st.st_mode))
				probe_dir(argv[i]);
			else if (S_ISREG(st.st_mode))
				probe_file(argv[i]);
			continue;
		}
		if (nftw(argv[i], walk_cb, 32, FTW_PHYS) < 0)
			printf("MISSING %s E%s\n", argv[i], strerrorname_np(errno));
	}
	for (int e = 1; e < 256; e++) {
		if (!errno_count[e] || used >= sizeof(list))
			continue;
		used += (size_t) snprintf(list + used, sizeof(list) - used, "%s%s:%lu", used ? "," : "",
					  strerrorname_np(e) ? strerrorname_np(e) : "?", errno_count[e]);
	}
	printf("SUMMARY files=%lu dirs=%lu attempts=%lu refused=%lu allowed=%lu errnos=%s\n", n_files,
	       n_dirs, n_attempts, n_refused, n_allowed, list);
	return 0;
}
