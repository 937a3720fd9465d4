/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Capability names -> the value of lxc.cap.drop (libcap for the name table), and a pure CapEff
 * reader for tests. Parent side only. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sys/capability.h>

#include "cleanup.h"
#include "log.h"
#include "parse-util.h"
#include "security.h"
#include "strbuf.h"

/* Longest capability name libcap knows is "cap_checkpoint_restore" (22); leave room. */
#define CAP_NAME_MAX 64

/*
 * Default drop list. The first five are LXC's own default (config/common.conf:
 * lxc.cap.drop = mac_admin mac_override sys_time sys_module sys_rawio): loading kernel modules,
 * changing the MAC policy, setting the host clock and raw I/O port / device access all act on
 * the host, not on the container.
 *
 * Added by lxkit: syslog. CAP_SYSLOG allows reading and *clearing* the host kernel ring buffer
 * (dmesg -C) and reading kernel pointers through /proc/kallsyms despite kptr_restrict; the
 * ring buffer is not namespaced. Docker drops it as well. systemd-journald in a container then
 * simply does not read /dev/kmsg.
 *
 * Deliberately kept: sys_boot (LXC turns reboot(2) in a pid namespace into a signal to the
 * container's init, which is how "poweroff" inside a container works), sys_admin, net_admin
 * (needed by common init systems; confinement comes from namespaces, seccomp and the LSM).
 */
static const char *const default_drop[] = {
	"sys_module", "mac_admin", "mac_override", "sys_time", "sys_rawio", "syslog", NULL,
};

const char *const *caps_default_drop(void)
{
	return default_drop;
}

int caps_from_name(const char *name, int *ret_cap)
{
	char buf[CAP_NAME_MAX + sizeof("cap_")];
	const char *p = name;
	cap_value_t v;
	size_t n = 0;

	if (!name || !*name)
		return -EINVAL;
	/* Our own spelling rules first: libcap also accepts numbers and has its own case rules. */
	if (strncasecmp(p, "cap_", strlen("cap_")) == 0)
		p += strlen("cap_");
	if (!isalpha((unsigned char) *p) || strlen(p) > CAP_NAME_MAX)
		return -EINVAL;
	memcpy(buf, "cap_", strlen("cap_"));
	n = strlen("cap_");
	for (; *p; p++) {
		if (!isalnum((unsigned char) *p) && *p != '_')
			return -EINVAL;
		buf[n++] = (char) tolower((unsigned char) *p);
	}
	buf[n] = '\0';
	if (cap_from_name(buf, &v) < 0)
		return -EINVAL;
	if (v < 0 || v >= 64)	/* lxc.cap.drop and CapEff both use a 64-bit set */
		return -EINVAL;
	*ret_cap = (int) v;
	return 0;
}

static bool is_all(const char *tok)
{
	return strcasecmp(tok, "all") == 0;
}

/* Every capability the running kernel and libcap both know, as a bit mask. */
static uint64_t caps_all_mask(void)
{
	unsigned max = cap_max_bits();
	uint64_t m = 0;

	for (unsigned c = 0; c < max && c < 64; c++) {
		char *name = cap_to_name((cap_value_t) c);

		/* libcap prints unnamed capabilities as bare numbers; LXC would not parse those
		 * as names on an older table, so leave them out. */
		if (name && startswith(name, "cap_"))
			m |= UINT64_C(1) << c;
		cap_free(name);
	}
	return m;
}

/* Adds (or removes) every name of @list to/from *mask. On an unknown name returns -EINVAL and a
 * copy of it in *ret_unknown. */
static int caps_apply_list(const char *const *list, bool set, uint64_t *mask, char **ret_unknown)
{
	static const char seps[] = ", \t\n";

	for (; list && *list; list++) {
		_cleanup_free_ char *copy = strdup(*list);
		char *save = NULL;

		if (!copy)
			return -ENOMEM;
		for (char *tok = strtok_r(copy, seps, &save); tok; tok = strtok_r(NULL, seps, &save)) {
			int cap, r;

			if (is_all(tok)) {
				/* --cap-drop all: every capability; --cap-add all: keep them all */
				*mask = set ? (*mask | caps_all_mask()) : 0;
				continue;
			}
			r = caps_from_name(tok, &cap);
			if (r < 0) {
				if (ret_unknown) {
					*ret_unknown = strdup(tok);
					if (!*ret_unknown)
						return -ENOMEM;
				}
				return r;
			}
			if (set)
				*mask |= UINT64_C(1) << cap;
			else
				*mask &= ~(UINT64_C(1) << cap);
		}
	}
	return 0;
}

int caps_drop_list_full(const char *const *drop, const char *const *add, char **ret_text,
			char **ret_unknown)
{
	_cleanup_(strbuf_done) struct strbuf sb = STRBUF_INIT(4096);
	uint64_t mask = 0;
	char *text;
	int r;

	r = caps_apply_list(default_drop, true, &mask, NULL);
	if (r < 0)
		return r;	/* a default name libcap does not know: a build problem */
	r = caps_apply_list(drop, true, &mask, ret_unknown);
	if (r < 0)
		return r;
	r = caps_apply_list(add, false, &mask, ret_unknown);
	if (r < 0)
		return r;

	for (unsigned c = 0; c < 64; c++) {
		char *name;

		if (!(mask & (UINT64_C(1) << c)))
			continue;
		name = cap_to_name((cap_value_t) c);
		if (!name)
			return -ENOMEM;
		r = strbuf_appendf(&sb, "%s%s", sb.len ? " " : "",
				   startswith(name, "cap_") ? name + strlen("cap_") : name);
		cap_free(name);
		if (r < 0)
			return r;
	}
	text = strbuf_steal(&sb, NULL);
	if (!text)
		return -ENOMEM;
	*ret_text = text;
	return 0;
}

int caps_drop_list(const char *const *drop, const char *const *add, char **ret_text)
{
	_cleanup_free_ char *unknown = NULL;
	int r;

	r = caps_drop_list_full(drop, add, ret_text, &unknown);
	if (r == -EINVAL && unknown)
		return log_error_errno(r, "Unknown capability '%s'", unknown);
	return r;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char) tolower((unsigned char) c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int caps_effective_has(const char *status_text, const char *cap, bool *ret)
{
	int c, r;

	r = caps_from_name(cap, &c);
	if (r < 0)
		return r;

	for (const char *line = status_text; line; line = next_line(line)) {
		const char *v = startswith(line, "CapEff:");
		uint64_t mask = 0;
		size_t digits = 0;

		/* "CapEff:" includes the separator, so this is a whole-key match */
		if (!v)
			continue;
		while (*v == ' ' || *v == '\t')
			v++;
		for (; *v && *v != '\n'; v++, digits++) {
			int h = hexval(*v);

			if (h < 0 || digits >= 16)
				return -EBADMSG;
			mask = (mask << 4) | (uint64_t) h;
		}
		if (digits == 0)
			return -EBADMSG;
		*ret = mask & (UINT64_C(1) << c);
		return 0;
	}
	return -EBADMSG;
}
