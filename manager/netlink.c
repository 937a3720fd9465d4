/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtnetlink link watch (netlink.h). */
#include <errno.h>
#include <glib-unix.h>
#include <limits.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "netlink.h"

struct rtnl_watch {
	int fd;
	GSource *source;
	rtnl_link_cb cb;
	void *userdata;
};

int rtnl_parse_links(const void *buf, size_t len, rtnl_link_cb cb, void *userdata)
{
	const struct nlmsghdr *h = buf;
	/* signed: NLMSG_NEXT() can step past the end of an unpadded last message */
	int left = len > INT_MAX ? INT_MAX : (int) len, n = 0;

	for (; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
		const struct ifinfomsg *ifi = NLMSG_DATA(h);
		const struct rtattr *a;
		int alen;
		char name[IFNAMSIZ] = "";

		if (h->nlmsg_type == NLMSG_DONE)
			return n;
		if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK)
			continue;
		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
			return -EBADMSG;
		alen = (int) (h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi)));
		for (a = IFLA_RTA(ifi); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
			size_t plen = RTA_PAYLOAD(a);

			if (a->rta_type != IFLA_IFNAME || plen == 0)
				continue;
			if (plen > IFNAMSIZ)
				plen = IFNAMSIZ;
			memcpy(name, RTA_DATA(a), plen);
			name[IFNAMSIZ - 1] = '\0';
		}
		if (!name[0])
			continue;
		cb(name, h->nlmsg_type == RTM_DELLINK, (ifi->ifi_flags & IFF_UP) != 0, userdata);
		n++;
	}
	/* bytes left that do not make a whole message: a truncated datagram */
	if (left > 0)
		return -EBADMSG;
	return n;
}

static gboolean on_readable(gint fd, GIOCondition cond, gpointer data)
{
	struct rtnl_watch *w = data;
	/* aligned for struct nlmsghdr */
	G_STATIC_ASSERT(8192 % NLMSG_ALIGNTO == 0);
	uint32_t buf[8192 / sizeof(uint32_t)];

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			log_warning("rtnetlink: messages were lost (receive buffer full): rechecking "
				    "every link");
			w->cb(NULL, false, false, w->userdata);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			log_error("rtnetlink: reading the link watch failed (%s): rechecking every link",
				  n < 0 ? g_strerror(errno) : "end of file");
			w->cb(NULL, false, false, w->userdata);
			break;
		}
		if (rtnl_parse_links(buf, (size_t) n, w->cb, w->userdata) < 0)
			log_warning("rtnetlink: a truncated message was skipped");
	}
	return G_SOURCE_CONTINUE;
}

int rtnl_watch_new(GMainContext *ctx, rtnl_link_cb cb, void *userdata, struct rtnl_watch **ret)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	struct rtnl_watch *w;
	int fd, bufsz = 1 << 20;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	/* many links can change at once (a host's boot): a larger buffer loses fewer messages */
	(void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	w = g_new0(struct rtnl_watch, 1);
	w->fd = fd;
	w->cb = cb;
	w->userdata = userdata;
	w->source = g_unix_fd_source_new(fd, G_IO_IN);
	g_source_set_callback(w->source, G_SOURCE_FUNC(on_readable), w, NULL);
	g_source_attach(w->source, ctx);
	*ret = w;
	return 0;
}

void rtnl_watch_free(struct rtnl_watch *w)
{
	if (!w)
		return;
	g_source_destroy(w->source);
	g_source_unref(w->source);
	close(w->fd);
	g_free(w);
}
