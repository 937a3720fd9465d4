/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of manager/vm-disk.c: the config keys of a VM (at creation and on a change, the
 * volatile.* rule, the keys needing vm.kernel), the keys a running VM takes at its next start,
 * the detach timeout's environment override, and disk images probed and imported with the
 * real qemu-img (raw, qcow2, a qcow2 with a backing file or an external data file, an unknown
 * path) in a temp dir. */
#include <check.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "vm-disk.h"

static GHashTable *map(const char *const *kv)
{
	GHashTable *h = g_hash_table_new(g_str_hash, g_str_equal);

	for (size_t i = 0; kv[i]; i += 2)
		g_hash_table_insert(h, (char *) kv[i], (char *) kv[i + 1]);
	return h;
}

static const struct {
	const char *key, *value;
	const char *err_has;	/* NULL: accepted (with vm.kernel=/bin/sh) */
} cases[] = {
	{ "limits.memory", "256MiB", NULL },
	{ "limits.memory", "64MiB", NULL },
	{ "limits.memory", "63MiB", "at least 64MiB" },
	{ "limits.memory", "50%", "invalid limits.memory '50%'" },
	{ "limits.cpu", "4", NULL },
	{ "limits.cpu", "0", "vCPU count" },
	{ "limits.cpu", "65", "vCPU count" },
	{ "limits.cpu", "0-1", "vCPU count" },
	{ "boot.autostart", "true", NULL },
	{ "boot.autostart", "yes", "boot.autostart" },
	{ "boot.autostart.delay", "-1", "boot.autostart.delay" },
	{ "boot.nonsense", "1", "unknown config key 'boot.nonsense'" },
	{ "vm.initrd", "relative/path", "not a readable absolute path" },
	{ "vm.initrd", "/nonexistent/initrd", "not a readable absolute path" },
	{ "vm.append", "console=ttyS0", NULL },
	{ "image.source", "/anything", NULL },
	{ "user.x", "y", NULL },
	{ "limits.processes", "10", "does not apply to a virtual machine" },
	{ "security.nesting", "true", "does not apply to a virtual machine" },
};

START_TEST(config_key)
{
	const char *const kv[] = { "vm.kernel", "/bin/sh", cases[_i].key, cases[_i].value, NULL };
	g_autoptr(GHashTable) c = map(kv);
	g_autofree char *err = NULL;
	int r = vm_config_validate(c, NULL, true, &err);

	if (!cases[_i].err_has) {
		ck_assert_msg(r == 0, "%s=%s refused: %s", cases[_i].key, cases[_i].value, err);
	} else {
		ck_assert_int_eq(r, -EINVAL);
		ck_assert_msg(strstr(err, cases[_i].err_has), "%s=%s: '%s' lacks '%s'", cases[_i].key,
			      cases[_i].value, err, cases[_i].err_has);
	}
}
END_TEST

START_TEST(config_kernel_and_volatile)
{
	static const char *const none[] = { NULL };
	static const char *const initrd_only[] = { "vm.initrd", "/bin/sh", NULL };
	static const char *const old_kv[] = { "volatile.eth0.hwaddr", "00:16:3e:00:00:01", NULL };
	static const char *const same[] = { "volatile.eth0.hwaddr", "00:16:3e:00:00:01", NULL };
	static const char *const other[] = { "volatile.eth0.hwaddr", "00:16:3e:00:00:02", NULL };
	static const char *const added[] = { "volatile.x", "1", NULL };
	g_autoptr(GHashTable) c0 = map(none), c1 = map(initrd_only), old = map(old_kv);
	g_autoptr(GHashTable) c2 = map(same), c3 = map(other), c4 = map(added);
	char *err = NULL;

	/* source none needs a kernel; an image (need_kernel false) boots without one */
	ck_assert_int_eq(vm_config_validate(c0, NULL, true, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "needs config 'vm.kernel'"));
	g_clear_pointer(&err, g_free);
	ck_assert_int_eq(vm_config_validate(c0, NULL, false, &err), 0);
	ck_assert_int_eq(vm_config_validate(c1, NULL, false, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "need 'vm.kernel'"));
	g_clear_pointer(&err, g_free);
	/* volatile.*: taken at creation, kept unchanged on a change, else refused */
	ck_assert_int_eq(vm_config_validate(c3, NULL, false, &err), 0);
	ck_assert_int_eq(vm_config_validate(c2, old, false, &err), 0);
	ck_assert_int_eq(vm_config_validate(c3, old, false, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "written by the manager only"));
	g_clear_pointer(&err, g_free);
	ck_assert_int_eq(vm_config_validate(c4, old, false, &err), -EINVAL);
	g_free(err);
}
END_TEST

