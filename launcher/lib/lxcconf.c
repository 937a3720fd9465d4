/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure spec -> LXC config translation (see lxcconf.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "lxcconf.h"
#include "parse-util.h"
#include "strbuf.h"

void lxl_items_done(struct lxl_items *items)
{
	lxl_strv_free(items->kv);
	*items = (struct lxl_items) {};
}

int lxl_items_add(struct lxl_items *items, const char *key, const char *value)
{
	char *k = strdup(key), *v = strdup(value), **nl;

	if (!k || !v)
		goto oom;
	nl = reallocarray(items->kv, 2 * items->n + 3, sizeof(*nl));
	if (!nl)
		goto oom;
	items->kv = nl;
	nl[2 * items->n] = k;
	nl[2 * items->n + 1] = v;
	nl[2 * items->n + 2] = NULL;
	items->n++;
	return 0;
oom:
	free(k);
	free(v);
	return -ENOMEM;
}

const char *lxl_items_get(const struct lxl_items *items, const char *key)
{
	const char *found = NULL;

	for (size_t i = 0; i < items->n; i++)
		if (streq(items->kv[2 * i], key))
			found = items->kv[2 * i + 1];
	return found;
}

static bool word_in(const char *text, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = text; p && *p;) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (strncmp(p, word, n) == 0 && (p[n] == 0 || p[n] == ' ' || p[n] == '\t' || p[n] == '\n'))
			return true;
		p += strcspn(p, " \t\n");
	}
	return false;
}

enum lxl_cg_version lxl_cg_version_parse(const char *proc_cgroups, const char *unified_controllers,
					 const char *v1_name, const char *v2_name)
{
	for (const char *line = proc_cgroups; line && *line; line = next_line(line)) {
		size_t n = strlen(v1_name);
		uint64_t hier;

		if (line[0] == '#' || strncmp(line, v1_name, n) != 0 || (line[n] != '\t' && line[n] != ' '))
			continue;
		if (parse_u64_token(line + n, &hier, NULL) < 0)
			continue;
		if (hier != 0)
			return LXL_CG_V1;
		break;
	}
	if (unified_controllers && word_in(unified_controllers, v2_name))
		return LXL_CG_V2;
	return LXL_CG_MISSING;
}

int lxl_subid_parse(const char *text, const char *user, uint64_t *ret_start, uint64_t *ret_count)
{
	size_t n = strlen(user);

	for (const char *line = text; line && *line; line = next_line(line)) {
		char buf[64];
		const char *p, *colon, *end;
		uint64_t start, count;

		if (strncmp(line, user, n) != 0 || line[n] != ':')
			continue;
		p = line + n + 1;
		colon = strchr(p, ':');
		end = strchrnul(p, '\n');
		if (!colon || colon > end || (size_t) (colon - p) >= sizeof(buf) ||
		    (size_t) (end - colon - 1) >= sizeof(buf))
			return -EINVAL;
		memcpy(buf, p, (size_t) (colon - p));
		buf[colon - p] = 0;
		if (safe_atou64(buf, &start) < 0)
			return -EINVAL;
		memcpy(buf, colon + 1, (size_t) (end - colon - 1));
		buf[end - colon - 1] = 0;
		if (safe_atou64(buf, &count) < 0 || count == 0)
			return -EINVAL;
		*ret_start = start;
		*ret_count = count;
		return 1;
	}
	return 0;
}

static const char * const ctrl_names[LXL_CTRL_MAX] = {
	[LXL_CTRL_MEMORY] = "memory", [LXL_CTRL_CPU] = "cpu", [LXL_CTRL_CPUSET] = "cpuset",
	[LXL_CTRL_PIDS] = "pids", [LXL_CTRL_IO] = "io",
};

/* Adds "lxc.cgroup.FILE" or "lxc.cgroup2.FILE" for the controller's version. */
static int add_cg(struct lxl_items *items, const struct lxl_host *host, enum lxl_controller c,
		  const char *option, const char *v1_file, const char *v2_file, const char *value,
		  struct lxl_error *err)
{
	char key[128];
	int r;

