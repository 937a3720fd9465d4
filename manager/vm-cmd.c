/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vm-cmd.h"

char **vm_qemu_argv(const struct vm_spec *s)
{
	GPtrArray *a = g_ptr_array_new();
	g_autofree char *drive = NULL;

#define ADD(...) g_ptr_array_add(a, g_strdup_printf(__VA_ARGS__))
	ADD("qemu-system-x86_64");
	ADD("-name"); ADD("%s", s->name);
	ADD("-accel"); ADD("%s", s->kvm ? "kvm" : "tcg");
	ADD("-cpu"); ADD("%s", s->kvm ? "host" : "max");
	ADD("-machine"); ADD("q35");
	ADD("-m"); ADD("%" G_GUINT64_FORMAT, s->memory_mib);
	ADD("-smp"); ADD("%u", s->cpus);
	ADD("-nic"); ADD("none");
	ADD("-nodefaults");
	ADD("-display"); ADD("none");
	if (s->kernel) {	/* else the firmware (SeaBIOS) boots the root disk */
		ADD("-kernel"); ADD("%s", s->kernel);
		if (s->initrd) {
			ADD("-initrd"); ADD("%s", s->initrd);
		}
		ADD("-append"); ADD("%s", s->append);
	}
	ADD("-serial"); ADD("file:%s", s->serial_log);
	ADD("-qmp"); ADD("unix:%s,server=on,wait=off", s->qmp_socket);
	ADD("-no-reboot");
	ADD("-S");
	ADD("-daemonize");
	ADD("-pidfile"); ADD("%s", s->pidfile);
	ADD("-device"); ADD("virtio-scsi-pci,id=scsi0");
	ADD("-device"); ADD("qemu-xhci,id=xhci0");
	/* the root disk: a QEMU -blockdev option is a comma list, where ',' in a value is ',,' */
	{
		g_autoptr(GString) f = g_string_new(NULL);

		for (const char *p = s->root_disk; *p; p++) {
			if (*p == ',')
				g_string_append_c(f, ',');
			g_string_append_c(f, *p);
		}
		ADD("-blockdev");
		ADD("driver=raw,node-name=lxkit-root,file.driver=file,file.filename=%s", f->str);
	}
	/* with -kernel, QEMU's linuxboot option ROM holds bootindex 0 already */
	ADD("-device"); ADD("scsi-hd,id=lxkit-root-disk,drive=lxkit-root,bus=scsi0.0%s",
			    s->kernel ? "" : ",bootindex=0");
#undef ADD
	g_ptr_array_add(a, NULL);
	return (char **) g_ptr_array_free(a, FALSE);
}

static int parse_hex4(const char *v, unsigned *ret)
{
	char *end;
	unsigned long x;

	if (!v || strlen(v) != 4 || !g_ascii_isxdigit(v[0]))
		return -EINVAL;
	x = strtoul(v, &end, 16);
	if (*end || x == 0)
		return -EINVAL;
	*ret = (unsigned) x;
	return 0;
}

static int parse_dec(const char *v, unsigned max, unsigned *ret)
{
	guint64 x;

	if (!v || !g_ascii_string_to_unsigned(v, 10, 1, max, &x, NULL))
		return -EINVAL;
	*ret = (unsigned) x;
	return 0;
}

static int parse_bool(const char *v, bool *ret)
{
	if (g_str_equal(v, "true") || g_str_equal(v, "1")) {
		*ret = true;
		return 0;
	}
	if (g_str_equal(v, "false") || g_str_equal(v, "0")) {
		*ret = false;
		return 0;
	}
	return -EINVAL;
}

