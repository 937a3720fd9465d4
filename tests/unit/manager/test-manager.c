/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of lxmanagerd's pure parts: sizes (§2.2), names (§2.3), route matching, the
 * envelope and body checks (§2.1), the revert stack, the lvm/zfs argv builders against
 * their tools' documented CLI, and schema migration on a scratch database. */
#include <check.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "check-main.h"
#include "db/db.h"
#include "storage/lvm-cmd.h"
#include "storage/zfs-cmd.h"
#include "util/names.h"
#include "util/revert.h"
#include "util/size.h"

/* api.h declares the daemon's route tables; the matcher is tested on tables of its own */

static const struct {
	const char *in;
	int r;
	uint64_t v;
} size_cases[] = {
	{ "1", 0, 1 },
	{ "4096", 0, 4096 },
	{ "1kB", 0, 1000 },
	{ "1MB", 0, 1000000 },
	{ "1GB", 0, 1000000000ULL },
	{ "2TB", 0, 2000000000000ULL },
	{ "1PB", 0, 1000000000000000ULL },
	{ "1KiB", 0, 1024 },
	{ "64MiB", 0, 64ULL << 20 },
	{ "1GiB", 0, 1ULL << 30 },
	{ "3TiB", 0, 3ULL << 40 },
	{ "1PiB", 0, 1ULL << 50 },
	{ "007MiB", 0, 7ULL << 20 },
	{ "18446744073709551615", 0, UINT64_MAX },
	{ "16383PiB", 0, 16383ULL << 50 },
	{ "18446744073709551616", -ERANGE, 0 },
	{ "16384PiB", -ERANGE, 0 },
	{ "18446744073709552kB", -ERANGE, 0 },
	{ "", -EINVAL, 0 },
	{ "0", -EINVAL, 0 },
	{ "0GiB", -EINVAL, 0 },
	{ "-1", -EINVAL, 0 },
	{ "+1", -EINVAL, 0 },
	{ "1.5GiB", -EINVAL, 0 },
	{ "1 GiB", -EINVAL, 0 },
	{ " 1", -EINVAL, 0 },
	{ "1GiB ", -EINVAL, 0 },
	{ "1gib", -EINVAL, 0 },
	{ "1G", -EINVAL, 0 },
	{ "1KB", -EINVAL, 0 },
	{ "1kb", -EINVAL, 0 },
	{ "1B", -EINVAL, 0 },
	{ "GiB", -EINVAL, 0 },
	{ "1iB", -EINVAL, 0 },
	{ "0x10", -EINVAL, 0 },
	{ "1e9", -EINVAL, 0 },
};

START_TEST(size_table)
{
	uint64_t v = 4242;
	int r = size_parse(size_cases[_i].in, &v);

	ck_assert_msg(r == size_cases[_i].r, "size_parse('%s') = %d, want %d", size_cases[_i].in, r,
		      size_cases[_i].r);
	ck_assert_uint_eq(v, r == 0 ? size_cases[_i].v : 4242);	/* untouched on failure */
}
END_TEST

START_TEST(size_null)
{
	uint64_t v = 1;

	ck_assert_int_eq(size_parse(NULL, &v), -EINVAL);
	ck_assert_uint_eq(v, 1);
}
END_TEST

static const struct {
	const char *name;
	bool instance, object;
} name_cases[] = {
	{ "c1", true, true },
	{ "C-1", true, true },
	{ "a", true, true },
	{ "v1.backup_2", false, true },
	{ "1c", false, true },
	{ "c_1", false, true },
	{ "c-", false, true },
	{ "", false, false },
	{ ".", false, false },
	{ "..", false, false },
	{ "../x", false, false },
	{ "a/b", false, false },
	{ "-x", false, false },
	{ ".hidden", false, false },
	{ "a b", false, false },
	{ "a\tb", false, false },
	{ "caf\xc3\xa9", false, false },
	{ "a:b", false, false },
	{ "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk", true, true }, /* 63 */
	{ "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl", false, false }, /* 64 */
};

