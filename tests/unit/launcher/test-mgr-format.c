/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of launcher/cli/mgr-format.c: manager sizes, IEC formatting, operand parsing,
 * socket choice and routing, and the human tables rendered from fixture replies
 * (tests/fixtures/lxlaunch-client/<case>/reply.json -> expected). */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "check-main.h"
#include "cleanup.h"
#include "fixture.h"
#include "mgr-format.h"
#include "parse-util.h"
#include "strbuf.h"

static const struct {
	const char *in;
	int r;
	uint64_t bytes;
} size_cases[] = {
	{ "1", 0, 1 },
	{ "4096", 0, 4096 },
	{ "1kB", 0, 1000 },
	{ "1GB", 0, 1000000000ULL },
	{ "1GiB", 0, 1ULL << 30 },
	{ "5GiB", 0, 5ULL << 30 },
	{ "64MiB", 0, 64ULL << 20 },
	{ "2PiB", 0, 2ULL << 50 },
	{ "3TB", 0, 3000000000000ULL },
	{ "0", -EINVAL, 0 },
	{ "0GiB", -EINVAL, 0 },
	{ "", -EINVAL, 0 },
	{ "-1", -EINVAL, 0 },
	{ "+1", -EINVAL, 0 },
	{ "1.5GiB", -EINVAL, 0 },
	{ "1 GiB", -EINVAL, 0 },
	{ "1gib", -EINVAL, 0 },	/* case-sensitive */
	{ "1KB", -EINVAL, 0 },	/* kB, not KB */
	{ "1G", -EINVAL, 0 },
	{ "GiB", -EINVAL, 0 },
	{ " 1", -EINVAL, 0 },
	{ "1GiB ", -EINVAL, 0 },
	{ "18446744073709551615", 0, UINT64_MAX },
	{ "18446744073709551616", -ERANGE, 0 },
	{ "16384PiB", -ERANGE, 0 },
	{ "16383PiB", 0, 16383ULL << 50 },
};

START_TEST(size_parse)
{
	uint64_t b = 12345;
	int r = mcf_size_parse(size_cases[_i].in, &b);

	ck_assert_msg(r == size_cases[_i].r, "'%s': r=%d want %d", size_cases[_i].in, r, size_cases[_i].r);
	if (r == 0)
		ck_assert_uint_eq(b, size_cases[_i].bytes);
	else
		ck_assert_uint_eq(b, 12345);	/* untouched on error */
}
END_TEST

static const struct {
	uint64_t bytes;
	const char *want;
} fmt_cases[] = {
	{ 0, "0B" },
	{ 1023, "1023B" },
	{ 1024, "1KiB" },
	{ 1536, "1.50KiB" },
	{ 1000000000ULL, "953.67MiB" },
	{ 1ULL << 30, "1GiB" },
	{ (1ULL << 30) + 1, "1.00GiB" },
	{ 5ULL << 30, "5GiB" },
	{ 1023ULL << 20, "1023MiB" },
	{ 1ULL << 50, "1PiB" },
	{ UINT64_MAX, "16.00EiB" },
};

START_TEST(size_format)
{
	char buf[MCF_SIZE_MAX];

	ck_assert_str_eq(mcf_size_format(fmt_cases[_i].bytes, buf, sizeof(buf)), fmt_cases[_i].want);
}
END_TEST

static const struct {
	const char *in;
	int r;
	const char *pool, *name;
} target_cases[] = {
	{ "c1", 0, NULL, "c1" },
	{ "p1/v1", 0, "p1", "v1" },
	{ "p1/", -EINVAL, NULL, NULL },
	{ "/v1", -EINVAL, NULL, NULL },
	{ "a/b/c", -EINVAL, NULL, NULL },
	{ "", -EINVAL, NULL, NULL },
	{ "..", -EINVAL, NULL, NULL },
	{ "p1/..", -EINVAL, NULL, NULL },
	{ "./v", -EINVAL, NULL, NULL },
};

