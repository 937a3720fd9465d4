/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Linux security modules behind one ops table (STYLE.md 3.10). Each backend is compiled from its
 * library (apparmor.c, selinux.c) or from a stub when the library is missing; nop.c stands for
 * "no LSM active". Callers never #ifdef. */
#pragma once

struct lsm_ops {
	const char *name;	/* "apparmor", "selinux", "nop" */
	/* Parent side. Returns 0 when @label can be used for a container on this host, -EINVAL for
	 * a malformed label, -EOPNOTSUPP when the LSM is not enabled in the kernel or the launcher
	 * was built without its library. A rejection is logged once, naming what is missing. */
	int (*validate_label)(const char *label);
	/* Returns 1 when the LSM is enabled in the running kernel, 0 when not. Never logs. */
	int (*enabled)(void);
};

/* Backend by name: "apparmor", "selinux" or "nop". Never NULL for these (a backend built without
 * its library reports enabled() == 0); NULL for any other name. */
const struct lsm_ops *lsm_get(const char *name);

/* The LSM active in the running kernel (AppArmor first, then SELinux), else the nop backend.
 * Never NULL. */
const struct lsm_ops *lsm_detect(void);

/* The backends, defined in apparmor.c / apparmor-stub.c, selinux.c / selinux-stub.c, nop.c. */
extern const struct lsm_ops lsm_apparmor_ops;
extern const struct lsm_ops lsm_selinux_ops;
extern const struct lsm_ops lsm_nop_ops;
