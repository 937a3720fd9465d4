/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of manager/netdev.c and the message parser of manager/netlink.c (issue 11, spec
 * §4.4, §7): nic device checks, the parents an instance waits for, the LXC network lines of its
 * nics, the autostart settings and order, the waiting reasons, and rtnetlink link messages
 * built in a buffer (RTM_NEWLINK, RTM_DELLINK, other types, a truncated one). */
#include <check.h>
#include <errno.h>
#include <glib.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "check-main.h"
#include "netdev.h"
#include "netlink.h"

static const struct {
	const char *json;	/* the device object */
	int r;
	const char *err_has;
} nic_cases[] = {
	{ "{\"type\":\"nic\",\"nictype\":\"bridged\",\"parent\":\"br0\"}", 0, NULL },
	{ "{\"type\":\"nic\",\"nictype\":\"macvlan\",\"parent\":\"eth0\",\"name\":\"eth1\","
	  "\"hwaddr\":\"00:16:3e:aa:bb:cc\",\"mtu\":\"1400\",\"host_name\":\"vethx\"}", 0, NULL },
	{ "{\"type\":\"nic\",\"nictype\":\"routed\",\"parent\":\"br0\"}", -EINVAL, "nictype 'routed'" },
	{ "{\"type\":\"nic\",\"parent\":\"br0\"}", -EINVAL, "'nictype' is required" },
	{ "{\"type\":\"nic\",\"nictype\":\"bridged\"}", -EINVAL, "'parent' is required" },
	{ "{\"type\":\"nic\",\"nictype\":\"bridged\",\"parent\":\"0123456789abcdef\"}", -EINVAL,
	  "invalid parent '0123456789abcdef'" },
	{ "{\"type\":\"nic\",\"nictype\":\"bridged\",\"parent\":\"0123456789abcde\"}", 0, NULL },
	{ "{\"type\":\"nic\",\"nictype\":\"bridged\",\"parent\":\"a/b\"}", -EINVAL, "invalid parent" },
	{ "{\"type\":\"nic\",\"nictype\":\"bridged\",\"parent\":\"a b\"}", -EINVAL, "invalid parent" },
	{ "{\"type\":\"nic\",\"nictype\":\"bridged\",\"parent\":\"\"}", -EINVAL, "invalid parent" },
	{ "{\"type\":\"nic\",\"nictype\":\"bridged\",\"parent\":\"br0\",\"mtu\":\"67\"}", -EINVAL,
	  "invalid mtu '67'" },
	{ "{\"type\":\"nic\",\"nictype\":\"bridged\",\"parent\":\"br0\",\"mtu\":\"65536\"}", -EINVAL,
	  "invalid mtu" },
	{ "{\"type\":\"nic\",\"nictype\":\"bridged\",\"parent\":\"br0\",\"mtu\":\"+1500\"}", -EINVAL,
	  "invalid mtu" },
	{ "{\"type\":\"nic\",\"nictype\":\"bridged\",\"parent\":\"br0\",\"hwaddr\":\"00:16:3e:aa:bb\"}",
	  -EINVAL, "invalid hwaddr" },
	{ "{\"type\":\"nic\",\"nictype\":\"bridged\",\"parent\":\"br0\",\"hwaddr\":\"00-16-3e-aa-bb-cc\"}",
	  -EINVAL, "invalid hwaddr" },
	{ "{\"type\":\"nic\",\"nictype\":\"bridged\",\"parent\":\"br0\",\"vlan\":\"5\"}", -EINVAL,
	  "unknown key 'vlan'" },
	{ "{\"type\":\"nic\",\"nictype\":\"bridged\",\"parent\":\"br0\",\"name\":\"e:1\"}", -EINVAL,
	  "invalid name 'e:1'" },
};

START_TEST(nic_check)
{
	g_autoptr(JsonParser) p = json_parser_new();
	g_autofree char *err = NULL;
	int r;

	ck_assert(json_parser_load_from_data(p, nic_cases[_i].json, -1, NULL));
	r = nic_device_check("eth0", json_node_get_object(json_parser_get_root(p)), &err);
	ck_assert_msg(r == nic_cases[_i].r, "%s: got %d (%s)", nic_cases[_i].json, r, err ? err : "");
	if (nic_cases[_i].err_has) {
		ck_assert_ptr_nonnull(err);
		ck_assert_msg(strstr(err, nic_cases[_i].err_has) && strstr(err, "device 'eth0'"),
			      "message '%s' lacks '%s'", err, nic_cases[_i].err_has);
	} else {
		ck_assert_ptr_null(err);
	}
}
END_TEST

