/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The libsoup glue: the only file that knows HTTP. Handlers run in a worker pool; replies
 * and event streams are written from the main context. */
#pragma once

#include <json-glib/json-glib.h>

#include "ops/ops.h"

struct mgr;
struct api_server;

/* Listens on the unix socket @path (parent created 0755, socket 0660 root:root). A stale
 * socket file with no listener is replaced; a live one is -EADDRINUSE. Returns 0 and
 * *ret_server, or a negative errno with *ret_err (caller g_free()s). Main thread only. */
int api_server_new(struct mgr *m, const char *path, struct api_server **ret_server,
		   char **ret_err);
/* Closes the socket and every event stream; waits for running handlers. Main thread only. */
void api_server_free(struct api_server *s);
/* Sends an event of @type with @metadata (not consumed) to every stream that asked for it.
 * Thread-safe; a NULL server does nothing. */
void api_server_broadcast_event(struct api_server *s, enum event_type type, JsonNode *metadata);
/* Runs one request through the route table without HTTP (tests, --dump-routes); the
 * same code path the server uses. */
char *api_dispatch(struct mgr *m, const char *method, const char *path, GHashTable *query,
		   const char *body, size_t body_len, const char *if_match, unsigned *ret_status,
		   struct api_resp *ret_resp);
