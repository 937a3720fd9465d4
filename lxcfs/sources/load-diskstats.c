/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* All reads of proc/diskstats: cgroup IO counter files and the host's /proc/diskstats. */
#include <errno.h>
#include <stdlib.h>

#include "blkio.h"
#include "cgroups.h"
#include "cleanup.h"
#include "load-diskstats.h"
#include "loaders.h"
#include "parse-util.h"

static void blkio_files_done(struct blkio_rwstat (*files)[BLKIO_FILE_MAX])
{
	for (size_t f = 0; f < BLKIO_FILE_MAX; f++)
		blkio_rwstat_done(&(*files)[f]);
}

/* Reads and parses file @f of cgroup @path: the hierarchical name, else the cgroup-only one.
 * Leaves *ret zeroed (not present) when neither exists. */
static int read_blkio_file(const struct cg_hierarchy *h, const char *path, enum blkio_file f,
			   struct blkio_rwstat *ret)
{
	for (size_t i = 0; i < ELEMENTSOF(blkio_file_names[f]); i++) {
		_cleanup_free_ char *text = NULL;
		int r;

		r = cg_read(h, path, blkio_file_names[f][i], &text);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return r;
		return blkio_rwstat_parse(text, ret);
	}
	return 0;
}

/* Does any counter file of the hierarchy root list a disk? The root cgroup has a blkg on
 * every disk, so the disks it lists are exactly those where a policy keeps counters. */
static int blkio_root_lists_disks(const struct cg_hierarchy *h)
{
	static const enum blkio_file serviced[] = {
		BLKIO_THROTTLE_SERVICED, BLKIO_BFQ_SERVICED, BLKIO_CFQ_SERVICED,
	};

	for (size_t i = 0; i < ELEMENTSOF(serviced); i++) {
		_cleanup_(blkio_rwstat_done) struct blkio_rwstat s = {};
		int r;

		r = read_blkio_file(h, "/", serviced[i], &s);
		if (r < 0)
			return r;
		if (blkio_rwstat_has_devices(&s))
			return 1;
	}
	return 0;
}

static int load_v1(const struct cg_hierarchy *h, const char *path, struct diskstats_inputs *in)
{
	_cleanup_(blkio_files_done) struct blkio_rwstat files[BLKIO_FILE_MAX] = {};
	bool counts = false, listed = false;
	int r;

	for (size_t f = 0; f < BLKIO_FILE_MAX; f++) {
		r = read_blkio_file(h, path, f, &files[f]);
		if (r < 0)
			return r;
	}
	/* a usable set needs both its request and its byte counters */
	counts = (files[BLKIO_THROTTLE_SERVICED].present && files[BLKIO_THROTTLE_BYTES].present) ||
		 (files[BLKIO_BFQ_SERVICED].present && files[BLKIO_BFQ_BYTES].present) ||
		 (files[BLKIO_CFQ_SERVICED].present && files[BLKIO_CFQ_BYTES].present);
	if (!counts)
		return -ENOENT;
	for (size_t f = 0; f < BLKIO_FILE_MAX; f++)
		listed = listed || blkio_rwstat_has_devices(&files[f]);
	if (!listed) {
		/* no IO here, or no accounting anywhere: only the root can tell them apart */
		r = blkio_root_lists_disks(h);
		if (r < 0)
			return r;
		if (r == 0)
			return -ENODATA;
	}
	return diskstats_from_blkio(files, in);
}

static int load_v2(const struct cg_hierarchy *h, const char *path, struct diskstats_inputs *in)
{
	_cleanup_(iostat_done) struct iostat s = {};
	_cleanup_free_ char *text = NULL;
	int r;

	r = cg_read(h, path, "io.stat", &text);
	if (r < 0)
		return r;
	r = iostat_parse(text, &s);
	if (r < 0)
		return r;
	return diskstats_from_iostat(&s, in);
}

int load_diskstats(const struct reader_env *env, struct reader *rd, struct diskstats_inputs *ret)
{
	_cleanup_(diskstats_inputs_done) struct diskstats_inputs in = {};
	_cleanup_free_ char *path = NULL;
	const struct cg_hierarchy *h;
	int r;

	/* v1 calls the controller "blkio", cgroup2 "io"; a host binds it to one hierarchy */
	r = reader_cgroup(env, rd, "blkio", &h, &path);
	if (r == -ENOENT)
		r = reader_cgroup(env, rd, "io", &h, &path);
	if (r < 0)
		return r;
	if (streq(path, "/"))
		return -ENOENT;	/* the root cgroup is the whole machine: the host's file is right */
	r = h->version == CG_V1 ? load_v1(h, path, &in) : load_v2(h, path, &in);
	if (r < 0)
		return r;
	r = host_proc_read(env, "diskstats", &in.host_diskstats);
	if (r < 0)
		return r;
	*ret = in;
	in = (struct diskstats_inputs) {};
	return 0;
}
