/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Nic devices at run time: VM taps and container hotplug (vm-net.h). */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <net/if.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "instance-db.h"
#include "log.h"
#include "mgr.h"
#include "netdev.h"
#include "qmp.h"
#include "tap.h"
#include "util/run.h"
#include "vm-disk.h"
#include "vm-net.h"

#define QMP_TIMEOUT_MS 10000
#define NIC_DETACH_TIMEOUT_MS 30000
#define HOTPLUG_PORTS 4

void vm_nic_free(gpointer p)
{
	struct vm_nic *n = p;

	if (!n)
		return;
	if (n->fd >= 0)
		close(n->fd);
	g_free(n->dev);
	g_free(n->tap);
	g_free(n->mac);
	g_free(n);
}

bool vm_net_is_nic(GHashTable *d)
{
	return g_strcmp0(g_hash_table_lookup(d, "type"), "nic") == 0;
}

/* The MAC of nic @dev of @row: its hwaddr, else the stored volatile key, else a new one that
 * is added to *@cfg_inout (created as a copy of row->config when needed). */
static char *nic_mac(const struct instance_row *row, const char *dev, GHashTable *d,
		     GHashTable **cfg_inout)
{
	g_autofree char *key = nic_volatile_hwaddr_key(dev);
	const char *v = g_hash_table_lookup(d, "hwaddr");
	char *mac;

	if (v)
		return g_strdup(v);
	v = g_hash_table_lookup(*cfg_inout ? *cfg_inout : row->config, key);
	if (v)
		return g_strdup(v);
	mac = tap_mac_random();
	if (!*cfg_inout) {
		GHashTableIter it;
		gpointer k, val;

		*cfg_inout = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
		g_hash_table_iter_init(&it, row->config);
		while (g_hash_table_iter_next(&it, &k, &val))
			g_hash_table_insert(*cfg_inout, g_strdup(k), g_strdup(val));
	}
	g_hash_table_insert(*cfg_inout, g_steal_pointer(&key), g_strdup(mac));
	return mac;
}

static unsigned nic_mtu(GHashTable *d)
{
	const char *v = g_hash_table_lookup(d, "mtu");
	guint64 n;

	return v && g_ascii_string_to_unsigned(v, 10, 68, 65535, &n, NULL) ? (unsigned) n : 0;
}

static char *nic_host_name(const char *inst, const char *dev, GHashTable *d)
{
	const char *h = g_hash_table_lookup(d, "host_name");

	return h ? g_strdup(h) : tap_name(inst, dev);
}

/* The nic devices of @devices_json as name -> string map, in name order */
static GPtrArray *nic_maps(const char *devices_json, GPtrArray **ret_names)
{
	g_autoptr(JsonParser) p = json_parser_new();
	GPtrArray *maps = g_ptr_array_new_with_free_func((GDestroyNotify) g_hash_table_unref);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GList) members = NULL;
	JsonObject *o;

	*ret_names = names;
	if (!devices_json || !json_parser_load_from_data(p, devices_json, -1, NULL) ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)))
		return maps;
	o = json_node_get_object(json_parser_get_root(p));
	members = g_list_sort(json_object_get_members(o), (GCompareFunc) strcmp);
	for (GList *l = members; l; l = l->next) {
		JsonNode *dn = json_object_get_member(o, l->data);
		GHashTable *h;
		g_autoptr(GList) keys = NULL;

		if (!JSON_NODE_HOLDS_OBJECT(dn))
			continue;
		h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
		keys = json_object_get_members(json_node_get_object(dn));
		for (GList *k = keys; k; k = k->next) {
			JsonNode *v = json_object_get_member(json_node_get_object(dn), k->data);

			if (JSON_NODE_HOLDS_VALUE(v) && json_node_get_value_type(v) == G_TYPE_STRING)
				g_hash_table_insert(h, g_strdup(k->data), g_strdup(json_node_get_string(v)));
		}
		if (!vm_net_is_nic(h)) {
			g_hash_table_unref(h);
			continue;
		}
		g_ptr_array_add(maps, h);
		g_ptr_array_add(names, g_strdup(l->data));
	}
	return maps;
}

