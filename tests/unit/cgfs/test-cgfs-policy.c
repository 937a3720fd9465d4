/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of the virtual cgroupfs policy (lxcfs/vfs/cgfs-policy.c, pure) and the NSpid parser
 * it relies on (lxcfs/parse/proc.c): tables of (caller cgroup, path, uid map, operation) ->
 * allow or the errno. The real tree, with containers, is tests/integration/test-cgroupfs*.sh. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgfs-policy.h"
#include "check-main.h"
#include "proc.h"

#define HOST_MAP "0 0 4294967295\n"
#define CT_MAP "0 100000 65536\n"	/* an unprivileged container: root is host uid 100000 */
#define CT_ROOT 100000
#define NOBODY 65534

/* ---------------------------------------------------------------- path relations */

static const struct {
	const char *caller, *cg;
	enum cgfs_rel rel;
} rel_cases[] = {
	{ "/", "/", CGFS_REL_SELF },
	{ "/", "/a", CGFS_REL_DESCENDANT },
	{ "/a", "/", CGFS_REL_ANCESTOR },
	{ "/a/b", "/a", CGFS_REL_ANCESTOR },
	{ "/a/b", "/a/b", CGFS_REL_SELF },
	{ "/a/b", "/a/b/c/d", CGFS_REL_DESCENDANT },
	{ "/a/b", "/a/bc", CGFS_REL_UNRELATED },	/* prefix-sharing name */
	{ "/a/bc", "/a/b", CGFS_REL_UNRELATED },
	{ "/a/b", "/a/bc/d", CGFS_REL_UNRELATED },
	{ "/a/b", "/a/c", CGFS_REL_UNRELATED },
	{ "/a/b", "/x", CGFS_REL_UNRELATED },
	{ "/a/b/", "/a/b", CGFS_REL_SELF },		/* trailing and repeated slashes */
	{ "/a//b", "/a/b/c", CGFS_REL_DESCENDANT },
	{ "/lxc.payload.c1", "/lxc.payload.c1x", CGFS_REL_UNRELATED },
	{ "/lxc.payload.c1", "/lxc.payload.c", CGFS_REL_UNRELATED },
	{ "/a/b", "/a/b/../c", CGFS_REL_INVALID },	/* ".." tricks are no paths */
	{ "/a/b", "/a/./b", CGFS_REL_INVALID },
	{ "/a/b", "a/b", CGFS_REL_INVALID },
	{ "a", "/a", CGFS_REL_INVALID },
	{ "/a/b", "", CGFS_REL_INVALID },
};

START_TEST(relation_table)
{
	enum cgfs_rel r = cgfs_path_relation(rel_cases[_i].caller, rel_cases[_i].cg);

	ck_assert_msg(r == rel_cases[_i].rel, "caller '%s' cg '%s': got %d want %d",
		      rel_cases[_i].caller, rel_cases[_i].cg, r, rel_cases[_i].rel);
}
END_TEST

START_TEST(next_component)
{
	const char *name = "untouched";
	size_t n = 42;

	ck_assert_int_eq(cgfs_next_component("/a/b/c", "/a", &name, &n), 0);
	ck_assert_int_eq((int) n, 1);
	ck_assert_int_eq(name[0], 'b');
	ck_assert_int_eq(cgfs_next_component("/lxc.payload.c1", "/", &name, &n), 0);
	ck_assert_int_eq((int) n, (int) strlen("lxc.payload.c1"));
	ck_assert_int_eq(strncmp(name, "lxc.payload.c1", n), 0);
	name = "untouched";
	ck_assert_int_eq(cgfs_next_component("/a", "/a", &name, &n), -EINVAL);
	ck_assert_int_eq(cgfs_next_component("/a/b", "/ab", &name, &n), -EINVAL);
	ck_assert_str_eq(name, "untouched");
}
END_TEST

/* ---------------------------------------------------------------- node paths */

