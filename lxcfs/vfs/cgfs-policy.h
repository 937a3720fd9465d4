/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The access policy of the virtual cgroupfs (MOUNT/cgroup/<hierarchy>/...), as pure functions:
 * no I/O, no globals, no clocks. lxcfs-behaviour.md 4.12, with issue 6's changes: whole-component
 * subtree tests, no writes to the caller's own cgroup or its ancestors (except moving processes),
 * an unprivileged caller writes only objects owned by a uid its user namespace maps.
 *
 * Paths of cgroups are absolute within their hierarchy ("/", "/lxc.payload.c1/child"), as in
 * /proc/PID/cgroup (Documentation/admin-guide/cgroup-v1/cgroups.rst, cgroup-v2.rst "Processes").
 * Uids and gids are host (initial user namespace) ids, as the FUSE request context carries them;
 * a uid map is the text of /proc/PID/uid_map (user_namespaces(7)). Every function is
 * thread-safe (no shared state). */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Where cgroup @cg lies relative to the caller's cgroup */
enum cgfs_rel {
	CGFS_REL_UNRELATED,	/* neither on the caller's path nor below it: hidden */
	CGFS_REL_ANCESTOR,	/* a strict ancestor: shown as a bare directory on the way down */
	CGFS_REL_SELF,		/* the caller's own cgroup */
	CGFS_REL_DESCENDANT,	/* strictly below the caller's cgroup */
	CGFS_REL_MAX,
	CGFS_REL_INVALID = -EINVAL,
};

/* Compares two cgroup paths component by component ("/a/b" is not below "/a/bc"); repeated or
 * trailing slashes are ignored. Returns where @cg lies relative to @caller_cg, or
 * CGFS_REL_INVALID when either path is not absolute or holds a "." or ".." component. */
enum cgfs_rel cgfs_path_relation(const char *caller_cg, const char *cg);

/* For an ancestor @cg of @caller_cg: the next component of @caller_cg below @cg (pointer into
 * @caller_cg, @ret_len bytes). Returns 0, -EINVAL when @cg is not a strict ancestor. */
int cgfs_next_component(const char *caller_cg, const char *cg, const char **ret_name,
			size_t *ret_len);

/* Is @name a valid single path component for a new cgroup (not empty, no '/', not "." or "..",
 * at most NAME_MAX bytes)? */
bool cgfs_name_valid(const char *name);

/* Splits a node path of the tree, relative to the mountpoint ("cgroup", "cgroup/memory",
 * "cgroup/memory/a/b"), into the hierarchy name and the rest below it. *ret_hier points into
 * @path (@ret_hier_len bytes; length 0 for "cgroup" itself); *ret_rest points into @path, ""
 * for "cgroup" and "cgroup/<hierarchy>". Returns 0, -ENOENT when @path is not below "cgroup"
 * or holds an empty, "." or ".." component. */
int cgfs_path_split(const char *path, const char **ret_hier, size_t *ret_hier_len,
		    const char **ret_rest);

#define CGFS_IDMAP_MAX 340	/* extents of a uid_map (user_namespaces(7), Linux >= 4.15) */

struct cgfs_idmap_extent {
	uint32_t inside;	/* first id in the namespace */
	uint32_t outside;	/* first id in the parent (here: host) namespace */
	uint32_t count;
};

struct cgfs_idmap {
	struct cgfs_idmap_extent e[CGFS_IDMAP_MAX];
	size_t n;
};

/* Parses /proc/PID/uid_map text: lines "INSIDE OUTSIDE COUNT" (decimal, whitespace separated).
 * Returns 0, -EBADMSG for malformed lines, a zero count or a range past 2^32, -E2BIG above
 * CGFS_IDMAP_MAX lines. *ret untouched on error. */
int cgfs_idmap_parse(const char *text, struct cgfs_idmap *ret);

/* The id inside the namespace that host id @host maps to. Returns true and *ret_inside, false
 * when @host is not mapped. */
bool cgfs_idmap_to_inside(const struct cgfs_idmap *m, uint32_t host, uint32_t *ret_inside);

/* The initial user namespace's map ("0 0 4294967295"): every host id maps to itself. */
bool cgfs_idmap_is_initial(const struct cgfs_idmap *m);

/* The caller of a request */
struct cgfs_caller {
	const char *cg;			/* its cgroup (of its pid namespace's init) */
	uid_t uid;			/* host uid and gid of the calling thread */
	gid_t gid;
	const struct cgfs_idmap *uid_map;	/* its user namespace's uid map */
	const struct cgfs_idmap *gid_map;	/* its gid map; NULL: no group delegation */
};