static bool is_macvtap(const char *ifname)
{
	g_autofree char *p = g_strdup_printf("/sys/class/net/%s/macvtap", ifname);

	return access(p, F_OK) == 0;
}

/* Deletes the macvtap @ifname when its address is @mac: a user's host_name may name another
 * instance's live macvtap (two VMs given the same one, or a copy), which is not ours. */
static void macvtap_delete(const char *ifname, const char *mac)
{
	const char *del[] = { "ip", "link", "del", ifname, NULL };
	g_autofree char *p = g_strdup_printf("/sys/class/net/%s/address", ifname);
	g_autofree char *addr = NULL, *err = NULL;

	if (!mac || !is_macvtap(ifname) || !g_file_get_contents(p, &addr, NULL, NULL))
		return;
	g_strstrip(addr);
	if (g_ascii_strcasecmp(addr, mac) != 0) {
		log_warning("Not deleting macvtap '%s': its address %s is not this nic's %s", ifname,
			    addr, mac);
		return;
	}
	if (run_tool(del, NULL, &err) < 0)
		log_error("Cannot delete macvtap '%s': %s", ifname, err);
}

/* The MAC nic @dev (config @d) of an instance with @config has had: hwaddr or the stored
 * volatile key; NULL when it never got one. */
static const char *nic_known_mac(GHashTable *config, const char *dev, GHashTable *d)
{
	g_autofree char *key = nic_volatile_hwaddr_key(dev);
	const char *v = g_hash_table_lookup(d, "hwaddr");

	return v ? v : g_hash_table_lookup(config, key);
}

/* Creates the macvtap @ifname (mode bridge, address @mac, MTU @mtu when > 0) on @parent, sets
 * it up and opens its /dev/tapN. 0 and *ret_fd, or -errno with *ret_err; nothing left behind. */
