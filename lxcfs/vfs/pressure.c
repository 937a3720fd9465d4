/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* proc/pressure/{cpu,io,memory} glue: the reader's cgroup2 <res>.pressure served verbatim,
 * and trigger targets. On a hybrid host PSI exists only in the cgroup2 hierarchy: io is
 * io.pressure there, never a "blkio" lookup (LXCFS bug, spec 4.10). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "fill.h"
#include "log.h"
#include "pressure.h"
#include "psi.h"
#include "vfs-pressure.h"

struct vfs_psi_target {
	struct pressure_file file;
	bool privileged;
};

static const char *pressure_resource(enum vfs_kind kind)
{
	switch (kind) {
	case VFS_PROC_PRESSURE_CPU:
		return "cpu";
	case VFS_PROC_PRESSURE_IO:
		return "io";
	default:
		return "memory";
	}
}

/* The reader's own pressure file and its text, when its reads are served from it. */
static int load_cgroup_pressure(struct vfs_fs *fs, struct reader *rd, enum vfs_kind kind,
				struct pressure_file *ret_file, char **ret_text)
{
	_cleanup_(pressure_file_done) struct pressure_file f = { .dirfd = -EBADF };
	_cleanup_free_ char *text = NULL;
	struct psi_file parsed;
	int r;

	r = pressure_cgroup_locate(&fs->env, rd, pressure_resource(kind), &f);
	if (r < 0)
		return r;
	r = pressure_file_read(&f, &text);
	if (r < 0)
		return r;
	/* only well-formed PSI text is passed on verbatim; anything else serves the host's */
	r = psi_file_parse(text, &parsed);
	if (r < 0)
		return r;
	*ret_file = f;
	f = (struct pressure_file) { .dirfd = -EBADF };
	*ret_text = TAKE_PTR(text);
	return 0;
}

int fill_pressure(struct vfs_fs *fs, struct reader *rd, enum vfs_kind kind, struct strbuf *out)
{
	_cleanup_(pressure_file_done) struct pressure_file f = { .dirfd = -EBADF };
	_cleanup_free_ char *text = NULL;
	int r;

	r = load_cgroup_pressure(fs, rd, kind, &f, &text);
	if (r < 0)
		return r;	/* the host's /proc/pressure/<res> is served (vfs_render) */
	return strbuf_appends(out, text);
}

mode_t vfs_pressure_mode(struct vfs_fs *fs, enum vfs_kind kind)
{
	char path[32];
	struct stat st;

	(void) snprintf(path, sizeof(path), "pressure/%s", pressure_resource(kind));
	if (fstatat(fs->env.proc_fd, path, &st, 0) < 0)
		return 0444;
	return st.st_mode & 0666;
}

void vfs_psi_target_free(struct vfs_psi_target *t)
{
	if (!t)
		return;
	pressure_file_done(&t->file);
	free(t);
}

static void vfs_psi_target_freep(struct vfs_psi_target **t)
{
	vfs_psi_target_free(*t);
}

int vfs_psi_target_new(struct vfs_fs *fs, enum vfs_kind kind, pid_t caller,
		       struct vfs_psi_target **ret)
{
	_cleanup_(vfs_psi_target_freep) struct vfs_psi_target *t = NULL;
	_cleanup_(reader_done) struct reader rd = {};
	_cleanup_free_ char *text = NULL;
	int r;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->file.dirfd = -EBADF;
	r = pressure_caller_privileged(&fs->env, caller, &t->privileged);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		t->privileged = false;	/* pid 0, gone or odd status: the stricter rule */
	/* the same choice as vfs_render(): the file whose text this reader sees */
	r = -ENOENT;
	if (atomic_load(fs->virtualize) && reader_resolve(&fs->env, caller, &rd) >= 0)
		r = load_cgroup_pressure(fs, &rd, kind, &t->file, &text);
	if (r < 0) {
		if (r == -ENOMEM)
			return r;
		log_debug_errno(r, "PSI triggers of pid %d go to the host's /proc/pressure/%s: %m",
				(int) caller, pressure_resource(kind));
		r = pressure_host_locate(&fs->env, pressure_resource(kind), &t->file);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(t);
	return 0;
}

int vfs_psi_trigger_open(const struct vfs_psi_target *t, const char *buf, size_t size, off_t off)
{
	struct psi_trigger trig;
	int r;

	if (off != 0)
		return -EINVAL;
	r = psi_trigger_parse(buf, size, t->privileged, &trig);
	if (r < 0)
		return r;
	return pressure_trigger_open(&t->file, &trig);
}
