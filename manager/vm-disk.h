/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A VM's config and its root disk (issue 10): the config keys a VM takes, which of them a
 * running VM only applies at its next start, and the import of a disk image (raw or qcow2,
 * the instance source {"type": "image", "source": PATH}) into the raw root.img of its root
 * volume with qemu-img. Every function returns 0 or a negative errno with a one-line
 * *ret_err (caller g_free()s). */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* Checks the config map @config (string -> string) of a VM: vm.kernel and vm.initrd readable
 * absolute host paths, vm.append (vm.initrd and vm.append need vm.kernel), limits.memory a
 * size of at least 64MiB, limits.cpu a vCPU count 1-64, boot.* as for containers
 * (instance-config.h), image.* (set from an image source) and user.* free text. volatile.*
 * keys are the manager's: at creation (@old NULL) taken as given (as LXD takes a MAC), on a
 * change kept when @old, the stored config, has the same value, else refused. With @need_kernel (source none: there is no disk to boot) vm.kernel is
 * required. -EINVAL with *ret_err naming the key. */
int vm_config_validate(GHashTable *config, GHashTable *old, bool need_kernel, char **ret_err);

/* The keys whose value differs between @old and @new and that a running VM only takes at its
 * next start (limits.memory, limits.cpu, vm.kernel, vm.initrd, vm.append: QEMU cannot change
 * them live here: no memory balloon or vCPU hotplug), sorted; NULL-terminated, possibly
 * empty. Caller g_strfreev()s. */
char **vm_config_restart_keys(GHashTable *old, GHashTable *new);

/* The disk image at @path, through `qemu-img info --output=json`: *ret_format "raw" or
 * "qcow2" (caller g_free()s) and *ret_size its virtual size in bytes. -ENOENT when it cannot
 * be read, -EINVAL for another format or a qcow2 with a backing file (the manager does not
 * follow backing chains it did not make), -EIO when qemu-img fails. */
int vm_image_probe(const char *path, char **ret_format, uint64_t *ret_size, char **ret_err);

/* Writes the image @src (format @format, from vm_image_probe()) into the existing raw image
 * @dst, which is at least as large: `qemu-img convert -n -f FORMAT -O raw`. -EIO on failure
 * (@dst then holds a partial copy: the caller removes it). */
int vm_image_import(const char *src, const char *format, const char *dst, char **ret_err);

/* The time in seconds to wait for QEMU's DEVICE_DELETED after device_del: @default_s, or the
 * environment variable LXKIT_VM_DETACH_TIMEOUT (1-3600 seconds) when set, so that tests can
 * make a guest that does not release a device fail quickly. */
int vm_detach_timeout_s(int default_s);
