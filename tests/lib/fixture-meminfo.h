/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Builds meminfo renderer inputs from a tests/fixtures/meminfo/<case>/ directory of raw kernel
 * files, through the real parsers, with the same decisions as lxcfs's load_meminfo(). */
#pragma once

#include "meminfo.h"

/* Fills *ret (its host_meminfo points into *ret_host, which the caller frees). The case
 * directory holds "version" (1 or 2), "meminfo" (host), "memory.stat" and the v1
 * (memory.usage_in_bytes, optional memory.swappiness) or v2 (memory.max, memory.current,
 * memory.swap.max, memory.swap.current) files. Returns 0 or the -errno of a missing or
 * malformed file. */
int fixture_load_meminfo(const char *dir, struct meminfo_inputs *ret, char **ret_host);
