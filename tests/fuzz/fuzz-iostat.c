/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: cgroup v2 io.stat (lxcfs/parse/blkio.c iostat_parse()) and the diskstats
 * renderer fed from it. Input: the io.stat text, optionally followed by a NUL and a host
 * /proc/diskstats (default: a fixed one). */
#include "fuzz-diskstats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *part[2];
	struct iostat s = {};
	const char *host;
	int r;

	if (size > FUZZ_INPUT_MAX)
		return 0;
	fuzz_split(data, size, part, 2);
	host = *part[1] ? part[1] : fuzz_host_diskstats;

	r = iostat_parse(part[0], &s);
	FUZZ_ASSERT(r == 0 || r == -EBADMSG || r == -ENOMEM || r == -ERANGE || r == -EINVAL);
	if (r == 0) {
		struct diskstats_inputs in = {};

		FUZZ_ASSERT(s.n_dev == 0 || s.dev);
		for (size_t i = 0; i < s.n_dev; i++) {
			FUZZ_ASSERT(s.dev[i].present < (1u << IOSTAT_KEY_MAX));
			for (size_t j = 0; j < i; j++)	/* a device listed twice is an error */
				FUZZ_ASSERT(s.dev[i].major != s.dev[j].major ||
					    s.dev[i].minor != s.dev[j].minor);
		}
		r = diskstats_from_iostat(&s, &in);
		FUZZ_ASSERT(r == 0 || r == -ENOMEM);
		if (r == 0)
			fuzz_diskstats_render(&in, host);
		diskstats_inputs_done(&in);
	}
	iostat_done(&s);
	iostat_done(&s);
	free(part[0]);
	return 0;
}