	switch (host->cg[c]) {
	case LXL_CG_V1:
		r = snprintf(key, sizeof(key), "lxc.cgroup.%s", v1_file);
		break;
	case LXL_CG_V2:
		r = snprintf(key, sizeof(key), "lxc.cgroup2.%s", v2_file);
		break;
	default:
		return lxl_error_set(err, -EOPNOTSUPP, "Option --%s needs the '%s' cgroup controller, "
				     "which this host does not have", option, ctrl_names[c]);
	}
	if (r < 0 || (size_t) r >= sizeof(key))
		return lxl_error_set(err, -EINVAL, "cgroup file name '%s' too long", v1_file);
	r = lxl_items_add(items, key, value);
	if (r < 0)
		return lxl_error_set(err, r, "Out of memory");
	return 0;
}

#define U64_STR_MAX sizeof("18446744073709551615")

static int add(struct lxl_items *items, const char *key, const char *value, struct lxl_error *err)
{
	int r = lxl_items_add(items, key, value);

	return r < 0 ? lxl_error_set(err, r, "Out of memory") : 0;
}

static int add_limits(const struct lxl_spec *spec, const struct lxl_host *host, struct lxl_items *items,
		      struct lxl_error *err)
{
	char v[2 * U64_STR_MAX + 2];
	int r;

