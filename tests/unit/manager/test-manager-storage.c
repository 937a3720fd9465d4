/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of manager/storage/volumes.c on the mock driver (plain directories in a scratch
 * directory, no root, no tools): create/delete, block volumes, snapshots, the crash-safe
 * restore (each primitive made to fail in turn) and the start-up recovery of an interrupted
 * restore. */
#include <check.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "check-main.h"
#include "mgr.h"
#include "storage/mock.h"
#include "storage/storage.h"
#include "storage/volumes.h"

static struct mgr m;
static struct pool *p;
static char *tmp;

static void setup(void)
{
	char *err = NULL;

	tmp = g_dir_make_tmp("lxkit-test-mgr-storage-XXXXXX", NULL);
	ck_assert_ptr_nonnull(tmp);
	m = (struct mgr) { .state_dir = tmp, .runtime_dir = tmp };
	storage_mock_enable(true);
	storage_mock_reset();
	p = pool_new(&m, "mp", "mock", NULL);
	ck_assert_int_eq(storage_driver_find("mock")->pool_create(p, NULL, &err), 0);
	storage_mock_reset();
}

static void teardown(void)
{
	char *err = NULL;

	(void) storage_driver_find("mock")->pool_delete(p, &err);
	g_free(err);
	pool_free(p);
	{
		g_autofree char *d = g_build_filename(tmp, "storage-pools", NULL);

		(void) g_rmdir(d);
	}
	(void) g_rmdir(tmp);
	g_free(tmp);
	storage_mock_enable(false);
}

static char *vpath(const char *rel)
{
	return g_build_filename(p->path, rel, NULL);
}

static void put(const char *rel, const char *text)
{
	g_autofree char *f = vpath(rel);

	ck_assert(g_file_set_contents(f, text, -1, NULL));
}

static char *get(const char *rel)
{
	g_autofree char *f = vpath(rel);
	char *t = NULL;

	return g_file_get_contents(f, &t, NULL, NULL) ? t : g_strdup("(missing)");
}

/* the file's content is @want ("(missing)" for an absent file) */
#define assert_file(rel, want)                                  \
	do {                                                    \
		g_autofree char *_got = get(rel);               \
		ck_assert_str_eq(_got, want);                   \
	} while (0)

static bool exists(const char *rel)
{
	g_autofree char *f = vpath(rel);

	return g_file_test(f, G_FILE_TEST_EXISTS);
}

/* number of entries starting with '.' in custom/ */
static int temporaries(void)
{
	g_autofree char *d = vpath("custom");
	g_autoptr(GDir) dir = g_dir_open(d, 0, NULL);
	const char *e;
	int n = 0;

	while (dir && (e = g_dir_read_name(dir)))
		n += e[0] == '.';
	return n;
}

START_TEST(mock_is_hidden)
{
	storage_mock_enable(false);
	ck_assert_ptr_null(storage_driver_find("mock"));
	for (size_t i = 0; storage_drivers[i]; i++)
		ck_assert_str_ne(storage_drivers[i]->name, "mock");
	storage_mock_enable(true);
	ck_assert_ptr_nonnull(storage_driver_find("mock"));
}
END_TEST

START_TEST(type_dirs)
{
	g_autofree char *a = volume_path(p, "container", "c1");
	g_autofree char *b = volume_snapshot_path(p, "custom", "v", "s");

	ck_assert_str_eq(volume_type_dir("custom"), "custom");
	ck_assert_str_eq(volume_type_dir("virtual-machine"), "virtual-machines");
	ck_assert_ptr_null(volume_type_dir("image"));
	ck_assert(g_str_has_suffix(a, "/storage-pools/mp/containers/c1"));
	ck_assert(g_str_has_suffix(b, "/storage-pools/mp/custom-snapshots/v/s"));
}
END_TEST

