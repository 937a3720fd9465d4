/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A VM's config and the import of a disk image into its root disk (vm-disk.h). */
#include <errno.h>
#include <json-glib/json-glib.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "instance-config.h"
#include "parse-util.h"
#include "util/run.h"
#include "util/size.h"
#include "vm-disk.h"

#define VM_MEMORY_MIN (64ULL << 20)

static int fail(char **ret_err, int r, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static int fail(char **ret_err, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	*ret_err = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	return r;
}

int vm_config_validate(GHashTable *config, GHashTable *old, bool need_kernel, char **ret_err)
{
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, config);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		const char *key = k, *val = v;
		uint64_t bytes;
		guint64 n;

		if (streq(key, "vm.kernel") || streq(key, "vm.initrd")) {
			if (!g_path_is_absolute(val) || access(val, R_OK) < 0)
				return fail(ret_err, -EINVAL, "config key '%s': '%s' is not a "
					"readable absolute path", key, val);
		} else if (streq(key, "limits.memory")) {
			if (size_parse(val, &bytes) < 0 || bytes < VM_MEMORY_MIN)
				return fail(ret_err, -EINVAL, "invalid limits.memory '%s' for a "
					"VM: a size of at least 64MiB", val);
		} else if (streq(key, "limits.cpu")) {
			if (!g_ascii_string_to_unsigned(val, 10, 1, 64, &n, NULL))
				return fail(ret_err, -EINVAL, "invalid limits.cpu '%s' for a VM: a "
					"vCPU count (1 to 64)", val);
		} else if (startswith(key, "boot.")) {
			g_autoptr(GHashTable) one = g_hash_table_new(g_str_hash, g_str_equal);

			/* the same boot.* keys and values as a container's */
			g_hash_table_insert(one, (char *) key, (char *) val);
			if (instance_config_check(one, 1, 0, NULL, ret_err) < 0)
				return -EINVAL;
		} else if (startswith(key, "volatile.")) {
			const char *was = old ? g_hash_table_lookup(old, key) : NULL;

			if (old && (!was || !streq(was, val)))
				return fail(ret_err, -EINVAL, "config key '%s' is written by the "
					"manager only", key);
		} else if (!streq(key, "vm.append") && !startswith(key, "user.") &&
			   !startswith(key, "image.")) {
			return fail(ret_err, -EINVAL, "config key '%s' does not apply to a virtual "
				"machine", key);
		}
	}
	if (!g_hash_table_lookup(config, "vm.kernel")) {
		if (need_kernel)
			return fail(ret_err, -EINVAL, "a virtual machine needs config 'vm.kernel' "
				"(a host path of the kernel to boot) or a disk image to boot: "
				"source {\"type\": \"image\", \"source\": PATH}");
		if (g_hash_table_lookup(config, "vm.initrd") ||
		    g_hash_table_lookup(config, "vm.append"))
			return fail(ret_err, -EINVAL, "config keys 'vm.initrd' and 'vm.append' "
				"need 'vm.kernel' (without it the firmware boots the root disk)");
	}
	return 0;
}

char **vm_config_restart_keys(GHashTable *old, GHashTable *new)
{
	static const char *const keys[] = { "limits.cpu", "limits.memory", "vm.append",
					    "vm.initrd", "vm.kernel" };
	GPtrArray *a = g_ptr_array_new();

	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
		if (g_strcmp0(g_hash_table_lookup(old, keys[i]), g_hash_table_lookup(new, keys[i])))
			g_ptr_array_add(a, g_strdup(keys[i]));
	g_ptr_array_add(a, NULL);
	return (char **) g_ptr_array_free(a, FALSE);
}

/* qemu-img info's "format-specific": {"data": {"data-file": ...}}: a qcow2 whose data lives
 * in another file (qcow2 data_file), which an import would copy from the host */
static bool image_has_data_file(JsonObject *info)
{
	JsonObject *fs, *data;

	if (!json_object_has_member(info, "format-specific"))
		return false;
	fs = json_object_get_object_member(info, "format-specific");
	if (!fs || !json_object_has_member(fs, "data"))
		return false;
	data = json_object_get_object_member(fs, "data");
	return data && json_object_has_member(data, "data-file");
}

int vm_image_probe(const char *path, char **ret_format, uint64_t *ret_size, char **ret_err)
{
	const char *argv[] = { "qemu-img", "info", "--output=json", "--", path, NULL };
	g_autofree char *out = NULL, *err = NULL;
	g_autoptr(JsonParser) p = json_parser_new();
	const char *fmt;
	JsonObject *o;
	JsonNode *root;
	gint64 size;
	int r;

	if (!g_path_is_absolute(path) || access(path, R_OK) < 0)
		return fail(ret_err, -ENOENT, "disk image '%s' is not a readable absolute path",
			path);
	if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
		return fail(ret_err, -EINVAL, "disk image '%s' is not a regular file", path);
	r = run_tool(argv, &out, &err);
	if (r < 0)
		return fail(ret_err, r == -ENOENT ? -ENOENT : -EIO,
			    "cannot read disk image '%s': %s", path, err);
	if (!json_parser_load_from_data(p, out, -1, NULL) || !(root = json_parser_get_root(p)) ||
	    !JSON_NODE_HOLDS_OBJECT(root))
		return fail(ret_err, -EIO, "qemu-img info of '%s' printed no JSON object", path);
	o = json_node_get_object(root);
	fmt = json_object_get_string_member_with_default(o, "format", NULL);
	size = json_object_get_int_member_with_default(o, "virtual-size", -1);
	if (!fmt || size <= 0)
		return fail(ret_err, -EIO, "qemu-img info of '%s' gave no format or size", path);
	if (!streq(fmt, "raw") && !streq(fmt, "qcow2"))
		return fail(ret_err, -EINVAL, "disk image '%s' has the format '%s': only raw and "
			"qcow2 images are imported", path, fmt);
	if (json_object_has_member(o, "backing-filename") ||
	    json_object_has_member(o, "full-backing-filename"))
		return fail(ret_err, -EINVAL, "disk image '%s' has a backing file: give a "
			"standalone image (qemu-img convert)", path);
	if (image_has_data_file(o))
		return fail(ret_err, -EINVAL, "disk image '%s' keeps its data in an external file: "
			"give a standalone image (qemu-img convert)", path);
	*ret_format = g_strdup(fmt);
	*ret_size = (uint64_t) size;
	return 0;
}

int vm_image_import(const char *src, const char *format, const char *dst, char **ret_err)
{
	const char *argv[] = { "qemu-img", "convert", "-n", "-f", format, "-O", "raw", "--",
			       src, dst, NULL };
	g_autofree char *err = NULL;

	if (run_tool(argv, NULL, &err) < 0)
		return fail(ret_err, -EIO, "cannot import disk image '%s': %s", src, err);
	return 0;
}

int vm_detach_timeout_s(int default_s)
{
	const char *e = g_getenv("LXKIT_VM_DETACH_TIMEOUT");
	guint64 n;

	if (e && g_ascii_string_to_unsigned(e, 10, 1, 3600, &n, NULL))
		return (int) n;
	return default_s;
}