START_TEST(names_table)
{
	ck_assert_msg(name_instance_valid(name_cases[_i].name) == name_cases[_i].instance,
		      "instance name '%s'", name_cases[_i].name);
	ck_assert_msg(name_object_valid(name_cases[_i].name) == name_cases[_i].object,
		      "object name '%s'", name_cases[_i].name);
}
END_TEST

START_TEST(ifname_rules)
{
	ck_assert(name_ifname_valid("br0"));
	ck_assert(name_ifname_valid("lxkit-br.123456"));	/* 15 bytes */
	ck_assert(!name_ifname_valid("lxkit-br.1234567"));	/* 16 bytes */
	ck_assert(!name_ifname_valid("br/0"));
	ck_assert(!name_ifname_valid("br:0"));
	ck_assert(!name_ifname_valid("br 0"));
	ck_assert(!name_ifname_valid("."));
	ck_assert(!name_ifname_valid(".."));
	ck_assert(!name_ifname_valid(""));
	ck_assert(!name_ifname_valid(NULL));
}
END_TEST

static int h_a(struct mgr *m, const struct api_req *req, struct api_resp *ret) { return 0; }
static int h_b(struct mgr *m, const struct api_req *req, struct api_resp *ret) { return 0; }

static const struct api_route t_routes[] = {
	{ "/", { [API_GET] = h_a } },
	{ "/1.0", { [API_GET] = h_a } },
	{ "/1.0/storage-pools/{pool}", { [API_GET] = h_a } },
	{ "/1.0/storage-pools/{pool}/volumes/{type}/{volume}", { [API_GET] = h_a } },
	{ "/1.0/storage-pools/{pool}/volumes/custom/{volume}/snapshots", { [API_GET] = h_b } },
	{ "/1.0/storage-pools/{pool}/volumes/{type}/{volume}/snapshots", { [API_GET] = h_a } },
	{ NULL },
};
static const struct api_route *const t_tables[] = { t_routes, NULL };

START_TEST(route_match)
{
	const struct api_route *r = NULL;
	struct api_req req = {};

	ck_assert_int_eq(api_route_match(t_tables, "/", &r, &req), 0);
	ck_assert_str_eq(r->path, "/");
	ck_assert_int_eq(api_route_match(t_tables, "/1.0", &r, &req), 0);
	ck_assert_str_eq(r->path, "/1.0");
	ck_assert_int_eq(api_route_match(t_tables, "/1.0/storage-pools/p1", &r, &req), 0);
	ck_assert_str_eq(api_req_param(&req, "pool"), "p1");
	api_req_clear(&req);
	/* decoded once: "a%2Fb" is one segment "a/b", for the name check to refuse */
	ck_assert_int_eq(api_route_match(t_tables, "/1.0/storage-pools/a%2Fb", &r, &req), 0);
	ck_assert_str_eq(api_req_param(&req, "pool"), "a/b");
	api_req_clear(&req);
	ck_assert_int_eq(api_route_match(t_tables, "/1.0/storage-pools/a%252F", &r, &req), 0);
	ck_assert_str_eq(api_req_param(&req, "pool"), "a%2F");	/* once, not twice */
	api_req_clear(&req);
	/* a literal segment wins over a parameter */
	ck_assert_int_eq(api_route_match(t_tables, "/1.0/storage-pools/p/volumes/custom/v/snapshots",
					 &r, &req), 0);
	ck_assert(r->h[API_GET] == h_b);
	ck_assert_str_eq(api_req_param(&req, "pool"), "p");
	ck_assert_str_eq(api_req_param(&req, "volume"), "v");
	ck_assert_ptr_null(api_req_param(&req, "type"));
	api_req_clear(&req);
	ck_assert_int_eq(api_route_match(t_tables, "/1.0/storage-pools/p/volumes/container/c/snapshots",
					 &r, &req), 0);
	ck_assert(r->h[API_GET] == h_a);
	ck_assert_str_eq(api_req_param(&req, "type"), "container");
	api_req_clear(&req);
	ck_assert_int_eq(api_route_match(t_tables, "/1.0/nothing", &r, &req), -ENOENT);
	ck_assert_int_eq(api_route_match(t_tables, "/1.0/storage-pools/", &r, &req), -ENOENT);
	ck_assert_int_eq(api_route_match(t_tables, "/1.0/storage-pools/p/x", &r, &req), -ENOENT);
	ck_assert_int_eq(api_route_match(t_tables, "/1.0/storage-pools/p%00", &r, &req), -EINVAL);
	ck_assert_int_eq(api_route_match(t_tables, "/1.0/storage-pools/%zz", &r, &req), -EINVAL);
	ck_assert_int_eq(api_route_match(t_tables, "relative", &r, &req), -EINVAL);
	ck_assert_uint_eq(req.n_params, 0);
}
END_TEST

