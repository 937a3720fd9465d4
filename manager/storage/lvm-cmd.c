/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib.h>
#include <string.h>

#include "lvm-cmd.h"

static char **argv_new(const char *first, ...) G_GNUC_NULL_TERMINATED;

static char **argv_new(const char *first, ...)
{
	GPtrArray *a = g_ptr_array_new();
	const char *s;
	va_list ap;

	g_ptr_array_add(a, g_strdup(first));
	va_start(ap, first);
	while ((s = va_arg(ap, const char *)))
		g_ptr_array_add(a, g_strdup(s));
	va_end(ap);
	g_ptr_array_add(a, NULL);
	return (char **) g_ptr_array_free(a, FALSE);
}

static char *escape_dash(const char *s)
{
	GString *o = g_string_new(NULL);

	for (; *s; s++) {
		g_string_append_c(o, *s);
		if (*s == '-')
			g_string_append_c(o, '-');
	}
	return g_string_free(o, FALSE);
}

char *lvm_lv_name(const char *type, const char *vol, const char *snap)
{
	g_autofree char *v = escape_dash(vol);
	g_autofree char *s = snap ? escape_dash(snap) : NULL;

	return s ? g_strdup_printf("%s_%s-%s", type, v, s) : g_strdup_printf("%s_%s", type, v);
}

char **lvm_cmd_pvcreate(const char *dev)
{
	return argv_new("pvcreate", "--yes", dev, NULL);
}

char **lvm_cmd_vgcreate(const char *vg, const char *dev)
{
	return argv_new("vgcreate", "--yes", vg, dev, NULL);
}

char **lvm_cmd_thinpool_create(const char *vg, const char *thinpool)
{
	/* lvmthin(7): lvcreate --type thin-pool -n ThinPoolLV -L Size VG; the whole VG here */
	return argv_new("lvcreate", "--yes", "--type", "thin-pool", "--extents", "100%FREE",
			"--name", thinpool, vg, NULL);
}

char **lvm_cmd_thin_create(const char *vg, const char *thinpool, const char *lv, uint64_t bytes)
{
	/* lvmthin(7): lvcreate --type thin -n ThinLV -V VirtualSize --thinpool ThinPoolLV VG */
	g_autofree char *size = g_strdup_printf("%" G_GUINT64_FORMAT "b", bytes);

	return argv_new("lvcreate", "--yes", "--type", "thin", "--virtualsize", size,
			"--thinpool", thinpool, "--name", lv, vg, NULL);
}

char **lvm_cmd_snapshot(const char *vg, const char *lv, const char *snap_lv)
{
	/* a thin snapshot has no size of its own; --setactivationskip n so that it can be
	 * activated (mounted) like any LV (thin snapshots skip activation by default) */
	g_autofree char *origin = g_strdup_printf("%s/%s", vg, lv);

	return argv_new("lvcreate", "--yes", "--snapshot", "--setactivationskip", "n", "--name",
			snap_lv, origin, NULL);
}

char **lvm_cmd_resize(const char *vg, const char *lv, uint64_t bytes)
{
	g_autofree char *target = g_strdup_printf("%s/%s", vg, lv);
	g_autofree char *size = g_strdup_printf("%" G_GUINT64_FORMAT "b", bytes);

	return argv_new("lvresize", "--yes", "--size", size, target, NULL);
}

char **lvm_cmd_remove(const char *vg, const char *lv)
{
	g_autofree char *target = g_strdup_printf("%s/%s", vg, lv);

	return argv_new("lvremove", "--yes", target, NULL);
}

char **lvm_cmd_vgremove(const char *vg)
{
	return argv_new("vgremove", "--yes", vg, NULL);
}
