/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxlaunch's manager commands: argv -> REST request(s) -> table or JSON (mgr-cli.h). */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cleanup.h"
#include "mgr-cli.h"
#include "mgr-client.h"
#include "mgr-format.h"
#include "parse-util.h"
#include "strbuf.h"

#define REQUEST_TIMEOUT_S 60	/* one request; operations are waited for in WAIT_STEP_S steps */
#define WAIT_STEP_S 30

static const char *arg_socket;
static bool arg_json;
static bool arg_force;
static bool arg_stateful;
static const char *arg_type;		/* volume --type, create --vm */
static const char *arg_storage;
static const char *arg_template;
static const char *arg_memory;
static const char *arg_cpus;
static const char *arg_kernel, *arg_initrd, *arg_append, *arg_image;
static int arg_timeout = -1;
static bool arg_show_log;
static json_object *arg_config;		/* -c k=v (create) */

static void json_putp(json_object **o)
{
	if (*o)
		json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(json_putp)

static void mgr_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void mgr_error(const char *fmt, ...)
{
	va_list ap;

	fputs("Error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("lxlaunch: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return MGR_EXIT_USAGE;
}

int mgr_route_scan(int argc, char *argv[], struct mgr_route *ret)
{
	struct mgr_route r = {};

	for (int i = 1; i < argc; i++) {
		const char *v;

		if (streq(argv[i], "--"))
			break;
		if (streq(argv[i], "--remote"))
			r.remote = true;
		else if (streq(argv[i], "--local"))
			r.local = true;
		else if (streq(argv[i], "--lxcpath") || startswith(argv[i], "--lxcpath="))
			r.lxcpath = true;
		else if (streq(argv[i], "--socket")) {
			if (i + 1 >= argc || !*argv[i + 1])
				return usage_error("Option '--socket' needs a value");
			r.socket = argv[++i];
		} else if ((v = startswith(argv[i], "--socket="))) {
			if (!*v)
				return usage_error("Option '--socket' needs a value");
			r.socket = v;
		}
	}
	if (r.remote && r.local)
		return usage_error("Options '--remote' and '--local' exclude each other");
	if (r.remote && r.lxcpath)
		return usage_error("Option '--lxcpath' is for liblxc containers: it does not go with '--remote'");
	*ret = r;
	return 0;
}

bool mgr_verb_is_manager_only(const char *verb)
{
	return streq(verb, "storage") || streq(verb, "volume") || streq(verb, "snapshot") ||
	       streq(verb, "freeze") || streq(verb, "unfreeze") || streq(verb, "copy") ||
	       streq(verb, "console") || streq(verb, "device") || streq(verb, "config");
}

bool mgr_route_is_remote(const struct mgr_route *route)
{
	const char *sock = mcf_socket_choose(route->socket, getenv("LXKIT_SOCKET"));
	struct stat st;
	bool exists = stat(sock, &st) == 0 && S_ISSOCK(st.st_mode);

	/* --lxcpath names a liblxc container path: such a command is local */
	return mcf_route_remote(route->remote, route->local || route->lxcpath, exists);
}

/* Prints the manager's refusal or the transport error and returns the exit code for it */
static int transport_fail(int r, const char *msg)
{
	mgr_error("%s", msg[0] ? msg : strerror(-r));
	return (r == -ECONNREFUSED || r == -ETIMEDOUT) ? MGR_EXIT_UNREACHABLE : MGR_EXIT_REFUSED;
}

static const char *env_str(json_object *env, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(env, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Waits for the operation at @op_path; *ret_md gets the operation's metadata on success */
static int wait_operation(const char *op_path, json_object **ret_md)
{
	_cleanup_free_ char *path = NULL;
	char msg[512] = "";
	int r;

	if (!startswith(op_path, "/1.0/operations/")) {
		mgr_error("the manager returned an invalid operation '%s'", op_path);
		return MGR_EXIT_REFUSED;
	}
	if (asprintf(&path, "%s/wait?timeout=%d", op_path, WAIT_STEP_S) < 0)
		return MGR_EXIT_REFUSED;
	for (;;) {
		_cleanup_(mgr_reply_done) struct mgr_reply rep = {};
		json_object *md, *v;
		const char *status;

		r = mgr_request(arg_socket, "GET", path, NULL, WAIT_STEP_S + 30, &rep, msg, sizeof(msg));
		if (r < 0)
			return transport_fail(r, msg);
		if (streq(env_str(rep.root, "type") ?: "", "error")) {
			mgr_error("%s", env_str(rep.root, "error") ?: "unknown error");
			return MGR_EXIT_REFUSED;
		}
		if (!json_object_object_get_ex(rep.root, "metadata", &md) ||
		    !json_object_is_type(md, json_type_object)) {
			mgr_error("the manager's reply for operation '%s' has no operation", op_path);
			return MGR_EXIT_REFUSED;
		}
		status = env_str(md, "status") ?: "";
		if (streq(status, "Running") || streq(status, "Pending"))
			continue;
		if (!streq(status, "Success")) {
			const char *e = env_str(md, "err");

			mgr_error("%s", e && *e ? e : status);
			return MGR_EXIT_REFUSED;
		}
		if (json_object_object_get_ex(md, "metadata", &v))
			*ret_md = json_object_get(v);
		else
			*ret_md = NULL;
		return MGR_EXIT_OK;
	}
}

/* One call: request, envelope check, and for an async reply the wait. *ret_md (may be NULL)
 * gets a reference to the sync metadata or the finished operation's metadata. */
static int call(const char *method, const char *path, json_object *body, json_object **ret_md)
{
	_cleanup_(mgr_reply_done) struct mgr_reply rep = {};
	json_object *md = NULL, *op;
	const char *type;
	char msg[512] = "";
	int r;

	r = mgr_request(arg_socket, method, path, body, REQUEST_TIMEOUT_S, &rep, msg, sizeof(msg));
	if (r < 0)
		return transport_fail(r, msg);
	type = env_str(rep.root, "type") ?: "";
	if (streq(type, "error") || rep.http_status >= 400) {
		const char *e = env_str(rep.root, "error");

		mgr_error("%s", e && *e ? e : "the manager refused the request");
		return MGR_EXIT_REFUSED;
	}
	if (streq(type, "async")) {
		if (!json_object_object_get_ex(rep.root, "operation", &op) ||
		    !json_object_is_type(op, json_type_string)) {
			mgr_error("the manager's async reply to %s %s has no operation", method, path);
			return MGR_EXIT_REFUSED;
		}
		if (!ret_md) {
			json_object *ignored = NULL;

			r = wait_operation(json_object_get_string(op), &ignored);
			json_putp(&ignored);
			return r;
		}
		return wait_operation(json_object_get_string(op), ret_md);
	}
	if (ret_md) {
		(void) json_object_object_get_ex(rep.root, "metadata", &md);
		*ret_md = md ? json_object_get(md) : NULL;
	}
	return MGR_EXIT_OK;
}

static int print_json(json_object *md)
{
	puts(md ? json_object_to_json_string_ext(md, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE)
		: "null");
	return MGR_EXIT_OK;
}

/* GET @path and print it with @render, or as JSON */
static int show(const char *path, int (*render)(json_object *, struct strbuf *))
{
	_cleanup_json_ json_object *md = NULL;
	_cleanup_(strbuf_done) struct strbuf out = STRBUF_INIT(64u << 20);
	int r;

	r = call("GET", path, NULL, &md);
	if (r != MGR_EXIT_OK)
		return r;
	if (arg_json)
		return print_json(md);
	r = render(md, &out);
	if (r < 0) {
		mgr_error("the manager's reply to GET %s has an unexpected shape", path);
		return MGR_EXIT_REFUSED;
	}
	fputs(out.buf ?: "", stdout);
	return MGR_EXIT_OK;
}

/* A call whose metadata is printed only with --format json */
static int act(const char *method, const char *path, json_object *body, const char *done_msg)
{
	_cleanup_json_ json_object *md = NULL;
	int r;

	r = call(method, path, body, &md);
	if (r != MGR_EXIT_OK)
		return r;
	if (arg_json)
		return print_json(md);
	if (done_msg)
		puts(done_msg);
	return MGR_EXIT_OK;
}

/* "/1.0/a/<seg>/b/<seg>..." from a printf-like pattern whose %s are escaped path segments */
static char *build_path(const char *fmt, ...)
{
	_cleanup_(strbuf_done) struct strbuf sb = STRBUF_INIT(1u << 16);
	va_list ap;

	va_start(ap, fmt);
	for (const char *p = fmt; *p; p++) {
		if (p[0] == '%' && p[1] == 's') {
			_cleanup_free_ char *e = mcf_path_escape(va_arg(ap, const char *));

			if (!e || strbuf_appends(&sb, e) < 0) {
				va_end(ap);
				return NULL;
			}
			p++;
		} else if (strbuf_append(&sb, p, 1) < 0) {
			va_end(ap);
			return NULL;
		}
	}
	va_end(ap);
	return strbuf_steal(&sb, NULL);
}

/* Adds k=v operands to @config; usage error for one without '=' */
static int add_kv_operands(json_object *config, int n, char **ops)
{
	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *k = NULL, *v = NULL;
		int r = mcf_kv_parse(ops[i], &k, &v);

		if (r == -ENOMEM)
			return usage_error("Out of memory");
		if (r < 0)
			return usage_error("Invalid setting '%s': expected KEY=VALUE", ops[i]);
		json_object_object_add(config, k, json_object_new_string(v));
	}
	return 0;
}

static int need_ops(const char *cmd, int n, int min, int max, const char *what)
{
	if (n < min || (max >= 0 && n > max))
		return usage_error("Usage: lxlaunch %s %s", cmd, what);
	return 0;
}

static int cmd_storage(int n, char **ops)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_json_ json_object *body = NULL;
	const char *sub = n > 0 ? ops[0] : "";
	int r;

	if (streq(sub, "list")) {
		if ((r = need_ops("storage", n, 1, 1, "list")))
			return r;
		return show("/1.0/storage-pools?recursion=1", mcf_render_pools);
	}
	if (streq(sub, "show") || streq(sub, "info") || streq(sub, "delete")) {
		if ((r = need_ops("storage", n, 2, 2, "show|info|delete POOL")))
			return r;
		path = build_path(streq(sub, "info") ? "/1.0/storage-pools/%s/resources" : "/1.0/storage-pools/%s",
				  ops[1]);
		if (!path)
			return usage_error("Out of memory");
		if (streq(sub, "delete"))
			return act("DELETE", path, NULL, NULL);
		return show(path, streq(sub, "info") ? mcf_render_resources : mcf_render_pool);
	}
	if (streq(sub, "create")) {
		json_object *config;

		if ((r = need_ops("storage", n, 3, -1, "create POOL DRIVER [KEY=VALUE...]")))
			return r;
		body = json_object_new_object();
		config = json_object_new_object();
		json_object_object_add(body, "name", json_object_new_string(ops[1]));
		json_object_object_add(body, "driver", json_object_new_string(ops[2]));
		json_object_object_add(body, "config", config);
		if ((r = add_kv_operands(config, n - 3, ops + 3)))
			return r;
		return act("POST", "/1.0/storage-pools", body, NULL);
	}
	if (streq(sub, "set")) {
		json_object *config;

		if ((r = need_ops("storage", n, 3, -1, "set POOL KEY=VALUE...")))
			return r;
		body = json_object_new_object();
		config = json_object_new_object();
		json_object_object_add(body, "config", config);
		if ((r = add_kv_operands(config, n - 2, ops + 2)))
			return r;
		/* description is a field of its own, not a config key */
		if (json_object_object_get_ex(config, "description", NULL)) {
			json_object *d;

			(void) json_object_object_get_ex(config, "description", &d);
			json_object_object_add(body, "description", json_object_get(d));
			json_object_object_del(config, "description");
		}
		path = build_path("/1.0/storage-pools/%s", ops[1]);
		if (!path)
			return usage_error("Out of memory");
		return act("PATCH", path, body, NULL);
	}
	return usage_error("Usage: lxlaunch storage list|show|info|create|set|delete ...");
}

static int split_pool_volume(const char *arg, char **ret_pool, char **ret_vol)
{
	int r = mcf_target_parse(arg, ret_pool, ret_vol);

	if (r < 0 || !*ret_pool) {
		if (r >= 0) {
			free(*ret_vol);
			*ret_vol = NULL;
		}
		return usage_error("Invalid volume '%s': expected POOL/VOLUME", arg);
	}
	return 0;
}

static int cmd_volume(int n, char **ops)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_json_ json_object *body = NULL;
	const char *sub = n > 0 ? ops[0] : "";
	int r;

	if (streq(sub, "list")) {
		if ((r = need_ops("volume", n, 2, 2, "list POOL")))
			return r;
		path = build_path("/1.0/storage-pools/%s/volumes?recursion=1", ops[1]);
		return path ? show(path, mcf_render_volumes) : usage_error("Out of memory");
	}
	if (streq(sub, "show") || streq(sub, "delete")) {
		if ((r = need_ops("volume", n, 3, 3, "show|delete POOL VOLUME")))
			return r;
		path = build_path("/1.0/storage-pools/%s/volumes/custom/%s", ops[1], ops[2]);
		if (!path)
			return usage_error("Out of memory");
		return streq(sub, "delete") ? act("DELETE", path, NULL, NULL) : show(path, mcf_render_volume);
	}
	if (streq(sub, "create")) {
		json_object *config;

		if ((r = need_ops("volume", n, 3, -1, "create POOL VOLUME [--type block|filesystem] [size=SIZE]")))
			return r;
		body = json_object_new_object();
		config = json_object_new_object();
		json_object_object_add(body, "name", json_object_new_string(ops[2]));
		json_object_object_add(body, "content_type", json_object_new_string(arg_type ?: "filesystem"));
		json_object_object_add(body, "config", config);
		if ((r = add_kv_operands(config, n - 3, ops + 3)))
			return r;
		path = build_path("/1.0/storage-pools/%s/volumes/custom", ops[1]);
		return path ? act("POST", path, body, NULL) : usage_error("Out of memory");
	}
	if (streq(sub, "resize")) {
		json_object *config;
		uint64_t b;

		if ((r = need_ops("volume", n, 4, 4, "resize POOL VOLUME SIZE")))
			return r;
		if (mcf_size_parse(ops[3], &b) < 0)
			return usage_error("Invalid size '%s': expected bytes or an integer with kB MB GB TB PB "
					   "KiB MiB GiB TiB PiB", ops[3]);
		body = json_object_new_object();
		config = json_object_new_object();
		json_object_object_add(config, "size", json_object_new_string(ops[3]));
		json_object_object_add(body, "config", config);
		path = build_path("/1.0/storage-pools/%s/volumes/custom/%s", ops[1], ops[2]);
		return path ? act("PATCH", path, body, NULL) : usage_error("Out of memory");
	}
	if (streq(sub, "copy")) {
		_cleanup_free_ char *sp = NULL, *sv = NULL, *dp = NULL, *dv = NULL;
		json_object *src;

		if ((r = need_ops("volume", n, 3, 3, "copy POOL/VOLUME [POOL/]VOLUME")))
			return r;
		if ((r = split_pool_volume(ops[1], &sp, &sv)))
			return r;
		if (mcf_target_parse(ops[2], &dp, &dv) < 0)
			return usage_error("Invalid copy target '%s'", ops[2]);
		body = json_object_new_object();
		src = json_object_new_object();
		json_object_object_add(src, "type", json_object_new_string("copy"));
		json_object_object_add(src, "pool", json_object_new_string(sp));
		json_object_object_add(src, "name", json_object_new_string(sv));
		json_object_object_add(body, "name", json_object_new_string(dv));
		json_object_object_add(body, "source", src);
		path = build_path("/1.0/storage-pools/%s/volumes/custom", dp ?: sp);
		return path ? act("POST", path, body, NULL) : usage_error("Out of memory");
	}
	return usage_error("Usage: lxlaunch volume list|show|create|resize|copy|delete ...");
}

static int cmd_snapshot(int n, char **ops)
{
	_cleanup_free_ char *pool = NULL, *name = NULL, *base = NULL, *path = NULL;
	_cleanup_json_ json_object *body = NULL;
	const char *sub = n > 0 ? ops[0] : "";
	int r;

	if (n < 2)
		return usage_error("Usage: lxlaunch snapshot create|list|restore|delete NAME|POOL/VOLUME [SNAPSHOT]");
	r = mcf_target_parse(ops[1], &pool, &name);
	if (r < 0)
		return usage_error("Invalid snapshot target '%s': expected NAME or POOL/VOLUME", ops[1]);
	base = pool ? build_path("/1.0/storage-pools/%s/volumes/custom/%s", pool, name)
		    : build_path("/1.0/instances/%s", name);
	if (!base)
		return usage_error("Out of memory");
	if (arg_stateful && (pool || !streq(sub, "create")))
		return usage_error("Option '--stateful' applies to 'snapshot create' of an instance only");

	if (streq(sub, "list")) {
		if ((r = need_ops("snapshot", n, 2, 2, "list TARGET")))
			return r;
		if (asprintf(&path, "%s/snapshots?recursion=1", base) < 0)
			return usage_error("Out of memory");
		return show(path, mcf_render_snapshots);
	}
	if (streq(sub, "create")) {
		if ((r = need_ops("snapshot", n, 2, 3, "create TARGET [SNAPSHOT] [--stateful]")))
			return r;
		body = json_object_new_object();
		if (n == 3)
			json_object_object_add(body, "name", json_object_new_string(ops[2]));
		if (!pool)
			json_object_object_add(body, "stateful", json_object_new_boolean(arg_stateful));
		if (asprintf(&path, "%s/snapshots", base) < 0)
			return usage_error("Out of memory");
		return act("POST", path, body, NULL);
	}
	if (streq(sub, "restore")) {
		if ((r = need_ops("snapshot", n, 3, 3, "restore TARGET SNAPSHOT")))
			return r;
		body = json_object_new_object();
		json_object_object_add(body, "restore", json_object_new_string(ops[2]));
		return act("PUT", base, body, NULL);
	}
	if (streq(sub, "delete")) {
		_cleanup_free_ char *snap = NULL;

		if ((r = need_ops("snapshot", n, 3, 3, "delete TARGET SNAPSHOT")))
			return r;
		snap = mcf_path_escape(ops[2]);
		if (!snap || asprintf(&path, "%s/snapshots/%s", base, snap) < 0)
			return usage_error("Out of memory");
		return act("DELETE", path, NULL, NULL);
	}
	return usage_error("Usage: lxlaunch snapshot create|list|restore|delete TARGET [SNAPSHOT]");
}

static int cmd_create(int n, char **ops)
{
	_cleanup_json_ json_object *body = json_object_new_object();
	json_object *src = json_object_new_object(), *devs = json_object_new_object();
	json_object *root = json_object_new_object();
	json_object *config = arg_config ? json_object_get(arg_config) : json_object_new_object();
	bool vm = arg_type && streq(arg_type, "virtual-machine");
	int r;

	json_object_object_add(body, "source", src);
	json_object_object_add(body, "devices", devs);
	json_object_object_add(body, "config", config);
	json_object_object_add(devs, "root", root);
	if ((r = need_ops("create", n, 1, 1, "NAME --storage POOL [--template busybox] [--memory SIZE] "
			  "[--cpus N] [-c KEY=VALUE]")))
		return r;
	if (!arg_storage)
		return usage_error("Command 'create' through the manager needs '--storage POOL'");
	if (vm && arg_template)
		return usage_error("Options '--vm' and '--template' exclude each other");
	json_object_object_add(body, "name", json_object_new_string(ops[0]));
	json_object_object_add(body, "type", json_object_new_string(vm ? "virtual-machine" : "container"));
	if (vm) {
		json_object_object_add(src, "type", json_object_new_string(arg_image ? "image" : "none"));
		if (arg_image)	/* a disk image imported into the root disk, booted by the firmware */
			json_object_object_add(src, "source", json_object_new_string(arg_image));
		if (arg_kernel)
			json_object_object_add(config, "vm.kernel", json_object_new_string(arg_kernel));
		if (arg_initrd)
			json_object_object_add(config, "vm.initrd", json_object_new_string(arg_initrd));
		if (arg_append)
			json_object_object_add(config, "vm.append", json_object_new_string(arg_append));
	} else {
		if (arg_kernel || arg_initrd || arg_append || arg_image)
			return usage_error("Options '--kernel', '--initrd', '--append' and '--image' need "
					   "'--vm'");
		json_object_object_add(src, "type", json_object_new_string("template"));
		json_object_object_add(src, "template", json_object_new_string(arg_template ?: "busybox"));
	}
	if (arg_memory)
		json_object_object_add(config, "limits.memory", json_object_new_string(arg_memory));
	if (arg_cpus)
		json_object_object_add(config, "limits.cpu", json_object_new_string(arg_cpus));
	json_object_object_add(root, "type", json_object_new_string("disk"));
	json_object_object_add(root, "path", json_object_new_string("/"));
	json_object_object_add(root, "pool", json_object_new_string(arg_storage));
	return act("POST", "/1.0/instances", body, NULL);
}

/* device add N D type=T k=v... | remove N D | list N (spec §9; the routes are issue 10's) */
static int cmd_device(int n, char **ops)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_json_ json_object *body = NULL;
	const char *sub = n > 0 ? ops[0] : "";
	int r;

	if (streq(sub, "list")) {
		_cleanup_json_ json_object *md = NULL;
		_cleanup_(strbuf_done) struct strbuf out = STRBUF_INIT(16u << 20);

		if ((r = need_ops("device", n, 2, 2, "list NAME")))
			return r;
		path = build_path("/1.0/instances/%s/devices", ops[1]);
		if (!path)
			return usage_error("Out of memory");
		r = call("GET", path, NULL, &md);
		if (r != MGR_EXIT_OK)
			return r;
		if (arg_json)
			return print_json(md);
		if (mcf_render_devices(md, &out) < 0) {
			mgr_error("the manager's reply to GET %s has an unexpected shape", path);
			return MGR_EXIT_REFUSED;
		}
		fputs(out.buf ?: "", stdout);
		return MGR_EXIT_OK;
	}
	if (streq(sub, "add")) {
		if ((r = need_ops("device", n, 4, -1, "add NAME DEVICE type=TYPE [KEY=VALUE...]")))
			return r;
		body = json_object_new_object();
		if ((r = add_kv_operands(body, n - 3, ops + 3)))
			return r;
		if (!json_object_object_get_ex(body, "type", NULL))
			return usage_error("Command 'device add' needs type=TYPE");
		path = build_path("/1.0/instances/%s/devices/%s", ops[1], ops[2]);
		return path ? act("POST", path, body, NULL) : usage_error("Out of memory");
	}
	if (streq(sub, "remove")) {
		if ((r = need_ops("device", n, 3, 3, "remove NAME DEVICE")))
			return r;
		path = build_path("/1.0/instances/%s/devices/%s", ops[1], ops[2]);
		return path ? act("DELETE", path, NULL, NULL) : usage_error("Out of memory");
	}
	return usage_error("Usage: lxlaunch device add|remove|list ...");
}