START_TEST(create_delete)
{
	g_autofree char *err = NULL;
	g_autofree char *want = g_strdup_printf("vol_create %s/custom/v;vol_set_quota %s/custom/v",
						p->path, p->path);

	ck_assert_int_eq(volume_storage_create(p, "custom", "v", false, 64 << 20, &err), 0);
	ck_assert(exists("custom/v"));
	ck_assert_str_eq(storage_mock_calls(), want);
	ck_assert_int_eq(volume_storage_delete(p, "custom", "v", &err), 0);
	ck_assert(!exists("custom/v"));
	/* deleting what is already gone is fine (a half-deleted volume completes) */
	ck_assert_int_eq(volume_storage_delete(p, "custom", "v", &err), 0);
}
END_TEST

START_TEST(create_failure_leaves_nothing)
{
	g_autofree char *err = NULL;

	storage_mock_fail("vol_set_quota", 1);
	ck_assert_int_eq(volume_storage_create(p, "custom", "v", false, 1 << 20, &err), -EIO);
	ck_assert_str_eq(err, "mock failure of vol_set_quota");
	ck_assert(!exists("custom/v"));
}
END_TEST

START_TEST(block_volumes)
{
	g_autofree char *err = NULL, *img = vpath("custom/b/root.img");
	struct stat st;

	ck_assert_int_eq(volume_storage_create(p, "custom", "b", true, 8 << 20, &err), 0);
	ck_assert_int_eq(stat(img, &st), 0);
	ck_assert_int_eq(st.st_size, 8 << 20);
	ck_assert_int_eq(volume_storage_resize(p, "custom", "b", true, 16 << 20, &err), 0);
	ck_assert_int_eq(stat(img, &st), 0);
	ck_assert_int_eq(st.st_size, 16 << 20);
	ck_assert_int_eq(volume_storage_resize(p, "custom", "b", true, 4 << 20, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "cannot shrink"));
	ck_assert_int_eq(stat(img, &st), 0);
	ck_assert_int_eq(st.st_size, 16 << 20);	/* untouched */
}
END_TEST

static void make_v_with_snapshot(void)
{
	g_autofree char *err = NULL;

	ck_assert_int_eq(volume_storage_create(p, "custom", "v", false, 0, &err), 0);
	put("custom/v/data", "old");
	ck_assert_int_eq(snapshot_storage_create(p, "custom", "v", "s1", &err), 0);
	assert_file("custom-snapshots/v/s1/data", "old");
	put("custom/v/data", "new");
	put("custom/v/added", "x");
	storage_mock_reset();
}

START_TEST(restore_ok)
{
	g_autofree char *err = NULL;

	make_v_with_snapshot();
	ck_assert_int_eq(snapshot_storage_restore(p, "custom", "v", "s1", 1 << 20, &err), 0);
	assert_file("custom/v/data", "old");
	ck_assert(!exists("custom/v/added"));
	ck_assert_int_eq(temporaries(), 0);
	assert_file("custom-snapshots/v/s1/data", "old");	/* the snapshot stays */
	ck_assert_ptr_nonnull(strstr(storage_mock_calls(), "vol_set_quota"));
}
END_TEST

/* every primitive of a restore made to fail: the volume keeps its content, nothing is left */
static const char *const restore_fail_ops[] = { "vol_copy", "vol_set_quota" };

START_TEST(restore_failure_keeps_volume)
{
	g_autofree char *err = NULL;

	make_v_with_snapshot();
	storage_mock_fail(restore_fail_ops[_i], 1);
	ck_assert_int_eq(snapshot_storage_restore(p, "custom", "v", "s1", 1 << 20, &err), -EIO);
	assert_file("custom/v/data", "new");
	assert_file("custom/v/added", "x");
	ck_assert_int_eq(temporaries(), 0);
}
END_TEST

