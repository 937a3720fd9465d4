/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Transport-free API layer: requests, responses (the §2.1 envelope), the route table.
 * Handlers never see libsoup; api/server.c is the only file that does. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stddef.h>

struct mgr;

#define API_PARAMS_MAX 4
#define API_BODY_MAX (1024 * 1024)	/* bytes; 413 beyond (spec §2.2) */

enum api_method {
	API_GET,
	API_PUT,
	API_PATCH,
	API_POST,
	API_DELETE,
	API_METHOD_MAX,
	API_METHOD_INVALID = -EINVAL,
};

struct api_req {
	enum api_method method;
	const char *path;			/* as received, not decoded */
	size_t n_params;
	const char *param_name[API_PARAMS_MAX];	/* "pool" for "{pool}" */
	char *param_value[API_PARAMS_MAX];	/* percent-decoded once, not yet validated */
	GHashTable *query;			/* decoded name -> value; never NULL */
	JsonNode *body;				/* NULL when the request had no body */
	const char *if_match;			/* NULL when absent */
};

enum api_resp_type {
	API_RESP_SYNC,
	API_RESP_ASYNC,
	API_RESP_ERROR,
	API_RESP_RAW,		/* no envelope: ->raw as ->content_type (console, logs) */
	API_RESP_STREAM,	/* event stream (only GET /1.0/events), filtered by ->stream_types */
};

struct api_resp {
	enum api_resp_type type;
	unsigned status;	/* HTTP status; 0 means 200 (sync), 202 (async) */
	JsonNode *metadata;	/* owned; NULL renders as {} for sync, null for errors */
	char *error;		/* owned; the one-sentence message of an error */
	char *location;		/* owned; Location header (201 and 202) */
	char *etag;		/* owned; ETag header */
	char *operation;	/* owned; "/1.0/operations/<id>" for async */
	char *raw;		/* owned; API_RESP_RAW body */
	size_t raw_len;
	const char *content_type;	/* static string; API_RESP_RAW */
	unsigned stream_types;		/* API_RESP_STREAM: mask of 1 << enum event_type */
};

/* Every handler: validate, act, fill @ret. Returns 0 after api_sync()/api_created()/
 * api_async(), or a negative errno: when @ret holds an error (api_errorf()) it is sent as
 * is, otherwise the errno becomes a status through api_status_from_errno(). Handlers run
 * in a worker thread; non-GET handlers hold mgr->change_lock (one change at a time). */
typedef int (*api_handler_t)(struct mgr *m, const struct api_req *req, struct api_resp *ret);

struct api_route {
	const char *path;	/* "/1.0/storage-pools/{pool}"; {x} matches one segment */
	api_handler_t h[API_METHOD_MAX];
};

/* The tables, one per file, listed in api/route-tables.h. */
#define ROUTE_TABLE(name) extern const struct api_route api_routes_##name[];
#include "route-tables.h"
#undef ROUTE_TABLE

/* All tables, NULL-terminated; each table ends with an entry whose path is NULL. */
extern const struct api_route *const api_route_tables[];

/* "GET" -> API_GET ...; API_METHOD_INVALID for anything else. */
enum api_method api_method_from_string(const char *s);
const char *api_method_to_string(enum api_method m);

/* Finds the route for @path (no query string). Segments are percent-decoded once; a route
 * with more literal segments wins over one with parameters. On success writes the route and
 * the decoded parameters into @req (->n_params, ->param_name, ->param_value, caller frees
 * the values with api_req_clear()). Returns 0, -ENOENT when nothing matches, -EINVAL for a
 * segment that does not decode. Pure. */
int api_route_match(const struct api_route *const *tables, const char *path,
		    const struct api_route **ret_route, struct api_req *req);
void api_req_clear(struct api_req *req);

/* Value of path parameter @name ("pool"), or NULL. */
const char *api_req_param(const struct api_req *req, const char *name);
/* Query parameter or NULL. */
const char *api_req_query(const struct api_req *req, const char *name);

/* 400 for a query parameter not in @allowed (NULL-terminated; "project" is always allowed
 * with the value "default"). Returns 0 or the api_errorf() result. */
int api_query_check(const struct api_req *req, const char *const *allowed, struct api_resp *ret);
/* recursion=0|1|2 (absent 0); 400 otherwise. */
int api_query_recursion(const struct api_req *req, int max, int *ret_level, struct api_resp *ret);

/* Response builders. They take ownership of @metadata. Return 0. */
int api_sync(struct api_resp *ret, JsonNode *metadata);
int api_created(struct api_resp *ret, JsonNode *metadata, const char *location_fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Error envelope with @status and the message; returns the negative errno that goes with
 * the status (-EINVAL for 400, -ENOENT for 404, ...), so a handler can return it directly. */
int api_errorf(struct api_resp *ret, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same with a JSON detail as metadata (owned). */
int api_errorf_md(struct api_resp *ret, unsigned status, JsonNode *md, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void api_resp_clear(struct api_resp *ret);

/* The errno -> HTTP status table (spec §2.4): -ENOENT 404, -EEXIST/-EBUSY 409, -EINVAL 400,
 * -ENOSPC/-EDQUOT 507, -EOPNOTSUPP 501, -EHOSTDOWN 503 (pool unavailable), -EMSGSIZE 413,
 * -ESTALE 412; everything else 500. */
unsigned api_status_from_errno(int r);

/* The whole reply body (envelope JSON) for @resp after a handler returned @r; sets
 * *ret_status. Caller g_free()s. */
char *api_resp_render(struct api_resp *resp, int r, unsigned *ret_status, size_t *ret_len);

/* Body helpers. api_body_object(): the body must be a JSON object (an absent body counts as
 * {} when @empty_ok) whose every member name is in @fields (NULL-terminated); 400 naming the
 * first unknown one. The getters leave *ret untouched when the member is absent or null, and
 * answer 400 naming the member when its type is wrong. */
int api_body_object(const struct api_req *req, const char *const *fields, bool empty_ok,
		    JsonObject **ret_obj, struct api_resp *ret);
int api_obj_string(JsonObject *o, const char *member, const char **ret_s, struct api_resp *ret);
int api_obj_bool(JsonObject *o, const char *member, bool *ret_b, struct api_resp *ret);
int api_obj_object(JsonObject *o, const char *member, const char *const *fields,
		   JsonObject **ret_obj, struct api_resp *ret);
/* A config map (string -> string). *ret_config is a new table (caller unrefs); absent -> an
 * empty table. */
int api_obj_config(JsonObject *o, const char *member, GHashTable **ret_config,
		   struct api_resp *ret);

/* JSON helpers for building metadata. */
JsonNode *api_json_string_map(GHashTable *map);	/* sorted keys; NULL map -> {} */
JsonNode *api_json_strv(const char *const *v);	/* NULL-terminated array of strings */
/* Appends a formatted string to @a (json_array_add_string_element() copies, this does not
 * leak the formatted text). */
void api_json_array_add_printf(JsonArray *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
