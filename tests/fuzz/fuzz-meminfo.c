/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: host /proc/meminfo (lxcfs/parse/proc.c meminfo_get_kb()) and the meminfo and
 * swaps renderers over it. Input: the host meminfo text, optionally followed by a NUL and a
 * memory.stat (v2) text. */
#include "fuzz-meminfo.h"

static const char *const keys[] = { "MemTotal", "MemFree", "SwapTotal", "Cached", "" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *part[2];
	struct memstat st = {};
	uint64_t kb;

	if (size > FUZZ_INPUT_MAX)
		return 0;
	fuzz_split(data, size, part, 2);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		int r = meminfo_get_kb(part[0], keys[i], &kb);

		FUZZ_ASSERT(r == 0 || r == -ENOENT || r == -EBADMSG || r == -ERANGE || r == -EINVAL);
	}
	if (memstat_parse(part[1], CG_V2, &st) < 0)
		st = (struct memstat) {};
	fuzz_meminfo_render_all(part[0], CG_V2, &st);
	fuzz_meminfo_render_all(part[0], CG_V1, &st);
	free(part[0]);
	return 0;
}
