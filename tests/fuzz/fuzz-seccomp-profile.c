/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the launcher's LXC-format seccomp profile parser and compiler
 * (launcher/security/seccomp.c seccomp_profile_check(), libseccomp) and the CapEff check on
 * /proc/PID/status text (launcher/security/caps.c caps_effective_has()). */
#include "fuzz.h"
#include "security.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned line = 12345;
	bool has;
	char *text;
	int r;

	if (size > 16384)
		return 0;
	text = fuzz_text(data, size);
	r = seccomp_profile_check(text, &line);
	FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ENOMEM || r == -EOPNOTSUPP);
	if (r == -EINVAL) {
		size_t lines = 1;

		for (const char *p = text; *p; p++)
			lines += *p == '\n';
		FUZZ_ASSERT(line <= lines + 1);	/* + 1: a line missing at the end */
	}
	r = caps_effective_has(text, "sys_resource", &has);
	FUZZ_ASSERT(r == 0 || r == -EBADMSG);
	free(text);
	return 0;
}
