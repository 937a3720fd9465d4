/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of manager/vm-cmd.c (the QEMU command line, the QMP commands of a device, device
 * keys, host USB lookup in a fake sysfs tree) and manager/qmp.c against a scripted QMP server
 * on a socketpair-like unix socket (greeting, replies, error replies, DEVICE_DELETED sent
 * twice and for a child object). */
#include <check.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "check-main.h"
#include "qmp.h"
#include "vm-cmd.h"

static GHashTable *map(const char *const *kv)
{
	GHashTable *h = g_hash_table_new(g_str_hash, g_str_equal);

	for (size_t i = 0; kv[i]; i += 2)
		g_hash_table_insert(h, (char *) kv[i], (char *) kv[i + 1]);
	return h;
}

START_TEST(argv_tcg)
{
	struct vm_spec s = { .name = "vm1", .kernel = "/k", .initrd = "/i", .append = "console=ttyS0",
			     .root_disk = "/pool/a,b/root.img", .memory_mib = 256, .cpus = 2,
			     .serial_log = "/l/console.log", .qmp_socket = "/r/qmp.sock",
			     .pidfile = "/r/qemu.pid" };
	g_auto(GStrv) a = vm_qemu_argv(&s);
	g_autofree char *j = g_strjoinv(" ", a);

	ck_assert_str_eq(a[0], "qemu-system-x86_64");
	ck_assert_ptr_nonnull(strstr(j, " -accel tcg -cpu max -machine q35 -m 256 -smp 2 "));
	ck_assert_ptr_nonnull(strstr(j, " -kernel /k -initrd /i -append console=ttyS0 "));
	ck_assert_ptr_nonnull(strstr(j, " -serial file:/l/console.log "));
	ck_assert_ptr_nonnull(strstr(j, " -qmp unix:/r/qmp.sock,server=on,wait=off "));
	ck_assert_ptr_nonnull(strstr(j, " -S -daemonize -pidfile /r/qemu.pid "));
	ck_assert_ptr_nonnull(strstr(j, "-device virtio-scsi-pci,id=scsi0 -device qemu-xhci,id=xhci0"));
	/* a ',' in a path is doubled in a QEMU option */
	ck_assert_ptr_nonnull(strstr(j, "file.filename=/pool/a,,b/root.img"));
	ck_assert_ptr_nonnull(strstr(j, "scsi-hd,id=lxkit-root-disk,drive=lxkit-root,bus=scsi0.0"));
	s.initrd = NULL;
	s.kvm = true;
	g_strfreev(a);
	a = vm_qemu_argv(&s);
	g_free(j);
	j = g_strjoinv(" ", a);
	ck_assert_ptr_null(strstr(j, "-initrd"));
	ck_assert_ptr_nonnull(strstr(j, "-accel kvm -cpu host"));
	/* no kernel: the firmware boots the root disk, which has bootindex 0 */
	s.kernel = NULL;
	g_strfreev(a);
	a = vm_qemu_argv(&s);
	g_free(j);
	j = g_strjoinv(" ", a);
	ck_assert_ptr_null(strstr(j, "-kernel"));
	ck_assert_ptr_null(strstr(j, "-append"));
	ck_assert_ptr_nonnull(strstr(j, "bus=scsi0.0,bootindex=0"));
}
END_TEST

START_TEST(cmds_scsi_disk)
{
	static const char *const kv[] = { "type", "disk", "source", "/img/d1.img", NULL };
	g_autoptr(GHashTable) c = map(kv);
	g_autofree char *err = NULL, *del = NULL, *bd = NULL;
	g_autoptr(GPtrArray) cmds = NULL;
	struct vm_dev d;

	ck_assert_int_eq(vm_dev_parse("d1", c, &d, &err), 0);
	ck_assert_int_eq(d.kind, VM_DEV_SCSI_DISK);
	cmds = vm_dev_add_cmds(&d, 0, 0);
	ck_assert_uint_eq(cmds->len, 2);
	ck_assert_str_eq(cmds->pdata[0],
			 "{\"execute\":\"blockdev-add\",\"arguments\":{\"driver\":\"raw\","
			 "\"node-name\":\"lxkit-node-d1\",\"read-only\":false,\"file\":{\"driver\":"
			 "\"file\",\"filename\":\"/img/d1.img\"}}}");
	ck_assert_str_eq(cmds->pdata[1],
			 "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"scsi-hd\",\"id\":"
			 "\"lxkit-dev-d1\",\"drive\":\"lxkit-node-d1\",\"bus\":\"scsi0.0\"}}");
	del = vm_dev_del_cmd(&d);
	ck_assert_str_eq(del, "{\"execute\":\"device_del\",\"arguments\":{\"id\":\"lxkit-dev-d1\"}}");
	bd = vm_dev_blockdev_del_cmd(&d);
	ck_assert_str_eq(bd, "{\"execute\":\"blockdev-del\",\"arguments\":{\"node-name\":"
			 "\"lxkit-node-d1\"}}");
}
END_TEST

