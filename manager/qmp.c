/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <glib.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "qmp.h"

struct qmp {
	int fd;
	GString *buf;		/* bytes received, not yet a complete line */
	GQueue events;		/* JsonObject * (ref'd) of events not yet consumed */
};

void qmp_close(struct qmp *q)
{
	JsonObject *o;

	if (!q)
		return;
	if (q->fd >= 0)
		close(q->fd);
	g_string_free(q->buf, TRUE);
	while ((o = g_queue_pop_head(&q->events)))
		json_object_unref(o);
	g_free(q);
}

/* Reads one message (a line) within the deadline @until (monotonic us). */
static int read_msg(struct qmp *q, gint64 until, JsonObject **ret, char **ret_err)
{
	for (;;) {
		char *nl = memchr(q->buf->str, '\n', q->buf->len);

		if (nl) {
			g_autoptr(JsonParser) p = json_parser_new();
			size_t len = nl - q->buf->str;
			g_autofree char *line = g_strndup(q->buf->str, len);
			JsonNode *root;

			g_string_erase(q->buf, 0, len + 1);
			g_strstrip(line);
			if (!*line)
				continue;
			if (!json_parser_load_from_data(p, line, -1, NULL) ||
			    !(root = json_parser_get_root(p)) || !JSON_NODE_HOLDS_OBJECT(root)) {
				*ret_err = g_strdup_printf("QMP: not a JSON object: %.80s", line);
				return -EPROTO;
			}
			*ret = json_object_ref(json_node_get_object(root));
			return 0;
		}

		gint64 left = until - g_get_monotonic_time();
		struct pollfd pfd = { .fd = q->fd, .events = POLLIN };
		char chunk[4096];
		ssize_t n;
		int r;

		if (left <= 0) {
			*ret_err = g_strdup("QMP: timed out waiting for QEMU");
			return -ETIMEDOUT;
		}
		r = poll(&pfd, 1, (int) MAX(1, left / 1000));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			*ret_err = g_strdup_printf("QMP: poll: %s", g_strerror(e));
			return -e;
		}
		if (r == 0)
			continue;
		n = read(q->fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*ret_err = g_strdup("QMP: QEMU closed the monitor socket");
			return -ECONNRESET;
		}
		g_string_append_len(q->buf, chunk, n);
	}
}

static int send_all(struct qmp *q, const char *s, char **ret_err)
{
	size_t len = strlen(s), off = 0;

	while (off < len) {
		ssize_t n = send(q->fd, s + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			*ret_err = g_strdup_printf("QMP: send: %s", g_strerror(e));
			return -e;
		}
		off += n;
	}
	return 0;
}

/* Waits until @until (monotonic us) for the reply to the command just sent */
static int await_reply(struct qmp *q, gint64 until, JsonNode **ret_return, char **ret_err)
{
	int r;

	for (;;) {
		JsonObject *o = NULL;

		r = read_msg(q, until, &o, ret_err);
		if (r < 0)
			return r;
		if (json_object_has_member(o, "event")) {
			g_queue_push_tail(&q->events, o);
			continue;
		}
		if (json_object_has_member(o, "error")) {
			JsonObject *e = json_object_get_object_member(o, "error");
			const char *desc = e && json_object_has_member(e, "desc") ?
				json_object_get_string_member(e, "desc") : NULL;

			*ret_err = g_strdup(desc ? desc : "QMP: error reply without a description");
			json_object_unref(o);
			return -EIO;
		}
		if (json_object_has_member(o, "return")) {
			if (ret_return)
				*ret_return = json_node_copy(json_object_get_member(o, "return"));
			json_object_unref(o);
			return 0;
		}
		json_object_unref(o);	/* a greeting or something unknown */
	}
}

int qmp_execute(struct qmp *q, const char *cmd_json, int timeout_ms, JsonNode **ret_return,
		char **ret_err)
{
	gint64 until = g_get_monotonic_time() + (gint64) timeout_ms * 1000;
	int r;

	r = send_all(q, cmd_json, ret_err);
	if (r >= 0)
		r = send_all(q, "\n", ret_err);
	if (r < 0)
		return r;
	return await_reply(q, until, ret_return, ret_err);
}

