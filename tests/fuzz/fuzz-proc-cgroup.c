/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: /proc/PID/cgroup (lxcfs/parse/proc.c proc_cgroup_find()) for the cgroup2 line
 * and v1 controllers. A found path is absolute. */
#include "fuzz.h"
#include "proc.h"

static const char *const controllers[] = { NULL, "memory", "cpu", "cpuacct", "cpuset", "blkio",
					   "pids", "name=systemd", "" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size > FUZZ_INPUT_MAX)
		return 0;
	text = fuzz_text(data, size);
	for (size_t i = 0; i < sizeof(controllers) / sizeof(controllers[0]); i++) {
		char *path = NULL;
		int r = proc_cgroup_find(text, controllers[i], &path);

		FUZZ_ASSERT(r == 0 || r == -ENOENT || r == -ENOTUNIQ || r == -EBADMSG ||
			    r == -ENOMEM || r == -EINVAL);
		if (r == 0) {
			FUZZ_ASSERT(path && path[0] == '/');
			FUZZ_ASSERT(!strchr(path, '\n'));
			free(path);
		}
	}
	free(text);
	return 0;
}
