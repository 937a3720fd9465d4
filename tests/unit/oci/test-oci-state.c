/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of hooks/oci/oci-state.c: the OCI state and config.json parsers of lxcfs-oci-hook.
 * Malformed input must give -EINVAL, a reason naming the problem, and untouched outputs. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "oci-state.h"

static const struct {
	const char *in;
	int r;
	const char *reason;	/* substring of *ret_error when r == -EINVAL */
	int pid;
	const char *id, *bundle;
} state_cases[] = {
	{ "{\"ociVersion\": \"1.0.2\", \"id\": \"c1\", \"status\": \"created\", \"pid\": 42, "
	  "\"bundle\": \"/run/b\", \"annotations\": {\"a\": \"b\"}}", 0, NULL, 42, "c1", "/run/b" },
	{ "{\"pid\": 1, \"id\": \"x\", \"bundle\": \"/\", \"future\": [1, {\"y\": null}]}", 0, NULL,
	  1, "x", "/" },
	{ "{\"pid\": 7, \"id\": \"x\", \"bundle\": \"/b\", \"annotations\": null}", 0, NULL, 7, "x", "/b" },
	{ "", -EINVAL, "empty" },
	{ "   ", -EINVAL, "empty" },
	{ "{", -EINVAL, "not valid JSON" },
	{ "{\"pid\": 1,}", -EINVAL, "not valid JSON" },
	{ "nul", -EINVAL, "not valid JSON" },
	{ "\xff\xfe", -EINVAL, "not valid JSON" },
	{ "[]", -EINVAL, "an array, not a JSON object" },
	{ "42", -EINVAL, "an integer, not a JSON object" },
	{ "null", -EINVAL, "null, not a JSON object" },
	{ "{\"id\": \"x\", \"bundle\": \"/b\"}", -EINVAL, "field 'pid' is missing" },
	{ "{\"pid\": \"1\", \"id\": \"x\", \"bundle\": \"/b\"}", -EINVAL,
	  "field 'pid' must be an integer, got a string" },
	{ "{\"pid\": 1.5, \"id\": \"x\", \"bundle\": \"/b\"}", -EINVAL, "got a number with a fraction" },
	{ "{\"pid\": true, \"id\": \"x\", \"bundle\": \"/b\"}", -EINVAL, "got a boolean" },
	{ "{\"pid\": null, \"id\": \"x\", \"bundle\": \"/b\"}", -EINVAL, "got null" },
	{ "{\"pid\": 0, \"id\": \"x\", \"bundle\": \"/b\"}", -EINVAL, "positive process id, got 0" },
	{ "{\"pid\": -5, \"id\": \"x\", \"bundle\": \"/b\"}", -EINVAL, "got -5" },
	{ "{\"pid\": 2147483648, \"id\": \"x\", \"bundle\": \"/b\"}", -EINVAL, "got 2147483648" },
	{ "{\"pid\": 1, \"bundle\": \"/b\"}", -EINVAL, "field 'id' is missing" },
	{ "{\"pid\": 1, \"id\": \"\", \"bundle\": \"/b\"}", -EINVAL, "field 'id' is empty" },
	{ "{\"pid\": 1, \"id\": 3, \"bundle\": \"/b\"}", -EINVAL, "field 'id' must be a string" },
	{ "{\"pid\": 1, \"id\": \"x\"}", -EINVAL, "field 'bundle' is missing" },
	{ "{\"pid\": 1, \"id\": \"x\", \"bundle\": \"b\"}", -EINVAL, "must be an absolute path" },
	{ "{\"pid\": 1, \"id\": \"x\", \"bundle\": {}}", -EINVAL, "got an object" },
	{ "{\"pid\": 1, \"id\": \"x\", \"bundle\": \"/b\", \"annotations\": []}", -EINVAL,
	  "field 'annotations' must be an object, got an array" },
	{ "{\"pid\": 1, \"id\": \"x\", \"bundle\": \"/b\", \"annotations\": {\"k\": \"v\", \"n\": 1}}",
	  -EINVAL, "annotation 'n' must be a string, got an integer" },
};

