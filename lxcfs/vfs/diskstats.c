/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* proc/diskstats glue: load (sources/load-diskstats.c), then render (render/diskstats.c). */
#include "cleanup.h"
#include "diskstats.h"
#include "fill.h"
#include "load-diskstats.h"

int fill_diskstats(struct vfs_fs *fs, struct reader *rd, struct strbuf *out)
{
	_cleanup_(diskstats_inputs_done) struct diskstats_inputs in = {};
	int r;

	r = load_diskstats(&fs->env, rd, &in);	/* every read happens here */
	if (r < 0)
		return r;
	return diskstats_render(&in, out);	/* no I/O below this line */
}
