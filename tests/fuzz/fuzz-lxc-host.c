/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the host facts the launcher parses (launcher/lib/lxcconf.c): /proc/cgroups with
 * the unified hierarchy's cgroup.controllers (lxl_cg_version_parse()) and /etc/subuid text
 * (lxl_subid_parse()). Input: the /proc/cgroups text, optionally followed by a NUL and a
 * cgroup.controllers text and another NUL and a subuid text. */
#include "fuzz.h"
#include "lxcconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[][2] = {
		{ "memory", "memory" }, { "cpu", "cpu" }, { "cpuset", "cpuset" },
		{ "pids", "pids" }, { "blkio", "io" },
	};
	char *part[3];

	if (size > FUZZ_INPUT_MAX)
		return 0;
	fuzz_split(data, size, part, 3);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		enum lxl_cg_version v = lxl_cg_version_parse(part[0], part[1], names[i][0],
							     names[i][1]);

		FUZZ_ASSERT(v >= LXL_CG_MISSING && v < LXL_CG_VERSION_MAX);
		v = lxl_cg_version_parse(part[0], NULL, names[i][0], names[i][1]);
		FUZZ_ASSERT(v != LXL_CG_V2);
	}
	for (int i = 0; i < 3; i++) {
		static const char *const users[] = { "root", "0", "" };
		uint64_t start = 7, count = 7;
		int r = lxl_subid_parse(part[i], users[i], &start, &count);

		FUZZ_ASSERT(r == 0 || r == 1 || r == -EINVAL);
		if (r != 1)
			FUZZ_ASSERT(start == 7 && count == 7);
	}
	free(part[0]);
	return 0;
}
