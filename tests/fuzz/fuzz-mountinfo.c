/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: /proc/self/mountinfo: the cgroup mounts lxcfs uses (lxcfs/parse/proc.c
 * mountinfo_parse_cgroups()) and the crash-recovery line parser (lxcfs/core/recovery.c
 * recovery_mountinfo_parse(), in place, octal escapes decoded), each line of the input. */
#include "fuzz.h"
#include "proc.h"
#include "recovery.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cgroup_mount *m = NULL;
	size_t n = 0;
	char *text, *line;
	int r;

	if (size > FUZZ_INPUT_MAX)
		return 0;
	text = fuzz_text(data, size);
	r = mountinfo_parse_cgroups(text, &m, &n);
	FUZZ_ASSERT(r >= 0 || r == -EBADMSG || r == -ENOMEM || r == -ENOENT || r == -EINVAL);
	if (r >= 0) {
		FUZZ_ASSERT(n == 0 || m);
		for (size_t i = 0; i < n; i++) {
			FUZZ_ASSERT(m[i].mountpoint);
			FUZZ_ASSERT(m[i].unified == !m[i].controllers);
		}
		cgroup_mounts_free(m, n);
	}

	/* the recovery parser takes one line without its newline, and modifies it */
	for (line = text; *line;) {
		char *nl = strchr(line, '\n'), *next;
		struct mountinfo_entry e;

		if (nl) {
			*nl = 0;
			next = nl + 1;
		} else {
			next = line + strlen(line);
		}
		r = recovery_mountinfo_parse(line, &e);
		FUZZ_ASSERT(r == 0 || r == -EBADMSG);
		if (r == 0)
			FUZZ_ASSERT(e.root && e.mountpoint && e.fstype);
		line = next;
	}
	free(text);
	return 0;
}
