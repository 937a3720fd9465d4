/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: /proc/PID/status: PPid and NSpid (lxcfs/parse/proc.c) and CapEff
 * (lxcfs/parse/psi.c psi_status_privileged()). */
#include "fuzz.h"
#include "proc.h"
#include "psi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pid_t ppid, last, pids[8];
	unsigned levels;
	size_t n = 99;
	bool priv;
	char *text;
	int r;

	if (size > FUZZ_INPUT_MAX)
		return 0;
	text = fuzz_text(data, size);
	r = proc_status_parse(text, &ppid, &last, &levels);
	FUZZ_ASSERT(r == 0 || r == -EBADMSG);
	if (r == 0)
		FUZZ_ASSERT(ppid >= 0 && last >= 0 && levels >= 1);

	r = proc_status_nspids(text, pids, 8, &n);
	FUZZ_ASSERT(r == 0 || r == -EBADMSG || r == -E2BIG);
	if (r == 0) {
		FUZZ_ASSERT(n >= 1 && n <= 8);
		for (size_t i = 0; i < n; i++)
			FUZZ_ASSERT(pids[i] > 0);
	} else {
		FUZZ_ASSERT(n == 99);	/* untouched on error */
	}
	r = proc_status_nspids(text, pids, 1, &n);
	FUZZ_ASSERT(r == 0 || r == -EBADMSG || r == -E2BIG);

	r = psi_status_privileged(text, &priv);
	FUZZ_ASSERT(r == 0 || r == -ENOENT || r == -EBADMSG);
	free(text);
	return 0;
}