/* Prints the keys a running VM takes at its next start, from an update's operation metadata */
static void print_restart_required(json_object *md)
{
	json_object *keys;
	size_t n;

	if (!md || !json_object_object_get_ex(md, "restart_required", &keys) ||
	    !json_object_is_type(keys, json_type_array) || !(n = json_object_array_length(keys)))
		return;
	fputs("Stored; the running virtual machine takes", stdout);
	for (size_t i = 0; i < n; i++)
		printf("%s %s", i ? "," : "", json_object_get_string(json_object_array_get_idx(keys, i)));
	puts(" at its next start");
}

/* config show N | set N k=v... (PATCH) | unset N KEY... (GET, then PUT without the keys) */
static int cmd_config(int n, char **ops)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_json_ json_object *body = NULL, *md = NULL, *done = NULL;
	const char *sub = n > 0 ? ops[0] : "";
	json_object *config, *put, *v;
	int r;

	if (!streq(sub, "show") && !streq(sub, "set") && !streq(sub, "unset"))
		return usage_error("Usage: lxlaunch config show NAME | set NAME KEY=VALUE... | unset "
				   "NAME KEY...");
	if ((r = need_ops("config", n, 2, streq(sub, "show") ? 2 : -1,
			  streq(sub, "show") ? "show NAME" : streq(sub, "set") ?
			  "set NAME KEY=VALUE..." : "unset NAME KEY...")))
		return r;
	if (!streq(sub, "show") && n < 3)
		return usage_error("Usage: lxlaunch config %s NAME %s...", sub,
				   streq(sub, "set") ? "KEY=VALUE" : "KEY");
	path = build_path("/1.0/instances/%s", ops[1]);
	if (!path)
		return usage_error("Out of memory");
	if (streq(sub, "set")) {
		body = json_object_new_object();
		config = json_object_new_object();
		json_object_object_add(body, "config", config);
		if ((r = add_kv_operands(config, n - 2, ops + 2)))
			return r;
		r = call("PATCH", path, body, &done);
		if (r != MGR_EXIT_OK)
			return r;
		if (arg_json)
			return print_json(done);
		print_restart_required(done);
		return MGR_EXIT_OK;
	}
	r = call("GET", path, NULL, &md);
	if (r != MGR_EXIT_OK)
		return r;
	if (!md || !json_object_object_get_ex(md, "config", &config) ||
	    !json_object_is_type(config, json_type_object)) {
		mgr_error("the manager's reply to GET %s has no config", path);
		return MGR_EXIT_REFUSED;
	}
	if (streq(sub, "show")) {
		if (arg_json)
			return print_json(config);
		json_object_object_foreach(config, k, val)
			printf("%s=%s\n", k, json_object_get_string(val));
		return MGR_EXIT_OK;
	}
	for (int i = 2; i < n; i++)
		if (!json_object_object_get_ex(config, ops[i], NULL))
			return usage_error("Instance '%s' has no config key '%s'", ops[1], ops[i]);
	put = body = json_object_new_object();
	json_object_object_add(put, "config", json_object_get(config));
	for (int i = 2; i < n; i++)
		json_object_object_del(config, ops[i]);
	if (json_object_object_get_ex(md, "description", &v))
		json_object_object_add(put, "description", json_object_get(v));
	if (json_object_object_get_ex(md, "devices", &v))
		json_object_object_add(put, "devices", json_object_get(v));
	r = call("PUT", path, put, &done);
	if (r != MGR_EXIT_OK)
		return r;
	if (arg_json)
		return print_json(done);
	print_restart_required(done);
	return MGR_EXIT_OK;
}