#define DEVS "{\"root\":{\"type\":\"disk\",\"path\":\"/\",\"pool\":\"p\"}," \
	"\"net1\":{\"type\":\"nic\",\"nictype\":\"macvlan\",\"parent\":\"eth9\"}," \
	"\"eth0\":{\"type\":\"nic\",\"nictype\":\"bridged\",\"parent\":\"br0\",\"hwaddr\":\"00:16:3e:00:00:01\"," \
	"\"mtu\":\"1400\",\"host_name\":\"vh0\"}," \
	"\"eth2\":{\"type\":\"nic\",\"nictype\":\"bridged\",\"parent\":\"br0\",\"name\":\"lan\"}}"

START_TEST(parents)
{
	g_autoptr(GPtrArray) a = nic_parents(DEVS);
	g_autoptr(GPtrArray) none = nic_parents("{\"root\":{\"type\":\"disk\",\"path\":\"/\"}}");
	g_autoptr(GPtrArray) bad = nic_parents("not json");
	g_autoptr(GPtrArray) null = nic_parents(NULL);

	/* device-name order (eth0, eth2, net1), br0 once */
	ck_assert_uint_eq(a->len, 2);
	ck_assert_str_eq(a->pdata[0], "br0");
	ck_assert_str_eq(a->pdata[1], "eth9");
	ck_assert_uint_eq(none->len, 0);
	ck_assert_uint_eq(bad->len, 0);
	ck_assert_uint_eq(null->len, 0);
}
END_TEST

START_TEST(lxc_items)
{
	g_autofree char *s = nic_lxc_items(DEVS, NULL);
	g_autofree char *empty = nic_lxc_items("{}", NULL);

	ck_assert_str_eq(s,
		"lxc.net.0.type = veth\n"
		"lxc.net.0.veth.pair = vh0\n"
		"lxc.net.0.link = br0\n"
		"lxc.net.0.flags = up\n"
		"lxc.net.0.name = eth0\n"
		"lxc.net.0.hwaddr = 00:16:3e:00:00:01\n"
		"lxc.net.0.mtu = 1400\n"
		"lxc.net.1.type = veth\n"
		"lxc.net.1.link = br0\n"
		"lxc.net.1.flags = up\n"
		"lxc.net.1.name = lan\n"
		"lxc.net.2.type = macvlan\n"
		"lxc.net.2.macvlan.mode = bridge\n"
		"lxc.net.2.link = eth9\n"
		"lxc.net.2.flags = up\n"
		"lxc.net.2.name = net1\n");
	ck_assert_str_eq(empty, "lxc.net.0.type = empty\n");
}
END_TEST

