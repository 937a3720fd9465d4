/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: memory.stat (lxcfs/parse/memstat.c) as cgroup v1 and v2, each parsed result fed
 * into the meminfo and swaps renderers with a fixed host /proc/meminfo and a few limit, usage and
 * swap settings (over the limit, no limit, swappiness 0). */
#include <errno.h>

#include "fuzz-meminfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size > FUZZ_INPUT_MAX)
		return 0;
	text = fuzz_text(data, size);
	for (int version = CG_V1; version <= CG_V2; version++) {
		struct memstat st;
		int r = memstat_parse(text, version, &st);

		FUZZ_ASSERT(r == 0 || r == -EBADMSG || r == -ERANGE || r == -EINVAL);
		if (r == 0)
			fuzz_meminfo_render_all(fuzz_host_meminfo, version, &st);
	}
	free(text);
	return 0;
}
