/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: PSI triggers as a monitor writes them (lxcfs/parse/psi.c psi_trigger_parse(),
 * raw bytes, not NUL-terminated) and psi_trigger_format(). Invariants: an accepted trigger is
 * within the kernel's limits, what an unprivileged opener may write a privileged one may too,
 * and the formatted trigger parses back to the same value. */
#include "fuzz.h"
#include "psi.h"

static void check(const struct psi_trigger *t, bool privileged)
{
	char buf[PSI_TRIGGER_TEXT_MAX];
	struct psi_trigger u;
	int n;

	FUZZ_ASSERT(t->line == PSI_SOME || t->line == PSI_FULL);
	FUZZ_ASSERT(t->window_us >= PSI_WINDOW_MIN_US && t->window_us <= PSI_WINDOW_MAX_US);
	FUZZ_ASSERT(t->threshold_us >= 1 && t->threshold_us <= t->window_us);
	if (!privileged)
		FUZZ_ASSERT(t->window_us % PSI_WINDOW_UNPRIV_STEP_US == 0);

	n = psi_trigger_format(t, buf, sizeof(buf));
	FUZZ_ASSERT(n > 0 && (size_t) n <= sizeof(buf));
	FUZZ_ASSERT(buf[n - 1] == 0 && strlen(buf) == (size_t) n - 1);
	FUZZ_ASSERT(psi_trigger_parse(buf, (size_t) n, privileged, &u) == 0);
	FUZZ_ASSERT(u.line == t->line && u.threshold_us == t->threshold_us &&
		    u.window_us == t->window_us);
	/* too small a buffer is refused, never cut */
	FUZZ_ASSERT(psi_trigger_format(t, buf, (size_t) n - 1) < 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct psi_trigger t;
	/* an exact-size copy: ASan sees any read past @size */
	char *buf = malloc(size ? size : 1);
	int r;

	if (!buf)
		abort();
	if (size)
		memcpy(buf, data, size);
	r = psi_trigger_parse(buf, size, false, &t);
	FUZZ_ASSERT(r == 0 || r == -EINVAL);
	if (r == 0) {
		struct psi_trigger p;

		check(&t, false);
		FUZZ_ASSERT(psi_trigger_parse(buf, size, true, &p) == 0);
		FUZZ_ASSERT(memcmp(&p, &t, sizeof(t)) == 0);
	}
	r = psi_trigger_parse(buf, size, true, &t);
	FUZZ_ASSERT(r == 0 || r == -EINVAL);
	if (r == 0)
		check(&t, true);
	free(buf);
	return 0;
}
