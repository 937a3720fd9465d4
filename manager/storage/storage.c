/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Driver registry and helpers shared by the drivers. */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "mgr.h"
#include "parse-util.h"
#include "mock.h"
#include "storage.h"
#include "util/run.h"

const struct storage_driver *const storage_drivers[] = {
	&storage_driver_dir, &storage_driver_btrfs, &storage_driver_lvm, &storage_driver_zfs,
	NULL,
};

G_STATIC_ASSERT(G_N_ELEMENTS(storage_drivers) <= STORAGE_DRIVERS_MAX);

const char *const pool_subdirs[] = {
	"custom", "custom-snapshots", "containers", "containers-snapshots",
	"virtual-machines", "virtual-machines-snapshots", NULL,
};

const struct storage_driver *storage_driver_find(const char *name)
{
	for (size_t i = 0; name && storage_drivers[i]; i++)
		if (streq(storage_drivers[i]->name, name))
			return storage_drivers[i];
	/* never listed in storage_drivers[]: the API does not offer it */
	if (name && storage_mock_enabled() && streq(name, "mock"))
		return &storage_driver_mock;
	return NULL;
}

struct pool *pool_new(struct mgr *m, const char *name, const char *driver, GHashTable *config)
{
	struct pool *p = g_new0(struct pool, 1);
	GHashTableIter it;
	gpointer k, v;

	p->m = m;
	p->name = g_strdup(name);
	p->driver = g_strdup(driver);
	p->config = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	if (config) {
		g_hash_table_iter_init(&it, config);
		while (g_hash_table_iter_next(&it, &k, &v))
			g_hash_table_insert(p->config, g_strdup(k), g_strdup(v));
	}
	p->path = mgr_path(m, "storage-pools", name, NULL);
	return p;
}

void pool_free(struct pool *p)
{
	if (!p)
		return;
	g_free(p->name);
	g_free(p->driver);
	if (p->config)
		g_hash_table_unref(p->config);
	g_free(p->path);
	g_free(p);
}

char *pool_subpath(const struct pool *p, const char *dir, const char *name)
{
	return g_build_filename(p->path, dir, name, NULL);
}

int pool_make_subdirs(const struct pool *p, char **ret_err)
{
	for (size_t i = 0; pool_subdirs[i]; i++) {
		g_autofree char *d = g_build_filename(p->path, pool_subdirs[i], NULL);

		if (g_mkdir_with_parents(d, 0711) < 0) {
			int r = -errno;

			*ret_err = g_strdup_printf("cannot create '%s': %s", d, g_strerror(-r));
			return r;
		}
	}
	return 0;
}

int pool_usage(const struct pool *p, uint64_t *ret_used, uint64_t *ret_total)
{
	struct statvfs sv;

	if (statvfs(p->path, &sv) < 0)
		return -errno;
	*ret_total = (uint64_t) sv.f_blocks * sv.f_frsize;
	*ret_used = (uint64_t) (sv.f_blocks - sv.f_bfree) * sv.f_frsize;
	return 0;
}

int path_is_mountpoint(const char *path)
{
	g_autofree char *text = NULL, *real = NULL;
	g_auto(GStrv) lines = NULL;

	real = realpath(path, NULL);
	if (!real)
		return errno == ENOENT ? 0 : -errno;
	if (!g_file_get_contents("/proc/self/mountinfo", &text, NULL, NULL))
		return -EIO;
	lines = g_strsplit(text, "\n", -1);
	for (size_t i = 0; lines[i]; i++) {
		/* "36 35 98:0 /mnt1 /mnt/point rw,... - ext3 /dev/root rw": field 5 */
		g_auto(GStrv) f = g_strsplit(lines[i], " ", 6);
		g_autofree char *mp = NULL;

		if (g_strv_length(f) < 5)
			continue;
		mp = g_strcompress(f[4]);	/* "\040" escapes */
		if (streq(mp, real))
			return 1;
	}
	return 0;
}

GPtrArray *loop_devices_of(const char *file)
{
	const char *argv[] = { "losetup", "--noheadings", "--output", "NAME", "--associated",
			       file, NULL };
	g_autofree char *out = NULL;
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
	g_auto(GStrv) lines = NULL;

	if (run_tool(argv, &out, NULL) < 0 || !out)
		return a;
	lines = g_strsplit(out, "\n", -1);
	for (size_t i = 0; lines[i]; i++) {
		g_strstrip(lines[i]);
		if (*lines[i])
			g_ptr_array_add(a, g_strdup(lines[i]));
	}
	return a;
}

int rm_rf(const char *path)
{
	const char *argv[] = { "rm", "-rf", "--one-file-system", "--", path, NULL };
	g_autofree char *err = NULL;
	int r = run_tool(argv, NULL, &err);

	if (r < 0)
		log_warning("Failed to remove '%s': %s", path, err ? err : "?");
	return r;
}
