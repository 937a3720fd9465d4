/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loader of proc/diskstats: the reader's blkio (cgroup v1) or io (cgroup v2) counter files and
 * the host's /proc/diskstats (Documentation/admin-guide/cgroup-v1/blkio-controller.rst,
 * cgroup-v2.rst "IO Interface Files"; lxcfs-behaviour.md 4.7). Named apart from
 * render/diskstats.h so that "diskstats.h" stays unambiguous on the include path. */
#pragma once

#include "diskstats.h"
#include "reader.h"

/* Fills *@ret (released with diskstats_inputs_done()) for the reader:
 * - cgroup v1 (the "blkio" hierarchy): every file of blkio_file_names[], the hierarchical name
 *   when the kernel has it (the throttle, BFQ and CFQ files without "_recursive" count the
 *   cgroup's own tasks only), combined by diskstats_from_blkio();
 * - cgroup v2 (the hierarchy serving "io"): io.stat, which is hierarchical.
 * Reads the cgroup files first and /proc/diskstats last. Thread-safe: no shared state.
 * Returns 0; -ENOENT when there is no blkio/io hierarchy, the reader sits in its root cgroup
 * (the host's file is right there) or no counter file exists; -ENODATA on v1 when the cgroup
 * lists no disk and neither does the hierarchy root, i.e. no disk has per-cgroup accounting
 * (recent kernels, 6.18 here, set blk-throttle up on a disk, and start its per-cgroup
 * counters, only when a throttle rule is first written for that disk); -ESRCH when the reader
 * vanished; or the read/parse -errno. Callers serve the host's file on any error. */
int load_diskstats(const struct reader_env *env, struct reader *rd, struct diskstats_inputs *ret);
