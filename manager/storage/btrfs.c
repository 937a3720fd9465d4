/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* btrfs driver: a loop file the manager makes (<state-dir>/disks/<pool>.img, exactly `size`
 * bytes) or a given block device; volumes and snapshots are subvolumes; a filesystem
 * volume's size is a qgroup limit on referenced bytes. */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "log.h"
#include "mgr.h"
#include "parse-util.h"
#include "storage.h"
#include "util/run.h"
#include "util/size.h"

#define BTRFS_DEFAULT_SIZE "5GiB"
#define BTRFS_MIN_SIZE (128ULL << 20)	/* mkfs.btrfs refuses much smaller devices */
#define BTRFS_DEFAULT_MOUNT_OPTIONS "user_subvol_rm_allowed"

static bool kernel_has_btrfs(void)
{
	g_autofree char *fs = NULL;

	if (g_file_get_contents("/proc/filesystems", &fs, NULL, NULL) && strstr(fs, "\tbtrfs\n"))
		return true;
	if (g_file_test("/sys/module/btrfs", G_FILE_TEST_IS_DIR))
		return true;
	/* a module that is not loaded yet: mount(8) loads it on demand */
	{
		const char *argv[] = { "modinfo", "-F", "filename", "btrfs", NULL };

		return run_tool(argv, NULL, NULL) == 0;
	}
}

static int btrfs_probe(char **ret_reason, char **ret_version)
{
	g_autoptr(GString) why = g_string_new(NULL);

	if (!run_tool_exists("mkfs.btrfs") || !run_tool_exists("btrfs"))
		g_string_append(why, "btrfs-progs not found (mkfs.btrfs, btrfs not in PATH)");
	if (!kernel_has_btrfs())
		g_string_append_printf(why, "%sbtrfs kernel module not available",
				       why->len ? "; " : "");
	if (why->len) {
		if (ret_reason)
			*ret_reason = g_string_free(g_steal_pointer(&why), FALSE);
		return -EOPNOTSUPP;
	}
	if (ret_version) {
		const char *argv[] = { "btrfs", "--version", NULL };
		g_autofree char *out = NULL;

		/* "btrfs-progs v6.2" */
		if (run_tool(argv, &out, NULL) == 0 && out && strstr(out, " v")) {
			*ret_version = g_strdup(strstr(out, " v") + 2);
			g_strstrip(*ret_version);
		} else
			*ret_version = g_strdup("unknown");
	}
	return 0;
}

static int btrfs_validate(struct mgr *m, const char *name, GHashTable *config, char **ret_err)
{
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, config);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		if (startswith(k, "user."))
			continue;	/* free [LXD] */
		if (streq(k, "source")) {
			struct stat st;

			int fd;

			if (stat(v, &st) < 0 || !S_ISBLK(st.st_mode)) {
				*ret_err = g_strdup_printf("config 'source' must be a block device, "
							   "'%s' is not one", (char *) v);
				return -EINVAL;
			}
			/* O_EXCL on a block device: EBUSY while it is mounted or held (it is
			 * about to be formatted) */
			fd = open(v, O_RDONLY | O_EXCL | O_CLOEXEC);
			if (fd < 0) {
				*ret_err = g_strdup_printf("source device '%s' is in use (%s)",
							   (char *) v, g_strerror(errno));
				return -EINVAL;
			}
			close(fd);
		} else if (streq(k, "size")) {
			uint64_t b;

			if (size_parse(v, &b) < 0) {
				*ret_err = g_strdup_printf("config 'size' has an invalid size '%s'",
							   (char *) v);
				return -EINVAL;
			}
			if (b < BTRFS_MIN_SIZE) {
				*ret_err = g_strdup_printf("config 'size' '%s' is below the btrfs "
							   "minimum of 128MiB", (char *) v);
				return -EINVAL;
			}
		} else if (!streq(k, "btrfs.mount_options")) {
			*ret_err = g_strdup_printf("unknown config key '%s' for driver 'btrfs'",
						   (char *) k);
			return -EINVAL;
		}
	}
	if (g_hash_table_contains(config, "source") && g_hash_table_contains(config, "size")) {
		*ret_err = g_strdup("config 'size' applies only to a loop-backed pool, not with "
				    "'source'");
		return -EINVAL;
	}
	if (!g_hash_table_contains(config, "source")) {
		const char *size_s = g_hash_table_lookup(config, "size");
		uint64_t size = 0;
		struct statvfs sv;

		(void) size_parse(size_s ? size_s : BTRFS_DEFAULT_SIZE, &size);
		/* the loop file is sparse, but a pool larger than the space that holds it fails
		 * later, in the middle of someone's write */
		if (statvfs(m->state_dir, &sv) == 0 &&
		    size > (uint64_t) sv.f_bavail * sv.f_frsize) {
			*ret_err = g_strdup_printf("not enough space for a loop file of '%s' in '%s' "
						   "(%" G_GUINT64_FORMAT " bytes free)",
						   size_s ? size_s : BTRFS_DEFAULT_SIZE, m->state_dir,
						   (uint64_t) sv.f_bavail * sv.f_frsize);
			return -ENOSPC;
		}
	}
	return 0;
}

