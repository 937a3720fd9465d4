/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Logging to stderr with levels; the *_errno helpers set errno = -r so %m prints it and return r. */
#pragma once

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>

enum log_level {
	LOG_LEVEL_ERR,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_MAX,
};

/* Sets the highest level printed (default LOG_LEVEL_INFO). Call before threads start. */
void log_set_max_level(enum log_level level);
bool log_level_enabled(enum log_level level);

/* Prints one line "<program>: <text>" to stderr when @level is enabled. Thread-safe (one write(2)).
 * Returns @r so callers can "return log_xxx_errno(r, ...)"; errno is set to -r while formatting. */
int log_internal(enum log_level level, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define log_error(...)	 ((void) log_internal(LOG_LEVEL_ERR, 0, __VA_ARGS__))
#define log_warning(...) ((void) log_internal(LOG_LEVEL_WARNING, 0, __VA_ARGS__))
#define log_info(...)	 ((void) log_internal(LOG_LEVEL_INFO, 0, __VA_ARGS__))
#define log_debug(...)	 ((void) (log_level_enabled(LOG_LEVEL_DEBUG) ? log_internal(LOG_LEVEL_DEBUG, 0, __VA_ARGS__) : 0))

#define log_error_errno(r, ...)	  log_internal(LOG_LEVEL_ERR, (r), __VA_ARGS__)
#define log_warning_errno(r, ...) log_internal(LOG_LEVEL_WARNING, (r), __VA_ARGS__)
#define log_debug_errno(r, ...) \
	(log_level_enabled(LOG_LEVEL_DEBUG) ? log_internal(LOG_LEVEL_DEBUG, (r), __VA_ARGS__) : (r))
