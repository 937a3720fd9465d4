/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Backend lookup for struct lsm_ops (lsm.h). */
#include <stddef.h>

#include "lsm.h"
#include "parse-util.h"

static const struct lsm_ops *const backends[] = {
	&lsm_apparmor_ops,
	&lsm_selinux_ops,
	&lsm_nop_ops,
};

const struct lsm_ops *lsm_get(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (streq(backends[i]->name, name))
			return backends[i];
	return NULL;
}

const struct lsm_ops *lsm_detect(void)
{
	/* AppArmor first, as LXC does: a kernel can stack both, and LXC then uses AppArmor. */
	if (lsm_apparmor_ops.enabled() > 0)
		return &lsm_apparmor_ops;
	if (lsm_selinux_ops.enabled() > 0)
		return &lsm_selinux_ops;
	return &lsm_nop_ops;
}