static char *loop_file_img(const struct pool *p)
{
	g_autofree char *base = g_strconcat(p->name, ".img", NULL);

	return mgr_path(p->m, "disks", base, NULL);
}

static const char *mount_options(const struct pool *p)
{
	const char *o = g_hash_table_lookup(p->config, "btrfs.mount_options");

	return o ? o : BTRFS_DEFAULT_MOUNT_OPTIONS;
}

static void detach_loops(const char *file)
{
	g_autoptr(GPtrArray) devs = loop_devices_of(file);

	for (guint i = 0; i < devs->len; i++) {
		const char *argv[] = { "losetup", "--detach", devs->pdata[i], NULL };
		g_autofree char *err = NULL;

		if (run_tool(argv, NULL, &err) < 0)
			log_warning("Failed to detach '%s': %s", (char *) devs->pdata[i], err);
	}
}

static void undo_unlink(void *data)
{
	if (unlink(data) < 0 && errno != ENOENT)
		log_warning("Failed to remove '%s' while undoing: %m", (char *) data);
}

static void undo_detach(void *data)
{
	const char *argv[] = { "losetup", "--detach", data, NULL };
	g_autofree char *err = NULL;

	if (run_tool(argv, NULL, &err) < 0)
		log_warning("Failed to detach '%s' while undoing: %s", (char *) data, err);
}

static void undo_umount(void *data)
{
	const char *argv[] = { "umount", data, NULL };
	g_autofree char *err = NULL;

	if (path_is_mountpoint(data) > 0 && run_tool(argv, NULL, &err) < 0)
		log_warning("Failed to unmount '%s' while undoing: %s", (char *) data, err);
	(void) g_rmdir(data);
}

static int do_mount(const struct pool *p, const char *dev, char **ret_err)
{
	const char *argv[] = { "mount", "-t", "btrfs", "-o", mount_options(p), dev, p->path, NULL };

	if (g_mkdir_with_parents(p->path, 0711) < 0) {
		*ret_err = g_strdup_printf("cannot create mount point '%s': %m", p->path);
		return -errno;
	}
	return run_tool(argv, NULL, ret_err) < 0 ? -EIO : 0;
}