START_TEST(methods)
{
	ck_assert_int_eq(api_method_from_string("GET"), API_GET);
	ck_assert_int_eq(api_method_from_string("DELETE"), API_DELETE);
	ck_assert_int_eq(api_method_from_string("get"), API_METHOD_INVALID);
	ck_assert_int_eq(api_method_from_string("OPTIONS"), API_METHOD_INVALID);
	ck_assert_str_eq(api_method_to_string(API_PATCH), "PATCH");
}
END_TEST

static JsonObject *parse_obj(const char *text, JsonParser **keep)
{
	*keep = json_parser_new();
	ck_assert(json_parser_load_from_data(*keep, text, -1, NULL));
	return json_node_get_object(json_parser_get_root(*keep));
}

START_TEST(envelope_render)
{
	struct api_resp resp = {};
	g_autoptr(JsonParser) p = NULL;
	g_autofree char *text = NULL;
	unsigned status = 0;
	size_t len;
	JsonObject *o;
	int r;

	r = api_errorf(&resp, 409, "storage pool '%s' is in use by custom volume '%s'", "p1", "v1");
	ck_assert_int_eq(r, -EBUSY);
	text = api_resp_render(&resp, r, &status, &len);
	ck_assert_uint_eq(status, 409);
	o = parse_obj(text, &p);
	ck_assert_str_eq(json_object_get_string_member(o, "type"), "error");
	ck_assert_int_eq(json_object_get_int_member(o, "error_code"), 409);
	ck_assert_str_eq(json_object_get_string_member(o, "error"),
			 "storage pool 'p1' is in use by custom volume 'v1'");
	ck_assert(json_object_get_null_member(o, "metadata"));
	api_resp_clear(&resp);
	g_clear_pointer(&text, g_free);
	g_clear_object(&p);

	/* a bare errno becomes its status, with a message */
	text = api_resp_render(&resp, -ENOENT, &status, &len);
	ck_assert_uint_eq(status, 404);
	o = parse_obj(text, &p);
	ck_assert_int_eq(json_object_get_int_member(o, "error_code"), 404);
	ck_assert_str_ne(json_object_get_string_member(o, "error"), "");
	api_resp_clear(&resp);
	g_clear_pointer(&text, g_free);
	g_clear_object(&p);

	api_created(&resp, NULL, "/1.0/storage-pools/%s", "p1");
	text = api_resp_render(&resp, 0, &status, &len);
	ck_assert_uint_eq(status, 201);
	ck_assert_str_eq(resp.location, "/1.0/storage-pools/p1");
	o = parse_obj(text, &p);
	ck_assert_str_eq(json_object_get_string_member(o, "type"), "sync");
	ck_assert_str_eq(json_object_get_string_member(o, "status"), "Success");
	ck_assert_int_eq(json_object_get_int_member(o, "status_code"), 200);
	ck_assert(json_object_has_member(o, "operation"));
	ck_assert(json_object_has_member(o, "error_code"));
	api_resp_clear(&resp);

	ck_assert_uint_eq(api_status_from_errno(-EEXIST), 409);
	ck_assert_uint_eq(api_status_from_errno(-ENOSPC), 507);
	ck_assert_uint_eq(api_status_from_errno(-EHOSTDOWN), 503);
	ck_assert_uint_eq(api_status_from_errno(-EIO), 500);
}
END_TEST