static const struct {
	const char *path;
	int r;
	const char *hier, *rest;
} split_cases[] = {
	{ "cgroup", 0, "", "" },
	{ "cgroup/memory", 0, "memory", "" },
	{ "cgroup/memory/a/b", 0, "memory", "a/b" },
	{ "cgroup/name=systemd/x", 0, "name=systemd", "x" },
	{ "cgroups", -ENOENT },
	{ "cgroup/", -ENOENT },
	{ "cgroup/memory/", -ENOENT },
	{ "cgroup/memory//a", -ENOENT },
	{ "cgroup/memory/../../proc", -ENOENT },
	{ "cgroup/memory/a/./b", -ENOENT },
	{ "cgroup/..", -ENOENT },
	{ "proc/meminfo", -ENOENT },
};

START_TEST(split_table)
{
	const char *hier = "x", *rest = "x";
	size_t len = 99;
	int r = cgfs_path_split(split_cases[_i].path, &hier, &len, &rest);

	ck_assert_msg(r == split_cases[_i].r, "'%s': got %d", split_cases[_i].path, r);
	if (r < 0)
		return;
	ck_assert_int_eq((int) len, (int) strlen(split_cases[_i].hier));
	ck_assert_int_eq(strncmp(hier, split_cases[_i].hier, len), 0);
	ck_assert_str_eq(rest, split_cases[_i].rest);
}
END_TEST

/* ---------------------------------------------------------------- uid maps */

static const struct {
	const char *text;
	int r;
	size_t n;
} idmap_cases[] = {
	{ HOST_MAP, 0, 1 },
	{ "         0     100000      65536\n", 0, 1 },
	{ "0 100000 1\n1 200000 65535\n", 0, 2 },
	{ "", 0, 0 },
	{ "0 100000\n", -EBADMSG },
	{ "0 100000 0\n", -EBADMSG },
	{ "0 4294967295 2\n", -EBADMSG },
	{ "0 0 4294967296\n", -EBADMSG },			/* count above 32 bits (fuzzer) */
	{ "18446744073709551615 0 2\n", -EBADMSG },		/* would wrap a 64-bit sum */
	{ "0 18446744073709551615 2\n", -EBADMSG },
	{ "4294967295 0 1\n", 0, 1 },
	{ "-1 0 1\n", -EBADMSG },
	{ "0 0 1 junk\n", -EBADMSG },
	{ "a b c\n", -EBADMSG },
};

START_TEST(idmap_table)
{
	struct cgfs_idmap m = { .n = 77 };
	int r = cgfs_idmap_parse(idmap_cases[_i].text, &m);

	ck_assert_msg(r == idmap_cases[_i].r, "'%s': got %d", idmap_cases[_i].text, r);
	ck_assert_int_eq((int) m.n, r < 0 ? 77 : (int) idmap_cases[_i].n);	/* untouched on error */
}
END_TEST

START_TEST(idmap_lookup)
{
	struct cgfs_idmap host, ct;
	uint32_t in = 7;

	ck_assert_int_eq(cgfs_idmap_parse(HOST_MAP, &host), 0);
	ck_assert_int_eq(cgfs_idmap_parse(CT_MAP, &ct), 0);
	ck_assert(cgfs_idmap_is_initial(&host));
	ck_assert(!cgfs_idmap_is_initial(&ct));
	ck_assert(cgfs_idmap_to_inside(&ct, CT_ROOT, &in) && in == 0);
	ck_assert(cgfs_idmap_to_inside(&ct, CT_ROOT + 65535, &in) && in == 65535);
	in = 7;
	ck_assert(!cgfs_idmap_to_inside(&ct, CT_ROOT + 65536, &in));
	ck_assert(!cgfs_idmap_to_inside(&ct, 0, &in));
	ck_assert_int_eq((int) in, 7);
	ck_assert(cgfs_idmap_to_inside(&host, 4294967294u, &in) && in == 4294967294u);
}
END_TEST

/* ---------------------------------------------------------------- the decision table */

enum who { HOST_ROOT, PRIV_CT, UNPRIV_CT, UNPRIV_USER, HOST_USER };