static int btrfs_create(struct pool *p, struct revert_stack *rs, char **ret_err)
{
	const char *source = g_hash_table_lookup(p->config, "source");
	const char *size_s = g_hash_table_lookup(p->config, "size");
	g_autofree char *file = loop_file_img(p), *dev = NULL, *disks = mgr_path(p->m, "disks", NULL);
	uint64_t size = 0;
	int r;

	if (!source) {
		int fd;

		(void) size_parse(size_s ? size_s : BTRFS_DEFAULT_SIZE, &size);
		r = mgr_step(p->m, "storage-pool-create/loop-file", ret_err);
		if (r < 0)
			return r;
		if (g_mkdir_with_parents(disks, 0700) < 0) {
			r = -errno;
			*ret_err = g_strdup_printf("cannot create '%s': %s", disks, g_strerror(-r));
			return r;
		}
		fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0) {
			r = -errno;
			*ret_err = g_strdup_printf("cannot create loop file '%s': %s", file,
						   g_strerror(-r));
			return r == -EEXIST ? -EEXIST : r;
		}
		revert_push_full(rs, undo_unlink, g_strdup(file), g_free);
		/* sparse: exactly `size` bytes, blocks allocated as btrfs writes */
		if (ftruncate(fd, (off_t) size) < 0) {
			r = -errno;
			close(fd);
			*ret_err = g_strdup_printf("cannot size loop file '%s': %s", file,
						   g_strerror(-r));
			return r;
		}
		close(fd);
		mgr_step_done(p->m, "storage-pool-create/loop-file");

		r = mgr_step(p->m, "storage-pool-create/loop-device", ret_err);
		if (r < 0)
			return r;
		{
			const char *argv[] = { "losetup", "--find", "--show", file, NULL };

			r = run_tool(argv, &dev, ret_err);
			if (r < 0)
				return -EIO;
			g_strstrip(dev);
		}
		revert_push_full(rs, undo_detach, g_strdup(dev), g_free);
		mgr_step_done(p->m, "storage-pool-create/loop-device");
	} else
		dev = g_strdup(source);

	r = mgr_step(p->m, "storage-pool-create/mkfs", ret_err);
	if (r < 0)
		return r;
	{
		const char *argv[] = { "mkfs.btrfs", "-q", "-f", "-L", p->name, dev, NULL };

		if (run_tool(argv, NULL, ret_err) < 0)
			return -EIO;
	}
	mgr_step_done(p->m, "storage-pool-create/mkfs");

	r = mgr_step(p->m, "storage-pool-create/mount", ret_err);
	if (r < 0)
		return r;
	r = do_mount(p, dev, ret_err);
	if (r < 0)
		return r;
	revert_push_full(rs, undo_umount, g_strdup(p->path), g_free);
	{
		const char *argv[] = { "btrfs", "quota", "enable", p->path, NULL };

		if (run_tool(argv, NULL, ret_err) < 0)
			return -EIO;
	}
	r = pool_make_subdirs(p, ret_err);
	if (r < 0)
		return r;
	mgr_step_done(p->m, "storage-pool-create/mount");
	return 0;
}

static int btrfs_mount(struct pool *p, char **ret_err)
{
	const char *source = g_hash_table_lookup(p->config, "source");
	g_autofree char *file = loop_file_img(p), *dev = NULL;
	int r;

	if (path_is_mountpoint(p->path) > 0)
		return pool_make_subdirs(p, ret_err) < 0 ? -ENODEV : 0;
	if (source) {
		struct stat st;

		if (stat(source, &st) < 0 || !S_ISBLK(st.st_mode)) {
			*ret_err = g_strdup_printf("source device %s missing", source);
			return -ENODEV;
		}
		dev = g_strdup(source);
	} else {
		g_autoptr(GPtrArray) devs = NULL;

		if (access(file, F_OK) < 0) {
			*ret_err = g_strdup("loop file missing");
			return -ENODEV;
		}
		devs = loop_devices_of(file);
		if (devs->len > 0)
			dev = g_strdup(devs->pdata[0]);
		else {
			const char *argv[] = { "losetup", "--find", "--show", file, NULL };
			g_autofree char *err = NULL;

			if (run_tool(argv, &dev, &err) < 0) {
				*ret_err = g_strdup_printf("cannot attach loop file: %s", err);
				return -ENODEV;
			}
			g_strstrip(dev);
		}
	}
	r = do_mount(p, dev, ret_err);
	if (r < 0) {
		g_autofree char *e = *ret_err;

		*ret_err = g_strdup_printf("cannot mount %s: %s", dev, e ? e : "?");
		if (!source)
			detach_loops(file);
		return -ENODEV;
	}
	return pool_make_subdirs(p, ret_err) < 0 ? -ENODEV : 0;
}

