/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* liblxlaunch instance spec: what a container should be (name, rootfs, limits, namespaces,
 * security), parsed and validated from strings without any I/O. lxc.c turns it into LXC
 * configuration. Pure: no syscalls, no logging, no globals; errors come back as -errno plus
 * a message in a struct lxl_error. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LXL_NAME_MAX 64			/* longest accepted container name */
#define LXL_CPU_PERIOD_US 100000	/* CFS period for --cpus (100 ms, the kernel default) */
#define LXL_CPUS_MAX_WHOLE 100000	/* --cpus above this is -ERANGE (quota would be absurd) */
#define LXL_IO_WEIGHT_MIN 1		/* cgroup2 io.weight range */
#define LXL_IO_WEIGHT_MAX 10000
#define LXL_IFNAME_MAX 15		/* IFNAMSIZ - 1 */

/* One error: the -errno and a line for the user (no trailing newline, no program name). */
struct lxl_error {
	int r;
	char msg[512];
};

/* Formats @fmt into @err (when non-NULL) and returns @r (a negative errno). A message longer
 * than the buffer is cut: an error line is the one place truncation is acceptable. */
int lxl_error_set(struct lxl_error *err, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

enum lxl_network_mode {
	LXL_NET_NONE,		/* own network namespace with only a loopback device */
	LXL_NET_HOST,		/* share the host's network namespace */
	LXL_NET_BRIDGE,		/* own namespace, a veth pair whose host end joins ->bridge */
	LXL_NET_MAX,
	LXL_NET_INVALID = -EINVAL,
};

enum lxl_seccomp_mode {
	LXL_SECCOMP_DEFAULT,	/* the launcher's default deny list */
	LXL_SECCOMP_UNCONFINED,	/* no filter */
	LXL_SECCOMP_PROFILE,	/* ->seccomp_profile, an LXC-format profile file */
	LXL_SECCOMP_MAX,
	LXL_SECCOMP_INVALID = -EINVAL,
};

struct lxl_spec {
	char *name;
	char *template_name;		/* "busybox"; NULL when ->rootfs is set */
	char *rootfs;			/* existing rootfs directory; NULL with a template */

	uint64_t memory;		/* bytes; 0 = no limit */
	uint64_t memory_swap;		/* bytes of memory + swap (docker semantics); 0 = unset */
	uint64_t cpu_quota_us;		/* 0 = no CPU bandwidth limit */
	uint64_t cpu_period_us;		/* LXL_CPU_PERIOD_US when cpu_quota_us is set */
	char *cpuset;			/* canonical CPU list ("0-1,3"); NULL = unset */
	uint64_t pids;			/* 0 = no limit */
	uint64_t io_weight;		/* 1..10000 (cgroup2 scale); 0 = unset */

	enum lxl_network_mode network;
	char *bridge;			/* LXL_NET_BRIDGE only */
	bool userns;

	char **cap_drop;		/* NULL-terminated lists of lower-case names without cap_ */
	char **cap_add;
	enum lxl_seccomp_mode seccomp;
	char *seccomp_profile;		/* LXL_SECCOMP_PROFILE only */
	char *apparmor;			/* NULL = the launcher's default */
	char *selinux;			/* NULL = none */

	char *lxcfs_dir;		/* NULL = the default mountpoint */
	bool no_lxcfs;
};

/* Zeroed defaults: no limits, network none, seccomp default, template NULL. */
void lxl_spec_init(struct lxl_spec *spec);
/* Frees everything the spec owns; safe on an initialised or zeroed spec, twice too. */
void lxl_spec_done(struct lxl_spec *spec);

/* Sets one field from a string, the way the CLI and the manager receive them. @key is the
 * option name without dashes: "name", "template", "rootfs", "memory", "memory-swap", "cpus",
 * "cpuset", "pids", "io-weight", "network", "userns" (value ignored), "cap-drop", "cap-add",
 * "seccomp", "apparmor", "selinux", "lxcfs", "no-lxcfs" (value ignored). Setting a key again
 * replaces its value, except "cap-drop" and "cap-add", whose lists add up.
 * Returns 0, or -EINVAL (bad value) / -ERANGE (out of range) / -ENOENT (unknown key) /
 * -ENOMEM with a message in @err naming the key and the value. The spec is unchanged on error. */
int lxl_spec_set(struct lxl_spec *spec, const char *key, const char *value, struct lxl_error *err);

/* Cross-field checks after all lxl_spec_set() calls: a name is set (unless @need_name is
 * false), exactly one of template and rootfs (template defaults to "busybox" when neither),
 * memory-swap >= memory and needs memory, cap-add and cap-drop disjoint.
 * Returns 0 or -EINVAL with a message; may set ->template_name (-ENOMEM). */
int lxl_spec_validate(struct lxl_spec *spec, bool need_name, struct lxl_error *err);

/* Individual parsers; outputs are written only on success. */

/* "[A-Za-z0-9][A-Za-z0-9_.-]*", at most LXL_NAME_MAX bytes. */
bool lxl_name_is_valid(const char *name);
/* Decimal bytes with an optional binary suffix k, m, g, t (either case, 1024-based), itself
 * optionally followed by "b"/"B" ("256M", "1G", "512k", "4096", "2GB"). Returns 0, -EINVAL
 * (empty, sign, junk, fractions), -ERANGE (does not fit 64 bits). */
int lxl_parse_size(const char *s, uint64_t *ret_bytes);
/* "1", "1.5", "0.25": CPUs with up to three decimals. *ret_quota_us is cpus * 100000
 * (period LXL_CPU_PERIOD_US). Returns 0, -EINVAL (empty, sign, junk, zero, more than three
 * decimals), -ERANGE (above LXL_CPUS_MAX_WHOLE). */
int lxl_parse_cpus(const char *s, uint64_t *ret_quota_us);
/* A CPU list ("0-1,3") in canonical form (caller frees); -EINVAL empty or malformed,
 * -ERANGE CPU number too large, -ENOMEM. */
int lxl_parse_cpuset(const char *s, char **ret_canonical);
/* "none", "host" or "bridge=BR" (BR a valid interface name); *ret_bridge is allocated for
 * bridge mode only (caller frees), else NULL. */
int lxl_parse_network(const char *s, enum lxl_network_mode *ret_mode, char **ret_bridge);
/* Comma-separated capability names ("sys_time,CAP_NET_RAW"): lower-cased, "cap_" stripped,
 * each [a-z_]+; a NULL-terminated list (caller frees with lxl_strv_free()). Syntax only:
 * whether the kernel knows a name is checked by the security backend. */
int lxl_parse_cap_list(const char *s, char ***ret_list);
void lxl_strv_free(char **l);
size_t lxl_strv_length(char * const *l);
