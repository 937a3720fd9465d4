/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure parts of instance networking and autostart (netdev.h). */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "netdev.h"
#include "parse-util.h"

static int fail(char **ret_err, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static int fail(char **ret_err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	*ret_err = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	return -EINVAL;
}

bool nic_ifname_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 15 || streq(s, ".") || streq(s, ".."))
		return false;
	for (const char *p = s; *p; p++)
		if (*p == '/' || *p == ':' || g_ascii_isspace(*p) || (unsigned char) *p < 0x21 ||
		    (unsigned char) *p > 0x7e)
			return false;
	return true;
}

static bool hwaddr_valid(const char *s)
{
	if (strlen(s) != 17)
		return false;
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !g_ascii_isxdigit(s[i]))
			return false;
	return true;
}

static const char *member(JsonObject *d, const char *k)
{
	JsonNode *n = json_object_has_member(d, k) ? json_object_get_member(d, k) : NULL;

	if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(n);
}

int nic_device_check(const char *dname, JsonObject *d, char **ret_err)
{
	static const char *const keys[] = { "type", "nictype", "parent", "name", "hwaddr", "mtu",
					     "host_name", NULL };
	g_autoptr(GList) names = json_object_get_members(d);
	const char *nictype = member(d, "nictype"), *parent = member(d, "parent"), *v;

	for (GList *l = names; l; l = l->next)
		if (!g_strv_contains(keys, l->data))
			return fail(ret_err, "device '%s': unknown key '%s' for a nic (expected "
				    "nictype, parent, name, hwaddr, mtu, host_name)", dname,
				    (const char *) l->data);
	if (!nictype)
		return fail(ret_err, "device '%s': key 'nictype' is required (bridged or macvlan)", dname);
	if (!streq(nictype, "bridged") && !streq(nictype, "macvlan"))
		return fail(ret_err, "device '%s': invalid nictype '%s': expected bridged or macvlan",
			    dname, nictype);
	if (!parent)
		return fail(ret_err, "device '%s': key 'parent' is required", dname);
	if (!nic_ifname_valid(parent))
		return fail(ret_err, "device '%s': invalid parent '%s': an interface name of 1-15 "
			    "characters without '/', ':' or spaces", dname, parent);
	if ((v = member(d, "name")) && !nic_ifname_valid(v))
		return fail(ret_err, "device '%s': invalid name '%s': an interface name of 1-15 "
			    "characters without '/', ':' or spaces", dname, v);
	if ((v = member(d, "host_name")) && !nic_ifname_valid(v))
		return fail(ret_err, "device '%s': invalid host_name '%s': an interface name of 1-15 "
			    "characters without '/', ':' or spaces", dname, v);
	if ((v = member(d, "hwaddr")) && !hwaddr_valid(v))
		return fail(ret_err, "device '%s': invalid hwaddr '%s': expected six hex pairs like "
			    "00:16:3e:12:34:56", dname, v);
	if ((v = member(d, "mtu"))) {
		uint64_t n;

		if (!g_ascii_isdigit(v[0]) || safe_atou64(v, &n) < 0 || n < 68 || n > 65535)
			return fail(ret_err, "device '%s': invalid mtu '%s': expected 68 to 65535",
				    dname, v);
	}
	return 0;
}

/* The nic devices of @devices_json, sorted by name: a list of (name, JsonObject *) kept alive by
 * *ret_parser. */
static GList *nics_of(const char *devices_json, JsonParser **ret_parser, JsonObject **ret_root)
{
	g_autoptr(JsonParser) p = json_parser_new();
	JsonObject *root;
	GList *names, *out = NULL;

	if (!devices_json || !json_parser_load_from_data(p, devices_json, -1, NULL) ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)))
		return NULL;
	root = json_node_get_object(json_parser_get_root(p));
	names = json_object_get_members(root);
	for (GList *l = names; l; l = l->next) {
		JsonNode *n = json_object_get_member(root, l->data);

		if (JSON_NODE_HOLDS_OBJECT(n) && streq(member(json_node_get_object(n), "type"), "nic") &&
		    member(json_node_get_object(n), "parent"))
			out = g_list_prepend(out, l->data);
	}
	g_list_free(names);
	*ret_parser = g_steal_pointer(&p);
	*ret_root = root;
	return g_list_sort(out, (GCompareFunc) strcmp);
}

GPtrArray *nic_parents(const char *devices_json)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(JsonParser) p = NULL;
	JsonObject *root = NULL;
	GList *nics = nics_of(devices_json, &p, &root);

	for (GList *l = nics; l; l = l->next) {
		const char *parent = member(json_object_get_object_member(root, l->data), "parent");

		if (!g_ptr_array_find_with_equal_func(a, parent, g_str_equal, NULL))
			g_ptr_array_add(a, g_strdup(parent));
	}
	g_list_free(nics);
	return a;
}

char *nic_volatile_hwaddr_key(const char *dev)
{
	return g_strdup_printf("volatile.%s.hwaddr", dev);
}

