/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure parts of the VM runtime (issue 10): the qemu-system-x86_64 command line and the QMP
 * commands that hot-add and hot-remove a device, from an instance's config and devices. No
 * I/O except vm_usb_host_find(), which reads a sysfs tree given as an argument. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>

/* How the VM runs. Paths are absolute host paths. */
struct vm_spec {
	const char *name;
	const char *kernel, *initrd, *append;	/* kernel NULL: the firmware boots the root
						 * disk; initrd may be NULL */
	const char *root_disk;			/* raw image of the root disk */
	uint64_t memory_mib;			/* guest RAM in MiB, >= 16 */
	unsigned cpus;				/* vCPUs, >= 1 */
	const char *serial_log;			/* the serial console goes to this file */
	const char *qmp_socket, *pidfile;
	bool kvm;				/* -accel kvm, else TCG */
};

/* The argv of qemu-system-x86_64 for @s: q35, the root disk as scsi-hd on the always-present
 * virtio-scsi controller "scsi0" (bootindex 0: SeaBIOS boots it when no kernel is given,
 * else -kernel/-initrd/-append), an xHCI controller "xhci0", no NIC, the serial console to
 * the log, QMP on the unix socket, -S (paused until 'cont', so devices are added first),
 * -daemonize with a pidfile. NULL-terminated; caller g_strfreev()s. */
char **vm_qemu_argv(const struct vm_spec *s);

enum vm_dev_kind {
	VM_DEV_SCSI_DISK,	/* disk, io.bus=virtio-scsi: scsi-hd on scsi0 */
	VM_DEV_USB_DISK,	/* disk, io.bus=usb: usb-storage on xhci0 */
	VM_DEV_USB_HOST,	/* usb: usb-host on xhci0 */
};

/* One hot-pluggable VM device, parsed from its config. Strings point into the config map. */
struct vm_dev {
	enum vm_dev_kind kind;
	const char *name;		/* the instance's device name */
	const char *source;		/* disks: host path of the image or block device */
	bool readonly;
	unsigned vendorid, productid;	/* usb: 0 = not given */
	unsigned busnum, devnum;	/* usb: 0 = not given */
	bool required;			/* usb: default false; disk: default true */
};

/* Parses device @name of @type ("disk", "usb") with keys @cfg (string -> string) for a VM.
 * A disk needs 'source'; 'path' is allowed (ignored), 'pool' is resolved by the caller before
 * (source then is the volume's image). 'io.bus' is virtio-scsi (default) or usb. A usb device
 * needs vendorid and productid (4 hex digits) or busnum and devnum (decimal). Unknown keys,
 * bad values and other types (unix-char, unix-block: containers only) are -EINVAL with
 * *ret_err naming the key. */
int vm_dev_parse(const char *name, GHashTable *cfg, struct vm_dev *ret, char **ret_err);

/* QEMU ids of device @name: "lxkit-dev-NAME" (device) and "lxkit-node-NAME" (block node).
 * Caller g_free()s. */
char *vm_dev_qemu_id(const char *name);
char *vm_dev_node_name(const char *name);

/* The QMP commands (JSON text, one per element) that add @d, in order: blockdev-add and
 * device_add for disks, device_add usb-host for usb (hostbus/hostaddr when @bus/@addr are
 * non-zero, else vendorid/productid). Caller g_ptr_array_unref()s. */
GPtrArray *vm_dev_add_cmds(const struct vm_dev *d, unsigned bus, unsigned addr);
/* device_del of @d, and the blockdev-del that follows DEVICE_DELETED (NULL for usb-host). */
char *vm_dev_del_cmd(const struct vm_dev *d);
char *vm_dev_blockdev_del_cmd(const struct vm_dev *d);

/* Finds the host USB device matching @d under @sysfs_usb (normally /sys/bus/usb/devices):
 * by busnum/devnum, else by idVendor/idProduct. 0 and its bus and address, or -ENODEV with
 * *ret_err "no USB device on host matches vendorid=dead productid=beef". */
int vm_usb_host_find(const char *sysfs_usb, const struct vm_dev *d, unsigned *ret_bus,
		     unsigned *ret_addr, char **ret_err);