static int cmd_copy(int n, char **ops)
{
	_cleanup_json_ json_object *body = json_object_new_object();
	_cleanup_free_ char *inst = NULL, *snap = NULL;
	json_object *src = json_object_new_object();
	int r;

	json_object_object_add(body, "source", src);
	if ((r = need_ops("copy", n, 2, 2, "SOURCE[/SNAPSHOT] NAME [--storage POOL]")))
		return r;
	/* SOURCE/SNAPSHOT has the shape of a target: both parts checked the same way */
	if (mcf_target_parse(ops[0], &inst, &snap) < 0)
		return usage_error("Invalid copy source '%s': expected NAME or NAME/SNAPSHOT", ops[0]);
	if (strchr(ops[1], '/'))
		return usage_error("Invalid copy target '%s': a new instance name", ops[1]);
	json_object_object_add(body, "name", json_object_new_string(ops[1]));
	json_object_object_add(src, "type", json_object_new_string("copy"));
	json_object_object_add(src, "source", json_object_new_string(ops[0]));
	if (arg_storage) {
		json_object *devs = json_object_new_object(), *root = json_object_new_object();

		json_object_object_add(root, "type", json_object_new_string("disk"));
		json_object_object_add(root, "path", json_object_new_string("/"));
		json_object_object_add(root, "pool", json_object_new_string(arg_storage));
		json_object_object_add(devs, "root", root);
		json_object_object_add(body, "devices", devs);
	}
	return act("POST", "/1.0/instances", body, NULL);
}

