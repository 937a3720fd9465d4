/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure CPU list parser/formatter. */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "cpuset.h"

static int parse_cpu(const char **p, unsigned *ret)
{
	unsigned long v = 0;

	if (!isdigit((unsigned char) **p))
		return -EINVAL;
	while (isdigit((unsigned char) **p)) {
		v = v * 10 + (unsigned) (**p - '0');
		if (v >= CPUSET_MAX)
			return -ERANGE;
		(*p)++;
	}
	*ret = (unsigned) v;
	return 0;
}

int cpuset_parse(const char *text, struct cpuset *ret)
{
	struct cpuset set = {};
	const char *p = text;
	int r;

	while (*p == ' ' || *p == '\t')
		p++;
	while (*p && *p != '\n') {
		unsigned a, b;

		r = parse_cpu(&p, &a);
		if (r < 0)
			return r;
		b = a;
		if (*p == '-') {
			p++;
			r = parse_cpu(&p, &b);
			if (r < 0)
				return r;
			if (b < a)
				return -EINVAL;
		}
		for (unsigned c = a; c <= b; c++)
			cpuset_add(&set, c);
		if (*p == ',')
			p++;
		else if (*p && *p != '\n')
			return -EINVAL;
	}
	if (*p == '\n' && p[1] != 0)
		return -EINVAL;
	*ret = set;
	return 0;
}

bool cpuset_contains(const struct cpuset *set, unsigned cpu)
{
	return cpu < CPUSET_MAX && (set->bits[cpu / 64] >> (cpu % 64)) & 1;
}

void cpuset_add(struct cpuset *set, unsigned cpu)
{
	if (cpu < CPUSET_MAX)
		set->bits[cpu / 64] |= UINT64_C(1) << (cpu % 64);
}

unsigned cpuset_count(const struct cpuset *set)
{
	unsigned n = 0;

	for (size_t i = 0; i < CPUSET_MAX / 64; i++)
		n += (unsigned) __builtin_popcountll(set->bits[i]);
	return n;
}

bool cpuset_is_empty(const struct cpuset *set)
{
	for (size_t i = 0; i < CPUSET_MAX / 64; i++)
		if (set->bits[i])
			return false;
	return true;
}

void cpuset_subtract(const struct cpuset *a, const struct cpuset *b, struct cpuset *ret)
{
	for (size_t i = 0; i < CPUSET_MAX / 64; i++)
		ret->bits[i] = a->bits[i] & ~b->bits[i];
}

int cpuset_format(const struct cpuset *set, struct strbuf *out)
{
	bool first = true;
	int r;

	for (unsigned c = 0; c < CPUSET_MAX; c++) {
		unsigned e;

		if (!cpuset_contains(set, c))
			continue;
		for (e = c; e + 1 < CPUSET_MAX && cpuset_contains(set, e + 1); e++)
			;
		if (e == c)
			r = strbuf_appendf(out, "%s%u", first ? "" : ",", c);
		else
			r = strbuf_appendf(out, "%s%u-%u", first ? "" : ",", c, e);
		if (r < 0)
			return r;
		first = false;
		c = e;
	}
	return 0;
}
