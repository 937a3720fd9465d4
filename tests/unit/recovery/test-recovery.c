/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of lxcfs/core/recovery.c: the mountinfo line parser (pure) and the argument checks
 * of the public functions. The real stale mounts and namespaces are in
 * tests/integration/test-recovery.sh. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "cleanup.h"
#include "recovery.h"

static const struct {
	const char *name;
	const char *line;
	int r;
	unsigned major, minor;
	const char *root, *mountpoint, *fstype;
} cases[] = {
	{ "lxcfs bind in a container",
	  "1203 1187 0:41 /proc/meminfo /proc/meminfo rw,nosuid,nodev,relatime - fuse.lxcfs lxcfs "
	  "rw,user_id=0,group_id=0,allow_other",
	  0, 0, 41, "/proc/meminfo", "/proc/meminfo", "fuse.lxcfs" },
	{ "optional fields before the separator",
	  "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 shared:7 - ext3 /dev/root rw,errors=continue",
	  0, 98, 0, "/mnt1", "/mnt2", "ext3" },
	{ "escaped space, tab, newline and backslash",
	  "40 26 0:38 / /tmp/a\\040b\\011c\\012d\\134e rw - fuse.lxcfs lxcfs rw",
	  0, 0, 38, "/", "/tmp/a b\tc\nd\\e", "fuse.lxcfs" },
	{ "large device numbers",
	  "40 26 259:1048575 / /data rw - xfs /dev/nvme0n1p1 rw",
	  0, 259, 1048575, "/", "/data", "xfs" },
	{ "nsfs root is not a path", "50 26 0:4 mnt:[4026532176] /run/ns rw - nsfs nsfs rw",
	  0, 0, 4, "mnt:[4026532176]", "/run/ns", "nsfs" },
	{ "no separator", "40 26 0:38 / /x rw fuse.lxcfs lxcfs rw", -EBADMSG },
	{ "no fstype after the separator", "40 26 0:38 / /x rw -", -EBADMSG },
	{ "too few fields", "40 26 0:38 /", -EBADMSG },
	{ "empty line", "", -EBADMSG },
	{ "device without a colon", "40 26 038 / /x rw - ext4 /dev/sda rw", -EBADMSG },
	{ "device with junk", "40 26 0:3x / /x rw - ext4 /dev/sda rw", -EBADMSG },
	{ "device minor missing", "40 26 0: / /x rw - ext4 /dev/sda rw", -EBADMSG },
	{ "device out of range", "40 26 4294967296:0 / /x rw - ext4 /dev/sda rw", -EBADMSG },
	{ "escaped NUL", "40 26 0:38 / /x\\000y rw - ext4 /dev/sda rw", -EBADMSG },
	{ "relative mountpoint", "40 26 0:38 / x rw - ext4 /dev/sda rw", -EBADMSG },
};

START_TEST(mountinfo_table)
{
	_cleanup_free_ char *line = strdup(cases[_i].line);
	struct mountinfo_entry e = { .major = 4242, .root = "untouched" };
	int r;

	ck_assert_ptr_nonnull(line);
	r = recovery_mountinfo_parse(line, &e);
	ck_assert_msg(r == cases[_i].r, "%s: got %d want %d", cases[_i].name, r, cases[_i].r);
	if (r < 0) {
		ck_assert_uint_eq(e.major, 4242);	/* untouched on failure */
		ck_assert_str_eq(e.root, "untouched");
		return;
	}
	ck_assert_uint_eq(e.major, cases[_i].major);
	ck_assert_uint_eq(e.minor, cases[_i].minor);
	ck_assert_str_eq(e.root, cases[_i].root);
	ck_assert_str_eq(e.mountpoint, cases[_i].mountpoint);
	ck_assert_str_eq(e.fstype, cases[_i].fstype);
}
END_TEST

START_TEST(bad_arguments)
{
	ck_assert_int_eq(recovery_detach_stale(NULL), -EINVAL);
	ck_assert_int_eq(recovery_detach_stale(""), -EINVAL);
	ck_assert_int_eq(recovery_remount_containers(NULL), -EINVAL);
	ck_assert_int_eq(recovery_remount_containers(""), -EINVAL);
	/* not stale: nothing detached, whatever the path is */
	ck_assert_int_eq(recovery_detach_stale("/"), 0);
	ck_assert_int_eq(recovery_detach_stale("/nonexistent/lxkit-test"), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("recovery");
	TCase *tc = tcase_create("recovery");

	tcase_add_loop_test(tc, mountinfo_table, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, bad_arguments);
	suite_add_tcase(s, tc);
	return check_main(s);
}
