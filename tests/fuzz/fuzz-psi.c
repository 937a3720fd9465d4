/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: pressure files (cpu.pressure, /proc/pressure/<res>; lxcfs/parse/psi.c) and the
 * CapEff check on /proc/PID/status text. Round trip: a parsed file printed in the kernel's
 * layout parses back to the same values. */
#include <inttypes.h>

#include "fuzz.h"
#include "psi.h"

static int print_line(struct strbuf *sb, const char *name, const struct psi_values *v)
{
	return strbuf_appendf(sb, "%s avg10=%" PRIu64 ".%02" PRIu64 " avg60=%" PRIu64 ".%02" PRIu64
			      " avg300=%" PRIu64 ".%02" PRIu64 " total=%" PRIu64 "\n", name,
			      v->avg10 / 100, v->avg10 % 100, v->avg60 / 100, v->avg60 % 100,
			      v->avg300 / 100, v->avg300 % 100, v->total_us);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct psi_file f;
	bool priv;
	char *text;
	int r;

	if (size > FUZZ_INPUT_MAX)
		return 0;
	text = fuzz_text(data, size);
	r = psi_file_parse(text, &f);
	FUZZ_ASSERT(r == 0 || r == -ENODATA || r == -EBADMSG);
	if (r == 0) {
		struct strbuf sb = STRBUF_INIT(FUZZ_OUTPUT_MAX);
		struct psi_file g;

		FUZZ_ASSERT(f.present & (1u << PSI_SOME));
		FUZZ_ASSERT(f.present < (1u << PSI_LINE_MAX));
		FUZZ_ASSERT(print_line(&sb, "some", &f.line[PSI_SOME]) == 0);
		if (f.present & (1u << PSI_FULL))
			FUZZ_ASSERT(print_line(&sb, "full", &f.line[PSI_FULL]) == 0);
		fuzz_check_strbuf(&sb);
		FUZZ_ASSERT(psi_file_parse(sb.buf, &g) == 0);
		FUZZ_ASSERT(g.present == f.present);
		for (int l = 0; l < PSI_LINE_MAX; l++)
			if (f.present & (1u << l))
				FUZZ_ASSERT(memcmp(&g.line[l], &f.line[l], sizeof(f.line[l])) == 0);
		strbuf_done(&sb);
	}
	r = psi_status_privileged(text, &priv);
	FUZZ_ASSERT(r == 0 || r == -ENOENT || r == -EBADMSG);
	free(text);
	return 0;
}