static int macvtap_open(const char *ifname, const char *parent, const char *mac, unsigned mtu,
			int *ret_fd, char **ret_err)
{
	g_autofree char *mtus = g_strdup_printf("%u", mtu), *dev = NULL;
	/* "mtu N" (only when asked: else the parent's) goes before "type" */
	const char *add[] = { "ip", "link", "add", "link", parent, "name", ifname, "address", mac,
			      mtu ? "mtu" : "type", mtu ? mtus : "macvtap", mtu ? "type" : "mode",
			      mtu ? "macvtap" : "bridge", mtu ? "mode" : NULL, "bridge", NULL };
	const char *up[] = { "ip", "link", "set", ifname, "up", NULL };
	unsigned idx;
	int fd = -1, r;

	if (if_nametoindex(parent) == 0) {
		*ret_err = g_strdup_printf("network device %s missing", parent);
		return -ENODEV;
	}
	macvtap_delete(ifname, mac);	/* left by this VM's QEMU that exited by itself */
	if (if_nametoindex(ifname) != 0) {
		*ret_err = g_strdup_printf("host interface '%s' already exists", ifname);
		return -EEXIST;
	}
	r = run_tool(add, NULL, ret_err);
	if (r < 0)
		return r;
	r = run_tool(up, NULL, ret_err);
	idx = if_nametoindex(ifname);
	dev = g_strdup_printf("/dev/tap%u", idx);
	/* devtmpfs makes the node when the link registers; give it a moment */
	for (int i = 0; r >= 0 && fd < 0 && i < 20; i++) {
		fd = open(dev, O_RDWR | O_CLOEXEC);
		if (fd < 0 && errno != ENOENT) {
			r = -errno;
			*ret_err = g_strdup_printf("cannot open %s: %s", dev, g_strerror(errno));
		} else if (fd < 0) {
			g_usleep(50 * 1000);
		}
	}
	if (r >= 0 && fd < 0) {
		r = -ENOENT;
		*ret_err = g_strdup_printf("%s of macvtap '%s' did not appear", dev, ifname);
	}
	if (r < 0) {
		macvtap_delete(ifname, mac);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

/* The host side of nic @dev (config @d, MAC @mac): a tap on the bridge or a macvtap */
static int nic_host_open(const char *dev, GHashTable *d, const char *host, const char *mac,
			 int *ret_fd, bool *ret_macvtap, char **ret_err)
{
	const char *parent = g_hash_table_lookup(d, "parent");
	g_autofree char *err = NULL;
	bool mv = g_strcmp0(g_hash_table_lookup(d, "nictype"), "macvlan") == 0;
	int r;

	*ret_macvtap = mv;
	r = mv ? macvtap_open(host, parent ? parent : "", mac, nic_mtu(d), ret_fd, &err) :
		 tap_open_on_bridge(host, parent ? parent : "", nic_mtu(d), ret_fd, &err);
	if (r < 0)
		*ret_err = g_strdup_printf("device '%s': %s", dev, err);
	return r;
}

void vm_net_release(struct mgr *m, const char *name)
{
	g_autoptr(instance_row_t) row = NULL;
	g_autoptr(GPtrArray) names = NULL, maps = NULL;

	if (inst_db_get(m->db, name, &row) < 0)
		return;
	maps = nic_maps(row->devices, &names);
	for (guint i = 0; i < maps->len; i++) {
		GHashTable *d = maps->pdata[i];
		g_autofree char *host = NULL;

		if (g_strcmp0(g_hash_table_lookup(d, "nictype"), "macvlan") != 0)
			continue;
		host = nic_host_name(name, names->pdata[i], d);
		macvtap_delete(host, nic_known_mac(row->config, names->pdata[i], d));
	}
}

int vm_net_open(struct mgr *m, const struct instance_row *row, GPtrArray **ret_nics,
		char **ret_err)
{
	g_autoptr(GPtrArray) names = NULL;
	g_autoptr(GPtrArray) maps = nic_maps(row->devices, &names);
	g_autoptr(GPtrArray) nics = g_ptr_array_new_with_free_func(vm_nic_free);
	g_autoptr(GHashTable) cfg = NULL;
	int r;

	for (guint i = 0; i < maps->len; i++) {
		GHashTable *d = maps->pdata[i];
		const char *dev = names->pdata[i], *parent = g_hash_table_lookup(d, "parent");
		struct vm_nic *n;

		n = g_new0(struct vm_nic, 1);
		n->fd = -EBADF;
		n->dev = g_strdup(dev);
		n->tap = nic_host_name(row->name, dev, d);
		n->mac = nic_mac(row, dev, d, &cfg);
		g_ptr_array_add(nics, n);
		r = nic_host_open(dev, d, n->tap, n->mac, &n->fd, &n->macvtap, ret_err);
		if (r < 0)
			goto fail;
		log_info("VM '%s': nic '%s' is %s %s on %s, MAC %s", row->name, dev,
			 n->macvtap ? "macvtap" : "tap", n->tap, parent, n->mac);
	}
	if (cfg) {
		r = inst_db_update(m->db, row->name, row->description, cfg, row->devices,
				   row->ephemeral);
		if (r < 0) {
			*ret_err = g_strdup_printf("cannot store the MAC addresses of '%s'", row->name);
			goto fail;
		}
	}
	*ret_nics = g_steal_pointer(&nics);
	return 0;
fail:
	/* taps go with their descriptors; macvtaps are links */
	for (guint i = 0; i < nics->len; i++) {
		struct vm_nic *n = nics->pdata[i];

		if (n->macvtap && n->fd >= 0) {
			close(n->fd);
			n->fd = -EBADF;
			macvtap_delete(n->tap, n->mac);
		}
	}
	return r;
}

char **vm_net_argv(char **argv, GPtrArray *nics)
{
	GPtrArray *a = g_ptr_array_new();

	for (size_t i = 0; argv[i]; i++)
		g_ptr_array_add(a, argv[i]);
	g_free(argv);	/* the strings moved to a */
	for (unsigned i = 0; i < HOTPLUG_PORTS; i++) {
		g_ptr_array_add(a, g_strdup("-device"));
		g_ptr_array_add(a, g_strdup_printf("pcie-root-port,id=lxkit-port-%u,chassis=%u", i,
						   i + 1));
	}
	for (guint i = 0; nics && i < nics->len; i++) {
		const struct vm_nic *n = nics->pdata[i];

		g_ptr_array_add(a, g_strdup("-netdev"));
		g_ptr_array_add(a, g_strdup_printf("tap,id=lxkit-net-%s,fd=%u", n->dev, 3 + i));
		g_ptr_array_add(a, g_strdup("-device"));
		g_ptr_array_add(a, g_strdup_printf("virtio-net-pci,id=lxkit-dev-%s,netdev=lxkit-net-%s,"
						   "mac=%s", n->dev, n->dev, n->mac));
	}
	g_ptr_array_add(a, NULL);
	return (char **) g_ptr_array_free(a, FALSE);
}

int vm_net_spawn(char **argv, GPtrArray *nics, char **ret_err)
{
	g_autoptr(GSubprocessLauncher) l =
		g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
					  G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autoptr(GSubprocess) p = NULL;
	g_autoptr(GError) gerr = NULL;
	g_autofree char *err = NULL;

	for (guint i = 0; nics && i < nics->len; i++) {
		struct vm_nic *n = nics->pdata[i];

		g_subprocess_launcher_take_fd(l, n->fd, (int) (3 + i));
		n->fd = -EBADF;
	}
	p = g_subprocess_launcher_spawnv(l, (const char *const *) argv, &gerr);
	g_clear_object(&l);	/* closes our copies of the descriptors */
	if (!p) {
		*ret_err = g_strdup_printf("cannot run '%s': %s", argv[0], gerr->message);
		return g_error_matches(gerr, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT) ? -ENOENT : -EIO;
	}
	if (!g_subprocess_communicate_utf8(p, NULL, NULL, NULL, &err, &gerr)) {
		*ret_err = g_strdup_printf("'%s': %s", argv[0], gerr->message);
		return -EIO;
	}
	if (!g_subprocess_get_successful(p)) {
		g_strstrip(err);
		for (char *c = err; *c; c++)
			if (*c == '\n')
				*c = ' ';
		*ret_err = g_strdup_printf("'%s' failed: %s", argv[0], *err ? err : "(no output)");
		return -EIO;
	}
	return 0;
}

/* ---- QMP ---- */

/* {"execute": @cmd, "arguments": {k1: v1, ...}} from NULL-terminated key/value strings */
static char *qmp_cmd(const char *cmd, ...) G_GNUC_NULL_TERMINATED;
static char *qmp_cmd(const char *cmd, ...)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) g = json_generator_new();
	g_autoptr(JsonNode) root = NULL;
	const char *k;
	va_list ap;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "execute");
	json_builder_add_string_value(b, cmd);
	json_builder_set_member_name(b, "arguments");
	json_builder_begin_object(b);
	va_start(ap, cmd);
	while ((k = va_arg(ap, const char *))) {
		json_builder_set_member_name(b, k);
		json_builder_add_string_value(b, va_arg(ap, const char *));
	}
	va_end(ap);
	json_builder_end_object(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(g, root);
	return json_generator_to_data(g, NULL);
}

