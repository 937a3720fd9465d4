/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure argv builders for LVM thin provisioning (lvm(8), lvcreate(8), lvmthin(7)). Each
 * returns a new NULL-terminated argv (g_strfreev()); sizes are bytes, passed with LVM's 'b'
 * unit suffix so no rounding to MiB happens on our side. */
#pragma once

#include <glib.h>
#include <stdint.h>

/* LV name of a volume ("custom_<vol>") or of a volume snapshot ("custom_<vol>-<snap>").
 * '-' in the names is doubled so "a-b"+"c" and "a"+"b-c" never collide. */
char *lvm_lv_name(const char *type, const char *vol, const char *snap);

char **lvm_cmd_pvcreate(const char *dev);
char **lvm_cmd_vgcreate(const char *vg, const char *dev);
char **lvm_cmd_thinpool_create(const char *vg, const char *thinpool);
char **lvm_cmd_thin_create(const char *vg, const char *thinpool, const char *lv, uint64_t bytes);
char **lvm_cmd_snapshot(const char *vg, const char *lv, const char *snap_lv);
char **lvm_cmd_resize(const char *vg, const char *lv, uint64_t bytes);
char **lvm_cmd_remove(const char *vg, const char *lv);
char **lvm_cmd_vgremove(const char *vg);