	if (spec->memory) {
		snprintf(v, sizeof(v), "%" PRIu64, spec->memory);
		r = add_cg(items, host, LXL_CTRL_MEMORY, "memory", "memory.limit_in_bytes", "memory.max", v, err);
		if (r < 0)
			return r;
	}
	if (spec->memory_swap) {
		if (host->cg[LXL_CTRL_MEMORY] == LXL_CG_V1 && !host->memsw)
			return lxl_error_set(err, -EOPNOTSUPP, "Option --memory-swap needs swap accounting "
					     "(memory.memsw.limit_in_bytes), which this kernel has disabled");
		/* v1 memsw is memory + swap (docker's --memory-swap); v2 swap.max is swap alone */
		snprintf(v, sizeof(v), "%" PRIu64, host->cg[LXL_CTRL_MEMORY] == LXL_CG_V2 ?
			 spec->memory_swap - spec->memory : spec->memory_swap);
		r = add_cg(items, host, LXL_CTRL_MEMORY, "memory-swap", "memory.memsw.limit_in_bytes",
			   "memory.swap.max", v, err);
		if (r < 0)
			return r;
	}
	if (spec->cpu_quota_us) {
		if (host->cg[LXL_CTRL_CPU] == LXL_CG_V2) {
			snprintf(v, sizeof(v), "%" PRIu64 " %" PRIu64, spec->cpu_quota_us, spec->cpu_period_us);
			r = add_cg(items, host, LXL_CTRL_CPU, "cpus", NULL, "cpu.max", v, err);
		} else {
			/* the period first: the kernel checks the quota against it */
			snprintf(v, sizeof(v), "%" PRIu64, spec->cpu_period_us);
			r = add_cg(items, host, LXL_CTRL_CPU, "cpus", "cpu.cfs_period_us", NULL, v, err);
			if (r < 0)
				return r;
			snprintf(v, sizeof(v), "%" PRIu64, spec->cpu_quota_us);
			r = add_cg(items, host, LXL_CTRL_CPU, "cpus", "cpu.cfs_quota_us", NULL, v, err);
		}
		if (r < 0)
			return r;
	}
	if (spec->cpuset) {
		r = add_cg(items, host, LXL_CTRL_CPUSET, "cpuset", "cpuset.cpus", "cpuset.cpus", spec->cpuset, err);
		if (r < 0)
			return r;
	}
	if (spec->pids) {
		snprintf(v, sizeof(v), "%" PRIu64, spec->pids);
		r = add_cg(items, host, LXL_CTRL_PIDS, "pids", "pids.max", "pids.max", v, err);
		if (r < 0)
			return r;
	}
	if (spec->io_weight) {
		uint64_t w = spec->io_weight;

		if (host->cg[LXL_CTRL_IO] != LXL_CG_MISSING && !host->io_weight_file)
			return lxl_error_set(err, -EOPNOTSUPP, "Option --io-weight needs a proportional "
					     "I/O scheduler (no blkio.weight or io.weight file on this host)");
		if (host->cg[LXL_CTRL_IO] == LXL_CG_V1)
			w = 10 + (w - 1) * 990 / 9999;	/* blkio.weight is 10..1000 */
		snprintf(v, sizeof(v), "%" PRIu64, w);
		r = add_cg(items, host, LXL_CTRL_IO, "io-weight", host->io_weight_file, host->io_weight_file,
			   v, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_network(const struct lxl_spec *spec, struct lxl_items *items, struct lxl_error *err)
{
	int r;

	switch (spec->network) {
	case LXL_NET_NONE:
		/* a new network namespace with only lo */
		return add(items, "lxc.net.0.type", "empty", err);
	case LXL_NET_HOST:
		/* type none: LXC does not clone a network namespace, the host's is shared */
		return add(items, "lxc.net.0.type", "none", err);
	case LXL_NET_BRIDGE:
		r = add(items, "lxc.net.0.type", "veth", err);
		if (r >= 0)
			r = add(items, "lxc.net.0.link", spec->bridge, err);
		if (r >= 0)
			r = add(items, "lxc.net.0.flags", "up", err);
		if (r >= 0)
			r = add(items, "lxc.net.0.name", "eth0", err);
		return r;
	default:
		return lxl_error_set(err, -EINVAL, "Invalid network mode %d", (int) spec->network);
	}
}

int lxl_config_items(const struct lxl_spec *spec, const struct lxl_host *host, struct lxl_items *items,
		     struct lxl_error *err)
{
	char path[4096];
	int r;

	r = add_limits(spec, host, items, err);
	if (r < 0)
		return r;
	r = add_network(spec, items, err);
	if (r < 0)
		return r;

	if (spec->apparmor && !streq(spec->apparmor, "unconfined") && !host->apparmor)
		return lxl_error_set(err, -EOPNOTSUPP, "AppArmor profile '%s' requested, but the kernel "
				     "has no AppArmor enabled (no /sys/kernel/security/apparmor)", spec->apparmor);
	/* without AppArmor in the kernel LXC refuses "generated"; unconfined is the only choice */
	r = add(items, "lxc.apparmor.profile", spec->apparmor ?: "unconfined", err);
	if (r < 0)
		return r;
	if (spec->selinux) {
		if (!host->selinux)
			return lxl_error_set(err, -EOPNOTSUPP, "SELinux context '%s' requested, but the "
					     "kernel has no SELinux enabled (no /sys/fs/selinux)", spec->selinux);
		r = add(items, "lxc.selinux.context", spec->selinux, err);
		if (r < 0)
			return r;
	}

	if (spec->userns) {
		char v[3 * U64_STR_MAX + 8];

		if (host->subuid_count == 0 || host->subgid_count == 0)
			return lxl_error_set(err, -EPERM, "Option --userns needs subordinate ids for root: "
					     "add a line such as 'root:100000:65536' to %s",
					     host->subuid_count == 0 ? "/etc/subuid" : "/etc/subgid");
		snprintf(v, sizeof(v), "u 0 %" PRIu64 " %" PRIu64, host->subuid_start, host->subuid_count);
		r = add(items, "lxc.idmap", v, err);
		if (r < 0)
			return r;
		snprintf(v, sizeof(v), "g 0 %" PRIu64 " %" PRIu64, host->subgid_start, host->subgid_count);
		r = add(items, "lxc.idmap", v, err);
		if (r < 0)
			return r;
	}

	if (!spec->no_lxcfs && host->lxcfs) {
		r = snprintf(path, sizeof(path), "%s/lxc.mount.hook", host->hookdir);
		if (r < 0 || (size_t) r >= sizeof(path))
			return lxl_error_set(err, -ENAMETOOLONG, "Hook directory '%s' too long", host->hookdir);
		r = add(items, "lxc.hook.mount", path, err);
		if (r < 0)
			return r;
	}

	return 0;
}