static char *qmp_sock(struct mgr *m, const char *inst)
{
	return g_build_filename(m->runtime_dir, "vms", inst, "qmp.sock", NULL);
}

/* The MAC of nic @dev of @inst; a new one is stored as volatile.DEV.hwaddr (*ret_added) */
static int store_mac(struct mgr *m, const char *inst, const char *dev, char **ret_mac,
		     bool *ret_added, GHashTable *d, char **ret_err)
{
	g_autoptr(instance_row_t) row = NULL;
	g_autoptr(GHashTable) cfg = NULL;
	int r;

	r = inst_db_get(m->db, inst, &row);
	if (r < 0) {
		*ret_err = g_strdup_printf("instance '%s' not found", inst);
		return r;
	}
	*ret_mac = nic_mac(row, dev, d, &cfg);
	*ret_added = cfg != NULL;
	if (cfg) {
		r = inst_db_update(m->db, inst, row->description, cfg, row->devices, row->ephemeral);
		if (r < 0) {
			*ret_err = g_strdup_printf("cannot store the MAC address of '%s'", dev);
			return r;
		}
	}
	return 0;
}

static int vm_nic_attach(struct mgr *m, const char *inst, const char *dev, GHashTable *d,
			 char **ret_err)
{
	g_autofree char *tap = nic_host_name(inst, dev, d), *mac = NULL, *sock = qmp_sock(m, inst);
	g_autofree char *fdname = g_strdup_printf("lxkit-fd-%s", dev), *cmd = NULL;
	g_autofree char *netid = g_strdup_printf("lxkit-net-%s", dev);
	g_autofree char *devid = g_strdup_printf("lxkit-dev-%s", dev);
	const char *parent = g_hash_table_lookup(d, "parent");
	g_autoptr(qmp_t) q = NULL;
	bool mv = false, added = false, opened = false;
	int fd = -EBADF, r;

	r = store_mac(m, inst, dev, &mac, &added, d, ret_err);
	if (r < 0)
		return r;
	r = nic_host_open(dev, d, tap, mac, &fd, &mv, ret_err);
	if (r < 0)
		goto fail;
	opened = true;
	r = qmp_connect(sock, QMP_TIMEOUT_MS, &q, ret_err);
	if (r >= 0)
		r = qmp_getfd(q, fdname, fd, QMP_TIMEOUT_MS, ret_err);
	close(fd);	/* QEMU holds its own copy now; a tap goes when QEMU drops it */
	fd = -EBADF;
	if (r < 0)
		goto fail;
	cmd = qmp_cmd("netdev_add", "type", "tap", "id", netid, "fd", fdname, NULL);
	r = qmp_execute(q, cmd, QMP_TIMEOUT_MS, NULL, ret_err);
	if (r < 0) {
		g_autofree char *c2 = qmp_cmd("closefd", "fdname", fdname, NULL), *e2 = NULL;

		(void) qmp_execute(q, c2, QMP_TIMEOUT_MS, NULL, &e2);
		goto fail;
	}
	/* the first free hotplug port; a taken one is an error reply */
	for (unsigned i = 0; i < HOTPLUG_PORTS; i++) {
		g_autofree char *bus = g_strdup_printf("lxkit-port-%u", i);

		g_free(cmd);
		g_clear_pointer(ret_err, g_free);
		cmd = qmp_cmd("device_add", "driver", "virtio-net-pci", "id", devid, "netdev", netid,
			      "mac", mac, "bus", bus, NULL);
		r = qmp_execute(q, cmd, QMP_TIMEOUT_MS, NULL, ret_err);
		if (r >= 0)
			break;
	}
	if (r < 0) {
		g_autofree char *c2 = qmp_cmd("netdev_del", "id", netid, NULL), *e2 = NULL;
		char *msg = g_strdup_printf("cannot add nic '%s' to QEMU (%u hotplug ports): %s", dev,
					    HOTPLUG_PORTS, *ret_err);

		g_free(*ret_err);
		*ret_err = msg;
		(void) qmp_execute(q, c2, QMP_TIMEOUT_MS, NULL, &e2);
		goto fail;
	}
	log_info("VM '%s': nic '%s' hot-added as %s %s on %s, MAC %s", inst, dev,
		 mv ? "macvtap" : "tap", tap, parent, mac);
	return 0;
fail:
	if (mv && opened)
		macvtap_delete(tap, mac);
	if (added)	/* nothing changed: not even the MAC */
		nic_remove(m, inst, dev, d);
	return r;
}

