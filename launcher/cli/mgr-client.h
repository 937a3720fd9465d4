/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxlaunch's manager client, transport: one HTTP request to lxmanagerd over its unix socket
 * with libcurl, the reply parsed with json-c (spec/manager-api.md §2.1). */
#pragma once

#include <json-c/json.h>

struct mgr_reply {
	long http_status;	/* 200, 202, 404, ... */
	json_object *root;	/* the envelope; owned, freed by mgr_reply_done() */
};
void mgr_reply_done(struct mgr_reply *r);

/* Sends @method @path (e.g. "/1.0/storage-pools?recursion=1") with @body (may be NULL; sent as
 * JSON) to the manager on the unix socket @socket_path and waits up to @timeout_s seconds (0:
 * no limit) for the whole reply. On success fills *ret (any HTTP status, the body parsed) and
 * returns 0. Errors, with a line in @errbuf (size @errsize):
 *   -ECONNREFUSED  nobody listens (no socket file, stale socket, refused)
 *   -ETIMEDOUT     no reply in time
 *   -EBADMSG       the reply is not a JSON object
 *   -EIO           other transport failure
 *   -ENOMEM */
int mgr_request(const char *socket_path, const char *method, const char *path, json_object *body,
		int timeout_s, struct mgr_reply *ret, char *errbuf, size_t errsize);

/* GETs @path and returns the raw body (for the text/plain endpoints: logs, console) in
 * *ret_text (caller frees) with the HTTP status in *ret_status. Errors as mgr_request(). */
int mgr_request_text(const char *socket_path, const char *path, int timeout_s, char **ret_text,
		     long *ret_status, char *errbuf, size_t errsize);