static int cmd_console(int n, char **ops)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	char msg[512] = "";
	long status = 0;
	int r;

	if ((r = need_ops("console", n, 1, 1, "NAME --show-log")))
		return r;
	if (!arg_show_log)
		return usage_error("Command 'console' through the manager needs '--show-log' (no "
				   "interactive console)");
	path = build_path("/1.0/instances/%s/console", ops[0]);
	if (!path)
		return usage_error("Out of memory");
	r = mgr_request_text(arg_socket, path, REQUEST_TIMEOUT_S, &text, &status, msg, sizeof(msg));
	if (r < 0)
		return transport_fail(r, msg);
	if (status != 200) {
		_cleanup_(mgr_reply_done) struct mgr_reply rep = {};

		/* an error reply is the JSON envelope */
		rep.root = json_tokener_parse(text);
		mgr_error("%s", rep.root && env_str(rep.root, "error") ? env_str(rep.root, "error")
								  : "the manager refused the request");
		return MGR_EXIT_REFUSED;
	}
	fputs(text, stdout);
	return MGR_EXIT_OK;
}

static int instance_status(const char *name, char **ret_status)
{
	_cleanup_json_ json_object *md = NULL;
	_cleanup_free_ char *path = build_path("/1.0/instances/%s/state", name);
	const char *s;
	int r;

	if (!path)
		return usage_error("Out of memory");
	r = call("GET", path, NULL, &md);
	if (r != MGR_EXIT_OK)
		return r;
	s = md ? env_str(md, "status") : NULL;
	*ret_status = strdup(s ?: "");
	return *ret_status ? MGR_EXIT_OK : usage_error("Out of memory");
}

