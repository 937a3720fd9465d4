/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxlaunch's manager client, pure part: sizes, operands and human tables (mgr-format.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "mgr-format.h"
#include "parse-util.h"

static const struct {
	const char *suffix;
	uint64_t factor;
} size_units[] = {
	{ "kB", 1000ULL }, { "MB", 1000ULL * 1000 }, { "GB", 1000ULL * 1000 * 1000 },
	{ "TB", 1000ULL * 1000 * 1000 * 1000 }, { "PB", 1000ULL * 1000 * 1000 * 1000 * 1000 },
	{ "KiB", 1ULL << 10 }, { "MiB", 1ULL << 20 }, { "GiB", 1ULL << 30 },
	{ "TiB", 1ULL << 40 }, { "PiB", 1ULL << 50 },
};

int mcf_size_parse(const char *s, uint64_t *ret_bytes)
{
	const char *end;
	uint64_t n = 0, factor = 1;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	for (end = s; *end >= '0' && *end <= '9'; end++) {
		unsigned d = (unsigned) (*end - '0');

		if (n > (UINT64_MAX - d) / 10)
			return -ERANGE;
		n = n * 10 + d;
	}
	if (*end) {
		size_t i;

		for (i = 0; i < ELEMENTSOF(size_units); i++)
			if (streq(end, size_units[i].suffix))
				break;
		if (i == ELEMENTSOF(size_units))
			return -EINVAL;
		factor = size_units[i].factor;
	}
	if (n == 0)
		return -EINVAL;
	if (n > UINT64_MAX / factor)
		return -ERANGE;
	*ret_bytes = n * factor;
	return 0;
}

char *mcf_size_format(uint64_t bytes, char *buf, size_t size)
{
	static const char * const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	uint64_t div = 1024;
	size_t u = 0;

	if (bytes < 1024) {
		(void) snprintf(buf, size, "%" PRIu64 "B", bytes);
		return buf;
	}
	while (u + 1 < ELEMENTSOF(units) && bytes / div >= 1024) {
		div *= 1024;
		u++;
	}
	if (bytes % div == 0)
		(void) snprintf(buf, size, "%" PRIu64 "%s", bytes / div, units[u]);
	else
		(void) snprintf(buf, size, "%.2f%s", (double) bytes / (double) div, units[u]);
	return buf;
}

int mcf_kv_parse(const char *arg, char **ret_key, char **ret_value)
{
	_cleanup_free_ char *key = NULL;
	const char *eq = strchr(arg, '=');
	char *value;

	if (!eq || eq == arg)
		return -EINVAL;
	key = strndup(arg, (size_t) (eq - arg));
	if (!key)
		return -ENOMEM;
	value = strdup(eq + 1);
	if (!value)
		return -ENOMEM;
	*ret_key = TAKE_PTR(key);
	*ret_value = value;
	return 0;
}

static bool part_ok(const char *s, size_t n)
{
	if (n == 0)
		return false;
	if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
		return false;
	return true;
}

int mcf_target_parse(const char *arg, char **ret_pool, char **ret_name)
{
	_cleanup_free_ char *pool = NULL;
	const char *slash = strchr(arg, '/');
	char *name;

	if (!slash) {
		if (!part_ok(arg, strlen(arg)))
			return -EINVAL;
		name = strdup(arg);
		if (!name)
			return -ENOMEM;
		*ret_pool = NULL;
		*ret_name = name;
		return 0;
	}
	if (strchr(slash + 1, '/') || !part_ok(arg, (size_t) (slash - arg)) ||
	    !part_ok(slash + 1, strlen(slash + 1)))
		return -EINVAL;
	pool = strndup(arg, (size_t) (slash - arg));
	if (!pool)
		return -ENOMEM;
	name = strdup(slash + 1);
	if (!name)
		return -ENOMEM;
	*ret_pool = TAKE_PTR(pool);
	*ret_name = name;
	return 0;
}

char *mcf_path_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = malloc(strlen(s) * 3 + 1), *p = out;

	if (!out)
		return NULL;
	for (; *s; s++) {
		unsigned char c = (unsigned char) *s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			*p++ = (char) c;
		} else {
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		}
	}
	*p = '\0';
	return out;
}

const char *mcf_socket_choose(const char *arg, const char *env)
{
	if (arg)
		return arg;
	if (env && *env)
		return env;
	return MCF_DEFAULT_SOCKET;
}

bool mcf_route_remote(bool opt_remote, bool opt_local, bool socket_exists)
{
	if (opt_remote)
		return true;
	if (opt_local)
		return false;
	return socket_exists;
}