static int vm_nic_detach(struct mgr *m, const char *inst, const char *dev, GHashTable *d,
			 char **ret_err)
{
	g_autofree char *sock = qmp_sock(m, inst), *devid = g_strdup_printf("lxkit-dev-%s", dev);
	g_autofree char *netid = g_strdup_printf("lxkit-net-%s", dev), *cmd = NULL;
	g_autoptr(qmp_t) q = NULL;
	int r;

	r = qmp_connect(sock, QMP_TIMEOUT_MS, &q, ret_err);
	if (r < 0)
		return r;
	cmd = qmp_cmd("device_del", "id", devid, NULL);
	r = qmp_execute(q, cmd, QMP_TIMEOUT_MS, NULL, ret_err);
	if (r < 0 && *ret_err && strstr(*ret_err, "not found")) {
		/* an earlier removal timed out and the guest released the nic since */
		g_clear_pointer(ret_err, g_free);
		r = 1;
	} else if (r >= 0) {
		r = qmp_wait_event(q, "DEVICE_DELETED", devid,
				   vm_detach_timeout_s(NIC_DETACH_TIMEOUT_MS / 1000) * 1000, ret_err);
	}
	if (r < 0) {
		char *msg = g_strdup_printf("the guest did not release nic '%s' (%s): it stays "
					    "attached and configured; QEMU completes the removal "
					    "when the guest releases it, remove it again then", dev,
					    *ret_err);

		g_free(*ret_err);
		*ret_err = msg;
		return r;
	}
	g_free(cmd);
	cmd = qmp_cmd("netdev_del", "id", netid, NULL);
	r = qmp_execute(q, cmd, QMP_TIMEOUT_MS, NULL, ret_err);	/* a tap goes with it */
	if (r >= 0 && g_strcmp0(g_hash_table_lookup(d, "nictype"), "macvlan") == 0) {
		g_autofree char *host = nic_host_name(inst, dev, d);
		g_autoptr(instance_row_t) row = NULL;

		if (inst_db_get(m->db, inst, &row) >= 0)
			macvtap_delete(host, nic_known_mac(row->config, dev, d));
	}
	return r;
}