/* a nic without hwaddr gets volatile.DEV.hwaddr as its LXC hwaddr; hwaddr wins over it */
START_TEST(volatile_macs)
{
	g_autoptr(GHashTable) cfg = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(GHashTable) carried = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
							      g_free);
	g_autoptr(GPtrArray) all = nic_macs_missing(DEVS, NULL);
	g_autoptr(GPtrArray) one = NULL, none = NULL;
	g_autofree char *key = nic_volatile_hwaddr_key("eth2"), *s = NULL;

	ck_assert_str_eq(key, "volatile.eth2.hwaddr");
	/* eth0 has hwaddr; root is no nic */
	ck_assert_uint_eq(all->len, 2);
	ck_assert_str_eq(all->pdata[0], "eth2");
	ck_assert_str_eq(all->pdata[1], "net1");

	g_hash_table_insert(cfg, g_strdup("volatile.eth2.hwaddr"), g_strdup("00:16:3e:0a:0b:0c"));
	g_hash_table_insert(cfg, g_strdup("volatile.eth0.hwaddr"), g_strdup("00:16:3e:ff:ff:ff"));
	g_hash_table_insert(cfg, g_strdup("volatile.gone.hwaddr"), g_strdup("00:16:3e:01:01:01"));
	one = nic_macs_missing(DEVS, cfg);
	ck_assert_uint_eq(one->len, 1);
	ck_assert_str_eq(one->pdata[0], "net1");
	g_hash_table_insert(cfg, g_strdup("volatile.net1.hwaddr"), g_strdup("00:16:3e:0d:0e:0f"));
	none = nic_macs_missing(DEVS, cfg);
	ck_assert_uint_eq(none->len, 0);

	s = nic_lxc_items(DEVS, cfg);
	ck_assert_str_eq(s,
		"lxc.net.0.type = veth\n"
		"lxc.net.0.veth.pair = vh0\n"
		"lxc.net.0.link = br0\n"
		"lxc.net.0.flags = up\n"
		"lxc.net.0.name = eth0\n"
		"lxc.net.0.hwaddr = 00:16:3e:00:00:01\n"
		"lxc.net.0.mtu = 1400\n"
		"lxc.net.1.type = veth\n"
		"lxc.net.1.link = br0\n"
		"lxc.net.1.flags = up\n"
		"lxc.net.1.name = lan\n"
		"lxc.net.1.hwaddr = 00:16:3e:0a:0b:0c\n"
		"lxc.net.2.type = macvlan\n"
		"lxc.net.2.macvlan.mode = bridge\n"
		"lxc.net.2.link = eth9\n"
		"lxc.net.2.flags = up\n"
		"lxc.net.2.name = net1\n"
		"lxc.net.2.hwaddr = 00:16:3e:0d:0e:0f\n");

	/* an update keeps the MACs of the nics it keeps; a removed nic's (gone) is not carried,
	 * and a key the new config has already stays as it is */
	g_hash_table_insert(carried, g_strdup("volatile.net1.hwaddr"), g_strdup("00:16:3e:99:99:99"));
	g_hash_table_insert(carried, g_strdup("user.x"), g_strdup("1"));
	nic_volatile_carry(carried, cfg, DEVS);
	ck_assert_uint_eq(g_hash_table_size(carried), 4);
	ck_assert_str_eq(g_hash_table_lookup(carried, "volatile.eth2.hwaddr"), "00:16:3e:0a:0b:0c");
	ck_assert_str_eq(g_hash_table_lookup(carried, "volatile.eth0.hwaddr"), "00:16:3e:ff:ff:ff");
	ck_assert_str_eq(g_hash_table_lookup(carried, "volatile.net1.hwaddr"), "00:16:3e:99:99:99");
	ck_assert_ptr_null(g_hash_table_lookup(carried, "volatile.gone.hwaddr"));
	nic_volatile_carry(carried, NULL, DEVS);	/* no old config: nothing changes */
	ck_assert_uint_eq(g_hash_table_size(carried), 4);
}
END_TEST

START_TEST(config_replace)
{
	g_autofree char *a = nic_lxc_config_replace(
		"lxc.uts.name = c1\nlxc.net.0.type = empty\n  lxc.net.1.link = x\nlxc.rootfs.path = dir:/r\n",
		"lxc.net.0.type = veth\n");
	g_autofree char *b = nic_lxc_config_replace(a, "lxc.net.0.type = veth\n");
	g_autofree char *c = nic_lxc_config_replace("", "lxc.net.0.type = empty\n");

	ck_assert_str_eq(a, "lxc.uts.name = c1\nlxc.rootfs.path = dir:/r\nlxc.net.0.type = veth\n");
	ck_assert_str_eq(b, a);	/* idempotent: a second start changes nothing */
	ck_assert_str_eq(c, "lxc.net.0.type = empty\n");
}
END_TEST

START_TEST(settings_and_order)
{
	g_autoptr(GHashTable) cfg = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GPtrArray) c = g_ptr_array_new_with_free_func(autostart_cand_free);
	static const struct { const char *name; int64_t prio; } in[] = {
		{ "b", 0 }, { "a", 0 }, { "z", 10 }, { "m", -5 }, { "B", 0 }, { "y", 10 },
	};
	static const char *const want[] = { "y", "z", "B", "a", "b", "m" };
	bool en;
	int64_t prio, delay;

	autostart_settings(cfg, &en, &prio, &delay);
	ck_assert(!en);
	ck_assert_int_eq(prio, 0);
	ck_assert_int_eq(delay, 0);
	g_hash_table_insert(cfg, "boot.autostart", "true");
	g_hash_table_insert(cfg, "boot.autostart.priority", "-3");
	g_hash_table_insert(cfg, "boot.autostart.delay", "7");
	autostart_settings(cfg, &en, &prio, &delay);
	ck_assert(en);
	ck_assert_int_eq(prio, -3);
	ck_assert_int_eq(delay, 7);
	g_hash_table_insert(cfg, "boot.autostart", "false");
	autostart_settings(cfg, &en, &prio, &delay);
	ck_assert(!en);
	autostart_settings(NULL, &en, &prio, &delay);
	ck_assert(!en);

	for (size_t i = 0; i < G_N_ELEMENTS(in); i++) {
		struct autostart_cand *x = g_new0(struct autostart_cand, 1);

		x->name = g_strdup(in[i].name);
		x->priority = in[i].prio;
		g_ptr_array_add(c, x);
	}
	g_ptr_array_sort(c, autostart_cand_cmp);
	for (size_t i = 0; i < G_N_ELEMENTS(want); i++)
		ck_assert_str_eq(((struct autostart_cand *) c->pdata[i])->name, want[i]);
}
END_TEST

