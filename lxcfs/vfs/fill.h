/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Per-file glue functions called by vfs_render() (vfs/files.c) once the reader is resolved.
 * Each loads its inputs (sources/) and renders (render/); errors are -errno, and vfs_render()
 * serves the host's file for anything but -ENOMEM/-EFBIG. Not thread-unsafe: no shared state
 * except through state/ stores that lock themselves. */
#pragma once

#include "reader.h"
#include "strbuf.h"
#include "vfs.h"

/* proc/diskstats from the blkio (v1) or io (v2) controller (vfs/diskstats.c). */
int fill_diskstats(struct vfs_fs *fs, struct reader *rd, struct strbuf *out);

/* proc/loadavg per container; only called with -l (vfs/loadavg.c). */
int fill_loadavg(struct vfs_fs *fs, struct reader *rd, struct strbuf *out);

/* proc/pressure/{cpu,io,memory} from the cgroup's *.pressure file (vfs/pressure.c). */
int fill_pressure(struct vfs_fs *fs, struct reader *rd, enum vfs_kind kind, struct strbuf *out);