START_TEST(state_table)
{
	struct oci_state st = { .pid = 4242 };
	char *error = NULL;
	const char *in = state_cases[_i].in;
	int r = oci_state_parse(in, strlen(in), &st, &error);

	ck_assert_msg(r == state_cases[_i].r, "case %d: r=%d want %d (%s)", _i, r,
		      state_cases[_i].r, error ?: "");
	if (r == 0) {
		ck_assert_ptr_null(error);
		ck_assert_int_eq(st.pid, state_cases[_i].pid);
		ck_assert_str_eq(st.id, state_cases[_i].id);
		ck_assert_str_eq(st.bundle, state_cases[_i].bundle);
		ck_assert_ptr_nonnull(st.annotations);
	} else {
		ck_assert_ptr_nonnull(error);
		ck_assert_msg(strstr(error, state_cases[_i].reason), "case %d: '%s' lacks '%s'", _i,
			      error, state_cases[_i].reason);
		ck_assert_int_eq(st.pid, 4242);		/* untouched on failure */
		ck_assert_ptr_null(st.id);
	}
	oci_state_done(&st);
	oci_state_done(&st);				/* twice is fine */
	free(error);
}
END_TEST

START_TEST(state_annotations)
{
	static const char in[] = "{\"pid\": 3, \"id\": \"x\", \"bundle\": \"/b\", \"annotations\": "
				 "{\"io.lxkit.lxcfs\": \"false\", \"other\": \"\"}}";
	struct oci_state st = {};
	char *error = NULL;

	ck_assert_int_eq(oci_state_parse(in, strlen(in), &st, &error), 0);
	ck_assert_str_eq(oci_state_annotation(&st, "io.lxkit.lxcfs"), "false");
	ck_assert_str_eq(oci_state_annotation(&st, "other"), "");
	ck_assert_ptr_null(oci_state_annotation(&st, "io.lxkit"));	/* whole keys only */
	ck_assert_ptr_null(oci_state_annotation(&st, "false"));	/* values are not keys */
	oci_state_done(&st);
	ck_assert_ptr_null(oci_state_annotation(&st, "other"));
}
END_TEST

static const struct {
	const char *in;
	int r;
	const char *want;	/* path, or a substring of the reason */
} config_cases[] = {
	{ "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\", \"readonly\": true}}", 0, "rootfs" },
	{ "{\"root\": {\"path\": \"/var/lib/c/merged\"}}", 0, "/var/lib/c/merged" },
	{ "{}", -EINVAL, "config.json has no 'root'" },
	{ "{\"root\": \"rootfs\"}", -EINVAL, "'root' must be an object, got a string" },
	{ "{\"root\": {}}", -EINVAL, "config.json root: field 'path' is missing" },
	{ "{\"root\": {\"path\": \"\"}}", -EINVAL, "field 'path' is empty" },
	{ "{\"root\": {\"path\": 1}}", -EINVAL, "field 'path' must be a string" },
	{ "[", -EINVAL, "config.json is not valid JSON" },
};

START_TEST(config_table)
{
	char *path = (char *) "untouched", *error = NULL;
	const char *in = config_cases[_i].in;
	int r = oci_config_root_path(in, strlen(in), &path, &error);

	ck_assert_int_eq(r, config_cases[_i].r);
	if (r == 0) {
		ck_assert_str_eq(path, config_cases[_i].want);
		free(path);
	} else {
		ck_assert_str_eq(path, "untouched");
		ck_assert_msg(strstr(error, config_cases[_i].want), "case %d: '%s' lacks '%s'", _i,
			      error, config_cases[_i].want);
		free(error);
	}
}
END_TEST

/* the parsers take a length: bytes past it are never read */
START_TEST(state_length_bounds)
{
	static const char in[] = "{\"pid\": 1, \"id\": \"x\", \"bundle\": \"/b\"}GARBAGE";
	struct oci_state st = {};
	char *error = NULL;

	ck_assert_int_eq(oci_state_parse(in, strlen(in) - strlen("GARBAGE"), &st, &error), 0);
	oci_state_done(&st);
	ck_assert_int_eq(oci_state_parse(in, strlen(in), &st, &error), -EINVAL);
	free(error);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("oci-state");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, state_table, 0, sizeof(state_cases) / sizeof(state_cases[0]));
	tcase_add_test(tc, state_annotations);
	tcase_add_loop_test(tc, config_table, 0, sizeof(config_cases) / sizeof(config_cases[0]));
	tcase_add_test(tc, state_length_bounds);
	suite_add_tcase(s, tc);
	return check_main(s);
}
