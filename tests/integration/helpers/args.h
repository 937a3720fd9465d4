/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Argument parsing shared by the integration test helpers lxt-hold and lxt-churn. */
#ifndef LXT_HELPERS_ARGS_H
#define LXT_HELPERS_ARGS_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* A decimal number without sign, whitespace or trailing characters; -EINVAL otherwise. */
static inline int parse_ulong(const char *s, unsigned long *ret)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* "PROG SIZE_MIB SECONDS" with 1 <= SIZE_MIB <= 2^20: fills *mib and *seconds and returns 0;
 * prints the usage line and returns -EINVAL on anything else. */
static inline int parse_mib_seconds(int argc, char *argv[], unsigned long *mib,
				    unsigned long *seconds)
{
	if (argc != 3 || parse_ulong(argv[1], mib) < 0 || parse_ulong(argv[2], seconds) < 0 ||
	    *mib == 0 || *mib > (1ul << 20)) {
		fprintf(stderr, "usage: %s SIZE_MIB SECONDS\n", argv[0]);
		return -EINVAL;
	}
	return 0;
}

#endif
