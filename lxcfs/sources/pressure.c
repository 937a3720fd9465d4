/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pressure files: location, confined reads, trigger registration. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "parse-util.h"
#include "pressure.h"
#include "proc.h"

void pressure_file_done(struct pressure_file *f)
{
	free(f->path);
	*f = (struct pressure_file) { .dirfd = -EBADF };
}

static const struct cg_hierarchy *unified_hierarchy(const struct cg_layout *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->h[i].version == CG_V2)
			return &l->h[i];
	return NULL;
}

int pressure_cgroup_locate(const struct reader_env *env, struct reader *rd, const char *res,
			   struct pressure_file *ret)
{
	const struct cg_hierarchy *h = unified_hierarchy(env->layout);
	_cleanup_free_ char *cg = NULL;
	char *path;
	const char *rel;
	int r;

	if (!h)
		return -ENOENT;
	r = reader_cgroup_text(env, rd);
	if (r < 0)
		return r;
	/* the "0::" line, whichever v1 hierarchy serves the controller of the same name */
	r = proc_cgroup_find(rd->cgroup_text, NULL, &cg);
	if (r < 0)
		return r;
	for (rel = cg; *rel == '/'; rel++)
		;
	if (!*rel)
		return -ENOENT;
	if (asprintf(&path, "%s/%s.pressure", rel, res) < 0)
		return -ENOMEM;
	if (strlen(path) >= PATH_MAX) {
		free(path);
		return -ENAMETOOLONG;
	}
	*ret = (struct pressure_file) { .dirfd = h->fd, .path = path };
	return 0;
}

int pressure_host_locate(const struct reader_env *env, const char *res, struct pressure_file *ret)
{
	char *path;

	if (asprintf(&path, "pressure/%s", res) < 0)
		return -ENOMEM;
	*ret = (struct pressure_file) { .dirfd = env->proc_fd, .path = path };
	return 0;
}

int pressure_file_read(const struct pressure_file *f, char **ret_text)
{
	return read_full_beneath(f->dirfd, f->path, PRESSURE_FILE_MAX, ret_text, NULL);
}

int pressure_trigger_open(const struct pressure_file *f, const struct psi_trigger *t)
{
	_cleanup_close_ int fd = -EBADF;
	char text[PSI_TRIGGER_TEXT_MAX];
	ssize_t n;
	int len;

	len = psi_trigger_format(t, text, sizeof(text));
	if (len < 0)
		return len;
	/* never blocks: a cgroup being removed must not hold a FUSE worker */
	fd = open_beneath(f->dirfd, f->path, O_RDWR | O_NONBLOCK);
	if (fd < 0)
		return fd;
	n = write(fd, text, (size_t) len);
	if (n < 0)
		return -errno;	/* the kernel's verdict: EINVAL, EBUSY, EOPNOTSUPP (PSI off), ... */
	if (n != len)
		return -EIO;
	return TAKE_FD(fd);
}

int pressure_caller_privileged(const struct reader_env *env, pid_t pid, bool *ret)
{
	_cleanup_free_ char *status = NULL;
	int r;

	/* FUSE passes the calling thread's id; capabilities are per thread and /proc/<tid>/ is
	 * reachable for any thread even though it is not listed */
	r = proc_read_pid(env, pid, "status", &status);
	if (r < 0)
		return r;
	return psi_status_privileged(status, ret);
}
