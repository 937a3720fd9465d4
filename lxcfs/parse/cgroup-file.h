/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure parsers for single-value and keyed cgroup files (cgroup v1 and v2);
 * see Documentation/admin-guide/cgroup-v1/memory.rst and cgroup-v2.rst. */
#pragma once

#include <stdint.h>

/* "No limit": cgroup v2 "max". v1 reports a large page-aligned number instead
 * (9223372036854771712 on x86_64), which callers treat as a plain, huge limit. */
#define CG_LIMIT_MAX UINT64_MAX

enum cg_version {
	CG_V1 = 1,
	CG_V2 = 2,
};

/* Parses a limit file ("max\n" or a decimal number of bytes, memory.max/memory.limit_in_bytes).
 * "max" gives CG_LIMIT_MAX. Returns 0, -ENODATA for an empty file, -EINVAL or -ERANGE. */
int cg_parse_limit(const char *text, uint64_t *ret);

/* Looks up @key in a flat keyed file ("key value" per line, e.g. memory.stat, cpu.stat) by
 * exact key match. Returns 0 and *ret, -ENOENT when absent, -EBADMSG when the line is malformed. */
int cg_keyed_get(const char *text, const char *key, uint64_t *ret);

/* Parses cgroup v2 cpu.max ("max 100000" or "50000 100000"): quota and period in microseconds;
 * *ret_quota_us = CG_LIMIT_MAX for "max". Returns 0, -EINVAL, -ERANGE. */
int cg_parse_cpu_max(const char *text, uint64_t *ret_quota_us, uint64_t *ret_period_us);
