/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Devices of instances (spec manager-api.md §6, issue 10): GET /1.0/instances/N/devices,
 * GET|POST|DELETE /1.0/instances/N/devices/D. A stopped instance only stores the change (set
 * up at its next start); a running one gets it live first and stores it after, so a failure
 * leaves the config as it was. Each device type implements one vtable (STYLE §3.11):
 * VMs through QMP (vm.h), containers by entering the container's mount namespace from a
 * forked child (bind mounts; device nodes plus the devices cgroup). */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

struct mgr;

/* What a device type does. @pid is the container's init (0 for a VM). Each returns 0 or a
 * negative errno with *ret_err. */
struct dev_ops {
	const char *type;
	/* whether it can be added to / removed from a running instance of this kind */
	bool (*can_hotplug)(bool vm);
	/* checks keys and sources; -EINVAL (400) or -ENOENT (400, missing source) */
	int (*add)(struct mgr *m, bool vm, const char *dev, GHashTable *cfg, char **ret_err);
	/* sets it up in the running instance / tears it down */
	int (*start)(struct mgr *m, const char *inst, bool vm, pid_t pid, const char *dev,
		     GHashTable *cfg, char **ret_err);
	int (*stop)(struct mgr *m, const char *inst, bool vm, pid_t pid, const char *dev,
		    GHashTable *cfg, char **ret_err);
	/* forgets it (after stop, or on a stopped instance); may be NULL */
	void (*remove)(struct mgr *m, const char *inst, const char *dev, GHashTable *cfg);
};

/* The vtable of @type ("disk", "usb", "unix-char", "unix-block"), or NULL. Tests may replace
 * the table with dev_ops_set_mock(), which makes every type use @mock (NULL: the real ones), or
 * set LXKIT_TEST_DEVICE_MOCK=FILE in the daemon's environment for dev_ops_mock: it records each
 * call in FILE ("start INST DEV ct") and fails the call named by a device key mock.fail. */
extern const struct dev_ops dev_ops_mock;
const struct dev_ops *dev_ops_find(const char *type);
void dev_ops_set_mock(const struct dev_ops *mock);

/* A unix-char/unix-block line for a v1 devices cgroup: "c 1:3 rwm". Caller g_free()s. */
char *dev_cgroup_rule(bool block, unsigned major, unsigned minor);
/* The devices-controller path of /proc/PID/cgroup text @text ("/lxc.payload.c1"), or NULL
 * when there is no v1 devices hierarchy. Caller g_free()s. */
char *dev_cgroup_devices_path(const char *text);

/* Sets up the stored devices (bind mounts, device nodes) of the container @name that has just
 * started with init @pid, by the same code as a hot-add. 0, or the first failure with
 * *ret_err naming the device. */
int devices_ct_start_all(struct mgr *m, const char *name, pid_t pid, char **ret_err);

/* The device config @cfg with a volume source resolved: with 'pool', 'source' names a custom
 * volume of that pool and becomes its host path (the root.img of a block volume, the
 * directory of a filesystem volume) and 'pool' goes; without, a new reference to @cfg.
 * -ENOENT with *ret_err naming the pool or volume that does not exist. */
int dev_cfg_resolve(struct mgr *m, GHashTable *cfg, GHashTable **ret_cfg, char **ret_err);
