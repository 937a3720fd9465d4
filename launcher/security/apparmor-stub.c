/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Built without libapparmor: reports AppArmor as disabled. */
#include <errno.h>

#include "label-util.h"
#include "log.h"
#include "lsm.h"
#include "parse-util.h"

static int apparmor_enabled(void)
{
	return 0;
}

static int apparmor_validate_label(const char *label)
{
	if (!label || !lsm_label_printable(label))
		return log_error_errno(-EINVAL, "Invalid AppArmor profile name '%s'", label ? label : "");
	if (streq(label, "unconfined") || streq(label, "generated"))
		return 0;
	return log_error_errno(-EOPNOTSUPP,
			       "Cannot apply AppArmor profile '%s': lxlaunch was built without libapparmor",
			       label);
}

const struct lsm_ops lsm_apparmor_ops = {
	.name = "apparmor",
	.validate_label = apparmor_validate_label,
	.enabled = apparmor_enabled,
};