START_TEST(target_parse)
{
	_cleanup_free_ char *pool = NULL, *name = NULL;
	int r = mcf_target_parse(target_cases[_i].in, &pool, &name);

	ck_assert_int_eq(r, target_cases[_i].r);
	if (r < 0)
		return;
	if (target_cases[_i].pool)
		ck_assert_str_eq(pool, target_cases[_i].pool);
	else
		ck_assert_ptr_null(pool);
	ck_assert_str_eq(name, target_cases[_i].name);
}
END_TEST

START_TEST(kv_parse)
{
	_cleanup_free_ char *k = NULL, *v = NULL, *k2 = NULL, *v2 = NULL;
	char *x = NULL, *y = NULL;

	ck_assert_int_eq(mcf_kv_parse("size=1GiB", &k, &v), 0);
	ck_assert_str_eq(k, "size");
	ck_assert_str_eq(v, "1GiB");
	ck_assert_int_eq(mcf_kv_parse("user.note=a=b", &k2, &v2), 0);	/* first '=' splits */
	ck_assert_str_eq(k2, "user.note");
	ck_assert_str_eq(v2, "a=b");
	ck_assert_int_eq(mcf_kv_parse("size", &x, &y), -EINVAL);
	ck_assert_int_eq(mcf_kv_parse("=1", &x, &y), -EINVAL);
	ck_assert_ptr_null(x);
	ck_assert_ptr_null(y);
}
END_TEST

START_TEST(socket_and_route)
{
	ck_assert_str_eq(mcf_socket_choose("/a.sock", "/b.sock"), "/a.sock");
	ck_assert_str_eq(mcf_socket_choose(NULL, "/b.sock"), "/b.sock");
	ck_assert_str_eq(mcf_socket_choose(NULL, ""), MCF_DEFAULT_SOCKET);
	ck_assert_str_eq(mcf_socket_choose(NULL, NULL), "/run/lxkit/manager.socket");
	ck_assert(mcf_route_remote(true, false, false));	/* --remote even without a socket */
	ck_assert(mcf_route_remote(false, false, true));	/* the socket exists */
	ck_assert(!mcf_route_remote(false, false, false));
	ck_assert(!mcf_route_remote(false, true, true));	/* --local wins over the socket */
}
END_TEST

START_TEST(path_escape)
{
	_cleanup_free_ char *a = mcf_path_escape("c1");
	_cleanup_free_ char *b = mcf_path_escape("a/b c%");
	_cleanup_free_ char *c = mcf_path_escape("..");

	ck_assert_str_eq(a, "c1");
	ck_assert_str_eq(b, "a%2Fb%20c%25");
	ck_assert_str_eq(c, "..");
}
END_TEST

START_TEST(table_layout)
{
	static const char * const h[] = { "NAME", "X" };
	struct mcf_table t = { .n_cols = 2, .headers = h };
	_cleanup_(strbuf_done) struct strbuf out = STRBUF_INIT(4096);
	const char *r1[] = { "a-long-name", NULL }, *r2[] = { "", "value" };

	ck_assert_int_eq(mcf_table_add(&t, r1), 0);
	ck_assert_int_eq(mcf_table_add(&t, r2), 0);
	ck_assert_int_eq(mcf_table_render(&t, &out), 0);
	ck_assert_str_eq(out.buf, "NAME         X\na-long-name  -\n-            value\n");
	mcf_table_done(&t);
}
END_TEST

enum which { W_POOLS, W_POOL, W_RESOURCES, W_VOLUMES, W_VOLUME, W_SNAPSHOTS, W_INSTANCES, W_INSTANCE,
	     W_DEVICES };

static const struct {
	const char *name;
	enum which which;
} render_cases[] = {
	{ "pools-two", W_POOLS },
	{ "pools-empty", W_POOLS },
	{ "pool-show", W_POOL },
	{ "resources", W_RESOURCES },
	{ "volumes-mixed", W_VOLUMES },
	{ "volume-show", W_VOLUME },
	{ "snapshots-instance", W_SNAPSHOTS },
	{ "snapshots-volume", W_SNAPSHOTS },
	{ "instances-waiting", W_INSTANCES },
	{ "instance-info", W_INSTANCE },
	{ "devices", W_DEVICES },
};

