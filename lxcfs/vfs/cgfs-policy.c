/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure access policy of the virtual cgroupfs; see cgfs-policy.h. */
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "cgfs-policy.h"
#include "parse-util.h"

/* Next component of @p: skips slashes, sets *ret_len; NULL at the end. */
static const char *next_comp(const char *p, size_t *ret_len)
{
	while (*p == '/')
		p++;
	if (!*p)
		return NULL;
	*ret_len = strcspn(p, "/");
	return p;
}

static bool comp_is_dot(const char *s, size_t n)
{
	return (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.');
}

static bool cg_path_valid(const char *p)
{
	size_t n;

	if (!p || *p != '/')
		return false;
	for (const char *s = next_comp(p, &n); s; s = next_comp(s + n, &n))
		if (comp_is_dot(s, n))
			return false;
	return true;
}

enum cgfs_rel cgfs_path_relation(const char *caller_cg, const char *cg)
{
	const char *a, *b;
	size_t na = 0, nb = 0;

	if (!cg_path_valid(caller_cg) || !cg_path_valid(cg))
		return CGFS_REL_INVALID;
	a = next_comp(caller_cg, &na);
	b = next_comp(cg, &nb);
	for (;;) {
		if (!a && !b)
			return CGFS_REL_SELF;
		if (!b)
			return CGFS_REL_ANCESTOR;	/* @cg ended first: above the caller */
		if (!a)
			return CGFS_REL_DESCENDANT;
		if (na != nb || memcmp(a, b, na) != 0)
			return CGFS_REL_UNRELATED;	/* whole components: "/a/b" vs "/a/bc" */
		a = next_comp(a + na, &na);
		b = next_comp(b + nb, &nb);
	}
}

int cgfs_next_component(const char *caller_cg, const char *cg, const char **ret_name,
			size_t *ret_len)
{
	const char *a, *b;
	size_t na = 0, nb = 0;

	if (cgfs_path_relation(caller_cg, cg) != CGFS_REL_ANCESTOR)
		return -EINVAL;
	a = next_comp(caller_cg, &na);
	b = next_comp(cg, &nb);
	while (b) {
		a = next_comp(a + na, &na);
		b = next_comp(b + nb, &nb);
	}
	*ret_name = a;
	*ret_len = na;
	return 0;
}

bool cgfs_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	return n > 0 && n <= NAME_MAX && !strchr(name, '/') && !comp_is_dot(name, n);
}

int cgfs_path_split(const char *path, const char **ret_hier, size_t *ret_hier_len,
		    const char **ret_rest)
{
	const char *rest = startswith(path, "cgroup"), *hier, *end;
	size_t n;

	if (!rest || (*rest && *rest != '/'))
		return -ENOENT;
	if (!*rest || !rest[1]) {
		if (*rest && !rest[1])
			return -ENOENT;	/* "cgroup/": an empty component */
		*ret_hier = rest;
		*ret_hier_len = 0;
		*ret_rest = rest;
		return 0;
	}
	hier = rest + 1;
	/* every component below "cgroup" must be a real name */
	for (const char *s = hier;;) {
		const char *e = strchrnul(s, '/');

		n = (size_t) (e - s);
		if (n == 0 || comp_is_dot(s, n))
			return -ENOENT;
		if (!*e)
			break;
		s = e + 1;
	}
	end = strchrnul(hier, '/');
	*ret_hier = hier;
	*ret_hier_len = (size_t) (end - hier);
	*ret_rest = *end ? end + 1 : end;
	return 0;
}

int cgfs_idmap_parse(const char *text, struct cgfs_idmap *ret)
{
	struct cgfs_idmap m = { .n = 0 };

	for (const char *l = text; l && *l; l = next_line(l)) {
		uint64_t v[3];
		const char *p = l;

		if (*l == '\n')
			continue;
		if (m.n == CGFS_IDMAP_MAX)
			return -E2BIG;
		for (int i = 0; i < 3; i++) {
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p < '0' || *p > '9' || parse_u64_token(p, &v[i], &p) < 0)
				return -EBADMSG;
		}
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p && *p != '\n')
			return -EBADMSG;
		/* each value fits 32 bits first, so the sums below cannot wrap; the kernel's largest
		 * count is 4294967295 (user_namespaces(7)) */
		if (v[0] > UINT32_MAX || v[1] > UINT32_MAX || v[2] > UINT32_MAX || v[2] == 0 ||
		    v[0] + v[2] > (1ull << 32) || v[1] + v[2] > (1ull << 32))
			return -EBADMSG;
		m.e[m.n++] = (struct cgfs_idmap_extent) {
			.inside = (uint32_t) v[0], .outside = (uint32_t) v[1],
			.count = (uint32_t) v[2],
		};
	}
	memcpy(ret->e, m.e, m.n * sizeof(m.e[0]));
	ret->n = m.n;
	return 0;
}