static int btrfs_delete(struct pool *p, char **ret_err)
{
	const char *source = g_hash_table_lookup(p->config, "source");
	g_autofree char *file = loop_file_img(p);

	if (path_is_mountpoint(p->path) > 0) {
		const char *argv[] = { "umount", p->path, NULL };

		if (run_tool(argv, NULL, ret_err) < 0)
			return -EBUSY;
	}
	if (!source) {
		detach_loops(file);
		if (unlink(file) < 0 && errno != ENOENT) {
			*ret_err = g_strdup_printf("cannot remove loop file '%s': %m", file);
			return -errno;
		}
	}
	/* the mount point: empty once unmounted; never follow into another filesystem */
	if (g_rmdir(p->path) < 0 && errno != ENOENT) {
		*ret_err = g_strdup_printf("mount point '%s' is not empty after unmounting",
					   p->path);
		return -ENOTEMPTY;
	}
	return 0;
}

static int btrfs_vol_create(struct pool *p, const char *path, char **ret_err)
{
	const char *argv[] = { "btrfs", "subvolume", "create", path, NULL };

	return run_tool(argv, NULL, ret_err) < 0 ? -EIO : 0;
}

static int btrfs_vol_delete(struct pool *p, const char *path, char **ret_err)
{
	const char *del[] = { "btrfs", "subvolume", "delete", path, NULL };
	const char *rw[] = { "btrfs", "property", "set", "-ts", path, "ro", "false", NULL };

	if (access(path, F_OK) < 0 && errno == ENOENT)
		return 0;
	if (run_tool(del, NULL, NULL) == 0)
		return 0;
	/* nested subvolumes (a container's own), or not a subvolume at all: make it writable
	 * and remove the tree; rmdir(2) removes empty subvolumes (Linux >= 4.18) */
	(void) run_tool(rw, NULL, NULL);
	if (rm_rf(path) < 0 || access(path, F_OK) == 0) {
		*ret_err = g_strdup_printf("cannot remove subvolume '%s'", path);
		return -EIO;
	}
	return 0;
}

static int btrfs_vol_copy(struct pool *p, const char *src, const char *dst, bool readonly,
			  char **ret_err)
{
	const char *ro[] = { "btrfs", "subvolume", "snapshot", "-r", src, dst, NULL };
	const char *rw[] = { "btrfs", "subvolume", "snapshot", src, dst, NULL };

	return run_tool(readonly ? ro : rw, NULL, ret_err) < 0 ? -EIO : 0;
}

static int btrfs_vol_set_quota(struct pool *p, const char *path, uint64_t bytes, char **ret_err)
{
	g_autofree char *b = g_strdup_printf("%" G_GUINT64_FORMAT, bytes);
	const char *argv[] = { "btrfs", "qgroup", "limit", bytes ? b : "none", path, NULL };

	return run_tool(argv, NULL, ret_err) < 0 ? -EIO : 0;
}

const struct storage_driver storage_driver_btrfs = {
	.name = "btrfs",
	.fs_size = true,
	.probe = btrfs_probe,
	.pool_validate = btrfs_validate,
	.pool_create = btrfs_create,
	.pool_mount = btrfs_mount,
	.pool_delete = btrfs_delete,
	.vol_create = btrfs_vol_create,
	.vol_delete = btrfs_vol_delete,
	.vol_copy = btrfs_vol_copy,
	.vol_set_quota = btrfs_vol_set_quota,
};