static int state_action(const char *name, const char *action, bool force)
{
	_cleanup_json_ json_object *body = json_object_new_object();
	_cleanup_free_ char *path = build_path("/1.0/instances/%s/state", name);

	if (!path)
		return usage_error("Out of memory");
	json_object_object_add(body, "action", json_object_new_string(action));
	json_object_object_add(body, "force", json_object_new_boolean(force));
	json_object_object_add(body, "stateful", json_object_new_boolean(false));
	json_object_object_add(body, "timeout", json_object_new_int(arg_timeout >= 0 ? arg_timeout : 30));
	return act("PUT", path, body, NULL);
}

static int cmd_delete(int n, char **ops)
{
	_cleanup_free_ char *path = NULL;
	int r;

	if ((r = need_ops("delete", n, 1, 1, "NAME [--force]")))
		return r;
	if (arg_force) {
		_cleanup_free_ char *status = NULL;

		r = instance_status(ops[0], &status);
		if (r != MGR_EXIT_OK)
			return r;
		if (!streq(status, "Stopped")) {
			_cleanup_(mgr_reply_done) struct mgr_reply rep = {};
			char msg[512] = "";

			r = state_action(ops[0], "stop", true);
			if (r != MGR_EXIT_OK)
				return r;
			/* an ephemeral instance is gone once stopped: nothing left to delete */
			path = build_path("/1.0/instances/%s", ops[0]);
			if (!path)
				return usage_error("Out of memory");
			r = mgr_request(arg_socket, "GET", path, NULL, REQUEST_TIMEOUT_S, &rep, msg, sizeof(msg));
			if (r < 0)
				return transport_fail(r, msg);
			if (rep.http_status == 404)
				return MGR_EXIT_OK;
			free(TAKE_PTR(path));
		}
	}
	path = build_path("/1.0/instances/%s", ops[0]);
	return path ? act("DELETE", path, NULL, NULL) : usage_error("Out of memory");
}

