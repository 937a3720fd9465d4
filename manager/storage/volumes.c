/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "parse-util.h"
#include "util/run.h"
#include "volumes.h"

/* temporary names start with '.', which no object name may (util/names.h) */
#define TMP_RESTORE ".restore-"
#define TMP_OLD ".old-"

const char *volume_type_dir(const char *type)
{
	if (!type)
		return NULL;
	if (streq(type, "custom"))
		return "custom";
	if (streq(type, "container"))
		return "containers";
	if (streq(type, "virtual-machine"))
		return "virtual-machines";
	return NULL;
}

char *volume_path(const struct pool *p, const char *type, const char *name)
{
	return g_build_filename(p->path, volume_type_dir(type), name, NULL);
}

char *volume_snapshot_path(const struct pool *p, const char *type, const char *name,
			   const char *snap)
{
	g_autofree char *dir = g_strconcat(volume_type_dir(type), "-snapshots", NULL);

	return g_build_filename(p->path, dir, name, snap, NULL);
}

static const struct storage_driver *drv(const struct pool *p)
{
	return storage_driver_find(p->driver);
}

static int truncate_img(const char *dir, uint64_t size, bool create, char **ret_err)
{
	g_autofree char *img = g_build_filename(dir, VOLUME_BLOCK_FILE, NULL);
	int fd = open(img, O_WRONLY | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0), 0600);
	int r = 0;

	if (fd < 0 || ftruncate(fd, (off_t) size) < 0) {
		r = -errno;
		*ret_err = g_strdup_printf("cannot size '%s' to %" G_GUINT64_FORMAT " bytes: %s",
					   img, size, g_strerror(-r));
	}
	if (fd >= 0)
		close(fd);
	return r;
}

int volume_storage_create(struct pool *p, const char *type, const char *name,
			  bool block, uint64_t size, char **ret_err)
{
	g_autofree char *path = volume_path(p, type, name);
	g_autofree char *ignored = NULL;
	int r;

	r = drv(p)->vol_create(p, path, ret_err);
	if (r < 0)
		return r;
	if (block)
		r = truncate_img(path, size, true, ret_err);
	else if (size > 0 && drv(p)->fs_size && drv(p)->vol_set_quota)
		r = drv(p)->vol_set_quota(p, path, size, ret_err);
	if (r < 0)
		(void) drv(p)->vol_delete(p, path, &ignored);
	return r;
}

int volume_storage_delete(struct pool *p, const char *type, const char *name, char **ret_err)
{
	g_autofree char *path = volume_path(p, type, name);
	g_autofree char *snaps = volume_snapshot_path(p, type, name, NULL);
	g_autofree char *tmp_base = g_build_filename(p->path, volume_type_dir(type), NULL);
	g_autofree char *t1 = g_strconcat(tmp_base, "/" TMP_RESTORE, name, NULL);
	g_autofree char *t2 = g_strconcat(tmp_base, "/" TMP_OLD, name, NULL);
	g_autoptr(GDir) d = g_dir_open(snaps, 0, NULL);
	const char *e;
	int r;

	/* snapshots first: a crash half-way leaves the volume, never snapshots without it */
	while (d && (e = g_dir_read_name(d))) {
		g_autofree char *sp = g_build_filename(snaps, e, NULL);

		r = drv(p)->vol_delete(p, sp, ret_err);
		if (r < 0)
			return r;
	}
	if (g_rmdir(snaps) < 0 && errno != ENOENT) {
		*ret_err = g_strdup_printf("cannot remove '%s': %m", snaps);
		return -errno;
	}
	r = drv(p)->vol_delete(p, t1, ret_err);
	if (r >= 0)
		r = drv(p)->vol_delete(p, t2, ret_err);
	if (r >= 0)
		r = drv(p)->vol_delete(p, path, ret_err);
	return r;
}

int volume_storage_resize(struct pool *p, const char *type, const char *name, bool block,
			  uint64_t size, char **ret_err)
{
	g_autofree char *path = volume_path(p, type, name);

	if (block) {
		g_autofree char *img = g_build_filename(path, VOLUME_BLOCK_FILE, NULL);
		struct stat st;

		if (stat(img, &st) < 0) {
			*ret_err = g_strdup_printf("block volume file '%s' is missing", img);
			return -ENOENT;
		}
		if (size < (uint64_t) st.st_size) {
			*ret_err = g_strdup_printf("block volume '%s' cannot shrink from %"
						   G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT " bytes",
						   name, (uint64_t) st.st_size, size);
			return -EINVAL;
		}
		return truncate_img(path, size, false, ret_err);
	}
	if (!drv(p)->fs_size || !drv(p)->vol_set_quota) {
		*ret_err = g_strdup_printf("driver '%s' cannot limit the size of a filesystem "
					   "volume", p->driver);
		return -EINVAL;
	}
	return drv(p)->vol_set_quota(p, path, size, ret_err);
}

int volume_storage_copy(struct pool *sp, const char *stype, const char *sname,
			struct pool *dp, const char *dtype, const char *dname, char **ret_err)
{
	g_autofree char *src = volume_path(sp, stype, sname);
	g_autofree char *dst = volume_path(dp, dtype, dname);
	g_autofree char *ignored = NULL;
	int r;

