/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* OCI state and config.json parsing with json-glib. glib code: g_autoptr()/g_autofree only,
 * none of our cleanup macros (STYLE.md 3.4). Strings handed out are malloc()ed copies, so the
 * callers free them with free() and never see glib memory. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "oci-state.h"

/* Formats a reason into *ret_error with malloc() (the caller frees with free()). */
static int fail(char **ret_error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(char **ret_error, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		return -ENOMEM;
	*ret_error = s;
	return -EINVAL;
}

static const char *node_kind(JsonNode *node)
{
	switch (json_node_get_node_type(node)) {
	case JSON_NODE_OBJECT:
		return "an object";
	case JSON_NODE_ARRAY:
		return "an array";
	case JSON_NODE_NULL:
		return "null";
	case JSON_NODE_VALUE:
		break;
	}
	switch (json_node_get_value_type(node)) {
	case G_TYPE_INT64:
		return "an integer";
	case G_TYPE_DOUBLE:
		return "a number with a fraction";
	case G_TYPE_BOOLEAN:
		return "a boolean";
	case G_TYPE_STRING:
		return "a string";
	default:
		return "an unknown value";
	}
}

static bool node_is_string(JsonNode *node)
{
	return JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING;
}

/* Parses @text into a root object; the parser owns the returned object. */
static int parse_object(JsonParser *parser, const char *text, size_t len, const char *what,
			JsonObject **ret_obj, char **ret_error)
{
	g_autoptr(GError) error = NULL;
	JsonNode *root;

	if (len > G_MAXSSIZE)
		return fail(ret_error, "%s is too large", what);
	if (!json_parser_load_from_data(parser, text, (gssize) len, &error))
		return fail(ret_error, "%s is not valid JSON: %s", what, error->message);
	root = json_parser_get_root(parser);
	if (!root)
		return fail(ret_error, "%s is empty", what);
	if (!JSON_NODE_HOLDS_OBJECT(root))
		return fail(ret_error, "%s is %s, not a JSON object", what, node_kind(root));
	*ret_obj = json_node_get_object(root);
	return 0;
}

/* A required, non-empty string member copied with strdup(). */
static int get_string(JsonObject *obj, const char *name, char **ret, char **ret_error)
{
	JsonNode *node = json_object_get_member(obj, name);
	const char *s;
	char *copy;

	if (!node)
		return fail(ret_error, "field '%s' is missing", name);
	if (!node_is_string(node))
		return fail(ret_error, "field '%s' must be a string, got %s", name, node_kind(node));
	s = json_node_get_string(node);
	if (!s || !*s)
		return fail(ret_error, "field '%s' is empty", name);
	copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	*ret = copy;
	return 0;
}

static int get_annotations(JsonObject *obj, char ***ret, char **ret_error)
{
	JsonNode *node = json_object_get_member(obj, "annotations");
	g_autoptr(GList) members = NULL;
	JsonObject *ann;
	char **v;
	size_t n = 0;

	if (!node || JSON_NODE_HOLDS_NULL(node)) {
		v = calloc(1, sizeof(char *));
		if (!v)
			return -ENOMEM;
		*ret = v;
		return 0;
	}
	if (!JSON_NODE_HOLDS_OBJECT(node))
		return fail(ret_error, "field 'annotations' must be an object, got %s", node_kind(node));
	ann = json_node_get_object(node);
	members = json_object_get_members(ann);
	v = calloc(2 * g_list_length(members) + 1, sizeof(char *));
	if (!v)
		return -ENOMEM;
	for (GList *l = members; l; l = l->next) {
		const char *key = l->data;
		JsonNode *val = json_object_get_member(ann, key);

		if (!node_is_string(val)) {
			int r = fail(ret_error, "annotation '%s' must be a string, got %s", key,
				     node_kind(val));

			for (size_t i = 0; i < n; i++)
				free(v[i]);
			free(v);
			return r;
		}
		v[n] = strdup(key);
		v[n + 1] = strdup(json_node_get_string(val) ?: "");
		n += 2;
		if (!v[n - 2] || !v[n - 1]) {
			for (size_t i = 0; i < n; i++)
				free(v[i]);
			free(v);
			return -ENOMEM;
		}
	}
	*ret = v;
	return 0;
}

int oci_state_parse(const char *text, size_t len, struct oci_state *ret_state, char **ret_error)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	struct oci_state st = {};
	JsonObject *obj;
	JsonNode *node;
	gint64 pid;
	int r;

	r = parse_object(parser, text, len, "the state", &obj, ret_error);
	if (r < 0)
		return r;

	node = json_object_get_member(obj, "pid");
	if (!node)
		return fail(ret_error, "field 'pid' is missing");
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64)
		return fail(ret_error, "field 'pid' must be an integer, got %s", node_kind(node));
	pid = json_node_get_int(node);
	if (pid <= 0 || pid > INT_MAX)
		return fail(ret_error, "field 'pid' must be a positive process id, got %" G_GINT64_FORMAT,
			    pid);
	st.pid = (pid_t) pid;

	r = get_string(obj, "id", &st.id, ret_error);
	if (r < 0)
		goto out;
	r = get_string(obj, "bundle", &st.bundle, ret_error);
	if (r < 0)
		goto out;
	if (st.bundle[0] != '/') {
		r = fail(ret_error, "field 'bundle' must be an absolute path, got '%s'", st.bundle);
		goto out;
	}
	r = get_annotations(obj, &st.annotations, ret_error);
	if (r < 0)
		goto out;

	*ret_state = st;
	return 0;
out:
	oci_state_done(&st);
	return r;
}

void oci_state_done(struct oci_state *state)
{
	if (state->annotations)
		for (char **p = state->annotations; *p; p++)
			free(*p);
	free(state->annotations);
	free(state->id);
	free(state->bundle);
	*state = (struct oci_state) {};
}

const char *oci_state_annotation(const struct oci_state *state, const char *key)
{
	if (!state->annotations)
		return NULL;
	for (char **p = state->annotations; p[0] && p[1]; p += 2)
		if (strcmp(p[0], key) == 0)
			return p[1];
	return NULL;
}

int oci_config_root_path(const char *text, size_t len, char **ret_path, char **ret_error)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	JsonObject *obj;
	JsonNode *node;
	int r;

	r = parse_object(parser, text, len, "config.json", &obj, ret_error);
	if (r < 0)
		return r;
	node = json_object_get_member(obj, "root");
	if (!node)
		return fail(ret_error, "config.json has no 'root'");
	if (!JSON_NODE_HOLDS_OBJECT(node))
		return fail(ret_error, "config.json 'root' must be an object, got %s", node_kind(node));
	r = get_string(json_node_get_object(node), "path", ret_path, ret_error);
	if (r == -EINVAL) {
		/* say where the field lives: "field 'path'" alone is ambiguous */
		char *inner = *ret_error;

		if (fail(ret_error, "config.json root: %s", inner) == -EINVAL)
			free(inner);	/* else *ret_error still holds the inner reason */
	}
	return r;
}