static const struct {
	const char *name;
	enum who who;		/* uid, gid and uid map of the caller */
	const char *caller_cg;
	enum cgfs_op op;
	const char *cg, *file, *new_name;
	uid_t ouid;		/* the object's owner, group (same number) and mode */
	mode_t omode;
	uid_t new_uid;
	int want;
} cases[] = {
	/* visibility */
	{ "own cgroup dir", PRIV_CT, "/c1", CGFS_OP_LOOKUP, "/c1", NULL, NULL, 0, 0755, -1, 0 },
	{ "own file", PRIV_CT, "/c1", CGFS_OP_LOOKUP, "/c1", "memory.limit_in_bytes", NULL, 0, 0644, -1, 0 },
	{ "child dir", PRIV_CT, "/c1", CGFS_OP_LOOKUP, "/c1/x/y", NULL, NULL, 0, 0755, -1, 0 },
	{ "ancestor dir on the path", PRIV_CT, "/lxc/c1", CGFS_OP_LOOKUP, "/lxc", NULL, NULL, 0, 0555, -1, 0 },
	{ "hierarchy root on the path", PRIV_CT, "/lxc/c1", CGFS_OP_LOOKUP, "/", NULL, NULL, 0, 0555, -1, 0 },
	{ "ancestor's file hidden", PRIV_CT, "/lxc/c1", CGFS_OP_LOOKUP, "/lxc", "tasks", NULL, 0, 0644, -1, -ENOENT },
	{ "root's file hidden", PRIV_CT, "/c1", CGFS_OP_LOOKUP, "/", "cgroup.procs", NULL, 0, 0644, -1, -ENOENT },
	{ "sibling hidden", PRIV_CT, "/c1", CGFS_OP_LOOKUP, "/c2", NULL, NULL, 0, 0755, -1, -ENOENT },
	{ "sibling's file hidden", UNPRIV_CT, "/c1", CGFS_OP_LOOKUP, "/c2", "tasks", NULL, CT_ROOT, 0644, -1, -ENOENT },
	{ "prefix-sharing sibling hidden", PRIV_CT, "/c1", CGFS_OP_LOOKUP, "/c1x", NULL, NULL, 0, 0755, -1, -ENOENT },
	{ "prefix-sharing child of sibling hidden", PRIV_CT, "/a/b", CGFS_OP_LOOKUP, "/a/bc/d", NULL, NULL, 0, 0755, -1, -ENOENT },
	{ "host root in / sees all", HOST_ROOT, "/", CGFS_OP_LOOKUP, "/c2", "tasks", NULL, 0, 0644, -1, 0 },
	{ "dotdot path invalid", PRIV_CT, "/c1", CGFS_OP_LOOKUP, "/c1/../c2", NULL, NULL, 0, 0755, -1, -EINVAL },
	{ "bad file name", PRIV_CT, "/c1", CGFS_OP_LOOKUP, "/c1", "..", NULL, 0, 0644, -1, -EINVAL },
	{ "readdir own", UNPRIV_CT, "/c1", CGFS_OP_READDIR, "/c1", NULL, NULL, CT_ROOT, 0755, -1, 0 },
	{ "readdir ancestor (next component only)", UNPRIV_CT, "/lxc/c1", CGFS_OP_READDIR, "/lxc", NULL, NULL, 0, 0555, -1, 0 },
	{ "readdir sibling", UNPRIV_CT, "/c1", CGFS_OP_READDIR, "/c2", NULL, NULL, 0, 0755, -1, -ENOENT },
	{ "readdir unreadable child", UNPRIV_USER, "/c1", CGFS_OP_READDIR, "/c1/x", NULL, NULL, 0, 0700, -1, -EACCES },
	/* reads */
	{ "read own limit", UNPRIV_CT, "/c1", CGFS_OP_READ, "/c1", "memory.limit_in_bytes", NULL, 0, 0644, -1, 0 },
	{ "read sibling's limit", PRIV_CT, "/c1", CGFS_OP_READ, "/c2", "memory.limit_in_bytes", NULL, 0, 0644, -1, -ENOENT },
	{ "read write-only file", HOST_ROOT, "/", CGFS_OP_READ, "/c1", "cgroup.event_control", NULL, 0, 0200, -1, -EACCES },
	{ "read a directory", PRIV_CT, "/c1", CGFS_OP_READ, "/c1", NULL, NULL, 0, 0755, -1, -EISDIR },
	/* writes */
	{ "raise own memory limit (privileged)", PRIV_CT, "/c1", CGFS_OP_WRITE, "/c1", "memory.limit_in_bytes", NULL, 0, 0644, -1, -EACCES },
	{ "raise own memory limit (unprivileged)", UNPRIV_CT, "/c1", CGFS_OP_WRITE, "/c1", "memory.limit_in_bytes", NULL, 0, 0644, -1, -EACCES },
	{ "own limit even when chowned to it", UNPRIV_CT, "/c1", CGFS_OP_WRITE, "/c1", "memory.max", NULL, CT_ROOT, 0644, -1, -EACCES },
	{ "host root own cgroup's limit", HOST_ROOT, "/user", CGFS_OP_WRITE, "/user", "memory.limit_in_bytes", NULL, 0, 0644, -1, -EACCES },
	{ "ancestor's limit", PRIV_CT, "/lxc/c1", CGFS_OP_WRITE, "/lxc", "memory.limit_in_bytes", NULL, 0, 0644, -1, -ENOENT },
	{ "own cgroup.procs (privileged)", PRIV_CT, "/c1", CGFS_OP_WRITE, "/c1", "cgroup.procs", NULL, 0, 0644, -1, 0 },
	{ "own cgroup.procs owned by host root (unprivileged)", UNPRIV_CT, "/c1", CGFS_OP_WRITE, "/c1", "cgroup.procs", NULL, 0, 0644, -1, -EACCES },
	{ "own cgroup.procs chowned to it (unprivileged)", UNPRIV_CT, "/c1", CGFS_OP_WRITE, "/c1", "cgroup.procs", NULL, CT_ROOT, 0644, -1, 0 },
	{ "own tasks", PRIV_CT, "/c1", CGFS_OP_WRITE, "/c1", "tasks", NULL, 0, 0644, -1, 0 },
	{ "own subtree_control", PRIV_CT, "/c1", CGFS_OP_WRITE, "/c1", "cgroup.subtree_control", NULL, 0, 0644, -1, 0 },
	{ "child's limit (privileged)", PRIV_CT, "/c1", CGFS_OP_WRITE, "/c1/x", "memory.limit_in_bytes", NULL, 0, 0644, -1, 0 },
	{ "child's limit made by it (unprivileged)", UNPRIV_CT, "/c1", CGFS_OP_WRITE, "/c1/x", "memory.limit_in_bytes", NULL, CT_ROOT, 0644, -1, 0 },
	{ "child's limit owned by host root (unprivileged)", UNPRIV_CT, "/c1", CGFS_OP_WRITE, "/c1/x", "memory.limit_in_bytes", NULL, 0, 0644, -1, -EACCES },
	{ "world-writable file of an unmapped owner (unprivileged)", UNPRIV_CT, "/c1", CGFS_OP_WRITE, "/c1/x", "notify_on_release", NULL, 0, 0666, -1, -EACCES },
	{ "group-writable file, same gid (host user)", HOST_USER, "/", CGFS_OP_WRITE, "/u", "tasks", NULL, 1000, 0664, -1, 0 },
	{ "read-only file for host root (no bypass)", HOST_ROOT, "/", CGFS_OP_WRITE, "/c1", "memory.usage_in_bytes", NULL, 0, 0444, -1, -EACCES },
	{ "sibling's cgroup.procs", PRIV_CT, "/c1", CGFS_OP_WRITE, "/c2", "cgroup.procs", NULL, 0, 0644, -1, -ENOENT },
	{ "prefix-sharing sibling's limit", PRIV_CT, "/c1", CGFS_OP_WRITE, "/c1x", "memory.limit_in_bytes", NULL, 0, 0644, -1, -ENOENT },
	{ "non-root container user, root-owned child file", UNPRIV_USER, "/c1", CGFS_OP_WRITE, "/c1/x", "tasks", NULL, CT_ROOT, 0644, -1, -EACCES },
	/* mkdir */
	{ "mkdir in own cgroup (privileged)", PRIV_CT, "/c1", CGFS_OP_MKDIR, "/c1", NULL, "x", 0, 0755, -1, 0 },
	{ "mkdir in own cgroup chowned to it (unprivileged)", UNPRIV_CT, "/c1", CGFS_OP_MKDIR, "/c1", NULL, "x", CT_ROOT, 0755, -1, 0 },
	{ "mkdir in own root-owned cgroup (unprivileged)", UNPRIV_CT, "/c1", CGFS_OP_MKDIR, "/c1", NULL, "x", 0, 0755, -1, -EACCES },
	{ "mkdir in a child", PRIV_CT, "/c1", CGFS_OP_MKDIR, "/c1/x", NULL, "y", 0, 0755, -1, 0 },
	{ "mkdir next component on the path", PRIV_CT, "/lxc/c1", CGFS_OP_MKDIR, "/lxc", NULL, "c1", 0, 0555, -1, -EEXIST },
	{ "mkdir beside the path", PRIV_CT, "/lxc/c1", CGFS_OP_MKDIR, "/lxc", NULL, "c2", 0, 0555, -1, -EPERM },
	{ "mkdir prefix-sharing beside the path", PRIV_CT, "/lxc/c1", CGFS_OP_MKDIR, "/lxc", NULL, "c1x", 0, 0555, -1, -EPERM },
	{ "mkdir in a sibling", PRIV_CT, "/c1", CGFS_OP_MKDIR, "/c2", NULL, "x", 0, 0755, -1, -ENOENT },
	{ "mkdir at a 0555 hierarchy root (host root)", HOST_ROOT, "/", CGFS_OP_MKDIR, "/", NULL, "x", 0, 0555, -1, -EACCES },
	{ "mkdir dotdot", PRIV_CT, "/c1", CGFS_OP_MKDIR, "/c1", NULL, "..", 0, 0755, -1, -EINVAL },
	{ "mkdir with slash", PRIV_CT, "/c1", CGFS_OP_MKDIR, "/c1", NULL, "a/b", 0, 0755, -1, -EINVAL },
	/* rmdir (obj = the parent directory) */
	{ "rmdir a child", PRIV_CT, "/c1", CGFS_OP_RMDIR, "/c1/x/y", NULL, NULL, 0, 0755, -1, 0 },
	{ "rmdir a child (unprivileged, parent its own)", UNPRIV_CT, "/c1", CGFS_OP_RMDIR, "/c1/x/y", NULL, NULL, CT_ROOT, 0755, -1, 0 },
	{ "rmdir own cgroup", PRIV_CT, "/lxc/c1", CGFS_OP_RMDIR, "/lxc/c1", NULL, NULL, 0, 0755, -1, -EBUSY },
	{ "rmdir an ancestor", PRIV_CT, "/lxc/c1/in", CGFS_OP_RMDIR, "/lxc/c1", NULL, NULL, 0, 0755, -1, -EBUSY },
	{ "rmdir a sibling", PRIV_CT, "/lxc/c1", CGFS_OP_RMDIR, "/lxc/c2", NULL, NULL, 0, 0755, -1, -ENOENT },
	{ "rmdir a first-level cgroup", HOST_ROOT, "/", CGFS_OP_RMDIR, "/c1", NULL, NULL, 0, 0555, -1, -EPERM },
	{ "rmdir the root", HOST_ROOT, "/", CGFS_OP_RMDIR, "/", NULL, NULL, 0, 0555, -1, -EPERM },
	{ "rmdir in a host-root-owned parent (unprivileged)", UNPRIV_CT, "/c1", CGFS_OP_RMDIR, "/c1/x/y", NULL, NULL, 0, 0755, -1, -EACCES },
	/* chmod, chown */
	{ "chmod child's file", PRIV_CT, "/c1", CGFS_OP_CHMOD, "/c1/x", "tasks", NULL, 0, 0644, -1, 0 },
	{ "chmod child dir (unprivileged, its own)", UNPRIV_CT, "/c1", CGFS_OP_CHMOD, "/c1/x", NULL, NULL, CT_ROOT, 0755, -1, 0 },
	{ "chmod child dir owned by host root (unprivileged)", UNPRIV_CT, "/c1", CGFS_OP_CHMOD, "/c1/x", NULL, NULL, 0, 0755, -1, -EPERM },
	{ "chmod own limit file", PRIV_CT, "/c1", CGFS_OP_CHMOD, "/c1", "memory.limit_in_bytes", NULL, 0, 0644, -1, -EPERM },
	{ "chmod own cgroup dir", PRIV_CT, "/c1", CGFS_OP_CHMOD, "/c1", NULL, NULL, 0, 0755, -1, -EPERM },
	{ "chmod ancestor", PRIV_CT, "/lxc/c1", CGFS_OP_CHMOD, "/lxc", NULL, NULL, 0, 0555, -1, -EPERM },
	{ "chmod sibling", PRIV_CT, "/c1", CGFS_OP_CHMOD, "/c2", NULL, NULL, 0, 0755, -1, -ENOENT },
	{ "chown child to a mapped uid", UNPRIV_CT, "/c1", CGFS_OP_CHOWN, "/c1/x", "tasks", NULL, CT_ROOT, 0644, CT_ROOT + 1000, 0 },
	{ "chown child to an unmapped uid", UNPRIV_CT, "/c1", CGFS_OP_CHOWN, "/c1/x", "tasks", NULL, CT_ROOT, 0644, 0, -EPERM },
	{ "chown of a host-root-owned child (unprivileged)", UNPRIV_CT, "/c1", CGFS_OP_CHOWN, "/c1/x", NULL, NULL, 0, 0755, CT_ROOT, -EACCES },
	{ "chown by the owner, not ns root", UNPRIV_USER, "/c1", CGFS_OP_CHOWN, "/c1/x", NULL, NULL, CT_ROOT + 1000, 0755, CT_ROOT, -EACCES },
	{ "chown own limit file", PRIV_CT, "/c1", CGFS_OP_CHOWN, "/c1", "memory.limit_in_bytes", NULL, 0, 0644, 1000, -EPERM },
	{ "unknown op", PRIV_CT, "/c1", CGFS_OP_MAX, "/c1", NULL, NULL, 0, 0755, -1, -EINVAL },
};