int vm_dev_parse(const char *name, GHashTable *cfg, struct vm_dev *ret, char **ret_err)
{
	const char *type = g_hash_table_lookup(cfg, "type");
	struct vm_dev d = { .name = name };
	GHashTableIter it;
	gpointer k, v;

	if (!type) {
		*ret_err = g_strdup_printf("device '%s' has no type", name);
		return -EINVAL;
	}
	if (g_str_equal(type, "disk")) {
		const char *bus = g_hash_table_lookup(cfg, "io.bus");

		d.kind = VM_DEV_SCSI_DISK;
		d.required = true;
		if (bus && g_str_equal(bus, "usb"))
			d.kind = VM_DEV_USB_DISK;
		else if (bus && !g_str_equal(bus, "virtio-scsi")) {
			*ret_err = g_strdup_printf("device '%s': invalid io.bus '%s': expected "
						   "'virtio-scsi' or 'usb'", name, bus);
			return -EINVAL;
		}
	} else if (g_str_equal(type, "usb")) {
		d.kind = VM_DEV_USB_HOST;
	} else if (g_str_equal(type, "unix-char") || g_str_equal(type, "unix-block")) {
		*ret_err = g_strdup_printf("device '%s': type '%s' is for containers, not virtual "
					   "machines", name, type);
		return -EINVAL;
	} else {
		*ret_err = g_strdup_printf("device '%s': unknown or unsupported device type '%s' for "
					   "a virtual machine", name, type);
		return -EINVAL;
	}
	g_hash_table_iter_init(&it, cfg);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		const char *key = k, *val = v;
		int r = 0;

		if (g_str_equal(key, "type"))
			continue;
		if (d.kind != VM_DEV_USB_HOST) {
			if (g_str_equal(key, "source"))
				d.source = val;
			else if (g_str_equal(key, "readonly"))
				r = parse_bool(val, &d.readonly);
			else if (g_str_equal(key, "required"))
				r = parse_bool(val, &d.required);
			else if (!g_str_equal(key, "io.bus") && !g_str_equal(key, "path") &&
				 !g_str_equal(key, "pool"))
				goto unknown;
		} else {
			if (g_str_equal(key, "vendorid"))
				r = parse_hex4(val, &d.vendorid);
			else if (g_str_equal(key, "productid"))
				r = parse_hex4(val, &d.productid);
			else if (g_str_equal(key, "busnum"))
				r = parse_dec(val, 255, &d.busnum);
			else if (g_str_equal(key, "devnum"))
				r = parse_dec(val, 127, &d.devnum);
			else if (g_str_equal(key, "required"))
				r = parse_bool(val, &d.required);
			else
				goto unknown;
		}
		if (r < 0) {
			*ret_err = g_strdup_printf("device '%s': invalid value '%s' for key '%s'", name,
						   val, key);
			return -EINVAL;
		}
		continue;
unknown:
		*ret_err = g_strdup_printf("device '%s': unknown key '%s' for a %s device of a virtual "
					   "machine", name, key, type);
		return -EINVAL;
	}
	if (d.kind != VM_DEV_USB_HOST && (!d.source || !*d.source)) {
		*ret_err = g_strdup_printf("device '%s': key 'source' is required", name);
		return -EINVAL;
	}
	if (d.kind == VM_DEV_USB_HOST) {
		bool byid = d.vendorid && d.productid, byaddr = d.busnum && d.devnum;

		if (!byid && !byaddr) {
			*ret_err = g_strdup_printf("device '%s': a usb device needs vendorid and productid "
						   "(4 hex digits) or busnum and devnum", name);
			return -EINVAL;
		}
	}
	*ret = d;
	return 0;
}

char *vm_dev_qemu_id(const char *name)
{
	return g_strdup_printf("lxkit-dev-%s", name);
}

char *vm_dev_node_name(const char *name)
{
	return g_strdup_printf("lxkit-node-%s", name);
}

/* {"execute": @cmd, "arguments": @args} as text */
static char *cmd_text(const char *cmd, JsonBuilder *args)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) g = json_generator_new();
	g_autoptr(JsonNode) root = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "execute");
	json_builder_add_string_value(b, cmd);
	json_builder_set_member_name(b, "arguments");
	json_builder_add_value(b, json_builder_get_root(args));
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(g, root);
	return json_generator_to_data(g, NULL);
}

static void member_s(JsonBuilder *b, const char *k, const char *v)
{
	json_builder_set_member_name(b, k);
	json_builder_add_string_value(b, v);
}

