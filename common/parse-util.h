/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Strict number parsing and string helpers. Outputs are written only on success. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline bool streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

/* Returns a pointer just past @prefix in @s, or NULL when @s does not start with it. */
static inline const char *startswith(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

/* Decimal unsigned 64-bit; optional surrounding whitespace (a trailing newline is fine).
 * Returns 0, -EINVAL for anything else (sign, empty, junk), -ERANGE on overflow. */
int safe_atou64(const char *s, uint64_t *ret);
/* Same for a signed 64-bit value (cgroup v1 quota can be -1). */
int safe_atoi64(const char *s, int64_t *ret);
/* Parses the first token of @s up to whitespace or end; sets *ret_end past it. */
int parse_u64_token(const char *s, uint64_t *ret, const char **ret_end);

/* Saturating arithmetic for counters sampled at different times. */
static inline uint64_t sub_sat(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}
static inline uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* Returns the start of the next line after @p (past '\n'), or NULL at the end of text. */
static inline const char *next_line(const char *p)
{
	const char *nl = strchr(p, '\n');

	return nl ? nl + 1 : NULL;
}
