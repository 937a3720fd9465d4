/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A raw NETLINK_ROUTE socket subscribed to RTMGRP_LINK, read in a glib main context: it reports
 * each link that appears, changes or goes away (spec manager-api.md §7). */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

/* Called in the main context for each link message: @name the interface name, @removed true for
 * RTM_DELLINK, @up whether IFF_UP is set. @name NULL means "messages were lost (ENOBUFS): look
 * at every link again". */
typedef void (*rtnl_link_cb)(const char *name, bool removed, bool up, void *userdata);

/* Parses the netlink datagram @buf of @len bytes and calls @cb for each RTM_NEWLINK and
 * RTM_DELLINK message that carries IFLA_IFNAME; other messages are skipped. Returns the number
 * of link messages, or -EBADMSG when a header is truncated (those before it were reported). */
int rtnl_parse_links(const void *buf, size_t len, rtnl_link_cb cb, void *userdata);

struct rtnl_watch;

/* Opens the socket and attaches its reader to @ctx. 0 and *ret, or -errno. */
int rtnl_watch_new(GMainContext *ctx, rtnl_link_cb cb, void *userdata, struct rtnl_watch **ret);
void rtnl_watch_free(struct rtnl_watch *w);