START_TEST(body_checks)
{
	static const char *const fields[] = { "name", "config", "flag", NULL };
	g_autoptr(JsonParser) p = json_parser_new();
	struct api_resp resp = {};
	struct api_req req = {};
	g_autoptr(GHashTable) cfg = NULL;
	const char *s = "untouched";
	bool b = false;
	JsonObject *o = NULL;

	ck_assert(json_parser_load_from_data(p, "{\"name\":\"x\",\"colour\":1}", -1, NULL));
	req.body = json_parser_get_root(p);
	ck_assert_int_eq(api_body_object(&req, fields, false, &o, &resp), -EINVAL);
	ck_assert_uint_eq(resp.status, 400);
	ck_assert_str_eq(resp.error, "unknown field 'colour'");
	api_resp_clear(&resp);

	ck_assert(json_parser_load_from_data(p, "{\"name\":5,\"config\":{\"a\":true},\"flag\":\"yes\"}",
					     -1, NULL));
	req.body = json_parser_get_root(p);
	ck_assert_int_eq(api_body_object(&req, fields, false, &o, &resp), 0);
	ck_assert_int_eq(api_obj_string(o, "name", &s, &resp), -EINVAL);
	ck_assert_str_eq(s, "untouched");
	ck_assert_str_eq(resp.error, "field 'name' must be a string");
	api_resp_clear(&resp);
	ck_assert_int_eq(api_obj_config(o, "config", &cfg, &resp), -EINVAL);
	ck_assert_str_eq(resp.error, "field 'config.a' must be a string");
	api_resp_clear(&resp);
	ck_assert_int_eq(api_obj_bool(o, "flag", &b, &resp), -EINVAL);
	api_resp_clear(&resp);
	ck_assert_int_eq(api_obj_string(o, "absent", &s, &resp), 0);
	ck_assert_str_eq(s, "untouched");

	req.body = NULL;
	ck_assert_int_eq(api_body_object(&req, fields, false, &o, &resp), -EINVAL);
	ck_assert_str_eq(resp.error, "request body must be a JSON object");
	api_resp_clear(&resp);
	ck_assert_int_eq(api_body_object(&req, fields, true, &o, &resp), 0);
	ck_assert_ptr_null(o);
}
END_TEST

START_TEST(query_checks)
{
	static const char *const allowed[] = { "recursion", NULL };
	g_autoptr(GHashTable) q = g_hash_table_new(g_str_hash, g_str_equal);
	struct api_req req = { .query = q };
	struct api_resp resp = {};
	int level = -1;

	g_hash_table_insert(q, "recursion", "1");
	g_hash_table_insert(q, "project", "default");
	ck_assert_int_eq(api_query_check(&req, allowed, &resp), 0);
	ck_assert_int_eq(api_query_recursion(&req, 1, &level, &resp), 0);
	ck_assert_int_eq(level, 1);
	g_hash_table_insert(q, "recursion", "2");
	ck_assert_int_eq(api_query_recursion(&req, 1, &level, &resp), -EINVAL);
	api_resp_clear(&resp);
	g_hash_table_insert(q, "project", "other");
	ck_assert_int_eq(api_query_check(&req, allowed, &resp), -EINVAL);
	api_resp_clear(&resp);
	g_hash_table_remove(q, "project");
	g_hash_table_insert(q, "colour", "red");
	ck_assert_int_eq(api_query_check(&req, allowed, &resp), -EINVAL);
	ck_assert_str_eq(resp.error, "unknown query parameter 'colour'");
	api_resp_clear(&resp);
}
END_TEST

static char trail[16];
static size_t trail_n;

static void record(void *data)
{
	trail[trail_n++] = *(const char *) data;
}

START_TEST(revert_order)
{
	trail_n = 0;
	{
		_cleanup_revert_ struct revert_stack rs = {};

		revert_push(&rs, record, "a");
		revert_push(&rs, record, "b");
		revert_push(&rs, record, "c");
	}
	trail[trail_n] = '\0';
	ck_assert_str_eq(trail, "cba");	/* newest first */
	trail_n = 0;
	{
		_cleanup_revert_ struct revert_stack rs = {};

		revert_push(&rs, record, "a");
		revert_disarm(&rs);
	}
	ck_assert_uint_eq(trail_n, 0);
}
END_TEST

