/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure parser for API sizes (spec manager-api.md §2.2). */
#pragma once

#include <stdint.h>

/* Parses @s: a plain byte count, or an integer followed (no space) by one of kB MB GB TB PB
 * (powers of 1000) or KiB MiB GiB TiB PiB (powers of 1024), case-sensitive.
 * Returns 0 and *ret_bytes (> 0), or -EINVAL (empty, zero, sign, fraction, space, unknown
 * unit) or -ERANGE (more than UINT64_MAX bytes). *ret_bytes untouched on error. */
int size_parse(const char *s, uint64_t *ret_bytes);
