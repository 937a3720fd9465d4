/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure checks of an instance's config map (spec manager-api.md §4.4) and the container
 * limits it gives. No I/O: the host's CPU count and memory come in as arguments. */
#pragma once

#include <glib.h>
#include <stdint.h>

/* Limits of a container, from its config. */
struct inst_limits {
	guint64 memory;		/* bytes, 0 = none */
	char *cpuset;		/* CPU list for lxlaunch --cpuset, NULL = none */
	guint64 processes;	/* 0 = none */
};

/* Checks every key of @config: limits.memory (a size, or 1% to 100% of @ram_bytes),
 * limits.cpu (a count 1..@ncpus, which becomes the list "0-(N-1)", or a CPU list),
 * limits.processes (> 0), the boot.* and security.* values, user.* (free); volatile.*,
 * vm.* and unknown keys are refused. Fills @limits (may be NULL; caller frees ->cpuset) and
 * returns 0, or -EINVAL with *ret_err, one sentence naming the key and value. */
int instance_config_check(GHashTable *config, unsigned ncpus, uint64_t ram_bytes,
			  struct inst_limits *limits, char **ret_err);

/* A limits.cpu value as a CPU list: "2" -> "0-1", "1" -> "0", "0-1,3" stays; NULL when it
 * is neither a count in 1..@ncpus nor a list of digits, ',' and '-'. Caller g_free()s. */
char *instance_cpuset_of(const char *v, unsigned ncpus);
