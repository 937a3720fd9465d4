/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the diskstats renderer (lxcfs/render/diskstats.c) over an arbitrary host
 * /proc/diskstats, with devices touched by the cgroup taken from the first bytes of the input
 * (a fixed set when the input is short). Devices may repeat; counters may be huge. */
#include "fuzz-diskstats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diskstats_dev dev[4] = {
		{ .major = 8, .minor = 0, .ios = { 100, 50, 1 }, .sectors = { 800, 400, 8 },
		  .ns = { 5000000, 6000000, 1 }, .io_ns = 9000000 },
		{ .major = 7, .minor = 0, .ios = { 1 } },
		{ .major = 253, .minor = 0, .merges = { UINT64_MAX, UINT64_MAX, UINT64_MAX },
		  .ns = { UINT64_MAX, UINT64_MAX, UINT64_MAX }, .io_ns = UINT64_MAX },
		{ .major = 8, .minor = 0, .ios = { 1 } },
	};
	struct diskstats_inputs in = { .dev = dev, .n_dev = 4 };
	char *text;

	if (size > FUZZ_INPUT_MAX)
		return 0;
	/* an input starting with '#' picks the devices: "#MAJ MIN" bytes, one byte each */
	if (size >= 9 && data[0] == '#') {
		for (size_t i = 0; i < 4; i++) {
			dev[i].major = data[1 + 2 * i];
			dev[i].minor = data[2 + 2 * i];
		}
		data += 9;
		size -= 9;
	}
	text = fuzz_text(data, size);
	for (size_t i = 0; i < 4; i++)
		(void) diskstats_dev_touched(&dev[i]);
	fuzz_diskstats_render(&in, text);
	in.n_dev = 1;
	fuzz_diskstats_render(&in, text);
	free(text);
	return 0;
}
