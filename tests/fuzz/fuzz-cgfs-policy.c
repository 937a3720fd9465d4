/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the pure parts of the virtual cgroupfs policy (lxcfs/vfs/cgfs-policy.c) that take
 * container-influenced text: /proc/PID/uid_map (cgfs_idmap_parse()), cgroup paths compared
 * component-wise (cgfs_path_relation(), cgfs_next_component()), node paths below the mount
 * (cgfs_path_split()) and new cgroup names. Input: a uid_map, then NUL-separated: the caller's
 * cgroup, another cgroup, a node path. Invariants: the relation is antisymmetric, an id maps
 * inside only through an extent that covers it. */
#include "cgfs-policy.h"
#include "fuzz.h"

static const enum cgfs_rel mirror[CGFS_REL_MAX] = {
	[CGFS_REL_UNRELATED] = CGFS_REL_UNRELATED,
	[CGFS_REL_ANCESTOR] = CGFS_REL_DESCENDANT,
	[CGFS_REL_SELF] = CGFS_REL_SELF,
	[CGFS_REL_DESCENDANT] = CGFS_REL_ANCESTOR,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cgfs_idmap *m;
	char *part[4];
	enum cgfs_rel rel, back;
	const char *hier, *rest, *name;
	size_t hier_len, len;
	int r;

	if (size > FUZZ_INPUT_MAX)
		return 0;
	m = malloc(sizeof(*m));
	if (!m)
		abort();
	m->n = 12345;
	fuzz_split(data, size, part, 4);

	r = cgfs_idmap_parse(part[0], m);
	FUZZ_ASSERT(r == 0 || r == -EBADMSG || r == -E2BIG);
	if (r == 0) {
		static const uint32_t ids[] = { 0, 1, 1000, 65535, 100000, 165535, UINT32_MAX };

		FUZZ_ASSERT(m->n <= CGFS_IDMAP_MAX);
		for (size_t i = 0; i < m->n; i++)
			FUZZ_ASSERT(m->e[i].count > 0 &&
				    (uint64_t) m->e[i].outside + m->e[i].count <= UINT64_C(1) << 32 &&
				    (uint64_t) m->e[i].inside + m->e[i].count <= UINT64_C(1) << 32);
		for (size_t k = 0; k < sizeof(ids) / sizeof(ids[0]); k++) {
			uint32_t inside;

			if (cgfs_idmap_to_inside(m, ids[k], &inside)) {
				bool found = false;

				for (size_t i = 0; i < m->n; i++)
					if (ids[k] >= m->e[i].outside &&
					    ids[k] - m->e[i].outside < m->e[i].count &&
					    inside == m->e[i].inside + (ids[k] - m->e[i].outside))
						found = true;
				FUZZ_ASSERT(found);
			}
		}
		(void) cgfs_idmap_is_initial(m);
	} else {
		FUZZ_ASSERT(m->n == 12345);
	}

	rel = cgfs_path_relation(part[1], part[2]);
	back = cgfs_path_relation(part[2], part[1]);
	FUZZ_ASSERT(rel == CGFS_REL_INVALID || (rel >= 0 && rel < CGFS_REL_MAX));
	if (rel != CGFS_REL_INVALID)
		FUZZ_ASSERT(back == mirror[rel]);
	else
		FUZZ_ASSERT(back == CGFS_REL_INVALID);
	r = cgfs_next_component(part[1], part[2], &name, &len);
	FUZZ_ASSERT((r == 0) == (rel == CGFS_REL_ANCESTOR));
	if (r == 0) {
		FUZZ_ASSERT(len > 0 && !memchr(name, '/', len));
		FUZZ_ASSERT(name >= part[1] && name + len <= part[1] + strlen(part[1]));
	}

	r = cgfs_path_split(part[3], &hier, &hier_len, &rest);
	FUZZ_ASSERT(r == 0 || r == -ENOENT);
	if (r == 0) {
		FUZZ_ASSERT(hier >= part[3] && hier + hier_len <= part[3] + strlen(part[3]));
		FUZZ_ASSERT(!memchr(hier, '/', hier_len));
		FUZZ_ASSERT(rest >= part[3] && rest <= part[3] + strlen(part[3]));
	}
	for (int i = 1; i < 4; i++)
		if (cgfs_name_valid(part[i]))
			FUZZ_ASSERT(!strchr(part[i], '/') && part[i][0] && strcmp(part[i], ".") &&
				    strcmp(part[i], ".."));
	(void) cgfs_file_moves_tasks(part[3]);
	free(part[0]);
	free(m);
	return 0;
}
