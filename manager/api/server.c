/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libsoup-3.0 server on a unix socket. The main thread accepts and writes; a worker pool runs
 * handlers (api.h), so a slow change never blocks GET /1.0 or the event streams. */
#include <errno.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "api.h"
#include "log.h"
#include "mgr.h"
#include "server.h"

struct listener {
	SoupServerMessage *msg;		/* ndjson stream, or NULL */
	SoupWebsocketConnection *ws;	/* websocket, or NULL */
	unsigned mask;			/* 1 << enum event_type */
};

struct api_server {
	struct mgr *m;
	SoupServer *soup;
	/* two pools, so that changes queued behind a long one (they take mgr->change_lock one
	 * at a time) never use up the threads GET requests need */
	GThreadPool *readers;	/* GET */
	GThreadPool *writers;	/* every other method */
	GList *listeners;	/* struct listener *; main thread only */
	char *path;
};

struct job {
	struct api_server *s;
	SoupServerMessage *msg;	/* ref held */
	char *method;
	char *path;
	GHashTable *query;
	GBytes *body;
	char *if_match;
	/* results, written by the worker */
	char *reply;
	size_t reply_len;
	unsigned status;
	struct api_resp resp;
};

static void job_free(struct job *j)
{
	g_object_unref(j->msg);
	g_free(j->method);
	g_free(j->path);
	if (j->query)
		g_hash_table_unref(j->query);
	if (j->body)
		g_bytes_unref(j->body);
	g_free(j->if_match);
	g_free(j->reply);
	api_resp_clear(&j->resp);
	g_free(j);
}

char *api_dispatch(struct mgr *m, const char *method, const char *path, GHashTable *query,
		   const char *body, size_t body_len, const char *if_match, unsigned *ret_status,
		   struct api_resp *resp)
{
	struct api_req req = { .path = path, .query = query, .if_match = if_match };
	g_autoptr(GHashTable) empty = NULL;
	const struct api_route *route = NULL;
	size_t len;
	char *text;
	int r;

	if (!req.query)
		req.query = empty = g_hash_table_new(g_str_hash, g_str_equal);
	req.method = api_method_from_string(method);
	r = api_route_match(api_route_tables, path, &route, &req);
	if (r == -EINVAL)
		r = api_errorf(resp, 400, "invalid percent-encoding in path '%s'", path);
	else if (r < 0)
		r = api_errorf(resp, 404, "not found: '%s'", path);
	else if (req.method < 0 || !route->h[req.method])
		r = api_errorf(resp, 405, "method %s is not allowed for '%s'", method, path);
	else if (body_len > API_BODY_MAX)
		r = api_errorf(resp, 413, "request body of %zu bytes is over the limit of %d bytes",
			       body_len, API_BODY_MAX);
	else {
		g_autoptr(JsonParser) parser = json_parser_new_immutable();
		g_autoptr(GError) err = NULL;

		if (body_len > 0) {
			if (!json_parser_load_from_data(parser, body, (gssize) body_len, &err)) {
				r = api_errorf(resp, 400, "bad JSON in request body: %s",
					       err->message);
				goto out;
			}
			req.body = json_parser_get_root(parser);
		}
		if (req.method != API_GET)
			g_mutex_lock(&m->change_lock);
		r = route->h[req.method](m, &req, resp);
		if (req.method != API_GET)
			g_mutex_unlock(&m->change_lock);
		req.body = NULL;
		if (r < 0 && resp->type != API_RESP_ERROR)
			log_warning("%s %s failed: %s", method, path, g_strerror(-r));
	}
out:
	api_req_clear(&req);
	if (resp->type == API_RESP_STREAM || resp->type == API_RESP_RAW) {
		if (r >= 0) {
			*ret_status = 200;
			return NULL;
		}
	}
	text = api_resp_render(resp, r, ret_status, &len);
	return text;
}

static void reply_json(SoupServerMessage *msg, unsigned status, const char *text, size_t len)
{
	soup_server_message_set_status(msg, status, NULL);
	soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY, text, len);
}

