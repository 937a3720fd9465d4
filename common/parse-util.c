/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>

#include "parse-util.h"

int parse_u64_token(const char *s, uint64_t *ret, const char **ret_end)
{
	uint64_t v = 0;
	const char *p = s;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!isdigit((unsigned char) *p))
		return -EINVAL;
	for (; isdigit((unsigned char) *p); p++) {
		unsigned d = (unsigned) (*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (*p && !isspace((unsigned char) *p))
		return -EINVAL;
	*ret = v;
	if (ret_end)
		*ret_end = p;
	return 0;
}

int safe_atou64(const char *s, uint64_t *ret)
{
	const char *end;
	uint64_t v;
	int r;

	r = parse_u64_token(s, &v, &end);
	if (r < 0)
		return r;
	while (isspace((unsigned char) *end))
		end++;
	if (*end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int safe_atoi64(const char *s, int64_t *ret)
{
	bool neg = false;
	uint64_t v;
	int r;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '-') {
		neg = true;
		s++;
	}
	r = safe_atou64(s, &v);
	if (r < 0)
		return r;
	if (!neg && v > INT64_MAX)
		return -ERANGE;
	if (neg && v > (uint64_t) INT64_MAX + 1)
		return -ERANGE;
	*ret = neg ? (int64_t) (0 - v) : (int64_t) v;
	return 0;
}
