/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure parser and formatter for CPU lists ("0-3,5"), the format of cpuset.cpus,
 * cpuset.cpus.effective and /sys/devices/system/cpu/{online,offline,present,possible}
 * (Documentation/admin-guide/cputopology.rst). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "strbuf.h"

#define CPUSET_MAX 8192	/* CPU numbers must be below this (x86_64 NR_CPUS max is 8192) */

struct cpuset {
	uint64_t bits[CPUSET_MAX / 64];
};

/* Parses a CPU list; "" and "\n" give the empty set. Returns 0, -EINVAL on syntax errors or a
 * reversed range, -ERANGE for a CPU >= CPUSET_MAX. *ret untouched on error. */
int cpuset_parse(const char *text, struct cpuset *ret);
bool cpuset_contains(const struct cpuset *set, unsigned cpu);
void cpuset_add(struct cpuset *set, unsigned cpu);
unsigned cpuset_count(const struct cpuset *set);
bool cpuset_is_empty(const struct cpuset *set);
/* *ret = a & ~b */
void cpuset_subtract(const struct cpuset *a, const struct cpuset *b, struct cpuset *ret);
/* Appends the canonical list ("0-1,3") without newline; empty set appends nothing.
 * Returns 0 or the strbuf error. */
int cpuset_format(const struct cpuset *set, struct strbuf *out);
