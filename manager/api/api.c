/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Route matching, the reply envelope (spec §2.1) and body/query helpers. No transport here. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "api.h"
#include "parse-util.h"

static const char *const method_names[API_METHOD_MAX] = {
	[API_GET] = "GET", [API_PUT] = "PUT", [API_PATCH] = "PATCH",
	[API_POST] = "POST", [API_DELETE] = "DELETE",
};

enum api_method api_method_from_string(const char *s)
{
	for (int i = 0; i < API_METHOD_MAX; i++)
		if (s && streq(s, method_names[i]))
			return i;
	return API_METHOD_INVALID;
}

const char *api_method_to_string(enum api_method m)
{
	return m >= 0 && m < API_METHOD_MAX ? method_names[m] : NULL;
}

void api_req_clear(struct api_req *req)
{
	for (size_t i = 0; i < req->n_params; i++)
		g_free(req->param_value[i]);
	req->n_params = 0;
}

/* Matches one route; returns the number of literal segments (>= 0) or -1. */
static int route_try(const char *pattern, char **segs, size_t n_segs, struct api_req *req)
{
	g_auto(GStrv) pats = g_strsplit(pattern + 1, "/", -1);
	size_t n_pats = g_strv_length(pats);
	int literal = 0;

	if (n_pats != n_segs)
		return -1;
	req->n_params = 0;
	for (size_t i = 0; i < n_pats; i++) {
		size_t plen = strlen(pats[i]);

		if (plen > 2 && pats[i][0] == '{' && pats[i][plen - 1] == '}') {
			if (req->n_params == API_PARAMS_MAX || segs[i][0] == '\0')
				goto fail;
			pats[i][plen - 1] = '\0';
			req->param_name[req->n_params] = g_intern_string(pats[i] + 1);
			req->param_value[req->n_params] = g_strdup(segs[i]);
			req->n_params++;
			continue;
		}
		if (!streq(pats[i], segs[i]))
			goto fail;
		literal++;
	}
	return literal;
fail:
	api_req_clear(req);
	return -1;
}

int api_route_match(const struct api_route *const *tables, const char *path,
		    const struct api_route **ret_route, struct api_req *req)
{
	g_auto(GStrv) raw = NULL;
	g_auto(GStrv) segs = NULL;
	const struct api_route *best = NULL;
	struct api_req best_req = {};
	int best_score = -1;
	size_t n;

	if (!path || path[0] != '/')
		return -EINVAL;
	raw = g_strsplit(path + 1, "/", -1);
	n = g_strv_length(raw);
	segs = g_new0(char *, n + 1);
	for (size_t i = 0; i < n; i++) {
		/* decoded once: "a%2Fb" becomes "a/b", which no name rule accepts */
		segs[i] = g_uri_unescape_string(raw[i], NULL);
		if (!segs[i])
			return -EINVAL;	/* "%zz" or an encoded NUL */
	}
	if (n == 1 && raw[0][0] == '\0')
		n = 0;			/* "/" */
	for (size_t t = 0; tables[t]; t++)
		for (const struct api_route *r = tables[t]; r->path; r++) {
			struct api_req tmp = {};
			int score;

			if (streq(r->path, "/"))
				score = n == 0 ? 0 : -1;
			else
				score = n == 0 ? -1 : route_try(r->path, segs, n, &tmp);
			if (score > best_score) {
				api_req_clear(&best_req);
				best_req = tmp;
				best = r;
				best_score = score;
			} else {
				api_req_clear(&tmp);
			}
		}
	if (!best)
		return -ENOENT;
	req->n_params = best_req.n_params;
	memcpy(req->param_name, best_req.param_name, sizeof(req->param_name));
	memcpy(req->param_value, best_req.param_value, sizeof(req->param_value));
	*ret_route = best;
	return 0;
}

const char *api_req_param(const struct api_req *req, const char *name)
{
	for (size_t i = 0; i < req->n_params; i++)
		if (streq(req->param_name[i], name))
			return req->param_value[i];
	return NULL;
}

const char *api_req_query(const struct api_req *req, const char *name)
{
	return req->query ? g_hash_table_lookup(req->query, name) : NULL;
}

int api_query_check(const struct api_req *req, const char *const *allowed, struct api_resp *ret)
{
	GHashTableIter it;
	gpointer k, v;

	if (!req->query)
		return 0;
	g_hash_table_iter_init(&it, req->query);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		bool ok = false;

		if (streq(k, "project")) {
			if (!streq(v, "default"))
				return api_errorf(ret, 400, "project '%s' does not exist "
						  "(only 'default' is known)", (char *) v);
			continue;
		}
		for (size_t i = 0; allowed && allowed[i]; i++)
			if (streq(k, allowed[i]))
				ok = true;
		if (!ok)
			return api_errorf(ret, 400, "unknown query parameter '%s'", (char *) k);
	}
	return 0;
}

