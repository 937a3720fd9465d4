/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure parser for API sizes: "1GiB", "500MB", "4096". */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "parse-util.h"
#include "size.h"

static const struct size_unit {
	const char *suffix;
	uint64_t factor;
} size_units[] = {
	{ "kB", 1000ULL },
	{ "MB", 1000ULL * 1000 },
	{ "GB", 1000ULL * 1000 * 1000 },
	{ "TB", 1000ULL * 1000 * 1000 * 1000 },
	{ "PB", 1000ULL * 1000 * 1000 * 1000 * 1000 },
	{ "KiB", 1ULL << 10 },
	{ "MiB", 1ULL << 20 },
	{ "GiB", 1ULL << 30 },
	{ "TiB", 1ULL << 40 },
	{ "PiB", 1ULL << 50 },
};

int size_parse(const char *s, uint64_t *ret_bytes)
{
	uint64_t n = 0, factor = 1;
	const char *p = s;
	size_t digits = 0;

	if (!s)
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		unsigned d = (unsigned) (*p - '0');

		if (n > (UINT64_MAX - d) / 10)
			return -ERANGE;
		n = n * 10 + d;
	}
	if (digits == 0)
		return -EINVAL;		/* "", "-1", "+1", " 1", "GiB" */
	if (*p) {
		size_t i;

		for (i = 0; i < sizeof(size_units) / sizeof(size_units[0]); i++)
			if (streq(p, size_units[i].suffix))
				break;
		if (i == sizeof(size_units) / sizeof(size_units[0]))
			return -EINVAL;	/* "1.5GiB", "1 GiB", "1gib", "1G" */
		factor = size_units[i].factor;
	}
	if (n == 0)
		return -EINVAL;
	if (n > UINT64_MAX / factor)
		return -ERANGE;
	*ret_bytes = n * factor;
	return 0;
}
