/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host side of a nic (issue 11 item 4): tap devices on a bridge for VMs, the names and MAC
 * addresses they get. Privileged (STYLE rule 3): opens /dev/net/tun and changes links. */
#pragma once

#include <stdbool.h>

/* The host interface name of nic @dev of instance @inst: "lxkt" followed by 11 hex digits of a
 * SHA-256 of "@inst/@dev" (15 bytes, stable across starts and manager restarts). Caller
 * g_free()s. Pure. */
char *tap_name(const char *inst, const char *dev);

/* A new random MAC address "00:16:3e:xx:xx:xx" (the prefix LXD uses). Caller g_free()s. */
char *tap_mac_random(void);

/* Whether @ifname is a bridge on the host (/sys/class/net/@ifname/bridge exists). */
bool tap_is_bridge(const char *ifname);

/* Creates the tap device @ifname (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, not persistent: the
 * kernel removes it when its last file descriptor is closed, so it goes when QEMU exits),
 * sets its MTU to @mtu when @mtu > 0, makes it a port of bridge @bridge and sets it up.
 * Returns 0 and *ret_fd (the /dev/net/tun descriptor, O_CLOEXEC), or a negative errno with
 * *ret_err (caller g_free()s): -ENODEV when @bridge does not exist, -EINVAL when it is not a
 * bridge, -EEXIST when @ifname is taken, else the ioctl's errno. Nothing is left on failure. */
int tap_open_on_bridge(const char *ifname, const char *bridge, unsigned mtu, int *ret_fd,
		       char **ret_err);