/* argv against the documented CLI: lvmthin(7), lvcreate(8), lvresize(8), zfs(8) pages */
static char **b_pv(void) { return lvm_cmd_pvcreate("/dev/loop7"); }
static char **b_vg(void) { return lvm_cmd_vgcreate("p1", "/dev/loop7"); }
static char **b_tp(void) { return lvm_cmd_thinpool_create("p1", "LXDThinPool"); }
static char **b_thin(void)
{
	g_autofree char *lv = lvm_lv_name("custom", "v-1", NULL);

	return lvm_cmd_thin_create("p1", "LXDThinPool", lv, 1ULL << 30);
}
static char **b_snap(void)
{
	g_autofree char *lv = lvm_lv_name("custom", "v-1", NULL);
	g_autofree char *sl = lvm_lv_name("custom", "v-1", "s1");

	return lvm_cmd_snapshot("p1", lv, sl);
}
static char **b_resize(void) { return lvm_cmd_resize("p1", "custom_v1", 2147483648ULL); }
static char **b_lvrm(void) { return lvm_cmd_remove("p1", "custom_v1"); }
static char **b_vgrm(void) { return lvm_cmd_vgremove("p1"); }
static char **b_zpool(void) { return zfs_cmd_zpool_create("tank", "/dev/loop7"); }
static char **b_zpool_rm(void) { return zfs_cmd_zpool_destroy("tank"); }
static char **b_zfs_fs(void)
{
	g_autofree char *ds = zfs_dataset("tank", "custom", "v1");

	return zfs_cmd_create_fs(ds, "/var/lib/lxkit/storage-pools/z/custom/v1");
}
static char **b_zfs_blk(void) { return zfs_cmd_create_block("tank/custom/b1", 1ULL << 30); }
static char **b_zfs_quota(void) { return zfs_cmd_set_quota("tank/custom/v1", 64ULL << 20); }
static char **b_zfs_noquota(void) { return zfs_cmd_set_quota("tank/custom/v1", 0); }
static char **b_zfs_volsize(void) { return zfs_cmd_set_volsize("tank/custom/b1", 2ULL << 30); }
static char **b_zfs_snap(void) { return zfs_cmd_snapshot("tank/custom/v1", "s1"); }
static char **b_zfs_rb(void) { return zfs_cmd_rollback("tank/custom/v1", "s1"); }
static char **b_zfs_clone(void) { return zfs_cmd_clone("tank/custom/v1", "s1", "tank/custom/v2"); }
static char **b_zfs_destroy(void) { return zfs_cmd_destroy("tank/custom/v1", TRUE); }

static const struct {
	char **(*build)(void);
	const char *want;
} argv_cases[] = {
	{ b_pv, "pvcreate --yes /dev/loop7" },
	{ b_vg, "vgcreate --yes p1 /dev/loop7" },
	{ b_tp, "lvcreate --yes --type thin-pool --extents 100%FREE --name LXDThinPool p1" },
	{ b_thin, "lvcreate --yes --type thin --virtualsize 1073741824b --thinpool LXDThinPool "
		  "--name custom_v--1 p1" },
	{ b_snap, "lvcreate --yes --snapshot --setactivationskip n --name custom_v--1-s1 "
		  "p1/custom_v--1" },
	{ b_resize, "lvresize --yes --size 2147483648b p1/custom_v1" },
	{ b_lvrm, "lvremove --yes p1/custom_v1" },
	{ b_vgrm, "vgremove --yes p1" },
	{ b_zpool, "zpool create -f -m none -O compression=on tank /dev/loop7" },
	{ b_zpool_rm, "zpool destroy tank" },
	{ b_zfs_fs, "zfs create -p -o mountpoint=/var/lib/lxkit/storage-pools/z/custom/v1 "
		    "tank/custom/v1" },
	{ b_zfs_blk, "zfs create -p -V 1073741824 tank/custom/b1" },
	{ b_zfs_quota, "zfs set refquota=67108864 tank/custom/v1" },
	{ b_zfs_noquota, "zfs set refquota=none tank/custom/v1" },
	{ b_zfs_volsize, "zfs set volsize=2147483648 tank/custom/b1" },
	{ b_zfs_snap, "zfs snapshot tank/custom/v1@s1" },
	{ b_zfs_rb, "zfs rollback tank/custom/v1@s1" },
	{ b_zfs_clone, "zfs clone -p tank/custom/v1@s1 tank/custom/v2" },
	{ b_zfs_destroy, "zfs destroy -r tank/custom/v1" },
};

