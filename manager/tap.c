/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tap devices on bridges (tap.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>

#include "tap.h"

/* if_nametoindex() without <net/if.h>, which clashes with <linux/if.h> */
extern unsigned int if_nametoindex(const char *ifname);

char *tap_name(const char *inst, const char *dev)
{
	g_autofree char *key = g_strdup_printf("%s/%s", inst, dev);
	g_autofree char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, key, -1);

	return g_strdup_printf("lxkt%.11s", sum);
}

char *tap_mac_random(void)
{
	return g_strdup_printf("00:16:3e:%02x:%02x:%02x", g_random_int_range(0, 256),
			       g_random_int_range(0, 256), g_random_int_range(0, 256));
}

bool tap_is_bridge(const char *ifname)
{
	g_autofree char *p = g_strdup_printf("/sys/class/net/%s/bridge", ifname);

	return access(p, F_OK) == 0;
}

static int fail(char **ret_err, int r, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static int fail(char **ret_err, int r, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	*ret_err = g_strdup_printf("%s: %s", msg, g_strerror(-r));
	return r;
}

/* Configures the tap @ifname just created: MTU, bridge port, up */
static int tap_setup(const char *ifname, const char *bridge, unsigned mtu, char **ret_err)
{
	struct ifreq ifr = {};
	unsigned idx = if_nametoindex(ifname);
	int sk, r = 0;

	if (idx == 0)
		return fail(ret_err, -ENODEV, "cannot configure tap '%s'", ifname);
	sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sk < 0)
		return fail(ret_err, -errno, "cannot configure tap '%s'", ifname);
	if (mtu > 0) {
		strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
		ifr.ifr_mtu = (int) mtu;
		if (ioctl(sk, SIOCSIFMTU, &ifr) < 0) {
			r = fail(ret_err, -errno, "cannot set the MTU of '%s' to %u", ifname, mtu);
			goto out;
		}
	}
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, bridge, IFNAMSIZ - 1);
	ifr.ifr_ifindex = (int) idx;
	if (ioctl(sk, SIOCBRADDIF, &ifr) < 0) {
		r = fail(ret_err, -errno, "cannot add '%s' to bridge '%s'", ifname, bridge);
		goto out;
	}
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	if (ioctl(sk, SIOCGIFFLAGS, &ifr) < 0) {
		r = fail(ret_err, -errno, "cannot read the flags of '%s'", ifname);
		goto out;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(sk, SIOCSIFFLAGS, &ifr) < 0)
		r = fail(ret_err, -errno, "cannot set '%s' up", ifname);
out:
	close(sk);
	return r;
}

int tap_open_on_bridge(const char *ifname, const char *bridge, unsigned mtu, int *ret_fd,
		       char **ret_err)
{
	struct ifreq ifr = {};
	int fd, r;

	if (strlen(ifname) >= IFNAMSIZ || strlen(bridge) >= IFNAMSIZ) {
		*ret_err = g_strdup_printf("interface name '%s' or '%s' is too long", ifname, bridge);
		return -EINVAL;
	}
	if (if_nametoindex(bridge) == 0) {
		*ret_err = g_strdup_printf("network device %s missing", bridge);
		return -ENODEV;
	}
	if (!tap_is_bridge(bridge)) {
		*ret_err = g_strdup_printf("parent '%s' is not a bridge (nictype=bridged needs one)",
					   bridge);
		return -EINVAL;
	}
	if (if_nametoindex(ifname) != 0) {
		*ret_err = g_strdup_printf("host interface '%s' already exists", ifname);
		return -EEXIST;
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail(ret_err, -errno, "cannot open /dev/net/tun");
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		r = fail(ret_err, -errno, "cannot create tap '%s'", ifname);
		close(fd);
		return r;
	}
	/* from here on closing fd removes the tap: nothing else to undo */
	r = tap_setup(ifname, bridge, mtu, ret_err);
	if (r < 0) {
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}