bool cgfs_idmap_to_inside(const struct cgfs_idmap *m, uint32_t host, uint32_t *ret_inside)
{
	for (size_t i = 0; m && i < m->n; i++) {
		const struct cgfs_idmap_extent *e = &m->e[i];

		if (host >= e->outside && (uint64_t) host - e->outside < e->count) {
			*ret_inside = e->inside + (host - e->outside);
			return true;
		}
	}
	return false;
}

bool cgfs_idmap_is_initial(const struct cgfs_idmap *m)
{
	return m && m->n == 1 && m->e[0].inside == 0 && m->e[0].outside == 0 &&
	       m->e[0].count == UINT32_MAX;
}

/* root of a user namespace that maps @owner (the host's root is that for everyone) */
static bool ns_root_over(const struct cgfs_caller *c, uid_t owner)
{
	uint32_t in, dummy;

	return cgfs_idmap_to_inside(c->uid_map, (uint32_t) c->uid, &in) && in == 0 &&
	       cgfs_idmap_to_inside(c->uid_map, (uint32_t) owner, &dummy);
}

static bool privileged_over(const struct cgfs_caller *c, uid_t owner)
{
	return c->uid == owner || ns_root_over(c, owner);
}

bool cgfs_may_access(const struct cgfs_caller *c, const struct cgfs_attr *a, int want)
{
	mode_t need = (want & R_OK ? 4 : 0) | (want & W_OK ? 2 : 0);
	uint32_t dummy;

	if ((want & W_OK) && !cgfs_idmap_is_initial(c->uid_map) &&
	    !cgfs_idmap_to_inside(c->uid_map, (uint32_t) a->uid, &dummy) &&
	    !(c->gid_map && c->gid == a->gid && (a->mode & 0020) &&
	      cgfs_idmap_to_inside(c->gid_map, (uint32_t) a->gid, &dummy)))
		return false;	/* an unprivileged container writes only what its ids own */
	if (privileged_over(c, a->uid) && ((a->mode >> 6) & need) == need)
		return true;
	if (c->gid == a->gid && ((a->mode >> 3) & need) == need)
		return true;
	return (a->mode & need) == need;
}

bool cgfs_file_moves_tasks(const char *file)
{
	return file && (streq(file, "cgroup.procs") || streq(file, "tasks") ||
			streq(file, "cgroup.threads"));
}

/* Files of its own cgroup a caller may write: moving its processes, and (cgroup2) enabling
 * controllers for its children, which raises no limit of its own. */
static bool own_file_writable(const char *file)
{
	return cgfs_file_moves_tasks(file) || streq(file, "cgroup.subtree_control");
}

static int check_mkdir(const struct cgfs_caller *c, const struct cgfs_request *rq,
		       enum cgfs_rel rel)
{
	const char *next;
	size_t n;

	if (!cgfs_name_valid(rq->name))
		return -EINVAL;
	switch (rel) {
	case CGFS_REL_SELF:
	case CGFS_REL_DESCENDANT:
		break;
	case CGFS_REL_ANCESTOR:
		/* on the way down: the next component exists (it holds the caller) */
		if (cgfs_next_component(c->cg, rq->cg, &next, &n) == 0 && strlen(rq->name) == n &&
		    memcmp(rq->name, next, n) == 0)
			return -EEXIST;
		return -EPERM;
	default:
		return -ENOENT;
	}
	return cgfs_may_access(c, &rq->obj, R_OK | W_OK) ? 0 : -EACCES;
}

static int check_rmdir(const struct cgfs_caller *c, const struct cgfs_request *rq,
		       enum cgfs_rel rel)
{
	size_t n;
	const char *first = next_comp(rq->cg, &n);

	if (rq->file)
		return -EINVAL;
	if (!first || !next_comp(first + n, &n))
		return -EPERM;	/* the hierarchy root or a first-level cgroup */
	switch (rel) {
	case CGFS_REL_DESCENDANT:
		break;
	case CGFS_REL_SELF:
	case CGFS_REL_ANCESTOR:
		return -EBUSY;
	default:
		return -ENOENT;
	}
	return cgfs_may_access(c, &rq->obj, W_OK) ? 0 : -EACCES;
}

