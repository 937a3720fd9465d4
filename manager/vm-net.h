/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Nic devices at run time (issue 11 item 4, spec manager-api.md §6): the `nic` device type's
 * vtable (devices.h) and the host side of VM nics.
 *
 * A VM's nictype=bridged nic is a tap device (tap.h) on the bridge `parent`, named `host_name`
 * or tap_name(), handed to QEMU as an open descriptor (`-netdev tap,fd=N` at start, QMP getfd
 * + netdev_add when hot-added) behind a virtio-net-pci device "lxkit-dev-DEV" whose MAC is
 * `hwaddr`, else the config key volatile.DEV.hwaddr, generated once and stored (as LXD does).
 * The tap is not persistent: it goes when QEMU closes it (the VM stops, crashes, or the nic is
 * hot-removed: device_del, DEVICE_DELETED, netdev_del). Hot-added nics go on one of four PCIe
 * root ports "lxkit-port-0..3" that every VM has (q35's root bus takes no hotplug).
 * A VM's nictype=macvlan nic is a macvtap link (mode bridge, the guest's MAC) on `parent`,
 * made with iproute2, whose /dev/tapN descriptor QEMU gets the same way. A macvtap outlives
 * QEMU: vm_net_release() deletes it when the VM stops, a start deletes a leftover of a VM
 * that exited by itself, a hot-remove deletes it after netdev_del.
 *
 * A running container gets a hot-added nic with iproute2: a veth pair whose host end is on
 * the bridge and whose peer is created inside the container's network namespace under its
 * interface name (or a macvlan, mode bridge, created there); removal deletes it. A stored nic
 * of a stopped container is written into its LXC config at the next start (autostart.h). */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

struct mgr;
struct instance_row;

/* One nic of a VM being started. */
struct vm_nic {
	char *dev;	/* the device name */
	char *tap;	/* the host interface */
	char *mac;
	int fd;		/* the tap's descriptor; -EBADF once handed on */
	bool macvtap;	/* a macvtap link, deleted by vm_net_release(), not with fd */
};
void vm_nic_free(gpointer p);

/* Before QEMU of VM @row starts: creates the tap of each nic device of @row (device-name
 * order) on its bridge, storing volatile.DEV.hwaddr for nics that have neither hwaddr nor one
 * stored. 0 and *ret_nics (struct vm_nic *, free func set; empty without nics), or a negative
 * errno with *ret_err naming the device; the taps made so far are removed. */
int vm_net_open(struct mgr *m, const struct instance_row *row, GPtrArray **ret_nics,
		char **ret_err);

/* @argv (NULL-terminated, consumed) followed by the PCIe root ports for hot-added devices and,
 * for nics[i], "-netdev tap,id=lxkit-net-DEV,fd=(3+i)" and its virtio-net-pci device. Caller
 * g_strfreev()s. Pure. */
char **vm_net_argv(char **argv, GPtrArray *nics);

/* Runs QEMU's @argv (it daemonizes) with nics[i]'s descriptor as fd 3+i, waits for the
 * foreground process to exit and closes the descriptors here. 0, or -EIO/-ENOENT with
 * *ret_err holding QEMU's stderr. */
int vm_net_spawn(char **argv, GPtrArray *nics, char **ret_err);

/* Deletes the macvtap links of the macvlan nics of VM @name (QEMU has exited). Logs failures. */
void vm_net_release(struct mgr *m, const char *name);

/* Whether the devices-map @d (string -> string) is a nic. */
bool vm_net_is_nic(GHashTable *d);

/* The `nic` device vtable functions (struct dev_ops in devices.h). */
bool nic_can_hotplug(bool vm);
int nic_add(struct mgr *m, bool vm, const char *dev, GHashTable *cfg, char **ret_err);
int nic_start(struct mgr *m, const char *inst, bool vm, pid_t pid, const char *dev,
	      GHashTable *cfg, char **ret_err);
int nic_stop(struct mgr *m, const char *inst, bool vm, pid_t pid, const char *dev,
	     GHashTable *cfg, char **ret_err);
void nic_remove(struct mgr *m, const char *inst, const char *dev, GHashTable *cfg);
