/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure parser for memory.stat. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "cleanup.h"
#include "memstat.h"
#include "parse-util.h"

struct memstat_key {
	const char *v1, *v2;	/* NULL: not present in that version */
	size_t offset;
	size_t has_offset;	/* offset of a bool flag, or 0 */
};

#define F(field) offsetof(struct memstat, field)

static const struct memstat_key memstat_keys[] = {
	{ "total_cache", "file", F(cache), 0 },
	{ "total_shmem", "shmem", F(shmem), 0 },
	{ "total_mapped_file", "file_mapped", F(mapped), 0 },
	{ "total_dirty", "file_dirty", F(dirty), 0 },
	{ "total_writeback", "file_writeback", F(writeback), 0 },
	{ "total_active_anon", "active_anon", F(active_anon), 0 },
	{ "total_inactive_anon", "inactive_anon", F(inactive_anon), 0 },
	{ "total_active_file", "active_file", F(active_file), 0 },
	{ "total_inactive_file", "inactive_file", F(inactive_file), 0 },
	{ "total_unevictable", "unevictable", F(unevictable), 0 },
	{ "total_rss_huge", "anon_thp", F(rss_huge), 0 },
	{ NULL, "slab", F(slab), 0 },
	{ NULL, "slab_reclaimable", F(slab_reclaimable), 0 },
	{ NULL, "slab_unreclaimable", F(slab_unreclaimable), 0 },
	{ NULL, "zswap", F(zswap), 0 },
	{ NULL, "zswapped", F(zswapped), 0 },
	{ "total_swap", NULL, F(swap), F(has_swap) },
	{ "hierarchical_memory_limit", NULL, F(hierarchical_memory_limit),
	  F(has_hierarchical_memory_limit) },
	{ "hierarchical_memsw_limit", NULL, F(hierarchical_memsw_limit),
	  F(has_hierarchical_memsw_limit) },
};

int memstat_parse(const char *text, enum cg_version version, struct memstat *ret)
{
	struct memstat st = {};

	for (const char *l = text; l && *l; l = next_line(l)) {
		const char *sp = l;
		uint64_t v;
		size_t klen;

		if (*l == '\n')
			continue;
		while (*sp && *sp != ' ' && *sp != '\n')
			sp++;
		if (*sp != ' ')
			return -EBADMSG;
		klen = (size_t) (sp - l);
		if (parse_u64_token(sp, &v, NULL) < 0)
			return -EBADMSG;
		for (size_t i = 0; i < ELEMENTSOF(memstat_keys); i++) {
			const char *k = version == CG_V1 ? memstat_keys[i].v1 : memstat_keys[i].v2;

			if (!k || strlen(k) != klen || strncmp(k, l, klen) != 0)
				continue;
			*(uint64_t *) ((char *) &st + memstat_keys[i].offset) = v;
			if (memstat_keys[i].has_offset)
				*(bool *) ((char *) &st + memstat_keys[i].has_offset) = true;
			break;
		}
	}
	*ret = st;
	return 0;
}
