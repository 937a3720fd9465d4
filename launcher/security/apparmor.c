/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* AppArmor backend (libapparmor). */
#include <errno.h>

#include <sys/apparmor.h>

#include "label-util.h"
#include "log.h"
#include "lsm.h"
#include "parse-util.h"

static int apparmor_enabled(void)
{
	return aa_is_enabled() == 1 ? 1 : 0;
}

static int apparmor_validate_label(const char *label)
{
	int saved;

	if (!label || !lsm_label_printable(label))
		return log_error_errno(-EINVAL, "Invalid AppArmor profile name '%s'", label ? label : "");
	/* "unconfined" needs nothing; "generated" is LXC's per-container profile, which LXC
	 * skips by itself when AppArmor is off. */
	if (streq(label, "unconfined") || streq(label, "generated"))
		return 0;
	if (aa_is_enabled() == 1)
		return 0;	/* whether the profile is loaded is checked by LXC at start */
	saved = errno;
	/* aa_is_enabled(): ENOSYS = not built in, ECANCELED = disabled at boot,
	 * ENOMEDIUM = enabled but securityfs is not mounted */
	if (saved == ENOMEDIUM)
		return log_error_errno(-EOPNOTSUPP,
				       "Cannot apply AppArmor profile '%s': AppArmor is enabled but securityfs is not mounted on /sys/kernel/security",
				       label);
	return log_error_errno(-EOPNOTSUPP,
			       "Cannot apply AppArmor profile '%s': AppArmor is not enabled in this kernel (/sys/module/apparmor missing or disabled)",
			       label);
}

const struct lsm_ops lsm_apparmor_ops = {
	.name = "apparmor",
	.validate_label = apparmor_validate_label,
	.enabled = apparmor_enabled,
};
