/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure parsers for cgroup value files; no I/O. */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "cgroup-file.h"
#include "parse-util.h"

int cg_parse_limit(const char *text, uint64_t *ret)
{
	const char *p = text;

	while (isspace((unsigned char) *p))
		p++;
	if (!*p)
		return -ENODATA;
	if (startswith(p, "max")) {
		const char *e = p + strlen("max");

		while (isspace((unsigned char) *e))
			e++;
		if (*e)
			return -EINVAL;
		*ret = CG_LIMIT_MAX;
		return 0;
	}
	return safe_atou64(p, ret);
}

int cg_keyed_get(const char *text, const char *key, uint64_t *ret)
{
	size_t klen = strlen(key);

	for (const char *l = text; l && *l; l = next_line(l)) {
		uint64_t v;
		int r;

		if (strncmp(l, key, klen) != 0 || (l[klen] != ' ' && l[klen] != '\t'))
			continue;
		r = parse_u64_token(l + klen, &v, NULL);
		if (r < 0)
			return -EBADMSG;
		*ret = v;
		return 0;
	}
	return -ENOENT;
}

int cg_parse_cpu_max(const char *text, uint64_t *ret_quota_us, uint64_t *ret_period_us)
{
	const char *p = text, *end;
	uint64_t quota, period;
	int r;

	while (*p == ' ')
		p++;
	if (startswith(p, "max") && (p[3] == ' ' || p[3] == '\t')) {
		quota = CG_LIMIT_MAX;
		p += 3;
	} else {
		r = parse_u64_token(p, &quota, &end);
		if (r < 0)
			return r;
		p = end;
	}
	r = parse_u64_token(p, &period, &end);
	if (r < 0)
		return r;
	while (isspace((unsigned char) *end))
		end++;
	if (*end || period == 0)
		return -EINVAL;
	*ret_quota_us = quota;
	*ret_period_us = period;
	return 0;
}