START_TEST(cmds_usb_disk_blockdev)
{
	static const char *const kv[] = { "type", "disk", "source", "/dev/loop3", "io.bus", "usb",
					  "readonly", "true", NULL };
	g_autoptr(GHashTable) c = map(kv);
	g_autofree char *err = NULL;
	g_autoptr(GPtrArray) cmds = NULL;
	struct vm_dev d;

	ck_assert_int_eq(vm_dev_parse("u1", c, &d, &err), 0);
	ck_assert_int_eq(d.kind, VM_DEV_USB_DISK);
	cmds = vm_dev_add_cmds(&d, 0, 0);
	ck_assert_ptr_nonnull(strstr(cmds->pdata[0], "\"read-only\":true"));
	ck_assert_ptr_nonnull(strstr(cmds->pdata[0], "\"driver\":\"host_device\""));
	ck_assert_ptr_nonnull(strstr(cmds->pdata[1], "\"driver\":\"usb-storage\""));
	ck_assert_ptr_nonnull(strstr(cmds->pdata[1], "\"bus\":\"xhci0.0\""));
	ck_assert_ptr_nonnull(strstr(cmds->pdata[1], "\"removable\":true"));
}
END_TEST

START_TEST(cmds_usb_host)
{
	static const char *const kv[] = { "type", "usb", "vendorid", "046d", "productid", "C52b",
					  NULL };
	static const char *const kv2[] = { "type", "usb", "busnum", "3", "devnum", "7",
					   "required", "true", NULL };
	g_autoptr(GHashTable) c = map(kv), c2 = map(kv2);
	g_autofree char *err = NULL, *bd = NULL;
	g_autoptr(GPtrArray) a = NULL, b = NULL, e = NULL;
	struct vm_dev d, d2;

	ck_assert_int_eq(vm_dev_parse("u", c, &d, &err), 0);
	ck_assert_uint_eq(d.vendorid, 0x046d);
	ck_assert_uint_eq(d.productid, 0xc52b);
	ck_assert(!d.required);
	a = vm_dev_add_cmds(&d, 0, 0);
	ck_assert_uint_eq(a->len, 1);	/* no blockdev */
	ck_assert_str_eq(a->pdata[0], "{\"execute\":\"device_add\",\"arguments\":{\"driver\":"
			 "\"usb-host\",\"id\":\"lxkit-dev-u\",\"bus\":\"xhci0.0\",\"vendorid\":1133,"
			 "\"productid\":50475}}");
	/* found on the host: by its address */
	b = vm_dev_add_cmds(&d, 1, 4);
	ck_assert_ptr_nonnull(strstr(b->pdata[0], "\"hostbus\":1,\"hostaddr\":4"));
	bd = vm_dev_blockdev_del_cmd(&d);
	ck_assert_ptr_null(bd);
	ck_assert_int_eq(vm_dev_parse("u2", c2, &d2, &err), 0);
	ck_assert(d2.required);
	e = vm_dev_add_cmds(&d2, 3, 7);
	ck_assert_ptr_nonnull(strstr(e->pdata[0], "\"hostbus\":3,\"hostaddr\":7"));
}
END_TEST