static int cmd_info(int n, char **ops)
{
	_cleanup_json_ json_object *md = NULL, *state = NULL;
	_cleanup_(strbuf_done) struct strbuf out = STRBUF_INIT(16u << 20);
	_cleanup_free_ char *path = NULL, *spath = NULL;
	int r;

	if ((r = need_ops("info", n, 1, 1, "NAME")))
		return r;
	path = build_path("/1.0/instances/%s", ops[0]);
	spath = build_path("/1.0/instances/%s/state", ops[0]);
	if (!path || !spath)
		return usage_error("Out of memory");
	r = call("GET", path, NULL, &md);
	if (r != MGR_EXIT_OK)
		return r;
	r = call("GET", spath, NULL, &state);
	if (r != MGR_EXIT_OK)
		return r;
	if (arg_json) {
		if (json_object_is_type(md, json_type_object))
			json_object_object_add(md, "state", json_object_get(state));
		return print_json(md);
	}
	if (mcf_render_instance(md, state, &out) < 0) {
		mgr_error("the manager's reply to GET %s has an unexpected shape", path);
		return MGR_EXIT_REFUSED;
	}
	fputs(out.buf ?: "", stdout);
	return MGR_EXIT_OK;
}

/* Prints the exec log @log_path (from the operation's output map) to @f */
static int print_log(json_object *output, const char *fd, FILE *f)
{
	_cleanup_free_ char *text = NULL;
	json_object *p;
	char msg[512] = "";
	long status = 0;
	int r;

	if (!output || !json_object_object_get_ex(output, fd, &p) || !json_object_is_type(p, json_type_string))
		return 0;
	r = mgr_request_text(arg_socket, json_object_get_string(p), REQUEST_TIMEOUT_S, &text, &status,
			     msg, sizeof(msg));
	if (r < 0)
		return transport_fail(r, msg);
	if (status != 200) {
		mgr_error("failed to read the command's output '%s' (HTTP %ld)", json_object_get_string(p), status);
		return MGR_EXIT_REFUSED;
	}
	fputs(text, f);
	fflush(f);
	/* read: the manager may drop it (a failure only leaves the file there) */
	{
		_cleanup_(mgr_reply_done) struct mgr_reply rep = {};

		(void) mgr_request(arg_socket, "DELETE", json_object_get_string(p), NULL,
				   REQUEST_TIMEOUT_S, &rep, msg, sizeof(msg));
	}
	return 0;
}