/* ---- containers: iproute2 in the container's network namespace ---- */

/* Adds nic @dev (config @d, MAC @hw) to the running container @inst (init @pid) */
static int ct_nic_attach(const char *inst, pid_t pid, const char *dev, GHashTable *d,
			 const char *hw, char **ret_err)
{
	const char *nictype = g_hash_table_lookup(d, "nictype"), *parent = g_hash_table_lookup(d, "parent");
	const char *name = g_hash_table_lookup(d, "name");
	const char *mtu = g_hash_table_lookup(d, "mtu");
	g_autofree char *host = nic_host_name(inst, dev, d), *ns = g_strdup_printf("%d", (int) pid);
	g_autofree char *nsopt = g_strdup_printf("--net=/proc/%d/ns/net", (int) pid), *e2 = NULL;
	g_autoptr(GPtrArray) a = g_ptr_array_new();
	bool bridged = g_strcmp0(nictype, "bridged") == 0;
	int r;

	if (!name)
		name = dev;
	if (!parent || if_nametoindex(parent) == 0) {
		*ret_err = g_strdup_printf("device '%s': network device %s missing", dev, parent);
		return -ENODEV;
	}
	if (bridged && !tap_is_bridge(parent)) {
		*ret_err = g_strdup_printf("device '%s': parent '%s' is not a bridge", dev, parent);
		return -EINVAL;
	}
	g_ptr_array_add(a, "ip");
	g_ptr_array_add(a, "link");
	g_ptr_array_add(a, "add");
	if (bridged) {
		g_ptr_array_add(a, host);
		g_ptr_array_add(a, "type");
		g_ptr_array_add(a, "veth");
		g_ptr_array_add(a, "peer");
	} else {
		g_ptr_array_add(a, "link");
		g_ptr_array_add(a, (char *) parent);
	}
	g_ptr_array_add(a, "name");
	g_ptr_array_add(a, (char *) name);
	if (hw) {
		g_ptr_array_add(a, "address");
		g_ptr_array_add(a, (char *) hw);
	}
	if (mtu) {
		g_ptr_array_add(a, "mtu");
		g_ptr_array_add(a, (char *) mtu);
	}
	g_ptr_array_add(a, "netns");
	g_ptr_array_add(a, ns);
	if (!bridged) {
		g_ptr_array_add(a, "type");
		g_ptr_array_add(a, "macvlan");
		g_ptr_array_add(a, "mode");
		g_ptr_array_add(a, "bridge");
	}
	g_ptr_array_add(a, NULL);
	r = run_tool((const char *const *) a->pdata, NULL, ret_err);
	if (r < 0)
		return r;
	if (bridged) {
		const char *up[] = { "ip", "link", "set", host, "master", parent, "up", NULL };

		r = run_tool(up, NULL, ret_err);
	}
	if (r >= 0) {
		const char *up[] = { "nsenter", nsopt, "ip", "link", "set", name, "up", NULL };

		r = run_tool(up, NULL, ret_err);
	}
	if (r < 0) {
		const char *del[] = { "nsenter", nsopt, "ip", "link", "del", name, NULL };

		if (run_tool(del, NULL, &e2) < 0)
			log_error("Instance '%s': cannot undo nic '%s': %s", inst, dev, e2);
		return r;
	}
	log_info("Instance '%s': nic '%s' hot-added as %s (%s on %s)", inst, dev, name,
		 bridged ? host : "macvlan", parent);
	return 0;
}

