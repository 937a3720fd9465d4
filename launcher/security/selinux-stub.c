/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Built without libselinux: reports SELinux as disabled. */
#include <errno.h>

#include "label-util.h"
#include "log.h"
#include "lsm.h"

static int selinux_enabled(void)
{
	return 0;
}

static int selinux_validate_label(const char *label)
{
	if (!label || !selinux_context_syntax_ok(label))
		return log_error_errno(-EINVAL,
				       "Invalid SELinux context '%s' (expected user:role:type[:range])",
				       label ? label : "");
	return log_error_errno(-EOPNOTSUPP,
			       "Cannot apply SELinux context '%s': lxlaunch was built without libselinux",
			       label);
}

const struct lsm_ops lsm_selinux_ops = {
	.name = "selinux",
	.validate_label = selinux_validate_label,
	.enabled = selinux_enabled,
};