static const struct {
	const char *kv[9];
	const char *err_has;
} bad[] = {
	{ { "type", "disk", NULL }, "key 'source' is required" },
	{ { "type", "disk", "source", "/x", "io.bus", "ide", NULL }, "invalid io.bus 'ide'" },
	{ { "type", "disk", "source", "/x", "colour", "red", NULL }, "unknown key 'colour'" },
	{ { "type", "disk", "source", "/x", "readonly", "maybe", NULL }, "'maybe' for key 'readonly'" },
	{ { "type", "usb", NULL }, "needs vendorid and productid" },
	{ { "type", "usb", "vendorid", "dead", NULL }, "needs vendorid and productid" },
	{ { "type", "usb", "vendorid", "xyz1", "productid", "beef", NULL }, "'xyz1' for key 'vendorid'" },
	{ { "type", "usb", "vendorid", "12345", "productid", "beef", NULL }, "'12345'" },
	{ { "type", "usb", "busnum", "0", "devnum", "1", NULL }, "'0' for key 'busnum'" },
	{ { "type", "usb", "source", "/x", "vendorid", "dead", "productid", "beef", NULL }, "unknown key 'source'" },
	{ { "type", "unix-char", "source", "/dev/null", NULL }, "for containers" },
	{ { "type", "nic", NULL }, "unsupported device type 'nic'" },
	{ { "source", "/x", NULL }, "has no type" },
};

START_TEST(parse_bad)
{
	g_autoptr(GHashTable) c = map(bad[_i].kv);
	g_autofree char *err = NULL;
	struct vm_dev d;

	ck_assert_int_eq(vm_dev_parse("dev", c, &d, &err), -EINVAL);
	ck_assert_msg(err && strstr(err, bad[_i].err_has), "case %d: '%s' lacks '%s'", _i, err,
		      bad[_i].err_has);
}
END_TEST

static void put(const char *dir, const char *file, const char *text)
{
	g_autofree char *p = g_build_filename(dir, file, NULL);

	g_mkdir_with_parents(dir, 0755);
	ck_assert(g_file_set_contents(p, text, -1, NULL));
}