static int ct_nic_detach(const char *inst, pid_t pid, const char *dev, GHashTable *d,
			 char **ret_err)
{
	const char *name = g_hash_table_lookup(d, "name");
	g_autofree char *nsopt = g_strdup_printf("--net=/proc/%d/ns/net", (int) pid);
	const char *del[] = { "nsenter", nsopt, "ip", "link", "del", name ? name : dev, NULL };
	int r;

	r = run_tool(del, NULL, ret_err);
	if (r >= 0)
		log_info("Instance '%s': nic '%s' removed", inst, dev);
	return r;
}

/* ---- the vtable ---- */

bool nic_can_hotplug(bool vm)
{
	(void) vm;
	return true;
}

int nic_add(struct mgr *m, bool vm, const char *dev, GHashTable *cfg, char **ret_err)
{
	g_autoptr(JsonObject) o = json_object_new();
	GHashTableIter it;
	gpointer k, v;

	(void) m;
	g_hash_table_iter_init(&it, cfg);
	while (g_hash_table_iter_next(&it, &k, &v))
		json_object_set_string_member(o, k, v);
	(void) vm;
	if (nic_device_check(dev, o, ret_err) < 0)
		return -EINVAL;
	return 0;
}

int nic_start(struct mgr *m, const char *inst, bool vm, pid_t pid, const char *dev,
	      GHashTable *cfg, char **ret_err)
{
	g_autofree char *mac = NULL;
	bool added = false;
	int r;

	if (vm)
		return vm_nic_attach(m, inst, dev, cfg, ret_err);
	/* the same stored MAC as the LXC lines of the next start give it (netdev.h) */
	r = store_mac(m, inst, dev, &mac, &added, cfg, ret_err);
	if (r < 0)
		return r;
	r = ct_nic_attach(inst, pid, dev, cfg, mac, ret_err);
	if (r < 0 && added)
		nic_remove(m, inst, dev, cfg);
	return r;
}

int nic_stop(struct mgr *m, const char *inst, bool vm, pid_t pid, const char *dev,
	     GHashTable *cfg, char **ret_err)
{
	if (vm)
		return vm_nic_detach(m, inst, dev, cfg, ret_err);
	return ct_nic_detach(inst, pid, dev, cfg, ret_err);
}

void nic_remove(struct mgr *m, const char *inst, const char *dev, GHashTable *cfg)
{
	g_autoptr(instance_row_t) row = NULL;
	g_autofree char *key = nic_volatile_hwaddr_key(dev);

	(void) cfg;
	if (inst_db_get(m->db, inst, &row) < 0 || !g_hash_table_contains(row->config, key))
		return;
	g_hash_table_remove(row->config, key);
	if (inst_db_update(m->db, inst, row->description, row->config, row->devices,
			   row->ephemeral) < 0)
		log_error("Instance '%s': cannot drop %s", inst, key);
}
