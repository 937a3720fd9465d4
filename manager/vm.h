/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Virtual machines of the manager (issue 10): one qemu-system-x86_64 per running VM (TCG;
 * LXKIT_VM_ACCEL=kvm asks for KVM), its QMP monitor at <runtime-dir>/vms/<name>/qmp.sock, its
 * pid in .../qemu.pid, its serial console in <state-dir>/logs/<name>/console.log, its root disk
 * the root.img of its block volume (storage volume type 'container', as a container's root).
 * <state-dir>/vms/<name>/vm marks an instance as a VM: instance-rt.c sends the runtime calls
 * of such an instance here. Devices (disk, usb) are added through QMP, at start (QEMU starts
 * paused with -S, the devices are added, then 'cont') and live, by the same function.
 * Every function returns 0 or a negative errno with a one-line *ret_err (caller g_free()s). */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

#include "api/api.h"
#include "instance-rt.h"

struct mgr;

/* Whether instance @name is a virtual machine (its marker file exists). */
bool vm_is_vm(struct mgr *m, const char *name);

/* The runtime calls of instance-rt.h for a VM. vm_rt_stop() sends system_powerdown and kills
 * QEMU (SIGTERM, then SIGKILL) when it has not exited after @timeout_s seconds (0: at once).
 * vm_rt_destroy() stops the VM and removes its marker and runtime files. */
int vm_rt_state(struct mgr *m, const char *name, enum inst_status *ret_status, pid_t *ret_pid,
		char **ret_err);
int vm_rt_start(struct mgr *m, const char *name, char **ret_err);
int vm_rt_stop(struct mgr *m, const char *name, int timeout_s, char **ret_err);
int vm_rt_destroy(struct mgr *m, const char *name, char **ret_err);
/* Watches QEMU of VM @name when it runs (a pidfd in m->main_ctx): when QEMU exits by itself
 * (guest poweroff, crash, a kill), a worker thread takes m->change_lock and, unless a new QEMU
 * of @name runs by then, deletes the VM's macvtaps (vm_net_release()), which outlive QEMU.
 * When QEMU does not run, deletes leftover macvtaps at once. vm_rt_start() calls it; the
 * manager's start calls it for every VM (re-adopted ones). Thread-safe; failures are logged. */
void vm_rt_watch(struct mgr *m, const char *name);
/* Pauses (QMP stop) and resumes (cont) the running VM; status Frozen while paused. */
int vm_rt_freeze(struct mgr *m, const char *name, char **ret_err);
int vm_rt_unfreeze(struct mgr *m, const char *name, char **ret_err);

/* POST /1.0/instances with type virtual-machine (spec §4.1): source none with config
 * vm.kernel (required), vm.initrd, vm.append; or source {type image, source: host path of a
 * raw or qcow2 disk image}, imported into the root disk (qemu-img convert, step
 * instance-create/image) and booted by the firmware, with config image.source and
 * image.format recorded; limits.memory (default 256MiB), limits.cpu (count, default 1),
 * devices.root {type disk, path /, pool, size (default 1GiB, at least the image's size)}.
 * @o is the request body, already checked for unknown fields. Sync checks (4xx), then an
 * async operation. (A copy, source type copy, is instances.c's.) */
int vm_instances_create(struct mgr *m, JsonObject *o, struct api_resp *ret);

/* Marks instance @name, whose root volume is on @p, as a VM (its marker file, holding the
 * path of the volume's root.img). -EIO with *ret_err. */
struct pool;
int vm_mark(struct mgr *m, const char *name, const struct pool *p, char **ret_err);

/* Adds device @dev (string map @cfg, already validated by vm_dev_parse()) to the running VM
 * @name through QMP; on failure nothing stays in QEMU. */
int vm_dev_attach(struct mgr *m, const char *name, const char *dev, GHashTable *cfg,
		  char **ret_err);
/* Removes it: device_del, DEVICE_DELETED for its id within @timeout_s (the environment
 * variable LXKIT_VM_DETACH_TIMEOUT, seconds, overrides it for tests), then blockdev-del.
 * When the event does not come, -ETIMEDOUT with an error saying the device stays attached
 * (QEMU finishes the removal when the guest releases it); a device QEMU no longer has
 * (released since) is finished without error. */
int vm_dev_detach(struct mgr *m, const char *name, const char *dev, GHashTable *cfg,
		  int timeout_s, char **ret_err);
/* Checks @cfg for a VM: keys and values, a disk's source exists (unless required=false), a
 * usb device exists on the host when required. 4xx on @ret; 0. */
int vm_dev_check(struct mgr *m, const char *dev, GHashTable *cfg, struct api_resp *ret);
