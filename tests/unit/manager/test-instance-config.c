/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of manager/instance-config.c: the config keys of an instance (spec §4.4), the
 * limits they give, and the message naming a refused key. The host is a table input: 4 CPUs,
 * 8 GiB of RAM. */
#include <check.h>
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "check-main.h"
#include "instance-config.h"

#define NCPUS 4
#define RAM (8ULL << 30)

static const struct {
	const char *key, *value;
	int r;
	const char *err_has;	/* a part of the message for a refusal */
	uint64_t memory, processes;
	const char *cpuset;
} cases[] = {
	{ "limits.memory", "256MiB", 0, NULL, 256ULL << 20, 0, NULL },
	{ "limits.memory", "1GB", 0, NULL, 1000000000ULL, 0, NULL },
	{ "limits.memory", "4096", 0, NULL, 4096, 0, NULL },
	{ "limits.memory", "50%", 0, NULL, 4ULL << 30, 0, NULL },
	{ "limits.memory", "100%", 0, NULL, RAM, 0, NULL },
	{ "limits.memory", "0%", -EINVAL, "'limits.memory'", 0, 0, NULL },
	{ "limits.memory", "101%", -EINVAL, "'101%'", 0, 0, NULL },
	{ "limits.memory", "%", -EINVAL, "'limits.memory'", 0, 0, NULL },
	{ "limits.memory", "1.5GiB", -EINVAL, "'1.5GiB'", 0, 0, NULL },
	{ "limits.memory", "1gib", -EINVAL, "'1gib'", 0, 0, NULL },
	{ "limits.memory", "0", -EINVAL, "'limits.memory'", 0, 0, NULL },
	{ "limits.memory", "", -EINVAL, "'limits.memory'", 0, 0, NULL },
	{ "limits.memory", "-1", -EINVAL, "'-1'", 0, 0, NULL },
	{ "limits.cpu", "1", 0, NULL, 0, 0, "0" },
	{ "limits.cpu", "2", 0, NULL, 0, 0, "0-1" },
	{ "limits.cpu", "4", 0, NULL, 0, 0, "0-3" },
	{ "limits.cpu", "5", -EINVAL, "1 to 4", 0, 0, NULL },
	{ "limits.cpu", "0", -EINVAL, "'limits.cpu'", 0, 0, NULL },
	{ "limits.cpu", "0-1,3", 0, NULL, 0, 0, "0-1,3" },
	{ "limits.cpu", "0,,1", -EINVAL, "'0,,1'", 0, 0, NULL },
	{ "limits.cpu", "-1", -EINVAL, "'limits.cpu'", 0, 0, NULL },
	{ "limits.cpu", "a", -EINVAL, "'a'", 0, 0, NULL },
	{ "limits.processes", "200", 0, NULL, 0, 200, NULL },
	{ "limits.processes", "0", -EINVAL, "'limits.processes'", 0, 0, NULL },
	{ "limits.processes", "-5", -EINVAL, "'limits.processes'", 0, 0, NULL },
	{ "limits.processes", "ten", -EINVAL, "'ten'", 0, 0, NULL },
	{ "boot.autostart", "true", 0, NULL, 0, 0, NULL },
	{ "boot.autostart", "yes", -EINVAL, "'true' or 'false'", 0, 0, NULL },
	{ "boot.autostart.priority", "-10", 0, NULL, 0, 0, NULL },
	{ "boot.autostart.priority", "1x", -EINVAL, "an integer", 0, 0, NULL },
	{ "boot.autostart.delay", "5", 0, NULL, 0, 0, NULL },
	{ "boot.autostart.delay", "-5", -EINVAL, ">= 0", 0, 0, NULL },
	{ "security.privileged", "false", 0, NULL, 0, 0, NULL },
	{ "security.nesting", "1", -EINVAL, "'security.nesting'", 0, 0, NULL },
	{ "user.anything", "free text", 0, NULL, 0, 0, NULL },
	{ "volatile.base_image", "x", -EINVAL, "written by the manager only", 0, 0, NULL },
	{ "vm.kernel", "/boot/vmlinuz", -EINVAL, "virtual machines only", 0, 0, NULL },
	{ "limits.bogus", "1", -EINVAL, "unknown config key 'limits.bogus'", 0, 0, NULL },
};

START_TEST(config_key)
{
	g_autoptr(GHashTable) cfg = g_hash_table_new(g_str_hash, g_str_equal);
	g_autofree char *err = NULL;
	struct inst_limits l = {};
	int r;

	g_hash_table_insert(cfg, (char *) cases[_i].key, (char *) cases[_i].value);
	r = instance_config_check(cfg, NCPUS, RAM, &l, &err);
	ck_assert_msg(r == cases[_i].r, "%s=%s: r=%d want %d (%s)", cases[_i].key, cases[_i].value, r,
		      cases[_i].r, err ? err : "");
	if (r < 0) {
		ck_assert_ptr_nonnull(err);
		ck_assert_msg(strstr(err, cases[_i].err_has), "'%s' lacks '%s'", err, cases[_i].err_has);
	} else {
		ck_assert_uint_eq(l.memory, cases[_i].memory);
		ck_assert_uint_eq(l.processes, cases[_i].processes);
		if (cases[_i].cpuset)
			ck_assert_str_eq(l.cpuset, cases[_i].cpuset);
		else
			ck_assert_ptr_null(l.cpuset);
	}
	g_free(l.cpuset);
}
END_TEST

/* an empty config gives no limits; NULL limits are fine */
START_TEST(config_empty)
{
	g_autoptr(GHashTable) cfg = g_hash_table_new(g_str_hash, g_str_equal);
	g_autofree char *err = NULL;
	struct inst_limits l = { .memory = 7 };

	ck_assert_int_eq(instance_config_check(cfg, NCPUS, RAM, &l, &err), 0);
	ck_assert_uint_eq(l.memory, 7);	/* untouched: no key */
	g_hash_table_insert(cfg, "limits.memory", "1MiB");
	ck_assert_int_eq(instance_config_check(cfg, NCPUS, RAM, NULL, &err), 0);
	ck_assert_ptr_null(err);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("instance-config");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, config_key, 0, G_N_ELEMENTS(cases));
	tcase_add_test(tc, config_empty);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(suite());
}