static void caller_of(enum who who, const char *cg, struct cgfs_idmap *map, struct cgfs_caller *c)
{
	bool unpriv = who == UNPRIV_CT || who == UNPRIV_USER;

	ck_assert_int_eq(cgfs_idmap_parse(unpriv ? CT_MAP : HOST_MAP, map), 0);
	*c = (struct cgfs_caller) { .cg = cg, .uid_map = map };
	switch (who) {
	case HOST_ROOT:
	case PRIV_CT:
		c->uid = c->gid = 0;
		break;
	case UNPRIV_CT:
		c->uid = c->gid = CT_ROOT;
		break;
	case UNPRIV_USER:
		c->uid = c->gid = CT_ROOT + 1000;
		break;
	case HOST_USER:
		c->uid = c->gid = 1000;
		break;
	}
}

START_TEST(policy_table)
{
	struct cgfs_idmap map;
	struct cgfs_caller c;
	struct cgfs_request rq = {
		.op = cases[_i].op, .cg = cases[_i].cg, .file = cases[_i].file,
		.name = cases[_i].new_name,
		.obj = { .uid = cases[_i].ouid, .gid = cases[_i].ouid, .mode = cases[_i].omode },
		.new_uid = cases[_i].new_uid,
	};
	int r;

	caller_of(cases[_i].who, cases[_i].caller_cg, &map, &c);
	r = cgfs_policy_check(&c, &rq);
	ck_assert_msg(r == cases[_i].want, "%s: got %d (%s) want %d (%s)", cases[_i].name, r,
		      strerror(-r), cases[_i].want, strerror(-cases[_i].want));
}
END_TEST