START_TEST(usb_host_find)
{
	g_autofree char *root = g_dir_make_tmp("lxkit-test-usb-XXXXXX", NULL);
	g_autofree char *dev = g_build_filename(root, "1-2", NULL);
	g_autofree char *intf = g_build_filename(root, "1-2:1.0", NULL);
	static const char *const kv[] = { "type", "usb", "vendorid", "046d", "productid", "c52b", NULL };
	static const char *const kv2[] = { "type", "usb", "vendorid", "dead", "productid", "beef", NULL };
	static const char *const kv3[] = { "type", "usb", "busnum", "1", "devnum", "5", NULL };
	g_autoptr(GHashTable) c = map(kv), c2 = map(kv2), c3 = map(kv3);
	g_autofree char *err = NULL, *cmd = NULL;
	unsigned bus = 0, addr = 0;
	struct vm_dev d;

	put(dev, "idVendor", "046d\n");
	put(dev, "idProduct", "c52b\n");
	put(dev, "busnum", "1\n");
	put(dev, "devnum", "5\n");
	put(intf, "bInterfaceClass", "03\n");
	ck_assert_int_eq(vm_dev_parse("u", c, &d, &err), 0);
	ck_assert_int_eq(vm_usb_host_find(root, &d, &bus, &addr, &err), 0);
	ck_assert_uint_eq(bus, 1);
	ck_assert_uint_eq(addr, 5);
	ck_assert_int_eq(vm_dev_parse("u", c3, &d, &err), 0);
	ck_assert_int_eq(vm_usb_host_find(root, &d, &bus, &addr, &err), 0);
	ck_assert_int_eq(vm_dev_parse("u", c2, &d, &err), 0);
	ck_assert_int_eq(vm_usb_host_find(root, &d, &bus, &addr, &err), -ENODEV);
	ck_assert_str_eq(err, "no USB device on host matches vendorid=dead productid=beef");
	g_clear_pointer(&err, g_free);
	/* a host without USB at all (no /sys/bus/usb, as on the test machine) */
	ck_assert_int_eq(vm_usb_host_find("/nonexistent/usb", &d, &bus, &addr, &err), -ENODEV);
	cmd = g_strdup_printf("rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* ---- QMP against a scripted server ---- */

struct script {
	int lfd;
	const char *const *lines;	/* "<" expects a line containing the rest, ">" sends */
	char *failure;
};

static gpointer server(gpointer data)
{
	struct script *s = data;
	int fd = accept(s->lfd, NULL, NULL);
	g_autoptr(GString) buf = g_string_new(NULL);

	for (size_t i = 0; fd >= 0 && s->lines[i]; i++) {
		const char *l = s->lines[i];

		if (l[0] == '>') {
			g_autofree char *msg = g_strdup_printf("%s\r\n", l + 1);

			if (write(fd, msg, strlen(msg)) < 0)
				break;
			continue;
		}
		for (;;) {
			char c;
			char *nl = strchr(buf->str, '\n');

			if (nl) {
				g_autofree char *line = g_strndup(buf->str, nl - buf->str);

				g_string_erase(buf, 0, nl - buf->str + 1);
				if (!strstr(line, l + 1))
					s->failure = g_strdup_printf("step %zu: got '%s', want '%s'", i, line,
								     l + 1);
				break;
			}
			if (read(fd, &c, 1) != 1) {
				s->failure = g_strdup_printf("step %zu: EOF", i);
				goto out;
			}
			g_string_append_c(buf, c);
		}
	}
out:
	if (fd >= 0)
		close(fd);
	return NULL;
}

static char *listen_on(const char *dir, int *ret_fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *path = g_build_filename(dir, "qmp.sock", NULL);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	strcpy(sa.sun_path, path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	*ret_fd = fd;
	return path;
}

START_TEST(qmp_detach_sequence)
{
	static const char *const lines[] = {
		">{\"QMP\": {\"version\": {}, \"capabilities\": []}}",
		"<qmp_capabilities", ">{\"return\": {}}",
		"<device_del", ">{\"return\": {}}",
		/* the child's event first (no device), an event of another device, then ours twice */
		">{\"event\": \"DEVICE_DELETED\", \"data\": {\"path\": \"/machine/peripheral/lxkit-dev-u1/u1.0/legacy[0]\"}}",
		">{\"event\": \"DEVICE_DELETED\", \"data\": {\"device\": \"lxkit-dev-other\", \"path\": \"x\"}}",
		">{\"event\": \"DEVICE_DELETED\", \"data\": {\"device\": \"lxkit-dev-u1\", \"path\": \"/machine/peripheral/lxkit-dev-u1\"}}",
		">{\"event\": \"DEVICE_DELETED\", \"data\": {\"device\": \"lxkit-dev-u1\", \"path\": \"/machine/peripheral/lxkit-dev-u1\"}}",
		"<blockdev-del", ">{\"error\": {\"class\": \"GenericError\", \"desc\": \"Node 'x' is busy\"}}",
		"<query-status", ">{\"return\": {\"status\": \"running\"}}",
		NULL,
	};
	g_autofree char *dir = g_dir_make_tmp("lxkit-test-qmp-XXXXXX", NULL), *path = NULL;
	g_autofree char *err = NULL;
	struct script s = { .lines = lines };
	g_autoptr(qmp_t) q = NULL;
	g_autoptr(JsonNode) ret = NULL;
	GThread *t;

	path = listen_on(dir, &s.lfd);
	t = g_thread_new("qmp-server", server, &s);
	ck_assert_int_eq(qmp_connect(path, 2000, &q, &err), 0);
	ck_assert_int_eq(qmp_execute(q, "{\"execute\":\"device_del\"}", 2000, NULL, &err), 0);
	ck_assert_int_eq(qmp_wait_event(q, "DEVICE_DELETED", "lxkit-dev-u1", 2000, &err), 0);
	ck_assert_int_eq(qmp_execute(q, "{\"execute\":\"blockdev-del\"}", 2000, NULL, &err), -EIO);
	ck_assert_str_eq(err, "Node 'x' is busy");
	g_clear_pointer(&err, g_free);
	/* the duplicate event is skipped while waiting for the next reply */
	ck_assert_int_eq(qmp_execute(q, "{\"execute\":\"query-status\"}", 2000, &ret, &err), 0);
	ck_assert_str_eq(json_object_get_string_member(json_node_get_object(ret), "status"), "running");
	/* nothing more comes: a timeout names the device, then the closed socket */
	ck_assert_int_eq(qmp_wait_event(q, "DEVICE_DELETED", "lxkit-dev-zz", 300, &err), -ECONNRESET);
	g_thread_join(t);
	ck_assert_msg(!s.failure, "%s", s.failure);
	close(s.lfd);
	g_unlink(path);
	g_rmdir(dir);
}
END_TEST

START_TEST(qmp_timeout_and_refused)
{
	static const char *const lines[] = {
		">{\"QMP\": {}}", "<qmp_capabilities", ">{\"return\": {}}",
		"<device_del", ">{\"return\": {}}", "<quit", NULL,
	};
	g_autofree char *dir = g_dir_make_tmp("lxkit-test-qmp-XXXXXX", NULL), *path = NULL;
	g_autofree char *err = NULL, *missing = NULL;
	struct script s = { .lines = lines };
	g_autoptr(qmp_t) q = NULL;
	struct qmp *q2 = NULL;
	GThread *t;

	missing = g_build_filename(dir, "none.sock", NULL);
	ck_assert_int_eq(qmp_connect(missing, 200, &q2, &err), -ETIMEDOUT);
	ck_assert_ptr_nonnull(strstr(err, "cannot connect to QMP socket"));
	g_clear_pointer(&err, g_free);
	path = listen_on(dir, &s.lfd);
	t = g_thread_new("qmp-server", server, &s);
	ck_assert_int_eq(qmp_connect(path, 2000, &q, &err), 0);
	ck_assert_int_eq(qmp_execute(q, "{\"execute\":\"device_del\"}", 2000, NULL, &err), 0);
	ck_assert_int_eq(qmp_wait_event(q, "DEVICE_DELETED", "lxkit-dev-d1", 300, &err), -ETIMEDOUT);
	ck_assert_str_eq(err, "no DEVICE_DELETED event for 'lxkit-dev-d1' within 0.3 s");
	g_clear_pointer(&err, g_free);
	ck_assert_int_eq(qmp_execute(q, "{\"execute\":\"quit\"}", 2000, NULL, &err), -ECONNRESET);
	g_thread_join(t);
	ck_assert_msg(!s.failure, "%s", s.failure);
	close(s.lfd);
	g_unlink(path);
	g_rmdir(dir);
}
END_TEST

/* which DEVICE_DELETED is the device's own: data.device equal to the id, never a child's */
START_TEST(event_matching)
{
	static const struct {
		const char *msg, *name, *device;
		gboolean hit;
	} c[] = {
		{ "{\"event\":\"DEVICE_DELETED\",\"data\":{\"device\":\"a\",\"path\":\"p\"}}", "DEVICE_DELETED", "a", TRUE },
		{ "{\"event\":\"DEVICE_DELETED\",\"data\":{\"path\":\"/machine/peripheral/a/a.0/legacy[0]\"}}", "DEVICE_DELETED", "a", FALSE },
		{ "{\"event\":\"DEVICE_DELETED\",\"data\":{\"device\":\"ab\"}}", "DEVICE_DELETED", "a", FALSE },
		{ "{\"event\":\"DEVICE_DELETED\"}", "DEVICE_DELETED", "a", FALSE },
		{ "{\"event\":\"DEVICE_DELETED\"}", "DEVICE_DELETED", NULL, TRUE },
		{ "{\"event\":\"SHUTDOWN\",\"data\":{\"device\":\"a\"}}", "DEVICE_DELETED", "a", FALSE },
		{ "{\"return\":{}}", "DEVICE_DELETED", NULL, FALSE },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(c); i++) {
		g_autoptr(JsonParser) p = json_parser_new();

		ck_assert(json_parser_load_from_data(p, c[i].msg, -1, NULL));
		ck_assert_msg(qmp_event_matches(json_node_get_object(json_parser_get_root(p)), c[i].name,
						c[i].device) == c[i].hit, "case %zu", i);
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("vm-cmd");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, argv_tcg);
	tcase_add_test(tc, cmds_scsi_disk);
	tcase_add_test(tc, cmds_usb_disk_blockdev);
	tcase_add_test(tc, cmds_usb_host);
	tcase_add_loop_test(tc, parse_bad, 0, G_N_ELEMENTS(bad));
	tcase_add_test(tc, usb_host_find);
	tcase_add_test(tc, event_matching);
	tcase_add_test(tc, qmp_detach_sequence);
	tcase_add_test(tc, qmp_timeout_and_refused);
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(suite());
}