static void listener_drop(struct api_server *s, struct listener *l)
{
	s->listeners = g_list_remove(s->listeners, l);
	if (l->msg)
		g_object_unref(l->msg);
	if (l->ws)
		g_object_unref(l->ws);
	g_free(l);
}

static void on_stream_finished(SoupServerMessage *msg, gpointer data)
{
	struct api_server *s = data;

	for (GList *it = s->listeners; it; it = it->next) {
		struct listener *l = it->data;

		if (l->msg == msg) {
			listener_drop(s, l);
			return;
		}
	}
}

static gboolean job_finish(gpointer data)
{
	struct job *j = data;
	struct api_server *s = j->s;
	SoupMessageHeaders *h = soup_server_message_get_response_headers(j->msg);

	if (j->resp.type == API_RESP_STREAM && j->status == 200) {
		struct listener *l = g_new0(struct listener, 1);

		soup_server_message_set_status(j->msg, 200, NULL);
		soup_message_headers_set_content_type(h, "application/x-ndjson", NULL);
		soup_message_headers_set_encoding(h, SOUP_ENCODING_CHUNKED);
		/* a stream lives for hours: each event is dropped once written, not kept */
		soup_message_body_set_accumulate(soup_server_message_get_response_body(j->msg),
						 FALSE);
		l->msg = g_object_ref(j->msg);
		l->mask = j->resp.stream_types;
		s->listeners = g_list_prepend(s->listeners, l);
		g_signal_connect(j->msg, "finished", G_CALLBACK(on_stream_finished), s);
	} else if (j->resp.type == API_RESP_RAW && j->status == 200) {
		soup_server_message_set_status(j->msg, 200, NULL);
		soup_server_message_set_response(j->msg, j->resp.content_type, SOUP_MEMORY_COPY,
						 j->resp.raw, j->resp.raw_len);
	} else {
		if (j->resp.location)
			soup_message_headers_replace(h, "Location", j->resp.location);
		if (j->resp.etag)
			soup_message_headers_replace(h, "ETag", j->resp.etag);
		reply_json(j->msg, j->status, j->reply, j->reply_len);
	}
	soup_server_message_unpause(j->msg);
	job_free(j);
	return G_SOURCE_REMOVE;
}

static void worker(gpointer data, gpointer user_data)
{
	struct job *j = data;
	struct api_server *s = user_data;
	gsize len = 0;
	const char *body = j->body ? g_bytes_get_data(j->body, &len) : NULL;

	j->reply = api_dispatch(s->m, j->method, j->path, j->query, body, len, j->if_match,
				&j->status, &j->resp);
	j->reply_len = j->reply ? strlen(j->reply) : 0;
	g_main_context_invoke(s->m->main_ctx, job_finish, j);
}

static void ws_upgraded(SoupServerMessage *msg, gpointer data);

