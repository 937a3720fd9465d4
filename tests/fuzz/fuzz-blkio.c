/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: cgroup v1 blkio rwstat files (lxcfs/parse/blkio.c) and the diskstats renderer
 * fed from them. Input: the rwstat text, optionally followed by a NUL and a host /proc/diskstats
 * (default: a fixed one). The parsed file is tried as each of the v1 files in turn and as all
 * of them at once. */
#include "fuzz-diskstats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *part[2];
	struct blkio_rwstat s = {};
	const char *host;
	int r;

	if (size > FUZZ_INPUT_MAX)
		return 0;
	fuzz_split(data, size, part, 2);
	host = *part[1] ? part[1] : fuzz_host_diskstats;

	r = blkio_rwstat_parse(part[0], &s);
	FUZZ_ASSERT(r == 0 || r == -EBADMSG || r == -ENOMEM || r == -ERANGE || r == -EINVAL);
	if (r == 0) {
		struct blkio_rwstat files[BLKIO_FILE_MAX];

		FUZZ_ASSERT(s.present);
		FUZZ_ASSERT(s.n_dev == 0 || s.dev);
		FUZZ_ASSERT(blkio_rwstat_has_devices(&s) == (s.n_dev > 0));
		for (size_t i = 0; i < s.n_dev; i++) {
			const struct blkio_dev_stat *d = blkio_rwstat_find(&s, s.dev[i].major,
									   s.dev[i].minor);

			FUZZ_ASSERT(d && d->major == s.dev[i].major && d->minor == s.dev[i].minor);
			FUZZ_ASSERT(s.dev[i].present < (1u << BLKIO_OP_MAX));
		}
		for (int f = -1; f < BLKIO_FILE_MAX; f++) {
			struct diskstats_inputs in = {};

			for (int g = 0; g < BLKIO_FILE_MAX; g++)
				files[g] = (f < 0 || f == g) ? s : (struct blkio_rwstat) {};
			r = diskstats_from_blkio(files, &in);
			FUZZ_ASSERT(r == 0 || r == -ENOMEM);
			if (r == 0)
				fuzz_diskstats_render(&in, host);
			diskstats_inputs_done(&in);
		}
	}
	blkio_rwstat_done(&s);
	blkio_rwstat_done(&s);	/* safe twice */
	free(part[0]);
	return 0;
}