START_TEST(reasons)
{
	g_autoptr(GPtrArray) a = g_ptr_array_new();
	g_autofree char *one = NULL, *two = NULL;

	g_ptr_array_add(a, "br-late");
	one = autostart_waiting_reason("network", a);
	g_ptr_array_add(a, "eth9");
	two = autostart_waiting_reason("storage", a);
	ck_assert_str_eq(one, "waiting for network (br-late)");
	ck_assert_str_eq(two, "waiting for storage (br-late, eth9)");
}
END_TEST

/* ---- rtnetlink messages -------------------------------------------------------------------- */

/* Appends one link message of @type for @name (NULL: no IFLA_IFNAME) with @flags to @b */
static void put_link(GByteArray *b, uint16_t type, const char *name, unsigned flags)
{
	size_t nlen = name ? strlen(name) + 1 : 0;
	size_t len = NLMSG_LENGTH(sizeof(struct ifinfomsg)) + (name ? RTA_SPACE(nlen) : 0);
	g_autofree char *m = g_malloc0(NLMSG_ALIGN(len));
	struct nlmsghdr *h = (struct nlmsghdr *) m;
	struct ifinfomsg *ifi = NLMSG_DATA(h);

	h->nlmsg_len = (uint32_t) len;
	h->nlmsg_type = type;
	ifi->ifi_flags = flags;
	if (name) {
		struct rtattr *a = IFLA_RTA(ifi);

		a->rta_type = IFLA_IFNAME;
		a->rta_len = (unsigned short) RTA_LENGTH(nlen);
		memcpy(RTA_DATA(a), name, nlen);
	}
	g_byte_array_append(b, (guint8 *) m, (guint) NLMSG_ALIGN(len));
}

static void collect(const char *name, bool removed, bool up, void *userdata)
{
	g_string_append_printf(userdata, "%s:%s%s;", name, removed ? "del" : "new", up ? ",up" : "");
}

START_TEST(rtnl_links)
{
	g_autoptr(GByteArray) b = g_byte_array_new();
	g_autoptr(GString) got = g_string_new(NULL);
	int n;

	put_link(b, RTM_NEWLINK, "br-late", 0);
	put_link(b, RTM_NEWADDR, "br-late", 0);		/* not a link message: skipped */
	put_link(b, RTM_NEWLINK, "br-late", IFF_UP);
	put_link(b, RTM_NEWLINK, NULL, IFF_UP);		/* no name: skipped */
	put_link(b, RTM_DELLINK, "br-ok", 0);
	n = rtnl_parse_links(b->data, b->len, collect, got);
	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(got->str, "br-late:new;br-late:new,up;br-ok:del;");

	/* a datagram cut inside the second header: the first is reported, then -EBADMSG */
	g_string_truncate(got, 0);
	g_byte_array_set_size(b, 0);
	put_link(b, RTM_NEWLINK, "a", 0);
	put_link(b, RTM_NEWLINK, "b", 0);
	{
		size_t first = NLMSG_ALIGN(NLMSG_LENGTH(sizeof(struct ifinfomsg)) + RTA_SPACE(2));

		n = rtnl_parse_links(b->data, first + 8, collect, got);
	}
	ck_assert_int_eq(n, -EBADMSG);
	ck_assert_str_eq(got->str, "a:new;");
	/* an empty datagram is no link */
	ck_assert_int_eq(rtnl_parse_links(b->data, 0, collect, got), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("autostart");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, nic_check, 0, G_N_ELEMENTS(nic_cases));
	tcase_add_test(tc, parents);
	tcase_add_test(tc, lxc_items);
	tcase_add_test(tc, volatile_macs);
	tcase_add_test(tc, config_replace);
	tcase_add_test(tc, settings_and_order);
	tcase_add_test(tc, reasons);
	tcase_add_test(tc, rtnl_links);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(suite());
}