static void on_request(SoupServer *soup, SoupServerMessage *msg, const char *path,
		       GHashTable *query, gpointer data)
{
	struct api_server *s = data;
	SoupMessageBody *body = soup_server_message_get_request_body(msg);
	SoupMessageHeaders *rh = soup_server_message_get_request_headers(msg);
	struct job *j;

	/* GET /1.0/events with Upgrade: websocket [LXD]; without it, ndjson (the route) */
	if (g_str_equal(path, "/1.0/events") &&
	    soup_message_headers_header_contains(rh, "Upgrade", "websocket")) {
		if (soup_websocket_server_process_handshake(msg, NULL, NULL, NULL, NULL))
			g_signal_connect(msg, "wrote-informational", G_CALLBACK(ws_upgraded), s);
		return;
	}

	if (body->length > API_BODY_MAX) {
		struct api_resp resp = {};
		unsigned status;
		size_t len;
		g_autofree char *text = NULL;
		int r = api_errorf(&resp, 413, "request body of %" G_GINT64_FORMAT
				   " bytes is over the limit of %d bytes", body->length,
				   API_BODY_MAX);

		text = api_resp_render(&resp, r, &status, &len);
		reply_json(msg, status, text, len);
		api_resp_clear(&resp);
		return;
	}
	j = g_new0(struct job, 1);
	j->s = s;
	j->msg = g_object_ref(msg);
	j->method = g_strdup(soup_server_message_get_method(msg));
	/* the raw path: a percent-encoded '/' must stay inside its segment */
	j->path = g_strdup(g_uri_get_path(soup_server_message_get_uri(msg)));
	if (query) {
		j->query = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
		GHashTableIter it;
		gpointer k, v;

		g_hash_table_iter_init(&it, query);
		while (g_hash_table_iter_next(&it, &k, &v))
			g_hash_table_insert(j->query, g_strdup(k), g_strdup(v ? v : ""));
	}
	if (body->length > 0) {
		g_autoptr(GBytes) b = soup_message_body_flatten(body);

		j->body = g_bytes_ref(b);
	}
	j->if_match = g_strdup(soup_message_headers_get_one(rh, "If-Match"));
	soup_server_message_pause(msg);
	g_thread_pool_push(g_str_equal(j->method, "GET") ? s->readers : s->writers, j, NULL);
}

static void on_ws_closed(SoupWebsocketConnection *ws, gpointer data)
{
	struct api_server *s = data;

	for (GList *it = s->listeners; it; it = it->next) {
		struct listener *l = it->data;

		if (l->ws == ws) {
			listener_drop(s, l);
			return;
		}
	}
}

static void on_websocket(SoupServerMessage *msg, SoupWebsocketConnection *ws, struct api_server *s)
{
	const char *q = g_uri_get_query(soup_server_message_get_uri(msg));
	g_autoptr(GHashTable) query = q ? g_uri_parse_params(q, -1, "&", G_URI_PARAMS_NONE, NULL)
					: NULL;
	struct listener *l;
	unsigned mask;

	if (events_parse_types(query ? g_hash_table_lookup(query, "type") : NULL, &mask) < 0) {
		soup_websocket_connection_close(ws, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION,
						"unknown event type");
		return;
	}
	l = g_new0(struct listener, 1);
	l->ws = g_object_ref(ws);
	l->mask = mask;
	s->listeners = g_list_prepend(s->listeners, l);
	g_signal_connect(ws, "closed", G_CALLBACK(on_ws_closed), s);
}

/* after the 101 reply: the connection becomes a websocket */
static void ws_upgraded(SoupServerMessage *msg, gpointer data)
{
	struct api_server *s = data;
	g_autoptr(GIOStream) stream = soup_server_message_steal_connection(msg);
	g_autoptr(SoupWebsocketConnection) ws = NULL;

	ws = soup_websocket_connection_new(stream, soup_server_message_get_uri(msg),
					   SOUP_WEBSOCKET_CONNECTION_SERVER, NULL, NULL, NULL);
	on_websocket(msg, ws, s);
}

struct event_msg {
	struct api_server *s;
	enum event_type type;
	char *line;
};

static gboolean event_send(gpointer data)
{
	struct event_msg *e = data;

	for (GList *it = e->s->listeners; it; it = it->next) {
		struct listener *l = it->data;

		if (!(l->mask & (1u << e->type)))
			continue;
		if (l->ws) {
			if (soup_websocket_connection_get_state(l->ws) == SOUP_WEBSOCKET_STATE_OPEN)
				soup_websocket_connection_send_text(l->ws, e->line);
		} else {
			SoupMessageBody *b = soup_server_message_get_response_body(l->msg);
			g_autofree char *nl = g_strconcat(e->line, "\n", NULL);

			soup_message_body_append(b, SOUP_MEMORY_COPY, nl, strlen(nl));
			soup_server_message_unpause(l->msg);
		}
	}
	g_free(e->line);
	g_free(e);
	return G_SOURCE_REMOVE;
}

