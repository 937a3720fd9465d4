/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Security policy of the launcher, built and validated in the parent (STYLE.md 3.10): capability
 * drop lists, seccomp profiles and LSM labels. Only the finished artefacts (text for lxc.cap.drop,
 * an LXC-format seccomp profile, a label) cross into container setup. This is the one header
 * launcher/lib includes; no function here needs an #ifdef in the caller: a missing library gives
 * -EOPNOTSUPP (seccomp) or an LSM backend that reports itself disabled.
 *
 * Nothing here is called after clone(). All functions are thread-safe unless noted; they may log
 * one error line (common/log.h) describing a rejected input. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "lsm.h"

/* ---- capabilities (caps.c, libcap) ---- */

/* Resolves one capability name to its number. Accepts "sys_admin", "SYS_ADMIN", "CAP_SYS_ADMIN",
 * "cap_sys_admin"; rejects numbers, empty names and names libcap does not know.
 * Returns 0 and *ret_cap, or -EINVAL. Pure (no logging). */
int caps_from_name(const char *name, int *ret_cap);

/* Builds the value of lxc.cap.drop: the default drop list (see caps.c) plus @drop, minus @add.
 * @drop and @add are NULL-terminated arrays (either may be NULL); each element may hold one name
 * or several separated by commas or whitespace ("sys_admin,net_raw"). The special name "all"
 * (any case) in @drop drops every capability the kernel and libcap know; in @add it keeps every
 * capability (the result is ""). @add is applied after @drop, so it wins. A name in @add that is
 * not dropped is accepted and has no effect.
 * Returns 0 and *ret_text (caller frees): lowercase names without "cap_", separated by one space,
 * in capability-number order, "" when nothing is dropped (then set no lxc.cap.drop at all:
 * an empty value clears LXC's list, which is the same thing but depends on include order).
 * Returns -EINVAL for an unknown name (logged: "Unknown capability 'NAME'"), -ENOMEM. */
int caps_drop_list(const char *const *drop, const char *const *add, char **ret_text);

/* Same, without logging: on -EINVAL, *ret_unknown (if not NULL) points at a newly allocated copy
 * of the offending name (caller frees). On any other return it is left untouched. */
int caps_drop_list_full(const char *const *drop, const char *const *add, char **ret_text,
			char **ret_unknown);

/* The default drop list, NULL-terminated, lowercase names without "cap_". Static storage. */
const char *const *caps_default_drop(void);

/* Pure: looks up "CapEff:" in @status_text (the text of /proc/PID/status) and reports whether
 * capability @cap (any spelling accepted by caps_from_name()) is in the effective set.
 * Returns 0 and *ret; -EINVAL for an unknown @cap; -EBADMSG when CapEff is missing or not
 * hexadecimal. */
int caps_effective_has(const char *status_text, const char *cap, bool *ret);

/* ---- seccomp (seccomp.c with libseccomp, else seccomp-stub.c) ---- */

enum seccomp_profile_kind {
	SECCOMP_PROFILE_DEFAULT,	/* the built-in deny list (seccomp.c) */
	SECCOMP_PROFILE_FILE,		/* an LXC-format ("2") profile file at ->path */
	SECCOMP_PROFILE_UNCONFINED,	/* no filter at all */
	SECCOMP_PROFILE_KIND_MAX,
	SECCOMP_PROFILE_KIND_INVALID = -EINVAL,
};

struct seccomp_opts {
	enum seccomp_profile_kind kind;
	const char *path;	/* SECCOMP_PROFILE_FILE only */
	/* Add "sysinfo notify": sysinfo(2) is answered by a seccomp user-notification listener.
	 * Needs lxc.seccomp.notify.proxy with a listener answering it: checked with LXC 5.0.2,
	 * without a proxy the monitor logs "No seccomp proxy fd specified" and sysinfo() fails
	 * in the container (busybox free prints zeros). */
	bool notify_sysinfo;
};

/* Maps the argument of --seccomp: NULL or "default" -> DEFAULT, "unconfined" -> UNCONFINED,
 * anything else -> FILE with ->path = @arg (borrowed, not copied). ->notify_sysinfo is false.
 * Returns 0, or -EINVAL for "" (*ret untouched). Pure. */
static inline int seccomp_opts_from_arg(const char *arg, struct seccomp_opts *ret)
{
	struct seccomp_opts o = { .kind = SECCOMP_PROFILE_DEFAULT };

	if (arg && !*arg)
		return -EINVAL;
	if (arg && strcmp(arg, "unconfined") == 0)
		o.kind = SECCOMP_PROFILE_UNCONFINED;
	else if (arg && strcmp(arg, "default") != 0) {
		o.kind = SECCOMP_PROFILE_FILE;
		o.path = arg;
	}
	*ret = o;
	return 0;
}

/* Builds the text for lxc.seccomp.profile (LXC writes it to a file and loads it; the launcher
 * hands LXC the path of a file with this content). The result is LXC's version 2 format:
 *     2
 *     denylist
 *     kexec_load errno 1
 *     ...
 *     sysinfo notify          (with ->notify_sysinfo)
 * For FILE the user's text is kept verbatim (one "[all]" section with "sysinfo notify" is appended
 * for ->notify_sysinfo). Every profile is compiled with libseccomp here, in the parent, and
 * exported as BPF, so a profile that cannot load fails before any container exists.
 * Returns 0 and *ret_profile (caller frees), or NULL for UNCONFINED (no filter; notify_sysinfo then
 * is -EINVAL, since there is no filter to carry it). Errors: -EINVAL for a bad profile (logged
 * with "PATH:LINE: reason"), -errno reading the file, -EOPNOTSUPP when built without libseccomp
 * (logged), -ENOMEM. */
int seccomp_profile_build(const struct seccomp_opts *o, char **ret_profile);

/* Pure part of the above for FILE profiles: validates and compiles @text. On -EINVAL,
 * *ret_line (if not NULL) is the 1-based line at fault (0 when the whole text is at fault).
 * No logging. Returns 0, -EINVAL, -EOPNOTSUPP, -ENOMEM. */
int seccomp_profile_check(const char *text, unsigned *ret_line);

/* Writes @text (from seccomp_profile_build()) to the file @name in @dirfd (AT_FDCWD allowed),
 * mode 0644, through a temporary file and rename(2), for lxc.seccomp.profile = <dir>/<name>.
 * @name must not contain '/'. Returns 0, -EINVAL, -EOPNOTSUPP without libseccomp, -errno. */
int seccomp_profile_write_at(int dirfd, const char *name, const char *text);

/* Compiles @text (a profile as returned by seccomp_profile_build()) for the native architecture
 * and returns a sealed, O_CLOEXEC memfd positioned at 0 holding the classic BPF program (an array
 * of struct sock_filter, size = the file size), for a caller that loads the filter itself
 * (PR_SET_SECCOMP / seccomp(2)) instead of through LXC. Caller closes *ret_fd.
 * Returns 0, -EINVAL for a bad profile, -EOPNOTSUPP without libseccomp, -ENOMEM, -errno. */
int seccomp_profile_bpf(const char *text, int *ret_fd);

/* The built-in deny list, NULL-terminated. Static storage. Empty ({NULL}) in the stub. */
const char *const *seccomp_default_deny(void);
