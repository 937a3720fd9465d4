/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure parts of instance networking and autostart (spec manager-api.md §4.4, §7): checks of a
 * `nic` device, the network parents an instance needs, the LXC config lines of its nics, the
 * boot.autostart settings and the autostart order. No I/O. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>

/* Checks the nic device @dname (an object of strings, "type": "nic"): nictype "bridged" or
 * "macvlan" and parent are required; name, hwaddr, mtu, host_name are optional; other keys are
 * refused. Interface names are 1-15 characters without '/', ':', whitespace; hwaddr is
 * six hex pairs joined by ':'; mtu is 68 to 65535. Returns 0, or -EINVAL with *ret_err naming
 * the device, key and value (caller g_free()s). The parent need not exist (§4.1). */
int nic_device_check(const char *dname, JsonObject *d, char **ret_err);

/* Whether @s can be a Linux interface name (1-15 bytes, no '/', ':' or whitespace, not "."). */
bool nic_ifname_valid(const char *s);

/* The distinct `parent`s of the nic devices in @devices_json (a JSON object text: device name ->
 * object), in device-name byte order. Never NULL (empty when there is no nic or the text does
 * not parse); caller g_ptr_array_unref()s. */
GPtrArray *nic_parents(const char *devices_json);

/* The LXC config lines ("lxc.net.N.key = value\n") of the nic devices in @devices_json in
 * device-name order: veth on the bridge for bridged, macvlan (mode bridge) on the parent for
 * macvlan; "lxc.net.0.type = empty\n" (a namespace with lo only) when there is none. The
 * interface inside is `name`, else the device name. The MAC (lxc.net.N.hwaddr) is `hwaddr`,
 * else `volatile.DEV.hwaddr` of the instance's @config (may be NULL), else none (LXC picks a
 * random one). Caller g_free()s. */
char *nic_lxc_items(const char *devices_json, GHashTable *config);

/* "volatile.@dev.hwaddr": the config key holding the generated MAC of nic @dev. Caller
 * g_free()s. */
char *nic_volatile_hwaddr_key(const char *dev);

/* The names of the nic devices of @devices_json that have neither `hwaddr` nor
 * `volatile.DEV.hwaddr` in @config (string -> string, may be NULL), in device-name order: those
 * that need a generated MAC. Never NULL; caller g_ptr_array_unref()s. */
GPtrArray *nic_macs_missing(const char *devices_json, GHashTable *config);

/* Copies `volatile.DEV.hwaddr` of @old (may be NULL) into @config (a table owning g_strdup()ed
 * keys and values) for every nic DEV of @devices_json that @config lacks: an update keeps the
 * MACs of the nics it keeps, and those of removed nics go. */
void nic_volatile_carry(GHashTable *config, GHashTable *old, const char *devices_json);

/* @config without its lxc.net.* lines, followed by @items. Caller g_free()s. */
char *nic_lxc_config_replace(const char *config, const char *items);

/* boot.autostart settings of an instance's @config (string -> string, already validated):
 * *ret_enabled is true only for boot.autostart=true; priority and delay (seconds) default to 0;
 * a value that does not parse counts as 0. */
void autostart_settings(GHashTable *config, bool *ret_enabled, int64_t *ret_priority,
			int64_t *ret_delay);

/* One autostart candidate, for ordering. */
struct autostart_cand {
	char *name;
	int64_t priority;
	int64_t delay;		/* seconds */
};

/* GCompareFunc for a GPtrArray of struct autostart_cand *: higher priority first, then name in
 * byte order (spec §7). */
int autostart_cand_cmp(gconstpointer a, gconstpointer b);
void autostart_cand_free(gpointer p);

/* "waiting for network (BR)" or, with several, "waiting for network (BR1, BR2)"; @kind is
 * "network" or "storage". Caller g_free()s. */
char *autostart_waiting_reason(const char *kind, GPtrArray *names);