int qmp_getfd(struct qmp *q, const char *fdname, int fd, int timeout_ms, char **ret_err)
{
	gint64 until = g_get_monotonic_time() + (gint64) timeout_ms * 1000;
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) g = json_generator_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *text = NULL, *line = NULL;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u = {};
	struct iovec iov;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	ssize_t n;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "execute");
	json_builder_add_string_value(b, "getfd");
	json_builder_set_member_name(b, "arguments");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "fdname");
	json_builder_add_string_value(b, fdname);
	json_builder_end_object(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(g, root);
	text = json_generator_to_data(g, NULL);
	line = g_strdup_printf("%s\n", text);
	iov.iov_base = line;
	iov.iov_len = strlen(line);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	do
		n = sendmsg(q->fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		int e = errno;

		*ret_err = g_strdup_printf("QMP: sendmsg: %s", g_strerror(e));
		return -e;
	}
	if ((size_t) n < iov.iov_len) {	/* the fd went with the first byte: send the rest */
		int r = send_all(q, line + n, ret_err);

		if (r < 0)
			return r;
	}
	return await_reply(q, until, NULL, ret_err);
}

gboolean qmp_event_matches(JsonObject *msg, const char *name, const char *device)
{
	JsonObject *data;

	if (!json_object_has_member(msg, "event") ||
	    g_strcmp0(json_object_get_string_member(msg, "event"), name) != 0)
		return FALSE;
	if (!device)
		return TRUE;
	data = json_object_has_member(msg, "data") ? json_object_get_object_member(msg, "data") : NULL;
	return data && json_object_has_member(data, "device") &&
	       g_strcmp0(json_object_get_string_member(data, "device"), device) == 0;
}

int qmp_wait_event(struct qmp *q, const char *name, const char *device, int timeout_ms,
		   char **ret_err)
{
	gint64 until = g_get_monotonic_time() + (gint64) timeout_ms * 1000;
	JsonObject *o;
	int r;

	while ((o = g_queue_pop_head(&q->events))) {
		gboolean hit = qmp_event_matches(o, name, device);

		json_object_unref(o);
		if (hit)
			return 0;
	}
	for (;;) {
		gboolean hit;

		r = read_msg(q, until, &o, ret_err);
		if (r == -ETIMEDOUT) {
			g_free(*ret_err);
			*ret_err = g_strdup_printf("no %s event for '%s' within %.1f s", name,
						   device ? device : "any device", timeout_ms / 1000.0);
		}
		if (r < 0)
			return r;
		hit = qmp_event_matches(o, name, device);
		json_object_unref(o);
		if (hit)
			return 0;
	}
}

int qmp_connect(const char *path, int timeout_ms, struct qmp **ret, char **ret_err)
{
	gint64 until = g_get_monotonic_time() + (gint64) timeout_ms * 1000;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	g_autoptr(qmp_t) q = g_new0(struct qmp, 1);
	JsonObject *o = NULL;
	int r;

	q->fd = -1;
	q->buf = g_string_new(NULL);
	g_queue_init(&q->events);
	if (strlen(path) >= sizeof(sa.sun_path)) {
		*ret_err = g_strdup_printf("QMP socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	for (;;) {
		q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (q->fd < 0) {
			int e = errno;

			*ret_err = g_strdup_printf("socket: %s", g_strerror(e));
			return -e;
		}
		if (connect(q->fd, (struct sockaddr *) &sa, sizeof(sa)) == 0)
			break;
		r = -errno;
		close(q->fd);
		q->fd = -1;
		if (g_get_monotonic_time() >= until) {
			*ret_err = g_strdup_printf("cannot connect to QMP socket %s: %s", path,
						   g_strerror(-r));
			return r == -ENOENT ? -ETIMEDOUT : r;
		}
		g_usleep(50 * 1000);
	}
	r = read_msg(q, until, &o, ret_err);
	if (r < 0)
		return r;
	if (!json_object_has_member(o, "QMP")) {
		json_object_unref(o);
		*ret_err = g_strdup_printf("%s does not greet as a QMP monitor", path);
		return -EPROTO;
	}
	json_object_unref(o);
	r = qmp_execute(q, "{\"execute\":\"qmp_capabilities\"}", MAX(1000, timeout_ms), NULL, ret_err);
	if (r < 0)
		return r;
	*ret = g_steal_pointer(&q);
	return 0;
}