START_TEST(restore_old_delete_failure_is_recovered)
{
	g_autofree char *err = NULL;

	make_v_with_snapshot();
	/* the last step (removing the old content) fails: the restore stands, the leftover
	 * .old-v goes at the next recovery */
	storage_mock_fail("vol_delete", 2);
	ck_assert_int_eq(snapshot_storage_restore(p, "custom", "v", "s1", 0, &err), 0);
	assert_file("custom/v/data", "old");
	ck_assert_int_eq(temporaries(), 1);
	storage_mock_reset();
	volume_storage_recover(p, "custom");
	ck_assert_int_eq(temporaries(), 0);
	assert_file("custom/v/data", "old");
}
END_TEST

START_TEST(recover_interrupted_restores)
{
	g_autofree char *e1 = vpath("custom/.old-a"), *e2 = vpath("custom/.restore-a");
	g_autofree char *e3 = vpath("custom/b"), *e4 = vpath("custom/.old-b");
	g_autofree char *e5 = vpath("custom/.restore-c");

	/* a: killed after moving a aside: rolled back (a comes back, the copy goes) */
	ck_assert_int_eq(g_mkdir(e1, 0711), 0);
	put("custom/.old-a/data", "a-original");
	ck_assert_int_eq(g_mkdir(e2, 0711), 0);
	/* b: killed after the copy was moved in: completed (the old content goes) */
	ck_assert_int_eq(g_mkdir(e3, 0711), 0);
	put("custom/b/data", "b-restored");
	ck_assert_int_eq(g_mkdir(e4, 0711), 0);
	/* c: killed while copying: the partial copy goes, c itself is untouched (absent) */
	ck_assert_int_eq(g_mkdir(e5, 0711), 0);
	volume_storage_recover(p, "custom");
	assert_file("custom/a/data", "a-original");
	assert_file("custom/b/data", "b-restored");
	ck_assert(!exists("custom/c"));
	ck_assert_int_eq(temporaries(), 0);
}
END_TEST

START_TEST(delete_takes_snapshots_and_temporaries)
{
	g_autofree char *err = NULL, *t = vpath("custom/.restore-v");

	make_v_with_snapshot();
	ck_assert_int_eq(g_mkdir(t, 0711), 0);
	ck_assert_int_eq(volume_storage_delete(p, "custom", "v", &err), 0);
	ck_assert(!exists("custom/v"));
	ck_assert(!exists("custom-snapshots/v"));
	ck_assert_int_eq(temporaries(), 0);
}
END_TEST

START_TEST(copy_and_rename)
{
	g_autofree char *err = NULL;

	make_v_with_snapshot();
	ck_assert_int_eq(volume_storage_copy(p, "custom", "v", p, "custom", "w", &err), 0);
	assert_file("custom/w/data", "new");
	storage_mock_fail("vol_copy", 1);
	ck_assert_int_eq(volume_storage_copy(p, "custom", "v", p, "custom", "x", &err), -EIO);
	ck_assert(!exists("custom/x"));
	storage_mock_reset();
	ck_assert_int_eq(volume_storage_rename(p, "custom", "v", "v2", &err), 0);
	assert_file("custom/v2/data", "new");
	assert_file("custom-snapshots/v2/s1/data", "old");	/* snapshots follow */
	ck_assert(!exists("custom/v"));
}
END_TEST

static Suite *storage_suite(void)
{
	Suite *s = suite_create("manager-storage");
	TCase *tc = tcase_create("volumes");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, mock_is_hidden);
	tcase_add_test(tc, type_dirs);
	tcase_add_test(tc, create_delete);
	tcase_add_test(tc, create_failure_leaves_nothing);
	tcase_add_test(tc, block_volumes);
	tcase_add_test(tc, restore_ok);
	tcase_add_loop_test(tc, restore_failure_keeps_volume, 0, G_N_ELEMENTS(restore_fail_ops));
	tcase_add_test(tc, restore_old_delete_failure_is_recovered);
	tcase_add_test(tc, recover_interrupted_restores);
	tcase_add_test(tc, delete_takes_snapshots_and_temporaries);
	tcase_add_test(tc, copy_and_rename);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(storage_suite());
}
