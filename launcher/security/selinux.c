/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SELinux backend (libselinux). */
#include <errno.h>

#include <selinux/selinux.h>

#include "label-util.h"
#include "log.h"
#include "lsm.h"

static int selinux_enabled(void)
{
	return is_selinux_enabled() > 0 ? 1 : 0;
}

static int selinux_validate_label(const char *label)
{
	/* The syntax is checked everywhere; the policy only knows whether the types exist. */
	if (!label || !selinux_context_syntax_ok(label))
		return log_error_errno(-EINVAL,
				       "Invalid SELinux context '%s' (expected user:role:type[:range])",
				       label ? label : "");
	if (is_selinux_enabled() <= 0)
		return log_error_errno(-EOPNOTSUPP,
				       "Cannot apply SELinux context '%s': SELinux is not enabled in this kernel",
				       label);
	if (security_check_context(label) < 0)
		return log_error_errno(-EINVAL, "SELinux context '%s' is not valid in the loaded policy",
				       label);
	return 0;
}

const struct lsm_ops lsm_selinux_ops = {
	.name = "selinux",
	.validate_label = selinux_validate_label,
	.enabled = selinux_enabled,
};
