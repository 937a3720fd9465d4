/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure instance spec parsing and validation (see spec.h). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cpuset.h"
#include "parse-util.h"
#include "spec.h"
#include "strbuf.h"

int lxl_error_set(struct lxl_error *err, int r, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return r;
	err->r = r;
	va_start(ap, fmt);
	(void) vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return r;
}

void lxl_strv_free(char **l)
{
	if (!l)
		return;
	for (char **p = l; *p; p++)
		free(*p);
	free(l);
}

static void lxl_strv_freep(char ***l)
{
	lxl_strv_free(*l);
}

size_t lxl_strv_length(char * const *l)
{
	size_t n = 0;

	while (l && l[n])
		n++;
	return n;
}

static bool lxl_strv_contains(char * const *l, const char *s)
{
	for (; l && *l; l++)
		if (streq(*l, s))
			return true;
	return false;
}

void lxl_spec_init(struct lxl_spec *spec)
{
	*spec = (struct lxl_spec) {
		.network = LXL_NET_NONE,
		.seccomp = LXL_SECCOMP_DEFAULT,
	};
}

void lxl_spec_done(struct lxl_spec *spec)
{
	free(spec->name);
	free(spec->template_name);
	free(spec->rootfs);
	free(spec->cpuset);
	free(spec->bridge);
	lxl_strv_free(spec->cap_drop);
	lxl_strv_free(spec->cap_add);
	free(spec->seccomp_profile);
	free(spec->apparmor);
	free(spec->selinux);
	free(spec->lxcfs_dir);
	lxl_spec_init(spec);
}

bool lxl_name_is_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > LXL_NAME_MAX || !isalnum((unsigned char) name[0]))
		return false;
	for (size_t i = 1; i < n; i++) {
		unsigned char c = (unsigned char) name[i];

		if (!isalnum(c) && c != '_' && c != '.' && c != '-')
			return false;
	}
	return true;
}

int lxl_parse_size(const char *s, uint64_t *ret_bytes)
{
	static const struct {
		char c;
		unsigned shift;
	} suffixes[] = { { 'k', 10 }, { 'm', 20 }, { 'g', 30 }, { 't', 40 } };
	uint64_t v = 0;
	unsigned shift = 0;
	const char *p = s;

	if (!isdigit((unsigned char) *p))
		return -EINVAL;	/* empty, sign, leading space */
	for (; isdigit((unsigned char) *p); p++) {
		unsigned d = (unsigned) (*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (*p) {
		bool found = false;

		for (size_t i = 0; i < ELEMENTSOF(suffixes); i++)
			if (tolower((unsigned char) *p) == suffixes[i].c) {
				shift = suffixes[i].shift;
				found = true;
			}
		if (!found)
			return -EINVAL;
		p++;
		if (*p == 'b' || *p == 'B')
			p++;
		if (*p)
			return -EINVAL;
	}
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*ret_bytes = v << shift;
	return 0;
}

int lxl_parse_cpus(const char *s, uint64_t *ret_quota_us)
{
	uint64_t whole = 0, milli = 0;
	unsigned decimals = 0;
	const char *p = s;

	if (!isdigit((unsigned char) *p))
		return -EINVAL;
	for (; isdigit((unsigned char) *p); p++) {
		whole = whole * 10 + (unsigned) (*p - '0');
		if (whole > LXL_CPUS_MAX_WHOLE)
			return -ERANGE;
	}
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char) *p))
			return -EINVAL;	/* "1." */
		for (; isdigit((unsigned char) *p); p++) {
			if (++decimals > 3)
				return -EINVAL;
			milli = milli * 10 + (unsigned) (*p - '0');
		}
		for (unsigned i = decimals; i < 3; i++)
			milli *= 10;
	}
	if (*p)
		return -EINVAL;
	milli += whole * 1000;
	if (milli == 0)
		return -EINVAL;
	*ret_quota_us = milli * (LXL_CPU_PERIOD_US / 1000);
	return 0;
}

