/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure parser for memory.stat: cgroup v1 (total_* hierarchical keys, cgroup-v1/memory.rst 5.2)
 * and cgroup v2 (cgroup-v2.rst "memory.stat"). Keys are matched exactly, never by prefix. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "cgroup-file.h"

/* All values in bytes; a key missing from the file leaves 0. */
struct memstat {
	uint64_t cache;			/* v1 total_cache, v2 file */
	uint64_t shmem;			/* v1 total_shmem, v2 shmem */
	uint64_t mapped;		/* v1 total_mapped_file, v2 file_mapped */
	uint64_t dirty;			/* v1 total_dirty, v2 file_dirty */
	uint64_t writeback;		/* v1 total_writeback, v2 file_writeback */
	uint64_t active_anon, inactive_anon, active_file, inactive_file, unevictable;
	uint64_t rss_huge;		/* v1 total_rss_huge, v2 anon_thp */
	uint64_t slab, slab_reclaimable, slab_unreclaimable;	/* v2 only */
	uint64_t zswap, zswapped;	/* v2 only */
	uint64_t swap;			/* v1 total_swap (needs swap accounting); v2: not in memory.stat */
	uint64_t hierarchical_memory_limit;	/* v1: min of limits over ancestors */
	uint64_t hierarchical_memsw_limit;	/* v1, with swap accounting */
	bool has_swap;
	bool has_hierarchical_memory_limit;
	bool has_hierarchical_memsw_limit;
};

/* Parses @text as memory.stat of a @version hierarchy. Unknown keys are ignored.
 * Returns 0, or -EBADMSG when a line is not "key <unsigned decimal>" (*ret untouched). */
int memstat_parse(const char *text, enum cg_version version, struct memstat *ret);