static int cmd_exec(int n, char **ops)
{
	_cleanup_json_ json_object *body = json_object_new_object(), *md = NULL;
	_cleanup_free_ char *path = NULL;
	json_object *cmd = json_object_new_array(), *ret, *output = NULL;
	int r, start = 1;

	json_object_object_add(body, "command", cmd);
	if (n < 2)
		return usage_error("Usage: lxlaunch exec NAME -- CMD [ARG...]");
	if (streq(ops[1], "--"))
		start = 2;
	if (start >= n)
		return usage_error("Command 'exec' needs a command to run after '--'");
	for (int i = start; i < n; i++)
		json_object_array_add(cmd, json_object_new_string(ops[i]));
	json_object_object_add(body, "environment", json_object_new_object());
	json_object_object_add(body, "wait-for-websocket", json_object_new_boolean(false));
	json_object_object_add(body, "interactive", json_object_new_boolean(false));
	json_object_object_add(body, "record-output", json_object_new_boolean(true));
	path = build_path("/1.0/instances/%s/exec", ops[0]);
	if (!path)
		return usage_error("Out of memory");
	r = call("POST", path, body, &md);
	if (r != MGR_EXIT_OK)
		return r;
	if (!md || !json_object_object_get_ex(md, "return", &ret) || !json_object_is_type(ret, json_type_int)) {
		mgr_error("the manager's exec result has no return code");
		return MGR_EXIT_REFUSED;
	}
	(void) json_object_object_get_ex(md, "output", &output);
	r = print_log(output, "1", stdout);
	if (r)
		return r;
	r = print_log(output, "2", stderr);
	if (r)
		return r;
	return (int) json_object_get_int(ret);
}

enum {
	OPT_SOCKET = 0x100, OPT_REMOTE, OPT_LOCAL, OPT_FORMAT, OPT_FORCE, OPT_TYPE, OPT_STORAGE,
	OPT_TEMPLATE, OPT_MEMORY, OPT_CPUS, OPT_TIMEOUT, OPT_STATEFUL, OPT_VM, OPT_KERNEL,
	OPT_INITRD, OPT_APPEND, OPT_SHOW_LOG, OPT_IMAGE,
};

static const struct option mgr_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "socket", required_argument, NULL, OPT_SOCKET },
	{ "remote", no_argument, NULL, OPT_REMOTE },
	{ "local", no_argument, NULL, OPT_LOCAL },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "type", required_argument, NULL, OPT_TYPE },
	{ "storage", required_argument, NULL, OPT_STORAGE },
	{ "template", required_argument, NULL, OPT_TEMPLATE },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "stateful", no_argument, NULL, OPT_STATEFUL },
	{ "vm", no_argument, NULL, OPT_VM },
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "initrd", required_argument, NULL, OPT_INITRD },
	{ "append", required_argument, NULL, OPT_APPEND },
	{ "image", required_argument, NULL, OPT_IMAGE },
	{ "config", required_argument, NULL, 'c' },
	{ "show-log", no_argument, NULL, OPT_SHOW_LOG },
	{}
};

/* Which verbs take which options, beyond --socket/--remote/--local/--format */
static bool option_applies(const char *verb, int opt)
{
	switch (opt) {
	case OPT_FORCE:
		return streq(verb, "stop") || streq(verb, "delete");
	case OPT_TYPE:
		return streq(verb, "volume");
	case OPT_STORAGE:
		return streq(verb, "create") || streq(verb, "copy");
	case OPT_SHOW_LOG:
		return streq(verb, "console");
	case OPT_TEMPLATE:
	case OPT_MEMORY:
	case OPT_CPUS:
	case OPT_VM:
	case OPT_KERNEL:
	case OPT_INITRD:
	case OPT_APPEND:
	case OPT_IMAGE:
	case 'c':
		return streq(verb, "create");
	case OPT_TIMEOUT:
		return streq(verb, "stop") || streq(verb, "restart");
	case OPT_STATEFUL:
		return streq(verb, "snapshot");
	default:
		return true;
	}
}