	if (streq(sp->name, dp->name))
		r = drv(dp)->vol_copy(dp, src, dst, false, ret_err);
	else {
		g_autofree char *src_dot = g_build_filename(src, ".", NULL);
		const char *argv[] = { "cp", "-a", "--reflink=auto", "--", src_dot, dst, NULL };

		r = drv(dp)->vol_create(dp, dst, ret_err);
		if (r >= 0)
			r = run_tool(argv, NULL, ret_err) < 0 ? -EIO : 0;
	}
	if (r < 0)
		(void) drv(dp)->vol_delete(dp, dst, &ignored);
	return r;
}

int volume_storage_rename(struct pool *p, const char *type, const char *from, const char *to,
			  char **ret_err)
{
	g_autofree char *a = volume_path(p, type, from), *b = volume_path(p, type, to);
	g_autofree char *sa = volume_snapshot_path(p, type, from, NULL);
	g_autofree char *sb = volume_snapshot_path(p, type, to, NULL);

	if (rename(a, b) < 0) {
		*ret_err = g_strdup_printf("cannot rename '%s' to '%s': %m", a, b);
		return -errno;
	}
	if (rename(sa, sb) < 0 && errno != ENOENT) {
		int r = -errno;

		*ret_err = g_strdup_printf("cannot rename '%s' to '%s': %s", sa, sb, g_strerror(-r));
		(void) rename(b, a);
		return r;
	}
	return 0;
}

int snapshot_storage_create(struct pool *p, const char *type, const char *name,
			    const char *snap, char **ret_err)
{
	g_autofree char *src = volume_path(p, type, name);
	g_autofree char *dir = volume_snapshot_path(p, type, name, NULL);
	g_autofree char *dst = volume_snapshot_path(p, type, name, snap);

	if (g_mkdir_with_parents(dir, 0711) < 0) {
		*ret_err = g_strdup_printf("cannot create '%s': %m", dir);
		return -errno;
	}
	return drv(p)->vol_copy(p, src, dst, true, ret_err);
}

int snapshot_storage_delete(struct pool *p, const char *type, const char *name,
			    const char *snap, char **ret_err)
{
	g_autofree char *path = volume_snapshot_path(p, type, name, snap);

	return drv(p)->vol_delete(p, path, ret_err);
}

int snapshot_storage_restore(struct pool *p, const char *type, const char *name,
			     const char *snap, uint64_t quota, char **ret_err)
{
	g_autofree char *base = g_build_filename(p->path, volume_type_dir(type), NULL);
	g_autofree char *vol = g_build_filename(base, name, NULL);
	g_autofree char *tmp = g_strconcat(base, "/" TMP_RESTORE, name, NULL);
	g_autofree char *old = g_strconcat(base, "/" TMP_OLD, name, NULL);
	g_autofree char *src = volume_snapshot_path(p, type, name, snap);
	g_autofree char *ignored = NULL;
	int r;

	(void) drv(p)->vol_delete(p, tmp, &ignored);
	g_clear_pointer(&ignored, g_free);
	r = drv(p)->vol_copy(p, src, tmp, false, ret_err);
	if (r < 0)
		return r;
	if (quota > 0 && drv(p)->fs_size && drv(p)->vol_set_quota) {
		r = drv(p)->vol_set_quota(p, tmp, quota, ret_err);
		if (r < 0)
			goto fail;
	}
	if (rename(vol, old) < 0) {
		r = -errno;
		*ret_err = g_strdup_printf("cannot move '%s' aside: %s", vol, g_strerror(-r));
		goto fail;
	}
	if (rename(tmp, vol) < 0) {
		r = -errno;
		*ret_err = g_strdup_printf("cannot move the restored copy into '%s': %s", vol,
					   g_strerror(-r));
		(void) rename(old, vol);
		goto fail;
	}
	if (drv(p)->vol_delete(p, old, &ignored) < 0)
		log_warning("Failed to remove the old content '%s' after a restore: %s, "
			    "it is removed at the next start", old, ignored);
	return 0;
fail:
	g_clear_pointer(&ignored, g_free);
	(void) drv(p)->vol_delete(p, tmp, &ignored);
	return r;
}

void volume_storage_recover(struct pool *p, const char *type)
{
	g_autofree char *base = g_build_filename(p->path, volume_type_dir(type), NULL);
	g_autoptr(GDir) d = g_dir_open(base, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *e;

	while (d && (e = g_dir_read_name(d)))
		if (e[0] == '.')
			g_ptr_array_add(names, g_strdup(e));
	/* .old-X first: it decides whether the restore of X happened */
	for (guint i = 0; i < names->len; i++) {
		const char *n = names->pdata[i], *x = startswith(n, TMP_OLD);
		g_autofree char *old = g_build_filename(base, n, NULL);
		g_autofree char *vol = NULL, *err = NULL;

		if (!x)
			continue;
		vol = g_build_filename(base, x, NULL);
		if (access(vol, F_OK) == 0) {
			log_info("Completing the interrupted restore of '%s'", vol);
			(void) drv(p)->vol_delete(p, old, &err);
		} else {
			log_info("Rolling back the interrupted restore of '%s'", vol);
			if (rename(old, vol) < 0)
				log_warning("Failed to move '%s' back to '%s': %m", old, vol);
		}
	}
	for (guint i = 0; i < names->len; i++) {
		const char *n = names->pdata[i];
		g_autofree char *path = g_build_filename(base, n, NULL);
		g_autofree char *err = NULL;

		if (startswith(n, TMP_RESTORE)) {
			log_info("Removing leftover '%s' of an interrupted restore", path);
			(void) drv(p)->vol_delete(p, path, &err);
		}
	}
}