/* ---------------------------------------------------------------- LXC's group delegation */

/* An unprivileged LXC container's cgroup is root:<its root gid> 0775 with cgroup.procs and tasks
 * root:<gid> 0664; its limit files stay root:root 0644. */
static const struct {
	const char *name;
	enum who who;
	enum cgfs_op op;
	const char *cg, *file, *new_name;
	gid_t ogid;
	mode_t omode;
	bool with_gid_map;
	int want;
} group_cases[] = {
	{ "mkdir in own root:ctroot 0775 cgroup", UNPRIV_CT, CGFS_OP_MKDIR, "/c1", NULL, "x", CT_ROOT, 0775, true, 0 },
	{ "write own root:ctroot 0664 cgroup.procs", UNPRIV_CT, CGFS_OP_WRITE, "/c1", "cgroup.procs", NULL, CT_ROOT, 0664, true, 0 },
	{ "own root:root limit stays refused", UNPRIV_CT, CGFS_OP_WRITE, "/c1", "memory.limit_in_bytes", NULL, 0, 0664, true, -EACCES },
	{ "group without write bit", UNPRIV_CT, CGFS_OP_MKDIR, "/c1", NULL, "x", CT_ROOT, 0755, true, -EACCES },
	{ "no gid map: uid rule only", UNPRIV_CT, CGFS_OP_MKDIR, "/c1", NULL, "x", CT_ROOT, 0775, false, -EACCES },
	{ "another container user's gid", UNPRIV_USER, CGFS_OP_MKDIR, "/c1", NULL, "x", CT_ROOT, 0775, true, -EACCES },
	{ "group-writable, gid not mapped (host gid 0)", UNPRIV_CT, CGFS_OP_WRITE, "/c1/x", "tasks", NULL, 0, 0666, true, -EACCES },
};