static json_object *load_json(const char *dir, const char *file)
{
	_cleanup_free_ char *text = NULL;

	if (fixture_read(dir, file, &text) < 0)
		return NULL;
	return json_tokener_parse(text);
}

START_TEST(render_golden)
{
	_cleanup_(strbuf_done) struct strbuf out = STRBUF_INIT(1 << 20);
	_cleanup_free_ char *dir = NULL;
	json_object *md, *state = NULL;
	int r = -EINVAL;

	ck_assert_int_ge(asprintf(&dir, "lxlaunch-client/%s", render_cases[_i].name), 0);
	md = load_json(dir, "reply.json");
	ck_assert_ptr_nonnull(md);
	switch (render_cases[_i].which) {
	case W_POOLS: r = mcf_render_pools(md, &out); break;
	case W_POOL: r = mcf_render_pool(md, &out); break;
	case W_RESOURCES: r = mcf_render_resources(md, &out); break;
	case W_VOLUMES: r = mcf_render_volumes(md, &out); break;
	case W_VOLUME: r = mcf_render_volume(md, &out); break;
	case W_SNAPSHOTS: r = mcf_render_snapshots(md, &out); break;
	case W_INSTANCES: r = mcf_render_instances(md, &out); break;
	case W_DEVICES: r = mcf_render_devices(md, &out); break;
	case W_INSTANCE:
		state = load_json(dir, "state.json");
		ck_assert_ptr_nonnull(state);
		r = mcf_render_instance(md, state, &out);
		break;
	}
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(fixture_golden(dir, "expected", out.buf ?: ""), 0);
	json_object_put(md);
	if (state)
		json_object_put(state);
}
END_TEST

/* Replies of the wrong shape are -EBADMSG, never a crash or a half table */
START_TEST(render_bad_shape)
{
	_cleanup_(strbuf_done) struct strbuf out = STRBUF_INIT(1 << 20);
	json_object *obj = json_tokener_parse("{\"name\":\"x\"}");
	json_object *arr = json_tokener_parse("[{\"driver\":\"dir\"}]");
	json_object *num = json_tokener_parse("[1,2]");
	json_object *res = json_tokener_parse("{\"space\":{\"used\":-1,\"total\":5}}");

	ck_assert_int_eq(mcf_render_pools(obj, &out), -EBADMSG);
	ck_assert_int_eq(mcf_render_pools(arr, &out), -EBADMSG);	/* no name */
	ck_assert_int_eq(mcf_render_volumes(num, &out), -EBADMSG);
	ck_assert_int_eq(mcf_render_instances(NULL, &out), -EBADMSG);
	ck_assert_int_eq(mcf_render_pool(arr, &out), -EBADMSG);
	ck_assert_int_eq(mcf_render_resources(res, &out), -EBADMSG);
	ck_assert_int_eq(mcf_render_instance(num, NULL, &out), -EBADMSG);
	ck_assert_int_eq(mcf_render_devices(num, &out), -EBADMSG);
	ck_assert_int_eq(mcf_render_devices(obj, &out), -EBADMSG);	/* a device that is a string */
	ck_assert_uint_eq(out.len, 0);
	json_object_put(obj);
	json_object_put(arr);
	json_object_put(num);
	json_object_put(res);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("mgr-format");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, size_parse, 0, ELEMENTSOF(size_cases));
	tcase_add_loop_test(tc, size_format, 0, ELEMENTSOF(fmt_cases));
	tcase_add_loop_test(tc, target_parse, 0, ELEMENTSOF(target_cases));
	tcase_add_test(tc, kv_parse);
	tcase_add_test(tc, socket_and_route);
	tcase_add_test(tc, path_escape);
	tcase_add_test(tc, table_layout);
	tcase_add_loop_test(tc, render_golden, 0, ELEMENTSOF(render_cases));
	tcase_add_test(tc, render_bad_shape);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(suite());
}
