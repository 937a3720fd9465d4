/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dir driver: a directory per volume on any filesystem; copies with reflink where the
 * filesystem can (cp --reflink=auto falls back to a plain copy elsewhere). */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mgr.h"
#include "parse-util.h"
#include "storage.h"
#include "util/run.h"

static int dir_probe(char **ret_reason, char **ret_version)
{
	if (ret_version)
		*ret_version = g_strdup("1");
	return 0;
}

static int dir_validate(struct mgr *m, const char *name, GHashTable *config, char **ret_err)
{
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, config);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		if (startswith(k, "user."))
			continue;	/* free [LXD] */
		if (streq(k, "source")) {
			if (!g_path_is_absolute(v)) {
				*ret_err = g_strdup_printf("config 'source' must be an absolute "
							   "directory, not '%s'", (char *) v);
				return -EINVAL;
			}
			if (!g_file_test(v, G_FILE_TEST_IS_DIR)) {
				*ret_err = g_strdup_printf("source directory '%s' does not exist",
							   (char *) v);
				return -EINVAL;
			}
			{
				g_autoptr(GDir) d = g_dir_open(v, 0, NULL);

				/* the pool's directories go in there and are removed with it */
				if (!d || g_dir_read_name(d)) {
					*ret_err = g_strdup_printf("source directory '%s' is not empty",
								   (char *) v);
					return -EINVAL;
				}
			}
			continue;
		}
		*ret_err = g_strdup_printf("unknown config key '%s' for driver 'dir'", (char *) k);
		return -EINVAL;
	}
	return 0;
}

static void undo_rmdir(void *data)
{
	const char *path = data;
	struct stat st;

	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		(void) unlink(path);
	else
		(void) rm_rf(path);
}

static int dir_create(struct pool *p, struct revert_stack *rs, char **ret_err)
{
	const char *source = g_hash_table_lookup(p->config, "source");
	g_autofree char *parent = g_path_get_dirname(p->path);
	int r;

	r = mgr_step(p->m, "storage-pool-create/mkdir", ret_err);
	if (r < 0)
		return r;
	if (g_mkdir_with_parents(parent, 0711) < 0)
		goto fail;
	if (source) {
		if (symlink(source, p->path) < 0)
			goto fail;
	} else if (g_mkdir(p->path, 0711) < 0)
		goto fail;
	revert_push_full(rs, undo_rmdir, g_strdup(p->path), g_free);
	r = pool_make_subdirs(p, ret_err);
	if (r < 0)
		return r;
	mgr_step_done(p->m, "storage-pool-create/mkdir");
	return 0;
fail:
	r = -errno;
	*ret_err = g_strdup_printf("cannot create pool directory '%s': %s", p->path,
				   g_strerror(-r));
	return r;
}

static int dir_mount(struct pool *p, char **ret_err)
{
	const char *source = g_hash_table_lookup(p->config, "source");

	if (source && !g_file_test(source, G_FILE_TEST_IS_DIR)) {
		*ret_err = g_strdup_printf("source %s missing", source);
		return -ENODEV;
	}
	if (!g_file_test(p->path, G_FILE_TEST_IS_DIR)) {
		*ret_err = g_strdup_printf("pool directory %s missing", p->path);
		return -ENODEV;
	}
	return pool_make_subdirs(p, ret_err) < 0 ? -ENODEV : 0;
}

static int dir_delete(struct pool *p, char **ret_err)
{
	const char *source = g_hash_table_lookup(p->config, "source");
	struct stat st;

	if (!source)
		return rm_rf(p->path) < 0 ? -EIO : 0;	/* the manager owns the whole directory */
	/* a user's directory: remove only our empty subdirectories; anything else in them
	 * is named and kept (409) */
	if (g_file_test(source, G_FILE_TEST_IS_DIR))
		for (size_t i = 0; pool_subdirs[i]; i++) {
			g_autofree char *d = g_build_filename(source, pool_subdirs[i], NULL);

			if (g_rmdir(d) < 0 && errno != ENOENT) {
				*ret_err = g_strdup_printf("'%s' is not empty: it holds data the "
							   "manager does not know", d);
				return -ENOTEMPTY;
			}
		}
	if (lstat(p->path, &st) == 0 && unlink(p->path) < 0)
		return -errno;
	return 0;
}

static int dir_vol_create(struct pool *p, const char *path, char **ret_err)
{
	if (g_mkdir(path, 0711) < 0) {
		int r = -errno;

		*ret_err = g_strdup_printf("cannot create '%s': %s", path, g_strerror(-r));
		return r;
	}
	return 0;
}

static int dir_vol_delete(struct pool *p, const char *path, char **ret_err)
{
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return 0;
	if (rm_rf(path) < 0) {
		*ret_err = g_strdup_printf("cannot remove '%s'", path);
		return -EIO;
	}
	return 0;
}

static int dir_vol_copy(struct pool *p, const char *src, const char *dst, bool readonly,
			char **ret_err)
{
	const char *argv[] = { "cp", "-a", "--reflink=auto", "--", src, dst, NULL };

	return run_tool(argv, NULL, ret_err) < 0 ? -EIO : 0;
}

const struct storage_driver storage_driver_dir = {
	.name = "dir",
	.fs_size = false,
	.probe = dir_probe,
	.pool_validate = dir_validate,
	.pool_create = dir_create,
	.pool_mount = dir_mount,
	.pool_delete = dir_delete,
	.vol_create = dir_vol_create,
	.vol_delete = dir_vol_delete,
	.vol_copy = dir_vol_copy,
};