START_TEST(group_table)
{
	struct cgfs_idmap map, gmap;
	struct cgfs_caller c;
	struct cgfs_request rq = {
		.op = group_cases[_i].op, .cg = group_cases[_i].cg, .file = group_cases[_i].file,
		.name = group_cases[_i].new_name,
		.obj = { .uid = 0, .gid = group_cases[_i].ogid, .mode = group_cases[_i].omode },
		.new_uid = (uid_t) -1,
	};
	int r;

	caller_of(group_cases[_i].who, "/c1", &map, &c);
	ck_assert_int_eq(cgfs_idmap_parse(CT_MAP, &gmap), 0);
	c.gid_map = group_cases[_i].with_gid_map ? &gmap : NULL;
	r = cgfs_policy_check(&c, &rq);
	ck_assert_msg(r == group_cases[_i].want, "%s: got %d want %d", group_cases[_i].name, r,
		      group_cases[_i].want);
}
END_TEST

/* ---------------------------------------------------------------- moving tasks */

static const struct {
	const char *name;
	enum who who;
	const char *caller_cg, *task_cg;
	uid_t task_uid;
	int want;
} move_cases[] = {
	{ "own task", PRIV_CT, "/c1", "/c1", 0, 0 },
	{ "task in a child", UNPRIV_CT, "/c1", "/c1/x", CT_ROOT + 5, 0 },
	{ "task of a sibling", PRIV_CT, "/c1", "/c2", 0, -EPERM },
	{ "task of a prefix-sharing sibling", PRIV_CT, "/c1", "/c1x", 0, -EPERM },
	{ "host task in the root", PRIV_CT, "/c1", "/", 0, -EPERM },
	{ "task of an unmapped uid (unprivileged)", UNPRIV_CT, "/c1", "/c1", 0, -EPERM },
	{ "task of another user (not root)", UNPRIV_USER, "/c1", "/c1", CT_ROOT, -EPERM },
	{ "own uid's task (not root)", UNPRIV_USER, "/c1", "/c1/x", CT_ROOT + 1000, 0 },
	{ "dotdot task path", PRIV_CT, "/c1", "/c1/../c2", 0, -EINVAL },
};