/* CHMOD, CHOWN: only objects strictly below the caller's own cgroup */
static int check_attr_change(const struct cgfs_caller *c, const struct cgfs_request *rq,
			     enum cgfs_rel rel)
{
	uint32_t dummy;

	switch (rel) {
	case CGFS_REL_DESCENDANT:
		break;
	case CGFS_REL_SELF:
	case CGFS_REL_ANCESTOR:
		return -EPERM;
	default:
		return -ENOENT;
	}
	if (rq->op == CGFS_OP_CHMOD)
		return privileged_over(c, rq->obj.uid) ? 0 : -EPERM;
	if (!ns_root_over(c, rq->obj.uid))
		return -EACCES;
	if (rq->new_uid != (uid_t) -1 &&
	    !cgfs_idmap_to_inside(c->uid_map, (uint32_t) rq->new_uid, &dummy))
		return -EPERM;
	return 0;
}

int cgfs_policy_check(const struct cgfs_caller *c, const struct cgfs_request *rq)
{
	enum cgfs_rel rel;
	bool in_subtree;

	if (!c || !rq || !c->uid_map || (rq->file && !cgfs_name_valid(rq->file)))
		return -EINVAL;
	rel = cgfs_path_relation(c->cg, rq->cg);
	if (rel == CGFS_REL_INVALID)
		return -EINVAL;
	in_subtree = rel == CGFS_REL_SELF || rel == CGFS_REL_DESCENDANT;
	switch (rq->op) {
	case CGFS_OP_LOOKUP:
	case CGFS_OP_READDIR:
		if (rel == CGFS_REL_UNRELATED || (rq->file && !in_subtree))
			return -ENOENT;
		if (rq->op == CGFS_OP_READDIR && in_subtree && !cgfs_may_access(c, &rq->obj, R_OK))
			return -EACCES;
		return 0;
	case CGFS_OP_READ:
	case CGFS_OP_WRITE:
		if (!rq->file)
			return -EISDIR;
		if (!in_subtree)
			return -ENOENT;
		if (rq->op == CGFS_OP_WRITE && rel == CGFS_REL_SELF && !own_file_writable(rq->file))
			return -EACCES;	/* its own limits: a container must not raise them */
		if (!cgfs_may_access(c, &rq->obj, rq->op == CGFS_OP_READ ? R_OK : W_OK))
			return -EACCES;
		return 0;
	case CGFS_OP_MKDIR:
		return check_mkdir(c, rq, rel);
	case CGFS_OP_RMDIR:
		return check_rmdir(c, rq, rel);
	case CGFS_OP_CHMOD:
	case CGFS_OP_CHOWN:
		if (rq->file && !in_subtree)
			return -ENOENT;
		return check_attr_change(c, rq, rel);
	default:
		return -EINVAL;
	}
}

int cgfs_policy_move(const struct cgfs_caller *c, const char *task_cg, uid_t task_uid)
{
	enum cgfs_rel rel = cgfs_path_relation(c->cg, task_cg);

	if (rel == CGFS_REL_INVALID || !c->uid_map)
		return -EINVAL;
	if (rel != CGFS_REL_SELF && rel != CGFS_REL_DESCENDANT)
		return -EPERM;	/* not the caller's to take */
	return privileged_over(c, task_uid) ? 0 : -EPERM;
}

int cgfs_pids_parse(const char *buf, size_t len, pid_t *ret, size_t max, size_t *ret_n)
{
	size_t n = 0, i = 0;

	/* two passes: validate and count first, so the outputs stay untouched on error */
	for (int pass = 0; pass < 2; pass++) {
		n = 0;
		for (i = 0; i < len;) {
			uint64_t v = 0;

			if (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n') {
				i++;
				continue;
			}
			if (buf[i] < '0' || buf[i] > '9')
				return -EINVAL;
			for (; i < len && buf[i] >= '0' && buf[i] <= '9'; i++) {
				v = v * 10 + (uint64_t) (buf[i] - '0');
				if (v > INT32_MAX)
					return -EINVAL;
			}
			if (i < len && buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n')
				return -EINVAL;
			if (v == 0)
				return -EINVAL;
			if (n == max)
				return -E2BIG;
			if (pass == 1)
				ret[n] = (pid_t) v;
			n++;
		}
	}
	*ret_n = n;
	return 0;
}
