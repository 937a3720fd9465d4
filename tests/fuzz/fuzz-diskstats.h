/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the blkio, io.stat and diskstats fuzz targets: renders a diskstats view and checks
 * it. */
#pragma once

#include <errno.h>

#include "blkio.h"
#include "diskstats.h"
#include "fuzz.h"

/* A host /proc/diskstats in the kernel's layout (Linux 5.5+, 20 fields) */
static const char fuzz_host_diskstats[] =
	"   7       0 loop0 41 0 2248 13 0 0 0 0 0 28 13 0 0 0 0 0 0\n"
	"   8       0 sda 31289 10166 2569382 11405 36453 30720 1780712 57618 0 71724 74386 0 0 0 0 3218 5362\n"
	"   8       1 sda1 30908 10166 2552734 11331 36451 30720 1780712 57617 0 71660 68948 0 0 0 0 0 0\n"
	" 253       0 dm-0 120 0 4096 50 10 0 80 4 0 60 54 0 0 0 0 0 0\n";

/* Renders @in (its host_diskstats is set here to @host, borrowed) twice and checks the text. */
static inline void fuzz_diskstats_render(struct diskstats_inputs *in, const char *host)
{
	struct strbuf a = STRBUF_INIT(FUZZ_OUTPUT_MAX), b = STRBUF_INIT(FUZZ_OUTPUT_MAX);
	size_t lines = 0, host_lines = 0;
	int r, r2;

	in->host_diskstats = (char *) host;
	r = diskstats_render(in, &a);
	fuzz_check_strbuf(&a);
	r2 = diskstats_render(in, &b);
	FUZZ_ASSERT(r == r2);
	if (r == 0) {
		FUZZ_ASSERT(a.len == b.len && (a.len == 0 || memcmp(a.buf, b.buf, a.len) == 0));
		/* at most one line per host line */
		for (size_t i = 0; i < a.len; i++)
			lines += a.buf[i] == '\n';
		for (const char *p = host; *p; p++)
			host_lines += *p == '\n';
		FUZZ_ASSERT(lines <= host_lines + 1);
		FUZZ_ASSERT(a.len == 0 || a.buf[a.len - 1] == '\n');
	}
	in->host_diskstats = NULL;
	strbuf_done(&a);
	strbuf_done(&b);
}