/* Owner and permission bits of a real cgroupfs object */
struct cgfs_attr {
	uid_t uid;
	gid_t gid;
	mode_t mode;
};

enum cgfs_op {
	CGFS_OP_LOOKUP,		/* getattr/lookup of a cgroup directory or file */
	CGFS_OP_READDIR,	/* list a cgroup directory */
	CGFS_OP_READ,		/* open a file for reading */
	CGFS_OP_WRITE,		/* open a file for writing */
	CGFS_OP_MKDIR,		/* create child @name of cgroup @cg */
	CGFS_OP_RMDIR,		/* remove cgroup @cg */
	CGFS_OP_CHMOD,		/* chmod of cgroup @cg or its @file */
	CGFS_OP_CHOWN,		/* chown of cgroup @cg or its @file to @new_uid */
	CGFS_OP_MAX,
	CGFS_OP_INVALID = -EINVAL,
};

struct cgfs_request {
	enum cgfs_op op;
	const char *cg;		/* the cgroup the request is about (MKDIR: the parent) */
	const char *file;	/* a file name in @cg; NULL for the cgroup directory itself */
	const char *name;	/* MKDIR: the new child's name */
	struct cgfs_attr obj;	/* owner and mode of the object (MKDIR, RMDIR: the parent) */
	uid_t new_uid;		/* CHOWN: the new owner ((uid_t) -1: unchanged) */
};

/* Is @file one whose writes move processes (cgroup.procs, tasks, cgroup.threads)? */
bool cgfs_file_moves_tasks(const char *file);

/* Does the caller get @want (a mask of R_OK and W_OK) on an object owned as @a? Mode bits only,
 * no root bypass (lxcfs-behaviour.md 4.12 "Permission model"): owner bits when the caller is
 * the owner or root of a user namespace that maps the owner, group bits when its gid is the
 * owner's, other bits for anyone. A caller outside the initial user namespace gets W_OK only on
 * objects whose owner its namespace maps, or whose group its namespace maps when that group is
 * the caller's own and has the write bit (the delegation LXC sets up for an unprivileged
 * container: its cgroup is root:<container root gid> 0775, cgroup.procs 0664). */
bool cgfs_may_access(const struct cgfs_caller *c, const struct cgfs_attr *a, int want);

/* The decision for request @rq by caller @c. Returns 0 (allowed) or the errno to reply:
 * -ENOENT  the object is hidden from the caller (not on its path, or a file outside its subtree)
 * -EACCES  mode bits refuse it; a write to a file of the caller's own cgroup other than
 *          cgroup.procs, tasks, cgroup.threads and cgroup.subtree_control (its own limits)
 * -EPERM   MKDIR beside the caller's path; RMDIR of "/" or a first-level cgroup; CHMOD or CHOWN
 *          outside the caller's strict subtree, CHMOD by a non-owner, CHOWN to an unmapped uid
 * -EEXIST  MKDIR of the next component of the caller's own path
 * -EBUSY   RMDIR of the caller's own cgroup or an ancestor
 * -EACCES  also: CHOWN by a caller that is not root of a namespace mapping the owner (spec 4.12)
 * -EINVAL  malformed request (bad paths, bad MKDIR name, unknown op) */
int cgfs_policy_check(const struct cgfs_caller *c, const struct cgfs_request *rq);

/* May caller @c move a task owned by host uid @task_uid that sits in cgroup @task_cg (of the
 * same hierarchy) into another cgroup of its subtree? Only tasks inside the caller's own subtree,
 * and only when the caller is that task's uid, or root of a user namespace mapping it
 * (lxcfs-behaviour.md 4.12 "write"; the spec's EINVAL is EPERM here, issue 6).
 * Returns 0, -EPERM, or -EINVAL for malformed paths. */
int cgfs_policy_move(const struct cgfs_caller *c, const char *task_cg, uid_t task_uid);

/* Parses a write to cgroup.procs/tasks: decimal pids separated by whitespace (newlines, spaces,
 * tabs), @len bytes of @buf (not NUL-terminated), at most @max of them into @ret.
 * Returns 0 and *ret_n (0 for blank input), -EINVAL for anything but digits and whitespace, a
 * pid 0 or above INT32_MAX, -E2BIG for more than @max pids. Outputs untouched on error. */
int cgfs_pids_parse(const char *buf, size_t len, pid_t *ret, size_t max, size_t *ret_n);
