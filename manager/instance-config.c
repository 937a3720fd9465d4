/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure checks of an instance's config (instance-config.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "instance-config.h"
#include "parse-util.h"
#include "util/size.h"

static int fail(char **ret_err, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static int fail(char **ret_err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	*ret_err = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool is_bool(const char *v)
{
	return streq(v, "true") || streq(v, "false");
}

static bool is_int(const char *v, bool allow_negative)
{
	int64_t n;

	if (allow_negative)
		return safe_atoi64(v, &n) >= 0 && v[0] != ' ' && v[0] != '+';
	return v[0] >= '0' && v[0] <= '9' && safe_atoi64(v, &n) >= 0 && n >= 0;
}

char *instance_cpuset_of(const char *v, unsigned ncpus)
{
	uint64_t n;

	if (v[0] >= '0' && v[0] <= '9' && safe_atou64(v, &n) >= 0 && !strpbrk(v, " \n")) {
		if (n == 0 || n > ncpus)
			return NULL;
		return n == 1 ? g_strdup("0") : g_strdup_printf("0-%u", (unsigned) n - 1);
	}
	for (const char *p = v; *p; p++)
		if (!strchr("0123456789,-", *p))
			return NULL;
	if (!*v || strstr(v, ",,") || strstr(v, "--") || *v == ',' || *v == '-')
		return NULL;
	return g_strdup(v);
}

int instance_config_check(GHashTable *config, unsigned ncpus, uint64_t ram_bytes,
			  struct inst_limits *limits, char **ret_err)
{
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, config);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		const char *key = k, *val = v;

		if (startswith(key, "user."))
			continue;
		if (startswith(key, "volatile."))
			return fail(ret_err, "config key '%s' is written by the manager only", key);
		if (streq(key, "limits.memory")) {
			uint64_t b, pct;
			size_t n = strlen(val);

			if (n > 1 && val[n - 1] == '%') {
				g_autofree char *num = g_strndup(val, n - 1);

				if (safe_atou64(num, &pct) < 0 || pct == 0 || pct > 100 || num[0] == ' ')
					return fail(ret_err, "invalid value '%s' for config key "
							  "'limits.memory': expected a size or 1%% to 100%%", val);
				b = ram_bytes / 100 * pct + ram_bytes % 100 * pct / 100;
			} else if (size_parse(val, &b) < 0) {
				return fail(ret_err, "invalid value '%s' for config key 'limits.memory': "
						  "expected bytes or an integer with kB MB GB TB PB KiB MiB GiB "
						  "TiB PiB, or N%%", val);
			}
			if (limits)
				limits->memory = b;
		} else if (streq(key, "limits.cpu")) {
			g_autofree char *set = instance_cpuset_of(val, ncpus);

			if (!set)
				return fail(ret_err, "invalid value '%s' for config key 'limits.cpu': "
						  "expected a CPU count (1 to %u) or a CPU list like '0-1,3'",
						  val, ncpus);
			if (limits)
				limits->cpuset = g_steal_pointer(&set);
		} else if (streq(key, "limits.processes")) {
			uint64_t n;

			if (!is_int(val, false) || safe_atou64(val, &n) < 0 || n == 0)
				return fail(ret_err, "invalid value '%s' for config key "
						  "'limits.processes': expected a positive integer", val);
			if (limits)
				limits->processes = n;
		} else if (streq(key, "boot.autostart") || streq(key, "security.privileged") ||
			   streq(key, "security.nesting")) {
			if (!is_bool(val))
				return fail(ret_err, "invalid value '%s' for config key '%s': expected "
						  "'true' or 'false'", val, key);
		} else if (streq(key, "boot.autostart.priority")) {
			if (!is_int(val, true))
				return fail(ret_err, "invalid value '%s' for config key '%s': expected "
						  "an integer", val, key);
		} else if (streq(key, "boot.autostart.delay")) {
			if (!is_int(val, false))
				return fail(ret_err, "invalid value '%s' for config key '%s': expected "
						  "an integer >= 0", val, key);
		} else if (startswith(key, "vm.")) {
			return fail(ret_err, "config key '%s' applies to virtual machines only", key);
		} else {
			return fail(ret_err, "unknown config key '%s'", key);
		}
	}
	return 0;
}

