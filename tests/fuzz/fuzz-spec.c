/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the launcher's instance spec (launcher/lib/spec.c) and its translation into LXC
 * configuration items (launcher/lib/lxcconf.c). Input: lines "key=value" (lxl_spec_set() keys
 * such as "memory=256M", "cpuset=0-1", "network=bridge=br0", "cap-drop=sys_time"), then
 * validation and lxl_config_items() for a cgroup v2 and a v1 host. Invariants: a rejected set
 * leaves the spec unchanged and says why; an item never holds a newline (it would inject a
 * line into the LXC config); canonical CPU lists are their own canonical form. */
#include "fuzz.h"
#include "lxcconf.h"
#include "spec.h"

static const struct lxl_host hosts[] = {
	{ .cg = { LXL_CG_V2, LXL_CG_V2, LXL_CG_V2, LXL_CG_V2, LXL_CG_V2 },
	  .io_weight_file = "io.weight", .lxcfs = true, .hookdir = "/usr/share/lxcfs",
	  .apparmor = true, .subuid_start = 100000, .subuid_count = 65536,
	  .subgid_start = 100000, .subgid_count = 65536 },
	{ .cg = { LXL_CG_V1, LXL_CG_V1, LXL_CG_V1, LXL_CG_V1, LXL_CG_V1 }, .memsw = true,
	  .io_weight_file = "blkio.bfq.weight", .lxcfs = false, .hookdir = "/usr/share/lxcfs",
	  .selinux = true },
};

static void check_items(const struct lxl_items *items)
{
	for (size_t i = 0; i < 2 * items->n; i++) {
		FUZZ_ASSERT(items->kv[i]);
		FUZZ_ASSERT(!strchr(items->kv[i], '\n'));
	}
	FUZZ_ASSERT(items->kv == NULL || items->kv[2 * items->n] == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lxl_spec spec;
	char *text, *line, *next;
	int r;

	if (size > 16384)
		return 0;
	text = fuzz_text(data, size);
	lxl_spec_init(&spec);
	for (line = text; *line; line = next) {
		struct lxl_error err = {};
		char *nl = strchr(line, '\n'), *eq;

		if (nl) {
			*nl = 0;
			next = nl + 1;
		} else {
			next = line + strlen(line);
		}
		eq = strchr(line, '=');
		if (eq)
			*eq = 0;
		r = lxl_spec_set(&spec, line, eq ? eq + 1 : "", &err);
		FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ERANGE || r == -ENOENT || r == -ENOMEM);
		if (r < 0)
			FUZZ_ASSERT(err.r == r && err.msg[0] && memchr(err.msg, 0, sizeof(err.msg)));
		if (eq) {
			char *canon = NULL, *canon2 = NULL;
			uint64_t v;

			/* the individual parsers on the same value */
			(void) lxl_parse_size(eq + 1, &v);
			(void) lxl_parse_cpus(eq + 1, &v);
			(void) lxl_name_is_valid(eq + 1);
			if (lxl_parse_cpuset(eq + 1, &canon) == 0) {
				FUZZ_ASSERT(lxl_parse_cpuset(canon, &canon2) == 0);
				FUZZ_ASSERT(strcmp(canon, canon2) == 0);
				free(canon);
				free(canon2);
			}
		}
	}
	if (spec.cpuset)
		FUZZ_ASSERT(!strchr(spec.cpuset, '\n'));
	if (spec.name)
		FUZZ_ASSERT(lxl_name_is_valid(spec.name));

	{
		struct lxl_error err = {};

		r = lxl_spec_validate(&spec, true, &err);
		FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ENOMEM);
		if (r == 0) {
			FUZZ_ASSERT(!!spec.template_name != !!spec.rootfs);
			for (size_t h = 0; h < sizeof(hosts) / sizeof(hosts[0]); h++) {
				struct lxl_items items = {};

				r = lxl_config_items(&spec, &hosts[h], &items, &err);
				FUZZ_ASSERT(r == 0 || r == -EOPNOTSUPP || r == -EPERM ||
					    r == -ENOMEM || r == -EINVAL);
				check_items(&items);
				lxl_items_done(&items);
			}
		}
	}
	lxl_spec_done(&spec);
	lxl_spec_done(&spec);	/* twice is safe */
	free(text);
	return 0;
}