int mcf_table_add(struct mcf_table *t, const char * const *cells)
{
	if (t->n_rows == t->alloc_rows) {
		size_t n = t->alloc_rows ? t->alloc_rows * 2 : 8;
		char **c = reallocarray(t->cells, n * t->n_cols, sizeof(char *));

		if (!c)
			return -ENOMEM;
		t->cells = c;
		t->alloc_rows = n;
	}
	for (size_t i = 0; i < t->n_cols; i++) {
		const char *s = cells[i] && *cells[i] ? cells[i] : "-";
		char *d = strdup(s);

		if (!d) {
			for (size_t j = 0; j < i; j++)
				free(t->cells[t->n_rows * t->n_cols + j]);
			return -ENOMEM;
		}
		t->cells[t->n_rows * t->n_cols + i] = d;
	}
	t->n_rows++;
	return 0;
}

static int render_row(const struct mcf_table *t, const size_t *width, const char * const *row,
		      struct strbuf *out)
{
	int r;

	for (size_t i = 0; i < t->n_cols; i++) {
		bool last = i + 1 == t->n_cols;

		if (last)
			r = strbuf_appendf(out, "%s\n", row[i]);
		else
			r = strbuf_appendf(out, "%-*s  ", (int) width[i], row[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

int mcf_table_render(const struct mcf_table *t, struct strbuf *out)
{
	_cleanup_free_ size_t *width = calloc(t->n_cols, sizeof(size_t));
	int r;

	if (!width)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_cols; i++) {
		width[i] = strlen(t->headers[i]);
		for (size_t j = 0; j < t->n_rows; j++)
			width[i] = MAX(width[i], strlen(t->cells[j * t->n_cols + i]));
	}
	r = render_row(t, width, t->headers, out);
	if (r < 0)
		return r;
	for (size_t j = 0; j < t->n_rows; j++) {
		r = render_row(t, width, (const char * const *) t->cells + j * t->n_cols, out);
		if (r < 0)
			return r;
	}
	return 0;
}

void mcf_table_done(struct mcf_table *t)
{
	for (size_t i = 0; i < t->n_rows * t->n_cols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->n_rows = t->alloc_rows = 0;
}

/* A string member of @o, NULL when absent or not a string */
static const char *str_of(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static json_object *obj_of(json_object *o, const char *key, json_type type)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

/* A config size as IEC ("5GiB" stays, "1GB" becomes "953.67MiB"); unparsable values as given */
static const char *size_cell(const char *given, char *buf, size_t size)
{
	uint64_t b;

	if (!given || !*given)
		return NULL;
	if (mcf_size_parse(given, &b) < 0)
		return given;
	return mcf_size_format(b, buf, size);
}

/* "2" for a used_by list of two, "0" for an empty or missing one */
static const char *count_cell(json_object *o, const char *key, char *buf, size_t size)
{
	json_object *a = obj_of(o, key, json_type_array);

	(void) snprintf(buf, size, "%zu", a ? json_object_array_length(a) : (size_t) 0);
	return buf;
}

/* "2026-11-29 13:40:00" from an RFC 3339 time; NULL for LXD's zero time */
static const char *time_cell(const char *t, char *buf, size_t size)
{
	if (!t || !*t || startswith(t, "0001-01-01"))
		return NULL;
	if (strlen(t) < 19 || t[10] != 'T')
		return t;
	(void) snprintf(buf, size, "%.10s %.8s", t, t + 11);
	return buf;
}

static int render_table(struct mcf_table *t, struct strbuf *out)
{
	int r = mcf_table_render(t, out);

	mcf_table_done(t);
	return r;
}

int mcf_render_pools(json_object *md, struct strbuf *out)
{
	static const char * const h[] = { "NAME", "DRIVER", "STATUS", "SIZE", "USED BY", "DESCRIPTION" };
	struct mcf_table t = { .n_cols = ELEMENTSOF(h), .headers = h };
	int r;

	if (!json_object_is_type(md, json_type_array))
		return -EBADMSG;
	for (size_t i = 0; i < json_object_array_length(md); i++) {
		json_object *p = json_object_array_get_idx(md, i);
		json_object *cfg = obj_of(p, "config", json_type_object);
		char sz[MCF_SIZE_MAX], used[24];
		const char *cells[] = {
			str_of(p, "name"), str_of(p, "driver"), str_of(p, "status"),
			size_cell(str_of(cfg, "size"), sz, sizeof(sz)),
			count_cell(p, "used_by", used, sizeof(used)), str_of(p, "description"),
		};

		if (!json_object_is_type(p, json_type_object) || !cells[0]) {
			mcf_table_done(&t);
			return -EBADMSG;
		}
		r = mcf_table_add(&t, cells);
		if (r < 0) {
			mcf_table_done(&t);
			return r;
		}
	}
	return render_table(&t, out);
}

/* "key: value" lines of a config map, sorted by key, under a "config:" line */
static int render_config(json_object *cfg, struct strbuf *out)
{
	_cleanup_free_ const char **keys = NULL;
	size_t n = 0;
	int r;

	r = strbuf_appends(out, "config:");
	if (r < 0)
		return r;
	if (!cfg || json_object_object_length(cfg) == 0)
		return strbuf_appends(out, " -\n");
	keys = calloc((size_t) json_object_object_length(cfg), sizeof(char *));
	if (!keys)
		return -ENOMEM;
	json_object_object_foreach(cfg, k, v) {
		(void) v;
		keys[n++] = k;
	}
	/* insertion sort: config maps are small */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
			const char *x = keys[j];

			keys[j] = keys[j - 1];
			keys[j - 1] = x;
		}
	r = strbuf_appends(out, "\n");
	for (size_t i = 0; r >= 0 && i < n; i++) {
		const char *v = str_of(cfg, keys[i]);

		r = strbuf_appendf(out, "  %s: %s\n", keys[i], v && *v ? v : "-");
	}
	return r;
}

static int render_used_by(json_object *o, struct strbuf *out)
{
	json_object *a = obj_of(o, "used_by", json_type_array);
	int r;

	r = strbuf_appends(out, "used by:");
	if (r < 0)
		return r;
	if (!a || json_object_array_length(a) == 0)
		return strbuf_appends(out, " -\n");
	r = strbuf_appends(out, "\n");
	for (size_t i = 0; r >= 0 && i < json_object_array_length(a); i++)
		r = strbuf_appendf(out, "  %s\n", json_object_get_string(json_object_array_get_idx(a, i)));
	return r;
}

static int render_field(struct strbuf *out, const char *label, const char *v)
{
	return strbuf_appendf(out, "%s: %s\n", label, v && *v ? v : "-");
}

int mcf_render_pool(json_object *md, struct strbuf *out)
{
	int r;

	if (!json_object_is_type(md, json_type_object) || !str_of(md, "name"))
		return -EBADMSG;
	r = render_field(out, "name", str_of(md, "name"));
	if (r >= 0)
		r = render_field(out, "driver", str_of(md, "driver"));
	if (r >= 0)
		r = render_field(out, "status", str_of(md, "status"));
	if (r >= 0 && str_of(md, "status_reason") && *str_of(md, "status_reason"))
		r = render_field(out, "status reason", str_of(md, "status_reason"));
	if (r >= 0)
		r = render_field(out, "description", str_of(md, "description"));
	if (r >= 0)
		r = render_config(obj_of(md, "config", json_type_object), out);
	if (r >= 0)
		r = render_used_by(md, out);
	return r;
}

/* A byte count member (a JSON integer >= 0) */
static int bytes_of(json_object *o, const char *key, uint64_t *ret)
{
	json_object *v = obj_of(o, key, json_type_int);

	if (!v || json_object_get_int64(v) < 0)
		return -EBADMSG;
	*ret = (uint64_t) json_object_get_int64(v);
	return 0;
}

int mcf_render_resources(json_object *md, struct strbuf *out)
{
	json_object *space = obj_of(md, "space", json_type_object);
	char a[MCF_SIZE_MAX], b[MCF_SIZE_MAX], c[MCF_SIZE_MAX];
	uint64_t used, total;

	if (!space || bytes_of(space, "used", &used) < 0 || bytes_of(space, "total", &total) < 0)
		return -EBADMSG;
	return strbuf_appendf(out, "space used: %s\ntotal space: %s\nfree: %s\n",
			      mcf_size_format(used, a, sizeof(a)), mcf_size_format(total, b, sizeof(b)),
			      mcf_size_format(sub_sat(total, used), c, sizeof(c)));
}

int mcf_render_volumes(json_object *md, struct strbuf *out)
{
	static const char * const h[] = { "TYPE", "NAME", "CONTENT", "SIZE", "USED BY", "CREATED", "DESCRIPTION" };
	struct mcf_table t = { .n_cols = ELEMENTSOF(h), .headers = h };
	int r;

	if (!json_object_is_type(md, json_type_array))
		return -EBADMSG;
	for (size_t i = 0; i < json_object_array_length(md); i++) {
		json_object *v = json_object_array_get_idx(md, i);
		json_object *cfg = obj_of(v, "config", json_type_object);
		char sz[MCF_SIZE_MAX], used[24], tm[32];
		const char *cells[] = {
			str_of(v, "type"), str_of(v, "name"), str_of(v, "content_type"),
			size_cell(str_of(cfg, "size"), sz, sizeof(sz)),
			count_cell(v, "used_by", used, sizeof(used)),
			time_cell(str_of(v, "created_at"), tm, sizeof(tm)), str_of(v, "description"),
		};

		if (!json_object_is_type(v, json_type_object) || !cells[1]) {
			mcf_table_done(&t);
			return -EBADMSG;
		}
		r = mcf_table_add(&t, cells);
		if (r < 0) {
			mcf_table_done(&t);
			return r;
		}
	}
	return render_table(&t, out);
}

int mcf_render_volume(json_object *md, struct strbuf *out)
{
	char tm[32];
	int r;

	if (!json_object_is_type(md, json_type_object) || !str_of(md, "name"))
		return -EBADMSG;
	r = render_field(out, "name", str_of(md, "name"));
	if (r >= 0)
		r = render_field(out, "type", str_of(md, "type"));
	if (r >= 0)
		r = render_field(out, "content type", str_of(md, "content_type"));
	if (r >= 0)
		r = render_field(out, "created", time_cell(str_of(md, "created_at"), tm, sizeof(tm)));
	if (r >= 0)
		r = render_field(out, "description", str_of(md, "description"));
	if (r >= 0)
		r = render_config(obj_of(md, "config", json_type_object), out);
	if (r >= 0)
		r = render_used_by(md, out);
	return r;
}

int mcf_render_snapshots(json_object *md, struct strbuf *out)
{
	static const char * const h[] = { "NAME", "CREATED", "STATEFUL", "EXPIRES", "DESCRIPTION" };
	struct mcf_table t = { .n_cols = ELEMENTSOF(h), .headers = h };
	int r;

	if (!json_object_is_type(md, json_type_array))
		return -EBADMSG;
	for (size_t i = 0; i < json_object_array_length(md); i++) {
		json_object *s = json_object_array_get_idx(md, i);
		json_object *st = obj_of(s, "stateful", json_type_boolean);
		const char *name = str_of(s, "name");
		char tm[32], ex[32];
		const char *cells[] = {
			/* instance snapshots are named "c1/s1" in LXD's objects, volume ones "s1" */
			name && strchr(name, '/') ? strrchr(name, '/') + 1 : name,
			time_cell(str_of(s, "created_at"), tm, sizeof(tm)),
			st ? (json_object_get_boolean(st) ? "yes" : "no") : NULL,
			time_cell(str_of(s, "expires_at"), ex, sizeof(ex)), str_of(s, "description"),
		};

		if (!json_object_is_type(s, json_type_object) || !name) {
			mcf_table_done(&t);
			return -EBADMSG;
		}
		r = mcf_table_add(&t, cells);
		if (r < 0) {
			mcf_table_done(&t);
			return r;
		}
	}
	return render_table(&t, out);
}

/* The pool of an instance's root disk: expanded_devices, else devices */
static const char *root_pool(json_object *inst)
{
	const char *keys[] = { "expanded_devices", "devices" };

	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		json_object *devs = obj_of(inst, keys[i], json_type_object);

		if (!devs)
			continue;
		json_object_object_foreach(devs, k, d) {
			(void) k;
			if (streq(str_of(d, "type") ?: "", "disk") && streq(str_of(d, "path") ?: "", "/"))
				return str_of(d, "pool");
		}
	}
	return NULL;
}

static void upper(const char *s, char *buf, size_t size)
{
	size_t i;

	for (i = 0; s && s[i] && i + 1 < size; i++)
		buf[i] = (s[i] >= 'a' && s[i] <= 'z') ? (char) (s[i] - 'a' + 'A') : s[i];
	buf[i] = '\0';
}

int mcf_render_instances(json_object *md, struct strbuf *out)
{
	static const char * const h[] = { "NAME", "TYPE", "STATUS", "REASON", "POOL" };
	struct mcf_table t = { .n_cols = ELEMENTSOF(h), .headers = h };
	int r;

	if (!json_object_is_type(md, json_type_array))
		return -EBADMSG;
	for (size_t i = 0; i < json_object_array_length(md); i++) {
		json_object *in = json_object_array_get_idx(md, i);
		char status[32];
		const char *cells[5];

		upper(str_of(in, "status"), status, sizeof(status));
		cells[0] = str_of(in, "name");
		cells[1] = str_of(in, "type");
		cells[2] = status;
		cells[3] = str_of(in, "status_reason");
		cells[4] = root_pool(in);
		if (!json_object_is_type(in, json_type_object) || !cells[0]) {
			mcf_table_done(&t);
			return -EBADMSG;
		}
		r = mcf_table_add(&t, cells);
		if (r < 0) {
			mcf_table_done(&t);
			return r;
		}
	}
	return render_table(&t, out);
}

int mcf_render_instance(json_object *md, json_object *state, struct strbuf *out)
{
	json_object *mem = obj_of(state, "memory", json_type_object);
	json_object *pid = obj_of(state, "pid", json_type_int);
	json_object *procs = obj_of(state, "processes", json_type_int);
	char tm[32], used[32], buf[MCF_SIZE_MAX];
	uint64_t usage;
	int r;

	if (!json_object_is_type(md, json_type_object) || !str_of(md, "name"))
		return -EBADMSG;
	r = render_field(out, "Name", str_of(md, "name"));
	if (r >= 0)
		r = render_field(out, "Type", str_of(md, "type"));
	if (r >= 0)
		r = render_field(out, "Status", str_of(state, "status") ?: str_of(md, "status"));
	if (r >= 0)
		r = render_field(out, "Reason", str_of(state, "status_reason") ?: str_of(md, "status_reason"));
	if (r >= 0)
		r = render_field(out, "Pool", root_pool(md));
	if (r >= 0 && pid && json_object_get_int64(pid) > 0)
		r = strbuf_appendf(out, "PID: %" PRId64 "\n", json_object_get_int64(pid));
	if (r >= 0 && procs && json_object_get_int64(procs) >= 0 && pid && json_object_get_int64(pid) > 0)
		r = strbuf_appendf(out, "Processes: %" PRId64 "\n", json_object_get_int64(procs));
	if (r >= 0 && mem && bytes_of(mem, "usage", &usage) >= 0 && usage > 0)
		r = render_field(out, "Memory", mcf_size_format(usage, buf, sizeof(buf)));
	if (r >= 0)
		r = render_field(out, "Created", time_cell(str_of(md, "created_at"), tm, sizeof(tm)));
	if (r >= 0)
		r = render_field(out, "Last used", time_cell(str_of(md, "last_used_at"), used, sizeof(used)));
	if (r >= 0)
		r = render_config(obj_of(md, "config", json_type_object), out);
	return r;
}

int mcf_render_devices(json_object *md, struct strbuf *out)
{
	static const char * const h[] = { "NAME", "TYPE", "SETTINGS" };
	struct mcf_table t = { .n_cols = ELEMENTSOF(h), .headers = h };
	_cleanup_free_ const char **names = NULL;
	size_t n = 0;
	int r;

	if (!json_object_is_type(md, json_type_object))
		return -EBADMSG;
	names = calloc((size_t) json_object_object_length(md) + 1, sizeof(char *));
	if (!names)
		return -ENOMEM;
	json_object_object_foreach(md, k, v) {
		if (!json_object_is_type(v, json_type_object))
			return -EBADMSG;
		names[n++] = k;
	}
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			const char *x = names[j];

			names[j] = names[j - 1];
			names[j - 1] = x;
		}
	for (size_t i = 0; i < n; i++) {
		_cleanup_(strbuf_done) struct strbuf kv = STRBUF_INIT(1u << 16);
		_cleanup_free_ const char **keys = NULL;
		json_object *d = NULL;
		size_t nk = 0;
		const char *cells[3];

		(void) json_object_object_get_ex(md, names[i], &d);
		keys = calloc((size_t) json_object_object_length(d) + 1, sizeof(char *));
		if (!keys) {
			mcf_table_done(&t);
			return -ENOMEM;
		}
		json_object_object_foreach(d, k2, v2) {
			(void) v2;
			if (!streq(k2, "type"))
				keys[nk++] = k2;
		}
		for (size_t a = 1; a < nk; a++)
			for (size_t b = a; b > 0 && strcmp(keys[b - 1], keys[b]) > 0; b--) {
				const char *x = keys[b];

				keys[b] = keys[b - 1];
				keys[b - 1] = x;
			}
		r = 0;
		for (size_t a = 0; r >= 0 && a < nk; a++)
			r = strbuf_appendf(&kv, "%s%s=%s", a ? " " : "", keys[a], str_of(d, keys[a]) ?: "");
		if (r < 0) {
			mcf_table_done(&t);
			return r;
		}
		cells[0] = names[i];
		cells[1] = str_of(d, "type");
		cells[2] = kv.buf;
		r = mcf_table_add(&t, cells);
		if (r < 0) {
			mcf_table_done(&t);
			return r;
		}
	}
	return render_table(&t, out);
}
