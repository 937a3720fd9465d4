/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure proxy message codec: no I/O. */
#include <errno.h>
#include <string.h>

#include "proxy-msg.h"

int proxy_msg_parse(const void *buf, size_t n, struct proxy_msg *ret_hdr,
		    struct seccomp_notif *ret_req, size_t *ret_reply_len)
{
	struct proxy_msg h;
	size_t reply;

	if (n < sizeof(h))
		return -EBADMSG;
	memcpy(&h, buf, sizeof(h));
	if (h.reserved != 0 || h.sizes.seccomp_notif < sizeof(struct seccomp_notif) ||
	    h.sizes.seccomp_notif_resp < sizeof(struct seccomp_notif_resp) ||
	    h.sizes.seccomp_notif > PROXY_SIZE_MAX || h.sizes.seccomp_notif_resp > PROXY_SIZE_MAX)
		return -EBADMSG;
	reply = sizeof(h) + h.sizes.seccomp_notif + h.sizes.seccomp_notif_resp;
	/* cookie_len is bounded first, so the sum cannot wrap */
	if (h.cookie_len > PROXY_MSG_MAX || n != reply + h.cookie_len)
		return -EBADMSG;
	*ret_hdr = h;
	memcpy(ret_req, (const char *) buf + sizeof(h), sizeof(*ret_req));
	*ret_reply_len = reply;
	return 0;
}

void proxy_msg_set_resp(void *buf, const struct proxy_msg *hdr, const struct seccomp_notif_resp *resp)
{
	char *p = (char *) buf + sizeof(*hdr) + hdr->sizes.seccomp_notif;

	memset(p, 0, hdr->sizes.seccomp_notif_resp);
	memcpy(p, resp, sizeof(*resp));
}