int api_query_recursion(const struct api_req *req, int max, int *ret_level, struct api_resp *ret)
{
	const char *v = api_req_query(req, "recursion");

	if (!v) {
		*ret_level = 0;
		return 0;
	}
	if (strlen(v) != 1 || v[0] < '0' || v[0] > '0' + max)
		return api_errorf(ret, 400, "query parameter 'recursion' must be 0 to %d, not '%s'",
				  max, v);
	*ret_level = v[0] - '0';
	return 0;
}

int api_sync(struct api_resp *ret, JsonNode *metadata)
{
	ret->type = API_RESP_SYNC;
	ret->status = 200;
	if (ret->metadata)
		json_node_unref(ret->metadata);
	ret->metadata = metadata;
	return 0;
}

int api_created(struct api_resp *ret, JsonNode *metadata, const char *location_fmt, ...)
{
	va_list ap;

	api_sync(ret, metadata);
	ret->status = 201;
	va_start(ap, location_fmt);
	g_free(ret->location);
	ret->location = g_strdup_vprintf(location_fmt, ap);
	va_end(ap);
	return 0;
}

static int errno_from_status(unsigned status)
{
	switch (status) {
	case 400: return -EINVAL;
	case 404: return -ENOENT;
	case 405: return -EPERM;
	case 409: return -EBUSY;
	case 412: return -ESTALE;
	case 413: return -EMSGSIZE;
	case 501: return -EOPNOTSUPP;
	case 503: return -EHOSTDOWN;
	case 507: return -ENOSPC;
	default: return -EIO;
	}
}

static int api_verrorf(struct api_resp *ret, unsigned status, JsonNode *md, const char *fmt,
		       va_list ap)
{
	api_resp_clear(ret);
	ret->type = API_RESP_ERROR;
	ret->status = status;
	ret->error = g_strdup_vprintf(fmt, ap);
	ret->metadata = md;
	return errno_from_status(status);
}

int api_errorf(struct api_resp *ret, unsigned status, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = api_verrorf(ret, status, NULL, fmt, ap);
	va_end(ap);
	return r;
}

int api_errorf_md(struct api_resp *ret, unsigned status, JsonNode *md, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = api_verrorf(ret, status, md, fmt, ap);
	va_end(ap);
	return r;
}

void api_resp_clear(struct api_resp *ret)
{
	if (ret->metadata)
		json_node_unref(ret->metadata);
	g_free(ret->error);
	g_free(ret->location);
	g_free(ret->etag);
	g_free(ret->operation);
	g_free(ret->raw);
	*ret = (struct api_resp) {};
}

unsigned api_status_from_errno(int r)
{
	switch (-r) {
	case ENOENT: return 404;
	case EEXIST: case EBUSY: case ENOTEMPTY: return 409;
	case EINVAL: case ENAMETOOLONG: case ERANGE: return 400;
	case ENOSPC: case EDQUOT: return 507;
	case EOPNOTSUPP: return 501;
	case EHOSTDOWN: return 503;
	case EMSGSIZE: return 413;
	case ESTALE: return 412;
	default: return 500;
	}
}

static JsonNode *envelope(const char *type, const char *status, unsigned status_code,
			  const char *operation, unsigned error_code, const char *error,
			  JsonNode *metadata)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "type");
	json_builder_add_string_value(b, type);
	json_builder_set_member_name(b, "status");
	json_builder_add_string_value(b, status);
	json_builder_set_member_name(b, "status_code");
	json_builder_add_int_value(b, status_code);
	json_builder_set_member_name(b, "operation");
	json_builder_add_string_value(b, operation ? operation : "");
	json_builder_set_member_name(b, "error_code");
	json_builder_add_int_value(b, error_code);
	json_builder_set_member_name(b, "error");
	json_builder_add_string_value(b, error ? error : "");
	json_builder_set_member_name(b, "metadata");
	if (metadata)
		json_builder_add_value(b, json_node_ref(metadata));
	else
		json_builder_add_null_value(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

char *api_resp_render(struct api_resp *resp, int r, unsigned *ret_status, size_t *ret_len)
{
	g_autoptr(JsonNode) env = NULL;
	g_autoptr(JsonGenerator) gen = json_generator_new();
	char *text;
	gsize len;

	if (r < 0 && resp->type != API_RESP_ERROR) {
		unsigned st = api_status_from_errno(r);

		api_errorf(resp, st, "%s", g_strerror(-r));
		resp->error[0] = g_ascii_tolower(resp->error[0]);
	}
	switch (resp->type) {
	case API_RESP_ERROR:
		*ret_status = resp->status ? resp->status : 500;
		env = envelope("error", "", 0, NULL, *ret_status, resp->error, resp->metadata);
		break;
	case API_RESP_ASYNC:
		*ret_status = 202;
		env = envelope("async", "Operation created", 100, resp->operation, 0, NULL,
			       resp->metadata);
		break;
	default:
		*ret_status = resp->status ? resp->status : 200;
		if (!resp->metadata) {
			resp->metadata = json_node_new(JSON_NODE_OBJECT);
			json_node_take_object(resp->metadata, json_object_new());
		}
		env = envelope("sync", "Success", 200, NULL, 0, NULL, resp->metadata);
		break;
	}
	json_generator_set_root(gen, env);
	text = json_generator_to_data(gen, &len);
	*ret_len = len;
	return text;
}

int api_body_object(const struct api_req *req, const char *const *fields, bool empty_ok,
		    JsonObject **ret_obj, struct api_resp *ret)
{
	JsonObject *o;
	g_autoptr(GList) members = NULL;

	if (!req->body) {
		if (!empty_ok)
			return api_errorf(ret, 400, "request body must be a JSON object");
		*ret_obj = NULL;
		return 0;
	}
	if (!JSON_NODE_HOLDS_OBJECT(req->body))
		return api_errorf(ret, 400, "request body must be a JSON object");
	o = json_node_get_object(req->body);
	members = json_object_get_members(o);
	for (GList *l = members; l; l = l->next) {
		bool known = false;

		for (size_t i = 0; fields && fields[i]; i++)
			if (streq(l->data, fields[i]))
				known = true;
		if (!known)
			return api_errorf(ret, 400, "unknown field '%s'", (char *) l->data);
	}
	*ret_obj = o;
	return 0;
}

static JsonNode *member(JsonObject *o, const char *name)
{
	JsonNode *n;

	if (!o || !json_object_has_member(o, name))
		return NULL;
	n = json_object_get_member(o, name);
	return JSON_NODE_HOLDS_NULL(n) ? NULL : n;
}

int api_obj_string(JsonObject *o, const char *name, const char **ret_s, struct api_resp *ret)
{
	JsonNode *n = member(o, name);

	if (!n)
		return 0;
	if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
		return api_errorf(ret, 400, "field '%s' must be a string", name);
	*ret_s = json_node_get_string(n);
	return 0;
}

int api_obj_bool(JsonObject *o, const char *name, bool *ret_b, struct api_resp *ret)
{
	JsonNode *n = member(o, name);

	if (!n)
		return 0;
	if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_BOOLEAN)
		return api_errorf(ret, 400, "field '%s' must be a boolean", name);
	*ret_b = json_node_get_boolean(n);
	return 0;
}