int lxl_parse_cpuset(const char *s, char **ret_canonical)
{
	_cleanup_(strbuf_done) struct strbuf out = STRBUF_INIT(1 << 16);
	struct cpuset *set;
	char *text;
	int r;

	set = malloc(sizeof(*set));
	if (!set)
		return -ENOMEM;
	r = cpuset_parse(s, set);
	if (r == 0 && cpuset_is_empty(set))
		r = -EINVAL;
	if (r == 0)
		r = cpuset_format(set, &out);
	free(set);
	if (r < 0)
		return r;
	text = strbuf_steal(&out, NULL);
	if (!text)
		return -ENOMEM;
	*ret_canonical = text;
	return 0;
}

static bool ifname_is_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > LXL_IFNAME_MAX || streq(s, ".") || streq(s, ".."))
		return false;
	for (const char *p = s; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char) *p) || !isprint((unsigned char) *p))
			return false;
	return true;
}

int lxl_parse_network(const char *s, enum lxl_network_mode *ret_mode, char **ret_bridge)
{
	const char *br;
	char *copy;

	if (streq(s, "none")) {
		*ret_mode = LXL_NET_NONE;
		*ret_bridge = NULL;
		return 0;
	}
	if (streq(s, "host")) {
		*ret_mode = LXL_NET_HOST;
		*ret_bridge = NULL;
		return 0;
	}
	br = startswith(s, "bridge=");
	if (!br || !ifname_is_valid(br))
		return -EINVAL;
	copy = strdup(br);
	if (!copy)
		return -ENOMEM;
	*ret_mode = LXL_NET_BRIDGE;
	*ret_bridge = copy;
	return 0;
}

int lxl_parse_cap_list(const char *s, char ***ret_list)
{
	_cleanup_(lxl_strv_freep) char **l = NULL;
	size_t n = 0;
	const char *p = s;

	if (!*s)
		return -EINVAL;
	for (;;) {
		const char *end = strchrnul(p, ',');
		size_t len = (size_t) (end - p);
		char *name, **nl;

		if (len >= 4 && strncasecmp(p, "cap_", strlen("cap_")) == 0) {
			p += strlen("cap_");
			len -= strlen("cap_");
		}
		if (len == 0)
			return -EINVAL;
		name = strndup(p, len);
		if (!name)
			return -ENOMEM;
		for (char *c = name; *c; c++) {
			*c = (char) tolower((unsigned char) *c);
			if (!islower((unsigned char) *c) && *c != '_') {
				free(name);
				return -EINVAL;
			}
		}
		nl = reallocarray(l, n + 2, sizeof(*l));
		if (!nl) {
			free(name);
			return -ENOMEM;
		}
		l = nl;
		l[n++] = name;
		l[n] = NULL;
		if (!*end)
			break;
		p = end + 1;
	}
	*ret_list = TAKE_PTR(l);
	return 0;
}