static void mgr_usage(void)
{
	fputs("Usage: lxlaunch COMMAND ... [--socket PATH] [--remote|--local] [--format table|json]\n"
	      "Manager commands (lxmanagerd, spec/manager-api.md §9):\n"
	      "  storage list | show P | info P | create P DRIVER [k=v...] | set P k=v... | delete P\n"
	      "  volume list P | show P V | create P V [--type block|filesystem] [size=S]\n"
	      "         resize P V SIZE | copy P/V [Q/]W | delete P V\n"
	      "  snapshot create|list|restore|delete NAME|P/V [SNAP] [--stateful]\n"
	      "  create N --storage P [--template busybox] [--memory S] [--cpus N] [-c k=v]\n"
	      "  create N --vm --storage P --kernel K [--initrd I] [--append A] | --image DISK\n"
	      "  config show N | set N k=v... | unset N k...\n"
	      "  start|stop [--force]|restart|freeze|unfreeze N   delete N [--force]\n"
	      "  list   info N   exec N -- CMD...   copy SRC[/SNAP] DST [--storage P]\n"
	      "  console N --show-log   device add N D type=T [k=v...] | remove N D | list N\n"
	      "Socket: --socket PATH, else $LXKIT_SOCKET, else " MCF_DEFAULT_SOCKET ".\n"
	      "Exit codes: 0 done, 1 refused by the manager, 2 usage error, 3 manager unreachable.\n",
	      stdout);
}

int mgr_cli_main(int argc, char *argv[])
{
	_cleanup_json_ json_object *config = json_object_new_object();
	const char *verb = argv[0];
	int c, r, n;
	char **ops;

	arg_config = config;
	arg_socket = mcf_socket_choose(NULL, getenv("LXKIT_SOCKET"));
	optind = 1;
	opterr = 0;
	/* '+' would stop at the first operand; exec's command after "--" is left alone by getopt */
	while ((c = getopt_long(argc, argv, ":hc:", mgr_options, NULL)) >= 0) {
		if (c != ':' && c != '?' && c != 'h' && !option_applies(verb, c))
			return usage_error("Option '%s' does not apply to '%s'", argv[optind - 1], verb);
		switch (c) {
		case 'h':
			mgr_usage();
			return MGR_EXIT_OK;
		case OPT_SOCKET:
			arg_socket = optarg;
			break;
		case OPT_REMOTE:
		case OPT_LOCAL:
			break;	/* routing was decided before (mgr_route_scan) */
		case OPT_FORMAT:
			if (streq(optarg, "json"))
				arg_json = true;
			else if (streq(optarg, "table"))
				arg_json = false;
			else
				return usage_error("Invalid --format '%s': expected table or json", optarg);
			break;
		case OPT_FORCE:
			arg_force = true;
			break;
		case OPT_TYPE:
			if (!streq(optarg, "block") && !streq(optarg, "filesystem"))
				return usage_error("Invalid --type '%s': expected block or filesystem", optarg);
			arg_type = optarg;
			break;
		case OPT_VM:
			arg_type = "virtual-machine";
			break;
		case OPT_STORAGE:
			arg_storage = optarg;
			break;
		case OPT_TEMPLATE:
			arg_template = optarg;
			break;
		case OPT_MEMORY: {
			uint64_t b;

			if (mcf_size_parse(optarg, &b) < 0)
				return usage_error("Invalid --memory '%s': expected bytes or an integer with "
						   "kB MB GB TB PB KiB MiB GiB TiB PiB", optarg);
			arg_memory = optarg;
			break;
		}
		case OPT_CPUS:
			arg_cpus = optarg;
			break;
		case OPT_KERNEL:
			arg_kernel = optarg;
			break;
		case OPT_INITRD:
			arg_initrd = optarg;
			break;
		case OPT_APPEND:
			arg_append = optarg;
			break;
		case OPT_IMAGE:
			arg_image = optarg;
			break;
		case OPT_TIMEOUT: {
			uint64_t t;

			if (safe_atou64(optarg, &t) < 0 || t > 3600)
				return usage_error("Invalid --timeout value '%s': expected seconds, 0 to 3600", optarg);
			arg_timeout = (int) t;
			break;
		}
		case OPT_STATEFUL:
			arg_stateful = true;
			break;
		case OPT_SHOW_LOG:
			arg_show_log = true;
			break;
		case 'c':
			r = add_kv_operands(config, 1, &optarg);
			if (r)
				return r;
			break;
		case ':':
			return usage_error("Option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("Unknown option '%s' (see 'lxlaunch %s --help')", argv[optind - 1], verb);
		}
	}
	ops = argv + optind;
	n = argc - optind;
	if (!*arg_socket)
		return usage_error("Option '--socket' needs a value");

	if (streq(verb, "storage"))
		return cmd_storage(n, ops);
	if (streq(verb, "volume"))
		return cmd_volume(n, ops);
	if (streq(verb, "snapshot"))
		return cmd_snapshot(n, ops);
	if (streq(verb, "create"))
		return cmd_create(n, ops);
	if (streq(verb, "list")) {
		if ((r = need_ops("list", n, 0, 0, "")))
			return r;
		return show("/1.0/instances?recursion=2", mcf_render_instances);
	}
	if (streq(verb, "info"))
		return cmd_info(n, ops);
	if (streq(verb, "delete"))
		return cmd_delete(n, ops);
	if (streq(verb, "exec"))
		return cmd_exec(n, ops);
	if (streq(verb, "copy"))
		return cmd_copy(n, ops);
	if (streq(verb, "device"))
		return cmd_device(n, ops);
	if (streq(verb, "config"))
		return cmd_config(n, ops);
	if (streq(verb, "console"))
		return cmd_console(n, ops);
	if (streq(verb, "start") || streq(verb, "stop") || streq(verb, "restart") ||
	    streq(verb, "freeze") || streq(verb, "unfreeze")) {
		if ((r = need_ops(verb, n, 1, 1, "NAME")))
			return r;
		return state_action(ops[0], verb, arg_force);
	}
	return usage_error("Command '%s' is not available through the manager", verb);
}
