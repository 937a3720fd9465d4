/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"

int read_full_fd(int fd, size_t max, char **ret_text, size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, alloc = 0;

	for (;;) {
		ssize_t n;

		if (alloc - len < 2) {
			size_t na = alloc ? alloc * 2 : 4096;
			char *p;

			if (na > max + 2)
				na = max + 2;
			if (na <= alloc)
				return -EFBIG;
			p = realloc(buf, na);
			if (!p)
				return -ENOMEM;
			buf = p;
			alloc = na;
		}
		n = read(fd, buf + len, alloc - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t) n;
		if (len > max)
			return -EFBIG;
	}
	if (!buf) {
		buf = malloc(1);
		if (!buf)
			return -ENOMEM;
	}
	buf[len] = 0;
	if (memchr(buf, 0, len))
		return -EBADMSG;
	*ret_text = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = len;
	return 0;
}

int read_full_at(int dirfd, const char *path, size_t max, char **ret_text, size_t *ret_len)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return -errno;
	return read_full_fd(fd, max, ret_text, ret_len);
}

int open_beneath(int dirfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (unsigned) flags | O_CLOEXEC | O_NOFOLLOW,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	/* Never block: a FIFO (or a device) where a cgroup or container file was expected would
	 * hang open(2) or read(2) for good, and with it the FUSE request, whose reader then
	 * cannot even be killed (test-faults.sh). Regular, kernfs and proc files ignore it.
	 * openat2() refuses O_NONBLOCK with O_PATH. */
	if (!(flags & O_PATH))
		how.flags |= O_NONBLOCK;
	/* the caller's path is relative; an empty path means the directory itself */
	fd = (int) syscall(SYS_openat2, dirfd, *path ? path : ".", &how, sizeof(how));
	if (fd < 0)
		return -errno;
	return fd;
}

int read_full_beneath(int dirfd, const char *path, size_t max, char **ret_text, size_t *ret_len)
{
	_cleanup_close_ int fd = open_beneath(dirfd, path, O_RDONLY);

	if (fd < 0)
		return fd;
	return read_full_fd(fd, max, ret_text, ret_len);
}