static int set_string(char **field, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

static int size_error(struct lxl_error *err, int r, const char *key, const char *value)
{
	if (r == -ENOMEM)
		return lxl_error_set(err, r, "Out of memory");
	if (r == -ERANGE)
		return lxl_error_set(err, r, "Invalid --%s value '%s': too large", key, value);
	return lxl_error_set(err, r, "Invalid --%s value '%s': expected a size such as 512k, 256M, 1G "
			     "or a number of bytes", key, value);
}

static int set_positive_u64(uint64_t *field, const char *key, const char *value,
			    struct lxl_error *err)
{
	uint64_t v;
	int r;

	r = safe_atou64(value, &v);
	if (r == 0 && v == 0)
		r = -EINVAL;
	if (r == 0 && (value[0] == ' ' || value[0] == '\t' || value[strlen(value) - 1] == '\n'))
		r = -EINVAL;	/* safe_atou64() tolerates surrounding space; argv should not */
	if (r == -ERANGE)
		return lxl_error_set(err, r, "Invalid --%s value '%s': too large", key, value);
	if (r < 0)
		return lxl_error_set(err, r, "Invalid --%s value '%s': expected a positive integer",
				     key, value);
	*field = v;
	return 0;
}

int lxl_spec_set(struct lxl_spec *spec, const char *key, const char *value, struct lxl_error *err)
{
	int r;

	if (streq(key, "userns")) {
		spec->userns = true;
		return 0;
	}
	if (streq(key, "no-lxcfs")) {
		spec->no_lxcfs = true;
		return 0;
	}
	if (!value)
		return lxl_error_set(err, -EINVAL, "Option --%s needs a value", key);

	if (streq(key, "name")) {
		if (!lxl_name_is_valid(value))
			return lxl_error_set(err, -EINVAL,
					     "Invalid container name '%s': use letters, digits, '_', '.' "
					     "and '-', starting with a letter or digit, at most %d characters",
					     value, LXL_NAME_MAX);
		r = set_string(&spec->name, value);
	} else if (streq(key, "template")) {
		if (!streq(value, "busybox"))
			return lxl_error_set(err, -EINVAL,
					     "Invalid --template value '%s': only 'busybox' is supported", value);
		r = set_string(&spec->template_name, value);
	} else if (streq(key, "rootfs")) {
		if (value[0] != '/')
			return lxl_error_set(err, -EINVAL,
					     "Invalid --rootfs value '%s': expected an absolute path", value);
		r = set_string(&spec->rootfs, value);
	} else if (streq(key, "memory") || streq(key, "memory-swap")) {
		uint64_t v;

		r = lxl_parse_size(value, &v);
		if (r == 0 && v < 4096)
			return lxl_error_set(err, -EINVAL,
					     "Invalid --%s value '%s': below the minimum of 4k", key, value);
		if (r < 0)
			return size_error(err, r, key, value);
		if (streq(key, "memory"))
			spec->memory = v;
		else
			spec->memory_swap = v;
		return 0;
	} else if (streq(key, "cpus")) {
		uint64_t quota;

		r = lxl_parse_cpus(value, &quota);
		if (r == -ERANGE)
			return lxl_error_set(err, r, "Invalid --cpus value '%s': more than %d CPUs",
					     value, LXL_CPUS_MAX_WHOLE);
		if (r < 0)
			return lxl_error_set(err, r, "Invalid --cpus value '%s': expected a positive "
					     "number of CPUs with up to 3 decimals, such as 1.5", value);
		spec->cpu_quota_us = quota;
		spec->cpu_period_us = LXL_CPU_PERIOD_US;
		return 0;
	} else if (streq(key, "cpuset")) {
		char *canon;

		r = lxl_parse_cpuset(value, &canon);
		if (r == -ENOMEM)
			return lxl_error_set(err, r, "Out of memory");
		if (r < 0)
			return lxl_error_set(err, r, "Invalid --cpuset value '%s': expected a CPU list "
					     "such as 0-1,3", value);
		free(spec->cpuset);
		spec->cpuset = canon;
		return 0;
	} else if (streq(key, "pids")) {
		return set_positive_u64(&spec->pids, key, value, err);
	} else if (streq(key, "io-weight")) {
		uint64_t w;

		r = set_positive_u64(&w, key, value, err);
		if (r < 0)
			return r;
		if (w < LXL_IO_WEIGHT_MIN || w > LXL_IO_WEIGHT_MAX)
			return lxl_error_set(err, -ERANGE, "Invalid --io-weight value '%s': expected "
					     "%d to %d", value, LXL_IO_WEIGHT_MIN, LXL_IO_WEIGHT_MAX);
		spec->io_weight = w;
		return 0;
	} else if (streq(key, "network")) {
		enum lxl_network_mode mode;
		char *bridge;

		r = lxl_parse_network(value, &mode, &bridge);
		if (r == -ENOMEM)
			return lxl_error_set(err, r, "Out of memory");
		if (r < 0)
			return lxl_error_set(err, r, "Invalid --network value '%s': expected none, host "
					     "or bridge=NAME", value);
		free(spec->bridge);
		spec->bridge = bridge;
		spec->network = mode;
		return 0;
	} else if (streq(key, "cap-drop") || streq(key, "cap-add")) {
		char **l, ***field = streq(key, "cap-drop") ? &spec->cap_drop : &spec->cap_add;

		r = lxl_parse_cap_list(value, &l);
		if (r == -ENOMEM)
			return lxl_error_set(err, r, "Out of memory");
		if (r < 0)
			return lxl_error_set(err, r, "Invalid --%s value '%s': expected comma-separated "
					     "capability names such as sys_time,net_raw", key, value);
		/* repeated options add up, as docker's --cap-drop does */
		size_t n = lxl_strv_length(*field), m = lxl_strv_length(l);
		char **joined = reallocarray(*field, n + m + 1, sizeof(*joined));

		if (!joined) {
			lxl_strv_free(l);
			return lxl_error_set(err, -ENOMEM, "Out of memory");
		}
		memcpy(joined + n, l, (m + 1) * sizeof(*l));
		free(l);	/* the names now belong to joined */
		*field = joined;
		return 0;
	} else if (streq(key, "seccomp")) {
		if (streq(value, "default") || streq(value, "unconfined")) {
			spec->seccomp = streq(value, "default") ? LXL_SECCOMP_DEFAULT : LXL_SECCOMP_UNCONFINED;
			free(spec->seccomp_profile);
			spec->seccomp_profile = NULL;
			return 0;
		}
		if (!*value)
			return lxl_error_set(err, -EINVAL, "Invalid --seccomp value '': expected default, "
					     "unconfined or a profile file");
		r = set_string(&spec->seccomp_profile, value);
		if (r == 0)
			spec->seccomp = LXL_SECCOMP_PROFILE;
	} else if (streq(key, "apparmor") || streq(key, "selinux")) {
		if (!*value || strpbrk(value, "\n\r"))
			return lxl_error_set(err, -EINVAL, "Invalid --%s value '%s'", key, value);
		r = set_string(streq(key, "apparmor") ? &spec->apparmor : &spec->selinux, value);
	} else if (streq(key, "lxcfs")) {
		if (value[0] != '/')
			return lxl_error_set(err, -EINVAL,
					     "Invalid --lxcfs value '%s': expected an absolute path", value);
		r = set_string(&spec->lxcfs_dir, value);
	} else
		return lxl_error_set(err, -ENOENT, "Unknown setting '%s'", key);

	if (r < 0)
		return lxl_error_set(err, r, "Out of memory");
	return 0;
}

int lxl_spec_validate(struct lxl_spec *spec, bool need_name, struct lxl_error *err)
{
	if (need_name && !spec->name)
		return lxl_error_set(err, -EINVAL, "No container name given");
	if (spec->template_name && spec->rootfs)
		return lxl_error_set(err, -EINVAL, "Options --template and --rootfs exclude each other");
	if (!spec->template_name && !spec->rootfs) {
		spec->template_name = strdup("busybox");
		if (!spec->template_name)
			return lxl_error_set(err, -ENOMEM, "Out of memory");
	}
	if (spec->memory_swap && !spec->memory)
		return lxl_error_set(err, -EINVAL, "Option --memory-swap needs --memory");
	if (spec->memory_swap && spec->memory_swap < spec->memory)
		return lxl_error_set(err, -EINVAL, "Option --memory-swap (%" PRIu64 " bytes) must not be "
				     "below --memory (%" PRIu64 " bytes)", spec->memory_swap, spec->memory);
	for (char **c = spec->cap_add; c && *c; c++)
		if (lxl_strv_contains(spec->cap_drop, *c))
			return lxl_error_set(err, -EINVAL, "Capability '%s' is both in --cap-add and "
					     "--cap-drop", *c);
	if (spec->no_lxcfs && spec->lxcfs_dir)
		return lxl_error_set(err, -EINVAL, "Options --lxcfs and --no-lxcfs exclude each other");
	return 0;
}
