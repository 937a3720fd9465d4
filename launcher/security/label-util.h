/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Syntax checks shared by the LSM backends and their stubs (pure, no logging). */
#pragma once

#include <stdbool.h>
#include <string.h>

/* LSM labels end up in LXC config lines and in /proc/self/attr writes: printable ASCII without
 * blanks, bounded length. */
#define LSM_LABEL_MAX 4096

static inline bool lsm_label_printable(const char *label)
{
	size_t n = 0;

	for (const char *p = label; *p; p++, n++)
		if (*p <= ' ' || *p > '~' || n >= LSM_LABEL_MAX)
			return false;
	return n > 0;
}

/* SELinux context: user:role:type[:range], the range may itself hold colons (s0:c1,c2). */
static inline bool selinux_context_syntax_ok(const char *ctx)
{
	const char *a, *b, *c;

	if (!lsm_label_printable(ctx))
		return false;
	a = strchr(ctx, ':');
	if (!a || a == ctx)
		return false;
	b = strchr(a + 1, ':');
	if (!b || b == a + 1)
		return false;
	c = strchr(b + 1, ':');
	if (c == b + 1 || (!c && b[1] == '\0'))
		return false;
	return !c || c[1] != '\0';
}
