/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mock.h"
#include "parse-util.h"
#include "storage.h"

static bool mock_on;		/* set by the test before any use */
static char *mock_fail_op;
static int mock_fail_nth;
static GString *mock_log;

void storage_mock_enable(bool on)
{
	mock_on = on;
}

bool storage_mock_enabled(void)
{
	return mock_on;
}

void storage_mock_fail(const char *op, int nth)
{
	g_free(mock_fail_op);
	mock_fail_op = g_strdup(op);
	mock_fail_nth = nth;
}

const char *storage_mock_calls(void)
{
	return mock_log ? mock_log->str : "";
}

void storage_mock_reset(void)
{
	if (mock_log)
		g_string_truncate(mock_log, 0);
	storage_mock_fail(NULL, 0);
}

/* Records the call; returns -EIO when it is the one to fail. */
static int mock_call(const char *op, const char *path, char **ret_err)
{
	if (!mock_log)
		mock_log = g_string_new(NULL);
	g_string_append_printf(mock_log, "%s%s %s", mock_log->len ? ";" : "", op, path);
	if (mock_fail_op && streq(mock_fail_op, op) && --mock_fail_nth == 0) {
		*ret_err = g_strdup_printf("mock failure of %s", op);
		return -EIO;
	}
	return 0;
}

static int rm_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (S_ISDIR(st.st_mode)) {
		g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
		const char *e;

		while (d && (e = g_dir_read_name(d))) {
			g_autofree char *c = g_build_filename(path, e, NULL);
			int r = rm_tree(c);

			if (r < 0)
				return r;
		}
		return g_rmdir(path) < 0 ? -errno : 0;
	}
	return g_unlink(path) < 0 ? -errno : 0;
}

static int copy_tree(const char *src, const char *dst)
{
	struct stat st;

	if (lstat(src, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode)) {
		g_autoptr(GDir) d = g_dir_open(src, 0, NULL);
		const char *e;

		if (!d || g_mkdir(dst, st.st_mode & 07777) < 0)
			return -errno;
		while ((e = g_dir_read_name(d))) {
			g_autofree char *s = g_build_filename(src, e, NULL);
			g_autofree char *t = g_build_filename(dst, e, NULL);
			int r = copy_tree(s, t);

			if (r < 0)
				return r;
		}
		return 0;
	}
	if (S_ISREG(st.st_mode)) {
		g_autofree char *data = NULL;
		gsize len;

		if (!g_file_get_contents(src, &data, &len, NULL) ||
		    !g_file_set_contents(dst, data, (gssize) len, NULL))
			return -EIO;
		return 0;
	}
	return -EOPNOTSUPP;
}

static int mock_probe(char **ret_reason, char **ret_version)
{
	if (!mock_on) {
		if (ret_reason)
			*ret_reason = g_strdup("the mock driver is for unit tests only");
		return -EOPNOTSUPP;
	}
	if (ret_version)
		*ret_version = g_strdup("0");
	return 0;
}

static int mock_validate(struct mgr *m, const char *name, GHashTable *config, char **ret_err)
{
	return 0;
}

static int mock_pool_create(struct pool *p, struct revert_stack *rs, char **ret_err)
{
	int r = mock_call("pool_create", p->path, ret_err);

	if (r < 0)
		return r;
	if (g_mkdir_with_parents(p->path, 0711) < 0)
		return -errno;
	return pool_make_subdirs(p, ret_err);
}

static int mock_pool_mount(struct pool *p, char **ret_err)
{
	return mock_call("pool_mount", p->path, ret_err);
}

static int mock_pool_delete(struct pool *p, char **ret_err)
{
	int r = mock_call("pool_delete", p->path, ret_err);

	return r < 0 ? r : rm_tree(p->path);
}

static int mock_vol_create(struct pool *p, const char *path, char **ret_err)
{
	int r = mock_call("vol_create", path, ret_err);

	if (r < 0)
		return r;
	return g_mkdir(path, 0711) < 0 ? -errno : 0;
}

static int mock_vol_delete(struct pool *p, const char *path, char **ret_err)
{
	int r = mock_call("vol_delete", path, ret_err);

	return r < 0 ? r : rm_tree(path);
}

static int mock_vol_copy(struct pool *p, const char *src, const char *dst, bool readonly,
			 char **ret_err)
{
	int r = mock_call("vol_copy", dst, ret_err);

	if (r < 0)
		return r;
	r = copy_tree(src, dst);
	if (r < 0)
		(void) rm_tree(dst);
	return r;
}

static int mock_vol_set_quota(struct pool *p, const char *path, uint64_t bytes, char **ret_err)
{
	return mock_call("vol_set_quota", path, ret_err);
}

const struct storage_driver storage_driver_mock = {
	.name = "mock",
	.fs_size = true,
	.probe = mock_probe,
	.pool_validate = mock_validate,
	.pool_create = mock_pool_create,
	.pool_mount = mock_pool_mount,
	.pool_delete = mock_pool_delete,
	.vol_create = mock_vol_create,
	.vol_delete = mock_vol_delete,
	.vol_copy = mock_vol_copy,
	.vol_set_quota = mock_vol_set_quota,
};
