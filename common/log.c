/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* Written in main() before any worker thread starts. */
static enum log_level max_level = LOG_LEVEL_INFO;

void log_set_max_level(enum log_level level)
{
	max_level = level;
}

bool log_level_enabled(enum log_level level)
{
	return level <= max_level;
}

int log_internal(enum log_level level, int r, const char *fmt, ...)
{
	char buf[1024];
	int saved = errno, n;
	va_list ap;

	if (!log_level_enabled(level))
		return r;
	if (r < 0)
		errno = -r;
	/* the program's name ("lxcfs", "lxlaunch", ...) prefixes every line */
	n = snprintf(buf, sizeof(buf), "%s: ", program_invocation_short_name);
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t) n - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t) n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;	/* a log line is the one place truncation is acceptable */
	buf[n++] = '\n';
	(void) !write(STDERR_FILENO, buf, (size_t) n);
	errno = saved;
	return r;
}