GPtrArray *vm_dev_add_cmds(const struct vm_dev *d, unsigned bus, unsigned addr)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *id = vm_dev_qemu_id(d->name), *node = vm_dev_node_name(d->name);
	g_autoptr(JsonBuilder) dev = json_builder_new();

	if (d->kind != VM_DEV_USB_HOST) {
		g_autoptr(JsonBuilder) bd = json_builder_new();

		json_builder_begin_object(bd);
		member_s(bd, "driver", "raw");
		member_s(bd, "node-name", node);
		json_builder_set_member_name(bd, "read-only");
		json_builder_add_boolean_value(bd, d->readonly);
		json_builder_set_member_name(bd, "file");
		json_builder_begin_object(bd);
		member_s(bd, "driver", g_str_has_prefix(d->source, "/dev/") ? "host_device" : "file");
		member_s(bd, "filename", d->source);
		json_builder_end_object(bd);
		json_builder_end_object(bd);
		g_ptr_array_add(a, cmd_text("blockdev-add", bd));
	}
	json_builder_begin_object(dev);
	switch (d->kind) {
	case VM_DEV_SCSI_DISK:
		member_s(dev, "driver", "scsi-hd");
		member_s(dev, "id", id);
		member_s(dev, "drive", node);
		member_s(dev, "bus", "scsi0.0");
		break;
	case VM_DEV_USB_DISK:
		member_s(dev, "driver", "usb-storage");
		member_s(dev, "id", id);
		member_s(dev, "drive", node);
		member_s(dev, "bus", "xhci0.0");
		json_builder_set_member_name(dev, "removable");
		json_builder_add_boolean_value(dev, TRUE);
		break;
	case VM_DEV_USB_HOST:
		member_s(dev, "driver", "usb-host");
		member_s(dev, "id", id);
		member_s(dev, "bus", "xhci0.0");
		if (bus && addr) {
			json_builder_set_member_name(dev, "hostbus");
			json_builder_add_int_value(dev, bus);
			json_builder_set_member_name(dev, "hostaddr");
			json_builder_add_int_value(dev, addr);
		} else {
			json_builder_set_member_name(dev, "vendorid");
			json_builder_add_int_value(dev, d->vendorid);
			json_builder_set_member_name(dev, "productid");
			json_builder_add_int_value(dev, d->productid);
		}
		break;
	}
	json_builder_end_object(dev);
	g_ptr_array_add(a, cmd_text("device_add", dev));
	return a;
}

char *vm_dev_del_cmd(const struct vm_dev *d)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autofree char *id = vm_dev_qemu_id(d->name);

	json_builder_begin_object(b);
	member_s(b, "id", id);
	json_builder_end_object(b);
	return cmd_text("device_del", b);
}

char *vm_dev_blockdev_del_cmd(const struct vm_dev *d)
{
	g_autoptr(JsonBuilder) b = NULL;
	g_autofree char *node = NULL;

	if (d->kind == VM_DEV_USB_HOST)
		return NULL;
	b = json_builder_new();
	node = vm_dev_node_name(d->name);
	json_builder_begin_object(b);
	member_s(b, "node-name", node);
	json_builder_end_object(b);
	return cmd_text("blockdev-del", b);
}

static unsigned read_num(const char *dir, const char *file, int base)
{
	g_autofree char *p = g_build_filename(dir, file, NULL), *s = NULL;

	if (!g_file_get_contents(p, &s, NULL, NULL))
		return 0;
	return (unsigned) strtoul(g_strstrip(s), NULL, base);
}

int vm_usb_host_find(const char *sysfs_usb, const struct vm_dev *d, unsigned *ret_bus,
		     unsigned *ret_addr, char **ret_err)
{
	g_autoptr(GDir) dir = g_dir_open(sysfs_usb, 0, NULL);
	const char *e;

	while (dir && (e = g_dir_read_name(dir))) {
		g_autofree char *p = g_build_filename(sysfs_usb, e, NULL);
		unsigned bus = read_num(p, "busnum", 10), addr = read_num(p, "devnum", 10);

		if (!bus || !addr)
			continue;	/* an interface, not a device */
		if (d->busnum && d->devnum) {
			if (bus != d->busnum || addr != d->devnum)
				continue;
		} else if (read_num(p, "idVendor", 16) != d->vendorid ||
			   read_num(p, "idProduct", 16) != d->productid) {
			continue;
		}
		*ret_bus = bus;
		*ret_addr = addr;
		return 0;
	}
	if (d->busnum && d->devnum)
		*ret_err = g_strdup_printf("no USB device on host matches busnum=%u devnum=%u",
					   d->busnum, d->devnum);
	else
		*ret_err = g_strdup_printf("no USB device on host matches vendorid=%04x productid=%04x",
					   d->vendorid, d->productid);
	return -ENODEV;
}
