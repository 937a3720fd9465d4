/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: pid lists (cgroup.procs, tasks; lxcfs/parse/tasks.c) read by the load average
 * sampler, and the cgroup.procs write parser of the virtual cgroupfs
 * (lxcfs/vfs/cgfs-policy.c cgfs_pids_parse(), raw bytes). */
#include "cgfs-policy.h"
#include "fuzz.h"
#include "tasks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *pos;
	char *text, *raw;
	pid_t pid, pids[16];
	size_t n = 99;
	int r;

	if (size > FUZZ_INPUT_MAX)
		return 0;
	text = fuzz_text(data, size);
	pos = text;
	while ((r = tasks_next_pid(&pos, &pid)) == 1) {
		FUZZ_ASSERT(pid > 0);
		FUZZ_ASSERT(pos > text && pos <= text + strlen(text));
	}
	FUZZ_ASSERT(r == 0 || r == -EBADMSG);

	for (size_t len = 0; len <= size && len <= 12; len++)
		if (tasks_parse_pid(text, len, &pid) == 0)
			FUZZ_ASSERT(pid > 0);

	raw = malloc(size ? size : 1);	/* exact size: not NUL-terminated */
	if (!raw)
		abort();
	if (size)
		memcpy(raw, data, size);
	r = cgfs_pids_parse(raw, size, pids, 16, &n);
	FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -E2BIG);
	if (r == 0) {
		FUZZ_ASSERT(n <= 16);
		for (size_t i = 0; i < n; i++)
			FUZZ_ASSERT(pids[i] > 0);
	} else {
		FUZZ_ASSERT(n == 99);
	}
	free(raw);
	free(text);
	return 0;
}
