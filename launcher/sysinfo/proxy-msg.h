/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure codec of LXC's seccomp notify proxy messages (src/lxc/lxcseccomp.h, struct
 * seccomp_notify_proxy_msg; LXC 4.0 to 5.0.2). The layout is described in README.md. */
#pragma once

#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PROXY_MSG_MAX 4096	/* header, notif, resp and any cookie fit easily */
#define PROXY_SIZE_MAX 1024	/* sanity cap on the kernel struct sizes LXC reports */

/* The fixed header LXC sends first; followed by struct seccomp_notif (sizes.seccomp_notif
 * bytes), struct seccomp_notif_resp (sizes.seccomp_notif_resp bytes) and cookie_len bytes. */
struct proxy_msg {
	uint64_t reserved;	/* must be 0 */
	pid_t monitor_pid;
	pid_t init_pid;		/* the container's init, host pid */
	struct seccomp_notif_sizes sizes;
	uint64_t cookie_len;
};

/* Validates the @n bytes at @buf as one request: reserved 0, struct sizes at least ours and
 * at most PROXY_SIZE_MAX, total length header + notif + resp + cookie_len exactly. Returns 0,
 * *ret_hdr, *ret_req (the first sizeof(struct seccomp_notif) bytes of the notif) and
 * *ret_reply_len (header + notif + resp: the reply's length), or -EBADMSG (outputs untouched). */
int proxy_msg_parse(const void *buf, size_t n, struct proxy_msg *ret_hdr,
		    struct seccomp_notif *ret_req, size_t *ret_reply_len);

/* Turns the request at @buf (already validated as @hdr) into the reply in place: the resp
 * area is zeroed and @resp written at its start; header and notif stay as received. */
void proxy_msg_set_resp(void *buf, const struct proxy_msg *hdr, const struct seccomp_notif_resp *resp);
