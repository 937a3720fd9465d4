/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* No LSM active: the container runs without an LSM label. */
#include <errno.h>

#include "log.h"
#include "lsm.h"
#include "parse-util.h"

static int nop_validate_label(const char *label)
{
	/* "unconfined" is what every LSM calls the absence of a label */
	if (!label || !*label || streq(label, "unconfined"))
		return 0;
	return log_error_errno(-EOPNOTSUPP,
			       "No Linux security module is active in this kernel, cannot apply label '%s'",
			       label);
}

static int nop_enabled(void)
{
	return 0;
}

const struct lsm_ops lsm_nop_ops = {
	.name = "nop",
	.validate_label = nop_validate_label,
	.enabled = nop_enabled,
};