START_TEST(restart_keys)
{
	static const char *const a_kv[] = { "limits.memory", "256MiB", "limits.cpu", "1",
					    "user.x", "a", "vm.kernel", "/k", NULL };
	static const char *const b_kv[] = { "limits.memory", "512MiB", "limits.cpu", "1",
					    "user.x", "b", "vm.append", "quiet", NULL };
	g_autoptr(GHashTable) a = map(a_kv), b = map(b_kv);
	g_auto(GStrv) k = vm_config_restart_keys(a, b);
	g_autofree char *j = g_strjoinv(",", k);
	g_auto(GStrv) none = vm_config_restart_keys(a, a);

	ck_assert_str_eq(j, "limits.memory,vm.append,vm.kernel");
	ck_assert_ptr_null(none[0]);
}
END_TEST

START_TEST(detach_timeout)
{
	g_unsetenv("LXKIT_VM_DETACH_TIMEOUT");
	ck_assert_int_eq(vm_detach_timeout_s(30), 30);
	g_setenv("LXKIT_VM_DETACH_TIMEOUT", "2", TRUE);
	ck_assert_int_eq(vm_detach_timeout_s(30), 2);
	g_setenv("LXKIT_VM_DETACH_TIMEOUT", "0", TRUE);	/* out of range: ignored */
	ck_assert_int_eq(vm_detach_timeout_s(30), 30);
	g_setenv("LXKIT_VM_DETACH_TIMEOUT", "2s", TRUE);
	ck_assert_int_eq(vm_detach_timeout_s(30), 30);
	g_unsetenv("LXKIT_VM_DETACH_TIMEOUT");
}
END_TEST

static int sh(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(image_probe_import)
{
	g_autofree char *dir = g_dir_make_tmp("lxkit-test-vmdisk-XXXXXX", NULL);
	g_autofree char *raw = g_build_filename(dir, "a.raw", NULL);
	g_autofree char *qcow = g_build_filename(dir, "a.qcow2", NULL);
	g_autofree char *ovl = g_build_filename(dir, "ovl.qcow2", NULL);
	g_autofree char *ext = g_build_filename(dir, "ext.qcow2", NULL);
	g_autofree char *dst = g_build_filename(dir, "root.img", NULL);
	g_autofree char *cmd = NULL, *fmt = NULL, *err = NULL, *text = NULL, *missing = NULL;
	uint64_t size = 0;
	gsize len = 0;

	ck_assert_ptr_nonnull(dir);
	cmd = g_strdup_printf("cd %s && truncate -s 3M a.raw && printf LXKIT-MARK | dd of=a.raw bs=1 "
			      "seek=2097152 conv=notrunc status=none && qemu-img convert -f raw -O "
			      "qcow2 a.raw a.qcow2 && qemu-img create -q -f qcow2 -b a.qcow2 -F qcow2 "
			      "ovl.qcow2 && qemu-img create -q -f qcow2 -o data_file=%s/a.raw,"
			      "data_file_raw=on ext.qcow2 3M && truncate -s 4M root.img", dir, dir);
	ck_assert_int_eq(sh(cmd), 0);

	ck_assert_int_eq(vm_image_probe(raw, &fmt, &size, &err), 0);
	ck_assert_str_eq(fmt, "raw");
	ck_assert_uint_eq(size, 3u << 20);
	g_clear_pointer(&fmt, g_free);
	ck_assert_int_eq(vm_image_probe(qcow, &fmt, &size, &err), 0);
	ck_assert_str_eq(fmt, "qcow2");
	ck_assert_uint_eq(size, 3u << 20);
	ck_assert_int_eq(vm_image_probe(ovl, &fmt, &size, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "has a backing file"));
	g_clear_pointer(&err, g_free);
	/* a qcow2 whose data is another file (qcow2 data_file): an import would copy that file */
	ck_assert_int_eq(vm_image_probe(ext, &fmt, &size, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "external file"));
	g_clear_pointer(&err, g_free);
	missing = g_build_filename(dir, "nope", NULL);
	ck_assert_int_eq(vm_image_probe(missing, &fmt, &size, &err), -ENOENT);
	g_clear_pointer(&err, g_free);
	ck_assert_int_eq(vm_image_probe(dir, &fmt, &size, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not a regular file"));
	g_clear_pointer(&err, g_free);

	/* the qcow2's content lands in the raw root disk, which keeps its size */
	ck_assert_int_eq(vm_image_import(qcow, fmt, dst, &err), 0);
	ck_assert(g_file_get_contents(dst, &text, &len, NULL));
	ck_assert_uint_eq(len, 4u << 20);
	ck_assert_int_eq(memcmp(text + (2u << 20), "LXKIT-MARK", 10), 0);
	/* a target smaller than the image fails */
	ck_assert_int_eq(truncate(dst, 1u << 20), 0);
	ck_assert_int_eq(vm_image_import(qcow, fmt, dst, &err), -EIO);
	ck_assert_ptr_nonnull(strstr(err, "cannot import disk image"));
	g_free(cmd);
	cmd = g_strdup_printf("rm -rf %s", dir);
	ck_assert_int_eq(sh(cmd), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("vm-disk");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, config_key, 0, G_N_ELEMENTS(cases));
	tcase_add_test(tc, config_kernel_and_volatile);
	tcase_add_test(tc, restart_keys);
	tcase_add_test(tc, detach_timeout);
	tcase_add_test(tc, image_probe_import);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(suite());
}