int api_obj_object(JsonObject *o, const char *name, const char *const *fields,
		   JsonObject **ret_obj, struct api_resp *ret)
{
	JsonNode *n = member(o, name);
	g_autoptr(GList) members = NULL;
	JsonObject *sub;

	if (!n)
		return 0;
	if (!JSON_NODE_HOLDS_OBJECT(n))
		return api_errorf(ret, 400, "field '%s' must be an object", name);
	sub = json_node_get_object(n);
	members = json_object_get_members(sub);
	for (GList *l = members; fields && l; l = l->next) {
		bool known = false;

		for (size_t i = 0; fields[i]; i++)
			if (streq(l->data, fields[i]))
				known = true;
		if (!known)
			return api_errorf(ret, 400, "unknown field '%s.%s'", name, (char *) l->data);
	}
	*ret_obj = sub;
	return 0;
}

int api_obj_config(JsonObject *o, const char *name, GHashTable **ret_config, struct api_resp *ret)
{
	g_autoptr(GHashTable) cfg = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(GList) members = NULL;
	JsonNode *n = member(o, name);

	if (n) {
		JsonObject *c;

		if (!JSON_NODE_HOLDS_OBJECT(n))
			return api_errorf(ret, 400, "field '%s' must be an object of strings", name);
		c = json_node_get_object(n);
		members = json_object_get_members(c);
		for (GList *l = members; l; l = l->next) {
			JsonNode *v = json_object_get_member(c, l->data);

			if (!JSON_NODE_HOLDS_VALUE(v) || json_node_get_value_type(v) != G_TYPE_STRING)
				return api_errorf(ret, 400, "field '%s.%s' must be a string", name,
						  (char *) l->data);
			g_hash_table_insert(cfg, g_strdup(l->data), g_strdup(json_node_get_string(v)));
		}
	}
	*ret_config = g_steal_pointer(&cfg);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

JsonNode *api_json_string_map(GHashTable *map)
{
	JsonObject *o = json_object_new();
	JsonNode *n = json_node_new(JSON_NODE_OBJECT);

	if (map) {
		guint len;
		g_autofree gpointer *keys = g_hash_table_get_keys_as_array(map, &len);

		qsort(keys, len, sizeof(*keys), cmp_str);
		for (guint i = 0; i < len; i++)
			json_object_set_string_member(o, keys[i], g_hash_table_lookup(map, keys[i]));
	}
	json_node_take_object(n, o);
	return n;
}

JsonNode *api_json_strv(const char *const *v)
{
	JsonArray *a = json_array_new();
	JsonNode *n = json_node_new(JSON_NODE_ARRAY);

	for (size_t i = 0; v && v[i]; i++)
		json_array_add_string_element(a, v[i]);
	json_node_take_array(n, a);
	return n;
}

void api_json_array_add_printf(JsonArray *a, const char *fmt, ...)
{
	g_autofree char *s = NULL;
	va_list ap;

	va_start(ap, fmt);
	s = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	json_array_add_string_element(a, s);
}