START_TEST(move_table)
{
	struct cgfs_idmap map;
	struct cgfs_caller c;
	int r;

	caller_of(move_cases[_i].who, move_cases[_i].caller_cg, &map, &c);
	r = cgfs_policy_move(&c, move_cases[_i].task_cg, move_cases[_i].task_uid);
	ck_assert_msg(r == move_cases[_i].want, "%s: got %d want %d", move_cases[_i].name, r,
		      move_cases[_i].want);
}
END_TEST

/* ---------------------------------------------------------------- pid lists */

static const struct {
	const char *text;
	int r;
	size_t n;
	pid_t first, last;
} pids_cases[] = {
	{ "42\n", 0, 1, 42, 42 },
	{ "42", 0, 1, 42, 42 },
	{ "1 2\n3\t4\n", 0, 4, 1, 4 },
	{ "\n\n", 0, 0 },
	{ "", 0, 0 },
	{ "12a\n", -EINVAL },
	{ "-1\n", -EINVAL },
	{ "0\n", -EINVAL },
	{ "2147483648\n", -EINVAL },
	{ "99999999999999999999999\n", -EINVAL },
	{ "1,2\n", -EINVAL },
	{ "1 2 3 4 5 6 7 8 9\n", -E2BIG },	/* max 8 below */
};