/* The MAC of nic @dev (object @d): its hwaddr, else volatile.DEV.hwaddr of @config, else NULL */
static const char *nic_mac_of(const char *dev, JsonObject *d, GHashTable *config)
{
	g_autofree char *key = NULL;
	const char *v = member(d, "hwaddr");

	if (v || !config)
		return v;
	key = nic_volatile_hwaddr_key(dev);
	return g_hash_table_lookup(config, key);
}

GPtrArray *nic_macs_missing(const char *devices_json, GHashTable *config)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(JsonParser) p = NULL;
	JsonObject *root = NULL;
	GList *nics = nics_of(devices_json, &p, &root);

	for (GList *l = nics; l; l = l->next)
		if (!nic_mac_of(l->data, json_object_get_object_member(root, l->data), config))
			g_ptr_array_add(a, g_strdup(l->data));
	g_list_free(nics);
	return a;
}

void nic_volatile_carry(GHashTable *config, GHashTable *old, const char *devices_json)
{
	g_autoptr(JsonParser) p = NULL;
	JsonObject *root = NULL;
	GList *nics = nics_of(devices_json, &p, &root);

	for (GList *l = nics; old && l; l = l->next) {
		g_autofree char *key = nic_volatile_hwaddr_key(l->data);
		const char *v = g_hash_table_lookup(old, key);

		if (v && !g_hash_table_contains(config, key))
			g_hash_table_insert(config, g_steal_pointer(&key), g_strdup(v));
	}
	g_list_free(nics);
}

char *nic_lxc_items(const char *devices_json, GHashTable *config)
{
	g_autoptr(JsonParser) p = NULL;
	GString *s = g_string_new(NULL);
	JsonObject *root = NULL;
	GList *nics = nics_of(devices_json, &p, &root);
	unsigned i = 0;

	for (GList *l = nics; l; l = l->next, i++) {
		JsonObject *d = json_object_get_object_member(root, l->data);
		const char *v;

		if (streq(member(d, "nictype"), "macvlan")) {
			g_string_append_printf(s, "lxc.net.%u.type = macvlan\n", i);
			g_string_append_printf(s, "lxc.net.%u.macvlan.mode = bridge\n", i);
		} else {
			g_string_append_printf(s, "lxc.net.%u.type = veth\n", i);
			if ((v = member(d, "host_name")))
				g_string_append_printf(s, "lxc.net.%u.veth.pair = %s\n", i, v);
		}
		g_string_append_printf(s, "lxc.net.%u.link = %s\n", i, member(d, "parent"));
		g_string_append_printf(s, "lxc.net.%u.flags = up\n", i);
		v = member(d, "name");
		g_string_append_printf(s, "lxc.net.%u.name = %s\n", i, v ? v : (const char *) l->data);
		if ((v = nic_mac_of(l->data, d, config)))
			g_string_append_printf(s, "lxc.net.%u.hwaddr = %s\n", i, v);
		if ((v = member(d, "mtu")))
			g_string_append_printf(s, "lxc.net.%u.mtu = %s\n", i, v);
	}
	if (!nics)
		g_string_append(s, "lxc.net.0.type = empty\n");
	g_list_free(nics);
	return g_string_free(s, FALSE);
}

char *nic_lxc_config_replace(const char *config, const char *items)
{
	g_auto(GStrv) lines = g_strsplit(config ? config : "", "\n", -1);
	GString *s = g_string_new(NULL);

	for (size_t i = 0; lines[i]; i++) {
		const char *l = lines[i];

		while (*l == ' ' || *l == '\t')
			l++;
		if (startswith(l, "lxc.net.") || (!*l && !lines[i + 1]))
			continue;
		g_string_append_printf(s, "%s\n", lines[i]);
	}
	g_string_append(s, items);
	return g_string_free(s, FALSE);
}

void autostart_settings(GHashTable *config, bool *ret_enabled, int64_t *ret_priority,
			int64_t *ret_delay)
{
	const char *a = config ? g_hash_table_lookup(config, "boot.autostart") : NULL;
	const char *p = config ? g_hash_table_lookup(config, "boot.autostart.priority") : NULL;
	const char *d = config ? g_hash_table_lookup(config, "boot.autostart.delay") : NULL;
	int64_t n;

	*ret_enabled = a && streq(a, "true");
	*ret_priority = p && safe_atoi64(p, &n) >= 0 ? n : 0;
	*ret_delay = d && safe_atoi64(d, &n) >= 0 && n >= 0 ? n : 0;
}

int autostart_cand_cmp(gconstpointer a, gconstpointer b)
{
	const struct autostart_cand *x = *(struct autostart_cand *const *) a;
	const struct autostart_cand *y = *(struct autostart_cand *const *) b;

	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	return strcmp(x->name, y->name);
}

void autostart_cand_free(gpointer p)
{
	struct autostart_cand *c = p;

	if (!c)
		return;
	g_free(c->name);
	g_free(c);
}

char *autostart_waiting_reason(const char *kind, GPtrArray *names)
{
	GString *s = g_string_new(NULL);

	g_string_append_printf(s, "waiting for %s (", kind);
	for (guint i = 0; i < names->len; i++)
		g_string_append_printf(s, "%s%s", i ? ", " : "", (const char *) names->pdata[i]);
	g_string_append_c(s, ')');
	return g_string_free(s, FALSE);
}
