/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure parsers for pressure stall information: the *.pressure / /proc/pressure/<res> text, the
 * trigger a monitor writes to such a file, and the CapEff line that decides which windows the
 * kernel allows (Documentation/accounting/psi.rst, "Monitoring for pressure thresholds"). */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum psi_line {
	PSI_SOME,
	PSI_FULL,
	PSI_LINE_MAX,
	PSI_LINE_INVALID = -EINVAL,
};

/* Trigger limits of the kernel's psi_trigger_create() as psi.rst documents them. */
#define PSI_WINDOW_MIN_US 500000u
#define PSI_WINDOW_MAX_US 10000000u
/* From an opener without CAP_SYS_RESOURCE the kernel only takes windows that are multiples of
 * 2 s (its unprivileged triggers are served by the 2 s averaging work, not an RT thread). */
#define PSI_WINDOW_UNPRIV_STEP_US 2000000u
/* Longest write taken as a trigger: "full 4294967295 10000000" plus newline and NULs fits with
 * room; anything longer is refused instead of being cut. */
#define PSI_TRIGGER_WRITE_MAX 128u
/* "full 10000000 10000000" + NUL, the longest trigger psi_trigger_format() writes */
#define PSI_TRIGGER_TEXT_MAX 32u

struct psi_trigger {
	enum psi_line line;
	uint32_t threshold_us;	/* 1 .. window_us */
	uint32_t window_us;	/* PSI_WINDOW_MIN_US .. PSI_WINDOW_MAX_US */
};

/* Parses the @size bytes a monitor wrote: "some|full <threshold_us> <window_us>", optionally
 * followed by one '\n' and/or NUL bytes (what follows the first NUL is ignored, as the kernel's
 * sscanf() stops there). Fields are separated by exactly one space and are plain decimal
 * numbers (no sign, no leading spaces, nothing after the window). Checks the kernel's limits:
 * threshold 1..window, window 500 ms..10 s and, when !@privileged, a multiple of 2 s.
 * Returns 0 and *ret, or -EINVAL (malformed, out of range, empty or longer than
 * PSI_TRIGGER_WRITE_MAX). *ret is untouched on error. */
int psi_trigger_parse(const char *buf, size_t size, bool privileged, struct psi_trigger *ret);

/* Writes @t as the kernel parses it, "some 150000 1000000", NUL-terminated, to @buf. Returns
 * the number of bytes to write(2) *including* the NUL (/proc/pressure/<res> replaces the last
 * byte written by a NUL, cgroup files stop at it), or -EINVAL, -ENOBUFS. */
int psi_trigger_format(const struct psi_trigger *t, char *buf, size_t size);

/* One line of a pressure file: "some avg10=0.12 avg60=3.40 avg300=1.00 total=123456". */
struct psi_values {
	uint64_t avg10, avg60, avg300;	/* hundredths of a percent: "3.40" -> 340 */
	uint64_t total_us;		/* cumulated stall time, microseconds */
};

struct psi_file {
	struct psi_values line[PSI_LINE_MAX];
	unsigned present;		/* bit (1u << enum psi_line) per line found */
};

/* Parses the text of a pressure file. "some" is required; "full" is optional (cpu has no full
 * line at the root before kernel 5.13). On a known line avg10, avg60, avg300 and total are
 * required and unknown "key=value" fields are skipped; unknown lines are skipped. Returns 0
 * and *ret, -ENODATA for empty text, -EBADMSG for anything malformed or a line given twice.
 * *ret is untouched on error. */
int psi_file_parse(const char *text, struct psi_file *ret);

/* /proc/PID/status: does the CapEff line hold CAP_SYS_RESOURCE (the capability the kernel
 * checks on the opener of a pressure file before it allows windows that are not multiples of
 * 2 s)? Returns 0 and *ret_privileged, -ENOENT without a CapEff line, -EBADMSG. */
int psi_status_privileged(const char *status, bool *ret_privileged);