START_TEST(argv_table)
{
	g_auto(GStrv) argv = argv_cases[_i].build();
	g_autofree char *joined = g_strjoinv(" ", argv);

	ck_assert_str_eq(joined, argv_cases[_i].want);
}
END_TEST

START_TEST(lv_names_do_not_collide)
{
	g_autofree char *a = lvm_lv_name("custom", "a-b", "c");
	g_autofree char *b = lvm_lv_name("custom", "a", "b-c");

	ck_assert_str_ne(a, b);
}
END_TEST

START_TEST(db_migrate)
{
	g_autofree char *dir = g_dir_make_tmp("lxkit-test-mgr-db-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "manager.db", NULL);
	g_autofree char *err = NULL, *wal = NULL, *shm = NULL;
	struct db *db = NULL;
	sqlite3 *s = NULL;

	int version;

	ck_assert_ptr_nonnull(dir);
	ck_assert_int_eq(db_open(path, &db, &err), 0);
	version = db_schema_version(db);
	ck_assert_int_ge(version, 1);
	db_close(db);
	db = NULL;
	ck_assert_int_eq(db_open(path, &db, &err), 0);	/* reopening migrates nothing */
	ck_assert_int_eq(db_schema_version(db), version);
	db_close(db);
	db = NULL;
	ck_assert_int_eq(sqlite3_open(path, &s), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(s, "SELECT id, name, driver, config, state FROM storage_pools; "
				      "SELECT pool_id, type, content_type FROM storage_volumes; "
				      "SELECT volume_id, name FROM storage_volume_snapshots", NULL,
				      NULL, NULL), SQLITE_OK);
	sqlite3_close(s);
	s = NULL;

	/* a database from a newer manager is refused, not downgraded */
	ck_assert_int_eq(sqlite3_open(path, &s), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(s, "INSERT INTO schema_version VALUES (99)", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(s);
	ck_assert_int_eq(db_open(path, &db, &err), -EIO);
	ck_assert_ptr_nonnull(strstr(err, "schema version 99"));
	g_clear_pointer(&err, g_free);

	/* not a database at all */
	ck_assert(g_file_set_contents(path, "garbage, not sqlite", -1, NULL));
	wal = g_strconcat(path, "-wal", NULL);
	shm = g_strconcat(path, "-shm", NULL);
	(void) g_unlink(wal);
	(void) g_unlink(shm);
	ck_assert_int_eq(db_open(path, &db, &err), -EIO);
	ck_assert_ptr_nonnull(err);
	(void) g_unlink(path);
	(void) g_unlink(wal);
	(void) g_unlink(shm);
	(void) g_rmdir(dir);
}
END_TEST

static Suite *manager_suite(void)
{
	Suite *s = suite_create("manager");
	TCase *tc = tcase_create("pure");

	tcase_add_loop_test(tc, size_table, 0, G_N_ELEMENTS(size_cases));
	tcase_add_test(tc, size_null);
	tcase_add_loop_test(tc, names_table, 0, G_N_ELEMENTS(name_cases));
	tcase_add_test(tc, ifname_rules);
	tcase_add_test(tc, route_match);
	tcase_add_test(tc, methods);
	tcase_add_test(tc, envelope_render);
	tcase_add_test(tc, body_checks);
	tcase_add_test(tc, query_checks);
	tcase_add_test(tc, revert_order);
	tcase_add_loop_test(tc, argv_table, 0, G_N_ELEMENTS(argv_cases));
	tcase_add_test(tc, lv_names_do_not_collide);
	tcase_add_test(tc, db_migrate);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(manager_suite());
}