START_TEST(pids_table)
{
	pid_t pids[8] = { -7 };
	size_t n = 99;
	const char *t = pids_cases[_i].text;
	int r = cgfs_pids_parse(t, strlen(t), pids, 8, &n);

	ck_assert_msg(r == pids_cases[_i].r, "'%s': got %d", t, r);
	if (r < 0) {
		ck_assert_int_eq((int) n, 99);
		ck_assert_int_eq(pids[0], -7);
		return;
	}
	ck_assert_int_eq((int) n, (int) pids_cases[_i].n);
	if (n) {
		ck_assert_int_eq(pids[0], pids_cases[_i].first);
		ck_assert_int_eq(pids[n - 1], pids_cases[_i].last);
	}
}
END_TEST

/* ---------------------------------------------------------------- /proc/PID/status NSpid */

static const struct {
	const char *text;
	int r;
	size_t n;
	pid_t last;
} nspid_cases[] = {
	{ "Name:\tsh\nNSpid:\t4242\n", 0, 1, 4242 },
	{ "Name:\tsh\nNSpid:\t4242\t17\t1\nNSsid:\t1\n", 0, 3, 1 },
	{ "Name:\tsh\n", -EBADMSG },
	{ "NSpid:\t\n", -EBADMSG },
	{ "NSpid:\t12x\n", -EBADMSG },
	{ "NSpid:\t0\n", -EBADMSG },
	{ "NSpid:\t1 2 3 4\n", -E2BIG },	/* max 3 below */
};

START_TEST(nspid_table)
{
	pid_t p[3] = { -7, -7, -7 };
	size_t n = 99;
	int r = proc_status_nspids(nspid_cases[_i].text, p, 3, &n);

	ck_assert_msg(r == nspid_cases[_i].r, "'%s': got %d", nspid_cases[_i].text, r);
	if (r < 0) {
		ck_assert_int_eq((int) n, 99);
		ck_assert_int_eq(p[0], -7);
		return;
	}
	ck_assert_int_eq((int) n, (int) nspid_cases[_i].n);
	ck_assert_int_eq(p[n - 1], nspid_cases[_i].last);
}
END_TEST

static Suite *cgfs_suite(void)
{
	Suite *s = suite_create("cgfs-policy");
	TCase *tc = tcase_create("policy");

	tcase_add_loop_test(tc, relation_table, 0, (int) (sizeof(rel_cases) / sizeof(rel_cases[0])));
	tcase_add_test(tc, next_component);
	tcase_add_loop_test(tc, split_table, 0, (int) (sizeof(split_cases) / sizeof(split_cases[0])));
	tcase_add_loop_test(tc, idmap_table, 0, (int) (sizeof(idmap_cases) / sizeof(idmap_cases[0])));
	tcase_add_test(tc, idmap_lookup);
	tcase_add_loop_test(tc, policy_table, 0, (int) (sizeof(cases) / sizeof(cases[0])));
	tcase_add_loop_test(tc, group_table, 0, (int) (sizeof(group_cases) / sizeof(group_cases[0])));
	tcase_add_loop_test(tc, move_table, 0, (int) (sizeof(move_cases) / sizeof(move_cases[0])));
	tcase_add_loop_test(tc, pids_table, 0, (int) (sizeof(pids_cases) / sizeof(pids_cases[0])));
	tcase_add_loop_test(tc, nspid_table, 0, (int) (sizeof(nspid_cases) / sizeof(nspid_cases[0])));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(cgfs_suite());
}