void api_server_broadcast_event(struct api_server *s, enum event_type type, JsonNode *metadata)
{
	static const char *const names[EVENT_TYPE_MAX] = { "lifecycle", "operation", "logging" };
	g_autoptr(JsonBuilder) b = NULL;
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(JsonGenerator) gen = NULL;
	g_autofree char *ts = NULL;
	struct event_msg *e;

	if (!s)
		return;
	b = json_builder_new();
	ts = mgr_now_rfc3339();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "type");
	json_builder_add_string_value(b, names[type]);
	json_builder_set_member_name(b, "timestamp");
	json_builder_add_string_value(b, ts);
	json_builder_set_member_name(b, "metadata");
	json_builder_add_value(b, json_node_copy(metadata));
	json_builder_set_member_name(b, "location");
	json_builder_add_string_value(b, "none");
	json_builder_set_member_name(b, "project");
	json_builder_add_string_value(b, "default");
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	gen = json_generator_new();
	json_generator_set_root(gen, root);
	e = g_new0(struct event_msg, 1);
	e->s = s;
	e->type = type;
	e->line = json_generator_to_data(gen, NULL);
	g_main_context_invoke(s->m->main_ctx, event_send, e);
}

/* 0 when @path is free (absent, or a stale socket now removed), -EADDRINUSE when a process
 * listens on it, -EEXIST when it is not a socket. */
static int socket_claim(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, r;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (struct sockaddr *) &sa, sizeof(sa));
	close(fd);
	if (r == 0)
		return -EADDRINUSE;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	log_info("Replaced stale socket '%s'", path);
	return 0;
}

int api_server_new(struct mgr *m, const char *path, struct api_server **ret_server,
		   char **ret_err)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GSocketAddress) addr = NULL;
	g_autofree char *dir = g_path_get_dirname(path);
	struct api_server *s;
	int r;

	if (g_mkdir_with_parents(dir, 0755) < 0) {
		r = -errno;
		*ret_err = g_strdup_printf("cannot create socket directory '%s': %s", dir,
					   g_strerror(-r));
		return r;
	}
	r = socket_claim(path);
	if (r < 0) {
		*ret_err = r == -EADDRINUSE ?
			g_strdup_printf("socket '%s' is in use by a running manager", path) :
			g_strdup_printf("socket path '%s' is unusable: %s", path, g_strerror(-r));
		return r;
	}
	s = g_new0(struct api_server, 1);
	s->m = m;
	s->path = g_strdup(path);
	/* raw-paths: "a%2Fb" must reach the route matcher encoded, to be refused as a name */
	s->soup = soup_server_new("server-header", "lxmanagerd", "raw-paths", TRUE, NULL);
	s->readers = g_thread_pool_new(worker, s, 16, FALSE, NULL);
	s->writers = g_thread_pool_new(worker, s, 4, FALSE, NULL);
	soup_server_add_handler(s->soup, NULL, on_request, s, NULL);
	addr = g_unix_socket_address_new(path);
	if (!soup_server_listen(s->soup, addr, 0, &err)) {
		*ret_err = g_strdup_printf("cannot listen on '%s': %s", path, err->message);
		api_server_free(s);
		return -EADDRNOTAVAIL;
	}
	if (chmod(path, 0660) < 0 || chown(path, 0, 0) < 0)
		log_warning("Failed to set mode 0660 root:root on '%s': %m, ignoring", path);
	*ret_server = s;
	return 0;
}

void api_server_free(struct api_server *s)
{
	if (!s)
		return;
	if (s->soup)
		soup_server_disconnect(s->soup);
	while (s->listeners)
		listener_drop(s, s->listeners->data);
	if (s->readers)
		g_thread_pool_free(s->readers, TRUE, FALSE);
	if (s->writers)
		g_thread_pool_free(s->writers, TRUE, FALSE);
	g_clear_object(&s->soup);
	if (s->path)
		(void) unlink(s->path);
	g_free(s->path);
	g_free(s);
}
