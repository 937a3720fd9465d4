/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Built without libseccomp: only 'unconfined' works, everything else is -EOPNOTSUPP. */
#include <errno.h>
#include <stddef.h>

#include "log.h"
#include "security.h"

static const char *const no_deny[] = { NULL };

const char *const *seccomp_default_deny(void)
{
	return no_deny;
}

int seccomp_profile_check(const char *text, unsigned *ret_line)
{
	return -EOPNOTSUPP;
}

int seccomp_profile_build(const struct seccomp_opts *o, char **ret_profile)
{
	if (o->kind == SECCOMP_PROFILE_UNCONFINED && !o->notify_sysinfo) {
		*ret_profile = NULL;
		return 0;
	}
	return log_error_errno(-EOPNOTSUPP,
			       "Seccomp filters are not available: lxlaunch was built without libseccomp");
}

int seccomp_profile_bpf(const char *text, int *ret_fd)
{
	return -EOPNOTSUPP;
}

int seccomp_profile_write_at(int dirfd, const char *name, const char *text)
{
	return -EOPNOTSUPP;
}
