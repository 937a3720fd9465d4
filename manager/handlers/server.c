/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GET /, /1.0 (server object, §3.1), operations and events (§5). */
#include <errno.h>
#include <stdlib.h>
#include <sys/utsname.h>

#include "config.h"
#include "api/api.h"
#include "mgr.h"
#include "ops/ops.h"
#include "parse-util.h"
#include "storage/storage.h"

static const char *const api_extensions[] = {
	"storage", "container_exec_recording", "instances", "storage_api_volume_snapshots",
	"custom_block_volumes", "lxkit_devices_api", "lxkit_instance_waiting",
	"lxkit_template_source", "lxkit_vm_direct_kernel", "lxkit_events_ndjson",
	"lxkit_test_hooks", NULL,
};

static int root_get(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	static const char *const v[] = { "/1.0", NULL };
	int r = api_query_check(req, NULL, ret);

	if (r < 0)
		return r;
	return api_sync(ret, api_json_strv(v));
}

static int server_get(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	char *reasons[STORAGE_DRIVERS_MAX] = {}, *versions[STORAGE_DRIVERS_MAX] = {};
	bool ok[STORAGE_DRIVERS_MAX] = {};
	struct utsname u;
	size_t n;
	int r;

	r = api_query_check(req, NULL, ret);
	if (r < 0)
		return r;
	(void) uname(&u);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "api_version");
	json_builder_add_string_value(b, "1.0");
	json_builder_set_member_name(b, "api_status");
	json_builder_add_string_value(b, "stable");
	json_builder_set_member_name(b, "auth");
	json_builder_add_string_value(b, "trusted");
	json_builder_set_member_name(b, "public");
	json_builder_add_boolean_value(b, FALSE);
	json_builder_set_member_name(b, "api_extensions");
	json_builder_add_value(b, api_json_strv(api_extensions));
	json_builder_set_member_name(b, "config");
	json_builder_begin_object(b);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "environment");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "server_name");
	json_builder_add_string_value(b, u.nodename);
	json_builder_set_member_name(b, "server_version");
	json_builder_add_string_value(b, PACKAGE_VERSION);
	json_builder_set_member_name(b, "kernel");
	json_builder_add_string_value(b, u.sysname);
	json_builder_set_member_name(b, "kernel_version");
	json_builder_add_string_value(b, u.release);
	json_builder_set_member_name(b, "driver");
	json_builder_add_string_value(b, "lxc | qemu");
	/* each driver probed once: tools are looked up and run (btrfs --version) */
	for (n = 0; storage_drivers[n]; n++)
		ok[n] = storage_drivers[n]->probe(&reasons[n], &versions[n]) >= 0;
	json_builder_set_member_name(b, "storage_supported_drivers");
	json_builder_begin_array(b);
	for (size_t i = 0; storage_drivers[i]; i++) {
		const char *version = versions[i];

		if (!ok[i])
			continue;
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "Name");
		json_builder_add_string_value(b, storage_drivers[i]->name);
		json_builder_set_member_name(b, "Version");
		json_builder_add_string_value(b, version ? version : "1");
		json_builder_set_member_name(b, "Remote");
		json_builder_add_boolean_value(b, FALSE);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "storage_unavailable_drivers");
	json_builder_begin_array(b);
	for (size_t i = 0; storage_drivers[i]; i++) {
		const char *reason = reasons[i];

		if (ok[i])
			continue;
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "name");
		json_builder_add_string_value(b, storage_drivers[i]->name);
		json_builder_set_member_name(b, "reason");
		json_builder_add_string_value(b, reason ? reason : "unavailable");
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	json_builder_end_object(b);
	for (size_t i = 0; i < n; i++) {
		g_free(reasons[i]);
		g_free(versions[i]);
	}
	return api_sync(ret, json_builder_get_root(b));
}

static int ops_list(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	static const char *const q[] = { "recursion", NULL };
	int level, r;

	r = api_query_check(req, q, ret);
	if (r < 0)
		return r;
	r = api_query_recursion(req, 1, &level, ret);
	if (r < 0)
		return r;
	return api_sync(ret, op_list_json(m, level > 0));
}

static int op_get(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	const char *id = api_req_param(req, "id");
	JsonNode *j;
	int r;

	r = api_query_check(req, NULL, ret);
	if (r < 0)
		return r;
	j = op_lookup_json(m, id, 0);
	if (!j)
		return api_errorf(ret, 404, "operation '%s' not found", id);
	return api_sync(ret, j);
}

static int op_wait(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	static const char *const q[] = { "timeout", NULL };
	const char *id = api_req_param(req, "id");
	const char *t = api_req_query(req, "timeout");
	double timeout = -1;
	JsonNode *j;
	int r;

	r = api_query_check(req, q, ret);
	if (r < 0)
		return r;
	if (t) {
		int64_t v;

		if (safe_atoi64(t, &v) < 0 || v < -1)
			return api_errorf(ret, 400, "query parameter 'timeout' must be a number of "
					  "seconds or -1, not '%s'", t);
		timeout = v == 0 ? 0 : (double) v;
	}
	j = op_lookup_json(m, id, timeout);
	if (!j)
		return api_errorf(ret, 404, "operation '%s' not found", id);
	return api_sync(ret, j);
}

static int op_delete(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	const char *id = api_req_param(req, "id");
	int r = op_cancel(m, id);

	if (r == -ENOENT)
		return api_errorf(ret, 404, "operation '%s' not found", id);
	if (r < 0)
		return api_errorf(ret, 409, "operation '%s' cannot be cancelled", id);
	return api_sync(ret, NULL);
}

static int events_get(struct mgr *m, const struct api_req *req, struct api_resp *ret)
{
	static const char *const q[] = { "type", NULL };
	const char *types = api_req_query(req, "type");
	unsigned mask;
	int r;

	r = api_query_check(req, q, ret);
	if (r < 0)
		return r;
	if (events_parse_types(types, &mask) < 0)
		return api_errorf(ret, 400, "unknown event type in '%s' (known: lifecycle, "
				  "operation, logging)", types);
	api_resp_clear(ret);
	ret->type = API_RESP_STREAM;
	ret->stream_types = mask;
	return 0;
}

const struct api_route api_routes_server[] = {
	{ "/", { [API_GET] = root_get } },
	{ "/1.0", { [API_GET] = server_get } },
	{ "/1.0/events", { [API_GET] = events_get } },
	{ "/1.0/operations", { [API_GET] = ops_list } },
	{ "/1.0/operations/{id}", { [API_GET] = op_get, [API_DELETE] = op_delete } },
	{ "/1.0/operations/{id}/wait", { [API_GET] = op_wait } },
	{ NULL },
};
